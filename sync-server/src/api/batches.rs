//! `POST /v1/batches`: one frozen batch, checked in the order of ARCHITECTURE.md §4 and answered with
//! the status table there:
//!
//! size (413) → header (426 for an unknown version, 400 `batch.malformed`) → device known (403
//! `device.unknown`) and active (403 `device.revoked` with a signed wipe; a validly signed batch
//! is quarantined) → signature (401 `batch.signature`) → body hash (400 `batch.body_hash`) → seq:
//! stored with the same hash (200, the stored acknowledgement), stored with another hash (409
//! `seq.fork`, the device is flagged), 0 or beyond 2^63-1 (400 `seq.range`), beyond the next (409 `seq.gap` with `expected_seq`),
//! next but not continuing the hash chain (409 `seq.fork`) → rate (429 with `Retry-After`) → 200,
//! stored and acknowledged (`ingest::store`).
//!
//! Only a batch whose signature verified can flag a device or land in quarantine.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use perisai_domain::protocol::batch::{BatchError, FrozenBatch};
use perisai_domain::protocol::downsync::DeviceCommand;
use perisai_domain::protocol::envelope::SignedEnvelope;
use perisai_domain::protocol::labels::LABEL_DOWNSYNC;
use perisai_domain::protocol::messages::RecordStatus;
use perisai_domain::protocol::refusal::Refusal;
use perisai_domain::protocol::MAX_BATCH_BYTES;
use perisai_domain::seal::Purpose;
use sqlx::AnyConnection;

use super::{read_body, version_supported};
use crate::db::devices::{self, Device};
use crate::db::flags::{self, kind, Flag};
use crate::db::{col, now_ms, rfc3339};
use crate::error::ApiError;
use crate::ingest::{self, Stored};
use crate::state::AppState;

const MINUTE_MS: i64 = 60_000;

/// What happened to an upload, for metrics and the log (never data from the batch).
type Outcome = (&'static str, Response);

pub async fn upload(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let (outcome, response) = match check_and_store(&state, &headers, body).await {
        Ok(done) => done,
        Err(e) => (label_of(&e), e.into_response()),
    };
    state.metrics.batches.with_label_values(&[outcome]).inc();
    tracing::info!(outcome, status = response.status().as_u16(), "batch");
    response
}

fn label_of(e: &ApiError) -> &'static str {
    match e.code() {
        "batch.too_large" => "too_large",
        "protocol.version" => "version",
        "batch.malformed" => "malformed",
        "batch.body_hash" => "body_hash",
        "batch.signature" => "signature",
        "device.unknown" => "unknown_device",
        "device.revoked" => "revoked",
        "seq.fork" => "fork",
        "seq.gap" => "gap",
        "seq.range" => "seq_range",
        "rate_limited" => "rate_limited",
        _ => "error",
    }
}

