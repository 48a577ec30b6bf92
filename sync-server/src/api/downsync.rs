//! `POST /v1/nonce` and `POST /v1/downsync` (ARCHITECTURE.md §4 Downsync).
//!
//! - `/v1/nonce` (header `Perisai-Device`, no signature): a fresh nonce for a device that has none
//!   left (for instance after its acknowledgement's nonce was used). Signed answer.
//! - `/v1/downsync` (a signed request, body `{"cursor", "cash"?}`): decisions, NIK tag deltas,
//!   rule sets and commands since the cursor, the next cursor and the next nonce, signed; and the
//!   payment members `payment_codes`, `payments` and `statements` (`payments::downsync`), which
//!   the core's `DownsyncResponse` does not name: the payload is that struct flattened with them.
//!   The request's `cash` items are stored for the device's agent (`payments::cash::store`)
//!   before the answer is built (a device whose answer got lost sends them again: harmless), and
//!   the agent's open cash, if any, is reconciled.

use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use perisai_domain::protocol::downsync::{
    DownsyncRequest, DownsyncResponse, NonceResponse, HEADER_NONCE,
};
use perisai_domain::protocol::labels::LABEL_DOWNSYNC;
use perisai_domain::protocol::refusal::Refusal;
use serde::Serialize;

use super::{device_auth, read_body, signed_ok};
use crate::db::{nonces, now_ms};
use crate::error::ApiError;
use crate::service::feed::{self, Cursor, Reader};
use crate::service::payments::cash;
use crate::service::payments::downsync::{PaymentCodeItem, PaymentItem};
use crate::state::AppState;

/// The signed downsync payload: the core's members and the payment members.
#[derive(Serialize)]
struct Payload {
    #[serde(flatten)]
    base: DownsyncResponse,
    payment_codes: Vec<PaymentCodeItem>,
    payments: Vec<PaymentItem>,
    statements: Vec<serde_json::Value>,
}

/// Most tags in one downsync answer.
const TAG_PAGE: i64 = 50_000;

pub async fn nonce(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let result: Result<Response, ApiError> = async {
        let device = device_auth::named_device(&state, &headers).await?;
        let mut conn = state.db.pool().acquire().await?;
        let nonce = nonces::issue(&mut conn, &device.id).await?;
        let payload = NonceResponse {
            device_id: device.id,
            nonce,
        };
        Ok(signed_ok(&state.keys.sign(LABEL_DOWNSYNC, &payload)?))
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

pub async fn downsync(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    run(&state, &headers, body)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn run(state: &AppState, headers: &HeaderMap, body: Body) -> Result<Response, ApiError> {
    let bytes = read_body(body, state.config.json_body_limit, Refusal::RequestTooLarge).await?;
    let device = device_auth::verify(state, "POST", "/v1/downsync", headers, &bytes).await?;
    // The nonce the request was signed with (verified and spent above), echoed in the answer.
    let request_nonce = headers
        .get(HEADER_NONCE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let request: DownsyncRequest = if bytes.is_empty() {
        DownsyncRequest::default()
    } else {
        super::from_json(&bytes).map_err(|_| ApiError::refuse(Refusal::RequestMalformed))?
    };
    let from =
        Cursor::parse(&request.cursor).ok_or_else(|| ApiError::refuse(Refusal::CursorInvalid))?;
    if !request.cash.is_empty() {
        let sender = cash::Sender {
            branch: &device.branch,
            device_id: &device.id,
            agent_id: &device.agent_id,
        };
        let mut tx = state.db.begin_write().await?;
        let stored = cash::store(&mut tx, &sender, &request.cash, now_ms()).await?;
        tx.commit().await?;
        if stored.refused > 0 {
            tracing::warn!(device = %device.id, refused = stored.refused, "cash items not kept");
        }
    }
    let mut conn = state.db.pool().acquire().await?;
    // The agent's own sync settles the agent's open cash (a flag after 7 days unconfirmed); the
    // common case, nothing open, costs one read and no write lock.
    if cash::has_open(&mut conn, &device.branch, &device.agent_id).await? {
        cash::reconcile(
            &mut conn,
            Some((&device.branch, &device.agent_id)),
            now_ms(),
        )
        .await?;
    }
    let who = Reader {
        device_id: &device.id,
        branch: &device.branch,
        agent_id: &device.agent_id,
    };
    let items = feed::collect(
        &mut conn,
        &state.keys,
        &who,
        from,
        state.config.downsync_page,
        TAG_PAGE,
        state.config.downsync_settle.as_millis() as i64,
    )
    .await?;
    let mut statements = items.statements;
    // The running month opens every sealed record of the agent: computed once per sync, on
    // its last page, not on every page of a long catch-up.
    if !items.more {
        statements.extend(feed::provisional_statement(&mut conn, &state.keys, &who).await?);
    }
    let nonce = nonces::issue(&mut conn, &device.id).await?;
    let payload = Payload {
        base: DownsyncResponse {
            device_id: device.id.clone(),
            request_nonce: request_nonce.to_string(),
            cursor: items.cursor.to_string(),
            nonce,
            decisions: items.decisions,
            nik_tag_deltas: feed::tag_list(&mut conn, &device.branch, &items.tags).await?,
            rule_sets: items.rule_sets,
            commands: items.commands,
            more: items.more,
            chain_seq: u64::try_from(device.last_seq).ok(),
        },
        payment_codes: items.payment_codes,
        payments: items.payments,
        statements,
    };
    tracing::info!(
        device = %device.id,
        decisions = payload.base.decisions.len(),
        payments = payload.payments.len(),
        statements = payload.statements.len(),
        "downsync"
    );
    Ok(signed_ok(&state.keys.sign(LABEL_DOWNSYNC, &payload)?))
}
