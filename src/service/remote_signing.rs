//! Remote (deferred) signing of a dossier's result (SIGNING.md §1): a leader whose key is
//! with a remote signing service presses *Ký số kết quả*; the appliance lays out the
//! signature, sends the hash, and keeps the request in the database (meta
//! `remote_pending`) so it survives a restart. The official approves on the phone
//! minutes later; the relay's poll ([`Services::remote_poll`]) picks the signature up,
//! checks it against the certificate and finishes the PDF. The organisation's seal then
//! follows at once when its key needs no PIN, or waits for the văn thư to type it
//! (the dossier page says so). The result file is switched only when both signatures
//! are on and valid: it is always the unsigned file or the fully signed one.
//!
//! A request that is refused, lapses (the service's word, or ours after
//! [`REQUEST_TTL_MINUTES`]), or comes back with a signature that does not fit the
//! certificate ends with a history row saying why; nothing else changes.

use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Result, ServiceError, Services};
use crate::domain::signer::KeySource;
use crate::events::{Actor, EventKind};
use crate::sign::remote::{RemoteService, RemoteStatus};

const PENDING: &str = "remote_pending";
const CONFIG: &str = "remote_signing";
const SECRET_FILE: &str = "remote-signing.secret";

/// How long the appliance waits for the official's approval (the services let theirs
/// lapse after about five minutes; this is the outer bound).
pub const REQUEST_TTL_MINUTES: i64 = 10;

/// The remote signing service as the admin set it up (its password in a 0600 file).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteConfig {
    pub url: String,
    pub sp_id: String,
}

/// Where a request stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RemoteState {
    /// Sent; the official has not approved yet.
    Waiting,
    /// The official signed; the organisation's seal (its PIN) is awaited. The
    /// person-signed file is kept in the file store under this hash.
    Approved { person_signed: String },
}

/// A remote signature under way for a dossier's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteRequest {
    /// The transaction id sent to the service.
    pub id: String,
    pub dossier: String,
    pub setup_id: String,
    pub signer: String,
    pub organisation: String,
    /// The result file being signed (if it changes meanwhile, the request ends).
    pub original_sha256: String,
    /// The laid-out update (file store) and its byte range.
    pub prepared_sha256: String,
    pub byte_range: [usize; 4],
    /// The signed attributes' DER, base64.
    pub attributes: String,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    #[serde(flatten)]
    pub state: RemoteState,
    /// The certified e-copy request it signs (then `dossier` is its dossier or empty).
    #[serde(default)]
    pub ecopy: Option<u64>,
}

/// Removes request `id` inside a write transaction (it finished, failed or was
/// cancelled); a request already ended (cancelled meanwhile) refuses the change.
pub(super) fn drop_request(tx: &mut crate::store::Tx, id: &str) -> Result<()> {
    let mut all: Vec<RemoteRequest> = tx.meta(PENDING)?.unwrap_or_default();
    let before = all.len();
    all.retain(|r| r.id != id);
    if all.len() == before {
        return Err(ended());
    }
    tx.put_meta(PENDING, &all)?;
    Ok(())
}

/// Keeps a request sent for an e-copy, inside the transaction that takes its number.
pub(super) fn keep_request(tx: &mut crate::store::Tx, r: &RemoteRequest) -> Result<()> {
    let mut all: Vec<RemoteRequest> = tx.meta(PENDING)?.unwrap_or_default();
    all.retain(|x| x.id != r.id);
    all.push(r.clone());
    tx.put_meta(PENDING, &all)?;
    Ok(())
}

fn ended() -> ServiceError {
    ServiceError::conflict(
        "remote_ended",
        "Yêu cầu ký số từ xa này đã kết thúc (đã hủy hoặc đã xong); tải lại trang",
    )
}

/// One poll at a time in the process (the relay's, a test's, a button's).
static POLL: std::sync::Mutex<()> = std::sync::Mutex::new(());
/// One request being sent at a time (its check and its record go together).
static SEND: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// How a request ended without a signature.
enum Ending {
    Refused(String),
    Failed(String),
}

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

