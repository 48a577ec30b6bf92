//! The device API over HTTP (axum): routes, shared state, and the small helpers every handler
//! uses. One file per endpoint family:
//!
//! | route | file |
//! |---|---|
//! | `POST /v1/activate` | [`activate`] |
//! | `POST /v1/batches` | [`batches`] (the status table of ARCHITECTURE.md §4; storing is in `ingest`) |
//! | `POST /v1/nonce`, `POST /v1/downsync` | [`downsync`] (signed requests: [`device_auth`]) |
//! | `GET /healthz`, `/metrics`, `/openapi.json` | [`ops`] |
//!
//! Every handler reads its body itself with a limit ([`read_body`]), and the whole request runs
//! under a deadline, so neither a huge nor a slow request can hold the server.

pub mod activate;
pub mod batches;
pub mod device_auth;
pub mod downsync;
pub mod ops;

use axum::body::{Body, Bytes};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use perisai_domain::protocol::refusal::Refusal;

use crate::error::ApiError;
use crate::state::AppState;

/// The device API's routes (the crate's `router` adds the web app, limits, deadline, metrics
/// and the request log).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/activate", post(activate::activate))
        .route("/v1/batches", post(batches::upload))
        .route("/v1/nonce", post(downsync::nonce))
        .route("/v1/downsync", post(downsync::downsync))
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics))
        .route("/openapi.json", get(ops::openapi))
}

/// Reads a whole body, refusing more than `limit` bytes (`too_large`: a 413 refusal).
pub async fn read_body(body: Body, limit: usize, too_large: Refusal) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| ApiError::refuse(too_large))
}

/// Reads a JSON request body into `T`. JSON has one kind of number, so `1.0` is the integer 1 (and
/// an `integer` of the OpenAPI document, JSON Schema's rule): integers written with a zero
/// fraction are read as integers, where serde alone would refuse them. Plain integers, what the
/// devices send, parse in one pass; only a body that failed is looked at again.
pub fn from_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, serde_json::Error> {
    let first = match serde_json::from_slice(bytes) {
        Ok(parsed) => return Ok(parsed),
        Err(e) => e,
    };
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return Err(first);
    };
    if !integral_numbers_as_integers(&mut value) {
        return Err(first);
    }
    serde_json::from_value(value).map_err(|_| first)
}

/// Rewrites every number with a zero fraction (`3.0`, `1e2`) up to 2^53 as an integer; whether
/// anything changed. Up to 2^53 every integer is exactly a double, so the number read is the
/// number written; beyond it a double cannot tell `-9223372036854775809` (out of an i64's range)
/// from `-9223372036854775808.0`, and the number stays what it is: refused where an integer is
/// wanted. (Integers written as integers never come here: serde reads them as they are.)
fn integral_numbers_as_integers(value: &mut serde_json::Value) -> bool {
    use serde_json::Value;
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    match value {
        Value::Number(n) if n.is_f64() => {
            match n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() <= EXACT) {
                Some(f) => {
                    *value = Value::from(f as i64);
                    true
                }
                None => false,
            }
        }
        Value::Array(items) => items.iter_mut().fold(false, |changed, item| {
            integral_numbers_as_integers(item) | changed
        }),
        Value::Object(map) => map.values_mut().fold(false, |changed, item| {
            integral_numbers_as_integers(item) | changed
        }),
        _ => false,
    }
}

/// A 200 answer whose body is a signed envelope.
pub fn signed_ok(envelope: &perisai_domain::protocol::envelope::SignedEnvelope) -> Response {
    (StatusCode::OK, axum::Json(envelope)).into_response()
}

/// Whether the protocol version `v` is one this server speaks.
pub fn version_supported(v: u32) -> bool {
    (perisai_domain::protocol::MIN_PROTOCOL_VERSION..=perisai_domain::protocol::PROTOCOL_VERSION)
        .contains(&v)
}

#[cfg(test)]
mod tests {
    use super::from_json;
    use perisai_domain::protocol::downsync::DownsyncRequest;

    /// Found by the API fuzzer (scripts/api-fuzz.sh): `"amount": 724508.0` is a JSON Schema
    /// integer, as the document says, but was refused as `request.malformed`.
    #[test]
    fn integers_written_with_a_zero_fraction_are_integers() {
        let body = br#"{"cursor": "", "cash": [{"id": "a", "record_id": "r", "amount": 724508.0,
            "months": 3e0, "collected_at": "2026-01-05T08:00:00+07:00"}]}"#;
        let request: DownsyncRequest = from_json(body).unwrap();
        assert_eq!(request.cash[0].amount, 724_508);
        assert_eq!(request.cash[0].months, 3);
        // Read exactly (serde_json's float_roundtrip): not 2251799813685247.2.
        let big = br#"{"cash": [{"id": "a", "record_id": "r", "amount": 2251799813685247.0,
            "months": 1, "collected_at": ""}]}"#;
        let request: DownsyncRequest = from_json(big).unwrap();
        assert_eq!(request.cash[0].amount, 2_251_799_813_685_247);
        // Still refused: a real fraction, a number beyond the field, a string, unknown fields.
        for bad in [
            r#"{"cash": [{"id": "a", "record_id": "r", "amount": 1.5, "months": 1, "collected_at": ""}]}"#,
            r#"{"cash": [{"id": "a", "record_id": "r", "amount": 1, "months": 5e9, "collected_at": ""}]}"#,
            r#"{"cash": [{"id": "a", "record_id": "r", "amount": 1e30, "months": 1, "collected_at": ""}]}"#,
            // Found by the long campaign: out of an i64's range, read as a double that rounds
            // to i64::MIN; must not be taken as i64::MIN.
            r#"{"cash": [{"id": "a", "record_id": "r", "amount": -9223372036854775809, "months": 1, "collected_at": ""}]}"#,
            r#"{"cash": [{"id": "a", "record_id": "r", "amount": 9223372036854775808, "months": 1, "collected_at": ""}]}"#,
            r#"{"cash": [{"id": "a", "record_id": "r", "amount": "1", "months": 1, "collected_at": ""}]}"#,
            r#"{"cursor": "", "more": 1.0}"#,
            "not json",
        ] {
            assert!(
                from_json::<DownsyncRequest>(bad.as_bytes()).is_err(),
                "{bad}"
            );
        }
    }
}
