//! The only module that speaks HTTP, HTML and JSON. Handlers are thin: extract, call a
//! service function on a blocking thread, shape the answer.

pub mod api;
pub mod assets;
mod common;
pub mod pages;
pub mod routes;
pub mod sse;

use std::future::{ready, Ready};

use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;

use crate::events::Actor;
use crate::service::auth::Principal;
use crate::service::{ServiceError, Services};

/// Shared by all handlers.
pub struct AppState {
    pub services: Services,
    /// Changes whenever the binary or its embedded UI changes: screens reload on it.
    pub build_id: String,
    /// Becomes true when the server stops: live feeds end so shutdown does not wait on them.
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    /// SHA-256 fingerprint of the HTTPS certificate, when HTTPS is on.
    pub tls_fingerprint: Option<String>,
    /// When this server started (uptime in /metrics).
    pub started: std::time::Instant,
}

/// Bodies larger than this are refused before parsing.
pub const JSON_LIMIT: usize = 64 * 1024;

/// The API's error: a stable `code` and a Vietnamese `message`.
#[derive(Debug, Serialize)]
pub struct ApiError {
    #[serde(skip)]
    pub status: StatusCode,
    pub code: String,
    pub message: String,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status).json(self)
    }
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.into(),
            message: message.into(),
        }
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Cần đăng nhập hoặc ghép nối thiết bị",
        )
    }

    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Tài khoản của bạn không có quyền thực hiện thao tác này",
        )
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("Không tìm thấy {what}"),
        )
    }

    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn internal(detail: String) -> Self {
        tracing::error!(%detail, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Lỗi hệ thống, vui lòng thử lại",
        )
    }
}

