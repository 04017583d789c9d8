//! A full disk: the data directory on a small tmpfs fills up while the kiosk keeps
//! issuing. Every refused ticket gets a clear error, every acknowledged ticket survives a
//! restart, and once there is room again the center carries on. Needs root (mount);
//! skipped loudly otherwise.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use serde_json::json;

use crate::helpers::{morning, TestApp};

struct Mount(std::path::PathBuf);

impl Mount {
    fn tmpfs(at: &Path, size: &str) -> Option<Mount> {
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Mount(at.to_path_buf()))
    }
    fn resize(&self, size: &str) {
        let s = Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(s.success());
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_refuses_cleanly_and_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let Some(mount) = Mount::tmpfs(dir.path(), "3m") else {
        eprintln!("\n*** SKIPPED: cannot mount a tmpfs here (needs root outside a locked-down container) ***\n");
        return;
    };
    let clock = Arc::new(motcua::clock::ManualClock::new(morning()));
    let app = TestApp::boot(dir, clock);
    let admin = app.login("admin");
    let mut acknowledged = Vec::new();
    let mut refusal = None;
    let mut area = 1;
    for _ in 0..5_000 {
        let (s, v) = app.post(
            "/api/v1/tickets",
            &app.kiosk,
            json!({"service": area, "print": false}),
        );
        match (s, v["code"].as_str()) {
            (201, _) => acknowledged.push(v["id"].as_u64().unwrap()),
            // A001–A999 used up: the next area's series (the clock stays put, so the
            // admin's session stays valid).
            (409, Some("series_exhausted")) if area < 4 => area += 1,
            _ => {
                refusal = Some((s, v));
                break;
            }
        }
    }
    let (status, body) =
        refusal.expect("3 MB never filled up: raise the ticket count or shrink the disk");
    assert_eq!(
        (status, body["code"].as_str()),
        (507, Some("disk_full")),
        "{body}"
    );
    assert!(!body["message"].as_str().unwrap_or("").is_empty());
    assert!(
        acknowledged.len() > 100,
        "only {} tickets before the disk was full",
        acknowledged.len()
    );
    // Still answering while full: reads work; writes get the same clear answer; the
    // watchdog is told (systemd restarts the service, which recovers once there is room).
    let last = *acknowledged.last().unwrap();
    let (hs, health) = app.call("GET", "/healthz", None, None);
    let (s, t) = app.call(
        "GET",
        &format!("/api/v1/tickets/{last}"),
        Some(&admin),
        None,
    );
    assert_eq!(s, 200, "{t} / healthz {hs} {health}");
    let (s, v) = app.post(
        "/api/v1/tickets",
        &app.kiosk,
        json!({"service": 2, "print": false}),
    );
    assert_eq!(s, 507, "{v}");
    assert!(app.running().services.store.storage_failed());

    // Room again (the admin cleared space); restart on the same files.
    mount.resize("64m");
    let app = app.restart();
    let admin = app.login("admin");
    for id in [acknowledged[0], acknowledged[acknowledged.len() / 2], last] {
        let (s, t) = app.call("GET", &format!("/api/v1/tickets/{id}"), Some(&admin), None);
        assert_eq!(s, 200, "acknowledged ticket {id} lost: {t}");
    }
    let (s, v) = app.post(
        "/api/v1/tickets",
        &app.kiosk,
        json!({"service": area, "print": false}),
    );
    assert_eq!(s, 201, "{v}");
    assert!(!app.running().services.store.storage_failed());
    let (_, verify) = app.call("GET", "/api/v1/audit/verify", Some(&admin), None);
    assert_eq!(verify["ok"], true, "{verify}");
    drop(app);
}
