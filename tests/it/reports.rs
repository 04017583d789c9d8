//! The dossier report over an imported tracking book: numbers computed by hand from the
//! CSV must come out of the API, the page and the CSV export.

use crate::helpers::TestApp;

/// March 2026, area 1 (Tư pháp) unless said otherwise. Hand-computed outcome for the period
/// 2026-03-01..2026-03-31, by calendar day against the promise:
/// 1. received 2/3, due 5/3, resolved 4/3 → early
/// 2. received 2/3, due 5/3, resolved 5/3 → on time
/// 3. received 2/3, due 5/3, resolved 9/3 → late
/// 4. online, received 25/3, due 10/4, open → in progress, within deadline
/// 5. received 9/3, due 12/3, open → in progress, overdue
/// 6. received 20/2, due 3/3, resolved 3/3 → carried over, on time
/// 7. received 10/2, resolved 12/2 → no part (finished before the period)
/// 8. received 9/3, withdrawn (status 7) 10/3 → closed, before its promise
/// 9. area 3 (Kinh doanh), received 16/3, due 19/3, resolved 18/3 → early
const BOOK: &str = "code,procedure_code,applicant_name,channel,received_at,due_at,resolved_at,returned_at,status\n\
,1.004873,Người 1,1,2026-03-02 08:00,2026-03-05 17:00,2026-03-04 10:00,2026-03-05 09:00,10\n\
,1.004873,Người 2,1,2026-03-02 09:00,2026-03-05 08:00,2026-03-05 16:00,,9\n\
,1.004873,Người 3,1,2026-03-02 10:00,2026-03-05 08:00,2026-03-09 09:00,2026-03-09 10:00,10\n\
,1.004873,Người 4,2,2026-03-25 09:00,2026-04-10 17:00,,,4\n\
,1.004873,Người 5,1,2026-03-09 09:00,2026-03-12 17:00,,,4\n\
,1.004873,Người 6,1,2026-02-20 08:00,2026-03-03 17:00,2026-03-03 09:00,,9\n\
,1.004873,Người 7,1,2026-02-10 08:00,2026-02-13 17:00,2026-02-12 09:00,2026-02-13 09:00,10\n\
,1.004873,Người 8,1,2026-03-09 08:00,2026-03-12 17:00,2026-03-10 09:00,,7\n\
,DP.KD.01,Người 9,1,2026-03-16 08:00,2026-03-19 17:00,2026-03-18 15:00,2026-03-19 08:00,10\n";

fn import_book(app: &TestApp, admin: &str) {
    let (s, r) = app.raw(
        "POST",
        "/api/v1/dossiers/import",
        Some(admin),
        Some(BOOK.into()),
        "text/csv",
    );
    assert_eq!(s, 200, "{r}");
}

