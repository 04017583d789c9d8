//! The dossier report (Biểu 06/VPCP/KSTT, Circular 01/2020/TT-VPCP) and the three on-time
//! rates in official use (DOMAIN.md §5–6), computed from each dossier's dates.
//!
//! Conventions (settings in a later version; these are DOMAIN.md's defaults):
//! - A dossier is *received* in the period when its reception time falls in it (online
//!   dossiers not yet accepted, status 1, are not received yet).
//! - *Carried over*: received before the period and not finished when it starts.
//! - *Finished* means processing ended: resolved (`NgayKetThucXuLy`, not the hand-over), or
//!   refused, withdrawn or stopped. Only resolutions are "resolved"; the others are counted
//!   apart (`closed_other`) so every handled dossier is accounted for.
//! - Timeliness by calendar day against the promised date; after an apology the original
//!   promise still decides (the extension does not make a late dossier on time).
//! - The citizen's time does not count (DOMAIN.md §5–6, the clock stop): a dossier waiting
//!   for the citizen's papers or fees is not overdue while it waits, provided it was still
//!   within its promise when the wait began. On resumption the promise moves by the working
//!   time waited (`DossierCommand::Resume`), and the usual rule applies again.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::dossier::{
    classify_finished, classify_open, waited_in_time, Channel, Comparison, Dossier, Status,
    Timeliness,
};
use crate::domain::rating::percent;

/// The counting conventions a province may choose (DOMAIN.md §5): how a finish is compared
/// to the promise, and whether refused, withdrawn and stopped dossiers count at all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Conventions {
    #[serde(default)]
    pub comparison: Comparison,
    #[serde(default)]
    pub other_closures: OtherClosures,
}

/// What happens to refused, withdrawn and stopped dossiers in the report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OtherClosures {
    /// Received and handled like any other: in the totals, apart from the resolved
    /// (`closed_other`), and in B's numerator when closed by the promise.
    #[default]
    Count,
    /// Left out of every count, as some provinces publish (Vĩnh Phúc's rate C).
    Exclude,
}

/// What the report needs of one dossier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub area: u32,
    pub procedure: String,
    /// Who resolved it, or who holds it now.
    pub officer: Option<String>,
    pub channel: Channel,
    pub received_at: DateTime<Utc>,
    /// The promise on-time is judged against.
    pub due_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// Refused, withdrawn or stopped at this time.
    pub closed_at: Option<DateTime<Utc>>,
    /// Every paper (and the result, once there is one) has a file: index 4.2.
    pub digitized: bool,
    /// The nine legal indicators, when recorded, and when.
    pub indicators: Option<(DateTime<Utc>, [u8; 9])>,
    /// Waiting for the citizen (supplement or fees) since then, after the reception.
    pub waiting_since: Option<DateTime<Utc>>,
}

impl Facts {
    /// `None` for dossiers never received (online, status 1), and for those the
    /// conventions leave out. A finish recorded before the reception (imported data) is
    /// taken as at the reception.
    pub fn of(d: &Dossier, conv: &Conventions) -> Option<Facts> {
        let received_at = d.state.received_at?;
        let due_at = d.state.promised_for_classification()?;
        let closed_at = match d.status() {
            Status::Refused | Status::Withdrawn | Status::Stopped => {
                if conv.other_closures == OtherClosures::Exclude {
                    return None;
                }
                d.state.closed_at.or(Some(d.state.last_event_at))
            }
            _ => None,
        };
        let closed_at = closed_at.map(|t| t.max(received_at));
        let resolver = d
            .history
            .iter()
            .rev()
            .find(|h| h.event == crate::domain::dossier::EventKind::Resolved)
            .map(|h| h.actor.clone());
        Some(Facts {
            area: d.procedure.area,
            procedure: d.procedure.code.clone(),
            officer: resolver.or_else(|| d.state.current_officer.clone()),
            channel: d.state.channel,
            received_at,
            due_at,
            resolved_at: d.state.resolved_at.map(|t| t.max(received_at)),
            closed_at,
            digitized: crate::domain::dossier::digitize::is_digitized(d),
            indicators: d
                .state
                .indicators
                .as_ref()
                .map(|i| (i.at.max(received_at), i.scores)),
            waiting_since: d.waiting_since().map(|t| t.max(received_at)),
        })
    }

    fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.resolved_at.or(self.closed_at)
    }

    /// Open and waiting for the citizen since a time still within the promise: the wait is
    /// the citizen's time, so the dossier cannot fall overdue during it.
    pub fn waits_in_time(&self, by: Comparison) -> bool {
        self.finished_at().is_none() && waited_in_time(self.waiting_since, self.due_at, by)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Received {
    pub total: u64,
    pub online: u64,
    /// In person or by post.
    pub direct: u64,
    pub carried_over: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Resolved {
    pub total: u64,
    pub early: u64,
    pub on_time: u64,
    pub late: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct InProgress {
    pub total: u64,
    pub within_deadline: u64,
    pub overdue: u64,
}

/// A rate with its exact parts; `percent` is rounded half up to two decimals, written
/// the Vietnamese way (`99,41`), `None` when the denominator is 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rate {
    pub numerator: u64,
    pub denominator: u64,
    pub percent: Option<String>,
}

impl Rate {
    fn new(numerator: u64, denominator: u64) -> Rate {
        Rate {
            numerator,
            denominator,
            percent: percent(numerator, denominator),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rates {
    /// A: (early + on time) ÷ resolved.
    pub resolved_on_time: Rate,
    /// B, Decision 766 index 2.1: (finished on time + in progress within deadline) ÷ all
    /// received and handled in the period.
    pub decision_766: Rate,
    /// C: (early + on time) ÷ (resolved + in progress overdue).
    pub due_on_time: Rate,
}

/// One row of Biểu 06 (or the total).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Row {
    pub received: Received,
    pub resolved: Resolved,
    pub in_progress: InProgress,
    /// Refused, withdrawn or stopped in the period (of which finished by the promise).
    pub closed_other: u64,
    pub closed_other_on_time: u64,
}

impl Row {
    pub fn rates(&self) -> Rates {
        let on_time = self.resolved.early + self.resolved.on_time;
        Rates {
            resolved_on_time: Rate::new(on_time, self.resolved.total),
            decision_766: Rate::new(
                on_time + self.closed_other_on_time + self.in_progress.within_deadline,
                self.received.total,
            ),
            due_on_time: Rate::new(on_time, self.resolved.total + self.in_progress.overdue),
        }
    }

    fn add(&mut self, o: &Row) {
        let r = &mut self.received;
        r.total += o.received.total;
        r.online += o.received.online;
        r.direct += o.received.direct;
        r.carried_over += o.received.carried_over;
        let s = &mut self.resolved;
        s.total += o.resolved.total;
        s.early += o.resolved.early;
        s.on_time += o.resolved.on_time;
        s.late += o.resolved.late;
        let p = &mut self.in_progress;
        p.total += o.in_progress.total;
        p.within_deadline += o.in_progress.within_deadline;
        p.overdue += o.in_progress.overdue;
        self.closed_other += o.closed_other;
        self.closed_other_on_time += o.closed_other_on_time;
    }

    /// Adds one dossier for the period `[start, end)`; returns false when it plays no part.
    pub fn count(
        &mut self,
        f: &Facts,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        by: Comparison,
    ) -> bool {
        let finished = f.finished_at();
        let received_now = f.received_at >= start && f.received_at < end;
        let carried = f.received_at < start && finished.is_none_or(|t| t >= start);
        if !(received_now || carried) {
            return false;
        }
        if carried {
            self.received.carried_over += 1;
        } else if f.channel == Channel::Online {
            self.received.online += 1;
        } else {
            self.received.direct += 1;
        }
        self.received.total += 1;
        match (f.resolved_at, f.closed_at) {
            (Some(t), _) if t < end => {
                self.resolved.total += 1;
                match classify_finished(t, f.due_at, by) {
                    Timeliness::Early => self.resolved.early += 1,
                    Timeliness::OnTime => self.resolved.on_time += 1,
                    _ => self.resolved.late += 1,
                }
            }
            (None, Some(t)) if t < end => {
                self.closed_other += 1;
                if classify_finished(t, f.due_at, by) != Timeliness::Late {
                    self.closed_other_on_time += 1;
                }
            }
            _ => {
                self.in_progress.total += 1;
                // The period's last instant decides: a promise on the last day is in time.
                let last = end - chrono::Duration::seconds(1);
                if f.waits_in_time(by) || classify_open(f.due_at, last, by) == Timeliness::InTime {
                    self.in_progress.within_deadline += 1;
                } else {
                    self.in_progress.overdue += 1;
                }
            }
        }
        true
    }
}

/// How report rows are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    #[default]
    Area,
    Procedure,
    Officer,
}

/// Rows keyed by area id / procedure code / officer, and their total.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub rows: BTreeMap<String, Row>,
    pub total: Row,
}

/// Builds the report of `[start, end)` from every dossier's facts.
pub fn build<'a>(
    facts: impl IntoIterator<Item = &'a Facts>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    group: GroupBy,
    by: Comparison,
) -> Report {
    let mut rep = Report::default();
    for f in facts {
        let mut one = Row::default();
        if !one.count(f, start, end, by) {
            continue;
        }
        let key = match group {
            GroupBy::Area => format!("{:06}", f.area),
            GroupBy::Procedure => f.procedure.clone(),
            GroupBy::Officer => f.officer.clone().unwrap_or_default(),
        };
        rep.rows.entry(key).or_default().add(&one);
        rep.total.add(&one);
    }
    rep
}

/// One Decision 766 index a commune can compute locally.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Index766 {
    pub code: &'static str,
    pub name: &'static str,
    pub rate: Rate,
    /// The rate at which the index earns full marks (percent), when published.
    pub threshold_percent: Option<u32>,
    /// Full marks, when published.
    pub max_points: Option<u32>,
    /// `rate × max ÷ threshold`, capped at `max`, two decimals (`5,33`); needs both above.
    pub points: Option<String>,
    pub note: String,
}

