//! Dossiers (`hồ sơ`): their code, the procedure snapshot frozen at reception, and the
//! lifecycle over the national status codes (`TrangThaiHoSo` 1–10, DOMAIN.md §3).
//!
//! Everything here is pure: the caller passes the actor and the instant of every action,
//! and gets back the history rows to store (they feed `QuaTrinhXuLy` in the sync and the
//! Mẫu 06/07 books). Deadlines in working days need the holiday calendar, which this module
//! does not know: it only records promised dates the caller computed, and keeps the
//! bookkeeping (paused seconds, the one apology) the calendar-aware code needs.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

use crate::domain::time::local_day;

// ---------------------------------------------------------------------------------------
// Status and channel: serialized as the national integer codes, because that is what the
// provincial sync (QCVN 120:2019 packets) and every report speak.
// ---------------------------------------------------------------------------------------

/// A dossier's status, exactly the national `TrangThaiHoSo` enum. Flags such as "overdue"
/// are deliberately not statuses: they are derived from dates (§5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// 1 — filed online, not yet checked by the desk.
    New = 1,
    /// 2 — accepted at the desk (Mẫu 01 issued); the statutory clock runs.
    Accepted = 2,
    /// 3 — refused at reception (Mẫu 03). Terminal.
    Refused = 3,
    /// 4 — being processed.
    InProgress = 4,
    /// 5 — waiting for the citizen's supplementary documents (Mẫu 02); the clock pauses.
    SupplementRequested = 5,
    /// 6 — waiting for the citizen's financial obligations (fees, taxes); the clock pauses.
    FeesDue = 6,
    /// 7 — withdrawn at the citizen's request. Terminal.
    Withdrawn = 7,
    /// 8 — processing stopped (Mẫu 05). Terminal.
    Stopped = 8,
    /// 9 — result ready, waiting to be handed over.
    Resolved = 9,
    /// 10 — result handed over. Terminal.
    Returned = 10,
}

impl Status {
    /// Every status, in code order (tables and tests iterate over it).
    pub const ALL: [Status; 10] = [
        Status::New,
        Status::Accepted,
        Status::Refused,
        Status::InProgress,
        Status::SupplementRequested,
        Status::FeesDue,
        Status::Withdrawn,
        Status::Stopped,
        Status::Resolved,
        Status::Returned,
    ];

    /// The national integer code.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The status of a national code; `None` outside 1–10.
    pub fn from_code(code: u8) -> Option<Status> {
        Status::ALL.iter().copied().find(|s| s.code() == code)
    }

    /// The label used by the national portal and printed on forms.
    pub fn label_vi(self) -> &'static str {
        match self {
            Status::New => "Mới đăng ký",
            Status::Accepted => "Được tiếp nhận",
            Status::Refused => "Không được tiếp nhận",
            Status::InProgress => "Đang xử lý",
            Status::SupplementRequested => "Yêu cầu bổ sung giấy tờ",
            Status::FeesDue => "Yêu cầu thực hiện nghĩa vụ tài chính",
            Status::Withdrawn => "Công dân yêu cầu rút hồ sơ",
            Status::Stopped => "Dừng xử lý",
            Status::Resolved => "Đã xử lý xong",
            Status::Returned => "Đã trả kết quả",
        }
    }

    /// No action can leave these. `Resolved` (9) is not terminal: the result still has to
    /// be handed over.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Status::Refused | Status::Withdrawn | Status::Stopped | Status::Returned
        )
    }

    /// Statuses in which the statutory clock waits for the citizen.
    pub fn is_paused(self) -> bool {
        matches!(self, Status::SupplementRequested | Status::FeesDue)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label_vi())
    }
}

/// How the dossier was filed: the national `KenhThucHien`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    Direct = 1,
    Online = 2,
    Postal = 3,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Direct, Channel::Online, Channel::Postal];

    pub fn code(self) -> u8 {
        self as u8
    }

    pub fn from_code(code: u8) -> Option<Channel> {
        Channel::ALL.iter().copied().find(|c| c.code() == code)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Channel::Direct => "Trực tiếp",
            Channel::Online => "Trực tuyến",
            Channel::Postal => "Qua dịch vụ bưu chính",
        }
    }
}

/// Serde as the bare national integer, rejecting unknown codes on the way in.
macro_rules! serde_as_code {
    ($ty:ident, $what:literal) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_u8(self.code())
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let code = u8::deserialize(d)?;
                $ty::from_code(code)
                    .ok_or_else(|| de::Error::custom(format!("{} không hợp lệ: {code}", $what)))
            }
        }
    };
}
serde_as_code!(Status, "mã trạng thái hồ sơ");
serde_as_code!(Channel, "mã kênh thực hiện");

// ---------------------------------------------------------------------------------------
// Procedure snapshot: what the dossier was received under. Catalogue edits never touch it
// (§3 snapshot rule), so a receipt, a report or a dispute years later shows the rules that
// applied on the day.
// ---------------------------------------------------------------------------------------

/// The unit of a statutory processing time (§4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    /// `ngày làm việc`, the usual unit.
    WorkingDays,
    /// `ngày`: calendar days (the deadline still never ends on a day off).
    CalendarDays,
    /// `giờ` within working hours.
    WorkingHours,
    /// `hộ tịch` / `chứng thực`: same day, or the next working day when received after
    /// 15:00 and not done at once. `amount` is not used.
    SameDay15h,
}

/// A procedure's statutory processing time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatutoryTime {
    pub amount: u32,
    pub unit: TimeUnit,
    /// The most working days the office may add for large jobs (`chứng thực`: ≤ 2), to be
    /// written on the slip when used. 0 for most procedures.
    #[serde(default)]
    pub extra_working_days: u32,
}

impl StatutoryTime {
    /// The same time as the calendar's deadline arithmetic takes it.
    pub fn as_duration(&self) -> crate::domain::calendar::Duration {
        use crate::domain::calendar::Duration as D;
        match self.unit {
            TimeUnit::WorkingDays => D::WorkingDays(self.amount),
            TimeUnit::CalendarDays => D::CalendarDays(self.amount),
            TimeUnit::WorkingHours => D::WorkingHours(self.amount),
            TimeUnit::SameDay15h => D::SameDay15h {
                extra_working_days: 0,
            },
        }
    }

    /// Item (3) of Mẫu 01, e.g. `05 ngày làm việc`.
    pub fn label_vi(&self) -> String {
        let base = match self.unit {
            TimeUnit::WorkingDays => format!("{:02} ngày làm việc", self.amount),
            TimeUnit::CalendarDays => format!("{:02} ngày", self.amount),
            TimeUnit::WorkingHours => format!("{:02} giờ làm việc", self.amount),
            TimeUnit::SameDay15h => {
                "Trong ngày (nhận sau 15 giờ: ngày làm việc tiếp theo)".to_string()
            }
        };
        if self.extra_working_days > 0 {
            format!(
                "{base}; có thể kéo dài thêm tối đa {:02} ngày làm việc",
                self.extra_working_days
            )
        } else {
            base
        }
    }
}

/// Form of a document: the counts on Mẫu 01/02 are per form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaperKind {
    Original,
    Copy,
    CertifiedCopy,
}

impl PaperKind {
    pub fn label_vi(self) -> &'static str {
        match self {
            PaperKind::Original => "Bản chính",
            PaperKind::Copy => "Bản sao",
            PaperKind::CertifiedCopy => "Bản sao chứng thực",
        }
    }
}

