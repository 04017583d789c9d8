//! Digital signatures of results and certified e-copies (SIGNING.md): one signer
//! interface whatever holds the key, PAdES signatures appended to a PDF as an incremental
//! update ([`pdf`]), their CMS ([`cms`]), and the verifier ([`verify`]).
//!
//! This first part signs with a software key (the demo's own small PKI, or a center's
//! key file) and verifies; the PKCS#11 token, PKCS#12 files, the deferred remote signer,
//! the visible appearance and the second (organisation) signature come next.

pub mod appearance;
pub mod cms;
pub mod copy;
pub mod keyfile;
pub mod pdf;
pub mod remote;
pub mod remote_sim;
pub mod token;
pub mod trust;
pub mod tsa;
pub mod verify;

use chrono::{DateTime, Utc};

pub use self::cms::KeyKind;

/// Whatever holds a signing key: it gives its certificate (and chain) and signs bytes
/// (SHA-256 inside, as the CMS algorithm says).
pub trait Signer {
    fn certificate(&self) -> &[u8];
    /// Certificates between it and the root, and the root (sent along in the CMS).
    fn chain(&self) -> &[Vec<u8>];
    fn kind(&self) -> KeyKind;
    fn sign(&self, tbs: &[u8]) -> Result<Vec<u8>, String>;
}

/// A key in memory (PKCS#8 DER) with its certificate chain: the demo's keys (ECDSA
/// P-256) and the keys of PKCS#12 files (most Vietnamese CAs issue RSA 2048).
pub struct SoftKey {
    key: SoftKind,
    cert: Vec<u8>,
    chain: Vec<Vec<u8>>,
}

enum SoftKind {
    Ecdsa(ring::signature::EcdsaKeyPair),
    Rsa(ring::signature::RsaKeyPair),
}

impl SoftKey {
    /// An ECDSA P-256 key (PKCS#8 DER) and its certificate (DER), then its chain.
    pub fn ecdsa(pkcs8: &[u8], cert: Vec<u8>, chain: Vec<Vec<u8>>) -> Result<SoftKey, String> {
        let rng = ring::rand::SystemRandom::new();
        let key = ring::signature::EcdsaKeyPair::from_pkcs8(
            &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
            pkcs8,
            &rng,
        )
        .map_err(|e| format!("khóa ký không đọc được: {e}"))?;
        Ok(SoftKey {
            key: SoftKind::Ecdsa(key),
            cert,
            chain,
        })
    }

    /// A key of either kind (PKCS#8 DER): ECDSA P-256 or RSA, as the key says.
    pub fn from_pkcs8(pkcs8: &[u8], cert: Vec<u8>, chain: Vec<Vec<u8>>) -> Result<SoftKey, String> {
        if let Ok(k) = ring::signature::RsaKeyPair::from_pkcs8(pkcs8) {
            return Ok(SoftKey {
                key: SoftKind::Rsa(k),
                cert,
                chain,
            });
        }
        SoftKey::ecdsa(pkcs8, cert, chain).map_err(|_| {
            "Khóa trong tệp không phải RSA (2048 bit trở lên) hoặc ECDSA P-256: không dùng được"
                .to_string()
        })
    }
}

impl Signer for SoftKey {
    fn certificate(&self) -> &[u8] {
        &self.cert
    }
    fn chain(&self) -> &[Vec<u8>] {
        &self.chain
    }
    fn kind(&self) -> KeyKind {
        match self.key {
            SoftKind::Ecdsa(_) => KeyKind::EcdsaP256,
            SoftKind::Rsa(_) => KeyKind::Rsa,
        }
    }
    fn sign(&self, tbs: &[u8]) -> Result<Vec<u8>, String> {
        let rng = ring::rand::SystemRandom::new();
        match &self.key {
            SoftKind::Ecdsa(k) => k.sign(&rng, tbs).map(|s| s.as_ref().to_vec()),
            SoftKind::Rsa(k) => {
                let mut sig = vec![0u8; k.public().modulus_len()];
                k.sign(&ring::signature::RSA_PKCS1_SHA256, &rng, tbs, &mut sig)
                    .map(|()| sig)
            }
        }
        .map_err(|_| "ký không thành công".to_string())
    }
}

