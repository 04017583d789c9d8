//! Signing in and out, the caller's own account and password.

use actix_web::cookie::Cookie;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::domain::center::Role;
use crate::web::common::{request_token, SESSION_COOKIE};
use crate::web::{blocking, peer, ApiError, Caller};

use crate::web::common::session_cookie;

type Data = actix_web::web::Data<crate::web::AppState>;

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
