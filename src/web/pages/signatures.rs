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
