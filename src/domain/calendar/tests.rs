use super::*;
use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta, Weekday};

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
