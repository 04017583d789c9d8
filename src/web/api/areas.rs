//! Service areas (lĩnh vực) and counters as the admin defines them.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::domain::queue::{Series, ServiceArea, ServiceId, Window};
use crate::web::{blocking, ApiError, Caller};

type Data = actix_web::web::Data<crate::web::AppState>;

pub async fn list_services(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    Ok(HttpResponse::Ok().json(blocking(move || s.services()).await?))
}

#[derive(Deserialize)]
pub struct ServiceBody {
    name: String,
    series: Series,
    #[serde(default)]
    daily_cap: Option<u32>,
    #[serde(default)]
    windows: Vec<Window>,
    #[serde(default = "yes")]
    active: bool,
}

fn yes() -> bool {
    true
}

impl ServiceBody {
    fn into_area(self, id: ServiceId) -> ServiceArea {
        ServiceArea {
            id,
            name: self.name,
            series: self.series,
            daily_cap: self.daily_cap,
            windows: self.windows,
            active: self.active,
        }
    }
}

pub async fn create_service(
    state: Data,
    caller: Caller,
    body: web::Json<ServiceBody>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let area = body.into_inner().into_area(0);
    Ok(HttpResponse::Created().json(blocking(move || s.save_service(&actor, area)).await?))
}

pub async fn update_service(
    state: Data,
    caller: Caller,
    path: web::Path<u32>,
    body: web::Json<ServiceBody>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let id = path.into_inner();
    if id == 0 {
        return Err(ApiError::not_found("lĩnh vực"));
    }
    let area = body.into_inner().into_area(id);
    Ok(HttpResponse::Ok().json(blocking(move || s.save_service(&actor, area)).await?))
}

pub async fn list_counters(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    Ok(HttpResponse::Ok().json(blocking(move || s.counters()).await?))
}

#[derive(Deserialize)]
pub struct CounterBody {
    number: u32,
    name: String,
    services: Vec<ServiceId>,
}

pub async fn create_counter(
    state: Data,
    caller: Caller,
    body: web::Json<CounterBody>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let b = body.into_inner();
    Ok(HttpResponse::Created()
        .json(blocking(move || s.save_counter(&actor, b.number, &b.name, b.services, 0)).await?))
}

pub async fn update_counter(
    state: Data,
    caller: Caller,
    path: web::Path<u32>,
    body: web::Json<CounterBody>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let id = path.into_inner();
    if id == 0 {
        return Err(ApiError::not_found("quầy"));
    }
    let b = body.into_inner();
    Ok(HttpResponse::Ok()
        .json(blocking(move || s.save_counter(&actor, b.number, &b.name, b.services, id)).await?))
}
