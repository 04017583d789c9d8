//! Login throttling: a pure state machine over (key → failures), keyed per username and
//! address pair and per address. After a few failures a key is locked for a time that
//! doubles with each further failure, capped, so a brute force of thousands of guesses
//! gets nowhere while the real user (from another desk) is never locked out, and even
//! from the same desk only for minutes.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures allowed before the first lock.
    pub free_failures: u32,
    pub first_lock: Duration,
    pub max_lock: Duration,
    /// A key's failures are forgotten after this much quiet time.
    pub forget_after: Duration,
}

impl ThrottlePolicy {
    pub fn per_user_and_address() -> Self {
        ThrottlePolicy {
            free_failures: 5,
            first_lock: Duration::seconds(30),
            max_lock: Duration::minutes(15),
            forget_after: Duration::hours(1),
        }
    }

    /// An address may try several accounts (a shared desk), so it gets more room.
    pub fn per_address() -> Self {
        ThrottlePolicy {
            free_failures: 20,
            ..Self::per_user_and_address()
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last: DateTime<Utc>,
    locked_until: Option<DateTime<Utc>>,
}

#[derive(Debug, Default)]
pub struct Throttle {
    entries: HashMap<String, Entry>,
}

/// At most this many keys are remembered (oldest forgotten first), bounding memory.
const MAX_KEYS: usize = 10_000;

impl Throttle {
    /// `Some(seconds)` to wait when the key is locked at `now`.
    pub fn locked(&self, key: &str, now: DateTime<Utc>) -> Option<i64> {
        let e = self.entries.get(key)?;
        let until = e.locked_until?;
        (until > now).then(|| (until - now).num_seconds().max(1))
    }

    pub fn failure(&mut self, key: &str, policy: &ThrottlePolicy, now: DateTime<Utc>) {
        if self.entries.len() >= MAX_KEYS && !self.entries.contains_key(key) {
            self.forget_oldest();
        }
        let e = self.entries.entry(key.to_string()).or_insert(Entry {
            failures: 0,
            last: now,
            locked_until: None,
        });
        if now - e.last > policy.forget_after {
            *e = Entry {
                failures: 0,
                last: now,
                locked_until: None,
            };
        }
        e.failures += 1;
        e.last = now;
        if e.failures >= policy.free_failures {
            let doublings = (e.failures - policy.free_failures).min(16);
            let lock = policy.first_lock * 2i32.pow(doublings);
            e.locked_until = Some(now + lock.min(policy.max_lock));
        }
    }

    pub fn success(&mut self, key: &str) {
        self.entries.remove(key);
    }

    fn forget_oldest(&mut self) {
        if let Some(k) = self
            .entries
            .iter()
            .min_by_key(|(_, e)| e.last)
            .map(|(k, _)| k.clone())
        {
            self.entries.remove(&k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 5, 1, 0, 0).unwrap()
    }

    #[test]
    fn locks_after_free_failures_and_doubles_up_to_the_cap() {
        let p = ThrottlePolicy::per_user_and_address();
        let mut th = Throttle::default();
        let mut now = t0();
        for _ in 0..4 {
            th.failure("k", &p, now);
            assert_eq!(th.locked("k", now), None);
        }
        th.failure("k", &p, now);
        assert_eq!(th.locked("k", now), Some(30));
        now += Duration::seconds(31);
        assert_eq!(th.locked("k", now), None);
        th.failure("k", &p, now);
        assert_eq!(th.locked("k", now), Some(60));
        for _ in 0..20 {
            th.failure("k", &p, now);
        }
        assert_eq!(th.locked("k", now), Some(15 * 60), "capped");
        // Not forever.
        assert_eq!(th.locked("k", now + Duration::minutes(16)), None);
    }

    #[test]
    fn a_thousand_guesses_mostly_bounce_and_success_resets() {
        let p = ThrottlePolicy::per_user_and_address();
        let mut th = Throttle::default();
        let mut tried = 0;
        let mut now = t0();
        // One guess every 2 seconds for 1000 attempts (33 minutes).
        for _ in 0..1000 {
            if th.locked("k", now).is_none() {
                tried += 1;
                th.failure("k", &p, now);
            }
            now += Duration::seconds(2);
        }
        assert!(
            tried < 20,
            "only {tried} guesses reached the password check"
        );
        th.success("k");
        assert_eq!(th.locked("k", now), None);
    }

    #[test]
    fn quiet_time_forgets_failures() {
        let p = ThrottlePolicy::per_user_and_address();
        let mut th = Throttle::default();
        for _ in 0..4 {
            th.failure("k", &p, t0());
        }
        th.failure("k", &p, t0() + Duration::hours(2));
        assert_eq!(th.locked("k", t0() + Duration::hours(2)), None);
    }
}
