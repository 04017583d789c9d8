//! Shared test helpers: boot the real app on a random port with a manual clock, and a
//! small HTTP client that returns (status, JSON) for any status.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use motcua::app::{self, Running};
use motcua::clock::ManualClock;
use motcua::config::Config;
use serde_json::Value;

pub struct TestApp {
    pub app: Option<Running>,
    pub clock: Arc<ManualClock>,
    pub dir: tempfile::TempDir,
    pub kiosk: String,
    pub display: String,
}

/// 08:00 local time on Thursday 5 March 2026.
pub fn morning() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 5, 1, 0, 0).unwrap()
}

pub fn config(dir: &Path) -> Config {
    Config {
        workers: 2,
        printer: "sim".into(),
        backup_every_hours: 0,
        ..Config::defaults(dir, "127.0.0.1:0")
    }
}

impl TestApp {
    /// A fresh demo center.
    pub fn start() -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new(morning()));
        Self::boot(dir, clock)
    }

    pub fn boot(dir: tempfile::TempDir, clock: Arc<ManualClock>) -> TestApp {
        Self::boot_with(dir, clock, |_| {})
    }

    /// A fresh demo center with a changed configuration (e.g. the province's address).
    pub fn start_with(f: impl FnOnce(&mut Config)) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new(morning()));
        Self::boot_with(dir, clock, f)
    }

    pub fn boot_with(
        dir: tempfile::TempDir,
        clock: Arc<ManualClock>,
        f: impl FnOnce(&mut Config),
    ) -> TestApp {
        let mut cfg = config(dir.path());
        f(&mut cfg);
        let running = app::spawn(cfg, clock.clone()).unwrap();
        let devices = running.services.seed_demo().unwrap();
        TestApp {
            app: Some(running),
            clock,
            dir,
            kiosk: devices.kiosk,
            display: devices.display,
        }
    }

    /// Graceful stop and start again on the same data directory.
    pub fn restart(mut self) -> TestApp {
        if let Some(a) = self.app.take() {
            a.stop();
        }
        let TestApp { dir, clock, .. } = self;
        Self::boot(dir, clock)
    }

    pub fn running(&self) -> &Running {
        self.app.as_ref().unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        self.running().url(path)
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    pub fn login(&self, user: &str) -> String {
        let (s, v) = self.call(
            "POST",
            "/api/v1/session",
            None,
            Some(serde_json::json!({"username": user, "password": "demo"})),
        );
        assert_eq!(s, 201, "login {user}: {v}");
        v["token"].as_str().unwrap().to_string()
    }

    /// Any method; returns the status and the JSON body (Null when empty or not JSON).
    pub fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let (s, text) = self.raw(
            method,
            path,
            token,
            body.map(|b| b.to_string()),
            "application/json",
        );
        (s, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// A request to the app, with the bearer token when given; redirects are not followed.
    fn request(&self, method: &str, path: &str, token: Option<&str>) -> ureq::Request {
        let agent = ureq::AgentBuilder::new()
            .redirects(0)
            .timeout(Duration::from_secs(30))
            .build();
        let req = agent.request(method, &self.url(path));
        match token {
            Some(t) => req.set("Authorization", &format!("Bearer {t}")),
            None => req,
        }
    }

    pub fn raw(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<String>,
        ctype: &str,
    ) -> (u16, String) {
        let req = self.request(method, path, token);
        let res = match body {
            Some(b) => req.set("Content-Type", ctype).send_string(&b),
            None => req.call(),
        };
        match res {
            Ok(r) => (r.status(), r.into_string().unwrap_or_default()),
            Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap_or_default()),
            Err(e) => panic!("{method} {path}: {e}"),
        }
    }

    /// Binary in, binary out (uploads, PDFs, images).
    pub fn bytes(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&[u8]>,
        ctype: &str,
    ) -> (u16, String, Vec<u8>) {
        let req = self.request(method, path, token);
        let res = match body {
            Some(b) => req.set("Content-Type", ctype).send_bytes(b),
            None => req.call(),
        };
        let r = match res {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{method} {path}: {e}"),
        };
        let status = r.status();
        let ct = r.content_type().to_string();
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut r.into_reader(), &mut out).unwrap();
        (status, ct, out)
    }

    pub fn post(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.call("POST", path, Some(token), Some(body))
    }

    pub fn issue(&self, service: u32, priority: Option<&str>) -> Value {
        let (s, v) = self.post(
            "/api/v1/tickets",
            &self.kiosk,
            serde_json::json!({"service": service, "priority": priority}),
        );
        assert_eq!(s, 201, "issue: {v}");
        v
    }
}

/// A raw SSE reader (no client library): yields (id, event, data) frames.
pub struct Sse {
    reader: BufReader<TcpStream>,
}

impl Sse {
    pub fn connect(app: &TestApp, token: &str, last_event_id: Option<u64>) -> Sse {
        let mut s = TcpStream::connect(app.running().addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let extra = last_event_id
            .map(|id| format!("Last-Event-ID: {id}\r\n"))
            .unwrap_or_default();
        write!(s, "GET /api/v1/events HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {token}\r\n{extra}Accept: text/event-stream\r\n\r\n")
            .unwrap();
        let mut reader = BufReader::new(s);
        // Skip the HTTP head.
        let mut line = String::new();
        loop {
            line.clear();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" || line.is_empty() {
                break;
            }
        }
        Sse { reader }
    }

    /// The next event frame (chunked transfer-encoding lines are skipped).
    pub fn next(&mut self) -> (Option<u64>, String, Value) {
        let (mut id, mut event, mut data) = (None, String::new(), String::new());
        let mut line = String::new();
        loop {
            line.clear();
            let n = self
                .reader
                .read_line(&mut line)
                .expect("SSE read timed out");
            assert!(n > 0, "SSE stream closed");
            let l = line.trim_end_matches(['\r', '\n']);
            if let Some(v) = l.strip_prefix("id: ") {
                id = v.parse().ok();
            } else if let Some(v) = l.strip_prefix("event: ") {
                event = v.to_string();
            } else if let Some(v) = l.strip_prefix("data: ") {
                data = v.to_string();
            } else if l.is_empty() && !event.is_empty() {
                return (
                    id,
                    event,
                    serde_json::from_str(&data).unwrap_or(Value::Null),
                );
            }
        }
    }

    /// Skips frames until one named `name`.
    pub fn next_named(&mut self, name: &str) -> (Option<u64>, Value) {
        loop {
            let (id, ev, data) = self.next();
            if ev == name {
                return (id, data);
            }
        }
    }
}