/// Signs `original` as the holder of `signer`: the update appended, the CMS embedded.
/// The original bytes stay the first bytes of the result.
pub fn sign_pdf(
    original: &[u8],
    signer: &dyn Signer,
    info: &pdf::SigInfo,
) -> Result<Vec<u8>, String> {
    sign_pdf_stamped(original, signer, info, None)
}

/// [`sign_pdf`] with a timestamp on the signature when `tsa` is given (an empty token
/// from it means "none this time": see [`tsa::Lenient`]).
pub fn sign_pdf_stamped(
    original: &[u8],
    signer: &dyn Signer,
    info: &pdf::SigInfo,
    tsa: Option<&dyn tsa::TimeStamper>,
) -> Result<Vec<u8>, String> {
    use sha2::{Digest, Sha256};
    let prepared = pdf::prepare(original, info).map_err(|e| e.to_string())?;
    let mut h = Sha256::new();
    for part in prepared.signed_bytes() {
        h.update(part);
    }
    let digest: [u8; 32] = h.finalize().into();
    let (attrs, tbs) = cms::signed_attributes(&digest, signer.certificate())?;
    let signature = signer.sign(&tbs)?;
    let token = match tsa {
        Some(t) => Some(t.stamp(&signature)?).filter(|t| !t.is_empty()),
        None => None,
    };
    let der = cms::signed_data_with(
        attrs,
        &signature,
        signer.kind(),
        signer.certificate(),
        signer.chain(),
        None,
        token.as_deref(),
    )?;
    pdf::embed(prepared, &der).map_err(|e| e.to_string())
}

/// A signature waiting for a signer that answers later (a remote signing service): the
/// update laid out, and the signed attributes whose SHA-256 the signer is asked to sign.
/// Everything needed to finish is in here, so it can be kept across a restart.
pub struct Deferred {
    pub prepared: pdf::Prepared,
    /// The signed attributes' DER (a SET): what the signer signs.
    pub attributes: Vec<u8>,
}

impl Deferred {
    /// SHA-256 of the signed attributes: the hash sent to the signer.
    pub fn digest(&self) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        Sha256::digest(&self.attributes).into()
    }
}

/// Lays out `original`'s signature by the holder of `certificate` without signing yet.
pub fn prepare_deferred(
    original: &[u8],
    certificate: &[u8],
    info: &pdf::SigInfo,
) -> Result<Deferred, String> {
    use sha2::{Digest, Sha256};
    let prepared = pdf::prepare(original, info).map_err(|e| e.to_string())?;
    let mut h = Sha256::new();
    for part in prepared.signed_bytes() {
        h.update(part);
    }
    let digest: [u8; 32] = h.finalize().into();
    let (_, attributes) = cms::signed_attributes(&digest, certificate)?;
    Ok(Deferred {
        prepared,
        attributes,
    })
}

