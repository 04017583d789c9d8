//! Receiving a dossier at the counter.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::domain::dossier::Paper;
use crate::service::dossiers::ReceiveDossier;
use crate::service::ServiceError;
use crate::web::{blocking, ApiError, Caller};

use super::*;

type Data = actix_web::web::Data<crate::web::AppState>;

struct ProcOption {
    code: String,
    name: String,
    area: String,
    selected: bool,
}

struct PaperBox {
    index: usize,
    name: String,
    kind: &'static str,
    count: u32,
}

#[derive(Template)]
#[template(path = "dossier_new.html")]
struct NewPage {
    center: String,
    user: String,
    procedures: Vec<ProcOption>,
    chosen: Option<ChosenProc>,
    ticket: Option<u64>,
    ticket_number: Option<String>,
    error: Option<String>,
    form: HashMap<String, String>,
}

struct ChosenProc {
    code: String,
    name: String,
    time: String,
    fee: String,
    result: String,
    papers: Vec<PaperBox>,
}

#[derive(Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    thu_tuc: String,
    #[serde(default)]
    ticket: Option<u64>,
}

fn new_page(
    s: &crate::service::Services,
    user: String,
    code: &str,
    ticket: Option<u64>,
    error: Option<String>,
    form: HashMap<String, String>,
) -> Result<NewPage, ServiceError> {
    let cat = s.catalogue()?;
    let areas: HashMap<u32, String> = s.services()?.into_iter().map(|a| (a.id, a.name)).collect();
    let mut procs: Vec<&crate::domain::dossier::ProcedureSnapshot> =
        cat.procedures.iter().collect();
    procs.sort_by(|a, b| a.area.cmp(&b.area).then(a.name.cmp(&b.name)));
    let chosen = cat.get(code.trim()).map(|p| ChosenProc {
        code: p.code.clone(),
        name: p.name.clone(),
        time: p.duration.label_vi(),
        fee: fee_text(p),
        result: p.result_type.clone(),
        papers: p
            .papers
            .iter()
            .enumerate()
            .map(|(index, x)| PaperBox {
                index,
                name: x.name.clone(),
                kind: x.kind.label_vi(),
                count: x.count,
            })
            .collect(),
    });
    let ticket_number = match ticket {
        Some(id) => s.ticket_number(id)?,
        None => None,
    };
    Ok(NewPage {
        center: s.settings()?.name,
        user,
        procedures: procs
            .into_iter()
            .map(|p| ProcOption {
                code: p.code.clone(),
                name: p.name.clone(),
                area: areas.get(&p.area).cloned().unwrap_or_default(),
                selected: p.code == code.trim(),
            })
            .collect(),
        chosen,
        ticket,
        ticket_number,
        error,
        form,
    })
}

pub async fn new_dossier(
    state: Data,
    caller: Caller,
    q: web::Query<NewQuery>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let q = q.into_inner();
    let user = caller.principal.display_name.clone();
    let page =
        blocking(move || new_page(&s, user, &q.thu_tuc, q.ticket, None, HashMap::new())).await?;
    html(page)
}

/// The reception form: applicant fields, `paper_N` checkboxes with `count_N`.
pub async fn new_dossier_submit(
    state: Data,
    caller: Caller,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, ApiError> {
    let fields: HashMap<String, String> = form.into_inner().into_iter().collect();
    let s = state.services.clone();
    let actor = caller.actor();
    let user = caller.principal.display_name.clone();
    let outcome = blocking(move || {
        let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
        let code = get("procedure_code");
        let cat = s.catalogue()?;
        let Some(p) = cat.get(code.trim()) else {
            return Ok(Err(new_page(
                &s,
                user,
                "",
                get("ticket").parse().ok(),
                Some("Cần chọn thủ tục".into()),
                fields.clone(),
            )?));
        };
        let papers: Vec<Paper> = p
            .papers
            .iter()
            .enumerate()
            .filter(|(i, _)| fields.contains_key(&format!("paper_{i}")))
            .map(|(i, x)| Paper {
                count: get(&format!("count_{i}")).trim().parse().unwrap_or(x.count),
                ..x.clone()
            })
            .collect();
        let req = ReceiveDossier {
            procedure_code: code.clone(),
            applicant: crate::domain::dossier::Applicant {
                name: get("name"),
                id_number: get("id_number"),
                phone: get("phone"),
                address: get("address"),
                email: get("email"),
            },
            papers: Some(papers),
            sets: get("sets").trim().parse().ok(),
            ticket: get("ticket").trim().parse().ok(),
            channel: None,
            note: get("note"),
        };
        match s.receive_dossier(&actor, req) {
            Ok(d) => Ok(Ok(d.code)),
            Err(
                e @ (ServiceError::Invalid(_)
                | ServiceError::NotFound(_)
                | ServiceError::Dossier(_)),
            ) => Ok(Err(new_page(
                &s,
                user,
                &code,
                get("ticket").parse().ok(),
                Some(e.to_string()),
                fields.clone(),
            )?)),
            Err(e) => Err(e),
        }
    })
    .await?;
    match outcome {
        Ok(code) => Ok(see_other(&format!("/ho-so/{code}/mau/01"))),
        Err(page) => html_status(page, StatusCode::UNPROCESSABLE_ENTITY),
    }
}