#[test]
fn report_over_an_imported_book_matches_the_hand_count() {
    let app = TestApp::start();
    let admin = app.login("admin");
    import_book(&app, &admin);

    let (s, r) = app.call(
        "GET",
        "/api/v1/reports/dossiers?from=2026-03-01&to=2026-03-31",
        Some(&admin),
        None,
    );
    assert_eq!(s, 200, "{r}");
    // Totals by hand: received 8 (online 1, direct 6, carried over 1); resolved 5 (early 2,
    // on time 2, late 1); in progress 2 (1 within, 1 overdue); 1 withdrawn.
    assert_eq!(
        r["received"],
        serde_json::json!({"total": 8, "online": 1, "direct": 6, "carried_over": 1})
    );
    assert_eq!(
        r["resolved"],
        serde_json::json!({"total": 5, "early": 2, "on_time": 2, "late": 1})
    );
    assert_eq!(
        r["in_progress"],
        serde_json::json!({"total": 2, "within_deadline": 1, "overdue": 1})
    );
    assert_eq!(r["closed_other"], 1);
    // A = 4/5; B = (4 + 1 withdrawn in time + 1 within deadline)/8; C = 4/(5 + 1).
    assert_eq!(
        r["rates"]["resolved_on_time"],
        serde_json::json!({"numerator": 4, "denominator": 5, "percent": "80,00"})
    );
    assert_eq!(
        r["rates"]["decision_766"],
        serde_json::json!({"numerator": 6, "denominator": 8, "percent": "75,00"})
    );
    assert_eq!(
        r["rates"]["due_on_time"],
        serde_json::json!({"numerator": 4, "denominator": 6, "percent": "66,67"})
    );
    insta::assert_json_snapshot!("dossier_report_march", r);

    // One area only.
    let (_, r) = app.call(
        "GET",
        "/api/v1/reports/dossiers?from=2026-03-01&to=2026-03-31&area=3",
        Some(&admin),
        None,
    );
    assert_eq!(r["received"]["total"], 1);
    assert_eq!(r["rows"][0]["label"], "Kinh doanh");
    // February: 2 received (nos. 6 and 7), one resolved early, one carried into March.
    let (_, r) = app.call(
        "GET",
        "/api/v1/reports/dossiers?from=2026-02-01&to=2026-02-28&group=procedure",
        Some(&admin),
        None,
    );
    assert_eq!(r["received"]["total"], 2);
    assert_eq!(r["resolved"]["early"], 1);
    assert_eq!(r["in_progress"]["within_deadline"], 1);
    assert_eq!(r["rows"][0]["label"], "Xác nhận tình trạng hôn nhân");

    // CSV with Vietnamese headers, and the page.
    let (s, csv) = app.raw(
        "GET",
        "/api/v1/reports/dossiers?from=2026-03-01&to=2026-03-31&format=csv",
        Some(&admin),
        None,
        "",
    );
    assert_eq!(s, 200);
    insta::assert_snapshot!("dossier_report_march_csv", csv);
    // The .xlsx, read back cell by cell.
    let resp =
        ureq::get(&app.url("/api/v1/reports/dossiers?from=2026-03-01&to=2026-03-31&format=xlsx"))
            .set("Authorization", &format!("Bearer {admin}"))
            .call()
            .unwrap();
    assert!(resp.content_type().contains("spreadsheetml"));
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut resp.into_reader(), &mut bytes).unwrap();
    insta::assert_snapshot!("dossier_report_march_xlsx", xlsx_cells(&bytes));
    let (s, page) = app.raw(
        "GET",
        "/bao-cao?from=2026-03-01&to=2026-03-31",
        Some(&admin),
        None,
        "",
    );
    assert_eq!(s, 200);
    assert!(page.contains("80,00%") && page.contains("75,00%") && page.contains("66,67%"));
    insta::assert_snapshot!("report_page", page);

    // Bad periods and roles.
    let (s, _) = app.call(
        "GET",
        "/api/v1/reports/dossiers?from=2026-03-31&to=2026-03-01",
        Some(&admin),
        None,
    );
    assert_eq!(s, 422);
    let (s, _) = app.call(
        "GET",
        "/api/v1/reports/dossiers?from=2026-13-01&to=2026-03-01",
        Some(&admin),
        None,
    );
    assert_eq!(s, 400);
    let officer = app.login("canbo1");
    let (s, _) = app.call(
        "GET",
        "/api/v1/reports/dossiers?from=2026-03-01&to=2026-03-31",
        Some(&officer),
        None,
    );
    assert_eq!(s, 403);
}

