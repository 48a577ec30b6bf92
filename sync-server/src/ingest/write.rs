//! The write transaction of one batch: the batch row first (the unique key that makes a batch
//! stored once), the records, the NIK claims, the fraud signals, the signed acknowledgement and
//! the device's chain head, all or nothing.

use std::collections::HashSet;

use perisai_domain::protocol::labels::LABEL_ACK;
use perisai_domain::protocol::messages::Ack;
use sqlx::AnyConnection;

use super::records::Prepared;
use crate::db::flags::{self};
use crate::db::{nonces, now_ms};
use crate::error::ApiError;

use super::claims::claim_niks;
use super::enrollments::{store_records, StoredRecords};
use super::{fraud, Ingest, Stored, Work};

/// Writes a prepared batch on `conn`, inside a transaction (or savepoint) the caller commits
/// when the answer is [`Stored::Acked`] and rolls back otherwise.
pub(super) async fn write(
    conn: &mut AnyConnection,
    ingest: &Ingest,
    work: &Work,
) -> Result<Stored, ApiError> {
    let device = &work.device;
    let prepared = &work.prepared;
    let now = now_ms();
    let inserted = sqlx::query(
        "INSERT INTO batches (branch, device_id, seq, batch_hash, prev_hash, header, signature,
                              record_count, outcome, ack, received_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '', $10)
         ON CONFLICT (branch, device_id, seq) DO NOTHING",
    )
    .bind(&device.branch)
    .bind(&device.id)
    .bind(work.seq)
    .bind(&work.batch_hash)
    .bind(&work.prev_hash)
    .bind(work.header.as_slice())
    .bind(work.signature.as_slice())
    .bind(i64::from(work.count))
    .bind(if work.decoded {
        "stored"
    } else {
        "body_rejected"
    })
    .bind(now)
    .execute(&mut *conn)
    .await?;
    if inserted.rows_affected() != 1 {
        return Ok(Stored::Raced);
    }

    let backend = ingest.db.backend();
    let StoredRecords {
        mut results,
        new_accepted,
        new_receipts,
        foreign_supersedes,
    } = store_records(conn, backend, device, work.seq, prepared, now).await?;
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
    for (i, code) in claim_niks(conn, backend, device, prepared, &claimants, now).await? {
        results[i].codes.push(code);
    }
    let stored_new: Vec<&Prepared> = (0..prepared.len())
        .filter(fresh)
        .map(|i| &prepared[i])
        .collect();

    let (last_receipt_no, mut raised) =
        fraud::record_signals(device, &stored_new, new_receipts, work.today);
    raised.extend(foreign_supersedes);
    fraud::agent_signals(conn, device, &stored_new, &mut raised).await?;
    flags::raise_all(conn, backend, &raised).await?;

    let nonce = nonces::issue(conn, &device.id).await?;
    let ack = Ack {
        device_id: device.id.clone(),
        seq: work.wire_seq,
        batch_hash: work.batch_hash.clone(),
        results,
        nonce,
        batch_codes: work.batch_codes.clone(),
    };
    let envelope = ingest.keys.sign(LABEL_ACK, &ack)?;
    let ack_json = serde_json::to_string(&envelope).map_err(|_| ApiError::internal())?;
    sqlx::query("UPDATE batches SET ack = $1 WHERE branch = $2 AND device_id = $3 AND seq = $4")
        .bind(&ack_json)
        .bind(&device.branch)
        .bind(&device.id)
        .bind(work.seq)
        .execute(&mut *conn)
        .await?;
    let moved = sqlx::query(
        "UPDATE devices SET last_seq = $1, head_hash = $2, last_receipt_no = $3
         WHERE id = $4 AND last_seq = $5 AND head_hash = $6 AND status = 'active'",
    )
    .bind(work.seq)
    .bind(&work.batch_hash)
    .bind(last_receipt_no)
    .bind(&device.id)
    .bind(work.seq - 1)
    .bind(&work.prev_hash)
    .execute(&mut *conn)
    .await?;
    if moved.rows_affected() != 1 {
        // The head moved (or the device was revoked) since we looked: nothing is kept.
        return Ok(Stored::Raced);
    }
    Ok(Stored::Acked {
        envelope,
        results: ack.results,
    })
}