/// Finishes a [`Deferred`] signature with the `signature` the signer sent back, after
/// checking it against the certificate: a wrong or garbled value never reaches the file.
pub fn finish_deferred(
    d: Deferred,
    signature: &[u8],
    kind: KeyKind,
    certificate: &[u8],
    chain: &[Vec<u8>],
    tsa: Option<&dyn tsa::TimeStamper>,
) -> Result<Vec<u8>, String> {
    use der::Decode;
    let signature = remote::normalize_signature(signature.to_vec(), kind);
    let cert = x509_cert::Certificate::from_der(certificate)
        .map_err(|_| "Chứng thư số không đọc được".to_string())?;
    let alg: &dyn ring::signature::VerificationAlgorithm = match kind {
        KeyKind::EcdsaP256 => &ring::signature::ECDSA_P256_SHA256_ASN1,
        KeyKind::Rsa => &ring::signature::RSA_PKCS1_2048_8192_SHA256,
    };
    ring::signature::UnparsedPublicKey::new(
        alg,
        cert.tbs_certificate
            .subject_public_key_info
            .subject_public_key
            .raw_bytes(),
    )
    .verify(&d.attributes, &signature)
    .map_err(|_| "Chữ ký gửi về không khớp với chứng thư của người ký: chưa dùng".to_string())?;
    let attrs = ::cms::signed_data::SignedAttributes::from_der(&d.attributes)
        .map_err(|_| "thuộc tính ký đã lưu bị hỏng".to_string())?;
    let token = match tsa {
        Some(t) => Some(t.stamp(&signature)?).filter(|t| !t.is_empty()),
        None => None,
    };
    let der = cms::signed_data_with(
        attrs,
        &signature,
        kind,
        certificate,
        chain,
        None,
        token.as_deref(),
    )?;
    pdf::embed(d.prepared, &der).map_err(|e| e.to_string())
}

/// The key kind of a certificate's public key.
pub fn key_kind(certificate: &[u8]) -> Result<KeyKind, String> {
    use der::Decode;
    let cert = x509_cert::Certificate::from_der(certificate)
        .map_err(|_| "Chứng thư số không đọc được".to_string())?;
    let oid = cert.tbs_certificate.subject_public_key_info.algorithm.oid;
    if oid == const_oid::db::rfc5912::ID_EC_PUBLIC_KEY {
        Ok(KeyKind::EcdsaP256)
    } else if oid == const_oid::db::rfc5912::RSA_ENCRYPTION {
        Ok(KeyKind::Rsa)
    } else {
        Err("Khóa của chứng thư không phải RSA hoặc ECDSA".into())
    }
}

/// The two signatures an administrative paper carries (SIGNING.md §2): the competent
/// person's (field `ChuKyNguoiCoThamQuyen`, with `reason`), then the organisation's seal as
/// a second appended revision (`ChuKyCoQuan`), both shown on the last page.
pub fn sign_person_then_org(
    pdf: &[u8],
    person: (&dyn Signer, &str),
    org: (&dyn Signer, &str),
    reason: &str,
    at: DateTime<Utc>,
    tsa: Option<&dyn tsa::TimeStamper>,
    images: [Option<std::sync::Arc<Vec<u8>>>; 2],
) -> Result<Vec<u8>, String> {
    let [person_image, seal_image] = images;
    let one = sign_pdf_stamped(
        pdf,
        person.0,
        &pdf::SigInfo {
            field: "ChuKyNguoiCoThamQuyen",
            name: person.1,
            reason,
            at,
            look: appearance::Look::Person {
                name: person.1.to_string(),
                org: org.1.to_string(),
                at,
                image: person_image,
            },
        },
        tsa,
    )?;
    sign_pdf_stamped(
        &one,
        org.0,
        &pdf::SigInfo {
            field: "ChuKyCoQuan",
            name: org.1,
            reason: "Ký số của cơ quan",
            at,
            look: appearance::Look::Seal {
                org: org.1.to_string(),
                image: seal_image,
            },
        },
        tsa,
    )
}

/// A small PKI of its own (the demo's, said so on screen; `serve` never uses it): a root,
/// the commune's organisation certificate and two officials, ECDSA P-256.
pub struct DemoPki {
    pub root_der: Vec<u8>,
    /// (display name, PKCS#8 key, certificate), the organisation first.
    pub holders: Vec<(String, Vec<u8>, Vec<u8>)>,
    commune: String,
    year: i32,
    /// The root's certificate and key while the PKI is being made; `None` once read
    /// back (its key is not kept: nothing more is issued).
    root: Option<(rcgen::Certificate, rcgen::KeyPair)>,
}

