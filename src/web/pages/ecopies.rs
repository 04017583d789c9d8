//! *Chứng thực bản sao điện tử*: the desk's page (file a request, the leader signs or
//! declines, hand the copy over), the printable electronic certification book, and the
//! public verification page the copy's QR opens.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::domain::center::Role;
use crate::domain::dossier::format_vnd;
use crate::domain::ecopy::{CopyRecord, CopyState};
use crate::web::{blocking, ApiError, Caller};

use super::*;

type Data = actix_web::web::Data<crate::web::AppState>;

/// One request as the desk lists it.
struct Row {
    id: u64,
    citizen: String,
    document: String,
    pages: u32,
    copies: u32,
    state: &'static str,
    number: String,
    fee: String,
    requested: String,
    decided: String,
    signer: String,
    reason: String,
    verify_url: String,
    dossier: String,
    /// Waiting for a remote signer: what to say (empty otherwise).
    remote: String,
    /// The signer approved on the phone: the seal is left (the organisation's PIN).
    sealing: bool,
}

fn row(
    r: &CopyRecord,
    fee_estimate: u64,
    base: &str,
    people: &std::collections::HashMap<String, String>,
) -> Row {
    let who = people.get(&r.requested_by).unwrap_or(&r.requested_by);
    Row {
        id: r.id,
        citizen: r.citizen.clone(),
        document: r.document.clone(),
        pages: r.pages,
        copies: r.copies,
        state: r.state.label(),
        number: r.number.as_ref().map(|n| n.label()).unwrap_or_default(),
        fee: format_vnd(if r.state == CopyState::Issued {
            r.fee_vnd
        } else {
            fee_estimate
        }),
        requested: format!("{} · {who}", when(Some(r.requested_at))),
        decided: when(r.decided_at),
        signer: match (&r.signer_title, &r.signer) {
            (Some(t), Some(n)) => format!("{} {n}", t.to_lowercase()),
            _ => String::new(),
        },
        reason: r.refused_reason.clone().unwrap_or_default(),
        verify_url: format!("{base}/xac-thuc/{}", r.token),
        dossier: r.dossier.clone().unwrap_or_default(),
        remote: String::new(),
        sealing: false,
    }
}

#[derive(Template)]
#[template(path = "ecopies.html")]
struct EcopiesPage {
    user: String,
    can_sign: bool,
    signer_ready: bool,
    sign: super::dossier::SignForm,
    /// (id, name) of the scanners set up: the original is scanned from this page.
    scanners: Vec<(String, String)>,
    /// A remote signature is awaited on a phone: the page refreshes itself for leaders.
    waiting: bool,
    fee_rule: String,
    pending: Vec<Row>,
    done: Vec<Row>,
    flash: String,
    year: i32,
}

#[derive(Deserialize)]
pub struct DoneQuery {
    xong: Option<String>,
}

