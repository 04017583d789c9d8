//! Every route × every role (and anonymous): the declared access is what happens.

use motcua::domain::center::Role;
use motcua::web::routes::{Access, ROUTES};
use serde_json::json;

use crate::helpers::TestApp;

fn concrete(path: &str) -> String {
    path.replace("{file:.*}", "app.css")
        .replace("{token}", "0000")
        .replace("{action}", "start")
        .replace("{ticket}", "1")
        .replace("{seq}", "1")
        .replace("{id}", "1")
        .replace("{username}", "canbo4")
        .replace("{name}", "motcua-1-1.mcb.gz")
        .replace("{code}", "000000")
}

/// Status of a request without reading a (possibly endless) body.
fn status_only(app: &TestApp, method: &str, path: &str, token: Option<&str>) -> (u16, String) {
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let mut req = agent.request(method, &app.url(path));
    if let Some(t) = token {
        req = req.set("Authorization", &format!("Bearer {t}"));
    }
    let res = if method == "GET" {
        req.call()
    } else {
        req.send_json(json!({}))
    };
    match res {
        Ok(r) => {
            let s = r.status();
            let ctype = r.content_type().to_string();
            let body = if ctype.starts_with("application/json") {
                r.into_string().unwrap_or_default()
            } else {
                String::new()
            };
            (s, body)
        }
        Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap_or_default()),
        Err(e) => panic!("{method} {path}: {e}"),
    }
}

#[test]
fn route_table_times_roles() {
    let app = TestApp::start();
    let admin = app.login("admin");
    let (s, _) = app.post(
        "/api/v1/users",
        &admin,
        json!({"username": "lanhdao", "display_name": "Lãnh đạo", "role": "leader", "password": "demo"}),
    );
    assert_eq!(s, 201);
    let sys = motcua::events::Actor::system();
    let rating = app
        .running()
        .services
        .create_device_session(&sys, "Đánh giá quầy 1", Role::Rating)
        .unwrap();
    let principals: Vec<(Option<Role>, Option<String>)> = vec![
        (None, None),
        (Some(Role::Admin), Some(admin.clone())),
        (Some(Role::Leader), Some(app.login("lanhdao"))),
        (Some(Role::Officer), Some(app.login("canbo1"))),
        (Some(Role::Kiosk), Some(app.kiosk.clone())),
        (Some(Role::Display), Some(app.display.clone())),
        (Some(Role::Rating), Some(rating)),
    ];
    // Session-ending routes go last so they do not log the others out.
    let mut routes: Vec<_> = ROUTES.iter().collect();
    routes.sort_by_key(|r| {
        r.path == "/logout" || (r.path == "/api/v1/session" && r.method == "DELETE")
    });
    let mut checked = 0;
    for r in routes {
        let path = concrete(r.path);
        for (role, token) in &principals {
            let allowed = r.access.allows(*role);
            let (status, body) = status_only(&app, r.method, &path, token.as_deref());
            let denied_by_table = match (role, r.path.starts_with("/api/")) {
                (None, true) => status == 401 && body.contains("\"unauthorized\""),
                (None, false) => {
                    status == 303 || (status == 401 && body.contains("\"unauthorized\""))
                }
                (Some(_), _) => status == 403 && body.contains("\"forbidden\""),
            };
            assert_eq!(
                !allowed, denied_by_table,
                "{} {} as {:?}: status {status}, body {body}",
                r.method, r.path, role
            );
            assert!(
                status < 500,
                "{} {} as {:?}: {status} {body}",
                r.method,
                r.path,
                role
            );
            checked += 1;
        }
    }
    assert_eq!(checked, ROUTES.len() * 7);
    // Public routes stay few and deliberate.
    let public: Vec<_> = ROUTES
        .iter()
        .filter(|r| matches!(r.access, Access::Public))
        .map(|r| r.path)
        .collect();
    insta::assert_debug_snapshot!("public_routes", public);
}

