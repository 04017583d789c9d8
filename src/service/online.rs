//! Dossiers filed online, handed down by the province: made into channel-2 dossiers of
//! this center (the national code kept as the durable dedup key and as the code the
//! province knows them by), their papers' files attached as digitized copies, or — when
//! no procedure here matches — kept whole in the unassigned inbox until an officer
//! assigns one. Nothing handed down is ever dropped.
//!
//! Files are fetched (base64 or link) and put in the file store *before* the commit
//! that names them (INTEGRATION.md §5.8); the province is acknowledged only after it.

use super::dossiers::{calendar, catalogue, emit_change, new_token, next_code, settings};
use super::scans::{stored_pdf, MAX_UPLOAD};
use super::{Result, ServiceError, Services};
use crate::domain::dossier::{
    Dossier, DossierState, Paper, PaperKind, ProcedureSnapshot as Procedure,
};
use crate::domain::sync::{
    attach_online, decode_inline, fmt_time, read_online, without_inline_files, Attachment, Online,
    OnlineFile, StoredPdf, ONLINE_ACTOR,
};
use crate::domain::time::local_day;
use crate::events::Actor;
use crate::province::Connector;
use crate::store::{InboundRow, Tx};

impl Services {
    /// Fetches and stores the files of an online dossier's papers (no transaction open):
    /// each is a PDF in the file store, or the reason it is not.
    pub fn online_files(&self, conn: &Connector, raw: &serde_json::Value) -> Vec<OnlineFile> {
        let Ok(o) = read_online(raw) else {
            return Vec::new();
        };
        let Ok(files) = self.files() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, (name, att)) in o.papers.iter().zip(&o.attachments).enumerate() {
            let bytes = match att {
                Attachment::Missing => continue,
                Attachment::Inline(text) => decode_inline(text)
                    .ok_or_else(|| "tệp gửi kèm bị hỏng (không đọc được base64)".to_string()),
                Attachment::Url(url) => conn.fetch_file(url, MAX_UPLOAD),
            };
            let outcome = bytes
                .and_then(|b| stored_pdf(&files, &b, &format!("{} — {name}", o.national_code)))
                .map(|(pdf, pages, page_count)| StoredPdf {
                    pdf,
                    pages,
                    page_count,
                });
            out.push(OnlineFile {
                index: i as u32,
                filename: name.clone(),
                outcome,
            });
        }
        out
    }

    /// An online dossier handed down by the province, stored in one transaction: a
    /// channel-2 dossier (status 1, the national code kept, its files attached) when its
    /// procedure is in the catalogue, else the packet waits in the unassigned inbox.
    /// Returns the local code, `None` when it went to the inbox, or when it was already
    /// here (the national code is the durable dedup key).
    pub fn store_online(
        &self,
        national: &str,
        raw: &serde_json::Value,
        files: Vec<OnlineFile>,
    ) -> Result<Option<String>> {
        let parsed = read_online(raw);
        self.run(&Actor::system(), |tx, now| {
            if tx.inbound(national)?.is_some() {
                return Ok(None);
            }
            let mut row = InboundRow {
                national_code: national.to_string(),
                local_code: None,
                raw: without_inline_files(raw).to_string(),
                reason: None,
                received_at: now,
                acked: false,
                files: files.clone(),
            };
            let cat = catalogue(tx)?;
            let routed = parsed
                .clone()
                .and_then(|o| match cat.get(&o.procedure_code) {
                    Some(p) => Ok((o, p.clone())),
                    None => Err(format!(
                        "thủ tục mã «{}» không có trong danh mục của trung tâm",
                        o.procedure_code
                    )),
                });
            match routed {
                Ok((o, procedure)) => {
                    let code = make_online(tx, o, procedure, &files, now, "register_online")?;
                    row.local_code = Some(code.clone());
                    tx.put_inbound(&row)?;
                    Ok(Some(code))
                }
                Err(reason) => {
                    row.reason = Some(reason);
                    tx.put_inbound(&row)?;
                    Ok(None)
                }
            }
        })
    }

    /// An officer gives an inbox dossier the procedure it is for: it becomes a channel-2
    /// dossier like any other (its files attached), and the inbox row points to it. A
    /// packet whose filing time could not be read counts from when it arrived here.
    pub fn assign_online(
        &self,
        actor: &Actor,
        national: &str,
        procedure_code: &str,
    ) -> Result<String> {
        self.run(actor, |tx, now| {
            let mut row = tx
                .inbound(national)?
                .ok_or(ServiceError::NotFound("hồ sơ trực tuyến"))?;
            if let Some(code) = &row.local_code {
                return Err(ServiceError::conflict(
                    "already_assigned",
                    &format!("Hồ sơ này đã được xếp: {code}"),
                ));
            }
            let procedure = catalogue(tx)?
                .get(procedure_code.trim())
                .cloned()
                .ok_or_else(|| {
                    ServiceError::Invalid("Chọn một thủ tục có trong danh mục".into())
                })?;
            let mut raw: serde_json::Value =
                serde_json::from_str(&row.raw).unwrap_or_else(|_| serde_json::json!({}));
            if raw["MaHoSo"].as_str().unwrap_or("").is_empty() {
                raw["MaHoSo"] = national.into();
            }
            if read_online(&raw).is_err() {
                raw["NgayNopHoSo"] = fmt_time(row.received_at).into();
            }
            let mut o = read_online(&raw).map_err(ServiceError::Invalid)?;
            o.procedure_code = procedure.code.clone();
            let files = row.files.clone();
            let code = make_online(tx, o, procedure, &files, now, "assign_online")?;
            row.local_code = Some(code.clone());
            row.reason = None;
            tx.put_inbound(&row)?;
            Ok(code)
        })
    }

    /// The province was told about an online dossier (`DaNhan`).
    pub fn online_acked(&self, national: &str) -> Result<()> {
        self.run(&Actor::system(), |tx, _| {
            if let Some(mut row) = tx.inbound(national)? {
                row.acked = true;
                tx.put_inbound(&row)?;
            }
            Ok(())
        })
    }

    /// The unassigned inbox: online dossiers no procedure here could take, whole.
    pub fn online_inbox(&self) -> Result<Vec<InboundRow>> {
        Ok(self
            .store
            .read()?
            .inbound_rows()?
            .into_iter()
            .filter(|r| r.local_code.is_none())
            .collect())
    }
}

