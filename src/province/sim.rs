//! The simulated province: the reference profile of INTEGRATION.md §4, on its own
//! (`motcua sim province --listen ADDR --unit CODE`) for district IT to try a profile and
//! for the tests, which drive it as a separate process over loopback. It keeps what it
//! received and has switches for the faults real provinces show.
//!
//! Control (no token needed, loopback only in practice):
//! `GET /_sim/state` → `{dossiers: {MaHoSo: HoSo}, steps: {MaHoSo: {SoThuTu: step}}, calls}`;
//! `PUT /_sim/faults` with any of `{fail_5xx: n, lose_ack: n, slow_ms: n,
//! reject_codes: ["MaTTHC", …], token_expired: bool, odd_reply: n, huge_reply: n}`; `POST /_sim/online` files an
//! online dossier (its HoSo); `PUT /_sim/files/<name>` puts a file it serves at
//! `/TepTin/<name>`.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Switchable faults.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// The next N calls answer HTTP 503 and apply nothing.
    pub fail_5xx: u32,
    /// The next N calls that change something apply it, then drop the connection before
    /// the reply is complete (the client cannot know it was applied).
    pub lose_ack: u32,
    /// Every reply waits this long.
    pub slow_ms: u64,
    /// Dossiers of these procedure codes are refused for good ("-2").
    pub reject_codes: Vec<String>,
    /// The token is refused (401), as after it expired.
    pub token_expired: bool,
    /// The next N changing calls apply nothing and answer a text no table knows
    /// (`{"error_code":"0","message":"Đã ghi nhận yêu cầu"}`): never to be read as success.
    pub odd_reply: u32,
    /// The next N changing calls apply nothing and answer 50 MB of text (a proxy's error
    /// page gone wrong): the client must read a bounded part and call it a retry.
    pub huge_reply: u32,
}

#[derive(Debug, Default, Serialize)]
pub struct State {
    pub dossiers: BTreeMap<String, Value>,
    pub steps: BTreeMap<String, BTreeMap<u32, Value>>,
    /// Calls per endpoint (to see retries and round trips).
    pub calls: BTreeMap<String, u64>,
    /// Online dossiers filed for the unit (queued by `POST /_sim/online`), by national
    /// code, with whether the commune acknowledged them and its local code.
    pub online: BTreeMap<String, (Value, Option<String>)>,
    /// Files an online dossier's papers link to (`DuongDanTaiTepTin` = `/TepTin/<name>`).
    #[serde(skip)]
    pub files: BTreeMap<String, Vec<u8>>,
    #[serde(skip)]
    pub faults: Faults,
    #[serde(skip)]
    token: String,
    #[serde(skip)]
    unit: String,
    /// `Some(username)`: login mode (the token is then the password, sessions are
    /// issued by `/Auth/DangNhap` and the `dstcode` header must carry the unit).
    #[serde(skip)]
    login_user: Option<String>,
    /// Issued sessions and refresh tokens (login mode).
    #[serde(skip)]
    sessions: HashSet<String>,
    #[serde(skip)]
    refresh_tokens: HashSet<String>,
    #[serde(skip)]
    issued: u64,
    /// Seconds a session lasts (login mode).
    #[serde(skip)]
    pub session_secs: u64,
}

pub type Shared = Arc<Mutex<State>>;

pub fn shared(unit: &str, token: &str) -> Shared {
    Arc::new(Mutex::new(State {
        unit: unit.to_string(),
        token: token.to_string(),
        session_secs: 3600,
        ..Default::default()
    }))
}

/// A province that wants a login (`username` + the token as password, header `dstcode`
/// = the unit) and then the session as a bearer token.
pub fn shared_login(unit: &str, username: &str, password: &str) -> Shared {
    let st = shared(unit, password);
    st.lock().unwrap_or_else(|p| p.into_inner()).login_user = Some(username.to_string());
    st
}

