//! Dossier commands and queries: reception with a promised date from the working
//! calendar, the lifecycle actions, the lists, the public lookup and the catalogue.
//! Deadlines are computed here (the calendar lives in the store) and handed to the pure
//! rules in `domain::dossier` as plain instants.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use super::{Result, ServiceError, Services};
use crate::domain::calendar::{default_entries, Duration, WorkingCalendar};
use crate::domain::catalogue::Catalogue;
use crate::domain::center::{CenterSettings, Role};
use crate::domain::dossier::{
    self, Action, Applicant, Channel, Dossier, DossierError, DossierState, Paper,
    ProcedureSnapshot, Status,
};
use crate::domain::throttle::ThrottlePolicy;
use crate::domain::time::{from_local_naive, local, local_day, local_naive};
use crate::events::{Actor, EventKind};
use crate::service::auth::User;
use crate::store::{DossierIndex, Tx};

/// What the desk fills in to receive a dossier.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReceiveDossier {
    pub procedure_code: String,
    pub applicant: Applicant,
    /// Papers received; when absent, every paper the procedure requires.
    #[serde(default)]
    pub papers: Option<Vec<Paper>>,
    #[serde(default)]
    pub sets: Option<u32>,
    /// The queue ticket being served, when received at a counter.
    #[serde(default)]
    pub ticket: Option<u64>,
    /// 1 direct (default) or 3 postal; online dossiers arrive through the import or sync.
    #[serde(default)]
    pub channel: Option<Channel>,
    #[serde(default)]
    pub note: String,
}

/// An action on a dossier as the API takes it: the server computes every date from the
/// working calendar, so clients send intentions, not timestamps.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum DossierCommand {
    /// Accept an online dossier (status 1 → 2).
    Receive,
    Refuse {
        reason: String,
    },
    RequestSupplement {
        missing: Vec<Paper>,
        reason: String,
    },
    Resume,
    /// Assign to an officer; the step is due in `step_days` working days, or by the
    /// dossier's promised date.
    Assign {
        to_officer: String,
        #[serde(default)]
        step_days: Option<u32>,
    },
    /// The holder hands the dossier on.
    Handover {
        to: String,
        #[serde(default)]
        step_days: Option<u32>,
    },
    RequestFees {
        #[serde(default)]
        amount_vnd: Option<u64>,
        #[serde(default)]
        note: String,
    },
    FeesPaid,
    Resolve {
        #[serde(default)]
        note: String,
    },
    ReturnResult {
        #[serde(default)]
        note: String,
    },
    Withdraw {
        reason: String,
    },
    Stop {
        reason: String,
    },
    /// Mẫu 04: a new promised day (local date; due at closing time).
    Apologize {
        new_due: NaiveDate,
        reason: String,
    },
}

/// Filters of the dossier list and the tracking book (Mẫu 07).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DossierFilter {
    pub status: Option<u8>,
    pub area: Option<u32>,
    pub officer: Option<String>,
    pub procedure: Option<String>,
    /// Only open dossiers whose promised date has passed.
    pub overdue: bool,
    /// Received on or after this local day.
    pub from: Option<NaiveDate>,
    /// Received on or before this local day.
    pub to: Option<NaiveDate>,
    /// Code or applicant name contains this (case-insensitive).
    pub q: Option<String>,
    /// Only dossiers still in hand (not refused, withdrawn, stopped or returned): an
    /// officer's "Hồ sơ của tôi".
    pub open_only: bool,
    pub page: usize,
    pub per_page: Option<usize>,
}

/// The most a list page returns, and the most records one list request reads.
pub const MAX_PAGE: usize = 500;
const MAX_SCAN: usize = 200_000;

/// What the public lookup shows: nothing a stranger with the code could misuse.
#[derive(Debug, Clone, Serialize)]
pub struct PublicDossier {
    pub code: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub status: Status,
    pub status_label: &'static str,
    pub applicant_masked: String,
    pub received_at: Option<DateTime<FixedOffset>>,
    pub due_at: Option<DateTime<FixedOffset>>,
    pub resolved_at: Option<DateTime<FixedOffset>>,
    pub returned_at: Option<DateTime<FixedOffset>>,
    pub pickup: String,
    /// Papers still to bring, when a supplement was asked for.
    pub missing: Vec<Paper>,
    pub history: Vec<PublicStep>,
    /// The signed result, for the citizen to download (`/tra-cuu/{token}/ket-qua.pdf`):
    /// only once the result is ready and every signature on it held when it was checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_url: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PublicStep {
    pub at: DateTime<FixedOffset>,
    pub status_label: &'static str,
    pub what: &'static str,
}

