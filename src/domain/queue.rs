//! Queue rules: service areas and their ticket series, counters, the ticket lifecycle and
//! the call-next policy. Pure: the caller passes the clock and the tickets it has read;
//! the store applies the result in one write transaction.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use super::time::{local_day, local_time};

pub type ServiceId = u32;
pub type CounterId = u32;
pub type TicketId = u64;

/// How an area numbers its tickets: `A001` (prefix `A`, width 3, 1..=999) or a numeric
/// block `1001`..`1999` (empty prefix, width 4). Numbering restarts every local day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Series {
    pub prefix: String,
    pub start: u32,
    pub end: u32,
    pub width: u8,
}

impl Series {
    pub fn letter(prefix: &str) -> Self {
        Series {
            prefix: prefix.to_string(),
            start: 1,
            end: 999,
            width: 3,
        }
    }

    pub fn block(start: u32, end: u32) -> Self {
        Series {
            prefix: String::new(),
            start,
            end,
            width: 4,
        }
    }

    /// The `k`-th (0-based) number of the day, or `None` when the series is used up.
    pub fn nth(&self, k: u32) -> Option<String> {
        let n = self.start.checked_add(k)?;
        if n > self.end {
            return None;
        }
        Some(format!(
            "{}{:0width$}",
            self.prefix,
            n,
            width = self.width as usize
        ))
    }

    /// How many numbers a day holds.
    pub fn capacity(&self) -> u32 {
        self.end.saturating_sub(self.start).saturating_add(1)
    }

    pub fn validate(&self) -> Result<(), QueueError> {
        if self.start > self.end || self.width == 0 || self.width > 6 {
            return Err(QueueError::InvalidSetting("dãy số không hợp lệ".into()));
        }
        if self.prefix.chars().count() > 3 || !self.prefix.chars().all(|c| c.is_ascii_alphabetic())
        {
            return Err(QueueError::InvalidSetting(
                "tiền tố phải là 1–3 chữ cái không dấu".into(),
            ));
        }
        Ok(())
    }
}

