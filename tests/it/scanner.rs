//! The simulated eSCL scanner against a real eSCL client: Debian's sane-airscan driven by
//! `scanimage`. If this passes, the simulator speaks eSCL as devices do, and what the
//! appliance learned from it holds for real scanners too.

use std::path::Path;
use std::process::Command;

use motcua::devices::scanner::sim::{self, SimScanner, SimScannerConfig};

fn scanimage_available() -> bool {
    let ok = Command::new("scanimage").arg("--version").output().is_ok();
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "scanimage is missing in CI: .ci/run installs sane-utils and sane-airscan"
        );
        eprintln!("\n*** SKIPPED: `scanimage` not installed (apt-get install sane-utils sane-airscan) ***\n");
    }
    ok
}

fn sane_config(dir: &Path, port: u16) {
    std::fs::write(dir.join("dll.conf"), "airscan\n").unwrap();
    std::fs::write(
        dir.join("airscan.conf"),
        format!("[devices]\n\"Sim\" = http://127.0.0.1:{port}/eSCL, eSCL\n[options]\ndiscovery = disable\n"),
    )
    .unwrap();
}

fn png_info(path: &Path) -> (u32, u32, png::ColorType) {
    let d = png::Decoder::new(std::fs::File::open(path).unwrap());
    let r = d.read_info().unwrap();
    let i = r.info();
    (i.width, i.height, i.color_type)
}

fn scanimage(conf: &Path, args: &[&str]) -> std::process::Output {
    Command::new("scanimage")
        .env("SANE_CONFIG_DIR", conf)
        .args(args)
        .output()
        .expect("run scanimage")
}

#[test]
fn scanimage_lists_and_scans_from_the_simulated_scanner() {
    if !scanimage_available() {
        return;
    }
    let device = SimScanner::shared(SimScannerConfig {
        feeder_sheets: 3,
        auto_reload: false,
        ..Default::default()
    });
    let addr = sim::spawn("127.0.0.1:0", device.clone()).unwrap();
    let conf = tempfile::tempdir().unwrap();
    sane_config(conf.path(), addr.port());

    let list = scanimage(conf.path(), &["-L"]);
    let listing = String::from_utf8_lossy(&list.stdout);
    assert!(
        listing.contains("airscan:e0:Sim"),
        "scanimage -L: {listing}"
    );

    // The glass: one grey A4 page at 100 dpi.
    let out = conf.path().join("glass.png");
    let r = scanimage(
        conf.path(),
        &[
            "-d",
            "airscan:e0:Sim",
            "--source",
            "Flatbed",
            "--mode",
            "Gray",
            "--resolution",
            "100",
            "-x",
            "210",
            "-y",
            "297",
            "--format=png",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let (w, h, ct) = png_info(&out);
    assert_eq!(ct, png::ColorType::Grayscale);
    // 210 × 297 mm at 100 dpi, give or take rounding of the region.
    assert!(
        (826..=828).contains(&w) && (1168..=1170).contains(&h),
        "{w}×{h}"
    );

    // The feeder: the three sheets in colour, then "out of documents".
    let pattern = conf.path().join("page%d.png");
    let r = scanimage(
        conf.path(),
        &[
            "-d",
            "airscan:e0:Sim",
            "--source",
            "ADF",
            "--mode",
            "Color",
            "--resolution",
            "75",
            "--format=png",
            &format!("--batch={}", pattern.display()),
        ],
    );
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.contains("3 pages"), "{err}");
    for i in 1..=3 {
        let (_, _, ct) = png_info(&conf.path().join(format!("page{i}.png")));
        assert_eq!(ct, png::ColorType::Rgb);
    }
    assert!(!conf.path().join("page4.png").exists());

    // An empty feeder is reported as such by the real client.
    let r = scanimage(
        conf.path(),
        &[
            "-d",
            "airscan:e0:Sim",
            "--source",
            "ADF",
            "--format=png",
            "-o",
            conf.path().join("x.png").to_str().unwrap(),
        ],
    );
    assert!(!r.status.success());
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.to_lowercase().contains("out of documents"), "{err}");
    let log = device.lock().unwrap().requests.clone();
    assert!(log.iter().any(|l| l == "POST /eSCL/ScanJobs"), "{log:?}");
}

mod into_dossiers {
    use serde_json::json;

