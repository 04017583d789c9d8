//! The root helper: `motcua update apply` (started by a systemd path unit when the server
//! drops a verified app bundle in the inbox) and its crash recovery. It re-verifies the
//! bundle, snapshots the database with the service stopped, installs the package, waits
//! for the new version to report healthy, and otherwise puts the previous package and the
//! snapshot back. Every step is written to a journal *before* it runs, so a crash at any
//! point is finished or undone on the next run. dpkg and systemd sit behind
//! [`Installer`] and [`Health`], so all of this is tested with fakes.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::bundle::{open_bundle, TrustStore};
use crate::domain::update::{recovery_for, BundleKind, Installed, Phase, Recovery};

/// What installs packages and runs the service (dpkg + systemctl; a fake in tests).
pub trait Installer {
    fn stop_service(&mut self) -> Result<(), String>;
    /// Starts it and returns once it says it is ready (Type=notify) or failed.
    fn start_service(&mut self) -> Result<(), String>;
    fn install(&mut self, deb: &Path) -> Result<(), String>;
}

/// Whether the running service is healthy *as the expected version* with a working database.
pub trait Health {
    fn check(&mut self, expect_version: &str) -> Result<(), String>;
}

/// The helper's files under `<data>/updates/`.
#[derive(Debug, Clone)]
pub struct Paths {
    pub db: PathBuf,
    pub root: PathBuf,
}

impl Paths {
    pub fn new(data_dir: &Path) -> Paths {
        Paths {
            db: data_dir.join("motcua.redb"),
            root: data_dir.join("updates"),
        }
    }
    pub fn inbox(&self) -> PathBuf {
        self.root.join("inbox")
    }
    fn journal(&self) -> PathBuf {
        self.root.join("journal.json")
    }
    pub fn history(&self) -> PathBuf {
        self.root.join("app-history.jsonl")
    }
    pub fn state(&self) -> PathBuf {
        self.root.join("app-state.json")
    }
    fn snapshot(&self) -> PathBuf {
        self.root.join("snapshot").join("motcua.redb")
    }
    fn installed_deb(&self) -> PathBuf {
        self.root.join("installed").join("current.deb")
    }
    fn staged_deb(&self) -> PathBuf {
        self.root.join("installed").join("staged.deb")
    }
    fn previous_deb(&self) -> PathBuf {
        self.root.join("installed").join("previous.deb")
    }
}

/// Anti-rollback state of app bundles (written by the helper only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppState {
    pub epoch: u64,
    pub version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    pub phase: Phase,
    pub bundle: String,
    pub from_version: String,
    pub to_version: String,
    pub epoch: u64,
    /// Set once the database copy is complete (a partial copy is never restored).
    pub snapshot_done: bool,
    /// Set when a previous package was kept to reinstall on rollback.
    pub have_previous: bool,
    pub message: String,
    pub at: DateTime<Utc>,
}

/// One line of the history shown on the admin page and in /metrics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryLine {
    pub at: DateTime<Utc>,
    pub kind: BundleKind,
    pub version: String,
    /// `installed`, `rolled_back`, `refused`, `failed`, `applied`.
    pub result: String,
    pub message: String,
}

fn write_json_atomic<T: Serialize>(path: &Path, v: &T) -> Result<(), String> {
    let dir = path.parent().ok_or("no parent")?;
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let tmp = path.with_extension("tmp");
    let data = serde_json::to_vec_pretty(v).map_err(|e| e.to_string())?;
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp).map_err(|e| e.to_string())?;
        f.write_all(&data).map_err(|e| e.to_string())?;
        f.sync_all().map_err(|e| e.to_string())?;
    }
    std::fs::rename(&tmp, path).map_err(|e| e.to_string())?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

pub fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Option<T> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

pub fn append_history(path: &Path, line: &HistoryLine) {
    use std::io::Write;
    if let Some(d) = path.parent() {
        let _ = std::fs::create_dir_all(d);
    }
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        if let Ok(s) = serde_json::to_string(line) {
            let _ = writeln!(f, "{s}");
            let _ = f.sync_all();
        }
    }
}

pub fn read_history(path: &Path, last: usize) -> Vec<HistoryLine> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<HistoryLine> = text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    all[all.len().saturating_sub(last)..].to_vec()
}

fn copy_synced(from: &Path, to: &Path) -> Result<(), String> {
    if let Some(d) = to.parent() {
        std::fs::create_dir_all(d).map_err(|e| e.to_string())?;
    }
    std::fs::copy(from, to).map_err(|e| format!("{} → {}: {e}", from.display(), to.display()))?;
    std::fs::File::open(to)
        .and_then(|f| f.sync_all())
        .map_err(|e| e.to_string())
}

