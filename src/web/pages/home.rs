//! The start page: where each role goes.

use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use crate::web::common::request_token;
use crate::web::{blocking, ApiError};

use super::*;

type Data = actix_web::web::Data<crate::web::AppState>;

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