    use super::*;
    use crate::dossiers::receive;
    use crate::helpers::TestApp;

    fn wait_done(app: &TestApp, token: &str, job: &serde_json::Value) -> serde_json::Value {
        let id = job["id"].as_u64().unwrap();
        let mut v = job.clone();
        // Long poll: each call returns when the job changed (or after 20 s).
        for _ in 0..50 {
            if v["state"] != "running" {
                return v;
            }
            let (s, next) = app.call(
                "GET",
                &format!("/api/v1/scans/{id}?after={}", v["version"]),
                Some(token),
                None,
            );
            assert_eq!(s, 200, "{next}");
            v = next;
        }
        panic!("scan job did not finish: {v}");
    }

    fn jpeg_page() -> Vec<u8> {
        let s = motcua::devices::scanner::ScanSettings::a4(
            motcua::devices::scanner::InputSource::Platen,
            motcua::devices::scanner::ColorMode::Gray,
            75,
        );
        motcua::devices::scanner::sim::render_page(&s, 1, 1).unwrap()
    }

    #[test]
    fn three_feeder_pages_become_one_pdf_on_the_dossier() {
        let app = TestApp::start();
        let device = SimScanner::shared(SimScannerConfig {
            feeder_sheets: 3,
            auto_reload: false,
            ..Default::default()
        });
        let addr = sim::spawn("127.0.0.1:0", device.clone()).unwrap();
        let admin = app.login("admin");
        let officer = app.login("canbo1");
        let (s, e) = app.post(
            "/api/v1/scanners",
            &admin,
            json!({"name": "Máy quét quầy 1", "url": format!("http://{addr}/eSCL")}),
        );
        assert_eq!(s, 200, "{e}");
        assert_eq!(e["id"], "may-quet-quay-1");
        // Officers may not configure scanners.
        let (s, _) = app.post(
            "/api/v1/scanners",
            &officer,
            json!({"name": "x", "url": "http://h"}),
        );
        assert_eq!(s, 403);
        let (s, st) = app.call(
            "GET",
            "/api/v1/scanners/may-quet-quay-1/status",
            Some(&officer),
            None,
        );
        assert_eq!(s, 200);
        assert_eq!(st["online"], true, "{st}");
        assert_eq!(st["feeder"], "Có giấy trong khay");

        let d = receive(&app, &officer, "1.004873");
        let code = d["code"].as_str().unwrap();
        assert_eq!(d["digitized"], false);
        let (_, _, metrics) = app.bytes("GET", "/metrics", None, None, "");
        let metrics = String::from_utf8_lossy(&metrics).to_string();
        assert!(
            metrics.contains("motcua_dossiers_received_today 1"),
            "{metrics}"
        );
        assert!(metrics.contains("motcua_dossiers_overdue 0"));
        assert!(metrics.contains("motcua_scanners_configured 1"));
        let papers = d["papers"].as_array().unwrap().len();
        assert!(papers >= 1);

        let scan = |slot: &str, extra: serde_json::Value| {
            let mut body = json!({"scanner": "may-quet-quay-1", "slot": slot, "source": "feeder", "color": "gray", "dpi": 75});
            for (k, v) in extra.as_object().unwrap() {
                body[k] = v.clone();
            }
            app.post(&format!("/api/v1/dossiers/{code}/scans"), &officer, body)
        };
        let (s, job) = scan("paper-0", json!({}));
        assert_eq!(s, 202, "{job}");
        let done = wait_done(&app, &officer, &job);
        assert_eq!(done["state"], "done", "{done}");
        assert_eq!(done["pages"], 3);
        // The only paper has its file: the dossier counts for Decision 766 index 4.2.
        let (_, rep) = app.call(
            "GET",
            "/api/v1/reports/dossiers?from=2026-03-01&to=2026-03-31",
            Some(&admin),
            None,
        );
        let ix = rep["decision_766"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["code"] == "4.2")
            .unwrap()
            .clone();
        let expect = if papers == 1 { 1 } else { 0 };
        assert_eq!(
            (
                ix["rate"]["numerator"].as_u64(),
                ix["rate"]["denominator"].as_u64()
            ),
            (Some(expect), Some(1)),
            "{ix}"
        );
        // Thumbnails of the job's pages.
        let (s, ct, img) = app.bytes(
            "GET",
            &format!("/api/v1/scans/{}/pages/3", job["id"]),
            Some(&officer),
            None,
            "",
        );
        assert_eq!((s, ct.as_str()), (200, "image/jpeg"));
        assert!(img.starts_with(&[0xFF, 0xD8]));

        let (_, d) = app.call(
            "GET",
            &format!("/api/v1/dossiers/{code}"),
            Some(&officer),
            None,
        );
        let f = &d["files"][0];
        assert_eq!(
            (f["slot"].as_str(), f["pages"].as_u64()),
            (Some("paper-0"), Some(3))
        );
        let last = d["history"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["event"], "digitized");
        assert!(last["note"]
            .as_str()
            .unwrap()
            .contains(f["sha256"].as_str().unwrap()));
        let (s, ct, pdf) = app.bytes("GET", f["url"].as_str().unwrap(), Some(&officer), None, "");
        assert_eq!((s, ct.as_str()), (200, "application/pdf"));
        assert_eq!(motcua::render::pdf::count_pdf_pages(&pdf), Some(3));
        assert_eq!(
            motcua::store::files::sha256_hex(&pdf),
            f["sha256"].as_str().unwrap()
        );
        // Nobody without a staff role gets the file.
        let (s, _, _) = app.bytes("GET", f["url"].as_str().unwrap(), None, None, "");
        assert_eq!(s, 401);
        let (s, _, _) = app.bytes(
            "GET",
            f["url"].as_str().unwrap(),
            Some(&app.kiosk),
            None,
            "",
        );
        assert_eq!(s, 403);

        // The feeder is now empty: the officer is told so and nothing changes.
        let (_, job) = scan("paper-0", json!({}));
        let failed = wait_done(&app, &officer, &job);
        assert_eq!(failed["state"], "failed");
        assert!(
            failed["error"]
                .as_str()
                .unwrap()
                .contains("Khay nạp giấy trống")
                || failed["error"]
                    .as_str()
                    .unwrap()
                    .contains("khay nạp giấy trống"),
            "{failed}"
        );
        // More paper, a jam after one page: that page is added after the first three.
        device
            .lock()
            .unwrap()
            .handle(&motcua::devices::scanner::http1::Request::new(
                "POST",
                "/sim/load?sheets=2",
            ));
        device
            .lock()
            .unwrap()
            .handle(&motcua::devices::scanner::http1::Request::new(
                "POST",
                "/sim/jam?after=1",
            ));
        let (_, job) = scan("paper-0", json!({}));
        let jammed = wait_done(&app, &officer, &job);
        assert_eq!(jammed["state"], "done", "{jammed}");
        assert!(
            jammed["error"].as_str().unwrap().contains("Kẹt giấy")
                || jammed["error"].as_str().unwrap().contains("kẹt giấy")
        );
        let (_, d) = app.call(
            "GET",
            &format!("/api/v1/dossiers/{code}"),
            Some(&officer),
            None,
        );
        assert_eq!(d["files"][0]["pages"], 4);

        // The signed result, from the glass (allowed once the dossier is received, so a
        // same-day result can be scanned before it is marked resolved).
        let (s, job) = scan("result", json!({"source": "platen", "color": "color"}));
        assert_eq!(s, 202, "{job}");
        assert_eq!(wait_done(&app, &officer, &job)["pages"], 1);
        // Unknown scanner, unknown paper, absurd resolution.
        let (s, _) = scan("paper-0", json!({"scanner": "nope"}));
        assert_eq!(s, 404);
        let (s, _) = scan("paper-99", json!({}));
        assert_eq!(s, 422);
        let (s, _) = scan("paper-0", json!({"dpi": 5000}));
        assert_eq!(s, 422);
    }

