//! Timestamps (RFC 3161) on signatures, when the center has a timestamping authority
//! (TSA) configured: after a signature is made, the SHA-256 of its value is sent to the
//! TSA, and the token it answers is carried in the signature as the unsigned attribute
//! id-aa-signatureTimeStampToken (PAdES B-T). The verifier then checks the token — the
//! hash it stamps, the TSA's own CMS signature, the TSA certificate's path to a root
//! pinned *for timestamps* — and judges the signer's certificate at the stamped time.
//!
//! [`SimTsa`] is the TSA's twin (its own small CA); it stamps in-process for `motcua sign
//! demo` and over HTTP (`motcua sim tsa`) for the appliance.

use std::time::Duration;

use chrono::{DateTime, Utc};
use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use const_oid::db::{rfc5911, rfc5912};
use der::asn1::{GeneralizedTime, Int, OctetString};
use der::{Decode, Encode};
use sha2::{Digest, Sha256};
use x509_cert::Certificate;
use x509_tsp::{MessageImprint, TimeStampReq, TimeStampResp, TspVersion, TstInfo};

/// id-ct-TSTInfo.
pub const ID_CT_TST_INFO: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");

/// Whatever stamps a signature value: the token's DER (a CMS ContentInfo).
pub trait TimeStamper {
    fn stamp(&self, signature: &[u8]) -> Result<Vec<u8>, String>;
}

fn sha256_imprint(data: &[u8]) -> Result<MessageImprint, String> {
    Ok(MessageImprint {
        hash_algorithm: spki::AlgorithmIdentifier {
            oid: rfc5912::ID_SHA_256,
            parameters: None,
        },
        hashed_message: OctetString::new(Sha256::digest(data).to_vec())
            .map_err(|e| e.to_string())?,
    })
}

/// A TSA whose failure does not stop the signing: the signature goes out without a
/// timestamp and the reason is kept for the history row (a commune without its TSA for
/// an afternoon still hands out signed results).
pub struct Lenient<'a> {
    pub inner: &'a dyn TimeStamper,
    /// The roots pinned for timestamps: a token that does not lead to one is dropped
    /// (embedding it would turn a valid signature into an undecided one).
    roots: Vec<Vec<u8>>,
    pub failures: std::sync::Mutex<Vec<String>>,
}

