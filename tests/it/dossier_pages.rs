//! The dossier screens as a desk officer and a citizen use them: plain HTML forms,
//! the printable receipt (Mẫu 01) and control sheet (Mẫu 06), the book, the lookup.

use chrono::Duration;

use crate::dossiers::{applicant, receive};
use crate::helpers::TestApp;

/// Removes what changes between runs: the random lookup token, the QR drawn from it,
/// the test server's port.
fn redact(html: &str, app: &TestApp) -> String {
    let mut s = html.replace(&app.url(""), "http://[server]");
    while let Some(i) = s.find("<svg") {
        let end = s[i..].find("</svg>").map(|e| i + e + 6).unwrap_or(s.len());
        s.replace_range(i..end, "[qr]");
    }
    let mut out = String::new();
    let mut rest = s.as_str();
    while let Some(i) = rest.find("/tra-cuu/") {
        out.push_str(&rest[..i + 9]);
        rest = &rest[i + 9..];
        let n = rest.bytes().take_while(u8::is_ascii_hexdigit).count();
        out.push_str(if n == 32 { "[token]" } else { "" });
        rest = &rest[n..];
    }
    out.push_str(rest);
    out
}

fn form(app: &TestApp, path: &str, token: &str, body: &str) -> (u16, String) {
    app.raw(
        "POST",
        path,
        Some(token),
        Some(body.to_string()),
        "application/x-www-form-urlencoded",
    )
}

fn location(app: &TestApp, path: &str, token: &str, body: &str) -> String {
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let r = agent
        .post(&app.url(path))
        .set("Authorization", &format!("Bearer {token}"))
        .set("Content-Type", "application/x-www-form-urlencoded")
        .send_string(body)
        .unwrap();
    assert_eq!(
        r.status(),
        303,
        "{path}: {}",
        r.into_string().unwrap_or_default()
    );
    r.header("Location").unwrap().to_string()
}

