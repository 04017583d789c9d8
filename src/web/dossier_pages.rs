//! Dossier screens: the tracking book (Mẫu 07), reception at the counter, a dossier with
//! its actions and control sheet (Mẫu 06), the printable forms (Mẫu 01–05), and the
//! citizens' lookup (`/tra-cuu`). Plain HTML forms: they work on any browser at the desk,
//! and the forms print on A4 from the browser with the print stylesheet.

use std::collections::HashMap;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use super::{blocking, peer, ApiError, AppState, Caller};
use crate::domain::dossier::{
    allowed_actions, ActionKind, Dossier, Paper, PaperKind, Status, Timeliness,
};
use crate::domain::time::local;
use crate::service::dossiers::{DossierCommand, DossierFilter, PublicDossier, ReceiveDossier};
use crate::service::ServiceError;

type Data = web::Data<AppState>;

fn html_status(t: impl Template, status: StatusCode) -> Result<HttpResponse, ApiError> {
    let body = t.render().map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("X-Frame-Options", "DENY"))
        .body(body))
}

fn html(t: impl Template) -> Result<HttpResponse, ApiError> {
    html_status(t, StatusCode::OK)
}

fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_string()))
        .finish()
}

/// `14:05 05/03/2026`.
pub fn when(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| local(t).format("%H:%M %d/%m/%Y").to_string())
        .unwrap_or_default()
}

/// `14 giờ 05 phút, ngày 05 tháng 03 năm 2026`, as Mẫu 01 writes times.
fn when_long(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| {
        local(t)
            .format("%H giờ %M phút, ngày %d tháng %m năm %Y")
            .to_string()
    })
    .unwrap_or_else(|| "…".into())
}

fn day(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| local(t).format("%d/%m/%Y").to_string())
        .unwrap_or_default()
}

/// The fee line of forms and listings (see [`ProcedureSnapshot::fee_label_vi`]).
pub fn fee_text(p: &crate::domain::dossier::ProcedureSnapshot) -> String {
    p.fee_label_vi()
}

/// An inline SVG QR code (no image request, prints sharply).
pub fn qr_svg(text: &str) -> String {
    let Ok(code) = qrcode::QrCode::new(text.as_bytes()) else {
        return String::new();
    };
    let w = code.width();
    let colors = code.to_colors();
    let mut path = String::new();
    for (i, c) in colors.iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (x, y) = (i % w + 4, i / w + 4);
            path.push_str(&format!("M{x} {y}h1v1h-1z"));
        }
    }
    let size = w + 8;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" class=\"qr\" role=\"img\" aria-label=\"Mã QR tra cứu hồ sơ\"><rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    )
}

fn base_url(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

fn papers_text(ps: &[Paper]) -> Vec<String> {
    ps.iter()
        .map(|p| format!("{} — {}: {}", p.name, p.kind.label_vi(), p.count))
        .collect()
}

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

fn display_names(s: &crate::service::Services) -> Result<HashMap<String, String>, ServiceError> {
    Ok(s.users()?
        .into_iter()
        .map(|u| (u.username, u.display_name))
        .collect())
}

// ───────────────────────────── The book (Mẫu 07) ─────────────────────────────

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
    page: usize,
    next_page: Option<String>,
    period: String,
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
    #[serde(default)]
    page: usize,
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
            page: q.page,
            next_page: full.then(|| {
                format!(
                    "?from={}&to={}&status={}&area={}&q={}&overdue={}&page={}",
                    enc(&q.from),
                    enc(&q.to),
                    enc(&q.status),
                    enc(&q.area),
                    enc(&q.q),
                    enc(&q.overdue),
                    q.page + 1
                )
            }),
            period,
        })
    })
    .await?;
    html(page)
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

// ───────────────────────────── Reception ─────────────────────────────

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

// ───────────────────────────── One dossier ─────────────────────────────

