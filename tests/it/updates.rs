//! Signed bundles over the API and the `motcua update verify` command: what is accepted,
//! what is refused and why, and that a refusal changes nothing.

use serde_json::{json, Value};

use crate::helpers::TestApp;
use motcua::domain::update::{BundleKind, Manifest};
use motcua::update::bundle::{keygen, load_secret_key, parse_public_key, write_bundle};

struct Signer {
    sk: minisign::SecretKey,
    pub_text: String,
}

fn signer() -> Signer {
    let (p, s) = keygen(None).unwrap();
    Signer {
        sk: load_secret_key(&s, None).unwrap(),
        pub_text: p,
    }
}

fn trust(app: &TestApp, s: &Signer) {
    let dir = app.data_dir().join("keys");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("district.pub"), &s.pub_text).unwrap();
}

fn manifest(kind: BundleKind, version: &str, epoch: u64, payload: &str) -> Manifest {
    Manifest {
        format: 1,
        product: "motcua".into(),
        kind,
        arch: if kind == BundleKind::App {
            motcua::update::deb_arch().into()
        } else {
            "all".into()
        },
        version: version.into(),
        epoch,
        min_from: None,
        db_format: (kind == BundleKind::App).then_some(motcua::store::SCHEMA_VERSION),
        payload: payload.into(),
        sha256: String::new(),
        size: 0,
        created: String::new(),
    }
}

fn bundle(s: &Signer, m: Manifest, payload: &[u8]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("b.mcu");
    write_bundle(&p, m, payload, &s.sk).unwrap();
    std::fs::read(p).unwrap()
}

