//! Citizen satisfaction ratings (DOMAIN.md §7): one per served ticket, from the counter's
//! rating tablet (three keys) or from the citizen's phone through the ticket's QR (the
//! five-level survey scale). Both are stored on the five-level scale so that reports
//! read one scale.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Five levels, 5 = `Rất hài lòng` … 1 = `Rất không hài lòng`. The tablet's three keys
/// are 5, 4 and 2.
pub const LEVELS: [(u8, &str); 5] = [
    (5, "Rất hài lòng"),
    (4, "Hài lòng"),
    (3, "Bình thường"),
    (2, "Không hài lòng"),
    (1, "Rất không hài lòng"),
];

/// The tablet's three keys.
pub const DEVICE_LEVELS: [u8; 3] = [5, 4, 2];

/// Reasons offered when a citizen is unhappy (chosen, not typed: a tablet has no keyboard).
pub const REASONS: [&str; 5] = [
    "Chờ đợi lâu",
    "Thái độ cán bộ chưa tốt",
    "Hướng dẫn chưa rõ ràng",
    "Phải đi lại nhiều lần",
    "Giải quyết chậm so với hẹn",
];

pub fn level_label(level: u8) -> &'static str {
    LEVELS
        .iter()
        .find(|(l, _)| *l == level)
        .map(|(_, s)| *s)
        .unwrap_or("")
}

/// Where a rating came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RatingChannel {
    /// The tablet at the counter.
    Device,
    /// The citizen's phone, through the QR on the ticket.
    Phone,
}

/// What the citizen chose.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RatingInput {
    pub level: u8,
    #[serde(default)]
    pub reasons: Vec<String>,
}

/// A stored rating, bound to the ticket and to whoever and whatever served it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    pub ticket: u64,
    pub number: String,
    pub level: u8,
    pub reasons: Vec<String>,
    pub channel: RatingChannel,
    pub at: DateTime<Utc>,
    pub service: u32,
    pub counter: Option<u32>,
    pub officer: Option<String>,
    pub dossier: Option<String>,
}

