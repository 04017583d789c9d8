//! Certified e-copies over HTTP: an officer files the request with the original's scan,
//! the leader signs; the copy carries the lời chứng page with the book's number and a QR
//! to the public page; numbers are never taken by a refusal and never reused; bad files
//! are refused with the reason and store nothing.

use serde_json::{json, Value};

use crate::helpers::TestApp;

fn original(pages: u32) -> Vec<u8> {
    let s = motcua::devices::scanner::ScanSettings::a4(
        motcua::devices::scanner::InputSource::Platen,
        motcua::devices::scanner::ColorMode::Gray,
        75,
    );
    let imgs: Vec<Vec<u8>> = (1..=pages)
        .map(|i| motcua::devices::scanner::sim::render_page(&s, i, pages).unwrap())
        .collect();
    let refs: Vec<&[u8]> = imgs.iter().map(|v| v.as_slice()).collect();
    motcua::render::pdf::pdf_from_jpegs(&refs, "Bản chính").unwrap()
}

fn request(app: &TestApp, token: &str, citizen: &str, copies: u32, pdf: &[u8]) -> (u16, Value) {
    let q = format!(
        "/api/v1/ecopies?citizen={}&document={}&copies={copies}",
        urlencoding(citizen),
        urlencoding("Giấy khai sinh số 12/2001")
    );
    let (s, _, body) = app.bytes("POST", &q, Some(token), Some(pdf), "application/pdf");
    (s, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

fn urlencoding(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn login_binh(app: &TestApp) -> String {
    let (s, v) = app.call(
        "POST",
        "/api/v1/session",
        None,
        Some(json!({"username": "binh", "password": "mat-khau-rieng-2026"})),
    );
    assert_eq!(s, 201, "{v}");
    v["token"].as_str().unwrap().to_string()
}

fn last_page_text(pdf: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    let n = doc.get_pages().len() as u32;
    doc.extract_text(&[n]).unwrap_or_default()
}

#[test]
fn a_leader_issues_a_certified_copy_numbered_in_the_book_with_its_public_check() {
    let app = TestApp::start();
    app.running().services.ensure_demo_pki().unwrap();
    let admin = app.login("admin");
    let (s, _) = app.post(
        "/api/v1/users",
        &admin,
        json!({"username": "binh", "display_name": "Trần Thị Bình", "role": "leader", "password": "demo"}),
    );
    assert_eq!(s, 201);
    let first = app.login("binh");
    let (s, e) = app.post(
        "/api/v1/me/password",
        &first,
        json!({"current": "demo", "new": "mat-khau-rieng-2026"}),
    );
    assert_eq!(s, 204, "{e}");
    let leader = login_binh(&app);
    let officer = app.login("canbo1");

    // Bad input first: nothing is stored.
    let (s, r) = request(&app, &officer, "Lê Văn Cường", 1, b"not a pdf at all");
    assert_eq!(s, 422, "{r}");
    assert!(
        r["message"].as_str().unwrap().contains("không phải PDF"),
        "{r}"
    );
    let (s, r) = request(&app, &officer, " ", 0, &original(1));
    assert_eq!(s, 422, "{r}");
    let m = r["message"].as_str().unwrap();
    assert!(
        m.contains("họ tên") && m.contains("Số bản sao"),
        "every problem told: {m}"
    );
    let pdf = original(2);
    let (s, r) = request(&app, &officer, "Lê Văn Cường", 2, &pdf[..pdf.len() / 2]);
    assert_eq!(s, 422, "a truncated file: {r}");
    let (_, list) = app.call("GET", "/api/v1/ecopies", Some(&officer), None);
    assert_eq!(list.as_array().unwrap().len(), 0, "{list}");

    // The officer files; only a leader (or the admin) issues.
    let (s, r) = request(&app, &officer, "Lê Văn Cường", 2, &pdf);
    assert_eq!(s, 201, "{r}");
    assert_eq!(
        (r["state"].as_str(), r["pages"].as_u64()),
        (Some("pending"), Some(2))
    );
    let id = r["id"].as_u64().unwrap();
    let (s, _) = app.call(
        "POST",
        &format!("/api/v1/ecopies/{id}/issue"),
        Some(&officer),
        None,
    );
    assert_eq!(s, 403);
    let (_, page) = app.raw("GET", "/chung-thuc", Some(&leader), None, "");
    assert!(
        page.contains("Ký số và cấp bản sao") && page.contains("Lê Văn Cường"),
        "{}",
        &page[..page.len().min(3000)]
    );
    let (s, r) = app.call(
        "POST",
        &format!("/api/v1/ecopies/{id}/issue"),
        Some(&leader),
        None,
    );
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["state"], "issued");
    let year = r["number"]["year"].as_i64().unwrap();
    assert_eq!(r["number"]["number"], 1);
    assert_eq!(r["fee_vnd"], 8_000, "2 pages × 2.000đ, 2 copies");
    assert_eq!(r["signer"], "Trần Thị Bình");
    assert_eq!(r["signer_title"], "PHÓ CHỦ TỊCH");
    assert_eq!(r["copy_pages"], 3, "the lời chứng is a page of its own");
    let token = r["token"].as_str().unwrap().to_string();
    let (s, r2) = app.call(
        "POST",
        &format!("/api/v1/ecopies/{id}/issue"),
        Some(&leader),
        None,
    );
    assert_eq!(s, 409, "issued once: {r2}");

    // The copy: the original's pages, then the lời chứng; two signatures that hold.
    let (s, _, copy) = app.bytes(
        "GET",
        &format!("/chung-thuc/{id}/ban-sao.pdf"),
        Some(&officer),
        None,
        "",
    );
    assert_eq!(s, 200);
    assert!(
        copy.starts_with(&pdf),
        "the original's bytes come first, untouched"
    );
    let text = last_page_text(&copy);
    assert!(
        text.contains("CHỨNG THỰC BẢN SAO ĐÚNG VỚI BẢN CHÍNH"),
        "{text}"
    );
    assert!(
        text.contains(&format!("Số chứng thực 1 Quyển số 01/{year}-SCTĐT/BS")),
        "{text}"
    );
    assert!(
        text.contains("PHÓ CHỦ TỊCH") && text.contains("Trần Thị Bình"),
        "{text}"
    );
    let joined: String = text.split_whitespace().collect();
    assert!(
        joined.contains(&format!("/xac-thuc/{token}")),
        "the QR's address is printed too: {text}"
    );
    let (s, _, body) = app.bytes(
        "POST",
        "/api/v1/signatures/verify",
        Some(&officer),
        Some(&copy),
        "application/pdf",
    );
    assert_eq!(s, 200);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2, "{v}");
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .all(|s| s["verdict"] == "hop_le"),
        "{v}"
    );
    assert_eq!(v[0]["signer"], "Trần Thị Bình");

    // The public page, no login: genuine, the citizen's name masked.
    let (s, page) = app.raw("GET", &format!("/xac-thuc/{token}"), None, None, "");
    assert_eq!(s, 200);
    assert!(page.contains("Bản sao điện tử hợp lệ"), "{page}");
    assert!(page.contains(&format!("Số chứng thực 1 Quyển số 01/{year}-SCTĐT/BS")));
    assert!(
        page.contains("Lê V.C.") && !page.contains("Lê Văn Cường"),
        "masked"
    );
    let (s, _, public) = app.bytes(
        "GET",
        &format!("/xac-thuc/{token}/ban-sao.pdf"),
        None,
        None,
        "",
    );
    assert_eq!((s, public == copy), (200, true));
    let (s, page) = app.raw(
        "GET",
        "/xac-thuc/0123456789abcdef0123456789abcdef",
        None,
        None,
        "",
    );
    assert_eq!(s, 404);
    assert!(page.contains("Không tìm thấy"));
    let (s, _) = app.raw("GET", "/chung-thuc", None, None, "");
    assert!(s == 401 || s == 303, "the desk page is for staff: {s}");

    // A refusal takes no number; the next issue is number 2.
    let (_, r) = request(&app, &officer, "Phạm Thị Dung", 1, &original(1));
    let refused = r["id"].as_u64().unwrap();
    let (s, r) = app.call(
        "POST",
        &format!("/api/v1/ecopies/{refused}/refuse"),
        Some(&leader),
        Some(json!({"reason": ""})),
    );
    assert_eq!(s, 422, "a reason is needed: {r}");
    let (s, r) = app.call(
        "POST",
        &format!("/api/v1/ecopies/{refused}/refuse"),
        Some(&leader),
        Some(json!({"reason": "Bản chính bị tẩy xóa"})),
    );
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        (r["state"].as_str(), r["number"].is_null()),
        (Some("refused"), true)
    );
    let (s, _) = app.raw(
        "GET",
        &format!("/xac-thuc/{}", r["token"].as_str().unwrap()),
        None,
        None,
        "",
    );
    assert_eq!(s, 404, "a refused request has no public copy");
    let (_, r) = request(&app, &officer, "Phạm Thị Dung", 1, &original(3));
    let third = r["id"].as_u64().unwrap();

    // The book survives a restart; numbers go on from where they were.
    let app = app.restart();
    let leader = login_binh(&app);
    let (s, r) = app.call(
        "POST",
        &format!("/api/v1/ecopies/{third}/issue"),
        Some(&leader),
        None,
    );
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["number"]["number"], 2, "the refusal took none");
    assert_eq!(r["fee_vnd"], 5_000, "3 pages: 2.000 + 2.000 + 1.000");
    let (s, book) = app.raw(
        "GET",
        &format!("/chung-thuc/so?nam={year}"),
        Some(&leader),
        None,
        "",
    );
    assert_eq!(s, 200);
    assert!(book.contains(&format!("01/{year}-SCTĐT/BS")), "{book}");
    let (a, b) = (
        book.find("Lê Văn Cường").unwrap(),
        book.find("Phạm Thị Dung").unwrap(),
    );
    assert!(a < b, "in number order");
    assert!(
        book.contains("Cộng: 2 lượt chứng thực") && book.contains("13.000"),
        "{book}"
    );

    // The report shows them beside index 4.2: 2 issued of 3 decided, 3 copies, 13.000đ.
    let (_, rep) = app.call(
        "GET",
        &format!("/api/v1/reports/dossiers?from={year}-01-01&to={year}-12-31"),
        Some(&leader),
        None,
    );
    let row = rep["decision_766"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| {
            i["name"]
                .as_str()
                .unwrap_or("")
                .starts_with("Bản sao điện tử")
        })
        .cloned()
        .unwrap();
    assert_eq!(
        (
            row["rate"]["numerator"].as_u64(),
            row["rate"]["denominator"].as_u64()
        ),
        (Some(2), Some(3)),
        "{row}"
    );
    assert!(
        row["note"]
            .as_str()
            .unwrap()
            .contains("3 bản, lệ phí 13.000 đồng"),
        "{row}"
    );

    // The audit trail tells it without the public token.
    let admin = app.login("admin");
    let (_, audit) = app.raw("GET", "/api/v1/audit", Some(&admin), None, "");
    assert!(
        audit.contains("Cấp bản sao điện tử có chứng thực"),
        "{audit}"
    );
    assert!(
        !audit.contains(&token),
        "no public token in the audit trail"
    );
}

