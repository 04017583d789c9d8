//! The kiosk printer: status, choice, test page, its job queue and the simulator's faults.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::service::printing::SimFaults;
use crate::web::{blocking, ApiError, Caller};

type Data = actix_web::web::Data<crate::web::AppState>;

/// The kiosk printer: where it is, its last status, the simulated printer's last tickets.
pub async fn printer_info(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    Ok(HttpResponse::Ok().json(blocking(move || Ok(s.printer_view())).await?))
}

/// A simulated job's image, so anyone can see what a real printer would print.
pub async fn printer_job_png(state: Data, path: web::Path<u64>) -> Result<HttpResponse, ApiError> {
    let seq = path.into_inner();
    let s = state.services.clone();
    let png = blocking(move || s.printer_job_png(seq)).await?;
    Ok(HttpResponse::Ok().content_type("image/png").body(png))
}

/// Switches the simulated printer's faults (demo and tests): paper out, cover open…
pub async fn printer_sim_faults(
    state: Data,
    body: web::Json<SimFaults>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let faults = body.into_inner();
    Ok(HttpResponse::Ok().json(blocking(move || s.set_printer_sim_faults(faults)).await?))
}

/// Prints a sample ticket (admin's test page).
pub async fn printer_test(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    Ok(HttpResponse::Ok().json(blocking(move || s.printer_test()).await?))
}

/// For the counters: the printer's fault now and today's tickets without paper.
pub async fn paper_report(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    Ok(HttpResponse::Ok().json(blocking(move || s.paper_report()).await?))
}

/// A counter reprints a ticket on the kiosk printer (held during a fault, or lost).
pub async fn reprint_ticket(
    state: Data,
    caller: Caller,
    path: web::Path<u64>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let id = path.into_inner();
    let job = blocking(move || s.reprint_ticket(&actor, id)).await?;
    Ok(HttpResponse::Accepted().json(serde_json::json!({ "job": job })))
}

pub async fn print_jobs(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    Ok(HttpResponse::Ok().json(blocking(move || s.pending_print_jobs()).await?))
}

pub async fn cancel_print_job(
    state: Data,
    caller: Caller,
    path: web::Path<u64>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let id = path.into_inner();
    Ok(HttpResponse::Ok().json(blocking(move || s.cancel_print_job(&actor, id)).await?))
}

#[derive(Deserialize)]
pub struct PrinterChoice {
    target: String,
}

/// The admin picks the kiosk's printer (`sim`, `usb`, `usb:VVVV:PPPP`, `tcp:HOST:PORT`,
/// `file:PATH`, `none`): saved in the database and switched at once.
pub async fn set_printer(
    state: Data,
    caller: Caller,
    body: web::Json<PrinterChoice>,
) -> Result<HttpResponse, ApiError> {
    let target = body.into_inner().target;
    let s = state.services.clone();
    let actor = caller.actor();
    Ok(HttpResponse::Ok().json(blocking(move || s.choose_printer(&actor, &target)).await?))
}
