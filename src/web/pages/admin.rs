//! The admin page.

use actix_web::HttpResponse;
use askama::Template;

use crate::web::{blocking, ApiError, Caller};

use super::*;

type Data = actix_web::web::Data<crate::web::AppState>;

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    center: String,
    user: String,
    boot: String,
    tls_fingerprint: Option<String>,
}

pub async fn admin(state: Data, caller: Caller) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let (settings, counters, areas) =
        blocking(move || Ok((s.settings()?, s.counters()?, s.services()?))).await?;
    let reach = crate::domain::center::reach(&settings.public_url).explain_vi();
    let boot = island(&serde_json::json!({
        "settings": settings, "areas": areas, "counters": counters, "reach": reach,
    }));
    html(AdminPage {
        center: settings.name,
        user: caller.principal.display_name,
        boot,
        tls_fingerprint: state.tls_fingerprint.clone(),
    })
}
