//! The printable forms (Mẫu 01–06) of a dossier.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::domain::time::local;
use crate::web::{blocking, ApiError};

use super::dossier::{info, step_rows, Info, StepRow};
use super::*;

type Data = actix_web::web::Data<crate::web::AppState>;

#[derive(Template)]
#[template(path = "dossier_form.html")]
struct FormPage {
    form: String,
    agency_name: String,
    center: String,
    d: Info,
    officer_received: String,
    statutory: String,
    fee: String,
    received_long: String,
    due_long: String,
    pickup: String,
    /// `Tân Phú, ngày …`: the place name and the date, as every form heads its text.
    today: String,
    /// The public address citizens use (the lookup page is under it).
    site: String,
    qr: String,
    lookup_url: String,
    /// The code the national portal knows the dossier by, when it is synced there (the
    /// national code of an online filing, else ours).
    portal_code: Option<String>,
    steps: Vec<StepRow>,
    missing: Vec<String>,
    reason: String,
    apology_original: String,
    apology_new: String,
    request_note: String,
}

#[derive(Deserialize)]
pub struct FormPath {
    code: String,
    form: String,
}

pub async fn dossier_form(
    state: Data,
    req: HttpRequest,
    path: web::Path<FormPath>,
) -> Result<HttpResponse, ApiError> {
    let FormPath { code, form } = path.into_inner();
    if !["01", "02", "03", "04", "05", "06"].contains(&form.as_str()) {
        return Err(ApiError::not_found("mẫu"));
    }
    let s = state.services.clone();
    let base = base_url(&req);
    let page = blocking(move || {
        let d = s.dossier(&code)?;
        let settings = s.settings()?;
        let names = display_names(&s)?;
        let name = |o: &str| names.get(o).cloned().unwrap_or_else(|| o.to_string());
        let now = s.clock.now();
        let site = settings.public_base(&base);
        let lookup_url = format!("{site}/tra-cuu/{}", d.lookup_token);
        let reason_for = |e: crate::domain::dossier::EventKind| {
            d.history
                .iter()
                .rev()
                .find(|h| h.event == e)
                .map(|h| h.note.clone())
                .unwrap_or_default()
        };
        let supplement = d
            .history
            .iter()
            .rev()
            .find(|h| h.event == crate::domain::dossier::EventKind::SupplementRequested);
        let reason = match form.as_str() {
            "02" => {
                let note = reason_for(crate::domain::dossier::EventKind::SupplementRequested);
                note.split_once(". Cần bổ sung: ")
                    .map(|(r, _)| r.to_string())
                    .unwrap_or(note)
            }
            "04" => d
                .state
                .apology
                .as_ref()
                .map(|a| a.reason.clone())
                .unwrap_or_default(),
            _ => d.state.closing_reason.clone().unwrap_or_default(),
        };
        // Mẫu 02 lists what was asked for, even after the citizen brought it.
        let missing = d
            .history
            .iter()
            .rev()
            .find(|h| h.event == crate::domain::dossier::EventKind::SupplementRequested)
            .and_then(|h| {
                h.note
                    .split_once("Cần bổ sung: ")
                    .map(|(_, m)| m.to_string())
            })
            .map(|m| m.split("; ").map(str::to_string).collect())
            .unwrap_or_default();
        Ok(FormPage {
            form: form.clone(),
            agency_name: settings.dossier.agency_name.clone(),
            center: settings.name.clone(),
            // The officer who signs: the receiver on Mẫu 01, the guide on Mẫu 02.
            officer_received: match (form.as_str(), supplement) {
                ("02", Some(h)) => name(&h.actor),
                _ => d
                    .history
                    .first()
                    .map(|h| name(&h.actor))
                    .unwrap_or_default(),
            },
            statutory: d.procedure.duration.label_vi(),
            fee: fee_text(&d.procedure),
            received_long: when_long(d.state.received_at),
            due_long: when_long(
                d.state
                    .apology
                    .as_ref()
                    .map(|a| a.original_due)
                    .or(d.state.due_at),
            ),
            pickup: d.pickup.clone(),
            today: settings
                .place_and_date(&local(now).format("ngày %d tháng %m năm %Y").to_string()),
            site: site.clone(),
            qr: qr_svg(&lookup_url),
            lookup_url,
            portal_code: (s.sync_enabled() || d.national_code.is_some())
                .then(|| crate::domain::sync::province_code(&d)),
            steps: step_rows(&d, &names),
            missing,
            reason,
            apology_original: day(d.state.apology.as_ref().map(|a| a.original_due)),
            apology_new: day(d.state.apology.as_ref().map(|a| a.new_due)),
            request_note: d.note.clone(),
            d: info(&d, &names, now),
        })
    })
    .await?;
    html(page)
}