impl ApiError {
    pub fn error_response_json(&self) -> HttpResponse {
        ResponseError::error_response(self)
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        let status = match &e {
            ServiceError::Queue(_) => StatusCode::CONFLICT,
            ServiceError::Rating(r) => {
                use crate::domain::rating::RatingError as R;
                match r {
                    R::AlreadyRated | R::NotServed => StatusCode::CONFLICT,
                    _ => StatusCode::UNPROCESSABLE_ENTITY,
                }
            }
            ServiceError::Dossier(d) => {
                use crate::domain::dossier::DossierError as D;
                match d {
                    D::IllegalTransition { .. } | D::ApologyAlreadySent | D::NotHolder { .. } => {
                        StatusCode::CONFLICT
                    }
                    _ => StatusCode::UNPROCESSABLE_ENTITY,
                }
            }
            ServiceError::NotFound(_) => StatusCode::NOT_FOUND,
            ServiceError::Forbidden(_) => StatusCode::FORBIDDEN,
            ServiceError::Invalid(_) | ServiceError::Rejected { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ServiceError::Conflict { .. } => StatusCode::CONFLICT,
            ServiceError::Internal(detail) => return ApiError::internal(detail.clone()),
            ServiceError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ServiceError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            ServiceError::Store(se) if se.is_previous_io() => {
                return ApiError::new(
                    StatusCode::INSUFFICIENT_STORAGE,
                    "storage_unavailable",
                    "Máy chủ đã ngừng ghi sau một lỗi ổ đĩa (ổ đầy?) để bảo toàn dữ liệu: giải phóng dung lượng; dịch vụ tự khởi động lại.",
                );
            }
            ServiceError::Store(se) if se.is_disk_full() => {
                tracing::error!("disk full: {se}");
                return ApiError::new(
                    StatusCode::INSUFFICIENT_STORAGE,
                    "disk_full",
                    "Ổ đĩa máy chủ đã đầy: chưa lưu được. Báo quản trị viên giải phóng dung lượng (xoá bản sao lưu cũ, chép ra USB).",
                );
            }
            ServiceError::Store(_) => return ApiError::internal(e.to_string()),
            ServiceError::Digitize(d) => {
                use crate::domain::dossier::digitize::DigitizeError as D;
                match d {
                    D::Closed | D::ResultNotYet => StatusCode::CONFLICT,
                    D::NoFile => StatusCode::NOT_FOUND,
                    _ => StatusCode::UNPROCESSABLE_ENTITY,
                }
            }
            ServiceError::Device(_) => StatusCode::BAD_GATEWAY,
            ServiceError::Update(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ServiceError::Indicators(i) => match i {
                crate::domain::dossier::indicators::IndicatorError::BadScore => {
                    StatusCode::UNPROCESSABLE_ENTITY
                }
                _ => StatusCode::CONFLICT,
            },
        };
        ApiError::new(status, e.code(), e.to_string())
    }
}

/// Runs blocking service work (redb fsync, argon2) off the async workers.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ServiceError> + Send + 'static,
) -> Result<T, ApiError> {
    web::block(f)
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .map_err(ApiError::from)
}

/// The signed-in principal (set by the access middleware) and the request's address.
pub struct Caller {
    pub principal: Principal,
    pub addr: Option<String>,
}

impl Caller {
    pub fn actor(&self) -> Actor {
        Actor {
            name: self.principal.name.clone(),
            role: self.principal.role.as_str().into(),
            addr: self.addr.clone(),
        }
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let principal = req.extensions().get::<Principal>().cloned();
        ready(
            principal
                .map(|principal| Caller {
                    principal,
                    addr: peer(req),
                })
                .ok_or_else(ApiError::unauthorized),
        )
    }
}

pub fn peer(req: &HttpRequest) -> Option<String> {
    req.peer_addr().map(|a| a.ip().to_string())
}

/// JSON and path extractor errors become our JSON errors.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(JSON_LIMIT)
            .error_handler(|err, _| {
                let (code, msg) = match &err {
                    actix_web::error::JsonPayloadError::Overflow { .. }
                    | actix_web::error::JsonPayloadError::OverflowKnownLength { .. } => {
                        ("payload_too_large", "Dữ liệu gửi lên quá lớn".to_string())
                    }
                    actix_web::error::JsonPayloadError::ContentType => (
                        "unsupported_media_type",
                        "Cần gửi dữ liệu dạng application/json".to_string(),
                    ),
                    other => (
                        "malformed_json",
                        format!("Dữ liệu JSON không hợp lệ: {other}"),
                    ),
                };
                let status = if code == "payload_too_large" {
                    StatusCode::PAYLOAD_TOO_LARGE
                } else {
                    StatusCode::BAD_REQUEST
                };
                ApiError::new(status, code, msg).into()
            }),
    )
    .app_data(
        web::PathConfig::default().error_handler(|_, _| ApiError::not_found("đối tượng").into()),
    )
    .app_data(
        web::QueryConfig::default()
            .error_handler(|e, _| ApiError::bad_request("invalid_query", e.to_string()).into()),
    )
    .app_data(web::FormConfig::default().limit(16 * 1024));
    routes::register(cfg);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapped(e: ServiceError) -> (u16, String, String) {
        let a = ApiError::from(e);
        (a.status.as_u16(), a.code, a.message)
    }

    /// Bad input is 422 with its code, a state conflict 409, a server fault 500 whose
    /// detail stays in the log.
    #[test]
    fn refusals_keep_their_code_and_status() {
        assert_eq!(
            mapped(ServiceError::Invalid("Tên quá dài".into())),
            (422, "invalid_input".into(), "Tên quá dài".into())
        );
        assert_eq!(
            mapped(ServiceError::rejected("reason_required", "Cần lý do")),
            (422, "reason_required".into(), "Cần lý do".into())
        );
        assert_eq!(
            mapped(ServiceError::conflict("scanner_busy", "Máy quét đang bận")),
            (409, "scanner_busy".into(), "Máy quét đang bận".into())
        );
        let (s, code, msg) = mapped(ServiceError::Internal("argon2: out of memory".into()));
        assert_eq!((s, code.as_str()), (500, "internal_error"));
        assert!(!msg.contains("argon2"), "{msg}");
        assert_eq!(mapped(ServiceError::NotFound("hồ sơ")).0, 404);
        assert_eq!(
            mapped(ServiceError::Device("máy quét mất kết nối".into())).0,
            502
        );
    }
}
