//! *Chứng thực bản sao điện tử từ bản chính* (SIGNING.md §3): an officer at the Tư pháp
//! counter scans or uploads the original the citizen shows, checks it and files the
//! request; the chairman or vice-chairman issues it: the copy gets the lời chứng page with
//! the book's next number and a QR to the public verification page, the person's
//! signature and the organisation's seal. Number, fee, copy file and record are one write
//! transaction: a refused signature, a bad file or a crash takes no number.

use rand::RngCore;

use super::{Result, ServiceError, Services};
use crate::domain::ecopy::{self, CopyRecord, CopyState, PageFee};
use crate::events::{Actor, EventKind};
use crate::sign::verify::{SignatureReport, Verdict};

/// The catalogue's code for the procedure (its fee scale is the one charged).
pub const PROCEDURE: &str = "2.000815";

/// Largest original accepted (as other uploads).
pub const MAX_ORIGINAL: usize = 50 * 1024 * 1024;

/// One signature as the public page shows it (the time in Vietnam's, the verdict in words).
#[derive(Debug, Clone, serde::Serialize)]
pub struct SignatureLine {
    pub valid: bool,
    pub verdict: &'static str,
    pub signer: String,
    pub organisation: String,
    pub time: String,
    pub reason: String,
}

impl From<&SignatureReport> for SignatureLine {
    fn from(s: &SignatureReport) -> Self {
        SignatureLine {
            valid: s.verdict == Verdict::Valid,
            verdict: s.verdict.label(),
            signer: s.signer.clone(),
            organisation: s.organisation.clone(),
            time: crate::sign::verify::time_shown(&s.time),
            reason: s.reason.clone(),
        }
    }
}

/// What the public page shows of one copy.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PublicCheck {
    pub record: CopyRecord,
    /// The stored copy's signatures, verified now against the pinned roots.
    pub signatures: Vec<SignatureLine>,
    /// Every signature holds and the file is the one issued.
    pub genuine: bool,
}