#[test]
fn forged_or_malformed_tokens_are_401_not_500() {
    let app = TestApp::start();
    for token in [
        "",
        "abc",
        &"f".repeat(64),
        &"zz".repeat(32),
        "Bearer x y",
        &"0".repeat(10_000),
    ] {
        let (s, e) = app.call("GET", "/api/v1/queue", Some(token), None);
        assert_eq!(s, 401, "token {token:.20}");
        assert_eq!(e["code"], "unauthorized");
    }
    let (s, e) = app.call(
        "POST",
        "/api/v1/session",
        None,
        Some(json!({"username": "admin", "password": "sai"})),
    );
    assert_eq!((s, e["code"].as_str()), (401, Some("unauthorized")));
    let (s, _) = app.call(
        "POST",
        "/api/v1/session",
        None,
        Some(json!({"username": "khongco", "password": "demo"})),
    );
    assert_eq!(s, 401);
}

#[test]
fn logout_ends_the_session() {
    let app = TestApp::start();
    let t = app.login("canbo1");
    assert_eq!(app.call("GET", "/api/v1/me", Some(&t), None).0, 200);
    assert_eq!(app.call("DELETE", "/api/v1/session", Some(&t), None).0, 204);
    assert_eq!(app.call("GET", "/api/v1/me", Some(&t), None).0, 401);
}

#[test]
fn sessions_expire() {
    let app = TestApp::start();
    let t = app.login("canbo1");
    app.clock.advance(
        chrono::Duration::hours(motcua::service::auth::USER_SESSION_HOURS)
            + chrono::Duration::seconds(1),
    );
    assert_eq!(app.call("GET", "/api/v1/me", Some(&t), None).0, 401);
}

#[test]
fn openapi_documents_every_api_route() {
    let app = TestApp::start();
    let (s, doc) = app.call("GET", "/api/v1/openapi.json", None, None);
    assert_eq!(s, 200);
    assert_eq!(doc["openapi"], "3.0.3");
    for r in ROUTES.iter().filter(|r| r.path.starts_with("/api/v1/")) {
        let op = &doc["paths"][r.path][r.method.to_lowercase()];
        assert!(
            op.is_object(),
            "{} {} is missing from openapi.json",
            r.method,
            r.path
        );
    }
}

#[test]
fn first_start_creates_one_admin_with_a_one_time_password() {
    let dir = tempfile::tempdir().unwrap();
    let clock = std::sync::Arc::new(motcua::clock::ManualClock::new(crate::helpers::morning()));
    let running = motcua::app::spawn(crate::helpers::config(dir.path()), clock).unwrap();
    let pw = running
        .services
        .ensure_first_admin()
        .unwrap()
        .expect("created");
    assert_eq!(pw.len(), 12);
    assert_eq!(
        running.services.ensure_first_admin().unwrap(),
        None,
        "only once"
    );
    let users = running.services.users().unwrap();
    assert_eq!(users.len(), 1);
    assert!(users[0].must_change_password);
    assert!(running.services.login("admin", &pw, None).is_ok());
}

