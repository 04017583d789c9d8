//! Embedded static files (our own CSS/JS, the OpenAPI document). Served with an ETag from
//! the embedded hash so browsers revalidate cheaply.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};

#[derive(RustEmbed)]
#[folder = "assets/static/"]
pub struct Static;

fn serve(req: &HttpRequest, path: &str) -> HttpResponse {
    let Some(file) = Static::get(path) else {
        return HttpResponse::NotFound()
            .json(serde_json::json!({"code": "not_found", "message": "Không tìm thấy tệp"}));
    };
    let etag = format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..12]));
    if req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish();
    }
    HttpResponse::Ok()
        .content_type(file.metadata.mimetype())
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(file.data.into_owned())
}

pub async fn static_file(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    serve(&req, &path)
}

pub async fn openapi(req: HttpRequest) -> HttpResponse {
    serve(&req, "openapi.json")
}

/// A digest of the version and every embedded UI file: changes with any update.
pub fn build_id() -> String {
    let mut h = Sha256::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    let mut names: Vec<_> = Static::iter().collect();
    names.sort();
    for n in names {
        if let Some(f) = Static::get(&n) {
            h.update(n.as_bytes());
            h.update(f.metadata.sha256_hash());
        }
    }
    format!(
        "{}-{}",
        env!("CARGO_PKG_VERSION"),
        &hex::encode(h.finalize())[..10]
    )
}
