//! JSON API (`/api/v1`), documented in `assets/static/openapi.json`.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::routes::{request_token, SESSION_COOKIE};
use super::{blocking, peer, ApiError, AppState, Caller};
use crate::domain::center::{CenterSettings, Role};
use crate::domain::queue::{Series, ServiceArea, ServiceId, Ticket, Window};
use crate::events::EventKind;
use crate::service::audit::AuditFilter;
use crate::service::printing::SimFaults;
use crate::service::TicketAction;

type Data = web::Data<AppState>;

#[derive(Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
    build: String,
    database: DbHealth,
}

#[derive(Serialize)]
struct DbHealth {
    status: &'static str,
    schema_version: u32,
    tickets: Option<u64>,
    last_event_seq: Option<u64>,
    error: Option<String>,
}

pub async fn healthz(state: Data) -> HttpResponse {
    let services = state.services.clone();
    let probe = web::block(move || services.db_probe().map_err(|e| e.to_string()))
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r);
    let (status, db) = match probe {
        Ok(p) => (
            StatusCode::OK,
            DbHealth {
                status: "ok",
                schema_version: p.schema_version,
                tickets: Some(p.tickets),
                last_event_seq: Some(p.last_event_seq),
                error: None,
            },
        ),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            DbHealth {
                status: "error",
                schema_version: crate::service::SCHEMA_VERSION,
                tickets: None,
                last_event_seq: None,
                error: Some(e),
            },
        ),
    };
    HttpResponse::build(status).json(Health {
        status: if status == StatusCode::OK {
            "ok"
        } else {
            "degraded"
        },
        version: env!("CARGO_PKG_VERSION"),
        build: state.build_id.clone(),
        database: db,
    })
}

#[derive(Deserialize)]
pub struct LoginBody {
    username: String,
    password: String,
}

#[derive(Serialize)]
struct SessionOut {
    token: String,
    username: String,
    display_name: String,
    role: Role,
}

/// Username + password → token (JSON) and the same token as an HttpOnly cookie.
pub async fn create_session(
    state: Data,
    req: HttpRequest,
    body: web::Json<LoginBody>,
) -> Result<HttpResponse, ApiError> {
    let services = state.services.clone();
    let LoginBody { username, password } = body.into_inner();
    let addr = peer(&req);
    let (token, p) = blocking(move || services.login(&username, &password, addr)).await?;
    Ok(HttpResponse::Created()
        .cookie(session_cookie(&token))
        .json(SessionOut {
            token,
            username: p.name,
            display_name: p.display_name,
            role: p.role,
        }))
}

pub fn session_cookie(token: &str) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token.to_string())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish()
}

pub async fn delete_session(
    state: Data,
    req: HttpRequest,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    if let Some(token) = request_token(&req) {
        let services = state.services.clone();
        let actor = caller.actor();
        blocking(move || services.logout(&actor, &token)).await?;
    }
    let mut gone = Cookie::build(SESSION_COOKIE, "").path("/").finish();
    gone.make_removal();
    Ok(HttpResponse::NoContent().cookie(gone).finish())
}

pub async fn me(caller: Caller) -> HttpResponse {
    HttpResponse::Ok().json(&caller.principal)
}

pub async fn get_settings(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    Ok(HttpResponse::Ok().json(blocking(move || s.settings()).await?))
}

pub async fn put_settings(
    state: Data,
    caller: Caller,
    body: web::Json<CenterSettings>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    Ok(
        HttpResponse::Ok()
            .json(blocking(move || s.save_settings(&actor, body.into_inner())).await?),
    )
}

pub async fn list_services(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    Ok(HttpResponse::Ok().json(blocking(move || s.services()).await?))
}

#[derive(Deserialize)]
pub struct ServiceBody {
    name: String,
    series: Series,
    #[serde(default)]
    daily_cap: Option<u32>,
    #[serde(default)]
    windows: Vec<Window>,
    #[serde(default = "yes")]
    active: bool,
}

fn yes() -> bool {
    true
}

impl ServiceBody {
    fn into_area(self, id: ServiceId) -> ServiceArea {
        ServiceArea {
            id,
            name: self.name,
            series: self.series,
            daily_cap: self.daily_cap,
            windows: self.windows,
            active: self.active,
        }
    }
}

pub async fn create_service(
    state: Data,
    caller: Caller,
    body: web::Json<ServiceBody>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let area = body.into_inner().into_area(0);
    Ok(HttpResponse::Created().json(blocking(move || s.save_service(&actor, area)).await?))
}

