//! The queue over HTTP: issue, call, serve, SSE, restart, concurrency, bad input.

use std::collections::HashSet;
use std::sync::{Arc, Barrier};

use serde_json::{json, Value};

use crate::helpers::{Sse, TestApp};

fn redact_ticket(v: &Value) -> Value {
    let mut v = v.clone();
    for k in [
        "issued_at",
        "queue_at",
        "waiting_since",
        "first_called_at",
        "started_at",
        "finished_at",
    ] {
        if v.get(k).is_some_and(|x| !x.is_null()) {
            v[k] = json!("[time]");
        }
    }
    if v.get("status_token")
        .is_some_and(|x| x.as_str().is_some_and(|s| s.len() == 16))
    {
        v["status_token"] = json!("[token]");
    }
    if let Some(calls) = v.get_mut("calls").and_then(|c| c.as_array_mut()) {
        for c in calls {
            *c = json!("[time]");
        }
    }
    v
}

#[test]
fn issue_call_start_finish_over_http() {
    let app = TestApp::start();
    let officer = app.login("canbo1");
    let t1 = app.issue(1, None);
    insta::assert_json_snapshot!("issued_ticket", redact_ticket(&t1));
    let t2 = app.issue(1, Some("cao_tuoi"));
    assert_eq!(t2["number"], "A002");
    assert_eq!(
        t2["waiting_ahead"], 0,
        "strict priority: no priority ticket ahead"
    );
    let t3 = app.issue(1, None);
    assert_eq!(t3["waiting_ahead"], 2);

    let (s, c) = app.post("/api/v1/counters/1/open", &officer, json!({}));
    assert_eq!(s, 200, "{c}");
    let (s, called) = app.post("/api/v1/counters/1/call-next", &officer, json!({}));
    assert_eq!(s, 200);
    assert_eq!(called["number"], "A002", "the priority ticket goes first");
    assert_eq!(called["state"], "called");
    insta::assert_json_snapshot!("called_ticket", redact_ticket(&called));

    let id = called["id"].as_u64().unwrap();
    app.clock.advance(chrono::Duration::seconds(30));
    let (s, r) = app.post(&format!("/api/v1/tickets/{id}/recall"), &officer, json!({}));
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["calls"].as_array().unwrap().len(), 2);
    assert_eq!(
        r["first_called_at"], called["first_called_at"],
        "recall keeps the first call time"
    );
    let (s, _) = app.post(&format!("/api/v1/tickets/{id}/start"), &officer, json!({}));
    assert_eq!(s, 200);
    app.clock.advance(chrono::Duration::minutes(4));
    let (s, done) = app.post(&format!("/api/v1/tickets/{id}/finish"), &officer, json!({}));
    assert_eq!(s, 200);
    assert_eq!(done["state"], "done");

    let (s, snap) = app.call("GET", "/api/v1/queue", Some(&officer), None);
    assert_eq!(s, 200);
    let waiting: Vec<_> = snap["waiting"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["number"].clone())
        .collect();
    assert_eq!(waiting, vec![json!("A001"), json!("A003")]);

    // Served one: the next estimate uses its 4 minutes (1 open counter, 2 ahead).
    let t4 = app.issue(1, None);
    assert_eq!(t4["waiting_ahead"], 2);
    assert_eq!(t4["estimated_wait_secs"], 2 * 240);

    let (s, got) = app.call(
        "GET",
        &format!("/api/v1/tickets/{id}"),
        Some(&officer),
        None,
    );
    assert_eq!((s, got["state"].as_str()), (200, Some("done")));
}

#[test]
fn call_next_with_nobody_waiting_is_204_and_busy_counter_is_409() {
    let app = TestApp::start();
    let officer = app.login("canbo2");
    app.post("/api/v1/counters/2/open", &officer, json!({}));
    let (s, _) = app.post("/api/v1/counters/2/call-next", &officer, json!({}));
    assert_eq!(s, 204);
    app.issue(2, None);
    app.issue(2, None);
    let (s, _) = app.post("/api/v1/counters/2/call-next", &officer, json!({}));
    assert_eq!(s, 200);
    let (s, e) = app.post("/api/v1/counters/2/call-next", &officer, json!({}));
    assert_eq!(s, 409);
    assert_eq!(e["code"], "counter_busy");
    // Another officer cannot work a counter they have not opened.
    let other = app.login("canbo3");
    let (s, e) = app.post("/api/v1/counters/2/call-next", &other, json!({}));
    assert_eq!((s, e["code"].as_str()), (403, Some("not_operator")));
}