fn upload(app: &TestApp, token: Option<&str>, b: &[u8]) -> (u16, Value) {
    let (s, _, body) = app.bytes(
        "POST",
        "/api/v1/updates",
        token,
        Some(b),
        "application/octet-stream",
    );
    (s, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

#[test]
fn data_bundles_apply_and_app_bundles_queue_for_the_helper() {
    let app = TestApp::start();
    let admin = app.login("admin");
    let district = signer();
    trust(&app, &district);

    // The province's catalogue, one procedure renamed.
    let (_, cat) = app.call("GET", "/api/v1/procedures", None, None);
    let mut procs = cat["procedures"].clone();
    procs[0]["name"] = json!("Tên thủ tục theo danh mục mới của tỉnh");
    let payload = serde_json::to_vec(&json!({ "procedures": procs })).unwrap();
    let b = bundle(
        &district,
        manifest(BundleKind::Catalogue, "2026-12", 1, "catalogue.json"),
        &payload,
    );
    let (s, r) = upload(&app, Some(&admin), &b);
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        (r["result"].as_str(), r["kind"].as_str()),
        (Some("applied"), Some("catalogue"))
    );
    let (_, cat2) = app.call("GET", "/api/v1/procedures", None, None);
    assert_eq!(
        cat2["procedures"][0]["name"],
        "Tên thủ tục theo danh mục mới của tỉnh"
    );
    // The same bundle again, or an older one: refused, nothing changes.
    assert_eq!(upload(&app, Some(&admin), &b).1["code"], "downgrade");
    let old = bundle(
        &district,
        manifest(BundleKind::Catalogue, "2026-11", 0, "catalogue.json"),
        &payload,
    );
    assert_eq!(upload(&app, Some(&admin), &old).1["code"], "older_epoch");

    // A new software version goes to the inbox for the root helper.
    let deb = b"!<arch>\nnot really a deb, the helper is tested with a fake installer";
    let newer = bundle(
        &district,
        manifest(BundleKind::App, "99.0.0", 1, "motcua_99.0.0-1_amd64.deb"),
        deb,
    );
    let (s, r) = upload(&app, Some(&admin), &newer);
    assert_eq!((s, r["result"].as_str()), (200, Some("queued")), "{r}");
    let inbox: Vec<_> = std::fs::read_dir(app.data_dir().join("updates/inbox"))
        .unwrap()
        .collect();
    assert_eq!(inbox.len(), 1);
    let (_, st) = app.call("GET", "/api/v1/updates", Some(&admin), None);
    assert_eq!(st["pending"].as_array().unwrap().len(), 1, "{st}");
    assert!(st["trusted_keys"][0]
        .as_str()
        .unwrap()
        .contains("district.pub"));
    assert_eq!(st["history"][0]["result"], "queued");
    let (_, _, metrics) = app.bytes("GET", "/metrics", None, None, "");
    assert!(String::from_utf8_lossy(&metrics).contains("motcua_update_pending 1"));

    // Refusals, each with its reason.
    let older = bundle(
        &district,
        manifest(BundleKind::App, "0.0.1", 1, "motcua_0.0.1-1_amd64.deb"),
        deb,
    );
    assert_eq!(upload(&app, Some(&admin), &older).1["code"], "downgrade");
    let mut arm = manifest(BundleKind::App, "99.0.0", 1, "motcua_99.0.0-1_arm64.deb");
    arm.arch = "s390x".into();
    assert_eq!(
        upload(&app, Some(&admin), &bundle(&district, arm, deb)).1["code"],
        "wrong_arch"
    );
    let forged = bundle(
        &signer(),
        manifest(BundleKind::App, "99.0.1", 9, "x.deb"),
        deb,
    );
    assert_eq!(
        upload(&app, Some(&admin), &forged).1["code"],
        "bad_signature"
    );
    let mut tampered = newer.clone();
    let i = tampered.windows(7).position(|w| w == b"!<arch>").unwrap();
    tampered[i + 1] = b'?';
    assert_eq!(upload(&app, Some(&admin), &tampered).1["code"], "tampered");
    let (s, r) = upload(&app, Some(&admin), &newer[..newer.len() / 2]);
    assert_eq!(s, 422, "{r}");
    assert_eq!(upload(&app, Some(&admin), b"").1["code"], "malformed");
    let inbox: Vec<_> = std::fs::read_dir(app.data_dir().join("updates/inbox"))
        .unwrap()
        .collect();
    assert_eq!(inbox.len(), 1, "refused bundles never reach the inbox");

    // Only the admin.
    assert_eq!(upload(&app, None, &newer).0, 401);
    assert_eq!(upload(&app, Some(&app.login("canbo1")), &newer).0, 403);
}

#[test]
fn keys_bundle_rotates_trust() {
    let app = TestApp::start();
    let admin = app.login("admin");
    let old = signer();
    let new = signer();
    trust(&app, &old);
    let rotate = bundle(
        &old,
        manifest(BundleKind::Keys, "2027-1", 1, "keys.pub"),
        new.pub_text.as_bytes(),
    );
    let (s, r) = upload(&app, Some(&admin), &rotate);
    assert_eq!(s, 200, "{r}");
    // The old key is retired: its bundles are refused, the new key's accepted.
    let cal = app.call("GET", "/api/v1/calendar", Some(&admin), None).1;
    let mut cal2 = cal.clone();
    cal2["version"] = json!("lich-2027");
    let payload = serde_json::to_vec(&cal2).unwrap();
    let by_old = bundle(
        &old,
        manifest(BundleKind::Calendar, "2027", 1, "calendar.json"),
        &payload,
    );
    assert_eq!(
        upload(&app, Some(&admin), &by_old).1["code"],
        "bad_signature"
    );
    let by_new = bundle(
        &new,
        manifest(BundleKind::Calendar, "2027", 1, "calendar.json"),
        &payload,
    );
    let (s, r) = upload(&app, Some(&admin), &by_new);
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        app.call("GET", "/api/v1/calendar", Some(&admin), None).1["version"],
        "lich-2027"
    );
    // A keys bundle without a key is refused.
    let empty = bundle(
        &new,
        manifest(BundleKind::Keys, "2027-2", 2, "keys.pub"),
        b"\n",
    );
    assert_eq!(upload(&app, Some(&admin), &empty).0, 422);
    assert!(parse_public_key(&new.pub_text).is_some());
}

#[test]
fn update_verify_command_exits_zero_only_for_an_acceptable_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let keys = dir.path().join("shipped");
    std::fs::create_dir_all(&keys).unwrap();
    let district = signer();
    std::fs::write(keys.join("district.pub"), &district.pub_text).unwrap();
    let write = |name: &str, b: Vec<u8>| {
        let p = dir.path().join(name);
        std::fs::write(&p, b).unwrap();
        p
    };
    let good = write(
        "good.mcu",
        bundle(
            &district,
            manifest(BundleKind::App, "99.0.0", 1, "m.deb"),
            b"deb",
        ),
    );
    let old = write(
        "old.mcu",
        bundle(
            &district,
            manifest(BundleKind::App, "0.0.1", 1, "m.deb"),
            b"deb",
        ),
    );
    let forged = write(
        "forged.mcu",
        bundle(
            &signer(),
            manifest(BundleKind::App, "99.0.0", 1, "m.deb"),
            b"deb",
        ),
    );
    let run = |p: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_motcua"))
            .args(["update", "verify"])
            .arg(p)
            .arg("--data")
            .arg(&data)
            .arg("--keys")
            .arg(&keys)
            .output()
            .unwrap()
    };
    let ok = run(&good);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).starts_with("OK: App 99.0.0"));
    for (p, code) in [(&old, "downgrade"), (&forged, "bad_signature")] {
        let o = run(p);
        assert_eq!(o.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&o.stderr).contains(code));
    }
}