/// A period of the day in which the kiosk issues tickets for an area (local time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl Window {
    pub fn contains(&self, t: NaiveTime) -> bool {
        self.start <= t && t < self.end
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceArea {
    pub id: ServiceId,
    pub name: String,
    pub series: Series,
    /// At most this many tickets per day (a land office may allow 200).
    pub daily_cap: Option<u32>,
    /// Issuing windows; empty = always open.
    pub windows: Vec<Window>,
    pub active: bool,
}

impl ServiceArea {
    /// Whether a ticket may be issued at `now` given how many were issued today.
    pub fn check_issue(&self, now: DateTime<Utc>, issued_today: u32) -> Result<(), QueueError> {
        if !self.active {
            return Err(QueueError::AreaClosed);
        }
        let t = local_time(now);
        if !self.windows.is_empty() && !self.windows.iter().any(|w| w.contains(t)) {
            return Err(QueueError::OutsideWindow);
        }
        if let Some(cap) = self.daily_cap {
            if issued_today >= cap {
                return Err(QueueError::DailyCapReached(cap));
            }
        }
        if issued_today >= self.series.capacity() {
            return Err(QueueError::SeriesExhausted);
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum CounterState {
    Closed,
    Open { officer: String },
    Paused { officer: String, reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counter {
    pub id: CounterId,
    /// The number said aloud and shown: `quầy số 2`.
    pub number: u32,
    pub name: String,
    pub services: Vec<ServiceId>,
    pub state: CounterState,
    /// Normal tickets called since the last priority one; `None` = a priority ticket is due.
    #[serde(default)]
    pub normals_since_priority: Option<u32>,
}

impl Counter {
    pub fn new(id: CounterId, number: u32, name: &str, services: Vec<ServiceId>) -> Self {
        Counter {
            id,
            number,
            name: name.to_string(),
            services,
            state: CounterState::Closed,
            normals_since_priority: None,
        }
    }

    pub fn is_open(&self) -> bool {
        matches!(self.state, CounterState::Open { .. })
    }

    pub fn officer(&self) -> Option<&str> {
        match &self.state {
            CounterState::Open { officer } | CounterState::Paused { officer, .. } => Some(officer),
            CounterState::Closed => None,
        }
    }

    pub fn serves(&self, service: ServiceId) -> bool {
        self.services.contains(&service)
    }

    pub fn open(&mut self, officer: &str) -> Result<(), QueueError> {
        if let CounterState::Open { officer: o } = &self.state {
            if o != officer {
                return Err(QueueError::CounterTaken(o.clone()));
            }
        }
        self.state = CounterState::Open {
            officer: officer.to_string(),
        };
        Ok(())
    }

    pub fn pause(&mut self, reason: &str) -> Result<(), QueueError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(QueueError::ReasonRequired);
        }
        match &self.state {
            CounterState::Open { officer } | CounterState::Paused { officer, .. } => {
                self.state = CounterState::Paused {
                    officer: officer.clone(),
                    reason: reason.to_string(),
                };
                Ok(())
            }
            CounterState::Closed => Err(QueueError::CounterNotOpen),
        }
    }

    pub fn close(&mut self) {
        self.state = CounterState::Closed;
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorityCategory {
    pub code: String,
    pub name: String,
}

/// The default categories; they are data, editable by the admin.
pub fn default_priority_categories() -> Vec<PriorityCategory> {
    [
        ("cao_tuoi", "Người cao tuổi (từ 60 tuổi)"),
        ("khuyet_tat", "Người khuyết tật"),
        ("mang_thai", "Phụ nữ mang thai"),
        ("co_cong", "Người có công với cách mạng"),
        ("tre_em", "Trẻ em dưới 6 tuổi / người bế con nhỏ"),
    ]
    .into_iter()
    .map(|(code, name)| PriorityCategory {
        code: code.into(),
        name: name.into(),
    })
    .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PriorityPolicy {
    /// Every waiting priority ticket goes before any normal one.
    Strict,
    /// One priority ticket after every `every` normal ones (per counter).
    Interleave { every: u32 },
}

/// Center-wide queue settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct QueueSettings {
    pub priority_policy: PriorityPolicy,
    pub priority_categories: Vec<PriorityCategory>,
    /// A ticket may be called at most this many times (first call + recalls).
    pub max_calls: u32,
    /// "Vắng mặt" is accepted once a ticket has been called this many times.
    pub calls_before_no_show: u32,
    /// How many times a no-show/cancelled ticket may go back into the queue.
    pub max_requeues: u32,
    /// Officers may call a specific waiting ticket out of order.
    pub allow_call_specific: bool,
    /// Used for wait estimates before any ticket has been served today.
    pub default_service_secs: u32,
    /// Citizens who only pick up a ready result are called before the area's other
    /// tickets (after tickets sent to that very counter): a pick-up takes a minute and
    /// should not wait behind new filings.
    pub pickups_first: bool,
}

impl Default for QueueSettings {
    fn default() -> Self {
        QueueSettings {
            priority_policy: PriorityPolicy::Strict,
            priority_categories: default_priority_categories(),
            max_calls: 3,
            calls_before_no_show: 2,
            max_requeues: 2,
            allow_call_specific: true,
            default_service_secs: 300,
            pickups_first: false,
        }
    }
}

impl QueueSettings {
    pub fn category(&self, code: &str) -> Option<&PriorityCategory> {
        self.priority_categories.iter().find(|c| c.code == code)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(rename_all = "snake_case")]
pub enum TicketState {
    Waiting,
    Called,
    Serving,
    Done,
    NoShow,
    Cancelled,
}

impl TicketState {
    /// Still in the live queue (waiting, at a counter).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            TicketState::Waiting | TicketState::Called | TicketState::Serving
        )
    }

    pub fn label(self) -> &'static str {
        match self {
            TicketState::Waiting => "Đang chờ",
            TicketState::Called => "Đã gọi",
            TicketState::Serving => "Đang phục vụ",
            TicketState::Done => "Đã xong",
            TicketState::NoShow => "Vắng mặt",
            TicketState::Cancelled => "Đã hủy",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: TicketId,
    pub number: String,
    pub service: ServiceId,
    /// Local day the number belongs to.
    pub day: NaiveDate,
    pub priority: Option<String>,
    pub state: TicketState,
    pub issued_at: DateTime<Utc>,
    /// Queue position key: the issue time, unless sent to the back by a transfer or requeue.
    pub queue_at: DateTime<Utc>,
    /// Start of the current wait (issue, or the last transfer / requeue).
    pub waiting_since: DateTime<Utc>,
    /// Counter where the ticket was called / is served.
    pub counter: Option<CounterId>,
    /// A transfer to one specific counter: only that counter may call it.
    pub target_counter: Option<CounterId>,
    /// Every call of the current visit to a counter (the first is the wait's end).
    pub calls: Vec<DateTime<Utc>>,
    pub first_called_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub officer: Option<String>,
    pub transfers: u32,
    pub requeues: u32,
    /// Waiting tickets ahead when it was issued.
    pub waiting_ahead_at_issue: u32,
    /// Unguessable part of the ticket's public status link (the QR on the paper).
    #[serde(default)]
    pub status_token: String,
    /// The dossier whose result the citizen came back for (a "receive result" ticket from
    /// the kiosk); the counter screen opens it.
    #[serde(default)]
    pub dossier: Option<String>,
    /// Dossiers received while this ticket was served (a rating is bound to them).
    #[serde(default)]
    pub received: Vec<String>,
    /// Why a return visit came (with `dossier`): printed on the ticket, shown at the
    /// counter, and fast-tracked when the center says so.
    #[serde(default)]
    pub purpose: Option<VisitPurpose>,
}

/// What a citizen holding a receipt comes back for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitPurpose {
    /// The result is ready (status 9): a minute at the counter.
    Pickup,
    /// The dossier waits for the papers the citizen was asked for (status 5).
    Supplement,
    /// The dossier waits for fees or taxes (status 6).
    Fees,
}

impl VisitPurpose {
    /// On the ticket, the board and the counter.
    pub fn label_vi(self) -> &'static str {
        match self {
            VisitPurpose::Pickup => "Nhận kết quả",
            VisitPurpose::Supplement => "Bổ sung hồ sơ",
            VisitPurpose::Fees => "Nộp phí, lệ phí",
        }
    }
}

impl Ticket {
    pub fn is_priority(&self) -> bool {
        self.priority.is_some()
    }

    /// A return visit to pick up a ready result.
    pub fn is_pickup(&self) -> bool {
        self.purpose == Some(VisitPurpose::Pickup)
    }

    fn require(&self, allowed: &[TicketState], action: &'static str) -> Result<(), QueueError> {
        if allowed.contains(&self.state) {
            Ok(())
        } else {
            Err(QueueError::IllegalTransition {
                action,
                state: self.state,
            })
        }
    }

    /// Waiting → called at `counter`.
    pub fn call(
        &mut self,
        counter: &Counter,
        officer: &str,
        now: DateTime<Utc>,
    ) -> Result<(), QueueError> {
        self.require(&[TicketState::Waiting], "call")?;
        self.state = TicketState::Called;
        self.counter = Some(counter.id);
        self.target_counter = None;
        self.officer = Some(officer.to_string());
        self.calls = vec![now];
        if self.first_called_at.is_none() {
            self.first_called_at = Some(now);
        }
        Ok(())
    }

    /// Announce again; the first call time is kept.
    pub fn recall(&mut self, s: &QueueSettings, now: DateTime<Utc>) -> Result<(), QueueError> {
        self.require(&[TicketState::Called], "recall")?;
        if self.calls.len() as u32 >= s.max_calls {
            return Err(QueueError::TooManyCalls(s.max_calls));
        }
        self.calls.push(now);
        Ok(())
    }

    pub fn start(&mut self, now: DateTime<Utc>) -> Result<(), QueueError> {
        self.require(&[TicketState::Called], "start")?;
        self.state = TicketState::Serving;
        self.started_at = Some(now);
        Ok(())
    }

    /// Serving → done. Finishing straight from "called" counts the call as the start
    /// (officers often skip the start button).
    pub fn finish(&mut self, now: DateTime<Utc>) -> Result<(), QueueError> {
        self.require(&[TicketState::Called, TicketState::Serving], "finish")?;
        if self.started_at.is_none() {
            self.started_at = Some(now);
        }
        self.state = TicketState::Done;
        self.finished_at = Some(now);
        Ok(())
    }

    pub fn no_show(&mut self, s: &QueueSettings, now: DateTime<Utc>) -> Result<(), QueueError> {
        self.require(&[TicketState::Called], "no-show")?;
        if (self.calls.len() as u32) < s.calls_before_no_show {
            return Err(QueueError::CallAgainFirst(s.calls_before_no_show));
        }
        self.state = TicketState::NoShow;
        self.finished_at = Some(now);
        Ok(())
    }

    /// A no-show or cancelled ticket goes back to the end of its area's queue.
    pub fn reactivate(&mut self, s: &QueueSettings, now: DateTime<Utc>) -> Result<(), QueueError> {
        self.require(&[TicketState::NoShow, TicketState::Cancelled], "reactivate")?;
        if self.requeues >= s.max_requeues {
            return Err(QueueError::TooManyRequeues(s.max_requeues));
        }
        if local_day(now) != self.day {
            return Err(QueueError::ExpiredTicket);
        }
        self.requeues += 1;
        self.back_to_waiting(true, now);
        Ok(())
    }

    /// Send to another area and/or a specific counter. It keeps its place by issue
    /// time unless `to_back`.
    pub fn transfer(
        &mut self,
        service: ServiceId,
        target_counter: Option<CounterId>,
        to_back: bool,
        now: DateTime<Utc>,
    ) -> Result<(), QueueError> {
        self.require(
            &[
                TicketState::Waiting,
                TicketState::Called,
                TicketState::Serving,
            ],
            "transfer",
        )?;
        if service == self.service && target_counter.is_none() && self.state == TicketState::Waiting
        {
            return Err(QueueError::NothingToTransfer);
        }
        self.service = service;
        self.transfers += 1;
        self.back_to_waiting(to_back, now);
        self.target_counter = target_counter;
        Ok(())
    }

    pub fn cancel(&mut self, now: DateTime<Utc>) -> Result<(), QueueError> {
        self.require(&[TicketState::Waiting, TicketState::Called], "cancel")?;
        self.state = TicketState::Cancelled;
        self.finished_at = Some(now);
        Ok(())
    }

    fn back_to_waiting(&mut self, to_back: bool, now: DateTime<Utc>) {
        self.state = TicketState::Waiting;
        self.counter = None;
        self.target_counter = None;
        self.calls.clear();
        self.started_at = None;
        self.finished_at = None;
        self.waiting_since = now;
        if to_back {
            self.queue_at = now;
        }
    }
}

/// Whether `t` is waiting in a queue that `counter` calls from.
pub fn callable_by(t: &Ticket, counter: &Counter) -> bool {
    t.state == TicketState::Waiting
        && counter.serves(t.service)
        && t.target_counter.is_none_or(|c| c == counter.id)
}

fn queue_order(a: &&Ticket, b: &&Ticket) -> std::cmp::Ordering {
    // Tickets sent to a specific counter are that counter's to serve first.
    b.target_counter
        .is_some()
        .cmp(&a.target_counter.is_some())
        .then(a.queue_at.cmp(&b.queue_at))
        .then(a.id.cmp(&b.id))
}

/// The ticket `counter` gets on "call next", per the center's priority policy.
pub fn pick_next<'a>(
    counter: &Counter,
    tickets: &'a [Ticket],
    policy: PriorityPolicy,
) -> Option<&'a Ticket> {
    let mut callable: Vec<&Ticket> = tickets.iter().filter(|t| callable_by(t, counter)).collect();
    callable.sort_by(queue_order);
    let first_priority = callable.iter().find(|t| t.is_priority()).copied();
    let first_normal = callable.iter().find(|t| !t.is_priority()).copied();
    // A ticket transferred to this very counter goes first whatever its class.
    if let Some(t) = callable.first() {
        if t.target_counter == Some(counter.id) {
            return Some(t);
        }
    }
    match policy {
        PriorityPolicy::Strict => first_priority.or(first_normal),
        PriorityPolicy::Interleave { every } => {
            let due = counter.normals_since_priority.is_none_or(|n| n >= every);
            if due {
                first_priority.or(first_normal)
            } else {
                first_normal.or(first_priority)
            }
        }
    }
}

/// [`pick_next`] with the center's settings: its priority policy, and pick-ups first
/// when the center fast-tracks them.
pub fn pick_next_in<'a>(
    counter: &Counter,
    tickets: &'a [Ticket],
    settings: &QueueSettings,
) -> Option<&'a Ticket> {
    let next = pick_next(counter, tickets, settings.priority_policy)?;
    if !settings.pickups_first || next.target_counter == Some(counter.id) || next.is_pickup() {
        return Some(next);
    }
    let mut pickups: Vec<&Ticket> = tickets
        .iter()
        .filter(|t| callable_by(t, counter) && t.is_pickup())
        .collect();
    pickups.sort_by(queue_order);
    Some(pickups.first().copied().unwrap_or(next))
}

