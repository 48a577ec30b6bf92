//! Signed device requests (docs/PROTOCOL.md "Signed requests"): the device id, a single-use
//! nonce and a signature over `method ‖ path ‖ SHA-256(body) ‖ nonce` in the context
//! `perisai/v1/request`. No bearer secret exists. The signature is checked before the nonce is
//! used up, so a forged request cannot burn a device's nonces.

use axum::http::HeaderMap;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use perisai_domain::protocol::downsync::{
    request_message, HEADER_DEVICE, HEADER_NONCE, HEADER_SIGNATURE,
};
use perisai_domain::protocol::labels::LABEL_REQUEST;
use perisai_domain::protocol::refusal::Refusal;
use perisai_domain::signer::{self};

use super::batches::wipe_command;
use crate::db::devices::{self, Device};
use crate::db::nonces;
use crate::error::ApiError;
use crate::state::AppState;

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
}

/// The active device a request names; 403 `device.unknown`, or 403 `device.revoked` with a wipe.
pub async fn named_device(state: &AppState, headers: &HeaderMap) -> Result<Device, ApiError> {
    let unsigned = || ApiError::refuse(Refusal::RequestUnsigned);
    let device_id = header(headers, HEADER_DEVICE).ok_or_else(unsigned)?;
    let mut conn = state.db.pool().acquire().await?;
    let device = devices::find(&mut conn, device_id)
        .await?
        .ok_or_else(|| ApiError::refuse(Refusal::DeviceUnknown))?;
    if !device.is_active() {
        return Err(ApiError::revoked(
            wipe_command(state, &mut conn, &device).await?,
        ));
    }
    Ok(device)
}

/// Verifies a signed request and uses up its nonce; returns the device.
pub async fn verify(
    state: &AppState,
    method: &str,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Device, ApiError> {
    let device = named_device(state, headers).await?;
    let unsigned = || ApiError::refuse(Refusal::RequestUnsigned);
    let nonce = header(headers, HEADER_NONCE).ok_or_else(unsigned)?;
    let signature = header(headers, HEADER_SIGNATURE).ok_or_else(unsigned)?;
    let bad_signature = || ApiError::refuse(Refusal::RequestSignature);
    let signature = B64.decode(signature).map_err(|_| bad_signature())?;
    let message = request_message(method, path, body, nonce);
    if !signer::verify_in_context(&device.public_key, LABEL_REQUEST, &message, &signature) {
        return Err(bad_signature());
    }
    let mut conn = state.db.pool().acquire().await?;
    if !nonces::consume(&mut conn, &device.id, nonce).await? {
        return Err(ApiError::refuse(Refusal::RequestNonce));
    }
    Ok(device)
}