#[test]
fn brute_force_is_throttled_and_the_real_user_still_gets_in() {
    let app = TestApp::start();
    let mut throttled = 0;
    for i in 0..40 {
        let (s, e) = app.call(
            "POST",
            "/api/v1/session",
            None,
            Some(json!({"username": "canbo1", "password": format!("sai{i}")})),
        );
        match s {
            401 => {}
            429 => {
                throttled += 1;
                assert_eq!(e["code"], "too_many_attempts");
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert!(throttled >= 30, "most guesses bounce: {throttled}");
    // Even the right password is refused from the attacking address while locked…
    let (s, _) = app.call(
        "POST",
        "/api/v1/session",
        None,
        Some(json!({"username": "canbo1", "password": "demo"})),
    );
    assert_eq!(s, 429);
    // …but not for ever, and the service layer from another address is unaffected.
    assert!(app
        .running()
        .services
        .login("canbo1", "demo", Some("192.0.2.7".into()))
        .is_ok());
    app.clock.advance(chrono::Duration::minutes(16));
    let (s, _) = app.call(
        "POST",
        "/api/v1/session",
        None,
        Some(json!({"username": "canbo1", "password": "demo"})),
    );
    assert_eq!(s, 201);
}

#[test]
fn cross_site_browser_writes_are_refused() {
    let app = TestApp::start();
    let token = app.login("admin");
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let cookie = format!("motcua_session={token}");
    let post = |origin: Option<&str>| {
        let mut r = agent
            .post(&app.url("/api/v1/services"))
            .set("Cookie", &cookie);
        if let Some(o) = origin {
            r = r.set("Origin", o);
        }
        match r.send_json(json!({"name": "Lĩnh vực mới", "series": {"prefix": "E", "start": 1, "end": 999, "width": 3}})) {
            Ok(r) => (r.status(), String::new()),
            Err(ureq::Error::Status(c, r)) => (c, r.into_string().unwrap_or_default()),
            Err(e) => panic!("{e}"),
        }
    };
    let (s, body) = post(Some("http://evil.example"));
    assert_eq!(s, 403);
    assert!(body.contains("\"csrf\""), "{body}");
    let same = format!("http://{}", app.running().addr);
    assert_eq!(post(Some(&same)).0, 201);
    // The login form is protected too.
    let r = agent
        .post(&app.url("/login"))
        .set("Origin", "http://evil.example")
        .send_form(&[("username", "admin"), ("password", "demo")]);
    assert!(matches!(r, Err(ureq::Error::Status(403, _))));
}

#[test]
fn a_reset_password_must_be_changed_before_anything_else() {
    let app = TestApp::start();
    let admin = app.login("admin");
    let (s, _) = app.post(
        "/api/v1/users/canbo2/reset-password",
        &admin,
        json!({"password": "tam1234"}),
    );
    assert_eq!(s, 204);
    let (s, v) = app.call(
        "POST",
        "/api/v1/session",
        None,
        Some(json!({"username": "canbo2", "password": "tam1234"})),
    );
    assert_eq!(s, 201);
    let t = v["token"].as_str().unwrap().to_string();
    let (s, e) = app.call("GET", "/api/v1/queue", Some(&t), None);
    assert_eq!(
        (s, e["code"].as_str()),
        (403, Some("password_change_required"))
    );
    let (s, _) = app.raw("GET", "/counter", Some(&t), None, "");
    assert_eq!(s, 303, "pages send the user to /password");
    let (s, e) = app.post(
        "/api/v1/me/password",
        &t,
        json!({"current": "tam1234", "new": "ngan"}),
    );
    assert_eq!((s, e["code"].as_str()), (422, Some("invalid_input")));
    let (s, _) = app.post(
        "/api/v1/me/password",
        &t,
        json!({"current": "tam1234", "new": "mat-khau-moi-2026"}),
    );
    assert_eq!(s, 204);
    assert_eq!(app.call("GET", "/api/v1/queue", Some(&t), None).0, 200);
    assert!(app
        .running()
        .services
        .login("canbo2", "mat-khau-moi-2026", None)
        .is_ok());
}

#[test]
fn an_account_name_already_taken_is_a_conflict() {
    let app = TestApp::start();
    let admin = app.login("admin");
    let body = json!({"username": "canbo1", "display_name": "Trùng tên", "role": "officer", "password": "mat-khau-2026"});
    let (s, e) = app.post("/api/v1/users", &admin, body);
    assert_eq!(
        (s, e["code"].as_str()),
        (409, Some("username_taken")),
        "{e}"
    );
    let body = json!({"username": "cán bộ", "display_name": "Cán bộ", "role": "officer", "password": "mat-khau-2026"});
    let (s, e) = app.post("/api/v1/users", &admin, body);
    assert_eq!(s, 422, "{e}");
}

#[test]
fn pairing_codes_expire_and_devices_can_be_revoked() {
    let app = TestApp::start();
    let admin = app.login("admin");
    let (s, p) = app.post(
        "/api/v1/devices/pairings",
        &admin,
        json!({"name": "Ki-ốt cửa ra vào", "role": "kiosk"}),
    );
    assert_eq!(s, 201, "{p}");
    let code = p["code"].as_str().unwrap().to_string();
    assert_eq!(code.len(), 6);
    let (s, _) = app.post(
        "/api/v1/devices/pairings",
        &admin,
        json!({"name": "x", "role": "admin"}),
    );
    assert_eq!(s, 422, "only device roles can be paired");

    // A wrong code, then the right one through the /pair form.
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let r = agent
        .post(&app.url("/pair"))
        .send_form(&[("code", "000000")]);
    assert!(matches!(r, Err(ureq::Error::Status(401, _))));
    let r = agent
        .post(&app.url("/pair"))
        .send_form(&[("code", &code)])
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.header("Location"), Some("/kiosk"));
    let cookie = r.header("Set-Cookie").unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let token = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("motcua_session=")
        .to_string();
    let (s, t) = app.post("/api/v1/tickets", &token, json!({"service": 1}));
    assert_eq!(s, 201, "{t}");
    // The code was used up.
    let r = agent.post(&app.url("/pair")).send_form(&[("code", &code)]);
    assert!(matches!(r, Err(ureq::Error::Status(401, _))));

    // Listed with last-seen and address; revoking ends the session at once.
    let (_, ds) = app.call("GET", "/api/v1/devices", Some(&admin), None);
    let d = ds
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "Ki-ốt cửa ra vào")
        .unwrap()
        .clone();
    assert!(d["last_seen"].is_string(), "{d}");
    assert_eq!(d["last_addr"], "127.0.0.1");
    let (s, _) = app.call(
        "DELETE",
        &format!("/api/v1/devices/{}", d["id"].as_str().unwrap()),
        Some(&admin),
        None,
    );
    assert_eq!(s, 204);
    let (s, _) = app.post("/api/v1/tickets", &token, json!({"service": 1}));
    assert_eq!(s, 401);

    // Codes expire after ten minutes.
    let (_, p) = app.post(
        "/api/v1/devices/pairings",
        &admin,
        json!({"name": "TV sảnh", "role": "display"}),
    );
    app.clock.advance(chrono::Duration::minutes(11));
    let r = agent
        .post(&app.url("/pair"))
        .send_form(&[("code", p["code"].as_str().unwrap())]);
    assert!(matches!(r, Err(ureq::Error::Status(401, _))));
}

#[test]
fn audit_trail_records_who_and_where_and_tampering_is_detected() {
    let app = TestApp::start();
    let officer = app.login("canbo1");
    let admin = app.login("admin");
    app.post("/api/v1/counters/1/open", &officer, json!({}));
    app.issue(1, None);
    app.post("/api/v1/counters/1/call-next", &officer, json!({}));
    let (s, es) = app.call(
        "GET",
        "/api/v1/audit?type=ticket_called",
        Some(&admin),
        None,
    );
    assert_eq!(s, 200);
    let e = &es.as_array().unwrap()[0];
    assert_eq!(
        (
            e["actor"]["name"].as_str(),
            e["actor"]["role"].as_str(),
            e["actor"]["addr"].as_str()
        ),
        (Some("canbo1"), Some("officer"), Some("127.0.0.1"))
    );
    let (_, mine) = app.call("GET", "/api/v1/audit?actor=canbo1", Some(&admin), None);
    assert!(mine
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["actor"]["name"] == "canbo1"));
    let (_, v) = app.call("GET", "/api/v1/audit/verify", Some(&admin), None);
    assert_eq!(v["ok"], true);
    let target = e["seq"].as_u64().unwrap();

    // Stop, copy the file, edit one stored event in the copy: verify names that event.
    let mut app = app;
    app.app.take().unwrap().stop();
    let dir = app.data_dir();
    let app_dir = dir.clone();
    let copy = tempfile::tempdir().unwrap();
    std::fs::copy(app_dir.join("motcua.redb"), copy.path().join("motcua.redb")).unwrap();
    {
        const EVENTS: redb::TableDefinition<u64, &[u8]> = redb::TableDefinition::new("events");
        let db = redb::Database::create(copy.path().join("motcua.redb")).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let mut t = txn.open_table(EVENTS).unwrap();
            let old = redb::ReadableTable::get(&t, target)
                .unwrap()
                .unwrap()
                .value()
                .to_vec();
            let forged = String::from_utf8(old).unwrap().replace("canbo1", "canbo9");
            t.insert(target, forged.as_bytes()).unwrap();
        }
        txn.commit().unwrap();
    }
    let verify = |d: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_motcua"))
            .args(["audit", "verify", "--data"])
            .arg(d)
            .output()
            .unwrap()
    };
    let ok = verify(&dir);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let bad = verify(copy.path());
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains(&format!("BROKEN at event {target}")));

    // Deleting an event is detected too.
    let copy2 = tempfile::tempdir().unwrap();
    std::fs::copy(
        app_dir.join("motcua.redb"),
        copy2.path().join("motcua.redb"),
    )
    .unwrap();
    {
        const EVENTS: redb::TableDefinition<u64, &[u8]> = redb::TableDefinition::new("events");
        let db = redb::Database::create(copy2.path().join("motcua.redb")).unwrap();
        let txn = db.begin_write().unwrap();
        txn.open_table(EVENTS).unwrap().remove(2).unwrap();
        txn.commit().unwrap();
    }
    let bad = verify(copy2.path());
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("BROKEN at event 3"));
}

