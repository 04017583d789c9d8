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
}

struct PaperBox {
    index: usize,
    name: String,
    kind: &'static str,
    count: String,
    /// Ticked: all on a fresh form; as the officer left them on a form sent back.
    checked: bool,
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
    /// The served ticket's area, when the list is narrowed to it.
    area_filter: Option<String>,
    /// The search typed (kept when the page is reloaded without JavaScript).
    q: String,
    /// Every area's procedures are listed (the officer widened the list).
    all: bool,
    /// Problems with the form, every one at once, each with its field.
    errors: Vec<(&'static str, String)>,
    form: HashMap<String, String>,
}

impl NewPage {
    /// The message for a field, if it has one (shown beside it).
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
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
    /// Search words (diacritics optional).
    #[serde(default)]
    q: String,
    /// `1`: every area's procedures, not only the ticket's.
    #[serde(default)]
    all: Option<u8>,
}

struct Pick<'a> {
    code: &'a str,
    ticket: Option<u64>,
    q: &'a str,
    all: bool,
}

fn new_page(
    s: &crate::service::Services,
    user: String,
    pick: Pick<'_>,
    errors: Vec<(&'static str, String)>,
    form: HashMap<String, String>,
) -> Result<NewPage, ServiceError> {
    let Pick {
        code,
        ticket,
        q,
        all,
    } = pick;
    let cat = s.catalogue()?;
    let areas: HashMap<u32, String> = s.services()?.into_iter().map(|a| (a.id, a.name)).collect();
    // A citizen called from an area's queue files that area's procedures: list those
    // (a link widens the list to every area).
    let ticket_area = match ticket {
        Some(id) if !all => s.ticket(id).ok().map(|t| t.service),
        _ => None,
    }
    .filter(|a| cat.procedures.iter().any(|p| p.area == *a));
    let mut procs: Vec<&crate::domain::dossier::ProcedureSnapshot> = if q.trim().is_empty() {
        let mut v: Vec<_> = cat.procedures.iter().collect();
        v.sort_by(|a, b| a.area.cmp(&b.area).then(a.name.cmp(&b.name)));
        v
    } else {
        // The same ranking as the public search (citizens' words, popularity).
        let hits = s.search_procedures(q)?;
        hits.iter()
            .filter_map(|h| cat.get(&h.procedure.code))
            .collect()
    };
    if let Some(a) = ticket_area {
        procs.retain(|p| p.area == a);
    }
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
                count: form
                    .get(&format!("count_{index}"))
                    .cloned()
                    .unwrap_or_else(|| x.count.to_string()),
                checked: form.is_empty() || form.contains_key(&format!("paper_{index}")),
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
            .map(|p| {
                let area = areas.get(&p.area).cloned().unwrap_or_default();
                ProcOption {
                    code: p.code.clone(),
                    name: p.name.clone(),
                    area,
                }
            })
            .collect(),
        chosen,
        ticket,
        ticket_number,
        area_filter: ticket_area.and_then(|a| areas.get(&a).cloned()),
        q: q.to_string(),
        all,
        errors,
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
    let page = blocking(move || {
        new_page(
            &s,
            user,
            Pick {
                code: &q.thu_tuc,
                ticket: q.ticket,
                q: &q.q,
                all: q.all == Some(1),
            },
            Vec::new(),
            HashMap::new(),
        )
    })
    .await?;
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
        let ticket = get("ticket").trim().parse().ok();
        let Some(p) = cat.get(code.trim()) else {
            return Ok(Err(new_page(
                &s,
                user,
                Pick {
                    code: "",
                    ticket,
                    q: "",
                    all: false,
                },
                vec![("procedure", "Cần chọn thủ tục".into())],
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
        let applicant = crate::domain::dossier::Applicant {
            name: get("name"),
            id_number: get("id_number"),
            phone: get("phone"),
            address: get("address"),
            email: get("email"),
        };
        // Every problem at once, beside its field; the service checks again on its own.
        let sets_text = get("sets");
        let sets = if sets_text.trim().is_empty() {
            1
        } else {
            sets_text.trim().parse().unwrap_or(0)
        };
        let mut problems = crate::domain::dossier::reception::check_applicant(&applicant)
            .err()
            .unwrap_or_default();
        problems.extend(crate::domain::dossier::reception::check_papers(
            &papers, sets,
        ));
        if !problems.is_empty() {
            return Ok(Err(new_page(
                &s,
                user,
                Pick {
                    code: &code,
                    ticket,
                    q: "",
                    all: true,
                },
                problems.into_iter().map(|p| (p.field, p.message)).collect(),
                fields.clone(),
            )?));
        }
        let req = ReceiveDossier {
            procedure_code: code.clone(),
            applicant,
            papers: Some(papers),
            sets: Some(sets),
            ticket,
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
                Pick {
                    code: &code,
                    ticket,
                    q: "",
                    all: true,
                },
                vec![("form", e.to_string())],
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