fn issue(s: &mut State) -> Value {
    s.issued += 1;
    let token = format!("phien-{}-{}", s.issued, rand::random::<u32>());
    let refresh = format!("lam-moi-{}-{}", s.issued, rand::random::<u32>());
    s.sessions.insert(token.clone());
    s.refresh_tokens.insert(refresh.clone());
    json!({"error_code": "0", "message": "Đăng nhập thành công", "token": token,
           "refreshToken": refresh, "expires_in": s.session_secs})
}

fn unit_header_ok(s: &State, req: &HttpRequest) -> bool {
    req.headers()
        .get("dstcode")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == s.unit)
}

/// `/Auth/DangNhap` `{username, password}` (login mode only).
async fn dang_nhap(st: web::Data<Shared>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let mut s = st.lock().unwrap_or_else(|p| p.into_inner());
    *s.calls.entry("DangNhap".into()).or_default() += 1;
    let v: Value = serde_json::from_slice(&body).unwrap_or_default();
    let ok = s.login_user.as_deref() == v["username"].as_str()
        && s.login_user.is_some()
        && v["password"].as_str() == Some(s.token.as_str())
        && unit_header_ok(&s, &req);
    if !ok {
        return HttpResponse::Unauthorized()
            .json(json!({"error_code": "-302", "message": "Sai tài khoản hoặc mã đơn vị"}));
    }
    HttpResponse::Ok().json(issue(&mut s))
}

/// `/Auth/LamMoi` `{refreshToken}`: a new session for a refresh token issued earlier.
async fn lam_moi(st: web::Data<Shared>, body: web::Bytes) -> HttpResponse {
    let mut s = st.lock().unwrap_or_else(|p| p.into_inner());
    *s.calls.entry("LamMoi".into()).or_default() += 1;
    let v: Value = serde_json::from_slice(&body).unwrap_or_default();
    match v["refreshToken"].as_str() {
        Some(r) if s.refresh_tokens.remove(r) => HttpResponse::Ok().json(issue(&mut s)),
        _ => HttpResponse::Unauthorized()
            .json(json!({"error_code": "-302", "message": "Phiên làm mới không hợp lệ"})),
    }
}

fn reply(code: &str, message: &str) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "error_code": code, "message": message }))
}

/// Applied, but the reply never arrives whole: a body stream that fails.
fn lost() -> HttpResponse {
    let s = futures_util::stream::once(async {
        Err::<web::Bytes, std::io::Error>(std::io::Error::other("connection dropped by simulator"))
    });
    HttpResponse::Ok()
        .content_type("application/json")
        .streaming(s)
}

fn yyyymmddhhmmss(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.is_empty() || (s.len() == 14 && s.chars().all(|c| c.is_ascii_digit())))
}

/// The checks a province makes of a HoSo (all values strings, dates 14 digits).
fn check_hoso(h: &Value, reject: &HashSet<String>) -> Result<String, String> {
    let code = h["MaHoSo"]
        .as_str()
        .filter(|c| !c.is_empty())
        .ok_or("thiếu MaHoSo")?;
    let tthc = h["MaTTHC"].as_str().ok_or("thiếu MaTTHC")?;
    if reject.contains(tthc) {
        return Err(format!("MaTTHC {tthc} không có trong danh mục"));
    }
    for k in [
        "NgayNopHoSo",
        "NgayTiepNhan",
        "NgayHenTra",
        "NgayTra",
        "NgayKetThucXuLy",
    ] {
        if !yyyymmddhhmmss(&h[k]) {
            return Err(format!("{k} sai định dạng yyyyMMddHHmmss"));
        }
    }
    if !h["TrangThaiHoSo"].is_string() || !h["KenhThucHien"].is_string() {
        return Err("TrangThaiHoSo, KenhThucHien phải là chuỗi".into());
    }
    // The signed result's link: only once there is a result, each entry a code and an
    // address the portal can fetch.
    match &h["DanhSachGiayToKetQua"] {
        Value::Null => {}
        Value::Array(list) => {
            if !list.is_empty() && !matches!(h["TrangThaiHoSo"].as_str(), Some("9" | "10")) {
                return Err("DanhSachGiayToKetQua chỉ gửi khi hồ sơ đã có kết quả (9, 10)".into());
            }
            for g in list {
                if g["MaGiayToKetQua"].as_str().is_none_or(str::is_empty) {
                    return Err("DanhSachGiayToKetQua: thiếu MaGiayToKetQua".into());
                }
                let url = g["DuongDanTepTinKetQua"].as_str().unwrap_or("");
                if !(url.starts_with("https://") || url.starts_with("http://")) {
                    return Err(format!(
                        "DanhSachGiayToKetQua: DuongDanTepTinKetQua «{url}» không phải địa chỉ tải được"
                    ));
                }
            }
        }
        _ => return Err("DanhSachGiayToKetQua phải là danh sách".into()),
    }
    Ok(code.to_string())
}