    #[test]
    fn the_e_copy_desk_scans_the_original_straight_into_a_request() {
        let app = TestApp::start();
        let device = SimScanner::shared(SimScannerConfig {
            feeder_sheets: 2,
            auto_reload: false,
            ..Default::default()
        });
        let addr = sim::spawn("127.0.0.1:0", device.clone()).unwrap();
        let admin = app.login("admin");
        let officer = app.login("canbo1");
        let (s, _) = app.post(
            "/api/v1/scanners",
            &admin,
            json!({"name": "Máy quét tư pháp", "url": format!("http://{addr}/eSCL")}),
        );
        assert_eq!(s, 200);
        let (s, page) = app.raw("GET", "/chung-thuc", Some(&officer), None, "");
        assert_eq!(s, 200);
        assert!(page.contains("Quét bản chính") && page.contains("Máy quét tư pháp"));
        let (s, job) = app.post(
            "/api/v1/scans",
            &officer,
            json!({"scanner": "may-quet-tu-phap", "source": "feeder", "color": "gray", "dpi": 75}),
        );
        assert_eq!(s, 202, "{job}");
        let done = wait_done(&app, &officer, &job);
        assert_eq!(done["state"], "done", "{done}");
        assert_eq!(done["pages"], 2);
        assert_eq!(done["dossier"], "");
        let id = done["id"].as_u64().unwrap();
        let q = "citizen=Nguy%E1%BB%85n%20Th%E1%BB%8B%20Hoa&document=Gi%E1%BA%A5y%20khai%20sinh%20s%E1%BB%91%2012&copies=2";
        // A scan that does not exist, then the real one.
        let (s, _) = app.raw(
            "POST",
            &format!("/api/v1/ecopies?{q}&scan=999"),
            Some(&officer),
            Some(String::new()),
            "application/pdf",
        );
        assert_eq!(s, 404);
        let (s, body) = app.raw(
            "POST",
            &format!("/api/v1/ecopies?{q}&scan={id}"),
            Some(&officer),
            Some(String::new()),
            "application/pdf",
        );
        assert_eq!(s, 201, "{body}");
        let r: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(r["pages"], 2, "{r}");
        assert_eq!(r["citizen"], "Nguyễn Thị Hoa");
        assert_eq!(
            r["original_sha256"].as_str(),
            done["pdf_sha256"].as_str(),
            "the request holds the scan's PDF"
        );
    }