async fn check_and_store(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
) -> Result<Outcome, ApiError> {
    let too_large = || ApiError::refuse(Refusal::BatchTooLarge);
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BATCH_BYTES) {
        return Err(too_large());
    }
    let bytes = read_body(body, MAX_BATCH_BYTES, Refusal::BatchTooLarge).await?;
    let batch = match FrozenBatch::parse(&bytes) {
        Ok(batch) => batch,
        Err(BatchError::TooLarge) => return Err(too_large()),
        Err(_) => {
            return Err(match peek_version(&bytes) {
                Some(v) if !version_supported(v) => {
                    ApiError::upgrade_required(&state.config.min_app_version)
                }
                _ => ApiError::refuse(Refusal::BatchMalformed),
            })
        }
    };
    if !version_supported(batch.header.v) {
        return Err(ApiError::upgrade_required(&state.config.min_app_version));
    }

    let mut conn = state.db.pool().acquire().await?;
    let found = devices::find(&mut conn, &batch.header.device_id).await?;
    let Some(device) = found else {
        return Err(ApiError::refuse(Refusal::DeviceUnknown));
    };
    if !device.is_active() {
        if batch.signature_valid(&device.public_key) {
            quarantine(state, &mut conn, &device, &batch, &bytes).await?;
        }
        return Err(ApiError::revoked(
            wipe_command(state, &mut conn, &device).await?,
        ));
    }
    if !batch.signature_valid(&device.public_key) {
        return Err(ApiError::refuse(Refusal::BatchSignature));
    }
    batch
        .check_body_hash()
        .map_err(|_| ApiError::refuse(Refusal::BatchBodyHash))?;
    drop(conn);

    // Stored as a signed 64-bit integer, and counted from 1: anything else is refused, never
    // wrapped (2^64-1 would read as -1).
    let seq = i64::try_from(batch.header.seq)
        .ok()
        .filter(|seq| *seq >= 1)
        .ok_or_else(|| ApiError::refuse(Refusal::SeqRange))?;
    let batch_hash = batch.batch_hash();
    let mut device = device;
    // A race with another instance storing the same seq is settled by the unique key; then we
    // look again and answer as a replay (or a fork). No pooled connection is held while storing
    // (the store takes its own), so concurrent uploads can never starve the pool.
    for _ in 0..3 {
        let mut conn = state.db.pool().acquire().await?;
        if let Some((stored_hash, ack)) = ingest::stored_batch(&mut conn, &device, seq).await? {
            if stored_hash == batch_hash {
                // Signed again only if the signing key was switched since (key_rotation).
                let ack = state.keys.replayed_ack(ack)?;
                return Ok(("replay", stored_ack_response(ack)));
            }
            return Err(fork(
                &mut conn,
                &device,
                seq,
                &batch_hash,
                "seq already stored with another hash",
            )
            .await?);
        }
        if seq > device.last_seq + 1 {
            return Err(ApiError::gap((device.last_seq + 1) as u64));
        }
        if seq <= device.last_seq || batch.header.prev_hash != device.head_hash {
            return Err(fork(
                &mut conn,
                &device,
                seq,
                &batch_hash,
                "prev_hash does not continue the chain",
            )
            .await?);
        }
        rate_check(state, &mut conn, &device).await?;
        drop(conn);
        match ingest::store(&state.ingest, &device, &batch, &bytes).await? {
            Stored::Acked { envelope, results } => {
                for r in &results {
                    let label = match (r.status, r.codes.is_empty()) {
                        (RecordStatus::Accepted, true) => "accepted",
                        (RecordStatus::Accepted, false) => "accepted_duplicate_nik",
                        (RecordStatus::DuplicateRecord, _) => "duplicate_record",
                        (RecordStatus::Rejected, _) => "rejected",
                    };
                    state.metrics.records.with_label_values(&[label]).inc();
                }
                tracing::info!(device = %device.id, seq, records = results.len(), "batch stored");
                return Ok(("stored", super::signed_ok(&envelope)));
            }
            Stored::Raced => {
                let mut conn = state.db.pool().acquire().await?;
                device = devices::find(&mut conn, &device.id)
                    .await?
                    .ok_or_else(ApiError::internal)?;
                if !device.is_active() {
                    return Err(ApiError::revoked(
                        wipe_command(state, &mut conn, &device).await?,
                    ));
                }
            }
        }
    }
    Err(ApiError::internal())
}