impl<'a> Lenient<'a> {
    pub fn new(inner: &'a dyn TimeStamper, roots: Vec<Vec<u8>>) -> Self {
        Lenient {
            inner,
            roots,
            failures: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// The first failure, if any.
    pub fn failure(&self) -> Option<String> {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .first()
            .cloned()
    }
}

impl TimeStamper for Lenient<'_> {
    fn stamp(&self, signature: &[u8]) -> Result<Vec<u8>, String> {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        // Failed once in this signing: the next signature does not wait for it again.
        if !failures.is_empty() {
            return Ok(Vec::new());
        }
        let checked = self.inner.stamp(signature).and_then(|t| {
            check(&t, signature, &self.roots, &[])
                .map(|_| t)
                .map_err(|e| format!("dấu thời gian không kiểm tra được: {e}"))
        });
        match checked {
            Ok(t) => Ok(t),
            Err(e) => {
                failures.push(e);
                Ok(Vec::new())
            }
        }
    }
}

/// A TSA reached over HTTP (`application/timestamp-query`).
pub struct TsaClient {
    pub url: String,
    agent: ureq::Agent,
}

impl TsaClient {
    pub fn new(url: &str, timeout: Duration) -> TsaClient {
        TsaClient {
            url: url.to_string(),
            agent: ureq::AgentBuilder::new().timeout(timeout).build(),
        }
    }
}

impl TimeStamper for TsaClient {
    fn stamp(&self, signature: &[u8]) -> Result<Vec<u8>, String> {
        use rand::RngCore;
        let nonce = rand::thread_rng().next_u64() >> 1;
        let req = TimeStampReq {
            version: TspVersion::V1,
            message_imprint: sha256_imprint(signature)?,
            req_policy: None,
            nonce: Some(int(nonce)?),
            cert_req: true,
            extensions: None,
        }
        .to_der()
        .map_err(|e| e.to_string())?;
        let res = self
            .agent
            .post(&self.url)
            .set("Content-Type", "application/timestamp-query")
            .send_bytes(&req)
            .map_err(|e| match e {
                ureq::Error::Status(c, _) => format!("máy chủ dấu thời gian trả lỗi HTTP {c}"),
                ureq::Error::Transport(t) => {
                    format!("không liên lạc được máy chủ dấu thời gian ({})", t.kind())
                }
            })?;
        let mut body = Vec::new();
        std::io::Read::read_to_end(&mut res.into_reader().take(64 * 1024), &mut body)
            .map_err(|_| "máy chủ dấu thời gian trả lời bị ngắt".to_string())?;
        let resp = TimeStampResp::from_der(&body)
            .map_err(|_| "máy chủ dấu thời gian trả lời không đúng RFC 3161".to_string())?;
        let status = resp.status.status as u8;
        if status > 1 {
            return Err(format!(
                "máy chủ dấu thời gian từ chối (trạng thái {status})"
            ));
        }
        let token = resp
            .time_stamp_token
            .ok_or("máy chủ dấu thời gian không gửi dấu thời gian")?;
        let (tst, _) = read_token(&token)?;
        if tst.message_imprint != sha256_imprint(signature)? {
            return Err("dấu thời gian không đóng cho đúng chữ ký này".into());
        }
        if tst.nonce.as_ref() != Some(&int(nonce)?) {
            return Err("dấu thời gian trả về không khớp yêu cầu (nonce)".into());
        }
        token.to_der().map_err(|e| e.to_string())
    }
}

use std::io::Read as _;

/// A positive DER INTEGER (no leading zero bytes: DER is canonical).
fn int(v: u64) -> Result<Int, String> {
    let mut b = trim(&v.to_be_bytes()).to_vec();
    if b[0] & 0x80 != 0 {
        b.insert(0, 0);
    }
    Int::new(&b).map_err(|e| e.to_string())
}

fn trim(b: &[u8]) -> &[u8] {
    let i = b.iter().position(|&x| x != 0).unwrap_or(b.len() - 1);
    &b[i..]
}

/// A token's TSTInfo and SignedData.
fn read_token(token: &ContentInfo) -> Result<(TstInfo, SignedData), String> {
    let sd = token
        .content
        .decode_as::<SignedData>()
        .map_err(|_| "dấu thời gian không đọc được".to_string())?;
    if sd.encap_content_info.econtent_type != ID_CT_TST_INFO {
        return Err("dấu thời gian không chứa TSTInfo".into());
    }
    let content = sd
        .encap_content_info
        .econtent
        .as_ref()
        .and_then(|a| a.decode_as::<OctetString>().ok())
        .ok_or("dấu thời gian không có nội dung")?;
    let tst = TstInfo::from_der(content.as_bytes())
        .map_err(|e| format!("TSTInfo của dấu thời gian không đọc được ({e})"))?;
    Ok((tst, sd))
}

/// What a checked timestamp says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub time: DateTime<Utc>,
    /// The TSA certificate's CN.
    pub authority: String,
}