/// Index 1.4's parts for the period: dossiers received in it (`should`), those the
/// province acknowledged (`synced`), and the rest, waiting or refused.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SyncCounts {
    pub should: u64,
    pub synced: u64,
    pub pending: u64,
    pub rejected: u64,
}

/// Signed results and certified e-copies in a period, shown beside index 4.2: what was
/// signed here (results signed ÷ dossiers resolved in the period) and the e-copies issued
/// (issued ÷ requests decided; copies and fees beside).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SigningCounts {
    pub results_signed: u64,
    pub resolved: u64,
    pub copies_issued: u64,
    pub copies_decided: u64,
    pub copies: u64,
    pub fee_vnd: u64,
}

/// Points of an index: full marks at or above the threshold, else proportional
/// (`rate × max ÷ threshold`), written with two decimals, half up.
pub fn points(n: u64, d: u64, threshold_percent: u32, max: u32) -> Option<String> {
    if d == 0 || threshold_percent == 0 {
        return None;
    }
    // Hundredths of a point: n/d × 100 / threshold × max × 100, capped, rounded half up.
    let num = u128::from(n) * 100 * u128::from(max) * 100;
    let den = u128::from(d) * u128::from(threshold_percent);
    let v = ((num * 2 + den) / (den * 2)).min(u128::from(max) * 100);
    Some(format!("{},{:02}", v / 100, v % 100))
}

