//! People's accounts (admin): list, create, reset a password.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::domain::center::Role;
use crate::web::{blocking, ApiError, Caller};

type Data = actix_web::web::Data<crate::web::AppState>;

#[derive(Serialize)]
struct UserView {
    username: String,
    display_name: String,
    role: Role,
    disabled: bool,
}

pub async fn list_users(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let users = blocking(move || s.users()).await?;
    Ok(HttpResponse::Ok().json(
        users
            .into_iter()
            .map(|u| UserView {
                username: u.username,
                display_name: u.display_name,
                role: u.role,
                disabled: u.disabled,
            })
            .collect::<Vec<_>>(),
    ))
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
    Ok(HttpResponse::Created().json(UserView {
        username: u.username,
        display_name: u.display_name,
        role: u.role,
        disabled: u.disabled,
    }))
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
