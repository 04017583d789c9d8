//! The working calendar and deadline arithmetic (DOMAIN.md §4, §5).
//!
//! Three layers, all pure (no I/O, no wall clock — every instant is a parameter):
//!
//! 1. **The Vietnamese lunar calendar** ([`solar_to_lunar`], [`lunar_to_solar`], [`tet`],
//!    [`gio_to`]). Two of the eleven statutory holidays are lunar (Tết Nguyên đán around
//!    lunar 1/1, Giỗ Tổ Hùng Vương on lunar 10/3), so default holidays need it. It is
//!    computed astronomically at **UTC+7**: the Chinese calendar uses UTC+8 and differs
//!    whenever a new moon or a solar term falls between 16:00 and 17:00 UT, e.g. Tết 1985 (VN 21/1, CN
//!    20/2), 2007 (VN 17/2, CN 18/2) and 2030 (VN 2/2, CN 3/2) — so a Chinese-calendar
//!    crate would be wrong for Vietnam.
//! 2. **Calendar data** ([`WorkingCalendar`]): hours, weekend and dated entries (holidays,
//!    compensatory days, extra days off, swapped working Saturdays). The calendar is data:
//!    the Prime Minister picks the Tết days and bridging days every year, so the computed
//!    defaults are marked `pending_notice` and an admin replaces them by the published
//!    notice (JSON import/export through serde).
//! 3. **Deadline arithmetic** ([`WorkingCalendar::due`] and friends) and **on-time
//!    classification** ([`classify_resolved`], [`classify_pending`]).
//!
//! Local time only: callers convert UTC ↔ UTC+7 (see `domain::time`) at the edges.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Weekday};
use serde::{Deserialize, Serialize};
use std::ops::RangeInclusive;

// ───────────────────────────── Lunar calendar ─────────────────────────────

/// Gregorian years for which the lunar conversion is supported.
///
/// The astronomy below (truncated Meeus series, a ΔT polynomial) is good to a few minutes
/// over this span; the tests cross-check every Tết and Giỗ Tổ of 2000–2100 against an
/// independent full ephemeris. Outside it the functions return `None` rather than a
/// silently doubtful date.
///
/// Limits worth knowing: a new moon within a minute or so of local midnight cannot be
/// placed with certainty decades ahead (ΔT, the Earth's clock drift, is only predicted),
/// and published tables using simpler series disagree on such months (9/12/2072 and
/// 15/11/2077 in 2000–2100, none of them a holiday). Holidays are data anyway: the
/// computed ones are defaults that an admin confirms against the notice.
pub const LUNAR_YEARS: RangeInclusive<i32> = 1900..=2199;

/// Vietnam's offset from UT in days (UTC+7, no daylight saving since 1975).
const VN_OFFSET_DAYS: f64 = 7.0 / 24.0;

/// A date of the Vietnamese lunar calendar (`âm lịch`).
///
/// `year` is the lunar year by its Gregorian number: lunar 1/1/2026 is Tết Bính Ngọ,
/// lunar 30/12/2025 (still Ất Tỵ) is 16/2/2026. `leap` marks the intercalary month
/// (`tháng nhuận`), which repeats the number of the month before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LunarDate {
    pub year: i32,
    pub month: u32,
    pub day: u32,
    pub leap: bool,
}

/// Julian Day Number (the integer day count astronomers use) of a Gregorian date.
fn jdn(d: NaiveDate) -> i64 {
    // 0001-01-01 (proleptic Gregorian, num_days_from_ce = 1) is JDN 1 721 426.
    i64::from(d.num_days_from_ce()) + 1_721_425
}

fn date_from_jdn(j: i64) -> Option<NaiveDate> {
    let ce = i32::try_from(j - 1_721_425).ok()?;
    NaiveDate::from_num_days_from_ce_opt(ce)
}

/// ΔT = TT − UT in seconds (Espenak & Meeus polynomial fits). New-moon and Sun formulas
/// run on Terrestrial Time; civil dates are UT-based, and ~70 s can matter when a new moon
/// falls right at local midnight.
fn delta_t_seconds(year: f64) -> f64 {
    if year < 1920.0 {
        let t = year - 1900.0;
        -2.79 + 1.494119 * t - 0.0598939 * t * t + 0.0061966 * t.powi(3) - 0.000197 * t.powi(4)
    } else if year < 1941.0 {
        let t = year - 1920.0;
        21.20 + 0.84493 * t - 0.076100 * t * t + 0.0020936 * t.powi(3)
    } else if year < 1961.0 {
        let t = year - 1950.0;
        29.07 + 0.407 * t - t * t / 233.0 + t.powi(3) / 2547.0
    } else if year < 1986.0 {
        let t = year - 1975.0;
        45.45 + 1.067 * t - t * t / 260.0 - t.powi(3) / 718.0
    } else if year < 2005.0 {
        let t = year - 2000.0;
        63.86 + 0.3345 * t - 0.060374 * t * t
            + 0.0017275 * t.powi(3)
            + 0.000651814 * t.powi(4)
            + 0.00002373599 * t.powi(5)
    } else if year < 2050.0 {
        let t = year - 2000.0;
        62.92 + 0.32217 * t + 0.005589 * t * t
    } else if year < 2150.0 {
        let u = (year - 1820.0) / 100.0;
        -20.0 + 32.0 * u * u - 0.5628 * (2150.0 - year)
    } else {
        let u = (year - 1820.0) / 100.0;
        -20.0 + 32.0 * u * u
    }
}

fn tt_to_ut(jde: f64) -> f64 {
    let year = 2000.0 + (jde - 2_451_545.0) / 365.25;
    jde - delta_t_seconds(year) / 86_400.0
}

/// Local (UTC+7) Julian Day Number of the calendar day containing the instant `jd_ut`.
fn local_day_of(jd_ut: f64) -> i64 {
    // A Julian date starts at noon, hence +0.5 to land on civil midnight.
    (jd_ut + 0.5 + VN_OFFSET_DAYS).floor() as i64
}

/// Instant (Julian date, UT) of the true new moon number `k` (k = 0 is 6 Jan 2000), from
/// the mean lunation plus the periodic terms of Meeus, *Astronomical Algorithms* ch. 49;
/// the result is in TT.
fn new_moon_jde(k: f64) -> f64 {
    let t = k / 1236.85;
    let (t2, t3, t4) = (t * t, t * t * t, t * t * t * t);
    let mean = 2_451_550.097_66 + 29.530588861 * k + 0.00015437 * t2 - 0.000000150 * t3
        + 0.00000000073 * t4;
    let e = 1.0 - 0.002516 * t - 0.0000074 * t2;
    let rad = |deg: f64| deg.to_radians();
    let m = rad(2.5534 + 29.10535670 * k - 0.0000014 * t2 - 0.00000011 * t3);
    let mp = rad(201.5643 + 385.81693528 * k + 0.0107582 * t2 + 0.00001238 * t3 - 0.000000058 * t4);
    let f = rad(160.7108 + 390.67050284 * k - 0.0016118 * t2 - 0.00000227 * t3 + 0.000000011 * t4);
    let om = rad(124.7746 - 1.56375588 * k + 0.0020672 * t2 + 0.00000215 * t3);
    let s = f64::sin;
    let periodic = -0.40720 * s(mp)
        + 0.17241 * e * s(m)
        + 0.01608 * s(2.0 * mp)
        + 0.01039 * s(2.0 * f)
        + 0.00739 * e * s(mp - m)
        - 0.00514 * e * s(mp + m)
        + 0.00208 * e * e * s(2.0 * m)
        - 0.00111 * s(mp - 2.0 * f)
        - 0.00057 * s(mp + 2.0 * f)
        + 0.00056 * e * s(2.0 * mp + m)
        - 0.00042 * s(3.0 * mp)
        + 0.00042 * e * s(m + 2.0 * f)
        + 0.00038 * e * s(m - 2.0 * f)
        - 0.00024 * e * s(2.0 * mp - m)
        - 0.00017 * s(om)
        - 0.00007 * s(mp + 2.0 * m)
        + 0.00004 * s(2.0 * mp - 2.0 * f)
        + 0.00004 * s(3.0 * m)
        + 0.00003 * s(mp + m - 2.0 * f)
        + 0.00003 * s(2.0 * mp + 2.0 * f)
        - 0.00003 * s(mp + m + 2.0 * f)
        + 0.00003 * s(mp - m + 2.0 * f)
        - 0.00002 * s(mp - m - 2.0 * f)
        - 0.00002 * s(3.0 * mp + m)
        + 0.00002 * s(4.0 * mp);
    // Planetary arguments A1..A14 with their amplitudes (days).
    let planetary: [(f64, f64, f64); 14] = [
        (299.77, 0.107408, 0.000325),
        (251.88, 0.016321, 0.000165),
        (251.83, 26.651886, 0.000164),
        (349.42, 36.412478, 0.000126),
        (84.66, 18.206239, 0.000110),
        (141.74, 53.303771, 0.000062),
        (207.14, 2.453732, 0.000060),
        (154.84, 7.306860, 0.000056),
        (34.52, 27.261239, 0.000047),
        (207.19, 0.121824, 0.000042),
        (291.34, 1.844379, 0.000040),
        (161.72, 24.198154, 0.000037),
        (239.56, 25.513099, 0.000035),
        (331.55, 3.592518, 0.000023),
    ];
    let mut extra = 0.0;
    for (i, (a0, a1, amp)) in planetary.iter().enumerate() {
        let mut arg = a0 + a1 * k;
        if i == 0 {
            arg -= 0.009173 * t2;
        }
        extra += amp * s(rad(arg));
    }
    mean + periodic + extra
}