/// Keep the interleave count after `counter` called `t`.
pub fn note_called(counter: &mut Counter, t: &Ticket) {
    counter.normals_since_priority = if t.is_priority() {
        Some(0)
    } else {
        Some(
            counter
                .normals_since_priority
                .map_or(1, |n| n.saturating_add(1)),
        )
    };
}

/// How many tickets wait in one area, and how many of them are priority ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitingCounts {
    pub total: u32,
    pub priority: u32,
}

impl WaitingCounts {
    pub fn of(tickets: &[Ticket], service: ServiceId) -> Self {
        let mut c = WaitingCounts::default();
        for t in tickets
            .iter()
            .filter(|t| t.state == TicketState::Waiting && t.service == service)
        {
            c.total += 1;
            c.priority += t.is_priority() as u32;
        }
        c
    }

    /// Waiting tickets that will be served before a new ticket (`priority` or not): under
    /// strict priority a priority ticket only waits behind other priority ones.
    pub fn ahead_of_new(&self, priority: bool, policy: PriorityPolicy) -> u32 {
        match policy {
            PriorityPolicy::Strict if priority => self.priority,
            _ => self.total,
        }
    }
}

/// Estimated wait in seconds: the people ahead plus this one, shared over the open
/// counters serving the area, at the recent mean service time. `None` when no counter
/// serving the area is open: nobody can promise a wait then.
pub fn estimate_wait_secs(ahead: u32, open_counters: u32, mean_service_secs: u32) -> Option<u32> {
    (open_counters > 0).then(|| ahead.saturating_mul(mean_service_secs) / open_counters)
}

