//! The provincial sync against the simulated province running as its own process
//! (`motcua sim province`), speaking only the reference profile over loopback.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::dossiers::receive;
use crate::helpers::TestApp;

const TOKEN: &str = "bi-mat-cua-tinh";

/// The simulator process; killed when dropped.
struct Province {
    child: Child,
    base: String,
}

impl Province {
    fn start() -> Province {
        Self::start_args(&[])
    }

    fn start_args(extra: &[&str]) -> Province {
        let mut child = Command::new(env!("CARGO_BIN_EXE_motcua"))
            .args([
                "sim",
                "province",
                "--listen",
                "127.0.0.1:0",
                "--unit",
                "H40.14",
                "--token",
                TOKEN,
            ])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the simulated province");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .expect("the simulator prints its address")
            .to_string();
        Province { child, base }
    }

    fn state(&self) -> Value {
        ureq::get(&format!("{}/_sim/state", self.base))
            .call()
            .unwrap()
            .into_json()
            .unwrap()
    }

    fn faults(&self, f: Value) {
        ureq::put(&format!("{}/_sim/faults", self.base))
            .send_json(f)
            .unwrap();
    }
}

impl Drop for Province {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn connected(p: &Province) -> TestApp {
    let base = p.base.clone();
    TestApp::start_with(move |c| {
        c.province_url = Some(base);
        c.province_token = Some(motcua::config::Secret(TOKEN.into()));
    })
}

/// Polls (the relay runs on its own thread) until `ok` holds, for at most 20 s.
fn until(what: &str, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        std::thread::yield_now();
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn status(app: &TestApp, admin: &str) -> Value {
    app.call("GET", "/api/v1/sync", Some(admin), None).1
}

#[test]
fn every_dossier_and_step_reaches_the_province_once_even_when_the_reply_is_lost() {
    let p = Province::start();
    let app = connected(&p);
    let admin = app.login("admin");
    let officer = app.login("canbo1");
    let first = app.call("GET", "/api/v1/sync", Some(&admin), None);
    assert_eq!(first.1["enabled"], true, "{first:?}");

    // The first answer is lost after the province applied it.
    p.faults(json!({"lose_ack": 1}));
    let code = receive(&app, &officer, "1.004873")["code"]
        .as_str()
        .unwrap()
        .to_string();
    until("a retry scheduled", || {
        status(&app, &admin)["last_error"].is_string()
    });
    let s = status(&app, &admin);
    assert_eq!(
        (s["pending"].as_u64(), s["acked"].as_u64()),
        (Some(1), Some(0)),
        "{s}"
    );
    // The backoff passes: the add finds "đã tồn tại", the same body goes as an update.
    app.clock.advance(chrono::Duration::hours(2));
    until("acknowledged", || status(&app, &admin)["acked"] == 1);

    // More steps: assign, resolve — the whole dossier again, steps replaced by number.
    let (st, v) = app.post(
        &format!("/api/v1/dossiers/{code}/actions"),
        &officer,
        json!({"action": "assign", "to_officer": "canbo2"}),
    );
    assert_eq!(st, 200, "{v}");
    until("the change acknowledged", || {
        let s = status(&app, &admin);
        s["pending"] == 0 && s["acked"] == 2
    });
    let state = p.state();
    let dossiers = state["dossiers"].as_object().unwrap();
    assert_eq!(dossiers.len(), 1, "one dossier at the province: {state}");
    let h = &dossiers[&code];
    assert_eq!(h["MaTTHC"], "1.004873");
    assert_eq!(h["TrangThaiHoSo"], "4", "assigned: being processed");
    assert_eq!(h["KenhThucHien"], "1");
    // Dates in Vietnam's time: 08:00 local on 5 March 2026.
    assert_eq!(h["NgayTiepNhan"], "20260305080000");
    let d = app.running().services.dossier(&code).unwrap();
    let steps = state["steps"][&code].as_object().unwrap();
    assert_eq!(steps.len(), d.history.len(), "one row per step: {state}");
    assert_eq!(steps["1"]["NoiDungXuLy"], "Tiếp nhận hồ sơ");
    assert_eq!(steps["1"]["NguoiXuLy"], "Cán bộ 1");
    // *Đồng bộ lại hồ sơ này* (admin only): the whole snapshot goes again.
    let (st, _) = app.raw(
        "POST",
        &format!("/ho-so/{code}/dong-bo-lai"),
        Some(&officer),
        Some(String::new()),
        "application/x-www-form-urlencoded",
    );
    assert_eq!(st, 403);
    let (st, _) = app.raw(
        "POST",
        &format!("/ho-so/{code}/dong-bo-lai"),
        Some(&admin),
        Some(String::new()),
        "application/x-www-form-urlencoded",
    );
    assert!(st == 303 || st == 200, "{st}");
    until("sent again", || status(&app, &admin)["acked"] == 3);
    // The secret travels in the header only: not in the status the operator reads.
    assert!(!status(&app, &admin).to_string().contains(TOKEN));
}

#[test]
fn a_rejected_dossier_waits_alone_and_goes_after_replay() {
    let p = Province::start();
    let app = connected(&p);
    let admin = app.login("admin");
    let officer = app.login("canbo1");
    p.faults(json!({"reject_codes": ["1.001193"], "fail_5xx": 1}));
    let bad = receive(&app, &officer, "1.001193")["code"]
        .as_str()
        .unwrap()
        .to_string();
    let good = receive(&app, &officer, "1.004873")["code"]
        .as_str()
        .unwrap()
        .to_string();
    // The 5xx is retried after the backoff; the rejection is not.
    until("the 5xx seen", || {
        status(&app, &admin)["last_error"].is_string()
    });
    app.clock.advance(chrono::Duration::hours(2));
    until("the good one through, the bad one rejected", || {
        let s = status(&app, &admin);
        s["acked"] == 1 && s["rejected"] == 1
    });
    let s = status(&app, &admin);
    assert_eq!(s["rejected_list"][0]["code"], bad.as_str(), "{s}");
    assert!(
        s["rejected_list"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("Logic xử lý không hợp lệ"),
        "{s}"
    );
    assert!(p.state()["dossiers"].get(&good).is_some());
    // The officer sees it on the dossier page, in words.
    let page = |code: &str| {
        app.raw("GET", &format!("/ho-so/{code}"), Some(&officer), None, "")
            .1
    };
    assert!(
        page(&bad).contains("Tỉnh không nhận: Logic xử lý không hợp lệ"),
        "{}",
        page(&bad)
    );
    assert!(page(&good).contains("Đã gửi lên tỉnh, tỉnh đã nhận"));
    // Index 1.4 counts it apart: 1 of 2 synced, 1 refused.
    let index_14 = || {
        let (_, r) = app.call(
            "GET",
            "/api/v1/reports/dossiers?from=2026-03-05&to=2026-03-05",
            Some(&admin),
            None,
        );
        r["decision_766"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["code"] == "1.4")
            .cloned()
            .unwrap()
    };
    let ix = index_14();
    assert_eq!(
        (
            ix["rate"]["numerator"].as_u64(),
            ix["rate"]["denominator"].as_u64()
        ),
        (Some(1), Some(2)),
        "{ix}"
    );
    assert!(
        ix["note"].as_str().unwrap().contains("tỉnh từ chối: 1"),
        "{ix}"
    );
    // Not retried by itself: time passes, it stays rejected (only Pending rows are due).
    app.clock.advance(chrono::Duration::hours(5));
    assert_eq!(status(&app, &admin)["rejected"], 1);
    // The province's catalogue is fixed; the operator replays.
    p.faults(json!({}));
    let officer_cannot = app.post(&format!("/api/v1/sync/{bad}/replay"), &officer, json!({}));
    assert_eq!(officer_cannot.0, 403);
    let (st, v) = app.post(&format!("/api/v1/sync/{bad}/replay"), &admin, json!({}));
    assert_eq!(st, 200, "{v}");
    until("the replayed one acknowledged", || {
        status(&app, &admin)["acked"] == 2
    });
    assert_eq!(status(&app, &admin)["rejected"], 0);
}

#[test]
fn a_wrong_token_is_retried_and_never_counted_as_success() {
    let p = Province::start();
    let base = p.base.clone();
    let app = TestApp::start_with(move |c| {
        c.province_url = Some(base);
        c.province_token = Some(motcua::config::Secret("khoa-sai-9f3a".into()));
    });
    let admin = app.login("admin");
    let officer = app.login("canbo1");
    receive(&app, &officer, "1.004873");
    until("the fault shown", || {
        status(&app, &admin)["last_error"].is_string()
    });
    let s = status(&app, &admin);
    assert_eq!(
        (s["pending"].as_u64(), s["acked"].as_u64()),
        (Some(1), Some(0)),
        "{s}"
    );
    assert!(s["last_error"].as_str().unwrap().contains("401"), "{s}");
    assert!(p.state()["dossiers"].as_object().unwrap().is_empty());
    // /metrics says the same for the district's alert, and carries no secret.
    let (_, text) = app.raw("GET", "/metrics", Some(&admin), None, "");
    assert!(
        text.contains("motcua_sync_pending 1") && text.contains("motcua_sync_acked_total 0"),
        "{text}"
    );
    assert!(!text.contains("khoa-sai-9f3a"), "no token in /metrics");
    assert!(!status(&app, &admin).to_string().contains("khoa-sai-9f3a"));
}

#[test]
fn without_a_province_the_appliance_keeps_the_work_for_later() {
    let app = TestApp::start();
    let admin = app.login("admin");
    let officer = app.login("canbo1");
    receive(&app, &officer, "1.004873");
    let s = status(&app, &admin);
    assert_eq!(
        (s["enabled"].as_bool(), s["pending"].as_u64()),
        (Some(false), Some(1)),
        "{s}"
    );
}

fn online_hoso(national: &str, tthc: &str, name: &str) -> Value {
    json!({
        "MaHoSo": national, "MaTTHC": tthc, "TenTTHC": "Thủ tục", "KenhThucHien": "2",
        "ChuHoSo": name, "SoDienThoai": "0912000111", "TrangThaiHoSo": "1",
        "NgayNopHoSo": "20260304213000", "NgayTiepNhan": "", "NgayHenTra": "", "NgayTra": "",
        "NgayKetThucXuLy": "",
        "TaiLieuNop": [{"TenTepDinhKem": "Tờ khai", "MaThanhPhanHoSo": "1", "Base64": "JVBERi0xLjQK"}]
    })
}

#[test]
fn online_dossiers_come_down_once_and_the_unroutable_one_waits_in_the_inbox() {
    let p = Province::start();
    let app = connected(&p);
    let admin = app.login("admin");
    let officer = app.login("canbo1");
    for h in [
        online_hoso("000.00.00.H40-260304-0007", "1.004873", "Phạm Thị Hoa"),
        online_hoso("000.00.00.H40-260304-0008", "9.999999", "Đỗ Văn Nam"),
    ] {
        ureq::post(&format!("{}/_sim/online", p.base))
            .send_json(h)
            .unwrap();
    }
    // The relay looks at start and every half minute; the officer's button looks now.
    let (s, pulled) = app.post("/api/v1/sync/pull", &officer, json!({}));
    assert_eq!(s, 200, "{pulled}");
    // Pulling again never duplicates (whether the relay or the button got there first).
    app.post("/api/v1/sync/pull", &officer, json!({}));
    let (_, list) = app.call("GET", "/api/v1/dossiers?status=1", Some(&officer), None);
    let online: Vec<&Value> = list
        .as_array()
        .or_else(|| list["dossiers"].as_array())
        .unwrap()
        .iter()
        .filter(|d| {
            d["applicant"]["name"] == "Phạm Thị Hoa" || d["applicant_name"] == "Phạm Thị Hoa"
        })
        .collect();
    assert_eq!(
        online.len(),
        1,
        "one local dossier for the national code: {list}"
    );
    let code = online[0]["code"].as_str().unwrap().to_string();
    let d = app.running().services.dossier(&code).unwrap();
    assert_eq!(
        d.national_code.as_deref(),
        Some("000.00.00.H40-260304-0007")
    );
    assert_eq!(d.state.channel.code(), 2);
    assert_eq!(d.papers[0].name, "Tờ khai");
    // Filed at 21:30 local on 4 March: the dossier keeps that time.
    assert_eq!(
        d.state.registered_at.unwrap(),
        chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 3, 4, 14, 30, 0).unwrap()
    );
    // The unroutable one is in the inbox, whole, on the book; both acknowledged.
    assert_eq!(status(&app, &admin)["inbox"], 1);
    let (_, book) = app.raw("GET", "/ho-so", Some(&officer), None, "");
    assert!(
        book.contains("Hồ sơ trực tuyến chưa xếp được")
            && book.contains("Đỗ Văn Nam")
            && book.contains("9.999999"),
        "{book}"
    );
    let st = p.state();
    assert_eq!(
        st["online"]["000.00.00.H40-260304-0007"][1],
        code.as_str(),
        "acked with the local code"
    );
    assert!(
        st["online"]["000.00.00.H40-260304-0008"][1].is_string(),
        "the inbox one acknowledged too"
    );
    // The sync sends it back under its national code: the province still has one dossier
    // for it, not a second under the local code.
    let in_inbox = app.running().services.online_inbox().unwrap();
    assert_eq!(in_inbox.len(), 1);
    until("synced", || status(&app, &admin)["pending"] == 0);
    let st = p.state();
    assert!(st["dossiers"].get(&code).is_none(), "{st}");
    assert!(st["dossiers"].get("000.00.00.H40-260304-0007").is_some());
}

#[test]
fn three_days_offline_then_the_backlog_drains_without_a_retry_storm() {
    let p = Province::start();
    let app = connected(&p);
    let admin = app.login("admin");
    let officer = app.login("canbo1");
    // The province is unreachable (every call 503) while the commune works.
    p.faults(json!({"fail_5xx": 1_000_000}));
    let mut codes = Vec::new();
    for _ in 0..125 {
        let code = receive(&app, &officer, "1.004873")["code"]
            .as_str()
            .unwrap()
            .to_string();
        for body in [
            json!({"action": "assign", "to_officer": "canbo2"}),
            json!({"action": "resolve"}),
            json!({"action": "return_result"}),
        ] {
            let (s, v) = app.post(&format!("/api/v1/dossiers/{code}/actions"), &officer, body);
            assert_eq!(s, 200, "{v}");
        }
        codes.push(code);
    }
    let calls = |p: &Province| -> u64 {
        p.state()["calls"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum()
    };
    // Waiting, and the relay's last offline round over: the province's count has stopped
    // moving (a round still in flight would otherwise be counted as the drain's).
    let mut seen = u64::MAX;
    until(
        "every dossier tried once and waiting, the relay quiet",
        || {
            let s = status(&app, &admin);
            let now = calls(&p);
            let quiet = now == seen;
            seen = now;
            s["pending"] == 125 && s["last_error"].is_string() && quiet
        },
    );
    let offline_calls = calls(&p);
    // With the clock standing still, nothing is retried before its backoff: no storm.
    assert!(
        offline_calls <= 125 * 2,
        "{offline_calls} calls for 125 dossiers"
    );
    // Three days later the province is back: the backlog drains to zero lag.
    p.faults(json!({}));
    app.clock.advance(chrono::Duration::days(3));
    let admin = app.login("admin"); // three days on, a new session
    until("the backlog drained", || {
        status(&app, &admin)["pending"] == 0
    });
    let drain_calls = calls(&p) - offline_calls;
    assert!(
        drain_calls <= 125 * 2,
        "each dossier sent once, whole: {drain_calls} calls"
    );
    assert_eq!(status(&app, &admin)["oldest_pending_at"], Value::Null);
    // The province's copy equals the local book.
    let st = p.state();
    for code in &codes {
        let d = app.running().services.dossier(code).unwrap();
        assert_eq!(
            st["dossiers"][code]["TrangThaiHoSo"],
            d.status().code().to_string()
        );
        assert_eq!(
            st["steps"][code].as_object().unwrap().len(),
            d.history.len(),
            "{code}"
        );
    }
}

/// A small real PDF (two scanned pages), as a citizen's phone would upload.
fn sample_pdf() -> Vec<u8> {
    let s = motcua::devices::scanner::ScanSettings::a4(
        motcua::devices::scanner::InputSource::Platen,
        motcua::devices::scanner::ColorMode::Gray,
        75,
    );
    let page = motcua::devices::scanner::sim::render_page(&s, 1, 1).unwrap();
    motcua::render::pdf::pdf_from_jpegs(&[&page, &page], "trực tuyến").unwrap()
}

#[test]
fn online_papers_arrive_as_digitized_copies_and_a_broken_one_is_named_not_lost() {
    use base64::Engine;
    let p = Province::start();
    let app = connected(&p);
    let officer = app.login("canbo1");
    let pdf = sample_pdf();
    ureq::put(&format!("{}/_sim/files/giay-xac-nhan.pdf", p.base))
        .send_bytes(&pdf)
        .unwrap();
    let mut h = online_hoso("000.00.00.H40-260304-0011", "1.004873", "Lê Thị Thu");
    h["TaiLieuNop"] = json!([
        {"TenTepDinhKem": "Tờ khai", "MaThanhPhanHoSo": "1",
         "Base64": base64::engine::general_purpose::STANDARD.encode(&pdf)},
        {"TenTepDinhKem": "Ảnh CCCD", "MaThanhPhanHoSo": "2", "Base64": "@@ không phải base64 @@"},
        {"TenTepDinhKem": "Giấy xác nhận cư trú", "MaThanhPhanHoSo": "3",
         "DuongDanTaiTepTin": "/TepTin/giay-xac-nhan.pdf"},
        {"TenTepDinhKem": "Giấy tờ khác", "MaThanhPhanHoSo": "4",
         "DuongDanTaiTepTin": format!("{}/TepTin/khong-co.pdf", p.base)}
    ]);
    ureq::post(&format!("{}/_sim/online", p.base))
        .send_json(h)
        .unwrap();
    let (s, pulled) = app.post("/api/v1/sync/pull", &officer, json!({}));
    assert_eq!(s, 200, "{pulled}");
    let st = p.state();
    let code = st["online"]["000.00.00.H40-260304-0011"][1]
        .as_str()
        .expect("stored and acknowledged, broken papers and all")
        .to_string();
    let d = app.running().services.dossier(&code).unwrap();
    let slots: Vec<String> = d.files.iter().map(|f| f.slot.key()).collect();
    assert_eq!(slots, ["paper-0", "paper-2"], "the two good files attached");
    assert!(d.files.iter().all(|f| f.page_count == 2));
    let first = &d.history[0].note;
    assert!(
        first.contains("Ảnh CCCD")
            && first.contains("base64")
            && first.contains("Giấy tờ khác")
            && first.contains("404"),
        "the missing ones are named on the dossier: {first}"
    );
    // The stored file is the citizen's, byte for byte, reachable like any digitized paper.
    let (s, _, got) = app.bytes(
        "GET",
        &format!("/api/v1/dossiers/{code}/files/paper-0"),
        Some(&officer),
        None,
        "",
    );
    assert_eq!((s, got == pdf), (200, true));
    // The packet is kept without its inline files (they are in the file store).
    let row = app
        .running()
        .services
        .store
        .read()
        .unwrap()
        .inbound("000.00.00.H40-260304-0011")
        .unwrap()
        .unwrap();
    assert!(row.raw.len() < 4000, "no base64 in the database row");

    // Received at 08:00 on Thursday: the promise counts from the filing (Wednesday 21:30,
    // after hours → Thursday's opening), not from the reception.
    let (s, r) = app.post(
        &format!("/api/v1/dossiers/{code}/actions"),
        &officer,
        json!({"action": "receive"}),
    );
    assert_eq!(s, 200, "{r}");
    let from_filing = app
        .running()
        .services
        .dossier(&code)
        .unwrap()
        .state
        .due_at
        .unwrap();
    let direct = receive(&app, &officer, "1.004873");
    let from_now = app
        .running()
        .services
        .dossier(direct["code"].as_str().unwrap())
        .unwrap()
        .state
        .due_at
        .unwrap();
    assert!(from_filing < from_now, "{from_filing} vs {from_now}");
    assert_eq!(
        motcua::domain::time::local(from_filing)
            .format("%d/%m %H:%M")
            .to_string(),
        "09/03 17:00"
    );
}

#[test]
fn an_officer_assigns_an_inbox_dossier_to_a_procedure_and_it_joins_the_book() {
    let p = Province::start();
    let app = connected(&p);
    let officer = app.login("canbo1");
    let other = app.login("canbo2");
    ureq::post(&format!("{}/_sim/online", p.base))
        .send_json(online_hoso(
            "000.00.00.H40-260304-0021",
            "1.999.TINH",
            "Vũ Văn Hải",
        ))
        .unwrap();
    app.post("/api/v1/sync/pull", &officer, json!({}));
    assert_eq!(app.running().services.online_inbox().unwrap().len(), 1);
    let path = "/api/v1/sync/inbox/000.00.00.H40-260304-0021/assign";
    // Not a procedure of the catalogue: refused, nothing changed.
    let (s, e) = app.post(path, &officer, json!({"procedure": "0.000000"}));
    assert!(s == 400 || s == 422, "{s} {e}");
    assert_eq!(app.running().services.online_inbox().unwrap().len(), 1);
    // A wrong national code: not found.
    let (s, _) = app.post(
        "/api/v1/sync/inbox/KHONG-CO/assign",
        &officer,
        json!({"procedure": "1.004873"}),
    );
    assert_eq!(s, 404);
    // The book page's form.
    let (s, body) = app.raw(
        "POST",
        "/ho-so/truc-tuyen/000.00.00.H40-260304-0021/xep",
        Some(&officer),
        Some("procedure=1.004873".into()),
        "application/x-www-form-urlencoded",
    );
    assert_eq!(s, 303, "{body}");
    assert!(app.running().services.online_inbox().unwrap().is_empty());
    let row = app
        .running()
        .services
        .store
        .read()
        .unwrap()
        .inbound("000.00.00.H40-260304-0021")
        .unwrap()
        .unwrap();
    let code = row.local_code.unwrap();
    let d = app.running().services.dossier(&code).unwrap();
    assert_eq!(
        (
            d.procedure.code.as_str(),
            d.national_code.as_deref(),
            d.state.channel.code(),
            d.applicant.name.as_str()
        ),
        (
            "1.004873",
            Some("000.00.00.H40-260304-0021"),
            2,
            "Vũ Văn Hải"
        )
    );
    // Twice: the second is told it was done.
    let (s, _) = app.post(path, &other, json!({"procedure": "1.004873"}));
    assert_eq!(s, 409);
    let (_, book) = app.raw(
        "GET",
        &format!("/ho-so?xep={code}"),
        Some(&officer),
        None,
        "",
    );
    assert!(
        book.contains(&format!(
            "Đã xếp hồ sơ trực tuyến thành hồ sơ <a href=\"/ho-so/{code}\">"
        )),
        "{book}"
    );
    // It goes to the province under its national code.
    let admin = app.login("admin");
    until("synced", || status(&app, &admin)["pending"] == 0);
    assert_eq!(
        p.state()["dossiers"]["000.00.00.H40-260304-0021"]["MaTTHC"],
        "1.004873"
    );
}

#[test]
fn a_province_that_wants_a_login_is_connected_from_the_admin_page_and_the_password_stays_secret() {
    let p = Province::start_args(&["--login-user", "motcua.xa"]);
    let app = TestApp::start();
    let admin = app.login("admin");
    let officer = app.login("canbo1");
    assert_eq!(status(&app, &admin)["enabled"], false);
    let unit = app.running().services.settings().unwrap().dossier.agency;
    assert_eq!(unit, "H40.14", "the demo unit is the simulator's");

    // Every problem of a bad profile at once; nothing saved.
    let (s, e) = app.call(
        "PUT",
        "/api/v1/sync/profile",
        Some(&admin),
        Some(json!({"settings": {"base_url": "tinh.gov.vn", "auth": "login", "lanes": 0}})),
    );
    assert!(s == 400 || s == 422, "{s} {e}");
    let text = e.to_string();
    assert!(
        text.contains("http://") && text.contains("tên đăng nhập") && text.contains("cùng lúc"),
        "{e}"
    );
    assert_eq!(status(&app, &admin)["enabled"], false);

    // An officer may not touch it.
    let (s, _) = app.call("GET", "/api/v1/sync/profile", Some(&officer), None);
    assert_eq!(s, 403);

    let (s, v) = app.call(
        "PUT",
        "/api/v1/sync/profile",
        Some(&admin),
        Some(json!({
            "settings": {
                "base_url": format!("{}/", p.base), "auth": "login", "username": "motcua.xa",
                "unit_header": "dstcode",
                "coercions": {"waiting_as_resolved": true},
                "code_map": [["1.004873", "2.000123.000.00.00.H40"]]
            },
            "secret": TOKEN
        })),
    );
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v["enabled"].as_bool(), v["has_secret"].as_bool()),
        (Some(true), Some(true))
    );
    assert!(
        !v.to_string().contains(TOKEN),
        "the password is never shown back: {v}"
    );
    let (_, probe) = app.post("/api/v1/sync/probe", &admin, json!({}));
    assert_eq!(probe["ok"], true, "{probe}");

    // A dossier asking for a supplement: sent as 9 under the province's procedure code.
    let code = receive(&app, &officer, "1.004873")["code"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, r) = app.post(
        &format!("/api/v1/dossiers/{code}/actions"),
        &officer,
        json!({"action": "request_supplement", "reason": "Thiếu bản sao", "missing": [{"name": "Bản sao CCCD", "kind": "copy", "count": 1}]}),
    );
    assert_eq!(s, 200, "{r}");
    until("synced", || status(&app, &admin)["pending"] == 0);
    let st = p.state();
    assert_eq!(st["dossiers"][&code]["TrangThaiHoSo"], "9", "{st}");
    assert_eq!(st["dossiers"][&code]["MaTTHC"], "2.000123.000.00.00.H40");
    assert_eq!(
        st["calls"]["DangNhap"], 1,
        "one login for all the calls: {st}"
    );

    // The province ends every session: the connector logs in again by itself.
    p.faults(json!({"token_expired": true}));
    let (s, _) = app.post(
        &format!("/api/v1/dossiers/{code}/actions"),
        &officer,
        json!({"action": "resume"}),
    );
    assert_eq!(s, 200);
    until("synced again", || status(&app, &admin)["pending"] == 0);
    let st = p.state();
    assert_eq!(st["calls"]["DangNhap"], 2, "{st}");
    assert_eq!(st["dossiers"][&code]["TrangThaiHoSo"], "4");

    // The password is in a file of its own, readable by the service only, and nowhere else.
    let secret_file = app.data_dir().join("province.secret");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&secret_file)
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
    let (_, metrics) = app.raw("GET", "/metrics", Some(&admin), None, "");
    assert!(!metrics.contains(TOKEN));
    let mut backup = Vec::new();
    app.running().services.store.export(&mut backup).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&backup[..]), &mut text)
        .unwrap();
    assert!(
        text.contains("province_profile") && !text.contains(TOKEN),
        "backup holds the profile, not the password"
    );

    // After a restart the saved profile connects again (no configuration needed).
    let app = app.restart();
    let admin = app.login("admin");
    assert_eq!(status(&app, &admin)["enabled"], true);
}

