//! The nine legal indicators of a dossier's handling (Decree 61/2018 Art. 31, Circular
//! 01/2018; DOMAIN.md §7), each scored 2, 1 or 0, recorded once when the result is
//! returned. What the record already knows (timeliness, supplement requests, channel, the
//! procedure's online level) is suggested; the officer confirms or corrects each score with
//! the citizen, because complaints and publicity are not in the record.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::dossier::{
    classify_finished, Channel, Comparison, Dossier, EventKind, HistoryEntry, LegalIndicators,
    OnlineLevel, Status, Timeliness,
};

/// One indicator: its name and what 2, 1 and 0 mean.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Indicator {
    pub number: u8,
    pub name: &'static str,
    /// Labels of scores 2, 1 and 0, in that order.
    pub levels: [&'static str; 3],
}

pub const INDICATORS: [Indicator; 9] = [
    Indicator {
        number: 1,
        name: "Thời gian giải quyết so với quy định",
        levels: ["Ngắn hơn quy định", "Bằng quy định", "Dài hơn quy định"],
    },
    Indicator {
        number: 2,
        name: "Thời gian xử lý của từng cơ quan, bộ phận",
        levels: [
            "Mọi bước ngắn hơn quy định",
            "Mọi bước trong thời gian quy định",
            "Có bước quá thời gian quy định",
        ],
    },
    Indicator {
        number: 3,
        name: "Số lần liên hệ để hoàn thiện hồ sơ",
        levels: ["Không lần nào", "Một lần", "Từ hai lần trở lên"],
    },
    Indicator {
        number: 4,
        name: "Số cơ quan, đơn vị phải đến liên hệ",
        levels: [
            "Không phải đến (nộp trực tuyến)",
            "Chỉ Bộ phận Một cửa",
            "Từ hai nơi trở lên",
        ],
    },
    Indicator {
        number: 5,
        name: "Giải quyết qua Bộ phận Một cửa",
        levels: [
            "Toàn bộ qua Bộ phận Một cửa",
            "Một phần qua Bộ phận Một cửa",
            "Không qua Bộ phận Một cửa",
        ],
    },
    Indicator {
        number: 6,
        name: "Công khai thủ tục hành chính",
        levels: [
            "Niêm yết tại Bộ phận Một cửa và trên mạng",
            "Chỉ một hình thức",
            "Không công khai",
        ],
    },
    Indicator {
        number: 7,
        name: "Tiến độ và thái độ phục vụ",
        levels: [
            "Trước hạn, không có phản ánh",
            "Đúng hạn, không có phản ánh",
            "Có phản ánh, kiến nghị đúng",
        ],
    },
    Indicator {
        number: 8,
        name: "Trả lời phản ánh, kiến nghị",
        levels: [
            "Trả lời đúng hạn tất cả",
            "Trả lời đúng hạn từ 90% trở lên",
            "Trả lời đúng hạn dưới 90%",
        ],
    },
    Indicator {
        number: 9,
        name: "Cung cấp dịch vụ công trực tuyến",
        levels: [
            "Trực tuyến toàn trình",
            "Trực tuyến một phần",
            "Chỉ cung cấp thông tin",
        ],
    },
];

/// Why indicators cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndicatorError {
    #[error("Chỉ ghi nhận đánh giá 9 tiêu chí khi đã trả kết quả cho công dân")]
    NotReturned,
    #[error("Hồ sơ này đã được ghi nhận đánh giá 9 tiêu chí")]
    AlreadyRecorded,
    #[error("Mỗi tiêu chí chỉ nhận điểm 0, 1 hoặc 2")]
    BadScore,
}

fn by_timeliness(t: Timeliness) -> u8 {
    match t {
        Timeliness::Early => 2,
        Timeliness::OnTime => 1,
        Timeliness::Late | Timeliness::InTime => 0,
    }
}

/// Scores the record can vouch for, and the usual ones for what it cannot see (5, 6, 8:
/// a commune desk, posted procedures, no complaint on file). `None` only for
/// timeliness of a dossier never resolved.
pub fn suggest(d: &Dossier) -> [Option<u8>; 9] {
    let total = d.state.on_time(Comparison::CalendarDay).map(by_timeliness);
    let steps = {
        let classes: Vec<Timeliness> = d
            .state
            .steps
            .iter()
            .filter_map(|s| match (s.finished_at, s.timeliness) {
                (_, Some(t)) => Some(t),
                (Some(f), None) => Some(classify_finished(f, s.step_due, Comparison::CalendarDay)),
                _ => None,
            })
            .collect();
        if classes.is_empty() {
            total
        } else if classes.contains(&Timeliness::Late) {
            Some(0)
        } else if classes.iter().all(|t| *t == Timeliness::Early) {
            Some(2)
        } else {
            Some(1)
        }
    };
    let contacts = match d.state.supplement_requests {
        0 => 2,
        1 => 1,
        _ => 0,
    };
    let visits = if d.state.channel == Channel::Online {
        2
    } else {
        1
    };
    let online = match d.procedure.online_level {
        OnlineLevel::Full => 2,
        OnlineLevel::Partial => 1,
        OnlineLevel::InfoOnly => 0,
    };
    [
        total,
        steps,
        Some(contacts),
        Some(visits),
        Some(2),
        Some(2),
        total,
        Some(2),
        Some(online),
    ]
}

