//! Calendar data: working hours, weekend and dated entries, the computed defaults.

use super::*;
use chrono::{Datelike, NaiveDate, NaiveTime, TimeDelta, Weekday};
use serde::{Deserialize, Serialize};

pub(super) fn hm(h: u32, m: u32) -> NaiveTime {
    // Callers pass literal hours < 24 and minutes < 60; `MIN` is only a type-level fallback.
    NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN)
}

/// Office hours that count for deadlines (not reception hours, which are configured
/// elsewhere: §4 "Reception hours ≠ deadline calendar").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkingHours {
    /// Morning period `[start, end)`, default 07:30–11:30.
    pub morning: (NaiveTime, NaiveTime),
    /// Afternoon period `[start, end)`, default 13:30–17:00; its end is the closing time.
    pub afternoon: (NaiveTime, NaiveTime),
}

impl Default for WorkingHours {
    fn default() -> Self {
        Self {
            morning: (hm(7, 30), hm(11, 30)),
            afternoon: (hm(13, 30), hm(17, 0)),
        }
    }
}

impl WorkingHours {
    pub(super) fn periods(&self) -> [(NaiveTime, NaiveTime); 2] {
        [self.morning, self.afternoon]
    }

    /// Opening time (start of the morning period).
    pub fn opening(&self) -> NaiveTime {
        self.morning.0
    }

    /// Closing time (end of the afternoon period): "due 17:00" means this.
    pub fn closing(&self) -> NaiveTime {
        self.afternoon.1
    }

    /// Working time in one working day (7 h 30 with the defaults, 8 h with a 07:00 start).
    /// This is the length of one `WorkingDays` unit.
    pub fn day_length(&self) -> TimeDelta {
        self.periods()
            .iter()
            .map(|(a, b)| (*b - *a).max(TimeDelta::zero()))
            .sum()
    }
}

/// What a dated calendar entry does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EntryKind {
    /// A statutory public holiday (Labor Code 2019, Art. 112).
    Holiday,
    /// `nghỉ bù`: a working day off because a holiday fell on the weekend.
    Compensatory,
    /// A bridging day off granted by the Prime Minister's notice (repaid on a Saturday).
    ExtraDayOff,
    /// `làm bù`: a weekend day that is worked to repay a bridging day.
    WorkingSaturday,
}

impl EntryKind {
    /// Whether the entry makes its date a day off.
    pub fn is_day_off(self) -> bool {
        !matches!(self, EntryKind::WorkingSaturday)
    }
}

/// One dated exception to the weekly pattern.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarEntry {
    pub date: NaiveDate,
    pub kind: EntryKind,
    /// Shown to officers, e.g. `Tết Nguyên đán`, `Nghỉ bù Giỗ Tổ Hùng Vương`.
    pub name: String,
    /// Computed default awaiting the official notice (Tết days, the Quốc khánh adjacent
    /// day, compensatory days): the admin screen lists these for confirmation.
    pub pending_notice: bool,
}

impl CalendarEntry {
    pub fn new(date: NaiveDate, kind: EntryKind, name: &str, pending_notice: bool) -> Self {
        Self {
            date,
            kind,
            name: name.to_owned(),
            pending_notice,
        }
    }
}

/// A problem found by [`WorkingCalendar::validate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalendarError {
    /// Periods must satisfy morning.start < morning.end ≤ afternoon.start < afternoon.end.
    BadHours,
    /// All seven weekdays are weekend: no day would ever be a working day.
    NoWorkingWeekday,
    /// Two entries on one date disagree (one a day off, the other a working Saturday).
    ConflictingEntries(NaiveDate),
}

impl std::fmt::Display for CalendarError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CalendarError::BadHours => write!(f, "working periods are not ordered"),
            CalendarError::NoWorkingWeekday => write!(f, "every weekday is a weekend day"),
            CalendarError::ConflictingEntries(d) => {
                write!(f, "conflicting calendar entries on {d}")
            }
        }
    }
}

impl std::error::Error for CalendarError {}

