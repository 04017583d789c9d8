//! Verifying signed PDFs: every signature's byte range and digest, its CMS signature, the
//! certificate path to a pinned root, validity at the signing time, and any change made
//! after it (a later revision may only add signatures: their fields and widgets, the form
//! and the page's annotations naming them). Verdicts in Vietnamese: *Hợp lệ / Không hợp
//! lệ / Không xác định*, each with its reason.

use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use const_oid::db::{rfc5911, rfc5912};
use der::{Decode, Encode};
use lopdf::{Document, Object};
use serde::Serialize;
use sha2::{Digest, Sha256};
use x509_cert::Certificate;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Verdict {
    #[serde(rename = "hop_le")]
    Valid,
    #[serde(rename = "khong_hop_le")]
    Invalid,
    #[serde(rename = "khong_xac_dinh")]
    Unknown,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Valid => "Hợp lệ",
            Verdict::Invalid => "Không hợp lệ",
            Verdict::Unknown => "Không xác định",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SignatureReport {
    pub verdict: Verdict,
    /// The signer's name (certificate CN) and organisation (O).
    pub signer: String,
    pub organisation: String,
    /// `/M` as written.
    pub time: String,
    /// SHA-256 of the signer's certificate, hex (shown as the fingerprint).
    pub fingerprint: String,
    /// Why, in Vietnamese.
    pub reason: String,
    /// The timestamp the signature carries, checked ("09:38:02 07/12/2026 — TSA"), or
    /// empty when it carries none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub timestamp: String,
}

fn total_der_len(b: &[u8]) -> Option<usize> {
    if b.len() < 2 || b[0] != 0x30 {
        return None;
    }
    let (len, head) = match b[1] {
        l if l < 0x80 => (l as usize, 2),
        0x81 => (*b.get(2)? as usize, 3),
        0x82 => (((*b.get(2)? as usize) << 8) | *b.get(3)? as usize, 4),
        0x83 => (
            ((*b.get(2)? as usize) << 16) | ((*b.get(3)? as usize) << 8) | *b.get(4)? as usize,
            5,
        ),
        _ => return None,
    };
    Some(head + len).filter(|n| *n <= b.len())
}

fn numbers(s: &[u8]) -> Vec<usize> {
    std::str::from_utf8(s)
        .unwrap_or("")
        .split(|c: char| !c.is_ascii_digit())
        .filter(|t| !t.is_empty())
        .filter_map(|t| t.parse().ok())
        .collect()
}

pub(super) fn name_part(name: &x509_cert::name::Name, oid: const_oid::ObjectIdentifier) -> String {
    for rdn in name.0.iter() {
        for atv in rdn.0.iter() {
            if atv.oid == oid {
                if let Ok(s) = atv.value.decode_as::<der::asn1::Utf8StringRef>() {
                    return s.as_str().to_string();
                }
                if let Ok(s) = atv.value.decode_as::<der::asn1::PrintableStringRef>() {
                    return s.as_str().to_string();
                }
            }
        }
    }
    String::new()
}

pub fn verify_signature(
    spki: &spki::SubjectPublicKeyInfoOwned,
    sig_oid: const_oid::ObjectIdentifier,
    msg: &[u8],
    sig: &[u8],
) -> bool {
    sig_oid != rfc5912::SHA_1_WITH_RSA_ENCRYPTION && verify_any(spki, sig_oid, msg, sig)
}

/// A certificate's signature by its issuer: SHA-1 is accepted here only, for the
/// Government CA's G1 hierarchy (valid to 2030), which signed its certificates with it.
fn verify_link(issuer: &Certificate, cert: &Certificate) -> bool {
    verify_any(
        &issuer.tbs_certificate.subject_public_key_info,
        cert.signature_algorithm.oid,
        &cert.tbs_certificate.to_der().unwrap_or_default(),
        cert.signature.raw_bytes(),
    )
}

/// Whether `c` may issue certificates: basicConstraints CA:TRUE and, when it says
/// its key usage, keyCertSign; with its path length limit (`None`: no limit).
fn issuer_rights(c: &Certificate) -> Option<Option<u8>> {
    use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages};
    let mut ca = None;
    let mut sign_ok = true;
    for e in c.tbs_certificate.extensions.iter().flatten() {
        if e.extn_id == const_oid::db::rfc5280::ID_CE_BASIC_CONSTRAINTS {
            ca = BasicConstraints::from_der(e.extn_value.as_bytes()).ok();
        } else if e.extn_id == const_oid::db::rfc5280::ID_CE_KEY_USAGE {
            sign_ok = KeyUsage::from_der(e.extn_value.as_bytes())
                .is_ok_and(|k| k.0.contains(KeyUsages::KeyCertSign));
        }
    }
    match ca {
        Some(b) if b.ca && sign_ok => Some(b.path_len_constraint),
        _ => None,
    }
}