impl Services {
    /// The remote signing service, when set up.
    pub fn remote_service(&self) -> Result<Option<RemoteService>> {
        let Some(c) = self.store.read()?.meta::<RemoteConfig>(CONFIG)? else {
            return Ok(None);
        };
        if c.url.is_empty() {
            return Ok(None);
        }
        let secret = std::fs::read_to_string(self.data_dir()?.join(SECRET_FILE))
            .unwrap_or_default()
            .trim()
            .to_string();
        Ok(Some(RemoteService::new(
            &c.url,
            &c.sp_id,
            &secret,
            std::time::Duration::from_secs(15),
        )))
    }

    /// Whether a remote signing service is configured (its address and account).
    pub fn remote_signing_configured(&self) -> bool {
        self.remote_service().ok().flatten().is_some()
    }

    /// The service's settings (no password; whether one is kept).
    pub fn remote_config(&self) -> Result<(RemoteConfig, bool)> {
        let c = self
            .store
            .read()?
            .meta::<RemoteConfig>(CONFIG)?
            .unwrap_or_default();
        let has = self.data_dir()?.join(SECRET_FILE).exists();
        Ok((c, has))
    }

    /// Saves the service's address and account; `password` None keeps the kept one.
    pub fn save_remote_config(
        &self,
        actor: &Actor,
        url: &str,
        sp_id: &str,
        password: Option<&str>,
    ) -> Result<()> {
        let url = url.trim().trim_end_matches('/');
        // The account's password goes with every call: never in clear over a network
        // (plain http only to this machine itself, as the simulated service is).
        let local = ["http://127.", "http://localhost", "http://[::1]"]
            .iter()
            .any(|p| url.starts_with(p));
        if !url.is_empty() && !(url.starts_with("https://") || local) {
            return Err(ServiceError::Invalid(
                "Địa chỉ dịch vụ ký số từ xa phải bắt đầu bằng https://".into(),
            ));
        }
        if !url.is_empty() && sp_id.trim().is_empty() {
            return Err(ServiceError::Invalid(
                "Ghi mã tài khoản của trung tâm (sp_id) do tổ chức chứng thực cấp".into(),
            ));
        }
        if let Some(pw) = password {
            super::write_private(&self.data_dir()?.join(SECRET_FILE), pw.as_bytes())
                .map_err(|e| ServiceError::Internal(format!("remote secret: {e}")))?;
        }
        let c = RemoteConfig {
            url: url.to_string(),
            sp_id: sp_id.trim().to_string(),
        };
        self.run(actor, |tx, _| {
            tx.put_meta(CONFIG, &c)?;
            tx.emit(EventKind::SettingsChanged {
                what: if c.url.is_empty() {
                    "signer tắt dịch vụ ký số từ xa".into()
                } else {
                    format!(
                        "signer dịch vụ ký số từ xa {} (tài khoản {})",
                        c.url, c.sp_id
                    )
                },
            });
            Ok(())
        })
    }

    /// Sets up a remote signing account: the certificate asked of the service.
    pub fn signer_setup_remote(
        &self,
        actor: &Actor,
        form: &crate::domain::signer::SetupForm,
    ) -> Result<crate::domain::signer::SignerSetup> {
        let source = self.checked_setup_form(form)?;
        if form.id == crate::domain::signer::ORGANISATION {
            return Err(ServiceError::Invalid(
                "Chữ ký số của cơ quan dùng USB ký số hoặc tệp khóa (văn thư giữ)".into(),
            ));
        }
        let KeySource::Remote { user_id } = &source else {
            return Err(ServiceError::Invalid("Chọn ký số từ xa".into()));
        };
        let service = self.remote_service()?.ok_or_else(|| {
            ServiceError::Invalid("Chưa cấu hình dịch vụ ký số từ xa cho trung tâm".into())
        })?;
        let c = service
            .certificate(user_id)
            .map_err(ServiceError::Invalid)?;
        let setup =
            self.setup_from_certificate(actor, form, source.clone(), &c.certificate, &c.others)?;
        self.save_signer_setup(actor, setup)
    }

    /// Every remote request under way.
    pub fn remote_requests(&self) -> Result<Vec<RemoteRequest>> {
        Ok(self
            .store
            .read()?
            .meta::<Vec<RemoteRequest>>(PENDING)?
            .unwrap_or_default())
    }

