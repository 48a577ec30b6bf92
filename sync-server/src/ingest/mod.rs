//! Storing a batch that continues a device's chain: the batch row, every record, NIK claims,
//! duplicate-queue entries, NIK tags, fraud signals, the chain head and the signed per-record
//! acknowledgement, all in ONE transaction (DESIGN.md §4, "otherwise: 200").
//!
//! Exactly-once comes from unique keys, not from checks: the batch row `(branch, device_id,
//! seq)` is inserted first, and a second server that races on the same batch finds the row taken
//! and answers from the stored acknowledgement instead ([`Stored::Raced`]). Records are keyed
//! `(branch, id)`; NIK claims are national and keyed by the NIK's HMAC.
//!
//! Per-record results: `accepted`; `accepted` with `nik.duplicate_known` (the NIK is claimed by
//! another record: the record goes to the duplicate queue); `duplicate_record` (same id, same
//! content); `rejected` with codes (`id.conflict`: same id, other content; or validation errors).
//! A body that cannot be decoded still moves the chain on: the batch is stored as
//! `body_rejected` and acknowledged with `batch.body_undecodable`.

pub mod fraud;
pub mod records;

use std::collections::HashSet;

use chrono::NaiveDate;
use perisai_core::protocol::batch::FrozenBatch;
use perisai_core::protocol::envelope::SignedEnvelope;
use perisai_core::protocol::messages::{Ack, FieldCode, RecordResult, RecordStatus};
use perisai_core::signer::LABEL_ACK;
use sqlx::AnyConnection;

use crate::api::AppState;
use crate::db::devices::Device;
use crate::db::{col, nonces, now_ms};
use crate::error::ApiError;
use records::{Prepared, ServerLookups};

/// The result of trying to store a batch.
pub enum Stored {
    /// Stored now; the signed acknowledgement to send, and the record results for metrics.
    Acked {
        envelope: SignedEnvelope,
        results: Vec<RecordResult>,
    },
    /// Another request stored this seq (or moved the head) first: look again.
    Raced,
}

/// The server's calendar date for fraud windows: the date in WIT (UTC+9), the easternmost
/// Indonesian time zone, so no device's honest "today" is ever after it.
pub fn server_today() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(9)).date_naive()
}

/// Stores `batch` from `device` (already verified: signature, body hash, seq = head + 1,
/// prev_hash = head hash).
pub async fn store(
    state: &AppState,
    device: &Device,
    batch: &FrozenBatch<'_>,
) -> Result<Stored, ApiError> {
    let seq = batch.header.seq as i64;
    let batch_hash = batch.batch_hash();
    let today = server_today();

    let decoded = batch.records();
    let (prepared, batch_codes) = match &decoded {
        Ok(raw) => (prepare_all(state, device, raw, today).await?, Vec::new()),
        Err(e) => (
            Vec::new(),
            vec![FieldCode {
                field: "batch".into(),
                code: e.code().into(),
            }],
        ),
    };

    let now = now_ms();
    let mut tx = state.db.begin_write().await?;
    let inserted = sqlx::query(
        "INSERT INTO batches (branch, device_id, seq, batch_hash, prev_hash, header, signature,
                              record_count, outcome, ack, received_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '', $10)
         ON CONFLICT (branch, device_id, seq) DO NOTHING",
    )
    .bind(&device.branch)
    .bind(&device.id)
    .bind(seq)
    .bind(&batch_hash)
    .bind(&batch.header.prev_hash)
    .bind(batch.header_bytes)
    .bind(batch.signature)
    .bind(i64::from(batch.header.count))
    .bind(if decoded.is_ok() {
        "stored"
    } else {
        "body_rejected"
    })
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() != 1 {
        return Ok(Stored::Raced);
    }

    let mut results = Vec::with_capacity(prepared.len());
    let mut new_accepted = vec![false; prepared.len()];
    for (i, p) in prepared.iter().enumerate() {
        let (result, is_new) = store_record(&mut tx, device, seq, p, now).await?;
        new_accepted[i] = is_new && p.accepted();
        results.push(result);
    }
    let fresh = |i: &usize| new_accepted[*i];
    // A record corrected within this same batch never claims its NIK: its correction does.
    let corrected_here: HashSet<&str> = (0..prepared.len())
        .filter(fresh)
        .filter_map(|i| prepared[i].supersedes.as_deref())
        .collect();
    // Claims after all inserts, in NIK order, so two batches claiming the same NIKs lock them in
    // the same order (no deadlock on PostgreSQL).
    let mut claimants: Vec<usize> = (0..prepared.len())
        .filter(fresh)
        .filter(|&i| {
            !prepared[i]
                .id
                .as_deref()
                .is_some_and(|id| corrected_here.contains(id))
        })
        .collect();
    claimants.sort_by(|&a, &b| {
        prepared[a]
            .nik_hmac
            .cmp(&prepared[b].nik_hmac)
            .then(a.cmp(&b))
    });
    let tag_key: Vec<u8> = if claimants.is_empty() {
        Vec::new()
    } else {
        sqlx::query_scalar("SELECT tag_key FROM branches WHERE code = $1")
            .bind(&device.branch)
            .fetch_one(&mut *tx)
            .await?
    };
    for i in claimants {
        if let Some(dup) = claim_nik(&mut tx, device, &tag_key, &prepared[i], now).await? {
            results[i].codes.push(dup);
        }
    }
    let stored_new: Vec<&Prepared> = (0..prepared.len())
        .filter(fresh)
        .map(|i| &prepared[i])
        .collect();

    let last_receipt_no = fraud::record_signals(&mut tx, device, &stored_new, today).await?;
    fraud::agent_signals(&mut tx, device, &stored_new).await?;

    let nonce = nonces::issue(&mut tx, &device.id).await?;
    let ack = Ack {
        device_id: device.id.clone(),
        seq: batch.header.seq,
        batch_hash: batch_hash.clone(),
        results,
        nonce,
        batch_codes,
    };
    let envelope = state.keys.sign(LABEL_ACK, &ack)?;
    let ack_json = serde_json::to_string(&envelope).map_err(|_| ApiError::internal())?;
    sqlx::query("UPDATE batches SET ack = $1 WHERE branch = $2 AND device_id = $3 AND seq = $4")
        .bind(&ack_json)
        .bind(&device.branch)
        .bind(&device.id)
        .bind(seq)
        .execute(&mut *tx)
        .await?;
    let moved = sqlx::query(
        "UPDATE devices SET last_seq = $1, head_hash = $2, last_receipt_no = $3
         WHERE id = $4 AND last_seq = $5 AND head_hash = $6 AND status = 'active'",
    )
    .bind(seq)
    .bind(&batch_hash)
    .bind(last_receipt_no)
    .bind(&device.id)
    .bind(seq - 1)
    .bind(&batch.header.prev_hash)
    .execute(&mut *tx)
    .await?;
    if moved.rows_affected() != 1 {
        // The head moved (or the device was revoked) since we looked: nothing is kept.
        return Ok(Stored::Raced);
    }
    tx.commit().await?;
    Ok(Stored::Acked {
        envelope,
        results: ack.results,
    })
}