/// Records the scores on a returned dossier, once, with a history row.
pub fn record(
    d: &mut Dossier,
    scores: [u8; 9],
    by: &str,
    at: DateTime<Utc>,
) -> Result<HistoryEntry, IndicatorError> {
    if d.status() != Status::Returned {
        return Err(IndicatorError::NotReturned);
    }
    if d.state.indicators.is_some() {
        return Err(IndicatorError::AlreadyRecorded);
    }
    if scores.iter().any(|s| *s > 2) {
        return Err(IndicatorError::BadScore);
    }
    let at = at.max(d.state.last_event_at);
    let total: u32 = scores.iter().map(|s| u32::from(*s)).sum();
    let row = HistoryEntry {
        at,
        actor: by.into(),
        event: EventKind::Assessed,
        from: Some(d.status()),
        to: d.status(),
        note: format!(
            "Đánh giá 9 tiêu chí: {} (tổng {total}/18)",
            scores
                .iter()
                .map(u8::to_string)
                .collect::<Vec<_>>()
                .join("-")
        ),
        due: None,
    };
    d.state.indicators = Some(LegalIndicators {
        scores,
        at,
        by: by.into(),
    });
    d.state.last_event_at = at;
    d.history.push(row.clone());
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::dossier::tests_support::sample_dossier;
    use crate::domain::dossier::{apply, Action};
    use chrono::Duration;

    fn returned(resolve_after_days: i64, supplements: u32) -> Dossier {
        let mut d = sample_dossier(Status::Accepted);
        d.state.supplement_requests = supplements;
        let at = d.state.last_event_at + Duration::days(resolve_after_days);
        crate::domain::dossier::tests_support::resolve(&mut d, "canbo2", at);
        apply(
            &mut d.state,
            &Action::ReturnResult {
                note: String::new(),
            },
            "canbo1",
            at + Duration::hours(1),
        )
        .unwrap();
        d
    }

    #[test]
    fn suggestions_follow_the_record() {
        // Promised 5 days after reception.
        let early = suggest(&returned(2, 0));
        assert_eq!(early[0], Some(2));
        assert_eq!(early[2], Some(2));
        assert_eq!(early[3], Some(1), "in person: the desk only");
        assert_eq!(early[6], Some(2));
        let on_time = suggest(&returned(5, 1));
        assert_eq!(
            (on_time[0], on_time[2], on_time[6]),
            (Some(1), Some(1), Some(1))
        );
        let late = suggest(&returned(8, 3));
        assert_eq!(
            (late[0], late[1], late[2], late[6]),
            (Some(0), Some(0), Some(0), Some(0))
        );
        let mut online = returned(1, 0);
        online.state.channel = Channel::Online;
        online.procedure.online_level = OnlineLevel::Full;
        let s = suggest(&online);
        assert_eq!((s[3], s[8]), (Some(2), Some(2)));
        // Never resolved: no timeliness to suggest.
        assert_eq!(suggest(&sample_dossier(Status::InProgress))[0], None);
    }

    #[test]
    fn recorded_once_on_a_returned_dossier_only() {
        let scores = [2, 2, 1, 1, 2, 2, 2, 2, 0];
        let mut open = sample_dossier(Status::InProgress);
        let at = open.state.last_event_at;
        assert_eq!(
            record(&mut open, scores, "canbo1", at),
            Err(IndicatorError::NotReturned)
        );
        let mut d = returned(2, 0);
        let before = d.clone();
        let now = d.state.last_event_at + Duration::minutes(5);
        assert_eq!(
            record(&mut d, [2, 2, 2, 2, 2, 2, 2, 2, 3], "canbo1", now),
            Err(IndicatorError::BadScore)
        );
        assert_eq!(d, before, "a refusal changes nothing");
        let row = record(&mut d, scores, "canbo1", now).unwrap();
        assert_eq!(
            row.note,
            "Đánh giá 9 tiêu chí: 2-2-1-1-2-2-2-2-0 (tổng 14/18)"
        );
        assert_eq!(d.state.indicators.as_ref().unwrap().scores, scores);
        assert_eq!(d.status(), Status::Returned);
        assert_eq!(
            record(&mut d, scores, "canbo1", now),
            Err(IndicatorError::AlreadyRecorded)
        );
    }

    #[test]
    fn every_indicator_has_three_labels_and_its_number() {
        for (i, ind) in INDICATORS.iter().enumerate() {
            assert_eq!(usize::from(ind.number), i + 1);
            assert!(ind.levels.iter().all(|l| !l.is_empty()));
        }
    }
}
