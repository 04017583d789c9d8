//! Snapshots of the server-rendered screens (build id redacted).

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
