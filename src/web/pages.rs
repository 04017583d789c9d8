//! Server-rendered pages (askama templates under `assets/templates/`). Each page carries
//! its first data inline so it is useful at first paint; our own small scripts keep it
//! live over SSE.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::api::session_cookie;
use super::routes::{request_token, SESSION_COOKIE};
use super::{blocking, peer, ApiError, AppState, Caller};
use crate::domain::center::Role;
use crate::domain::queue::{Counter, PriorityCategory, ServiceArea};

type Data = web::Data<AppState>;

fn html(t: impl Template) -> Result<HttpResponse, ApiError> {
    let body = t.render().map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("X-Frame-Options", "DENY"))
        .body(body))
}

/// JSON for a `<script type="application/json">` island; `<` is escaped so the data
/// can never close the script element.
fn island<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v)
        .unwrap_or_else(|_| "null".into())
        .replace('<', "\\u003c")
}

#[derive(Template)]
#[template(path = "index.html")]
struct IndexPage {
    center: String,
    user: Option<String>,
}

pub async fn index(state: Data, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let token = request_token(&req);
    let (center, user) = blocking(move || {
        let user = match token {
            Some(t) => s.authenticate(&t)?.map(|p| p.display_name),
            None => None,
        };
        Ok((s.settings()?.name, user))
    })
    .await?;
    html(IndexPage { center, user })
}

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

#[derive(Template)]
#[template(path = "kiosk.html")]
struct KioskPage {
    center: String,
    areas: Vec<ServiceArea>,
    categories: Vec<PriorityCategory>,
    build: String,
    /// Prefilled on the "receive result" screen: the citizen types only the rest.
    agency: String,
    keys: Vec<&'static str>,
    /// The on-screen keyboard of the procedure search (diacritics are not needed: the
    /// search ignores them).
    letters: Vec<&'static str>,
}

pub async fn kiosk(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let (settings, areas) = blocking(move || Ok((s.settings()?, s.services()?))).await?;
    html(KioskPage {
        center: settings.name,
        areas: areas.into_iter().filter(|a| a.active).collect(),
        categories: settings.queue.priority_categories,
        build: state.build_id.clone(),
        agency: settings.dossier.agency,
        keys: vec!["1", "2", "3", "4", "5", "6", "7", "8", "9", "-", "0", "⌫"],
        letters: "a b c d đ e g h i k l m n o p q r s t u v x y ␣ ⌫"
            .split(' ')
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "counter.html")]
struct CounterPage {
    center: String,
    user: String,
    username: String,
    counters: Vec<Counter>,
    boot: String,
    build: String,
}

pub async fn counter(state: Data, caller: Caller) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let (settings, counters, areas) =
        blocking(move || Ok((s.settings()?, s.counters()?, s.services()?))).await?;
    let boot = island(&serde_json::json!({
        "me": caller.principal.name,
        "areas": areas,
        "counters": counters,
        "categories": settings.queue.priority_categories,
        "allow_call_specific": settings.queue.allow_call_specific,
    }));
    html(CounterPage {
        center: settings.name,
        user: caller.principal.display_name,
        username: caller.principal.name,
        counters,
        boot,
        build: state.build_id.clone(),
    })
}

#[derive(Template)]
#[template(path = "display.html")]
struct DisplayPage {
    center: String,
    notice: String,
    counters: Vec<Counter>,
    boot: String,
    build: String,
}

pub async fn display(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let (settings, counters, snapshot, calls) = blocking(move || {
        Ok((
            s.settings()?,
            s.counters()?,
            s.snapshot()?,
            s.recent_calls(8)?,
        ))
    })
    .await?;
    let calls: Vec<_> = calls.iter().filter_map(super::api::call_view).collect();
    let mut counters = counters;
    counters.sort_by_key(|c| c.number);
    let boot = island(&serde_json::json!({
        "counters": counters,
        "called": snapshot.called,
        "serving": snapshot.serving,
        "calls": calls,
        "last_event_id": snapshot.last_event_seq,
    }));
    html(DisplayPage {
        center: settings.name,
        notice: settings.notice,
        counters,
        boot,
        build: state.build_id.clone(),
    })
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    center: String,
    user: String,
    boot: String,
    tls_fingerprint: Option<String>,
}

pub async fn admin(state: Data, caller: Caller) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let (settings, counters, areas) =
        blocking(move || Ok((s.settings()?, s.counters()?, s.services()?))).await?;
    let boot =
        island(&serde_json::json!({ "settings": settings, "areas": areas, "counters": counters }));
    html(AdminPage {
        center: settings.name,
        user: caller.principal.display_name,
        boot,
        tls_fingerprint: state.tls_fingerprint.clone(),
    })
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

