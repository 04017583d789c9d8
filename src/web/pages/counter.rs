//! The counter desk: the officer calls and serves.

use actix_web::HttpResponse;
use askama::Template;

use crate::domain::queue::Counter;
use crate::web::{blocking, ApiError, Caller};

use super::*;

type Data = actix_web::web::Data<crate::web::AppState>;

#[derive(Template)]
#[template(path = "counter.html")]
struct CounterPage {
    center: String,
    user: String,
    username: String,
    counters: Vec<Counter>,
    boot: String,
    build: String,
}

pub async fn counter(state: Data, caller: Caller) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let (settings, counters, areas, users) =
        blocking(move || Ok((s.settings()?, s.counters()?, s.services()?, s.users()?))).await?;
    // The picker says who holds each counter and which are this officer's: an officer
    // only opens the counters the admin gave them (none given = any).
    let mine: Vec<u32> = match caller.principal.role {
        crate::domain::center::Role::Officer => users
            .iter()
            .find(|u| u.username == caller.principal.name)
            .map(|u| u.counters.clone())
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    let names: std::collections::HashMap<&str, &str> = users
        .iter()
        .map(|u| (u.username.as_str(), u.display_name.as_str()))
        .collect();
    let boot = island(&serde_json::json!({
        "me": caller.principal.name,
        "my_counters": mine,
        "names": names,
        "areas": areas,
        "counters": counters,
        "categories": settings.queue.priority_categories,
        "allow_call_specific": settings.queue.allow_call_specific,
    }));
    html(CounterPage {
        center: settings.name,
        user: caller.principal.display_name,
        username: caller.principal.name,
        counters,
        boot,
        build: state.build_id.clone(),
    })
}
