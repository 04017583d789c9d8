//! The center's local time. Vietnam (Asia/Ho_Chi_Minh) has been UTC+7 without daylight
//! saving since 1975, so a fixed offset is exact and spares us a time-zone database.
//! Times are stored in UTC; this offset is applied at the edges (display, daily reset).

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, Timelike, Utc};

/// UTC+7, the offset of Asia/Ho_Chi_Minh.
pub fn vn_offset() -> FixedOffset {
    // 7 * 3600 is well inside the ±86400 range FixedOffset accepts.
    FixedOffset::east_opt(7 * 3600).expect("UTC+7 is a valid offset")
}

/// The instant in the center's local time.
pub fn local(at: DateTime<Utc>) -> DateTime<FixedOffset> {
    at.with_timezone(&vn_offset())
}

/// The local wall-clock date and time of an instant (what the deadline calendar takes).
pub fn local_naive(at: DateTime<Utc>) -> chrono::NaiveDateTime {
    local(at).naive_local()
}

/// The instant of a local wall-clock date and time (exact: the offset is fixed).
pub fn from_local_naive(t: chrono::NaiveDateTime) -> DateTime<Utc> {
    DateTime::<Utc>::from_naive_utc_and_offset(t - chrono::TimeDelta::hours(7), Utc)
}

/// The local calendar day an instant belongs to (tickets reset at local midnight).
pub fn local_day(at: DateTime<Utc>) -> NaiveDate {
    local(at).date_naive()
}

/// The local wall-clock time of an instant.
pub fn local_time(at: DateTime<Utc>) -> NaiveTime {
    local(at).time()
}

/// `Sáng` before noon, `Chiều` after: the session printed on tickets.
pub fn session_name(at: DateTime<Utc>) -> &'static str {
    if local(at).hour() < 12 {
        "Sáng"
    } else {
        "Chiều"
    }
}

/// `HH:MM:SS DD/MM/YYYY` in local time, as printed and shown.
pub fn format_local(at: DateTime<Utc>) -> String {
    local(at).format("%H:%M:%S %d/%m/%Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn local_day_rolls_over_at_local_midnight() {
        // 16:59:59 UTC = 23:59:59 local, still the same day.
        let before = Utc.with_ymd_and_hms(2026, 3, 5, 16, 59, 59).unwrap();
        let after = Utc.with_ymd_and_hms(2026, 3, 5, 17, 0, 0).unwrap();
        assert_eq!(
            local_day(before),
            NaiveDate::from_ymd_opt(2026, 3, 5).unwrap()
        );
        assert_eq!(
            local_day(after),
            NaiveDate::from_ymd_opt(2026, 3, 6).unwrap()
        );
    }

    #[test]
    fn session_is_morning_before_noon_local() {
        let morning = Utc.with_ymd_and_hms(2026, 3, 5, 4, 59, 0).unwrap(); // 11:59 local
        let afternoon = Utc.with_ymd_and_hms(2026, 3, 5, 5, 0, 0).unwrap(); // 12:00 local
        assert_eq!(session_name(morning), "Sáng");
        assert_eq!(session_name(afternoon), "Chiều");
        assert_eq!(format_local(morning), "11:59:00 05/03/2026");
        assert_eq!(from_local_naive(local_naive(morning)), morning);
        assert_eq!(local_naive(morning).to_string(), "2026-03-05 11:59:00");
    }
}