/// Checks a token (DER) found on a signature whose value is `signature`: the stamped
/// hash, the TSA's CMS signature over the TSTInfo, its certificate's path to one of the
/// roots pinned for timestamps (through `intermediates`), valid at the stamped time.
pub fn check(
    token: &[u8],
    signature: &[u8],
    roots: &[Vec<u8>],
    intermediates: &[Certificate],
) -> Result<Stamp, String> {
    let ci = ContentInfo::from_der(token).map_err(|_| "dấu thời gian không đọc được")?;
    let (tst, sd) = read_token(&ci)?;
    if tst.message_imprint != sha256_imprint(signature)? {
        return Err("dấu thời gian không đóng cho chữ ký này".into());
    }
    let si = sd
        .signer_infos
        .0
        .iter()
        .next()
        .ok_or("dấu thời gian không có người ký")?;
    let certs: Vec<Certificate> = sd
        .certificates
        .iter()
        .flat_map(|s| s.0.iter())
        .filter_map(|c| match c {
            cms::cert::CertificateChoices::Certificate(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    let cms::signed_data::SignerIdentifier::IssuerAndSerialNumber(ias) = &si.sid else {
        return Err("không xác định được chứng thư của máy chủ dấu thời gian".into());
    };
    let tsa = certs
        .iter()
        .find(|c| {
            c.tbs_certificate.issuer == ias.issuer
                && c.tbs_certificate.serial_number == ias.serial_number
        })
        .ok_or("dấu thời gian không kèm chứng thư của máy chủ")?;
    let attrs = si
        .signed_attrs
        .as_ref()
        .ok_or("dấu thời gian không có thuộc tính ký")?;
    let content = sd
        .encap_content_info
        .econtent
        .as_ref()
        .and_then(|a| a.decode_as::<OctetString>().ok())
        .ok_or("dấu thời gian không có nội dung")?;
    let md = attrs
        .iter()
        .find(|a| a.oid == rfc5911::ID_MESSAGE_DIGEST)
        .and_then(|a| a.values.iter().next())
        .and_then(|v| v.decode_as::<OctetString>().ok());
    if md.as_ref().map(|o| o.as_bytes()) != Some(Sha256::digest(content.as_bytes()).as_slice()) {
        return Err("nội dung dấu thời gian đã bị sửa".into());
    }
    let tbs = attrs.to_der().map_err(|e| e.to_string())?;
    if !super::verify::verify_signature(
        &tsa.tbs_certificate.subject_public_key_info,
        si.signature_algorithm.oid,
        &tbs,
        si.signature.as_bytes(),
    ) {
        return Err("chữ ký của máy chủ dấu thời gian không đúng".into());
    }
    if !super::verify::is_timestamping(tsa) {
        return Err(
            "chứng thư của máy chủ không dành cho dấu thời gian (thiếu timeStamping)".into(),
        );
    }
    let pool: Vec<Certificate> = certs.iter().chain(intermediates).cloned().collect();
    if !super::verify::chains_to_pinned(tsa, &pool, roots) {
        return Err(
            "máy chủ dấu thời gian không thuộc nơi cấp dấu thời gian tin cậy đã ghim".into(),
        );
    }
    let time = DateTime::<Utc>::from_timestamp(tst.gen_time.to_unix_duration().as_secs() as i64, 0)
        .ok_or("thời gian trong dấu thời gian sai")?;
    let v = &tsa.tbs_certificate.validity;
    let t = time.timestamp();
    if t < v.not_before.to_unix_duration().as_secs() as i64
        || t > v.not_after.to_unix_duration().as_secs() as i64
    {
        return Err("chứng thư của máy chủ dấu thời gian hết hạn vào lúc đóng dấu".into());
    }
    Ok(Stamp {
        time,
        authority: super::verify::name_part(
            &tsa.tbs_certificate.subject,
            const_oid::db::rfc4519::CN,
        ),
    })
}

/// The TSA's twin: its own root, a timestamping certificate (EKU timeStamping,
/// critical), ECDSA P-256; stamps with the current time.
pub struct SimTsa {
    key: ring::signature::EcdsaKeyPair,
    pkcs8: Vec<u8>,
    cert: Vec<u8>,
    pub root_der: Vec<u8>,
    serial: std::sync::atomic::AtomicU64,
    /// Fixed time instead of the clock (tests, reproducible pictures).
    pub at: Option<DateTime<Utc>>,
}

impl SimTsa {
    /// A TSA kept by [`SimTsa::save`] (the demo's, across restarts: its earlier
    /// timestamps stay trusted).
    pub fn load(kept: &[u8]) -> Result<SimTsa, String> {
        let v: serde_json::Value =
            serde_json::from_slice(kept).map_err(|e| format!("sim TSA: {e}"))?;
        let get = |k: &str| -> Result<Vec<u8>, String> {
            use base64::Engine;
            v[k].as_str()
                .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok())
                .ok_or_else(|| format!("sim TSA: {k}"))
        };
        Self::from_parts(
            get("key")?,
            get("cert")?,
            get("root")?,
            chrono::Utc::now().timestamp_millis().max(1) as u64,
        )
    }

    /// The TSA from its key (PKCS#8), certificate and root; serials from `first_serial`.
    fn from_parts(
        pkcs8: Vec<u8>,
        cert: Vec<u8>,
        root_der: Vec<u8>,
        first_serial: u64,
    ) -> Result<SimTsa, String> {
        let key = ring::signature::EcdsaKeyPair::from_pkcs8(
            &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
            &pkcs8,
            &ring::rand::SystemRandom::new(),
        )
        .map_err(|e| format!("sim TSA key: {e}"))?;
        Ok(SimTsa {
            key,
            pkcs8,
            cert,
            root_der,
            serial: std::sync::atomic::AtomicU64::new(first_serial),
            at: None,
        })
    }

    /// Its key, certificate and root, to keep (JSON).
    pub fn save(&self) -> Vec<u8> {
        use base64::Engine;
        let e = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        serde_json::json!({"key": e(&self.pkcs8), "cert": e(&self.cert), "root": e(&self.root_der)})
            .to_string()
            .into_bytes()
    }

    pub fn new() -> Result<SimTsa, String> {
        use rcgen::{
            BasicConstraints, CertificateParams, DistinguishedName, DnType,
            ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
        };
        let err = |e: rcgen::Error| format!("sim TSA: {e}");
        let year = chrono::Datelike::year(&Utc::now());
        let root_key = KeyPair::generate().map_err(err)?;
        let mut p = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CountryName, "VN");
        dn.push(DnType::OrganizationName, "motcua – dấu thời gian mô phỏng");
        dn.push(DnType::CommonName, "TSA Root mô phỏng (không dùng thật)");
        p.distinguished_name = dn;
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        p.not_before = rcgen::date_time_ymd(year - 2, 1, 1);
        p.not_after = rcgen::date_time_ymd(year + 10, 12, 31);
        let root = p.self_signed(&root_key).map_err(err)?;
        let key = KeyPair::generate().map_err(err)?;
        let mut p = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CountryName, "VN");
        dn.push(DnType::OrganizationName, "motcua – dấu thời gian mô phỏng");
        dn.push(DnType::CommonName, "Máy chủ dấu thời gian mô phỏng");
        p.distinguished_name = dn;
        p.is_ca = IsCa::ExplicitNoCa;
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::TimeStamping];
        p.use_authority_key_identifier_extension = true;
        p.not_before = rcgen::date_time_ymd(year - 1, 1, 1);
        p.not_after = rcgen::date_time_ymd(year + 5, 12, 31);
        let cert = p.signed_by(&key, &root, &root_key).map_err(err)?;
        Self::from_parts(
            key.serialize_der(),
            cert.der().to_vec(),
            root.der().to_vec(),
            1,
        )
    }

    /// Answers a TimeStampReq (DER) with a TimeStampResp (DER).
    pub fn respond(&self, req: &[u8]) -> Result<Vec<u8>, String> {
        let req = TimeStampReq::from_der(req).map_err(|_| "not a TimeStampReq".to_string())?;
        let token = self.token(req.message_imprint, req.nonce)?;
        let resp = TimeStampResp {
            status: cmpv2_granted(),
            time_stamp_token: Some(ContentInfo::from_der(&token).map_err(|e| e.to_string())?),
        };
        resp.to_der().map_err(|e| e.to_string())
    }

    fn token(&self, imprint: MessageImprint, nonce: Option<Int>) -> Result<Vec<u8>, String> {
        let now = self.at.unwrap_or_else(Utc::now);
        let serial = self
            .serial
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let tst = TstInfo {
            version: TspVersion::V1,
            // A policy of the simulated TSA's own (an example arc: never a real one).
            policy: const_oid::ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.1.1"),
            message_imprint: imprint,
            serial_number: int(serial)?,
            gen_time: GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(
                now.timestamp().max(0) as u64,
            ))
            .map_err(|e| e.to_string())?,
            accuracy: None,
            ordering: false,
            nonce,
            tsa: None,
            extensions: None,
        }
        .to_der()
        .map_err(|e| e.to_string())?;
        let digest: [u8; 32] = Sha256::digest(&tst).into();
        let (attrs, tbs) = super::cms::signed_attributes_for(ID_CT_TST_INFO, &digest, &self.cert)?;
        let rng = ring::rand::SystemRandom::new();
        let sig = self
            .key
            .sign(&rng, &tbs)
            .map_err(|_| "sim TSA: sign".to_string())?;
        super::cms::signed_data_with(
            attrs,
            sig.as_ref(),
            super::KeyKind::EcdsaP256,
            &self.cert,
            &[],
            Some((ID_CT_TST_INFO, &tst)),
            None,
        )
    }
}

