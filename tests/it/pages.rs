//! Snapshots of the server-rendered screens (build id redacted).

use serde_json::json;

use crate::helpers::TestApp;

fn redact(html: &str) -> String {
    let re_build = |s: &str| {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find("data-build=\"") {
            out.push_str(&rest[..i + 12]);
            rest = &rest[i + 12..];
            let end = rest.find('"').unwrap_or(0);
            out.push_str("[build]");
            rest = &rest[end..];
        }
        out.push_str(rest);
        out
    };
    re_build(html)
}

fn page(app: &TestApp, path: &str, token: Option<&str>) -> String {
    let (s, body) = app.raw("GET", path, token, None, "");
    assert_eq!(s, 200, "{path}");
    redact(&body)
}

#[test]
fn kiosk_counter_board_admin_pages() {
    let app = TestApp::start();
    let officer = app.login("canbo1");
    let admin = app.login("admin");
    insta::assert_snapshot!("kiosk_page", page(&app, "/kiosk", Some(&app.kiosk)));
    insta::assert_snapshot!("counter_page", page(&app, "/counter", Some(&officer)));
    insta::assert_snapshot!("display_page", page(&app, "/display", Some(&app.display)));
    insta::assert_snapshot!("admin_page", page(&app, "/admin", Some(&admin)));
    insta::assert_snapshot!("login_page", page(&app, "/login?next=/counter", None));
}

#[test]
fn pages_redirect_to_login_and_devices_pair_by_link() {
    let app = TestApp::start();
    let (s, _) = app.raw("GET", "/counter", None, None, "");
    assert_eq!(s, 303);
    let (s, _) = app.raw("GET", &format!("/pair/{}", app.kiosk), None, None, "");
    assert_eq!(s, 303);
    let (s, _) = app.raw("GET", "/pair/notatoken", None, None, "");
    assert_eq!(s, 404);
    // The kiosk may not open the counter desk.
    let (s, _) = app.raw("GET", "/counter", Some(&app.kiosk), None, "");
    assert_eq!(s, 403);
}

#[test]
fn healthz_reports_version_and_database() {
    let app = TestApp::start();
    let (s, v) = app.call("GET", "/healthz", None, None);
    assert_eq!(s, 200);
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["database"]["status"], "ok");
    assert_eq!(
        v["database"]["schema_version"],
        motcua::store::SCHEMA_VERSION
    );
}

