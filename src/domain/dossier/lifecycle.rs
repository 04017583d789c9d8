//! The lifecycle: actions, their legal transitions, the history rows they append.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::*;

// Actions, history, state.

/// Something an officer (or the citizen, through an officer or the portal) does to a
/// dossier. Tagged by `type` so the web layer can deserialize it directly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    /// The desk accepts an online dossier (1 → 2) and promises a return date. Direct and
    /// postal dossiers are born accepted: see [`DossierState::receive`].
    Receive { due_at: DateTime<Utc> },
    /// Refuse at reception (Mẫu 03), with the specific reasons.
    Refuse { reason: String },
    /// Ask for missing documents (Mẫu 02), all at once; the clock pauses.
    RequestSupplement { missing: Vec<Paper>, reason: String },
    /// The supplement came in; processing resumes. The caller that owns the calendar may
    /// pass a recomputed promised date (restart rules are unconfirmed, §4).
    Resume { new_due: Option<DateTime<Utc>> },
    /// A lead assigns the dossier to an officer (a Mẫu 06 row), whoever holds it now.
    Assign {
        to_officer: String,
        step_due: DateTime<Utc>,
    },
    /// The holder hands the dossier on (desk → division → approver → desk): a Mẫu 06 row.
    Handover {
        from: String,
        to: String,
        step_due: DateTime<Utc>,
    },
    /// Ask the citizen to pay fees/taxes; the clock pauses (their payment time is not
    /// processing time).
    RequestFees {
        amount_vnd: Option<u64>,
        #[serde(default)]
        note: String,
    },
    /// Fees paid; processing resumes.
    FeesPaid,
    /// Processing finished, result ready (`NgayKetThucXuLy`).
    Resolve {
        #[serde(default)]
        note: String,
    },
    /// Result handed to the citizen or posted (`NgayTra`).
    ReturnResult {
        #[serde(default)]
        note: String,
    },
    /// The citizen withdraws the dossier.
    Withdraw { reason: String },
    /// Processing is stopped (Mẫu 05).
    Stop { reason: String },
    /// Apology and new promised date (Mẫu 04); at most once per dossier.
    Apologize {
        new_due: DateTime<Utc>,
        reason: String,
    },
}

/// The data-less name of an [`Action`]: used in errors, tables and history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Receive,
    Refuse,
    RequestSupplement,
    Resume,
    Assign,
    Handover,
    RequestFees,
    FeesPaid,
    Resolve,
    ReturnResult,
    Withdraw,
    Stop,
    Apologize,
}

impl ActionKind {
    pub const ALL: [ActionKind; 13] = [
        ActionKind::Receive,
        ActionKind::Refuse,
        ActionKind::RequestSupplement,
        ActionKind::Resume,
        ActionKind::Assign,
        ActionKind::Handover,
        ActionKind::RequestFees,
        ActionKind::FeesPaid,
        ActionKind::Resolve,
        ActionKind::ReturnResult,
        ActionKind::Withdraw,
        ActionKind::Stop,
        ActionKind::Apologize,
    ];

    /// Verb phrase for messages: "Không thể {label} khi …".
    pub fn label_vi(self) -> &'static str {
        match self {
            ActionKind::Receive => "tiếp nhận hồ sơ",
            ActionKind::Refuse => "từ chối tiếp nhận",
            ActionKind::RequestSupplement => "yêu cầu bổ sung giấy tờ",
            ActionKind::Resume => "tiếp tục xử lý sau khi bổ sung",
            ActionKind::Assign => "phân công xử lý",
            ActionKind::Handover => "chuyển bước xử lý",
            ActionKind::RequestFees => "yêu cầu thực hiện nghĩa vụ tài chính",
            ActionKind::FeesPaid => "xác nhận đã thực hiện nghĩa vụ tài chính",
            ActionKind::Resolve => "hoàn thành xử lý",
            ActionKind::ReturnResult => "trả kết quả",
            ActionKind::Withdraw => "rút hồ sơ",
            ActionKind::Stop => "dừng xử lý",
            ActionKind::Apologize => "gửi văn bản xin lỗi và hẹn lại ngày trả",
        }
    }
}

