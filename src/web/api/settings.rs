//! Center settings and the ticket logo.

use actix_web::{web, HttpResponse};

use crate::domain::center::CenterSettings;
use crate::web::{blocking, ApiError, Caller};

type Data = actix_web::web::Data<crate::web::AppState>;

pub async fn get_settings(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    Ok(HttpResponse::Ok().json(blocking(move || s.settings()).await?))
}

/// What a citizen at home can reach of the public address, in plain Vietnamese.
pub async fn settings_reach(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let settings = blocking(move || s.settings()).await?;
    let reach = crate::domain::center::reach(&settings.public_url);
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "public_url": settings.public_url,
        "reach": reach,
        "explanation": reach.explain_vi(),
    })))
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

/// The ticket logo: the body is a PNG (shrunk and turned to 1 bit for thermal paper).
pub async fn put_ticket_logo(
    state: Data,
    caller: Caller,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = crate::web::common::read_body(payload, 4 * 1024 * 1024).await?;
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
