//! The public page a ticket's QR opens, and the rating from it.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::web::{blocking, ApiError};

use super::*;

type Data = actix_web::web::Data<crate::web::AppState>;

#[derive(Template)]
#[template(path = "ticket_status.html")]
struct TicketStatusPage {
    center: String,
    number: String,
    area: String,
    state: String,
    ahead: Option<u32>,
    counter: Option<String>,
    priority: bool,
    /// Served and not rated yet: the page offers the rating form.
    can_rate: bool,
    /// The rating already given, as a label.
    rated: Option<&'static str>,
    levels: Vec<(u8, &'static str)>,
    reasons: Vec<&'static str>,
    id: u64,
    token: String,
}

/// The public status page a ticket's QR opens (no login; the token in the link is the key).
/// It shows the number and the queue only — nothing personal.
pub async fn ticket_status(
    state: Data,
    path: web::Path<(u64, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, token) = path.into_inner();
    let s = state.services.clone();
    let page = blocking(move || {
        let t = s.ticket(id).ok().filter(|t| {
            !t.status_token.is_empty()
                && constant_time_eq(t.status_token.as_bytes(), token.as_bytes())
        });
        let Some(t) = t else {
            return Err(crate::service::ServiceError::NotFound("phiếu"));
        };
        let settings = s.settings()?;
        let area = s.area(t.service)?.map(|a| a.name).unwrap_or_default();
        let counters = s.counters()?;
        let counter = t
            .counter
            .and_then(|c| counters.iter().find(|x| x.id == c))
            .map(|c| format!("Quầy số {}", c.number));
        let ahead = if t.state == crate::domain::queue::TicketState::Waiting {
            let snap = s.snapshot()?;
            Some(
                snap.waiting
                    .iter()
                    .filter(|w| w.service == t.service && (w.queue_at, w.id) < (t.queue_at, t.id))
                    .count() as u32,
            )
        } else {
            None
        };
        let rating = s.ticket_rating(t.id)?;
        Ok(TicketStatusPage {
            center: settings.name,
            number: t.number.clone(),
            area,
            state: t.state.label().to_string(),
            ahead,
            counter,
            priority: t.priority.is_some(),
            can_rate: t.state == crate::domain::queue::TicketState::Done && rating.is_none(),
            rated: rating.map(|r| crate::domain::rating::level_label(r.level)),
            levels: crate::domain::rating::LEVELS.to_vec(),
            reasons: crate::domain::rating::REASONS.to_vec(),
            id: t.id,
            token: t.status_token.clone(),
        })
    })
    .await?;
    html(page)
}

/// The citizen rates the service from the ticket's QR page (five levels, once).
pub async fn ticket_rate(
    state: Data,
    path: web::Path<(u64, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, ApiError> {
    let (id, token) = path.into_inner();
    let fields = form.into_inner();
    let level = fields
        .iter()
        .find(|(k, _)| k == "level")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let reasons = fields
        .iter()
        .filter(|(k, _)| k == "reason")
        .map(|(_, v)| v.clone())
        .collect();
    let s = state.services.clone();
    let t = token.clone();
    let outcome = blocking(move || {
        let ticket = s.ticket(id).ok().filter(|x| {
            !x.status_token.is_empty() && constant_time_eq(x.status_token.as_bytes(), t.as_bytes())
        });
        if ticket.is_none() {
            return Err(crate::service::ServiceError::NotFound("phiếu"));
        }
        let actor = crate::events::Actor::citizen(format!("phiếu {id}"), None);
        let input = crate::domain::rating::RatingInput { level, reasons };
        match s.rate_ticket(
            &actor,
            id,
            &input,
            crate::domain::rating::RatingChannel::Phone,
        ) {
            Ok(_) => Ok(None),
            Err(e @ crate::service::ServiceError::Store(_)) => Err(e),
            Err(e) => Ok(Some(e.to_string())),
        }
    })
    .await?;
    match outcome {
        None => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/t/{id}/{token}")))
            .finish()),
        Some(msg) => Err(ApiError::new(
            actix_web::http::StatusCode::CONFLICT,
            "rating_refused",
            msg,
        )),
    }
}