#[test]
fn transfer_no_show_reactivate_cancel() {
    let app = TestApp::start();
    let o1 = app.login("canbo1");
    let o2 = app.login("canbo2");
    app.post("/api/v1/counters/1/open", &o1, json!({}));
    app.post("/api/v1/counters/2/open", &o2, json!({}));
    let early = app.issue(2, None);
    let t = app.issue(1, None);
    let (_, called) = app.post("/api/v1/counters/1/call-next", &o1, json!({}));
    assert_eq!(called["number"], t["number"]);
    let id = t["id"].as_u64().unwrap();
    // Transfer to area 2 keeping its place: it was issued after `early`.
    let (s, moved) = app.post(
        &format!("/api/v1/tickets/{id}/transfer"),
        &o1,
        json!({"service": 2}),
    );
    assert_eq!(s, 200, "{moved}");
    assert_eq!(
        (moved["state"].as_str(), moved["service"].as_u64()),
        (Some("waiting"), Some(2))
    );
    let (_, next) = app.post("/api/v1/counters/2/call-next", &o2, json!({}));
    assert_eq!(next["id"], early["id"]);
    app.post(
        &format!("/api/v1/tickets/{}/finish", early["id"]),
        &o2,
        json!({}),
    );
    let (_, next) = app.post("/api/v1/counters/2/call-next", &o2, json!({}));
    assert_eq!(next["id"], id);
    // No-show needs two calls by default.
    let (s, e) = app.post(&format!("/api/v1/tickets/{id}/no-show"), &o2, json!({}));
    assert_eq!((s, e["code"].as_str()), (409, Some("call_again_first")));
    app.post(&format!("/api/v1/tickets/{id}/recall"), &o2, json!({}));
    let (s, ns) = app.post(&format!("/api/v1/tickets/{id}/no-show"), &o2, json!({}));
    assert_eq!((s, ns["state"].as_str()), (200, Some("no_show")));
    let (s, back) = app.post(&format!("/api/v1/tickets/{id}/reactivate"), &o2, json!({}));
    assert_eq!(
        (s, back["state"].as_str(), back["requeues"].as_u64()),
        (200, Some("waiting"), Some(1))
    );
    let (s, c) = app.post(&format!("/api/v1/tickets/{id}/cancel"), &o2, json!({}));
    assert_eq!((s, c["state"].as_str()), (200, Some("cancelled")));
}

#[test]
fn sse_delivers_calls_in_order_and_resumes_after_a_drop() {
    let app = TestApp::start();
    let officer = app.login("canbo1");
    let mut board = Sse::connect(&app, &app.display, None);
    let (_, hello) = board.next_named("hello");
    assert!(hello["build"]
        .as_str()
        .unwrap()
        .starts_with(env!("CARGO_PKG_VERSION")));
    app.post("/api/v1/counters/1/open", &officer, json!({}));
    for _ in 0..3 {
        app.issue(1, None);
    }
    let (_, e) = board.next_named("ticket_issued");
    assert_eq!(e["ticket"]["number"], "A001");
    let (id1, call) = {
        app.post("/api/v1/counters/1/call-next", &officer, json!({}));
        board.next_named("ticket_called")
    };
    assert_eq!(call["ticket"]["number"], "A001");
    assert_eq!(call["counter_number"], 1);
    let id1 = id1.unwrap();
    drop(board);

    // While the board is away: finish A001 and call A002.
    app.post(
        &format!("/api/v1/tickets/{}/finish", call["ticket"]["id"]),
        &officer,
        json!({}),
    );
    app.post("/api/v1/counters/1/call-next", &officer, json!({}));

    let mut again = Sse::connect(&app, &app.display, Some(id1));
    let (_, _) = again.next_named("hello");
    let (_, changed) = again.next_named("ticket_changed");
    assert_eq!(
        (
            changed["action"].as_str(),
            changed["ticket"]["number"].as_str()
        ),
        (Some("finish"), Some("A001"))
    );
    let (id2, call2) = again.next_named("ticket_called");
    assert_eq!(call2["ticket"]["number"], "A002");
    assert!(id2.unwrap() > id1);
    // The announcement of that call is a WAV.
    let (s, wav) = app.raw(
        "GET",
        &format!("/api/v1/announcements/{}/audio", id2.unwrap()),
        Some(&app.display),
        None,
        "",
    );
    assert_eq!(s, 200);
    assert!(wav.len() > 44);
}