/// The outcome of one run, for the log and the exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Installed(String),
    RolledBack(String),
    Refused(String),
    Failed(String),
    NothingToDo,
}

pub struct Helper<'a> {
    pub paths: Paths,
    pub trust: TrustStore,
    /// This binary's version and arch: what is installed now.
    pub version: String,
    pub arch: String,
    pub db_format: u32,
    pub installer: &'a mut dyn Installer,
    pub health: &'a mut dyn Health,
    pub now: DateTime<Utc>,
}

impl Helper<'_> {
    fn journal(&self, j: &Journal) -> Result<(), String> {
        write_json_atomic(&self.paths.journal(), j)
    }

    fn history(&self, version: &str, result: &str, message: &str) {
        append_history(
            &self.paths.history(),
            &HistoryLine {
                at: self.now,
                kind: BundleKind::App,
                version: version.into(),
                result: result.into(),
                message: message.into(),
            },
        );
    }

    /// Finishes or undoes what a crashed run left, then applies every bundle in the inbox
    /// (oldest name first). Returns what happened to each.
    pub fn run(&mut self) -> Vec<Outcome> {
        let mut out = Vec::new();
        if let Some(o) = self.recover() {
            out.push(o);
        }
        let mut bundles: Vec<PathBuf> = std::fs::read_dir(self.paths.inbox())
            .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        bundles.retain(|p| p.extension().is_some_and(|x| x == "mcu"));
        bundles.sort();
        for b in bundles {
            out.push(self.apply(&b));
            let _ = std::fs::remove_file(&b);
        }
        if out.is_empty() {
            out.push(Outcome::NothingToDo);
        }
        out
    }

    /// What the previous run left in the journal, dealt with.
    pub fn recover(&mut self) -> Option<Outcome> {
        let j: Journal = read_json(&self.paths.journal())?;
        if recovery_for(j.phase) != Recovery::Nothing {
            // The interrupted bundle is dealt with here, not applied a second time.
            let _ = std::fs::remove_file(self.paths.inbox().join(&j.bundle));
        }
        match recovery_for(j.phase) {
            Recovery::Nothing => None,
            Recovery::CheckHealth => {
                // The package may be in; start it (again) and see.
                let _ = self.installer.start_service();
                match self.health.check(&j.to_version) {
                    Ok(()) => Some(self.finish_ok(j)),
                    Err(e) => Some(self.roll_back(j, &format!("sau khi khởi động lại: {e}"))),
                }
            }
            Recovery::RollBack => Some(self.roll_back(j, "lần cập nhật trước bị ngắt giữa chừng")),
        }
    }

    fn installed_state(&self) -> Installed {
        let st: AppState = read_json(&self.paths.state()).unwrap_or_default();
        Installed {
            version: self.version.clone(),
            arch: self.arch.clone(),
            epoch: st.epoch,
            db_format: self.db_format,
            data_version: None,
        }
    }

    pub fn apply(&mut self, bundle: &Path) -> Outcome {
        let name = bundle
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let installed = self.installed_state();
        let verified = std::fs::File::open(bundle)
            .map_err(|e| crate::domain::update::Reject::Malformed(e.to_string()))
            .and_then(|f| {
                open_bundle(std::io::BufReader::new(f), &self.trust, |_| {
                    installed.clone()
                })
            });
        let v = match verified {
            Ok(v) if v.manifest.kind == BundleKind::App => v,
            Ok(v) => {
                let msg = format!(
                    "{name}: gói dữ liệu ({:?}) không cài bằng trình cập nhật phần mềm",
                    v.manifest.kind
                );
                self.history(&v.manifest.version, "refused", &msg);
                return Outcome::Refused(msg);
            }
            Err(e) => {
                let msg = format!("{name}: {e}");
                self.history("?", "refused", &msg);
                return Outcome::Refused(msg);
            }
        };
        let mut j = Journal {
            phase: Phase::Verified,
            bundle: name,
            from_version: self.version.clone(),
            to_version: v.manifest.version.clone(),
            epoch: v.manifest.epoch,
            snapshot_done: false,
            have_previous: self.paths.installed_deb().exists(),
            message: String::new(),
            at: self.now,
        };
        let step = |h: &Self, j: &mut Journal, p: Phase| -> Result<(), String> {
            j.phase = p;
            h.journal(j)
        };
        // Stage the new package next to the one installed last time (kept for rollback).
        if let Err(e) = (|| -> Result<(), String> {
            let staged = self.paths.staged_deb();
            std::fs::create_dir_all(staged.parent().unwrap_or(Path::new(".")))
                .map_err(|e| e.to_string())?;
            std::fs::write(&staged, &v.payload).map_err(|e| e.to_string())?;
            std::fs::File::open(&staged)
                .and_then(|f| f.sync_all())
                .map_err(|e| e.to_string())?;
            if j.have_previous {
                copy_synced(&self.paths.installed_deb(), &self.paths.previous_deb())?;
            }
            step(self, &mut j, Phase::Verified)
        })() {
            let msg = format!("không chuẩn bị được gói: {e}");
            self.history(&j.to_version, "failed", &msg);
            return Outcome::Failed(msg);
        }
        // Snapshot with the service stopped.
        if let Err(e) = step(self, &mut j, Phase::Snapshotting)
            .and_then(|_| self.installer.stop_service())
            .and_then(|_| copy_synced(&self.paths.db, &self.paths.snapshot()))
        {
            return self.roll_back(j, &format!("không sao lưu được cơ sở dữ liệu: {e}"));
        }
        j.snapshot_done = true;
        if let Err(e) = step(self, &mut j, Phase::Installing)
            .and_then(|_| self.installer.install(&self.paths.staged_deb()))
        {
            return self.roll_back(j, &format!("cài gói lỗi: {e}"));
        }
        if let Err(e) = step(self, &mut j, Phase::Checking)
            .and_then(|_| self.installer.start_service())
            .and_then(|_| self.health.check(&j.to_version))
        {
            return self.roll_back(j, &format!("bản mới không khoẻ: {e}"));
        }
        self.finish_ok(j)
    }

    fn finish_ok(&mut self, mut j: Journal) -> Outcome {
        let _ = std::fs::rename(self.paths.staged_deb(), self.paths.installed_deb());
        let _ = write_json_atomic(
            &self.paths.state(),
            &AppState {
                epoch: j.epoch,
                version: Some(j.to_version.clone()),
            },
        );
        j.phase = Phase::Done;
        j.message = "đã cài và chạy khoẻ".into();
        let _ = self.journal(&j);
        let msg = format!("{} → {}", j.from_version, j.to_version);
        self.history(&j.to_version, "installed", &msg);
        Outcome::Installed(msg)
    }

    fn roll_back(&mut self, mut j: Journal, why: &str) -> Outcome {
        j.phase = Phase::RollingBack;
        j.message = why.into();
        let _ = self.journal(&j);
        let result = (|| -> Result<(), String> {
            let _ = self.installer.stop_service();
            if j.have_previous && self.paths.previous_deb().exists() {
                self.installer.install(&self.paths.previous_deb())?;
            }
            if j.snapshot_done {
                copy_synced(&self.paths.snapshot(), &self.paths.db)?;
            }
            self.installer.start_service()?;
            self.health.check(&j.from_version)
        })();
        match result {
            Ok(()) => {
                j.phase = Phase::RolledBack;
                let _ = self.journal(&j);
                let msg = format!("{why}; đã quay lại {}", j.from_version);
                self.history(&j.to_version, "rolled_back", &msg);
                Outcome::RolledBack(msg)
            }
            Err(e) => {
                j.phase = Phase::Failed;
                j.message = format!("{why}; quay lại thất bại: {e}");
                let _ = self.journal(&j);
                self.history(&j.to_version, "failed", &j.message);
                Outcome::Failed(j.message.clone())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::update::bundle::tests::{keys, manifest};
    use crate::update::bundle::write_bundle;

    /// A machine with one installed package version and a service that is healthy when
    /// the installed package says so.
    #[derive(Default)]
    struct FakeMachine {
        installed: String,
        running: bool,
        /// Versions whose service never becomes healthy.
        broken: Vec<String>,
        /// Fail `install` of this many packages (then succeed).
        install_fails: u32,
        log: Vec<String>,
        /// Crash (panic) when this step is reached.
        crash_at: Option<&'static str>,
    }

    impl FakeMachine {
        fn version_of(deb: &Path) -> String {
            String::from_utf8(std::fs::read(deb).unwrap())
                .unwrap()
                .trim_start_matches("DEB ")
                .to_string()
        }
    }

    impl Installer for FakeMachine {
        fn stop_service(&mut self) -> Result<(), String> {
            self.log.push("stop".into());
            self.running = false;
            Ok(())
        }
        fn start_service(&mut self) -> Result<(), String> {
            self.log.push(format!("start {}", self.installed));
            if self.crash_at == Some("start") {
                panic!("power cut");
            }
            self.running = true;
            Ok(())
        }
        fn install(&mut self, deb: &Path) -> Result<(), String> {
            let v = Self::version_of(deb);
            self.log.push(format!("install {v}"));
            if self.crash_at == Some("install") {
                panic!("power cut");
            }
            if self.install_fails > 0 {
                self.install_fails -= 1;
                return Err("dpkg: dependency problems".into());
            }
            self.installed = v;
            Ok(())
        }
    }

    struct FakeHealth<'a>(&'a std::cell::RefCell<FakeMachine>);
    impl Health for FakeHealth<'_> {
        fn check(&mut self, expect: &str) -> Result<(), String> {
            let m = self.0.borrow();
            if !m.running {
                return Err("not running".into());
            }
            if m.installed != expect {
                return Err(format!("version {} != {expect}", m.installed));
            }
            if m.broken.contains(&m.installed) {
                return Err("database check failed".into());
            }
            Ok(())
        }
    }

    /// Installer adapter over the shared fake (Health needs to read it too).
    struct Inst<'a>(&'a std::cell::RefCell<FakeMachine>);
    impl Installer for Inst<'_> {
        fn stop_service(&mut self) -> Result<(), String> {
            self.0.borrow_mut().stop_service()
        }
        fn start_service(&mut self) -> Result<(), String> {
            self.0.borrow_mut().start_service()
        }
        fn install(&mut self, deb: &Path) -> Result<(), String> {
            self.0.borrow_mut().install(deb)
        }
    }

    struct Setup {
        dir: tempfile::TempDir,
        trust: TrustStore,
        sk: minisign::SecretKey,
    }

    fn setup() -> Setup {
        let (pk, sk) = keys();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("motcua.redb"), b"DATABASE v1").unwrap();
        Setup {
            dir,
            trust: TrustStore::from_keys(vec![pk]),
            sk,
        }
    }

    fn drop_bundle(s: &Setup, version: &str, epoch: u64) {
        let inbox = Paths::new(s.dir.path()).inbox();
        std::fs::create_dir_all(&inbox).unwrap();
        let p = inbox.join(format!("{version}.mcu"));
        write_bundle(
            &p,
            manifest(BundleKind::App, version, epoch),
            format!("DEB {version}").as_bytes(),
            &s.sk,
        )
        .unwrap();
    }

    fn helper_run(
        s: &Setup,
        m: &std::cell::RefCell<FakeMachine>,
        running_version: &str,
    ) -> Vec<Outcome> {
        let mut inst = Inst(m);
        let mut health = FakeHealth(m);
        let mut h = Helper {
            paths: Paths::new(s.dir.path()),
            trust: s.trust.clone(),
            version: running_version.into(),
            arch: "amd64".into(),
            db_format: 1,
            installer: &mut inst,
            health: &mut health,
            now: DateTime::from_timestamp(1_790_000_000, 0).unwrap(),
        };
        h.run()
    }

    fn machine(v: &str) -> std::cell::RefCell<FakeMachine> {
        std::cell::RefCell::new(FakeMachine {
            installed: v.into(),
            running: true,
            ..Default::default()
        })
    }

    #[test]
    fn healthy_upgrade_is_kept() {
        let s = setup();
        let m = machine("0.1.0");
        drop_bundle(&s, "0.2.0", 1);
        let out = helper_run(&s, &m, "0.1.0");
        assert_eq!(out, vec![Outcome::Installed("0.1.0 → 0.2.0".into())]);
        assert_eq!(m.borrow().installed, "0.2.0");
        assert_eq!(m.borrow().log, vec!["stop", "install 0.2.0", "start 0.2.0"]);
        let p = Paths::new(s.dir.path());
        assert!(
            std::fs::read_dir(p.inbox()).unwrap().next().is_none(),
            "inbox emptied"
        );
        let st: AppState = read_json(&p.state()).unwrap();
        assert_eq!(st.epoch, 1);
        assert_eq!(read_history(&p.history(), 10)[0].result, "installed");
        // The same bundle again is a downgrade now (the running version is 0.2.0).
        drop_bundle(&s, "0.2.0", 1);
        assert!(
            matches!(&helper_run(&s, &m, "0.2.0")[0], Outcome::Refused(r) if r.contains("không mới hơn"))
        );
    }

    #[test]
    fn unhealthy_upgrade_rolls_back_package_and_database() {
        let s = setup();
        let m = machine("0.1.0");
        // A first, good upgrade leaves a package to return to.
        drop_bundle(&s, "0.2.0", 1);
        helper_run(&s, &m, "0.1.0");
        std::fs::write(s.dir.path().join("motcua.redb"), b"DATABASE v2").unwrap();
        // 0.3.0 starts but never gets healthy, and scribbles on the database.
        m.borrow_mut().broken.push("0.3.0".into());
        drop_bundle(&s, "0.3.0", 1);
        let out = helper_run(&s, &m, "0.2.0");
        assert!(
            matches!(&out[0], Outcome::RolledBack(r) if r.contains("không khoẻ")),
            "{out:?}"
        );
        assert_eq!(m.borrow().installed, "0.2.0");
        assert_eq!(
            std::fs::read(s.dir.path().join("motcua.redb")).unwrap(),
            b"DATABASE v2"
        );
        let p = Paths::new(s.dir.path());
        let h = read_history(&p.history(), 10);
        assert_eq!(h.last().unwrap().result, "rolled_back");
        let st: AppState = read_json(&p.state()).unwrap();
        assert_eq!(
            st.version.as_deref(),
            Some("0.2.0"),
            "the epoch/version of a rolled back bundle is not recorded"
        );
    }

    #[test]
    fn a_failed_install_rolls_back() {
        let s = setup();
        let m = machine("0.1.0");
        m.borrow_mut().install_fails = 1;
        drop_bundle(&s, "0.2.0", 1);
        let out = helper_run(&s, &m, "0.1.0");
        assert!(
            matches!(&out[0], Outcome::RolledBack(r) if r.contains("dpkg")),
            "{out:?}"
        );
        assert_eq!(m.borrow().installed, "0.1.0");
        assert!(m.borrow().running);
    }

    #[test]
    fn refused_bundles_change_nothing() {
        let s = setup();
        let m = machine("0.1.0");
        let (_, other) = keys();
        let inbox = Paths::new(s.dir.path()).inbox();
        std::fs::create_dir_all(&inbox).unwrap();
        write_bundle(
            &inbox.join("forged.mcu"),
            manifest(BundleKind::App, "9.0.0", 9),
            b"DEB 9.0.0",
            &other,
        )
        .unwrap();
        std::fs::write(inbox.join("garbage.mcu"), b"garbage").unwrap();
        let out = helper_run(&s, &m, "0.1.0");
        assert_eq!(out.len(), 2);
        assert!(
            out.iter().all(|o| matches!(o, Outcome::Refused(_))),
            "{out:?}"
        );
        assert!(m.borrow().log.is_empty(), "the service was not touched");
    }

    #[test]
    fn a_crash_mid_install_is_undone_on_the_next_run() {
        let s = setup();
        let m = machine("0.1.0");
        drop_bundle(&s, "0.2.0", 1);
        helper_run(&s, &m, "0.1.0");
        drop_bundle(&s, "0.3.0", 1);
        m.borrow_mut().crash_at = Some("install");
        let crashed =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| helper_run(&s, &m, "0.2.0")));
        assert!(crashed.is_err());
        let p = Paths::new(s.dir.path());
        let j: Journal = read_json(&p.journal()).unwrap();
        assert_eq!(j.phase, Phase::Installing);
        // Power back: the next run (at boot, or the path unit) rolls back to 0.2.0.
        m.borrow_mut().crash_at = None;
        m.borrow_mut().running = false;
        let out = helper_run(&s, &m, "0.2.0");
        assert!(matches!(&out[0], Outcome::RolledBack(_)), "{out:?}");
        assert_eq!(m.borrow().installed, "0.2.0");
        assert!(m.borrow().running);
        assert_eq!(
            read_json::<Journal>(&p.journal()).unwrap().phase,
            Phase::RolledBack
        );
    }

    #[test]
    fn a_crash_after_install_finishes_if_healthy() {
        let s = setup();
        let m = machine("0.1.0");
        drop_bundle(&s, "0.2.0", 1);
        m.borrow_mut().crash_at = Some("start");
        let crashed =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| helper_run(&s, &m, "0.1.0")));
        assert!(crashed.is_err());
        m.borrow_mut().crash_at = None;
        // The new binary is what runs the recovery.
        let out = helper_run(&s, &m, "0.2.0");
        assert_eq!(out[0], Outcome::Installed("0.1.0 → 0.2.0".into()));
        assert_eq!(m.borrow().installed, "0.2.0");
    }
}
