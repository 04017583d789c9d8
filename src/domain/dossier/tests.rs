use super::*;
use chrono::{DateTime, NaiveDate, Utc};
use chrono::{Duration, TimeZone};

fn t(h: u32, m: u32) -> DateTime<Utc> {
    // 2026-03-02 (Monday) at h:m local = h-7 UTC; tests use local 08:00–16:00.
    Utc.with_ymd_and_hms(2026, 3, 2, h - 7, m, 0).unwrap()
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

fn paper(name: &str) -> Paper {
    Paper {
        name: name.into(),
        kind: PaperKind::CertifiedCopy,
        count: 1,
    }
}

/// A state at `status`, built through legal actions so its fields are consistent.
fn state_at(status: Status) -> DossierState {
    let start = t(8, 0);
    let due = start + days(5);
    let online = || DossierState::register_online("cong-dan", start).unwrap().0;
    let accepted = || {
        DossierState::receive(Channel::Direct, "desk", start, due)
            .unwrap()
            .0
    };
    let in_progress = || {
        let mut s = accepted();
        apply(
            &mut s,
            &Action::Handover {
                from: "desk".into(),
                to: "chuyen-vien".into(),
                step_due: start + days(3),
            },
            "desk",
            start,
        )
        .unwrap();
        s
    };
    let step = |mut s: DossierState, a: Action| {
        apply(&mut s, &a, "lead", start).unwrap();
        s
    };
    match status {
        Status::New => online(),
        Status::Accepted => accepted(),
        Status::Refused => step(
            accepted(),
            Action::Refuse {
                reason: "Không thuộc thẩm quyền".into(),
            },
        ),
        Status::InProgress => in_progress(),
        Status::SupplementRequested => step(
            in_progress(),
            Action::RequestSupplement {
                missing: vec![paper("Tờ khai")],
                reason: "Thiếu tờ khai".into(),
            },
        ),
        Status::FeesDue => step(
            in_progress(),
            Action::RequestFees {
                amount_vnd: Some(50_000),
                note: String::new(),
            },
        ),
        Status::Withdrawn => step(
            accepted(),
            Action::Withdraw {
                reason: "Công dân xin rút".into(),
            },
        ),
        Status::Stopped => step(
            in_progress(),
            Action::Stop {
                reason: "Theo yêu cầu cơ quan có thẩm quyền".into(),
            },
        ),
        Status::Resolved => step(
            in_progress(),
            Action::Resolve {
                note: String::new(),
            },
        ),
        Status::Returned => step(
            step(
                in_progress(),
                Action::Resolve {
                    note: String::new(),
                },
            ),
            Action::ReturnResult {
                note: String::new(),
            },
        ),
    }
}

/// A valid sample of each action kind, acted by the officer holding the dossier.
fn sample(kind: ActionKind, at: DateTime<Utc>) -> Action {
    match kind {
        ActionKind::Receive => Action::Receive {
            due_at: at + days(5),
        },
        ActionKind::Refuse => Action::Refuse {
            reason: "Hồ sơ không thuộc thẩm quyền".into(),
        },
        ActionKind::RequestSupplement => Action::RequestSupplement {
            missing: vec![paper("Giấy khai sinh")],
            reason: "Thiếu giấy khai sinh".into(),
        },
        ActionKind::Resume => Action::Resume { new_due: None },
        ActionKind::Assign => Action::Assign {
            to_officer: "lanh-dao".into(),
            step_due: at + days(1),
        },
        ActionKind::Handover => Action::Handover {
            // `desk` holds accepted dossiers, `chuyen-vien` in-progress ones.
            from: "HOLDER".into(),
            to: "lanh-dao".into(),
            step_due: at + days(1),
        },
        ActionKind::RequestFees => Action::RequestFees {
            amount_vnd: Some(30_000),
            note: String::new(),
        },
        ActionKind::FeesPaid => Action::FeesPaid,
        ActionKind::Resolve => Action::Resolve {
            note: String::new(),
        },
        ActionKind::ReturnResult => Action::ReturnResult {
            note: String::new(),
        },
        ActionKind::Withdraw => Action::Withdraw {
            reason: "Công dân xin rút".into(),
        },
        ActionKind::Stop => Action::Stop {
            reason: "Dừng theo quy định".into(),
        },
        ActionKind::Apologize => Action::Apologize {
            new_due: at + days(10),
            reason: "Cần xác minh thêm".into(),
        },
    }
}

fn with_holder(a: Action, s: &DossierState) -> Action {
    match a {
        Action::Handover { to, step_due, .. } => Action::Handover {
            from: s.current_officer.clone().unwrap_or_else(|| "desk".into()),
            to,
            step_due,
        },
        other => other,
    }
}

/// The expected table, written out independently of `transition`: row = from status
/// (1..=10), columns in `ActionKind::ALL` order; 0 = illegal, 99 = unchanged.
#[rustfmt::skip]
const EXPECTED: [[u8; 13]; 10] = [
    //Rcv Ref Sup Res Asg Hnd Fee Paid Rsv Ret Wdr Stp Apo
    [  2,  3,  5,  0,  0,  0,  0,  0,   0,  0,  7,  0,  0 ], // 1 New
    [  0,  3,  5,  0,  4,  4,  0,  0,   9,  0,  7,  8, 99 ], // 2 Accepted
    [  0,  0,  0,  0,  0,  0,  0,  0,   0,  0,  0,  0,  0 ], // 3 Refused
    [  0,  0,  5,  0,  4,  4,  6,  0,   9,  0,  7,  8, 99 ], // 4 InProgress
    [  0,  0,  0,  4,  0,  0,  0,  0,   0,  0,  7,  8, 99 ], // 5 Supplement
    [  0,  0,  0,  0,  0,  0,  0,  4,   0,  0,  7,  8, 99 ], // 6 FeesDue
    [  0,  0,  0,  0,  0,  0,  0,  0,   0,  0,  0,  0,  0 ], // 7 Withdrawn
    [  0,  0,  0,  0,  0,  0,  0,  0,   0,  0,  0,  0,  0 ], // 8 Stopped
    [  0,  0,  0,  0,  0,  0,  0,  0,   0, 10,  0,  0,  0 ], // 9 Resolved
    [  0,  0,  0,  0,  0,  0,  0,  0,   0,  0,  0,  0,  0 ], // 10 Returned
];

#[test]
fn every_status_times_every_action() {
    let mut legal = 0;
    let mut illegal = 0;
    for (row, from) in Status::ALL.iter().copied().enumerate() {
        for (col, kind) in ActionKind::ALL.iter().copied().enumerate() {
            let expected = match EXPECTED[row][col] {
                0 => None,
                99 => Some(from),
                c => Some(Status::from_code(c).unwrap()),
            };
            assert_eq!(transition(from, kind), expected, "{from:?} × {kind:?}");

            let mut s = state_at(from);
            assert_eq!(s.status, from);
            let before = s.clone();
            let at = t(10, 0);
            let action = with_holder(sample(kind, at), &s);
            let res = apply(&mut s, &action, "officer", at);
            match expected {
                Some(to) => {
                    let rows = res.unwrap_or_else(|e| panic!("{from:?} × {kind:?}: {e}"));
                    assert_eq!(s.status, to, "{from:?} × {kind:?}");
                    let last = rows.last().unwrap();
                    assert_eq!(last.from, Some(from));
                    assert_eq!(last.to, to);
                    assert_eq!(last.event, EventKind::from(kind));
                    assert_eq!(last.actor, "officer");
                    assert_eq!(s.last_event_at, at);
                    legal += 1;
                }
                None => {
                    let err = res.unwrap_err();
                    assert_eq!(
                        err,
                        DossierError::IllegalTransition { action: kind, from },
                        "{from:?} × {kind:?}"
                    );
                    assert_eq!(err.code(), "illegal_transition");
                    assert_eq!(s, before, "state untouched on error");
                    illegal += 1;
                }
            }
        }
    }
    assert_eq!(legal + illegal, 130);
    assert_eq!(legal, 29);
}

#[test]
fn terminal_statuses_allow_nothing() {
    for s in Status::ALL {
        assert_eq!(s.is_terminal(), allowed_actions(s).is_empty(), "{s:?}");
    }
    assert!(!Status::Resolved.is_terminal());
}

#[test]
fn illegal_transition_message_is_vietnamese() {
    let mut s = state_at(Status::InProgress);
    let err = apply(
        &mut s,
        &Action::Refuse { reason: "x".into() },
        "desk",
        t(9, 0),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Không thể từ chối tiếp nhận khi hồ sơ đang ở trạng thái \"Đang xử lý\""
    );
}

#[test]
fn status_codes_labels_and_serde() {
    for (i, s) in Status::ALL.iter().enumerate() {
        assert_eq!(s.code() as usize, i + 1);
        assert_eq!(Status::from_code(s.code()), Some(*s));
        assert_eq!(serde_json::to_string(s).unwrap(), (i + 1).to_string());
    }
    assert_eq!(Status::from_code(0), None);
    assert_eq!(Status::from_code(11), None);
    assert_eq!(Status::Accepted.label_vi(), "Được tiếp nhận");
    assert_eq!(Status::Withdrawn.label_vi(), "Công dân yêu cầu rút hồ sơ");
    assert_eq!(
        serde_json::from_str::<Status>("10").unwrap(),
        Status::Returned
    );
    assert!(serde_json::from_str::<Status>("11").is_err());
    assert_eq!(serde_json::to_string(&Channel::Postal).unwrap(), "3");
    assert_eq!(
        serde_json::from_str::<Channel>("2").unwrap(),
        Channel::Online
    );
    assert!(serde_json::from_str::<Channel>("0").is_err());
}

#[test]
fn state_and_actions_round_trip_through_json() {
    let mut s = state_at(Status::SupplementRequested);
    apply(&mut s, &Action::Resume { new_due: None }, "desk", t(11, 0)).unwrap();
    let json = serde_json::to_string(&s).unwrap();
    assert_eq!(serde_json::from_str::<DossierState>(&json).unwrap(), s);
    let a = Action::Apologize {
        new_due: t(9, 0),
        reason: "r".into(),
    };
    let json = serde_json::to_string(&a).unwrap();
    assert!(json.contains("\"type\":\"apologize\""));
    assert_eq!(serde_json::from_str::<Action>(&json).unwrap(), a);
    let paid: Action = serde_json::from_str(r#"{"type":"fees_paid"}"#).unwrap();
    assert_eq!(paid, Action::FeesPaid);
}

#[test]
fn apology_at_most_once_and_recorded() {
    let mut s = state_at(Status::InProgress);
    let due = s.due_at.unwrap();
    let rows = apply(
        &mut s,
        &Action::Apologize {
            new_due: due + days(3),
            reason: "Cần xác minh".into(),
        },
        "truong-phong",
        due - days(2),
    )
    .unwrap();
    assert_eq!(rows[0].event, EventKind::Apologized);
    assert_eq!(s.status, Status::InProgress);
    assert_eq!(s.due_at, Some(due + days(3)));
    let a = s.apology.clone().unwrap();
    assert_eq!(a.original_due, due);
    assert!(a.sent_before_due);
    assert!(s.apology_sent());

    let again = apply(
        &mut s,
        &Action::Apologize {
            new_due: due + days(6),
            reason: "Lần hai".into(),
        },
        "truong-phong",
        due,
    );
    assert_eq!(again.unwrap_err(), DossierError::ApologyAlreadySent);
    assert_eq!(s.due_at, Some(due + days(3)));
}

#[test]
fn late_apology_is_allowed_and_flagged() {
    let mut s = state_at(Status::InProgress);
    let due = s.due_at.unwrap();
    apply(
        &mut s,
        &Action::Apologize {
            new_due: due + days(4),
            reason: "Quá hạn do chờ xác minh".into(),
        },
        "truong-phong",
        due + days(1),
    )
    .unwrap();
    assert!(!s.apology.as_ref().unwrap().sent_before_due);
    // Resolving before the new date still counts as late against the original.
    apply(
        &mut s,
        &Action::Resolve {
            note: String::new(),
        },
        "chuyen-vien",
        due + days(2),
    )
    .unwrap();
    assert_eq!(s.on_time(Comparison::CalendarDay), Some(Timeliness::Late));
}

#[test]
fn apology_needs_a_later_date_and_a_reason() {
    let mut s = state_at(Status::Accepted);
    let due = s.due_at.unwrap();
    let same = Action::Apologize {
        new_due: due,
        reason: "r".into(),
    };
    assert_eq!(
        apply(&mut s, &same, "a", t(9, 0)).unwrap_err(),
        DossierError::NewDueNotLater
    );
    let blank = Action::Apologize {
        new_due: due + days(1),
        reason: "  ".into(),
    };
    assert_eq!(
        apply(&mut s, &blank, "a", t(9, 0)).unwrap_err().code(),
        "reason_required"
    );
    assert!(!s.apology_sent());
}

#[test]
fn a_wait_for_the_citizen_begun_in_time_is_not_overdue() {
    use super::tests_support::sample_dossier;
    let mut d = sample_dossier(Status::InProgress);
    let due = d.state.due_at.unwrap();
    let after = due + chrono::Duration::days(3);
    assert!(d.is_overdue_at(after));
    assert!(!d.is_overdue_at(due));
    let ask = Action::RequestSupplement {
        missing: vec![d.papers[0].clone()],
        reason: "Thiếu bản sao".into(),
    };
    let mut late_ask = d.clone();
    apply(
        &mut d.state,
        &ask,
        "canbo1",
        due - chrono::Duration::days(1),
    )
    .unwrap();
    assert_eq!(d.waiting_since(), Some(due - chrono::Duration::days(1)));
    assert!(!d.is_overdue_at(after));
    // Asked only once the promise had passed: overdue all the same.
    apply(
        &mut late_ask.state,
        &ask,
        "canbo1",
        due + chrono::Duration::hours(1),
    )
    .unwrap();
    assert!(late_ask.is_overdue_at(after));
}

#[test]
fn supplement_pause_accumulates() {
    let mut s = state_at(Status::InProgress);
    let start = t(9, 0);
    let req = sample(ActionKind::RequestSupplement, start);
    apply(&mut s, &req, "chuyen-vien", start).unwrap();
    assert_eq!(s.paused_since, Some(start));
    assert_eq!(s.paused_from, Some(Status::InProgress));
    assert_eq!(s.supplement_requests, 1);
    assert_eq!(s.pending_supplement.len(), 1);
    assert_eq!(s.paused_secs_at(start + Duration::hours(2)), 7200);

    let back = start + Duration::hours(3);
    apply(&mut s, &Action::Resume { new_due: None }, "desk", back).unwrap();
    assert_eq!(s.status, Status::InProgress);
    assert_eq!(s.paused_since, None);
    assert_eq!(s.paused_total_secs, 3 * 3600);
    assert!(s.pending_supplement.is_empty());

    // A second wait adds up, a fees wait counts too.
    let again = back + Duration::hours(1);
    apply(&mut s, &req, "chuyen-vien", again).unwrap();
    apply(
        &mut s,
        &Action::Resume { new_due: None },
        "desk",
        again + Duration::minutes(30),
    )
    .unwrap();
    assert_eq!(s.supplement_requests, 2);
    assert_eq!(s.paused_total_secs, 3 * 3600 + 1800);
    let f = again + Duration::hours(2);
    apply(&mut s, &sample(ActionKind::RequestFees, f), "cv", f).unwrap();
    apply(&mut s, &Action::FeesPaid, "cv", f + Duration::hours(24)).unwrap();
    assert_eq!(s.paused_total_secs, 3 * 3600 + 1800 + 24 * 3600);
}

#[test]
fn resume_may_set_a_new_due_date() {
    let mut s = state_at(Status::SupplementRequested);
    let nd = t(10, 0) + days(7);
    let rows = apply(
        &mut s,
        &Action::Resume { new_due: Some(nd) },
        "desk",
        t(10, 0),
    )
    .unwrap();
    assert_eq!(s.due_at, Some(nd));
    assert_eq!(rows[0].due, Some(nd));
}

#[test]
fn withdraw_while_paused_closes_the_pause() {
    let mut s = state_at(Status::SupplementRequested);
    let since = s.paused_since.unwrap();
    apply(
        &mut s,
        &Action::Withdraw {
            reason: "Không bổ sung được".into(),
        },
        "desk",
        since + Duration::hours(5),
    )
    .unwrap();
    assert_eq!(s.paused_since, None);
    assert_eq!(s.paused_total_secs, 5 * 3600);
    assert_eq!(s.closing_reason.as_deref(), Some("Không bổ sung được"));
    assert!(s.open_step().is_none(), "open step closed");
}

#[test]
fn supplement_before_reception_resumes_to_new_and_does_not_stop_the_clock() {
    let mut s = state_at(Status::New);
    let at = t(9, 0);
    apply(
        &mut s,
        &sample(ActionKind::RequestSupplement, at),
        "desk",
        at,
    )
    .unwrap();
    assert_eq!(s.status, Status::SupplementRequested);
    assert_eq!(
        apply(
            &mut s,
            &Action::Resume {
                new_due: Some(at + days(3))
            },
            "desk",
            at + Duration::hours(1)
        )
        .unwrap_err(),
        DossierError::NoDeadlineYet
    );
    apply(
        &mut s,
        &Action::Resume { new_due: None },
        "portal",
        at + Duration::hours(1),
    )
    .unwrap();
    assert_eq!(s.status, Status::New);
    assert_eq!(s.paused_total_secs, 0);
    // …and it can then be received normally.
    apply(
        &mut s,
        &Action::Receive {
            due_at: at + days(5),
        },
        "desk",
        at + Duration::hours(2),
    )
    .unwrap();
    assert_eq!(s.status, Status::Accepted);
    assert_eq!(s.received_at, Some(at + Duration::hours(2)));
}

#[test]
fn supplement_requires_papers_and_reason() {
    let mut s = state_at(Status::Accepted);
    let none = Action::RequestSupplement {
        missing: vec![],
        reason: "Thiếu".into(),
    };
    assert_eq!(
        apply(&mut s, &none, "desk", t(9, 0)).unwrap_err(),
        DossierError::MissingPapersRequired
    );
    let zero = Action::RequestSupplement {
        missing: vec![Paper {
            name: "Tờ khai".into(),
            kind: PaperKind::Original,
            count: 0,
        }],
        reason: "Thiếu".into(),
    };
    assert_eq!(
        apply(&mut s, &zero, "desk", t(9, 0)).unwrap_err(),
        DossierError::MissingPapersRequired
    );
    assert_eq!(s.status, Status::Accepted);
}

#[test]
fn reasons_required_for_refuse_withdraw_stop() {
    for (status, a) in [
        (Status::New, Action::Refuse { reason: " ".into() }),
        (Status::Accepted, Action::Withdraw { reason: "".into() }),
        (
            Status::InProgress,
            Action::Stop {
                reason: "\t".into(),
            },
        ),
    ] {
        let mut s = state_at(status);
        let err = apply(&mut s, &a, "desk", t(9, 0)).unwrap_err();
        assert_eq!(err, DossierError::ReasonRequired { action: a.kind() });
        assert_eq!(s.status, status);
    }
}

#[test]
fn control_sheet_rows_and_step_timeliness() {
    let (mut s, created) =
        DossierState::receive(Channel::Direct, "desk", t(8, 0), t(8, 0) + days(5)).unwrap();
    assert_eq!(created.from, None);
    assert_eq!(s.current_officer.as_deref(), Some("desk"));
    let h = |from: &str, to: &str, due| Action::Handover {
        from: from.into(),
        to: to.into(),
        step_due: due,
    };
    let r1 = apply(
        &mut s,
        &h("desk", "cv", t(8, 0) + days(2)),
        "desk",
        t(8, 30),
    )
    .unwrap();
    assert_eq!(r1.len(), 1, "no open step to close yet");
    // The specialist finishes a day early.
    let r2 = apply(
        &mut s,
        &h("cv", "lanh-dao", t(8, 0) + days(3)),
        "cv",
        t(9, 0) + days(1),
    )
    .unwrap();
    assert_eq!(r2.len(), 2);
    assert_eq!(r2[0].event, EventKind::StepClosed);
    assert_eq!(s.steps[0].timeliness, Some(Timeliness::Early));
    // Someone other than the holder cannot hand over.
    assert_eq!(
        apply(
            &mut s,
            &h("cv", "desk", t(8, 0) + days(4)),
            "cv",
            t(9, 0) + days(1)
        )
        .unwrap_err()
        .code(),
        "not_holder"
    );
    // A lead may reassign whoever holds it; the approver was a day late.
    apply(
        &mut s,
        &Action::Assign {
            to_officer: "desk".into(),
            step_due: t(8, 0) + days(5),
        },
        "truong-phong",
        t(15, 0) + days(4),
    )
    .unwrap();
    assert_eq!(s.steps[1].timeliness, Some(Timeliness::Late));
    assert_eq!(s.steps[2].from, "lanh-dao");
    // Resolving on the step's due day closes it "Đúng hạn".
    apply(
        &mut s,
        &Action::Resolve {
            note: String::new(),
        },
        "desk",
        t(16, 0) + days(5),
    )
    .unwrap();
    assert_eq!(s.steps[2].timeliness, Some(Timeliness::OnTime));
    assert!(s.open_step().is_none());
    assert_eq!(s.on_time(Comparison::CalendarDay), Some(Timeliness::OnTime));
    assert_eq!(s.on_time(Comparison::Timestamp), Some(Timeliness::Late));
    apply(
        &mut s,
        &Action::ReturnResult {
            note: String::new(),
        },
        "desk",
        t(16, 0) + days(6),
    )
    .unwrap();
    assert_eq!(s.status, Status::Returned);
    assert_eq!(s.steps.len(), 3);
}

#[test]
fn handover_checks() {
    let mut s = state_at(Status::Accepted);
    let same = Action::Handover {
        from: "desk".into(),
        to: "desk".into(),
        step_due: t(9, 0) + days(1),
    };
    assert_eq!(
        apply(&mut s, &same, "desk", t(9, 0)).unwrap_err(),
        DossierError::SameOfficer
    );
    let blank = Action::Assign {
        to_officer: " ".into(),
        step_due: t(9, 0) + days(1),
    };
    assert_eq!(
        apply(&mut s, &blank, "lead", t(9, 0)).unwrap_err(),
        DossierError::OfficerRequired
    );
    let past = Action::Assign {
        to_officer: "cv".into(),
        step_due: t(8, 30),
    };
    assert_eq!(
        apply(&mut s, &past, "lead", t(9, 0)).unwrap_err(),
        DossierError::DueBeforeNow
    );
}

#[test]
fn time_cannot_go_backwards_and_actor_required() {
    let mut s = state_at(Status::Accepted);
    let a = sample(ActionKind::Resolve, t(7, 0) + days(0));
    assert_eq!(
        apply(&mut s, &a, "desk", t(7, 59)).unwrap_err(),
        DossierError::TimeWentBackwards
    );
    assert_eq!(
        apply(&mut s, &a, "  ", t(9, 0)).unwrap_err(),
        DossierError::ActorRequired
    );
    assert!(DossierState::receive(Channel::Direct, "desk", t(9, 0), t(8, 0)).is_err());
}

#[test]
fn classification_by_day_and_timestamp() {
    let due = t(9, 0);
    // Same local day, later hour: on time by day, late by timestamp.
    assert_eq!(
        classify_finished(t(16, 0), due, Comparison::CalendarDay),
        Timeliness::OnTime
    );
    assert_eq!(
        classify_finished(t(16, 0), due, Comparison::Timestamp),
        Timeliness::Late
    );
    assert_eq!(
        classify_finished(due - days(1), due, Comparison::CalendarDay),
        Timeliness::Early
    );
    // 23:30 local is still the same local day although it is the next UTC… no: it is
    // 16:30 UTC the same day; 00:30 local next day is 17:30 UTC the same UTC day.
    let next_local = Utc.with_ymd_and_hms(2026, 3, 2, 17, 30, 0).unwrap();
    assert_eq!(
        classify_finished(next_local, due, Comparison::CalendarDay),
        Timeliness::Late
    );
    assert_eq!(
        classify_open(due, t(16, 0), Comparison::CalendarDay),
        Timeliness::InTime
    );
    assert_eq!(
        classify_open(due, t(16, 0), Comparison::Timestamp),
        Timeliness::Late
    );
    assert_eq!(Timeliness::InTime.label_vi(), "Trong hạn");
}

#[test]
fn dossier_code_generation() {
    let d = NaiveDate::from_ymd_opt(2025, 7, 1).unwrap();
    assert_eq!(
        dossier_code("H56.14", d, 1, DEFAULT_CODE_WIDTH),
        "H56.14-250701-0001"
    );
    assert_eq!(
        dossier_code("000.00.14.H56", d, 1, 4),
        "000.00.14.H56-250701-0001"
    );
    let d2 = NaiveDate::from_ymd_opt(2026, 10, 8).unwrap();
    assert_eq!(
        dossier_code("H15.50.05.13", d2, 975, 4),
        "H15.50.05.13-261008-0975"
    );
    assert_eq!(dossier_code("H56", d, 42, 6), "H56-250701-000042");
    // Overflowing the width widens rather than truncates.
    assert_eq!(dossier_code("H56", d, 12345, 4), "H56-250701-12345");
}

#[test]
fn dossier_code_parsing_live_examples_and_round_trip() {
    for (code, agency, y, m, dd, seq) in [
        ("H56.14-250701-0001", "H56.14", 2025, 7, 1, 1),
        ("000.00.14.H56-250701-0001", "000.00.14.H56", 2025, 7, 1, 1),
        ("H15.50.05.13-261008-0975", "H15.50.05.13", 2026, 10, 8, 975),
    ] {
        let (a, d, n) = parse_dossier_code(code).unwrap();
        assert_eq!(a, agency);
        assert_eq!(d, NaiveDate::from_ymd_opt(y, m, dd).unwrap());
        assert_eq!(n, seq);
        assert_eq!(dossier_code(&a, d, n, 4), code);
    }
    assert_eq!(
        parse_dossier_code(" h56.14-250701-00042\n").unwrap(),
        (
            "H56.14".to_string(),
            NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
            42
        )
    );
}

#[test]
fn dossier_code_parsing_rejects_garbage() {
    for bad in [
        "",
        "H56.14",
        "H56.14-250701",
        "-250701-0001",
        "H56..14-250701-0001",
        ".H56-250701-0001",
        "H56.-250701-0001",
        "H56_14-250701-0001",
        "H56-14-250701-0001",
        "H56.14-250230-0001",
        "H56.14-2507010-0001",
        "H56.14-25O701-0001",
        "H56.14-250701-",
        "H56.14-250701-0000",
        "H56.14-250701-00a1",
        "H56.14-250701-99999999999",
        "Hà56-250701-0001",
    ] {
        let err = parse_dossier_code(bad).unwrap_err();
        assert_eq!(err.code(), "invalid_dossier_code", "{bad:?}");
    }
}

#[test]
fn agency_validation() {
    for ok in ["H56.14", "000.00.14.H56", "H15.50.05.13", "X"] {
        assert!(validate_agency(ok).is_ok(), "{ok}");
    }
    for bad in ["", "h56", "H56.", ".H56", "H56..1", "H 56", "H-56", "Đ56"] {
        assert_eq!(validate_agency(bad).unwrap_err().code(), "invalid_agency");
    }
}

#[test]
fn snapshot_validation_and_labels() {
    let mut p = ProcedureSnapshot {
        code: "1.001193".into(),
        name: "Đăng ký khai sinh".into(),
        area: 1,
        duration: StatutoryTime {
            amount: 0,
            unit: TimeUnit::SameDay15h,
            extra_working_days: 0,
        },
        fee_vnd: Some(0),
        fee_note: "Miễn lệ phí đăng ký khai sinh đúng hạn".into(),
        papers: vec![Paper {
            name: "Tờ khai đăng ký khai sinh".into(),
            kind: PaperKind::Original,
            count: 1,
        }],
        result_type: "Giấy khai sinh".into(),
        online_level: OnlineLevel::Full,
        legal_basis: "Luật Hộ tịch 2014".into(),
        portal_url: String::new(),
        page_fee: None,
        version: 1,
    };
    assert!(p.validate().is_ok());
    let json = serde_json::to_string(&p).unwrap();
    assert_eq!(serde_json::from_str::<ProcedureSnapshot>(&json).unwrap(), p);
    assert!(json.contains("\"same_day15h\"") || json.contains("same_day_15h"));
    p.code = "1.004873.000.00.00.H01".into();
    assert!(p.validate().is_ok());
    p.code = "DP.KD.01".into();
    assert!(p.validate().is_ok());
    for bad in ["abc", "", "1..2", ".1", "1.00 1"] {
        p.code = bad.into();
        assert_eq!(
            p.validate().unwrap_err().code(),
            "invalid_snapshot",
            "{bad}"
        );
    }
    p.code = "1.001193".into();
    p.duration = StatutoryTime {
        amount: 5,
        unit: TimeUnit::WorkingDays,
        extra_working_days: 0,
    };
    assert_eq!(p.duration.label_vi(), "05 ngày làm việc");
    let cert = StatutoryTime {
        amount: 0,
        unit: TimeUnit::SameDay15h,
        extra_working_days: 2,
    };
    assert!(cert.label_vi().contains("tối đa 02 ngày làm việc"));
    assert_eq!(OnlineLevel::Full.muc_do(), 4);
    assert_eq!(OnlineLevel::Partial.muc_do(), 3);
    assert_eq!(OnlineLevel::InfoOnly.muc_do(), 2);
}

#[test]
fn an_online_filing_counts_from_when_it_was_filed_and_a_desk_one_from_now() {
    let filed = t(8, 0);
    let later = t(15, 0);
    let online = DossierState::register_online("cổng", filed).unwrap().0;
    assert_eq!(online.counts_from(later), filed);
    // A filing time in the future (clocks disagree) never moves the count forward.
    let ahead = DossierState::register_online("cổng", later).unwrap().0;
    assert_eq!(ahead.counts_from(filed), filed);
    let desk = DossierState::receive(Channel::Direct, "desk", filed, filed + days(1))
        .unwrap()
        .0;
    assert_eq!(desk.counts_from(later), later);
}
