//! Signing in and out, and the forced password change.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::web::common::session_cookie;
use crate::web::common::{request_token, SESSION_COOKIE};
use crate::web::{blocking, peer, ApiError, Caller};

use super::*;

type Data = actix_web::web::Data<crate::web::AppState>;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    center: String,
    next: String,
    error: Option<String>,
    username: String,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only local paths are followed after login (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

pub async fn login_page(state: Data, q: web::Query<NextQuery>) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let center = blocking(move || Ok(s.settings()?.name)).await?;
    html(LoginPage {
        center,
        next: safe_next(q.next.as_deref()),
        error: None,
        username: String::new(),
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

pub async fn login_submit(
    state: Data,
    req: HttpRequest,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let LoginForm {
        username,
        password,
        next,
    } = form.into_inner();
    let next = safe_next(next.as_deref());
    let addr = peer(&req);
    let user = username.clone();
    let result = web::block(move || s.login(&user, &password, addr))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    match result {
        Ok((token, _)) => Ok(HttpResponse::SeeOther()
            .cookie(session_cookie(&token))
            .insert_header((header::LOCATION, next))
            .finish()),
        Err(e) => {
            let s = state.services.clone();
            let center = blocking(move || Ok(s.settings()?.name)).await?;
            let mut resp = html(LoginPage {
                center,
                next,
                error: Some(e.to_string()),
                username,
            })?;
            *resp.status_mut() = actix_web::http::StatusCode::UNAUTHORIZED;
            Ok(resp)
        }
    }
}

pub async fn logout(
    state: Data,
    req: HttpRequest,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    if let Some(token) = request_token(&req) {
        let s = state.services.clone();
        let actor = caller.actor();
        blocking(move || s.logout(&actor, &token)).await?;
    }
    let mut gone = actix_web::cookie::Cookie::build(SESSION_COOKIE, "")
        .path("/")
        .finish();
    gone.make_removal();
    Ok(HttpResponse::SeeOther()
        .cookie(gone)
        .insert_header((header::LOCATION, "/login"))
        .finish())
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    user: String,
    forced: bool,
    error: Option<String>,
}

pub async fn password_page(caller: Caller) -> Result<HttpResponse, ApiError> {
    html(PasswordPage {
        user: caller.principal.display_name,
        forced: caller.principal.must_change_password,
        error: None,
    })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

pub async fn password_submit(
    state: Data,
    req: HttpRequest,
    caller: Caller,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, ApiError> {
    let f = form.into_inner();
    let forced = caller.principal.must_change_password;
    let user = caller.principal.display_name.clone();
    if f.new != f.confirm {
        return html(PasswordPage {
            user,
            forced,
            error: Some("Hai lần nhập mật khẩu mới không khớp".into()),
        });
    }
    let token = request_token(&req).ok_or_else(ApiError::unauthorized)?;
    let s = state.services.clone();
    let actor = caller.actor();
    match web::block(move || s.change_password(&actor, &token, &f.current, &f.new))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
    {
        Ok(()) => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/"))
            .finish()),
        Err(e) => html(PasswordPage {
            user,
            forced,
            error: Some(e.to_string()),
        }),
    }
}
