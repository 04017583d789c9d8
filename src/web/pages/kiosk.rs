//! The kiosk: the citizen picks an area and takes a ticket.

use actix_web::HttpResponse;
use askama::Template;

use crate::domain::queue::{PriorityCategory, ServiceArea};
use crate::web::{blocking, ApiError};

use super::*;

type Data = actix_web::web::Data<crate::web::AppState>;

#[derive(Template)]
#[template(path = "kiosk.html")]
struct KioskPage {
    center: String,
    areas: Vec<ServiceArea>,
    categories: Vec<PriorityCategory>,
    build: String,
    /// Prefilled on the "receive result" screen: the citizen types only the rest.
    agency: String,
    keys: Vec<&'static str>,
    /// The on-screen keyboard of the procedure search (diacritics are not needed: the
    /// search ignores them).
    letters: Vec<&'static str>,
}

pub async fn kiosk(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let (settings, areas) = blocking(move || Ok((s.settings()?, s.services()?))).await?;
    html(KioskPage {
        center: settings.name,
        areas: areas.into_iter().filter(|a| a.active).collect(),
        categories: settings.queue.priority_categories,
        build: state.build_id.clone(),
        agency: settings.dossier.agency,
        keys: vec!["1", "2", "3", "4", "5", "6", "7", "8", "9", "-", "0", "⌫"],
        letters: "a b c d đ e g h i k l m n o p q r s t u v x y ␣ ⌫"
            .split(' ')
            .collect(),
    })
}
