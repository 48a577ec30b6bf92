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
use perisai_domain::Message;

use crate::keys::KeyError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub detail: ErrorDetail,
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// An error whose message comes from the catalogue below.
    pub fn new(status: StatusCode, code: &str) -> ApiError {
        ApiError {
            status,
            detail: ErrorDetail {
                code: code.to_string(),
                message: message(code),
                expected_seq: None,
                min_app_version: None,
                wipe: None,
            },
            retry_after: None,
        }
    }

    pub fn internal() -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "server.error")
    }

    pub fn too_many(retry_after: u64) -> ApiError {
        let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
        e.retry_after = Some(retry_after);
        e
    }

    pub fn upgrade_required(min_app_version: &str) -> ApiError {
        let mut e = ApiError::new(StatusCode::UPGRADE_REQUIRED, "protocol.version");
        e.detail.min_app_version = Some(min_app_version.to_string());
        e
    }

    pub fn gap(expected_seq: u64) -> ApiError {
        let mut e = ApiError::new(StatusCode::CONFLICT, "seq.gap");
        e.detail.expected_seq = Some(expected_seq);
        e
    }

    pub fn revoked(wipe: SignedEnvelope) -> ApiError {
        let mut e = ApiError::new(StatusCode::FORBIDDEN, "device.revoked");
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

/// The bilingual text of each error code (Indonesian first).
pub fn message(code: &str) -> Message {
    let (id, en) = match code {
        "batch.too_large" => ("Kiriman terlalu besar.", "The upload is too large."),
        "protocol.version" => (
            "Versi aplikasi terlalu lama; perbarui aplikasi.",
            "This app version is too old; please update the app.",
        ),
        "batch.malformed" => (
            "Kiriman rusak dan tidak dapat dibaca.",
            "The upload is damaged and cannot be read.",
        ),
        "batch.body_hash" => (
            "Isi kiriman tidak cocok dengan tanda tangannya.",
            "The upload's content does not match its signature.",
        ),
        "batch.signature" => (
            "Tanda tangan perangkat tidak sah.",
            "The device signature is not valid.",
        ),
        "device.unknown" => (
            "Perangkat tidak dikenal; aktifkan ulang perangkat.",
            "Unknown device; activate the device again.",
        ),
        "device.revoked" => (
            "Perangkat ini telah dicabut; data di perangkat dihapus.",
            "This device has been revoked; its data is erased.",
        ),
        "seq.fork" => (
            "Urutan kiriman bercabang; hubungi supervisor.",
            "The upload sequence forked; contact your supervisor.",
        ),
        "seq.gap" => (
            "Server belum menerima kiriman sebelumnya; kirim ulang mulai nomor yang diminta.",
            "The server is missing earlier uploads; resend from the expected number.",
        ),
        "seq.range" => (
            "Nomor urut kiriman di luar batas yang sah.",
            "The upload's sequence number is out of range.",
        ),
        "rate_limited" => (
            "Terlalu banyak permintaan; coba lagi nanti.",
            "Too many requests; try again later.",
        ),
        "request.too_large" => ("Permintaan terlalu besar.", "The request is too large."),
        "request.malformed" => (
            "Permintaan tidak dapat dibaca.",
            "The request cannot be read.",
        ),
        "request.unsigned" => (
            "Permintaan tidak ditandatangani perangkat.",
            "The request is not signed by a device.",
        ),
        "request.signature" => (
            "Tanda tangan permintaan tidak sah.",
            "The request signature is not valid.",
        ),
        "request.nonce" => (
            "Nonce tidak berlaku atau sudah dipakai; minta nonce baru.",
            "The nonce is unknown or already used; ask for a new one.",
        ),
        "cursor.invalid" => ("Kursor tidak sah.", "The cursor is not valid."),
        "activation.malformed" => (
            "Permintaan aktivasi tidak dapat dibaca.",
            "The activation request cannot be read.",
        ),
        "activation.signature" => (
            "Bukti kunci perangkat tidak sah.",
            "The proof of the device key is not valid.",
        ),
        "code.format" => (
            "Kode aktivasi harus 13 huruf dan angka.",
            "The activation code must be 13 letters and digits.",
        ),
        "code.check" => (
            "Kode aktivasi salah ketik; periksa kembali.",
            "The activation code has a typo; check it again.",
        ),
        "code.invalid" => ("Kode aktivasi tidak dikenal.", "Unknown activation code."),
        "code.expired" => (
            "Kode aktivasi sudah kedaluwarsa; minta kode baru.",
            "The activation code has expired; ask for a new one.",
        ),
        "code.used" => (
            "Kode aktivasi sudah dipakai perangkat lain.",
            "The activation code was already used by another device.",
        ),
        "code.locked" => (
            "Kode aktivasi diblokir setelah terlalu banyak percobaan; minta kode baru.",
            "The activation code is locked after too many tries; ask for a new one.",
        ),
        "agent.inactive" => (
            "Agen tidak aktif; hubungi kantor cabang.",
            "The agent is not active; contact the branch office.",
        ),
        "key.in_use" => (
            "Kunci perangkat ini sudah terdaftar.",
            "This device key is already registered.",
        ),
        "not_found" => ("Alamat tidak ditemukan.", "Not found."),
        _ => (
            "Terjadi kesalahan di server; coba lagi nanti.",
            "Something went wrong on the server; try again later.",
        ),
    };
    Message::new(id, en)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_the_api_uses_has_its_own_text() {
        let fallback = message("no.such.code");
        for code in [
            "batch.too_large",
            "protocol.version",
            "batch.malformed",
            "batch.body_hash",
            "batch.signature",
            "device.unknown",
            "device.revoked",
            "seq.fork",
            "seq.gap",
            "seq.range",
            "rate_limited",
            "request.too_large",
            "request.malformed",
            "request.unsigned",
            "request.signature",
            "request.nonce",
            "cursor.invalid",
            "activation.malformed",
            "activation.signature",
            "code.format",
            "code.check",
            "code.invalid",
            "code.expired",
            "code.used",
            "code.locked",
            "agent.inactive",
            "key.in_use",
            "not_found",
        ] {
            assert_ne!(message(code), fallback, "{code}");
        }
    }
}
