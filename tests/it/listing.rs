//! The public listing of procedures (niêm yết): search, the phone pages, the A4 poster,
//! the kiosk's printed checklist, and changes showing without a restart.

use serde_json::json;

use crate::helpers::TestApp;

fn redact(html: &str, app: &TestApp) -> String {
    let mut s = html.replace(&app.url(""), "http://[server]");
    while let Some(i) = s.find("<svg") {
        let end = s[i..].find("</svg>").map(|e| i + e + 6).unwrap_or(s.len());
        s.replace_range(i..end, "[qr]");
    }
    s
}

fn page(app: &TestApp, path: &str) -> String {
    let (s, body) = app.raw("GET", path, None, None, "");
    assert_eq!(s, 200, "{path}");
    redact(&body, app)
}

#[test]
fn search_ignores_diacritics_and_names_the_counter() {
    let app = TestApp::start();
    for q in [
        "ch%E1%BB%A9ng%20th%E1%BB%B1c",
        "chung%20thuc",
        "ch%C6%B0ng%20th%C6%B0c",
    ] {
        let (s, v) = app.call(
            "GET",
            &format!("/api/v1/procedures/search?q={q}"),
            None,
            None,
        );
        assert_eq!(s, 200);
        let names: Vec<&str> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Chứng thực bản sao từ bản chính"], "{q}");
        assert_eq!(
            v[0]["counters"][0],
            "Quầy 1 — Tư pháp - Hộ tịch - Chứng thực"
        );
        assert_eq!(v[0]["area_name"], "Tư pháp - Hộ tịch - Chứng thực");
    }
    let (_, v) = app.call(
        "GET",
        "/api/v1/procedures/search?q=khai%20sinhh",
        None,
        None,
    );
    assert_eq!(v[0]["name"], "Đăng ký khai sinh");
    let (_, v) = app.call("GET", "/api/v1/procedures/search", None, None);
    assert_eq!(
        v.as_array().unwrap().len(),
        8,
        "no query: the whole catalogue"
    );
    let long = "a".repeat(101);
    let (s, _) = app.call(
        "GET",
        &format!("/api/v1/procedures/search?q={long}"),
        None,
        None,
    );
    assert_eq!(s, 400);
}

#[test]
fn phone_pages_and_poster() {
    let app = TestApp::start();
    insta::assert_snapshot!("listing_page", page(&app, "/thu-tuc"));
    let found = page(&app, "/thu-tuc?q=ket+hon");
    assert!(found.contains("Kết quả cho “ket hon”") && found.contains("/thu-tuc/1.000894"));
    insta::assert_snapshot!("procedure_page", page(&app, "/thu-tuc/2.000815"));
    insta::assert_snapshot!("poster_page", page(&app, "/thu-tuc/ap-phich/1"));
    let (s, _) = app.raw("GET", "/thu-tuc/9.999", None, None, "");
    assert_eq!(s, 404);
    let (s, _) = app.raw("GET", "/thu-tuc/ap-phich/99", None, None, "");
    assert_eq!(s, 404);
}

#[test]
fn a_catalogue_change_shows_without_restart() {
    let app = TestApp::start();
    let admin = app.login("admin");
    assert!(page(&app, "/thu-tuc/1.001193").contains("phiên bản 1"));
    let (_, mut cat) = app.call("GET", "/api/v1/procedures", None, None);
    cat["procedures"][0]["fee_vnd"] = json!(8000);
    cat["procedures"][0]["fee_note"] = json!("");
    let (s, r) = app.call("PUT", "/api/v1/procedures", Some(&admin), Some(cat));
    assert_eq!(
        (s, r["changed"].as_u64(), r["version"].as_u64()),
        (200, Some(1), Some(2)),
        "{r}"
    );
    let p = page(&app, "/thu-tuc/1.001193");
    assert!(p.contains("8.000 đồng") && p.contains("phiên bản 2"), "{p}");
    // A bad catalogue is refused whole, with every problem named.
    let bad = json!([{"code": "x", "name": "", "area": 9, "duration": {"amount": 1, "unit": "working_days"},
        "fee_vnd": null, "papers": [], "result_type": "", "online_level": "full", "legal_basis": ""}]);
    let (s, e) = app.call("PUT", "/api/v1/procedures", Some(&admin), Some(bad));
    assert_eq!(s, 422);
    let m = e["message"].as_str().unwrap();
    assert!(m.contains("mã thủ tục") && m.contains("lĩnh vực 9"), "{m}");
    let (s, _) = app.call(
        "PUT",
        "/api/v1/procedures",
        Some(&app.kiosk),
        Some(json!([])),
    );
    assert_eq!(s, 403);
}

#[test]
fn the_kiosk_prints_the_papers_checklist() {
    let app = TestApp::start();
    let (s, r) = app.post("/api/v1/procedures/1.001193/print", &app.kiosk, json!({}));
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["printed"], true, "{r}");
    let listing =
        std::fs::read_to_string(app.data_dir().join("sim-printer").join("000001.txt")).unwrap();
    assert!(listing.contains("[RASTER 576x"), "{listing}");
    assert!(listing.trim_end().ends_with("[CUT partial]"), "{listing}");
    let (s, _) = app.post("/api/v1/procedures/9.999/print", &app.kiosk, json!({}));
    assert_eq!(s, 404);
    // The public cannot print.
    let (s, _) = app.call(
        "POST",
        "/api/v1/procedures/1.001193/print",
        None,
        Some(json!({})),
    );
    assert_eq!(s, 401);
}
