//! The Vietnamese lunar calendar, computed astronomically at UTC+7 (Tết, Giỗ Tổ).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::ops::RangeInclusive;

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
pub(super) const VN_OFFSET_DAYS: f64 = 7.0 / 24.0;

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
pub(super) fn jdn(d: NaiveDate) -> i64 {
    // 0001-01-01 (proleptic Gregorian, num_days_from_ce = 1) is JDN 1 721 426.
    i64::from(d.num_days_from_ce()) + 1_721_425
}

pub(super) fn date_from_jdn(j: i64) -> Option<NaiveDate> {
    let ce = i32::try_from(j - 1_721_425).ok()?;
    NaiveDate::from_num_days_from_ce_opt(ce)
}

/// ΔT = TT − UT in seconds (Espenak & Meeus polynomial fits). New-moon and Sun formulas
/// run on Terrestrial Time; civil dates are UT-based, and ~70 s can matter when a new moon
/// falls right at local midnight.
pub(super) fn delta_t_seconds(year: f64) -> f64 {
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

pub(super) fn tt_to_ut(jde: f64) -> f64 {
    let year = 2000.0 + (jde - 2_451_545.0) / 365.25;
    jde - delta_t_seconds(year) / 86_400.0
}

/// Local (UTC+7) Julian Day Number of the calendar day containing the instant `jd_ut`.
pub(super) fn local_day_of(jd_ut: f64) -> i64 {
    // A Julian date starts at noon, hence +0.5 to land on civil midnight.
    (jd_ut + 0.5 + VN_OFFSET_DAYS).floor() as i64
}

/// Instant (Julian date, UT) of the true new moon number `k` (k = 0 is 6 Jan 2000), from
/// the mean lunation plus the periodic terms of Meeus, *Astronomical Algorithms* ch. 49;
/// the result is in TT.
pub(super) fn new_moon_jde(k: f64) -> f64 {
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
pub(super) fn new_moon_day(k: i64) -> i64 {
    local_day_of(tt_to_ut(new_moon_jde(k as f64)))
}

/// Number of the last new moon whose local day is on or before local day `day`.
pub(super) fn new_moon_on_or_before(day: i64) -> i64 {
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
pub(super) fn sun_longitude(jde: f64) -> f64 {
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
pub(super) fn sun_sector_at_day_start(day: i64) -> i64 {
    // Local midnight of `day` in UT: JDN − 0.5 is UT midnight; subtract the offset.
    // ΔT is ~1 min; ignoring it here moves a term by a minute at most, far below
    // the ~15 min accuracy of the series, so it is not worth a conversion.
    let jd = day as f64 - 0.5 - VN_OFFSET_DAYS;
    (sun_longitude(jd) / 30.0).floor() as i64
}

/// Number of the new moon starting lunar month 11 of Gregorian year `year`: the month
/// containing the December solstice (the anchor of the lunisolar year).
pub(super) fn month11_k(year: i32) -> Option<i64> {
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
pub(super) struct LunarYearFrame {
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