struct HistRow {
    at: String,
    actor: String,
    what: String,
    status: &'static str,
    note: String,
    due: String,
}

struct StepRow {
    from: String,
    to: String,
    handed: String,
    due: String,
    finished: String,
    mark: &'static str,
}

struct Info {
    code: String,
    procedure: String,
    procedure_code: String,
    procedure_version: u32,
    status: &'static str,
    status_code: u8,
    channel: &'static str,
    applicant: crate::domain::dossier::Applicant,
    papers: Vec<String>,
    sets: u32,
    received: String,
    due: String,
    resolved: String,
    returned: String,
    officer: String,
    late: bool,
    missing: Vec<String>,
    closing_reason: String,
    apology: bool,
    note: String,
    imported: bool,
}

#[derive(Template)]
#[template(path = "dossier_view.html")]
struct ViewPage {
    center: String,
    user: String,
    d: Info,
    history: Vec<HistRow>,
    steps: Vec<StepRow>,
    actions: Vec<String>,
    officers: Vec<(String, String)>,
    error: Option<String>,
    forms: Vec<(&'static str, &'static str)>,
    papers: Vec<PaperRow>,
    scanners: Vec<(String, String)>,
    digitized: bool,
    /// Files may change (not withdrawn, stopped or refused).
    can_digitize: bool,
    /// The nine indicators: shown once the result is returned.
    indicators: Option<IndicatorPanel>,
}

/// The nine-indicator panel: a form with the record's suggestions, or what was recorded.
struct IndicatorPanel {
    /// (number, name, [(score, label, checked)]).
    rows: Vec<(u8, &'static str, Vec<(u8, &'static str, bool)>)>,
    can_record: bool,
    /// "14/18, ghi nhận 05/03/2026 10:00 bởi …" once recorded.
    recorded: String,
}

/// One paper (or the result) in the digitization panel.
struct PaperRow {
    slot: String,
    name: String,
    has_file: bool,
    pages: u32,
    /// Page numbers with a stored image (scans), for thumbnails.
    thumbs: Vec<usize>,
    how: String,
    /// The result before the office has one: scanning allowed, but not expected yet.
    allowed: bool,
}

fn paper_rows(d: &Dossier, names: &HashMap<String, String>) -> Vec<PaperRow> {
    use crate::domain::dossier::digitize::{self, Origin};
    digitize::slots(d)
        .into_iter()
        .map(|(slot, name)| {
            let f = digitize::file_for(d, slot);
            PaperRow {
                slot: slot.key(),
                name,
                has_file: f.is_some(),
                pages: f.map(|f| f.page_count).unwrap_or(0),
                thumbs: f
                    .map(|f| (1..=f.pages.len().min(12)).collect())
                    .unwrap_or_default(),
                how: f
                    .map(|f| {
                        let who = names.get(&f.by).cloned().unwrap_or_else(|| f.by.clone());
                        let src = match &f.origin {
                            Origin::Scan { scanner } => format!("quét bằng {scanner}"),
                            Origin::Upload { filename } => format!("tải lên «{filename}»"),
                        };
                        format!("{src}, {who}, {}", when(Some(f.at)))
                    })
                    .unwrap_or_default(),
                allowed: digitize::check_slot(d, slot).is_ok(),
            }
        })
        .collect()
}

fn mark(t: Option<Timeliness>) -> &'static str {
    t.map(Timeliness::label_vi).unwrap_or("")
}

/// The control sheet's rows (Mẫu 06), with officers' display names.
fn step_rows(d: &Dossier, names: &HashMap<String, String>) -> Vec<StepRow> {
    let name = |o: &str| names.get(o).cloned().unwrap_or_else(|| o.to_string());
    d.state
        .steps
        .iter()
        .map(|r| StepRow {
            from: name(&r.from),
            to: name(&r.to),
            handed: when(Some(r.handed_at)),
            due: when(Some(r.step_due)),
            finished: when(r.finished_at),
            mark: mark(r.timeliness),
        })
        .collect()
}