#[test]
fn reception_form_prints_the_receipt_and_the_control_sheet() {
    let app = TestApp::start();
    let officer = app.login("canbo1");
    let ticket = app.issue(1, None)["id"].as_u64().unwrap();

    let (s, page) = app.raw(
        "GET",
        &format!("/ho-so/moi?thu_tuc=1.004873&ticket={ticket}"),
        Some(&officer),
        None,
        "",
    );
    assert_eq!(s, 200);
    assert!(page.contains("phiếu A001"), "the served ticket is shown");

    // Without a chosen procedure: the ticket's area only, then search, then every area.
    let listed = |path: &str| {
        let (s, page) = app.raw("GET", path, Some(&officer), None, "");
        assert_eq!(s, 200, "{page}");
        page.match_indices("<li data-code=\"")
            .map(|(i, m)| page[i + m.len()..].split('"').next().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let cat = app.running().services.catalogue().unwrap();
    let area_of = |code: &str| cat.get(code).unwrap().area;
    let narrowed = listed(&format!("/ho-so/moi?ticket={ticket}"));
    assert!(
        !narrowed.is_empty() && narrowed.iter().all(|c| area_of(c) == 1),
        "{narrowed:?}"
    );
    let all = listed(&format!("/ho-so/moi?ticket={ticket}&all=1"));
    assert_eq!(all.len(), cat.procedures.len());
    let found = listed(&format!("/ho-so/moi?ticket={ticket}&all=1&q=sao+y"));
    assert_eq!(
        cat.get(&found[0]).unwrap().name,
        "Chứng thực bản sao từ bản chính"
    );
    assert!(page.contains("name=\"paper_0\""));
    insta::assert_snapshot!("dossier_new_page", redact(&page, &app));

    // A wrong CCCD: the form comes back with the message and what was typed.
    let (s, page) = form(
        &app,
        "/ho-so/moi",
        &officer,
        "procedure_code=1.004873&name=Tr%E1%BA%A7n+Th%E1%BB%8B+B%C3%ACnh&id_number=123&paper_0=1&count_0=1",
    );
    assert_eq!(s, 422);
    assert!(page.contains("Số định danh"), "{page}");
    assert!(page.contains("value=\"Trần Thị Bình\""));
    // Every problem at once, each beside its field; what was ticked stays ticked.
    let (s, page) = form(
        &app,
        "/ho-so/moi",
        &officer,
        "procedure_code=1.004873&name=&id_number=123&phone=12&email=lan%40&count_0=3&sets=0",
    );
    assert_eq!(s, 422);
    for m in [
        "Cần sửa 5 chỗ",
        "Cần nhập họ tên người nộp hồ sơ",
        "Số định danh",
        "Số điện thoại không hợp lệ",
        "Thư điện tử không đúng dạng",
        "Số bộ hồ sơ phải từ 1 đến 100",
    ] {
        assert!(page.contains(m), "{m}: {page}");
    }
    // The officer had unticked the paper and typed 3: both stay as she left them.
    assert!(page.contains("name=\"paper_0\" value=\"1\">"), "{page}");
    assert!(
        page.contains("name=\"count_0\" type=\"number\" min=\"1\" max=\"99\" value=\"3\""),
        "{page}"
    );

    let to = location(
        &app,
        "/ho-so/moi",
        &officer,
        &format!(
            "procedure_code=1.004873&ticket={ticket}&name=Tr%E1%BA%A7n+Th%E1%BB%8B+B%C3%ACnh&id_number=001190012345&phone=0987654321&address=X%C3%A3+T%C3%A2n+Ph%C3%BA&paper_0=1&count_0=2&sets=1"
        ),
    );
    assert_eq!(to, "/ho-so/H40.14-260305-0001/mau/01");
    let (s, receipt) = app.raw("GET", &to, Some(&officer), None, "");
    assert_eq!(s, 200);
    assert!(receipt.contains("<svg"), "the receipt carries the QR code");
    assert!(receipt.contains("08 giờ 00 phút, ngày 10 tháng 03 năm 2026"));
    insta::assert_snapshot!("receipt_mau_01", redact(&receipt, &app));
    let d = app
        .running()
        .services
        .dossier("H40.14-260305-0001")
        .unwrap();
    assert_eq!(d.ticket, Some(ticket));
    assert_eq!(d.papers[0].count, 2);

    // Actions through the dossier screen.
    app.clock.advance(Duration::hours(1));
    let to = location(
        &app,
        "/ho-so/H40.14-260305-0001/thao-tac",
        &officer,
        "action=assign&to_officer=canbo2&step_days=2",
    );
    assert_eq!(to, "/ho-so/H40.14-260305-0001?xong=assign");
    // The action is confirmed by name; canbo2 now holds it and sees it in her list.
    let (_, page) = app.raw("GET", &to, Some(&officer), None, "");
    assert!(page.contains("Đã chuyển hồ sơ cho Cán bộ 2."), "{page}");
    let (_, mine) = app.raw(
        "GET",
        "/ho-so?cua_toi=1",
        Some(&app.login("canbo2")),
        None,
        "",
    );
    assert!(
        mine.contains("Hồ sơ của tôi") && mine.contains("H40.14-260305-0001"),
        "{mine}"
    );
    let (_, not_mine) = app.raw("GET", "/ho-so?cua_toi=1", Some(&officer), None, "");
    assert!(
        !not_mine.contains("href=\"/ho-so/H40.14-260305-0001\""),
        "{not_mine}"
    );
    let (s, page) = form(
        &app,
        "/ho-so/H40.14-260305-0001/thao-tac",
        &officer,
        "action=return_result",
    );
    assert_eq!(s, 409, "cannot return before the result exists");
    assert!(
        page.contains("Không thể trả kết quả khi hồ sơ đang ở trạng thái"),
        "{page}"
    );
    let clerk = app.login("canbo2");
    app.clock.advance(Duration::hours(3));
    location(
        &app,
        "/ho-so/H40.14-260305-0001/thao-tac",
        &clerk,
        "action=resolve&note=",
    );
    let (s, page) = app.raw("GET", "/ho-so/H40.14-260305-0001", Some(&officer), None, "");
    assert_eq!(s, 200);
    insta::assert_snapshot!("dossier_view_page", redact(&page, &app));
    let (s, sheet) = app.raw(
        "GET",
        "/ho-so/H40.14-260305-0001/mau/06",
        Some(&officer),
        None,
        "",
    );
    assert_eq!(s, 200);
    assert!(sheet.contains("Trước hạn"), "the step finished early");
    insta::assert_snapshot!("control_sheet_mau_06", redact(&sheet, &app));
    let (s, _) = app.raw(
        "GET",
        "/ho-so/H40.14-260305-0001/mau/09",
        Some(&officer),
        None,
        "",
    );
    assert_eq!(s, 404);

    let (s, book) = app.raw(
        "GET",
        "/ho-so?from=2026-03-05&to=2026-03-05",
        Some(&officer),
        None,
        "",
    );
    assert_eq!(s, 200);
    insta::assert_snapshot!("dossier_book_page", redact(&book, &app));
}

#[test]
fn refusal_supplement_and_apology_forms() {
    let app = TestApp::start();
    let officer = app.login("canbo1");
    let code = receive(&app, &officer, "1.004873")["code"]
        .as_str()
        .unwrap()
        .to_string();
    location(
        &app,
        &format!("/ho-so/{code}/thao-tac"),
        &officer,
        "action=request_supplement&missing=Gi%E1%BA%A5y+khai+sinh%0AGi%E1%BA%A5y+x%C3%A1c+nh%E1%BA%ADn+c%C6%B0+tr%C3%BA&reason=Thi%E1%BA%BFu+gi%E1%BA%A5y+t%E1%BB%9D",
    );
    let (s, m02) = app.raw(
        "GET",
        &format!("/ho-so/{code}/mau/02"),
        Some(&officer),
        None,
        "",
    );
    assert_eq!(s, 200);
    assert!(
        m02.contains("<li>Giấy khai sinh (Bản chính: 1)</li>"),
        "{m02}"
    );
    insta::assert_snapshot!("supplement_mau_02", redact(&m02, &app));
    location(
        &app,
        &format!("/ho-so/{code}/thao-tac"),
        &officer,
        "action=resume",
    );
    location(
        &app,
        &format!("/ho-so/{code}/thao-tac"),
        &officer,
        "action=apologize&new_due=2026-03-16&reason=C%E1%BA%A7n+x%C3%A1c+minh",
    );
    let (s, m04) = app.raw(
        "GET",
        &format!("/ho-so/{code}/mau/04"),
        Some(&officer),
        None,
        "",
    );
    assert_eq!(s, 200);
    assert!(
        m04.contains("10/03/2026") && m04.contains("16/03/2026"),
        "{m04}"
    );
    insta::assert_snapshot!("apology_mau_04", redact(&m04, &app));
    let (s, page) = form(
        &app,
        &format!("/ho-so/{code}/thao-tac"),
        &officer,
        "action=apologize&new_due=",
    );
    assert_eq!(s, 409);
    assert!(page.contains("Cần chọn ngày hẹn trả mới"));

    let other = receive(&app, &officer, "1.001193")["code"]
        .as_str()
        .unwrap()
        .to_string();
    location(
        &app,
        &format!("/ho-so/{other}/thao-tac"),
        &officer,
        "action=refuse&reason=Kh%C3%B4ng+thu%E1%BB%99c+th%E1%BA%A9m+quy%E1%BB%81n",
    );
    let (s, m03) = app.raw(
        "GET",
        &format!("/ho-so/{other}/mau/03"),
        Some(&officer),
        None,
        "",
    );
    assert_eq!(s, 200);
    assert!(m03.contains("Không thuộc thẩm quyền"));
    insta::assert_snapshot!("refusal_mau_03", redact(&m03, &app));

    // Stopping processing (Mẫu 05), from "in progress".
    let third = receive(&app, &officer, "DP.KD.01")["code"]
        .as_str()
        .unwrap()
        .to_string();
    location(
        &app,
        &format!("/ho-so/{third}/thao-tac"),
        &officer,
        "action=assign&to_officer=canbo2",
    );
    location(
        &app,
        &format!("/ho-so/{third}/thao-tac"),
        &officer,
        "action=stop&reason=C%C3%B4ng+d%C3%A2n+kh%C3%B4ng+b%E1%BB%95+sung+trong+th%E1%BB%9Di+h%E1%BA%A1n",
    );
    let (s, m05) = app.raw(
        "GET",
        &format!("/ho-so/{third}/mau/05"),
        Some(&officer),
        None,
        "",
    );
    assert_eq!(s, 200);
    assert!(
        m05.contains("THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ") && m05.contains("Công dân không bổ sung")
    );
    insta::assert_snapshot!("stop_mau_05", redact(&m05, &app));
    // A stopped dossier offers no more actions.
    let (_, page) = app.raw("GET", &format!("/ho-so/{third}"), Some(&officer), None, "");
    assert!(
        !page.contains("name=\"action\""),
        "no action forms on a closed dossier"
    );
}

#[test]
fn citizen_lookup_pages() {
    let app = TestApp::start();
    let officer = app.login("canbo1");
    let d = receive(&app, &officer, "1.004873");
    let code = d["code"].as_str().unwrap();
    let _ = applicant();
    let (s, page) = app.raw("GET", "/tra-cuu", None, None, "");
    assert_eq!(s, 200);
    insta::assert_snapshot!("lookup_form_page", page);
    let (s, page) = app.raw(
        "POST",
        "/tra-cuu",
        None,
        Some(format!("code={code}&last4=5678")),
        "application/x-www-form-urlencoded",
    );
    assert_eq!(s, 200);
    assert!(page.contains("Nguyễn V.A.") && !page.contains("Nguyễn Văn An"));
    assert!(
        !page.contains("001090012345"),
        "no ID number on a public page"
    );
    insta::assert_snapshot!("lookup_result_page", page);
    let (s, page) = app.raw(
        "POST",
        "/tra-cuu",
        None,
        Some(format!("code={code}&last4=1111")),
        "application/x-www-form-urlencoded",
    );
    assert_eq!(s, 404);
    assert!(page.contains("Không tìm thấy hồ sơ"));
    let token = app.running().services.dossier(code).unwrap().lookup_token;
    let (s, page) = app.raw("GET", &format!("/tra-cuu/{token}"), None, None, "");
    assert_eq!(s, 200);
    assert!(page.contains(code));
    let (s, _) = app.raw("GET", "/tra-cuu/nope", None, None, "");
    assert_eq!(s, 404);
    // Staff screens stay closed to the public.
    let (s, _) = app.raw("GET", &format!("/ho-so/{code}"), None, None, "");
    assert_eq!(s, 303);
}
