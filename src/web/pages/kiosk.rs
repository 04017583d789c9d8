//! The kiosk: the citizen picks an area and takes a ticket.

use actix_web::HttpResponse;
use askama::Template;

use crate::domain::queue::{Availability, PriorityCategory, ServiceArea};
use crate::web::{blocking, ApiError};

use super::*;

type Data = actix_web::web::Data<crate::web::AppState>;

#[derive(Template)]
#[template(path = "kiosk.html")]
struct KioskPage {
    center: String,
    areas: Vec<KioskArea>,
    /// `HH:MM` today when an issuing window opens or closes: the idle kiosk refreshes.
    refresh_at: String,
    categories: Vec<PriorityCategory>,
    build: String,
    /// Prefilled on the "receive result" screen: the citizen types only the rest.
    agency: String,
    keys: Vec<&'static str>,
    /// The on-screen keyboard of the procedure search (diacritics are not needed: the
    /// search ignores them).
    letters: Vec<&'static str>,
}

/// An area's button: what it is, and what the citizen should know before the tap.
struct KioskArea {
    id: u32,
    name: String,
    series: crate::domain::queue::Series,
    /// One line under the name: who serves, or when to come back.
    note: String,
    /// `serving`, `paused`, `unstaffed`, `outside_hours`, `stopped` (a CSS class).
    state: &'static str,
    can_issue: bool,
}

impl From<(ServiceArea, Availability)> for KioskArea {
    fn from((a, av): (ServiceArea, Availability)) -> Self {
        KioskArea {
            id: a.id,
            name: a.name,
            series: a.series,
            note: av.label_vi(),
            state: match av {
                Availability::Serving { .. } => "serving",
                Availability::Paused => "paused",
                Availability::Unstaffed => "unstaffed",
                Availability::OutsideHours { .. } => "outside_hours",
                Availability::Stopped => "stopped",
            },
            can_issue: av.can_issue(),
        }
    }
}

pub async fn kiosk(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let (settings, (areas, change)) =
        blocking(move || Ok((s.settings()?, s.kiosk_areas()?))).await?;
    html(KioskPage {
        center: settings.name,
        areas: areas.into_iter().map(KioskArea::from).collect(),
        refresh_at: change
            .map(|t| t.format("%H:%M").to_string())
            .unwrap_or_default(),
        categories: settings.queue.priority_categories,
        build: state.build_id.clone(),
        agency: settings.dossier.agency,
        keys: vec!["1", "2", "3", "4", "5", "6", "7", "8", "9", "-", "0", "⌫"],
        letters: "a b c d đ e g h i k l m n o p q r s t u v x y ␣ ⌫"
            .split(' ')
            .collect(),
    })
}
