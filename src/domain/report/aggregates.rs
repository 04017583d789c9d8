//! Report aggregates: each dossier's part in every possible report, as counters on local
//! days, so a report over any period is a sum over days instead of a pass over dossiers.
//!
//! Why this shape: the Biểu 06 columns are of two kinds.
//! - *Flows* happen on one day: received (online/direct), resolved (early/on time/late),
//!   closed otherwise, digitized at reception, indicators recorded. A period sums them.
//! - *Stocks* are states at an instant: open at the period's start (carried over), open at
//!   its end (in progress) and, of those, overdue. A dossier is open on an interval of days,
//!   and overdue on a sub-interval, so it contributes `+1` on the first day of each interval
//!   and `-1` after the last; the stock at day `d` is the sum of these deltas up to `d`.
//!
//! A dossier's part is a pure function of its [`Facts`], so the store keeps the sums
//! right by subtracting a record's old part and adding its new one in the transaction that
//! writes it, and can rebuild them from the records at any time (`motcua reindex`). The
//! property test below proves the sums give exactly what [`crate::domain::report::build`] counts
//! dossier by dossier.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::domain::dossier::{classify_finished, Channel, Comparison, Timeliness};
use crate::domain::report::{Facts, InProgress, Received, Resolved, Row};
use crate::domain::time::local_day;

/// How many counters a row has.
pub const WIDTH: usize = 20;
/// The counters of one aggregate row (see the index constants).
pub type Counters = [i64; WIDTH];

pub const ONLINE: usize = 0;
pub const DIRECT: usize = 1;
/// Delta of "open at the start of this day".
pub const OPEN: usize = 2;
/// Delta of "open and overdue when the period ends at the start of this day".
pub const OVERDUE: usize = 3;
pub const EARLY: usize = 4;
pub const ON_TIME: usize = 5;
pub const LATE: usize = 6;
/// Refused, withdrawn or stopped.
pub const OTHER: usize = 7;
pub const OTHER_ON_TIME: usize = 8;
/// Received this day and fully digitized (index 4.2).
pub const DIGITIZED: usize = 9;
/// Dossiers whose nine indicators were recorded this day.
pub const IND_COUNT: usize = 10;
/// Sum of indicator `i` (0-based) over them: `IND_SUM + i`.
pub const IND_SUM: usize = 11;

/// Day number of a local date (days since 1 January of year 1).
pub fn day_number(d: NaiveDate) -> i32 {
    d.num_days_from_ce()
}

fn day_of(t: DateTime<Utc>) -> i32 {
    day_number(local_day(t))
}

/// One dossier's part: the rows it adds to, by day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contribution {
    pub area: u32,
    pub procedure: String,
    /// Who resolved it or holds it; empty when nobody does.
    pub officer: String,
    pub days: BTreeMap<i32, Counters>,
}

impl Contribution {
    fn add(&mut self, day: i32, idx: usize, v: i64) {
        self.days.entry(day).or_insert([0; WIDTH])[idx] += v;
        if self.days[&day].iter().all(|c| *c == 0) {
            self.days.remove(&day);
        }
    }

    /// `+1` from `from` on, `-1` from `until` on (`None`: still going). Empty intervals
    /// add nothing.
    fn interval(&mut self, idx: usize, from: i32, until: Option<i32>) {
        if until.is_some_and(|u| u <= from) {
            return;
        }
        self.add(from, idx, 1);
        if let Some(u) = until {
            self.add(u, idx, -1);
        }
    }
}