/// What a citizen should know about an area before taking a ticket for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Availability {
    /// Counters serving the area are open now.
    Serving { open: u32 },
    /// The area's counters are staffed but all paused.
    Paused,
    /// No counter serving the area is open: a ticket can be taken, nobody calls yet.
    Unstaffed,
    /// Outside the issuing hours: the next window today, else the first one of a day.
    OutsideHours {
        next_today: Option<NaiveTime>,
        first_of_day: Option<NaiveTime>,
    },
    /// The admin has stopped issuing for the area.
    Stopped,
}

impl Availability {
    /// The area's state at `now` given the center's counters.
    pub fn of(area: &ServiceArea, counters: &[Counter], now: DateTime<Utc>) -> Availability {
        if !area.active {
            return Availability::Stopped;
        }
        let t = local_time(now);
        if !area.windows.is_empty() && !area.windows.iter().any(|w| w.contains(t)) {
            let next_today = area
                .windows
                .iter()
                .map(|w| w.start)
                .filter(|s| *s > t)
                .min();
            let first_of_day = area.windows.iter().map(|w| w.start).min();
            return Availability::OutsideHours {
                next_today,
                first_of_day,
            };
        }
        let mine = counters.iter().filter(|c| c.serves(area.id));
        let open = mine.clone().filter(|c| c.is_open()).count() as u32;
        if open > 0 {
            Availability::Serving { open }
        } else if mine
            .clone()
            .any(|c| matches!(c.state, CounterState::Paused { .. }))
        {
            Availability::Paused
        } else {
            Availability::Unstaffed
        }
    }

    /// Whether the kiosk may issue a ticket for the area now.
    pub fn can_issue(&self) -> bool {
        !matches!(
            self,
            Availability::OutsideHours { .. } | Availability::Stopped
        )
    }