fn info(d: &Dossier, names: &HashMap<String, String>, now: DateTime<Utc>) -> Info {
    let name = |o: &String| names.get(o).cloned().unwrap_or_else(|| o.clone());
    Info {
        code: d.code.clone(),
        procedure: d.procedure.name.clone(),
        procedure_code: d.procedure.code.clone(),
        procedure_version: d.procedure.version,
        status: d.status().label_vi(),
        status_code: d.status().code(),
        channel: d.state.channel.label_vi(),
        applicant: d.applicant.clone(),
        papers: papers_text(&d.papers),
        sets: d.sets,
        received: when(d.state.received_at.or(d.state.registered_at)),
        due: when(d.state.due_at),
        resolved: when(d.state.resolved_at),
        returned: when(d.state.returned_at),
        officer: d
            .state
            .current_officer
            .as_ref()
            .map(name)
            .unwrap_or_default(),
        late: d.is_overdue_at(now),
        missing: papers_text(&d.state.pending_supplement),
        closing_reason: d.state.closing_reason.clone().unwrap_or_default(),
        apology: d.state.apology.is_some(),
        note: d.note.clone(),
        imported: d.imported,
    }
}

/// Which printable forms apply to a dossier now.
fn forms_for(d: &Dossier) -> Vec<(&'static str, &'static str)> {
    let mut f = vec![("01", "Giấy tiếp nhận và hẹn trả kết quả (Mẫu 01)")];
    if d.state.supplement_requests > 0 {
        f.push(("02", "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02)"));
    }
    if d.status() == Status::Refused {
        f.push(("03", "Phiếu từ chối tiếp nhận giải quyết hồ sơ (Mẫu 03)"));
    }
    if d.state.apology.is_some() {
        f.push(("04", "Văn bản xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)"));
    }
    if d.status() == Status::Stopped {
        f.push(("05", "Thông báo dừng giải quyết hồ sơ (Mẫu 05)"));
    }
    f.push(("06", "Phiếu kiểm soát quá trình giải quyết hồ sơ (Mẫu 06)"));
    f
}

fn action_code(a: ActionKind) -> &'static str {
    match a {
        ActionKind::Receive => "receive",
        ActionKind::Refuse => "refuse",
        ActionKind::RequestSupplement => "request_supplement",
        ActionKind::Resume => "resume",
        ActionKind::Assign => "assign",
        ActionKind::Handover => "handover",
        ActionKind::RequestFees => "request_fees",
        ActionKind::FeesPaid => "fees_paid",
        ActionKind::Resolve => "resolve",
        ActionKind::ReturnResult => "return_result",
        ActionKind::Withdraw => "withdraw",
        ActionKind::Stop => "stop",
        ActionKind::Apologize => "apologize",
    }
}

fn view_page(
    s: &crate::service::Services,
    user: String,
    code: &str,
    error: Option<String>,
) -> Result<ViewPage, ServiceError> {
    let d = s.dossier(code)?;
    let names = display_names(s)?;
    let name = |o: &str| names.get(o).cloned().unwrap_or_else(|| o.to_string());
    let now = s.clock.now();
    let mut actions: Vec<String> = allowed_actions(d.status())
        .into_iter()
        .filter(|a| !(*a == ActionKind::Apologize && d.state.apology.is_some()))
        .map(|a| action_code(a).to_string())
        .collect();
    // Assign covers hand-overs on this screen (the holder is the giver either way).
    actions.retain(|a| *a != "handover");
    let officers = s
        .users()?
        .into_iter()
        .filter(|u| {
            !u.disabled
                && matches!(
                    u.role,
                    crate::domain::center::Role::Officer
                        | crate::domain::center::Role::Leader
                        | crate::domain::center::Role::Admin
                )
        })
        .map(|u| (u.username, u.display_name))
        .collect();
    Ok(ViewPage {
        center: s.settings()?.name,
        user,
        history: d
            .history
            .iter()
            .map(|h| HistRow {
                at: when(Some(h.at)),
                actor: name(&h.actor),
                what: event_label(h.event).to_string(),
                status: h.to.label_vi(),
                note: h.note.clone(),
                due: when(h.due),
            })
            .collect(),
        steps: step_rows(&d, &names),
        forms: forms_for(&d),
        papers: paper_rows(&d, &names),
        scanners: s.scanners()?.into_iter().map(|e| (e.id, e.name)).collect(),
        digitized: crate::domain::dossier::digitize::is_digitized(&d),
        can_digitize: !matches!(
            d.status(),
            crate::domain::dossier::Status::Withdrawn
                | crate::domain::dossier::Status::Stopped
                | crate::domain::dossier::Status::Refused
        ),
        indicators: indicator_panel(s, &d, &names)?,
        d: info(&d, &names, now),
        actions,
        officers,
        error,
    })
}

