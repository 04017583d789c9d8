//! The procedure catalogue (thủ tục), its search and printed checklist, and the working calendar.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::domain::calendar::WorkingCalendar;
use crate::domain::dossier::ProcedureSnapshot;
use crate::web::{blocking, ApiError, Caller};

type Data = actix_web::web::Data<crate::web::AppState>;

pub async fn list_procedures(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    Ok(HttpResponse::Ok().json(blocking(move || s.catalogue()).await?))
}

/// The province's list: either the exported document or a bare array of procedures.
#[derive(Deserialize)]
#[serde(untagged)]
pub enum CatalogueIn {
    Document { procedures: Vec<ProcedureSnapshot> },
    List(Vec<ProcedureSnapshot>),
}

#[derive(Serialize)]
struct CatalogueImported {
    version: u32,
    changed: usize,
    procedures: usize,
}

pub async fn put_procedures(
    state: Data,
    caller: Caller,
    body: web::Json<CatalogueIn>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let list = match body.into_inner() {
        CatalogueIn::Document { procedures } | CatalogueIn::List(procedures) => procedures,
    };
    let (c, changed) = blocking(move || s.import_catalogue(&actor, list)).await?;
    Ok(HttpResponse::Ok().json(CatalogueImported {
        version: c.version,
        changed,
        procedures: c.procedures.len(),
    }))
}

pub async fn get_calendar(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    Ok(HttpResponse::Ok().json(blocking(move || s.calendar()).await?))
}

pub async fn put_calendar(
    state: Data,
    caller: Caller,
    body: web::Json<WorkingCalendar>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    Ok(
        HttpResponse::Ok()
            .json(blocking(move || s.save_calendar(&actor, body.into_inner())).await?),
    )
}

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// Public search of the catalogue (the kiosk's "Tra cứu thủ tục" and `/thu-tuc`).
pub async fn search_procedures(
    state: Data,
    q: web::Query<SearchQuery>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let query = q.into_inner().q;
    if query.chars().count() > 100 {
        return Err(ApiError::bad_request("invalid_query", "Từ khóa quá dài"));
    }
    Ok(HttpResponse::Ok().json(blocking(move || s.search_procedures(&query)).await?))
}

#[derive(Serialize)]
struct ChecklistPrinted {
    job: u64,
    printed: Option<bool>,
    print_error: Option<String>,
}

/// The kiosk prints a procedure's papers checklist on the ticket printer.
pub async fn print_procedure(
    state: Data,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    if !state.services.printer_configured() {
        // A setting of the center, not a server fault.
        return Err(ApiError::new(
            actix_web::http::StatusCode::CONFLICT,
            "no_printer",
            "Chưa cấu hình máy in phiếu",
        ));
    }
    let s = state.services.clone();
    let actor = caller.actor();
    let code = path.into_inner();
    let rx = state.services.hub.subscribe();
    let job = blocking(move || s.print_checklist(&actor, &code)).await?;
    let (printed, print_error) = crate::web::common::print_outcome(&state, rx, job).await;
    Ok(HttpResponse::Created().json(ChecklistPrinted {
        job,
        printed,
        print_error,
    }))
}
