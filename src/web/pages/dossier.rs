//! One dossier: its state, papers, steps, history and the next actions.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::dossier::{
    allowed_actions, ActionKind, Dossier, Paper, PaperKind, Status, Timeliness,
};
use crate::service::dossiers::DossierCommand;
use crate::service::ServiceError;
use crate::web::{blocking, ApiError, Caller};

use super::*;

type Data = actix_web::web::Data<crate::web::AppState>;

struct HistRow {
    at: String,
    actor: String,
    what: String,
    status: &'static str,
    note: String,
    due: String,
}

pub(super) struct StepRow {
    pub(super) from: String,
    pub(super) to: String,
    pub(super) handed: String,
    pub(super) due: String,
    pub(super) finished: String,
    pub(super) mark: &'static str,
}

pub(super) struct Info {
    pub(super) code: String,
    pub(super) procedure: String,
    pub(super) procedure_code: String,
    pub(super) procedure_version: u32,
    pub(super) status: &'static str,
    pub(super) status_code: u8,
    pub(super) channel: &'static str,
    pub(super) applicant: crate::domain::dossier::Applicant,
    pub(super) papers: Vec<String>,
    pub(super) sets: u32,
    pub(super) received: String,
    pub(super) due: String,
    pub(super) resolved: String,
    pub(super) returned: String,
    pub(super) officer: String,
    pub(super) late: bool,
    pub(super) missing: Vec<String>,
    pub(super) closing_reason: String,
    pub(super) apology: bool,
    pub(super) note: String,
    pub(super) imported: bool,
}

