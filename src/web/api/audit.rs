//! The audit trail and its hash-chain check.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::service::audit::AuditFilter;
use crate::web::{blocking, ApiError};

type Data = actix_web::web::Data<crate::web::AppState>;

#[derive(Deserialize)]
pub struct AuditQuery {
    /// Only events by this user or device (substring).
    actor: Option<String>,
    /// Only events of this local day (YYYY-MM-DD).
    day: Option<chrono::NaiveDate>,
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
            day: q.day,
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
