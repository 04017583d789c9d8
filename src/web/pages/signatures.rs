//! *Kiểm tra chữ ký số*: an officer opens any signed PDF (a result from another agency,
//! a copy a citizen brings) and reads each signature's verdict in Vietnamese.

use actix_web::HttpResponse;
use askama::Template;

use crate::web::{ApiError, Caller};

use super::*;

#[derive(Template)]
#[template(path = "signatures.html")]
struct SignaturesPage {
    user: String,
}

pub async fn signatures_page(caller: Caller) -> Result<HttpResponse, ApiError> {
    html(SignaturesPage {
        user: caller.principal.display_name,
    })
}

#[derive(Template)]
#[template(path = "signers.html")]
struct SignersPage {
    user: String,
    v: crate::service::signers::SignersView,
}

/// *Chữ ký số của trung tâm* (admin): who signs with what, set up here by district IT;
/// the pinned trust store with its fingerprints.
pub async fn signers_page(
    state: actix_web::web::Data<crate::web::AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let v = crate::web::blocking(move || s.signers_view()).await?;
    html(SignersPage {
        user: caller.principal.display_name,
        v,
    })
}