pub async fn update_service(
    state: Data,
    caller: Caller,
    path: web::Path<u32>,
    body: web::Json<ServiceBody>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let id = path.into_inner();
    if id == 0 {
        return Err(ApiError::not_found("lĩnh vực"));
    }
    let area = body.into_inner().into_area(id);
    Ok(HttpResponse::Ok().json(blocking(move || s.save_service(&actor, area)).await?))
}

pub async fn list_counters(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    Ok(HttpResponse::Ok().json(blocking(move || s.counters()).await?))
}

#[derive(Deserialize)]
pub struct CounterBody {
    number: u32,
    name: String,
    services: Vec<ServiceId>,
}

pub async fn create_counter(
    state: Data,
    caller: Caller,
    body: web::Json<CounterBody>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let b = body.into_inner();
    Ok(HttpResponse::Created()
        .json(blocking(move || s.save_counter(&actor, b.number, &b.name, b.services, 0)).await?))
}

pub async fn update_counter(
    state: Data,
    caller: Caller,
    path: web::Path<u32>,
    body: web::Json<CounterBody>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let id = path.into_inner();
    if id == 0 {
        return Err(ApiError::not_found("quầy"));
    }
    let b = body.into_inner();
    Ok(HttpResponse::Ok()
        .json(blocking(move || s.save_counter(&actor, b.number, &b.name, b.services, id)).await?))
}

pub async fn open_counter(
    state: Data,
    caller: Caller,
    path: web::Path<u32>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let id = path.into_inner();
    Ok(HttpResponse::Ok().json(blocking(move || s.open_counter(&actor, id)).await?))
}

#[derive(Deserialize)]
pub struct PauseBody {
    reason: String,
}

pub async fn pause_counter(
    state: Data,
    caller: Caller,
    path: web::Path<u32>,
    body: web::Json<PauseBody>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let id = path.into_inner();
    Ok(HttpResponse::Ok().json(blocking(move || s.pause_counter(&actor, id, &body.reason)).await?))
}

pub async fn close_counter(
    state: Data,
    caller: Caller,
    path: web::Path<u32>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let id = path.into_inner();
    Ok(HttpResponse::Ok().json(blocking(move || s.close_counter(&actor, id)).await?))
}

/// 200 with the called ticket, 204 when nobody waits.
pub async fn call_next(
    state: Data,
    caller: Caller,
    path: web::Path<u32>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let id = path.into_inner();
    Ok(match blocking(move || s.call_next(&actor, id)).await? {
        Some(t) => HttpResponse::Ok().json(t),
        None => HttpResponse::NoContent().finish(),
    })
}

pub async fn call_ticket(
    state: Data,
    caller: Caller,
    path: web::Path<(u32, u64)>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let (counter, ticket) = path.into_inner();
    Ok(HttpResponse::Ok().json(blocking(move || s.call_ticket(&actor, counter, ticket)).await?))
}

#[derive(Deserialize)]
pub struct IssueBody {
    #[serde(default)]
    service: ServiceId,
    #[serde(default)]
    priority: Option<String>,
    #[serde(default)]
    print: bool,
    /// A dossier code: a "receive result" ticket in that dossier's area (`service` is
    /// then ignored).
    #[serde(default)]
    dossier: Option<String>,
}

#[derive(Serialize)]
struct IssuedOut {
    #[serde(flatten)]
    ticket: Ticket,
    waiting_ahead: u32,
    estimated_wait_secs: u32,
    printed: Option<bool>,
    print_error: Option<String>,
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
            return (Some(false), Some(format!("{err}; phiếu đang chờ in")));
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
                                "failed" | "cancelled" => return (Some(false), error.clone()),
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

pub async fn issue_ticket(
    state: Data,
    req: HttpRequest,
    caller: Caller,
    body: web::Json<IssueBody>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let b = body.into_inner();
    let priority = b.priority.filter(|p| !p.is_empty());
    // Listen before committing so the printer's answer cannot slip by.
    let rx = state.services.hub.subscribe();
    let print = b.print && state.services.printer_configured();
    // The QR on the paper opens the ticket's status page at the address the kiosk uses.
    let info = req.connection_info();
    let base = format!("{}://{}", info.scheme(), info.host());
    let dossier = b.dossier.filter(|d| !d.trim().is_empty());
    let issued = blocking(move || {
        s.issue_ticket(
            &actor,
            b.service,
            priority,
            print,
            Some(&base),
            dossier.as_deref(),
        )
    })
    .await?;
    // The ticket (and its print job) are committed; printing can only fail on its own.
    let (printed, print_error) = match (b.print, issued.print_job) {
        (false, _) => (None, None),
        (true, Some(job)) => print_outcome(&state, rx, job).await,
        (true, None) => (Some(false), Some("Chưa cấu hình máy in phiếu".into())),
    };
    Ok(HttpResponse::Created().json(IssuedOut {
        ticket: issued.ticket,
        waiting_ahead: issued.waiting_ahead,
        estimated_wait_secs: issued.estimated_wait_secs,
        printed,
        print_error,
    }))
}

pub async fn get_ticket(state: Data, path: web::Path<u64>) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let id = path.into_inner();
    Ok(HttpResponse::Ok().json(blocking(move || s.ticket(id)).await?))
}

