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