/// The deadline calendar: admin-editable data, exported/imported as JSON, versioned so that
/// each dossier can record which calendar computed its promised date (§4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkingCalendar {
    /// Free-form version label, e.g. `2026.2` or a bundle hash.
    pub version: String,
    pub hours: WorkingHours,
    /// Weekly days off (Saturday and Sunday for civil servants).
    pub weekend: Vec<Weekday>,
    /// Dated exceptions, any order.
    pub entries: Vec<CalendarEntry>,
}

impl Default for WorkingCalendar {
    /// Default hours and weekend, no dated entries (see [`WorkingCalendar::with_defaults`]).
    fn default() -> Self {
        Self {
            version: "default".to_owned(),
            hours: WorkingHours::default(),
            weekend: vec![Weekday::Sat, Weekday::Sun],
            entries: Vec::new(),
        }
    }
}

pub(super) fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

pub(super) fn is_sat_sun(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Computed default holidays of Gregorian `year` (Labor Code 2019, Art. 112), for the
/// standard Saturday–Sunday weekend:
///
/// - `Tết Dương lịch` 1/1;
/// - `Tết Nguyên đán`: 5 days, lunar new year −1 … +3 (the usual pattern; the Prime
///   Minister picks the actual days, so `pending_notice`);
/// - `Giỗ Tổ Hùng Vương` lunar 10/3; 30/4; 1/5;
/// - `Quốc khánh` 2/9 plus one adjacent day: the law allows the day before or after; the
///   default is the day after (3/9), `pending_notice`;
/// - `nghỉ bù`: each holiday on a Saturday or Sunday gives the next working day that is not
///   already a holiday or compensatory day (in date order), `pending_notice` because notices
///   sometimes rearrange them.
///
/// Bridging days and working Saturdays are never guessed: they only come from a notice.
/// Years outside [`LUNAR_YEARS`] get the solar holidays only.
pub fn default_entries(year: i32) -> Vec<CalendarEntry> {
    let mut holidays: Vec<CalendarEntry> = Vec::new();
    let mut push = |d: Option<NaiveDate>, name: &str, pending: bool| {
        if let Some(d) = d {
            holidays.push(CalendarEntry::new(d, EntryKind::Holiday, name, pending));
        }
    };
    push(ymd(year, 1, 1), "Tết Dương lịch", false);
    for d in default_tet_days(year) {
        push(Some(d), "Tết Nguyên đán", true);
    }
    push(gio_to(year), "Giỗ Tổ Hùng Vương", false);
    push(ymd(year, 4, 30), "Ngày Chiến thắng (30/4)", false);
    push(ymd(year, 5, 1), "Ngày Quốc tế Lao động (1/5)", false);
    push(ymd(year, 9, 2), "Quốc khánh", false);
    push(ymd(year, 9, 3), "Quốc khánh (ngày liền kề)", true);
    holidays.sort_by_key(|e| e.date);

    let mut out = holidays.clone();
    let taken = |d: NaiveDate, out: &[CalendarEntry]| out.iter().any(|e| e.date == d);
    for h in holidays.iter().filter(|h| is_sat_sun(h.date)) {
        let mut d = h.date;
        // Terminates: at most 13 taken dates lie ahead, so a free weekday is within 3 weeks.
        while let Some(next) = d.succ_opt() {
            d = next;
            if !is_sat_sun(d) && !taken(d, &out) {
                let name = format!("Nghỉ bù {}", h.name);
                out.push(CalendarEntry::new(d, EntryKind::Compensatory, &name, true));
                break;
            }
        }
    }
    out.sort_by_key(|e| e.date);
    out
}

/// The five default Tết days: lunar new year's eve (the day before lunar 1/1, i.e. 29 or 30
/// of the last month) through lunar 1/4.
pub(super) fn default_tet_days(year: i32) -> Vec<NaiveDate> {
    let Some(new_year) = tet(year) else {
        return Vec::new();
    };
    (-1..=3)
        .filter_map(|o| new_year.checked_add_signed(TimeDelta::days(o)))
        .collect()
}
