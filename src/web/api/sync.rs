//! The provincial sync as the operator sees it: state, the rejected list, replay.

use actix_web::{web, HttpResponse};

use crate::web::{blocking, ApiError, Caller};

type Data = actix_web::web::Data<crate::web::AppState>;

/// `{enabled, pending, rejected, acked, oldest_pending_at, last_success_at, …}`.
pub async fn sync_status(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    Ok(HttpResponse::Ok().json(blocking(move || s.sync_status()).await?))
}

/// *Gửi lại*: a rejected (or waiting) dossier is sent again now.
pub async fn sync_replay(
    state: Data,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let code = path.into_inner();
    Ok(HttpResponse::Ok().json(blocking(move || s.sync_replay(&actor, &code)).await?))
}

/// *Đồng bộ lại hồ sơ này*: the dossier's whole snapshot goes again.
pub async fn sync_resend(
    state: Data,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let code = path.into_inner();
    blocking(move || s.sync_resend(&actor, &code)).await?;
    Ok(HttpResponse::Accepted().json(serde_json::json!({ "queued": true })))
}

/// Look for online dossiers now (the relay also does, every half minute).
pub async fn sync_pull(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    Ok(HttpResponse::Ok().json(blocking(move || s.sync_pull()).await?))
}

#[derive(serde::Deserialize)]
pub struct AssignBody {
    /// The catalogue code (`MaTTHC`) the online dossier is for.
    procedure: String,
}

/// An inbox dossier gets its procedure: `{code}` of the dossier it became.
pub async fn sync_assign(
    state: Data,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<AssignBody>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let national = path.into_inner();
    let code = blocking(move || s.assign_online(&actor, &national, &body.procedure)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "code": code })))
}

/// The connection profile (never the secret: only whether one is kept).
pub async fn sync_profile(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    Ok(HttpResponse::Ok().json(blocking(move || s.province_view()).await?))
}

/// Saves the profile (checked whole) and reconnects at once.
pub async fn sync_profile_save(
    state: Data,
    caller: Caller,
    body: web::Json<crate::service::sync_profile::ProvinceSave>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let save = body.into_inner();
    Ok(HttpResponse::Ok().json(blocking(move || s.save_province(&actor, save)).await?))
}

/// *Thử kết nối*: one call through the profile's authentication.
pub async fn sync_probe(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    Ok(HttpResponse::Ok().json(blocking(move || s.probe_province()).await?))
}

/// *Đối chiếu với tỉnh*: compare recent dossiers with what the province holds now.
pub async fn sync_reconcile(state: Data, caller: Caller) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    Ok(HttpResponse::Ok().json(blocking(move || s.sync_reconcile(&actor)).await?))
}

/// *Gửi ngay*: every waiting dossier goes at the relay's next round: `{brought_forward}`.
pub async fn sync_retry_now(state: Data, caller: Caller) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let n = blocking(move || s.sync_retry_now(&actor)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "brought_forward": n })))
}