/// Counts the call, applies the token and the 5xx/slow faults; `Err` is the reply.
fn gate(st: &Shared, req: &HttpRequest, what: &str) -> Result<u64, HttpResponse> {
    let mut s = st.lock().unwrap_or_else(|p| p.into_inner());
    *s.calls.entry(what.to_string()).or_default() += 1;
    let auth = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let refused = || {
        HttpResponse::Unauthorized()
            .json(json!({"error_code": "-302", "message": "Sai khóa kết nối"}))
    };
    if s.login_user.is_some() {
        // Login mode: an expiry ends every session issued so far (a new login works).
        if s.faults.token_expired {
            s.faults.token_expired = false;
            s.sessions.clear();
            s.refresh_tokens.clear();
        }
        let session = auth.strip_prefix("Bearer ").unwrap_or("");
        if !s.sessions.contains(session) || !unit_header_ok(&s, req) {
            return Err(refused());
        }
    } else if s.faults.token_expired || auth != format!("Bearer {}", s.token) {
        return Err(refused());
    }
    if s.faults.fail_5xx > 0 {
        s.faults.fail_5xx -= 1;
        return Err(HttpResponse::ServiceUnavailable().body("Service Unavailable"));
    }
    Ok(s.faults.slow_ms)
}

async fn slow(ms: u64) {
    if ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
}

fn take_lost(st: &Shared) -> bool {
    let mut s = st.lock().unwrap_or_else(|p| p.into_inner());
    if s.faults.lose_ack > 0 {
        s.faults.lose_ack -= 1;
        true
    } else {
        false
    }
}

async fn upsert(
    st: web::Data<Shared>,
    req: HttpRequest,
    body: web::Bytes,
    update: bool,
) -> HttpResponse {
    let what = if update { "CapNhat" } else { "ThemMoi" };
    let ms = match gate(&st, &req, what) {
        Ok(ms) => ms,
        Err(r) => return r,
    };
    slow(ms).await;
    let Ok(Value::Array(list)) = serde_json::from_slice::<Value>(&body) else {
        return reply(
            "-2",
            "Logic xử lý không hợp lệ: thân yêu cầu phải là mảng HoSo",
        );
    };
    if list.is_empty() || list.len() > 20 {
        return reply("-2", "Logic xử lý không hợp lệ: mỗi lần 1–20 hồ sơ");
    }
    let mut s = st.lock().unwrap_or_else(|p| p.into_inner());
    if s.faults.odd_reply > 0 {
        s.faults.odd_reply -= 1;
        return reply("0", "Đã ghi nhận yêu cầu");
    }
    if s.faults.huge_reply > 0 {
        s.faults.huge_reply -= 1;
        let chunk = web::Bytes::from(vec![b'x'; 1 << 20]);
        let body = futures_util::stream::iter(
            (0..50).map(move |_| Ok::<_, std::io::Error>(chunk.clone())),
        );
        return HttpResponse::Ok().content_type("text/html").streaming(body);
    }
    let reject: HashSet<String> = s.faults.reject_codes.iter().cloned().collect();
    let mut codes = Vec::new();
    for h in &list {
        match check_hoso(h, &reject) {
            Ok(c) => codes.push(c),
            Err(e) => return reply("-2", &format!("Logic xử lý không hợp lệ: {e}")),
        }
    }
    // All or nothing, as the reference profile says.
    for c in &codes {
        let known = s.dossiers.contains_key(c);
        if !update && known {
            return reply("-1", &format!("Hồ sơ {c} đã tồn tại"));
        }
        if update && !known {
            return reply("-1", &format!("Hồ sơ {c} không tồn tại"));
        }
    }
    for (c, h) in codes.into_iter().zip(list) {
        s.dossiers.insert(c, h);
    }
    drop(s);
    if take_lost(&st) {
        return lost();
    }
    reply(
        "0",
        if update {
            "Cập nhật thành công"
        } else {
            "Thêm mới thành công"
        },
    )
}

