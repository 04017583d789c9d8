//! Dossiers (hồ sơ): reception, the actions of the one-stop workflow, the book, the public lookup, tracking-book import and the per-dossier indicators.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::dossier::{Applicant, Dossier, HistoryEntry, Paper};
use crate::domain::time::local;
use crate::service::dossiers::{DossierCommand, DossierFilter, ReceiveDossier};
use crate::web::{blocking, peer, ApiError, Caller};

type Data = actix_web::web::Data<crate::web::AppState>;

fn at(t: Option<DateTime<Utc>>) -> Option<DateTime<FixedOffset>> {
    t.map(local)
}

/// The dossier as the API shows it: times in RFC 3339 with the local +07:00 offset,
/// statuses and channels as the national codes.
#[derive(Serialize)]
pub struct DossierOut {
    pub code: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub procedure_version: u32,
    pub area: u32,
    pub status: u8,
    pub status_label: &'static str,
    pub channel: u8,
    pub applicant: Applicant,
    pub papers: Vec<Paper>,
    pub sets: u32,
    pub ticket: Option<u64>,
    pub received_at: Option<DateTime<FixedOffset>>,
    pub due_at: Option<DateTime<FixedOffset>>,
    pub resolved_at: Option<DateTime<FixedOffset>>,
    pub returned_at: Option<DateTime<FixedOffset>>,
    pub current_officer: Option<String>,
    pub allowed_actions: Vec<crate::domain::dossier::ActionKind>,
    pub history: Vec<HistoryOut>,
    pub imported: bool,
    /// The national portal's code of a dossier filed online (the province knows it by it).
    pub national_code: Option<String>,
    /// Digitized papers; `digitized` is Decision 766 index 4.2's test for this dossier.
    pub files: Vec<FileOut>,
    pub digitized: bool,
    pub missing_files: Vec<String>,
}

#[derive(Serialize)]
pub struct FileOut {
    pub slot: String,
    pub name: String,
    pub pages: u32,
    pub size: u64,
    pub sha256: String,
    pub origin: crate::domain::dossier::digitize::Origin,
    pub at: DateTime<FixedOffset>,
    pub by: String,
    pub url: String,
}

#[derive(Serialize)]
pub struct HistoryOut {
    pub at: DateTime<FixedOffset>,
    pub actor: String,
    pub event: crate::domain::dossier::EventKind,
    pub from: Option<u8>,
    pub to: u8,
    pub note: String,
    pub due: Option<DateTime<FixedOffset>>,
}

impl From<&HistoryEntry> for HistoryOut {
    fn from(h: &HistoryEntry) -> Self {
        HistoryOut {
            at: local(h.at),
            actor: h.actor.clone(),
            event: h.event,
            from: h.from.map(|s| s.code()),
            to: h.to.code(),
            note: h.note.clone(),
            due: at(h.due),
        }
    }
}

impl From<&Dossier> for DossierOut {
    fn from(d: &Dossier) -> Self {
        DossierOut {
            code: d.code.clone(),
            procedure_code: d.procedure.code.clone(),
            procedure_name: d.procedure.name.clone(),
            procedure_version: d.procedure.version,
            area: d.procedure.area,
            status: d.status().code(),
            status_label: d.status().label_vi(),
            channel: d.state.channel.code(),
            applicant: d.applicant.clone(),
            papers: d.papers.clone(),
            sets: d.sets,
            ticket: d.ticket,
            received_at: at(d.state.received_at),
            due_at: at(d.state.due_at),
            resolved_at: at(d.state.resolved_at),
            returned_at: at(d.state.returned_at),
            current_officer: d.state.current_officer.clone(),
            allowed_actions: crate::domain::dossier::allowed_actions(d.status()),
            history: d.history.iter().map(HistoryOut::from).collect(),
            imported: d.imported,
            national_code: d.national_code.clone(),
            files: d
                .files
                .iter()
                .map(|f| FileOut {
                    slot: f.slot.key(),
                    name: f.name.clone(),
                    pages: f.page_count,
                    size: f.pdf.size,
                    sha256: f.pdf.sha256.clone(),
                    origin: f.origin.clone(),
                    at: local(f.at),
                    by: f.by.clone(),
                    url: format!("/api/v1/dossiers/{}/files/{}", d.code, f.slot.key()),
                })
                .collect(),
            digitized: crate::domain::dossier::digitize::is_digitized(d),
            missing_files: crate::domain::dossier::digitize::missing(d),
        }
    }
}