impl ActionKind {
    /// The ones that end a dossier without a result (refuse, withdraw, stop): kept apart
    /// on the dossier page and confirmed, since they cannot be undone.
    pub fn is_closing(self) -> bool {
        matches!(
            self,
            ActionKind::Refuse | ActionKind::Withdraw | ActionKind::Stop
        )
    }
}

/// The step a dossier normally takes next in its status, which its page leads with:
/// accept an online filing, hand an accepted one to an officer when nobody holds it,
/// record the result, resume after a supplement or a payment, hand the result over.
/// `None` when the dossier is closed.
pub fn next_step(status: Status, has_officer: bool) -> Option<ActionKind> {
    match status {
        Status::New => Some(ActionKind::Receive),
        Status::Accepted | Status::InProgress if !has_officer => Some(ActionKind::Assign),
        Status::Accepted | Status::InProgress => Some(ActionKind::Resolve),
        Status::SupplementRequested => Some(ActionKind::Resume),
        Status::FeesDue => Some(ActionKind::FeesPaid),
        Status::Resolved => Some(ActionKind::ReturnResult),
        Status::Refused | Status::Withdrawn | Status::Stopped | Status::Returned => None,
    }
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Receive { .. } => ActionKind::Receive,
            Action::Refuse { .. } => ActionKind::Refuse,
            Action::RequestSupplement { .. } => ActionKind::RequestSupplement,
            Action::Resume { .. } => ActionKind::Resume,
            Action::Assign { .. } => ActionKind::Assign,
            Action::Handover { .. } => ActionKind::Handover,
            Action::RequestFees { .. } => ActionKind::RequestFees,
            Action::FeesPaid => ActionKind::FeesPaid,
            Action::Resolve { .. } => ActionKind::Resolve,
            Action::ReturnResult { .. } => ActionKind::ReturnResult,
            Action::Withdraw { .. } => ActionKind::Withdraw,
            Action::Stop { .. } => ActionKind::Stop,
            Action::Apologize { .. } => ActionKind::Apologize,
        }
    }
}

/// The nominal transition table: the status an action leads to from `from`, or `None`
/// when it is illegal there. [`apply`] adds payload checks and one refinement: a
/// supplement requested before reception (1 → 5) resumes to 1, not 4.
///
/// | action            | from            | to        |
/// |-------------------|-----------------|-----------|
/// | Receive           | 1               | 2         |
/// | Refuse            | 1, 2            | 3         |
/// | RequestSupplement | 1, 2, 4         | 5         |
/// | Resume            | 5               | 4 (or 1)  |
/// | Assign, Handover  | 2, 4            | 4         |
/// | RequestFees       | 4               | 6         |
/// | FeesPaid          | 6               | 4         |
/// | Resolve           | 2, 4            | 9         |
/// | ReturnResult      | 9               | 10        |
/// | Withdraw          | 1, 2, 4, 5, 6   | 7         |
/// | Stop              | 2, 4, 5, 6      | 8         |
/// | Apologize         | 2, 4, 5, 6      | unchanged |
pub fn transition(from: Status, action: ActionKind) -> Option<Status> {
    use ActionKind as A;
    use Status as S;
    let to = match (action, from) {
        (A::Receive, S::New) => S::Accepted,
        (A::Refuse, S::New | S::Accepted) => S::Refused,
        (A::RequestSupplement, S::New | S::Accepted | S::InProgress) => S::SupplementRequested,
        (A::Resume, S::SupplementRequested) => S::InProgress,
        (A::Assign | A::Handover, S::Accepted | S::InProgress) => S::InProgress,
        (A::RequestFees, S::InProgress) => S::FeesDue,
        (A::FeesPaid, S::FeesDue) => S::InProgress,
        // From 2: same-day work (chứng thực) finished at the desk without a hand-off.
        (A::Resolve, S::Accepted | S::InProgress) => S::Resolved,
        (A::ReturnResult, S::Resolved) => S::Returned,
        (
            A::Withdraw,
            S::New | S::Accepted | S::InProgress | S::SupplementRequested | S::FeesDue,
        ) => S::Withdrawn,
        (A::Stop, S::Accepted | S::InProgress | S::SupplementRequested | S::FeesDue) => S::Stopped,
        // Extending is meaningless before a date was promised (1) or once the result exists.
        (A::Apologize, S::Accepted | S::InProgress | S::SupplementRequested | S::FeesDue) => from,
        _ => return None,
    };
    Some(to)
}

