//! Verifying a signed PDF: the body is the file; the answer is each signature's verdict.

use actix_web::{web, HttpResponse};

use crate::web::{blocking, ApiError};

type Data = actix_web::web::Data<crate::web::AppState>;

/// `POST /api/v1/signatures/verify` with the PDF as the body (at most 50 MB).
pub async fn verify_signatures(
    state: Data,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    use futures_util::StreamExt;
    let mut data = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::bad_request("truncated_upload", format!("Tệp tải lên bị gián đoạn: {e}"))
        })?;
        if data.len() + chunk.len() > crate::service::signing::MAX_VERIFY {
            return Err(ApiError::new(
                actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "Tệp quá lớn (tối đa 50 MB)",
            ));
        }
        data.extend_from_slice(&chunk);
    }
    let s = state.services.clone();
    Ok(HttpResponse::Ok().json(blocking(move || s.verify_signed_pdf(&data)).await?))
}

/// `GET /api/v1/signers`: the center's signers, who may be given one, the trust store.
pub async fn list_signers(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    Ok(HttpResponse::Ok().json(blocking(move || s.signers_view()).await?))
}

/// What district IT sends to set up a signer: the form's fields, and for a key file its
/// bytes (base64) and password; for a token, the PIN only when the token hides its
/// certificate. The password and PIN are used once and forgotten.
#[derive(serde::Deserialize)]
pub struct NewSigner {
    #[serde(flatten)]
    pub form: crate::domain::signer::SetupForm,
    #[serde(default)]
    pub key_file: String,
    #[serde(default)]
    pub secret: String,
}

/// `POST /api/v1/signers` (JSON, at most ~400 KB: a key file is a few KB).
pub async fn add_signer(
    state: Data,
    caller: crate::web::Caller,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    use base64::Engine;
    let body = crate::web::common::read_body(payload, 400 * 1024).await?;
    let n: NewSigner = serde_json::from_slice(&body).map_err(|_| {
        ApiError::bad_request(
            "invalid_json",
            "Dữ liệu gửi lên không đúng định dạng (JSON của mẫu cài chữ ký số)",
        )
    })?;
    let key_file = if n.form.kind == "key_file" {
        base64::engine::general_purpose::STANDARD
            .decode(n.key_file.trim())
            .map_err(|_| {
                ApiError::bad_request("invalid_key_file", "Tệp khóa gửi lên bị hỏng; chọn lại tệp")
            })?
    } else {
        Vec::new()
    };
    let s = state.services.clone();
    let actor = caller.actor();
    let setup = blocking(move || match n.form.kind.as_str() {
        "key_file" => s.signer_setup_key_file(&actor, &n.form, &key_file, &n.secret),
        "token" => s.signer_setup_token(&actor, &n.form, Some(n.secret.as_str()), &[]),
        "remote" => s.signer_setup_remote(&actor, &n.form),
        _ => Err(crate::service::ServiceError::Invalid(
            "Chọn nơi giữ khóa: USB ký số, tệp khóa hoặc ký số từ xa".into(),
        )),
    })
    .await?;
    Ok(HttpResponse::Created().json(serde_json::json!({
        "id": setup.id,
        "name": setup.name,
        "fingerprint": setup.fingerprint,
    })))
}

/// `DELETE /api/v1/signers/{id}`.
pub async fn remove_signer(
    state: Data,
    caller: crate::web::Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let s = state.services.clone();
    let actor = caller.actor();
    blocking(move || s.signer_remove(&actor, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/v1/signers/remote-service`: the remote signing service's address and the
/// center's account (never its password: only whether one is kept).
pub async fn remote_service_get(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let (c, has) = blocking(move || s.remote_config()).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "url": c.url, "sp_id": c.sp_id, "has_password": has,
    })))
}

#[derive(serde::Deserialize)]
pub struct RemoteServiceInput {
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub sp_id: String,
    /// Absent: keep the one kept.
    #[serde(default)]
    pub sp_password: Option<String>,
}

/// `PUT /api/v1/signers/remote-service`.
pub async fn remote_service_put(
    state: Data,
    caller: crate::web::Caller,
    body: web::Json<RemoteServiceInput>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let s = state.services.clone();
    let actor = caller.actor();
    blocking(move || s.save_remote_config(&actor, &b.url, &b.sp_id, b.sp_password.as_deref()))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/v1/signers/tsa`: the timestamping authority's address ("" = none).
pub async fn tsa_get(state: Data) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let url = blocking(move || s.tsa_url()).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "url": url })))
}

#[derive(serde::Deserialize)]
pub struct TsaInput {
    #[serde(default)]
    pub url: String,
}

/// `PUT /api/v1/signers/tsa` {url}: every signature from now on is timestamped there
/// (a TSA that fails does not stop a signing; the dossier's history says so).
pub async fn tsa_put(
    state: Data,
    caller: crate::web::Caller,
    body: web::Json<TsaInput>,
) -> Result<HttpResponse, ApiError> {
    let url = body.into_inner().url;
    let s = state.services.clone();
    let actor = caller.actor();
    blocking(move || s.save_tsa_url(&actor, &url)).await?;
    Ok(HttpResponse::NoContent().finish())
}