/// Before the tap, each area says who serves it now, or when to come back; a ticket taken
/// while no counter serves the area promises no wait.
#[test]
fn the_kiosk_is_honest_about_waits_and_hours() {
    let app = TestApp::start();
    let officer = app.login("canbo1");
    let admin = app.login("admin");
    let kiosk = || page(&app, "/kiosk", Some(&app.kiosk));
    assert!(kiosk().contains(r#"data-service="1" data-state="unstaffed""#));
    let t = app.issue(1, None);
    assert_eq!(t["estimated_wait_secs"], serde_json::Value::Null, "{t}");
    assert_eq!(t["availability"]["state"], "unstaffed");

    assert_eq!(
        app.post("/api/v1/counters/1/open", &officer, json!({})).0,
        200
    );
    let k = kiosk();
    assert!(k.contains("1 quầy đang phục vụ"), "{k}");
    let t = app.issue(1, None);
    assert!(t["estimated_wait_secs"].is_u64(), "{t}");

    // 08:00 local: the area issues only in the afternoon.
    let (_, areas) = app.call("GET", "/api/v1/services", Some(&admin), None);
    let mut a = areas[0].clone();
    a["windows"] = json!([{"start": "13:30:00", "end": "16:30:00"}]);
    let (s, e) = app.call("PUT", "/api/v1/services/1", Some(&admin), Some(a));
    assert_eq!(s, 200, "{e}");
    let k = kiosk();
    assert!(
        k.contains("Ngoài giờ cấp số — mời quay lại lúc 13:30"),
        "{k}"
    );
    assert!(k.contains(r#"data-state="outside_hours" disabled"#));
    assert!(k.contains(r#"data-refresh-at="13:30""#));
    let (s, e) = app.post("/api/v1/tickets", &app.kiosk, json!({"service": 1}));
    assert_eq!(
        (s, e["code"].as_str()),
        (409, Some("outside_issuing_hours")),
        "{e}"
    );
}

/// People never see raw JSON: a refused or missing page is a Vietnamese page with a way
/// back (scripts asking for JSON still get JSON), and links a role cannot use are hidden.
#[test]
fn people_get_vietnamese_pages_not_json() {
    let app = TestApp::start();
    let officer = app.login("canbo1");
    let browse = |path: &str| {
        let r = ureq::get(&app.url(path))
            .set("Authorization", &format!("Bearer {officer}"))
            .set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
            .call();
        let r = match r {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{path}: {e}"),
        };
        let ctype = r.content_type().to_string();
        (r.status(), ctype, r.into_string().unwrap())
    };
    let (s, ctype, body) = browse("/bao-cao");
    assert_eq!((s, ctype.as_str()), (403, "text/html"), "{body}");
    assert!(
        body.contains("Không có quyền truy cập") && body.contains("Quay lại"),
        "{body}"
    );
    let (s, ctype, body) = browse("/ho-so/H40.14-260305-9999");
    assert_eq!((s, ctype.as_str()), (404, "text/html"), "{body}");
    assert!(body.contains("Không tìm thấy"), "{body}");
    // A script (no text/html in Accept) keeps its JSON.
    let (s, v) = app.call("GET", "/ho-so/H40.14-260305-9999", Some(&officer), None);
    assert_eq!((s, v["code"].as_str()), (404, Some("not_found")));

    // The officer's start page and book show no Báo cáo or Quản trị.
    let (_, _, home) = browse("/");
    assert!(home.contains("href=\"/counter\"") && !home.contains("href=\"/bao-cao\""));
    assert!(!home.contains("href=\"/admin\""), "{home}");
    let (_, _, book) = browse("/ho-so");
    assert!(!book.contains("href=\"/bao-cao\""));
    let admin = app.login("admin");
    let (_, adm) = app.raw("GET", "/", Some(&admin), None, "");
    assert!(adm.contains("href=\"/bao-cao\"") && adm.contains("href=\"/admin\""));
}

/// The admin sets the place name and the public address: every form heads its date with
/// the place, QR codes and links use the address, and the admin is told who can open it.
#[test]
fn place_name_and_public_address_reach_the_paper() {
    let app = TestApp::start();
    let admin = app.login("admin");
    let officer = app.login("canbo1");
    let (_, mut s) = app.call("GET", "/api/v1/settings", Some(&admin), None);
    s["public_url"] = json!("https://motcua.tanphu.gov.vn/tra-cuu");
    let (st, e) = app.call("PUT", "/api/v1/settings", Some(&admin), Some(s.clone()));
    assert_eq!(st, 422, "a path after the address is refused: {e}");
    let (_, r) = app.call("GET", "/api/v1/settings/reach", Some(&admin), None);
    assert_eq!(r["reach"], "unset");

    s["public_url"] = json!("http://192.168.1.10:8080");
    s["place_name"] = json!("Tân Phú");
    assert_eq!(
        app.call("PUT", "/api/v1/settings", Some(&admin), Some(s.clone()))
            .0,
        200
    );
    let (_, r) = app.call("GET", "/api/v1/settings/reach", Some(&admin), None);
    assert_eq!(r["reach"], "center_only");
    assert!(r["explanation"]
        .as_str()
        .unwrap()
        .contains("KHÔNG tra cứu được"));

    s["public_url"] = json!("https://motcua.tanphu.gov.vn");
    assert_eq!(
        app.call("PUT", "/api/v1/settings", Some(&admin), Some(s)).0,
        200
    );
    let d = crate::dossiers::receive(&app, &officer, "1.004873");
    let code = d["code"].as_str().unwrap();
    let form = page(&app, &format!("/ho-so/{code}/mau/01"), Some(&officer));
    assert!(form.contains("Tân Phú, ngày"), "the place heads the date");
    assert!(
        form.contains("https://motcua.tanphu.gov.vn/tra-cuu/"),
        "the QR link uses the address"
    );
    assert!(
        form.contains("mở trang https://motcua.tanphu.gov.vn/tra-cuu"),
        "the receipt names the site"
    );
}
