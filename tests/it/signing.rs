//! Verifying signed PDFs over HTTP: the demo's own PKI pinned, verdicts in Vietnamese.

use motcua::clock::Clock;
use serde_json::Value;

use crate::helpers::TestApp;

pub fn a_pdf() -> Vec<u8> {
    let s = motcua::devices::scanner::ScanSettings::a4(
        motcua::devices::scanner::InputSource::Platen,
        motcua::devices::scanner::ColorMode::Gray,
        75,
    );
    let page = motcua::devices::scanner::sim::render_page(&s, 1, 1).unwrap();
    motcua::render::pdf::pdf_from_jpegs(&[&page], "Kết quả").unwrap()
}

fn verify(app: &TestApp, token: &str, pdf: &[u8]) -> (u16, Value) {
    let (s, _, body) = app.bytes(
        "POST",
        "/api/v1/signatures/verify",
        Some(token),
        Some(pdf),
        "application/pdf",
    );
    (s, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

#[test]
fn an_officer_checks_signed_pdfs_against_the_pinned_roots() {
    let app = TestApp::start();
    let officer = app.login("canbo1");
    let services = &app.running().services;
    services.ensure_demo_pki().unwrap();
    let now = app.clock.now();
    let info = |name: &'static str| motcua::sign::pdf::SigInfo {
        field: "ChuKy1",
        name,
        reason: "Ký kết quả giải quyết",
        at: now,
        look: motcua::sign::appearance::Look::Hidden,
    };
    let signed = motcua::sign::sign_pdf(
        &a_pdf(),
        &services.demo_signer(1).unwrap(),
        &info("Nguyễn Văn An"),
    )
    .unwrap();
    let (s, r) = verify(&app, &officer, &signed);
    assert_eq!(s, 200, "{r}");
    assert_eq!(r[0]["verdict"], "hop_le", "{r}");
    assert_eq!(r[0]["signer"], "Nguyễn Văn An");
    assert_eq!(r[0]["organisation"], "UBND xã Tân Phú");

    let mut flipped = signed.clone();
    flipped[150] ^= 1;
    let (_, r) = verify(&app, &officer, &flipped);
    assert_eq!(r[0]["verdict"], "khong_hop_le", "{r}");
    assert!(r[0]["reason"]
        .as_str()
        .unwrap()
        .contains("thay đổi sau khi ký"));

    // Signed under a root the center never pinned: the signature holds, the signer is unknown.
    let other = motcua::sign::DemoPki::new("xã Khác", &["Người Lạ"], now).unwrap();
    let foreign =
        motcua::sign::sign_pdf(&a_pdf(), &other.signer(1).unwrap(), &info("Người Lạ")).unwrap();
    let (_, r) = verify(&app, &officer, &foreign);
    assert_eq!(r[0]["verdict"], "khong_xac_dinh", "{r}");

    // Not a PDF, or one without a signature: said plainly, in Vietnamese.
    let (s, e) = verify(&app, &officer, b"MZ\x90\x00 not a pdf");
    assert!(s == 400 || s == 422, "{s} {e}");
    assert!(
        e["message"].as_str().unwrap().contains("không phải PDF"),
        "{e}"
    );
    let (_, e) = verify(&app, &officer, &a_pdf());
    assert!(
        e["message"].as_str().unwrap().contains("không có chữ ký"),
        "{e}"
    );

    // A device may not use it; the page is there for staff.
    let (s, _) = verify(&app, &app.kiosk, &signed);
    assert_eq!(s, 403);
    let (s, page) = app.raw("GET", "/ky-so", Some(&officer), None, "");
    assert_eq!(s, 200);
    assert!(page.contains("Kiểm tra chữ ký số") && page.contains("/static/signatures.js"));
}

#[test]
fn a_leader_signs_the_result_and_the_stored_file_is_the_signed_one() {
    let app = TestApp::start();
    app.running().services.ensure_demo_pki().unwrap();
    let admin = app.login("admin");
    let officer = app.login("canbo1");
    let d = crate::dossiers::receive(&app, &officer, "1.004873");
    let code = d["code"].as_str().unwrap().to_string();
    let act = |body: Value| app.post(&format!("/api/v1/dossiers/{code}/actions"), &officer, body);
    // Nothing to sign yet.
    let (s, _) = app.raw(
        "POST",
        &format!("/ho-so/{code}/ky-so"),
        Some(&admin),
        None,
        "",
    );
    assert!(s == 400 || s == 422, "{s}");
    let (s, r) = act(serde_json::json!({"action": "resolve"}));
    assert_eq!(s, 200, "{r}");
    let pdf = a_pdf();
    let (s, _, body) = app.bytes(
        "PUT",
        &format!("/api/v1/dossiers/{code}/files/result?filename=ket-qua.pdf"),
        Some(&officer),
        Some(&pdf),
        "application/pdf",
    );
    assert_eq!(s, 200, "{}", String::from_utf8_lossy(&body));
    // Not signed yet: the citizen's lookup offers no download.
    let token = app.running().services.dossier(&code).unwrap().lookup_token;
    let (s, _) = app.raw(
        "GET",
        &format!("/tra-cuu/{token}/ket-qua.pdf"),
        None,
        None,
        "",
    );
    assert_eq!(s, 404, "an unsigned result stays at the desk");
    // An officer may not sign; the admin (or a leader) may.
    let (s, _) = app.raw(
        "POST",
        &format!("/ho-so/{code}/ky-so"),
        Some(&officer),
        None,
        "",
    );
    assert_eq!(s, 403);
    let (_, page) = app.raw("GET", &format!("/ho-so/{code}"), Some(&admin), None, "");
    assert!(page.contains("Ký số kết quả"), "the button for the admin");
    let (s, _) = app.raw(
        "POST",
        &format!("/ho-so/{code}/ky-so"),
        Some(&admin),
        None,
        "",
    );
    assert_eq!(s, 303);
    let (s, _, signed) = app.bytes(
        "GET",
        &format!("/api/v1/dossiers/{code}/files/result"),
        Some(&officer),
        None,
        "",
    );
    assert_eq!(s, 200);
    assert_eq!(
        &signed[..pdf.len()],
        &pdf[..],
        "the signatures are appended to the result as it was"
    );
    let (_, r) = verify(&app, &officer, &signed);
    assert_eq!(r.as_array().unwrap().len(), 2, "{r}");
    assert!(
        r.as_array()
            .unwrap()
            .iter()
            .all(|x| x["verdict"] == "hop_le"),
        "{r}"
    );
    assert_eq!(r[0]["signer"], "Nguyễn Văn An");
    assert_eq!(r[1]["signer"], "UBND xã Tân Phú");
    let d = app.running().services.dossier(&code).unwrap();
    assert!(
        d.history
            .last()
            .unwrap()
            .note
            .starts_with("Ký số kết quả: Nguyễn Văn An"),
        "{:?}",
        d.history.last()
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
    assert!(
        page.contains(
            "chữ ký số: Hợp lệ — Nguyễn Văn An (UBND xã Tân Phú); Hợp lệ — UBND xã Tân Phú"
        ),
        "{page}"
    );

    // The citizen downloads it from the receipt's link, no login.
    let (_, page) = app.raw("GET", &format!("/tra-cuu/{token}"), None, None, "");
    assert!(page.contains("Tải kết quả đã ký số"), "{page}");
    let (s, _, public) = app.bytes(
        "GET",
        &format!("/tra-cuu/{token}/ket-qua.pdf"),
        None,
        None,
        "",
    );
    assert_eq!((s, public == signed), (200, true));
    let (s, _) = app.raw("GET", "/tra-cuu/not-a-token/ket-qua.pdf", None, None, "");
    assert_eq!(s, 404);

    // The province's packet links to it once the center has a public address.
    let d = app.running().services.dossier(&code).unwrap();
    let cx = |base: &str| motcua::domain::sync::Context {
        public_base: base.into(),
        ..Default::default()
    };
    let packet = motcua::domain::sync::hoso(&d, &cx("https://motcua.tanphu.gov.vn"));
    assert_eq!(packet.danh_sach_giay_to_ket_qua.len(), 1);
    assert_eq!(
        packet.danh_sach_giay_to_ket_qua[0].duong_dan_tep_tin_ket_qua,
        format!("https://motcua.tanphu.gov.vn/tra-cuu/{token}/ket-qua.pdf")
    );
    assert!(
        motcua::domain::sync::hoso(&d, &cx(""))
            .danh_sach_giay_to_ket_qua
            .is_empty(),
        "no address, no link"
    );

    // The report counts it beside index 4.2: one result signed of one resolved.
    let (_, rep) = app.call(
        "GET",
        "/api/v1/reports/dossiers?from=2026-03-01&to=2026-03-31",
        Some(&admin),
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
                .starts_with("Kết quả giải quyết được ký số")
        })
        .cloned()
        .unwrap();
    assert_eq!(row["rate"]["numerator"], 1, "{row}");
    assert_eq!(row["rate"]["denominator"], 1, "{row}");

    // A result signed elsewhere, under a root not pinned here, is verified on upload.
    let other = motcua::sign::DemoPki::new("xã Khác", &["Người Lạ"], app.clock.now()).unwrap();
    let foreign = motcua::sign::sign_pdf(
        &a_pdf(),
        &other.signer(1).unwrap(),
        &motcua::sign::pdf::SigInfo {
            field: "S",
            name: "Người Lạ",
            reason: "r",
            at: app.clock.now(),
            look: motcua::sign::appearance::Look::Hidden,
        },
    )
    .unwrap();
    let (s, _, _) = app.bytes(
        "PUT",
        &format!("/api/v1/dossiers/{code}/files/result?filename=tu-noi-khac.pdf"),
        Some(&officer),
        Some(&foreign),
        "application/pdf",
    );
    assert_eq!(s, 200);
    let d = app.running().services.dossier(&code).unwrap();
    let f = d.files.iter().find(|f| f.slot.key() == "result").unwrap();
    assert!(
        f.signatures[0].starts_with("Không xác định — Người Lạ"),
        "{:?}",
        f.signatures
    );
}

/// The timestamping authority as its own process (`motcua sim tsa`); killed when dropped.
struct Tsa {
    child: std::process::Child,
    url: String,
    root: Vec<u8>,
    _dir: tempfile::TempDir,
}

impl Tsa {
    fn start() -> Tsa {
        use std::io::BufRead;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("tsa-root.der");
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_motcua"))
            .args(["sim", "tsa", "--listen", "127.0.0.1:0", "--root-out"])
            .arg(&root)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap()
            .to_string();
        Tsa {
            child,
            url,
            root: std::fs::read(&root).unwrap(),
            _dir: dir,
        }
    }
}

impl Drop for Tsa {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_configured_tsa_stamps_both_signatures_and_one_that_is_down_does_not_stop_signing() {
    let tsa = Tsa::start();
    let app = TestApp::start();
    app.running().services.ensure_demo_pki().unwrap();
    let admin = app.login("admin");
    let officer = app.login("canbo1");
    let dir = app.data_dir().join("trust").join("tsa");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("tsa-root.der"), &tsa.root).unwrap();
    let (s, e) = app.call(
        "PUT",
        "/api/v1/signers/tsa",
        Some(&admin),
        Some(serde_json::json!({"url": "ftp://x"})),
    );
    assert_eq!(s, 422, "{e}");
    let (s, _) = app.call(
        "PUT",
        "/api/v1/signers/tsa",
        Some(&admin),
        Some(serde_json::json!({"url": tsa.url})),
    );
    assert_eq!(s, 204);
    let sign = |app: &TestApp| {
        let d = crate::dossiers::receive(app, &officer, "1.004873");
        let code = d["code"].as_str().unwrap().to_string();
        let (s, r) = app.post(
            &format!("/api/v1/dossiers/{code}/actions"),
            &officer,
            serde_json::json!({"action": "resolve"}),
        );
        assert_eq!(s, 200, "{r}");
        let (s, _, _) = app.bytes(
            "PUT",
            &format!("/api/v1/dossiers/{code}/files/result?filename=kq.pdf"),
            Some(&officer),
            Some(&a_pdf()),
            "application/pdf",
        );
        assert_eq!(s, 200);
        let (s, _) = app.raw(
            "POST",
            &format!("/ho-so/{code}/ky-so"),
            Some(&admin),
            None,
            "",
        );
        assert_eq!(s, 303);
        let (_, _, signed) = app.bytes(
            "GET",
            &format!("/api/v1/dossiers/{code}/files/result"),
            Some(&officer),
            None,
            "",
        );
        (code, signed)
    };
    let (code, signed) = sign(&app);
    let (_, r) = verify(&app, &officer, &signed);
    for x in r.as_array().unwrap() {
        assert_eq!(x["verdict"], "hop_le", "{r}");
        assert!(
            x["timestamp"]
                .as_str()
                .unwrap()
                .ends_with("Máy chủ dấu thời gian mô phỏng"),
            "{r}"
        );
    }
    let note = &app.running().services.dossier(&code).unwrap().history;
    assert!(!note.last().unwrap().note.contains("dấu thời gian"));

    // The TSA stops answering: the result is still signed, without a timestamp, and
    // the history says so.
    drop(tsa);
    let (code, signed) = sign(&app);
    let (_, r) = verify(&app, &officer, &signed);
    assert!(r
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["verdict"] == "hop_le" && x.get("timestamp").is_none()));
    let d = app.running().services.dossier(&code).unwrap();
    let note = &d.history.last().unwrap().note;
    assert!(note.contains("Không lấy được dấu thời gian"), "{note}");
}