/// The calendar used until an admin saves one: the computed holidays of 2024–2035 with
/// the published Tết 2026 notice applied.
pub fn default_calendar() -> WorkingCalendar {
    let mut cal = WorkingCalendar::with_official_2026();
    cal.version = "mặc định 2026".into();
    for y in (2024..=2035).filter(|y| *y != 2026) {
        cal.entries.extend(default_entries(y));
    }
    cal.entries.sort_by_key(|e| e.date);
    cal
}

pub(super) fn settings(tx: &Tx) -> Result<CenterSettings> {
    Ok(tx.meta_cached("settings")?.unwrap_or_default())
}

pub(super) fn calendar(tx: &Tx) -> Result<WorkingCalendar> {
    Ok(tx.meta("calendar")?.unwrap_or_else(default_calendar))
}

pub(super) fn catalogue(tx: &Tx) -> Result<Catalogue> {
    Ok(tx.meta("catalogue")?.unwrap_or_default())
}

fn load(tx: &Tx, code: &str) -> Result<Dossier> {
    let code = code.trim().to_ascii_uppercase();
    tx.dossier(&code)?.ok_or(ServiceError::NotFound("hồ sơ"))
}

/// Deadline arithmetic in local wall-clock time, returned as an instant.
pub(super) fn due_at(cal: &WorkingCalendar, from: DateTime<Utc>, d: &Duration) -> DateTime<Utc> {
    from_local_naive(cal.due(local_naive(from), d))
}