/// The counting conventions recount the same book, and the sums kept live while dossiers
/// move equal a rebuild from the records.
#[test]
fn conventions_recount_and_live_sums_equal_a_rebuild() {
    use serde_json::json;
    let app = TestApp::start();
    let admin = app.login("admin");
    import_book(&app, &admin);
    let march = "/api/v1/reports/dossiers?from=2026-03-01&to=2026-03-31";
    let (_, before) = app.call("GET", march, Some(&admin), None);
    let (s, c) = app.call("GET", "/api/v1/reports/conventions", Some(&admin), None);
    assert_eq!(s, 200);
    assert_eq!(
        c,
        json!({"comparison": "calendar_day", "other_closures": "count"})
    );

    // By timestamp, without the withdrawn dossier. No. 2 (due 08:00, resolved 16:00 the
    // same day) becomes late; no. 6 (due 17:00, resolved 09:00) and no. 9 early.
    let (s, _) = app.call(
        "PUT",
        "/api/v1/reports/conventions",
        Some(&admin),
        Some(json!({"comparison": "timestamp", "other_closures": "exclude"})),
    );
    assert_eq!(s, 200);
    let (_, r) = app.call("GET", march, Some(&admin), None);
    assert_eq!(
        r["received"],
        json!({"total": 7, "online": 1, "direct": 5, "carried_over": 1})
    );
    assert_eq!(
        r["resolved"],
        json!({"total": 5, "early": 3, "on_time": 0, "late": 2})
    );
    assert_eq!(r["closed_other"], 0);
    assert_eq!(
        r["rates"]["resolved_on_time"],
        json!({"numerator": 3, "denominator": 5, "percent": "60,00"})
    );

    // Refusals change nothing: an officer, bad JSON, an unknown convention.
    let officer = app.login("canbo1");
    let (s, _) = app.call(
        "PUT",
        "/api/v1/reports/conventions",
        Some(&officer),
        Some(json!({"comparison": "calendar_day"})),
    );
    assert_eq!(s, 403);
    let (s, _) = app.raw(
        "PUT",
        "/api/v1/reports/conventions",
        Some(&admin),
        Some("{\"comparison\": ".into()),
        "application/json",
    );
    assert_eq!(s, 400);
    let (s, _) = app.call(
        "PUT",
        "/api/v1/reports/conventions",
        Some(&admin),
        Some(json!({"comparison": "by_hour"})),
    );
    assert_eq!(s, 400);
    let (_, again) = app.call("GET", march, Some(&admin), None);
    assert_eq!(again, r);

    // Back to the defaults: the first numbers again.
    let (s, _) = app.call(
        "PUT",
        "/api/v1/reports/conventions",
        Some(&admin),
        Some(json!({"comparison": "calendar_day", "other_closures": "count"})),
    );
    assert_eq!(s, 200);
    let (_, r) = app.call("GET", march, Some(&admin), None);
    assert_eq!(r, before);

    // Live work: receive, assign, pause, resume, resolve, return, withdraw, apologise.
    // Sessions expire over the days the clock jumps: sign in again for each action.
    let act = |code: &str, body: serde_json::Value| {
        let officer = app.login("canbo1");
        let (s, v) = app.post(&format!("/api/v1/dossiers/{code}/actions"), &officer, body);
        assert_eq!(s, 200, "{v}");
    };
    let mut codes = vec![];
    for _ in 0..4 {
        let d = crate::dossiers::receive(&app, &officer, "1.004873");
        codes.push(d["code"].as_str().unwrap().to_string());
    }
    app.clock.advance(chrono::Duration::hours(1));
    act(
        &codes[0],
        json!({"action": "assign", "to_officer": "canbo2"}),
    );
    act(
        &codes[1],
        json!({"action": "request_supplement", "reason": "Thiếu tờ khai",
               "missing": [{"name": "Tờ khai", "kind": "original", "count": 1}]}),
    );
    act(
        &codes[3],
        json!({"action": "withdraw", "reason": "Công dân rút"}),
    );
    app.clock.advance(chrono::Duration::days(2));
    act(&codes[1], json!({"action": "resume"}));
    act(&codes[0], json!({"action": "resolve"}));
    act(&codes[0], json!({"action": "return_result"}));
    app.clock.advance(chrono::Duration::days(6));
    act(
        &codes[2],
        json!({"action": "apologize", "new_due": "2026-03-20", "reason": "Chờ xác minh"}),
    );
    act(&codes[2], json!({"action": "resolve"}));
    let (admin, officer) = (app.login("admin"), app.login("canbo1"));
    let (_, r) = app.call("GET", march, Some(&admin), None);
    assert_eq!(r["received"]["total"], 12);
    assert_eq!(r["resolved"]["total"], 7);
    let (s, x) = app.call("POST", "/api/v1/reports/reindex", Some(&admin), None);
    assert_eq!(s, 200, "{x}");
    assert_eq!(x["dossiers"], 13);
    assert_eq!(x["identical"], true, "live sums differ from a rebuild");
    let (_, after) = app.call("GET", march, Some(&admin), None);
    assert_eq!(after, r);
    let (s, _) = app.call("POST", "/api/v1/reports/reindex", Some(&officer), None);
    assert_eq!(s, 403);
}

