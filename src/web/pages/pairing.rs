//! Pairing a kiosk, board or rating tablet with a one-time code or link.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::domain::center::Role;
use crate::web::common::session_cookie;
use crate::web::common::SESSION_COOKIE;
use crate::web::{blocking, peer, ApiError};

use super::*;

type Data = actix_web::web::Data<crate::web::AppState>;

#[derive(Template)]
#[template(path = "pair.html")]
struct PairPage {
    center: String,
    error: Option<String>,
}

pub async fn pair_page(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let center = blocking(move || Ok(s.settings()?.name)).await?;
    html(PairPage {
        center,
        error: None,
    })
}

#[derive(Deserialize)]
pub struct PairForm {
    code: String,
}

fn device_home(role: Role) -> &'static str {
    match role {
        Role::Kiosk => "/kiosk",
        Role::Display => "/display",
        Role::Rating => "/danh-gia",
        _ => "/",
    }
}

/// A device enters the code an admin created; it is remembered by a long-lived cookie.
pub async fn pair_submit(
    state: Data,
    req: HttpRequest,
    form: web::Form<PairForm>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let addr = peer(&req);
    let code = form.into_inner().code;
    match web::block(move || s.pair(&code, addr))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
    {
        Ok((token, role)) => {
            let cookie = actix_web::cookie::Cookie::build(SESSION_COOKIE, token)
                .path("/")
                .http_only(true)
                .same_site(actix_web::cookie::SameSite::Strict)
                .max_age(actix_web::cookie::time::Duration::days(
                    crate::service::auth::DEVICE_SESSION_DAYS,
                ))
                .finish();
            Ok(HttpResponse::SeeOther()
                .cookie(cookie)
                .insert_header((header::LOCATION, device_home(role)))
                .finish())
        }
        Err(e) => {
            let s = state.services.clone();
            let center = blocking(move || Ok(s.settings()?.name)).await?;
            let mut resp = html(PairPage {
                center,
                error: Some(e.to_string()),
            })?;
            *resp.status_mut() = actix_web::http::StatusCode::UNAUTHORIZED;
            Ok(resp)
        }
    }
}

/// A paired device's link: remembers the device token as its cookie and opens its screen.
pub async fn pair_device(state: Data, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let token = path.into_inner();
    let s = state.services.clone();
    let t = token.clone();
    let principal = blocking(move || s.authenticate(&t)).await?;
    match principal {
        Some(p) if p.device => {
            let home = device_home(p.role);
            Ok(HttpResponse::SeeOther()
                .cookie(session_cookie(&token))
                .insert_header((header::LOCATION, home))
                .finish())
        }
        _ => Err(ApiError::not_found("mã ghép nối")),
    }
}