/// Whether `c` says it is for timestamping (extendedKeyUsage id-kp-timeStamping).
pub fn is_timestamping(c: &Certificate) -> bool {
    use x509_cert::ext::pkix::ExtendedKeyUsage;
    c.tbs_certificate.extensions.iter().flatten().any(|e| {
        e.extn_id == const_oid::db::rfc5280::ID_CE_EXT_KEY_USAGE
            && ExtendedKeyUsage::from_der(e.extn_value.as_bytes())
                .is_ok_and(|u| u.0.contains(&const_oid::db::rfc5280::ID_KP_TIME_STAMPING))
    })
}

fn verify_any(
    spki: &spki::SubjectPublicKeyInfoOwned,
    sig_oid: const_oid::ObjectIdentifier,
    msg: &[u8],
    sig: &[u8],
) -> bool {
    use ring::signature as rs;
    let alg: &dyn rs::VerificationAlgorithm = if sig_oid == rfc5912::ECDSA_WITH_SHA_256 {
        &rs::ECDSA_P256_SHA256_ASN1
    } else if sig_oid == rfc5912::ECDSA_WITH_SHA_384 {
        &rs::ECDSA_P384_SHA384_ASN1
    } else if sig_oid == rfc5912::SHA_256_WITH_RSA_ENCRYPTION || sig_oid == rfc5912::RSA_ENCRYPTION
    {
        &rs::RSA_PKCS1_2048_8192_SHA256
    } else if sig_oid == rfc5912::SHA_384_WITH_RSA_ENCRYPTION {
        &rs::RSA_PKCS1_2048_8192_SHA384
    } else if sig_oid == rfc5912::SHA_512_WITH_RSA_ENCRYPTION {
        &rs::RSA_PKCS1_2048_8192_SHA512
    } else if sig_oid == rfc5912::SHA_1_WITH_RSA_ENCRYPTION {
        // Reached only through `verify_link` (see there).
        &rs::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY
    } else {
        return false;
    };
    let key = spki.subject_public_key.raw_bytes();
    ring::signature::UnparsedPublicKey::new(alg, key)
        .verify(msg, sig)
        .is_ok()
}

/// One line for the dossier page: "Hợp lệ — Nguyễn Văn An (UBND xã Tân Phú)".
pub fn summary(r: &SignatureReport) -> String {
    let who = match (r.signer.is_empty(), r.organisation.is_empty()) {
        (false, false) if r.signer != r.organisation => {
            format!("{} ({})", r.signer, r.organisation)
        }
        (false, _) => r.signer.clone(),
        (true, false) => r.organisation.clone(),
        (true, true) => "không rõ người ký".into(),
    };
    match r.verdict {
        Verdict::Valid => format!("{} — {who}", r.verdict.label()),
        _ => format!("{} — {who}: {}", r.verdict.label(), r.reason),
    }
}

/// The PDF's signatures, oldest first, each judged against the pinned `roots` (DER).
pub fn verify_pdf(bytes: &[u8], roots: &[Vec<u8>]) -> Result<Vec<SignatureReport>, String> {
    verify_pdf_with(bytes, roots, &[])
}

/// [`verify_pdf`] with `intermediates` (DER) to build paths through when a signer
/// embedded only its own certificate; they are never trusted by themselves.
pub fn verify_pdf_with(
    bytes: &[u8],
    roots: &[Vec<u8>],
    intermediates: &[Vec<u8>],
) -> Result<Vec<SignatureReport>, String> {
    verify_pdf_anchored(
        bytes,
        &Anchors {
            roots,
            intermediates,
            tsa_roots: &[],
        },
    )
}

/// What a verdict is judged against: roots for signatures, intermediates to build paths
/// through, and the roots pinned for timestamps (trusted for nothing else).
#[derive(Clone, Copy, Default)]
pub struct Anchors<'a> {
    pub roots: &'a [Vec<u8>],
    pub intermediates: &'a [Vec<u8>],
    pub tsa_roots: &'a [Vec<u8>],
}

/// Every signature judged against `anchors` (timestamps too, when a signature has one).
pub fn verify_pdf_anchored(
    bytes: &[u8],
    anchors: &Anchors,
) -> Result<Vec<SignatureReport>, String> {
    let (roots, intermediates) = (anchors.roots, anchors.intermediates);
    let extra: Vec<Certificate> = intermediates
        .iter()
        .filter_map(|c| Certificate::from_der(c).ok())
        .collect();
    if !bytes.starts_with(b"%PDF-") {
        return Err("Tệp không phải PDF".into());
    }
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(p) = bytes[from..].windows(11).position(|w| w == b"/ByteRange ") {
        let at = from + p;
        from = at + 11;
        let end = match bytes[at..].iter().position(|&c| c == b']') {
            Some(e) => at + e,
            None => continue,
        };
        let r = numbers(&bytes[at + 11..end]);
        out.push(one(bytes, &r, roots, &extra, anchors.tsa_roots));
    }
    if out.is_empty() {
        return Err("Tệp PDF không có chữ ký số nào".into());
    }
    Ok(out)
}

