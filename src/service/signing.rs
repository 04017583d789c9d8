//! Signed PDFs in the appliance: the pinned trust store (`<data>/trust/`, PEM or DER
//! roots; the demo adds its own and says so), the demo's own small PKI kept under
//! `<data>/signing/demo/` (a `serve` appliance never makes one), and verification of any
//! signed PDF an officer brings (`/ky-so`).

use serde::{Deserialize, Serialize};

use super::{Result, ServiceError, Services};
use crate::events::Actor;
use crate::sign::trust::TrustStore;
use crate::sign::verify::SignatureReport;
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

/// The TSA as a signing uses it.
pub(super) struct Stamping {
    client: crate::sign::tsa::TsaClient,
    roots: Vec<Vec<u8>>,
}

impl Stamping {
    /// A stamper that never stops the signing: a TSA that is down, or whose token would
    /// not verify here, leaves the signature without a timestamp and says why.
    pub(super) fn lenient(&self) -> crate::sign::tsa::Lenient<'_> {
        crate::sign::tsa::Lenient::new(&self.client, self.roots.clone())
    }
}

/// The person's signature then the organisation's on `pdf` (their images, timestamps
/// when a TSA is set); the history's word on a TSA that failed.
pub(super) fn sign_both(
    pdf: &[u8],
    plan: &super::signers::SigningPlan,
    [person, org]: [&dyn crate::sign::Signer; 2],
    reason: &str,
    now: chrono::DateTime<chrono::Utc>,
    tsa: Option<&Stamping>,
) -> Result<(Vec<u8>, String)> {
    let lenient = tsa.map(|c| c.lenient());
    let two = crate::sign::sign_person_then_org(
        pdf,
        (person, &plan.person.name),
        (org, &plan.organisation.name),
        reason,
        now,
        lenient
            .as_ref()
            .map(|l| l as &dyn crate::sign::tsa::TimeStamper),
        plan.images(),
    )
    .map_err(ServiceError::Invalid)?;
    Ok((two, tsa_note(lenient.as_ref())))
}

/// Meta key of the timestamping authority's address.
const TSA_URL: &str = "tsa_url";

/// What a history row adds when the TSA failed and the signature went out without one.
pub(super) fn tsa_note(l: Option<&crate::sign::tsa::Lenient>) -> String {
    match l.and_then(|l| l.failure()) {
        Some(why) => format!(" Không lấy được dấu thời gian ({why}): chữ ký dùng giờ của máy chủ."),
        None => String::new(),
    }
}

/// Where district IT's signed `trust` bundle is unpacked.
const TRUST_BUNDLE: &str = "trust-bundle";

/// The regular files of `dir`, sorted by name (none when it does not exist).
fn files_in(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            std::fs::read(e.path()).ok().map(|b| (name, b))
        })
        .collect();
    out.sort();
    out
}

/// Unpacks a checked `trust` bundle into `<data>/trust-bundle/`, replacing the previous
/// one whole (staged beside it, then renamed): (roots, intermediates, withdrawn).
pub(super) fn install_trust_bundle(
    data_dir: &std::path::Path,
    tar_bytes: &[u8],
) -> std::result::Result<(usize, usize, usize), String> {
    let b = crate::sign::trust::read_bundle(tar_bytes)?;
    let staging = data_dir.join(".trust-bundle.new");
    let _ = std::fs::remove_dir_all(&staging);
    for (name, data) in &b.files {
        let p = staging.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::write(&p, data).map_err(|e| e.to_string())?;
    }
    std::fs::create_dir_all(&staging).map_err(|e| e.to_string())?;
    let live = data_dir.join(TRUST_BUNDLE);
    let old = data_dir.join(".trust-bundle.old");
    let _ = std::fs::remove_dir_all(&old);
    if live.exists() {
        std::fs::rename(&live, &old).map_err(|e| e.to_string())?;
    }
    std::fs::rename(&staging, &live).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(&old);
    let withdrawn = crate::sign::trust::distrust(&mut crate::sign::trust::shipped(), &b.distrust);
    Ok((b.roots, b.intermediates, withdrawn))
}