    #[test]
    fn uploads_are_the_fallback_and_bad_files_change_nothing() {
        let app = TestApp::start();
        let officer = app.login("canbo1");
        let d = receive(&app, &officer, "1.004873");
        let code = d["code"].as_str().unwrap().to_string();
        let url =
            |slot: &str| format!("/api/v1/dossiers/{code}/files/{slot}?filename=giay%20to.jpg");

        let page = jpeg_page();
        let (s, _, body) = app.bytes(
            "PUT",
            &url("paper-0"),
            Some(&officer),
            Some(&page),
            "image/jpeg",
        );
        assert_eq!(s, 200, "{}", String::from_utf8_lossy(&body));
        let d: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(d["files"][0]["origin"]["filename"], "giay to.jpg");

        // A PDF made elsewhere is stored as it is.
        let pdf = motcua::render::pdf::pdf_from_jpegs(&[&page, &page], "x").unwrap();
        let (s, _, _) = app.bytes(
            "PUT",
            &url("paper-1"),
            Some(&officer),
            Some(&pdf),
            "application/pdf",
        );
        let papers = d["papers"].as_array().unwrap().len();
        if papers > 1 {
            assert_eq!(s, 200);
            let (_, _, back) = app.bytes(
                "GET",
                &format!("/api/v1/dossiers/{code}/files/paper-1"),
                Some(&officer),
                None,
                "",
            );
            assert_eq!(back, pdf);
        }

        let before = app
            .call(
                "GET",
                &format!("/api/v1/dossiers/{code}"),
                Some(&officer),
                None,
            )
            .1;
        // Truncated PDF, not a document at all, empty body, unknown dossier.
        let (s, _, e) = app.bytes(
            "PUT",
            &url("paper-0"),
            Some(&officer),
            Some(&pdf[..pdf.len() / 2]),
            "application/pdf",
        );
        assert_eq!(s, 422, "{}", String::from_utf8_lossy(&e));
        assert!(String::from_utf8_lossy(&e).contains("không trọn vẹn"));
        let (s, _, _) = app.bytes(
            "PUT",
            &url("paper-0"),
            Some(&officer),
            Some(b"MZ\x90\x00"),
            "application/octet-stream",
        );
        assert_eq!(s, 422);
        let (s, _, _) = app.bytes(
            "PUT",
            &url("paper-0"),
            Some(&officer),
            Some(b""),
            "image/jpeg",
        );
        assert_eq!(s, 422);
        let (s, _, _) = app.bytes(
            "PUT",
            "/api/v1/dossiers/NOPE/files/paper-0",
            Some(&officer),
            Some(&page),
            "image/jpeg",
        );
        assert_eq!(s, 404);
        let (s, _, _) = app.bytes(
            "PUT",
            &url("bogus"),
            Some(&officer),
            Some(&page),
            "image/jpeg",
        );
        assert_eq!(s, 422);
        let after = app
            .call(
                "GET",
                &format!("/api/v1/dossiers/{code}"),
                Some(&officer),
                None,
            )
            .1;
        assert_eq!(before, after);

        // Backup → restore elsewhere keeps every digitized file, byte for byte.
        let (s, b) = app.post("/api/v1/backups", &app.login("admin"), json!({}));
        assert!(s == 200 || s == 201, "{b}");
        let mut buf = Vec::new();
        let files = app.running().services.files.clone().unwrap();
        app.running()
            .services
            .store
            .export_with_files(&mut buf, Some(&files))
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let restored_files =
            motcua::store::files::FileStore::open(&dir.path().join("files")).unwrap();
        let restored = motcua::store::Store::import_with_files(
            &dir.path().join("r.redb"),
            &buf[..],
            Some(&restored_files),
        )
        .unwrap();
        let d = restored.read().unwrap().dossier(&code).unwrap().unwrap();
        assert!(!d.files.is_empty());
        for f in &d.files {
            for blob in std::iter::once(&f.pdf).chain(f.pages.iter()) {
                assert_eq!(
                    restored_files.get(&blob.sha256).unwrap(),
                    files.get(&blob.sha256).unwrap()
                );
            }
        }
        // A backup whose file was tampered with does not restore.
        let text = {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&buf[..]), &mut s)
                .unwrap();
            s
        };
        let sha = &d.files[0].pdf.sha256;
        let tampered = text.replace(
            &format!("\"k\":\"{sha}\",\"v\":\"25"),
            &format!("\"k\":\"{sha}\",\"v\":\"26"),
        );
        assert_ne!(tampered, text, "the PDF row starts with %PDF (hex 25)");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, tampered.as_bytes()).unwrap();
        let bad = gz.finish().unwrap();
        let dir2 = tempfile::tempdir().unwrap();
        let fs2 = motcua::store::files::FileStore::open(&dir2.path().join("files")).unwrap();
        assert!(motcua::store::Store::import_with_files(
            &dir2.path().join("r.redb"),
            &bad[..],
            Some(&fs2)
        )
        .is_err());
        assert!(!dir2.path().join("r.redb").exists());

        // Removing a wrong scan is recorded too.
        let (s, d) = app.call(
            "DELETE",
            &format!("/api/v1/dossiers/{code}/files/paper-0"),
            Some(&officer),
            None,
        );
        assert_eq!(s, 200);
        assert!(d["files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["slot"] != "paper-0"));
        let (s, _) = app.call(
            "DELETE",
            &format!("/api/v1/dossiers/{code}/files/paper-0"),
            Some(&officer),
            None,
        );
        assert_eq!(s, 404);
    }

    #[test]
    fn card_qr_fills_the_form_and_never_echoes_a_bad_payload() {
        let app = TestApp::start();
        let officer = app.login("canbo1");
        let good = "001090012345|012345678|Nguyễn Văn An|01021990|Nam|Thôn Đông, xã Tân Phú, Hà Nội|15062021";
        let (s, v) = app.post(
            "/api/v1/citizen/card-qr",
            &officer,
            json!({"payload": good}),
        );
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["name"], "Nguyễn Văn An");
        assert_eq!(v["birth_date"], "01/02/1990");
        assert_eq!(v["sex"], "Nam");
        let bad = "001090012345|012345678|Nguyễn Văn An|31021990|Nam|Thôn Đông|15062021";
        let (s, v) = app.post("/api/v1/citizen/card-qr", &officer, json!({"payload": bad}));
        assert_eq!(s, 422);
        assert!(
            !v.to_string().contains("001090012345") && !v.to_string().contains("Nguyễn"),
            "{v}"
        );
        let (s, _) = app.post(
            "/api/v1/citizen/card-qr",
            &app.kiosk,
            json!({"payload": good}),
        );
        assert_eq!(s, 403);
    }
}