impl Rating {
    /// Counts against satisfaction index 5.4 (the "dislike" of the national portal).
    pub fn is_dislike(&self) -> bool {
        self.level <= 2
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RatingError {
    #[error("Mức đánh giá phải từ 1 đến 5")]
    BadLevel,
    #[error("Lý do không có trong danh sách")]
    BadReason,
    #[error("Phiếu này chưa được phục vụ xong nên chưa thể đánh giá")]
    NotServed,
    #[error("Phiếu này đã được đánh giá; mỗi lượt phục vụ chỉ đánh giá một lần")]
    AlreadyRated,
    #[error("Thiết bị đánh giá chỉ có ba mức: Rất hài lòng, Hài lòng, Không hài lòng")]
    NotADeviceKey,
}

impl RatingError {
    pub fn code(&self) -> &'static str {
        match self {
            RatingError::BadLevel => "bad_level",
            RatingError::BadReason => "bad_reason",
            RatingError::NotServed => "not_served",
            RatingError::AlreadyRated => "already_rated",
            RatingError::NotADeviceKey => "not_a_device_key",
        }
    }
}

/// Checks a citizen's choice. Reasons come from [`REASONS`] only and are kept only for an
/// unhappy rating (a happy one has nothing to explain).
pub fn check(input: &RatingInput, channel: RatingChannel) -> Result<RatingInput, RatingError> {
    if !(1..=5).contains(&input.level) {
        return Err(RatingError::BadLevel);
    }
    if channel == RatingChannel::Device && !DEVICE_LEVELS.contains(&input.level) {
        return Err(RatingError::NotADeviceKey);
    }
    if input.reasons.iter().any(|r| !REASONS.contains(&r.as_str())) {
        return Err(RatingError::BadReason);
    }
    let mut reasons = if input.level <= 2 {
        input.reasons.clone()
    } else {
        Vec::new()
    };
    reasons.sort();
    reasons.dedup();
    Ok(RatingInput {
        level: input.level,
        reasons,
    })
}

/// Counts and the satisfaction share of a set of ratings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RatingSummary {
    pub total: u32,
    /// Count per level, index 0 = level 1 … index 4 = level 5.
    pub by_level: [u32; 5],
    pub satisfied: u32,
    pub dislike: u32,
    /// `satisfied / total` as a percentage with two decimals, rounded half up; `None`
    /// without ratings.
    pub satisfied_percent: Option<String>,
    /// How often each reason was given with an unhappy rating, in [`REASONS`] order,
    /// only the reasons given at least once: what the center head acts on.
    pub reasons: Vec<ReasonCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReasonCount {
    pub reason: &'static str,
    pub count: u32,
}

/// Satisfied = `Rất hài lòng` or `Hài lòng`.
pub fn summarize<'a>(ratings: impl IntoIterator<Item = &'a Rating>) -> RatingSummary {
    let mut s = RatingSummary::default();
    for r in ratings {
        s.total += 1;
        if (1..=5).contains(&r.level) {
            s.by_level[usize::from(r.level - 1)] += 1;
        }
        if r.level >= 4 {
            s.satisfied += 1;
        }
        if r.is_dislike() {
            s.dislike += 1;
        }
        for why in &r.reasons {
            if let Some(known) = REASONS.iter().find(|x| **x == why.as_str()) {
                match s.reasons.iter_mut().find(|c| c.reason == *known) {
                    Some(c) => c.count += 1,
                    None => s.reasons.push(ReasonCount {
                        reason: known,
                        count: 1,
                    }),
                }
            }
        }
    }
    s.reasons
        .sort_by_key(|c| REASONS.iter().position(|x| *x == c.reason));
    s.satisfied_percent = percent(u64::from(s.satisfied), u64::from(s.total));
    s
}

/// Summaries per key (an officer, a counter), in key order; ratings without a key (an
/// officer not recorded, a phone rating of a ticket never served at a counter) are left
/// out of this breakdown, not lumped into a false group.
pub fn summarize_by<'a, K: Ord>(
    ratings: impl IntoIterator<Item = &'a Rating>,
    key: impl Fn(&Rating) -> Option<K>,
) -> Vec<(K, RatingSummary)> {
    let mut groups: std::collections::BTreeMap<K, Vec<&Rating>> = Default::default();
    for r in ratings {
        if let Some(k) = key(r) {
            groups.entry(k).or_default().push(r);
        }
    }
    groups
        .into_iter()
        .map(|(k, rs)| (k, summarize(rs)))
        .collect()
}