/// Actions legal from a status (for the UI's buttons).
pub fn allowed_actions(from: Status) -> Vec<ActionKind> {
    ActionKind::ALL
        .iter()
        .copied()
        .filter(|a| transition(from, *a).is_some())
        .collect()
}

/// What a history row records. Superset of [`ActionKind`]: creation and step closing are
/// events without being actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Online filing created the dossier (status 1).
    Registered,
    /// Direct/postal reception created it (status 2), or the desk accepted an online one.
    Received,
    Refused,
    SupplementRequested,
    Resumed,
    Assigned,
    HandedOver,
    FeesRequested,
    FeesPaid,
    Resolved,
    Returned,
    Withdrawn,
    Stopped,
    Apologized,
    /// A Mẫu 06 step ended (with its timeliness in the note).
    StepClosed,
    /// A paper or the result was scanned or uploaded (or its file removed); the note
    /// carries the PDF's SHA-256. The status does not change.
    Digitized,
    /// The nine legal indicators were recorded (after the return).
    Assessed,
}

impl From<ActionKind> for EventKind {
    fn from(a: ActionKind) -> Self {
        match a {
            ActionKind::Receive => EventKind::Received,
            ActionKind::Refuse => EventKind::Refused,
            ActionKind::RequestSupplement => EventKind::SupplementRequested,
            ActionKind::Resume => EventKind::Resumed,
            ActionKind::Assign => EventKind::Assigned,
            ActionKind::Handover => EventKind::HandedOver,
            ActionKind::RequestFees => EventKind::FeesRequested,
            ActionKind::FeesPaid => EventKind::FeesPaid,
            ActionKind::Resolve => EventKind::Resolved,
            ActionKind::ReturnResult => EventKind::Returned,
            ActionKind::Withdraw => EventKind::Withdrawn,
            ActionKind::Stop => EventKind::Stopped,
            ActionKind::Apologize => EventKind::Apologized,
        }
    }
}

/// One row of the dossier's history (`QuaTrinhXuLy`): who did what, when, and the status
/// before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub event: EventKind,
    /// `None` for the row that created the dossier.
    pub from: Option<Status>,
    pub to: Status,
    /// `NoiDungXuLy`: reasons, missing papers, the officer handed to…
    pub note: String,
    /// `NgayKetThucTheoQuyDinh`: the due time this row sets (promised date, step due).
    pub due: Option<DateTime<Utc>>,
}

/// One row of Mẫu 06 `Phiếu kiểm soát quá trình giải quyết hồ sơ`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlRow {
    pub from: String,
    pub to: String,
    pub handed_at: DateTime<Utc>,
    pub step_due: DateTime<Utc>,
    /// Set when the next hand-off happens or the dossier is resolved/closed.
    pub finished_at: Option<DateTime<Utc>>,
    /// Computed by calendar day (the default of §5) when the step finishes; the raw
    /// times stay so a report can reclassify with another setting.
    pub timeliness: Option<Timeliness>,
}

