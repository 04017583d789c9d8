//! Paired devices (kiosk, board, rating tablet) and USB devices seen by the server.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::domain::center::Role;
use crate::web::{blocking, ApiError, Caller};

type Data = actix_web::web::Data<crate::web::AppState>;

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