/// Local day (JDN at UTC+7) of new moon number `k`: the first day of a lunar month.
fn new_moon_day(k: i64) -> i64 {
    local_day_of(tt_to_ut(new_moon_jde(k as f64)))
}

/// Number of the last new moon whose local day is on or before local day `day`.
fn new_moon_on_or_before(day: i64) -> i64 {
    let mut k = ((day as f64 - 2_451_550.1) / 29.530588853).floor() as i64;
    // The estimate is within one lunation; walk to the exact one.
    while new_moon_day(k + 1) <= day {
        k += 1;
    }
    while new_moon_day(k) > day {
        k -= 1;
    }
    k
}

/// Apparent geocentric ecliptic longitude of the Sun in degrees [0, 360) at `jde`
/// (Meeus ch. 25, ~0.01°, i.e. a quarter hour of solar motion).
fn sun_longitude(jde: f64) -> f64 {
    let t = (jde - 2_451_545.0) / 36_525.0;
    let l0 = 280.46646 + 36_000.769_83 * t + 0.0003032 * t * t;
    let m = (357.52911 + 35_999.050_29 * t - 0.0001537 * t * t).to_radians();
    let c = (1.914602 - 0.004817 * t - 0.000014 * t * t) * m.sin()
        + (0.019993 - 0.000101 * t) * (2.0 * m).sin()
        + 0.000289 * (3.0 * m).sin();
    let omega = (125.04 - 1934.136 * t).to_radians();
    let apparent = l0 + c - 0.00569 - 0.00478 * omega.sin();
    apparent.rem_euclid(360.0)
}

/// Which 30° sector (major solar term, `trung khí`) the Sun is in at local midnight
/// starting local day `day`. A lunar month "contains a major term" iff the sector at the
/// start of the month differs from the sector at the start of the next month.
fn sun_sector_at_day_start(day: i64) -> i64 {
    // Local midnight of `day` in UT: JDN − 0.5 is UT midnight; subtract the offset.
    // ΔT is ~1 min; ignoring it here moves a term by a minute at most, far below
    // the ~15 min accuracy of the series, so it is not worth a conversion.
    let jd = day as f64 - 0.5 - VN_OFFSET_DAYS;
    (sun_longitude(jd) / 30.0).floor() as i64
}

/// Number of the new moon starting lunar month 11 of Gregorian year `year`: the month
/// containing the December solstice (the anchor of the lunisolar year).
fn month11_k(year: i32) -> Option<i64> {
    let dec31 = NaiveDate::from_ymd_opt(year, 12, 31)?;
    let day = jdn(dec31);
    // Solstice = Sun's longitude reaches 270°, i.e. sector 9 begins. Find the local day of
    // the solstice by scanning back from 31 Dec (it is on 21 or 22 Dec at UTC+7).
    let mut solstice = day;
    while sun_sector_at_day_start(solstice) >= 9 && solstice > day - 20 {
        solstice -= 1;
    }
    // `solstice` is now the last day that *started* before 270°, i.e. the day the
    // solstice instant falls in.
    Some(new_moon_on_or_before(solstice))
}

/// The lunar year that starts its month 11 in Gregorian December of `y0`: new-moon numbers
/// of its months and the index of the leap month if it has 13.
struct LunarYearFrame {
    /// Lunar year number of months 11 and 12 (the following months 1..10 are `y0 + 1`).
    y0: i32,
    /// New moon numbers from month 11 of `y0` up to, excluding, month 11 of `y0 + 1`.
    k_start: i64,
    months: i64,
    /// Index (from 0 = month 11) of the leap month, if the year has one.
    leap_index: Option<i64>,
}

impl LunarYearFrame {
    fn new(y0: i32) -> Option<Self> {
        let a = month11_k(y0)?;
        let b = month11_k(y0 + 1)?;
        let months = b - a;
        // 13 lunations between two month-11s: the first month without a major term is leap
        // (the "no zhongqi" rule used by the Vietnamese and Chinese calendars).
        let leap_index = if months == 13 {
            (1..13).find(|&i| {
                sun_sector_at_day_start(new_moon_day(a + i))
                    == sun_sector_at_day_start(new_moon_day(a + i + 1))
            })
        } else {
            None
        };
        Some(Self {
            y0,
            k_start: a,
            months,
            leap_index,
        })
    }

    /// Month number, lunar year and leap flag of the month at index `i`.
    fn label(&self, i: i64) -> (i32, u32, bool) {
        let (adj, leap) = match self.leap_index {
            Some(l) if i >= l => (i - 1, i == l),
            _ => (i, false),
        };
        let month = ((11 + adj - 1).rem_euclid(12) + 1) as u32;
        let year = if adj >= 2 { self.y0 + 1 } else { self.y0 };
        (year, month, leap)
    }
}

/// Gregorian → Vietnamese lunar date (UTC+7). `None` outside [`LUNAR_YEARS`].
pub fn solar_to_lunar(d: NaiveDate) -> Option<LunarDate> {
    if !LUNAR_YEARS.contains(&d.year()) {
        return None;
    }
    let day = jdn(d);
    let mut frame = LunarYearFrame::new(d.year())?;
    if new_moon_day(frame.k_start) > day {
        frame = LunarYearFrame::new(d.year() - 1)?;
    }
    let k = new_moon_on_or_before(day);
    let i = k - frame.k_start;
    if !(0..frame.months).contains(&i) {
        return None; // unreachable with consistent astronomy; refuse rather than guess
    }
    let (year, month, leap) = frame.label(i);
    let lunar_day = u32::try_from(day - new_moon_day(k) + 1).ok()?;
    Some(LunarDate {
        year,
        month,
        day: lunar_day,
        leap,
    })
}

/// Vietnamese lunar → Gregorian date (UTC+7). `None` for a date that does not exist (a
/// leap flag on a month that is not leap that year, day 30 of a 29-day month, …) or is
/// outside [`LUNAR_YEARS`].
pub fn lunar_to_solar(l: LunarDate) -> Option<NaiveDate> {
    if !(1..=12).contains(&l.month) || !(1..=30).contains(&l.day) || !LUNAR_YEARS.contains(&l.year)
    {
        return None;
    }
    // Months 11 and 12 belong to the frame anchored in December of the same year; months
    // 1..10 to the frame anchored in December of the year before.
    let y0 = if l.month >= 11 { l.year } else { l.year - 1 };
    let frame = LunarYearFrame::new(y0)?;
    let adj = i64::from((l.month + 12 - 11) % 12); // 11 → 0, 12 → 1, 1 → 2, … 10 → 11
    let i = match (frame.leap_index, l.leap) {
        (Some(li), true) if li - 1 == adj => li,
        (_, true) => return None,
        (Some(li), false) if adj >= li => adj + 1,
        _ => adj,
    };
    let start = new_moon_day(frame.k_start + i);
    let len = new_moon_day(frame.k_start + i + 1) - start;
    if i64::from(l.day) > len {
        return None;
    }
    let out = date_from_jdn(start + i64::from(l.day) - 1)?;
    LUNAR_YEARS.contains(&out.year()).then_some(out)
}