/// `POST /api/v1/tickets/{id}/{recall|start|finish|no-show|reactivate|transfer|cancel}`;
/// transfer takes `{"service": ID?, "counter": ID?, "to_back": bool}`.
pub async fn ticket_action(
    state: Data,
    caller: Caller,
    path: web::Path<(u64, String)>,
    body: Option<web::Json<serde_json::Value>>,
) -> Result<HttpResponse, ApiError> {
    let (id, action) = path.into_inner();
    let mut value = body
        .map(|b| b.into_inner())
        .unwrap_or_else(|| serde_json::json!({}));
    let known = [
        "recall",
        "start",
        "finish",
        "no-show",
        "reactivate",
        "transfer",
        "cancel",
    ];
    if !known.contains(&action.as_str()) {
        return Err(ApiError::not_found("thao tác"));
    }
    let Some(obj) = value.as_object_mut() else {
        return Err(ApiError::bad_request(
            "malformed_json",
            "Dữ liệu phải là một đối tượng JSON",
        ));
    };
    obj.insert("action".into(), serde_json::Value::String(action));
    let action: TicketAction = serde_json::from_value(value).map_err(|e| {
        ApiError::bad_request("malformed_json", format!("Dữ liệu không hợp lệ: {e}"))
    })?;
    let s = state.services.clone();
    let actor = caller.actor();
    Ok(HttpResponse::Ok().json(blocking(move || s.ticket_action(&actor, id, action)).await?))
}