pub(super) fn new_token() -> String {
    let mut b = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// Next free code of `agency` for local `day` (the sequence is per agency and day; an
/// imported code may already hold a number, so taken numbers are skipped).
pub(super) fn next_code(tx: &mut Tx, s: &CenterSettings, day: NaiveDate) -> Result<String> {
    let agency = &s.dossier.agency;
    loop {
        let seq = tx.next_id(&format!("dossier:{agency}:{}", day.format("%y%m%d")))?;
        let seq = u32::try_from(seq).map_err(|_| {
            ServiceError::conflict("day_sequence_exhausted", "Hết số thứ tự hồ sơ trong ngày")
        })?;
        let code = dossier::dossier_code(agency, day, seq, s.dossier.code_width);
        if tx.dossier(&code)?.is_none() {
            return Ok(code);
        }
    }
}

/// The event of a dossier change, and its sync work in the same transaction: the
/// province gets every change of every dossier (nothing committed is left unsynced).
pub(super) fn emit_change(
    tx: &mut Tx,
    d: &Dossier,
    action: &str,
    from: Option<Status>,
    now: DateTime<Utc>,
) -> Result<()> {
    tx.sync_mark(&d.code, now)?;
    tx.emit(EventKind::DossierChanged {
        code: d.code.clone(),
        action: action.into(),
        from: from.map(|s| s.code()),
        to: d.status().code(),
        area: d.procedure.area,
        procedure: d.procedure.code.clone(),
        channel: d.state.channel.code(),
    });
    Ok(())
}

fn check_applicant(a: &Applicant) -> Result<Applicant> {
    // The API answers the first problem (with its code); the reception page lists all.
    crate::domain::dossier::reception::check_applicant(a).map_err(|ps| {
        let p = &ps[0];
        if p.code == "lookup_key_required" {
            ServiceError::rejected("lookup_key_required", &p.message)
        } else {
            ServiceError::Invalid(p.message.clone())
        }
    })
}

/// Who may move a dossier between officers: its holder, the center head, an admin.
fn may_route(actor: &Actor, d: &Dossier) -> bool {
    matches!(actor.account_role(), Some(Role::Admin | Role::Leader))
        || d.state.current_officer.as_deref() == Some(actor.name.as_str())
}

fn staff_user(tx: &Tx, name: &str) -> Result<User> {
    let u: User = tx
        .user(name.trim())?
        .ok_or_else(|| ServiceError::Invalid(format!("Không có cán bộ \"{}\"", name.trim())))?;
    if !u.handles_dossiers() {
        return Err(ServiceError::Invalid(format!(
            "Tài khoản \"{}\" không nhận xử lý hồ sơ",
            u.username
        )));
    }
    Ok(u)
}

/// Waiting for the citizen since a time within its promise: not late, so neither in the
/// overdue list nor in the warnings (the same clock stop as the reports).
fn waits_in_time(d: &Dossier) -> bool {
    d.state
        .due_at
        .is_some_and(|due| d.waits_in_time(due, dossier::Comparison::Timestamp))
}

impl Services {
    pub fn catalogue(&self) -> Result<Catalogue> {
        Ok(self.store.read()?.meta("catalogue")?.unwrap_or_default())
    }

    /// Replaces the catalogue with `procedures` (the province's full list). All entries
    /// are checked first; one bad entry refuses the whole import.
    pub fn import_catalogue(
        &self,
        actor: &Actor,
        procedures: Vec<ProcedureSnapshot>,
    ) -> Result<(Catalogue, usize)> {
        self.run(actor, |tx, now| {
            let areas = tx.services()?.into_iter().map(|a| a.id).collect();
            Catalogue::validate(&procedures, &areas)
                .map_err(|e| ServiceError::Invalid(e.to_string()))?;
            let (next, changed) = catalogue(tx)?.merged(procedures, now);
            if changed > 0 {
                tx.put_meta("catalogue", &next)?;
                tx.emit(EventKind::SettingsChanged {
                    what: format!("catalogue v{}", next.version),
                });
            }
            Ok((next, changed))
        })
    }

    pub fn calendar(&self) -> Result<WorkingCalendar> {
        Ok(self
            .store
            .read()?
            .meta("calendar")?
            .unwrap_or_else(default_calendar))
    }

    pub fn save_calendar(&self, actor: &Actor, cal: WorkingCalendar) -> Result<WorkingCalendar> {
        cal.validate()
            .map_err(|e| ServiceError::Invalid(format!("Lịch làm việc: {e}")))?;
        if cal.version.trim().is_empty() {
            return Err(ServiceError::Invalid(
                "Lịch làm việc cần có tên phiên bản".into(),
            ));
        }
        self.run(actor, |tx, _| {
            tx.put_meta("calendar", &cal)?;
            tx.emit(EventKind::SettingsChanged {
                what: format!("calendar {}", cal.version),
            });
            Ok(cal)
        })
    }

    /// Receives a dossier at the desk: code, promised date, receipt data, one transaction.
    pub fn receive_dossier(&self, actor: &Actor, req: ReceiveDossier) -> Result<Dossier> {
        let applicant = check_applicant(&req.applicant)?;
        let channel = req.channel.unwrap_or(Channel::Direct);
        if channel == Channel::Online {
            return Err(ServiceError::Invalid(
                "Hồ sơ trực tuyến được tiếp nhận từ hệ thống một cửa điện tử, không nhập tại quầy"
                    .into(),
            ));
        }
        let sets = req.sets.unwrap_or(1);
        if let Some(p) = crate::domain::dossier::reception::check_papers(&[], sets).first() {
            return Err(ServiceError::Invalid(p.message.clone()));
        }
        let token = new_token();
        self.run(actor, |tx, now| {
            let s = settings(tx)?;
            let cal = calendar(tx)?;
            let procedure = catalogue(tx)?
                .get(req.procedure_code.trim())
                .cloned()
                .ok_or(ServiceError::NotFound("thủ tục"))?;
            let ticket = match req.ticket {
                Some(t) => Some(tx.ticket(t)?.ok_or(ServiceError::NotFound("phiếu"))?),
                None => None,
            };
            let papers = req
                .papers
                .clone()
                .unwrap_or_else(|| procedure.papers.clone());
            if let Some(p) = crate::domain::dossier::reception::check_papers(&papers, sets).first()
            {
                return Err(ServiceError::Invalid(p.message.clone()));
            }
            let due = due_at(&cal, now, &procedure.duration.as_duration());
            let (state, entry) = DossierState::receive(channel, &actor.name, now, due)?;
            let code = next_code(tx, &s, local_day(now))?;
            let d = Dossier {
                code,
                procedure,
                applicant: applicant.clone(),
                papers,
                sets,
                ticket: req.ticket,
                pickup: s.dossier.pickup.clone(),
                note: req.note.trim().to_string(),
                state,
                history: vec![entry],
                lookup_token: token.clone(),
                calendar_version: cal.version.clone(),
                national_code: None,
                imported: false,
                files: Vec::new(),
            };
            tx.put_dossier(&d)?;
            // The ticket remembers the dossier, so the citizen's rating is bound to it.
            if let Some(mut t) = ticket {
                t.received.push(d.code.clone());
                tx.put_ticket(&t)?;
            }
            emit_change(tx, &d, "receive", None, now)?;
            Ok(d)
        })
    }

    pub fn dossier(&self, code: &str) -> Result<Dossier> {
        let code = code.trim().to_ascii_uppercase();
        self.store
            .read()?
            .dossier(&code)?
            .ok_or(ServiceError::NotFound("hồ sơ"))
    }

    /// One lifecycle action; illegal ones are refused with the rule's message.
    pub fn dossier_action(
        &self,
        actor: &Actor,
        code: &str,
        cmd: DossierCommand,
    ) -> Result<Dossier> {
        self.run(actor, |tx, now| {
            let mut d = load(tx, code)?;
            let cal = calendar(tx)?;
            let from = d.status();
            let name = match &cmd {
                DossierCommand::Receive => "receive",
                DossierCommand::Refuse { .. } => "refuse",
                DossierCommand::RequestSupplement { .. } => "request_supplement",
                DossierCommand::Resume => "resume",
                DossierCommand::Assign { .. } => "assign",
                DossierCommand::Handover { .. } => "handover",
                DossierCommand::RequestFees { .. } => "request_fees",
                DossierCommand::FeesPaid => "fees_paid",
                DossierCommand::Resolve { .. } => "resolve",
                DossierCommand::ReturnResult { .. } => "return_result",
                DossierCommand::Withdraw { .. } => "withdraw",
                DossierCommand::Stop { .. } => "stop",
                DossierCommand::Apologize { .. } => "apologize",
            };
            let step_due = |days: Option<u32>, d: &Dossier| -> DateTime<Utc> {
                match days {
                    Some(n) => due_at(&cal, now, &Duration::WorkingDays(n.max(1))),
                    // By the promised date, or today when that has already passed.
                    None => d.state.due_at.unwrap_or(now).max(now),
                }
            };
            let action = match cmd {
                DossierCommand::Receive => Action::Receive {
                    // Never a promise already past, even when the filing waited long.
                    due_at: due_at(
                        &cal,
                        d.state.counts_from(now),
                        &d.procedure.duration.as_duration(),
                    )
                    .max(now),
                },
                DossierCommand::Refuse { reason } => Action::Refuse { reason },
                DossierCommand::RequestSupplement { missing, reason } => {
                    Action::RequestSupplement { missing, reason }
                }
                DossierCommand::Resume => {
                    // The citizen's time does not count: push the promise by the working
                    // time the dossier waited (only after reception; before it there is none).
                    let new_due = match (d.state.due_at, d.state.paused_since, d.state.paused_from)
                    {
                        (Some(due), Some(since), Some(f)) if f != Status::New => {
                            Some(from_local_naive(cal.extend_by_pause(
                                local_naive(due),
                                local_naive(since),
                                local_naive(now),
                            )))
                        }
                        _ => None,
                    };
                    Action::Resume { new_due }
                }
                DossierCommand::Assign {
                    to_officer,
                    step_days,
                } => {
                    if !may_route(actor, &d) {
                        return Err(ServiceError::Forbidden(
                            "Chỉ người đang giữ hồ sơ hoặc lãnh đạo được phân công".into(),
                        ));
                    }
                    let u = staff_user(tx, &to_officer)?;
                    Action::Assign {
                        to_officer: u.username,
                        step_due: step_due(step_days, &d),
                    }
                }
                DossierCommand::Handover { to, step_days } => {
                    if !may_route(actor, &d) {
                        return Err(ServiceError::Forbidden(
                            "Chỉ người đang giữ hồ sơ hoặc lãnh đạo được chuyển hồ sơ".into(),
                        ));
                    }
                    let u = staff_user(tx, &to)?;
                    Action::Handover {
                        from: d
                            .state
                            .current_officer
                            .clone()
                            .unwrap_or_else(|| actor.name.clone()),
                        to: u.username,
                        step_due: step_due(step_days, &d),
                    }
                }
                DossierCommand::RequestFees { amount_vnd, note } => {
                    Action::RequestFees { amount_vnd, note }
                }
                DossierCommand::FeesPaid => Action::FeesPaid,
                DossierCommand::Resolve { note } => Action::Resolve { note },
                DossierCommand::ReturnResult { note } => Action::ReturnResult { note },
                DossierCommand::Withdraw { reason } => Action::Withdraw { reason },
                DossierCommand::Stop { reason } => Action::Stop { reason },
                DossierCommand::Apologize { new_due, reason } => Action::Apologize {
                    new_due: from_local_naive(new_due.and_time(cal.hours.closing())),
                    reason,
                },
            };
            let rows = dossier::apply(&mut d.state, &action, &actor.name, now)?;
            d.history.extend(rows);
            tx.put_dossier(&d)?;
            emit_change(tx, &d, name, Some(from), now)?;
            Ok(d)
        })
    }

    /// A page of dossiers, newest received first (overdue: oldest promise first).
    pub fn list_dossiers(&self, f: &DossierFilter) -> Result<Vec<Dossier>> {
        let now = self.clock.now();
        let per_page = f.per_page.unwrap_or(50).clamp(1, MAX_PAGE);
        let from = f
            .from
            .map(|d| from_local_naive(d.and_time(NaiveTime::MIN)).timestamp())
            .unwrap_or(i64::MIN);
        let to =
            f.to.and_then(|d| d.succ_opt())
                .map(|d| from_local_naive(d.and_time(NaiveTime::MIN)).timestamp() - 1)
                .unwrap_or(i64::MAX - 1);
        let status = match f.status {
            Some(c) => Some(Status::from_code(c).ok_or_else(|| {
                ServiceError::Invalid(format!("Mã trạng thái {c} không hợp lệ (1–10)"))
            })?),
            None => None,
        };
        // The most selective index the filter allows; the rest is checked per record.
        let officer = f
            .officer
            .as_deref()
            .map(str::trim)
            .filter(|o| !o.is_empty());
        let index = if f.overdue {
            DossierIndex::OverdueAt(now.timestamp())
        } else if let Some(name) = officer {
            DossierIndex::Officer {
                name: name.to_string(),
                from,
                to,
            }
        } else if let Some(status) = status {
            DossierIndex::Status { status, from, to }
        } else if let Some(area) = f.area {
            DossierIndex::Area { area, from, to }
        } else {
            DossierIndex::Received { from, to }
        };
        let q = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
        let q_upper = q.map(|q| q.to_uppercase());
        let keep = |d: &Dossier| {
            let received = d
                .state
                .received_at
                .or(d.state.registered_at)
                .map(|t| t.timestamp())
                .unwrap_or(0);
            status.is_none_or(|s| d.status() == s)
                && (received >= from && received <= to)
                && f.area.is_none_or(|a| d.procedure.area == a)
                && f.procedure
                    .as_deref()
                    .filter(|p| !p.is_empty())
                    .is_none_or(|p| d.procedure.code == p)
                && f.officer
                    .as_deref()
                    .filter(|o| !o.is_empty())
                    .is_none_or(|o| d.state.current_officer.as_deref() == Some(o))
                && q_upper.as_deref().is_none_or(|q| {
                    d.code.contains(q) || d.applicant.name.to_uppercase().contains(q)
                })
                && (!f.overdue || d.is_overdue_at(now))
                && (!f.open_only || !d.status().is_terminal())
        };
        Ok(self.store.read()?.dossiers_page(
            index,
            f.page.saturating_mul(per_page),
            per_page,
            MAX_SCAN,
            keep,
        )?)
    }

    /// Open dossiers due within one working day or already late (the dashboard warning).
    pub fn dossiers_needing_attention(&self, limit: usize) -> Result<Vec<Dossier>> {
        let now = self.clock.now();
        let cal = self.calendar()?;
        let horizon = due_at(&cal, now, &Duration::WorkingDays(1));
        Ok(self
            .store
            .read()?
            .open_dossiers_due_before(horizon.timestamp() + 1, limit)?
            .into_iter()
            .filter(|d| !waits_in_time(d))
            .collect())
    }

    /// Public lookup by code and the last 4 digits of the phone or ID number. A wrong code
    /// and a wrong second factor give the same answer, and failures are throttled per
    /// address, so codes cannot be enumerated.
    pub fn public_lookup(
        &self,
        addr: Option<&str>,
        code: &str,
        last4: &str,
    ) -> Result<PublicDossier> {
        let now = self.clock.now();
        let key = format!("lookup:{}", addr.unwrap_or("-"));
        let policy = ThrottlePolicy {
            free_failures: 10,
            ..ThrottlePolicy::per_user_and_address()
        };
        {
            let th = self.throttle.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(wait) = th.locked(&key, now) {
                return Err(ServiceError::Throttled(wait));
            }
        }
        let found = match dossier::parse_dossier_code(code) {
            Ok(_) => self
                .store
                .read()?
                .dossier(&code.trim().to_ascii_uppercase())?
                .filter(|d| d.second_factor_matches(last4)),
            Err(_) => None,
        };
        let mut th = self.throttle.lock().unwrap_or_else(|p| p.into_inner());
        match found {
            Some(d) => {
                th.success(&key);
                Ok(public_view(&d))
            }
            None => {
                th.failure(&key, &policy, now);
                Err(ServiceError::NotFound(
                    "hồ sơ khớp với mã và 4 số cuối đã nhập",
                ))
            }
        }
    }

    /// Lookup by the receipt's QR token (unguessable: 128 random bits).
    /// The signed result behind a receipt's token (see [`signed_result`]).
    pub fn public_result(&self, token: &str) -> Result<(String, Vec<u8>)> {
        let rx = self.store.read()?;
        let code = rx
            .dossier_code_by_token(token)?
            .ok_or(ServiceError::NotFound("hồ sơ"))?;
        let d = rx.dossier(&code)?.ok_or(ServiceError::NotFound("hồ sơ"))?;
        drop(rx);
        let f = signed_result(&d).ok_or(ServiceError::NotFound("kết quả đã ký số"))?;
        Ok((d.code.clone(), self.files()?.get(&f.pdf.sha256)?))
    }

    pub fn public_lookup_token(&self, token: &str) -> Result<PublicDossier> {
        let rx = self.store.read()?;
        let code = rx
            .dossier_code_by_token(token)?
            .ok_or(ServiceError::NotFound("hồ sơ"))?;
        let d = rx.dossier(&code)?.ok_or(ServiceError::NotFound("hồ sơ"))?;
        Ok(public_view(&d))
    }
}

/// The nine indicators of one dossier: their names and levels, what the record
/// suggests, and what was recorded.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorSheet {
    pub code: String,
    pub indicators: &'static [crate::domain::dossier::indicators::Indicator; 9],
    pub suggested: [Option<u8>; 9],
    pub recorded: Option<crate::domain::dossier::LegalIndicators>,
    /// Recording is possible now (returned, not yet recorded).
    pub can_record: bool,
}

