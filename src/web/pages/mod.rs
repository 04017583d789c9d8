//! Server-rendered pages (askama templates under `assets/templates/`), one file per screen.
//! Each page carries its first data inline so it is useful at first paint; our own small
//! scripts keep it live over SSE. The helpers here are shared by the screens.

mod admin;
mod book;
mod counter;
mod display;
mod dossier;
mod ecopies;
mod forms;
mod home;
mod kiosk;
mod listing;
mod login;
mod lookup;
mod pairing;
mod rating;
mod reception;
mod reports;
mod signatures;
mod ticket;

pub use admin::*;
pub use book::*;
pub use counter::*;
pub use display::*;
pub use dossier::*;
pub use ecopies::*;
pub use forms::*;
pub use home::*;
pub use kiosk::*;
pub use listing::*;
pub use login::*;
pub use lookup::*;
pub use pairing::*;
pub use rating::*;
pub use reception::*;
pub use reports::*;
pub use signatures::*;
pub use ticket::*;

use std::collections::HashMap;

use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;
use askama::Template;
use chrono::{DateTime, Utc};

use crate::domain::dossier::Paper;
use crate::domain::time::local;
use crate::service::ServiceError;
use crate::web::ApiError;

/// JSON for a `<script type="application/json">` island; `<` is escaped so the data
/// can never close the script element.
fn island<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v)
        .unwrap_or_else(|_| "null".into())
        .replace('<', "\\u003c")
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn html_status(t: impl Template, status: StatusCode) -> Result<HttpResponse, ApiError> {
    let body = t.render().map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("X-Frame-Options", "DENY"))
        .body(body))
}

fn html(t: impl Template) -> Result<HttpResponse, ApiError> {
    html_status(t, StatusCode::OK)
}

fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_string()))
        .finish()
}

/// `14:05 05/03/2026`.
pub fn when(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| local(t).format("%H:%M %d/%m/%Y").to_string())
        .unwrap_or_default()
}

/// `14 giờ 05 phút, ngày 05 tháng 03 năm 2026`, as Mẫu 01 writes times.
fn when_long(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| {
        local(t)
            .format("%H giờ %M phút, ngày %d tháng %m năm %Y")
            .to_string()
    })
    .unwrap_or_else(|| "…".into())
}

fn day(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| local(t).format("%d/%m/%Y").to_string())
        .unwrap_or_default()
}

/// The fee line of forms and listings (see [`ProcedureSnapshot::fee_label_vi`]).
pub fn fee_text(p: &crate::domain::dossier::ProcedureSnapshot) -> String {
    p.fee_label_vi()
}

/// An inline SVG QR code (no image request, prints sharply).
pub fn qr_svg(text: &str) -> String {
    let Ok(code) = qrcode::QrCode::new(text.as_bytes()) else {
        return String::new();
    };
    let w = code.width();
    let colors = code.to_colors();
    let mut path = String::new();
    for (i, c) in colors.iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (x, y) = (i % w + 4, i / w + 4);
            path.push_str(&format!("M{x} {y}h1v1h-1z"));
        }
    }
    let size = w + 8;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" class=\"qr\" role=\"img\" aria-label=\"Mã QR tra cứu hồ sơ\"><rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    )
}

use crate::web::common::base_url;

fn papers_text(ps: &[Paper]) -> Vec<String> {
    ps.iter()
        .map(|p| format!("{} — {}: {}", p.name, p.kind.label_vi(), p.count))
        .collect()
}

fn display_names(s: &crate::service::Services) -> Result<HashMap<String, String>, ServiceError> {
    Ok(s.users()?
        .into_iter()
        .map(|u| (u.username, u.display_name))
        .collect())
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