#[test]
fn backup_to_usb_goes_through_the_root_helper() {
    let app = TestApp::start();
    let admin = app.login("admin");
    let (s, r) = app.call("POST", "/api/v1/backups/usb", Some(&admin), None);
    assert_eq!(s, 202, "{r}");
    let (_, st) = app.call("GET", "/api/v1/backups/usb", Some(&admin), None);
    assert_eq!(
        (st["pending"].as_bool(), st["result"].is_null()),
        (Some(true), true),
        "{st}"
    );
    let req: motcua::update::usb_backup::Request = serde_json::from_slice(
        &std::fs::read(motcua::update::usb_backup::request_path(&app.data_dir())).unwrap(),
    )
    .unwrap();
    assert_eq!(req.backup, r["backup"].as_str().unwrap());
    assert!(!req.center.is_empty());
    // What motcua-usb-backup.service runs. Whatever this machine has, the request is
    // consumed and answered (here, usually: no USB stick).
    let out = motcua::update::usb_backup::handle_request(&app.data_dir()).unwrap();
    let (_, st) = app.call("GET", "/api/v1/backups/usb", Some(&admin), None);
    assert_eq!(st["pending"], false);
    assert_eq!(st["result"]["ok"].as_bool(), Some(out.ok));
    assert_eq!(
        app.call(
            "POST",
            "/api/v1/backups/usb",
            Some(&app.login("canbo1")),
            None
        )
        .0,
        403
    );
}

fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        // append_data refuses "..": write the raw name into the header for the hostile case.
        if name.contains("..") {
            let raw = &mut h.as_old_mut().name;
            raw[..name.len()].copy_from_slice(name.as_bytes());
            h.set_cksum();
            b.append(&h, *data).unwrap();
        } else {
            b.append_data(&mut h, name, *data).unwrap();
        }
    }
    b.into_inner().unwrap()
}

#[test]
fn a_voice_bundle_replaces_the_clip_set_and_a_hostile_one_changes_nothing() {
    let app = TestApp::start();
    let admin = app.login("admin");
    let district = signer();
    trust(&app, &district);
    let good = tar_of(&[
        ("clips.tsv", b"key\tfile\nchime\tchime.wav\n"),
        ("chime.wav", b"RIFF....WAVE"),
    ]);
    let b = bundle(
        &district,
        manifest(BundleKind::Voice, "giong-2027", 1, "voice.tar"),
        &good,
    );
    let (s, r) = upload(&app, Some(&admin), &b);
    assert_eq!(s, 200, "{r}");
    let voice = app.data_dir().join("voice");
    assert_eq!(
        std::fs::read(voice.join("chime.wav")).unwrap(),
        b"RIFF....WAVE"
    );
    // A path out of the voice directory, or a file that is not a clip: refused, the
    // installed set stays as it was.
    for (i, bad) in [
        tar_of(&[("clips.tsv", b"x"), ("../../escape.wav", b"x")]),
        tar_of(&[("clips.tsv", b"x"), ("run.sh", b"#!/bin/sh")]),
        tar_of(&[("chime.wav", b"no index")]),
    ]
    .into_iter()
    .enumerate()
    {
        let b = bundle(
            &district,
            manifest(
                BundleKind::Voice,
                &format!("bad-{i}"),
                2 + i as u64,
                "voice.tar",
            ),
            &bad,
        );
        let (s, r) = upload(&app, Some(&admin), &b);
        assert_eq!(s, 422, "{r}");
        assert_eq!(
            std::fs::read(voice.join("chime.wav")).unwrap(),
            b"RIFF....WAVE"
        );
        assert!(
            !app.data_dir().join("escape.wav").exists()
                && !app.data_dir().parent().unwrap().join("escape.wav").exists()
        );
    }
}
