//! The kiosk prints through a durable queue on the simulated printer; a printer fault never
//! loses a ticket, and the job prints (once, in order) when the printer is back.

use serde_json::json;

use crate::helpers::{Sse, TestApp};

const NO_FAULTS: &str =
    r#"{"paper_out": false, "cover_open": false, "near_end": false, "offline": false}"#;

fn faults(app: &TestApp, admin: &str, paper_out: bool) {
    let mut f: serde_json::Value = serde_json::from_str(NO_FAULTS).unwrap();
    f["paper_out"] = paper_out.into();
    let (s, p) = app.call("PUT", "/api/v1/printer/sim-faults", Some(admin), Some(f));
    assert_eq!(s, 200, "{p}");
}

/// Waits (on the live feed, no sleeping) until print job `job` is printed.
fn until_printed(feed: &mut Sse, job: u64) {
    loop {
        let (_, e) = feed.next_named("print_job_changed");
        if e["job"] == job && e["state"] == "printed" {
            return;
        }
    }
}

#[test]
fn kiosk_ticket_is_printed_and_paper_out_keeps_the_job_until_paper_is_back() {
    let app = TestApp::start();
    let admin = app.login("admin");
    let (s, t) = app.post(
        "/api/v1/tickets",
        &app.kiosk,
        json!({"service": 1, "priority": "cao_tuoi", "print": true}),
    );
    assert_eq!(s, 201, "{t}");
    assert_eq!(t["printed"], true, "{t}");
    let sim = app.data_dir().join("sim-printer");
    let listing = std::fs::read_to_string(sim.join("000001.txt")).unwrap();
    assert!(listing.contains("[INIT]"), "{listing}");
    assert!(listing.contains("[RASTER 576x"), "{listing}");
    assert!(listing.trim_end().ends_with("[CUT partial]"), "{listing}");
    let (s, png) = app.raw("GET", "/api/v1/printer/jobs/1/png", Some(&admin), None, "");
    assert_eq!(s, 200);
    assert!(png.len() > 1000);

    faults(&app, &admin, true);
    let mut feed = Sse::connect(&app, &admin, None);
    let (s, t2) = app.post(
        "/api/v1/tickets",
        &app.kiosk,
        json!({"service": 1, "print": true}),
    );
    assert_eq!(
        s, 201,
        "the ticket is issued even when the printer fails: {t2}"
    );
    assert_eq!(t2["printed"], false);
    assert!(
        t2["print_error"].as_str().unwrap().contains("Hết giấy"),
        "{t2}"
    );
    let (_, t3) = app.post(
        "/api/v1/tickets",
        &app.kiosk,
        json!({"service": 2, "print": true}),
    );
    assert_eq!(t3["printed"], false);
    assert!(!sim.join("000002.png").exists(), "nothing half-printed");
    let (_, queue) = app.call("GET", "/api/v1/printer/queue", Some(&admin), None);
    let queued: Vec<_> = queue
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["ticket"]["number"].clone())
        .collect();
    assert_eq!(
        queued,
        vec![json!("A002"), json!("B001")],
        "jobs wait in order"
    );
    let (_, info) = app.call("GET", "/api/v1/printer", Some(&admin), None);
    assert_eq!(info["status"]["paper"], "Out");
    // The test page is refused for the printer's state, not as a server fault (the API
    // fuzz run's finding: this was a 503); nothing is printed or queued.
    let (s, e) = app.call("POST", "/api/v1/printer/test", Some(&admin), None);
    assert_eq!(
        (s, e["code"].as_str()),
        (409, Some("printer_unavailable")),
        "{e}"
    );
    assert!(e["message"].as_str().unwrap().contains("Hết giấy"), "{e}");
    assert!(!sim.join("000002.txt").exists());

    // Paper back: the queued tickets come out, in order, once each.
    let ids: Vec<u64> = queue
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_u64().unwrap())
        .collect();
    faults(&app, &admin, false);
    until_printed(&mut feed, ids[1]);
    assert!(std::fs::read_to_string(sim.join("000002.txt")).is_ok());
    assert!(sim.join("000003.png").exists());
    assert!(!sim.join("000004.png").exists(), "printed once");
    let (_, queue) = app.call("GET", "/api/v1/printer/queue", Some(&admin), None);
    assert!(queue.as_array().unwrap().is_empty());
}

/// Waits until print job `job` reaches `state`.
fn until_state(feed: &mut Sse, job: u64, state: &str) {
    loop {
        let (_, e) = feed.next_named("print_job_changed");
        if e["job"] == job && e["state"] == state {
            return;
        }
    }
}

