//! Deadline arithmetic: working days and hours, the 15:00 rule, pauses, warnings.

use super::*;
use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Weekday};
use serde::{Deserialize, Serialize};
use std::ops::RangeInclusive;

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
pub(super) const MAX_SCAN_DAYS: u32 = 3660;

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