/// One line of a document list (required papers, submitted papers, missing papers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paper {
    pub name: String,
    pub kind: PaperKind,
    pub count: u32,
}

impl Paper {
    fn is_valid(&self) -> bool {
        !self.name.trim().is_empty() && self.count >= 1
    }
}

/// Online service level (Decree 42/2022): one production enum calls it `MucDo` 4/3/2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnlineLevel {
    /// `toàn trình` (formerly level 4).
    Full,
    /// `một phần` (formerly level 3).
    Partial,
    /// Information only.
    InfoOnly,
}

impl OnlineLevel {
    /// The `MucDo` number used by provincial systems.
    pub fn muc_do(self) -> u8 {
        match self {
            OnlineLevel::Full => 4,
            OnlineLevel::Partial => 3,
            OnlineLevel::InfoOnly => 2,
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            OnlineLevel::Full => "Toàn trình",
            OnlineLevel::Partial => "Một phần",
            OnlineLevel::InfoOnly => "Cung cấp thông tin",
        }
    }
}

/// The procedure as it stood when the dossier was received; never updated afterwards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcedureSnapshot {
    /// National code, e.g. `1.001193`, possibly with a provincial suffix
    /// (`1.004873.000.00.00.H01`).
    pub code: String,
    pub name: String,
    /// The center's area (lĩnh vực) id.
    pub area: u32,
    pub duration: StatutoryTime,
    /// `None` = no fee; `Some(0)` = explicitly free (exempt).
    pub fee_vnd: Option<u64>,
    /// Free text for fee schedules that do not fit one number (per copy, per page…).
    #[serde(default)]
    pub fee_note: String,
    pub papers: Vec<Paper>,
    pub result_type: String,
    pub online_level: OnlineLevel,
    pub legal_basis: String,
    /// The procedure's page on the national public service portal (province data; the
    /// public listing shows it as a QR code when present).
    #[serde(default)]
    pub portal_url: String,
    /// Catalogue version this snapshot was taken from (assigned on import).
    #[serde(default)]
    pub version: u32,
}

/// `8000` → `8.000` (Vietnamese thousands separator).
pub fn format_vnd(v: u64) -> String {
    let s = v.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

impl ProcedureSnapshot {
    /// The fee as forms and the public listing write it: `Miễn phí`, `2.000 đồng (…)`,
    /// the note alone when the amount varies, `Không` when nothing is known.
    pub fn fee_label_vi(&self) -> String {
        let base = match self.fee_vnd {
            Some(0) => "Miễn phí".to_string(),
            Some(v) => format!("{} đồng", format_vnd(v)),
            None => String::new(),
        };
        match (base.is_empty(), self.fee_note.trim().is_empty()) {
            (true, true) => "Không".into(),
            (false, true) => base,
            (true, false) => self.fee_note.clone(),
            (false, false) => format!("{base} ({})", self.fee_note),
        }
    }

    /// Catches catalogue entries that would print a broken receipt.
    pub fn validate(&self) -> Result<(), DossierError> {
        // National codes (`1.001193`, `1.004873.000.00.00.H01`) or, until the province
        // publishes one, a local code in capitals (`DP.KD.01`): dot-separated segments of
        // digits and capital letters.
        let code_ok = self.code.len() <= 64
            && self.code.split('.').all(|seg| {
                !seg.is_empty()
                    && seg
                        .chars()
                        .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
            });
        if !code_ok {
            return Err(DossierError::InvalidSnapshot("mã thủ tục"));
        }
        if self.name.trim().is_empty() {
            return Err(DossierError::InvalidSnapshot("tên thủ tục"));
        }
        if self.duration.unit != TimeUnit::SameDay15h && self.duration.amount == 0 {
            return Err(DossierError::InvalidSnapshot("thời hạn giải quyết"));
        }
        if !self.papers.iter().all(Paper::is_valid) {
            return Err(DossierError::InvalidSnapshot("thành phần hồ sơ"));
        }
        if self.version == 0 {
            return Err(DossierError::InvalidSnapshot("phiên bản"));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// On-time classification (§5).
// ---------------------------------------------------------------------------------------

/// How a finish time is compared to a promised time. The default is by calendar day
/// (local time): the receipt promises a day, and comparing timestamps makes `Đúng hạn`
/// practically impossible.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    #[default]
    CalendarDay,
    Timestamp,
}

/// Per-dossier and per-step timeliness, with the labels of Mẫu 06 and the reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    /// `Trước hạn`: finished before the promised day.
    Early,
    /// `Đúng hạn`: finished on the promised day.
    OnTime,
    /// `Quá hạn`: finished (or still open) after it.
    Late,
    /// `Trong hạn`: still open, promised date not yet passed.
    InTime,
}

impl Timeliness {
    pub fn label_vi(self) -> &'static str {
        match self {
            Timeliness::Early => "Trước hạn",
            Timeliness::OnTime => "Đúng hạn",
            Timeliness::Late => "Quá hạn",
            Timeliness::InTime => "Trong hạn",
        }
    }
}

/// Timeliness of something finished at `finished` that was due at `due`.
pub fn classify_finished(
    finished: DateTime<Utc>,
    due: DateTime<Utc>,
    by: Comparison,
) -> Timeliness {
    let ord = match by {
        Comparison::CalendarDay => local_day(finished).cmp(&local_day(due)),
        Comparison::Timestamp => finished.cmp(&due),
    };
    match ord {
        std::cmp::Ordering::Less => Timeliness::Early,
        std::cmp::Ordering::Equal => Timeliness::OnTime,
        std::cmp::Ordering::Greater => Timeliness::Late,
    }
}

/// The clock stop's rule: a wait for the citizen that began within the promise is the
/// citizen's time, so the dossier cannot fall overdue during it.
pub fn waited_in_time(since: Option<DateTime<Utc>>, due: DateTime<Utc>, by: Comparison) -> bool {
    since.is_some_and(|t| classify_finished(t, due, by) != Timeliness::Late)
}

/// Timeliness of something still open at `period_end`: `Trong hạn` while the promised
/// date is not before the period end, else `Quá hạn`.
pub fn classify_open(due: DateTime<Utc>, period_end: DateTime<Utc>, by: Comparison) -> Timeliness {
    let in_time = match by {
        Comparison::CalendarDay => local_day(due) >= local_day(period_end),
        Comparison::Timestamp => due >= period_end,
    };
    if in_time {
        Timeliness::InTime
    } else {
        Timeliness::Late
    }
}

// ---------------------------------------------------------------------------------------
// Actions, history, state.
// ---------------------------------------------------------------------------------------

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
    fn blank(status: Status, channel: Channel, at: DateTime<Utc>) -> Self {
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

fn checked_actor(actor: &str) -> Result<String, DossierError> {
    let a = actor.trim();
    if a.is_empty() {
        Err(DossierError::ActorRequired)
    } else {
        Ok(a.to_string())
    }
}

fn checked_reason(reason: &str, action: ActionKind) -> Result<String, DossierError> {
    let r = reason.trim();
    if r.is_empty() {
        Err(DossierError::ReasonRequired { action })
    } else {
        Ok(r.to_string())
    }
}

fn checked_officer(name: &str) -> Result<String, DossierError> {
    let n = name.trim();
    if n.is_empty() {
        Err(DossierError::OfficerRequired)
    } else {
        Ok(n.to_string())
    }
}

fn papers_note(papers: &[Paper]) -> String {
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

// ---------------------------------------------------------------------------------------
// Dossier code `<agency>-<YYMMDD>-<NNNN>` (Circular 01/2018 Art. 19; agency part assigned by
// the province per QCVN 102:2016).
// ---------------------------------------------------------------------------------------

/// Sequence width used unless configured otherwise (one sync uses 5, ministries 6–7).
pub const DEFAULT_CODE_WIDTH: u8 = 4;

/// Check an agency identifier: upper-case letters, digits and dots, no empty segment
/// (`H56.14`, `000.00.14.H56`). Run it when the identifier is configured, so that every
/// code [`dossier_code`] makes parses back.
pub fn validate_agency(agency: &str) -> Result<(), DossierError> {
    let ok = !agency.is_empty()
        && agency.len() <= 64
        && agency.split('.').all(|seg| {
            !seg.is_empty()
                && seg
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        });
    if ok {
        Ok(())
    } else {
        Err(DossierError::InvalidAgency(agency.to_string()))
    }
}

/// `<agency>-<YYMMDD>-<seq zero-padded to width>`; `day` is the local receipt day. Width
/// is clamped to 1–9; a sequence wider than the width is written in full rather than
/// truncated (a longer code beats a duplicate one). The agency must have passed
/// [`validate_agency`].
pub fn dossier_code(agency: &str, day: NaiveDate, seq: u32, width: u8) -> String {
    let w = usize::from(width.clamp(1, 9));
    format!("{agency}-{}-{seq:0w$}", day.format("%y%m%d"))
}

/// Split a dossier code into agency, receipt day (20YY) and sequence. Surrounding spaces
/// are ignored and letters upper-cased, since codes are also typed by hand.
pub fn parse_dossier_code(s: &str) -> Result<(String, NaiveDate, u32), DossierError> {
    let code = s.trim().to_ascii_uppercase();
    let bad = |reason: &'static str| DossierError::InvalidDossierCode {
        code: code.clone(),
        reason,
    };
    let mut parts = code.rsplitn(3, '-');
    let (Some(seq), Some(date), Some(agency)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad("cần dạng <mã cơ quan>-<YYMMDD>-<số thứ tự>"));
    };
    validate_agency(agency)
        .map_err(|_| bad("mã cơ quan chỉ gồm chữ in hoa, chữ số và dấu chấm"))?;
    if date.len() != 6 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("ngày phải có 6 chữ số YYMMDD"));
    }
    let num = |r: std::ops::Range<usize>| date[r].parse::<u32>().ok();
    let day = match (num(0..2), num(2..4), num(4..6)) {
        (Some(y), Some(m), Some(d)) => NaiveDate::from_ymd_opt(2000 + y as i32, m, d),
        _ => None,
    }
    .ok_or_else(|| bad("ngày không có thật"))?;
    if seq.is_empty() || seq.len() > 10 || !seq.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("số thứ tự phải gồm 1–10 chữ số"));
    }
    let n: u32 = seq.parse().map_err(|_| bad("số thứ tự quá lớn"))?;
    if n == 0 {
        return Err(bad("số thứ tự bắt đầu từ 1"));
    }
    Ok((agency.to_string(), day, n))
}