#[test]
fn an_oversized_upload_is_refused_whole_and_stores_nothing() {
    let app = TestApp::start();
    let officer = app.login("canbo1");
    // 51 MB of a "PDF": past the 50 MB bound of both the verifier and an e-copy's original.
    let mut big = b"%PDF-1.7\n".to_vec();
    big.resize(51 * 1024 * 1024, b' ');
    for path in [
        "/api/v1/signatures/verify",
        "/api/v1/ecopies?citizen=Nguy%E1%BB%85n%20V%C4%83n%20A&document=Gi%E1%BA%A5y%20khai%20sinh&copies=1",
    ] {
        let r = ureq::AgentBuilder::new()
            .build()
            .post(&app.url(path))
            .set("Authorization", &format!("Bearer {officer}"))
            .set("Content-Type", "application/pdf")
            .send_bytes(&big);
        match r {
            Err(ureq::Error::Status(code, resp)) => {
                assert_eq!(code, 413, "{path}");
                let v: Value = resp.into_json().unwrap();
                assert!(v["message"].as_str().unwrap().contains("quá lớn"), "{v}");
            }
            // The server may close the connection as soon as it has said no.
            Err(ureq::Error::Transport(_)) => {}
            Ok(r) => panic!("{path}: accepted {}", r.status()),
        }
    }
    let (_, list) = app.call("GET", "/api/v1/ecopies", Some(&officer), None);
    assert_eq!(list.as_array().map(|a| a.len()), Some(0), "{list}");
}