/// A P-256 public key known only by its point (a key that never leaves its token).
struct PointKey(Vec<u8>);

impl rcgen::PublicKeyData for PointKey {
    fn der_bytes(&self) -> &[u8] {
        &self.0
    }
    fn algorithm(&self) -> &rcgen::SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

impl DemoPki {
    pub fn new(commune: &str, officials: &[&str], now: DateTime<Utc>) -> Result<DemoPki, String> {
        use rcgen::{
            BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, KeyPair,
            KeyUsagePurpose, SerialNumber,
        };
        let commune = commune.trim();
        let err = |e: rcgen::Error| format!("không tạo được chứng thư thử: {e}");
        let year = chrono::Datelike::year(&crate::domain::time::local(now));
        let root_key = KeyPair::generate().map_err(err)?;
        let mut root = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CountryName, "VN");
        dn.push(
            DnType::OrganizationName,
            "motcua – CA thử nghiệm (không dùng thật)",
        );
        dn.push(DnType::CommonName, "motcua Demo Root CA");
        root.distinguished_name = dn;
        root.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        root.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        root.serial_number = Some(SerialNumber::from(1u64));
        root.not_before = rcgen::date_time_ymd(year - 1, 1, 1);
        root.not_after = rcgen::date_time_ymd(year + 10, 12, 31);
        let root_cert = root.self_signed(&root_key).map_err(err)?;
        let mut pki = DemoPki {
            root_der: root_cert.der().to_vec(),
            holders: Vec::new(),
            commune: commune.to_string(),
            year,
            root: Some((root_cert, root_key)),
        };
        let names: Vec<String> = std::iter::once(format!("UBND {commune}"))
            .chain(officials.iter().map(|s| s.to_string()))
            .collect();
        for (i, name) in names.iter().enumerate() {
            let key = KeyPair::generate().map_err(err)?;
            let cert = pki.issue(name, &key, 100 + i as u64)?;
            pki.holders.push((name.clone(), key.serialize_der(), cert));
        }
        Ok(pki)
    }

    /// A signing certificate for `name`'s key (an official's or the organisation's).
    fn issue(
        &self,
        name: &str,
        key: &impl rcgen::PublicKeyData,
        serial: u64,
    ) -> Result<Vec<u8>, String> {
        use rcgen::{
            CertificateParams, DistinguishedName, DnType, IsCa, KeyUsagePurpose, SerialNumber,
        };
        let mut p = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CountryName, "VN");
        dn.push(DnType::OrganizationName, format!("UBND {}", self.commune));
        dn.push(DnType::CommonName, name);
        p.distinguished_name = dn;
        p.is_ca = IsCa::ExplicitNoCa;
        p.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::ContentCommitment,
        ];
        p.use_authority_key_identifier_extension = true;
        p.serial_number = Some(SerialNumber::from(serial));
        p.not_before = rcgen::date_time_ymd(self.year - 1, 1, 1);
        p.not_after = rcgen::date_time_ymd(self.year + 3, 12, 31);
        let (root, root_key) = self
            .root
            .as_ref()
            .ok_or("chứng thư gốc thử không còn khóa để cấp thêm")?;
        p.signed_by(key, root, root_key)
            .map(|c| c.der().to_vec())
            .map_err(|e| format!("không tạo được chứng thư thử: {e}"))
    }

    /// A certificate for a P-256 key held on a token (its uncompressed point).
    pub fn issue_for_point(
        &self,
        name: &str,
        point: &[u8],
        serial: u64,
    ) -> Result<Vec<u8>, String> {
        self.issue(name, &PointKey(point.to_vec()), serial)
    }

    /// A PKI read back from its parts (the root and the holders; no more issuing).
    pub fn from_parts(root_der: Vec<u8>, holders: Vec<(String, Vec<u8>, Vec<u8>)>) -> DemoPki {
        DemoPki {
            root_der,
            holders,
            commune: String::new(),
            year: 0,
            root: None,
        }
    }

    /// The signer for holder `i` (0 = the organisation).
    pub fn signer(&self, i: usize) -> Result<SoftKey, String> {
        let (_, key, cert) = self.holders.get(i).ok_or("không có người ký này")?;
        SoftKey::ecdsa(key, cert.clone(), vec![self.root_der.clone()])
    }
}

