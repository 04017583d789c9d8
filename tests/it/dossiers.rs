//! Dossiers over HTTP: reception → actions → lookup → return, deadlines from the
//! calendar, concurrency of codes, the public lookup's enumeration resistance, bad input.

use std::collections::HashSet;
use std::sync::{Arc, Barrier};

use chrono::Duration;
use serde_json::{json, Value};

use crate::helpers::TestApp;

pub fn applicant() -> Value {
    json!({
        "name": "Nguyễn Văn An",
        "id_number": "001090012345",
        "phone": "0912 345 678",
        "address": "Thôn Đông, xã Tân Phú"
    })
}

pub fn receive(app: &TestApp, token: &str, procedure: &str) -> Value {
    let (s, d) = app.post(
        "/api/v1/dossiers",
        token,
        json!({"procedure_code": procedure, "applicant": applicant()}),
    );
    assert_eq!(s, 201, "receive: {d}");
    d
}

fn act(app: &TestApp, token: &str, code: &str, body: Value) -> (u16, Value) {
    app.post(&format!("/api/v1/dossiers/{code}/actions"), token, body)
}

#[test]
fn reception_to_return_with_lookup() {
    let app = TestApp::start();
    let officer = app.login("canbo1");
    let (s, cat) = app.call("GET", "/api/v1/procedures", None, None);
    assert_eq!(s, 200);
    assert_eq!(cat["procedures"].as_array().unwrap().len(), 8);

    // Thursday 5 March 2026, 08:00: three working days → Tuesday 10 March, 08:00.
    let d = receive(&app, &officer, "1.004873");
    insta::assert_json_snapshot!("dossier_received", d);
    let code = d["code"].as_str().unwrap().to_string();
    assert_eq!(code, "H40.14-260305-0001");
    assert_eq!(d["due_at"], "2026-03-10T08:00:00+07:00");

    // Routing: the holder assigns; someone else may not hand it on.
    app.clock.advance(Duration::minutes(30));
    let (s, v) = act(
        &app,
        &officer,
        &code,
        json!({"action": "assign", "to_officer": "canbo2"}),
    );
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], 4);
    assert_eq!(v["current_officer"], "canbo2");
    let (_, l) = app.call(
        "GET",
        "/api/v1/dossiers?officer=canbo2",
        Some(&officer),
        None,
    );
    assert_eq!(
        l.as_array().unwrap().len(),
        1,
        "the holder index follows the hand-off"
    );
    let (_, l) = app.call(
        "GET",
        "/api/v1/dossiers?officer=canbo1",
        Some(&officer),
        None,
    );
    assert_eq!(l.as_array().unwrap().len(), 0);
    let (_, l) = app.call("GET", "/api/v1/dossiers?area=1", Some(&officer), None);
    assert_eq!(l.as_array().unwrap().len(), 1);
    let (_, l) = app.call("GET", "/api/v1/dossiers?area=2", Some(&officer), None);
    assert_eq!(l.as_array().unwrap().len(), 0);
    let (s, v) = act(
        &app,
        &officer,
        &code,
        json!({"action": "handover", "to": "canbo3"}),
    );
    assert_eq!((s, v["code"].as_str()), (403, Some("not_operator")), "{v}");
    let (s, v) = act(
        &app,
        &officer,
        &code,
        json!({"action": "assign", "to_officer": "kiosk"}),
    );
    assert_eq!(s, 403, "still not the holder: {v}");

    let clerk = app.login("canbo2");
    let (s, v) = act(
        &app,
        &clerk,
        &code,
        json!({"action": "assign", "to_officer": "nobody"}),
    );
    assert_eq!((s, v["code"].as_str()), (422, Some("invalid_input")), "{v}");
    app.clock.advance(Duration::hours(2));
    let (s, v) = act(
        &app,
        &clerk,
        &code,
        json!({"action": "resolve", "note": "Đã ký"}),
    );
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], 9);
    // Illegal transition: a clear message, nothing changes.
    let (s, v) = act(&app, &clerk, &code, json!({"action": "request_fees"}));
    assert_eq!(
        (s, v["code"].as_str()),
        (409, Some("illegal_transition")),
        "{v}"
    );
    assert!(
        v["message"].as_str().unwrap().contains("Đã xử lý xong"),
        "{v}"
    );

    // The citizen looks it up with the code and the last 4 digits of the phone.
    let (s, p) = app.call(
        "GET",
        &format!("/api/v1/lookup?code={}&last4=5678", code.to_lowercase()),
        None,
        None,
    );
    assert_eq!(s, 200, "{p}");
    insta::assert_json_snapshot!("dossier_lookup", p);
    assert_eq!(p["applicant_masked"], "Nguyễn V.A.");
    // The receipt's QR token gives the same view without a second factor.
    let token = app.running().services.dossier(&code).unwrap().lookup_token;
    let (s, p2) = app.call("GET", &format!("/api/v1/lookup/{token}"), None, None);
    assert_eq!((s, &p2), (200, &p));

    let (s, v) = act(&app, &officer, &code, json!({"action": "return_result"}));
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], 10);
    let events: Vec<_> = v["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["event"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        events,
        [
            "received",
            "assigned",
            "step_closed",
            "resolved",
            "returned"
        ]
    );

    // Lists: by status, by officer, by period.
    let (s, l) = app.call("GET", "/api/v1/dossiers?status=10", Some(&officer), None);
    assert_eq!((s, l.as_array().unwrap().len()), (200, 1));
    let (_, l) = app.call("GET", "/api/v1/dossiers?status=4", Some(&officer), None);
    assert_eq!(l.as_array().unwrap().len(), 0);
    let (_, l) = app.call(
        "GET",
        "/api/v1/dossiers?from=2026-03-06&to=2026-03-31",
        Some(&officer),
        None,
    );
    assert_eq!(l.as_array().unwrap().len(), 0);
    let (_, l) = app.call(
        "GET",
        "/api/v1/dossiers?from=2026-03-05&to=2026-03-05&q=nguy%E1%BB%85n",
        Some(&officer),
        None,
    );
    assert_eq!(l.as_array().unwrap().len(), 1);
}