    /// One line under the area's button, in plain Vietnamese.
    pub fn label_vi(&self) -> String {
        match self {
            Availability::Serving { open } => format!("{open} quầy đang phục vụ"),
            Availability::Paused => "Quầy đang tạm nghỉ, sẽ phục vụ lại".into(),
            Availability::Unstaffed => "Hiện chưa có quầy nào phục vụ".into(),
            Availability::OutsideHours {
                next_today: Some(t),
                ..
            } => format!("Ngoài giờ cấp số — mời quay lại lúc {}", t.format("%H:%M")),
            Availability::OutsideHours {
                first_of_day: Some(t),
                ..
            } => format!(
                "Hết giờ cấp số hôm nay — mời quay lại từ {} ngày làm việc tiếp theo",
                t.format("%H:%M")
            ),
            Availability::OutsideHours { .. } | Availability::Stopped => "Tạm ngừng cấp số".into(),
        }
    }
}

/// The next local time after `now` at which some area's issuing window opens or closes
/// (the kiosk refreshes its buttons then), if any today.
pub fn next_window_change(areas: &[ServiceArea], now: DateTime<Utc>) -> Option<NaiveTime> {
    let t = local_time(now);
    areas
        .iter()
        .flat_map(|a| a.windows.iter().flat_map(|w| [w.start, w.end]))
        .filter(|b| *b > t)
        .min()
}

/// Mean of recent service durations (seconds), or the default when none.
pub fn mean_service_secs(durations: &[u32], default: u32) -> u32 {
    if durations.is_empty() {
        return default;
    }
    (durations.iter().map(|&d| d as u64).sum::<u64>() / durations.len() as u64) as u32
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    #[error("Không thể {} khi phiếu đang ở trạng thái \"{}\"", action_label(action), state.label())]
    IllegalTransition {
        action: &'static str,
        state: TicketState,
    },
    #[error("Lĩnh vực này đang tạm ngừng cấp số")]
    AreaClosed,
    #[error("Ngoài giờ cấp số thứ tự")]
    OutsideWindow,
    #[error("Đã hết số thứ tự trong ngày (tối đa {0} phiếu)")]
    DailyCapReached(u32),
    #[error("Đã dùng hết dãy số của lĩnh vực trong ngày")]
    SeriesExhausted,
    #[error("Quầy chưa mở")]
    CounterNotOpen,
    #[error("Quầy đang do cán bộ {0} phụ trách")]
    CounterTaken(String),
    #[error("Cần nhập lý do tạm ngưng")]
    ReasonRequired,
    #[error("Quầy không phục vụ lĩnh vực của phiếu này")]
    NotServedHere,
    #[error("Đã gọi tối đa {0} lần; hãy đánh dấu vắng mặt")]
    TooManyCalls(u32),
    #[error("Cần gọi ít nhất {0} lần trước khi đánh dấu vắng mặt")]
    CallAgainFirst(u32),
    #[error("Phiếu đã được đưa lại hàng chờ tối đa {0} lần")]
    TooManyRequeues(u32),
    #[error("Phiếu của ngày khác, không thể đưa lại hàng chờ")]
    ExpiredTicket,
    #[error("Phiếu đã ở đúng hàng chờ này")]
    NothingToTransfer,
    #[error("Quầy đang có số {0} chưa xong; hãy bắt đầu, kết thúc hoặc đánh dấu vắng mặt trước")]
    CounterBusy(String),
    #[error("Trung tâm không cho phép gọi số không theo thứ tự")]
    CallSpecificDisabled,
    #[error("Diện ưu tiên không hợp lệ")]
    UnknownPriority,
    #[error("Cấu hình không hợp lệ: {0}")]
    InvalidSetting(String),
}

fn action_label(action: &str) -> &'static str {
    match action {
        "call" => "gọi số",
        "recall" => "gọi lại",
        "start" => "bắt đầu phục vụ",
        "finish" => "kết thúc",
        "no-show" => "đánh dấu vắng mặt",
        "reactivate" => "đưa lại hàng chờ",
        "transfer" => "chuyển",
        "cancel" => "hủy",
        _ => "thực hiện thao tác",
    }
}

