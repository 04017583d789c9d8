//! Property tests: any sequence of actions, legal or not, keeps the lifecycle's invariants.

use super::*;
use chrono::Utc;
use chrono::{Duration, TimeZone};
use proptest::prelude::*;

fn action(kind: u8, day: i64) -> Action {
    let at = |d: i64| Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap() + Duration::days(d);
    let paper = Paper {
        name: "Tờ khai".into(),
        kind: PaperKind::Original,
        count: 1,
    };
    match kind % 13 {
        0 => Action::Receive {
            due_at: at(day + 3),
        },
        1 => Action::Refuse {
            reason: "Sai thẩm quyền".into(),
        },
        2 => Action::RequestSupplement {
            missing: vec![paper],
            reason: "Thiếu".into(),
        },
        3 => Action::Resume { new_due: None },
        4 => Action::Assign {
            to_officer: "canbo2".into(),
            step_due: at(day + 2),
        },
        5 => Action::Handover {
            from: "canbo2".into(),
            to: "canbo3".into(),
            step_due: at(day + 2),
        },
        6 => Action::RequestFees {
            amount_vnd: Some(8000),
            note: String::new(),
        },
        7 => Action::FeesPaid,
        8 => Action::Resolve {
            note: String::new(),
        },
        9 => Action::ReturnResult {
            note: String::new(),
        },
        10 => Action::Withdraw {
            reason: "Rút".into(),
        },
        11 => Action::Stop {
            reason: "Dừng".into(),
        },
        _ => Action::Apologize {
            new_due: at(day + 10),
            reason: "Chậm".into(),
        },
    }
}

proptest! {
    #[test]
    fn any_action_sequence_keeps_the_invariants(
        online in any::<bool>(),
        steps in proptest::collection::vec((0u8..13, 0i64..2), 0..40),
    ) {
        let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap();
        let (mut s, first) = if online {
            DossierState::register_online("cổng", t0).unwrap()
        } else {
            DossierState::receive(Channel::Direct, "canbo1", t0, t0 + Duration::days(3)).unwrap()
        };
        let mut history = vec![first];
        let mut now = t0;
        for (kind, gap) in steps {
            now += Duration::days(gap) + Duration::minutes(5);
            let a = action(kind, (now - t0).num_days());
            let before = s.clone();
            match apply(&mut s, &a, "canbo1", now) {
                Ok(rows) => {
                    // The status row is last, and it goes where the table says
                    // (or back to 1 for a supplement asked before reception).
                    let last = rows.last().unwrap();
                    prop_assert_eq!(last.from, Some(before.status));
                    prop_assert_eq!(last.to, s.status);
                    let nominal = transition(before.status, a.kind()).unwrap();
                    prop_assert!(s.status == nominal || (a.kind() == ActionKind::Resume && s.status == Status::New));
                    history.extend(rows);
                }
                Err(_) => prop_assert_eq!(&s, &before, "a refused action changes nothing"),
            }
            // Invariants after every step.
            prop_assert!(s.steps.iter().rev().skip(1).all(|r| r.finished_at.is_some()), "only the last step may be open");
            prop_assert!(s.paused_since.is_some() == matches!(s.status, Status::SupplementRequested | Status::FeesDue));
            prop_assert!(s.paused_total_secs >= 0);
            prop_assert!(s.apology.is_none() || s.due_at.is_some());
            prop_assert!(!s.status.is_terminal() || s.closed_at.is_some() || s.returned_at.is_some());
            prop_assert!(s.status != Status::Returned || s.resolved_at.is_some());
            prop_assert!(history.windows(2).all(|w| w[0].at <= w[1].at), "history in time order");
        }
    }
}