fn bad(verdict: Verdict, reason: &str) -> SignatureReport {
    SignatureReport {
        verdict,
        signer: String::new(),
        organisation: String::new(),
        time: String::new(),
        fingerprint: String::new(),
        reason: reason.into(),
        timestamp: String::new(),
    }
}

fn one(
    bytes: &[u8],
    r: &[usize],
    roots: &[Vec<u8>],
    extra: &[Certificate],
    tsa_roots: &[Vec<u8>],
) -> SignatureReport {
    let [z, a, b, n] = match r {
        [z, a, b, n] => [*z, *a, *b, *n],
        _ => return bad(Verdict::Invalid, "ByteRange không đủ bốn số"),
    };
    if z != 0 || a >= b || b.checked_add(n).is_none_or(|e| e > bytes.len()) || b < 2 {
        return bad(Verdict::Invalid, "ByteRange sai (không khớp với tệp)");
    }
    if bytes[a] != b'<'
        || bytes[b - 1] != b'>'
        || !bytes[a + 1..b - 1].iter().all(u8::is_ascii_hexdigit)
    {
        return bad(
            Verdict::Invalid,
            "ByteRange không bao đúng phần chữ ký (có thể đã bị sửa)",
        );
    }
    let der = match hex::decode(&bytes[a + 1..b - 1]) {
        Ok(d) => d,
        Err(_) => return bad(Verdict::Invalid, "phần chữ ký không phải mã hex"),
    };
    let Some(len) = total_der_len(&der) else {
        return bad(Verdict::Unknown, "không đọc được khối chữ ký (CMS)");
    };
    let Ok(ci) = ContentInfo::from_der(&der[..len]) else {
        return bad(Verdict::Unknown, "không đọc được khối chữ ký (CMS)");
    };
    let Ok(sd) = ci.content.decode_as::<SignedData>() else {
        return bad(Verdict::Unknown, "khối chữ ký không phải SignedData");
    };
    let Some(si) = sd.signer_infos.0.iter().next() else {
        return bad(Verdict::Invalid, "khối chữ ký không có người ký");
    };
    let certs: Vec<Certificate> = sd
        .certificates
        .iter()
        .flat_map(|s| s.0.iter())
        .filter_map(|c| match c {
            cms::cert::CertificateChoices::Certificate(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    let pool: Vec<Certificate> = certs.iter().chain(extra).cloned().collect();
    let cms::signed_data::SignerIdentifier::IssuerAndSerialNumber(ias) = &si.sid else {
        return bad(
            Verdict::Unknown,
            "không xác định được chứng thư của người ký",
        );
    };
    let Some(leaf) = certs.iter().find(|c| {
        c.tbs_certificate.issuer == ias.issuer
            && c.tbs_certificate.serial_number == ias.serial_number
    }) else {
        return bad(
            Verdict::Unknown,
            "khối chữ ký không kèm chứng thư của người ký",
        );
    };
    let leaf_der = leaf.to_der().unwrap_or_default();
    let subject = &leaf.tbs_certificate.subject;
    let mut rep = SignatureReport {
        verdict: Verdict::Invalid,
        signer: name_part(subject, const_oid::db::rfc4519::CN),
        organisation: name_part(subject, const_oid::db::rfc4519::O),
        time: m_of(bytes, a),
        fingerprint: hex::encode(Sha256::digest(&leaf_der)),
        reason: String::new(),
        timestamp: String::new(),
    };
    // The digest of the signed bytes.
    let mut h = Sha256::new();
    h.update(&bytes[..a]);
    h.update(&bytes[b..b + n]);
    let digest = h.finalize();
    let Some(attrs) = &si.signed_attrs else {
        rep.reason = "chữ ký không có thuộc tính ký (không phải PAdES)".into();
        return rep;
    };
    let md = attrs
        .iter()
        .find(|at| at.oid == rfc5911::ID_MESSAGE_DIGEST)
        .and_then(|at| at.values.iter().next())
        .and_then(|v| v.decode_as::<der::asn1::OctetString>().ok());
    if md.as_ref().map(|o| o.as_bytes()) != Some(digest.as_slice()) {
        rep.reason = "nội dung đã bị thay đổi sau khi ký (mã băm không khớp)".into();
        return rep;
    }
    let tbs = attrs.to_der().unwrap_or_default();
    if !verify_signature(
        &leaf.tbs_certificate.subject_public_key_info,
        si.signature_algorithm.oid,
        &tbs,
        si.signature.as_bytes(),
    ) {
        rep.reason = "chữ ký không khớp với chứng thư của người ký".into();
        return rep;
    }
    // The path to a pinned root, checking each certificate's signature.
    let trusted = chains_to_pinned(leaf, &pool, roots);
    if !trusted {
        rep.verdict = Verdict::Unknown;
        rep.reason =
            "chữ ký đúng nhưng chứng thư không thuộc tổ chức chứng thực tin cậy đã ghim".into();
        return rep;
    }
    // A timestamp, when there is one, says when the signature existed; the certificate
    // is judged at that time rather than at the signer's own clock (/M).
    let token = si
        .unsigned_attrs
        .iter()
        .flat_map(|a| a.iter())
        .find(|a| a.oid == super::cms::ID_AA_SIGNATURE_TIME_STAMP_TOKEN)
        .and_then(|a| a.values.iter().next())
        .and_then(|v| v.to_der().ok());
    let mut at = signing_time(&rep.time);
    if let Some(token) = token {
        match super::tsa::check(&token, si.signature.as_bytes(), tsa_roots, extra) {
            Ok(stamp) => {
                rep.timestamp = format!(
                    "{} — {}",
                    crate::domain::time::local(stamp.time).format("%H:%M:%S %d/%m/%Y"),
                    stamp.authority
                );
                at = Some(stamp.time.timestamp());
            }
            Err(why) => {
                rep.verdict = Verdict::Unknown;
                rep.reason = format!("chữ ký đúng nhưng dấu thời gian không kiểm tra được: {why}");
                return rep;
            }
        }
    }
    if let Some(t) = at {
        let v = &leaf.tbs_certificate.validity;
        let (nb, na) = (
            v.not_before.to_unix_duration().as_secs() as i64,
            v.not_after.to_unix_duration().as_secs() as i64,
        );
        if t < nb || t > na {
            rep.reason = "chứng thư của người ký hết hạn hoặc chưa có hiệu lực vào lúc ký".into();
            return rep;
        }
    }
    // Anything after the signed revision may only add signatures.
    let end = b + n;
    if end < bytes.len() {
        if let Err(why) = only_signatures_added(&bytes[..end], bytes) {
            rep.reason = format!("sửa đổi sau khi ký: {why}");
            return rep;
        }
    }
    rep.verdict = Verdict::Valid;
    rep.reason = match (end < bytes.len(), rep.timestamp.is_empty()) {
        (true, true) => "chữ ký đúng, chứng thư tin cậy; sau đó chỉ thêm chữ ký khác".into(),
        (false, true) => "chữ ký đúng, chứng thư tin cậy, tệp không thay đổi sau khi ký".into(),
        (true, false) => format!(
            "chữ ký đúng, chứng thư tin cậy, có dấu thời gian ({}); sau đó chỉ thêm chữ ký khác",
            rep.timestamp
        ),
        (false, false) => format!(
            "chữ ký đúng, chứng thư tin cậy, có dấu thời gian ({}), tệp không thay đổi sau khi ký",
            rep.timestamp
        ),
    };
    rep
}

/// Whether `leaf` leads to one of the pinned `roots` (see [`path_to_pinned`]).
pub fn chains_to_pinned(leaf: &Certificate, others: &[Certificate], roots: &[Vec<u8>]) -> bool {
    path_to_pinned(leaf, others, roots).is_some()
}

/// The certificates from `leaf`'s issuer up to a pinned root (that root last; empty when
/// `leaf` is itself pinned), through `others` (what a signature or a key file carries)
/// and the roots, each link's signature checked. Chain building by name and signature,
/// never by issuer text. Every issuer below the root must be a CA allowed to sign
/// certificates (an ordinary certificate from a pinned CA cannot vouch for a forged
/// one) within its path length. At most six links, so a chain that loops ends as
/// `None`, never as a hang.
pub fn path_to_pinned(
    leaf: &Certificate,
    others: &[Certificate],
    roots: &[Vec<u8>],
) -> Option<Vec<Certificate>> {
    let pool: Vec<Certificate> = others
        .iter()
        .cloned()
        .chain(roots.iter().filter_map(|r| Certificate::from_der(r).ok()))
        .collect();
    let mut cur = leaf.clone();
    let mut path: Vec<Certificate> = Vec::new();
    for _ in 0..6 {
        let cur_der = cur.to_der().unwrap_or_default();
        if roots.iter().any(|r| *r == cur_der) {
            return Some(path);
        }
        // CAs below this one on the path so far (the leaf is not one).
        let below = path.len();
        let issuer = pool.iter().find(|c| {
            c.tbs_certificate.subject == cur.tbs_certificate.issuer
                && issuer_rights(c).is_some_and(|limit| limit.is_none_or(|n| below <= n as usize))
                && verify_link(c, &cur)
        })?;
        if issuer.to_der().ok() == Some(cur_der)
            && !roots
                .iter()
                .any(|r| Some(r) == issuer.to_der().ok().as_ref())
        {
            return None; // self-signed and not pinned
        }
        cur = issuer.clone();
        path.push(cur.clone());
    }
    None
}

/// `/M (D:…)` of the signature dictionary holding `/Contents` at `a`.
fn m_of(bytes: &[u8], a: usize) -> String {
    let tail = &bytes[a..bytes.len().min(a + 40_000)];
    tail.windows(4)
        .position(|w| w == b"/M (")
        .and_then(|p| {
            let s = &tail[p + 4..];
            s.iter().position(|&c| c == b')').map(|e| unescape(&s[..e]))
        })
        .unwrap_or_default()
}

/// A PDF literal string's octal escapes (`\072` = `:`), as some signers write `/M`.
fn unescape(s: &[u8]) -> String {
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let octal = s
            .get(i + 1..i + 4)
            .is_some_and(|o| o.iter().all(|c| (b'0'..=b'7').contains(c)));
        if s[i] == b'\\' && octal {
            let v = (s[i + 1] - b'0') as u32 * 64
                + (s[i + 2] - b'0') as u32 * 8
                + (s[i + 3] - b'0') as u32;
            out.push(v as u8);
            i += 4;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).to_string()
}

/// The signing time as people read it, in Vietnam's time: "05/03/2026 08:30:00"
/// (the raw `/M` when it cannot be read).
pub fn time_shown(m: &str) -> String {
    match signing_time(m).and_then(|t| chrono::DateTime::from_timestamp(t, 0)) {
        Some(t) => crate::domain::time::local(t)
            .format("%d/%m/%Y %H:%M:%S")
            .to_string(),
        None => m.to_string(),
    }
}

/// `D:20260305083000+07'00'` (or `…Z`) → unix seconds.
fn signing_time(m: &str) -> Option<i64> {
    let s = m.strip_prefix("D:")?;
    let t = chrono::NaiveDateTime::parse_from_str(s.get(..14)?, "%Y%m%d%H%M%S").ok()?;
    let off = match s.get(14..15) {
        Some("+") | Some("-") => {
            let h: i64 = s.get(15..17)?.parse().ok()?;
            let m: i64 = s.get(18..20).and_then(|x| x.parse().ok()).unwrap_or(0);
            let sign = if &s[14..15] == "-" { -1 } else { 1 };
            sign * (h * 3600 + m * 60)
        }
        _ => 0,
    };
    Some(t.and_utc().timestamp() - off)
}

/// Compares the signed revision with the whole file: new objects may only be signatures,
/// widgets and cross-reference streams; changed ones only the catalog (its form) and
/// pages (their annotations) and the form itself.
fn only_signatures_added(signed: &[u8], whole: &[u8]) -> Result<(), String> {
    let before = Document::load_mem(signed).map_err(|_| "không đọc được bản đã ký".to_string())?;
    let after = Document::load_mem(whole).map_err(|_| "không đọc được bản hiện tại".to_string())?;
    let without = |o: &Object, keys: &[&[u8]]| -> Object {
        match o {
            Object::Dictionary(d) => {
                let mut d = d.clone();
                for k in keys {
                    d.remove(k);
                }
                Object::Dictionary(d)
            }
            other => other.clone(),
        }
    };
    // The document information dictionary is metadata (producer, dates): not content.
    let info = after
        .trailer
        .get(b"Info")
        .ok()
        .and_then(|o| o.as_reference().ok());
    for (id, obj) in after.objects.iter() {
        if Some(*id) == info {
            continue;
        }
        match before.objects.get(id) {
            None => {
                let name = |d: &lopdf::Dictionary, k: &[u8]| match d.get(k) {
                    Ok(Object::Name(n)) => Some(n.clone()),
                    _ => None,
                };
                let ok = match obj {
                    // A new annotation may only be a signature widget: anything else
                    // (a text box over the page, say) would change what is read.
                    Object::Dictionary(d) => {
                        match (name(d, b"Type").as_deref(), name(d, b"Subtype").as_deref()) {
                            (_, Some(b"Widget")) => true,
                            (Some(b"Annot"), _) => false,
                            (Some(t), _) => matches!(
                                t,
                                b"Sig"
                                    | b"DocTimeStamp"
                                    | b"XRef"
                                    | b"DSS"
                                    | b"VRI"
                                    | b"Font"
                                    | b"FontDescriptor"
                                    | b"Encoding"
                                    | b"ExtGState"
                                    | b"DeveloperExtensions"
                            ),
                            (None, _) => {
                                d.has(b"Fields")
                                    || d.has(b"Certs")
                                    || d.has(b"OCSPs")
                                    || d.has(b"CRLs")
                            }
                        }
                    }
                    // Appearances (with their images: a signature's or a seal's picture),
                    // fonts, validation data, metadata: nothing a page shows unless a page
                    // or a widget names it (and those are checked).
                    Object::Stream(s) => !matches!(
                        name(&s.dict, b"Type").as_deref(),
                        Some(b"Page") | Some(b"Annot")
                    ),
                    Object::Array(_) => true,
                    _ => false,
                };
                if !ok {
                    return Err(format!("thêm đối tượng {} không phải chữ ký", id.0));
                }
            }
            Some(old) if old != obj => {
                // The catalog may gain the form, extensions, a version, metadata and
                // validation data; a page only annotations; the form only fields.
                let keys: &[&[u8]] = &[
                    b"AcroForm",
                    b"Annots",
                    b"Fields",
                    b"SigFlags",
                    b"Extensions",
                    b"Version",
                    b"Metadata",
                    b"DSS",
                    b"NeedAppearances",
                    b"DR",
                    b"DA",
                ];
                if without(old, keys) != without(obj, keys) {
                    return Err(format!("đối tượng {} bị thay đổi", id.0));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::{pdf::SigInfo, sign_pdf, DemoPki};

    #[test]
    fn signing_time_is_shown_in_vietnam_time() {
        assert_eq!(time_shown("D:20260305083000+07'00'"), "05/03/2026 08:30:00");
        assert_eq!(time_shown("D:20260305013000Z"), "05/03/2026 08:30:00");
        assert_eq!(time_shown("hôm qua"), "hôm qua");
    }
    use chrono::{TimeZone, Utc};

    /// A two-page PDF as the center makes them (one JPEG a page).
    fn original() -> Vec<u8> {
        let mut page = Vec::new();
        let pixels: Vec<u8> = (0..64 * 64).map(|i| (i % 251) as u8).collect();
        jpeg_encoder::Encoder::new(&mut page, 80)
            .encode(&pixels, 64, 64, jpeg_encoder::ColorType::Luma)
            .unwrap();
        crate::render::pdf::pdf_from_jpegs(&[&page, &page], "Kết quả").unwrap()
    }

    fn info(field: &str, name: &str) -> (String, String) {
        (field.into(), name.into())
    }

    #[test]
    fn a_signed_result_verifies_and_a_flipped_byte_or_an_added_page_does_not() {
        let now = Utc.with_ymd_and_hms(2026, 3, 5, 2, 0, 0).unwrap();
        let pki = DemoPki::new("xã Tân Phú", &["Nguyễn Văn An", "Trần Thị Bình"], now).unwrap();
        let pdf = original();
        let (f, n) = info("ChuKy1", "Nguyễn Văn An");
        let signed = sign_pdf(
            &pdf,
            &pki.signer(1).unwrap(),
            &SigInfo {
                field: &f,
                name: &n,
                reason: "Ký kết quả giải quyết",
                at: now,
                look: crate::sign::appearance::Look::Person {
                    name: n.clone(),
                    org: "UBND xã Tân Phú".into(),
                    at: now,
                    image: None,
                },
            },
        )
        .unwrap();
        assert_eq!(&signed[..pdf.len()], &pdf[..], "appended, never rewritten");
        let roots = vec![pki.root_der.clone()];
        let r = verify_pdf(&signed, &roots).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].verdict, Verdict::Valid, "{}", r[0].reason);
        assert_eq!(r[0].signer, "Nguyễn Văn An");
        assert!(r[0].time.starts_with("D:20260305090000+07'00'"));

        // The organisation signs after: both hold.
        let (f2, n2) = info("ChuKy2", "UBND xã Tân Phú");
        let both = sign_pdf(
            &signed,
            &pki.signer(0).unwrap(),
            &SigInfo {
                field: &f2,
                name: &n2,
                reason: "Ký số của cơ quan",
                at: now,
                look: crate::sign::appearance::Look::Seal {
                    org: n2.clone(),
                    image: None,
                },
            },
        )
        .unwrap();
        let r = verify_pdf(&both, &roots).unwrap();
        assert_eq!(
            r.iter().map(|x| x.verdict).collect::<Vec<_>>(),
            [Verdict::Valid, Verdict::Valid],
            "{r:?}"
        );

        // A flipped byte in the signed part.
        let mut flipped = signed.clone();
        flipped[200] ^= 0x01;
        assert_eq!(
            verify_pdf(&flipped, &roots).unwrap()[0].verdict,
            Verdict::Invalid
        );

        // Another root pinned: right signature, unknown signer.
        let other = DemoPki::new("xã Khác", &[], now).unwrap();
        assert_eq!(
            verify_pdf(&signed, &[other.root_der]).unwrap()[0].verdict,
            Verdict::Unknown
        );

        // A revision that changes a page after signing.
        let mut doc = lopdf::Document::load_mem(&signed).unwrap();
        let (_, page) = doc.get_pages().into_iter().next().unwrap();
        doc.get_dictionary_mut(page)
            .unwrap()
            .set("Rotate", lopdf::Object::Integer(90));
        let mut inc = signed.clone();
        let mut body = Vec::new();
        lopdf::Writer::write_object(&mut body, doc.get_object(page).unwrap()).unwrap();
        let at = inc.len();
        inc.extend_from_slice(format!("{} 0 obj\n", page.0).as_bytes());
        inc.extend_from_slice(&body);
        inc.extend_from_slice(b"\nendobj\n");
        let xref = inc.len();
        let prev = lopdf::Document::load_mem(&signed).unwrap().xref_start;
        let size = lopdf::Document::load_mem(&signed).unwrap().max_id + 1;
        let root = doc.trailer.get(b"Root").unwrap().as_reference().unwrap();
        inc.extend_from_slice(
            format!(
                "xref\n{} 1\n{at:010} 00000 n \ntrailer\n<< /Size {size} /Root {} 0 R /Prev {prev} >>\nstartxref\n{xref}\n%%EOF\n",
                page.0, root.0
            )
            .as_bytes(),
        );
        let r = verify_pdf(&inc, &roots).unwrap();
        assert_eq!(r[0].verdict, Verdict::Invalid, "{r:?}");
        assert!(
            r[0].reason.contains("sửa đổi sau khi ký"),
            "{}",
            r[0].reason
        );
    }

    #[test]
    fn not_a_pdf_or_unsigned_is_said_plainly() {
        assert!(verify_pdf(b"hello", &[])
            .unwrap_err()
            .contains("không phải PDF"));
        assert!(verify_pdf(&original(), &[])
            .unwrap_err()
            .contains("không có chữ ký"));
        let now = Utc.with_ymd_and_hms(2026, 3, 5, 2, 0, 0).unwrap();
        let pki = DemoPki::new("xã Tân Phú", &["A"], now).unwrap();
        let info = SigInfo {
            field: "S",
            name: "A",
            reason: "r",
            at: now,
            look: crate::sign::appearance::Look::Hidden,
        };
        assert!(sign_pdf(b"%PDF-1.7\n garbage", &pki.signer(1).unwrap(), &info).is_err());
        let pdf = original();
        assert!(
            sign_pdf(&pdf[..pdf.len() / 2], &pki.signer(1).unwrap(), &info).is_err(),
            "truncated"
        );
    }

    #[test]
    fn lying_byte_ranges_expired_certificates_and_encrypted_files_are_refused() {
        let now = Utc.with_ymd_and_hms(2026, 3, 5, 2, 0, 0).unwrap();
        let pki = DemoPki::new("xã Tân Phú", &["A"], now).unwrap();
        let roots = vec![pki.root_der.clone()];
        let info = |at| SigInfo {
            field: "S",
            name: "A",
            reason: "r",
            at,
            look: crate::sign::appearance::Look::Hidden,
        };
        let signed = sign_pdf(&original(), &pki.signer(1).unwrap(), &info(now)).unwrap();
        let slot = signed
            .windows(11)
            .position(|w| w == b"/ByteRange ")
            .unwrap();
        let end = slot + signed[slot..].iter().position(|&c| c == b']').unwrap();
        let r = numbers(&signed[slot + 11..end]);
        let lie = |range: [usize; 4]| {
            let mut text = format!(
                "/ByteRange [{} {} {} {}",
                range[0], range[1], range[2], range[3]
            )
            .into_bytes();
            assert!(text.len() <= end - slot, "the lie fits the slot");
            text.resize(end - slot, b' ');
            let mut f = signed.clone();
            f[slot..end].copy_from_slice(&text);
            verify_pdf(&f, &roots).unwrap().remove(0)
        };
        // Covering less than was signed: the digest no longer matches.
        let v = lie([0, r[1], r[2], r[3] - 50]);
        assert_eq!(v.verdict, Verdict::Invalid, "{}", v.reason);
        // Pointing the hole at signed content, past the file's end, or backwards.
        let v = lie([0, r[1] - 10, r[2], r[3]]);
        assert_eq!(v.verdict, Verdict::Invalid, "{}", v.reason);
        assert!(v.reason.contains("ByteRange"), "{}", v.reason);
        assert_eq!(lie([0, r[1], r[2], r[3] + 10]).verdict, Verdict::Invalid);
        assert_eq!(lie([0, r[2], r[1], r[3]]).verdict, Verdict::Invalid);

        // A signature dated after the certificate expired (its /M beyond not_after).
        let late = Utc.with_ymd_and_hms(2035, 1, 1, 0, 0, 0).unwrap();
        let v = verify_pdf(
            &sign_pdf(&original(), &pki.signer(1).unwrap(), &info(late)).unwrap(),
            &roots,
        )
        .unwrap();
        assert_ne!(v[0].verdict, Verdict::Valid, "{}", v[0].reason);
        assert!(v[0].reason.contains("hết hạn"), "{}", v[0].reason);

        // An encrypted file is never signed (the signature would cover ciphertext).
        let pdf = original();
        let doc = lopdf::Document::load_mem(&pdf).unwrap();
        let root = doc.trailer.get(b"Root").unwrap().as_reference().unwrap();
        let mut enc = pdf.clone();
        let at = enc.len();
        enc.extend_from_slice(b"99 0 obj\n<< /Filter /Standard /V 2 /R 3 /Length 128 /P -4 /O <00> /U <00> >>\nendobj\n");
        let xref = enc.len();
        enc.extend_from_slice(
            format!(
                "xref\n99 1\n{at:010} 00000 n \ntrailer\n<< /Size 100 /Root {} 0 R /Prev {} /Encrypt 99 0 R /ID [<00> <00>] >>\nstartxref\n{xref}\n%%EOF\n",
                root.0, doc.xref_start
            )
            .as_bytes(),
        );
        let e = sign_pdf(&enc, &pki.signer(1).unwrap(), &info(now)).unwrap_err();
        assert!(
            e.contains("mật khẩu") || e.contains("không phải PDF"),
            "{e}"
        );
    }

    #[test]
    fn an_ordinary_certificate_cannot_vouch_for_a_forged_one_and_loops_end() {
        use rcgen::{
            BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, KeyPair,
            KeyUsagePurpose,
        };
        let named = |cn: &str| {
            let mut p = CertificateParams::default();
            let mut dn = DistinguishedName::new();
            dn.push(DnType::CommonName, cn);
            p.distinguished_name = dn;
            p
        };
        let root_key = KeyPair::generate().unwrap();
        let mut rp = named("Root");
        rp.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        rp.key_usages = vec![KeyUsagePurpose::KeyCertSign];
        let root = rp.self_signed(&root_key).unwrap();
        // A citizen's ordinary certificate from the pinned root…
        let user_key = KeyPair::generate().unwrap();
        let mut up = named("Người dùng thường");
        up.is_ca = IsCa::ExplicitNoCa;
        let user = up.signed_by(&user_key, &root, &root_key).unwrap();
        // …issuing itself a certificate in the commune's name.
        let forged_key = KeyPair::generate().unwrap();
        let forged = named("UBND xã Tân Phú")
            .signed_by(&forged_key, &user, &user_key)
            .unwrap();
        let c = |d: &[u8]| Certificate::from_der(d).unwrap();
        let roots = vec![root.der().to_vec()];
        assert!(
            chains_to_pinned(&c(user.der()), &[], &roots),
            "the user is genuine"
        );
        assert!(!chains_to_pinned(
            &c(forged.der()),
            &[c(user.der())],
            &roots
        ));
        // A CA under a root whose path length is 0 may not issue further CAs' leaves.
        let sub_key = KeyPair::generate().unwrap();
        let mut sp = named("Sub CA");
        sp.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        sp.key_usages = vec![KeyUsagePurpose::KeyCertSign];
        let sub = sp.signed_by(&sub_key, &root, &root_key).unwrap();
        let leaf = named("Lá")
            .signed_by(&KeyPair::generate().unwrap(), &sub, &sub_key)
            .unwrap();
        assert!(!chains_to_pinned(&c(leaf.der()), &[c(sub.der())], &roots));
        // A self-signed certificate not pinned, offered as its own issuer: no loop, no trust.
        let alone_key = KeyPair::generate().unwrap();
        let mut ap = named("Tự ký");
        ap.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ap.key_usages = vec![KeyUsagePurpose::KeyCertSign];
        let alone = ap.self_signed(&alone_key).unwrap();
        assert!(!chains_to_pinned(
            &c(alone.der()),
            &[c(alone.der()), c(alone.der())],
            &roots
        ));
    }

    #[test]
    fn a_pdf_whose_startxref_lies_is_not_signed() {
        let now = Utc.with_ymd_and_hms(2026, 3, 5, 2, 0, 0).unwrap();
        let pki = DemoPki::new("xã Tân Phú", &["A"], now).unwrap();
        let pdf = original();
        let sx = pdf.windows(9).rposition(|w| w == b"startxref").unwrap();
        let tail = String::from_utf8_lossy(&pdf[sx + 9..]).to_string();
        let at: usize = tail.split_whitespace().next().unwrap().parse().unwrap();
        for wrong in [at + 7, at.saturating_sub(40), 0] {
            let broken = [
                &pdf[..sx],
                format!("startxref\n{wrong}\n%%EOF\n").as_bytes(),
            ]
            .concat();
            let info = SigInfo {
                field: "S",
                name: "A",
                reason: "r",
                at: now,
                look: crate::sign::appearance::Look::Hidden,
            };
            match sign_pdf(&broken, &pki.signer(1).unwrap(), &info) {
                Ok(_) => panic!("startxref {wrong} (really {at}): signed anyway"),
                Err(e) => assert!(e.contains("xref") || e.contains("bị hỏng"), "{wrong}: {e}"),
            }
        }
    }
}