    /// The request under way for dossier `code`, if any.
    pub fn remote_request(&self, code: &str) -> Result<Option<RemoteRequest>> {
        Ok(self
            .remote_requests()?
            .into_iter()
            .find(|r| r.dossier == code && r.ecopy.is_none()))
    }

    /// Sends the person's signature to the remote service: laid out, its hash sent, the
    /// request kept with a history row, in one transaction once the service took it.
    pub(super) fn remote_send(
        &self,
        actor: &Actor,
        code: &str,
        plan: &super::signers::SigningPlan,
        file: &crate::domain::dossier::digitize::DigitalFile,
        original: &[u8],
    ) -> Result<crate::domain::dossier::Dossier> {
        let KeySource::Remote { user_id } = &plan.person.source else {
            return Err(ServiceError::Internal("not a remote signer".into()));
        };
        if plan.organisation.source.deferred() {
            return Err(ServiceError::Invalid(
                "Chữ ký số của cơ quan phải dùng USB ký số hoặc tệp khóa".into(),
            ));
        }
        let service = self.remote_service()?.ok_or_else(|| {
            ServiceError::Invalid("Chưa cấu hình dịch vụ ký số từ xa cho trung tâm".into())
        })?;
        let now = self.clock.now();
        let name = plan.person.name.clone();
        let deferred = crate::sign::prepare_deferred(
            original,
            &plan.person.certificate,
            &crate::sign::pdf::SigInfo {
                field: "ChuKyNguoiCoThamQuyen",
                name: &name,
                reason: "Ký kết quả giải quyết",
                at: now,
                look: crate::sign::appearance::Look::Person {
                    name: name.clone(),
                    org: plan.organisation.name.clone(),
                    at: now,
                    image: plan.person.image.clone().map(std::sync::Arc::new),
                },
            },
        )
        .map_err(ServiceError::Invalid)?;
        let prepared = self.files()?.put(&deferred.prepared.bytes)?;
        // One request per dossier: a double click must not send two prompts to the phone.
        let _one = SEND.lock().unwrap_or_else(|p| p.into_inner());
        if self.remote_request(code)?.is_some() {
            return Err(ServiceError::conflict(
                "remote_pending",
                "Đã có yêu cầu ký số đang chờ cho hồ sơ này",
            ));
        }
        // The service may answer with an id of its own: that is the one to ask about.
        let id = service
            .request(
                user_id,
                &crate::sign::remote::random_id(),
                code,
                &format!("Ký kết quả hồ sơ {code}"),
                &deferred.digest(),
            )
            .map_err(ServiceError::Invalid)?;
        let r = RemoteRequest {
            id,
            dossier: code.to_string(),
            setup_id: plan.person.id.clone(),
            signer: name.clone(),
            organisation: plan.organisation.name.clone(),
            original_sha256: file.pdf.sha256.clone(),
            prepared_sha256: prepared.sha256,
            byte_range: deferred.prepared.byte_range,
            attributes: b64(&deferred.attributes),
            requested_by: actor.name.clone(),
            requested_at: now,
            expires_at: now + chrono::Duration::minutes(REQUEST_TTL_MINUTES),
            state: RemoteState::Waiting,
            ecopy: None,
        };
        let until = crate::domain::time::local(r.expires_at).format("%H:%M");
        self.remote_step(
            actor,
            &r,
            "requested",
            &format!("Đã gửi yêu cầu ký số tới điện thoại của {name}; chờ xác nhận (đến {until})"),
            Some(&r),
        )?;
        self.dossier(code)
    }