#[test]
fn optional_https_serves_with_a_generated_certificate() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cfg = motcua::config::Config {
        listen_tls: Some(format!("127.0.0.1:{port}")),
        ..crate::helpers::config(dir.path())
    };
    let clock = std::sync::Arc::new(motcua::clock::ManualClock::new(crate::helpers::morning()));
    let running = motcua::app::spawn(cfg, clock).unwrap();
    // Trust exactly the certificate the appliance generated.
    let pem = std::fs::read(dir.path().join("tls/cert.pem")).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls_pemfile::certs(&mut &pem[..]) {
        roots.add(c.unwrap()).unwrap();
    }
    let client = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut conn = rustls::ClientConnection::new(std::sync::Arc::new(client), name).unwrap();
    let mut sock = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut tls = rustls::Stream::new(&mut conn, &mut sock);
    tls.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut out = String::new();
    let _ = tls.read_to_string(&mut out);
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    assert!(out.contains("\"database\""));
    // Plain HTTP keeps working beside it.
    assert_eq!(
        ureq::get(&running.url("/healthz")).call().unwrap().status(),
        200
    );
    running.stop();
}

#[test]
fn backup_wipe_restore_keeps_every_ticket_job_and_event() {
    let app = TestApp::start();
    let admin = app.login("admin");
    let officer = app.login("canbo1");
    app.post("/api/v1/counters/1/open", &officer, json!({}));
    for s in [1, 1, 2] {
        app.post(
            "/api/v1/tickets",
            &app.kiosk,
            json!({"service": s, "print": true}),
        );
    }
    app.post("/api/v1/counters/1/call-next", &officer, json!({}));
    let (s, b) = app.post("/api/v1/backups", &admin, json!({}));
    assert_eq!(s, 201, "{b}");
    let name = b["name"].as_str().unwrap().to_string();
    assert_eq!(b["sha256"].as_str().unwrap().len(), 64);
    let (_, list) = app.call("GET", "/api/v1/backups", Some(&admin), None);
    assert_eq!(list[0]["name"], name.as_str());
    let (s, _) = app.raw(
        "GET",
        "/api/v1/backups/..%2Fmotcua.redb",
        Some(&admin),
        None,
        "",
    );
    assert_eq!(s, 404, "only backup files can be downloaded");
    // Download it (as onto a USB stick), then lose the appliance's data.
    let agent = ureq::AgentBuilder::new().build();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut agent
            .get(&app.url(&format!("/api/v1/backups/{name}")))
            .set("Authorization", &format!("Bearer {admin}"))
            .call()
            .unwrap()
            .into_reader(),
        &mut bytes,
    )
    .unwrap();
    let (_, before) = app.call("GET", "/api/v1/queue", Some(&admin), None);
    let mut original = Vec::new();
    app.running().services.store.export(&mut original).unwrap();
    let mut app = app;
    app.app.take().unwrap().stop();
    let fresh = tempfile::tempdir().unwrap();
    let file = fresh.path().join("copy.mcb.gz");
    std::fs::write(&file, &bytes).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(["restore", "--data"])
        .arg(fresh.path())
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Restoring over existing data is refused.
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(["restore", "--data"])
        .arg(fresh.path())
        .arg(&file)
        .output()
        .unwrap();
    assert!(!again.status.success());
    // A truncated backup restores nothing.
    std::fs::write(fresh.path().join("cut.mcb.gz"), &bytes[..bytes.len() / 2]).unwrap();
    let cut = motcua::store::Store::import(
        &fresh.path().join("cut.redb"),
        std::fs::File::open(fresh.path().join("cut.mcb.gz")).unwrap(),
    );
    assert!(cut.is_err());
    assert!(
        !fresh.path().join("cut.redb").exists(),
        "no half-restored file"
    );

    let restored = TestApp::boot(fresh, app.clock.clone());
    let mut copy = Vec::new();
    restored.running().services.store.export(&mut copy).unwrap();
    let unzip = |b: &[u8]| {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(b), &mut s).unwrap();
        s
    };
    // Byte-for-byte the same tables (the restored app's boot only re-reads the demo seed).
    let (a, b) = (unzip(&copy), unzip(&original));
    assert!(
        a == b,
        "restored tables differ ({} vs {} bytes)",
        a.len(),
        b.len()
    );
    let admin = restored.login("admin");
    let (_, after) = restored.call("GET", "/api/v1/queue", Some(&admin), None);
    assert_eq!(after["waiting"], before["waiting"]);
    assert_eq!(after["called"], before["called"]);
    assert_eq!(restored.issue(1, None)["number"], "A003");
}