impl Services {
    pub fn indicator_sheet(&self, code: &str) -> Result<IndicatorSheet> {
        let d = self.dossier(code)?;
        Ok(IndicatorSheet {
            code: d.code.clone(),
            indicators: &crate::domain::dossier::indicators::INDICATORS,
            suggested: crate::domain::dossier::indicators::suggest(&d),
            can_record: d.status() == Status::Returned && d.state.indicators.is_none(),
            recorded: d.state.indicators.clone(),
        })
    }

    /// Records the nine indicators on a returned dossier (once), in one command whose
    /// event carries the scores' total; the report aggregates move with the record.
    pub fn record_indicators(&self, actor: &Actor, code: &str, scores: [u8; 9]) -> Result<Dossier> {
        self.run(actor, |tx, now| {
            let mut d = load(tx, code)?;
            crate::domain::dossier::indicators::record(&mut d, scores, &actor.name, now)
                .map_err(ServiceError::Indicators)?;
            tx.put_dossier(&d)?;
            emit_change(tx, &d, "record_indicators", Some(d.status()), now)?;
            Ok(d)
        })
    }
}

/// What the citizen sees: status in words, dates, masked name, steps without notes
/// (officers' notes may name other people).
pub use crate::domain::dossier::digitize::signed_result;

pub fn public_view(d: &Dossier) -> PublicDossier {
    use crate::domain::dossier::EventKind as E;
    let what = |e: E| match e {
        E::Registered => "Đã nộp hồ sơ trực tuyến",
        E::Received => "Đã tiếp nhận hồ sơ",
        E::Refused => "Từ chối tiếp nhận",
        E::SupplementRequested => "Yêu cầu bổ sung giấy tờ",
        E::Resumed => "Đã nhận giấy tờ bổ sung, tiếp tục xử lý",
        E::Assigned | E::HandedOver => "Chuyển xử lý",
        E::FeesRequested => "Đề nghị thực hiện nghĩa vụ tài chính",
        E::FeesPaid => "Đã thực hiện nghĩa vụ tài chính",
        E::Resolved => "Đã có kết quả, chờ trả",
        E::Returned => "Đã trả kết quả",
        E::Withdrawn => "Rút hồ sơ theo đề nghị của công dân",
        E::Stopped => "Dừng xử lý",
        E::Apologized => "Xin lỗi và hẹn lại ngày trả kết quả",
        E::StepClosed => "Hoàn thành một bước xử lý",
        E::Digitized => "Số hoá giấy tờ",
        E::Assessed => "Đã ghi nhận đánh giá của công dân",
    };
    PublicDossier {
        code: d.code.clone(),
        procedure_code: d.procedure.code.clone(),
        procedure_name: d.procedure.name.clone(),
        status: d.status(),
        status_label: d.status().label_vi(),
        applicant_masked: crate::domain::citizen::mask_name(&d.applicant.name),
        received_at: d.state.received_at.map(local),
        due_at: d.state.due_at.map(local),
        resolved_at: d.state.resolved_at.map(local),
        returned_at: d.state.returned_at.map(local),
        pickup: d.pickup.clone(),
        result_url: signed_result(d).map(|_| format!("/tra-cuu/{}/ket-qua.pdf", d.lookup_token)),
        missing: d.state.pending_supplement.clone(),
        history: d
            .history
            .iter()
            // Internal bookkeeping rows are not progress the citizen waits on.
            .filter(|h| !matches!(h.event, E::StepClosed | E::Digitized))
            .map(|h| PublicStep {
                at: local(h.at),
                status_label: h.to.label_vi(),
                what: what(h.event),
            })
            .collect(),
    }
}