pub async fn queue_snapshot(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    Ok(HttpResponse::Ok().json(blocking(move || s.snapshot()).await?))
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

pub async fn recent_calls(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let calls = blocking(move || s.recent_calls(8)).await?;
    Ok(HttpResponse::Ok().json(calls.iter().filter_map(call_view).collect::<Vec<_>>()))
}

/// The spoken announcement of one call as a single WAV: chime, then the phrase.
pub async fn announcement_audio(
    state: Data,
    path: web::Path<u64>,
) -> Result<HttpResponse, ApiError> {
    let seq = path.into_inner();
    let s = state.services.clone();
    let wav = blocking(move || s.announcement_audio(seq)).await?;
    Ok(HttpResponse::Ok()
        .content_type("audio/wav")
        .insert_header(("Cache-Control", "private, max-age=3600"))
        .body(wav))
}

#[derive(Serialize)]
struct UserView {
    username: String,
    display_name: String,
    role: Role,
    disabled: bool,
}

pub async fn list_users(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let users = blocking(move || s.users()).await?;
    Ok(HttpResponse::Ok().json(
        users
            .into_iter()
            .map(|u| UserView {
                username: u.username,
                display_name: u.display_name,
                role: u.role,
                disabled: u.disabled,
            })
            .collect::<Vec<_>>(),
    ))
}

#[derive(Deserialize)]
pub struct NewUser {
    username: String,
    display_name: String,
    role: Role,
    password: String,
}

pub async fn create_user(
    state: Data,
    caller: Caller,
    body: web::Json<NewUser>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let b = body.into_inner();
    let u = blocking(move || {
        s.create_user(
            &actor,
            &b.username,
            &b.display_name,
            b.role,
            &b.password,
            true,
        )
    })
    .await?;
    Ok(HttpResponse::Created().json(UserView {
        username: u.username,
        display_name: u.display_name,
        role: u.role,
        disabled: u.disabled,
    }))
}

/// The kiosk printer: where it is, its last status, the simulated printer's last tickets.
pub async fn printer_info(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    Ok(HttpResponse::Ok().json(blocking(move || Ok(s.printer_view())).await?))
}

/// A simulated job's image, so anyone can see what a real printer would print.
pub async fn printer_job_png(state: Data, path: web::Path<u64>) -> Result<HttpResponse, ApiError> {
    let seq = path.into_inner();
    let s = state.services.clone();
    let png = blocking(move || s.printer_job_png(seq)).await?;
    Ok(HttpResponse::Ok().content_type("image/png").body(png))
}

/// Switches the simulated printer's faults (demo and tests): paper out, cover open…
pub async fn printer_sim_faults(
    state: Data,
    body: web::Json<SimFaults>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let faults = body.into_inner();
    Ok(HttpResponse::Ok().json(blocking(move || s.set_printer_sim_faults(faults)).await?))
}

/// Prints a sample ticket (admin's test page).
pub async fn printer_test(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    Ok(HttpResponse::Ok().json(blocking(move || s.printer_test()).await?))
}

#[derive(Deserialize)]
pub struct PasswordBody {
    current: String,
    new: String,
}

pub async fn change_password(
    state: Data,
    req: HttpRequest,
    caller: Caller,
    body: web::Json<PasswordBody>,
) -> Result<HttpResponse, ApiError> {
    let token = request_token(&req).ok_or_else(ApiError::unauthorized)?;
    let s = state.services.clone();
    let actor = caller.actor();
    let b = body.into_inner();
    blocking(move || s.change_password(&actor, &token, &b.current, &b.new)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
pub struct ResetBody {
    password: String,
}

pub async fn reset_password(
    state: Data,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<ResetBody>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let name = path.into_inner();
    blocking(move || s.reset_password(&actor, &name, &body.password)).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn list_devices(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    Ok(HttpResponse::Ok().json(blocking(move || s.devices()).await?))
}

#[derive(Deserialize)]
pub struct PairingBody {
    name: String,
    role: Role,
}

pub async fn create_pairing(
    state: Data,
    caller: Caller,
    body: web::Json<PairingBody>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let b = body.into_inner();
    let (code, expires_at) = blocking(move || s.create_pairing(&actor, &b.name, b.role)).await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "code": code, "expires_at": expires_at })))
}

pub async fn revoke_device(
    state: Data,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let id = path.into_inner();
    blocking(move || s.revoke_device(&actor, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
pub struct AuditQuery {
    /// Only events by this user or device (substring).
    actor: Option<String>,
    /// Only events of this type (e.g. ticket_called).
    r#type: Option<String>,
    /// Only events before this sequence number (paging).
    before: Option<u64>,
    limit: Option<usize>,
}

/// The audit trail, newest first, with filters.
pub async fn audit(state: Data, q: web::Query<AuditQuery>) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let q = q.into_inner();
    let events = blocking(move || {
        s.audit_events(AuditFilter {
            actor: q.actor,
            kind: q.r#type,
            before: q.before,
            limit: q.limit,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(events))
}

/// Walks the whole hash chain: `{"ok": true}` or the first broken link.
pub async fn audit_verify(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let broken = blocking(move || s.audit_verify()).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "ok": broken.is_none(), "broken_at": broken })))
}

pub async fn print_jobs(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    Ok(HttpResponse::Ok().json(blocking(move || s.pending_print_jobs()).await?))
}

pub async fn cancel_print_job(
    state: Data,
    caller: Caller,
    path: web::Path<u64>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let id = path.into_inner();
    Ok(HttpResponse::Ok().json(blocking(move || s.cancel_print_job(&actor, id)).await?))
}

pub async fn create_backup(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    Ok(HttpResponse::Created().json(blocking(move || s.backup_now(s.data_dir()?)).await?))
}

pub async fn list_backups(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let list = blocking(move || s.backups(s.data_dir()?)).await?;
    Ok(HttpResponse::Ok().json(
        list.into_iter()
            .map(|(name, size)| serde_json::json!({"name": name, "size": size}))
            .collect::<Vec<_>>(),
    ))
}

/// Download a backup (to keep a copy off the appliance, e.g. on a USB stick).
pub async fn download_backup(
    state: Data,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let name = path.into_inner();
    let s = state.services.clone();
    let n = name.clone();
    let bytes = blocking(move || s.backup_file(&n)).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/gzip")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{name}\""),
        ))
        .body(bytes))
}

