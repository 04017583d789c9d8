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