fn cmpv2_granted() -> cmpv2::status::PkiStatusInfo<'static> {
    cmpv2::status::PkiStatusInfo {
        status: cmpv2::status::PkiStatus::Accepted,
        status_string: None,
        fail_info: None,
    }
}

impl TimeStamper for SimTsa {
    fn stamp(&self, signature: &[u8]) -> Result<Vec<u8>, String> {
        self.token(sha256_imprint(signature)?, None)
    }
}

/// The simulated TSA over HTTP: `POST /` with a TimeStampReq.
pub fn start(
    listener: std::net::TcpListener,
    tsa: std::sync::Arc<SimTsa>,
) -> std::io::Result<actix_web::dev::Server> {
    use actix_web::{web, App, HttpResponse, HttpServer};
    let data = web::Data::new(tsa);
    Ok(HttpServer::new(move || {
        App::new().app_data(data.clone()).route(
            "/",
            web::post().to(
                |tsa: web::Data<std::sync::Arc<SimTsa>>, body: web::Bytes| async move {
                    match tsa.respond(&body) {
                        Ok(r) => HttpResponse::Ok()
                            .content_type("application/timestamp-reply")
                            .body(r),
                        Err(e) => HttpResponse::BadRequest().body(e),
                    }
                },
            ),
        )
    })
    .workers(1)
    .listen(listener)?
    .run())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_stamps_this_signature_only_and_needs_a_pinned_tsa_root() {
        let tsa = SimTsa::new().unwrap();
        let sig = b"the signature value";
        let token = tsa.stamp(sig).unwrap();
        let roots = vec![tsa.root_der.clone()];
        let s = check(&token, sig, &roots, &[]).unwrap();
        assert_eq!(s.authority, "Máy chủ dấu thời gian mô phỏng");
        assert!((Utc::now() - s.time).num_seconds().abs() < 60);
        assert!(check(&token, b"another signature", &roots, &[])
            .unwrap_err()
            .contains("không đóng cho chữ ký này"));
        let other = SimTsa::new().unwrap();
        assert!(check(&token, sig, &[other.root_der], &[])
            .unwrap_err()
            .contains("không thuộc"));
        let mut bad = token.clone();
        let n = bad.len();
        bad[n - 10] ^= 1;
        assert!(check(&bad, sig, &roots, &[]).is_err());
    }

    #[test]
    fn the_http_request_and_reply_are_rfc_3161() {
        let tsa = SimTsa::new().unwrap();
        let req = TimeStampReq {
            version: TspVersion::V1,
            message_imprint: sha256_imprint(b"x").unwrap(),
            req_policy: None,
            nonce: Some(Int::new(&[1, 2, 3]).unwrap()),
            cert_req: true,
            extensions: None,
        }
        .to_der()
        .unwrap();
        let bytes = tsa.respond(&req).unwrap();
        let resp = TimeStampResp::from_der(&bytes).unwrap();
        let (tst, _) = read_token(resp.time_stamp_token.as_ref().unwrap()).unwrap();
        assert_eq!(tst.nonce.unwrap().as_bytes(), &[1, 2, 3]);
        assert!(tsa.respond(b"junk").is_err());
    }
}