#[test]
fn a_copy_received_as_a_dossier_becomes_its_signed_result() {
    let app = TestApp::start();
    app.running().services.ensure_demo_pki().unwrap();
    let admin = app.login("admin");
    let officer = app.login("canbo1");
    let d = crate::dossiers::receive(&app, &officer, "2.000815");
    let code = d["code"].as_str().unwrap().to_string();
    let form = |doc: &str| Some(format!("document={}&copies=2", urlencoding(doc)));
    let ctype = "application/x-www-form-urlencoded";
    // Nothing scanned yet: told what to do, nothing filed.
    let (_, page) = app.raw("GET", &format!("/ho-so/{code}"), Some(&officer), None, "");
    assert!(
        page.contains("Gửi trình ký"),
        "the form on the dossier's page"
    );
    let (s, body) = app.raw(
        "POST",
        &format!("/ho-so/{code}/chung-thuc"),
        Some(&officer),
        form("Giấy khai sinh số 12"),
        ctype,
    );
    assert_eq!(s, 422, "{body}");
    assert!(body.contains("Chưa số hoá bản chính"), "{body}");
    let pdf = original(2);
    let (s, _, b) = app.bytes(
        "PUT",
        &format!("/api/v1/dossiers/{code}/files/paper-0?filename=ban-chinh.pdf"),
        Some(&officer),
        Some(&pdf),
        "application/pdf",
    );
    assert_eq!(s, 200, "{}", String::from_utf8_lossy(&b));
    let (s, _) = app.raw(
        "POST",
        &format!("/ho-so/{code}/chung-thuc"),
        Some(&officer),
        form("Giấy khai sinh số 12"),
        ctype,
    );
    assert_eq!(s, 303);
    let (s, body) = app.raw(
        "POST",
        &format!("/ho-so/{code}/chung-thuc"),
        Some(&officer),
        form("Giấy khai sinh số 12"),
        ctype,
    );
    assert_eq!(s, 409, "one pending request a dossier: {body}");
    let (_, list) = app.call("GET", "/api/v1/ecopies", Some(&officer), None);
    let r = list[0].clone();
    assert_eq!(r["dossier"], code.as_str());
    assert_eq!(r["citizen"], d["applicant"]["name"]);
    let id = r["id"].as_u64().unwrap();
    let (s, r) = app.call(
        "POST",
        &format!("/api/v1/ecopies/{id}/issue"),
        Some(&admin),
        None,
    );
    assert_eq!(s, 200, "{r}");
    // The dossier's result is the signed copy, and it goes to the province.
    let dossier = app.running().services.dossier(&code).unwrap();
    let result = dossier
        .files
        .iter()
        .find(|f| f.slot == motcua::domain::dossier::digitize::Slot::Result)
        .expect("the copy is the result");
    assert_eq!(
        Some(result.pdf.sha256.clone()),
        r["copy_sha256"].as_str().map(String::from)
    );
    assert_eq!(result.signatures.len(), 2, "{:?}", result.signatures);
    assert!(
        result.signatures.iter().all(|s| s.starts_with("Hợp lệ")),
        "{:?}",
        result.signatures
    );
    assert!(
        app.running()
            .services
            .dossier_sync(&code)
            .unwrap()
            .is_some(),
        "queued for the province"
    );
    let (_, page) = app.raw("GET", &format!("/ho-so/{code}"), Some(&officer), None, "");
    assert!(page.contains("chữ ký số: Hợp lệ"), "shown on the dossier");
}