/// The locally computable indexes of Decision 766/QĐ-TTg (DOMAIN.md §6): 2.1 from the
/// report, 3.1 from the catalogue (`online` of `procedures`), 3.3 from the channels, 5.4
/// from the report and the ratings (100 % − overdue rate − dislike share), 4.2 from the
/// dossiers' digitized papers.
pub fn decision_766(
    row: &Row,
    procedures_online: u64,
    procedures: u64,
    ratings_total: u64,
    ratings_dislike: u64,
    (digitized, received): (u64, u64),
    sync: SyncCounts,
    signing: SigningCounts,
) -> Vec<Index766> {
    let rates = row.rates();
    let received_now = row.received.online + row.received.direct;
    // 5.4: satisfaction = 1 − overdue share − dislike share, in exact hundredths.
    let handled = row.received.total;
    let overdue = row.resolved.late + row.in_progress.overdue;
    let sat = if handled == 0 || ratings_total == 0 {
        Rate::new(0, 0)
    } else {
        // 1 − o/h − x/r = (h·r − o·r − x·h) / (h·r), floored at 0.
        let den = handled * ratings_total;
        let neg = overdue * ratings_total + ratings_dislike * handled;
        Rate::new(den.saturating_sub(neg), den)
    };
    let sat_points = points(sat.numerator, sat.denominator, 90, 6);
    vec![
        Index766 {
            code: "1.4",
            name: "Hồ sơ được đồng bộ lên Cổng Dịch vụ công quốc gia",
            rate: Rate::new(sync.synced, sync.should),
            threshold_percent: None,
            max_points: None,
            points: None,
            note: format!(
                "Hồ sơ nhận trong kỳ tỉnh đã nhận; đang chờ gửi: {}, tỉnh từ chối: {} (DVCQG tự tính chỉ số này)",
                sync.pending, sync.rejected
            ),
        },
        Index766 {
            code: "2.1",
            name: "Tiến độ giải quyết (đúng hạn)",
            rate: rates.decision_766,
            threshold_percent: None,
            max_points: None,
            points: None,
            note: "Cách tính B; điểm theo hướng dẫn của tỉnh".into(),
        },
        Index766 {
            code: "3.1",
            name: "Thủ tục cung cấp dịch vụ công trực tuyến (toàn trình, một phần)",
            points: None,
            rate: Rate::new(procedures_online, procedures),
            threshold_percent: Some(80),
            max_points: None,
            note: "Từ danh mục thủ tục".into(),
        },
        Index766 {
            code: "3.3",
            name: "Hồ sơ nộp trực tuyến",
            points: None,
            rate: Rate::new(row.received.online, received_now),
            threshold_percent: Some(50),
            max_points: None,
            note: "Hồ sơ kênh 2 trên hồ sơ nhận trong kỳ".into(),
        },
        Index766 {
            code: "4.2",
            name: "Số hoá hồ sơ, kết quả giải quyết",
            rate: Rate::new(digitized, received),
            threshold_percent: Some(80),
            max_points: None,
            points: None,
            note: "Hồ sơ tiếp nhận trong kỳ có bản số hoá mọi giấy tờ (và kết quả, khi đã có)".into(),
        },
        Index766 {
            code: "",
            name: "Kết quả giải quyết được ký số (bên cạnh 4.2)",
            rate: Rate::new(signing.results_signed.min(signing.resolved), signing.resolved),
            threshold_percent: None,
            max_points: None,
            points: None,
            note: format!(
                "Kết quả ký số tại trung tâm trong kỳ: {} ÷ hồ sơ giải quyết xong trong kỳ: {}",
                signing.results_signed, signing.resolved
            ),
        },
        Index766 {
            code: "",
            name: "Bản sao điện tử có chứng thực từ bản chính (bên cạnh 4.2)",
            rate: Rate::new(signing.copies_issued, signing.copies_decided),
            threshold_percent: None,
            max_points: None,
            points: None,
            note: format!(
                "Đã cấp {} lượt ({} bản, lệ phí {} đồng) trên {} yêu cầu đã xử lý trong kỳ",
                signing.copies_issued,
                signing.copies,
                crate::domain::dossier::format_vnd(signing.fee_vnd),
                signing.copies_decided
            ),
        },
        Index766 {
            code: "5.4",
            name: "Mức độ hài lòng",
            points: sat_points,
            rate: sat,
            threshold_percent: Some(90),
            max_points: Some(6),
            note: "100% − tỷ lệ quá hạn − tỷ lệ không hài lòng".into(),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// Local day `d` of March 2026 at `h`:00 (UTC+7).
    fn at(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, d, h, 0, 0).unwrap() - chrono::Duration::hours(7)
    }

    fn f(received: DateTime<Utc>, due: DateTime<Utc>) -> Facts {
        Facts {
            area: 1,
            procedure: "1.004873".into(),
            officer: Some("canbo1".into()),
            channel: Channel::Direct,
            received_at: received,
            due_at: due,
            resolved_at: None,
            closed_at: None,
            digitized: false,
            indicators: None,
            waiting_since: None,
        }
    }

    #[test]
    fn a_hand_computed_month() {
        // Period: March 2026 (1 March 00:00 to 1 April 00:00 local).
        let (start, end) = (
            at(1, 0),
            Utc.with_ymd_and_hms(2026, 3, 31, 17, 0, 0).unwrap(),
        );
        let mut list = vec![];
        // Received in March, resolved the day before the promise: early.
        list.push(Facts {
            resolved_at: Some(at(4, 10)),
            ..f(at(2, 8), at(5, 17))
        });
        // Resolved on the promised day (late in the day still counts as on time).
        list.push(Facts {
            resolved_at: Some(at(5, 16)),
            ..f(at(2, 9), at(5, 8))
        });
        // Resolved a day late.
        list.push(Facts {
            resolved_at: Some(at(6, 9)),
            ..f(at(2, 10), at(5, 8))
        });
        // Online, still open, promised in April: within deadline.
        list.push(Facts {
            channel: Channel::Online,
            ..f(at(30, 9), at(31, 17) + chrono::Duration::days(2))
        });
        // Open, promise passed: overdue.
        list.push(f(at(9, 9), at(12, 17)));
        // Received in February, resolved in March on time: carried over.
        list.push(Facts {
            resolved_at: Some(at(3, 9)),
            ..f(at(3, 8) - chrono::Duration::days(10), at(3, 17))
        });
        // Received and resolved in February: no part in March.
        list.push(Facts {
            resolved_at: Some(at(1, 6) - chrono::Duration::days(3)),
            ..f(at(1, 8) - chrono::Duration::days(9), at(1, 8))
        });
        // Withdrawn in March before its promise.
        list.push(Facts {
            closed_at: Some(at(10, 9)),
            ..f(at(9, 8), at(12, 17))
        });
        // Received after the period: no part.
        list.push(f(
            end + chrono::Duration::hours(1),
            end + chrono::Duration::days(3),
        ));
        let r = build(&list, start, end, GroupBy::Area, Comparison::CalendarDay);
        let t = &r.total;
        assert_eq!(
            t.received,
            Received {
                total: 7,
                online: 1,
                direct: 5,
                carried_over: 1
            }
        );
        assert_eq!(
            t.resolved,
            Resolved {
                total: 4,
                early: 1,
                on_time: 2,
                late: 1
            }
        );
        assert_eq!(
            t.in_progress,
            InProgress {
                total: 2,
                within_deadline: 1,
                overdue: 1
            }
        );
        assert_eq!((t.closed_other, t.closed_other_on_time), (1, 1));
        let rates = t.rates();
        // A = 3/4, B = (3 + 1 withdrawn + 1 in time)/7, C = 3/(4 + 1).
        assert_eq!(rates.resolved_on_time, Rate::new(3, 4));
        assert_eq!(rates.resolved_on_time.percent.as_deref(), Some("75,00"));
        assert_eq!(
            (rates.decision_766.numerator, rates.decision_766.denominator),
            (5, 7)
        );
        assert_eq!(rates.decision_766.percent.as_deref(), Some("71,43"));
        assert_eq!(rates.due_on_time.percent.as_deref(), Some("60,00"));
        assert_eq!(r.rows.len(), 1);
    }

    #[test]
    fn the_citizens_waiting_time_is_not_overdue() {
        // Promised 5 March; the report is of 1–9 March (the promise has passed).
        let promise = at(5, 17);
        let count = |d: &Facts, by| {
            let r = build([d], at(1, 0), at(10, 0), GroupBy::Area, by);
            (
                r.total.in_progress.within_deadline,
                r.total.in_progress.overdue,
            )
        };
        for by in [Comparison::CalendarDay, Comparison::Timestamp] {
            // Asked for papers on the 4th, still waiting: the wait is the citizen's.
            let waiting = Facts {
                waiting_since: Some(at(4, 10)),
                ..f(at(2, 9), promise)
            };
            assert!(waiting.waits_in_time(by));
            assert_eq!(count(&waiting, by), (1, 0), "{by:?}");
            // Asked only after the promise had passed: it was overdue already.
            let late_ask = Facts {
                waiting_since: Some(at(6, 10)),
                ..f(at(2, 9), promise)
            };
            assert_eq!(count(&late_ask, by), (0, 1), "{by:?}");
            // Not waiting: overdue as before.
            assert_eq!(count(&f(at(2, 9), promise), by), (0, 1), "{by:?}");
            // A finished dossier is judged by its finish, whatever it once waited for.
            let done = Facts {
                resolved_at: Some(at(8, 9)),
                ..waiting.clone()
            };
            assert!(!done.waits_in_time(by));
        }
        // Asked on the promised day itself: by calendar day still within the promise.
        let same_day = Facts {
            waiting_since: Some(at(5, 18)),
            ..f(at(2, 9), promise)
        };
        assert_eq!(count(&same_day, Comparison::CalendarDay), (1, 0));
        assert_eq!(count(&same_day, Comparison::Timestamp), (0, 1));
    }

    #[test]
    fn a_dossier_asked_for_papers_is_waiting_until_it_resumes() {
        use crate::domain::dossier::tests_support::sample_dossier;
        use crate::domain::dossier::{apply, Action};
        let mut d = sample_dossier(Status::InProgress);
        let asked = d.state.received_at.unwrap() + chrono::Duration::days(1);
        let conv = Conventions::default();
        assert_eq!(Facts::of(&d, &conv).unwrap().waiting_since, None);
        let missing = vec![d.papers[0].clone()];
        let ask = Action::RequestSupplement {
            missing,
            reason: "Thiếu bản sao".into(),
        };
        apply(&mut d.state, &ask, "canbo1", asked).unwrap();
        assert_eq!(Facts::of(&d, &conv).unwrap().waiting_since, Some(asked));
        let resume = Action::Resume { new_due: None };
        apply(
            &mut d.state,
            &resume,
            "canbo1",
            asked + chrono::Duration::days(2),
        )
        .unwrap();
        assert_eq!(Facts::of(&d, &conv).unwrap().waiting_since, None);
    }

    #[test]
    fn a_period_that_cuts_through_a_dossier() {
        // Received 2 March, promised 5 March, resolved 9 March.
        let d = Facts {
            resolved_at: Some(at(9, 10)),
            ..f(at(2, 9), at(5, 17))
        };
        // Period 1–4 March: in progress, within deadline at the end of the 4th.
        let r = build(
            [&d],
            at(1, 0),
            at(5, 0),
            GroupBy::Area,
            Comparison::CalendarDay,
        )
        .total;
        assert_eq!(
            r.in_progress,
            InProgress {
                total: 1,
                within_deadline: 1,
                overdue: 0
            }
        );
        // Period 1–6 March: in progress and overdue.
        let r = build(
            [&d],
            at(1, 0),
            at(7, 0),
            GroupBy::Area,
            Comparison::CalendarDay,
        )
        .total;
        assert_eq!(r.in_progress.overdue, 1);
        // Period 7–10 March: carried over, resolved late.
        let r = build(
            [&d],
            at(7, 0),
            at(11, 0),
            GroupBy::Area,
            Comparison::CalendarDay,
        )
        .total;
        assert_eq!(r.received.carried_over, 1);
        assert_eq!(r.resolved.late, 1);
        // Period after it: nothing.
        assert_eq!(
            build(
                [&d],
                at(11, 0),
                at(12, 0),
                GroupBy::Area,
                Comparison::CalendarDay
            )
            .total,
            Row::default()
        );
    }

    #[test]
    fn public_figures_round_as_published() {
        // Lâm Đồng Q1/2020, rate A: 635,593 / 643,272 = 98,81 %.
        assert_eq!(
            Rate::new(635_593, 643_272).percent.as_deref(),
            Some("98,81")
        );
        // Vĩnh Phúc 9/2021, rate C: 4,157 / 4,169 = 99,71 %.
        assert_eq!(Rate::new(4_157, 4_169).percent.as_deref(), Some("99,71"));
        assert_eq!(Rate::new(0, 0).percent, None);
    }

    #[test]
    fn decision_766_indexes_by_hand() {
        let mut row = Row::default();
        row.received = Received {
            total: 10,
            online: 3,
            direct: 6,
            carried_over: 1,
        };
        row.resolved = Resolved {
            total: 8,
            early: 5,
            on_time: 2,
            late: 1,
        };
        row.in_progress = InProgress {
            total: 2,
            within_deadline: 1,
            overdue: 1,
        };
        let sync = SyncCounts {
            should: 9,
            synced: 6,
            pending: 2,
            rejected: 1,
        };
        let signing = SigningCounts {
            results_signed: 5,
            resolved: 8,
            copies_issued: 3,
            copies_decided: 4,
            copies: 7,
            fee_vnd: 21_000,
        };
        let all = decision_766(&row, 6, 8, 20, 1, (7, 9), sync, signing);
        assert_eq!(all[0].code, "1.4");
        assert_eq!(all[0].rate.percent.as_deref(), Some("66,67")); // 6 of 9 synced
        assert!(all[0].note.contains("đang chờ gửi: 2, tỉnh từ chối: 1"));
        let ix = &all[1..];
        assert_eq!(ix[0].rate.percent.as_deref(), Some("80,00")); // (7 + 1) / 10
        assert_eq!(ix[1].rate.percent.as_deref(), Some("75,00")); // 6 / 8 procedures
        assert_eq!(ix[2].rate.percent.as_deref(), Some("33,33")); // 3 / 9
                                                                  // 5.4: 1 − 2/10 − 1/20 = 75 %; 6 points at 90 % → 75 × 6 / 90 = 5,00.
        assert_eq!(ix[3].code, "4.2");
        assert_eq!(ix[3].rate.percent.as_deref(), Some("77,78")); // 7 of 9 digitized
        assert_eq!(
            ix[4].rate.percent.as_deref(),
            Some("62,50"),
            "5 of 8 results signed"
        );
        assert_eq!(
            ix[5].rate.percent.as_deref(),
            Some("75,00"),
            "3 of 4 e-copy requests issued"
        );
        assert!(
            ix[5].note.contains("7 bản, lệ phí 21.000 đồng"),
            "{}",
            ix[5].note
        );
        assert_eq!(ix[6].code, "5.4");
        assert_eq!(ix[6].rate.percent.as_deref(), Some("75,00"));
        assert_eq!(ix[6].points.as_deref(), Some("5,00"));
        assert_eq!(
            points(95, 100, 90, 6).as_deref(),
            Some("6,00"),
            "capped at full marks"
        );
        assert_eq!(points(1, 3, 90, 6).as_deref(), Some("2,22"));
        assert_eq!(
            decision_766(
                &Row::default(),
                0,
                0,
                0,
                0,
                (0, 0),
                SyncCounts::default(),
                SigningCounts::default()
            )[7]
            .points,
            None
        );
    }

    #[test]
    fn grouping_by_officer_and_procedure() {
        let a = Facts {
            resolved_at: Some(at(4, 10)),
            ..f(at(2, 8), at(5, 17))
        };
        let b = Facts {
            officer: Some("canbo2".into()),
            procedure: "1.001193".into(),
            ..a.clone()
        };
        let r = build(
            [&a, &b],
            at(1, 0),
            at(10, 0),
            GroupBy::Officer,
            Comparison::CalendarDay,
        );
        assert_eq!(r.rows.keys().collect::<Vec<_>>(), ["canbo1", "canbo2"]);
        let r = build(
            [&a, &b],
            at(1, 0),
            at(10, 0),
            GroupBy::Procedure,
            Comparison::CalendarDay,
        );
        assert_eq!(r.rows.keys().collect::<Vec<_>>(), ["1.001193", "1.004873"]);
        assert_eq!(r.total.resolved.total, 2);
    }
}