impl Services {
    /// The trust store in force: the shipped roots and intermediates, district IT's
    /// signed `trust` bundle (its additions and the shipped ones it withdraws), and the
    /// roots put in `<data>/trust/` on this machine (the demo's test root).
    pub fn trust_store(&self) -> Result<TrustStore> {
        use crate::sign::trust::Origin;
        let data = self.data_dir()?;
        let mut t = crate::sign::trust::shipped();
        let bundle = data.join(TRUST_BUNDLE);
        if let Ok(text) = std::fs::read_to_string(bundle.join("distrust.txt")) {
            let fps = crate::sign::trust::parse_distrust(&text).unwrap_or_default();
            crate::sign::trust::distrust(&mut t, &fps);
        }
        for (sub, root, tsa) in [
            ("roots", true, false),
            ("intermediates", false, false),
            ("tsa", true, true),
        ] {
            for (name, bytes) in files_in(&bundle.join(sub)) {
                t.add_for(&format!("{sub}/{name}"), &bytes, root, tsa, Origin::Bundle);
            }
        }
        for (name, bytes) in files_in(&data.join("trust")) {
            t.add(&name, &bytes, true, Origin::Local);
        }
        for (name, bytes) in files_in(&data.join("trust").join("tsa")) {
            t.add_for(&format!("tsa/{name}"), &bytes, true, true, Origin::Local);
        }
        Ok(t)
    }

    /// The roots in force (see [`Services::trust_store`]).
    pub fn trust_roots(&self) -> Result<Vec<Vec<u8>>> {
        Ok(self.trust_store()?.roots())
    }

    /// A PDF's signatures judged against the trust store in force.
    pub(super) fn verify_here(&self, bytes: &[u8]) -> Result<Vec<SignatureReport>> {
        let t = self.trust_store()?;
        let (roots, intermediates, tsa_roots) = (t.roots(), t.intermediates(), t.tsa_roots());
        crate::sign::verify::verify_pdf_anchored(
            bytes,
            &crate::sign::verify::Anchors {
                roots: &roots,
                intermediates: &intermediates,
                tsa_roots: &tsa_roots,
            },
        )
        .map_err(ServiceError::Invalid)
    }

    /// The timestamping authority's address ("" when none).
    pub fn tsa_url(&self) -> Result<String> {
        Ok(self
            .store
            .read()?
            .meta::<String>(TSA_URL)?
            .unwrap_or_default())
    }