#[test]
fn restart_resumes_numbering_queue_and_event_sequence() {
    let app = TestApp::start();
    for _ in 0..3 {
        app.issue(1, None);
    }
    let officer = app.login("canbo1");
    let (s, before) = app.call("GET", "/api/v1/queue", Some(&officer), None);
    assert_eq!(s, 200);
    let app = app.restart();
    let officer = app.login("canbo1");
    let (_, after) = app.call("GET", "/api/v1/queue", Some(&officer), None);
    assert_eq!(after["waiting"], before["waiting"]);
    assert!(
        after["last_event_seq"].as_u64() > before["last_event_seq"].as_u64(),
        "login appended an event"
    );
    let t = app.issue(1, None);
    assert_eq!(t["number"], "A004");
    assert_eq!(t["waiting_ahead"], 3);
    // The demo is not seeded twice.
    let (_, services) = app.call("GET", "/api/v1/services", Some(&officer), None);
    assert_eq!(services.as_array().unwrap().len(), 4);
    assert_eq!(
        motcua::store::verify_chain(&app.running().services.store).unwrap(),
        None
    );
}

#[test]
fn numbering_resets_at_local_midnight() {
    let app = TestApp::start();
    app.issue(3, None);
    assert_eq!(app.issue(3, None)["number"], "C002");
    // 23:59 local → still today; 00:00 local → new day.
    app.clock.set(
        crate::helpers::morning() + chrono::Duration::hours(16) - chrono::Duration::seconds(1),
    );
    assert_eq!(app.issue(3, None)["number"], "C003");
    app.clock
        .set(crate::helpers::morning() + chrono::Duration::hours(16));
    assert_eq!(app.issue(3, None)["number"], "C001");
}

#[test]
fn eight_counters_call_500_tickets_without_duplicates_or_losses() {
    let app = TestApp::start();
    let admin = app.login("admin");
    // Four more counters, all eight serving area 1.
    for n in 5..=8 {
        let (s, v) = app.post(
            "/api/v1/counters",
            &admin,
            json!({"number": n, "name": format!("Quầy số {n}"), "services": [1]}),
        );
        assert_eq!(s, 201, "{v}");
    }
    for id in 1..=4 {
        let (s, v) = app.call(
            "PUT",
            &format!("/api/v1/counters/{id}"),
            Some(&admin),
            Some(json!({"number": id, "name": format!("Quầy số {id}"), "services": [1]})),
        );
        assert_eq!(s, 200, "{v}");
    }
    let mut issued = HashSet::new();
    for _ in 0..500 {
        issued.insert(app.issue(1, None)["id"].as_u64().unwrap());
    }
    for id in 1..=8 {
        let (s, _) = app.post(&format!("/api/v1/counters/{id}/open"), &admin, json!({}));
        assert_eq!(s, 200);
    }
    let barrier = Arc::new(Barrier::new(8));
    let base = app.url("");
    let handles: Vec<_> = (1..=8u32)
        .map(|counter| {
            let (barrier, base, token) = (barrier.clone(), base.clone(), admin.clone());
            std::thread::spawn(move || {
                let agent = ureq::AgentBuilder::new().build();
                let mut got = Vec::new();
                barrier.wait();
                loop {
                    let r = agent
                        .post(&format!("{base}/api/v1/counters/{counter}/call-next"))
                        .set("Authorization", &format!("Bearer {token}"))
                        .call()
                        .expect("call-next");
                    if r.status() == 204 {
                        break;
                    }
                    let t: Value = r.into_json().unwrap();
                    let id = t["id"].as_u64().unwrap();
                    got.push(id);
                    agent
                        .post(&format!("{base}/api/v1/tickets/{id}/finish"))
                        .set("Authorization", &format!("Bearer {token}"))
                        .call()
                        .expect("finish");
                }
                got
            })
        })
        .collect();
    let mut called = Vec::new();
    for h in handles {
        called.extend(h.join().unwrap());
    }
    let unique: HashSet<u64> = called.iter().copied().collect();
    assert_eq!(called.len(), 500, "every ticket called exactly once");
    assert_eq!(unique, issued, "no ticket lost, none duplicated");
    let (_, snap) = app.call("GET", "/api/v1/queue", Some(&admin), None);
    assert!(snap["waiting"].as_array().unwrap().is_empty());
}