impl QueueError {
    /// A stable machine-readable code for the API.
    pub fn code(&self) -> &'static str {
        match self {
            QueueError::IllegalTransition { .. } => "illegal_transition",
            QueueError::AreaClosed => "area_closed",
            QueueError::OutsideWindow => "outside_issuing_hours",
            QueueError::DailyCapReached(_) => "daily_cap_reached",
            QueueError::SeriesExhausted => "series_exhausted",
            QueueError::CounterNotOpen => "counter_not_open",
            QueueError::CounterTaken(_) => "counter_taken",
            QueueError::ReasonRequired => "reason_required",
            QueueError::NotServedHere => "not_served_here",
            QueueError::TooManyCalls(_) => "too_many_calls",
            QueueError::CallAgainFirst(_) => "call_again_first",
            QueueError::TooManyRequeues(_) => "too_many_requeues",
            QueueError::ExpiredTicket => "expired_ticket",
            QueueError::NothingToTransfer => "nothing_to_transfer",
            QueueError::CounterBusy(_) => "counter_busy",
            QueueError::CallSpecificDisabled => "call_specific_disabled",
            QueueError::UnknownPriority => "unknown_priority",
            QueueError::InvalidSetting(_) => "invalid_setting",
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn no_open_counter_promises_no_wait() {
        assert_eq!(estimate_wait_secs(3, 0, 240), None);
        assert_eq!(estimate_wait_secs(3, 1, 240), Some(720));
        assert_eq!(estimate_wait_secs(3, 2, 240), Some(360));
        assert_eq!(estimate_wait_secs(0, 2, 240), Some(0));
    }

    #[test]
    fn availability_says_who_serves_and_when_to_come_back() {
        use chrono::TimeZone;
        let hm = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        // 10:00 and 12:00 local (UTC+7) on a day.
        let at = |h: u32| Utc.with_ymd_and_hms(2026, 3, 5, h - 7, 0, 0).unwrap();
        let mut a = area(
            vec![
                Window {
                    start: hm(7, 30),
                    end: hm(11, 30),
                },
                Window {
                    start: hm(13, 30),
                    end: hm(16, 30),
                },
            ],
            None,
        );
        let mut c1 = Counter::new(1, 1, "Quầy 1", vec![a.id]);
        let c2 = Counter::new(2, 2, "Quầy 2", vec![a.id + 1]);
        assert_eq!(
            Availability::of(&a, &[c1.clone(), c2.clone()], at(10)),
            Availability::Unstaffed
        );
        c1.open("canbo1").unwrap();
        let both = [c1.clone(), c2.clone()];
        assert_eq!(
            Availability::of(&a, &both, at(10)),
            Availability::Serving { open: 1 }
        );
        assert!(Availability::of(&a, &both, at(10)).can_issue());
        let noon = Availability::of(&a, &both, at(12));
        assert!(!noon.can_issue());
        assert_eq!(noon.label_vi(), "Ngoài giờ cấp số — mời quay lại lúc 13:30");
        let evening = Availability::of(&a, &both, at(17));
        assert_eq!(
            evening.label_vi(),
            "Hết giờ cấp số hôm nay — mời quay lại từ 07:30 ngày làm việc tiếp theo"
        );
        c1.pause("họp").unwrap();
        assert_eq!(
            Availability::of(&a, &[c1.clone()], at(10)),
            Availability::Paused
        );
        a.active = false;
        assert_eq!(Availability::of(&a, &[c1], at(10)), Availability::Stopped);
        assert_eq!(next_window_change(&[a.clone()], at(10)), Some(hm(11, 30)));
        assert_eq!(next_window_change(&[a], at(17)), None);
    }
    use super::*;
    use chrono::{Duration, TimeZone};

    fn t0() -> DateTime<Utc> {
        // 08:00 local on 5 March 2026.
        Utc.with_ymd_and_hms(2026, 3, 5, 1, 0, 0).unwrap()
    }

    fn ticket(id: u64, service: ServiceId, priority: bool, minutes: i64) -> Ticket {
        let at = t0() + Duration::minutes(minutes);
        Ticket {
            id,
            number: format!("A{id:03}"),
            service,
            day: local_day(at),
            priority: priority.then(|| "cao_tuoi".to_string()),
            state: TicketState::Waiting,
            issued_at: at,
            queue_at: at,
            waiting_since: at,
            counter: None,
            target_counter: None,
            calls: vec![],
            first_called_at: None,
            started_at: None,
            finished_at: None,
            officer: None,
            transfers: 0,
            requeues: 0,
            waiting_ahead_at_issue: 0,
            status_token: String::new(),
            dossier: None,
            received: vec![],
            purpose: None,
        }
    }

    fn area(windows: Vec<Window>, cap: Option<u32>) -> ServiceArea {
        ServiceArea {
            id: 1,
            name: "Tư pháp".into(),
            series: Series::letter("A"),
            daily_cap: cap,
            windows,
            active: true,
        }
    }

    fn open_counter(id: CounterId, services: Vec<ServiceId>) -> Counter {
        let mut c = Counter::new(id, id, &format!("Quầy {id}"), services);
        c.open("canbo1").unwrap();
        c
    }

    #[test]
    fn letter_series_formats_with_prefix_and_three_digits() {
        let s = Series::letter("A");
        assert_eq!(s.nth(0).as_deref(), Some("A001"));
        assert_eq!(s.nth(14).as_deref(), Some("A015"));
        assert_eq!(s.nth(998).as_deref(), Some("A999"));
        assert_eq!(s.nth(999), None);
        assert_eq!(s.capacity(), 999);
    }

    #[test]
    fn numeric_block_series() {
        let s = Series::block(1001, 1999);
        assert_eq!(s.nth(0).as_deref(), Some("1001"));
        assert_eq!(s.nth(998).as_deref(), Some("1999"));
        assert_eq!(s.nth(999), None);
        assert!(Series {
            prefix: "A1".into(),
            ..Series::letter("A")
        }
        .validate()
        .is_err());
        assert!(Series::block(5, 4).validate().is_err());
        assert!(Series::letter("B").validate().is_ok());
    }

    #[test]
    fn issuing_respects_windows_cap_and_capacity() {
        let morning = Window {
            start: NaiveTime::from_hms_opt(7, 15, 0).unwrap(),
            end: NaiveTime::from_hms_opt(11, 15, 0).unwrap(),
        };
        let a = area(vec![morning], Some(200));
        assert_eq!(a.check_issue(t0(), 0), Ok(())); // 08:00 local
        assert_eq!(
            a.check_issue(t0() + Duration::hours(4), 0),
            Err(QueueError::OutsideWindow)
        ); // 12:00
        assert_eq!(
            a.check_issue(t0(), 200),
            Err(QueueError::DailyCapReached(200))
        );
        let b = area(vec![], None);
        assert_eq!(b.check_issue(t0(), 999), Err(QueueError::SeriesExhausted));
        let closed = ServiceArea { active: false, ..b };
        assert_eq!(closed.check_issue(t0(), 0), Err(QueueError::AreaClosed));
    }

    #[test]
    fn lifecycle_issue_call_start_finish() {
        let c = open_counter(2, vec![1]);
        let mut t = ticket(1, 1, false, 0);
        t.call(&c, "canbo1", t0() + Duration::minutes(5)).unwrap();
        assert_eq!(t.state, TicketState::Called);
        assert_eq!(t.counter, Some(2));
        t.start(t0() + Duration::minutes(6)).unwrap();
        t.finish(t0() + Duration::minutes(12)).unwrap();
        assert_eq!(t.state, TicketState::Done);
        assert_eq!(t.started_at, Some(t0() + Duration::minutes(6)));
        // Done is terminal.
        assert!(matches!(
            t.start(t0()),
            Err(QueueError::IllegalTransition { .. })
        ));
        assert!(matches!(
            t.call(&c, "x", t0()),
            Err(QueueError::IllegalTransition { .. })
        ));
    }

    #[test]
    fn recall_keeps_first_call_time_and_is_bounded() {
        let s = QueueSettings::default();
        let c = open_counter(1, vec![1]);
        let mut t = ticket(1, 1, false, 0);
        let first = t0() + Duration::minutes(1);
        t.call(&c, "canbo1", first).unwrap();
        t.recall(&s, first + Duration::minutes(1)).unwrap();
        t.recall(&s, first + Duration::minutes(2)).unwrap();
        assert_eq!(t.first_called_at, Some(first));
        assert_eq!(t.calls.len(), 3);
        assert_eq!(
            t.recall(&s, first + Duration::minutes(3)),
            Err(QueueError::TooManyCalls(3))
        );
        let mut w = ticket(2, 1, false, 0);
        assert!(matches!(
            w.recall(&s, t0()),
            Err(QueueError::IllegalTransition { .. })
        ));
    }

    #[test]
    fn no_show_needs_enough_calls_and_only_from_called() {
        let s = QueueSettings::default();
        let c = open_counter(1, vec![1]);
        let mut t = ticket(1, 1, false, 0);
        assert!(matches!(
            t.no_show(&s, t0()),
            Err(QueueError::IllegalTransition { .. })
        ));
        t.call(&c, "canbo1", t0()).unwrap();
        assert_eq!(t.no_show(&s, t0()), Err(QueueError::CallAgainFirst(2)));
        t.recall(&s, t0()).unwrap();
        t.no_show(&s, t0()).unwrap();
        assert_eq!(t.state, TicketState::NoShow);
    }

    #[test]
    fn reactivate_goes_to_the_back_and_is_capped() {
        let s = QueueSettings {
            calls_before_no_show: 1,
            ..QueueSettings::default()
        };
        let c = open_counter(1, vec![1]);
        let mut t = ticket(1, 1, false, 0);
        for round in 0..2 {
            t.call(&c, "canbo1", t0()).unwrap();
            t.no_show(&s, t0()).unwrap();
            let later = t0() + Duration::minutes(30 + round);
            t.reactivate(&s, later).unwrap();
            assert_eq!(t.state, TicketState::Waiting);
            assert_eq!(t.queue_at, later);
            assert_eq!(t.issued_at, t0());
        }
        t.cancel(t0()).unwrap();
        assert_eq!(t.reactivate(&s, t0()), Err(QueueError::TooManyRequeues(2)));
        // A ticket of yesterday cannot come back.
        let mut old = ticket(9, 1, false, 0);
        old.cancel(t0()).unwrap();
        assert_eq!(
            old.reactivate(&s, t0() + Duration::days(1)),
            Err(QueueError::ExpiredTicket)
        );
    }

    #[test]
    fn transfer_keeps_place_unless_sent_to_back() {
        let c = open_counter(1, vec![1]);
        let mut t = ticket(1, 1, false, 0);
        t.call(&c, "canbo1", t0()).unwrap();
        t.start(t0()).unwrap();
        let later = t0() + Duration::minutes(20);
        t.transfer(2, None, false, later).unwrap();
        assert_eq!(
            (t.state, t.service, t.queue_at, t.waiting_since),
            (TicketState::Waiting, 2, t0(), later)
        );
        assert_eq!(t.started_at, None);
        let mut u = ticket(2, 1, false, 0);
        u.transfer(3, None, true, later).unwrap();
        assert_eq!(u.queue_at, later);
        let mut v = ticket(3, 1, false, 0);
        assert_eq!(
            v.transfer(1, None, false, later),
            Err(QueueError::NothingToTransfer)
        );
        let mut done = ticket(4, 1, false, 0);
        done.cancel(t0()).unwrap();
        assert!(matches!(
            done.transfer(2, None, false, later),
            Err(QueueError::IllegalTransition { .. })
        ));
    }

    #[test]
    fn transfer_to_a_counter_is_only_callable_there_and_goes_first() {
        let c1 = open_counter(1, vec![1]);
        let c2 = open_counter(2, vec![1]);
        let early = ticket(1, 1, false, 0);
        let mut sent = ticket(2, 1, false, 10);
        sent.transfer(1, Some(2), false, t0() + Duration::minutes(15))
            .unwrap();
        let tickets = vec![early, sent];
        assert_eq!(
            pick_next(&c1, &tickets, PriorityPolicy::Strict).map(|t| t.id),
            Some(1)
        );
        assert_eq!(
            pick_next(&c2, &tickets, PriorityPolicy::Strict).map(|t| t.id),
            Some(2)
        );
    }

    #[test]
    fn cancel_only_before_service() {
        let c = open_counter(1, vec![1]);
        let mut t = ticket(1, 1, false, 0);
        t.call(&c, "canbo1", t0()).unwrap();
        t.start(t0()).unwrap();
        assert!(matches!(
            t.cancel(t0()),
            Err(QueueError::IllegalTransition { .. })
        ));
        let mut w = ticket(2, 1, false, 0);
        w.cancel(t0()).unwrap();
        assert_eq!(w.state, TicketState::Cancelled);
    }

    #[test]
    fn pick_next_takes_oldest_of_served_areas() {
        let c = open_counter(1, vec![1, 2]);
        let tickets = vec![
            ticket(1, 3, false, 0),
            ticket(2, 2, false, 5),
            ticket(3, 1, false, 3),
        ];
        assert_eq!(
            pick_next(&c, &tickets, PriorityPolicy::Strict).map(|t| t.id),
            Some(3)
        );
        let other = open_counter(2, vec![4]);
        assert!(pick_next(&other, &tickets, PriorityPolicy::Strict).is_none());
    }

    #[test]
    fn strict_priority_goes_first() {
        let c = open_counter(1, vec![1]);
        let tickets = vec![
            ticket(1, 1, false, 0),
            ticket(2, 1, false, 1),
            ticket(3, 1, true, 2),
        ];
        assert_eq!(
            pick_next(&c, &tickets, PriorityPolicy::Strict).map(|t| t.id),
            Some(3)
        );
    }

    #[test]
    fn interleave_serves_one_priority_per_n_normal() {
        let policy = PriorityPolicy::Interleave { every: 2 };
        let mut c = open_counter(1, vec![1]);
        let mut tickets = vec![
            ticket(1, 1, false, 0),
            ticket(2, 1, false, 1),
            ticket(3, 1, false, 2),
            ticket(4, 1, true, 3),
            ticket(5, 1, true, 4),
            ticket(6, 1, false, 5),
        ];
        let mut order = vec![];
        while let Some(id) = pick_next(&c, &tickets, policy).map(|t| t.id) {
            let t = tickets.iter_mut().find(|t| t.id == id).unwrap();
            t.call(&c, "canbo1", t0()).unwrap();
            let snapshot = t.clone();
            note_called(&mut c, &snapshot);
            order.push(id);
        }
        // A priority ticket is due at the start; then two normals between priorities.
        assert_eq!(order, vec![4, 1, 2, 5, 3, 6]);
    }

    #[test]
    fn interleave_with_only_priority_waiting_still_serves_them() {
        let policy = PriorityPolicy::Interleave { every: 3 };
        let mut c = open_counter(1, vec![1]);
        c.normals_since_priority = Some(0);
        let tickets = vec![ticket(1, 1, true, 0)];
        assert_eq!(pick_next(&c, &tickets, policy).map(|t| t.id), Some(1));
    }

    #[test]
    fn waiting_ahead_and_estimate() {
        let tickets = vec![
            ticket(1, 1, false, 0),
            ticket(2, 1, true, 1),
            ticket(3, 2, false, 2),
        ];
        let c = WaitingCounts::of(&tickets, 1);
        assert_eq!(
            c,
            WaitingCounts {
                total: 2,
                priority: 1
            }
        );
        assert_eq!(c.ahead_of_new(false, PriorityPolicy::Strict), 2);
        assert_eq!(c.ahead_of_new(true, PriorityPolicy::Strict), 1);
        assert_eq!(
            c.ahead_of_new(true, PriorityPolicy::Interleave { every: 3 }),
            2
        );
        assert_eq!(estimate_wait_secs(4, 2, 300), Some(600));
        assert_eq!(
            estimate_wait_secs(4, 0, 300),
            None,
            "no open counter: no promise"
        );
        assert_eq!(mean_service_secs(&[], 300), 300);
        assert_eq!(mean_service_secs(&[100, 200], 300), 150);
    }

    #[test]
    fn counter_open_pause_close() {
        let mut c = Counter::new(1, 1, "Quầy 1", vec![1]);
        assert_eq!(c.pause("nghỉ"), Err(QueueError::CounterNotOpen));
        c.open("canbo1").unwrap();
        assert_eq!(
            c.open("canbo2"),
            Err(QueueError::CounterTaken("canbo1".into()))
        );
        assert_eq!(c.pause("  "), Err(QueueError::ReasonRequired));
        c.pause("Họp giao ban").unwrap();
        assert!(!c.is_open());
        assert_eq!(c.officer(), Some("canbo1"));
        c.open("canbo1").unwrap();
        assert!(c.is_open());
        c.close();
        assert_eq!(c.officer(), None);
    }

    #[test]
    fn errors_have_vietnamese_messages_and_stable_codes() {
        let e = QueueError::IllegalTransition {
            action: "start",
            state: TicketState::Done,
        };
        assert_eq!(e.code(), "illegal_transition");
        assert_eq!(
            e.to_string(),
            "Không thể bắt đầu phục vụ khi phiếu đang ở trạng thái \"Đã xong\""
        );
    }
}