// ---------------------------------------------------------------------------------------
// The stored dossier: the lifecycle state plus what the receipt and the book print.
// ---------------------------------------------------------------------------------------

/// The person who filed the dossier (`người nộp hồ sơ`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Applicant {
    pub name: String,
    /// CCCD (12 digits) or old CMND (9); empty when the citizen did not give one.
    pub id_number: String,
    pub phone: String,
    pub address: String,
    pub email: String,
}

/// One dossier as stored: identity, the frozen procedure, the applicant, what was handed
/// in, and the lifecycle with its full history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dossier {
    pub code: String,
    pub procedure: ProcedureSnapshot,
    pub applicant: Applicant,
    /// Papers ticked as received at the desk (item 1 of Mẫu 01).
    pub papers: Vec<Paper>,
    /// Number of sets (`số lượng hồ sơ`, item 2).
    pub sets: u32,
    /// The queue ticket the citizen was served under, when received at a counter.
    pub ticket: Option<u64>,
    /// Where the result is collected (item 6).
    pub pickup: String,
    pub note: String,
    pub state: DossierState,
    pub history: Vec<HistoryEntry>,
    /// The unguessable part of the receipt's QR link (`/tra-cuu/{token}`).
    pub lookup_token: String,
    /// Version of the working calendar that computed the promised date.
    pub calendar_version: String,
    /// Set when the dossier came from a historical tracking book import.
    #[serde(default)]
    pub imported: bool,
    /// Digitized papers and result (PDFs in the file store), one per slot.
    #[serde(default)]
    pub files: Vec<crate::domain::digitize::DigitalFile>,
}

impl Dossier {
    /// The national status code.
    pub fn status(&self) -> Status {
        self.state.status
    }

    /// Still being worked on by the office: counts toward "in progress" and can be late.
    pub fn is_open(&self) -> bool {
        matches!(
            self.state.status,
            Status::New
                | Status::Accepted
                | Status::InProgress
                | Status::SupplementRequested
                | Status::FeesDue
        )
    }

    /// Waiting for the citizen's papers or fees since then, after the reception: the
    /// statutory clock stands still (DOMAIN.md §5–6).
    pub fn waiting_since(&self) -> Option<DateTime<Utc>> {
        self.state
            .paused_since
            .filter(|_| self.status().is_paused() && self.state.paused_from != Some(Status::New))
    }

    /// Open and waiting for the citizen since a time within `due` (by `by`): not overdue
    /// while it waits.
    pub fn waits_in_time(&self, due: DateTime<Utc>, by: Comparison) -> bool {
        self.is_open() && waited_in_time(self.waiting_since(), due, by)
    }

    /// Open, its promise passed before `now`, and not excused by a wait for the citizen
    /// (the overdue list, its badges and the `/metrics` gauge).
    pub fn is_overdue_at(&self, now: DateTime<Utc>) -> bool {
        self.state.due_at.is_some_and(|due| {
            self.is_open() && due < now && !self.waits_in_time(due, Comparison::Timestamp)
        })
    }

    /// The lookup's second factor: the last 4 digits of the phone or of the ID number.
    pub fn second_factor_matches(&self, last4: &str) -> bool {
        let last4 = last4.trim();
        if last4.len() != 4 || !last4.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        let tail = |s: &str| {
            let digits: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
            (digits.len() >= 4).then(|| digits[digits.len() - 4..].to_string())
        };
        [&self.applicant.phone, &self.applicant.id_number]
            .into_iter()
            .filter_map(|s| tail(s))
            .any(|t| t == last4)
    }
}

// ---------------------------------------------------------------------------------------
// Errors.
// ---------------------------------------------------------------------------------------