    /// One step of a request: its history row and audit event, and the request kept as
    /// `keep` (or dropped), in one transaction.
    fn remote_step(
        &self,
        actor: &Actor,
        r: &RemoteRequest,
        state: &str,
        note: &str,
        keep: Option<&RemoteRequest>,
    ) -> Result<()> {
        self.run(actor, |tx, now| {
            let mut all: Vec<RemoteRequest> = tx.meta(PENDING)?.unwrap_or_default();
            if state == "requested" {
                if all.iter().any(|x| x.dossier == r.dossier) {
                    return Err(ServiceError::conflict(
                        "remote_pending",
                        "Đã có yêu cầu ký số đang chờ cho hồ sơ này",
                    ));
                }
            } else if !all.iter().any(|x| x.id == r.id) {
                return Err(ended());
            }
            all.retain(|x| x.id != r.id);
            if let Some(k) = keep {
                all.push(k.clone());
            }
            tx.put_meta(PENDING, &all)?;
            if let Some(id) = r.ecopy {
                // An e-copy's request: an ending gives its number back to the book as
                // unused (never reused) and the request to the desk, to sign again.
                if keep.is_none() {
                    super::ecopies::unsign(tx, id, note, now)?;
                }
                tx.emit(EventKind::RemoteSignature {
                    code: format!("BS-{id}"),
                    state: state.to_string(),
                });
                return Ok(());
            }
            let mut d = tx
                .dossier(&r.dossier)?
                .ok_or(ServiceError::NotFound("hồ sơ"))?;
            let status = d.status();
            d.history.push(crate::domain::dossier::HistoryEntry {
                at: now,
                actor: actor.name.clone(),
                event: crate::domain::dossier::EventKind::Digitized,
                from: Some(status),
                to: status,
                note: note.to_string(),
                due: None,
            });
            tx.put_dossier(&d)?;
            tx.emit(EventKind::RemoteSignature {
                code: r.dossier.clone(),
                state: state.to_string(),
            });
            Ok(())
        })
    }

    /// The organisation's seal on a result the official already signed remotely (the
    /// văn thư types its PIN), then the switch.
    pub(super) fn remote_seal(
        &self,
        actor: &Actor,
        r: &RemoteRequest,
        secrets: &super::signers::DeskSecrets,
    ) -> Result<crate::domain::dossier::Dossier> {
        self.remote_seal_any(actor, r, secrets)?;
        self.dossier(&r.dossier)
    }

    /// The seal after a remote approval (a result or an e-copy), the văn thư's PIN typed.
    pub(super) fn remote_seal_any(
        &self,
        actor: &Actor,
        r: &RemoteRequest,
        secrets: &super::signers::DeskSecrets,
    ) -> Result<()> {
        let RemoteState::Approved { person_signed } = &r.state else {
            return Err(ServiceError::conflict(
                "remote_pending",
                format!(
                    "Đang chờ {} xác nhận ký trên điện thoại (đến {}); trang tự cập nhật khi có kết quả",
                    r.signer,
                    crate::domain::time::local(r.expires_at).format("%H:%M")
                ),
            ));
        };
        if self.result_changed(r)? {
            self.remote_step(
                actor,
                r,
                "failed",
                "Tệp kết quả đã thay sau khi lãnh đạo ký trên điện thoại: yêu cầu kết thúc, ký lại tệp mới",
                None,
            )?;
            return Err(ServiceError::conflict(
                "result_changed",
                "Tệp kết quả đã thay sau khi lãnh đạo ký: ký lại tệp mới",
            ));
        }
        let setups = self.signer_setups()?;
        let org = crate::domain::signer::organisation(&setups)
            .cloned()
            .ok_or_else(|| ServiceError::Invalid("Chưa cài chữ ký số của cơ quan".into()))?;
        org.usable_at(self.clock.now())
            .map_err(ServiceError::Invalid)?;
        let key = self.open_signer(&org, secrets.organisation.as_deref())?;
        let one = self.files()?.get(person_signed)?;
        self.seal_and_switch(actor, r, &one, &org, key.as_ref(), "")
    }

    /// The seal on the person-signed `one`, then the switch that ends request `r`.
    fn seal_and_switch(
        &self,
        actor: &Actor,
        r: &RemoteRequest,
        one: &[u8],
        org: &crate::domain::signer::SignerSetup,
        key: &dyn crate::sign::Signer,
        earlier_note: &str,
    ) -> Result<()> {
        let (two, note) = self.seal(one, key, org)?;
        if let Some(id) = r.ecopy {
            return self.ecopy_remote_issue(actor, r, id, &two);
        }
        let demo = matches!(org.source, KeySource::Demo { .. });
        self.switch_signed_result(
            actor,
            &r.dossier,
            &r.original_sha256,
            &two,
            (&r.signer, &org.name),
            demo,
            Some(&r.id),
            &format!("{earlier_note}{note}"),
        )
        .map(|_| ())
    }