impl From<DossierError> for ServiceError {
    fn from(e: DossierError) -> Self {
        ServiceError::Dossier(e)
    }
}

/// What a tracking-book import did: rows written, rows already there (same code, or the
/// same row imported before), or — when any row is bad — every bad row and nothing written.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub imported: usize,
    pub duplicates: usize,
    pub errors: Vec<crate::domain::book_import::RowError>,
}

impl Services {
    /// Imports a tracking book (CSV) in one transaction: all rows or none. Its dossiers
    /// are synced to the province like any change, unless `already_synced` says the old
    /// system sent them already (they then count as synced in index 1.4).
    pub fn import_dossiers_csv(
        &self,
        actor: &Actor,
        data: &[u8],
        already_synced: bool,
    ) -> Result<ImportReport> {
        use crate::domain::book_import::parse_book;
        self.run(actor, |tx, now| {
            let s = settings(tx)?;
            let rows = match parse_book(data, &catalogue(tx)?, &calendar(tx)?) {
                Ok(rows) => rows,
                Err(errors) => {
                    return Ok(ImportReport {
                        errors,
                        ..Default::default()
                    })
                }
            };
            let mut report = ImportReport::default();
            // Rows with their own code first, so a generated code never takes a number
            // a later row of the same file carries.
            let (mut rows, generated): (Vec<_>, Vec<_>) =
                rows.into_iter().partition(|r| !r.dossier.code.is_empty());
            rows.extend(generated);
            for row in rows {
                let mut d = row.dossier;
                let already = if d.code.is_empty() {
                    tx.dossier_import_key(&row.key)?.is_some()
                } else {
                    tx.dossier(&d.code)?.is_some()
                };
                if already {
                    report.duplicates += 1;
                    continue;
                }
                if d.code.is_empty() {
                    let day = local_day(
                        d.state
                            .received_at
                            .or(d.state.registered_at)
                            .unwrap_or(d.state.last_event_at),
                    );
                    d.code = next_code(tx, &s, day)?;
                }
                d.lookup_token = new_token();
                d.pickup = s.dossier.pickup.clone();
                tx.put_dossier_import_key(&row.key, &d.code)?;
                tx.put_dossier(&d)?;
                emit_change(tx, &d, "import", None, now)?;
                if already_synced {
                    tx.sync_forget(&d.code)?;
                }
                report.imported += 1;
            }
            Ok(report)
        })
    }
}