/// Makes the channel-2 dossier (status 1) inside the caller's transaction, with its
/// files attached and its sync marked; returns the local code.
fn make_online(
    tx: &mut Tx,
    o: Online,
    procedure: Procedure,
    files: &[OnlineFile],
    now: chrono::DateTime<chrono::Utc>,
    action: &str,
) -> Result<String> {
    let s = settings(tx)?;
    let cal = calendar(tx)?;
    let (state, mut entry) = DossierState::register_online(ONLINE_ACTOR, o.filed_at)?;
    let papers: Vec<Paper> = if o.papers.is_empty() {
        procedure.papers.clone()
    } else {
        o.papers
            .iter()
            .map(|n| Paper {
                name: n.clone(),
                kind: PaperKind::Copy,
                count: 1,
            })
            .collect()
    };
    let code = next_code(tx, &s, local_day(o.filed_at))?;
    entry.note = format!("Nộp trực tuyến, mã hồ sơ trên Cổng: {}", o.national_code);
    let mut d = Dossier {
        code: code.clone(),
        procedure,
        applicant: o.applicant,
        papers,
        sets: 1,
        ticket: None,
        pickup: s.dossier.pickup.clone(),
        note: o.summary,
        state,
        history: vec![entry],
        lookup_token: new_token(),
        calendar_version: cal.version.clone(),
        national_code: Some(o.national_code.clone()),
        imported: false,
        files: Vec::new(),
    };
    let missing = attach_online(&mut d, files, now);
    if !missing.is_empty() {
        d.history[0].note.push_str(&format!(
            ". Chưa nhận được tệp của: {} — cần xin công dân bổ sung",
            missing.join("; ")
        ));
    }
    tx.put_dossier(&d)?;
    emit_change(tx, &d, action, None, now)?;
    Ok(code)
}