    /// The organisation's signature (timestamped when a TSA is set); the history's word
    /// on a TSA that failed.
    fn seal(
        &self,
        one: &[u8],
        key: &dyn crate::sign::Signer,
        setup: &crate::domain::signer::SignerSetup,
    ) -> Result<(Vec<u8>, String)> {
        let org = setup.name.as_str();
        let client = self.tsa_client()?;
        let lenient = client.as_ref().map(|c| c.lenient());
        let two = crate::sign::sign_pdf_stamped(
            one,
            key,
            &crate::sign::pdf::SigInfo {
                field: "ChuKyCoQuan",
                name: org,
                reason: "Ký số của cơ quan",
                at: self.clock.now(),
                look: crate::sign::appearance::Look::Seal {
                    org: org.to_string(),
                    image: setup.image.clone().map(std::sync::Arc::new),
                },
            },
            lenient
                .as_ref()
                .map(|l| l as &dyn crate::sign::tsa::TimeStamper),
        )
        .map_err(ServiceError::Invalid)?;
        Ok((two, super::signing::tsa_note(lenient.as_ref())))
    }

    /// Ends request `r` with `state` and the words for the history (or the book).
    pub(super) fn remote_end(
        &self,
        actor: &Actor,
        r: &RemoteRequest,
        state: &str,
        note: &str,
    ) -> Result<()> {
        self.remote_step(actor, r, state, note, None)
    }

    /// A leader (or the admin) ends a request, waiting or awaiting the seal (sent by
    /// mistake, the phone lost…). The service is not told (its API has no cancel): a
    /// late approval on the phone is then ignored.
    pub fn remote_cancel(&self, actor: &Actor, code: &str) -> Result<()> {
        let r = self
            .remote_request(code)?
            .ok_or(ServiceError::NotFound("yêu cầu ký số"))?;
        self.remote_step(
            actor,
            &r,
            "cancelled",
            &format!("Đã hủy yêu cầu ký số từ xa gửi tới {}", r.signer),
            None,
        )?;
        Ok(())
    }