/// Prepares every record: loads which superseded ids this agent may correct, then validates.
async fn prepare_all(
    state: &AppState,
    device: &Device,
    raw: &[serde_json::Value],
    today: NaiveDate,
) -> Result<Vec<Prepared>, ApiError> {
    if raw.is_empty() {
        return Ok(Vec::new());
    }
    let mut correctable: HashSet<String> = HashSet::new();
    let wanted = records::superseded_ids(raw);
    if !wanted.is_empty() {
        let mut conn = state.db.pool().acquire().await?;
        for id in wanted {
            let found: Option<String> = sqlx::query_scalar(
                "SELECT id FROM enrollments WHERE branch = $1 AND id = $2 AND agent_id = $3
                   AND status IN ('received', 'has_issues', 'rejected_at_ingest')",
            )
            .bind(&device.branch)
            .bind(&id)
            .bind(&device.agent_id)
            .fetch_optional(&mut *conn)
            .await?;
            correctable.extend(found);
        }
    }
    let book = state.rules();
    let mut out = Vec::with_capacity(raw.len());
    for record in raw {
        let lookups = ServerLookups {
            correctable: &correctable,
        };
        let p = records::prepare(
            record,
            &device.branch,
            &device.id,
            today,
            book,
            &lookups,
            &state.keys,
        )?;
        // A later record of the same batch may correct this one.
        if let Some(id) = &p.id {
            correctable.insert(id.clone());
        }
        out.push(p);
    }
    Ok(out)
}