/// The rows one dossier adds to.
pub fn contribution(f: &Facts, by: Comparison) -> Contribution {
    let mut c = Contribution {
        area: f.area,
        procedure: f.procedure.clone(),
        officer: f.officer.clone().unwrap_or_default(),
        days: BTreeMap::new(),
    };
    let r = day_of(f.received_at);
    c.add(
        r,
        if f.channel == Channel::Online {
            ONLINE
        } else {
            DIRECT
        },
        1,
    );
    if f.digitized {
        c.add(r, DIGITIZED, 1);
    }
    let finished = f.resolved_at.or(f.closed_at);
    // The day after the last day it was open at the start of; never before the reception.
    let fin = finished.map(|t| day_of(t).max(r));
    c.interval(OPEN, r + 1, fin.map(|d| d + 1));
    // Open at a period end `e` (exclusive, a local midnight) counts as overdue once the
    // promise is before the period's last instant.
    let overdue_from = match by {
        Comparison::CalendarDay => day_of(f.due_at) + 2,
        Comparison::Timestamp => day_of(f.due_at + chrono::Duration::seconds(1)) + 1,
    };
    if !f.waits_in_time(by) {
        c.interval(OVERDUE, overdue_from.max(r + 1), fin.map(|d| d + 1));
    }
    match (f.resolved_at, f.closed_at, fin) {
        (Some(t), _, Some(d)) => {
            let idx = match classify_finished(t, f.due_at, by) {
                Timeliness::Early => EARLY,
                Timeliness::OnTime => ON_TIME,
                _ => LATE,
            };
            c.add(d, idx, 1);
        }
        (None, Some(t), Some(d)) => {
            c.add(d, OTHER, 1);
            if classify_finished(t, f.due_at, by) != Timeliness::Late {
                c.add(d, OTHER_ON_TIME, 1);
            }
        }
        _ => {}
    }
    if let Some((at, scores)) = f.indicators {
        let d = day_of(at);
        c.add(d, IND_COUNT, 1);
        for (i, s) in scores.iter().enumerate() {
            c.add(d, IND_SUM + i, i64::from(*s));
        }
    }
    c
}

/// Adds `b` to `a`, `sign` times.
pub fn add_into(a: &mut Counters, b: &Counters, sign: i64) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += sign * y;
    }
}

/// What a period's rows sum to: the report row, plus what the report shows beside it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub row: Row,
    /// Received in the period and fully digitized.
    pub digitized: u64,
    /// Indicator assessments recorded in the period, and the sum of each indicator.
    pub indicators: (u64, [u64; 9]),
}

/// Folds rows `(day, counters)` into the report of local days `[start, end)` (day
/// numbers). Rows may come in any order; rows after `end` are ignored.
#[derive(Debug, Clone, Default)]
pub struct Fold {
    start: i32,
    end: i32,
    flows: Counters,
    open_start: i64,
    open_end: i64,
    overdue_end: i64,
}

impl Fold {
    pub fn new(start: i32, end: i32) -> Fold {
        Fold {
            start,
            end,
            ..Default::default()
        }
    }

    pub fn push(&mut self, day: i32, c: &Counters) {
        if day <= self.start {
            self.open_start += c[OPEN];
        }
        if day <= self.end {
            self.open_end += c[OPEN];
            self.overdue_end += c[OVERDUE];
        }
        if day >= self.start && day < self.end {
            add_into(&mut self.flows, c, 1);
        }
    }

    pub fn totals(&self) -> Totals {
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        let f = &self.flows;
        let received = Received {
            online: n(f[ONLINE]),
            direct: n(f[DIRECT]),
            carried_over: n(self.open_start),
            total: n(f[ONLINE] + f[DIRECT] + self.open_start),
        };
        let resolved = Resolved {
            early: n(f[EARLY]),
            on_time: n(f[ON_TIME]),
            late: n(f[LATE]),
            total: n(f[EARLY] + f[ON_TIME] + f[LATE]),
        };
        let in_progress = InProgress {
            total: n(self.open_end),
            overdue: n(self.overdue_end),
            within_deadline: n(self.open_end - self.overdue_end),
        };
        let mut sums = [0u64; 9];
        for (i, s) in sums.iter_mut().enumerate() {
            *s = n(f[IND_SUM + i]);
        }
        Totals {
            row: Row {
                received,
                resolved,
                in_progress,
                closed_other: n(f[OTHER]),
                closed_other_on_time: n(f[OTHER_ON_TIME]),
            },
            digitized: n(f[DIGITIZED]),
            indicators: (n(f[IND_COUNT]), sums),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::report::{build, GroupBy};
    use crate::domain::time::from_local_naive;
    use chrono::{Duration, NaiveTime, TimeZone};
    use proptest::prelude::*;

    fn base() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 2, 20, 0, 0, 0).unwrap()
    }

    fn facts() -> impl Strategy<Value = Facts> {
        (
            0i64..60 * 24,                   // received, hours after base
            -48i64..20 * 24,                 // due, hours after reception
            prop::option::of(0i64..30 * 24), // finished, hours after reception
            any::<bool>(),                   // resolved (else closed otherwise)
            any::<bool>(),                   // online
            any::<bool>(),                   // digitized
            0u32..3,                         // area
            prop::option::of(0i64..30 * 24), // waiting for the citizen, hours after reception
        )
            .prop_map(|(r, due, fin, resolved, online, digitized, area, wait)| {
                let received_at = base() + Duration::hours(r) + Duration::minutes(r % 61);
                let finished = fin.map(|h| received_at + Duration::hours(h));
                Facts {
                    area,
                    procedure: format!("1.00{area}"),
                    officer: None,
                    channel: if online {
                        Channel::Online
                    } else {
                        Channel::Direct
                    },
                    received_at,
                    due_at: received_at + Duration::hours(due),
                    resolved_at: finished.filter(|_| resolved),
                    closed_at: finished.filter(|_| !resolved),
                    digitized,
                    indicators: None,
                    waiting_since: wait.map(|h| received_at + Duration::hours(h)),
                }
            })
    }