/// The clock stop: a dossier waiting for the citizen's papers is not overdue while it
/// waits (live report, recount, overdue list, `/metrics`); one received with it and not
/// waiting is.
#[test]
fn a_dossier_waiting_for_the_citizen_is_not_overdue() {
    use serde_json::json;
    let app = TestApp::start();
    let officer = app.login("canbo1");
    let codes: Vec<String> = (0..2)
        .map(|_| {
            let d = crate::dossiers::receive(&app, &officer, "1.004873");
            d["code"].as_str().unwrap().to_string()
        })
        .collect();
    app.clock.advance(chrono::Duration::hours(1));
    let (s, v) = app.post(
        &format!("/api/v1/dossiers/{}/actions", codes[0]),
        &officer,
        json!({"action": "request_supplement", "reason": "Thiếu tờ khai",
               "missing": [{"name": "Tờ khai", "kind": "original", "count": 1}]}),
    );
    assert_eq!(s, 200, "{v}");
    // Ten days on, both promises have passed; only the one not waiting is overdue.
    app.clock.advance(chrono::Duration::days(10));
    let admin = app.login("admin");
    let month = "/api/v1/reports/dossiers?from=2026-03-01&to=2026-03-31";
    let (s, r) = app.call("GET", month, Some(&admin), None);
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        r["in_progress"],
        json!({"total": 2, "within_deadline": 1, "overdue": 1})
    );
    let (s, x) = app.call("POST", "/api/v1/reports/reindex", Some(&admin), None);
    assert_eq!(s, 200, "{x}");
    assert_eq!(x["identical"], true, "live sums differ from a rebuild");
    // The officers' overdue list and the district's gauge agree with the report.
    let (s, l) = app.call("GET", "/api/v1/dossiers?overdue=true", Some(&admin), None);
    assert_eq!(s, 200, "{l}");
    let listed: Vec<&str> = l
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert_eq!(listed, [codes[1].as_str()]);
    let (s, m) = app.raw("GET", "/metrics", None, None, "text/plain");
    assert_eq!(s, 200);
    assert!(m.contains("\nmotcua_dossiers_overdue 1\n"), "{m}");
}