fn token() -> String {
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

fn event(r: &CopyRecord) -> EventKind {
    EventKind::EcopyChanged {
        id: r.id,
        state: match r.state {
            CopyState::Pending => "requested",
            CopyState::Signing => "signing",
            CopyState::Issued => "issued",
            CopyState::Refused => "refused",
        }
        .into(),
        number: r.number.as_ref().map(|n| n.label()),
        copies: r.copies,
    }
}

/// Request `id`, still waiting for its decision (decided once, by one leader).
fn pending_request(tx: &crate::store::Tx, id: u64) -> Result<CopyRecord> {
    let r = tx
        .ecopy(id)?
        .ok_or(ServiceError::NotFound("yêu cầu chứng thực"))?;
    if r.state != CopyState::Pending {
        return Err(already_decided());
    }
    Ok(r)
}

fn already_decided() -> ServiceError {
    ServiceError::conflict("ecopy_decided", "Yêu cầu này đã được xử lý; tải lại trang")
}

/// The issued copy as its dossier's result, in the issuing transaction: the file, the
/// history row, the sync mark, the signed-results count.
fn attach_result(
    tx: &mut crate::store::Tx,
    r: &CopyRecord,
    stored: &crate::domain::dossier::digitize::BlobRef,
    reports: &[SignatureReport],
    actor: &Actor,
    now: chrono::DateTime<chrono::Utc>,
    code: &str,
) -> Result<()> {
    use crate::domain::dossier::digitize::{self, DigitalFile, Origin, Slot};
    let mut d = tx.dossier(code)?.ok_or(ServiceError::NotFound("hồ sơ"))?;
    let number = r.number.as_ref().map(|n| n.number).unwrap_or(0);
    digitize::attach(
        &mut d,
        DigitalFile {
            slot: Slot::Result,
            name: "Bản sao điện tử có chứng thực".into(),
            pdf: stored.clone(),
            pages: Vec::new(),
            page_count: r.copy_pages,
            origin: Origin::Upload {
                filename: format!("ban-sao-chung-thuc-so-{number}.pdf"),
            },
            at: now,
            by: actor.name.clone(),
            signatures: reports.iter().map(crate::sign::verify::summary).collect(),
        },
    )
    .map_err(ServiceError::Digitize)?;
    tx.put_dossier(&d)?;
    tx.sync_mark(&d.code, now)?;
    tx.count_signed_result(now, d.procedure.area)?;
    tx.emit(EventKind::DossierFile {
        code: d.code.clone(),
        slot: Slot::Result.key(),
        sha256: Some(stored.sha256.clone()),
        pages: r.copy_pages,
    });
    Ok(())
}

impl Services {
    /// The fee scale charged: the catalogue's for the procedure, else the legal default.
    pub fn ecopy_fee_scale(&self) -> Result<PageFee> {
        Ok(self
            .catalogue()?
            .procedures
            .iter()
            .find(|p| p.code == PROCEDURE)
            .and_then(|p| p.page_fee)
            .unwrap_or_default())
    }

    /// An officer files a request: the original's PDF (scanned here or uploaded), who asks,
    /// what the original is, how many copies. Nothing is numbered yet.
    pub fn ecopy_request(
        &self,
        actor: &Actor,
        pdf: &[u8],
        citizen: &str,
        document: &str,
        copies: u32,
    ) -> Result<CopyRecord> {
        self.file_request(actor, pdf, citizen, document, copies, None)
    }

    /// The request made from a dossier of the procedure received at the desk: the
    /// original is the dossier's first digitized paper (scanned there, or uploaded), the
    /// citizen its applicant; the issued copy becomes the dossier's result.
    pub fn ecopy_from_dossier(
        &self,
        actor: &Actor,
        code: &str,
        document: &str,
        copies: u32,
    ) -> Result<CopyRecord> {
        use crate::domain::dossier::digitize::Slot;
        let d = self.dossier(code)?;
        if d.procedure.page_fee.is_none() && d.procedure.code != PROCEDURE {
            return Err(ServiceError::Invalid(
                "Hồ sơ này không thuộc thủ tục chứng thực bản sao".into(),
            ));
        }
        if self
            .ecopies()?
            .iter()
            .any(|r| r.dossier.as_deref() == Some(d.code.as_str()) && r.state == CopyState::Pending)
        {
            return Err(ServiceError::conflict(
                "ecopy_pending",
                "Hồ sơ này đã có yêu cầu đang chờ ký",
            ));
        }
        let paper = d
            .files
            .iter()
            .find(|f| matches!(f.slot, Slot::Paper { .. }))
            .ok_or_else(|| {
                ServiceError::Invalid(
                    "Chưa số hoá bản chính: quét (hoặc tải lên) bản chính vào giấy tờ của hồ sơ trước".into(),
                )
            })?;
        let bytes = self.files()?.get(&paper.pdf.sha256)?;
        self.file_request(
            actor,
            &bytes,
            &d.applicant.name,
            document,
            copies,
            Some(d.code.clone()),
        )
    }

    fn file_request(
        &self,
        actor: &Actor,
        pdf: &[u8],
        citizen: &str,
        document: &str,
        copies: u32,
        dossier: Option<String>,
    ) -> Result<CopyRecord> {
        ecopy::check_request(citizen, document, copies)
            .map_err(|e| ServiceError::Invalid(e.join("; ")))?;
        if pdf.len() > MAX_ORIGINAL {
            return Err(ServiceError::Invalid("Tệp quá lớn (tối đa 50 MB)".into()));
        }
        // Read it as the issuing step will: a file that cannot take the page is told now.
        let pages =
            crate::sign::copy::pages_of(pdf).map_err(|e| ServiceError::Invalid(e.to_string()))?;
        let stored = self.files()?.put(pdf)?;
        let (citizen, document) = (citizen.trim().to_string(), document.trim().to_string());
        self.run(actor, |tx, now| {
            let r = CopyRecord {
                id: tx.ecopy_next_id()?,
                token: token(),
                citizen,
                document,
                copies,
                pages,
                original_sha256: stored.sha256.clone(),
                requested_by: actor.name.clone(),
                requested_at: now,
                state: CopyState::Pending,
                number: None,
                fee_vnd: 0,
                signer: None,
                signer_title: None,
                decided_by: None,
                decided_at: None,
                copy_sha256: None,
                copy_pages: 0,
                refused_reason: None,
                dossier,
            };
            tx.put_ecopy(&r)?;
            tx.emit(event(&r));
            Ok(r)
        })
    }

    pub fn ecopies(&self) -> Result<Vec<CopyRecord>> {
        Ok(self.store.read()?.ecopies()?)
    }

    pub fn ecopy(&self, id: u64) -> Result<CopyRecord> {
        self.store
            .read()?
            .ecopy(id)?
            .ok_or(ServiceError::NotFound("yêu cầu chứng thực"))
    }

    /// The leader issues request `id`: the copy made and signed (lời chứng page with the
    /// book's next number, person, seal, timestamps), checked and stored; then one write
    /// transaction takes that number, the fee and the copy together (see the loop).
    /// `base` is the address the copy's QR points at (the public address when set).
    pub fn ecopy_issue(
        &self,
        actor: &Actor,
        id: u64,
        request_base: &str,
        secrets: &super::signers::DeskSecrets,
    ) -> Result<CopyRecord> {
        // Signed on a phone already: only the seal is left (the văn thư's PIN).
        if self.ecopy(id)?.state == CopyState::Signing {
            return self.ecopy_remote_seal(actor, id, secrets);
        }
        let plan = self.signing_plan(actor)?;
        let settings = self.settings()?;
        let base = settings.public_base(request_base);
        let scale = self.ecopy_fee_scale()?;
        let files = self.files()?;
        let (name, org) = (plan.person.name.clone(), plan.organisation.name.clone());
        let title = plan.person.title.as_str();
        let place = settings.place_name.trim().to_string();
        let body2 = if place.is_empty() {
            org.to_uppercase()
        } else {
            format!("XÃ {}", place.to_uppercase())
        };
        // Still pending? Said before a PIN is tried on a token.
        if self.ecopy(id)?.state != CopyState::Pending {
            return Err(already_decided());
        }
        if plan.person.source.deferred() {
            return self.ecopy_remote_send(actor, id, &plan, &base, &body2);
        }
        let person_key = self.open_signer(&plan.person, secrets.person.as_deref())?;
        let org_key = self.open_signer(&plan.organisation, secrets.organisation.as_deref())?;
        let client = self.tsa_client()?;
        // The copy is made and signed outside the write transaction (a token or a TSA
        // may take seconds; the queue must not wait on them) with the number the book
        // will give next; the transaction takes that number only if it is still the next
        // one, else the copy is made again with the new one. So the book, the fee and the
        // copy still land together, and a number is never taken for a copy not kept.
        for _ in 0..3 {
            let r = self.ecopy(id)?;
            if r.state != CopyState::Pending {
                return Err(already_decided());
            }
            let now = self.clock.now();
            let day = crate::domain::time::local_day(now);
            let number = self.store.read()?.ecopy_book()?.clone().take(day);
            let original = files.get(&r.original_sha256)?;
            let lines = ecopy::attestation(&number, day, &name, title);
            let url = format!("{base}/xac-thuc/{}", r.token);
            let with_page = crate::sign::copy::append_attestation(
                &original,
                &crate::sign::copy::Attestation {
                    body: ["ỦY BAN NHÂN DÂN", &body2],
                    lines: &lines,
                    document: &r.document,
                    url: &url,
                },
            )
            .map_err(|e| ServiceError::Invalid(e.to_string()))?;
            let (signed, tsa_failed) = super::signing::sign_both(
                &with_page,
                &plan,
                [person_key.as_ref(), org_key.as_ref()],
                "Chứng thực bản sao đúng với bản chính",
                now,
                client.as_ref(),
            )?;
            // Checked before anything is kept: a bad signature takes no number.
            let reports = self.verify_here(&signed)?;
            if reports.len() != 2 || reports.iter().any(|s| s.verdict != Verdict::Valid) {
                return Err(ServiceError::Invalid(
                    "Bản sao sau khi ký không kiểm tra được; chưa cấp, chưa lấy số".into(),
                ));
            }
            let stored = files.put(&signed)?;
            let outcome = self.run(actor, |tx, at| {
                let mut r = pending_request(tx, id)?;
                let mut book = tx.ecopy_book()?;
                // Another copy took the number meanwhile, or midnight passed (the date is
                // printed too): make this one again.
                let today = crate::domain::time::local_day(at);
                if today != day || book.take(today) != number {
                    return Ok(None);
                }
                r.state = CopyState::Issued;
                r.fee_vnd = scale.fee_vnd(r.pages, r.copies);
                r.number = Some(number.clone());
                r.signer = Some(name.clone());
                r.signer_title = Some(title.to_string());
                r.decided_by = Some(actor.name.clone());
                r.decided_at = Some(at);
                r.copy_sha256 = Some(stored.sha256.clone());
                r.copy_pages = r.pages + 1;
                if let Some(code) = r.dossier.clone() {
                    attach_result(tx, &r, &stored, &reports, actor, at, &code)?;
                }
                tx.put_ecopy_book(&book)?;
                tx.put_ecopy(&r)?;
                tx.emit(event(&r));
                Ok(Some(r))
            })?;
            if let Some(r) = outcome {
                if !tsa_failed.is_empty() {
                    tracing::warn!(id, "e-copy issued without a timestamp:{tsa_failed}");
                }
                return Ok(r);
            }
        }
        Err(ServiceError::conflict(
            "ecopy_busy",
            "Sổ chứng thực đang được ghi liên tục; thử cấp lại",
        ))
    }

    /// The leader declines (the original does not match, is not one that may be copied…):
    /// no number is taken; the reason is kept for the officer and the citizen.
    pub fn ecopy_refuse(&self, actor: &Actor, id: u64, reason: &str) -> Result<CopyRecord> {
        let reason = reason.trim();
        if reason.chars().count() < 3 {
            return Err(ServiceError::Invalid(
                "Hãy ghi lý do không chứng thực".into(),
            ));
        }
        self.run(actor, |tx, now| {
            let mut r = pending_request(tx, id)?;
            r.state = CopyState::Refused;
            r.refused_reason = Some(reason.to_string());
            r.decided_by = Some(actor.name.clone());
            r.decided_at = Some(now);
            tx.put_ecopy(&r)?;
            tx.emit(event(&r));
            Ok(r)
        })
    }

    /// The issued copy's PDF (for the officer to hand over or send).
    pub fn ecopy_file(&self, id: u64) -> Result<Vec<u8>> {
        let r = self.ecopy(id)?;
        let sha = r
            .copy_sha256
            .ok_or(ServiceError::NotFound("bản sao đã cấp"))?;
        Ok(self.files()?.get(&sha)?)
    }

    /// The original as scanned (for the signer to compare before issuing).
    pub fn ecopy_original(&self, id: u64) -> Result<Vec<u8>> {
        let r = self.ecopy(id)?;
        Ok(self.files()?.get(&r.original_sha256)?)
    }

    /// The public page's view of the copy behind `token`: issued copies only, verified
    /// now (a stored file that was altered shows as not genuine).
    pub fn ecopy_public(&self, token: &str) -> Result<(PublicCheck, Vec<u8>)> {
        let r = self
            .store
            .read()?
            .ecopy_by_token(token)?
            .filter(|r| r.state == CopyState::Issued)
            .ok_or(ServiceError::NotFound("bản sao điện tử"))?;
        let sha = r.copy_sha256.clone().unwrap_or_default();
        let bytes = self.files()?.get(&sha)?;
        let signatures = self.verify_here(&bytes).unwrap_or_default();
        let genuine = !signatures.is_empty()
            && signatures.iter().all(|s| s.verdict == Verdict::Valid)
            && crate::store::files::sha256_hex(&bytes) == sha;
        Ok((
            PublicCheck {
                record: r,
                signatures: signatures.iter().map(SignatureLine::from).collect(),
                genuine,
            },
            bytes,
        ))
    }

    /// The book of `year`: issued copies in number order.
    pub fn ecopy_book(&self, year: i32) -> Result<Vec<CopyRecord>> {
        let mut rows: Vec<CopyRecord> = self
            .ecopies()?
            .into_iter()
            .filter(|r| r.number.as_ref().is_some_and(|n| n.year == year))
            .collect();
        rows.sort_by_key(|r| r.number.as_ref().map(|n| n.number));
        Ok(rows)
    }
}

/// Ends a remote signing of e-copy request `id` without a copy (refused, lapsed,
/// cancelled), inside the caller's transaction: its number stays in the book as unused
/// (never given again), the request goes back to the desk to be signed again.
pub(super) fn unsign(
    tx: &mut crate::store::Tx,
    id: u64,
    reason: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let Some(mut r) = tx.ecopy(id)? else {
        return Ok(());
    };
    if r.state != CopyState::Signing {
        return Ok(());
    }
    if let Some(n) = r.number.take() {
        let mut book = tx.ecopy_book()?;
        book.void(n, reason, now);
        tx.put_ecopy_book(&book)?;
    }
    r.state = CopyState::Pending;
    r.signer = None;
    r.signer_title = None;
    tx.put_ecopy(&r)?;
    tx.emit(event(&r));
    Ok(())
}

impl Services {
    /// A remote signer issues request `id`: the book's number is taken now (it is printed
    /// in what is signed), the copy laid out, the hash sent to the phone, and the request
    /// kept — in one transaction once the service took it. If the official refuses or
    /// the request lapses, the number stays in the book as unused.
    fn ecopy_remote_send(
        &self,
        actor: &Actor,
        id: u64,
        plan: &super::signers::SigningPlan,
        base: &str,
        body2: &str,
    ) -> Result<CopyRecord> {
        use crate::domain::signer::KeySource;
        let KeySource::Remote { user_id } = &plan.person.source else {
            return Err(ServiceError::Internal("not a remote signer".into()));
        };
        let service = self.remote_service()?.ok_or_else(|| {
            ServiceError::Invalid("Chưa cấu hình dịch vụ ký số từ xa cho trung tâm".into())
        })?;
        let files = self.files()?;
        let r = self.ecopy(id)?;
        let now = self.clock.now();
        let day = crate::domain::time::local_day(now);
        let number = self.store.read()?.ecopy_book()?.clone().take(day);
        let (name, title) = (plan.person.name.clone(), plan.person.title.clone());
        let lines = ecopy::attestation(&number, day, &name, &title);
        let url = format!("{base}/xac-thuc/{}", r.token);
        let with_page = crate::sign::copy::append_attestation(
            &files.get(&r.original_sha256)?,
            &crate::sign::copy::Attestation {
                body: ["ỦY BAN NHÂN DÂN", body2],
                lines: &lines,
                document: &r.document,
                url: &url,
            },
        )
        .map_err(|e| ServiceError::Invalid(e.to_string()))?;
        let deferred = crate::sign::prepare_deferred(
            &with_page,
            &plan.person.certificate,
            &crate::sign::pdf::SigInfo {
                field: "ChuKyNguoiCoThamQuyen",
                name: &name,
                reason: "Chứng thực bản sao đúng với bản chính",
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
        let prepared = files.put(&deferred.prepared.bytes)?;
        let tid = service
            .request(
                user_id,
                &crate::sign::remote::random_id(),
                &format!("BS-{id}"),
                &format!("Chứng thực bản sao: {} ({})", r.document, number.label()),
                &deferred.digest(),
            )
            .map_err(ServiceError::Invalid)?;
        let request = super::remote_signing::RemoteRequest {
            id: tid,
            dossier: r.dossier.clone().unwrap_or_default(),
            setup_id: plan.person.id.clone(),
            signer: name.clone(),
            organisation: plan.organisation.name.clone(),
            original_sha256: r.original_sha256.clone(),
            prepared_sha256: prepared.sha256,
            byte_range: deferred.prepared.byte_range,
            attributes: {
                use base64::Engine;
                base64::engine::general_purpose::STANDARD.encode(&deferred.attributes)
            },
            requested_by: actor.name.clone(),
            requested_at: now,
            expires_at: now + chrono::Duration::minutes(super::remote_signing::REQUEST_TTL_MINUTES),
            state: super::remote_signing::RemoteState::Waiting,
            ecopy: Some(id),
        };
        self.run(actor, |tx, at| {
            let mut r = pending_request(tx, id)?;
            let mut book = tx.ecopy_book()?;
            let today = crate::domain::time::local_day(at);
            if today != day || book.take(today) != number {
                return Err(ServiceError::conflict(
                    "ecopy_busy",
                    "Sổ chứng thực vừa cấp số khác; bấm ký lại (yêu cầu vừa gửi tới điện thoại sẽ bị bỏ qua)",
                ));
            }
            super::remote_signing::keep_request(tx, &request)?;
            r.state = CopyState::Signing;
            r.number = Some(number.clone());
            r.signer = Some(name.clone());
            r.signer_title = Some(title.clone());
            tx.put_ecopy_book(&book)?;
            tx.put_ecopy(&r)?;
            tx.emit(event(&r));
            Ok(r)
        })
    }

    /// The seal on an e-copy its signer approved on the phone, then the copy issued.
    fn ecopy_remote_seal(
        &self,
        actor: &Actor,
        id: u64,
        secrets: &super::signers::DeskSecrets,
    ) -> Result<CopyRecord> {
        let r = self
            .remote_requests()?
            .into_iter()
            .find(|x| x.ecopy == Some(id))
            .ok_or_else(already_decided)?;
        self.remote_seal_any(actor, &r, secrets)?;
        self.ecopy(id)
    }

    /// The copy signed by both, checked, stored; the request issued in one transaction
    /// (its number was taken when it was sent), the remote request ended with it.
    pub(super) fn ecopy_remote_issue(
        &self,
        actor: &Actor,
        remote: &super::remote_signing::RemoteRequest,
        id: u64,
        two: &[u8],
    ) -> Result<()> {
        let reports = self.verify_here(two)?;
        if reports.len() != 2 || reports.iter().any(|s| s.verdict != Verdict::Valid) {
            return Err(ServiceError::Invalid(
                "Bản sao sau khi ký không kiểm tra được; chưa cấp".into(),
            ));
        }
        let scale = self.ecopy_fee_scale()?;
        let stored = self.files()?.put(two)?;
        self.run(actor, |tx, at| {
            let mut r = tx
                .ecopy(id)?
                .ok_or(ServiceError::NotFound("yêu cầu chứng thực"))?;
            if r.state != CopyState::Signing {
                return Err(already_decided());
            }
            super::remote_signing::drop_request(tx, &remote.id)?;
            r.state = CopyState::Issued;
            r.fee_vnd = scale.fee_vnd(r.pages, r.copies);
            r.decided_by = Some(remote.requested_by.clone());
            r.decided_at = Some(at);
            r.copy_sha256 = Some(stored.sha256.clone());
            r.copy_pages = r.pages + 1;
            if let Some(code) = r.dossier.clone() {
                attach_result(tx, &r, &stored, &reports, actor, at, &code)?;
            }
            tx.put_ecopy(&r)?;
            tx.emit(event(&r));
            Ok(())
        })
    }
}

impl Services {
    /// A leader ends a remote signing of e-copy request `id` (its number stays in the
    /// book as unused; the request goes back to the desk).
    pub fn ecopy_remote_cancel(&self, actor: &Actor, id: u64) -> Result<()> {
        let r = self
            .remote_requests()?
            .into_iter()
            .find(|x| x.ecopy == Some(id))
            .ok_or(ServiceError::NotFound("yêu cầu ký số"))?;
        self.remote_end(actor, &r, "cancelled", "Đã hủy yêu cầu ký số từ xa")
    }
}

impl Services {
    /// The numbers of `year`'s book left unused (their copies were never issued).
    pub fn ecopy_book_voided(&self, year: i32) -> Result<Vec<crate::domain::ecopy::Voided>> {
        Ok(self
            .store
            .read()?
            .ecopy_book()?
            .voided
            .into_iter()
            .filter(|v| v.number.year == year)
            .collect())
    }
}
