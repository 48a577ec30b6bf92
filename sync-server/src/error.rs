//! HTTP errors of the device API: a status, a stable code and a bilingual message
//! (`{"error": {"code", "message": {"id", "en"}}}`, ARCHITECTURE.md §7), plus what a device needs to
//! recover (`expected_seq`, `min_app_version`, a signed wipe command, `Retry-After`).
//!
//! Messages never hold request data. Internal errors are logged by kind (never with query
//! parameters) and answered as `server.error`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use perisai_domain::protocol::envelope::SignedEnvelope;
use perisai_domain::protocol::messages::{ErrorBody, ErrorDetail};
use perisai_domain::protocol::refusal::Refusal;

use crate::keys::KeyError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub detail: ErrorDetail,
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// The answer for a refusal: its status, code and text (`perisai_domain::protocol::refusal`).
    pub fn refuse(refusal: Refusal) -> ApiError {
        ApiError {
            status: StatusCode::from_u16(refusal.status())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            detail: ErrorDetail {
                code: refusal.code().to_string(),
                message: refusal.message(),
                expected_seq: None,
                min_app_version: None,
                wipe: None,
            },
            retry_after: None,
        }
    }

    pub fn internal() -> ApiError {
        ApiError::refuse(Refusal::ServerError)
    }

    pub fn too_many(retry_after: u64) -> ApiError {
        let mut e = ApiError::refuse(Refusal::RateLimited);
        e.retry_after = Some(retry_after);
        e
    }

    pub fn upgrade_required(min_app_version: &str) -> ApiError {
        let mut e = ApiError::refuse(Refusal::ProtocolVersion);
        e.detail.min_app_version = Some(min_app_version.to_string());
        e
    }

    pub fn gap(expected_seq: u64) -> ApiError {
        let mut e = ApiError::refuse(Refusal::SeqGap);
        e.detail.expected_seq = Some(expected_seq);
        e
    }

    pub fn revoked(wipe: SignedEnvelope) -> ApiError {
        let mut e = ApiError::refuse(Refusal::DeviceRevoked);
        e.detail.wipe = Some(wipe);
        e
    }

    pub fn code(&self) -> &str {
        &self.detail.code
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(ErrorBody { error: self.detail })).into_response();
        if let Some(secs) = self.retry_after {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        response
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> ApiError {
        // sqlx errors carry no bound parameters; the kind is enough to investigate.
        tracing::error!(error = %e, "database error");
        ApiError::internal()
    }
}

impl From<KeyError> for ApiError {
    fn from(e: KeyError) -> ApiError {
        tracing::error!(error = %e, "key error");
        ApiError::internal()
    }
}
