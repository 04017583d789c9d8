//! Signed updates: bundles (`bundle.rs`), the root helper's apply/rollback (`apply.rs`),
//! and the real installer and health probe it runs on the appliance (dpkg, systemctl,
//! `/healthz`). The rules a bundle must pass are pure, in `domain::update`.

pub mod apply;
pub mod bundle;
pub mod usb_backup;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Debian's name for this machine's architecture.
pub fn deb_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "arm" => "armhf",
        "x86" => "i386",
        other => other,
    }
}

/// Where the package ships the keys it trusts.
pub const SHIPPED_KEYS: &str = "/usr/share/motcua/keys";

/// dpkg and systemctl on the appliance.
pub struct Dpkg {
    pub unit: String,
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        let mut err = String::from_utf8_lossy(&out.stderr).to_string();
        err.truncate(600);
        Err(format!(
            "{:?} → {}: {}",
            cmd.get_program(),
            out.status,
            err.trim()
        ))
    }
}

impl apply::Installer for Dpkg {
    fn stop_service(&mut self) -> Result<(), String> {
        run(Command::new("systemctl").args(["stop", &self.unit]))
    }
    fn start_service(&mut self) -> Result<(), String> {
        // Type=notify: returns once the service reported READY=1 (or failed).
        run(Command::new("systemctl").args(["start", &self.unit]))
    }
    fn install(&mut self, deb: &Path) -> Result<(), String> {
        // Keep the admin's edited config (conffile) without asking.
        run(Command::new("dpkg")
            .env("DEBIAN_FRONTEND", "noninteractive")
            .args(["--force-confold", "--force-confdef", "-i"])
            .arg(deb))
    }
}

/// Polls `GET /healthz` on the local server until it shows the expected version with a
/// working database, or `timeout` passes.
pub struct HttpHealth {
    pub base: String,
    pub timeout: Duration,
}

impl apply::Health for HttpHealth {
    fn check(&mut self, expect: &str) -> Result<(), String> {
        let deadline = Instant::now() + self.timeout;
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(3))
            .build();
        let mut last = String::from("no answer");
        while Instant::now() < deadline {
            match agent.get(&format!("{}/healthz", self.base)).call() {
                Ok(r) => match r.into_json::<serde_json::Value>() {
                    Ok(v) => {
                        let version = v["version"].as_str().unwrap_or("");
                        let db_ok = v["database"]["status"] == "ok";
                        if version == expect && db_ok {
                            return Ok(());
                        }
                        last = format!("healthz: version {version}, database {}", v["database"]);
                    }
                    Err(e) => last = e.to_string(),
                },
                Err(e) => last = e.to_string(),
            }
            std::thread::sleep(Duration::from_secs(1));
        }
        Err(last)
    }
}