/// Dossier rule violations, with messages shown to officers as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DossierError {
    #[error("Không thể {} khi hồ sơ đang ở trạng thái \"{}\"", action.label_vi(), from.label_vi())]
    IllegalTransition { action: ActionKind, from: Status },
    #[error("Cần ghi rõ lý do khi {}", action.label_vi())]
    ReasonRequired { action: ActionKind },
    #[error("Chưa xác định người thực hiện thao tác")]
    ActorRequired,
    #[error("Cần chọn cán bộ nhận hồ sơ")]
    OfficerRequired,
    #[error("Hồ sơ đang do {holder} giữ, {from} không thể chuyển")]
    NotHolder { holder: String, from: String },
    #[error("Người giao và người nhận hồ sơ trùng nhau")]
    SameOfficer,
    #[error("Phiếu yêu cầu bổ sung phải liệt kê ít nhất một giấy tờ, có tên và số lượng")]
    MissingPapersRequired,
    #[error("Thời hạn không được sớm hơn thời điểm thực hiện")]
    DueBeforeNow,
    #[error("Hồ sơ chưa được tiếp nhận nên chưa có ngày hẹn trả")]
    NoDeadlineYet,
    #[error("Đã gửi văn bản xin lỗi và hẹn lại ngày trả kết quả; chỉ được hẹn lại một lần")]
    ApologyAlreadySent,
    #[error("Ngày hẹn trả mới phải sau ngày hẹn trả hiện tại")]
    NewDueNotLater,
    #[error("Thời điểm thao tác sớm hơn thao tác trước đó của hồ sơ")]
    TimeWentBackwards,
    #[error("Mã cơ quan \"{0}\" không hợp lệ: chỉ gồm chữ in hoa, chữ số và dấu chấm")]
    InvalidAgency(String),
    #[error("Mã hồ sơ \"{code}\" không hợp lệ: {reason}")]
    InvalidDossierCode { code: String, reason: &'static str },
    #[error("Thông tin thủ tục không hợp lệ: {0}")]
    InvalidSnapshot(&'static str),
}

impl DossierError {
    /// Stable machine code for APIs and logs (messages may be reworded, codes may not).
    pub fn code(&self) -> &'static str {
        match self {
            DossierError::IllegalTransition { .. } => "illegal_transition",
            DossierError::ReasonRequired { .. } => "reason_required",
            DossierError::ActorRequired => "actor_required",
            DossierError::OfficerRequired => "officer_required",
            DossierError::NotHolder { .. } => "not_holder",
            DossierError::SameOfficer => "same_officer",
            DossierError::MissingPapersRequired => "missing_papers_required",
            DossierError::DueBeforeNow => "due_before_now",
            DossierError::NoDeadlineYet => "no_deadline_yet",
            DossierError::ApologyAlreadySent => "apology_already_sent",
            DossierError::NewDueNotLater => "new_due_not_later",
            DossierError::TimeWentBackwards => "time_went_backwards",
            DossierError::InvalidAgency(_) => "invalid_agency",
            DossierError::InvalidDossierCode { .. } => "invalid_dossier_code",
            DossierError::InvalidSnapshot(_) => "invalid_snapshot",
        }
    }
}

// ---------------------------------------------------------------------------------------

/// Builders shared by the unit tests of modules that work on dossiers.
#[cfg(test)]
pub mod tests_support {
    use super::*;

    /// Resolves `d` (`NgayKetThucXuLy` = `at`) by `by`; panics on an illegal transition.
    pub fn resolve(d: &mut Dossier, by: &str, at: DateTime<Utc>) {
        apply(
            &mut d.state,
            &Action::Resolve {
                note: String::new(),
            },
            by,
            at,
        )
        .unwrap();
    }