    /// Asks the service about every request waiting; finishes the approved ones, ends the
    /// refused and lapsed ones. Returns how many changed. Called by the relay every few
    /// seconds; a service that does not answer leaves requests waiting until they lapse.
    pub fn remote_poll(&self) -> Result<usize> {
        let _one = POLL.lock().unwrap_or_else(|p| p.into_inner());
        let all = self.remote_requests()?;
        if all.is_empty() {
            return Ok(0);
        }
        let service = self.remote_service()?;
        let actor = Actor {
            name: "ky-so-tu-xa".into(),
            role: "system".into(),
            addr: None,
        };
        let mut changed = 0;
        for r in all.into_iter() {
            // The result was replaced or removed meanwhile: what was asked for is gone.
            if self.result_changed(&r)? {
                match self.remote_step(
                    &actor,
                    &r,
                    "failed",
                    "Tệp kết quả đã thay trong khi chờ ký số từ xa: yêu cầu kết thúc, ký lại tệp mới",
                    None,
                ) {
                    Ok(_) | Err(ServiceError::Conflict { .. }) => {}
                    Err(e) => return Err(e),
                }
                changed += 1;
                continue;
            }
            if r.state != RemoteState::Waiting {
                continue;
            }
            let now = self.clock.now();
            if now > r.expires_at {
                match self.remote_step(
                    &actor,
                    &r,
                    "expired",
                    &format!(
                        "Yêu cầu ký số từ xa hết hạn: {} chưa xác nhận trên điện thoại trong {REQUEST_TTL_MINUTES} phút; ký lại nếu cần",
                        r.signer
                    ),
                    None,
                ) {
                    Ok(_) | Err(ServiceError::Conflict { .. }) => {}
                    Err(e) => return Err(e),
                }
                changed += 1;
                continue;
            }
            let Some(service) = &service else { continue };
            let status = match service.status(&r.id) {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(dossier = %r.dossier, "remote signing status: {e}");
                    continue;
                }
            };
            let outcome = match status {
                RemoteStatus::Waiting => continue,
                RemoteStatus::Refused => Err(Ending::Refused(format!(
                    "{} đã từ chối ký trên điện thoại",
                    r.signer
                ))),
                RemoteStatus::Expired => Err(Ending::Failed(format!(
                    "Dịch vụ ký số báo yêu cầu đã hết hạn ({} chưa xác nhận)",
                    r.signer
                ))),
                RemoteStatus::Signed(sig) => {
                    self.remote_finish(&actor, &r, &sig).map_err(Ending::Failed)
                }
            };
            changed += 1;
            if let Err(ending) = outcome {
                let (state, why) = match ending {
                    Ending::Refused(w) => ("refused", w),
                    Ending::Failed(w) => ("failed", w),
                };
                match self.remote_step(
                    &actor,
                    &r,
                    state,
                    &format!(
                        "Ký số từ xa không thành: {why}.{}",
                        if r.ecopy.is_some() {
                            ""
                        } else {
                            " Tệp kết quả chưa thay đổi"
                        }
                    ),
                    None,
                ) {
                    Ok(_) | Err(ServiceError::Conflict { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(changed)
    }

    /// The official's signature came back: checked and embedded; then the seal at once
    /// when the organisation's key needs no PIN, else the request waits for it.
    /// Whether the dossier's result is no longer the file request `r` signs.
    fn result_changed(&self, r: &RemoteRequest) -> Result<bool> {
        use crate::domain::dossier::digitize::Slot;
        if r.ecopy.is_some() {
            return Ok(false);
        }
        let d = self.dossier(&r.dossier)?;
        Ok(d.files
            .iter()
            .find(|f| f.slot == Slot::Result)
            .is_none_or(|f| f.pdf.sha256 != r.original_sha256))
    }

    fn remote_finish(
        &self,
        actor: &Actor,
        r: &RemoteRequest,
        signature: &[u8],
    ) -> std::result::Result<(), String> {
        let err = |e: ServiceError| e.to_string();
        let setups = self.signer_setups().map_err(err)?;
        let setup = setups
            .iter()
            .find(|s| s.id == r.setup_id)
            .ok_or("chữ ký số của người ký đã bị gỡ khỏi máy")?;
        let prepared = self
            .files()
            .map_err(err)?
            .get(&r.prepared_sha256)
            .map_err(|e| e.to_string())?;
        let attributes = base64::engine::general_purpose::STANDARD
            .decode(&r.attributes)
            .map_err(|_| "thuộc tính ký đã lưu bị hỏng")?;
        let kind = crate::sign::key_kind(&setup.certificate)?;
        let client = self.tsa_client().map_err(err)?;
        let lenient = client.as_ref().map(|c| c.lenient());
        let one = crate::sign::finish_deferred(
            crate::sign::Deferred {
                prepared: crate::sign::pdf::Prepared {
                    bytes: prepared,
                    byte_range: r.byte_range,
                },
                attributes,
            },
            signature,
            kind,
            &setup.certificate,
            &setup.chain,
            lenient
                .as_ref()
                .map(|l| l as &dyn crate::sign::tsa::TimeStamper),
        )?;
        let person_note = super::signing::tsa_note(lenient.as_ref());
        let reports = self.verify_here(&one).map_err(err)?;
        if reports.len() != 1 || reports[0].verdict != crate::sign::verify::Verdict::Valid {
            return Err(format!(
                "chữ ký gửi về không kiểm tra được ({})",
                reports.first().map(|r| r.reason.as_str()).unwrap_or("")
            ));
        }
        let org = crate::domain::signer::organisation(&setups)
            .cloned()
            .ok_or("chưa cài chữ ký số của cơ quan")?;
        if !org.source.needs_secret() && !org.source.deferred() {
            let key = self.open_signer(&org, None).map_err(err)?;
            self.seal_and_switch(actor, r, &one, &org, key.as_ref(), &person_note)
                .map_err(err)?;
            return Ok(());
        }
        let kept = self
            .files()
            .map_err(err)?
            .put(&one)
            .map_err(|e| e.to_string())?;
        let mut next = r.clone();
        next.state = RemoteState::Approved {
            person_signed: kept.sha256,
        };
        self.remote_step(
            actor,
            r,
            "approved",
            &format!(
                "{} đã xác nhận ký trên điện thoại; chờ văn thư ký số của cơ quan",
                r.signer
            ),
            Some(&next),
        )
        .map_err(err)?;
        Ok(())
    }
}
