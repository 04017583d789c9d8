//! Backups: on the server, downloaded, and to a USB stick.

use actix_web::{web, HttpResponse};

use crate::web::{blocking, ApiError};

type Data = actix_web::web::Data<crate::web::AppState>;

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