#[test]
fn supplement_pauses_the_clock_and_deadlines_follow_the_calendar() {
    let app = TestApp::start();
    let officer = app.login("canbo1");
    // Same-day procedure received at 15:30 on Thursday: due Friday 17:00.
    app.clock.advance(Duration::minutes(7 * 60 + 30));
    let d = receive(&app, &officer, "1.001193");
    assert_eq!(d["due_at"], "2026-03-06T17:00:00+07:00");

    // 3 working days from Thursday 15:30 → Tuesday 15:30; a supplement asked on Friday
    // 08:00 and brought on Monday 08:00 stops the clock for one working day.
    let d = receive(&app, &officer, "1.004873");
    let code = d["code"].as_str().unwrap().to_string();
    assert_eq!(code, "H40.14-260305-0002");
    assert_eq!(d["due_at"], "2026-03-10T15:30:00+07:00");
    app.clock
        .advance(Duration::hours(16) + Duration::minutes(30));
    // Sessions last 12 hours: sign in again on each new day.
    let officer = app.login("canbo1");
    let (s, v) = act(
        &app,
        &officer,
        &code,
        json!({"action": "request_supplement", "reason": "Thiếu tờ khai",
               "missing": [{"name": "Tờ khai", "kind": "original", "count": 1}]}),
    );
    assert_eq!((s, v["status"].as_u64()), (200, Some(5)), "{v}");
    let (s, v) = act(&app, &officer, &code, json!({"action": "resolve"}));
    assert_eq!(s, 409, "cannot resolve while waiting for papers: {v}");
    app.clock.advance(Duration::days(3));
    let officer = app.login("canbo1");
    let (s, v) = act(&app, &officer, &code, json!({"action": "resume"}));
    assert_eq!((s, v["status"].as_u64()), (200, Some(4)), "{v}");
    assert_eq!(v["due_at"], "2026-03-11T15:30:00+07:00");

    // Apology with a new date, only once, and a reason is required.
    let (s, v) = act(
        &app,
        &officer,
        &code,
        json!({"action": "apologize", "new_due": "2026-03-13", "reason": " "}),
    );
    assert_eq!(
        (s, v["code"].as_str()),
        (422, Some("reason_required")),
        "{v}"
    );
    let (s, v) = act(
        &app,
        &officer,
        &code,
        json!({"action": "apologize", "new_due": "2026-03-13", "reason": "Chờ xác minh"}),
    );
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["due_at"], "2026-03-13T17:00:00+07:00");
    let (s, v) = act(
        &app,
        &officer,
        &code,
        json!({"action": "apologize", "new_due": "2026-03-20", "reason": "Lần hai"}),
    );
    assert_eq!(
        (s, v["code"].as_str()),
        (409, Some("apology_already_sent")),
        "{v}"
    );
}