fn indicator_panel(
    s: &crate::service::Services,
    d: &crate::domain::dossier::Dossier,
    names: &HashMap<String, String>,
) -> Result<Option<IndicatorPanel>, ServiceError> {
    if d.status() != crate::domain::dossier::Status::Returned {
        return Ok(None);
    }
    let sheet = s.indicator_sheet(&d.code)?;
    let chosen: [Option<u8>; 9] = match &sheet.recorded {
        Some(r) => r.scores.map(Some),
        None => sheet.suggested,
    };
    Ok(Some(IndicatorPanel {
        rows: sheet
            .indicators
            .iter()
            .zip(chosen)
            .map(|(ind, c)| {
                (
                    ind.number,
                    ind.name,
                    [2u8, 1, 0]
                        .into_iter()
                        .zip(ind.levels)
                        .map(|(v, l)| (v, l, c == Some(v)))
                        .collect(),
                )
            })
            .collect(),
        can_record: sheet.can_record,
        recorded: sheet
            .recorded
            .map(|r| {
                let total: u32 = r.scores.iter().map(|x| u32::from(*x)).sum();
                format!(
                    "Tổng {total}/18 · ghi nhận {} bởi {}",
                    when(Some(r.at)),
                    names.get(&r.by).cloned().unwrap_or(r.by)
                )
            })
            .unwrap_or_default(),
    }))
}

pub fn event_label(e: crate::domain::dossier::EventKind) -> &'static str {
    use crate::domain::dossier::EventKind as E;
    match e {
        E::Registered => "Nộp trực tuyến",
        E::Received => "Tiếp nhận",
        E::Refused => "Từ chối tiếp nhận",
        E::SupplementRequested => "Yêu cầu bổ sung",
        E::Resumed => "Nhận bổ sung, tiếp tục xử lý",
        E::Assigned => "Phân công",
        E::HandedOver => "Chuyển bước",
        E::FeesRequested => "Yêu cầu nghĩa vụ tài chính",
        E::FeesPaid => "Đã nộp nghĩa vụ tài chính",
        E::Resolved => "Hoàn thành xử lý",
        E::Returned => "Trả kết quả",
        E::Withdrawn => "Rút hồ sơ",
        E::Stopped => "Dừng xử lý",
        E::Apologized => "Xin lỗi, hẹn lại",
        E::StepClosed => "Kết thúc bước",
        E::Digitized => "Số hoá",
        E::Assessed => "Đánh giá 9 tiêu chí",
    }
}

pub async fn view_dossier(
    state: Data,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let code = path.into_inner();
    let user = caller.principal.display_name.clone();
    let page = blocking(move || view_page(&s, user, &code, None)).await?;
    html(page)
}