async fn them_moi(st: web::Data<Shared>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    upsert(st, req, body, false).await
}

async fn cap_nhat(st: web::Data<Shared>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    upsert(st, req, body, true).await
}

async fn tien_trinh(st: web::Data<Shared>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let ms = match gate(&st, &req, "DongBoTienTrinh") {
        Ok(ms) => ms,
        Err(r) => return r,
    };
    slow(ms).await;
    let Ok(Value::Array(list)) = serde_json::from_slice::<Value>(&body) else {
        return reply(
            "-2",
            "Logic xử lý không hợp lệ: thân yêu cầu phải là mảng QuaTrinhXuLy",
        );
    };
    if list.is_empty() || list.len() > 10 {
        return reply("-2", "Logic xử lý không hợp lệ: mỗi lần 1–10 bước");
    }
    let mut parsed = Vec::new();
    for q in &list {
        let (Some(code), Some(n)) = (
            q["MaHoSo"].as_str(),
            q["SoThuTu"].as_str().and_then(|n| n.parse::<u32>().ok()),
        ) else {
            return reply("-2", "Logic xử lý không hợp lệ: thiếu MaHoSo hoặc SoThuTu");
        };
        if !yyyymmddhhmmss(&q["ThoiDiemXuLy"]) {
            return reply("-2", "Logic xử lý không hợp lệ: ThoiDiemXuLy sai định dạng");
        }
        parsed.push((code.to_string(), n, q.clone()));
    }
    let mut s = st.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((c, _, _)) = parsed.iter().find(|(c, _, _)| !s.dossiers.contains_key(c)) {
        return reply("-1", &format!("Hồ sơ {c} không tồn tại"));
    }
    for (c, n, q) in parsed {
        s.steps.entry(c).or_default().insert(n, q);
    }
    drop(s);
    if take_lost(&st) {
        return lost();
    }
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("Đồng bộ thành công")
}

#[derive(Deserialize)]
struct UnitQuery {
    #[serde(rename = "MaDonVi", default)]
    ma_don_vi: String,
}

async fn cho_tiep_nhan(
    st: web::Data<Shared>,
    req: HttpRequest,
    q: web::Query<UnitQuery>,
) -> HttpResponse {
    if let Err(r) = gate(&st, &req, "ChoTiepNhan") {
        return r;
    }
    let s = st.lock().unwrap_or_else(|p| p.into_inner());
    let mine = q.ma_don_vi == s.unit;
    let data: Vec<Value> = s
        .online
        .iter()
        .filter(|(_, (_, acked))| mine && acked.is_none())
        .map(|(code, (h, _))| json!({"MaHoSo": code, "MaTTHC": h["MaTTHC"], "NgayNopHoSo": h["NgayNopHoSo"]}))
        .collect();
    HttpResponse::Ok().json(json!({"error_code": "0", "data": data}))
}

#[derive(Deserialize)]
struct CodeQuery {
    #[serde(rename = "MaHoSo")]
    ma_ho_so: String,
}

