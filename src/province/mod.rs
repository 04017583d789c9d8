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

use crate::domain::sync::{HoSo, QuaTrinhXuLy, ReplyTable, Verdict, STEPS_PER_CALL};

/// The most of a reply read; a province answering 50 MB gets its first megabyte read and
/// the rest refused (it is then a retry, as any reply we cannot read).
const MAX_REPLY: u64 = 1 << 20;

/// How a province is reached.
#[derive(Clone)]
pub struct Profile {
    /// E.g. `https://motcua.tinh.gov.vn/api` (no trailing slash).
    pub base_url: String,
    /// A static bearer token (the reference profile's authentication), if any.
    pub token: Option<String>,
    pub replies: ReplyTable,
    pub timeout: Duration,
}

impl std::fmt::Debug for Profile {
    // The token never reaches a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Profile")
            .field("base_url", &self.base_url)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .finish()
    }
}

/// What became of one dossier's send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    Done,
    Retry(String),
    Reject(String),
}

pub struct Connector {
    profile: Profile,
    agent: ureq::Agent,
}

impl Connector {
    pub fn new(profile: Profile) -> Self {
        let agent = ureq::AgentBuilder::new()
            .timeout(profile.timeout)
            .redirects(0)
            .build();
        Connector { profile, agent }
    }

    pub fn base_url(&self) -> &str {
        &self.profile.base_url
    }

    /// A request to `{base}{path}` carrying the profile's authentication.
    fn request(&self, method: &str, path: &str) -> ureq::Request {
        let url = format!("{}{path}", self.profile.base_url.trim_end_matches('/'));
        self.with_auth(self.agent.request(method, &url))
    }

    fn with_auth(&self, req: ureq::Request) -> ureq::Request {
        match &self.profile.token {
            Some(t) => req.set("Authorization", &format!("Bearer {t}")),
            None => req,
        }
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
        match serde_json::to_value(body) {
            Ok(v) => Self::exchange(self.request("POST", path), Some(&v), MAX_REPLY),
            Err(e) => (0, format!("không tạo được gói tin: {e}")),
        }
    }

    fn verdict(&self, (status, body): (u16, String)) -> Verdict {
        if status == 0 {
            return Verdict::Retry(body);
        }
        self.profile.replies.read_json(status, &body)
    }

    /// Sends the dossier and all its steps. `Done` only when every call was read as
    /// applied.
    pub fn send(&self, hoso: &HoSo, steps: &[QuaTrinhXuLy]) -> Sent {
        let body = [hoso];
        let mut add = true;
        // add → (exists) update → (unknown) add: two rounds at most.
        let mut applied = false;
        for _ in 0..4 {
            let v = self.verdict(self.post(
                if add {
                    "/HoSo/ThemMoi"
                } else {
                    "/HoSo/CapNhat"
                },
                &body,
            ));
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
            let (status, text) = self.post("/HoSo/DongBoTienTrinh", &chunk);
            let v = if status == 0 {
                Verdict::Retry(text)
            } else {
                self.profile.replies.read_progress(status, &text)
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
        Self::exchange(self.request("GET", path_and_query), None, MAX_REPLY * 8)
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
        let data = self.data(self.get(&format!("/HoSo/ChoTiepNhan?MaDonVi={unit}")))?;
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
        self.data(self.get(&format!("/HoSo/ChiTiet?MaHoSo={national}")))
    }

    /// Tells the province the dossier is here (`DaNhan`), after the local commit.
    pub fn online_ack(&self, national: &str, local: &str) -> Result<(), String> {
        let body = serde_json::json!({ "MaHoSo": national, "MaHoSoDonVi": local });
        match self.verdict(self.post("/HoSo/DaNhan", &body)) {
            Verdict::Done => Ok(()),
            other => Err(format!("{other:?}")),
        }
    }

    /// An online paper's file at `url` (`DuongDanTaiTepTin`): absolute, or a path under the
    /// province's address. The profile's authentication goes only to the province's own
    /// host, never to another one a packet names. At most `limit` bytes.
    pub fn fetch_file(&self, url: &str, limit: usize) -> Result<Vec<u8>, String> {
        let base = self.profile.base_url.trim_end_matches('/');
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
        self.get("/HoSo/ChoTiepNhan?MaDonVi=ping").0
    }
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