#[test]
fn after_a_long_fault_old_tickets_are_held_for_the_counters_not_burst_out() {
    let app = TestApp::start();
    let admin = app.login("admin");
    let officer = app.login("canbo1");
    faults(&app, &admin, true);
    let mut feed = Sse::connect(&app, &officer, None);
    let (_, t) = app.post(
        "/api/v1/tickets",
        &app.kiosk,
        json!({"service": 1, "print": true}),
    );
    assert_eq!(t["printed"], false, "{t}");
    let (_, queue) = app.call("GET", "/api/v1/printer/queue", Some(&admin), None);
    let job = queue[0]["id"].as_u64().unwrap();
    // The counters learn of the fault at once, on their live feed and in the report.
    until_state(&mut feed, job, "failed");
    let (s, paper) = app.call("GET", "/api/v1/printer/paper", Some(&officer), None);
    assert_eq!(s, 200, "{paper}");
    assert!(
        paper["problem"].as_str().unwrap().contains("Hết giấy"),
        "{paper}"
    );
    assert_eq!(
        paper["unprinted"],
        json!([]),
        "still fresh: it may print yet"
    );

    // Paper comes back two minutes later: the stale ticket is held, not printed.
    app.clock.advance(chrono::Duration::seconds(121));
    faults(&app, &admin, false);
    until_state(&mut feed, job, "held");
    let sim = app.data_dir().join("sim-printer");
    assert!(!sim.join("000001.txt").exists(), "no burst of old tickets");
    let (_, paper) = app.call("GET", "/api/v1/printer/paper", Some(&officer), None);
    assert_eq!(paper["problem"], serde_json::Value::Null, "{paper}");
    assert_eq!(paper["unprinted"][0]["number"], "A001", "{paper}");
    // A fresh ticket prints as usual.
    let (_, t2) = app.post(
        "/api/v1/tickets",
        &app.kiosk,
        json!({"service": 1, "print": true}),
    );
    assert_eq!(t2["printed"], true, "{t2}");

    // The counter reprints A001 on demand; it leaves the list.
    let id = t["id"].as_u64().unwrap();
    let (s, r) = app.post(
        &format!("/api/v1/printer/reprint/{id}"),
        &officer,
        json!({}),
    );
    assert_eq!(s, 202, "{r}");
    until_printed(&mut feed, r["job"].as_u64().unwrap());
    let listing = std::fs::read_to_string(sim.join("000002.txt")).unwrap();
    assert!(listing.contains("[CUT partial]"), "{listing}");
    let (_, paper) = app.call("GET", "/api/v1/printer/paper", Some(&officer), None);
    assert_eq!(paper["unprinted"], json!([]), "{paper}");
    // Reprinting needs an open ticket, and the kiosk may not ask for it.
    let (s, _) = app.post("/api/v1/printer/reprint/999", &officer, json!({}));
    assert_eq!(s, 404);
    let (s, _) = app.post(
        &format!("/api/v1/printer/reprint/{id}"),
        &app.kiosk,
        json!({}),
    );
    assert_eq!(s, 403);
}

#[test]
fn a_queued_job_survives_a_restart_and_an_admin_can_cancel_one() {
    let app = TestApp::start();
    let admin = app.login("admin");
    faults(&app, &admin, true);
    let (_, a) = app.post(
        "/api/v1/tickets",
        &app.kiosk,
        json!({"service": 1, "print": true}),
    );
    let (_, b) = app.post(
        "/api/v1/tickets",
        &app.kiosk,
        json!({"service": 1, "print": true}),
    );
    assert_eq!(
        (a["printed"].as_bool(), b["printed"].as_bool()),
        (Some(false), Some(false))
    );
    let (_, queue) = app.call("GET", "/api/v1/printer/queue", Some(&admin), None);
    let first = queue[0]["id"].as_u64().unwrap();
    let second = queue[1]["id"].as_u64().unwrap();
    let (s, c) = app.call(
        "DELETE",
        &format!("/api/v1/printer/queue/{first}"),
        Some(&admin),
        None,
    );
    assert_eq!((s, c["state"].as_str()), (200, Some("cancelled")));
    let (s, e) = app.call(
        "DELETE",
        &format!("/api/v1/printer/queue/{first}"),
        Some(&admin),
        None,
    );
    assert_eq!(
        (s, e["code"].as_str()),
        (409, Some("job_finished")),
        "cannot cancel twice"
    );

    // A restart (the simulated printer starts healthy): the remaining job prints.
    let app = app.restart();
    let admin = app.login("admin");
    let mut feed = Sse::connect(&app, &admin, None);
    let (_, queue) = app.call("GET", "/api/v1/printer/queue", Some(&admin), None);
    if !queue.as_array().unwrap().is_empty() {
        until_printed(&mut feed, second);
    }
    let sim = app.data_dir().join("sim-printer");
    let listing = std::fs::read_to_string(sim.join("000001.txt")).unwrap();
    assert!(listing.contains("[RASTER"), "{listing}");
    assert!(
        !sim.join("000002.png").exists(),
        "the cancelled job never printed"
    );
}

