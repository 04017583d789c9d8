//! Signed PDFs in the appliance: the pinned trust store (`<data>/trust/`, PEM or DER
//! roots; the demo adds its own and says so), the demo's own small PKI kept under
//! `<data>/signing/demo/` (a `serve` appliance never makes one), and verification of any
//! signed PDF an officer brings (`/ky-so`).

use serde::{Deserialize, Serialize};

use super::{Result, ServiceError, Services};
use crate::events::Actor;
use crate::sign::verify::{verify_pdf, SignatureReport};
use crate::sign::{DemoPki, SoftKey};

const NO_SIGNER: &str =
    "Chưa cài chứng thư ký số cho trung tâm (USB ký số hoặc tệp khóa): liên hệ cán bộ CNTT huyện";

fn f_pages(d: &crate::domain::dossier::Dossier) -> u32 {
    d.files
        .iter()
        .find(|f| f.slot == crate::domain::dossier::digitize::Slot::Result)
        .map(|f| f.page_count)
        .unwrap_or(0)
}

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

    /// The demo's PKI when the demo made one (`None` on a real center).
    pub fn demo_pki(&self) -> Result<Option<DemoPki>> {
        let file = self
            .data_dir()?
            .join("signing")
            .join("demo")
            .join("demo-pki.json");
        let Ok(text) = std::fs::read_to_string(&file) else {
            return Ok(None);
        };
        let f: DemoPkiFile = serde_json::from_str(&text)
            .map_err(|e| ServiceError::Invalid(format!("tệp khóa thử hỏng: {e}")))?;
        Ok(Some(DemoPki::from_parts(
            unb64(&f.root),
            f.holders
                .into_iter()
                .map(|(n, k, c)| (n, unb64(&k), unb64(&c)))
                .collect(),
        )))
    }

    /// The demo's PKI: made on the demo's first start (root pinned in the trust store,
    /// the commune's organisation certificate, two officials), read back afterwards.
    /// Only `motcua demo` calls it.
    pub fn ensure_demo_pki(&self) -> Result<DemoPki> {
        if let Some(p) = self.demo_pki()? {
            return Ok(p);
        }
        let dir = self.data_dir()?.join("signing").join("demo");
        let file = dir.join("demo-pki.json");
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
        self.demo_pki()?
            .ok_or_else(|| ServiceError::Invalid(NO_SIGNER.into()))?
            .signer(i)
            .map_err(ServiceError::Invalid)
    }

    /// Whether results can be signed here (a signer is set up).
    pub fn can_sign(&self) -> bool {
        self.demo_pki().ok().flatten().is_some()
    }

    /// The signer set up here and which of its officials signs for `actor`: the one whose
    /// certificate bears the user's display name, else the first official.
    pub(super) fn pick_signer(&self, actor: &Actor) -> Result<(DemoPki, usize)> {
        let pki = self
            .demo_pki()?
            .ok_or_else(|| ServiceError::Invalid(NO_SIGNER.into()))?;
        let display = self
            .users()?
            .into_iter()
            .find(|u| u.username == actor.name)
            .map(|u| u.display_name)
            .unwrap_or_default();
        let person = pki
            .holders
            .iter()
            .skip(1)
            .position(|(n, _, _)| *n == display)
            .map(|i| i + 1)
            .unwrap_or(1);
        Ok((pki, person))
    }

    /// *Ký số kết quả*: the result's PDF signed by the competent person, then by the
    /// organisation (two appended revisions), written as a new file and switched in one
    /// transaction with its history row and the sync mark — a crash leaves the unsigned
    /// file or the signed one, never half of one. The signer is the official whose
    /// certificate bears the signing user's name, else the first official (the demo's).
    pub fn sign_result(
        &self,
        actor: &Actor,
        code: &str,
    ) -> Result<crate::domain::dossier::Dossier> {
        use crate::domain::dossier::digitize::Slot;
        let (pki, person) = self.pick_signer(actor)?;
        let d = self.dossier(code)?;
        let file = d
            .files
            .iter()
            .find(|f| f.slot == Slot::Result)
            .cloned()
            .ok_or_else(|| {
                ServiceError::Invalid(
                    "Chưa có tệp kết quả để ký: số hoá hoặc tải lên kết quả trước".into(),
                )
            })?;
        let files = self.files()?;
        let original = files.get(&file.pdf.sha256)?;
        let now = self.clock.now();
        let (name, org) = (pki.holders[person].0.clone(), pki.holders[0].0.clone());
        let signer = pki.signer(person).map_err(ServiceError::Invalid)?;
        let two = crate::sign::sign_person_then_org(
            &original,
            (&signer, &name),
            (&pki.signer(0).map_err(ServiceError::Invalid)?, &org),
            "Ký kết quả giải quyết",
            now,
        )
        .map_err(ServiceError::Invalid)?;
        // Checked before it replaces anything: a signer that produced a bad file changes nothing.
        let reports = crate::sign::verify::verify_pdf(&two, &[pki.root_der.clone()])
            .map_err(ServiceError::Invalid)?;
        if reports
            .iter()
            .any(|r| r.verdict != crate::sign::verify::Verdict::Valid)
        {
            return Err(ServiceError::Invalid(
                "Tệp sau khi ký không kiểm tra được; chưa thay tệp kết quả".into(),
            ));
        }
        let signed = files.put(&two)?;
        let signed_sha = signed.sha256.clone();
        self.run(actor, |tx, now| {
            let mut d = tx
                .dossier(&d.code)?
                .ok_or(ServiceError::NotFound("hồ sơ"))?;
            let Some(f) = d.files.iter_mut().find(|f| f.slot == Slot::Result) else {
                return Err(ServiceError::conflict(
                    "result_changed",
                    "Tệp kết quả vừa bị xoá; tải lại trang",
                ));
            };
            if f.pdf.sha256 != file.pdf.sha256 {
                return Err(ServiceError::conflict(
                    "result_changed",
                    "Tệp kết quả vừa được thay; tải lại trang rồi ký lại",
                ));
            }
            f.pdf = signed.clone();
            f.signatures = reports.iter().map(crate::sign::verify::summary).collect();
            let status = d.status();
            d.history.push(crate::domain::dossier::HistoryEntry {
                at: now,
                actor: actor.name.clone(),
                event: crate::domain::dossier::EventKind::Digitized,
                from: Some(status),
                to: status,
                note: format!(
                    "Ký số kết quả: {name}, rồi chữ ký số của {org}{}; SHA-256 {signed_sha}",
                    if self.demo_pki().ok().flatten().is_some() {
                        " (chứng thư thử của bản demo)"
                    } else {
                        ""
                    }
                ),
                due: None,
            });
            tx.put_dossier(&d)?;
            tx.sync_mark(&d.code, now)?;
            tx.count_signed_result(now, d.procedure.area)?;
            tx.emit(crate::events::EventKind::DossierFile {
                code: d.code.clone(),
                slot: Slot::Result.key(),
                sha256: Some(signed_sha.clone()),
                pages: f_pages(&d),
            });
            Ok(d)
        })
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