pub async fn ecopies_page(
    state: Data,
    caller: Caller,
    req: HttpRequest,
    q: web::Query<DoneQuery>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let base = base_url(&req);
    let actor = caller.actor();
    let (list, scale, settings, ready, people, sign, scanners, remote) = blocking(move || {
        let people: std::collections::HashMap<String, String> = s
            .users()?
            .into_iter()
            .map(|u| (u.username, u.display_name))
            .collect();
        Ok((
            s.ecopies()?,
            s.ecopy_fee_scale()?,
            s.settings()?,
            s.can_sign(),
            people,
            super::dossier::sign_form(&s, &actor, None),
            s.scanners()?
                .into_iter()
                .map(|e| (e.id, e.name))
                .collect::<Vec<_>>(),
            s.remote_requests()?,
        ))
    })
    .await?;
    let base = settings.public_base(&base);
    let now = state.services.clock.now();
    let flash = match q.into_inner().xong.as_deref() {
        Some("yeu-cau") => "Đã gửi yêu cầu trình ký.",
        Some("cap") => "Đã ký số và cấp bản sao; tải bản sao ở danh sách “Đã xử lý”.",
        Some("tu-choi") => "Đã ghi không chứng thực, kèm lý do.",
        Some("huy-ky") => {
            "Đã hủy yêu cầu ký số từ xa; số chứng thực đã giữ được ghi là không sử dụng."
        }
        _ => "",
    }
    .to_string();
    let rows: Vec<Row> = list
        .iter()
        .map(|r| {
            let mut row = row(r, scale.fee_vnd(r.pages, r.copies), &base, &people);
            if let Some(x) = remote.iter().find(|x| x.ecopy == Some(r.id)) {
                row.sealing = matches!(
                    x.state,
                    crate::service::remote_signing::RemoteState::Approved { .. }
                );
                row.remote = if row.sealing {
                    format!("{} đã ký trên điện thoại ({}). Văn thư ký số của cơ quan để cấp.", x.signer, row.number)
                } else {
                    format!(
                        "Đang chờ {} xác nhận ký trên điện thoại (hết hạn lúc {}); {} đã giữ cho bản sao này.",
                        x.signer,
                        crate::domain::time::local(x.expires_at).format("%H:%M"),
                        row.number
                    )
                };
            }
            row
        })
        .collect();
    let (pending, done): (Vec<Row>, Vec<Row>) = rows.into_iter().partition(|r| {
        r.state == CopyState::Pending.label() || r.state == CopyState::Signing.label()
    });
    html(EcopiesPage {
        user: caller.principal.display_name.clone(),
        can_sign: matches!(caller.principal.role, Role::Leader | Role::Admin),
        signer_ready: ready,
        sign,
        scanners,
        waiting: pending.iter().any(|r| !r.remote.is_empty() && !r.sealing),
        fee_rule: format!(
            "{}đ/trang cho {} trang đầu, {}đ/trang từ trang {}, tối đa {}đ/bản",
            format_vnd(scale.first_rate_vnd),
            scale.first_pages,
            format_vnd(scale.rest_rate_vnd),
            scale.first_pages + 1,
            format_vnd(scale.cap_per_copy_vnd)
        ),
        pending,
        done: done.into_iter().take(100).collect(),
        flash,
        year: chrono::Datelike::year(&crate::domain::time::local_day(now)),
    })
}

pub async fn ecopy_issue_submit(
    state: Data,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<u64>,
    form: Option<web::Form<super::dossier::SignSecrets>>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let s = state.services.clone();
    let actor = caller.actor();
    let base = base_url(&req);
    let secrets = form.map(|f| f.into_inner()).unwrap_or_default().desk();
    blocking(move || s.ecopy_issue(&actor, id, &base, &secrets)).await?;
    Ok(see_other("/chung-thuc?xong=cap"))
}

/// *Hủy yêu cầu ký số từ xa* of an e-copy (its number stays in the book as unused).
pub async fn ecopy_remote_cancel(
    state: Data,
    caller: Caller,
    path: web::Path<u64>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let s = state.services.clone();
    let actor = caller.actor();
    blocking(move || s.ecopy_remote_cancel(&actor, id)).await?;
    Ok(see_other("/chung-thuc?xong=huy-ky"))
}

#[derive(Deserialize)]
pub struct RefuseForm {
    reason: String,
}

pub async fn ecopy_refuse_submit(
    state: Data,
    caller: Caller,
    path: web::Path<u64>,
    form: web::Form<RefuseForm>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let s = state.services.clone();
    let actor = caller.actor();
    let reason = form.into_inner().reason;
    blocking(move || s.ecopy_refuse(&actor, id, &reason)).await?;
    Ok(see_other("/chung-thuc?xong=tu-choi"))
}

fn pdf(bytes: Vec<u8>, name: &str, cache: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header(("Cache-Control", cache.to_string()))
        .insert_header((
            "Content-Disposition",
            format!("inline; filename=\"{name}\""),
        ))
        .body(bytes)
}

/// The issued copy (staff).
pub async fn ecopy_copy_file(state: Data, path: web::Path<u64>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let s = state.services.clone();
    let bytes = blocking(move || s.ecopy_file(id)).await?;
    Ok(pdf(
        bytes,
        &format!("ban-sao-chung-thuc-{id}.pdf"),
        "private, no-store",
    ))
}

/// The original as scanned or uploaded (staff; the signer compares before signing).
pub async fn ecopy_original_file(
    state: Data,
    path: web::Path<u64>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let s = state.services.clone();
    let bytes = blocking(move || s.ecopy_original(id)).await?;
    Ok(pdf(
        bytes,
        &format!("ban-chinh-{id}.pdf"),
        "private, no-store",
    ))
}

struct BookRow {
    number: u32,
    day: String,
    citizen: String,
    document: String,
    copies: u32,
    pages: u32,
    fee: String,
    signer: String,
}

#[derive(Template)]
#[template(path = "ecopy_book.html")]
struct BookPage {
    issued: usize,
    year: i32,
    book: String,
    rows: Vec<BookRow>,
    total_fee: String,
    total_copies: u32,
    body: String,
}