#[derive(Template)]
#[template(path = "dossier_view.html")]
struct ViewPage {
    center: String,
    user: String,
    d: Info,
    history: Vec<HistRow>,
    steps: Vec<StepRow>,
    /// What the dossier normally does next (led with), the other steps, and the ones that
    /// close it without a result (kept apart, confirmed).
    next: Option<String>,
    actions: Vec<String>,
    closing: Vec<String>,
    officers: Vec<(String, String)>,
    error: Option<String>,
    /// What the last action did, said where the officer looks next.
    done: Option<String>,
    /// Counter desk link for the people who work one.
    show_counter: bool,
    /// Where the dossier stands with the province, in words.
    sync: String,
    /// The state line warns (waiting long, refused).
    sync_warn: bool,
    /// *Đồng bộ lại hồ sơ này*, for an admin when the province is connected.
    can_resync: bool,
    /// A leader (or the admin) may sign the result here: a signer is set up.
    can_sign: bool,
    /// Who signs for this user and what the desk types (see [`SignForm`]).
    sign: SignForm,
    /// A certified-copy dossier still open: the request for the e-copy is filed from here.
    ecopy: bool,
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
                            Origin::Online { filename } => format!("nộp trực tuyến «{filename}»"),
                        };
                        let signed = if f.signatures.is_empty() {
                            String::new()
                        } else {
                            format!("; chữ ký số: {}", f.signatures.join("; "))
                        };
                        format!("{src}, {who}, {}{signed}", when(Some(f.at)))
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
pub(super) fn step_rows(d: &Dossier, names: &HashMap<String, String>) -> Vec<StepRow> {
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

pub(super) fn info(d: &Dossier, names: &HashMap<String, String>, now: DateTime<Utc>) -> Info {
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

/// The confirmation after an action, naming what happens next.
fn done_message(action: &str, d: &Dossier, names: &HashMap<String, String>) -> Option<String> {
    let holder = d
        .state
        .current_officer
        .as_ref()
        .map(|o| names.get(o).cloned().unwrap_or_else(|| o.clone()))
        .unwrap_or_default();
    Some(match action {
        "receive" => "Đã tiếp nhận hồ sơ. In Giấy tiếp nhận và hẹn trả kết quả (Mẫu 01) cho công dân.".into(),
        "assign" => format!("Đã chuyển hồ sơ cho {holder}."),
        "resolve" => "Đã ghi nhận hoàn thành xử lý. Hồ sơ chờ trả kết quả cho công dân.".into(),
        "return_result" => "Đã trả kết quả cho công dân. Mời công dân cho ý kiến theo 9 tiêu chí bên dưới.".into(),
        "request_supplement" => "Đã yêu cầu bổ sung. In Phiếu yêu cầu bổ sung (Mẫu 02) giao công dân; thời hạn tạm dừng đến khi nhận đủ.".into(),
        "resume" => "Đã nhận đủ giấy tờ bổ sung; hồ sơ tiếp tục được xử lý.".into(),
        "request_fees" => "Đã ghi yêu cầu thực hiện nghĩa vụ tài chính; thời hạn tạm dừng đến khi công dân nộp.".into(),
        "fees_paid" => "Đã ghi nhận công dân thực hiện nghĩa vụ tài chính; hồ sơ tiếp tục được xử lý.".into(),
        "apologize" => "Đã ghi ngày hẹn mới. In Văn bản xin lỗi (Mẫu 04) gửi công dân.".into(),
        "refuse" => "Đã từ chối tiếp nhận. In Phiếu từ chối (Mẫu 03) giao công dân.".into(),
        "withdraw" => "Đã ghi nhận công dân rút hồ sơ.".into(),
        "stop" => "Đã dừng xử lý. In Thông báo dừng giải quyết (Mẫu 05) gửi công dân.".into(),
        "record_indicators" => "Đã ghi nhận ý kiến của công dân theo 9 tiêu chí.".into(),
        "resync" => "Đã xếp hàng gửi lại hồ sơ lên tỉnh; dòng «Đồng bộ tỉnh» cho biết kết quả.".into(),
        "sign" => "Đã ký số kết quả (người có thẩm quyền, rồi cơ quan). Tệp kết quả là bản đã ký; tỉnh nhận theo lần đồng bộ tới.".into(),
        _ => return None,
    })
}

/// The dossier's standing with the province, for the officer.
fn sync_text(enabled: bool, row: Option<&crate::service::sync::SyncRow>) -> String {
    use crate::service::sync::SyncState;
    match (enabled, row) {
        (_, Some(r)) if r.state == SyncState::Rejected => format!(
            "Tỉnh không nhận: {} (quản trị viên sửa rồi bấm «Gửi lại» ở mục Kết nối tỉnh)",
            r.reason.as_deref().unwrap_or("không rõ lý do")
        ),
        (false, Some(_)) => "Chưa gửi: trung tâm chưa kết nối với tỉnh".into(),
        (true, Some(r)) if r.attempts > 0 => format!(
            "Đang chờ gửi lại (đã thử {} lần: {})",
            r.attempts,
            r.reason.as_deref().unwrap_or("")
        ),
        (true, Some(_)) => "Đang gửi lên tỉnh".into(),
        (true, None) => "Đã gửi lên tỉnh, tỉnh đã nhận".into(),
        (false, None) => "Chưa kết nối với tỉnh".into(),
    }
}

/// A history note as people read it: the file hashes stay in the stored record (and the
/// audit trail), not on the screen.
fn plain_note(note: &str) -> String {
    let mut out = note.to_string();
    for (open, close) in [("; SHA-256 ", ""), (" (SHA-256 ", ")")] {
        while let Some(i) = out.find(open) {
            let rest = &out[i + open.len()..];
            let hex = rest.chars().take_while(|c| c.is_ascii_hexdigit()).count();
            let end = i
                + open.len()
                + hex
                + if rest[hex..].starts_with(close) {
                    close.len()
                } else {
                    0
                };
            out.replace_range(i..end, "");
        }
    }
    out
}

/// What the signing form shows a leader: who signs, with which title, and the PIN or
/// password fields the setups need (none for the demo's keys); or why this user cannot.
#[derive(Default)]
pub struct SignForm {
    pub person: String,
    pub organisation: String,
    pub person_prompt: String,
    pub org_prompt: String,
    pub problem: String,
    /// A remote signature is awaited on the official's phone: what to say (the page
    /// refreshes itself, a leader may cancel).
    pub waiting: String,
    /// The official signed remotely: only the organisation's seal is left.
    pub sealing: String,
}

pub fn sign_form(
    s: &crate::service::Services,
    actor: &crate::events::Actor,
    code: Option<&str>,
) -> SignForm {
    if let Some(r) = code.and_then(|c| s.remote_request(c).ok().flatten()) {
        let until = crate::domain::time::local(r.expires_at).format("%H:%M");
        return match r.state {
            crate::service::remote_signing::RemoteState::Waiting => SignForm {
                waiting: format!(
                    "Đang chờ {} xác nhận ký trên điện thoại (gửi lúc {}, hết hạn lúc {until}). Trang tự cập nhật.",
                    r.signer,
                    crate::domain::time::local(r.requested_at).format("%H:%M")
                ),
                ..Default::default()
            },
            crate::service::remote_signing::RemoteState::Approved { .. } => {
                let org = s
                    .signer_setups()
                    .ok()
                    .and_then(|all| crate::domain::signer::organisation(&all).cloned());
                SignForm {
                    sealing: format!(
                        "{} đã ký trên điện thoại. Văn thư ký số của cơ quan để hoàn tất.",
                        r.signer
                    ),
                    person: r.signer.clone(),
                    organisation: r.organisation.clone(),
                    org_prompt: org
                        .filter(|o| o.source.needs_secret())
                        .map(|o| format!("{} của cơ quan (văn thư nhập)", o.source.secret_prompt()))
                        .unwrap_or_default(),
                    ..Default::default()
                }
            }
        };
    }
    match s.signing_plan(actor) {
        Ok(p) => SignForm {
            person: if p.person.title.is_empty() {
                p.person.name.clone()
            } else {
                format!("{} ({})", p.person.name, p.person.title.to_lowercase())
            },
            organisation: p.organisation.name.clone(),
            person_prompt: if p.person.source.needs_secret() {
                p.person.source.secret_prompt().to_string()
            } else {
                String::new()
            },
            org_prompt: if p.organisation.source.needs_secret() {
                format!(
                    "{} của cơ quan (văn thư nhập)",
                    p.organisation.source.secret_prompt()
                )
            } else {
                String::new()
            },
            ..Default::default()
        },
        Err(e) => SignForm {
            problem: e.to_string(),
            ..Default::default()
        },
    }
}

fn view_page(
    s: &crate::service::Services,
    actor: &crate::events::Actor,
    user: String,
    role: crate::domain::center::Role,
    code: &str,
    error: Option<String>,
    done: Option<&str>,
) -> Result<ViewPage, ServiceError> {
    let d = s.dossier(code)?;
    let sync_row = s.dossier_sync(code)?;
    let names = display_names(s)?;
    let name = |o: &str| names.get(o).cloned().unwrap_or_else(|| o.to_string());
    let now = s.clock.now();
    let next = crate::domain::dossier::next_step(d.status(), d.state.current_officer.is_some())
        .map(|a| action_code(a).to_string());
    let allowed: Vec<ActionKind> = allowed_actions(d.status())
        .into_iter()
        .filter(|a| !(*a == ActionKind::Apologize && d.state.apology.is_some()))
        // Assign covers hand-overs on this screen (the holder is the giver either way).
        .filter(|a| *a != ActionKind::Handover)
        .collect();
    let closing: Vec<String> = allowed
        .iter()
        .filter(|a| a.is_closing())
        .map(|a| action_code(*a).to_string())
        .collect();
    let actions: Vec<String> = allowed
        .iter()
        .filter(|a| !a.is_closing())
        .map(|a| action_code(*a).to_string())
        .filter(|a| Some(a) != next.as_ref())
        .collect();
    let users = s.users()?;
    let officers = crate::domain::account::assignees_for_area(&users, d.procedure.area)
        .into_iter()
        .map(|u| (u.username.clone(), u.display_name.clone()))
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
                note: plain_note(&h.note),
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
        done: done.and_then(|a| done_message(a, &d, &names)),
        show_counter: crate::web::routes::may_open("/counter", Some(role)),
        sync_warn: sync_row.as_ref().is_some_and(|r| {
            r.state == crate::service::sync::SyncState::Rejected || r.attempts > 0
        }),
        sync: sync_text(s.sync_enabled(), sync_row.as_ref()),
        can_resync: s.sync_enabled() && role == crate::domain::center::Role::Admin,
        ecopy: d.procedure.page_fee.is_some()
            && !matches!(
                d.status(),
                crate::domain::dossier::Status::Withdrawn
                    | crate::domain::dossier::Status::Stopped
                    | crate::domain::dossier::Status::Refused
                    | crate::domain::dossier::Status::Returned
            ),
        can_sign: s.can_sign()
            && matches!(
                role,
                crate::domain::center::Role::Leader | crate::domain::center::Role::Admin
            ),
        sign: sign_form(s, actor, Some(code)),
        d: info(&d, &names, now),
        next,
        actions,
        closing,
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

#[derive(serde::Deserialize)]
pub struct ViewQuery {
    /// The action just done (`?xong=assign`), to confirm it on the page.
    #[serde(default)]
    xong: Option<String>,
}

pub async fn view_dossier(
    state: Data,
    caller: Caller,
    path: web::Path<String>,
    q: web::Query<ViewQuery>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let code = path.into_inner();
    let user = caller.principal.display_name.clone();
    let role = caller.principal.role;
    let done = q.into_inner().xong;
    let actor = caller.actor();
    let page =
        blocking(move || view_page(&s, &actor, user, role, &code, None, done.as_deref())).await?;
    html(page)
}

/// *Đồng bộ lại hồ sơ này*: the dossier's whole snapshot goes to the province again.
pub async fn dossier_resync_submit(
    state: Data,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let code = path.into_inner();
    let s = state.services.clone();
    let actor = caller.actor();
    let c = code.clone();
    blocking(move || s.sync_resend(&actor, &c)).await?;
    Ok(see_other(&format!("/ho-so/{code}?xong=resync")))
}

/// The PIN or password fields of a signing form (never logged, never kept).
#[derive(serde::Deserialize, Default)]
pub struct SignSecrets {
    #[serde(default)]
    pub pin: String,
    #[serde(default)]
    pub org_pin: String,
}

impl SignSecrets {
    pub fn desk(self) -> crate::service::signers::DeskSecrets {
        let some = |s: String| Some(s).filter(|s| !s.is_empty());
        crate::service::signers::DeskSecrets {
            person: some(self.pin),
            organisation: some(self.org_pin),
        }
    }
}

/// *Ký số kết quả* (a leader or the admin): the result's PDF signed, then back here; a
/// wrong PIN or a missing token comes back on the page, nothing changed.
pub async fn dossier_sign_submit(
    state: Data,
    caller: Caller,
    path: web::Path<String>,
    form: Option<web::Form<SignSecrets>>,
) -> Result<HttpResponse, ApiError> {
    let code = path.into_inner();
    let s = state.services.clone();
    let actor = caller.actor();
    let role = caller.principal.role;
    let user = caller.principal.display_name.clone();
    let secrets = form.map(|f| f.into_inner()).unwrap_or_default().desk();
    let c = code.clone();
    let outcome = blocking(move || {
        let status = match s.sign_result(&actor, &c, &secrets) {
            Ok(_) => return Ok(Ok(())),
            Err(ServiceError::Invalid(m)) => (StatusCode::UNPROCESSABLE_ENTITY, m),
            Err(ServiceError::Conflict { message, .. }) => (StatusCode::CONFLICT, message),
            Err(e) => return Err(e),
        };
        let page = view_page(&s, &actor, user, role, &c, Some(status.1), None)?;
        Ok(Err((status.0, page)))
    })
    .await?;
    match outcome {
        Ok(()) => Ok(see_other(&format!("/ho-so/{code}?xong=sign"))),
        Err((status, page)) => html_status(page, status),
    }
}

/// *Hủy yêu cầu ký số từ xa* (a leader or the admin).
pub async fn dossier_sign_cancel(
    state: Data,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let code = path.into_inner();
    let s = state.services.clone();
    let actor = caller.actor();
    let c = code.clone();
    blocking(move || s.remote_cancel(&actor, &c)).await?;
    Ok(see_other(&format!("/ho-so/{code}?xong=sign-cancel")))
}

#[derive(serde::Deserialize)]
pub struct EcopyForm {
    document: String,
    copies: Option<u32>,
}

/// *Gửi trình ký* from a certified-copy dossier: its scanned original goes to the signer.
pub async fn dossier_ecopy_submit(
    state: Data,
    caller: Caller,
    path: web::Path<String>,
    form: web::Form<EcopyForm>,
) -> Result<HttpResponse, ApiError> {
    let code = path.into_inner();
    let s = state.services.clone();
    let actor = caller.actor();
    let f = form.into_inner();
    let r =
        blocking(move || s.ecopy_from_dossier(&actor, &code, &f.document, f.copies.unwrap_or(1)))
            .await?;
    Ok(see_other(&format!(
        "/chung-thuc?xong=yeu-cau#ecopy-{}",
        r.id
    )))
}

/// The action forms of the dossier screen: `action` plus that action's fields.
pub async fn dossier_action_submit(
    state: Data,
    caller: Caller,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, ApiError> {
    let fields: HashMap<String, String> = form.into_inner().into_iter().collect();
    // After recording the indicators, land on them (they are below the fold); every
    // action comes back confirmed (`?xong=`).
    let action = fields.get("action").cloned().unwrap_or_default();
    let anchor = if action == "record_indicators" {
        "#danh-gia"
    } else {
        ""
    };
    let role = caller.principal.role;
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
            Err(e) => Ok(Err(view_page(
                &s,
                &actor,
                user,
                role,
                &code,
                Some(e.to_string()),
                None,
            )?)),
        }
    })
    .await?;
    match outcome {
        Ok(code) => Ok(see_other(&format!(
            "/ho-so/{code}?xong={}{anchor}",
            enc(&action)
        ))),
        Err(page) => html_status(page, StatusCode::CONFLICT),
    }
}
