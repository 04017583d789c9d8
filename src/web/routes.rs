//! The route table: every route is registered from here and declares who may call it, so
//! a route without a rule cannot exist. The access middleware enforces the rule before
//! any handler runs, and a test walks the whole table × every role.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse};

use super::common::{error_page, request_token, wants_html};
use super::{api, assets, pages, sse, ApiError, AppState};
use crate::domain::center::Role;
use crate::service::auth::Principal;

/// Who may call a route.
#[derive(Debug, Clone, Copy)]
pub enum Access {
    /// Anyone on the LAN, no login.
    Public,
    /// Any signed-in user or paired device.
    Authenticated,
    /// Only these roles.
    Roles(&'static [Role]),
}

impl Access {
    pub fn allows(&self, role: Option<Role>) -> bool {
        match (self, role) {
            (Access::Public, _) => true,
            (Access::Authenticated, r) => r.is_some(),
            (Access::Roles(rs), Some(r)) => rs.contains(&r),
            (Access::Roles(_), None) => false,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct RouteSpec {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}

const ADMIN: Access = Access::Roles(&[Role::Admin]);
const STAFF: Access = Access::Roles(&[Role::Admin, Role::Leader, Role::Officer]);
const OPERATE: Access = Access::Roles(&[Role::Admin, Role::Officer]);
const ISSUE: Access = Access::Roles(&[Role::Admin, Role::Officer, Role::Kiosk]);
const BOARD: Access = Access::Roles(&[Role::Admin, Role::Leader, Role::Officer, Role::Display]);
const LIVE: Access = Access::Authenticated;
const REPORTS: Access = Access::Roles(&[Role::Admin, Role::Leader]);
const RATE: Access = Access::Roles(&[Role::Rating]);
const RATE_SCREEN: Access = Access::Roles(&[Role::Admin, Role::Rating]);

macro_rules! routes {
    ($( $method:ident $path:literal => $handler:path, $access:expr; )*) => {
        pub const ROUTES: &[RouteSpec] = &[
            $( RouteSpec { method: stringify!($method), path: $path, access: $access } ),*
        ];

        /// Each route is its own resource, guarded by its method and wrapped in the access
        /// check with its own rule: the rule enforced is the one of the route that runs,
        /// with no second lookup of the path that could pick another route.
        pub fn register(cfg: &mut web::ServiceConfig) {
            $( {
                let spec = RouteSpec { method: stringify!($method), path: $path, access: $access };
                cfg.service(
                    web::resource($path)
                        .guard(actix_web::guard::Method(Method::$method))
                        .wrap(actix_web::middleware::from_fn(move |req, next| access(spec, req, next)))
                        .route(web::route().to($handler)),
                );
            } )*
        }
    };
}

routes! {
    GET  "/" => pages::index, Access::Public;
    GET  "/healthz" => api::healthz, Access::Public;
    GET  "/metrics" => api::metrics, Access::Public;
    GET  "/login" => pages::login_page, Access::Public;
    POST "/login" => pages::login_submit, Access::Public;
    POST "/logout" => pages::logout, Access::Authenticated;
    GET  "/password" => pages::password_page, Access::Authenticated;
    POST "/password" => pages::password_submit, Access::Authenticated;
    GET  "/pair" => pages::pair_page, Access::Public;
    POST "/pair" => pages::pair_submit, Access::Public;
    GET  "/pair/{token}" => pages::pair_device, Access::Public;
    GET  "/t/{id}/{token}" => pages::ticket_status, Access::Public;
    POST "/t/{id}/{token}/danh-gia" => pages::ticket_rate, Access::Public;
    GET  "/danh-gia" => pages::rating_screen, RATE_SCREEN;
    GET  "/static/{file:.*}" => assets::static_file, Access::Public;
    GET  "/kiosk" => pages::kiosk, ISSUE;
    GET  "/counter" => pages::counter, OPERATE;
    GET  "/display" => pages::display, BOARD;
    GET  "/admin" => pages::admin, ADMIN;
    GET  "/ho-so" => pages::book, STAFF;
    GET  "/bao-cao" => pages::report_page, REPORTS;
    POST "/bao-cao/cach-dem" => pages::report_conventions_submit, ADMIN;
    GET  "/ho-so/moi" => pages::new_dossier, STAFF;
    GET  "/ky-so" => pages::signatures_page, STAFF;
    GET  "/ky-so/cai-dat" => pages::signers_page, ADMIN;
    GET  "/chung-thuc" => pages::ecopies_page, STAFF;
    GET  "/chung-thuc/so" => pages::ecopy_book_page, STAFF;
    GET  "/chung-thuc/{id}/ban-sao.pdf" => pages::ecopy_copy_file, STAFF;
    GET  "/chung-thuc/{id}/ban-chinh.pdf" => pages::ecopy_original_file, STAFF;
    POST "/chung-thuc/{id}/cap" => pages::ecopy_issue_submit, REPORTS;
    POST "/chung-thuc/{id}/tu-choi" => pages::ecopy_refuse_submit, REPORTS;
    POST "/chung-thuc/{id}/huy-ky" => pages::ecopy_remote_cancel, REPORTS;
    GET  "/xac-thuc/{token}" => pages::ecopy_verify_page, Access::Public;
    GET  "/xac-thuc/{token}/ban-sao.pdf" => pages::ecopy_public_file, Access::Public;
    POST "/ho-so/moi" => pages::new_dossier_submit, STAFF;
    GET  "/ho-so/{code}" => pages::view_dossier, STAFF;
    POST "/ho-so/{code}/thao-tac" => pages::dossier_action_submit, STAFF;
    POST "/ho-so/{code}/dong-bo-lai" => pages::dossier_resync_submit, ADMIN;
    POST "/ho-so/{code}/ky-so" => pages::dossier_sign_submit, REPORTS;
    POST "/ho-so/{code}/ky-so/huy" => pages::dossier_sign_cancel, REPORTS;
    POST "/ho-so/{code}/chung-thuc" => pages::dossier_ecopy_submit, STAFF;
    POST "/ho-so/truc-tuyen/{national}/xep" => pages::inbox_assign_submit, STAFF;
    GET  "/ho-so/{code}/mau/{form}" => pages::dossier_form, STAFF;
    GET  "/thu-tuc" => pages::listing, Access::Public;
    GET  "/thu-tuc/{code}" => pages::procedure_page, Access::Public;
    GET  "/thu-tuc/ap-phich/{id}" => pages::poster, Access::Public;
    GET  "/tra-cuu" => pages::lookup_page, Access::Public;
    POST "/tra-cuu" => pages::lookup_submit, Access::Public;
    GET  "/tra-cuu/{token}" => pages::lookup_by_token, Access::Public;
    GET  "/tra-cuu/{token}/ket-qua.pdf" => pages::lookup_result, Access::Public;

    GET  "/api/v1/openapi.json" => assets::openapi, Access::Public;
    POST "/api/v1/session" => api::create_session, Access::Public;
    DELETE "/api/v1/session" => api::delete_session, Access::Authenticated;
    GET  "/api/v1/me" => api::me, Access::Authenticated;
    POST "/api/v1/me/password" => api::change_password, Access::Authenticated;
    GET  "/api/v1/settings" => api::get_settings, LIVE;
    PUT  "/api/v1/settings" => api::put_settings, ADMIN;
    GET  "/api/v1/settings/reach" => api::settings_reach, ADMIN;
    GET  "/api/v1/services" => api::list_services, LIVE;
    POST "/api/v1/services" => api::create_service, ADMIN;
    PUT  "/api/v1/services/{id}" => api::update_service, ADMIN;
    GET  "/api/v1/counters" => api::list_counters, LIVE;
    POST "/api/v1/counters" => api::create_counter, ADMIN;
    PUT  "/api/v1/counters/{id}" => api::update_counter, ADMIN;
    POST "/api/v1/counters/{id}/open" => api::open_counter, OPERATE;
    POST "/api/v1/counters/{id}/pause" => api::pause_counter, OPERATE;
    POST "/api/v1/counters/{id}/close" => api::close_counter, OPERATE;
    POST "/api/v1/counters/{id}/call-next" => api::call_next, OPERATE;
    POST "/api/v1/counters/{id}/call/{ticket}" => api::call_ticket, OPERATE;
    POST "/api/v1/tickets" => api::issue_ticket, ISSUE;
    GET  "/api/v1/tickets/{id}" => api::get_ticket, STAFF;
    POST "/api/v1/tickets/{id}/{action}" => api::ticket_action, OPERATE;
    GET  "/api/v1/queue" => api::queue_snapshot, BOARD;
    GET  "/api/v1/calls" => api::recent_calls, BOARD;
    GET  "/api/v1/events" => sse::events, LIVE;
    GET  "/api/v1/announcements/{seq}/audio" => api::announcement_audio, BOARD;
    GET  "/api/v1/printer" => api::printer_info, ADMIN;
    PUT  "/api/v1/printer" => api::set_printer, ADMIN;
    GET  "/api/v1/printer/jobs/{seq}/png" => api::printer_job_png, ADMIN;
    PUT  "/api/v1/printer/sim-faults" => api::printer_sim_faults, ADMIN;
    GET  "/api/v1/printer/queue" => api::print_jobs, ADMIN;
    GET  "/api/v1/printer/paper" => api::paper_report, OPERATE;
    POST "/api/v1/printer/reprint/{ticket}" => api::reprint_ticket, OPERATE;
    DELETE "/api/v1/printer/queue/{id}" => api::cancel_print_job, ADMIN;
    POST "/api/v1/printer/test" => api::printer_test, ADMIN;
    GET  "/api/v1/printer/logo" => api::ticket_logo_png, ADMIN;
    PUT  "/api/v1/printer/logo" => api::put_ticket_logo, ADMIN;
    DELETE "/api/v1/printer/logo" => api::delete_ticket_logo, ADMIN;
    GET  "/api/v1/devices" => api::list_devices, ADMIN;
    GET  "/api/v1/devices/usb" => api::usb_devices, ADMIN;
    POST "/api/v1/devices/pairings" => api::create_pairing, ADMIN;
    DELETE "/api/v1/devices/{id}" => api::revoke_device, ADMIN;
    GET  "/api/v1/updates" => api::update_status, ADMIN;
    POST "/api/v1/updates" => api::upload_update, ADMIN;
    GET  "/api/v1/backups" => api::list_backups, ADMIN;
    POST "/api/v1/backups" => api::create_backup, ADMIN;
    POST "/api/v1/backups/usb" => api::backup_to_usb, ADMIN;
    GET  "/api/v1/backups/usb" => api::backup_usb_status, ADMIN;
    GET  "/api/v1/backups/{name}" => api::download_backup, ADMIN;
    GET  "/api/v1/sync" => api::sync_status, REPORTS;
    POST "/api/v1/sync/pull" => api::sync_pull, STAFF;
    GET  "/api/v1/sync/profile" => api::sync_profile, ADMIN;
    PUT  "/api/v1/sync/profile" => api::sync_profile_save, ADMIN;
    POST "/api/v1/sync/probe" => api::sync_probe, ADMIN;
    POST "/api/v1/sync/reconcile" => api::sync_reconcile, ADMIN;
    POST "/api/v1/sync/retry-now" => api::sync_retry_now, ADMIN;
    POST "/api/v1/sync/inbox/{national}/assign" => api::sync_assign, STAFF;
    POST "/api/v1/sync/{code}/replay" => api::sync_replay, ADMIN;
    POST "/api/v1/sync/{code}/resend" => api::sync_resend, ADMIN;
    GET  "/api/v1/audit" => api::audit, ADMIN;
    GET  "/api/v1/audit/verify" => api::audit_verify, ADMIN;
    GET  "/api/v1/users" => api::list_users, ADMIN;
    POST "/api/v1/users" => api::create_user, ADMIN;
    PUT  "/api/v1/users/{username}" => api::update_user, ADMIN;
    POST "/api/v1/users/{username}/reset-password" => api::reset_password, ADMIN;
    POST "/api/v1/ratings" => api::create_rating, RATE;
    GET  "/api/v1/ratings" => api::list_ratings, STAFF;
    GET  "/api/v1/reports/dossiers" => api::dossier_report, REPORTS;
    GET  "/api/v1/reports/queue" => api::queue_report, REPORTS;
    GET  "/api/v1/reports/conventions" => api::report_conventions, REPORTS;
    PUT  "/api/v1/reports/conventions" => api::put_report_conventions, ADMIN;
    POST "/api/v1/reports/reindex" => api::reindex_reports, ADMIN;
    GET  "/api/v1/procedures" => api::list_procedures, Access::Public;
    PUT  "/api/v1/procedures" => api::put_procedures, ADMIN;
    GET  "/api/v1/procedures/search" => api::search_procedures, Access::Public;
    POST "/api/v1/procedures/{code}/print" => api::print_procedure, ISSUE;
    GET  "/api/v1/calendar" => api::get_calendar, STAFF;
    PUT  "/api/v1/calendar" => api::put_calendar, ADMIN;
    GET  "/api/v1/dossiers" => api::list_dossiers, STAFF;
    POST "/api/v1/dossiers" => api::create_dossier, STAFF;
    POST "/api/v1/dossiers/import" => api::import_dossiers, ADMIN;
    POST "/api/v1/signatures/verify" => api::verify_signatures, STAFF;
    GET  "/api/v1/signers" => api::list_signers, ADMIN;
    POST "/api/v1/signers" => api::add_signer, ADMIN;
    DELETE "/api/v1/signers/{id}" => api::remove_signer, ADMIN;
    GET  "/api/v1/signers/remote-service" => api::remote_service_get, ADMIN;
    PUT  "/api/v1/signers/remote-service" => api::remote_service_put, ADMIN;
    GET  "/api/v1/signers/tsa" => api::tsa_get, ADMIN;
    PUT  "/api/v1/signers/tsa" => api::tsa_put, ADMIN;
    GET  "/api/v1/ecopies" => api::list_ecopies, STAFF;
    POST "/api/v1/ecopies" => api::create_ecopy, STAFF;
    POST "/api/v1/ecopies/{id}/issue" => api::issue_ecopy, REPORTS;
    POST "/api/v1/ecopies/{id}/refuse" => api::refuse_ecopy, REPORTS;
    GET  "/api/v1/dossiers/{code}" => api::get_dossier, STAFF;
    POST "/api/v1/dossiers/{code}/actions" => api::dossier_action, STAFF;
    GET  "/api/v1/dossiers/{code}/indicators" => api::get_indicators, STAFF;
    POST "/api/v1/dossiers/{code}/indicators" => api::record_indicators, STAFF;
    GET  "/api/v1/dossiers/{code}/files/{slot}" => api::get_file, STAFF;
    PUT  "/api/v1/dossiers/{code}/files/{slot}" => api::upload_file, STAFF;
    DELETE "/api/v1/dossiers/{code}/files/{slot}" => api::remove_file, STAFF;
    POST "/api/v1/dossiers/{code}/scans" => api::start_scan, STAFF;
    POST "/api/v1/scans" => api::start_loose_scan, STAFF;
    GET  "/api/v1/scans/{id}" => api::get_scan, STAFF;
    DELETE "/api/v1/scans/{id}" => api::cancel_scan, STAFF;
    GET  "/api/v1/scans/{id}/pages/{n}" => api::scan_page, STAFF;
    GET  "/api/v1/scanners" => api::list_scanners, STAFF;
    POST "/api/v1/scanners" => api::save_scanner, ADMIN;
    GET  "/api/v1/scanners/usb" => api::usb_scanners, ADMIN;
    GET  "/api/v1/scanners/lan" => api::lan_scanners, ADMIN;
    DELETE "/api/v1/scanners/{id}" => api::remove_scanner, ADMIN;
    GET  "/api/v1/scanners/{id}/status" => api::scanner_status, STAFF;
    POST "/api/v1/citizen/card-qr" => api::parse_card_qr, STAFF;
    GET  "/api/v1/lookup" => api::lookup, Access::Public;
    GET  "/api/v1/lookup/{token}" => api::lookup_token, Access::Public;
}

/// What an account that must change its password may still reach.
const WHILE_MUST_CHANGE: &[&str] = &[
    "/password",
    "/logout",
    "/api/v1/session",
    "/api/v1/me",
    "/api/v1/me/password",
    "/static/{file:.*}",
];

/// Cross-site request check for cookie-authenticated (browser) writes: the request must
/// come from a page of this appliance. Browsers send `Origin` on every POST/PUT/DELETE;
/// SameSite=Strict cookies are the second line. Bearer-token API clients are not
/// browsers riding on ambient credentials, so they are exempt.
fn cross_site(req: &ServiceRequest) -> bool {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    if req.headers().contains_key(header::AUTHORIZATION) {
        return false;
    }
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    match req
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
    {
        Some(origin) => {
            let origin_host = origin
                .split_once("://")
                .map(|(_, rest)| rest)
                .unwrap_or(origin);
            origin_host != host
        }
        None => matches!(
            req.headers()
                .get("Sec-Fetch-Site")
                .and_then(|v| v.to_str().ok()),
            Some("cross-site") | Some("same-site")
        ),
    }
}

/// Authenticates the request and enforces the declared access of `spec`, the route the
/// router chose (see `register`). Paths without a route never get here: the router
/// answers 404 itself.
async fn access(
    spec: RouteSpec,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let (pattern, rule) = (spec.path, spec.access);
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let principal: Option<Principal> = match (request_token(req.request()), state) {
        // Known sessions are answered from memory; only a first sight reads the store.
        (Some(token), Some(state)) => match state.services.cached_principal(&token) {
            Some(known) => known,
            None => {
                let services = state.services.clone();
                web::block(move || services.authenticate(&token))
                    .await
                    .map_err(|e| ApiError::internal(e.to_string()))?
                    .map_err(ApiError::from)?
            }
        },
        _ => None,
    };
    if cross_site(&req) {
        let e = ApiError::new(
            actix_web::http::StatusCode::FORBIDDEN,
            "csrf",
            "Yêu cầu đến từ trang khác, đã bị từ chối",
        );
        return Ok(req.into_response(actix_web::ResponseError::error_response(&e)));
    }
    let role = principal.as_ref().map(|p| p.role);
    if let Some(p) = principal.as_ref().filter(|p| p.must_change_password) {
        if rule.allows(role) && !WHILE_MUST_CHANGE.contains(&pattern) {
            let resp = if pattern.starts_with("/api/") {
                let e = ApiError::new(
                    actix_web::http::StatusCode::FORBIDDEN,
                    "password_change_required",
                    format!("Tài khoản {} cần đổi mật khẩu trước khi làm việc", p.name),
                );
                actix_web::ResponseError::error_response(&e)
            } else {
                HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, "/password"))
                    .finish()
            };
            return Ok(req.into_response(resp));
        }
    }
    if let (Some(p), Some(state)) = (
        principal.as_ref().filter(|p| p.device),
        req.app_data::<web::Data<AppState>>(),
    ) {
        let now = state.services.clock.now();
        let addr = req.peer_addr().map(|a| a.ip().to_string());
        state
            .services
            .device_seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(p.name.clone(), (now, addr));
    }
    if !rule.allows(role) {
        let is_page = !pattern.starts_with("/api/");
        let resp = match (&principal, is_page) {
            (None, true) => HttpResponse::SeeOther()
                .insert_header((
                    header::LOCATION,
                    format!("/login?next={}", urlencode(req.path())),
                ))
                .finish(),
            (None, false) => actix_web::ResponseError::error_response(&ApiError::unauthorized()),
            (Some(_), true) if wants_html(req.request()) => error_page(
                actix_web::http::StatusCode::FORBIDDEN,
                "Tài khoản của bạn không có quyền xem trang này.",
                true,
            ),
            (Some(_), _) => actix_web::ResponseError::error_response(&ApiError::forbidden()),
        };
        return Ok(req.into_response(resp));
    }
    let signed_in = principal.is_some();
    if let Some(p) = principal {
        req.extensions_mut().insert(p);
    }
    let html_error = !pattern.starts_with("/api/") && wants_html(req.request());
    let res = next.call(req).await?.map_into_boxed_body();
    if html_error && (res.status().is_client_error() || res.status().is_server_error()) {
        return Ok(as_error_page(res, signed_in).await);
    }
    Ok(res)
}

/// A page handler's JSON refusal becomes the Vietnamese error page (same status): people
/// never see raw JSON. Other bodies (already HTML) pass unchanged.
async fn as_error_page(res: ServiceResponse<BoxBody>, signed_in: bool) -> ServiceResponse<BoxBody> {
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/json"));
    if !is_json {
        return res;
    }
    let status = res.status();
    let (req, resp) = res.into_parts();
    let body = actix_web::body::to_bytes(resp.into_body())
        .await
        .unwrap_or_default();
    let message = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_string))
        .unwrap_or_else(|| "Không thực hiện được yêu cầu.".into());
    ServiceResponse::new(req, error_page(status, &message, signed_in))
}

/// Whether `role` may open the page `GET path` (the route table's own rule), so pages
/// show only the links and buttons the person can use.
pub fn may_open(path: &str, role: Option<Role>) -> bool {
    ROUTES
        .iter()
        .any(|r| r.method == "GET" && r.path == path && r.access.allows(role))
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