#[derive(Deserialize)]
pub struct YearQuery {
    nam: Option<i32>,
}

/// *Sổ chứng thực bản sao điện tử* of a year, to print.
pub async fn ecopy_book_page(
    state: Data,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, ApiError> {
    let now = state.services.clock.now();
    let year = q
        .into_inner()
        .nam
        .unwrap_or_else(|| chrono::Datelike::year(&crate::domain::time::local_day(now)));
    let s = state.services.clone();
    let (list, settings, voided) = blocking(move || {
        Ok((
            s.ecopy_book(year)?,
            s.settings()?,
            s.ecopy_book_voided(year)?,
        ))
    })
    .await?;
    let mut rows: Vec<BookRow> = list
        .iter()
        .map(|r| BookRow {
            number: r.number.as_ref().map(|n| n.number).unwrap_or(0),
            day: day(r.decided_at),
            citizen: r.citizen.clone(),
            document: r.document.clone(),
            copies: r.copies,
            pages: r.pages,
            fee: format_vnd(r.fee_vnd),
            signer: match (&r.signer_title, &r.signer) {
                (Some(t), Some(n)) => format!("{n} ({})", t.to_lowercase()),
                _ => String::new(),
            },
        })
        .collect();
    // Numbers taken for a copy never issued (a remote signature refused or lapsed): in
    // the book as unused, with why.
    rows.extend(voided.iter().map(|v| BookRow {
        number: v.number.number,
        day: day(Some(v.at)),
        citizen: "Số không sử dụng".into(),
        document: v.reason.clone(),
        copies: 0,
        pages: 0,
        fee: "—".into(),
        signer: String::new(),
    }));
    rows.sort_by_key(|r| r.number);
    html(BookPage {
        issued: list.len(),
        year,
        book: crate::domain::ecopy::CertNumber { number: 0, year }.book(),
        total_fee: format_vnd(list.iter().map(|r| r.fee_vnd).sum()),
        total_copies: list.iter().map(|r| r.copies).sum(),
        rows,
        body: if settings.place_name.trim().is_empty() {
            "ỦY BAN NHÂN DÂN".into()
        } else {
            format!(
                "ỦY BAN NHÂN DÂN XÃ {}",
                settings.place_name.trim().to_uppercase()
            )
        },
    })
}

#[derive(Template)]
#[template(path = "ecopy_verify.html")]
struct VerifyPage {
    found: bool,
    genuine: bool,
    number: String,
    day: String,
    document: String,
    citizen: String,
    pages: u32,
    signer: String,
    sha256: String,
    token: String,
    signatures: Vec<crate::service::ecopies::SignatureLine>,
}

/// The public page a copy's QR opens: is this copy one issued here, intact and signed?
pub async fn ecopy_verify_page(
    state: Data,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let token = path.into_inner();
    let s = state.services.clone();
    let t = token.clone();
    let found = blocking(move || match s.ecopy_public(&t) {
        Ok((c, _)) => Ok(Some(c)),
        Err(ServiceError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    })
    .await?;
    let Some(c) = found else {
        return html_status(
            VerifyPage {
                found: false,
                genuine: false,
                number: String::new(),
                day: String::new(),
                document: String::new(),
                citizen: String::new(),
                pages: 0,
                signer: String::new(),
                sha256: String::new(),
                token: String::new(),
                signatures: Vec::new(),
            },
            StatusCode::NOT_FOUND,
        );
    };
    let r = &c.record;
    html(VerifyPage {
        found: true,
        genuine: c.genuine,
        number: r.number.as_ref().map(|n| n.label()).unwrap_or_default(),
        day: day(r.decided_at),
        document: r.document.clone(),
        citizen: crate::domain::citizen::mask_name(&r.citizen),
        pages: r.copy_pages,
        signer: match (&r.signer_title, &r.signer) {
            (Some(t), Some(n)) => format!("{n}, {}", t.to_lowercase()),
            _ => String::new(),
        },
        sha256: r.copy_sha256.clone().unwrap_or_default(),
        token: r.token.clone(),
        signatures: c.signatures.clone(),
    })
}

/// The copy itself, for whoever holds its QR (to compare with the one they were given).
pub async fn ecopy_public_file(
    state: Data,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let token = path.into_inner();
    let s = state.services.clone();
    let (_, bytes) = blocking(move || s.ecopy_public(&token)).await?;
    Ok(pdf(bytes, "ban-sao-dien-tu.pdf", "no-store"))
}
