//! The dossier book (sổ theo dõi, Mẫu 07).

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use crate::domain::dossier::{Dossier, Status};
use crate::service::dossiers::DossierFilter;
use crate::web::{blocking, ApiError, Caller};

use super::*;

type Data = actix_web::web::Data<crate::web::AppState>;

/// A row of the book and of lists.
struct Row {
    code: String,
    procedure: String,
    sets: u32,
    applicant: String,
    contact: String,
    received: String,
    due: String,
    resolved: String,
    returned: String,
    status: &'static str,
    status_code: u8,
    officer: String,
    late: bool,
}

fn row(d: &Dossier, names: &HashMap<String, String>, now: DateTime<Utc>) -> Row {
    let contact = [d.applicant.address.as_str(), d.applicant.phone.as_str()]
        .iter()
        .filter(|s| !s.trim().is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" – ");
    Row {
        code: d.code.clone(),
        procedure: d.procedure.name.clone(),
        sets: d.sets,
        applicant: d.applicant.name.clone(),
        contact,
        received: when(d.state.received_at.or(d.state.registered_at)),
        due: when(d.state.due_at),
        resolved: when(d.state.resolved_at),
        returned: when(d.state.returned_at),
        status: d.status().label_vi(),
        status_code: d.status().code(),
        officer: d
            .state
            .current_officer
            .as_ref()
            .map(|o| names.get(o).cloned().unwrap_or_else(|| o.clone()))
            .unwrap_or_default(),
        late: d.is_overdue_at(now),
    }
}

#[derive(Template)]
#[template(path = "dossier_list.html")]
struct ListPage {
    center: String,
    agency_name: String,
    user: String,
    rows: Vec<Row>,
    attention: Vec<Row>,
    areas: Vec<(u32, String, bool)>,
    statuses: Vec<(u8, &'static str, bool)>,
    f_from: String,
    f_to: String,
    f_q: String,
    f_overdue: bool,
    /// Showing "Hồ sơ của tôi".
    mine: bool,
    page: usize,
    next_page: Option<String>,
    period: String,
    /// The Báo cáo button, for roles that may open the reports.
    show_reports: bool,
    /// The Quầy button, for roles that work a counter desk.
    show_counter: bool,
    /// Online dossiers no procedure here could take: (national code, applicant, procedure
    /// code, why, when), shown until someone deals with them.
    inbox: Vec<(String, String, String, String, String)>,
    /// The procedures an inbox dossier can be given: (code, "code — name").
    procedures: Vec<(String, String)>,
    /// Set after an inbox dossier was assigned (`?xep=<local code>`).
    assigned: Option<String>,
}

/// Query string of the book's filters, as the form sends it (empty fields allowed).
#[derive(Deserialize, Default)]
pub struct BookQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    overdue: String,
    /// `1`: only the dossiers the signed-in officer holds and has not finished.
    #[serde(default)]
    cua_toi: String,
    #[serde(default)]
    page: usize,
    /// The local code an inbox dossier just became.
    #[serde(default)]
    xep: String,
}

pub async fn book(
    state: Data,
    caller: Caller,
    q: web::Query<BookQuery>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let q = q.into_inner();
    let date = |v: &str| NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").ok();
    let filter = DossierFilter {
        status: q.status.trim().parse().ok(),
        area: q.area.trim().parse().ok(),
        from: date(&q.from),
        to: date(&q.to),
        q: Some(q.q.clone()).filter(|v| !v.trim().is_empty()),
        overdue: !q.overdue.is_empty(),
        officer: (!q.cua_toi.is_empty()).then(|| caller.principal.name.clone()),
        open_only: !q.cua_toi.is_empty(),
        page: q.page,
        per_page: Some(100),
        ..Default::default()
    };
    let page = blocking(move || {
        let settings = s.settings()?;
        let names = display_names(&s)?;
        let now = s.clock.now();
        let list = s.list_dossiers(&filter)?;
        let attention = s.dossiers_needing_attention(20)?;
        let inbox: Vec<(String, String, String, String, String)> = s
            .online_inbox()?
            .into_iter()
            .map(|r| {
                let v: serde_json::Value = serde_json::from_str(&r.raw).unwrap_or_default();
                let f = |k: &str| v[k].as_str().unwrap_or("").to_string();
                (
                    r.national_code,
                    f("ChuHoSo"),
                    f("MaTTHC"),
                    r.reason.unwrap_or_default(),
                    when(Some(r.received_at)),
                )
            })
            .collect();
        let areas = s
            .services()?
            .into_iter()
            .map(|a| (a.id, a.name, filter.area == Some(a.id)))
            .collect();
        let period = match (filter.from, filter.to) {
            (Some(a), Some(b)) => format!(
                "Từ ngày {} đến ngày {}",
                a.format("%d/%m/%Y"),
                b.format("%d/%m/%Y")
            ),
            (Some(a), None) => format!("Từ ngày {}", a.format("%d/%m/%Y")),
            (None, Some(b)) => format!("Đến ngày {}", b.format("%d/%m/%Y")),
            (None, None) => String::new(),
        };
        let full = list.len() == 100;
        Ok(ListPage {
            center: settings.name,
            agency_name: settings.dossier.agency_name,
            user: caller.principal.display_name.clone(),
            show_reports: crate::web::routes::may_open("/bao-cao", Some(caller.principal.role)),
            show_counter: crate::web::routes::may_open("/counter", Some(caller.principal.role)),
            procedures: if inbox.is_empty() {
                Vec::new()
            } else {
                s.catalogue()?
                    .procedures
                    .into_iter()
                    .map(|p| (p.code.clone(), format!("{} — {}", p.code, p.name)))
                    .collect()
            },
            inbox,
            assigned: Some(q.xep.clone()).filter(|c| !c.trim().is_empty()),
            rows: list.iter().map(|d| row(d, &names, now)).collect(),
            attention: attention.iter().map(|d| row(d, &names, now)).collect(),
            areas,
            statuses: Status::ALL
                .iter()
                .map(|s| (s.code(), s.label_vi(), filter.status == Some(s.code())))
                .collect(),
            f_from: q.from.clone(),
            f_to: q.to.clone(),
            f_q: q.q.clone(),
            f_overdue: filter.overdue,
            mine: filter.open_only,
            page: q.page,
            next_page: full.then(|| {
                format!(
                    "?from={}&to={}&status={}&area={}&q={}&overdue={}&cua_toi={}&page={}",
                    enc(&q.from),
                    enc(&q.to),
                    enc(&q.status),
                    enc(&q.area),
                    enc(&q.q),
                    enc(&q.overdue),
                    enc(&q.cua_toi),
                    q.page + 1
                )
            }),
            period,
        })
    })
    .await?;
    html(page)
}

/// The inbox's *Xếp vào thủ tục*: an officer gives an online dossier the procedure it is
/// for; it becomes a dossier of the book (status 1, waiting to be received).
pub async fn inbox_assign_submit(
    state: Data,
    caller: Caller,
    path: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let national = path.into_inner();
    let procedure = form.get("procedure").cloned().unwrap_or_default();
    let s = state.services.clone();
    let actor = caller.actor();
    let code = blocking(move || s.assign_online(&actor, &national, &procedure)).await?;
    Ok(see_other(&format!("/ho-so?xep={code}#online-inbox")))
}
