//! The kiosk prints on the simulated printer; a printer fault never loses the ticket.

use serde_json::json;

use crate::helpers::TestApp;

#[test]
fn kiosk_ticket_is_printed_and_paper_out_keeps_the_ticket() {
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

    let (s, p) = app.call(
        "PUT",
        "/api/v1/printer/sim-faults",
        Some(&admin),
        Some(json!({"paper_out": true, "cover_open": false, "near_end": false, "offline": false})),
    );
    assert_eq!(s, 200, "{p}");
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
    assert!(!sim.join("000002.png").exists(), "nothing half-printed");
    let (_, snap) = app.call("GET", "/api/v1/queue", Some(&admin), None);
    assert_eq!(
        snap["waiting"].as_array().unwrap().len(),
        2,
        "both tickets wait"
    );
    let (_, info) = app.call("GET", "/api/v1/printer", Some(&admin), None);
    assert_eq!(info["status"]["paper"], "Out");

    // Paper back: printing resumes.
    app.call(
        "PUT",
        "/api/v1/printer/sim-faults",
        Some(&admin),
        Some(json!({"paper_out": false, "cover_open": false, "near_end": false, "offline": false})),
    );
    let (s, _) = app.post("/api/v1/printer/test", &admin, json!({}));
    assert_eq!(s, 200);
    assert!(sim.join("000002.png").exists());
}