    fn midnight(d: NaiveDate) -> DateTime<Utc> {
        from_local_naive(d.and_time(NaiveTime::MIN))
    }

    fn by_sums(list: &[Facts], from: NaiveDate, to: NaiveDate, by: Comparison) -> Totals {
        let mut rows: BTreeMap<i32, Counters> = BTreeMap::new();
        for f in list {
            for (d, c) in contribution(f, by).days {
                add_into(rows.entry(d).or_insert([0; WIDTH]), &c, 1);
            }
        }
        let mut fold = Fold::new(day_number(from), day_number(to) + 1);
        for (d, c) in &rows {
            fold.push(*d, c);
        }
        fold.totals()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        /// Sums over days give exactly the dossier-by-dossier count, for any period and
        /// either comparison.
        #[test]
        fn sums_equal_the_direct_count(
            list in prop::collection::vec(facts(), 0..40),
            from_off in 0i64..70,
            len in 0i64..40,
            timestamp in any::<bool>(),
        ) {
            let by = if timestamp { Comparison::Timestamp } else { Comparison::CalendarDay };
            let from = local_day(base()) + Duration::days(from_off - 5);
            let to = from + Duration::days(len);
            let direct = build(&list, midnight(from), midnight(to + Duration::days(1)), GroupBy::Area, by);
            let sums = by_sums(&list, from, to, by);
            prop_assert_eq!(&sums.row, &direct.total);
            let digitized = list.iter().filter(|f| f.digitized
                && f.received_at >= midnight(from)
                && f.received_at < midnight(to + Duration::days(1))).count() as u64;
            prop_assert_eq!(sums.digitized, digitized);
        }
    }

    #[test]
    fn a_dossier_open_across_periods() {
        // Received 2 March 09:00, promised 5 March, resolved 9 March: open on the starts
        // of 3..=9 March, overdue for period ends on 7..=9 March (the 5th is in time
        // through its last instant, the 6th's end is the first after it).
        let at = |d: u32, h: u32| {
            Utc.with_ymd_and_hms(2026, 3, d, h, 0, 0).unwrap() - Duration::hours(7)
        };
        let f = Facts {
            area: 1,
            procedure: "p".into(),
            officer: None,
            channel: Channel::Direct,
            received_at: at(2, 9),
            due_at: at(5, 17),
            resolved_at: Some(at(9, 10)),
            closed_at: None,
            digitized: false,
            indicators: Some((at(9, 11), [2, 1, 2, 1, 2, 2, 1, 2, 0])),
            waiting_since: None,
        };
        let c = contribution(&f, Comparison::CalendarDay);
        let day = |d: u32| day_number(NaiveDate::from_ymd_opt(2026, 3, d).unwrap());
        assert_eq!(c.days[&day(2)][DIRECT], 1);
        assert_eq!(c.days[&day(3)][OPEN], 1);
        assert_eq!(c.days[&day(10)][OPEN], -1);
        assert_eq!(c.days[&day(7)][OVERDUE], 1);
        assert_eq!(c.days[&day(10)][OVERDUE], -1);
        assert_eq!(c.days[&day(9)][LATE], 1);
        assert_eq!(c.days[&day(9)][IND_COUNT], 1);
        assert_eq!(c.days[&day(9)][IND_SUM + 8], 0);
        assert_eq!(c.days[&day(9)][IND_SUM], 2);
        // Summing a dossier's part and taking it away again leaves nothing.
        let mut sum = [0; WIDTH];
        for v in c.days.values() {
            add_into(&mut sum, v, 1);
        }
        assert_eq!(
            sum[OPEN], 0,
            "every interval closes once the dossier is finished"
        );
        let d = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let t = by_sums(
            std::slice::from_ref(&f),
            d,
            d + Duration::days(30),
            Comparison::CalendarDay,
        );
        assert_eq!(t.indicators, (1, [2, 1, 2, 1, 2, 2, 1, 2, 0]));
    }
}
