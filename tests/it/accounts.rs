//! Accounts managed from the admin page: create with a real display name, give counters,
//! change the role, disable a leaver — and the sessions follow at once.

use serde_json::json;

use crate::helpers::TestApp;

fn first_login(app: &TestApp, user: &str, temp: &str) -> String {
    let (s, v) = app.call(
        "POST",
        "/api/v1/session",
        None,
        Some(json!({"username": user, "password": temp})),
    );
    assert_eq!(s, 201, "{v}");
    let t = v["token"].as_str().unwrap().to_string();
    let (s, e) = app.post(
        "/api/v1/me/password",
        &t,
        json!({"current": temp, "new": "mat-khau-rieng-2026"}),
    );
    assert_eq!(s, 204, "{e}");
    t
}

#[test]
fn the_admin_manages_accounts_and_sessions_follow() {
    let app = TestApp::start();
    let admin = app.login("admin");
    let (s, u) = app.post(
        "/api/v1/users",
        &admin,
        json!({"username": "lan", "display_name": "  Nguyễn  Thị Lan ", "role": "officer", "password": "tam-thoi-1"}),
    );
    assert_eq!(s, 201, "{u}");
    assert_eq!(u["display_name"], "Nguyễn Thị Lan");
    assert_eq!(u["must_change_password"], true);

    // Counter 1 only; the area list is kept as given (sorted, once each).
    let (s, u) = app.call(
        "PUT",
        "/api/v1/users/lan",
        Some(&admin),
        Some(json!({"display_name": "Nguyễn Thị Lan", "role": "officer", "counters": [1], "areas": [2, 1, 2]})),
    );
    assert_eq!(s, 200, "{u}");
    assert_eq!(
        (u["counters"].clone(), u["areas"].clone()),
        (json!([1]), json!([1, 2]))
    );

    let lan = first_login(&app, "lan", "tam-thoi-1");
    let (s, e) = app.post("/api/v1/counters/2/open", &lan, json!({}));
    assert_eq!(s, 403, "not her counter: {e}");
    let (s, c) = app.post("/api/v1/counters/1/open", &lan, json!({}));
    assert_eq!(s, 200, "{c}");
    let (s, _) = app.post("/api/v1/counters/1/close", &lan, json!({}));
    assert_eq!(s, 200);

    // A new role applies to her open session, without signing in again.
    assert_eq!(app.call("GET", "/api/v1/users", Some(&lan), None).0, 403);
    let (s, _) = app.call(
        "PUT",
        "/api/v1/users/lan",
        Some(&admin),
        Some(json!({"display_name": "Nguyễn Thị Lan", "role": "admin"})),
    );
    assert_eq!(s, 200);
    assert_eq!(app.call("GET", "/api/v1/users", Some(&lan), None).0, 200);
    let (_, me) = app.call("GET", "/api/v1/me", Some(&lan), None);
    assert_eq!(me["role"], "admin", "{me}");

    // A leaver: signed out at once, cannot sign in, still listed.
    let (s, u) = app.call(
        "PUT",
        "/api/v1/users/lan",
        Some(&admin),
        Some(json!({"display_name": "Nguyễn Thị Lan", "role": "officer", "disabled": true})),
    );
    assert_eq!((s, u["disabled"].as_bool()), (200, Some(true)));
    assert_eq!(app.call("GET", "/api/v1/queue", Some(&lan), None).0, 401);
    let (s, _) = app.call(
        "POST",
        "/api/v1/session",
        None,
        Some(json!({"username": "lan", "password": "mat-khau-rieng-2026"})),
    );
    assert_eq!(s, 401);
    let (_, list) = app.call("GET", "/api/v1/users", Some(&admin), None);
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["username"] == "lan"));

    // The audit trail says who changed what.
    let (_, audit) = app.call("GET", "/api/v1/audit?type=user_changed", Some(&admin), None);
    let actions: Vec<_> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["username"] == "lan")
        .map(|e| e["action"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(actions.contains(&"disable".to_string()), "{actions:?}");
}

#[test]
fn the_last_admin_and_bad_edits_are_refused_and_change_nothing() {
    let app = TestApp::start();
    let admin = app.login("admin");
    let edit = |user: &str, body: serde_json::Value| {
        app.call(
            "PUT",
            &format!("/api/v1/users/{user}"),
            Some(&admin),
            Some(body),
        )
    };
    let (s, e) = edit(
        "admin",
        json!({"display_name": "Quản trị", "role": "officer"}),
    );
    assert_eq!((s, e["code"].as_str()), (409, Some("last_admin")), "{e}");
    let (s, e) = edit(
        "admin",
        json!({"display_name": "Quản trị", "role": "admin", "disabled": true}),
    );
    assert_eq!(
        (s, e["code"].as_str()),
        (409, Some("cannot_disable_self")),
        "{e}"
    );
    let (s, e) = edit("canbo1", json!({"display_name": "   ", "role": "officer"}));
    assert_eq!(
        (s, e["code"].as_str()),
        (422, Some("bad_display_name")),
        "{e}"
    );
    let (s, e) = edit("canbo1", json!({"display_name": "Cán bộ", "role": "kiosk"}));
    assert_eq!(s, 422, "{e}");
    let (s, e) = edit(
        "canbo1",
        json!({"display_name": "Cán bộ", "role": "officer", "counters": [99]}),
    );
    assert_eq!(
        (s, e["code"].as_str()),
        (422, Some("unknown_counter")),
        "{e}"
    );
    let (s, _) = edit("khongco", json!({"display_name": "Ai", "role": "officer"}));
    assert_eq!(s, 404);
    // Nothing changed: the admin is still the admin, canbo1 still works anywhere.
    assert_eq!(app.call("GET", "/api/v1/users", Some(&admin), None).0, 200);
    let canbo = app.login("canbo1");
    assert_eq!(
        app.post("/api/v1/counters/3/open", &canbo, json!({})).0,
        200
    );
}
