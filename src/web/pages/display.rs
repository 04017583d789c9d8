//! The TV board: calls shown and spoken.

use actix_web::HttpResponse;
use askama::Template;

use crate::domain::queue::Counter;
use crate::web::{blocking, ApiError};

use super::*;

type Data = actix_web::web::Data<crate::web::AppState>;

#[derive(Template)]
#[template(path = "display.html")]
struct DisplayPage {
    center: String,
    notice: String,
    counters: Vec<Counter>,
    boot: String,
    build: String,
}

pub async fn display(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let (settings, counters, snapshot, calls) = blocking(move || {
        Ok((
            s.settings()?,
            s.counters()?,
            s.snapshot()?,
            s.recent_calls(8)?,
        ))
    })
    .await?;
    let calls: Vec<_> = calls
        .iter()
        .filter_map(crate::web::common::call_view)
        .collect();
    let mut counters = counters;
    counters.sort_by_key(|c| c.number);
    let boot = island(&serde_json::json!({
        "counters": counters,
        "called": snapshot.called,
        "serving": snapshot.serving,
        "calls": calls,
        "last_event_id": snapshot.last_event_seq,
    }));
    html(DisplayPage {
        center: settings.name,
        notice: settings.notice,
        counters,
        boot,
        build: state.build_id.clone(),
    })
}
