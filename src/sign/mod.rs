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
pub mod pdf;
pub mod token;
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

/// A key in memory (PKCS#8 DER) with its certificate chain.
pub struct SoftKey {
    key: ring::signature::EcdsaKeyPair,
    cert: Vec<u8>,
    chain: Vec<Vec<u8>>,
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
        Ok(SoftKey { key, cert, chain })
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
        KeyKind::EcdsaP256
    }
    fn sign(&self, tbs: &[u8]) -> Result<Vec<u8>, String> {
        let rng = ring::rand::SystemRandom::new();
        self.key
            .sign(&rng, tbs)
            .map(|s| s.as_ref().to_vec())
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
    use sha2::{Digest, Sha256};
    let prepared = pdf::prepare(original, info).map_err(|e| e.to_string())?;
    let mut h = Sha256::new();
    for part in prepared.signed_bytes() {
        h.update(part);
    }
    let digest: [u8; 32] = h.finalize().into();
    let (attrs, tbs) = cms::signed_attributes(&digest, signer.certificate())?;
    let signature = signer.sign(&tbs)?;
    let der = cms::signed_data(
        attrs,
        &signature,
        signer.kind(),
        signer.certificate(),
        signer.chain(),
    )?;
    pdf::embed(prepared, &der).map_err(|e| e.to_string())
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
) -> Result<Vec<u8>, String> {
    let one = sign_pdf(
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
            },
        },
    )?;
    sign_pdf(
        &one,
        org.0,
        &pdf::SigInfo {
            field: "ChuKyCoQuan",
            name: org.1,
            reason: "Ký số của cơ quan",
            at,
            look: appearance::Look::Seal {
                org: org.1.to_string(),
            },
        },
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