    /// A dossier of the demo's first procedure (it has papers), received on
    /// 2026-06-01 and then put in `status` by hand.
    pub fn sample_dossier(status: Status) -> Dossier {
        let at = DateTime::from_timestamp(1_780_300_000, 0).unwrap();
        let procedure = crate::domain::catalogue::demo_catalogue(&[1, 2, 3, 4])
            .into_iter()
            .find(|p| !p.papers.is_empty())
            .unwrap();
        let (mut state, row) = DossierState::receive(
            Channel::Direct,
            "canbo1",
            at,
            at + chrono::Duration::days(5),
        )
        .unwrap();
        state.status = status;
        Dossier {
            code: "000.00.00.H00-260601-0001".into(),
            papers: procedure.papers.clone(),
            procedure,
            applicant: Applicant {
                name: "Nguyễn Văn An".into(),
                ..Default::default()
            },
            sets: 1,
            ticket: None,
            pickup: String::new(),
            note: String::new(),
            state,
            history: vec![row],
            lookup_token: "t".into(),
            calendar_version: "test".into(),
            imported: false,
            files: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        // 2026-03-02 (Monday) at h:m local = h-7 UTC; tests use local 08:00–16:00.
        Utc.with_ymd_and_hms(2026, 3, 2, h - 7, m, 0).unwrap()
    }

    fn days(n: i64) -> Duration {
        Duration::days(n)
    }

    fn paper(name: &str) -> Paper {
        Paper {
            name: name.into(),
            kind: PaperKind::CertifiedCopy,
            count: 1,
        }
    }

    /// A state at `status`, built through legal actions so its fields are consistent.
    fn state_at(status: Status) -> DossierState {
        let start = t(8, 0);
        let due = start + days(5);
        let online = || DossierState::register_online("cong-dan", start).unwrap().0;
        let accepted = || {
            DossierState::receive(Channel::Direct, "desk", start, due)
                .unwrap()
                .0
        };
        let in_progress = || {
            let mut s = accepted();
            apply(
                &mut s,
                &Action::Handover {
                    from: "desk".into(),
                    to: "chuyen-vien".into(),
                    step_due: start + days(3),
                },
                "desk",
                start,
            )
            .unwrap();
            s
        };
        let step = |mut s: DossierState, a: Action| {
            apply(&mut s, &a, "lead", start).unwrap();
            s
        };
        match status {
            Status::New => online(),
            Status::Accepted => accepted(),
            Status::Refused => step(
                accepted(),
                Action::Refuse {
                    reason: "Không thuộc thẩm quyền".into(),
                },
            ),
            Status::InProgress => in_progress(),
            Status::SupplementRequested => step(
                in_progress(),
                Action::RequestSupplement {
                    missing: vec![paper("Tờ khai")],
                    reason: "Thiếu tờ khai".into(),
                },
            ),
            Status::FeesDue => step(
                in_progress(),
                Action::RequestFees {
                    amount_vnd: Some(50_000),
                    note: String::new(),
                },
            ),
            Status::Withdrawn => step(
                accepted(),
                Action::Withdraw {
                    reason: "Công dân xin rút".into(),
                },
            ),
            Status::Stopped => step(
                in_progress(),
                Action::Stop {
                    reason: "Theo yêu cầu cơ quan có thẩm quyền".into(),
                },
            ),
            Status::Resolved => step(
                in_progress(),
                Action::Resolve {
                    note: String::new(),
                },
            ),
            Status::Returned => step(
                step(
                    in_progress(),
                    Action::Resolve {
                        note: String::new(),
                    },
                ),
                Action::ReturnResult {
                    note: String::new(),
                },
            ),
        }
    }

    /// A valid sample of each action kind, acted by the officer holding the dossier.
    fn sample(kind: ActionKind, at: DateTime<Utc>) -> Action {
        match kind {
            ActionKind::Receive => Action::Receive {
                due_at: at + days(5),
            },
            ActionKind::Refuse => Action::Refuse {
                reason: "Hồ sơ không thuộc thẩm quyền".into(),
            },
            ActionKind::RequestSupplement => Action::RequestSupplement {
                missing: vec![paper("Giấy khai sinh")],
                reason: "Thiếu giấy khai sinh".into(),
            },
            ActionKind::Resume => Action::Resume { new_due: None },
            ActionKind::Assign => Action::Assign {
                to_officer: "lanh-dao".into(),
                step_due: at + days(1),
            },
            ActionKind::Handover => Action::Handover {
                // `desk` holds accepted dossiers, `chuyen-vien` in-progress ones.
                from: "HOLDER".into(),
                to: "lanh-dao".into(),
                step_due: at + days(1),
            },
            ActionKind::RequestFees => Action::RequestFees {
                amount_vnd: Some(30_000),
                note: String::new(),
            },
            ActionKind::FeesPaid => Action::FeesPaid,
            ActionKind::Resolve => Action::Resolve {
                note: String::new(),
            },
            ActionKind::ReturnResult => Action::ReturnResult {
                note: String::new(),
            },
            ActionKind::Withdraw => Action::Withdraw {
                reason: "Công dân xin rút".into(),
            },
            ActionKind::Stop => Action::Stop {
                reason: "Dừng theo quy định".into(),
            },
            ActionKind::Apologize => Action::Apologize {
                new_due: at + days(10),
                reason: "Cần xác minh thêm".into(),
            },
        }
    }

    fn with_holder(a: Action, s: &DossierState) -> Action {
        match a {
            Action::Handover { to, step_due, .. } => Action::Handover {
                from: s.current_officer.clone().unwrap_or_else(|| "desk".into()),
                to,
                step_due,
            },
            other => other,
        }
    }

    /// The expected table, written out independently of `transition`: row = from status
    /// (1..=10), columns in `ActionKind::ALL` order; 0 = illegal, 99 = unchanged.
    #[rustfmt::skip]
    const EXPECTED: [[u8; 13]; 10] = [
        //Rcv Ref Sup Res Asg Hnd Fee Paid Rsv Ret Wdr Stp Apo
        [  2,  3,  5,  0,  0,  0,  0,  0,   0,  0,  7,  0,  0 ], // 1 New
        [  0,  3,  5,  0,  4,  4,  0,  0,   9,  0,  7,  8, 99 ], // 2 Accepted
        [  0,  0,  0,  0,  0,  0,  0,  0,   0,  0,  0,  0,  0 ], // 3 Refused
        [  0,  0,  5,  0,  4,  4,  6,  0,   9,  0,  7,  8, 99 ], // 4 InProgress
        [  0,  0,  0,  4,  0,  0,  0,  0,   0,  0,  7,  8, 99 ], // 5 Supplement
        [  0,  0,  0,  0,  0,  0,  0,  4,   0,  0,  7,  8, 99 ], // 6 FeesDue
        [  0,  0,  0,  0,  0,  0,  0,  0,   0,  0,  0,  0,  0 ], // 7 Withdrawn
        [  0,  0,  0,  0,  0,  0,  0,  0,   0,  0,  0,  0,  0 ], // 8 Stopped
        [  0,  0,  0,  0,  0,  0,  0,  0,   0, 10,  0,  0,  0 ], // 9 Resolved
        [  0,  0,  0,  0,  0,  0,  0,  0,   0,  0,  0,  0,  0 ], // 10 Returned
    ];

    #[test]
    fn every_status_times_every_action() {
        let mut legal = 0;
        let mut illegal = 0;
        for (row, from) in Status::ALL.iter().copied().enumerate() {
            for (col, kind) in ActionKind::ALL.iter().copied().enumerate() {
                let expected = match EXPECTED[row][col] {
                    0 => None,
                    99 => Some(from),
                    c => Some(Status::from_code(c).unwrap()),
                };
                assert_eq!(transition(from, kind), expected, "{from:?} × {kind:?}");

                let mut s = state_at(from);
                assert_eq!(s.status, from);
                let before = s.clone();
                let at = t(10, 0);
                let action = with_holder(sample(kind, at), &s);
                let res = apply(&mut s, &action, "officer", at);
                match expected {
                    Some(to) => {
                        let rows = res.unwrap_or_else(|e| panic!("{from:?} × {kind:?}: {e}"));
                        assert_eq!(s.status, to, "{from:?} × {kind:?}");
                        let last = rows.last().unwrap();
                        assert_eq!(last.from, Some(from));
                        assert_eq!(last.to, to);
                        assert_eq!(last.event, EventKind::from(kind));
                        assert_eq!(last.actor, "officer");
                        assert_eq!(s.last_event_at, at);
                        legal += 1;
                    }
                    None => {
                        let err = res.unwrap_err();
                        assert_eq!(
                            err,
                            DossierError::IllegalTransition { action: kind, from },
                            "{from:?} × {kind:?}"
                        );
                        assert_eq!(err.code(), "illegal_transition");
                        assert_eq!(s, before, "state untouched on error");
                        illegal += 1;
                    }
                }
            }
        }
        assert_eq!(legal + illegal, 130);
        assert_eq!(legal, 29);
    }

    #[test]
    fn terminal_statuses_allow_nothing() {
        for s in Status::ALL {
            assert_eq!(s.is_terminal(), allowed_actions(s).is_empty(), "{s:?}");
        }
        assert!(!Status::Resolved.is_terminal());
    }

    #[test]
    fn illegal_transition_message_is_vietnamese() {
        let mut s = state_at(Status::InProgress);
        let err = apply(
            &mut s,
            &Action::Refuse { reason: "x".into() },
            "desk",
            t(9, 0),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Không thể từ chối tiếp nhận khi hồ sơ đang ở trạng thái \"Đang xử lý\""
        );
    }

    #[test]
    fn status_codes_labels_and_serde() {
        for (i, s) in Status::ALL.iter().enumerate() {
            assert_eq!(s.code() as usize, i + 1);
            assert_eq!(Status::from_code(s.code()), Some(*s));
            assert_eq!(serde_json::to_string(s).unwrap(), (i + 1).to_string());
        }
        assert_eq!(Status::from_code(0), None);
        assert_eq!(Status::from_code(11), None);
        assert_eq!(Status::Accepted.label_vi(), "Được tiếp nhận");
        assert_eq!(Status::Withdrawn.label_vi(), "Công dân yêu cầu rút hồ sơ");
        assert_eq!(
            serde_json::from_str::<Status>("10").unwrap(),
            Status::Returned
        );
        assert!(serde_json::from_str::<Status>("11").is_err());
        assert_eq!(serde_json::to_string(&Channel::Postal).unwrap(), "3");
        assert_eq!(
            serde_json::from_str::<Channel>("2").unwrap(),
            Channel::Online
        );
        assert!(serde_json::from_str::<Channel>("0").is_err());
    }

    #[test]
    fn state_and_actions_round_trip_through_json() {
        let mut s = state_at(Status::SupplementRequested);
        apply(&mut s, &Action::Resume { new_due: None }, "desk", t(11, 0)).unwrap();
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<DossierState>(&json).unwrap(), s);
        let a = Action::Apologize {
            new_due: t(9, 0),
            reason: "r".into(),
        };
        let json = serde_json::to_string(&a).unwrap();
        assert!(json.contains("\"type\":\"apologize\""));
        assert_eq!(serde_json::from_str::<Action>(&json).unwrap(), a);
        let paid: Action = serde_json::from_str(r#"{"type":"fees_paid"}"#).unwrap();
        assert_eq!(paid, Action::FeesPaid);
    }

    #[test]
    fn apology_at_most_once_and_recorded() {
        let mut s = state_at(Status::InProgress);
        let due = s.due_at.unwrap();
        let rows = apply(
            &mut s,
            &Action::Apologize {
                new_due: due + days(3),
                reason: "Cần xác minh".into(),
            },
            "truong-phong",
            due - days(2),
        )
        .unwrap();
        assert_eq!(rows[0].event, EventKind::Apologized);
        assert_eq!(s.status, Status::InProgress);
        assert_eq!(s.due_at, Some(due + days(3)));
        let a = s.apology.clone().unwrap();
        assert_eq!(a.original_due, due);
        assert!(a.sent_before_due);
        assert!(s.apology_sent());

        let again = apply(
            &mut s,
            &Action::Apologize {
                new_due: due + days(6),
                reason: "Lần hai".into(),
            },
            "truong-phong",
            due,
        );
        assert_eq!(again.unwrap_err(), DossierError::ApologyAlreadySent);
        assert_eq!(s.due_at, Some(due + days(3)));
    }

    #[test]
    fn late_apology_is_allowed_and_flagged() {
        let mut s = state_at(Status::InProgress);
        let due = s.due_at.unwrap();
        apply(
            &mut s,
            &Action::Apologize {
                new_due: due + days(4),
                reason: "Quá hạn do chờ xác minh".into(),
            },
            "truong-phong",
            due + days(1),
        )
        .unwrap();
        assert!(!s.apology.as_ref().unwrap().sent_before_due);
        // Resolving before the new date still counts as late against the original.
        apply(
            &mut s,
            &Action::Resolve {
                note: String::new(),
            },
            "chuyen-vien",
            due + days(2),
        )
        .unwrap();
        assert_eq!(s.on_time(Comparison::CalendarDay), Some(Timeliness::Late));
    }

    #[test]
    fn apology_needs_a_later_date_and_a_reason() {
        let mut s = state_at(Status::Accepted);
        let due = s.due_at.unwrap();
        let same = Action::Apologize {
            new_due: due,
            reason: "r".into(),
        };
        assert_eq!(
            apply(&mut s, &same, "a", t(9, 0)).unwrap_err(),
            DossierError::NewDueNotLater
        );
        let blank = Action::Apologize {
            new_due: due + days(1),
            reason: "  ".into(),
        };
        assert_eq!(
            apply(&mut s, &blank, "a", t(9, 0)).unwrap_err().code(),
            "reason_required"
        );
        assert!(!s.apology_sent());
    }

    #[test]
    fn a_wait_for_the_citizen_begun_in_time_is_not_overdue() {
        use super::tests_support::sample_dossier;
        let mut d = sample_dossier(Status::InProgress);
        let due = d.state.due_at.unwrap();
        let after = due + chrono::Duration::days(3);
        assert!(d.is_overdue_at(after));
        assert!(!d.is_overdue_at(due));
        let ask = Action::RequestSupplement {
            missing: vec![d.papers[0].clone()],
            reason: "Thiếu bản sao".into(),
        };
        let mut late_ask = d.clone();
        apply(
            &mut d.state,
            &ask,
            "canbo1",
            due - chrono::Duration::days(1),
        )
        .unwrap();
        assert_eq!(d.waiting_since(), Some(due - chrono::Duration::days(1)));
        assert!(!d.is_overdue_at(after));
        // Asked only once the promise had passed: overdue all the same.
        apply(
            &mut late_ask.state,
            &ask,
            "canbo1",
            due + chrono::Duration::hours(1),
        )
        .unwrap();
        assert!(late_ask.is_overdue_at(after));
    }

    #[test]
    fn supplement_pause_accumulates() {
        let mut s = state_at(Status::InProgress);
        let start = t(9, 0);
        let req = sample(ActionKind::RequestSupplement, start);
        apply(&mut s, &req, "chuyen-vien", start).unwrap();
        assert_eq!(s.paused_since, Some(start));
        assert_eq!(s.paused_from, Some(Status::InProgress));
        assert_eq!(s.supplement_requests, 1);
        assert_eq!(s.pending_supplement.len(), 1);
        assert_eq!(s.paused_secs_at(start + Duration::hours(2)), 7200);

        let back = start + Duration::hours(3);
        apply(&mut s, &Action::Resume { new_due: None }, "desk", back).unwrap();
        assert_eq!(s.status, Status::InProgress);
        assert_eq!(s.paused_since, None);
        assert_eq!(s.paused_total_secs, 3 * 3600);
        assert!(s.pending_supplement.is_empty());

        // A second wait adds up, a fees wait counts too.
        let again = back + Duration::hours(1);
        apply(&mut s, &req, "chuyen-vien", again).unwrap();
        apply(
            &mut s,
            &Action::Resume { new_due: None },
            "desk",
            again + Duration::minutes(30),
        )
        .unwrap();
        assert_eq!(s.supplement_requests, 2);
        assert_eq!(s.paused_total_secs, 3 * 3600 + 1800);
        let f = again + Duration::hours(2);
        apply(&mut s, &sample(ActionKind::RequestFees, f), "cv", f).unwrap();
        apply(&mut s, &Action::FeesPaid, "cv", f + Duration::hours(24)).unwrap();
        assert_eq!(s.paused_total_secs, 3 * 3600 + 1800 + 24 * 3600);
    }

    #[test]
    fn resume_may_set_a_new_due_date() {
        let mut s = state_at(Status::SupplementRequested);
        let nd = t(10, 0) + days(7);
        let rows = apply(
            &mut s,
            &Action::Resume { new_due: Some(nd) },
            "desk",
            t(10, 0),
        )
        .unwrap();
        assert_eq!(s.due_at, Some(nd));
        assert_eq!(rows[0].due, Some(nd));
    }

    #[test]
    fn withdraw_while_paused_closes_the_pause() {
        let mut s = state_at(Status::SupplementRequested);
        let since = s.paused_since.unwrap();
        apply(
            &mut s,
            &Action::Withdraw {
                reason: "Không bổ sung được".into(),
            },
            "desk",
            since + Duration::hours(5),
        )
        .unwrap();
        assert_eq!(s.paused_since, None);
        assert_eq!(s.paused_total_secs, 5 * 3600);
        assert_eq!(s.closing_reason.as_deref(), Some("Không bổ sung được"));
        assert!(s.open_step().is_none(), "open step closed");
    }

    #[test]
    fn supplement_before_reception_resumes_to_new_and_does_not_stop_the_clock() {
        let mut s = state_at(Status::New);
        let at = t(9, 0);
        apply(
            &mut s,
            &sample(ActionKind::RequestSupplement, at),
            "desk",
            at,
        )
        .unwrap();
        assert_eq!(s.status, Status::SupplementRequested);
        assert_eq!(
            apply(
                &mut s,
                &Action::Resume {
                    new_due: Some(at + days(3))
                },
                "desk",
                at + Duration::hours(1)
            )
            .unwrap_err(),
            DossierError::NoDeadlineYet
        );
        apply(
            &mut s,
            &Action::Resume { new_due: None },
            "portal",
            at + Duration::hours(1),
        )
        .unwrap();
        assert_eq!(s.status, Status::New);
        assert_eq!(s.paused_total_secs, 0);
        // …and it can then be received normally.
        apply(
            &mut s,
            &Action::Receive {
                due_at: at + days(5),
            },
            "desk",
            at + Duration::hours(2),
        )
        .unwrap();
        assert_eq!(s.status, Status::Accepted);
        assert_eq!(s.received_at, Some(at + Duration::hours(2)));
    }

    #[test]
    fn supplement_requires_papers_and_reason() {
        let mut s = state_at(Status::Accepted);
        let none = Action::RequestSupplement {
            missing: vec![],
            reason: "Thiếu".into(),
        };
        assert_eq!(
            apply(&mut s, &none, "desk", t(9, 0)).unwrap_err(),
            DossierError::MissingPapersRequired
        );
        let zero = Action::RequestSupplement {
            missing: vec![Paper {
                name: "Tờ khai".into(),
                kind: PaperKind::Original,
                count: 0,
            }],
            reason: "Thiếu".into(),
        };
        assert_eq!(
            apply(&mut s, &zero, "desk", t(9, 0)).unwrap_err(),
            DossierError::MissingPapersRequired
        );
        assert_eq!(s.status, Status::Accepted);
    }

    #[test]
    fn reasons_required_for_refuse_withdraw_stop() {
        for (status, a) in [
            (Status::New, Action::Refuse { reason: " ".into() }),
            (Status::Accepted, Action::Withdraw { reason: "".into() }),
            (
                Status::InProgress,
                Action::Stop {
                    reason: "\t".into(),
                },
            ),
        ] {
            let mut s = state_at(status);
            let err = apply(&mut s, &a, "desk", t(9, 0)).unwrap_err();
            assert_eq!(err, DossierError::ReasonRequired { action: a.kind() });
            assert_eq!(s.status, status);
        }
    }

    #[test]
    fn control_sheet_rows_and_step_timeliness() {
        let (mut s, created) =
            DossierState::receive(Channel::Direct, "desk", t(8, 0), t(8, 0) + days(5)).unwrap();
        assert_eq!(created.from, None);
        assert_eq!(s.current_officer.as_deref(), Some("desk"));
        let h = |from: &str, to: &str, due| Action::Handover {
            from: from.into(),
            to: to.into(),
            step_due: due,
        };
        let r1 = apply(
            &mut s,
            &h("desk", "cv", t(8, 0) + days(2)),
            "desk",
            t(8, 30),
        )
        .unwrap();
        assert_eq!(r1.len(), 1, "no open step to close yet");
        // The specialist finishes a day early.
        let r2 = apply(
            &mut s,
            &h("cv", "lanh-dao", t(8, 0) + days(3)),
            "cv",
            t(9, 0) + days(1),
        )
        .unwrap();
        assert_eq!(r2.len(), 2);
        assert_eq!(r2[0].event, EventKind::StepClosed);
        assert_eq!(s.steps[0].timeliness, Some(Timeliness::Early));
        // Someone other than the holder cannot hand over.
        assert_eq!(
            apply(
                &mut s,
                &h("cv", "desk", t(8, 0) + days(4)),
                "cv",
                t(9, 0) + days(1)
            )
            .unwrap_err()
            .code(),
            "not_holder"
        );
        // A lead may reassign whoever holds it; the approver was a day late.
        apply(
            &mut s,
            &Action::Assign {
                to_officer: "desk".into(),
                step_due: t(8, 0) + days(5),
            },
            "truong-phong",
            t(15, 0) + days(4),
        )
        .unwrap();
        assert_eq!(s.steps[1].timeliness, Some(Timeliness::Late));
        assert_eq!(s.steps[2].from, "lanh-dao");
        // Resolving on the step's due day closes it "Đúng hạn".
        apply(
            &mut s,
            &Action::Resolve {
                note: String::new(),
            },
            "desk",
            t(16, 0) + days(5),
        )
        .unwrap();
        assert_eq!(s.steps[2].timeliness, Some(Timeliness::OnTime));
        assert!(s.open_step().is_none());
        assert_eq!(s.on_time(Comparison::CalendarDay), Some(Timeliness::OnTime));
        assert_eq!(s.on_time(Comparison::Timestamp), Some(Timeliness::Late));
        apply(
            &mut s,
            &Action::ReturnResult {
                note: String::new(),
            },
            "desk",
            t(16, 0) + days(6),
        )
        .unwrap();
        assert_eq!(s.status, Status::Returned);
        assert_eq!(s.steps.len(), 3);
    }

    #[test]
    fn handover_checks() {
        let mut s = state_at(Status::Accepted);
        let same = Action::Handover {
            from: "desk".into(),
            to: "desk".into(),
            step_due: t(9, 0) + days(1),
        };
        assert_eq!(
            apply(&mut s, &same, "desk", t(9, 0)).unwrap_err(),
            DossierError::SameOfficer
        );
        let blank = Action::Assign {
            to_officer: " ".into(),
            step_due: t(9, 0) + days(1),
        };
        assert_eq!(
            apply(&mut s, &blank, "lead", t(9, 0)).unwrap_err(),
            DossierError::OfficerRequired
        );
        let past = Action::Assign {
            to_officer: "cv".into(),
            step_due: t(8, 30),
        };
        assert_eq!(
            apply(&mut s, &past, "lead", t(9, 0)).unwrap_err(),
            DossierError::DueBeforeNow
        );
    }

    #[test]
    fn time_cannot_go_backwards_and_actor_required() {
        let mut s = state_at(Status::Accepted);
        let a = sample(ActionKind::Resolve, t(7, 0) + days(0));
        assert_eq!(
            apply(&mut s, &a, "desk", t(7, 59)).unwrap_err(),
            DossierError::TimeWentBackwards
        );
        assert_eq!(
            apply(&mut s, &a, "  ", t(9, 0)).unwrap_err(),
            DossierError::ActorRequired
        );
        assert!(DossierState::receive(Channel::Direct, "desk", t(9, 0), t(8, 0)).is_err());
    }

    #[test]
    fn classification_by_day_and_timestamp() {
        let due = t(9, 0);
        // Same local day, later hour: on time by day, late by timestamp.
        assert_eq!(
            classify_finished(t(16, 0), due, Comparison::CalendarDay),
            Timeliness::OnTime
        );
        assert_eq!(
            classify_finished(t(16, 0), due, Comparison::Timestamp),
            Timeliness::Late
        );
        assert_eq!(
            classify_finished(due - days(1), due, Comparison::CalendarDay),
            Timeliness::Early
        );
        // 23:30 local is still the same local day although it is the next UTC… no: it is
        // 16:30 UTC the same day; 00:30 local next day is 17:30 UTC the same UTC day.
        let next_local = Utc.with_ymd_and_hms(2026, 3, 2, 17, 30, 0).unwrap();
        assert_eq!(
            classify_finished(next_local, due, Comparison::CalendarDay),
            Timeliness::Late
        );
        assert_eq!(
            classify_open(due, t(16, 0), Comparison::CalendarDay),
            Timeliness::InTime
        );
        assert_eq!(
            classify_open(due, t(16, 0), Comparison::Timestamp),
            Timeliness::Late
        );
        assert_eq!(Timeliness::InTime.label_vi(), "Trong hạn");
    }

    #[test]
    fn dossier_code_generation() {
        let d = NaiveDate::from_ymd_opt(2025, 7, 1).unwrap();
        assert_eq!(
            dossier_code("H56.14", d, 1, DEFAULT_CODE_WIDTH),
            "H56.14-250701-0001"
        );
        assert_eq!(
            dossier_code("000.00.14.H56", d, 1, 4),
            "000.00.14.H56-250701-0001"
        );
        let d2 = NaiveDate::from_ymd_opt(2026, 10, 8).unwrap();
        assert_eq!(
            dossier_code("H15.50.05.13", d2, 975, 4),
            "H15.50.05.13-261008-0975"
        );
        assert_eq!(dossier_code("H56", d, 42, 6), "H56-250701-000042");
        // Overflowing the width widens rather than truncates.
        assert_eq!(dossier_code("H56", d, 12345, 4), "H56-250701-12345");
    }

    #[test]
    fn dossier_code_parsing_live_examples_and_round_trip() {
        for (code, agency, y, m, dd, seq) in [
            ("H56.14-250701-0001", "H56.14", 2025, 7, 1, 1),
            ("000.00.14.H56-250701-0001", "000.00.14.H56", 2025, 7, 1, 1),
            ("H15.50.05.13-261008-0975", "H15.50.05.13", 2026, 10, 8, 975),
        ] {
            let (a, d, n) = parse_dossier_code(code).unwrap();
            assert_eq!(a, agency);
            assert_eq!(d, NaiveDate::from_ymd_opt(y, m, dd).unwrap());
            assert_eq!(n, seq);
            assert_eq!(dossier_code(&a, d, n, 4), code);
        }
        assert_eq!(
            parse_dossier_code(" h56.14-250701-00042\n").unwrap(),
            (
                "H56.14".to_string(),
                NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
                42
            )
        );
    }

    #[test]
    fn dossier_code_parsing_rejects_garbage() {
        for bad in [
            "",
            "H56.14",
            "H56.14-250701",
            "-250701-0001",
            "H56..14-250701-0001",
            ".H56-250701-0001",
            "H56.-250701-0001",
            "H56_14-250701-0001",
            "H56-14-250701-0001",
            "H56.14-250230-0001",
            "H56.14-2507010-0001",
            "H56.14-25O701-0001",
            "H56.14-250701-",
            "H56.14-250701-0000",
            "H56.14-250701-00a1",
            "H56.14-250701-99999999999",
            "Hà56-250701-0001",
        ] {
            let err = parse_dossier_code(bad).unwrap_err();
            assert_eq!(err.code(), "invalid_dossier_code", "{bad:?}");
        }
    }

    #[test]
    fn agency_validation() {
        for ok in ["H56.14", "000.00.14.H56", "H15.50.05.13", "X"] {
            assert!(validate_agency(ok).is_ok(), "{ok}");
        }
        for bad in ["", "h56", "H56.", ".H56", "H56..1", "H 56", "H-56", "Đ56"] {
            assert_eq!(validate_agency(bad).unwrap_err().code(), "invalid_agency");
        }
    }

    #[test]
    fn snapshot_validation_and_labels() {
        let mut p = ProcedureSnapshot {
            code: "1.001193".into(),
            name: "Đăng ký khai sinh".into(),
            area: 1,
            duration: StatutoryTime {
                amount: 0,
                unit: TimeUnit::SameDay15h,
                extra_working_days: 0,
            },
            fee_vnd: Some(0),
            fee_note: "Miễn lệ phí đăng ký khai sinh đúng hạn".into(),
            papers: vec![Paper {
                name: "Tờ khai đăng ký khai sinh".into(),
                kind: PaperKind::Original,
                count: 1,
            }],
            result_type: "Giấy khai sinh".into(),
            online_level: OnlineLevel::Full,
            legal_basis: "Luật Hộ tịch 2014".into(),
            portal_url: String::new(),
            version: 1,
        };
        assert!(p.validate().is_ok());
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<ProcedureSnapshot>(&json).unwrap(), p);
        assert!(json.contains("\"same_day15h\"") || json.contains("same_day_15h"));
        p.code = "1.004873.000.00.00.H01".into();
        assert!(p.validate().is_ok());
        p.code = "DP.KD.01".into();
        assert!(p.validate().is_ok());
        for bad in ["abc", "", "1..2", ".1", "1.00 1"] {
            p.code = bad.into();
            assert_eq!(
                p.validate().unwrap_err().code(),
                "invalid_snapshot",
                "{bad}"
            );
        }
        p.code = "1.001193".into();
        p.duration = StatutoryTime {
            amount: 5,
            unit: TimeUnit::WorkingDays,
            extra_working_days: 0,
        };
        assert_eq!(p.duration.label_vi(), "05 ngày làm việc");
        let cert = StatutoryTime {
            amount: 0,
            unit: TimeUnit::SameDay15h,
            extra_working_days: 2,
        };
        assert!(cert.label_vi().contains("tối đa 02 ngày làm việc"));
        assert_eq!(OnlineLevel::Full.muc_do(), 4);
        assert_eq!(OnlineLevel::Partial.muc_do(), 3);
        assert_eq!(OnlineLevel::InfoOnly.muc_do(), 2);
    }
}