/// What a certificate says of its holder, for the setup page and the checks.
#[derive(Debug, Clone)]
pub struct CertInfo {
    /// CN.
    pub name: String,
    /// O.
    pub organisation: String,
    /// The issuer's CN (or O).
    pub issuer: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    /// SHA-256 of the DER, hex.
    pub fingerprint: String,
}

impl CertInfo {
    pub fn read(der_bytes: &[u8]) -> Result<CertInfo, String> {
        use der::Decode;
        use sha2::{Digest, Sha256};
        let c = x509_cert::Certificate::from_der(der_bytes)
            .map_err(|_| "Chứng thư số không đọc được (không phải X.509)".to_string())?;
        let tbs = &c.tbs_certificate;
        let cn = |n: &x509_cert::name::Name| verify::name_part(n, const_oid::db::rfc4519::CN);
        let o = |n: &x509_cert::name::Name| verify::name_part(n, const_oid::db::rfc4519::O);
        let time = |t: &x509_cert::time::Time| {
            DateTime::<Utc>::from_timestamp(t.to_unix_duration().as_secs() as i64, 0)
                .unwrap_or_default()
        };
        let issuer = match cn(&tbs.issuer) {
            s if s.is_empty() => o(&tbs.issuer),
            s => s,
        };
        Ok(CertInfo {
            name: cn(&tbs.subject),
            organisation: o(&tbs.subject),
            issuer,
            not_before: time(&tbs.validity.not_before),
            not_after: time(&tbs.validity.not_after),
            fingerprint: hex::encode(Sha256::digest(der_bytes)),
        })
    }
}

/// The certificates above `cert` (DER) up to a pinned root, root last, from `others`
/// (what came with it) and the roots; `None` when it leads to no pinned root.
pub fn chain_for(cert: &[u8], others: &[Vec<u8>], roots: &[Vec<u8>]) -> Option<Vec<Vec<u8>>> {
    use der::{Decode, Encode};
    let leaf = x509_cert::Certificate::from_der(cert).ok()?;
    let others: Vec<_> = others
        .iter()
        .filter_map(|c| x509_cert::Certificate::from_der(c).ok())
        .collect();
    verify::path_to_pinned(&leaf, &others, roots)
        .map(|p| p.iter().filter_map(|c| c.to_der().ok()).collect())
}

/// Signs a probe and checks it against the signer's certificate: a key file whose key
/// is not the certificate's is refused at setup, not at the desk.
pub fn check_key_matches(signer: &dyn Signer) -> Result<(), String> {
    use der::Decode;
    let probe = b"motcua: khoa va chung thu";
    let sig = signer.sign(probe)?;
    let cert = x509_cert::Certificate::from_der(signer.certificate())
        .map_err(|_| "Chứng thư số không đọc được".to_string())?;
    let alg: &dyn ring::signature::VerificationAlgorithm = match signer.kind() {
        KeyKind::EcdsaP256 => &ring::signature::ECDSA_P256_SHA256_ASN1,
        KeyKind::Rsa => &ring::signature::RSA_PKCS1_2048_8192_SHA256,
    };
    ring::signature::UnparsedPublicKey::new(
        alg,
        cert.tbs_certificate
            .subject_public_key_info
            .subject_public_key
            .raw_bytes(),
    )
    .verify(probe, &sig)
    .map_err(|_| "Khóa trong tệp không khớp với chứng thư đi kèm".to_string())
}
