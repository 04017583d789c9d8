//! Satisfaction ratings: given at the counter, listed per period.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::web::{blocking, ApiError, Caller};

type Data = actix_web::web::Data<crate::web::AppState>;

#[derive(Deserialize)]
pub struct RatingBody {
    ticket: u64,
    #[serde(flatten)]
    input: crate::domain::rating::RatingInput,
}

/// The counter's rating tablet records the citizen's choice for the ticket just served.
pub async fn create_rating(
    state: Data,
    caller: Caller,
    body: web::Json<RatingBody>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let RatingBody { ticket, input } = body.into_inner();
    let r = blocking(move || {
        s.rate_ticket(
            &actor,
            ticket,
            &input,
            crate::domain::rating::RatingChannel::Device,
        )
    })
    .await?;
    Ok(HttpResponse::Created().json(r))
}

#[derive(Deserialize)]
pub struct PeriodQuery {
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
}

/// Ratings of a period (default: today) with their summary.
pub async fn list_ratings(
    state: Data,
    q: web::Query<PeriodQuery>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let today = crate::domain::time::local_day(state.services.clock.now());
    let PeriodQuery { from, to } = q.into_inner();
    let (summary, ratings) =
        blocking(move || s.ratings_between(from.unwrap_or(today), to.unwrap_or(today))).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"summary": summary, "ratings": ratings})))
}
