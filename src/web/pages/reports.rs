//! The report page and its print view.

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

use crate::service::ServiceError;
use crate::web::{blocking, ApiError, Caller};

use super::*;

type Data = actix_web::web::Data<crate::web::AppState>;

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