/// Inserts one record; returns its result and whether it is new.
async fn store_record(
    conn: &mut AnyConnection,
    device: &Device,
    seq: i64,
    p: &Prepared,
    now: i64,
) -> Result<(RecordResult, bool), ApiError> {
    let Some(id) = p.id.clone() else {
        return Ok((
            RecordResult {
                id: String::new(),
                status: RecordStatus::Rejected,
                codes: p.errors.clone(),
            },
            false,
        ));
    };
    let status = if p.accepted() {
        "received"
    } else {
        "rejected_at_ingest"
    };
    let codes = serde_json::to_string(&p.errors).map_err(|_| ApiError::internal())?;
    let inserted = sqlx::query(
        "INSERT INTO enrollments (branch, id, device_id, agent_id, batch_seq, receipt_no, content_hash,
                                  content, nik_hmac, phone_hmac, enrolled_on, created_ms, received_ms,
                                  status, codes, supersedes, has_location)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
         ON CONFLICT (branch, id) DO NOTHING",
    )
    .bind(&device.branch)
    .bind(&id)
    .bind(&device.id)
    .bind(&device.agent_id)
    .bind(seq)
    .bind(p.receipt_no)
    .bind(&p.content_hash)
    .bind(&p.sealed)
    .bind(p.nik_hmac.as_deref())
    .bind(p.phone_hmac.as_deref())
    .bind(p.enrolled_on.map(|d| d.to_string()))
    .bind(p.created_ms)
    .bind(now)
    .bind(status)
    .bind(&codes)
    .bind(p.supersedes.as_deref())
    .bind(i64::from(p.has_location))
    .execute(&mut *conn)
    .await?;
    if inserted.rows_affected() == 1 {
        if let (true, Some(old)) = (p.accepted(), &p.supersedes) {
            supersede(conn, device, old, &id).await?;
        }
        let result = if p.accepted() {
            RecordResult {
                id,
                status: RecordStatus::Accepted,
                codes: Vec::new(),
            }
        } else {
            RecordResult {
                id,
                status: RecordStatus::Rejected,
                codes: p.errors.clone(),
            }
        };
        return Ok((result, true));
    }
    let existing: String =
        sqlx::query_scalar("SELECT content_hash FROM enrollments WHERE branch = $1 AND id = $2")
            .bind(&device.branch)
            .bind(&id)
            .fetch_one(&mut *conn)
            .await?;
    let result = if existing == p.content_hash {
        RecordResult {
            id,
            status: RecordStatus::DuplicateRecord,
            codes: Vec::new(),
        }
    } else {
        RecordResult {
            id,
            status: RecordStatus::Rejected,
            codes: vec![FieldCode {
                field: "id".into(),
                code: "id.conflict".into(),
            }],
        }
    };
    Ok((result, false))
}

/// The correction replaces `old`: it becomes `superseded` and gives up its NIK claim (the
/// correction claims afresh, possibly with a corrected NIK).
async fn supersede(
    conn: &mut AnyConnection,
    device: &Device,
    old: &str,
    new: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE enrollments SET status = 'superseded', superseded_by = $1
         WHERE branch = $2 AND id = $3 AND status <> 'superseded'",
    )
    .bind(new)
    .bind(&device.branch)
    .bind(old)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM nik_claims WHERE branch = $1 AND record_id = $2")
        .bind(&device.branch)
        .bind(old)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Claims the record's NIK nationally; when another record holds it, queues the record for the
/// supervisors and returns the `nik.duplicate_known` code for its acknowledgement. Either way the
/// NIK's tag joins the branch's list.
async fn claim_nik(
    conn: &mut AnyConnection,
    device: &Device,
    tag_key: &[u8],
    p: &Prepared,
    now: i64,
) -> Result<Option<FieldCode>, ApiError> {
    let (Some(id), Some(nik_hmac), Some(enrollment)) = (&p.id, &p.nik_hmac, &p.enrollment) else {
        return Ok(None);
    };
    let claimed = sqlx::query(
        "INSERT INTO nik_claims (nik_hmac, branch, record_id, claimed_ms) VALUES ($1, $2, $3, $4)
         ON CONFLICT (nik_hmac) DO NOTHING",
    )
    .bind(nik_hmac)
    .bind(&device.branch)
    .bind(id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let (owner_branch, owner_record) = if claimed.rows_affected() == 1 {
        (device.branch.clone(), id.clone())
    } else {
        let owner = sqlx::query("SELECT branch, record_id FROM nik_claims WHERE nik_hmac = $1")
            .bind(nik_hmac)
            .fetch_one(&mut *conn)
            .await?;
        (
            col::<String>(&owner, "branch")?,
            col::<String>(&owner, "record_id")?,
        )
    };

    let tag = perisai_core::protocol::downsync::nik_tag24(tag_key, &enrollment.nik);
    sqlx::query(
        "INSERT INTO nik_tags (branch, tag, created_ms) VALUES ($1, $2, $3)
         ON CONFLICT (branch, tag) DO NOTHING",
    )
    .bind(&device.branch)
    .bind(tag.as_slice())
    .bind(now)
    .execute(&mut *conn)
    .await?;

    if owner_branch == device.branch && &owner_record == id {
        return Ok(None);
    }
    sqlx::query(
        "INSERT INTO duplicate_queue (branch, record_id, nik_hmac, other_branch, other_record_id, created_ms)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (branch, record_id) DO NOTHING",
    )
    .bind(&device.branch)
    .bind(id)
    .bind(nik_hmac)
    .bind(&owner_branch)
    .bind(&owner_record)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(Some(FieldCode {
        field: "nik".into(),
        code: "nik.duplicate_known".into(),
    }))
}

/// The stored acknowledgement and hash of `(branch, device, seq)`, if that seq is stored.
pub async fn stored_batch(
    conn: &mut AnyConnection,
    device: &Device,
    seq: i64,
) -> Result<Option<(String, String)>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT batch_hash, ack FROM batches WHERE branch = $1 AND device_id = $2 AND seq = $3",
    )
    .bind(&device.branch)
    .bind(&device.id)
    .bind(seq)
    .fetch_optional(conn)
    .await?;
    row.map(|r| Ok((col(&r, "batch_hash")?, col(&r, "ack")?)))
        .transpose()
}
