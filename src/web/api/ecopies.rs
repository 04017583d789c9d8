//! Certified e-copies over the API: file a request with the original's PDF as the body,
//! list them, issue or decline (leaders).

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::web::{blocking, ApiError, Caller};

type Data = actix_web::web::Data<crate::web::AppState>;

#[derive(Deserialize)]
pub struct NewCopy {
    pub citizen: String,
    pub document: String,
    #[serde(default = "one")]
    pub copies: u32,
    /// A finished scan (`POST /api/v1/scans`) whose PDF is the original; the body is
    /// then empty.
    #[serde(default)]
    pub scan: Option<u64>,
}

fn one() -> u32 {
    1
}

/// `POST /api/v1/ecopies?citizen=…&document=…&copies=N` with the original's PDF as the
/// body, or `&scan=<job>` for the original just scanned at the desk.
pub async fn create_ecopy(
    state: Data,
    caller: Caller,
    q: web::Query<NewCopy>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let data =
        crate::web::common::read_body(payload, crate::service::ecopies::MAX_ORIGINAL).await?;
    let s = state.services.clone();
    let actor = caller.actor();
    let NewCopy {
        citizen,
        document,
        copies,
        scan,
    } = q.into_inner();
    let r = blocking(move || {
        let scanned = match scan {
            Some(id) => Some(s.loose_scan_pdf(id)?),
            None => None,
        };
        let pdf = scanned.as_deref().unwrap_or(&data);
        s.ecopy_request(&actor, pdf, &citizen, &document, copies)
    })
    .await?;
    Ok(HttpResponse::Created().json(r))
}

pub async fn list_ecopies(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    Ok(HttpResponse::Ok().json(blocking(move || s.ecopies()).await?))
}

/// The PINs a signing needs, when its keys ask for them (JSON body, optional).
#[derive(Deserialize, Default)]
pub struct SignBody {
    #[serde(default)]
    pub pin: Option<String>,
    #[serde(default)]
    pub org_pin: Option<String>,
}

impl SignBody {
    pub fn desk(self) -> crate::service::signers::DeskSecrets {
        crate::service::signers::DeskSecrets {
            person: self.pin.filter(|s| !s.is_empty()),
            organisation: self.org_pin.filter(|s| !s.is_empty()),
        }
    }
}

/// `POST /api/v1/ecopies/{id}/issue`: signed, numbered, fee set (leaders, admin). The
/// body `{"pin": …, "org_pin": …}` carries the PINs when the keys ask for them.
pub async fn issue_ecopy(
    state: Data,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<u64>,
    body: Option<web::Json<SignBody>>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let s = state.services.clone();
    let actor = caller.actor();
    let base = crate::web::common::base_url(&req);
    let secrets = body.map(|b| b.into_inner()).unwrap_or_default().desk();
    Ok(
        HttpResponse::Ok()
            .json(blocking(move || s.ecopy_issue(&actor, id, &base, &secrets)).await?),
    )
}

#[derive(Deserialize)]
pub struct Refusal {
    pub reason: String,
}

pub async fn refuse_ecopy(
    state: Data,
    caller: Caller,
    path: web::Path<u64>,
    body: web::Json<Refusal>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let s = state.services.clone();
    let actor = caller.actor();
    let reason = body.into_inner().reason;
    Ok(HttpResponse::Ok().json(blocking(move || s.ecopy_refuse(&actor, id, &reason)).await?))
}