async fn chi_tiet(
    st: web::Data<Shared>,
    req: HttpRequest,
    q: web::Query<CodeQuery>,
) -> HttpResponse {
    if let Err(r) = gate(&st, &req, "ChiTiet") {
        return r;
    }
    let s = st.lock().unwrap_or_else(|p| p.into_inner());
    match s.online.get(&q.ma_ho_so) {
        Some((h, _)) => HttpResponse::Ok().json(json!({"error_code": "0", "data": h})),
        None => reply("-1", &format!("Hồ sơ {} không tồn tại", q.ma_ho_so)),
    }
}

/// `TraCuu`: what the province holds of one dossier (reconciliation).
async fn tra_cuu(
    st: web::Data<Shared>,
    req: HttpRequest,
    q: web::Query<CodeQuery>,
) -> HttpResponse {
    if let Err(r) = gate(&st, &req, "TraCuu") {
        return r;
    }
    let s = st.lock().unwrap_or_else(|p| p.into_inner());
    match s.dossiers.get(&q.ma_ho_so) {
        Some(h) => {
            let steps: Vec<&Value> = s
                .steps
                .get(&q.ma_ho_so)
                .map(|m| m.values().collect())
                .unwrap_or_default();
            HttpResponse::Ok()
                .json(json!({"error_code": "0", "data": {"HoSo": h, "QuaTrinhXuLy": steps}}))
        }
        None => reply("-1", &format!("Hồ sơ {} không tồn tại", q.ma_ho_so)),
    }
}

/// Forgets a dossier, as a province that lost data would (`DELETE /_sim/dossiers/<code>`).
async fn forget(st: web::Data<Shared>, code: web::Path<String>) -> HttpResponse {
    let mut s = st.lock().unwrap_or_else(|p| p.into_inner());
    s.dossiers.remove(code.as_str());
    s.steps.remove(code.as_str());
    HttpResponse::NoContent().finish()
}

async fn da_nhan(st: web::Data<Shared>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    if let Err(r) = gate(&st, &req, "DaNhan") {
        return r;
    }
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return reply("-2", "Logic xử lý không hợp lệ: thân yêu cầu");
    };
    let (Some(code), Some(local)) = (v["MaHoSo"].as_str(), v["MaHoSoDonVi"].as_str()) else {
        return reply("-2", "Logic xử lý không hợp lệ: thiếu MaHoSo, MaHoSoDonVi");
    };
    let mut s = st.lock().unwrap_or_else(|p| p.into_inner());
    match s.online.get_mut(code) {
        Some(entry) => {
            entry.1 = Some(local.to_string());
            reply("0", "Cập nhật thành công")
        }
        None => reply("-1", &format!("Hồ sơ {code} không tồn tại")),
    }
}

/// A paper's file, behind the profile's authentication as any other call.
async fn tep_tin(st: web::Data<Shared>, req: HttpRequest, name: web::Path<String>) -> HttpResponse {
    if let Err(r) = gate(&st, &req, "TepTin") {
        return r;
    }
    let s = st.lock().unwrap_or_else(|p| p.into_inner());
    match s.files.get(name.as_str()) {
        Some(b) => HttpResponse::Ok()
            .content_type("application/octet-stream")
            .body(b.clone()),
        None => HttpResponse::NotFound().body("Không tìm thấy tệp"),
    }
}

/// Puts a file the province serves at `/TepTin/<name>` (tests, the demo).
async fn put_file(
    st: web::Data<Shared>,
    name: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    st.lock()
        .unwrap_or_else(|p| p.into_inner())
        .files
        .insert(name.into_inner(), body.to_vec());
    HttpResponse::NoContent().finish()
}

/// Files an online dossier for the unit (tests, the demo): the body is its HoSo.
async fn file_online(st: web::Data<Shared>, h: web::Json<Value>) -> HttpResponse {
    let h = h.into_inner();
    if h["MaHoSo"].as_str().is_none() {
        return HttpResponse::BadRequest().body("MaHoSo");
    }
    file(&st, h);
    HttpResponse::NoContent().finish()
}

