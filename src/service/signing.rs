//! Signed PDFs in the appliance: the pinned trust store (`<data>/trust/`, PEM or DER
//! roots; the demo adds its own and says so), the demo's own small PKI kept under
//! `<data>/signing/demo/` (a `serve` appliance never makes one), and verification of any
//! signed PDF an officer brings (`/ky-so`).

use serde::{Deserialize, Serialize};

use super::{Result, ServiceError, Services};
use crate::sign::verify::{verify_pdf, SignatureReport};
use crate::sign::{DemoPki, SoftKey};

/// Largest PDF checked (as uploads).
pub const MAX_VERIFY: usize = 50 * 1024 * 1024;

/// The demo PKI as kept on disk (keys only in the demo's data directory).
#[derive(Serialize, Deserialize)]
struct DemoPkiFile {
    root: String,
    holders: Vec<(String, String, String)>,
}

fn b64(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

fn unb64(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .unwrap_or_default()
}

fn pem_or_der(b: &[u8]) -> Option<Vec<u8>> {
    if b.starts_with(b"-----BEGIN") {
        let text = std::str::from_utf8(b).ok()?;
        let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
        Some(unb64(body.trim())).filter(|d| !d.is_empty())
    } else {
        Some(b.to_vec())
    }
}

impl Services {
    /// The pinned roots: every certificate file in `<data>/trust/`.
    pub fn trust_roots(&self) -> Result<Vec<Vec<u8>>> {
        let dir = self.data_dir()?.join("trust");
        let mut out = Vec::new();
        if let Ok(entries) = std::fs::read_dir(&dir) {
            let mut paths: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
            paths.sort();
            for p in paths {
                if let Some(der) = std::fs::read(&p).ok().and_then(|b| pem_or_der(&b)) {
                    out.push(der);
                }
            }
        }
        Ok(out)
    }

    /// The demo's PKI: made on the demo's first start (root pinned in the trust store,
    /// the commune's organisation certificate, two officials), read back afterwards.
    pub fn demo_pki(&self) -> Result<DemoPki> {
        let dir = self.data_dir()?.join("signing").join("demo");
        let file = dir.join("demo-pki.json");
        if let Ok(text) = std::fs::read_to_string(&file) {
            if let Ok(f) = serde_json::from_str::<DemoPkiFile>(&text) {
                return Ok(DemoPki::from_parts(
                    unb64(&f.root),
                    f.holders
                        .into_iter()
                        .map(|(n, k, c)| (n, unb64(&k), unb64(&c)))
                        .collect(),
                ));
            }
        }
        let commune = self.settings()?.place_name;
        let pki = DemoPki::new(
            &format!("xã {commune}"),
            &["Nguyễn Văn An", "Trần Thị Bình"],
            self.clock.now(),
        )
        .map_err(ServiceError::Invalid)?;
        let io = |e: std::io::Error| ServiceError::Invalid(format!("không ghi được khóa thử: {e}"));
        std::fs::create_dir_all(&dir).map_err(io)?;
        let kept = DemoPkiFile {
            root: b64(&pki.root_der),
            holders: pki
                .holders
                .iter()
                .map(|(n, k, c)| (n.clone(), b64(k), b64(c)))
                .collect(),
        };
        {
            use std::io::Write;
            use std::os::unix::fs::OpenOptionsExt;
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&file)
                .map_err(io)?;
            f.write_all(serde_json::to_string(&kept).unwrap_or_default().as_bytes())
                .map_err(io)?;
        }
        let trust = self.data_dir()?.join("trust");
        std::fs::create_dir_all(&trust).map_err(io)?;
        std::fs::write(trust.join("demo-root-khong-dung-that.der"), &pki.root_der).map_err(io)?;
        Ok(pki)
    }

    /// The demo's signer `i` (0 = the organisation).
    pub fn demo_signer(&self, i: usize) -> Result<SoftKey> {
        self.demo_pki()?.signer(i).map_err(ServiceError::Invalid)
    }

    /// Every signature of a PDF an officer brings, judged against the pinned roots.
    pub fn verify_signed_pdf(&self, bytes: &[u8]) -> Result<Vec<SignatureReport>> {
        if bytes.len() > MAX_VERIFY {
            return Err(ServiceError::Invalid("Tệp quá lớn (tối đa 50 MB)".into()));
        }
        let roots = self.trust_roots()?;
        verify_pdf(bytes, &roots).map_err(ServiceError::Invalid)
    }
}
