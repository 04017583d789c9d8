//! Citizen ratings: the counter tablet (three keys, once per served ticket), the phone
//! through the ticket's QR page (five levels), binding to officer and dossier, summary.

use chrono::Duration;
use serde_json::{json, Value};

use crate::helpers::TestApp;

fn tablet(app: &TestApp) -> String {
    app.running()
        .services
        .create_device_session(
            &motcua::events::Actor::system(),
            "Máy tính bảng quầy 1",
            motcua::domain::center::Role::Rating,
        )
        .unwrap()
}

/// Issues a ticket, serves it at counter 1 and finishes it; returns the ticket JSON.
fn served(app: &TestApp, officer: &str) -> Value {
    let t = app.issue(1, None);
    let id = t["id"].as_u64().unwrap();
    let (s, _) = app.post("/api/v1/counters/1/open", officer, json!({}));
    assert!(s == 200 || s == 409);
    let (s, v) = app.post(&format!("/api/v1/counters/1/call/{id}"), officer, json!({}));
    assert_eq!(s, 200, "{v}");
    let (s, _) = app.post(&format!("/api/v1/tickets/{id}/start"), officer, json!({}));
    assert_eq!(s, 200);
    let (s, _) = app.post(&format!("/api/v1/tickets/{id}/finish"), officer, json!({}));
    assert_eq!(s, 200);
    t
}

#[test]
fn the_counter_tablet_rates_a_served_ticket_once() {
    let app = TestApp::start();
    let officer = app.login("canbo1");
    let pad = tablet(&app);
    let (s, page) = app.raw("GET", "/danh-gia", Some(&pad), None, "");
    assert_eq!(s, 200);
    assert!(page.contains("Rất hài lòng") && page.contains("Không hài lòng"));

    let waiting = app.issue(1, None);
    let (s, v) = app.post(
        "/api/v1/ratings",
        &pad,
        json!({"ticket": waiting["id"], "level": 5}),
    );
    assert_eq!((s, v["code"].as_str()), (409, Some("not_served")), "{v}");

    let t = served(&app, &officer);
    let id = t["id"].as_u64().unwrap();
    let (s, v) = app.post("/api/v1/ratings", &pad, json!({"ticket": id, "level": 3}));
    assert_eq!(
        (s, v["code"].as_str()),
        (422, Some("not_a_device_key")),
        "{v}"
    );
    let (s, v) = app.post(
        "/api/v1/ratings",
        &pad,
        json!({"ticket": id, "level": 2, "reasons": ["Chờ đợi lâu"]}),
    );
    assert_eq!(s, 201, "{v}");
    assert_eq!(
        (v["officer"].as_str(), v["counter"].as_u64()),
        (Some("canbo1"), Some(1))
    );
    assert_eq!(v["reasons"], json!(["Chờ đợi lâu"]));
    let (s, v) = app.post("/api/v1/ratings", &pad, json!({"ticket": id, "level": 5}));
    assert_eq!((s, v["code"].as_str()), (409, Some("already_rated")), "{v}");
    // Only the tablet rates: not the officer, not the kiosk.
    for token in [&officer, &app.kiosk] {
        let (s, _) = app.post("/api/v1/ratings", token, json!({"ticket": id, "level": 5}));
        assert_eq!(s, 403);
    }
    // Long after the service, the tablet may no longer rate it.
    let late = served(&app, &officer);
    app.clock.advance(Duration::minutes(31));
    let officer = app.login("canbo1");
    let (s, v) = app.post(
        "/api/v1/ratings",
        &pad,
        json!({"ticket": late["id"], "level": 5}),
    );
    assert_eq!(
        (s, v["code"].as_str()),
        (409, Some("rating_window_closed")),
        "{v}"
    );

    let (s, r) = app.call(
        "GET",
        "/api/v1/ratings?from=2026-03-05&to=2026-03-05",
        Some(&officer),
        None,
    );
    assert_eq!(s, 200);
    insta::assert_json_snapshot!("ratings_summary", r["summary"]);

    // The center head sees it per officer (by name) and per counter, reasons included.
    let leader = app.login("admin");
    let (s, rep) = app.call(
        "GET",
        "/api/v1/reports/dossiers?from=2026-03-05&to=2026-03-05",
        Some(&leader),
        None,
    );
    assert_eq!(s, 200, "{rep}");
    let by = &rep["ratings_by_officer"][0];
    assert_eq!(
        (
            by["label"].as_str(),
            by["total"].as_u64(),
            by["dislike"].as_u64()
        ),
        (Some("Cán bộ 1"), Some(1), Some(1)),
        "{rep}"
    );
    assert_eq!(by["reasons"][0]["reason"], "Chờ đợi lâu");
    assert_eq!(rep["ratings_by_counter"][0]["label"], "Quầy 1");
    let (s, page) = app.raw(
        "GET",
        "/bao-cao?from=2026-03-05&to=2026-03-05",
        Some(&leader),
        None,
        "",
    );
    assert_eq!(s, 200);
    assert!(
        page.contains("Theo cán bộ") && page.contains("Chờ đợi lâu (1)"),
        "{page}"
    );
}

