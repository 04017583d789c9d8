//! The only module that speaks to the provincial one-stop system: a connector for one
//! profile (base URL, authentication, reply table), and the simulated province
//! ([`sim`]) that speaks the reference profile of INTEGRATION.md §4.
//!
//! A connector sends one dossier whole: the HoSo (add; "already there" → the same body as
//! an update; "not there" on update → add again), then every step in calls of ten. What a
//! reply means is decided by the profile's [`ReplyTable`]; anything not in it is a retry,
//! never a success. Secrets (the token) go in a header and nowhere else: no log line, no
//! error text carries them.

pub mod sim;

use std::io::Read;
use std::time::Duration;

use serde::Serialize;

use crate::domain::sync::{HoSo, QuaTrinhXuLy, Verdict, STEPS_PER_CALL};
pub use crate::domain::sync_profile::{AuthKind, ProfileSettings};

/// The most of a reply read; a province answering 50 MB gets its first megabyte read and
/// the rest refused (it is then a retry, as any reply we cannot read).
const MAX_REPLY: u64 = 1 << 20;

/// How a province is reached: the profile (data, see [`ProfileSettings`]), the secret
/// kept apart from it, and this unit's code (for a unit header).
#[derive(Clone)]
pub struct Profile {
    pub settings: ProfileSettings,
    /// The bearer token, or the login password.
    pub secret: Option<String>,
    /// This unit's code (`MaDonVi`), sent in the profile's unit header.
    pub unit: String,
}

impl Profile {
    /// The reference profile at `base_url` with a static bearer token (tests, bench).
    pub fn reference(base_url: &str, token: Option<&str>) -> Profile {
        Profile {
            settings: ProfileSettings {
                base_url: base_url.trim_end_matches('/').to_string(),
                auth: if token.is_some() {
                    AuthKind::Bearer
                } else {
                    AuthKind::None
                },
                ..Default::default()
            },
            secret: token.map(str::to_string),
            unit: String::new(),
        }
    }
}

impl std::fmt::Debug for Profile {
    // The secret never reaches a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Profile")
            .field("base_url", &self.settings.base_url)
            .field("auth", &self.settings.auth)
            .field("secret", &self.secret.as_ref().map(|_| "***"))
            .finish()
    }
}

/// A dossier as the province holds it (reconciliation compares it with ours).
#[derive(Debug, Clone)]
pub struct Held {
    pub hoso: serde_json::Value,
    pub steps: Vec<serde_json::Value>,
}

/// What became of one dossier's send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    Done,
    Retry(String),
    Reject(String),
}

/// A session from a login: the token, and when to renew it.
#[derive(Clone)]
struct Session {
    token: String,
    refresh: Option<String>,
    expires: Option<std::time::Instant>,
}

/// Renew a session this long before it expires (LGSP practice: under 5 minutes left).
const RENEW_BEFORE: Duration = Duration::from_secs(300);

pub struct Connector {
    profile: Profile,
    agent: ureq::Agent,
    session: std::sync::Mutex<Option<Session>>,
}