/// The recorded Mẫu 04 apology.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Apology {
    pub sent_at: DateTime<Utc>,
    /// The promised date being replaced: on-time classification still uses it.
    pub original_due: DateTime<Utc>,
    pub new_due: DateTime<Utc>,
    pub reason: String,
    /// False when sent after the original deadline had passed (the late case). Whether it
    /// was the regulatory "at least 1 working day before" needs the calendar, so the
    /// caller judges that from `sent_at` and `original_due`.
    pub sent_before_due: bool,
}

/// The lifecycle state of one dossier. The procedure snapshot, applicant and papers live
/// beside it in the dossier record; this is the part [`apply`] changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierState {
    pub status: Status,
    pub channel: Channel,
    /// Online filing time (`NgayNopHoSo`); `None` for direct/postal.
    pub registered_at: Option<DateTime<Utc>>,
    /// `NgayTiepNhan`; `None` while status is 1.
    pub received_at: Option<DateTime<Utc>>,
    /// Current promised return date (`NgayHenTra`); `None` until received, because the
    /// statutory time only starts at reception.
    pub due_at: Option<DateTime<Utc>>,
    /// Start of the current citizen wait (status 5 or 6).
    pub paused_since: Option<DateTime<Utc>>,
    /// Status the current wait started from: decides where `Resume` goes, and whether
    /// the wait counts as a clock stop (not before reception).
    pub paused_from: Option<Status>,
    /// Finished citizen waits after reception, in seconds (the 766 formula subtracts them).
    pub paused_total_secs: i64,
    pub supplement_requests: u32,
    /// The papers of the open supplement request (Mẫu 02), cleared on resume.
    pub pending_supplement: Vec<Paper>,
    pub fees_requested_vnd: Option<u64>,
    pub apology: Option<Apology>,
    /// Who holds the dossier now (the receiving officer, then each hand-off's receiver).
    pub current_officer: Option<String>,
    /// Mẫu 06 rows, oldest first; at most the last one is open.
    pub steps: Vec<ControlRow>,
    /// `NgayKetThucXuLy`.
    pub resolved_at: Option<DateTime<Utc>>,
    /// `NgayTra`.
    pub returned_at: Option<DateTime<Utc>>,
    /// When it was refused, withdrawn or stopped, and why.
    pub closed_at: Option<DateTime<Utc>>,
    pub closing_reason: Option<String>,
    /// The latest history time: actions may not go back before it.
    pub last_event_at: DateTime<Utc>,
    /// The citizen's assessment on the nine legal indicators, recorded at the return.
    #[serde(default)]
    pub indicators: Option<LegalIndicators>,
}

/// The nine indicators of Decree 61/2018 Art. 31 (Circular 01/2018), scored 2, 1 or 0
/// each, as recorded for one dossier: see [`super::indicators`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalIndicators {
    pub scores: [u8; 9],
    pub at: DateTime<Utc>,
    /// The officer who recorded them.
    pub by: String,
}

impl DossierState {
    pub(crate) fn blank(status: Status, channel: Channel, at: DateTime<Utc>) -> Self {
        DossierState {
            status,
            channel,
            registered_at: None,
            received_at: None,
            due_at: None,
            paused_since: None,
            paused_from: None,
            paused_total_secs: 0,
            supplement_requests: 0,
            pending_supplement: Vec::new(),
            fees_requested_vnd: None,
            apology: None,
            current_officer: None,
            steps: Vec::new(),
            resolved_at: None,
            returned_at: None,
            closed_at: None,
            closing_reason: None,
            last_event_at: at,
            indicators: None,
        }
    }

