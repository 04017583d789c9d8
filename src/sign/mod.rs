//! Digital signatures of results and certified e-copies (SIGNING.md): one signer
//! interface whatever holds the key, PAdES signatures appended to a PDF as an incremental
//! update ([`pdf`]), their CMS ([`cms`]), and the verifier ([`verify`]).
//!
//! This first part signs with a software key (the demo's own small PKI, or a center's
//! key file) and verifies; the PKCS#11 token, PKCS#12 files, the deferred remote signer,
//! the visible appearance and the second (organisation) signature come next.

pub mod cms;
pub mod pdf;
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

/// A small PKI of its own (the demo's, said so on screen; `serve` never uses it): a root,
/// the commune's organisation certificate and two officials, ECDSA P-256.
pub struct DemoPki {
    pub root_der: Vec<u8>,
    /// (display name, PKCS#8 key, certificate), the organisation first.
    pub holders: Vec<(String, Vec<u8>, Vec<u8>)>,
}

impl DemoPki {
    pub fn new(commune: &str, officials: &[&str], now: DateTime<Utc>) -> Result<DemoPki, String> {
        use rcgen::{
            BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, KeyPair,
            KeyUsagePurpose, SerialNumber,
        };
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
        let mut holders = Vec::new();
        let names: Vec<String> = std::iter::once(format!("UBND {commune}"))
            .chain(officials.iter().map(|s| s.to_string()))
            .collect();
        for (i, name) in names.iter().enumerate() {
            let key = KeyPair::generate().map_err(err)?;
            let mut p = CertificateParams::default();
            let mut dn = DistinguishedName::new();
            dn.push(DnType::CountryName, "VN");
            dn.push(DnType::OrganizationName, format!("UBND {commune}"));
            dn.push(DnType::CommonName, name.as_str());
            p.distinguished_name = dn;
            p.is_ca = IsCa::ExplicitNoCa;
            p.key_usages = vec![
                KeyUsagePurpose::DigitalSignature,
                KeyUsagePurpose::ContentCommitment,
            ];
            p.use_authority_key_identifier_extension = true;
            p.serial_number = Some(SerialNumber::from(100 + i as u64));
            p.not_before = rcgen::date_time_ymd(year - 1, 1, 1);
            p.not_after = rcgen::date_time_ymd(year + 3, 12, 31);
            let cert = p.signed_by(&key, &root_cert, &root_key).map_err(err)?;
            holders.push((name.clone(), key.serialize_der(), cert.der().to_vec()));
        }
        Ok(DemoPki {
            root_der: root_cert.der().to_vec(),
            holders,
        })
    }

    /// The signer for holder `i` (0 = the organisation).
    pub fn signer(&self, i: usize) -> Result<SoftKey, String> {
        let (_, key, cert) = self.holders.get(i).ok_or("không có người ký này")?;
        SoftKey::ecdsa(key, cert.clone(), vec![self.root_der.clone()])
    }
}