/// Random JSON (any shape, the commands' field names mixed in) sent to the commands that
/// take a body: never a 5xx, and every refusal leaves the audit log — which every command
/// appends to in its own transaction — exactly as it was.
#[test]
fn random_json_bodies_are_refused_cleanly_and_change_nothing() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    fn value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            (0u32..6).prop_map(serde_json::Value::from),
            "\\PC{0,16}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(3, 20, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
                prop::collection::btree_map(
                    prop::sample::select(vec![
                        "service",
                        "priority",
                        "print",
                        "procedure_code",
                        "applicant",
                        "name",
                        "action",
                        "reason",
                        "missing",
                        "to_officer",
                        "scores",
                        "comparison",
                        "other_closures",
                        "username",
                        "role",
                        "password",
                        "version",
                        "ticket",
                    ])
                    .prop_map(str::to_string),
                    inner,
                    0..6,
                )
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    let app = TestApp::start();
    let admin = app.login("admin");
    let officer = app.login("canbo1");
    let d = crate::dossiers::receive(&app, &officer, "1.004873");
    let code = d["code"].as_str().unwrap().to_string();
    let newest = |app: &TestApp| -> u64 {
        let (s, v) = app.call("GET", "/api/v1/audit?limit=1", Some(&admin), None);
        assert_eq!(s, 200);
        v[0]["seq"].as_u64().unwrap()
    };
    let targets: Vec<(&str, String, &str)> = vec![
        ("POST", "/api/v1/tickets".into(), app.kiosk.as_str()),
        ("POST", "/api/v1/dossiers".into(), officer.as_str()),
        (
            "POST",
            format!("/api/v1/dossiers/{code}/actions"),
            officer.as_str(),
        ),
        (
            "POST",
            format!("/api/v1/dossiers/{code}/indicators"),
            officer.as_str(),
        ),
        ("PUT", "/api/v1/reports/conventions".into(), admin.as_str()),
        ("PUT", "/api/v1/calendar".into(), admin.as_str()),
        ("PUT", "/api/v1/procedures".into(), admin.as_str()),
        ("POST", "/api/v1/users".into(), admin.as_str()),
        ("POST", "/api/v1/services".into(), admin.as_str()),
    ];
    let mut runner = TestRunner::new(Config {
        cases: 160,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&(value(), 0..targets.len()), |(body, i)| {
            let (method, path, token) = &targets[i];
            let before = newest(&app);
            let (s, v) = app.call(method, path, Some(token), Some(body.clone()));
            prop_assert!(s < 500, "{method} {path} {body} → {s} {v}");
            if s >= 400 {
                prop_assert!(
                    v["code"].is_string(),
                    "{method} {path} → {s} without a code: {v}"
                );
                prop_assert_eq!(
                    newest(&app),
                    before,
                    "{} {} {} → {} but events were appended",
                    method,
                    path,
                    body,
                    s
                );
            }
            Ok(())
        })
        .unwrap();
}
