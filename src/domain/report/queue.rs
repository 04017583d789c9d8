//! The queue report: how many tickets, how long citizens waited, walked to the counter and
//! were served, per area, counter, officer and hour of the day, and the service level
//! (share of served citizens called within N minutes).
//!
//! Times of a ticket: wait = issue → first call; walk = first call → start of service;
//! service = start → finish; total = issue → finish. A transferred ticket keeps its issue
//! time, so its wait includes the first counter's service (what the citizen lived).

use std::collections::BTreeMap;

use chrono::Timelike;
use serde::Serialize;

use crate::domain::queue::{Ticket, TicketState};
use crate::domain::rating::percent;
use crate::domain::time::local;

/// Mean, median and 90th percentile of a set of durations, in seconds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stat {
    pub count: u64,
    pub mean_secs: Option<u64>,
    pub median_secs: Option<u64>,
    pub p90_secs: Option<u64>,
}

impl Stat {
    /// Nearest-rank percentiles (the value a citizen actually had), rounded mean.
    pub fn of(mut v: Vec<u64>) -> Stat {
        if v.is_empty() {
            return Stat::default();
        }
        v.sort_unstable();
        let n = v.len();
        let rank = |p: f64| v[((p * n as f64).ceil() as usize).clamp(1, n) - 1];
        let sum: u128 = v.iter().map(|x| u128::from(*x)).sum();
        Stat {
            count: n as u64,
            mean_secs: Some(((sum + n as u128 / 2) / n as u128) as u64),
            median_secs: Some(rank(0.5)),
            p90_secs: Some(rank(0.9)),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Group {
    pub key: String,
    pub issued: u64,
    pub served: u64,
    pub no_show: u64,
    pub cancelled: u64,
    pub wait: Stat,
    pub walk: Stat,
    pub service: Stat,
    pub total: Stat,
    /// Served tickets called within the target wait.
    pub within_target: u64,
    /// `within_target / served`, two decimals half up (`87,50`).
    pub service_level: Option<String>,
}

#[derive(Default)]
struct Acc {
    issued: u64,
    served: u64,
    no_show: u64,
    cancelled: u64,
    wait: Vec<u64>,
    walk: Vec<u64>,
    service: Vec<u64>,
    total: Vec<u64>,
    within: u64,
}

impl Acc {
    fn add(&mut self, t: &Ticket, target_secs: u64) {
        self.issued += 1;
        let secs = |a: chrono::DateTime<chrono::Utc>, b: chrono::DateTime<chrono::Utc>| {
            (b - a).num_seconds().max(0) as u64
        };
        match t.state {
            TicketState::NoShow => self.no_show += 1,
            TicketState::Cancelled => self.cancelled += 1,
            TicketState::Done => {
                self.served += 1;
                if let Some(c) = t.first_called_at {
                    let w = secs(t.issued_at, c);
                    self.wait.push(w);
                    if w <= target_secs {
                        self.within += 1;
                    }
                    if let Some(s) = t.started_at {
                        self.walk.push(secs(c, s));
                    }
                }
                if let (Some(s), Some(f)) = (t.started_at, t.finished_at) {
                    self.service.push(secs(s, f));
                }
                if let Some(f) = t.finished_at {
                    self.total.push(secs(t.issued_at, f));
                }
            }
            _ => {}
        }
    }

    fn finish(self, key: String) -> Group {
        Group {
            key,
            issued: self.issued,
            served: self.served,
            no_show: self.no_show,
            cancelled: self.cancelled,
            wait: Stat::of(self.wait),
            walk: Stat::of(self.walk),
            service: Stat::of(self.service),
            total: Stat::of(self.total),
            within_target: self.within,
            service_level: percent(self.within, self.served),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct QueueReport {
    pub target_wait_minutes: u32,
    pub all: Group,
    pub by_area: Vec<Group>,
    pub by_counter: Vec<Group>,
    pub by_officer: Vec<Group>,
    /// By the local hour the ticket was issued (`07`, `08`, …).
    pub by_hour: Vec<Group>,
}

/// Builds the report of the given tickets; groups are keyed by area id, counter id,
/// officer and hour (the caller puts names on them).
pub fn build<'a>(
    tickets: impl IntoIterator<Item = &'a Ticket>,
    target_wait_minutes: u32,
) -> QueueReport {
    let target = u64::from(target_wait_minutes) * 60;
    let mut all = Acc::default();
    let mut area: BTreeMap<String, Acc> = BTreeMap::new();
    let mut counter: BTreeMap<String, Acc> = BTreeMap::new();
    let mut officer: BTreeMap<String, Acc> = BTreeMap::new();
    let mut hour: BTreeMap<String, Acc> = BTreeMap::new();
    for t in tickets {
        all.add(t, target);
        area.entry(format!("{:04}", t.service))
            .or_default()
            .add(t, target);
        if let Some(c) = t.counter {
            counter.entry(format!("{c:04}")).or_default().add(t, target);
        }
        if let Some(o) = &t.officer {
            officer.entry(o.clone()).or_default().add(t, target);
        }
        hour.entry(format!("{:02}", local(t.issued_at).hour()))
            .or_default()
            .add(t, target);
    }
    let groups = |m: BTreeMap<String, Acc>| -> Vec<Group> {
        m.into_iter()
            .map(|(k, a)| a.finish(k.trim_start_matches('0').to_string()))
            .collect()
    };
    QueueReport {
        target_wait_minutes,
        all: all.finish(String::new()),
        by_area: groups(area),
        by_counter: groups(counter),
        by_officer: groups(officer),
        by_hour: hour.into_iter().map(|(k, a)| a.finish(k)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Duration, TimeZone, Utc};

    fn t0() -> DateTime<Utc> {
        // 08:00 local.
        Utc.with_ymd_and_hms(2026, 3, 5, 1, 0, 0).unwrap()
    }

    fn ticket(id: u64, state: TicketState, wait_min: i64, walk_min: i64, svc_min: i64) -> Ticket {
        let issued = t0() + Duration::minutes(id as i64 * 10);
        let called = issued + Duration::minutes(wait_min);
        let started = called + Duration::minutes(walk_min);
        let done = state == TicketState::Done;
        Ticket {
            id,
            number: format!("A{id:03}"),
            service: 1,
            day: issued.date_naive(),
            priority: None,
            state,
            issued_at: issued,
            queue_at: issued,
            waiting_since: issued,
            counter: Some(1),
            target_counter: None,
            calls: vec![],
            first_called_at: (state != TicketState::Waiting).then_some(called),
            started_at: done.then_some(started),
            finished_at: done.then(|| started + Duration::minutes(svc_min)),
            officer: Some("canbo1".into()),
            transfers: 0,
            requeues: 0,
            waiting_ahead_at_issue: 0,
            status_token: String::new(),
            dossier: None,
            received: vec![],
            purpose: None,
        }
    }

    #[test]
    fn stats_by_hand() {
        assert_eq!(Stat::of(vec![]), Stat::default());
        let s = Stat::of(vec![60, 120, 180, 240, 900]);
        assert_eq!(
            (s.mean_secs, s.median_secs, s.p90_secs),
            (Some(300), Some(180), Some(900))
        );
        let s = Stat::of((1..=10).map(|m| m * 60).collect());
        assert_eq!((s.median_secs, s.p90_secs), (Some(300), Some(540)));
    }

    #[test]
    fn a_morning_by_hand() {
        let ts = vec![
            ticket(1, TicketState::Done, 5, 1, 10),
            ticket(2, TicketState::Done, 20, 1, 5),
            ticket(3, TicketState::Done, 10, 2, 15),
            ticket(4, TicketState::NoShow, 30, 0, 0),
            ticket(5, TicketState::Cancelled, 0, 0, 0),
            ticket(6, TicketState::Waiting, 0, 0, 0),
        ];
        let r = build(&ts, 15);
        let a = &r.all;
        assert_eq!((a.issued, a.served, a.no_show, a.cancelled), (6, 3, 1, 1));
        assert_eq!(a.wait.median_secs, Some(600));
        assert_eq!(a.wait.mean_secs, Some(700)); // (5 + 20 + 10) min / 3
        assert_eq!(a.walk.p90_secs, Some(120));
        assert_eq!(a.service.mean_secs, Some(600));
        assert_eq!(a.total.count, 3);
        // Called within 15 minutes: tickets 1 and 3 of the 3 served.
        assert_eq!(
            (a.within_target, a.service_level.as_deref()),
            (2, Some("66,67"))
        );
        assert_eq!(r.by_area.len(), 1);
        assert_eq!(r.by_area[0].key, "1");
        assert_eq!(r.by_officer[0].key, "canbo1");
        // Issued 08:10 … 09:00 local: hours 08 and 09.
        let hours: Vec<&str> = r.by_hour.iter().map(|g| g.key.as_str()).collect();
        assert_eq!(hours, ["08", "09"]);
    }
}