/// The nine legal indicators: suggested from the record, recorded once after the return
/// (API and the dossier screen's form), and averaged in the period's report.
#[test]
fn nine_indicators_are_recorded_once_on_return_and_reported() {
    use serde_json::json;
    let app = TestApp::start();
    let officer = app.login("canbo1");
    let a = crate::dossiers::receive(&app, &officer, "1.004873");
    let b = crate::dossiers::receive(&app, &officer, "1.004873");
    let (a, b) = (a["code"].as_str().unwrap(), b["code"].as_str().unwrap());
    let path = |c: &str| format!("/api/v1/dossiers/{c}/indicators");
    let scores = json!({"scores": [2, 2, 2, 1, 2, 2, 2, 2, 0]});

    // Not returned yet: shown, but nothing can be recorded.
    let (s, sheet) = app.call("GET", &path(a), Some(&officer), None);
    assert_eq!(s, 200, "{sheet}");
    assert_eq!(sheet["can_record"], false);
    assert_eq!(
        sheet["indicators"][0]["name"],
        "Thời gian giải quyết so với quy định"
    );
    let (s, e) = app.post(&path(a), &officer, scores.clone());
    assert_eq!((s, e["code"].as_str()), (409, Some("not_returned")), "{e}");

    for (c, hours) in [(a, 2), (b, 3)] {
        app.clock.advance(chrono::Duration::hours(hours));
        for action in ["resolve", "return_result"] {
            let (s, v) = app.post(
                &format!("/api/v1/dossiers/{c}/actions"),
                &officer,
                json!({"action": action}),
            );
            assert_eq!(s, 200, "{v}");
        }
    }
    let (_, sheet) = app.call("GET", &path(a), Some(&officer), None);
    assert_eq!(sheet["can_record"], true);
    // Resolved the same day it was received, long before the promise; in person; the
    // procedure is offered fully online.
    assert_eq!(sheet["suggested"], json!([2, 2, 2, 1, 2, 2, 2, 2, 2]));

    // Bad scores and bad bodies change nothing.
    let (s, e) = app.post(
        &path(a),
        &officer,
        json!({"scores": [3, 2, 2, 1, 2, 2, 2, 2, 0]}),
    );
    assert_eq!((s, e["code"].as_str()), (422, Some("bad_score")), "{e}");
    let (s, _) = app.post(&path(a), &officer, json!({"scores": [2, 2]}));
    assert_eq!(s, 400);
    let (s, _) = app.post(&path(a), &app.kiosk, scores.clone());
    assert_eq!(s, 403);
    let (_, sheet) = app.call("GET", &path(a), Some(&officer), None);
    assert_eq!(sheet["recorded"], serde_json::Value::Null);

    let (s, sheet) = app.post(&path(a), &officer, scores.clone());
    assert_eq!(s, 200, "{sheet}");
    assert_eq!(sheet["recorded"]["scores"], scores["scores"]);
    assert_eq!(sheet["can_record"], false);
    let (s, e) = app.post(&path(a), &officer, scores.clone());
    assert_eq!((s, e["code"].as_str()), (409, Some("already_recorded")));

    // The dossier screen's form: the second dossier, every radio sent as a field.
    let (s, page) = app.raw("GET", &format!("/ho-so/{b}"), Some(&officer), None, "");
    assert_eq!(s, 200);
    assert!(page.contains("Đánh giá theo 9 tiêu chí") && page.contains("name=\"i9\""));
    let form = "action=record_indicators&i1=1&i2=1&i3=2&i4=1&i5=2&i6=2&i7=1&i8=2";
    let (s, page) = app.raw(
        "POST",
        &format!("/ho-so/{b}/thao-tac"),
        Some(&officer),
        Some(form.into()),
        "application/x-www-form-urlencoded",
    );
    assert_eq!(s, 409, "one criterion missing");
    assert!(page.contains("Chưa chọn điểm cho tiêu chí 9"));
    let (s, _) = app.raw(
        "POST",
        &format!("/ho-so/{b}/thao-tac"),
        Some(&officer),
        Some(format!("{form}&i9=1")),
        "application/x-www-form-urlencoded",
    );
    assert_eq!(s, 303);
    let (_, page) = app.raw("GET", &format!("/ho-so/{b}"), Some(&officer), None, "");
    assert!(
        page.contains("Tổng 13/18"),
        "the recorded sheet replaces the form"
    );

    // The period's report: two dossiers, each indicator's mean.
    let admin = app.login("admin");
    let (_, r) = app.call(
        "GET",
        "/api/v1/reports/dossiers?from=2026-03-01&to=2026-03-31",
        Some(&admin),
        None,
    );
    assert_eq!(r["indicators"]["recorded"], 2);
    let means: Vec<_> = r["indicators"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["mean"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        means,
        ["1,50", "1,50", "2,00", "1,00", "2,00", "2,00", "1,50", "2,00", "0,50"]
    );
    let (_, page) = app.raw(
        "GET",
        "/bao-cao?from=2026-03-01&to=2026-03-31",
        Some(&admin),
        None,
        "",
    );
    assert!(page.contains("2 hồ sơ được đánh giá trong kỳ"));
    let (s, x) = app.call("POST", "/api/v1/reports/reindex", Some(&admin), None);
    assert_eq!((s, &x["identical"]), (200, &json!(true)));
}

#[test]
fn queue_report_of_a_controlled_morning() {
    use chrono::Duration;
    use serde_json::json;
    let app = TestApp::start();
    let officer = app.login("canbo1");
    let admin = app.login("admin");
    app.post("/api/v1/counters/1/open", &officer, json!({}));
    // A001 waits 5 min, walks 1, served 10; A002 waits 20 min (from its issue), served 5;
    // A003 is called three times and marked absent.
    let a1 = app.issue(1, None)["id"].as_u64().unwrap();
    let a2 = app.issue(1, None)["id"].as_u64().unwrap();
    let a3 = app.issue(1, None)["id"].as_u64().unwrap();
    app.clock.advance(Duration::minutes(5));
    app.post("/api/v1/counters/1/call-next", &officer, json!({}));
    app.clock.advance(Duration::minutes(1));
    app.post(&format!("/api/v1/tickets/{a1}/start"), &officer, json!({}));
    app.clock.advance(Duration::minutes(10));
    app.post(&format!("/api/v1/tickets/{a1}/finish"), &officer, json!({}));
    app.clock.advance(Duration::minutes(4));
    let (s, v) = app.post("/api/v1/counters/1/call-next", &officer, json!({}));
    assert_eq!((s, v["id"].as_u64()), (200, Some(a2)));
    app.post(&format!("/api/v1/tickets/{a2}/start"), &officer, json!({}));
    app.clock.advance(Duration::minutes(5));
    app.post(&format!("/api/v1/tickets/{a2}/finish"), &officer, json!({}));
    let (_, v) = app.post("/api/v1/counters/1/call-next", &officer, json!({}));
    assert_eq!(v["id"].as_u64(), Some(a3));
    for _ in 0..2 {
        app.post(&format!("/api/v1/tickets/{a3}/recall"), &officer, json!({}));
    }
    let (s, v) = app.post(
        &format!("/api/v1/tickets/{a3}/no-show"),
        &officer,
        json!({}),
    );
    assert_eq!(s, 200, "{v}");

    let (s, r) = app.call(
        "GET",
        "/api/v1/reports/queue?from=2026-03-05&to=2026-03-05&target=15",
        Some(&admin),
        None,
    );
    assert_eq!(s, 200, "{r}");
    let all = &r["all"];
    assert_eq!(
        (
            all["issued"].as_u64(),
            all["served"].as_u64(),
            all["no_show"].as_u64()
        ),
        (Some(3), Some(2), Some(1))
    );
    // Waits 5 and 20 minutes: mean 12:30, median 5:00 (nearest rank), p90 20:00.
    assert_eq!(
        all["wait"],
        json!({"count": 2, "mean_secs": 750, "median_secs": 300, "p90_secs": 1200})
    );
    assert_eq!(all["service"]["mean_secs"], 450);
    assert_eq!(all["service_level"], "50,00");
    insta::assert_json_snapshot!("queue_report_morning", r);
    let (s, csv) = app.raw(
        "GET",
        "/api/v1/reports/queue?from=2026-03-05&to=2026-03-05&format=csv",
        Some(&admin),
        None,
        "",
    );
    assert_eq!(s, 200);
    insta::assert_snapshot!("queue_report_morning_csv", csv);
    // The same report as .xlsx, read back: the center's row matches the JSON.
    let resp =
        ureq::get(&app.url("/api/v1/reports/queue?from=2026-03-05&to=2026-03-05&format=xlsx"))
            .set("Authorization", &format!("Bearer {admin}"))
            .call()
            .unwrap();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut resp.into_reader(), &mut bytes).unwrap();
    let cells = {
        use calamine::{Reader, Xlsx};
        let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(wb.sheet_names(), ["Xếp hàng"]);
        wb.worksheet_range("Xếp hàng").unwrap()
    };
    let at = |r: u32, c: u32| {
        cells
            .get_value((r, c))
            .map(|v| v.to_string())
            .unwrap_or_default()
    };
    assert_eq!(
        (at(4, 0), at(4, 6)),
        ("Nhóm".to_string(), "Chờ TB (giây)".to_string())
    );
    assert_eq!(at(5, 0), "Trung tâm");
    assert_eq!(at(5, 6), all["wait"]["mean_secs"].to_string());
    assert_eq!(at(5, 13), "50,00");
    let (s, page) = app.raw(
        "GET",
        "/bao-cao?from=2026-03-05&to=2026-03-05",
        Some(&admin),
        None,
        "",
    );
    assert_eq!(s, 200);
    assert!(
        page.contains("<svg class=\"chart\"") && page.contains("12:30"),
        "the chart and the mean wait"
    );
}

/// Every non-empty cell of the first sheet as `A1: value` lines (merged ranges show their
/// text in the top-left cell).
fn xlsx_cells(bytes: &[u8]) -> String {
    use calamine::{Reader, Xlsx};
    let mut wb: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(
        wb.sheet_names(),
        ["Biểu 06", "Chỉ số 766", "9 tiêu chí", "Hài lòng"]
    );
    let mut out = String::new();
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).unwrap();
        let (r0, c0) = range.start().unwrap();
        out.push_str(&format!("== {name}\n"));
        for (r, row) in range.rows().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let text = v.to_string();
                if !text.is_empty() {
                    let col = (b'A' + (c0 as usize + c) as u8) as char;
                    out.push_str(&format!("{col}{}: {text}\n", r0 as usize + r + 1));
                }
            }
        }
    }
    out
}