#[test]
fn the_ticket_qr_opens_a_public_status_page_that_needs_the_token() {
    let app = TestApp::start();
    let t1 = app.issue(1, None);
    let t2 = app.issue(1, None);
    let (id, token) = (
        t2["id"].as_u64().unwrap(),
        t2["status_token"].as_str().unwrap(),
    );
    assert_eq!(token.len(), 16);
    let (s, page) = app.raw("GET", &format!("/t/{id}/{token}"), None, None, "");
    assert_eq!(s, 200);
    assert!(
        page.contains("A002") && page.contains("Số người chờ trước: <b>1</b>"),
        "{page}"
    );
    assert!(page.contains("Tư pháp - Hộ tịch - Chứng thực"));
    let (s, _) = app.raw("GET", &format!("/t/{id}/0000000000000000"), None, None, "");
    assert_eq!(s, 404, "a guessed token shows nothing");
    let (s, _) = app.raw("GET", &format!("/t/{}/{token}", t1["id"]), None, None, "");
    assert_eq!(s, 404, "one ticket's token does not open another");
    // The printed ticket carries the link as a QR code (drawn into the raster).
    let admin = app.login("admin");
    let (_, t3) = app.post(
        "/api/v1/tickets",
        &app.kiosk,
        json!({"service": 1, "print": true}),
    );
    assert_eq!(t3["printed"], true);
    let (_, q) = app.call("GET", "/api/v1/printer", Some(&admin), None);
    assert_eq!(q["recent_jobs"][0], 1);
}

#[test]
fn metrics_in_prometheus_text_format() {
    let app = TestApp::start();
    app.issue(1, None);
    app.issue(1, None);
    app.post(
        "/api/v1/tickets",
        &app.kiosk,
        json!({"service": 2, "print": true}),
    );
    let (s, body) = app.raw("GET", "/metrics", None, None, "");
    assert_eq!(s, 200);
    assert!(
        body.contains("motcua_queue_waiting{area=\"Tư pháp - Hộ tịch - Chứng thực\"} 2"),
        "{body}"
    );
    assert!(
        body.contains("motcua_tickets_issued_today{area=\"Văn hóa - Xã hội\"} 1"),
        "{body}"
    );
    assert!(body.contains("motcua_printer_ready 1"), "{body}");
    assert!(body.contains("motcua_print_queue_pending 0"));
    assert!(body.contains("motcua_last_backup_timestamp_seconds 0"));
    // Every sample line is `name{labels} value` with a number (or NaN).
    for line in body.lines().filter(|l| !l.starts_with('#')) {
        let value = line.rsplit(' ').next().unwrap();
        assert!(value == "NaN" || value.parse::<f64>().is_ok(), "{line}");
    }
}

#[test]
fn the_admin_sets_the_ticket_layout() {
    let app = TestApp::start();
    let admin = app.login("admin");
    let (_, mut s) = app.call("GET", "/api/v1/settings", Some(&admin), None);
    s["ticket"]["width_dots"] = 384.into();
    s["ticket"]["header_lines"] = json!(["ỦY BAN NHÂN DÂN XÃ TÂN PHÚ"]);
    s["ticket"]["show_qr"] = false.into();
    let (st, saved) = app.call("PUT", "/api/v1/settings", Some(&admin), Some(s.clone()));
    assert_eq!(st, 200, "{saved}");
    let (_, t) = app.post(
        "/api/v1/tickets",
        &app.kiosk,
        json!({"service": 1, "print": true}),
    );
    assert_eq!(t["printed"], true);
    let listing = std::fs::read_to_string(app.data_dir().join("sim-printer/000001.txt")).unwrap();
    assert!(listing.contains("[RASTER 384x"), "{listing}");
    s["ticket"]["width_dots"] = 300.into();
    let (st, e) = app.call("PUT", "/api/v1/settings", Some(&admin), Some(s));
    assert_eq!((st, e["code"].as_str()), (422, Some("invalid_input")));
}

