//! The queue at work: counters open and pause, calls, tickets, the board's calls and their voice.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::domain::queue::{ServiceId, Ticket};
use crate::service::TicketAction;
use crate::web::{blocking, ApiError, Caller};

use crate::web::common::{call_view, print_outcome};

type Data = actix_web::web::Data<crate::web::AppState>;

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
    estimated_wait_secs: Option<u32>,
    availability: crate::domain::queue::Availability,
    printed: Option<bool>,
    print_error: Option<String>,
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
        availability: issued.availability,
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
