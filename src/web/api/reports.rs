//! Reports: dossiers by period (official forms), their conventions, the queue report.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::web::{blocking, ApiError, Caller};

type Data = actix_web::web::Data<crate::web::AppState>;

#[derive(Deserialize)]
pub struct ReportQuery {
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    #[serde(default)]
    pub area: Option<u32>,
    #[serde(default)]
    pub group: crate::domain::report::GroupBy,
    #[serde(default)]
    pub format: Option<String>,
}

/// `GET /api/v1/reports/dossiers?from=YYYY-MM-DD&to=YYYY-MM-DD[&area=][&group=area|procedure|officer][&format=csv]`
pub async fn dossier_report(
    state: Data,
    q: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let q = q.into_inner();
    let (from, to, area, group) = (q.from, q.to, q.area, q.group);
    let r = blocking(move || s.dossier_report(from, to, area, group)).await?;
    if q.format.as_deref() == Some("xlsx") {
        let s = state.services.clone();
        let agency = blocking(move || Ok(s.settings()?.dossier.agency_name)).await?;
        let bytes =
            crate::service::reports::report_xlsx(&r, &agency).map_err(ApiError::internal)?;
        return Ok(HttpResponse::Ok()
            .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            .insert_header((
                actix_web::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"bao-cao-ho-so-{from}-{to}.xlsx\""),
            ))
            .body(bytes));
    }
    if q.format.as_deref() == Some("csv") {
        // A BOM so that Excel opens the UTF-8 file with its diacritics.
        let body = format!("\u{feff}{}", crate::service::reports::report_csv(&r));
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                actix_web::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"bao-cao-ho-so-{from}-{to}.csv\""),
            ))
            .body(body));
    }
    Ok(HttpResponse::Ok().json(r))
}

/// `GET /api/v1/reports/conventions`
pub async fn report_conventions(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    Ok(HttpResponse::Ok().json(blocking(move || s.report_conventions()).await?))
}

/// `PUT /api/v1/reports/conventions`: recomputes the aggregates in the same transaction.
pub async fn put_report_conventions(
    state: Data,
    caller: Caller,
    body: web::Json<crate::domain::report::Conventions>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let c = body.into_inner();
    Ok(HttpResponse::Ok().json(blocking(move || s.set_report_conventions(&actor, c)).await?))
}

/// `POST /api/v1/reports/reindex`: rebuild the aggregates, say whether they agreed.
pub async fn reindex_reports(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    Ok(HttpResponse::Ok().json(blocking(move || s.reindex_reports()).await?))
}

#[derive(Deserialize)]
pub struct QueueReportQuery {
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    /// Service level target: called within this many minutes (default 15).
    #[serde(default)]
    pub target: Option<u32>,
    #[serde(default)]
    pub format: Option<String>,
}

/// `GET /api/v1/reports/queue?from=..&to=..[&target=15]`
pub async fn queue_report(
    state: Data,
    q: web::Query<QueueReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let QueueReportQuery {
        from,
        to,
        target,
        format,
    } = q.into_inner();
    let (r, center) = blocking(move || {
        Ok((
            s.queue_report(from, to, target.unwrap_or(15))?,
            s.settings()?.name,
        ))
    })
    .await?;
    if format.as_deref() == Some("csv") {
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                actix_web::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"bao-cao-xep-hang-{from}-{to}.csv\""),
            ))
            .body(format!(
                "\u{feff}{}",
                crate::service::reports::queue_csv(&r)
            )));
    }
    if format.as_deref() == Some("xlsx") {
        let bytes = crate::service::reports::queue_xlsx(&r, &center, from, to)
            .map_err(ApiError::internal)?;
        return Ok(HttpResponse::Ok()
            .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            .insert_header((
                actix_web::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"bao-cao-xep-hang-{from}-{to}.xlsx\""),
            ))
            .body(bytes));
    }
    Ok(HttpResponse::Ok().json(r))
}
