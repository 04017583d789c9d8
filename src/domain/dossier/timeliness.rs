//! Whether a dossier or a step met its promise (DOMAIN.md §5): the one on-time rule.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::time::local_day;

// On-time classification (§5).

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