/// Property tests: any sequence of actions, legal or not, keeps the lifecycle's invariants.
#[cfg(test)]
mod properties {
    use super::*;
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    fn action(kind: u8, day: i64) -> Action {
        let at = |d: i64| Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap() + Duration::days(d);
        let paper = Paper {
            name: "Tờ khai".into(),
            kind: PaperKind::Original,
            count: 1,
        };
        match kind % 13 {
            0 => Action::Receive {
                due_at: at(day + 3),
            },
            1 => Action::Refuse {
                reason: "Sai thẩm quyền".into(),
            },
            2 => Action::RequestSupplement {
                missing: vec![paper],
                reason: "Thiếu".into(),
            },
            3 => Action::Resume { new_due: None },
            4 => Action::Assign {
                to_officer: "canbo2".into(),
                step_due: at(day + 2),
            },
            5 => Action::Handover {
                from: "canbo2".into(),
                to: "canbo3".into(),
                step_due: at(day + 2),
            },
            6 => Action::RequestFees {
                amount_vnd: Some(8000),
                note: String::new(),
            },
            7 => Action::FeesPaid,
            8 => Action::Resolve {
                note: String::new(),
            },
            9 => Action::ReturnResult {
                note: String::new(),
            },
            10 => Action::Withdraw {
                reason: "Rút".into(),
            },
            11 => Action::Stop {
                reason: "Dừng".into(),
            },
            _ => Action::Apologize {
                new_due: at(day + 10),
                reason: "Chậm".into(),
            },
        }
    }