#[test]
fn bad_input_gets_clear_errors_and_changes_nothing() {
    let app = TestApp::start();
    let officer = app.login("canbo1");
    app.issue(1, None);
    let (_, before) = app.call("GET", "/api/v1/queue", Some(&officer), None);
    let store = &app.running().services.store;
    let seq_before = store.read().unwrap().last_event_seq().unwrap();

    let (s, body) = app.raw(
        "POST",
        "/api/v1/tickets",
        Some(&app.kiosk),
        Some("{\"service\": 1".into()),
        "application/json",
    );
    assert_eq!(s, 400);
    let e: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(e["code"], "malformed_json");
    assert!(e["message"]
        .as_str()
        .unwrap()
        .starts_with("Dữ liệu JSON không hợp lệ"));
    let (s, e) = app.post("/api/v1/tickets", &app.kiosk, json!({"service": "một"}));
    assert_eq!((s, e["code"].as_str()), (400, Some("malformed_json")));
    let (s, e) = app.post("/api/v1/tickets", &app.kiosk, json!({"service": 99}));
    assert_eq!((s, e["code"].as_str()), (404, Some("not_found")));
    let (s, e) = app.post(
        "/api/v1/tickets",
        &app.kiosk,
        json!({"service": 1, "priority": "vip"}),
    );
    assert_eq!((s, e["code"].as_str()), (409, Some("unknown_priority")));
    let (s, _) = app.raw(
        "POST",
        "/api/v1/tickets",
        Some(&app.kiosk),
        Some("service=1".into()),
        "application/x-www-form-urlencoded",
    );
    assert_eq!(s, 400);
    let big = format!("{{\"service\": 1, \"pad\": \"{}\"}}", "x".repeat(100_000));
    let (s, _) = app.raw(
        "POST",
        "/api/v1/tickets",
        Some(&app.kiosk),
        Some(big),
        "application/json",
    );
    assert_eq!(s, 413);

    let (s, e) = app.call("GET", "/api/v1/tickets/999999", Some(&officer), None);
    assert_eq!((s, e["code"].as_str()), (404, Some("not_found")));
    let (s, _) = app.call("GET", "/api/v1/tickets/abc", Some(&officer), None);
    assert_eq!(s, 404);
    let (s, _) = app.post("/api/v1/tickets/1/explode", &officer, json!({}));
    assert_eq!(s, 404);
    let (s, e) = app.post("/api/v1/counters/77/open", &officer, json!({}));
    assert_eq!((s, e["code"].as_str()), (404, Some("not_found")));
    // Illegal transitions: a waiting ticket cannot be started, finished, recalled or reactivated.
    for action in ["start", "finish", "recall", "no-show", "reactivate"] {
        let (s, e) = app.post(&format!("/api/v1/tickets/1/{action}"), &officer, json!({}));
        assert_eq!(
            (s, e["code"].as_str()),
            (409, Some("illegal_transition")),
            "{action}: {e}"
        );
        assert!(e["message"].as_str().unwrap().starts_with("Không thể"));
    }
    let (s, e) = app.post(
        "/api/v1/tickets/1/transfer",
        &officer,
        json!({"service": "x"}),
    );
    assert_eq!((s, e["code"].as_str()), (400, Some("malformed_json")));
    let (s, e) = app.post("/api/v1/counters/1/pause", &officer, json!({"reason": "x"}));
    assert_eq!((s, e["code"].as_str()), (403, Some("not_operator")), "{e}");

    let (_, after) = app.call("GET", "/api/v1/queue", Some(&officer), None);
    assert_eq!(
        after["waiting"], before["waiting"],
        "the queue is untouched"
    );
    let seq_after = store.read().unwrap().last_event_seq().unwrap();
    assert_eq!(
        seq_after, seq_before,
        "no event was appended by a rejected request"
    );
}