/// The stored acknowledgement, byte for byte as first sent (unless the signing key was
/// switched since: `ServerKeys::replayed_ack`).
fn stored_ack_response(ack: String) -> Response {
    let mut response = (StatusCode::OK, ack).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// The protocol version in a header that did not decode as the current one (a newer or older
/// header may have other fields): lets an old app get 426 instead of `batch.malformed`.
fn peek_version(bytes: &[u8]) -> Option<u32> {
    let len = u16::from_be_bytes([*bytes.first()?, *bytes.get(1)?]) as usize;
    let header = bytes.get(2..2 + len)?;
    let value: serde_json::Value = serde_json::from_slice(header).ok()?;
    value.get("v")?.as_u64().and_then(|v| u32::try_from(v).ok())
}

/// 409 `seq.fork`; the device is flagged (only ever for a validly signed batch).
async fn fork(
    conn: &mut AnyConnection,
    device: &Device,
    seq: i64,
    batch_hash: &str,
    why: &str,
) -> Result<ApiError, ApiError> {
    sqlx::query("UPDATE devices SET flagged = 1 WHERE id = $1")
        .bind(&device.id)
        .execute(&mut *conn)
        .await?;
    flags::raise(
        conn,
        &Flag {
            branch: device.branch.clone(),
            kind: kind::SEQ_FORK,
            agent_id: Some(device.agent_id.clone()),
            device_id: Some(device.id.clone()),
            record_id: None,
            evidence: serde_json::json!({
                "seq": seq,
                "batch_hash": batch_hash,
                "head_seq": device.last_seq,
                "head_hash": device.head_hash,
                "why": why,
            }),
            dedup_key: format!("{}:{}:{batch_hash}", kind::SEQ_FORK, device.id),
        },
    )
    .await?;
    tracing::warn!(device = %device.id, seq, "seq.fork");
    Ok(ApiError::refuse(Refusal::SeqFork))
}

/// 429 when the device stored `batches_per_minute` batches in the last minute (counted from the
/// `batches` table, so every instance sees the same count).
async fn rate_check(
    state: &AppState,
    conn: &mut AnyConnection,
    device: &Device,
) -> Result<(), ApiError> {
    let since = now_ms() - MINUTE_MS;
    let row = sqlx::query(
        "SELECT COUNT(*) AS n, MIN(received_ms) AS oldest FROM batches
         WHERE branch = $1 AND device_id = $2 AND received_ms > $3",
    )
    .bind(&device.branch)
    .bind(&device.id)
    .bind(since)
    .fetch_one(conn)
    .await?;
    let count: i64 = col(&row, "n")?;
    if count >= state.config.batches_per_minute {
        let oldest: Option<i64> = col(&row, "oldest")?;
        let wait_ms = oldest.map_or(MINUTE_MS, |o| o + MINUTE_MS - now_ms());
        return Err(ApiError::too_many(((wait_ms + 999) / 1000).max(1) as u64));
    }
    Ok(())
}

/// Keeps what a revoked or retired device still sent, sealed, as evidence (never exported).
async fn quarantine(
    state: &AppState,
    conn: &mut AnyConnection,
    device: &Device,
    batch: &FrozenBatch<'_>,
    bytes: &[u8],
) -> Result<(), ApiError> {
    let batch_hash = batch.batch_hash();
    let sealed = state.keys.seal(
        Purpose::Record,
        &format!("quarantine/{}/{}/{batch_hash}", device.branch, device.id),
        bytes,
    )?;
    let inserted = sqlx::query(
        "INSERT INTO quarantine (branch, device_id, batch_hash, seq, sealed_batch, received_ms)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (branch, device_id, batch_hash) DO NOTHING",
    )
    .bind(&device.branch)
    .bind(&device.id)
    .bind(&batch_hash)
    // Evidence only, and keyed by hash: a seq beyond the column's range is kept as its limit.
    .bind(i64::try_from(batch.header.seq).unwrap_or(i64::MAX))
    .bind(&sealed)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    if inserted.rows_affected() == 1 {
        flags::raise(
            conn,
            &Flag {
                branch: device.branch.clone(),
                kind: kind::REVOKED_DEVICE_BATCH,
                agent_id: Some(device.agent_id.clone()),
                device_id: Some(device.id.clone()),
                record_id: None,
                evidence: serde_json::json!({
                    "seq": batch.header.seq,
                    "batch_hash": batch_hash,
                    "records": batch.header.count,
                    "device_status": device.status,
                }),
                dedup_key: format!("{}:{}:{batch_hash}", kind::REVOKED_DEVICE_BATCH, device.id),
            },
        )
        .await?;
        tracing::warn!(device = %device.id, "batch from a revoked device quarantined");
    }
    Ok(())
}

/// The server-signed wipe command for a revoked or retired device (`perisai/v1/downsync`).
pub async fn wipe_command(
    state: &AppState,
    conn: &mut AnyConnection,
    device: &Device,
) -> Result<SignedEnvelope, ApiError> {
    let changed: i64 = sqlx::query_scalar("SELECT status_changed_ms FROM devices WHERE id = $1")
        .bind(&device.id)
        .fetch_one(conn)
        .await?;
    let command = DeviceCommand {
        id: format!("wipe-{}", device.id),
        device_id: device.id.clone(),
        kind: "wipe".into(),
        issued_at: rfc3339(changed),
    };
    Ok(state.keys.sign(LABEL_DOWNSYNC, &command)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_is_read_from_headers_that_do_not_parse() {
        let header = br#"{"v":0,"something":"else"}"#;
        let mut bytes = (header.len() as u16).to_be_bytes().to_vec();
        bytes.extend_from_slice(header);
        assert_eq!(peek_version(&bytes), Some(0));
        assert_eq!(peek_version(b"\x00"), None);
        assert_eq!(peek_version(b"\x00\x05{}"), None);
        assert_eq!(peek_version(b"\x00\x02{}"), None);
    }
}