/// `n / d` as a percentage with two decimals, rounded half up, written the Vietnamese way
/// (`99,41`); exact integer arithmetic, no floating point.
pub fn percent(n: u64, d: u64) -> Option<String> {
    if d == 0 {
        return None;
    }
    // Hundredths of a percent, rounded half up: (n * 10000 * 2 + d) / (2d).
    let v = (u128::from(n) * 20_000 + u128::from(d)) / (u128::from(d) * 2);
    Some(format!("{},{:02}", v / 100, v % 100))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(level: u8) -> Rating {
        Rating {
            ticket: 1,
            number: "A001".into(),
            level,
            reasons: vec![],
            channel: RatingChannel::Device,
            at: DateTime::<Utc>::UNIX_EPOCH,
            service: 1,
            counter: Some(1),
            officer: Some("canbo1".into()),
            dossier: None,
        }
    }

    #[test]
    fn input_checks() {
        let ok = |level, reasons: &[&str], ch| {
            check(
                &RatingInput {
                    level,
                    reasons: reasons.iter().map(|s| s.to_string()).collect(),
                },
                ch,
            )
        };
        assert_eq!(
            ok(0, &[], RatingChannel::Phone).unwrap_err(),
            RatingError::BadLevel
        );
        assert_eq!(
            ok(6, &[], RatingChannel::Phone).unwrap_err(),
            RatingError::BadLevel
        );
        assert_eq!(
            ok(3, &[], RatingChannel::Device).unwrap_err(),
            RatingError::NotADeviceKey
        );
        assert_eq!(
            ok(2, &["Tệ"], RatingChannel::Device).unwrap_err(),
            RatingError::BadReason
        );
        let unhappy = ok(2, &["Chờ đợi lâu", "Chờ đợi lâu"], RatingChannel::Device).unwrap();
        assert_eq!(unhappy.reasons, ["Chờ đợi lâu"]);
        // A happy rating carries no reasons.
        assert!(ok(5, &["Chờ đợi lâu"], RatingChannel::Device)
            .unwrap()
            .reasons
            .is_empty());
        assert_eq!(ok(3, &[], RatingChannel::Phone).unwrap().level, 3);
    }

    #[test]
    fn breakdown_per_officer_counts_reasons_and_leaves_out_the_unknown() {
        let mut rs: Vec<Rating> = [5, 2, 4].into_iter().map(r).collect();
        rs[1].reasons = vec!["Thái độ cán bộ chưa tốt".into(), "Chờ đợi lâu".into()];
        let mut other = r(2);
        other.officer = Some("canbo2".into());
        other.reasons = vec!["Chờ đợi lâu".into()];
        rs.push(other);
        let mut phone = r(5);
        phone.officer = None;
        rs.push(phone);
        let by = summarize_by(&rs, |x| x.officer.clone());
        assert_eq!(by.len(), 2);
        assert_eq!(by[0].0, "canbo1");
        assert_eq!(
            (by[0].1.total, by[0].1.satisfied, by[0].1.dislike),
            (3, 2, 1)
        );
        assert_eq!(by[0].1.satisfied_percent.as_deref(), Some("66,67"));
        // Reasons in the list's order, not the order given.
        let reasons: Vec<_> = by[0]
            .1
            .reasons
            .iter()
            .map(|c| (c.reason, c.count))
            .collect();
        assert_eq!(
            reasons,
            [("Chờ đợi lâu", 1), ("Thái độ cán bộ chưa tốt", 1)]
        );
        assert_eq!((by[1].0.as_str(), by[1].1.total), ("canbo2", 1));
        // The whole center counts every rating, the phone one included.
        let all = summarize(&rs);
        assert_eq!(all.total, 5);
        assert_eq!(all.reasons[0].count, 2);
    }

    #[test]
    fn summary_and_rounding() {
        let rs: Vec<Rating> = [5, 5, 4, 2, 1, 3].into_iter().map(r).collect();
        let s = summarize(&rs);
        assert_eq!(s.total, 6);
        assert_eq!(s.by_level, [1, 1, 1, 1, 2]);
        assert_eq!((s.satisfied, s.dislike), (3, 2));
        assert_eq!(s.satisfied_percent.as_deref(), Some("50,00"));
        assert_eq!(summarize(&[]).satisfied_percent, None);
        // Half up at the second decimal; public figures of DOMAIN.md §6.
        assert_eq!(percent(635_593, 643_272).as_deref(), Some("98,81"));
        assert_eq!(percent(4_157, 4_169).as_deref(), Some("99,71"));
        assert_eq!(percent(1, 8).as_deref(), Some("12,50"));
        assert_eq!(percent(1, 3).as_deref(), Some("33,33"));
        assert_eq!(percent(2, 3).as_deref(), Some("66,67"));
        assert_eq!(percent(1, 80_000).as_deref(), Some("0,00"));
        assert_eq!(percent(1, 40_000).as_deref(), Some("0,00"));
        assert_eq!(percent(1, 20_000).as_deref(), Some("0,01"));
        assert_eq!(percent(5, 5).as_deref(), Some("100,00"));
        assert_eq!(level_label(4), "Hài lòng");
    }
}