#[test]
fn the_admin_puts_a_logo_on_the_ticket() {
    let app = TestApp::start();
    let admin = app.login("admin");
    // No logo yet: the preview is empty.
    assert_eq!(
        app.bytes("GET", "/api/v1/printer/logo", Some(&admin), None, "")
            .0,
        204
    );
    // A 300×120 PNG: a black frame on white.
    let (w, h) = (300u32, 120u32);
    let mut px = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let edge = x < 10 || y < 10 || x >= w - 10 || y >= h - 10;
            px.push(if edge { 0u8 } else { 255 });
        }
    }
    let mut png_bytes = Vec::new();
    {
        let mut e = png::Encoder::new(&mut png_bytes, w, h);
        e.set_color(png::ColorType::Grayscale);
        e.write_header().unwrap().write_image_data(&px).unwrap();
    }
    let (s, _, body) = app.bytes(
        "PUT",
        "/api/v1/printer/logo",
        Some(&admin),
        Some(&png_bytes),
        "image/png",
    );
    assert_eq!(s, 200, "{}", String::from_utf8_lossy(&body));
    let dims: serde_json::Value = serde_json::from_slice(&body).unwrap();
    // 576-dot paper: at most 432 wide and 160 high → 300×120 fits as it is.
    assert_eq!(
        (dims["width"].as_u64(), dims["height"].as_u64()),
        (Some(300), Some(120))
    );
    let (s, ct, preview) = app.bytes("GET", "/api/v1/printer/logo", Some(&admin), None, "");
    assert_eq!((s, ct.as_str()), (200, "image/png"));
    assert!(preview.starts_with(b"\x89PNG"));

    // The next ticket carries it: its raster is taller by about the logo's height.
    let (_, t) = app.post(
        "/api/v1/tickets",
        &app.kiosk,
        json!({"service": 1, "print": true}),
    );
    assert_eq!(t["printed"], true);
    let with_logo = std::fs::read_to_string(app.data_dir().join("sim-printer/000001.txt")).unwrap();
    let (s, _, _) = app.bytes("DELETE", "/api/v1/printer/logo", Some(&admin), None, "");
    assert_eq!(s, 204);
    let (_, t) = app.post(
        "/api/v1/tickets",
        &app.kiosk,
        json!({"service": 1, "print": true}),
    );
    assert_eq!(t["printed"], true);
    let without = std::fs::read_to_string(app.data_dir().join("sim-printer/000002.txt")).unwrap();
    // The logo (120 rows, ink from its first row) is the first band after INIT; without
    // it the ticket starts with the top margin's feed.
    let first_after_init = |l: &str| -> String {
        l.lines()
            .map(str::trim)
            .skip_while(|x| *x != "[INIT]")
            .nth(1)
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(
        first_after_init(&with_logo),
        "[RASTER 576x128]",
        "{with_logo}"
    );
    assert!(first_after_init(&without).starts_with("[FEED"), "{without}");

    // Not a PNG, an empty image, not an admin.
    let (s, _, _) = app.bytes(
        "PUT",
        "/api/v1/printer/logo",
        Some(&admin),
        Some(b"GIF89a...."),
        "image/png",
    );
    assert_eq!(s, 422);
    let (s, _, _) = app.bytes(
        "PUT",
        "/api/v1/printer/logo",
        Some(&app.login("canbo1")),
        Some(&png_bytes),
        "image/png",
    );
    assert_eq!(s, 403);
}

#[test]
fn the_admin_picks_the_printer_and_the_choice_survives_a_restart() {
    let app = TestApp::start();
    let admin = app.login("admin");
    let pick = |app: &TestApp, t: &str| {
        app.call(
            "PUT",
            "/api/v1/printer",
            Some(&admin),
            Some(json!({ "target": t })),
        )
    };
    // Off: tickets are issued, not printed.
    let (s, v) = pick(&app, "none");
    assert_eq!((s, v["configured"].as_bool()), (200, Some(false)), "{v}");
    let (_, t) = app.post(
        "/api/v1/tickets",
        &app.kiosk,
        json!({"service": 1, "print": true}),
    );
    assert_eq!(t["printed"], false);
    // A typo is refused and changes nothing.
    let (s, e) = pick(&app, "usb:nope");
    assert_eq!((s, e["code"].as_str()), (422, Some("invalid_input")));
    assert_eq!(
        app.call("GET", "/api/v1/printer", Some(&admin), None).1["configured"],
        false
    );
    // Back to the simulated printer, live.
    let (s, v) = pick(&app, "sim");
    assert_eq!(
        (s, v["target"].as_str(), v["simulated"].as_bool()),
        (200, Some("sim"), Some(true))
    );
    let (_, t) = app.post(
        "/api/v1/tickets",
        &app.kiosk,
        json!({"service": 1, "print": true}),
    );
    assert_eq!(t["printed"], true);
    // A choice survives a restart (it wins over the config file's `printer = "sim"`).
    pick(&app, "tcp:127.0.0.1:9");
    let app = app.restart();
    let admin = app.login("admin");
    let (_, v) = app.call("GET", "/api/v1/printer", Some(&admin), None);
    assert_eq!(v["target"], "tcp:127.0.0.1:9");
    assert_eq!(
        app.call(
            "PUT",
            "/api/v1/printer",
            Some(&app.login("canbo1")),
            Some(json!({"target": "sim"}))
        )
        .0,
        403
    );
}