    /// A dossier filed online: status 1, no promised date yet.
    pub fn register_online(
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<(Self, HistoryEntry), DossierError> {
        let actor = checked_actor(actor)?;
        let mut s = DossierState::blank(Status::New, Channel::Online, at);
        s.registered_at = Some(at);
        let entry = HistoryEntry {
            at,
            actor,
            event: EventKind::Registered,
            from: None,
            to: Status::New,
            note: String::new(),
            due: None,
        };
        Ok((s, entry))
    }

    /// A dossier received at the desk (direct, postal, or an online one entered by hand):
    /// status 2, promised date set, held by the receiving officer.
    pub fn receive(
        channel: Channel,
        actor: &str,
        at: DateTime<Utc>,
        due_at: DateTime<Utc>,
    ) -> Result<(Self, HistoryEntry), DossierError> {
        let actor = checked_actor(actor)?;
        if due_at < at {
            return Err(DossierError::DueBeforeNow);
        }
        let mut s = DossierState::blank(Status::Accepted, channel, at);
        s.received_at = Some(at);
        s.due_at = Some(due_at);
        s.current_officer = Some(actor.clone());
        let entry = HistoryEntry {
            at,
            actor,
            event: EventKind::Received,
            from: None,
            to: Status::Accepted,
            note: String::new(),
            due: Some(due_at),
        };
        Ok((s, entry))
    }

    /// Where the promised date of a reception counts from: an online filing from when the
    /// citizen filed it (the portal showed the promise from then; a filing after hours
    /// counts from the next opening by the calendar), anything else from the reception.
    pub fn counts_from(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        match (self.channel, self.registered_at) {
            (Channel::Online, Some(filed)) => filed.min(now),
            _ => now,
        }
    }

    pub fn apology_sent(&self) -> bool {
        self.apology.is_some()
    }

    /// Total clock-stop seconds as of `now`, including a wait still running.
    pub fn paused_secs_at(&self, now: DateTime<Utc>) -> i64 {
        let running = match (self.paused_since, self.paused_from) {
            (Some(since), Some(from)) if from != Status::New => (now - since).num_seconds().max(0),
            _ => 0,
        };
        self.paused_total_secs + running
    }

    /// The open Mẫu 06 step, if any.
    pub fn open_step(&self) -> Option<&ControlRow> {
        self.steps.last().filter(|r| r.finished_at.is_none())
    }

    /// The promised date on-time classification uses: the one before an apology, since
    /// an extension does not turn a late dossier into an on-time one.
    pub fn promised_for_classification(&self) -> Option<DateTime<Utc>> {
        self.apology
            .as_ref()
            .map(|a| a.original_due)
            .or(self.due_at)
    }

    /// §5 classification of a resolved dossier (finish = `NgayKetThucXuLy`); `None` when
    /// not resolved or never received.
    pub fn on_time(&self, by: Comparison) -> Option<Timeliness> {
        Some(classify_finished(
            self.resolved_at?,
            self.promised_for_classification()?,
            by,
        ))
    }

    /// Close the open step, if any, returning its history row.
    fn close_step(&mut self, actor: &str, at: DateTime<Utc>) -> Option<HistoryEntry> {
        let status = self.status;
        let row = self.steps.last_mut().filter(|r| r.finished_at.is_none())?;
        let t = classify_finished(at, row.step_due, Comparison::CalendarDay);
        row.finished_at = Some(at);
        row.timeliness = Some(t);
        Some(HistoryEntry {
            at,
            actor: actor.to_string(),
            event: EventKind::StepClosed,
            from: Some(status),
            to: status,
            note: format!("Bước {} → {}: {}", row.from, row.to, t.label_vi()),
            due: Some(row.step_due),
        })
    }

    /// End the current citizen wait, adding it to the clock stop when it began after
    /// reception. Returns the seconds it lasted.
    fn end_pause(&mut self, at: DateTime<Utc>) -> i64 {
        let secs = match self.paused_since {
            Some(since) => (at - since).num_seconds().max(0),
            None => 0,
        };
        if self.paused_from != Some(Status::New) {
            self.paused_total_secs += secs;
        }
        self.paused_since = None;
        self.paused_from = None;
        secs
    }
}

pub(super) fn checked_actor(actor: &str) -> Result<String, DossierError> {
    let a = actor.trim();
    if a.is_empty() {
        Err(DossierError::ActorRequired)
    } else {
        Ok(a.to_string())
    }
}

pub(super) fn checked_reason(reason: &str, action: ActionKind) -> Result<String, DossierError> {
    let r = reason.trim();
    if r.is_empty() {
        Err(DossierError::ReasonRequired { action })
    } else {
        Ok(r.to_string())
    }
}

pub(super) fn checked_officer(name: &str) -> Result<String, DossierError> {
    let n = name.trim();
    if n.is_empty() {
        Err(DossierError::OfficerRequired)
    } else {
        Ok(n.to_string())
    }
}

pub(super) fn papers_note(papers: &[Paper]) -> String {
    papers
        .iter()
        .map(|p| format!("{} ({}: {})", p.name.trim(), p.kind.label_vi(), p.count))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Apply `action` by `actor` at `at`. On success the state is updated and the history
/// rows to store are returned (the status row last); on error the state is untouched.
pub fn apply(
    d: &mut DossierState,
    action: &Action,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<Vec<HistoryEntry>, DossierError> {
    let actor = checked_actor(actor)?;
    let kind = action.kind();
    let from = d.status;
    let mut to =
        transition(from, kind).ok_or(DossierError::IllegalTransition { action: kind, from })?;
    if at < d.last_event_at {
        return Err(DossierError::TimeWentBackwards);
    }

    // Work on a copy so a late validation error cannot leave a half-applied action.
    let mut s = d.clone();
    let mut rows = Vec::new();
    let mut note = String::new();
    let mut due = None;

    match action {
        Action::Receive { due_at } => {
            if *due_at < at {
                return Err(DossierError::DueBeforeNow);
            }
            s.received_at = Some(at);
            s.due_at = Some(*due_at);
            s.current_officer = Some(actor.clone());
            due = Some(*due_at);
        }
        Action::Refuse { reason } | Action::Withdraw { reason } | Action::Stop { reason } => {
            let reason = checked_reason(reason, kind)?;
            if s.paused_since.is_some() {
                s.end_pause(at);
            }
            s.pending_supplement.clear();
            rows.extend(s.close_step(&actor, at));
            s.closed_at = Some(at);
            s.closing_reason = Some(reason.clone());
            note = reason;
        }
        Action::RequestSupplement { missing, reason } => {
            let reason = checked_reason(reason, kind)?;
            if missing.is_empty() || !missing.iter().all(Paper::is_valid) {
                return Err(DossierError::MissingPapersRequired);
            }
            s.paused_since = Some(at);
            s.paused_from = Some(from);
            s.supplement_requests += 1;
            s.pending_supplement = missing.clone();
            note = format!("{reason}. Cần bổ sung: {}", papers_note(missing));
        }
        Action::Resume { new_due } => {
            let before_reception = s.paused_from == Some(Status::New);
            if let Some(nd) = new_due {
                if before_reception {
                    return Err(DossierError::NoDeadlineYet);
                }
                if *nd < at {
                    return Err(DossierError::DueBeforeNow);
                }
            }
            if before_reception {
                to = Status::New;
            }
            let secs = s.end_pause(at);
            s.pending_supplement.clear();
            if let Some(nd) = new_due {
                s.due_at = Some(*nd);
                due = Some(*nd);
            }
            note = format!("Đã nhận bổ sung sau {} phút chờ", secs / 60);
        }
        Action::Assign {
            to_officer,
            step_due,
        } => {
            let to_officer = checked_officer(to_officer)?;
            if *step_due < at {
                return Err(DossierError::DueBeforeNow);
            }
            let giver = s.current_officer.clone().unwrap_or_else(|| actor.clone());
            rows.extend(s.close_step(&actor, at));
            s.steps.push(ControlRow {
                from: giver.clone(),
                to: to_officer.clone(),
                handed_at: at,
                step_due: *step_due,
                finished_at: None,
                timeliness: None,
            });
            s.current_officer = Some(to_officer.clone());
            note = format!("{giver} → {to_officer}");
            due = Some(*step_due);
        }
        Action::Handover {
            from: giver,
            to: receiver,
            step_due,
        } => {
            let giver = checked_officer(giver)?;
            let receiver = checked_officer(receiver)?;
            if giver == receiver {
                return Err(DossierError::SameOfficer);
            }
            if let Some(holder) = &s.current_officer {
                if *holder != giver {
                    return Err(DossierError::NotHolder {
                        holder: holder.clone(),
                        from: giver,
                    });
                }
            }
            if *step_due < at {
                return Err(DossierError::DueBeforeNow);
            }
            rows.extend(s.close_step(&actor, at));
            s.steps.push(ControlRow {
                from: giver.clone(),
                to: receiver.clone(),
                handed_at: at,
                step_due: *step_due,
                finished_at: None,
                timeliness: None,
            });
            s.current_officer = Some(receiver.clone());
            note = format!("{giver} → {receiver}");
            due = Some(*step_due);
        }
        Action::RequestFees {
            amount_vnd,
            note: n,
        } => {
            s.paused_since = Some(at);
            s.paused_from = Some(from);
            s.fees_requested_vnd = *amount_vnd;
            note = match amount_vnd {
                Some(v) => format!("Số tiền: {v} đồng. {}", n.trim())
                    .trim()
                    .to_string(),
                None => n.trim().to_string(),
            };
        }
        Action::FeesPaid => {
            let secs = s.end_pause(at);
            note = format!("Đã thực hiện nghĩa vụ tài chính sau {} phút chờ", secs / 60);
        }
        Action::Resolve { note: n } => {
            rows.extend(s.close_step(&actor, at));
            s.resolved_at = Some(at);
            note = n.trim().to_string();
        }
        Action::ReturnResult { note: n } => {
            s.returned_at = Some(at);
            s.current_officer = None;
            note = n.trim().to_string();
        }
        Action::Apologize { new_due, reason } => {
            if s.apology.is_some() {
                return Err(DossierError::ApologyAlreadySent);
            }
            let reason = checked_reason(reason, kind)?;
            // Statuses 2/4/5/6 always carry a promised date (set at reception).
            let original = s.due_at.ok_or(DossierError::NoDeadlineYet)?;
            if *new_due <= original {
                return Err(DossierError::NewDueNotLater);
            }
            if *new_due < at {
                return Err(DossierError::DueBeforeNow);
            }
            s.apology = Some(Apology {
                sent_at: at,
                original_due: original,
                new_due: *new_due,
                reason: reason.clone(),
                sent_before_due: at < original,
            });
            s.due_at = Some(*new_due);
            note = reason;
            due = Some(*new_due);
        }
    }

    s.status = to;
    s.last_event_at = at;
    rows.push(HistoryEntry {
        at,
        actor,
        event: kind.into(),
        from: Some(from),
        to,
        note,
        due,
    });
    *d = s;
    Ok(rows)
}

#[cfg(test)]
mod next_step_tests {
    use super::*;

    /// The step a page leads with is always one the status allows, never a closing one.
    #[test]
    fn the_next_step_is_allowed_and_never_closes_the_dossier() {
        for s in Status::ALL {
            for held in [false, true] {
                if let Some(a) = next_step(s, held) {
                    assert!(allowed_actions(s).contains(&a), "{s:?} {a:?}");
                    assert!(!a.is_closing());
                } else {
                    assert!(s.is_terminal(), "{s:?} has no next step");
                }
            }
        }
        assert_eq!(next_step(Status::Accepted, false), Some(ActionKind::Assign));
        assert_eq!(
            next_step(Status::InProgress, true),
            Some(ActionKind::Resolve)
        );
        assert_eq!(
            next_step(Status::Resolved, true),
            Some(ActionKind::ReturnResult)
        );
    }
}
