//! The citizen's public lookup (tra cứu).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::service::dossiers::PublicDossier;
use crate::service::ServiceError;
use crate::web::{blocking, peer, ApiError};

use super::*;

type Data = actix_web::web::Data<crate::web::AppState>;

#[derive(Template)]
#[template(path = "lookup.html")]
struct LookupPage {
    center: String,
    code: String,
    error: Option<String>,
    found: Option<PublicView>,
}

struct PublicView {
    code: String,
    /// The code split into its parts (agency, day, number), each kept whole on a line: a
    /// phone wraps between parts, never inside a number.
    code_parts: Vec<String>,
    procedure: String,
    status: &'static str,
    status_code: u8,
    applicant: String,
    received: String,
    due: String,
    resolved: String,
    returned: String,
    result_url: String,
    pickup: String,
    missing: Vec<String>,
    steps: Vec<(String, &'static str)>,
}

fn code_parts(code: &str) -> Vec<String> {
    let parts: Vec<&str> = code.split('-').collect();
    let last = parts.len().saturating_sub(1);
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if i < last {
                format!("{p}-")
            } else {
                p.to_string()
            }
        })
        .collect()
}

fn public_page_view(p: &PublicDossier) -> PublicView {
    let w = |t: Option<chrono::DateTime<chrono::FixedOffset>>| {
        t.map(|t| t.format("%H:%M ngày %d/%m/%Y").to_string())
            .unwrap_or_default()
    };
    PublicView {
        code: p.code.clone(),
        code_parts: code_parts(&p.code),
        procedure: p.procedure_name.clone(),
        status: p.status_label,
        status_code: p.status.code(),
        applicant: p.applicant_masked.clone(),
        received: w(p.received_at),
        due: w(p.due_at),
        resolved: w(p.resolved_at),
        returned: w(p.returned_at),
        result_url: p.result_url.clone().unwrap_or_default(),
        pickup: p.pickup.clone(),
        missing: papers_text(&p.missing),
        steps: p
            .history
            .iter()
            .map(|h| (h.at.format("%H:%M %d/%m/%Y").to_string(), h.what))
            .collect(),
    }
}

#[derive(Deserialize)]
pub struct LookupForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    last4: String,
}

pub async fn lookup_page(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let center = blocking(move || Ok(s.settings()?.name)).await?;
    html(LookupPage {
        center,
        code: String::new(),
        error: None,
        found: None,
    })
}

pub async fn lookup_submit(
    state: Data,
    req: HttpRequest,
    form: web::Form<LookupForm>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let addr = peer(&req);
    let LookupForm { code, last4 } = form.into_inner();
    let c = code.clone();
    let (center, result) = blocking(move || {
        let center = s.settings()?.name;
        let r = s.public_lookup(addr.as_deref(), &c, &last4);
        match r {
            Ok(p) => Ok((center, Ok(p))),
            Err(e @ (ServiceError::NotFound(_) | ServiceError::Throttled(_))) => {
                Ok((center, Err(e)))
            }
            Err(e) => Err(e),
        }
    })
    .await?;
    let (status, error, found) = match result {
        Ok(p) => (StatusCode::OK, None, Some(public_page_view(&p))),
        Err(ServiceError::Throttled(secs)) => (
            StatusCode::TOO_MANY_REQUESTS,
            Some(format!(
                "Tra cứu sai quá nhiều lần. Vui lòng thử lại sau {} phút.",
                (secs + 59) / 60
            )),
            None,
        ),
        Err(_) => (
            StatusCode::NOT_FOUND,
            Some("Không tìm thấy hồ sơ khớp với mã hồ sơ và 4 số cuối đã nhập. Vui lòng kiểm tra lại giấy hẹn.".into()),
            None,
        ),
    };
    html_status(
        LookupPage {
            center,
            code,
            error,
            found,
        },
        status,
    )
}

pub async fn lookup_by_token(
    state: Data,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let token = path.into_inner();
    let (center, found) = blocking(move || {
        let center = s.settings()?.name;
        match s.public_lookup_token(&token) {
            Ok(p) => Ok((center, Some(p))),
            Err(ServiceError::NotFound(_)) => Ok((center, None)),
            Err(e) => Err(e),
        }
    })
    .await?;
    let status = if found.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    html_status(
        LookupPage {
            center,
            code: String::new(),
            error: found
                .is_none()
                .then(|| "Mã QR không đúng hoặc hồ sơ không còn trên hệ thống.".to_string()),
            found: found.as_ref().map(public_page_view),
        },
        status,
    )
}

/// The signed result, for whoever holds the receipt's link (the QR on Mẫu 01).
pub async fn lookup_result(
    state: Data,
    path: actix_web::web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let token = path.into_inner();
    let s = state.services.clone();
    let (code, bytes) = crate::web::blocking(move || s.public_result(&token)).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header((
            "Content-Disposition",
            format!(
                "inline; filename=\"ket-qua-{}.pdf\"",
                code.replace(['"', '/', '\\'], "-")
            ),
        ))
        .body(bytes))
}
