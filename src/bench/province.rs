//! The simulated province as its own process for the crash run and the busy day (it
//! outlives every SIGKILL of the appliance, as a real one would), with faults switched on
//! while the appliance works, and the end check both add: after the faults stop, the
//! province's copy equals the local book — every dossier once, at its status, with one
//! step per history row.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde_json::{json, Value};

pub const TOKEN: &str = "bench-province-token";

pub struct SimProvince {
    child: Child,
    pub base: String,
}

impl SimProvince {
    pub fn start(unit: &str) -> anyhow::Result<SimProvince> {
        let mut child = Command::new(std::env::current_exe()?)
            .args([
                "sim",
                "province",
                "--listen",
                "127.0.0.1:0",
                "--unit",
                unit,
                "--token",
                TOKEN,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let mut line = String::new();
        BufReader::new(child.stdout.take().context("no stdout")?).read_line(&mut line)?;
        let base = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .context("the simulated province printed no address")?
            .to_string();
        Ok(SimProvince { child, base })
    }

    /// The environment that points a `motcua demo` at this province instead of its own.
    pub fn env(&self) -> [(&'static str, String); 2] {
        [
            ("MOTCUA_PROVINCE_URL", self.base.clone()),
            ("MOTCUA_PROVINCE_TOKEN", TOKEN.to_string()),
        ]
    }

    pub fn faults(&self, f: Value) -> anyhow::Result<()> {
        ureq::put(&format!("{}/_sim/faults", self.base)).send_json(f)?;
        Ok(())
    }

    pub fn state(&self) -> anyhow::Result<Value> {
        Ok(ureq::get(&format!("{}/_sim/state", self.base))
            .call()?
            .into_json()?)
    }

    /// Faults off, waiting dossiers brought forward, then (within `within`) nothing left
    /// to send and the province's copy equal to the book. Returns the dossiers compared.
    pub fn converge(&self, app: &str, admin: &str, within: Duration) -> anyhow::Result<usize> {
        self.faults(json!({}))?;
        let auth = format!("Bearer {admin}");
        let deadline = Instant::now() + within;
        loop {
            ureq::post(&format!("{app}/api/v1/sync/retry-now"))
                .set("Authorization", &auth)
                .call()?;
            let s: Value = ureq::get(&format!("{app}/api/v1/sync"))
                .set("Authorization", &auth)
                .call()?
                .into_json()?;
            if s["rejected"] != 0 {
                bail!("the province rejected dossiers: {s}");
            }
            if s["pending"] == 0 {
                break;
            }
            if Instant::now() > deadline {
                bail!(
                    "still {} dossiers waiting after {within:?}: {s}",
                    s["pending"]
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        let province = self.state()?;
        let mut page = 0;
        let mut compared = 0;
        loop {
            let list: Vec<Value> =
                ureq::get(&format!("{app}/api/v1/dossiers?per_page=500&page={page}"))
                    .set("Authorization", &auth)
                    .call()?
                    .into_json()?;
            if list.is_empty() {
                break;
            }
            for d in &list {
                let local = d["code"].as_str().context("code")?;
                let code = d["national_code"].as_str().unwrap_or(local);
                let held = &province["dossiers"][code];
                if held.is_null() {
                    bail!("the province has no dossier {code}");
                }
                if held["TrangThaiHoSo"] != d["status"].to_string().as_str() {
                    bail!(
                        "dossier {code}: status {} here, {} at the province",
                        d["status"],
                        held["TrangThaiHoSo"]
                    );
                }
                let steps = province["steps"][code].as_object().map_or(0, |m| m.len());
                let history = d["history"].as_array().map_or(0, |h| h.len());
                if steps != history {
                    bail!("dossier {code}: {history} steps here, {steps} at the province");
                }
                compared += 1;
            }
            page += 1;
        }
        let held = province["dossiers"].as_object().map_or(0, |m| m.len());
        if held != compared {
            bail!("the province holds {held} dossiers, the book {compared}");
        }
        Ok(compared)
    }
}

impl Drop for SimProvince {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