#[test]
fn a_poison_dossier_at_the_head_never_holds_up_the_others() {
    let p = Province::start();
    let app = connected(&p);
    let admin = app.login("admin");
    let officer = app.login("canbo1");
    p.faults(json!({"reject_codes": ["1.001193"]}));
    // The bad one first: it is the oldest, at the head of every round.
    let bad = receive(&app, &officer, "1.001193")["code"]
        .as_str()
        .unwrap()
        .to_string();
    let good: Vec<String> = (0..12)
        .map(|_| {
            receive(&app, &officer, "1.004873")["code"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    until("the others through", || {
        let s = status(&app, &admin);
        s["pending"] == 0 && s["rejected"] == 1
    });
    let st = p.state();
    for c in &good {
        assert!(st["dossiers"].get(c).is_some(), "{c} reached the province");
    }
    assert!(st["dossiers"].get(&bad).is_none());
    // Only one attempt at the poison one: a rejection is not retried by itself.
    assert_eq!(status(&app, &admin)["rejected_list"][0]["attempts"], 0);
}

#[test]
fn an_unknown_reply_is_never_success_it_stays_pending_and_shows() {
    let p = Province::start();
    let app = connected(&p);
    let admin = app.login("admin");
    let officer = app.login("canbo1");
    // error_code "0" but words no table knows, on every changing call.
    p.faults(json!({"odd_reply": 1000}));
    let code = receive(&app, &officer, "1.004873")["code"]
        .as_str()
        .unwrap()
        .to_string();
    until("the odd reply seen", || {
        status(&app, &admin)["last_error"].is_string()
    });
    let s = status(&app, &admin);
    assert_eq!(
        (s["pending"].as_u64(), s["acked"].as_u64()),
        (Some(1), Some(0)),
        "{s}"
    );
    assert!(
        s["last_error"]
            .as_str()
            .unwrap()
            .contains("trả lời không rõ"),
        "{s}"
    );
    assert!(s["last_success_at"].is_null());
    // What the alert rule reads: waiting, and since when.
    let (_, m) = app.raw("GET", "/metrics", Some(&admin), None, "");
    assert!(m.contains("motcua_sync_pending 1"), "{m}");
    assert!(
        !m.contains("motcua_sync_oldest_pending_timestamp_seconds 0\n"),
        "{m}"
    );
    // The province answers properly again: the admin's *Gửi ngay* sends it without
    // waiting out the backoff.
    p.faults(json!({}));
    let (s, r) = app.post("/api/v1/sync/retry-now", &admin, json!({}));
    assert_eq!((s, r["brought_forward"].as_u64()), (200, Some(1)), "{r}");
    until("sent", || status(&app, &admin)["pending"] == 0);
    assert!(p.state()["dossiers"].get(&code).is_some());
}

#[test]
fn dates_are_vietnam_time_whatever_the_host_zone() {
    // The simulator (a separate process) and the app run with a far-away zone; the packet
    // still says 08:00 for a dossier received at 08:00 in Vietnam.
    std::env::set_var("TZ", "America/Los_Angeles");
    let p = Province::start();
    let app = connected(&p);
    let admin = app.login("admin");
    let officer = app.login("canbo1");
    let code = receive(&app, &officer, "1.004873")["code"]
        .as_str()
        .unwrap()
        .to_string();
    until("sent", || status(&app, &admin)["pending"] == 0);
    let st = p.state();
    assert_eq!(
        st["dossiers"][&code]["NgayTiepNhan"], "20260305080000",
        "{st}"
    );
    assert_eq!(st["steps"][&code]["1"]["ThoiDiemXuLy"], "20260305080000");
}

#[test]
fn a_book_import_is_synced_unless_it_says_the_old_system_sent_it() {
    let p = Province::start();
    let app = connected(&p);
    let admin = app.login("admin");
    let book = |who: &str| {
        format!(
            "procedure_code,applicant_name,channel,received_at,status\n\
             1.004873,{who} Một,1,2026-03-02 08:00,4\n1.004873,{who} Hai,1,2026-03-02 09:00,2\n"
        )
    };
    let (s, r) = app.raw(
        "POST",
        "/api/v1/dossiers/import?da_dong_bo=1",
        Some(&admin),
        Some(book("Đã Gửi")),
        "text/csv",
    );
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        status(&app, &admin)["pending"],
        0,
        "nothing to send for the old system's rows"
    );
    let (s, r) = app.raw(
        "POST",
        "/api/v1/dossiers/import",
        Some(&admin),
        Some(book("Chưa Gửi")),
        "text/csv",
    );
    assert_eq!(s, 200, "{r}");
    until("the new rows sent", || {
        let s = status(&app, &admin);
        s["pending"] == 0 && s["acked"] == 2
    });
    let names: Vec<String> = p.state()["dossiers"]
        .as_object()
        .unwrap()
        .values()
        .map(|h| h["ChuHoSo"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.iter().all(|n| n.starts_with("Chưa Gửi")), "{names:?}");
}

#[test]
fn reconciliation_finds_what_the_province_lost_or_holds_stale_and_sends_it_again() {
    let p = Province::start();
    let app = connected(&p);
    let admin = app.login("admin");
    let officer = app.login("canbo1");
    let codes: Vec<String> = (0..3)
        .map(|_| {
            receive(&app, &officer, "1.004873")["code"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    until("synced", || status(&app, &admin)["pending"] == 0);
    // The province loses one dossier.
    ureq::delete(&format!("{}/_sim/dossiers/{}", p.base, codes[0]))
        .call()
        .unwrap();
    let (s, r) = app.post("/api/v1/sync/reconcile", &admin, json!({}));
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        (
            r["checked"].as_u64(),
            r["missing"].as_u64(),
            r["differing"].as_u64()
        ),
        (Some(3), Some(1), Some(0)),
        "{r}"
    );
    until("sent again", || status(&app, &admin)["pending"] == 0);
    assert!(p.state()["dossiers"].get(&codes[0]).is_some());
    let (s, r) = app.post("/api/v1/sync/reconcile", &admin, json!({}));
    assert_eq!(
        (s, r["missing"].as_u64(), r["differing"].as_u64()),
        (200, Some(0), Some(0)),
        "{r}"
    );
    assert_eq!(status(&app, &admin)["reconciled"]["checked"], 3);
    // A delivery reordered on the way: an older snapshot of a dossier lands after the
    // newer one (here replayed straight at the province). Reconciliation sees the
    // difference and the dossier goes again whole.
    let mut stale = p.state()["dossiers"][&codes[1]].clone();
    stale["TrangThaiHoSo"] = "1".into();
    ureq::post(&format!("{}/HoSo/CapNhat", p.base))
        .set("Authorization", &format!("Bearer {TOKEN}"))
        .send_json(json!([stale]))
        .unwrap();
    let (_, r) = app.post("/api/v1/sync/reconcile", &admin, json!({}));
    assert_eq!(r["differing"], 1, "{r}");
    until("healed", || status(&app, &admin)["pending"] == 0);
    assert_eq!(p.state()["dossiers"][&codes[1]]["TrangThaiHoSo"], "2");
    let (_, r) = app.post("/api/v1/sync/reconcile", &admin, json!({}));
    assert_eq!(
        (r["missing"].as_u64(), r["differing"].as_u64()),
        (Some(0), Some(0)),
        "{r}"
    );
    // An officer may not start it.
    let (s, _) = app.post("/api/v1/sync/reconcile", &officer, json!({}));
    assert_eq!(s, 403);

    // The nightly pass: not before 21:00, once a day after.
    let services = &app.running().services;
    assert_eq!(
        services.reconcile_if_due().unwrap(),
        None,
        "08:00 is not night"
    );
    app.clock.advance(chrono::Duration::hours(14)); // 22:00
    assert!(services.reconcile_if_due().unwrap().is_some());
    assert_eq!(services.reconcile_if_due().unwrap(), None, "once a night");
}

#[test]
fn an_online_dossier_appears_live_on_the_counter_and_the_book_not_on_the_board() {
    let p = Province::start();
    let app = connected(&p);
    let officer = app.login("canbo1");
    let mut feed = crate::helpers::Sse::connect(&app, &officer, None);
    let mut board = crate::helpers::Sse::connect(&app, &app.display, None);
    ureq::post(&format!("{}/_sim/online", p.base))
        .send_json(online_hoso(
            "000.00.00.H40-260304-0031",
            "1.004873",
            "Trịnh Văn Tâm",
        ))
        .unwrap();
    app.post("/api/v1/sync/pull", &officer, json!({}));
    let (_, ev) = feed.next_named("dossier_changed");
    assert_eq!(ev["action"], "register_online", "{ev}");
    assert_eq!(ev["channel"], 2);
    assert!(
        !ev.to_string().contains("Trịnh"),
        "no names in the feed: {ev}"
    );
    // The board gets the next live event (a ticket), never the dossier change before it.
    app.issue(1, None);
    let (_, name, _) = board.next();
    let name = if name == "hello" {
        board.next().1
    } else {
        name
    };
    assert_eq!(name, "ticket_issued");
    // Both pages carry the live panel.
    for path in ["/ho-so", "/counter"] {
        let (_, page) = app.raw("GET", path, Some(&officer), None, "");
        assert!(
            page.contains("id=\"online-waiting\"") && page.contains("/static/online.js"),
            "{path}"
        );
    }
}

#[test]
fn a_fifty_megabyte_reply_is_read_in_part_and_retried() {
    let p = Province::start();
    let app = connected(&p);
    let admin = app.login("admin");
    let officer = app.login("canbo1");
    p.faults(json!({"huge_reply": 1}));
    let code = receive(&app, &officer, "1.004873")["code"]
        .as_str()
        .unwrap()
        .to_string();
    until("the huge reply seen", || {
        status(&app, &admin)["last_error"].is_string()
    });
    let s = status(&app, &admin);
    assert_eq!(
        (s["pending"].as_u64(), s["acked"].as_u64()),
        (Some(1), Some(0)),
        "{s}"
    );
    let why = s["last_error"].as_str().unwrap();
    assert!(
        why.contains("không phải JSON") && why.chars().count() < 300,
        "a short reason: {why}"
    );
    app.post("/api/v1/sync/retry-now", &admin, json!({}));
    until("sent", || status(&app, &admin)["pending"] == 0);
    assert!(p.state()["dossiers"].get(&code).is_some());
}

#[test]
fn an_inbox_dossier_is_routed_by_itself_once_the_catalogue_has_its_procedure() {
    let p = Province::start();
    let app = connected(&p);
    let admin = app.login("admin");
    let officer = app.login("canbo1");
    ureq::post(&format!("{}/_sim/online", p.base))
        .send_json(online_hoso(
            "000.00.00.H40-260304-0041",
            "1.777777",
            "Mai Văn Lộc",
        ))
        .unwrap();
    app.post("/api/v1/sync/pull", &officer, json!({}));
    assert_eq!(app.running().services.online_inbox().unwrap().len(), 1);
    // The admin adds the procedure to the catalogue (a copy of one it has, new code).
    let (_, cat) = app.call("GET", "/api/v1/procedures", None, None);
    let mut procs = cat["procedures"].as_array().unwrap().clone();
    let mut extra = procs[0].clone();
    extra["code"] = "1.777777".into();
    extra["name"] = "Thủ tục tỉnh mới giao".into();
    procs.push(extra);
    let (s, r) = app.call(
        "PUT",
        "/api/v1/procedures",
        Some(&admin),
        Some(json!({"procedures": procs})),
    );
    assert_eq!(s, 200, "{r}");
    let (_, pulled) = app.post("/api/v1/sync/pull", &officer, json!({}));
    assert_eq!(pulled["stored"], 1, "{pulled}");
    assert!(app.running().services.online_inbox().unwrap().is_empty());
}
