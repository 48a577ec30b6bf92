//! `POST /v1/activate`: binds a new device key to an agent with a one-time code
//! (ARCHITECTURE.md §4 Activation, docs/PROTOCOL.md).
//!
//! Order of checks: body → protocol version → code form and check character (typos cost no
//! try) → per-address throttle (counted before the lookup, given back for a known code) → code
//! known → not locked → already used (same key: the same
//! binding again, for a retry after a lost answer) → not expired → proof of possession →
//! agent active → bind. A wrong try against a known code (a bad proof, or another key on a used
//! code) counts; after `code_max_tries` the code is locked. Unknown codes count against the
//! client address, so guessing is throttled without letting anyone lock a real code.
//!
//! Re-activating an agent retires the agent's earlier devices and raises `chain.restart` for
//! review (a device that lost its database starts a new chain under a new key).

use axum::body::Body;
use axum::extract::State;
use axum::response::Response;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use perisai_domain::protocol::activation_code;
use perisai_domain::protocol::genesis_hash;
use perisai_domain::protocol::labels::LABEL_ACTIVATE;
use perisai_domain::protocol::messages::{
    activation_message, ActivationRequest, ActivationResponse,
};
use perisai_domain::protocol::refusal::Refusal;
use perisai_domain::signer::{self, PUBLIC_KEY_LEN};
use sqlx::AnyConnection;

use super::{read_body, signed_ok, version_supported};
use crate::client_addr::ClientAddr;
use crate::db::devices::{self, Device};
use crate::db::flags::{self, kind, Flag};
use crate::db::{audit, col, is_unique_violation, nonces, now_ms, rate};
use crate::error::ApiError;
use crate::service::feed::{self, Cursor, Reader};
use crate::state::AppState;

const UNKNOWN_CODE_SCOPE: &str = "activate.unknown_code";
const HOUR_MS: i64 = 3600 * 1000;

/// A stored code.
struct CodeRow {
    agent_id: String,
    branch: String,
    expires_ms: i64,
    failed_tries: i64,
    used_ms: Option<i64>,
    device_id: Option<String>,
    public_key: Option<Vec<u8>>,
}

pub async fn activate(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    body: Body,
) -> Response {
    match run(&state, &addr, body).await {
        Ok(response) => {
            state.metrics.activations.with_label_values(&["ok"]).inc();
            response
        }
        Err(e) => {
            state
                .metrics
                .activations
                .with_label_values(&[e.code()])
                .inc();
            tracing::info!(code = e.code(), "activation refused");
            axum::response::IntoResponse::into_response(e)
        }
    }
}

