//! Signed update bundles from district IT.

use actix_web::{web, HttpResponse};

use crate::web::{blocking, ApiError, Caller};

type Data = actix_web::web::Data<crate::web::AppState>;

/// A signed bundle uploaded on the admin page (the body is the `.mcu` file).
pub async fn upload_update(
    state: Data,
    caller: Caller,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = crate::web::common::read_body(payload, 300 * 1024 * 1024).await?;
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
