//! People's accounts (admin): list, create, change (name, role, counters, areas,
//! disable), reset a password.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::domain::account::User;
use crate::domain::center::Role;
use crate::domain::queue::{CounterId, ServiceId};
use crate::service::auth::UserEdit;
use crate::web::{blocking, ApiError, Caller};

type Data = actix_web::web::Data<crate::web::AppState>;

#[derive(Serialize)]
struct UserView {
    username: String,
    display_name: String,
    role: Role,
    disabled: bool,
    must_change_password: bool,
    counters: Vec<CounterId>,
    areas: Vec<ServiceId>,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        UserView {
            username: u.username,
            display_name: u.display_name,
            role: u.role,
            disabled: u.disabled,
            must_change_password: u.must_change_password,
            counters: u.counters,
            areas: u.areas,
        }
    }
}

pub async fn list_users(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let users = blocking(move || s.users()).await?;
    Ok(HttpResponse::Ok().json(users.into_iter().map(UserView::from).collect::<Vec<_>>()))
}

#[derive(Deserialize)]
pub struct NewUser {
    username: String,
    display_name: String,
    role: Role,
    password: String,
}

pub async fn create_user(
    state: Data,
    caller: Caller,
    body: web::Json<NewUser>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let b = body.into_inner();
    let u = blocking(move || {
        s.create_user(
            &actor,
            &b.username,
            &b.display_name,
            b.role,
            &b.password,
            true,
        )
    })
    .await?;
    Ok(HttpResponse::Created().json(UserView::from(u)))
}

pub async fn update_user(
    state: Data,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<UserEdit>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let name = path.into_inner();
    let u = blocking(move || s.update_user(&actor, &name, &body)).await?;
    Ok(HttpResponse::Ok().json(UserView::from(u)))
}

#[derive(Deserialize)]
pub struct ResetBody {
    password: String,
}

pub async fn reset_password(
    state: Data,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<ResetBody>,
) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let actor = caller.actor();
    let name = path.into_inner();
    blocking(move || s.reset_password(&actor, &name, &body.password)).await?;
    Ok(HttpResponse::NoContent().finish())
}