async fn run(state: &AppState, addr: &str, body: Body) -> Result<Response, ApiError> {
    let bytes = read_body(body, state.config.json_body_limit, Refusal::RequestTooLarge).await?;
    let request: ActivationRequest =
        super::from_json(&bytes).map_err(|_| ApiError::refuse(Refusal::ActivationMalformed))?;
    if !version_supported(request.v) {
        return Err(ApiError::upgrade_required(&state.config.min_app_version));
    }
    let code =
        activation_code::normalize(&request.code).map_err(|e| ApiError::refuse(e.refusal()))?;
    let malformed = || ApiError::refuse(Refusal::ActivationMalformed);
    let public_key = B64.decode(&request.public_key).map_err(|_| malformed())?;
    if public_key.len() != PUBLIC_KEY_LEN || public_key[0] != 4 {
        return Err(malformed());
    }
    let proof = B64.decode(&request.signature).map_err(|_| malformed())?;
    let proof_ok = signer::verify_in_context(
        &public_key,
        LABEL_ACTIVATE,
        &activation_message(&code, &public_key),
        &proof,
    );

    let mut conn = state.db.pool().acquire().await?;
    // Counted before the lookup, atomically: concurrent guesses cannot all see a count below
    // the limit. A code that turns out to be known gives its one back below.
    let limit = state.config.unknown_codes_per_hour;
    if rate::hit(&mut conn, UNKNOWN_CODE_SCOPE, addr, HOUR_MS).await? > limit {
        let (_, retry_after) = rate::window(now_ms(), HOUR_MS);
        return Err(ApiError::too_many(retry_after));
    }
    let code_hash = state.keys.code_hash(&code);
    let Some(first) = find_code(&mut conn, &code_hash).await? else {
        return Err(ApiError::refuse(Refusal::CodeInvalid));
    };
    rate::give_back(&mut conn, UNKNOWN_CODE_SCOPE, addr, HOUR_MS).await?;
    let mut found = Some(first);
    // Two passes at most: if a concurrent retry binds the code between our read and our write,
    // the second pass sees it used and answers as a retry.
    for _ in 0..2 {
        let row = match found.take() {
            Some(row) => row,
            None => match find_code(&mut conn, &code_hash).await? {
                Some(row) => row,
                None => return Err(ApiError::refuse(Refusal::CodeInvalid)),
            },
        };
        if row.failed_tries >= state.config.code_max_tries {
            return Err(ApiError::refuse(Refusal::CodeLocked));
        }
        if row.used_ms.is_some() {
            let same_key = row.public_key.as_deref() == Some(public_key.as_slice());
            if same_key && proof_ok {
                let device_id = row.device_id.unwrap_or_default();
                return match devices::find(&mut conn, &device_id).await? {
                    Some(device) if device.is_active() => {
                        tracing::info!(device = %device.id, "activation retried; same binding");
                        respond(state, &mut conn, &device).await
                    }
                    _ => Err(ApiError::refuse(Refusal::CodeUsed)),
                };
            }
            count_wrong_try(&mut conn, &code_hash).await?;
            return Err(ApiError::refuse(Refusal::CodeUsed));
        }
        if now_ms() > row.expires_ms {
            return Err(ApiError::refuse(Refusal::CodeExpired));
        }
        if !proof_ok {
            count_wrong_try(&mut conn, &code_hash).await?;
            return Err(ApiError::refuse(Refusal::ActivationSignature));
        }
        let agent_status: Option<String> =
            sqlx::query_scalar("SELECT status FROM agents WHERE id = $1")
                .bind(&row.agent_id)
                .fetch_optional(&mut *conn)
                .await?;
        if agent_status.as_deref() != Some("active") {
            return Err(ApiError::refuse(Refusal::AgentInactive));
        }
        // The binding takes its own connection: hold none meanwhile (no pool starvation).
        drop(conn);
        let bound = bind(state, &code_hash, &row, &public_key, &request.app_version).await?;
        conn = state.db.pool().acquire().await?;
        if let Some(device) = bound {
            tracing::info!(device = %device.id, agent = %device.agent_id, "device activated");
            return respond(state, &mut conn, &device).await;
        }
    }
    Err(ApiError::refuse(Refusal::CodeUsed))
}

async fn find_code(
    conn: &mut AnyConnection,
    code_hash: &str,
) -> Result<Option<CodeRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT agent_id, branch, expires_ms, failed_tries, used_ms, device_id, public_key
         FROM activation_codes WHERE code_hash = $1",
    )
    .bind(code_hash)
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        Ok(CodeRow {
            agent_id: col(&row, "agent_id")?,
            branch: col(&row, "branch")?,
            expires_ms: col(&row, "expires_ms")?,
            failed_tries: col(&row, "failed_tries")?,
            used_ms: col(&row, "used_ms")?,
            device_id: col(&row, "device_id")?,
            public_key: col(&row, "public_key")?,
        })
    })
    .transpose()
}