/// One procedure as the public listing shows it, with where it is served.
#[derive(Debug, Clone, Serialize)]
pub struct PublicProcedure {
    #[serde(flatten)]
    pub procedure: ProcedureSnapshot,
    pub area_name: String,
    /// `Quầy 1 — Tư pháp - Hộ tịch - Chứng thực`, for every counter serving the area.
    pub counters: Vec<String>,
}

impl Services {
    fn public_procedures(&self, list: Vec<ProcedureSnapshot>) -> Result<Vec<PublicProcedure>> {
        let rx = self.store.read()?;
        let areas = rx.services()?;
        let counters = rx.counters()?;
        Ok(list
            .into_iter()
            .map(|p| PublicProcedure {
                area_name: areas
                    .iter()
                    .find(|a| a.id == p.area)
                    .map(|a| a.name.clone())
                    .unwrap_or_default(),
                counters: counters
                    .iter()
                    .filter(|c| c.serves(p.area))
                    .map(|c| format!("Quầy {} — {}", c.number, c.name))
                    .collect(),
                procedure: p,
            })
            .collect())
    }

    /// Procedures matching what a citizen typed, best first (diacritics and small typos
    /// do not matter); the whole catalogue when the query is empty.
    pub fn search_procedures(&self, query: &str) -> Result<Vec<PublicProcedure>> {
        let cat = self.catalogue()?;
        let list = if query.trim().is_empty() {
            cat.procedures
        } else {
            // Among equal matches, what this center received most over the last year.
            let today = crate::domain::report::aggregates::day_number(
                crate::domain::time::local_day(self.clock.now()),
            );
            let asked = self
                .store
                .read()?
                .receipts_by_procedure_since(today - 365)?;
            crate::domain::search::search_ranked(&cat.procedures, query, &asked)
                .into_iter()
                .cloned()
                .collect()
        };
        self.public_procedures(list)
    }