/// The action forms of the dossier screen: `action` plus that action's fields.
pub async fn dossier_action_submit(
    state: Data,
    caller: Caller,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, ApiError> {
    let fields: HashMap<String, String> = form.into_inner().into_iter().collect();
    // After recording the indicators, land on them (they are below the fold).
    let anchor = if fields.get("action").map(String::as_str) == Some("record_indicators") {
        "#danh-gia"
    } else {
        ""
    };
    let code = path.into_inner();
    let s = state.services.clone();
    let actor = caller.actor();
    let user = caller.principal.display_name.clone();
    let outcome = blocking(move || {
        let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
        let cmd = match get("action").as_str() {
            "receive" => Ok(DossierCommand::Receive),
            "refuse" => Ok(DossierCommand::Refuse {
                reason: get("reason"),
            }),
            "request_supplement" => {
                let missing: Vec<Paper> = get("missing")
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(|l| Paper {
                        name: l.to_string(),
                        kind: PaperKind::Original,
                        count: 1,
                    })
                    .collect();
                Ok(DossierCommand::RequestSupplement {
                    missing,
                    reason: get("reason"),
                })
            }
            "resume" => Ok(DossierCommand::Resume),
            "assign" => Ok(DossierCommand::Assign {
                to_officer: get("to_officer"),
                step_days: get("step_days").trim().parse().ok(),
            }),
            "request_fees" => Ok(DossierCommand::RequestFees {
                amount_vnd: get("amount_vnd").trim().replace('.', "").parse().ok(),
                note: get("note"),
            }),
            "fees_paid" => Ok(DossierCommand::FeesPaid),
            "resolve" => Ok(DossierCommand::Resolve { note: get("note") }),
            "return_result" => Ok(DossierCommand::ReturnResult { note: get("note") }),
            "withdraw" => Ok(DossierCommand::Withdraw {
                reason: get("reason"),
            }),
            "stop" => Ok(DossierCommand::Stop {
                reason: get("reason"),
            }),
            "apologize" => match NaiveDate::parse_from_str(get("new_due").trim(), "%Y-%m-%d") {
                Ok(new_due) => Ok(DossierCommand::Apologize {
                    new_due,
                    reason: get("reason"),
                }),
                Err(_) => Err("Cần chọn ngày hẹn trả mới".to_string()),
            },
            "record_indicators" => Err(String::new()),
            _ => Err("Thao tác không hợp lệ".to_string()),
        };
        let result = if get("action") == "record_indicators" {
            // Nine radio groups i1..i9, each 0, 1 or 2; all must be chosen.
            let mut scores = [0u8; 9];
            let mut missing = vec![];
            for (i, v) in scores.iter_mut().enumerate() {
                match get(&format!("i{}", i + 1)).trim().parse::<u8>() {
                    Ok(x) => *v = x,
                    Err(_) => missing.push((i + 1).to_string()),
                }
            }
            if missing.is_empty() {
                s.record_indicators(&actor, &code, scores).map(|_| ())
            } else {
                Err(ServiceError::Invalid(format!(
                    "Chưa chọn điểm cho tiêu chí {}",
                    missing.join(", ")
                )))
            }
        } else {
            match cmd {
                Ok(cmd) => s.dossier_action(&actor, &code, cmd).map(|_| ()),
                Err(m) => Err(ServiceError::Invalid(m)),
            }
        };
        match result {
            Ok(()) => Ok(Ok(code)),
            Err(ServiceError::Store(e)) => Err(ServiceError::Store(e)),
            Err(ServiceError::NotFound(w)) => Err(ServiceError::NotFound(w)),
            Err(e) => Ok(Err(view_page(&s, user, &code, Some(e.to_string()))?)),
        }
    })
    .await?;
    match outcome {
        Ok(code) => Ok(see_other(&format!("/ho-so/{code}{anchor}"))),
        Err(page) => html_status(page, StatusCode::CONFLICT),
    }
}

// ───────────────────────────── Printable forms ─────────────────────────────

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
    today: String,
    qr: String,
    lookup_url: String,
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
        let lookup_url = format!("{base}/tra-cuu/{}", d.lookup_token);
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
            today: local(now).format("ngày %d tháng %m năm %Y").to_string(),
            qr: qr_svg(&lookup_url),
            lookup_url,
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

// ───────────────────────────── Public lookup ─────────────────────────────

#[derive(Template)]
#[template(path = "lookup.html")]
struct LookupPage {
    center: String,
    code: String,
    error: Option<String>,
    found: Option<PublicView>,
}

struct PublicView {
    code: String,
    procedure: String,
    status: &'static str,
    status_code: u8,
    applicant: String,
    received: String,
    due: String,
    resolved: String,
    returned: String,
    pickup: String,
    missing: Vec<String>,
    steps: Vec<(String, &'static str)>,
}

fn public_page_view(p: &PublicDossier) -> PublicView {
    let w = |t: Option<chrono::DateTime<chrono::FixedOffset>>| {
        t.map(|t| t.format("%H:%M ngày %d/%m/%Y").to_string())
            .unwrap_or_default()
    };
    PublicView {
        code: p.code.clone(),
        procedure: p.procedure_name.clone(),
        status: p.status_label,
        status_code: p.status.code(),
        applicant: p.applicant_masked.clone(),
        received: w(p.received_at),
        due: w(p.due_at),
        resolved: w(p.resolved_at),
        returned: w(p.returned_at),
        pickup: p.pickup.clone(),
        missing: papers_text(&p.missing),
        steps: p
            .history
            .iter()
            .map(|h| (h.at.format("%H:%M %d/%m/%Y").to_string(), h.what))
            .collect(),
    }
}

#[derive(Deserialize)]
pub struct LookupForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    last4: String,
}

pub async fn lookup_page(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let center = blocking(move || Ok(s.settings()?.name)).await?;
    html(LookupPage {
        center,
        code: String::new(),
        error: None,
        found: None,
    })
}

pub async fn lookup_submit(
    state: Data,
    req: HttpRequest,
    form: web::Form<LookupForm>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let addr = peer(&req);
    let LookupForm { code, last4 } = form.into_inner();
    let c = code.clone();
    let (center, result) = blocking(move || {
        let center = s.settings()?.name;
        let r = s.public_lookup(addr.as_deref(), &c, &last4);
        match r {
            Ok(p) => Ok((center, Ok(p))),
            Err(e @ (ServiceError::NotFound(_) | ServiceError::Throttled(_))) => {
                Ok((center, Err(e)))
            }
            Err(e) => Err(e),
        }
    })
    .await?;
    let (status, error, found) = match result {
        Ok(p) => (StatusCode::OK, None, Some(public_page_view(&p))),
        Err(ServiceError::Throttled(secs)) => (
            StatusCode::TOO_MANY_REQUESTS,
            Some(format!(
                "Tra cứu sai quá nhiều lần. Vui lòng thử lại sau {} phút.",
                (secs + 59) / 60
            )),
            None,
        ),
        Err(_) => (
            StatusCode::NOT_FOUND,
            Some("Không tìm thấy hồ sơ khớp với mã hồ sơ và 4 số cuối đã nhập. Vui lòng kiểm tra lại giấy hẹn.".into()),
            None,
        ),
    };
    html_status(
        LookupPage {
            center,
            code,
            error,
            found,
        },
        status,
    )
}

pub async fn lookup_by_token(
    state: Data,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let token = path.into_inner();
    let (center, found) = blocking(move || {
        let center = s.settings()?.name;
        match s.public_lookup_token(&token) {
            Ok(p) => Ok((center, Some(p))),
            Err(ServiceError::NotFound(_)) => Ok((center, None)),
            Err(e) => Err(e),
        }
    })
    .await?;
    let status = if found.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    html_status(
        LookupPage {
            center,
            code: String::new(),
            error: found
                .is_none()
                .then(|| "Mã QR không đúng hoặc hồ sơ không còn trên hệ thống.".to_string()),
            found: found.as_ref().map(public_page_view),
        },
        status,
    )
}

// ───────────────────────────── Public listing (niêm yết) ─────────────────────────────

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
        let url = format!("{base}/thu-tuc?area={id}");
        Ok(PosterPage {
            center: s.settings()?.name,
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

// ───────────────────────────── Reports ─────────────────────────────

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    center: String,
    user: String,
    r: crate::service::reports::DossierReport,
    areas: Vec<(u32, String, bool)>,
    group: &'static str,
    query: String,
    presets: Vec<(String, String, &'static str)>,
    queue_all: QRow,
    queue_areas: Vec<QRow>,
    queue_officers: Vec<QRow>,
    queue_hours_chart: String,
    target: u32,
    /// The signed-in user may change the counting conventions.
    admin: bool,
}

/// A queue report line, formatted for the page.
struct QRow {
    key: String,
    issued: u64,
    served: u64,
    no_show: u64,
    cancelled: u64,
    wait_mean: String,
    wait_median: String,
    wait_p90: String,
    walk_mean: String,
    service_mean: String,
    level: String,
}

fn mmss(s: Option<u64>) -> String {
    s.map(|s| format!("{}:{:02}", s / 60, s % 60))
        .unwrap_or_else(|| "—".into())
}

fn qrow(g: &crate::domain::report::queue::Group) -> QRow {
    QRow {
        key: g.key.clone(),
        issued: g.issued,
        served: g.served,
        no_show: g.no_show,
        cancelled: g.cancelled,
        wait_mean: mmss(g.wait.mean_secs),
        wait_median: mmss(g.wait.median_secs),
        wait_p90: mmss(g.wait.p90_secs),
        walk_mean: mmss(g.walk.mean_secs),
        service_mean: mmss(g.service.mean_secs),
        level: g
            .service_level
            .as_ref()
            .map(|p| format!("{p}%"))
            .unwrap_or_else(|| "—".into()),
    }
}

/// Tickets issued per hour (bars) with the mean wait (label): an SVG drawn here, so the
/// page needs no chart library and prints sharply.
fn hours_chart(groups: &[crate::domain::report::queue::Group]) -> String {
    if groups.is_empty() {
        return String::new();
    }
    let (w, h, pad) = (720.0_f64, 220.0_f64, 30.0_f64);
    let max = groups.iter().map(|g| g.issued).max().unwrap_or(1).max(1) as f64;
    let bw = (w - 2.0 * pad) / groups.len() as f64;
    let mut out = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"Số phiếu theo giờ\"><line x1=\"{pad}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\" stroke=\"#9ca3af\"/>",
        y = h - pad,
        x2 = w - pad
    );
    for (i, g) in groups.iter().enumerate() {
        let bh = (h - 2.0 * pad - 16.0) * g.issued as f64 / max;
        let x = pad + i as f64 * bw + bw * 0.15;
        let y = h - pad - bh;
        out.push_str(&format!(
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"#0b3d91\"><title>{}h: {} phiếu, chờ trung bình {}</title></rect><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\">{}</text><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\">{}h</text>",
            bw * 0.7,
            g.key,
            g.issued,
            mmss(g.wait.mean_secs),
            x + bw * 0.35,
            y - 4.0,
            g.issued,
            x + bw * 0.35,
            h - pad + 16.0,
            g.key,
        ));
    }
    out.push_str("</svg>");
    out
}

#[derive(Deserialize)]
pub struct ReportPageQuery {
    #[serde(default)]
    from: Option<NaiveDate>,
    #[serde(default)]
    to: Option<NaiveDate>,
    #[serde(default)]
    area: String,
    #[serde(default)]
    group: crate::domain::report::GroupBy,
}

/// The center head's report page: Biểu 06 for a period, the three rates with their
/// formulas, the period's ratings; printable, and downloadable as CSV.
pub async fn report_page(
    state: Data,
    caller: Caller,
    q: web::Query<ReportPageQuery>,
) -> Result<HttpResponse, ApiError> {
    use chrono::Datelike;
    let s = state.services.clone();
    let q = q.into_inner();
    let today = crate::domain::time::local_day(state.services.clock.now());
    let month_start = today.with_day(1).unwrap_or(today);
    let from = q.from.unwrap_or(month_start);
    let to = q.to.unwrap_or(today);
    let area: Option<u32> = q.area.trim().parse().ok();
    let group = q.group;
    let user = caller.principal.display_name.clone();
    let admin = caller.principal.role == crate::domain::center::Role::Admin;
    let page = blocking(move || {
        let r = s.dossier_report(from, to, area, group)?;
        let queue = s.queue_report(from, to, 15)?;
        let quarter_start =
            NaiveDate::from_ymd_opt(today.year(), (today.month0() / 3) * 3 + 1, 1).unwrap_or(today);
        let year_start = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
        Ok(ReportPage {
            center: s.settings()?.name,
            user,
            areas: s
                .services()?
                .into_iter()
                .map(|a| (a.id, a.name, area == Some(a.id)))
                .collect(),
            group: match group {
                crate::domain::report::GroupBy::Area => "area",
                crate::domain::report::GroupBy::Procedure => "procedure",
                crate::domain::report::GroupBy::Officer => "officer",
            },
            query: format!(
                "from={from}&to={to}{}&group={}",
                area.map(|a| format!("&area={a}")).unwrap_or_default(),
                match group {
                    crate::domain::report::GroupBy::Area => "area",
                    crate::domain::report::GroupBy::Procedure => "procedure",
                    crate::domain::report::GroupBy::Officer => "officer",
                }
            ),
            presets: vec![
                (today.to_string(), today.to_string(), "Hôm nay"),
                (month_start.to_string(), today.to_string(), "Tháng này"),
                (quarter_start.to_string(), today.to_string(), "Quý này"),
                (year_start.to_string(), today.to_string(), "Năm nay"),
            ],
            r,
            queue_all: qrow(&queue.all),
            queue_areas: queue.by_area.iter().map(qrow).collect(),
            queue_officers: queue.by_officer.iter().map(qrow).collect(),
            queue_hours_chart: hours_chart(&queue.by_hour),
            target: queue.target_wait_minutes,
            admin,
        })
    })
    .await?;
    html(page)
}

/// `POST /bao-cao/cach-dem` (admin): the report page's conventions form. Saving
/// recomputes the aggregates; back to the same report.
pub async fn report_conventions_submit(
    state: Data,
    caller: Caller,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, ApiError> {
    use crate::domain::dossier::Comparison;
    use crate::domain::report::{Conventions, OtherClosures};
    let fields: HashMap<String, String> = form.into_inner().into_iter().collect();
    let get = |k: &str| fields.get(k).map(String::as_str).unwrap_or("");
    let c = Conventions {
        comparison: match get("comparison") {
            "calendar_day" => Comparison::CalendarDay,
            "timestamp" => Comparison::Timestamp,
            _ => {
                return Err(ApiError::from(ServiceError::Invalid(
                    "Cách so sánh không hợp lệ".into(),
                )))
            }
        },
        other_closures: match get("other_closures") {
            "count" => OtherClosures::Count,
            "exclude" => OtherClosures::Exclude,
            _ => {
                return Err(ApiError::from(ServiceError::Invalid(
                    "Cách đếm hồ sơ rút/dừng không hợp lệ".into(),
                )))
            }
        },
    };
    // Back to the report that was on screen (only our own query string, never a URL).
    let back: String = get("back")
        .chars()
        .filter(|ch| ch.is_ascii_alphanumeric() || "=&-_".contains(*ch))
        .collect();
    let s = state.services.clone();
    let actor = caller.actor();
    blocking(move || s.set_report_conventions(&actor, c)).await?;
    Ok(see_other(&format!("/bao-cao?{back}")))
}