    /// Sets (or with "" removes) the timestamping authority.
    pub fn save_tsa_url(&self, actor: &Actor, url: &str) -> Result<()> {
        let url = url.trim().to_string();
        if !url.is_empty() && !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(ServiceError::Invalid(
                "Địa chỉ máy chủ dấu thời gian phải bắt đầu bằng http:// hoặc https://".into(),
            ));
        }
        self.run(actor, |tx, _| {
            tx.put_meta(TSA_URL, &url)?;
            tx.emit(crate::events::EventKind::SettingsChanged {
                what: if url.is_empty() {
                    "signer bỏ máy chủ dấu thời gian".into()
                } else {
                    format!("signer máy chủ dấu thời gian {url}")
                },
            });
            Ok(())
        })
    }

    /// The timestamping authority, when one is set, with the roots its tokens must lead
    /// to (a token that would not verify is not embedded: see [`Stamping::lenient`]).
    pub(super) fn tsa_client(&self) -> Result<Option<Stamping>> {
        let url = self.tsa_url()?;
        if url.is_empty() {
            return Ok(None);
        }
        Ok(Some(Stamping {
            client: crate::sign::tsa::TsaClient::new(&url, std::time::Duration::from_secs(10)),
            roots: self.trust_store()?.tsa_roots(),
        }))
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
            // A demo made before signer setups existed gets them now.
            self.demo_setups(&p)?;
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
        super::write_private(
            &file,
            serde_json::to_string(&kept).unwrap_or_default().as_bytes(),
        )
        .map_err(io)?;
        let trust = self.data_dir()?.join("trust");
        std::fs::create_dir_all(&trust).map_err(io)?;
        std::fs::write(trust.join("demo-root-khong-dung-that.der"), &pki.root_der).map_err(io)?;
        self.demo_setups(&pki)?;
        Ok(pki)
    }

    /// The demo's signer `i` (0 = the organisation).
    pub fn demo_signer(&self, i: usize) -> Result<SoftKey> {
        self.demo_pki()?
            .ok_or_else(|| ServiceError::Invalid(NO_SIGNER.into()))?
            .signer(i)
            .map_err(ServiceError::Invalid)
    }

    /// Whether results can be signed here (some signer is set up).
    pub fn can_sign(&self) -> bool {
        self.signer_setups().is_ok_and(|s| !s.is_empty())
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
        secrets: &super::signers::DeskSecrets,
    ) -> Result<crate::domain::dossier::Dossier> {
        // A remote signature under way: wait for it, or add the seal once it is back.
        if let Some(r) = self.remote_request(code)? {
            return self.remote_seal(actor, &r, secrets);
        }
        let plan = self.signing_plan(actor)?;
        let (file, original) = self.result_file(code)?;
        if plan.person.source.deferred() {
            return self.remote_send(actor, code, &plan, &file, &original);
        }
        let now = self.clock.now();
        let (name, org) = (plan.person.name.clone(), plan.organisation.name.clone());
        let person_key = self.open_signer(&plan.person, secrets.person.as_deref())?;
        let org_key = self.open_signer(&plan.organisation, secrets.organisation.as_deref())?;
        let client = self.tsa_client()?;
        let (two, note) = sign_both(
            &original,
            &plan,
            [person_key.as_ref(), org_key.as_ref()],
            "Ký kết quả giải quyết",
            now,
            client.as_ref(),
        )?;
        let demo = matches!(
            plan.person.source,
            crate::domain::signer::KeySource::Demo { .. }
        );
        self.switch_signed_result(
            actor,
            code,
            &file.pdf.sha256,
            &two,
            (&name, &org),
            demo,
            None,
            &note,
        )
    }

    /// The dossier's result file (its record and bytes), or why there is none.
    pub(super) fn result_file(
        &self,
        code: &str,
    ) -> Result<(crate::domain::dossier::digitize::DigitalFile, Vec<u8>)> {
        use crate::domain::dossier::digitize::Slot;
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
        let original = self.files()?.get(&file.pdf.sha256)?;
        Ok((file, original))
    }

    /// The fully signed result replaces the unsigned one, checked first (a signer that
    /// produced a bad file changes nothing), in one transaction with its history row, the
    /// sync mark, the signed-results count and (when it came back from a remote signer)
    /// the end of that request — a crash leaves the unsigned file or the signed one.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn switch_signed_result(
        &self,
        actor: &Actor,
        code: &str,
        unsigned_sha256: &str,
        two: &[u8],
        (name, org): (&str, &str),
        demo: bool,
        remote: Option<&str>,
        extra: &str,
    ) -> Result<crate::domain::dossier::Dossier> {
        use crate::domain::dossier::digitize::Slot;
        let reports = self.verify_here(two)?;
        if reports.len() < 2
            || reports
                .iter()
                .any(|r| r.verdict != crate::sign::verify::Verdict::Valid)
        {
            return Err(ServiceError::Invalid(format!(
                "Tệp sau khi ký không kiểm tra được ({}); chưa thay tệp kết quả",
                reports
                    .iter()
                    .find(|r| r.verdict != crate::sign::verify::Verdict::Valid)
                    .map(|r| r.reason.clone())
                    .unwrap_or_else(|| "thiếu chữ ký".into())
            )));
        }
        let signed = self.files()?.put(two)?;
        let signed_sha = signed.sha256.clone();
        self.run(actor, |tx, now| {
            let mut d = tx.dossier(code)?.ok_or(ServiceError::NotFound("hồ sơ"))?;
            if let Some(id) = remote {
                super::remote_signing::drop_request(tx, id)?;
            }
            let Some(f) = d.files.iter_mut().find(|f| f.slot == Slot::Result) else {
                return Err(ServiceError::conflict(
                    "result_changed",
                    "Tệp kết quả vừa bị xoá; tải lại trang",
                ));
            };
            if f.pdf.sha256 != unsigned_sha256 {
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
                    "Ký số kết quả: {name}{}, rồi chữ ký số của {org}{}; SHA-256 {signed_sha}{extra}",
                    if remote.is_some() {
                        " (ký từ xa, xác nhận trên điện thoại)"
                    } else {
                        ""
                    },
                    if demo {
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
        self.verify_here(bytes)
    }
}