#[derive(Template)]
#[template(path = "ticket_status.html")]
struct TicketStatusPage {
    center: String,
    number: String,
    area: String,
    state: String,
    ahead: Option<u32>,
    counter: Option<String>,
    priority: bool,
    /// Served and not rated yet: the page offers the rating form.
    can_rate: bool,
    /// The rating already given, as a label.
    rated: Option<&'static str>,
    levels: Vec<(u8, &'static str)>,
    reasons: Vec<&'static str>,
    id: u64,
    token: String,
}

/// The public status page a ticket's QR opens (no login; the token in the link is the key).
/// It shows the number and the queue only — nothing personal.
pub async fn ticket_status(
    state: Data,
    path: web::Path<(u64, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, token) = path.into_inner();
    let s = state.services.clone();
    let page = blocking(move || {
        let t = s.ticket(id).ok().filter(|t| {
            !t.status_token.is_empty()
                && constant_time_eq(t.status_token.as_bytes(), token.as_bytes())
        });
        let Some(t) = t else {
            return Err(crate::service::ServiceError::NotFound("phiếu"));
        };
        let settings = s.settings()?;
        let area = s.area(t.service)?.map(|a| a.name).unwrap_or_default();
        let counters = s.counters()?;
        let counter = t
            .counter
            .and_then(|c| counters.iter().find(|x| x.id == c))
            .map(|c| format!("Quầy số {}", c.number));
        let ahead = if t.state == crate::domain::queue::TicketState::Waiting {
            let snap = s.snapshot()?;
            Some(
                snap.waiting
                    .iter()
                    .filter(|w| w.service == t.service && (w.queue_at, w.id) < (t.queue_at, t.id))
                    .count() as u32,
            )
        } else {
            None
        };
        let rating = s.ticket_rating(t.id)?;
        Ok(TicketStatusPage {
            center: settings.name,
            number: t.number.clone(),
            area,
            state: t.state.label().to_string(),
            ahead,
            counter,
            priority: t.priority.is_some(),
            can_rate: t.state == crate::domain::queue::TicketState::Done && rating.is_none(),
            rated: rating.map(|r| crate::domain::rating::level_label(r.level)),
            levels: crate::domain::rating::LEVELS.to_vec(),
            reasons: crate::domain::rating::REASONS.to_vec(),
            id: t.id,
            token: t.status_token.clone(),
        })
    })
    .await?;
    html(page)
}

/// The citizen rates the service from the ticket's QR page (five levels, once).
pub async fn ticket_rate(
    state: Data,
    path: web::Path<(u64, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, ApiError> {
    let (id, token) = path.into_inner();
    let fields = form.into_inner();
    let level = fields
        .iter()
        .find(|(k, _)| k == "level")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let reasons = fields
        .iter()
        .filter(|(k, _)| k == "reason")
        .map(|(_, v)| v.clone())
        .collect();
    let s = state.services.clone();
    let t = token.clone();
    let outcome = blocking(move || {
        let ticket = s.ticket(id).ok().filter(|x| {
            !x.status_token.is_empty() && constant_time_eq(x.status_token.as_bytes(), t.as_bytes())
        });
        if ticket.is_none() {
            return Err(crate::service::ServiceError::NotFound("phiếu"));
        }
        let actor = crate::events::Actor::citizen(format!("phiếu {id}"), None);
        let input = crate::domain::rating::RatingInput { level, reasons };
        match s.rate_ticket(
            &actor,
            id,
            &input,
            crate::domain::rating::RatingChannel::Phone,
        ) {
            Ok(_) => Ok(None),
            Err(e @ crate::service::ServiceError::Store(_)) => Err(e),
            Err(e) => Ok(Some(e.to_string())),
        }
    })
    .await?;
    match outcome {
        None => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/t/{id}/{token}")))
            .finish()),
        Some(msg) => Err(ApiError::new(
            actix_web::http::StatusCode::CONFLICT,
            "rating_refused",
            msg,
        )),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Template)]
#[template(path = "rating.html")]
struct RatingScreen {
    center: String,
    build: String,
    boot: String,
}

/// The rating tablet at a counter: idle until the officer finishes serving a ticket there,
/// then three big keys (and reasons when unhappy). The tablet's counter is chosen once on
/// the tablet and remembered by it.
pub async fn rating_screen(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let (settings, counters, users) =
        blocking(move || Ok((s.settings()?, s.counters()?, s.users()?))).await?;
    let names: std::collections::HashMap<String, String> = users
        .into_iter()
        .map(|u| (u.username, u.display_name))
        .collect();
    let boot = serde_json::json!({
        "counters": counters.iter().map(|c| serde_json::json!({"id": c.id, "number": c.number, "name": c.name})).collect::<Vec<_>>(),
        "names": names,
        "reasons": crate::domain::rating::REASONS,
    });
    html(RatingScreen {
        center: settings.name,
        build: state.build_id.clone(),
        boot: island(&boot),
    })
}