/// Tết Nguyên đán: lunar 1/1 of `year`.
pub fn tet(year: i32) -> Option<NaiveDate> {
    lunar_to_solar(LunarDate {
        year,
        month: 1,
        day: 1,
        leap: false,
    })
}

/// Giỗ Tổ Hùng Vương: lunar 10/3 of `year` (the regular month 3, never a leap 3rd month —
/// the anniversary is kept in the first one).
pub fn gio_to(year: i32) -> Option<NaiveDate> {
    lunar_to_solar(LunarDate {
        year,
        month: 3,
        day: 10,
        leap: false,
    })
}

// ───────────────────────────── Calendar data ─────────────────────────────

fn hm(h: u32, m: u32) -> NaiveTime {
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
    fn periods(&self) -> [(NaiveTime, NaiveTime); 2] {
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

fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn is_sat_sun(d: NaiveDate) -> bool {
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
fn default_tet_days(year: i32) -> Vec<NaiveDate> {
    let Some(new_year) = tet(year) else {
        return Vec::new();
    };
    (-1..=3)
        .filter_map(|o| new_year.checked_add_signed(TimeDelta::days(o)))
        .collect()
}

// ───────────────────────────── Deadline arithmetic ─────────────────────────────

/// A statutory processing time (`thời hạn giải quyết`), frozen into each dossier.
///
/// Serialized externally tagged: `{"WorkingDays":3}`, `{"SameDay15h":{"extra_working_days":2}}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Duration {
    /// `ngày làm việc`: n whole working days (see [`WorkingCalendar::due`]).
    WorkingDays(u32),
    /// `ngày`: n calendar days; ends at closing time and never on a day off.
    CalendarDays(u32),
    /// `giờ`: h hours of working time.
    WorkingHours(u32),
    /// The 15:00 rule of `hộ tịch` / `chứng thực`: same day if received by 15:00, else the
    /// next working day; `chứng thực` may add up to 2 working days for large jobs.
    SameDay15h { extra_working_days: u32 },
}

/// The 15:00 cut-off of the same-day rule. Fixed by the regulations (`sau 15 giờ`), so a
/// constant rather than a setting; 15:00:00 itself is still "by 15:00".
pub const SAME_DAY_CUTOFF: NaiveTime = match NaiveTime::from_hms_opt(15, 0, 0) {
    Some(t) => t,
    None => NaiveTime::MIN, // unreachable: 15:00:00 is a valid time
};

/// How far ahead to look for a working day before giving up (10 years). Only a calendar
/// that [`WorkingCalendar::validate`] rejects can exhaust it; the search then treats the
/// next date as working so that arithmetic always terminates.
const MAX_SCAN_DAYS: u32 = 3660;

impl WorkingCalendar {
    /// Default hours and weekend with the computed [`default_entries`] of `years`.
    pub fn with_defaults(version: &str, years: RangeInclusive<i32>) -> Self {
        Self {
            version: version.to_owned(),
            entries: years.flat_map(default_entries).collect(),
            ..Self::default()
        }
    }

    /// The calendar of 2026 with the published Tết notice applied (vnanet.vn, 17/10/2025:
    /// civil servants off Monday 16/2 – Friday 20/2/2026, i.e. 29 tháng Chạp Ất Tỵ – mùng 4
    /// Bính Ngọ; 14–22/2 with the two weekends; no working Saturday). Giỗ Tổ falls on Sunday
    /// 26/4 and is compensated on Monday 27/4 (thanhnien.vn, 23/2/2026). The Quốc khánh
    /// days of 2026 stay as computed defaults, still `pending_notice`.
    pub fn with_official_2026() -> Self {
        let mut cal = Self::with_defaults("2026-official-tet", 2026..=2026);
        cal.replace_tet(
            2026,
            (16..=20)
                .filter_map(|d| ymd(2026, 2, d))
                .map(|d| CalendarEntry::new(d, EntryKind::Holiday, "Tết Nguyên đán", false))
                .collect(),
        );
        for e in cal.entries.iter_mut() {
            if e.kind == EntryKind::Compensatory && e.name.contains("Giỗ Tổ") {
                e.pending_notice = false;
            }
        }
        cal
    }

    /// Replace the Tết entries of lunar year `year` (every entry within lunar new year
    /// −10 … +10 days whose name mentions Tết Nguyên đán, including its compensatory days)
    /// by the entries of the official notice, which should list holidays, bridging days
    /// and working Saturdays explicitly.
    pub fn replace_tet(&mut self, year: i32, notice: Vec<CalendarEntry>) {
        if let Some(ny) = tet(year) {
            let near = |d: NaiveDate| (d - ny).num_days().abs() <= 10;
            self.entries
                .retain(|e| !(near(e.date) && e.name.contains("Tết Nguyên đán")));
        }
        self.entries.extend(notice);
        self.entries.sort_by_key(|e| e.date);
    }

    /// Checks the invariants the arithmetic relies on; run it when importing a calendar.
    pub fn validate(&self) -> Result<(), CalendarError> {
        let h = &self.hours;
        if !(h.morning.0 < h.morning.1
            && h.morning.1 <= h.afternoon.0
            && h.afternoon.0 < h.afternoon.1)
        {
            return Err(CalendarError::BadHours);
        }
        let all = [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
            Weekday::Sat,
            Weekday::Sun,
        ];
        if all.iter().all(|d| self.weekend.contains(d)) {
            return Err(CalendarError::NoWorkingWeekday);
        }
        for e in &self.entries {
            let clash = self
                .entries
                .iter()
                .any(|o| o.date == e.date && o.kind.is_day_off() != e.kind.is_day_off());
            if clash {
                return Err(CalendarError::ConflictingEntries(e.date));
            }
        }
        Ok(())
    }

    /// Entries on a date.
    pub fn entries_on(&self, d: NaiveDate) -> impl Iterator<Item = &CalendarEntry> {
        self.entries.iter().filter(move |e| e.date == d)
    }

    /// A working day is a weekday outside the weekend, or a `WorkingSaturday` entry, unless a
    /// holiday / compensatory / extra-day-off entry is on that date (a day off wins over a
    /// conflicting working entry: `validate` reports such data).
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        let mut worked = false;
        for e in self.entries_on(d) {
            if e.kind.is_day_off() {
                return false;
            }
            worked = true;
        }
        worked || !self.weekend.contains(&d.weekday())
    }

    /// The first working day strictly after `d`.
    pub fn next_working_day(&self, d: NaiveDate) -> NaiveDate {
        let mut x = d;
        for _ in 0..MAX_SCAN_DAYS {
            match x.succ_opt() {
                Some(n) => x = n,
                None => return x,
            }
            if self.is_working_day(x) {
                return x;
            }
        }
        d.succ_opt().unwrap_or(d)
    }

    /// `d` if it is a working day, else the next one.
    fn working_day_on_or_after(&self, d: NaiveDate) -> NaiveDate {
        if self.is_working_day(d) {
            d
        } else {
            self.next_working_day(d)
        }
    }

    /// The `n`-th working day after `d` (n = 0 → `d` itself).
    fn nth_working_day_after(&self, d: NaiveDate, n: u32) -> NaiveDate {
        (0..n).fold(d, |x, _| self.next_working_day(x))
    }

    /// Where the deadline clock starts for a dossier received at `t`:
    /// inside a working period → `t`; before opening on a working day → opening; at lunch →
    /// the afternoon start (13:30); after closing or on a day off → the next working
    /// day's opening (07:30).
    pub fn clock_start(&self, t: NaiveDateTime) -> NaiveDateTime {
        let h = &self.hours;
        let d = t.date();
        if self.is_working_day(d) {
            let time = t.time();
            if time < h.morning.0 {
                return d.and_time(h.morning.0);
            }
            if time < h.morning.1 {
                return t;
            }
            if time < h.afternoon.0 {
                return d.and_time(h.afternoon.0);
            }
            if time < h.afternoon.1 {
                return t;
            }
        }
        self.next_working_day(d).and_time(h.opening())
    }

    /// Working time elapsed from the opening of `t`'s day to `t` (0 … day_length), for a
    /// `t` on a working day.
    fn offset_in_day(&self, t: NaiveDateTime) -> TimeDelta {
        self.hours
            .periods()
            .iter()
            .map(|(a, b)| (t.time().min(*b) - *a).max(TimeDelta::zero()))
            .sum()
    }

    /// The instant at working-time offset `off` (0 < off ≤ day_length) inside working day
    /// `d`. A boundary lands on the *end* of the earlier period (11:30, 17:00), which is
    /// how a promised time is written.
    fn at_offset(&self, d: NaiveDate, off: TimeDelta) -> NaiveDateTime {
        let mut left = off;
        for (a, b) in self.hours.periods() {
            let len = (b - a).max(TimeDelta::zero());
            if left <= len {
                return d.and_time(a) + left;
            }
            left -= len;
        }
        d.and_time(self.hours.closing())
    }

    /// Adds `amount` of working time to `start` (the result ends a period rather than
    /// starting the next one when it lands on a boundary). Non-positive amounts return
    /// the clock start unchanged.
    pub fn add_working_time(&self, start: NaiveDateTime, amount: TimeDelta) -> NaiveDateTime {
        let s = self.clock_start(start);
        let day_len = self.hours.day_length();
        if amount <= TimeDelta::zero() || day_len <= TimeDelta::zero() {
            return s;
        }
        let mut day = s.date();
        let mut left = amount + self.offset_in_day(s);
        // Whole days first (cheap for long durations), keeping at least part of a day.
        while left > day_len {
            left -= day_len;
            day = self.next_working_day(day);
        }
        self.at_offset(day, left)
    }

    /// The promised date/time (`ngày hẹn trả`) of a dossier received at local time
    /// `received`.
    ///
    /// Conventions (chosen to match how receipts are written and how systems store hours):
    /// - The clock starts per [`clock_start`](Self::clock_start) (after closing / day off →
    ///   next opening; lunch → 13:30).
    /// - `WorkingDays(n)` adds n × [`WorkingHours::day_length`] of working time: the same
    ///   position in the working day, n working days later. Received Mon 09:00 + 3 → Thu
    ///   09:00; clock starting Tue 07:30 + 3 → Thu 17:00 (end of the third full day, not
    ///   Fri 07:30 — the same working instant, written as the end of the day). This is the
    ///   "1 day = 8 working hours" convention of deployed systems, with the day's length
    ///   taken from the configured hours so that n days never drift into a partial day
    ///   (07:30–11:30 + 13:30–17:00 is 7 h 30; with a 07:00 opening it is exactly 8 h).
    /// - `WorkingHours(h)` adds h hours of working time.
    /// - `CalendarDays(n)`: closing time of the clock-start date + n days; if that is a
    ///   day off, closing time of the next working day. The clock-start date is used
    ///   because a dossier received after hours is legally received the next working day.
    /// - `SameDay15h { extra }`: received on a working day at or before 15:00 → closing
    ///   time that day; later, or on a day off → closing time of the next working day;
    ///   then `extra` working days more (closing time).
    pub fn due(&self, received: NaiveDateTime, d: &Duration) -> NaiveDateTime {
        let closing = self.hours.closing();
        match *d {
            Duration::WorkingDays(n) => {
                // u32 beyond i32 (billions of days) saturates instead of wrapping negative.
                let days = i32::try_from(n).unwrap_or(i32::MAX);
                self.add_working_time(received, self.hours.day_length() * days)
            }
            Duration::WorkingHours(h) => {
                self.add_working_time(received, TimeDelta::hours(i64::from(h)))
            }
            Duration::CalendarDays(n) => {
                let start = self.clock_start(received).date();
                let target = start
                    .checked_add_days(chrono::Days::new(u64::from(n)))
                    .unwrap_or(start);
                self.working_day_on_or_after(target).and_time(closing)
            }
            Duration::SameDay15h { extra_working_days } => {
                let day = received.date();
                let first = if self.is_working_day(day) && received.time() <= SAME_DAY_CUTOFF {
                    day
                } else {
                    self.next_working_day(day)
                };
                self.nth_working_day_after(first, extra_working_days)
                    .and_time(closing)
            }
        }
    }

    /// Working time between two instants (negative if `b < a`): the overlap of `[a, b]`
    /// with the working periods of working days.
    pub fn working_time_between(&self, a: NaiveDateTime, b: NaiveDateTime) -> TimeDelta {
        if b < a {
            return -self.working_time_between(b, a);
        }
        let mut total = TimeDelta::zero();
        let mut d = a.date();
        while d <= b.date() {
            if self.is_working_day(d) {
                for (p0, p1) in self.hours.periods() {
                    let lo = a.max(d.and_time(p0));
                    let hi = b.min(d.and_time(p1));
                    if hi > lo {
                        total += hi - lo;
                    }
                }
            }
            match d.succ_opt() {
                Some(n) => d = n,
                None => break,
            }
        }
        total
    }

    /// Extends a due date by the working time elapsed while the clock was stopped (status 5,
    /// the citizen supplementing papers, `paused_from` → `paused_to`). Only working time
    /// counts, so a pause over a weekend adds nothing for the weekend.
    pub fn extend_by_pause(
        &self,
        due: NaiveDateTime,
        paused_from: NaiveDateTime,
        paused_to: NaiveDateTime,
    ) -> NaiveDateTime {
        let paused = self.working_time_between(paused_from, paused_to);
        if paused <= TimeDelta::zero() {
            return due;
        }
        // Adding from the due instant itself: a due at 17:00 plus 2 h goes to 09:30 of the
        // next working day (clock_start maps 17:00 to the next opening).
        self.add_working_time(due, paused)
    }

    /// True when less than one working day (of [`WorkingHours::day_length`]) of working time
    /// remains before `due`, or the due time has passed: the dashboard warns at least one
    /// working day ahead so the head can send Mẫu 04 in time.
    pub fn warn_before(&self, due: NaiveDateTime, now: NaiveDateTime) -> bool {
        now >= due || self.working_time_between(now, due) < self.hours.day_length()
    }
}

// ───────────────────────────── On-time classification ─────────────────────────────

/// Outcome of a resolved dossier (§5): `Trước hạn` / `Đúng hạn` / `Quá hạn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Timeliness {
    Early,
    OnTime,
    Late,
}