    proptest! {
        #[test]
        fn any_action_sequence_keeps_the_invariants(
            online in any::<bool>(),
            steps in proptest::collection::vec((0u8..13, 0i64..2), 0..40),
        ) {
            let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap();
            let (mut s, first) = if online {
                DossierState::register_online("cổng", t0).unwrap()
            } else {
                DossierState::receive(Channel::Direct, "canbo1", t0, t0 + Duration::days(3)).unwrap()
            };
            let mut history = vec![first];
            let mut now = t0;
            for (kind, gap) in steps {
                now += Duration::days(gap) + Duration::minutes(5);
                let a = action(kind, (now - t0).num_days());
                let before = s.clone();
                match apply(&mut s, &a, "canbo1", now) {
                    Ok(rows) => {
                        // The status row is last, and it goes where the table says
                        // (or back to 1 for a supplement asked before reception).
                        let last = rows.last().unwrap();
                        prop_assert_eq!(last.from, Some(before.status));
                        prop_assert_eq!(last.to, s.status);
                        let nominal = transition(before.status, a.kind()).unwrap();
                        prop_assert!(s.status == nominal || (a.kind() == ActionKind::Resume && s.status == Status::New));
                        history.extend(rows);
                    }
                    Err(_) => prop_assert_eq!(&s, &before, "a refused action changes nothing"),
                }
                // Invariants after every step.
                prop_assert!(s.steps.iter().rev().skip(1).all(|r| r.finished_at.is_some()), "only the last step may be open");
                prop_assert!(s.paused_since.is_some() == matches!(s.status, Status::SupplementRequested | Status::FeesDue));
                prop_assert!(s.paused_total_secs >= 0);
                prop_assert!(s.apology.is_none() || s.due_at.is_some());
                prop_assert!(!s.status.is_terminal() || s.closed_at.is_some() || s.returned_at.is_some());
                prop_assert!(s.status != Status::Returned || s.resolved_at.is_some());
                prop_assert!(history.windows(2).all(|w| w[0].at <= w[1].at), "history in time order");
            }
        }
    }
}