async fn state(st: web::Data<Shared>) -> HttpResponse {
    let s = st.lock().unwrap_or_else(|p| p.into_inner());
    HttpResponse::Ok().json(&*s)
}

async fn set_faults(st: web::Data<Shared>, f: web::Json<Faults>) -> HttpResponse {
    st.lock().unwrap_or_else(|p| p.into_inner()).faults = f.into_inner();
    HttpResponse::NoContent().finish()
}

/// Files an online dossier for the unit directly (the demo's morning).
pub fn file(st: &Shared, hoso: Value) {
    if let Some(code) = hoso["MaHoSo"].as_str().map(str::to_string) {
        let mut s = st.lock().unwrap_or_else(|p| p.into_inner());
        s.dossiers.insert(code.clone(), hoso.clone());
        s.online.insert(code, (hoso, None));
    }
}

/// Serves the simulated province on `listener` until the process ends.
pub async fn serve(listener: std::net::TcpListener, st: Shared) -> std::io::Result<()> {
    start(listener, st)?.await
}

/// The simulated province's server, built and bound (spawn it, or await it).
pub fn start(
    listener: std::net::TcpListener,
    st: Shared,
) -> std::io::Result<actix_web::dev::Server> {
    let data = web::Data::new(st);
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(web::PayloadConfig::new(8 << 20))
            .route("/HoSo/ThemMoi", web::post().to(them_moi))
            .route("/HoSo/CapNhat", web::post().to(cap_nhat))
            .route("/HoSo/DongBoTienTrinh", web::post().to(tien_trinh))
            .route("/HoSo/ChoTiepNhan", web::get().to(cho_tiep_nhan))
            .route("/HoSo/ChiTiet", web::get().to(chi_tiet))
            .route("/HoSo/DaNhan", web::post().to(da_nhan))
            .route("/HoSo/TraCuu", web::get().to(tra_cuu))
            .route("/_sim/dossiers/{code}", web::delete().to(forget))
            .route("/TepTin/{name}", web::get().to(tep_tin))
            .route("/Auth/DangNhap", web::post().to(dang_nhap))
            .route("/Auth/LamMoi", web::post().to(lam_moi))
            .route("/_sim/files/{name}", web::put().to(put_file))
            .route("/_sim/online", web::post().to(file_online))
            .route("/_sim/state", web::get().to(state))
            .route("/_sim/faults", web::put().to(set_faults))
    })
    .workers(2)
    .listen(listener)?
    .run())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_link_is_checked_like_the_portal_would() {
        let base = |status: &str, list: Value| {
            json!({"MaHoSo": "H40.14-260305-0001", "MaTTHC": "1.004873", "TrangThaiHoSo": status,
                   "KenhThucHien": "1", "NgayNopHoSo": "", "NgayTiepNhan": "", "NgayHenTra": "",
                   "NgayTra": "", "NgayKetThucXuLy": "", "DanhSachGiayToKetQua": list})
        };
        let none = HashSet::new();
        let good = json!([{"MaGiayToKetQua": "H40.14-260305-0001-KQ",
                           "DuongDanTepTinKetQua": "https://motcua.tanphu.gov.vn/tra-cuu/abc/ket-qua.pdf"}]);
        assert!(check_hoso(&base("10", good.clone()), &none).is_ok());
        assert!(check_hoso(&base("9", json!([])), &none).is_ok());
        assert!(check_hoso(&base("4", good), &none)
            .unwrap_err()
            .contains("đã có kết quả"));
        let no_url = json!([{"MaGiayToKetQua": "X", "DuongDanTepTinKetQua": "/tra-cuu/abc"}]);
        assert!(check_hoso(&base("10", no_url), &none)
            .unwrap_err()
            .contains("không phải địa chỉ"));
        assert!(check_hoso(&base("10", json!("x")), &none).is_err());
    }
}