/// How finish and due are compared. Default by calendar day: the receipt promises a day,
/// and most portals compare days; by timestamp, "on time" practically never happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum CompareBy {
    #[default]
    CalendarDay,
    Timestamp,
}

/// Classifies a resolved dossier by its finish (default: end of processing,
/// `NgayKetThucXuLy`) against its promised date (`NgayHenTra`).
pub fn classify_resolved(due: NaiveDateTime, finished: NaiveDateTime, by: CompareBy) -> Timeliness {
    let ord = match by {
        CompareBy::CalendarDay => finished.date().cmp(&due.date()),
        CompareBy::Timestamp => finished.cmp(&due),
    };
    match ord {
        std::cmp::Ordering::Less => Timeliness::Early,
        std::cmp::Ordering::Equal => Timeliness::OnTime,
        std::cmp::Ordering::Greater => Timeliness::Late,
    }
}

/// A dossier still in progress at `period_end` is within its deadline (`Trong hạn`) when the
/// promised date is not before the period end; otherwise it is overdue (`Quá hạn`).
pub fn classify_pending(due: NaiveDateTime, period_end: NaiveDateTime, by: CompareBy) -> bool {
    match by {
        CompareBy::CalendarDay => due.date() >= period_end.date(),
        CompareBy::Timestamp => due >= period_end,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn dt(y: i32, m: u32, day: u32, h: u32, min: u32) -> NaiveDateTime {
        d(y, m, day).and_hms_opt(h, min, 0).unwrap()
    }

    fn lunar(year: i32, month: u32, day: u32, leap: bool) -> LunarDate {
        LunarDate {
            year,
            month,
            day,
            leap,
        }
    }

    // ── lunar calendar ──

    /// Tết dates of the brief, each checked against a full ephemeris (PyEphem: VSOP87 +
    /// ELP new moons and solstices evaluated at UTC+7) and two Vietnamese lunar libraries
    /// (PyPI `vnlunar`, `lunar-vn`); 2026 also against the published notice (vnanet.vn).
    /// 2030 is 2 February in Vietnam: the new moon is at 16:07 UT, 23:07 in Hà Nội but
    /// 00:07 the next day in Beijing, where Tết is 3 February.
    #[test]
    fn known_tet_dates() {
        let known = [
            (2000, d(2000, 2, 5)),
            (2001, d(2001, 1, 24)),
            (2007, d(2007, 2, 17)), // China: 18 Feb (new moon 23:14 UTC+7)
            (2010, d(2010, 2, 14)),
            (2015, d(2015, 2, 19)),
            (2020, d(2020, 1, 25)),
            (2023, d(2023, 1, 22)),
            (2024, d(2024, 2, 10)),
            (2025, d(2025, 1, 29)),
            (2026, d(2026, 2, 17)),
            (2027, d(2027, 2, 6)),
            (2030, d(2030, 2, 2)), // China: 3 Feb
        ];
        for (year, date) in known {
            assert_eq!(tet(year), Some(date), "Tết {year}");
        }
        // Outside the 2000–2100 target, the classic UTC+7 vs UTC+8 example: 1985.
        assert_eq!(tet(1985), Some(d(1985, 1, 21)));
    }

    #[test]
    fn known_gio_to_dates() {
        assert_eq!(gio_to(2024), Some(d(2024, 4, 18)));
        assert_eq!(gio_to(2025), Some(d(2025, 4, 7)));
        // thanhnien.vn 23/2/2026: Giỗ Tổ 2026 is Sunday 26/4, compensated Monday 27/4.
        assert_eq!(gio_to(2026), Some(d(2026, 4, 26)));
        assert_eq!(d(2026, 4, 26).weekday(), Weekday::Sun);
        // 2031 has a leap 3rd month: the anniversary is in the first (regular) one.
        assert_eq!(gio_to(2031), Some(d(2031, 4, 1)));
        assert_eq!(
            lunar_to_solar(lunar(2031, 3, 10, true)),
            Some(d(2031, 4, 30)) // leap 3rd month starts 21/4/2031
        );
    }

    /// Tết and Giỗ Tổ of every year 2000–2100, generated independently with PyEphem at
    /// UTC+7 (all 1,248 month starts of 2000–2100, leap flags included, match; the
    /// Vietnamese libraries `vnlunar`/`lunar-vn` agree on every Tết and Giỗ Tổ and differ
    /// only on two month-10/11 starts, 9/12/2072 and 15/11/2077, whose new moons fall
    /// 90 s and 30 s before local midnight — their simplified series put them after it).
    #[test]
    fn tet_and_gio_to_2000_to_2100_match_ephemeris() {
        const TET: &str = "\
2000-02-05 2001-01-24 2002-02-12 2003-02-01 2004-01-22 2005-02-09 2006-01-29 2007-02-17 2008-02-07 \
2009-01-26 2010-02-14 2011-02-03 2012-01-23 2013-02-10 2014-01-31 2015-02-19 2016-02-08 2017-01-28 \
2018-02-16 2019-02-05 2020-01-25 2021-02-12 2022-02-01 2023-01-22 2024-02-10 2025-01-29 2026-02-17 \
2027-02-06 2028-01-26 2029-02-13 2030-02-02 2031-01-23 2032-02-11 2033-01-31 2034-02-19 2035-02-08 \
2036-01-28 2037-02-15 2038-02-04 2039-01-24 2040-02-12 2041-02-01 2042-01-22 2043-02-10 2044-01-30 \
2045-02-17 2046-02-06 2047-01-26 2048-02-14 2049-02-02 2050-01-23 2051-02-11 2052-02-01 2053-02-18 \
2054-02-08 2055-01-28 2056-02-15 2057-02-04 2058-01-24 2059-02-12 2060-02-02 2061-01-21 2062-02-09 \
2063-01-29 2064-02-17 2065-02-05 2066-01-26 2067-02-14 2068-02-03 2069-01-23 2070-02-11 2071-01-31 \
2072-02-19 2073-02-07 2074-01-27 2075-02-15 2076-02-05 2077-01-24 2078-02-12 2079-02-02 2080-01-22 \
2081-02-09 2082-01-29 2083-02-17 2084-02-06 2085-01-26 2086-02-14 2087-02-03 2088-01-24 2089-02-10 \
2090-01-30 2091-02-18 2092-02-07 2093-01-27 2094-02-15 2095-02-05 2096-01-25 2097-02-12 2098-02-01 \
2099-01-21 2100-02-09";
        const GIO_TO: &str = "\
2000-04-14 2001-04-03 2002-04-22 2003-04-11 2004-04-28 2005-04-18 2006-04-07 2007-04-26 2008-04-15 \
2009-04-04 2010-04-23 2011-04-12 2012-03-31 2013-04-19 2014-04-09 2015-04-28 2016-04-16 2017-04-06 \
2018-04-25 2019-04-14 2020-04-02 2021-04-21 2022-04-10 2023-04-29 2024-04-18 2025-04-07 2026-04-26 \
2027-04-16 2028-04-04 2029-04-23 2030-04-12 2031-04-01 2032-04-19 2033-04-09 2034-04-28 2035-04-17 \
2036-04-06 2037-04-24 2038-04-13 2039-04-03 2040-04-20 2041-04-10 2042-04-29 2043-04-19 2044-04-07 \
2045-04-26 2046-04-15 2047-04-04 2048-04-22 2049-04-11 2050-04-01 2051-04-20 2052-04-09 2053-04-28 \
2054-04-17 2055-04-06 2056-04-24 2057-04-13 2058-04-02 2059-04-21 2060-04-10 2061-03-31 2062-04-19 \
2063-04-08 2064-04-26 2065-04-15 2066-04-04 2067-04-23 2068-04-11 2069-04-01 2070-04-20 2071-04-09 \
2072-04-27 2073-04-16 2074-04-05 2075-04-24 2076-04-13 2077-04-02 2078-04-21 2079-04-11 2080-03-30 \
2081-04-18 2082-04-07 2083-04-26 2084-04-14 2085-04-03 2086-04-22 2087-04-12 2088-04-01 2089-04-20 \
2090-04-09 2091-04-28 2092-04-16 2093-04-05 2094-04-24 2095-04-13 2096-04-02 2097-04-21 2098-04-11 \
2099-04-29 2100-04-18";
        for (table, f) in [(TET, tet as fn(i32) -> Option<NaiveDate>), (GIO_TO, gio_to)] {
            let dates: Vec<NaiveDate> = table
                .split_whitespace()
                .map(|s| s.parse().unwrap())
                .collect();
            assert_eq!(dates.len(), 101);
            for (i, want) in dates.into_iter().enumerate() {
                let year = 2000 + i as i32;
                assert_eq!(f(year), Some(want), "year {year}");
            }
        }
    }

    #[test]
    fn solar_to_lunar_around_tet_2026_matches_the_notice() {
        // vnanet.vn / congan.com.vn: 14/2/2026 = 27 tháng Chạp Ất Tỵ, 16/2 = 29 Chạp,
        // 20/2 = mùng 4, 22/2 = mùng 6 Bính Ngọ.
        assert_eq!(
            solar_to_lunar(d(2026, 2, 14)),
            Some(lunar(2025, 12, 27, false))
        );
        assert_eq!(
            solar_to_lunar(d(2026, 2, 16)),
            Some(lunar(2025, 12, 29, false))
        );
        assert_eq!(
            solar_to_lunar(d(2026, 2, 17)),
            Some(lunar(2026, 1, 1, false))
        );
        assert_eq!(
            solar_to_lunar(d(2026, 2, 20)),
            Some(lunar(2026, 1, 4, false))
        );
        assert_eq!(
            solar_to_lunar(d(2026, 2, 22)),
            Some(lunar(2026, 1, 6, false))
        );
        // Tháng Chạp Ất Tỵ has 29 days: day 30 does not exist.
        assert_eq!(lunar_to_solar(lunar(2025, 12, 30, false)), None);
    }

    #[test]
    fn leap_months() {
        // Leap months of the Vietnamese calendar (cross-checked with the ephemeris):
        // 2020 leap 4, 2023 leap 2, 2025 leap 6, 2033 leap 11.
        for (year, month, start) in [
            (2020, 4, d(2020, 5, 23)),
            (2023, 2, d(2023, 3, 22)),
            (2025, 6, d(2025, 7, 25)),
            (2033, 11, d(2033, 12, 22)),
        ] {
            assert_eq!(solar_to_lunar(start), Some(lunar(year, month, 1, true)));
            assert_eq!(lunar_to_solar(lunar(year, month, 1, true)), Some(start));
            // The regular month of that number comes first.
            let regular = lunar_to_solar(lunar(year, month, 1, false)).unwrap();
            assert!(regular < start && (start - regular).num_days() >= 29);
        }
        // No leap month 5 in 2026.
        assert_eq!(lunar_to_solar(lunar(2026, 5, 1, true)), None);
    }

    #[test]
    fn round_trip_and_continuity() {
        // Every 3rd day of 2000–2100 converts back, and consecutive days advance the lunar
        // day by one or start a new month at day 1.
        let mut x = d(2000, 1, 1);
        let mut prev: Option<(NaiveDate, LunarDate)> = None;
        while x.year() <= 2100 {
            let l = solar_to_lunar(x).unwrap();
            assert!((1..=30).contains(&l.day), "{x}: {l:?}");
            assert_eq!(lunar_to_solar(l), Some(x), "{x}: {l:?}");
            if let Some((px, pl)) = prev {
                if (x - px).num_days() == 1 {
                    assert!(l.day == pl.day + 1 || l.day == 1, "{x}");
                }
            }
            prev = Some((x, l));
            x += TimeDelta::days(if x.day().is_multiple_of(3) { 1 } else { 3 });
        }
    }

    #[test]
    fn lunar_out_of_range_and_invalid() {
        assert_eq!(solar_to_lunar(d(1800, 1, 1)), None);
        assert_eq!(lunar_to_solar(lunar(2026, 13, 1, false)), None);
        assert_eq!(lunar_to_solar(lunar(2026, 1, 0, false)), None);
        assert_eq!(tet(2500), None);
    }

    // ── calendar data ──

    fn has(entries: &[CalendarEntry], date: NaiveDate, kind: EntryKind) -> bool {
        entries.iter().any(|e| e.date == date && e.kind == kind)
    }

    #[test]
    fn default_holidays_2025() {
        let e = default_entries(2025);
        assert!(has(&e, d(2025, 1, 1), EntryKind::Holiday));
        // Tết 29/1/2025: 28/1 … 1/2 (a Saturday, compensated on Monday 3/2).
        for day in [28, 29, 30, 31] {
            assert!(has(&e, d(2025, 1, day), EntryKind::Holiday));
        }
        assert!(has(&e, d(2025, 2, 1), EntryKind::Holiday));
        assert!(has(&e, d(2025, 2, 3), EntryKind::Compensatory));
        assert!(has(&e, d(2025, 4, 7), EntryKind::Holiday)); // Giỗ Tổ, Monday
        assert!(has(&e, d(2025, 4, 30), EntryKind::Holiday));
        assert!(has(&e, d(2025, 5, 1), EntryKind::Holiday));
        assert!(has(&e, d(2025, 9, 2), EntryKind::Holiday));
        assert!(has(&e, d(2025, 9, 3), EntryKind::Holiday));
        let tet_days: Vec<_> = e.iter().filter(|x| x.name == "Tết Nguyên đán").collect();
        assert_eq!(tet_days.len(), 5);
        assert!(tet_days.iter().all(|x| x.pending_notice));
        let qk_adjacent = e.iter().find(|x| x.date == d(2025, 9, 3)).unwrap();
        assert!(qk_adjacent.pending_notice);
        // 11 statutory days + 1 compensatory.
        assert_eq!(
            e.iter().filter(|x| x.kind == EntryKind::Holiday).count(),
            11
        );
        assert_eq!(
            e.iter()
                .filter(|x| x.kind == EntryKind::Compensatory)
                .count(),
            1
        );
    }

    #[test]
    fn default_holidays_2026() {
        let e = default_entries(2026);
        for day in 16..=20 {
            assert!(
                has(&e, d(2026, 2, day), EntryKind::Holiday),
                "Tết day {day}"
            );
        }
        assert!(has(&e, d(2026, 4, 26), EntryKind::Holiday));
        assert!(has(&e, d(2026, 4, 27), EntryKind::Compensatory));
        assert_eq!(
            e.iter()
                .filter(|x| x.kind == EntryKind::Compensatory)
                .count(),
            1
        );
    }

    #[test]
    fn default_holidays_2027() {
        let e = default_entries(2027);
        // Tết Saturday 6/2/2027: 5/2 … 9/2, weekend days compensated Wed 10 and Thu 11.
        assert_eq!(d(2027, 2, 6).weekday(), Weekday::Sat);
        for day in 5..=9 {
            assert!(has(&e, d(2027, 2, day), EntryKind::Holiday));
        }
        assert!(has(&e, d(2027, 2, 10), EntryKind::Compensatory));
        assert!(has(&e, d(2027, 2, 11), EntryKind::Compensatory));
        assert!(has(&e, d(2027, 4, 16), EntryKind::Holiday)); // Giỗ Tổ, Friday
                                                              // 1/5/2027 is a Saturday: compensated Monday 3/5.
        assert_eq!(d(2027, 5, 1).weekday(), Weekday::Sat);
        assert!(has(&e, d(2027, 5, 3), EntryKind::Compensatory));
        assert_eq!(
            e.iter()
                .filter(|x| x.kind == EntryKind::Compensatory)
                .count(),
            3
        );
    }

    #[test]
    fn compensatory_days_on_weekend_holidays() {
        // 2/9/2029 is a Sunday: 3/9 (Monday) is the adjacent day, 4/9 the compensatory one.
        assert_eq!(d(2029, 9, 2).weekday(), Weekday::Sun);
        let e = default_entries(2029);
        assert!(has(&e, d(2029, 9, 3), EntryKind::Holiday));
        assert!(has(&e, d(2029, 9, 4), EntryKind::Compensatory));
        // 30/4/2022 Saturday and 1/5/2022 Sunday: Monday 2/5 and Tuesday 3/5.
        assert_eq!(d(2022, 4, 30).weekday(), Weekday::Sat);
        let e = default_entries(2022);
        assert!(has(&e, d(2022, 5, 2), EntryKind::Compensatory));
        assert!(has(&e, d(2022, 5, 3), EntryKind::Compensatory));
        // Compensatory days never land on another day off.
        for year in 2000..=2100 {
            let e = default_entries(year);
            for c in e.iter().filter(|x| x.kind == EntryKind::Compensatory) {
                assert!(!is_sat_sun(c.date), "{year}: {c:?}");
                assert_eq!(e.iter().filter(|x| x.date == c.date).count(), 1, "{year}");
            }
        }
    }

    #[test]
    fn official_2026_tet() {
        let cal = WorkingCalendar::with_official_2026();
        assert_eq!(cal.validate(), Ok(()));
        assert!(cal.is_working_day(d(2026, 2, 13)));
        for day in 14..=22 {
            assert!(!cal.is_working_day(d(2026, 2, day)), "14–22/2 off, {day}");
        }
        assert!(cal.is_working_day(d(2026, 2, 23)));
        let tet: Vec<_> = cal
            .entries
            .iter()
            .filter(|e| e.name.contains("Tết Nguyên đán"))
            .collect();
        assert_eq!(tet.len(), 5);
        assert!(tet.iter().all(|e| !e.pending_notice));
        assert!(!cal.is_working_day(d(2026, 4, 27))); // nghỉ bù Giỗ Tổ
        assert!(cal.is_working_day(d(2026, 4, 28)));
    }

    #[test]
    fn working_day_rules() {
        let mut cal = WorkingCalendar::with_defaults("t", 2026..=2026);
        assert!(cal.is_working_day(d(2026, 3, 6))); // Friday
        assert!(!cal.is_working_day(d(2026, 3, 7))); // Saturday
        assert!(!cal.is_working_day(d(2026, 1, 1)));
        cal.entries.push(CalendarEntry::new(
            d(2026, 3, 7),
            EntryKind::WorkingSaturday,
            "Làm bù",
            false,
        ));
        cal.entries.push(CalendarEntry::new(
            d(2026, 3, 9),
            EntryKind::ExtraDayOff,
            "Nghỉ",
            false,
        ));
        assert!(cal.is_working_day(d(2026, 3, 7)));
        assert!(!cal.is_working_day(d(2026, 3, 9)));
        assert_eq!(cal.validate(), Ok(()));
        cal.entries.push(CalendarEntry::new(
            d(2026, 3, 7),
            EntryKind::Holiday,
            "x",
            false,
        ));
        assert!(!cal.is_working_day(d(2026, 3, 7)));
        assert_eq!(
            cal.validate(),
            Err(CalendarError::ConflictingEntries(d(2026, 3, 7)))
        );
    }

    #[test]
    fn validate_rejects_unusable_calendars() {
        let mut cal = WorkingCalendar::default();
        cal.hours.morning = (hm(11, 30), hm(7, 30));
        assert_eq!(cal.validate(), Err(CalendarError::BadHours));
        let cal = WorkingCalendar {
            weekend: vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
                Weekday::Sat,
                Weekday::Sun,
            ],
            ..WorkingCalendar::default()
        };
        assert_eq!(cal.validate(), Err(CalendarError::NoWorkingWeekday));
        // Arithmetic still terminates on such data.
        let _ = cal.due(dt(2026, 3, 2, 9, 0), &Duration::WorkingDays(2));
    }

    #[test]
    fn json_round_trip() {
        let cal = WorkingCalendar::with_official_2026();
        let json = serde_json::to_string_pretty(&cal).unwrap();
        assert!(json.contains("\"07:30:00\""));
        assert!(json.contains("\"Sat\""));
        let back: WorkingCalendar = serde_json::from_str(&json).unwrap();
        assert_eq!(back, cal);
        let dur = serde_json::to_string(&Duration::SameDay15h {
            extra_working_days: 2,
        })
        .unwrap();
        assert_eq!(dur, r#"{"SameDay15h":{"extra_working_days":2}}"#);
        assert_eq!(
            serde_json::from_str::<Duration>(r#"{"WorkingDays":3}"#).unwrap(),
            Duration::WorkingDays(3)
        );
    }

    // ── deadlines ──

    fn cal() -> WorkingCalendar {
        WorkingCalendar::with_official_2026()
    }

    #[test]
    fn day_length_default_and_eight_hour_day() {
        assert_eq!(
            WorkingHours::default().day_length(),
            TimeDelta::minutes(450)
        );
        let h = WorkingHours {
            morning: (hm(7, 0), hm(11, 30)),
            ..WorkingHours::default()
        };
        assert_eq!(h.day_length(), TimeDelta::hours(8));
    }

    #[test]
    fn clock_start_rules() {
        let c = cal();
        // Inside hours: unchanged.
        assert_eq!(c.clock_start(dt(2026, 3, 3, 9, 0)), dt(2026, 3, 3, 9, 0));
        // Before opening: opening.
        assert_eq!(c.clock_start(dt(2026, 3, 3, 6, 45)), dt(2026, 3, 3, 7, 30));
        // Lunch: 13:30.
        assert_eq!(
            c.clock_start(dt(2026, 3, 3, 11, 30)),
            dt(2026, 3, 3, 13, 30)
        );
        assert_eq!(
            c.clock_start(dt(2026, 3, 3, 12, 10)),
            dt(2026, 3, 3, 13, 30)
        );
        // Closing and after: next working morning (Friday → Monday).
        assert_eq!(c.clock_start(dt(2026, 3, 3, 17, 0)), dt(2026, 3, 4, 7, 30));
        assert_eq!(c.clock_start(dt(2026, 3, 6, 18, 0)), dt(2026, 3, 9, 7, 30));
        // Day off: next working morning.
        assert_eq!(c.clock_start(dt(2026, 3, 7, 10, 0)), dt(2026, 3, 9, 7, 30));
    }

    #[test]
    fn working_days_keep_the_time_of_day() {
        let c = cal();
        // Mon 09:00 + 3 WD → Thu 09:00.
        assert_eq!(
            c.due(dt(2026, 3, 2, 9, 0), &Duration::WorkingDays(3)),
            dt(2026, 3, 5, 9, 0)
        );
        // Friday afternoon crosses the weekend: Fri 15:00 + 1 WD → Mon 15:00.
        assert_eq!(
            c.due(dt(2026, 3, 6, 15, 0), &Duration::WorkingDays(1)),
            dt(2026, 3, 9, 15, 0)
        );
        // After closing: clock from Wed 07:30, three full days end Friday 17:00.
        assert_eq!(
            c.due(dt(2026, 3, 3, 17, 30), &Duration::WorkingDays(3)),
            dt(2026, 3, 6, 17, 0)
        );
        // At lunch: clock from 13:30; one day later lands on the morning's end, 11:30.
        assert_eq!(
            c.due(dt(2026, 3, 3, 12, 0), &Duration::WorkingDays(1)),
            dt(2026, 3, 4, 11, 30)
        );
        // With an 8-hour day (07:00 opening) the same rule is exactly n × 8 h.
        let mut eight = cal();
        eight.hours.morning.0 = hm(7, 0);
        let start = dt(2026, 3, 2, 9, 0);
        assert_eq!(
            eight.due(start, &Duration::WorkingDays(3)),
            eight.due(start, &Duration::WorkingHours(24))
        );
    }

    #[test]
    fn working_days_across_tet_2026() {
        let c = cal();
        // Fri 13/2 10:00 + 3 WD: 14–22/2 are off, so Mon 23, Tue 24, Wed 25 at 10:00.
        assert_eq!(
            c.due(dt(2026, 2, 13, 10, 0), &Duration::WorkingDays(3)),
            dt(2026, 2, 25, 10, 0)
        );
        // Received during Tết: clock from Mon 23/2 07:30 → end of Wed 25/2.
        assert_eq!(
            c.due(dt(2026, 2, 18, 9, 0), &Duration::WorkingDays(3)),
            dt(2026, 2, 25, 17, 0)
        );
    }

    #[test]
    fn working_hours() {
        let c = cal();
        // At lunch: clock from 13:30, +2 h → 15:30.
        assert_eq!(
            c.due(dt(2026, 3, 3, 12, 0), &Duration::WorkingHours(2)),
            dt(2026, 3, 3, 15, 30)
        );
        // Fri 15:00 + 4 h: 2 h on Friday, 2 h on Monday → 09:30.
        assert_eq!(
            c.due(dt(2026, 3, 6, 15, 0), &Duration::WorkingHours(4)),
            dt(2026, 3, 9, 9, 30)
        );
        // 10:00 + 2 h crosses lunch: 11:30 then 13:30 + 30 min.
        assert_eq!(
            c.due(dt(2026, 3, 3, 10, 0), &Duration::WorkingHours(2)),
            dt(2026, 3, 3, 14, 0)
        );
        // Zero duration: the clock start.
        assert_eq!(
            c.due(dt(2026, 3, 3, 18, 0), &Duration::WorkingHours(0)),
            dt(2026, 3, 4, 7, 30)
        );
    }

    #[test]
    fn same_day_15h_rule() {
        let c = cal();
        let same = Duration::SameDay15h {
            extra_working_days: 0,
        };
        assert_eq!(c.due(dt(2026, 3, 5, 14, 59), &same), dt(2026, 3, 5, 17, 0));
        assert_eq!(c.due(dt(2026, 3, 5, 15, 0), &same), dt(2026, 3, 5, 17, 0));
        assert_eq!(c.due(dt(2026, 3, 5, 15, 1), &same), dt(2026, 3, 6, 17, 0));
        // Friday after 15:00 → Monday.
        assert_eq!(c.due(dt(2026, 3, 6, 16, 0), &same), dt(2026, 3, 9, 17, 0));
        // Saturday → Monday.
        assert_eq!(c.due(dt(2026, 3, 7, 9, 0), &same), dt(2026, 3, 9, 17, 0));
        // Before opening counts as the same day.
        assert_eq!(c.due(dt(2026, 3, 5, 7, 0), &same), dt(2026, 3, 5, 17, 0));
        // chứng thực, large job: +2 working days (Thu → Mon).
        let plus2 = Duration::SameDay15h {
            extra_working_days: 2,
        };
        assert_eq!(c.due(dt(2026, 3, 5, 10, 0), &plus2), dt(2026, 3, 9, 17, 0));
        // The day before Tết, after 15:00 → first day after the holiday.
        assert_eq!(
            c.due(dt(2026, 2, 13, 15, 30), &same),
            dt(2026, 2, 23, 17, 0)
        );
    }

    #[test]
    fn swapped_working_saturday() {
        let mut c = cal();
        c.entries.push(CalendarEntry::new(
            d(2026, 3, 7),
            EntryKind::WorkingSaturday,
            "Làm bù",
            false,
        ));
        assert_eq!(
            c.due(dt(2026, 3, 6, 10, 0), &Duration::WorkingDays(1)),
            dt(2026, 3, 7, 10, 0)
        );
        let same = Duration::SameDay15h {
            extra_working_days: 0,
        };
        assert_eq!(c.due(dt(2026, 3, 6, 16, 0), &same), dt(2026, 3, 7, 17, 0));
        assert_eq!(
            c.working_time_between(dt(2026, 3, 6, 17, 0), dt(2026, 3, 9, 7, 30)),
            TimeDelta::minutes(450)
        );
    }

    #[test]
    fn calendar_days() {
        let c = cal();
        // Mon 2/3 + 4 days → Fri 6/3 at closing.
        assert_eq!(
            c.due(dt(2026, 3, 2, 9, 0), &Duration::CalendarDays(4)),
            dt(2026, 3, 6, 17, 0)
        );
        // Mon 2/3 + 6 days → Sunday 8/3 → moved to Monday 9/3.
        assert_eq!(d(2026, 3, 8).weekday(), Weekday::Sun);
        assert_eq!(
            c.due(dt(2026, 3, 2, 9, 0), &Duration::CalendarDays(6)),
            dt(2026, 3, 9, 17, 0)
        );
        // Received Saturday: counted from Monday.
        assert_eq!(
            c.due(dt(2026, 3, 7, 9, 0), &Duration::CalendarDays(1)),
            dt(2026, 3, 10, 17, 0)
        );
        // Ending inside Tết 2026 → first working day after it.
        assert_eq!(
            c.due(dt(2026, 2, 10, 9, 0), &Duration::CalendarDays(7)),
            dt(2026, 2, 23, 17, 0)
        );
    }

    #[test]
    fn working_time_between_counts_only_working_periods() {
        let c = cal();
        let fri = dt(2026, 3, 6, 15, 0);
        let mon = dt(2026, 3, 9, 9, 30);
        assert_eq!(c.working_time_between(fri, mon), TimeDelta::hours(4));
        assert_eq!(c.working_time_between(mon, fri), -TimeDelta::hours(4));
        // Lunch and night contribute nothing.
        assert_eq!(
            c.working_time_between(dt(2026, 3, 3, 11, 30), dt(2026, 3, 3, 13, 30)),
            TimeDelta::zero()
        );
        // Across Tết 2026: Fri 13/2 16:00 → Mon 23/2 08:30 = 1 h + 1 h.
        assert_eq!(
            c.working_time_between(dt(2026, 2, 13, 16, 0), dt(2026, 2, 23, 8, 30)),
            TimeDelta::hours(2)
        );
    }

    #[test]
    fn supplement_pause_extends_by_working_time() {
        let c = cal();
        let due = dt(2026, 3, 11, 17, 0);
        // Paused Thu 5/3 16:00 → Mon 9/3 09:00: 1 h + 7 h 30 + 1 h 30 = 10 h of working time.
        let from = dt(2026, 3, 5, 16, 0);
        let to = dt(2026, 3, 9, 9, 0);
        assert_eq!(c.working_time_between(from, to), TimeDelta::hours(10));
        // From Wed 11/3 17:00: Thu 12/3 full (7 h 30) + 2 h 30 on Fri → Fri 13/3 10:00.
        assert_eq!(c.extend_by_pause(due, from, to), dt(2026, 3, 13, 10, 0));
        // A pause over a weekend only adds nothing.
        assert_eq!(
            c.extend_by_pause(due, dt(2026, 3, 7, 8, 0), dt(2026, 3, 8, 20, 0)),
            due
        );
        // A reversed interval adds nothing.
        assert_eq!(c.extend_by_pause(due, to, from), due);
    }

    #[test]
    fn warning_one_working_day_ahead() {
        let c = cal();
        let due = dt(2026, 3, 11, 17, 0); // Wednesday
        assert!(!c.warn_before(due, dt(2026, 3, 10, 16, 0))); // 8 h 30 left
        assert!(!c.warn_before(due, dt(2026, 3, 10, 17, 0))); // exactly one day left
        assert!(c.warn_before(due, dt(2026, 3, 11, 7, 31))); // 7 h 29 left
        assert!(c.warn_before(due, dt(2026, 3, 12, 9, 0))); // overdue
                                                            // Over a weekend: due Monday 17:00, Friday 17:00 still has one full day.
        assert!(!c.warn_before(dt(2026, 3, 9, 17, 0), dt(2026, 3, 6, 17, 0)));
        assert!(c.warn_before(dt(2026, 3, 9, 11, 0), dt(2026, 3, 6, 17, 0)));
    }

    // ── classification ──

    #[test]
    fn classify_by_calendar_day_and_timestamp() {
        let due = dt(2026, 3, 11, 17, 0);
        let by_day = CompareBy::default();
        assert_eq!(by_day, CompareBy::CalendarDay);
        assert_eq!(
            classify_resolved(due, dt(2026, 3, 10, 9, 0), by_day),
            Timeliness::Early
        );
        assert_eq!(
            classify_resolved(due, dt(2026, 3, 11, 9, 0), by_day),
            Timeliness::OnTime
        );
        assert_eq!(
            classify_resolved(due, dt(2026, 3, 11, 17, 30), by_day),
            Timeliness::OnTime
        );
        assert_eq!(
            classify_resolved(due, dt(2026, 3, 12, 8, 0), by_day),
            Timeliness::Late
        );
        let by_ts = CompareBy::Timestamp;
        assert_eq!(
            classify_resolved(due, dt(2026, 3, 11, 9, 0), by_ts),
            Timeliness::Early
        );
        assert_eq!(classify_resolved(due, due, by_ts), Timeliness::OnTime);
        assert_eq!(
            classify_resolved(due, dt(2026, 3, 11, 17, 30), by_ts),
            Timeliness::Late
        );
    }

    #[test]
    fn classify_pending_at_period_end() {
        let due = dt(2026, 3, 31, 17, 0);
        let end = dt(2026, 3, 31, 23, 59);
        assert!(classify_pending(due, end, CompareBy::CalendarDay));
        assert!(!classify_pending(due, end, CompareBy::Timestamp));
        assert!(!classify_pending(
            dt(2026, 3, 30, 17, 0),
            end,
            CompareBy::CalendarDay
        ));
        assert!(classify_pending(
            dt(2026, 4, 2, 17, 0),
            end,
            CompareBy::Timestamp
        ));
    }
}
