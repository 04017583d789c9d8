//! The public listing of procedures (niêm yết), one procedure's page and the poster.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::service::ServiceError;
use crate::web::{blocking, ApiError};

use super::*;

type Data = actix_web::web::Data<crate::web::AppState>;

/// A procedure as the listing pages show it.
struct ProcView {
    code: String,
    name: String,
    area_name: String,
    papers: Vec<(String, &'static str, u32)>,
    fee: String,
    time: String,
    result: String,
    online: &'static str,
    online_full: bool,
    legal_basis: String,
    counters: Vec<String>,
    portal_qr: String,
    portal_url: String,
}

fn proc_view(p: &crate::service::dossiers::PublicProcedure) -> ProcView {
    let x = &p.procedure;
    ProcView {
        code: x.code.clone(),
        name: x.name.clone(),
        area_name: p.area_name.clone(),
        papers: x
            .papers
            .iter()
            .map(|y| (y.name.clone(), y.kind.label_vi(), y.count))
            .collect(),
        fee: x.fee_label_vi(),
        time: x.duration.label_vi(),
        result: x.result_type.clone(),
        online: x.online_level.label_vi(),
        online_full: x.online_level == crate::domain::dossier::OnlineLevel::Full,
        legal_basis: x.legal_basis.clone(),
        counters: p.counters.clone(),
        portal_qr: if x.portal_url.is_empty() {
            String::new()
        } else {
            qr_svg(&x.portal_url)
        },
        portal_url: x.portal_url.clone(),
    }
}

struct AreaGroup {
    id: u32,
    name: String,
    procs: Vec<ProcView>,
}

#[derive(Template)]
#[template(path = "listing.html")]
struct ListingPage {
    center: String,
    q: String,
    groups: Vec<AreaGroup>,
    hits: Option<Vec<ProcView>>,
    /// The whole list by area shows when nothing was searched or nothing was found;
    /// after hits it would bury them, so a link leads there instead.
    show_groups: bool,
    version: u32,
    updated: String,
}

#[derive(Deserialize)]
pub struct ListingQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    area: Option<u32>,
}

fn catalogue_date(c: &crate::domain::catalogue::Catalogue) -> String {
    day(c.updated_at)
}

pub async fn listing(state: Data, q: web::Query<ListingQuery>) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let ListingQuery { q, area } = q.into_inner();
    let q: String = q.chars().take(100).collect();
    let page = blocking(move || {
        let cat = s.catalogue()?;
        let all = s.search_procedures("")?;
        let hits = if q.trim().is_empty() {
            None
        } else {
            Some(s.search_procedures(&q)?.iter().map(proc_view).collect())
        };
        let groups = s
            .services()?
            .into_iter()
            .filter(|a| a.active && area.is_none_or(|x| x == a.id))
            .map(|a| AreaGroup {
                id: a.id,
                procs: all
                    .iter()
                    .filter(|p| p.procedure.area == a.id)
                    .map(proc_view)
                    .collect(),
                name: a.name,
            })
            .filter(|g| !g.procs.is_empty())
            .collect();
        Ok(ListingPage {
            center: s.settings()?.name,
            q,
            groups,
            show_groups: hits.as_ref().is_none_or(|h: &Vec<ProcView>| h.is_empty()),
            hits,
            version: cat.version,
            updated: catalogue_date(&cat),
        })
    })
    .await?;
    html(page)
}

#[derive(Template)]
#[template(path = "procedure.html")]
struct ProcedurePage {
    center: String,
    p: ProcView,
    version: u32,
    updated: String,
}

pub async fn procedure_page(
    state: Data,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let code = path.into_inner();
    let page = blocking(move || {
        let cat = s.catalogue()?;
        let p = s.public_procedure(&code)?;
        Ok(ProcedurePage {
            center: s.settings()?.name,
            p: proc_view(&p),
            version: cat.version,
            updated: catalogue_date(&cat),
        })
    })
    .await?;
    html(page)
}

#[derive(Template)]
#[template(path = "poster.html")]
struct PosterPage {
    center: String,
    area: String,
    procs: Vec<ProcView>,
    qr: String,
    url: String,
    version: u32,
    updated: String,
}

/// An A4 poster of one service area for the wall: every procedure with its time and fee,
/// and a QR code that opens the same list on a phone.
pub async fn poster(
    state: Data,
    req: HttpRequest,
    path: web::Path<u32>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let id = path.into_inner();
    let base = base_url(&req);
    let page = blocking(move || {
        let cat = s.catalogue()?;
        let area = s
            .services()?
            .into_iter()
            .find(|a| a.id == id)
            .ok_or(ServiceError::NotFound("lĩnh vực"))?;
        let settings = s.settings()?;
        let url = format!("{}/thu-tuc?area={id}", settings.public_base(&base));
        Ok(PosterPage {
            center: settings.name,
            area: area.name,
            procs: s
                .search_procedures("")?
                .iter()
                .filter(|p| p.procedure.area == id)
                .map(proc_view)
                .collect(),
            qr: qr_svg(&url),
            url,
            version: cat.version,
            updated: catalogue_date(&cat),
        })
    })
    .await?;
    html(page)
}