    pub fn public_procedure(&self, code: &str) -> Result<PublicProcedure> {
        let p = self
            .catalogue()?
            .get(code.trim())
            .cloned()
            .ok_or(ServiceError::NotFound("thủ tục"))?;
        Ok(self.public_procedures(vec![p])?.remove(0))
    }

    /// Queues the papers checklist of a procedure on the kiosk's printer (durable, like a
    /// ticket); returns the job id.
    pub fn print_checklist(&self, actor: &Actor, code: &str) -> Result<u64> {
        let p = self.public_procedure(code)?;
        let fee = p.procedure.fee_label_vi();
        self.run(actor, |tx, now| {
            let s = settings(tx)?;
            let job = crate::service::printing::PrintJob {
                id: tx.next_id("print_job")?,
                ticket_id: 0,
                ticket: crate::render::ticket::TicketPrint {
                    center_name: s.name.clone(),
                    service_name: p.area_name.clone(),
                    number: String::new(),
                    priority: None,
                    purpose: None,
                    dossier: None,
                    waiting_ahead: 0,
                    issued_local: local_naive(now),
                    qr_url: None,
                },
                checklist: Some(crate::render::ticket::ChecklistPrint {
                    center_name: s.name.clone(),
                    procedure_name: p.procedure.name.clone(),
                    procedure_code: p.procedure.code.clone(),
                    papers: p
                        .procedure
                        .papers
                        .iter()
                        .map(|x| format!("{} — {}: {}", x.name, x.kind.label_vi(), x.count))
                        .collect(),
                    time: p.procedure.duration.label_vi(),
                    fee,
                    counter: p.counters.join("; "),
                    printed_local: local_naive(now),
                }),
                state: crate::service::printing::PrintState::Pending,
                created_at: now,
                attempts: 0,
                last_error: None,
                printed_at: None,
            };
            tx.put_print_job(job.id, true, &job)?;
            tx.emit(EventKind::PrintJobChanged {
                job: job.id,
                ticket: 0,
                state: "queued".into(),
                error: None,
            });
            Ok(job.id)
        })
    }
}
