//! The rating tablet at a counter.

use actix_web::HttpResponse;
use askama::Template;

use crate::web::{blocking, ApiError};

use super::*;

type Data = actix_web::web::Data<crate::web::AppState>;

#[derive(Template)]
#[template(path = "rating.html")]
struct RatingScreen {
    center: String,
    build: String,
    boot: String,
}

/// The rating tablet at a counter: idle until the officer finishes serving a ticket there,
/// then three big keys (and reasons when unhappy). The tablet's counter is chosen once on
/// the tablet and remembered by it.
pub async fn rating_screen(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let (settings, counters, users) =
        blocking(move || Ok((s.settings()?, s.counters()?, s.users()?))).await?;
    let names: std::collections::HashMap<String, String> = users
        .into_iter()
        .map(|u| (u.username, u.display_name))
        .collect();
    let boot = serde_json::json!({
        "counters": counters.iter().map(|c| serde_json::json!({"id": c.id, "number": c.number, "name": c.name})).collect::<Vec<_>>(),
        "names": names,
        "reasons": crate::domain::rating::REASONS,
    });
    html(RatingScreen {
        center: settings.name,
        build: state.build_id.clone(),
        boot: island(&boot),
    })
}