pub async fn create_dossier(
    state: Data,
    caller: Caller,
    body: web::Json<ReceiveDossier>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let d = blocking(move || s.receive_dossier(&actor, body.into_inner())).await?;
    Ok(HttpResponse::Created().json(DossierOut::from(&d)))
}

pub async fn get_dossier(state: Data, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let code = path.into_inner();
    let d = blocking(move || s.dossier(&code)).await?;
    Ok(HttpResponse::Ok().json(DossierOut::from(&d)))
}

pub async fn list_dossiers(
    state: Data,
    q: web::Query<DossierFilter>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let f = q.into_inner();
    let list = blocking(move || s.list_dossiers(&f)).await?;
    Ok(HttpResponse::Ok().json(list.iter().map(DossierOut::from).collect::<Vec<_>>()))
}

pub async fn dossier_action(
    state: Data,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<DossierCommand>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let code = path.into_inner();
    let d = blocking(move || s.dossier_action(&actor, &code, body.into_inner())).await?;
    Ok(HttpResponse::Ok().json(DossierOut::from(&d)))
}

#[derive(Deserialize)]
pub struct LookupQuery {
    code: String,
    last4: String,
}

pub async fn lookup(
    state: Data,
    req: HttpRequest,
    q: web::Query<LookupQuery>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let addr = peer(&req);
    let LookupQuery { code, last4 } = q.into_inner();
    Ok(HttpResponse::Ok()
        .json(blocking(move || s.public_lookup(addr.as_deref(), &code, &last4)).await?))
}

pub async fn lookup_token(state: Data, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let token = path.into_inner();
    Ok(HttpResponse::Ok().json(blocking(move || s.public_lookup_token(&token)).await?))
}

/// Largest tracking book accepted over HTTP (about 150,000 rows); the command line
/// (`motcua import dossiers`) has no limit.
pub const BOOK_LIMIT: usize = 32 * 1024 * 1024;

#[derive(serde::Deserialize, Default)]
pub struct ImportQuery {
    /// `1`: the old system already sent these dossiers to the province.
    #[serde(default)]
    da_dong_bo: String,
}

/// `POST /api/v1/dossiers/import` with the CSV as the body. 200 with the report when
/// imported, 422 with every bad row when nothing was.
pub async fn import_dossiers(
    state: Data,
    caller: Caller,
    q: web::Query<ImportQuery>,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let already_synced = matches!(q.da_dong_bo.trim(), "1" | "true");
    use futures_util::StreamExt;
    let mut data = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::bad_request("truncated_upload", format!("Tệp tải lên bị gián đoạn: {e}"))
        })?;
        if data.len() + chunk.len() > BOOK_LIMIT {
            return Err(ApiError::new(
                actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "Tệp quá lớn; hãy dùng lệnh motcua import dossiers trên máy chủ",
            ));
        }
        data.extend_from_slice(&chunk);
    }
    let s = state.services.clone();
    let actor = caller.actor();
    let report = blocking(move || s.import_dossiers_csv(&actor, &data, already_synced)).await?;
    let status = if report.errors.is_empty() {
        actix_web::http::StatusCode::OK
    } else {
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(HttpResponse::build(status).json(report))
}

/// `GET /api/v1/dossiers/{code}/indicators`
pub async fn get_indicators(
    state: Data,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let code = path.into_inner();
    Ok(HttpResponse::Ok().json(blocking(move || s.indicator_sheet(&code)).await?))
}

#[derive(Deserialize)]
pub struct IndicatorScores {
    pub scores: [u8; 9],
}

/// `POST /api/v1/dossiers/{code}/indicators` `{"scores": [2,1,…]}` (nine scores 0–2).
pub async fn record_indicators(
    state: Data,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<IndicatorScores>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let code = path.into_inner();
    let scores = body.into_inner().scores;
    let sheet = blocking(move || {
        let d = s.record_indicators(&actor, &code, scores)?;
        s.indicator_sheet(&d.code)
    })
    .await?;
    Ok(HttpResponse::Ok().json(sheet))
}