/// Prometheus text format for district monitoring. Aggregates only: no personal data.
pub async fn metrics(state: Data) -> Result<HttpResponse, ApiError> {
    use std::fmt::Write as _;
    let s = state.services.clone();
    let m = blocking(move || s.metrics_snapshot()).await?;
    let mut o = String::new();
    let esc = |v: &str| v.replace('\\', "\\\\").replace('"', "\\\"");
    let _ = writeln!(
        o,
        "# HELP motcua_build_info Version of the running binary.\n# TYPE motcua_build_info gauge"
    );
    let _ = writeln!(
        o,
        "motcua_build_info{{version=\"{}\",build=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION"),
        esc(&state.build_id)
    );
    let _ = writeln!(
        o,
        "# TYPE motcua_uptime_seconds gauge\nmotcua_uptime_seconds {}",
        state.started.elapsed().as_secs()
    );
    let _ = writeln!(o, "# HELP motcua_queue_waiting Tickets waiting now, per service area.\n# TYPE motcua_queue_waiting gauge");
    for (a, waiting, _) in &m.areas {
        let _ = writeln!(
            o,
            "motcua_queue_waiting{{area=\"{}\"}} {waiting}",
            esc(&a.name)
        );
    }
    let _ = writeln!(o, "# HELP motcua_tickets_issued_today Tickets issued today (local day), per area.\n# TYPE motcua_tickets_issued_today gauge");
    for (a, _, n) in &m.areas {
        let _ = writeln!(
            o,
            "motcua_tickets_issued_today{{area=\"{}\"}} {n}",
            esc(&a.name)
        );
    }
    let _ = writeln!(
        o,
        "# TYPE motcua_queue_at_counters gauge\nmotcua_queue_at_counters {}",
        m.at_counters
    );
    let _ = writeln!(
        o,
        "# TYPE motcua_events_total counter\nmotcua_events_total {}",
        m.events
    );
    let _ = writeln!(o, "# HELP motcua_print_queue_pending Print jobs waiting for the printer.\n# TYPE motcua_print_queue_pending gauge\nmotcua_print_queue_pending {}", m.print_pending);
    if let Some(ready) = m.printer_ready {
        let v = match ready {
            Some(true) => "1",
            Some(false) => "0",
            None => "NaN",
        };
        let _ = writeln!(o, "# HELP motcua_printer_ready 1 ready, 0 fault (paper, cover, offline), NaN unknown.\n# TYPE motcua_printer_ready gauge\nmotcua_printer_ready {v}");
    }
    let _ = writeln!(
        o,
        "# TYPE motcua_database_bytes gauge\nmotcua_database_bytes {}",
        m.database_bytes
    );
    let _ = writeln!(o, "# HELP motcua_last_backup_timestamp_seconds Time of the newest backup (0 = none).\n# TYPE motcua_last_backup_timestamp_seconds gauge\nmotcua_last_backup_timestamp_seconds {}", m.last_backup_at);
    let _ = writeln!(o, "# HELP motcua_dossiers_received_today Dossiers received (or filed online) today.\n# TYPE motcua_dossiers_received_today gauge\nmotcua_dossiers_received_today {}", m.dossiers_received_today);
    let _ = writeln!(o, "# HELP motcua_dossiers_overdue Open dossiers past their promised date, less those waiting for the citizen since within it.\n# TYPE motcua_dossiers_overdue gauge\nmotcua_dossiers_overdue {}", m.dossiers_overdue);
    let _ = writeln!(o, "# HELP motcua_scanners_configured Document scanners configured (their state: admin page).\n# TYPE motcua_scanners_configured gauge\nmotcua_scanners_configured {}", m.scanners);
    // Signed updates: the last software update's result and time, the epoch, pending bundles.
    let _ = writeln!(o, "# HELP motcua_update_last Last software update: 1 for its result (installed, rolled_back, failed, refused), with its time.\n# TYPE motcua_update_last gauge");
    if let Some((result, version, at)) = &m.update_last {
        let _ = writeln!(
            o,
            "motcua_update_last{{result=\"{}\",version=\"{}\"}} 1\n# TYPE motcua_update_last_timestamp_seconds gauge\nmotcua_update_last_timestamp_seconds {at}",
            esc(result),
            esc(version),
        );
    }
    let _ = writeln!(o, "# TYPE motcua_update_epoch gauge\nmotcua_update_epoch {}\n# HELP motcua_update_pending Verified bundles waiting for the update helper.\n# TYPE motcua_update_pending gauge\nmotcua_update_pending {}", m.update_epoch, m.update_pending);
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(o))
}

