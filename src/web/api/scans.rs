//! Digitized papers: scanners, scan jobs, uploaded files, the citizen card QR.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::dossiers::DossierOut;
use crate::service::scans::{ScanRequest, MAX_UPLOAD};
use crate::web::{blocking, ApiError, AppState, Caller};

use crate::web::common::read_body;

type Data = actix_web::web::Data<crate::web::AppState>;

pub async fn list_scanners(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let list = blocking(move || s.scanners()).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// IPP-over-USB scanners plugged into the appliance.
pub async fn usb_scanners() -> Result<HttpResponse, ApiError> {
    let r = web::block(crate::service::scans::usb_scanners)
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(match r {
        Ok(list) => HttpResponse::Ok().json(serde_json::json!({ "devices": list, "error": null })),
        Err(e) => HttpResponse::Ok().json(serde_json::json!({ "devices": [], "error": e })),
    })
}

/// eSCL scanners answering mDNS on the LAN (listens 3 s).
pub async fn lan_scanners(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let r = web::block(move || s.lan_scanners(std::time::Duration::from_secs(3)))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(match r {
        Ok(list) => HttpResponse::Ok().json(serde_json::json!({ "devices": list, "error": null })),
        Err(e) => HttpResponse::Ok().json(serde_json::json!({ "devices": [], "error": e })),
    })
}

#[derive(Deserialize)]
pub struct ScannerIn {
    name: String,
    url: String,
}

pub async fn save_scanner(
    state: Data,
    caller: Caller,
    body: web::Json<ScannerIn>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let b = body.into_inner();
    let e = blocking(move || s.save_scanner(&actor, &b.name, &b.url)).await?;
    Ok(HttpResponse::Ok().json(e))
}

pub async fn remove_scanner(
    state: Data,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let id = path.into_inner();
    blocking(move || s.remove_scanner(&actor, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn scanner_status(
    state: Data,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let id = path.into_inner();
    let v = blocking(move || s.scanner_status(&id)).await?;
    Ok(HttpResponse::Ok().json(v))
}

pub async fn start_scan(
    state: Data,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<ScanRequest>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let code = path.into_inner();
    let job = blocking(move || s.start_scan(&actor, &code, body.into_inner())).await?;
    Ok(HttpResponse::Accepted().json(job))
}

/// `POST /api/v1/scans`: a scan for no dossier (the e-copy desk's original); its PDF
/// is taken by the request filed with `scan=<id>`.
pub async fn start_loose_scan(
    state: Data,
    caller: Caller,
    body: web::Json<ScanRequest>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let job = blocking(move || s.start_loose_scan(&actor, body.into_inner())).await?;
    Ok(HttpResponse::Accepted().json(job))
}

#[derive(Deserialize)]
pub struct JobQuery {
    /// Wait until the job's version is past this (long poll, at most 20 s).
    after: Option<u64>,
}

fn job_id(raw: &str) -> Result<u64, ApiError> {
    raw.parse().map_err(|_| {
        ApiError::new(
            actix_web::http::StatusCode::NOT_FOUND,
            "not_found",
            "Không tìm thấy lệnh quét",
        )
    })
}

pub async fn get_scan(
    state: Data,
    path: web::Path<String>,
    q: web::Query<JobQuery>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let id = job_id(&path)?;
    let after = q.after;
    let v = blocking(move || s.scan_job(id, after, std::time::Duration::from_secs(20))).await?;
    Ok(HttpResponse::Ok().json(v))
}

pub async fn cancel_scan(state: Data, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let id = job_id(&path)?;
    let v = blocking(move || s.cancel_scan(id)).await?;
    Ok(HttpResponse::Ok().json(v))
}

pub async fn scan_page(
    state: Data,
    path: web::Path<(String, usize)>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let (id, n) = path.into_inner();
    let id = job_id(&id)?;
    let bytes = blocking(move || s.scan_page(id, n)).await?;
    Ok(HttpResponse::Ok()
        .content_type("image/jpeg")
        .insert_header(("Cache-Control", "private, max-age=3600"))
        .body(bytes))
}

#[derive(Deserialize)]
pub struct UploadQuery {
    #[serde(default)]
    filename: String,
}

/// The body is the file itself (PDF or JPEG), read with a size cap; a connection that
/// drops mid-upload changes nothing.
pub async fn upload_file(
    state: Data,
    caller: Caller,
    path: web::Path<(String, String)>,
    q: web::Query<UploadQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = read_body(payload, MAX_UPLOAD).await?;
    let s = state.services.clone();
    let actor = caller.actor();
    let (code, slot) = path.into_inner();
    let filename = q.into_inner().filename;
    let d = blocking(move || s.upload_file(&actor, &code, &slot, &filename, &body)).await?;
    Ok(HttpResponse::Ok().json(DossierOut::from(&d)))
}

pub async fn remove_file(
    state: Data,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let (code, slot) = path.into_inner();
    let d = blocking(move || s.remove_file(&actor, &code, &slot)).await?;
    Ok(HttpResponse::Ok().json(DossierOut::from(&d)))
}

#[derive(Deserialize)]
pub struct FileQuery {
    page: Option<usize>,
}

/// The PDF of a paper (or one scanned page as JPEG), for staff only.
pub async fn get_file(
    state: Data,
    path: web::Path<(String, String)>,
    q: web::Query<FileQuery>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let (code, slot) = path.into_inner();
    let name = format!("{}-{}.pdf", code.trim().to_ascii_uppercase(), slot);
    let page = q.page;
    let (bytes, ct) = blocking(move || s.dossier_file(&code, &slot, page)).await?;
    let mut r = HttpResponse::Ok();
    r.content_type(ct)
        .insert_header(("Cache-Control", "private, no-store"));
    if page.is_none() {
        r.insert_header((
            "Content-Disposition",
            format!("inline; filename=\"{name}\""),
        ));
    }
    Ok(r.body(bytes))
}

#[derive(Deserialize)]
pub struct QrIn {
    payload: String,
}

/// The reception form's fields, read from a CCCD card's QR code.
#[derive(Serialize)]
pub struct CardOut {
    id_number: String,
    old_id: Option<String>,
    name: String,
    birth_date: String,
    sex: &'static str,
    address: String,
    issue_date: String,
}

/// Parses a CCCD QR payload typed by a keyboard-wedge scanner. The payload is personal
/// data: it is neither logged nor stored; errors name the field, never the value.
pub async fn parse_card_qr(
    _caller: Caller,
    body: web::Json<QrIn>,
    _req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let payload = body.into_inner().payload;
    if payload.len() > 2048 {
        return Err(ApiError::new(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            "Mã QR quá dài",
        ));
    }
    match crate::domain::citizen::parse_cccd_qr(&payload) {
        Ok(c) => Ok(HttpResponse::Ok().json(CardOut {
            id_number: c.id.number.clone(),
            old_id: c.old_id.clone(),
            name: c.full_name.clone(),
            birth_date: c.birth_date.format("%d/%m/%Y").to_string(),
            sex: c.sex.label_vi(),
            address: c.address.clone(),
            issue_date: c.issue_date.format("%d/%m/%Y").to_string(),
        })),
        Err(e) => Err(ApiError::new(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            e.code(),
            format!("Không đọc được mã QR trên thẻ CCCD: {e}"),
        )),
    }
}