async fn count_wrong_try(conn: &mut AnyConnection, code_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE activation_codes SET failed_tries = failed_tries + 1 WHERE code_hash = $1")
        .bind(code_hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// Uses the code and creates the device in one transaction. `None` when another request used
/// the code first.
async fn bind(
    state: &AppState,
    code_hash: &str,
    code: &CodeRow,
    public_key: &[u8],
    app_version: &str,
) -> Result<Option<Device>, ApiError> {
    let now = now_ms();
    let device_id = uuid::Uuid::now_v7().to_string();
    let mut tx = state.db.begin_write().await?;
    let used = sqlx::query(
        "UPDATE activation_codes SET used_ms = $1, device_id = $2, public_key = $3
         WHERE code_hash = $4 AND used_ms IS NULL",
    )
    .bind(now)
    .bind(&device_id)
    .bind(public_key)
    .bind(code_hash)
    .execute(&mut *tx)
    .await?;
    if used.rows_affected() != 1 {
        return Ok(None);
    }
    let earlier = sqlx::query(
        "SELECT id, status, last_seq FROM devices WHERE agent_id = $1 ORDER BY activated_ms",
    )
    .bind(&code.agent_id)
    .fetch_all(&mut *tx)
    .await?;
    let inserted = sqlx::query(
        "INSERT INTO devices (id, branch, agent_id, public_key, status, app_version, activated_ms,
                              status_changed_ms, last_seq, head_hash, last_receipt_no, flagged)
         VALUES ($1, $2, $3, $4, 'active', $5, $6, $6, 0, $7, 0, 0)",
    )
    .bind(&device_id)
    .bind(&code.branch)
    .bind(&code.agent_id)
    .bind(public_key)
    .bind(stored_app_version(app_version))
    .bind(now)
    .bind(genesis_hash(&device_id))
    .execute(&mut *tx)
    .await;
    match inserted {
        Err(e) if is_unique_violation(&e) => {
            return Err(ApiError::refuse(Refusal::KeyInUse));
        }
        other => {
            other?;
        }
    }
    if !earlier.is_empty() {
        sqlx::query(
            "UPDATE devices SET status = 'retired', status_changed_ms = $1
             WHERE agent_id = $2 AND status = 'active' AND id <> $3",
        )
        .bind(now)
        .bind(&code.agent_id)
        .bind(&device_id)
        .execute(&mut *tx)
        .await?;
        let previous: Vec<serde_json::Value> = earlier
            .iter()
            .map(|row| {
                Ok(serde_json::json!({
                    "device_id": col::<String>(row, "id")?,
                    "status_before": col::<String>(row, "status")?,
                    "last_seq": col::<i64>(row, "last_seq")?,
                }))
            })
            .collect::<Result<_, sqlx::Error>>()?;
        flags::raise(
            &mut tx,
            &Flag {
                branch: code.branch.clone(),
                kind: kind::CHAIN_RESTART,
                agent_id: Some(code.agent_id.clone()),
                device_id: Some(device_id.clone()),
                record_id: None,
                evidence: serde_json::json!({
                    "new_device_id": device_id,
                    "previous_devices": previous,
                }),
                dedup_key: format!("{}:{}", kind::CHAIN_RESTART, device_id),
            },
        )
        .await?;
    }
    audit::record(
        &mut tx,
        "device",
        "device.activate",
        Some(&code.branch),
        Some(&device_id),
        &serde_json::json!({"agent_id": code.agent_id, "replaced_devices": earlier.len()}),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(Device {
        id: device_id.clone(),
        branch: code.branch.clone(),
        agent_id: code.agent_id.clone(),
        public_key: public_key.to_vec(),
        status: "active".into(),
        last_seq: 0,
        head_hash: genesis_hash(&device_id),
        last_receipt_no: 0,
    }))
}

/// The app version as stored: the device's say, at most 40 characters, without control
/// characters (PostgreSQL cannot store a NUL as text; a log or an admin page should not show
/// line breaks from a device).
fn stored_app_version(app_version: &str) -> String {
    app_version
        .chars()
        .filter(|c| !c.is_control())
        .take(40)
        .collect()
}

/// The signed answer: the binding, the server key, a nonce, rule sets, the branch's NIK tags and
/// the cursor to start downsync from.
async fn respond(
    state: &AppState,
    conn: &mut AnyConnection,
    device: &Device,
) -> Result<Response, ApiError> {
    let who = Reader {
        device_id: &device.id,
        branch: &device.branch,
        agent_id: &device.agent_id,
    };
    let items = feed::collect(
        conn,
        &state.keys,
        &who,
        Cursor::default(),
        state.config.downsync_page,
        TAGS_AT_ACTIVATION,
        state.config.downsync_settle.as_millis() as i64,
    )
    .await?;
    // Decisions, commands, payments and statements are left for the first downsync; tags and
    // rule sets come now.
    let cursor = Cursor {
        decisions: 0,
        commands: 0,
        payments: 0,
        statements: 0,
        ..items.cursor
    };
    let nonce = nonces::issue(conn, &device.id).await?;
    let payload = ActivationResponse {
        device_id: device.id.clone(),
        agent_id: device.agent_id.clone(),
        branch: device.branch.clone(),
        server_key: B64.encode(state.keys.public_key()),
        nonce,
        rule_sets: items.rule_sets,
        nik_tags: feed::tag_list(conn, &device.branch, &items.tags).await?,
        cursor: cursor.to_string(),
    };
    Ok(signed_ok(&state.keys.sign(LABEL_ACTIVATE, &payload)?))
}

/// Most tags in an activation answer (3 bytes each); the rest follow by downsync.
const TAGS_AT_ACTIVATION: i64 = 200_000;