#[test]
fn the_citizen_rates_from_the_ticket_qr_and_the_rating_binds_the_dossier() {
    let app = TestApp::start();
    let officer = app.login("canbo1");
    let t = app.issue(1, None);
    let (id, token) = (
        t["id"].as_u64().unwrap(),
        t["status_token"].as_str().unwrap().to_string(),
    );
    let (s, _) = app.post("/api/v1/counters/1/open", &officer, json!({}));
    assert_eq!(s, 200);
    app.post("/api/v1/counters/1/call-next", &officer, json!({}));
    app.post(&format!("/api/v1/tickets/{id}/start"), &officer, json!({}));
    // The officer receives a dossier while serving the ticket.
    let (s, d) = app.post(
        "/api/v1/dossiers",
        &officer,
        json!({"procedure_code": "1.001193", "applicant": {"name": "Lê Văn Tám", "phone": "0987 654 321"}, "ticket": id}),
    );
    assert_eq!(s, 201, "{d}");
    let (_, page) = app.raw("GET", &format!("/t/{id}/{token}"), None, None, "");
    assert!(
        !page.contains("Gửi đánh giá"),
        "no rating before the service ends"
    );
    app.post(&format!("/api/v1/tickets/{id}/finish"), &officer, json!({}));

    let (s, page) = app.raw("GET", &format!("/t/{id}/{token}"), None, None, "");
    assert_eq!(s, 200);
    assert!(page.contains("Gửi đánh giá") && page.contains("Rất không hài lòng"));
    let post = |body: &str, tok: &str| {
        app.raw(
            "POST",
            &format!("/t/{id}/{tok}/danh-gia"),
            None,
            Some(body.to_string()),
            "application/x-www-form-urlencoded",
        )
    };
    let (s, _) = post("level=5", "0000000000000000");
    assert_eq!(s, 404, "the token is the key");
    let (s, _) = post("level=9", &token);
    assert_eq!(s, 409);
    let (s, _) = post(
        "level=1&reason=Ph%E1%BA%A3i+%C4%91i+l%E1%BA%A1i+nhi%E1%BB%81u+l%E1%BA%A7n",
        &token,
    );
    assert_eq!(s, 303);
    let (_, page) = app.raw("GET", &format!("/t/{id}/{token}"), None, None, "");
    assert!(
        page.contains("Cảm ơn quý công dân đã đánh giá: <b>Rất không hài lòng</b>"),
        "{page}"
    );
    let (s, _) = post("level=5", &token);
    assert_eq!(s, 409, "once per ticket");

    let r = app.running().services.ticket_rating(id).unwrap().unwrap();
    assert_eq!(r.dossier.as_deref(), d["code"].as_str());
    assert_eq!(r.reasons, ["Phải đi lại nhiều lần"]);
    let (_, list) = app.call("GET", "/api/v1/ratings", Some(&officer), None);
    assert_eq!(list["summary"]["dislike"], 1);
    assert_eq!(list["summary"]["satisfied_percent"], "0,00");
}
