//! Helpers several handlers share: the session cookie and token, bounded body reading,
//! waiting for a print job's outcome, the shape of a call on the board.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest};
use futures_util::StreamExt;
use serde::Serialize;

use crate::events::EventKind;
use crate::web::{ApiError, AppState};

pub fn session_cookie(token: &str) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token.to_string())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish()
}

/// How long the kiosk waits to learn whether its ticket came out of the printer.
const PRINT_WAIT: std::time::Duration = std::time::Duration::from_secs(4);

/// Waits for the print worker's first word on `job`: printed, or failed (the job stays
/// queued and prints when the printer is back).
pub(crate) async fn print_outcome(
    state: &AppState,
    mut rx: tokio::sync::broadcast::Receiver<std::sync::Arc<crate::events::Event>>,
    job: u64,
) -> (Option<bool>, Option<String>) {
    if !state.services.printer_configured() {
        return (Some(false), Some("Chưa cấu hình máy in phiếu".into()));
    }
    // Behind a job the printer keeps refusing, ours cannot come out now: say so at once.
    let s = state.services.clone();
    let head = web::block(move || s.next_print_job())
        .await
        .ok()
        .and_then(|r| r.ok())
        .flatten();
    if let Some(head) = head.filter(|h| h.id != job) {
        if let Some(err) = head.last_error {
            return (Some(false), Some(err));
        }
    }
    state.services.wake_printer();
    let wait = async {
        loop {
            match rx.recv().await {
                Ok(e) => {
                    if let EventKind::PrintJobChanged {
                        job: j,
                        state,
                        error,
                        ..
                    } = &e.kind
                    {
                        if *j == job {
                            match state.as_str() {
                                "printed" => return (Some(true), None),
                                "failed" | "cancelled" | "held" => {
                                    return (Some(false), error.clone())
                                }
                                _ => {}
                            }
                        }
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(_) => return (Some(false), Some("Máy chủ đang dừng".into())),
            }
        }
    };
    match tokio::time::timeout(PRINT_WAIT, wait).await {
        Ok(r) => r,
        Err(_) => (
            Some(false),
            Some("Máy in chưa phản hồi; phiếu sẽ được in khi máy in sẵn sàng".into()),
        ),
    }
}

#[derive(Serialize)]
pub struct CallView {
    pub seq: u64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub number: String,
    pub counter: u32,
    pub counter_number: u32,
    pub counter_name: String,
    pub priority: bool,
    pub recall: bool,
}

pub fn call_view(e: &crate::events::Event) -> Option<CallView> {
    match &e.kind {
        EventKind::TicketCalled {
            ticket,
            counter,
            counter_number,
            counter_name,
            recall,
        } => Some(CallView {
            seq: e.seq,
            at: e.at,
            number: ticket.number.clone(),
            counter: *counter,
            counter_number: *counter_number,
            counter_name: counter_name.clone(),
            priority: ticket.is_priority(),
            recall: *recall,
        }),
        _ => None,
    }
}

/// Reads a raw request body up to `max` bytes; a dropped connection is an error and
/// nothing is kept.
pub async fn read_body(mut payload: web::Payload, max: usize) -> Result<web::BytesMut, ApiError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::new(
                actix_web::http::StatusCode::BAD_REQUEST,
                "upload_interrupted",
                format!("Tải lên bị ngắt, chưa lưu gì: {e}"),
            )
        })?;
        if body.len() + chunk.len() > max {
            return Err(ApiError::new(
                actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("Tệp quá lớn (tối đa {} MB)", max / (1024 * 1024)),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The address the browser used (`http://host:port`): links fall back to it when no
/// public address is set.
pub fn base_url(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

pub const SESSION_COOKIE: &str = "motcua_session";

/// The session token of a request: the HttpOnly cookie of a browser, or a bearer token.
pub fn request_token(req: &actix_web::HttpRequest) -> Option<String> {
    if let Some(h) = req.headers().get(header::AUTHORIZATION) {
        return h
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_string());
    }
    req.cookie(SESSION_COOKIE).map(|c| c.value().to_string())
}

#[derive(askama::Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: &'a str,
    hint: &'a str,
    home: &'a str,
    home_label: &'a str,
}

/// The page a person sees instead of a JSON refusal: what happened in Vietnamese and a
/// way back. `message` is the refusal's own (already Vietnamese) text.
pub fn error_page(status: StatusCode, message: &str, signed_in: bool) -> actix_web::HttpResponse {
    let (title, hint) = match status.as_u16() {
        403 => (
            "Không có quyền truy cập",
            "Trang này dành cho vai trò khác. Nếu bạn cần dùng, hãy nhờ quản trị viên cấp quyền.",
        ),
        404 => (
            "Không tìm thấy",
            "Kiểm tra lại mã hoặc đường dẫn; mã hồ sơ in trên giấy hẹn có dạng H40.14-260305-0001.",
        ),
        409 => ("Chưa thực hiện được", ""),
        400 | 413 | 422 => ("Thông tin chưa đúng", ""),
        429 => ("Vui lòng thử lại sau", ""),
        _ => (
            "Hệ thống gặp sự cố",
            "Thử lại sau ít phút; nếu vẫn lỗi, báo quản trị viên.",
        ),
    };
    let (home, home_label) = if signed_in {
        ("/", "Về trang làm việc")
    } else {
        ("/login", "Đăng nhập")
    };
    let page = ErrorPage {
        title,
        message,
        hint,
        home,
        home_label,
    };
    let body = askama::Template::render(&page).unwrap_or_else(|_| message.to_string());
    actix_web::HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

/// Whether the request is a person's browser navigating (it asks for HTML), not a script.
pub fn wants_html(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}