#[test]
fn concurrent_receptions_get_unique_codes() {
    let app = Arc::new(TestApp::start());
    let tokens: Vec<String> = (1..=4).map(|i| app.login(&format!("canbo{i}"))).collect();
    let barrier = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let (app, barrier, token) = (app.clone(), barrier.clone(), tokens[i % 4].clone());
            std::thread::spawn(move || {
                barrier.wait();
                (0..5)
                    .map(|_| {
                        receive(&app, &token, "2.000815")["code"]
                            .as_str()
                            .unwrap()
                            .to_string()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let codes: Vec<String> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let unique: HashSet<&String> = codes.iter().collect();
    assert_eq!((codes.len(), unique.len()), (40, 40));
    for n in 1..=40 {
        assert!(
            unique.contains(&format!("H40.14-260305-{n:04}")),
            "missing {n}"
        );
    }
}

#[test]
fn lookup_cannot_enumerate_codes() {
    let app = TestApp::start();
    let officer = app.login("canbo1");
    let code = receive(&app, &officer, "1.001193")["code"]
        .as_str()
        .unwrap()
        .to_string();
    // A wrong second factor and a wrong code look the same.
    let (s1, v1) = app.call(
        "GET",
        &format!("/api/v1/lookup?code={code}&last4=0000"),
        None,
        None,
    );
    let (s2, v2) = app.call(
        "GET",
        "/api/v1/lookup?code=H40.14-260305-0002&last4=5678",
        None,
        None,
    );
    assert_eq!((s1, s2), (404, 404));
    assert_eq!(v1, v2);
    // The last 4 digits of the ID number also work.
    let (s, _) = app.call(
        "GET",
        &format!("/api/v1/lookup?code={code}&last4=2345"),
        None,
        None,
    );
    assert_eq!(s, 200);
    // Guessing: after 10 misses the address is locked, even for a right answer.
    let mut locked = 0;
    for n in 2..40 {
        let (s, _) = app.call(
            "GET",
            &format!("/api/v1/lookup?code=H40.14-260305-{n:04}&last4=5678"),
            None,
            None,
        );
        assert!(s == 404 || s == 429, "{s}");
        locked += usize::from(s == 429);
    }
    assert!(locked >= 25, "only {locked} of 38 guesses were refused");
    let (s, v) = app.call(
        "GET",
        &format!("/api/v1/lookup?code={code}&last4=5678"),
        None,
        None,
    );
    assert_eq!((s, v["code"].as_str()), (429, Some("too_many_attempts")));
    // The lock passes.
    app.clock.advance(Duration::hours(2));
    let (s, _) = app.call(
        "GET",
        &format!("/api/v1/lookup?code={code}&last4=5678"),
        None,
        None,
    );
    assert_eq!(s, 200);
    // An unknown token is a plain 404.
    let (s, _) = app.call(
        "GET",
        "/api/v1/lookup/00112233445566778899aabbccddeeff",
        None,
        None,
    );
    assert_eq!(s, 404);
}

#[test]
fn bad_dossier_input_is_refused_and_nothing_is_stored() {
    let app = TestApp::start();
    let officer = app.login("canbo1");
    let cases = [
        (
            json!({"procedure_code": "9.999999", "applicant": applicant()}),
            404,
            "not_found",
        ),
        (
            json!({"procedure_code": "1.001193", "applicant": {"name": "A", "id_number": "123"}}),
            422,
            "invalid_input",
        ),
        (
            json!({"procedure_code": "1.001193", "applicant": {"name": " "}}),
            422,
            "invalid_input",
        ),
        (
            json!({"procedure_code": "1.001193", "applicant": {"name": "A", "phone": "abc"}}),
            422,
            "invalid_input",
        ),
        (
            json!({"procedure_code": "1.001193", "applicant": {"name": "Nguyễn Văn An", "address": "Thôn Đông"}}),
            422,
            "lookup_key_required",
        ),
        (
            json!({"procedure_code": "1.001193", "applicant": applicant(), "ticket": 999}),
            404,
            "not_found",
        ),
        (json!({"procedure_code": 5}), 400, "malformed_json"),
    ];
    for (body, status, code) in cases {
        let (s, v) = app.post("/api/v1/dossiers", &officer, body.clone());
        assert_eq!((s, v["code"].as_str()), (status, Some(code)), "{body}: {v}");
    }
    let (s, v) = app.raw(
        "POST",
        "/api/v1/dossiers",
        Some(&officer),
        Some("{\"procedure_code\": \"1.0".into()),
        "application/json",
    );
    assert_eq!(s, 400, "{v}");
    let (s, v) = act(
        &app,
        &officer,
        "H40.14-260305-0009",
        json!({"action": "resolve"}),
    );
    assert_eq!((s, v["code"].as_str()), (404, Some("not_found")));
    let (s, v) = act(
        &app,
        &officer,
        "H40.14-260305-0009",
        json!({"action": "fly"}),
    );
    assert_eq!(
        (s, v["code"].as_str()),
        (400, Some("malformed_json")),
        "{v}"
    );
    let (_, l) = app.call("GET", "/api/v1/dossiers", Some(&officer), None);
    assert_eq!(l.as_array().unwrap().len(), 0, "nothing was stored");
    let (s, v) = app.call("GET", "/api/v1/dossiers?status=11", Some(&officer), None);
    assert_eq!((s, v["code"].as_str()), (422, Some("invalid_input")));
    // Kiosks and TV boards cannot read dossiers.
    let (s, _) = app.call("GET", "/api/v1/dossiers", Some(&app.kiosk), None);
    assert_eq!(s, 403);
}

#[test]
fn dossiers_survive_backup_and_restore() {
    let app = TestApp::start();
    let officer = app.login("canbo1");
    let code = receive(&app, &officer, "1.004873")["code"]
        .as_str()
        .unwrap()
        .to_string();
    let mut buf = Vec::new();
    app.running().services.store.export(&mut buf).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let restored = motcua::store::Store::import(&dir.path().join("r.redb"), &buf[..]).unwrap();
    let rx = restored.read().unwrap();
    let d = rx.dossier(&code).unwrap().unwrap();
    assert_eq!(
        rx.dossier_code_by_token(&d.lookup_token).unwrap(),
        Some(code)
    );
    let page = rx
        .dossiers_page(
            motcua::store::DossierIndex::Received {
                from: i64::MIN,
                to: i64::MAX - 1,
            },
            0,
            10,
            100,
            |_| true,
        )
        .unwrap();
    assert_eq!(page.len(), 1, "indexes are rebuilt on restore");
}

const BOOK: &str = "code,procedure_code,applicant_name,applicant_id,phone,channel,received_at,due_at,resolved_at,returned_at,status\n\
H40.14-260302-0001,1.004873,Lê Thị Cúc,,0901000001,1,2026-03-02 08:00,,2026-03-04 10:00,2026-03-05 09:00,10\n\
,1.004873,Phạm Văn Dũng,001090012345,,2,2026-03-02 09:00,2026-03-12 17:00,,,4\n\
,2.000815,Hồ Thị Em,,,1,2026-03-02 15:30,,2026-03-03 09:00,,9\n\
,1.001193,Võ Văn Phúc,,,3,2026-03-02 10:00,,,,3\n";

fn import(app: &TestApp, token: &str, csv: &str) -> (u16, Value) {
    let (s, body) = app.raw(
        "POST",
        "/api/v1/dossiers/import",
        Some(token),
        Some(csv.to_string()),
        "text/csv",
    );
    (s, serde_json::from_str(&body).unwrap_or(Value::Null))
}

#[test]
fn tracking_book_import_is_all_or_nothing_and_idempotent() {
    let app = TestApp::start();
    let admin = app.login("admin");
    let officer = app.login("canbo1");

    // A bad file: every bad row listed, nothing stored.
    let bad =
        format!("{BOOK},9.999,X,,,1,2026-03-02 08:00,,,,2\n,1.004873,Y,,,1,02/03/2026,,,,2\n");
    let (s, r) = import(&app, &admin, &bad);
    assert_eq!(s, 422, "{r}");
    insta::assert_json_snapshot!("book_import_errors", r);
    let (_, l) = app.call("GET", "/api/v1/dossiers", Some(&officer), None);
    assert_eq!(l.as_array().unwrap().len(), 0, "nothing was imported");

    let (s, r) = import(&app, &admin, BOOK);
    assert_eq!(
        (s, r["imported"].as_u64(), r["duplicates"].as_u64()),
        (200, Some(4), Some(0)),
        "{r}"
    );
    // The same file again adds nothing.
    let (s, r) = import(&app, &admin, BOOK);
    assert_eq!(
        (s, r["imported"].as_u64(), r["duplicates"].as_u64()),
        (200, Some(0), Some(4)),
        "{r}"
    );

    // Generated codes skip the number the file's own code holds.
    let (_, l) = app.call(
        "GET",
        "/api/v1/dossiers?from=2026-03-02&to=2026-03-02&per_page=10",
        Some(&officer),
        None,
    );
    let mut codes: Vec<&str> = l
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    codes.sort();
    assert_eq!(
        codes,
        [
            "H40.14-260302-0001",
            "H40.14-260302-0002",
            "H40.14-260302-0003",
            "H40.14-260302-0004"
        ]
    );
    let (_, d) = app.call(
        "GET",
        "/api/v1/dossiers/H40.14-260302-0001",
        Some(&officer),
        None,
    );
    assert_eq!(d["status"], 10);
    assert_eq!(d["imported"], true);
    // Due computed from the procedure and the calendar: Monday 08:00 + 3 working days.
    assert_eq!(d["due_at"], "2026-03-05T08:00:00+07:00");
    assert_eq!(d["returned_at"], "2026-03-05T09:00:00+07:00");
    // An imported dossier can go on through the normal actions.
    let online: Vec<&Value> = l
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["status"] == 4)
        .collect();
    let code = online[0]["code"].as_str().unwrap();
    let (s, v) = act(&app, &officer, code, json!({"action": "resolve"}));
    assert_eq!((s, v["status"].as_u64()), (200, Some(9)), "{v}");

    // Reception after the import continues the day's numbering elsewhere.
    let d = receive(&app, &officer, "1.001193");
    assert_eq!(d["code"], "H40.14-260305-0001");

    // Only an admin imports; a truncated or empty file is refused cleanly.
    let (s, _) = import(&app, &officer, BOOK);
    assert_eq!(s, 403);
    let (s, r) = import(&app, &admin, "procedure_code,applicant_name\n");
    assert_eq!(s, 422);
    assert_eq!(r["errors"][0]["line"], 1);
    let cut = &BOOK[..BOOK.len() - 20];
    let (s, r) = import(&app, &admin, cut);
    assert_eq!(s, 422, "a row cut in the middle is a bad row: {r}");
}

#[test]
fn return_visit_ticket_opens_the_dossier() {
    let app = TestApp::start();
    let officer = app.login("canbo1");
    let d = receive(&app, &officer, "DP.KD.01");
    let code = d["code"].as_str().unwrap().to_string();
    // Not ready yet: the kiosk says when to come back, and issues nothing.
    let (s, v) = app.post("/api/v1/tickets", &app.kiosk, json!({"dossier": code}));
    assert_eq!(
        (s, v["code"].as_str()),
        (422, Some("nothing_to_collect")),
        "{v}"
    );
    assert!(
        v["message"].as_str().unwrap().contains("Ngày hẹn trả"),
        "{v}"
    );
    let (s, v) = act(&app, &officer, &code, json!({"action": "resolve"}));
    assert_eq!(s, 200, "{v}");
    // The kiosk: the code typed (any case) → a ticket in the dossier's area (Kinh doanh, C).
    let (s, t) = app.post(
        "/api/v1/tickets",
        &app.kiosk,
        json!({"dossier": code.to_lowercase()}),
    );
    assert_eq!(s, 201, "{t}");
    assert_eq!(
        (t["number"].as_str(), t["service"].as_u64()),
        (Some("C001"), Some(3))
    );
    assert_eq!(t["dossier"], code.as_str());
    assert_eq!(t["purpose"], "pickup");
    // A scanner typing the receipt's QR link works too.
    let token = app.running().services.dossier(&code).unwrap().lookup_token;
    let (s, t) = app.post(
        "/api/v1/tickets",
        &app.kiosk,
        json!({"dossier": format!("http://10.0.0.5:8080/tra-cuu/{token}")}),
    );
    assert_eq!(
        (s, t["dossier"].as_str()),
        (201, Some(code.as_str())),
        "{t}"
    );
    // Unknown codes and links: a clear 404, no ticket.
    for bad in ["H40.14-260305-0099", "http://x/tra-cuu/0011"] {
        let (s, v) = app.post("/api/v1/tickets", &app.kiosk, json!({"dossier": bad}));
        assert_eq!(
            (s, v["code"].as_str()),
            (404, Some("not_found")),
            "{bad}: {v}"
        );
    }
    let (_, q) = app.call("GET", "/api/v1/queue", Some(&app.display), None);
    assert_eq!(q["waiting"].as_array().unwrap().len(), 2);

    // With pick-ups fast-tracked, a pick-up goes before an earlier new filing.
    let admin = app.login("admin");
    let (_, mut settings) = app.call("GET", "/api/v1/settings", Some(&admin), None);
    settings["queue"]["pickups_first"] = true.into();
    let (s, v) = app.call("PUT", "/api/v1/settings", Some(&admin), Some(settings));
    assert_eq!(s, 200, "{v}");
    let new_filing = app.issue(3, None);
    let (_, pickup) = app.post("/api/v1/tickets", &app.kiosk, json!({"dossier": code}));
    app.post("/api/v1/counters/3/open", &officer, json!({}));
    let mut called = vec![];
    for _ in 0..4 {
        let (_, t) = app.post("/api/v1/counters/3/call-next", &officer, json!({}));
        called.push(t["number"].as_str().unwrap_or("").to_string());
        app.post(
            &format!("/api/v1/tickets/{}/finish", t["id"]),
            &officer,
            json!({}),
        );
    }
    assert_eq!(
        called,
        [
            "C001",
            "C002",
            pickup["number"].as_str().unwrap(),
            new_filing["number"].as_str().unwrap()
        ],
        "pick-ups in their order, before the new filing"
    );
}