impl Connector {
    pub fn new(profile: Profile) -> Self {
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(
                profile.settings.timeout_secs.max(1) as u64
            ))
            .redirects(0)
            .build();
        Connector {
            profile,
            agent,
            session: std::sync::Mutex::new(None),
        }
    }

    pub fn settings(&self) -> &ProfileSettings {
        &self.profile.settings
    }

    pub fn base_url(&self) -> &str {
        &self.profile.settings.base_url
    }

    /// A request to `{base}{path}` carrying the profile's authentication.
    fn request(&self, method: &str, path: &str) -> ureq::Request {
        let url = format!("{}{path}", self.base_url().trim_end_matches('/'));
        self.with_auth(self.agent.request(method, &url))
    }

    fn with_unit(&self, req: ureq::Request) -> ureq::Request {
        let h = self.profile.settings.unit_header.trim();
        if h.is_empty() {
            req
        } else {
            req.set(h, &self.profile.unit)
        }
    }

    fn with_auth(&self, req: ureq::Request) -> ureq::Request {
        let req = self.with_unit(req);
        match self.profile.settings.auth {
            AuthKind::None => req,
            AuthKind::Bearer => match &self.profile.secret {
                Some(t) => req.set("Authorization", &format!("Bearer {t}")),
                None => req,
            },
            AuthKind::Login => match self.session_token() {
                Some(t) => req.set("Authorization", &format!("Bearer {t}")),
                // No session (the login failed): the call goes without and is refused,
                // which reads as a retry with the login's own reason logged.
                None => req,
            },
        }
    }

    /// The current session's token, logging in or renewing first when needed.
    fn session_token(&self) -> Option<String> {
        let mut guard = self.session.lock().unwrap_or_else(|p| p.into_inner());
        let now = std::time::Instant::now();
        let fresh = |s: &Session| s.expires.is_none_or(|e| e > now + RENEW_BEFORE);
        match guard.as_ref() {
            Some(s) if fresh(s) => return Some(s.token.clone()),
            Some(s) => {
                if let Some(r) = s.refresh.clone() {
                    if let Ok(n) = self.renew(&r) {
                        *guard = Some(n);
                        return guard.as_ref().map(|s| s.token.clone());
                    }
                }
            }
            None => {}
        }
        match self.login() {
            Ok(n) => {
                *guard = Some(n);
                guard.as_ref().map(|s| s.token.clone())
            }
            Err(e) => {
                tracing::warn!(reason = %e, "province login failed");
                *guard = None;
                None
            }
        }
    }

    /// Forgets the session (the province refused it): the next call logs in again.
    fn drop_session(&self) {
        *self.session.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    fn login(&self) -> Result<Session, String> {
        let p = &self.profile.settings;
        let url = format!("{}{}", self.base_url().trim_end_matches('/'), p.paths.login);
        let body = serde_json::json!({
            "username": p.username,
            "password": self.profile.secret.clone().unwrap_or_default(),
        });
        let (status, text) = Self::exchange(
            self.with_unit(self.agent.post(&url)),
            Some(&body),
            MAX_REPLY,
        );
        read_session(status, &text)
    }

    fn renew(&self, refresh: &str) -> Result<Session, String> {
        let p = &self.profile.settings;
        let url = format!(
            "{}{}",
            self.base_url().trim_end_matches('/'),
            p.paths.refresh
        );
        let body = serde_json::json!({ "refreshToken": refresh });
        let (status, text) = Self::exchange(
            self.with_unit(self.agent.post(&url)),
            Some(&body),
            MAX_REPLY,
        );
        read_session(status, &text)
    }

    /// Sends `req` (with a JSON body, or none) and reads at most `limit` bytes of the
    /// reply; transport faults come back as status 0 with a reason.
    fn exchange(req: ureq::Request, body: Option<&serde_json::Value>, limit: u64) -> (u16, String) {
        let sent = match body {
            Some(b) => req
                .set("Content-Type", "application/json; charset=utf-8")
                .send_json(b),
            None => req.call(),
        };
        let res = match sent {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(ureq::Error::Transport(t)) => {
                return (0, format!("không kết nối được tới tỉnh: {}", t.kind()))
            }
        };
        let status = res.status();
        let mut text = String::new();
        match res.into_reader().take(limit).read_to_string(&mut text) {
            Ok(_) => (status, text),
            // The connection dropped mid-reply (the province may have applied it: the
            // next send finds "đã tồn tại" and updates).
            Err(e) => (0, format!("mất kết nối khi đọc trả lời: {}", e.kind())),
        }
    }

    fn post(&self, path: &str, body: &impl Serialize) -> (u16, String) {
        let v = match serde_json::to_value(body) {
            Ok(v) => v,
            Err(e) => return (0, format!("không tạo được gói tin: {e}")),
        };
        let first = Self::exchange(self.request("POST", path), Some(&v), MAX_REPLY);
        if self.relogin_after(first.0) {
            return Self::exchange(self.request("POST", path), Some(&v), MAX_REPLY);
        }
        first
    }

    /// A session refused (expired early, revoked): log in again once, then retry.
    fn relogin_after(&self, status: u16) -> bool {
        if self.profile.settings.auth == AuthKind::Login && (status == 401 || status == 403) {
            self.drop_session();
            true
        } else {
            false
        }
    }

    fn verdict(&self, (status, body): (u16, String)) -> Verdict {
        if status == 0 {
            return Verdict::Retry(body);
        }
        self.profile.settings.replies.read_json(status, &body)
    }

    /// Sends the dossier and all its steps. `Done` only when every call was read as
    /// applied.
    pub fn send(&self, hoso: &HoSo, steps: &[QuaTrinhXuLy]) -> Sent {
        let body = [hoso];
        let mut add = true;
        // add → (exists) update → (unknown) add: two rounds at most.
        let mut applied = false;
        for _ in 0..4 {
            let paths = &self.profile.settings.paths;
            let v = self.verdict(self.post(if add { &paths.add } else { &paths.update }, &body));
            match v {
                Verdict::Done => {
                    applied = true;
                    break;
                }
                Verdict::Exists if add => add = false,
                Verdict::Unknown if !add => add = true,
                Verdict::Exists | Verdict::Unknown => {
                    return Sent::Retry("trả lời thêm mới/cập nhật không khớp nhau".into())
                }
                Verdict::Retry(r) => return Sent::Retry(r),
                Verdict::Reject(r) => return Sent::Reject(r),
            }
        }
        if !applied {
            return Sent::Retry("tỉnh trả lời vòng quanh thêm mới/cập nhật".into());
        }
        for chunk in steps.chunks(STEPS_PER_CALL) {
            let (status, text) = self.post(&self.profile.settings.paths.progress, &chunk);
            let v = if status == 0 {
                Verdict::Retry(text)
            } else {
                self.profile.settings.replies.read_progress(status, &text)
            };
            match v {
                Verdict::Done => {}
                Verdict::Reject(r) => return Sent::Reject(r),
                Verdict::Retry(r) => return Sent::Retry(r),
                other => return Sent::Retry(format!("{other:?}")),
            }
        }
        Sent::Done
    }

    /// A GET; online dossiers' details may carry base64 papers, hence the larger limit.
    fn get(&self, path_and_query: &str) -> (u16, String) {
        let first = Self::exchange(self.request("GET", path_and_query), None, MAX_REPLY * 8);
        if self.relogin_after(first.0) {
            return Self::exchange(self.request("GET", path_and_query), None, MAX_REPLY * 8);
        }
        first
    }

    /// `{error_code: "0", data: …}` → data; anything else → why not.
    fn data(&self, (status, body): (u16, String)) -> Result<serde_json::Value, String> {
        if status != 200 {
            return Err(format!("tỉnh trả lời HTTP {status}"));
        }
        let v: serde_json::Value =
            serde_json::from_str(&body).map_err(|_| "trả lời không phải JSON".to_string())?;
        let code = match &v["error_code"] {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            _ => String::new(),
        };
        if code != "0" {
            return Err(format!("tỉnh trả lời mã lỗi «{code}»"));
        }
        Ok(v["data"].clone())
    }

    /// National codes of the online dossiers waiting for this unit (`ChoTiepNhan`).
    pub fn online_waiting(&self, unit: &str) -> Result<Vec<String>, String> {
        let path = &self.profile.settings.paths.waiting;
        let data = self.data(self.get(&format!("{path}?MaDonVi={}", query(unit))))?;
        Ok(data
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x["MaHoSo"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// One online dossier whole (`ChiTiet`).
    pub fn online_detail(&self, national: &str) -> Result<serde_json::Value, String> {
        let path = &self.profile.settings.paths.detail;
        self.data(self.get(&format!("{path}?MaHoSo={}", query(national))))
    }

    /// What the province holds of one dossier (`TraCuu`): `Ok(None)` when it has none,
    /// `Err` when it cannot be asked (no lookup in the profile, or a fault).
    pub fn lookup(&self, code: &str) -> Result<Option<Held>, String> {
        let path = &self.profile.settings.paths.lookup;
        if path.trim().is_empty() {
            return Err("tỉnh không cho tra cứu hồ sơ".into());
        }
        let (status, body) = self.get(&format!("{path}?MaHoSo={}", query(code)));
        if status == 200 {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&body) {
                if matches!(
                    self.profile.settings.replies.read_json(200, &body),
                    Verdict::Unknown
                ) {
                    return Ok(None);
                }
                if v["error_code"] == "0" || v["error_code"] == 0 {
                    let d = &v["data"];
                    return Ok(Some(Held {
                        hoso: d["HoSo"].clone(),
                        steps: d["QuaTrinhXuLy"].as_array().cloned().unwrap_or_default(),
                    }));
                }
            }
        }
        Err(format!("tra cứu không được (HTTP {status})"))
    }

    /// Tells the province the dossier is here (`DaNhan`), after the local commit.
    pub fn online_ack(&self, national: &str, local: &str) -> Result<(), String> {
        let body = serde_json::json!({ "MaHoSo": national, "MaHoSoDonVi": local });
        match self.verdict(self.post(&self.profile.settings.paths.ack, &body)) {
            Verdict::Done => Ok(()),
            other => Err(format!("{other:?}")),
        }
    }

    /// An online paper's file at `url` (`DuongDanTaiTepTin`): absolute, or a path under the
    /// province's address. The profile's authentication goes only to the province's own
    /// host, never to another one a packet names. At most `limit` bytes.
    pub fn fetch_file(&self, url: &str, limit: usize) -> Result<Vec<u8>, String> {
        let base = self.base_url().trim_end_matches('/');
        let req = if url.starts_with("http://") || url.starts_with("https://") {
            if same_origin(base, url) {
                self.with_auth(self.agent.get(url))
            } else {
                self.agent.get(url)
            }
        } else {
            self.request("GET", &format!("/{}", url.trim_start_matches('/')))
        };
        let res = match req.call() {
            Ok(r) => r,
            Err(ureq::Error::Status(code, _)) => return Err(format!("tải tệp: HTTP {code}")),
            Err(ureq::Error::Transport(t)) => return Err(format!("tải tệp: {}", t.kind())),
        };
        let mut bytes = Vec::new();
        res.into_reader()
            .take(limit as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("tải tệp bị ngắt: {}", e.kind()))?;
        if bytes.len() > limit {
            return Err(format!("tệp lớn quá {} MB", limit >> 20));
        }
        Ok(bytes)
    }

    /// One bare round trip (the benchmark's baseline): a GET the province answers at once.
    pub fn ping(&self) -> u16 {
        let path = &self.profile.settings.paths.waiting;
        self.get(&format!("{path}?MaDonVi=ping")).0
    }
}

/// A query value made safe for a URL (codes are ASCII, but a packet may say anything).
fn query(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A login or renewal reply: `{error_code: "0", token | session | access_token,
/// refreshToken?, expiryDate? | expires_in?}`.
fn read_session(status: u16, text: &str) -> Result<Session, String> {
    if status == 0 {
        return Err(text.to_string());
    }
    if !(200..300).contains(&status) {
        return Err(format!("tỉnh từ chối đăng nhập (HTTP {status})"));
    }
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|_| "trả lời đăng nhập không phải JSON".to_string())?;
    let code = match &v["error_code"] {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        _ => "0".into(),
    };
    if code != "0" && code != "00" {
        return Err(format!("tỉnh từ chối đăng nhập (mã {code})"));
    }
    let token = ["token", "session", "access_token", "accessToken"]
        .iter()
        .find_map(|k| v[*k].as_str())
        .filter(|t| !t.is_empty())
        .ok_or("trả lời đăng nhập không có phiên (token)")?;
    let secs = v["expires_in"].as_u64().or_else(|| {
        let at = v["expiryDate"].as_str()?;
        let at = chrono::DateTime::parse_from_rfc3339(at).ok()?;
        Some((at.timestamp() - chrono::Utc::now().timestamp()).max(0) as u64)
    });
    Ok(Session {
        token: token.to_string(),
        refresh: ["refreshToken", "refresh_token"]
            .iter()
            .find_map(|k| v[*k].as_str())
            .map(str::to_string),
        expires: secs.map(|s| std::time::Instant::now() + Duration::from_secs(s)),
    })
}

/// Scheme, host and port equal (the token may go there).
fn same_origin(a: &str, b: &str) -> bool {
    fn origin(u: &str) -> Option<&str> {
        let rest = u.split_once("://")?.1;
        let end = rest.find('/').unwrap_or(rest.len());
        Some(&u[..u.len() - rest.len() + end])
    }
    origin(a).is_some() && origin(a) == origin(b)
}

#[cfg(test)]
mod tests {
    use super::same_origin;

    #[test]
    fn the_token_goes_only_to_the_provinces_own_host() {
        assert!(same_origin(
            "http://127.0.0.1:9000/api",
            "http://127.0.0.1:9000/files/1"
        ));
        assert!(!same_origin(
            "http://127.0.0.1:9000/api",
            "http://127.0.0.1:9001/files/1"
        ));
        assert!(!same_origin(
            "https://tinh.gov.vn",
            "https://tinh.gov.vn.evil.example/x"
        ));
        assert!(!same_origin("https://tinh.gov.vn", "http://tinh.gov.vn/x"));
    }
}