#[derive(Deserialize)]
pub struct RatingBody {
    ticket: u64,
    #[serde(flatten)]
    input: crate::domain::rating::RatingInput,
}

/// The counter's rating tablet records the citizen's choice for the ticket just served.
pub async fn create_rating(
    state: Data,
    caller: Caller,
    body: web::Json<RatingBody>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let RatingBody { ticket, input } = body.into_inner();
    let r = blocking(move || {
        s.rate_ticket(
            &actor,
            ticket,
            &input,
            crate::domain::rating::RatingChannel::Device,
        )
    })
    .await?;
    Ok(HttpResponse::Created().json(r))
}

#[derive(Deserialize)]
pub struct PeriodQuery {
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
}

/// Ratings of a period (default: today) with their summary.
pub async fn list_ratings(
    state: Data,
    q: web::Query<PeriodQuery>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let today = crate::domain::time::local_day(state.services.clock.now());
    let PeriodQuery { from, to } = q.into_inner();
    let (summary, ratings) =
        blocking(move || s.ratings_between(from.unwrap_or(today), to.unwrap_or(today))).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"summary": summary, "ratings": ratings})))
}

/// A signed bundle uploaded on the admin page (the body is the `.mcu` file).
pub async fn upload_update(
    state: Data,
    caller: Caller,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = super::scan_api::read_body(payload, 300 * 1024 * 1024).await?;
    let s = state.services.clone();
    let actor = caller.actor();
    let r = blocking(move || s.receive_bundle(&actor, &body)).await?;
    Ok(HttpResponse::Ok().json(r))
}

pub async fn update_status(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let st = blocking(move || s.update_status()).await?;
    Ok(HttpResponse::Ok().json(st))
}

/// USB devices the appliance sees (printers and scanners), with their profile and the
/// setting that selects them. An unreadable bus is an empty list with the reason.
pub async fn usb_devices(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let r = web::block(move || s.usb_devices())
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(match r {
        Ok(list) => HttpResponse::Ok().json(serde_json::json!({ "devices": list, "error": null })),
        Err(e) => {
            HttpResponse::Ok().json(serde_json::json!({ "devices": [], "error": e.to_string() }))
        }
    })
}

/// "Chép ra USB": makes a fresh backup and asks the root helper to copy it to the USB
/// stick plugged into the appliance. The answer comes later on GET.
pub async fn backup_to_usb(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let name = blocking(move || s.request_usb_backup(s.data_dir()?)).await?;
    Ok(HttpResponse::Accepted().json(serde_json::json!({ "backup": name, "state": "requested" })))
}

/// The USB copy's result, once the helper has written it.
pub async fn backup_usb_status(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    Ok(HttpResponse::Ok().json(blocking(move || s.usb_backup_status()).await?))
}

/// The ticket logo: the body is a PNG (shrunk and turned to 1 bit for thermal paper).
pub async fn put_ticket_logo(
    state: Data,
    caller: Caller,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = super::scan_api::read_body(payload, 4 * 1024 * 1024).await?;
    let s = state.services.clone();
    let actor = caller.actor();
    let (w, h) = blocking(move || s.set_ticket_logo(&actor, &body)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "width": w, "height": h })))
}

pub async fn delete_ticket_logo(state: Data, caller: Caller) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    blocking(move || s.clear_ticket_logo(&actor)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// What the printer will print as the logo (1-bit PNG), for the admin page.
pub async fn ticket_logo_png(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let layout = blocking(move || s.ticket_layout()).await?;
    // No logo: 204, so the admin page's preview simply stays hidden.
    let Some(logo) = layout.logo else {
        return Ok(HttpResponse::NoContent().finish());
    };
    let png = logo
        .to_png()
        .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type("image/png")
        .insert_header(("Cache-Control", "no-store"))
        .body(png))
}

#[derive(Deserialize)]
pub struct PrinterChoice {
    target: String,
}

/// The admin picks the kiosk's printer (`sim`, `usb`, `usb:VVVV:PPPP`, `tcp:HOST:PORT`,
/// `file:PATH`, `none`): saved in the database and switched at once.
pub async fn set_printer(
    state: Data,
    caller: Caller,
    body: web::Json<PrinterChoice>,
) -> Result<HttpResponse, ApiError> {
    let target = body.into_inner().target;
    let s = state.services.clone();
    let actor = caller.actor();
    Ok(HttpResponse::Ok().json(blocking(move || s.choose_printer(&actor, &target)).await?))
}
