//! Inserting a batch's records: the unique key `(branch, id)` decides what is new, a repeated id
//! is a duplicate or a conflict by content hash, withdrawn tombstones are kept apart, and a
//! correction replaces the record it supersedes only if that is the agent's own to correct.

use std::collections::{BTreeSet, HashMap, HashSet};

use perisai_domain::protocol::messages::{FieldCode, RecordResult, RecordStatus};
use sqlx::AnyConnection;

use super::records::Prepared;
use crate::db::devices::Device;
use crate::db::flags::Flag;
use crate::db::{col, param_list, values_list, Backend, MAX_ROWS_PER_INSERT};
use crate::error::ApiError;

use super::corrections::{foreign_supersede_flag, refuse_correction, supersede, Superseding};

/// Inserts the records (one multi-row statement; the key `(branch, id)` decides what is new);
/// returns each record's result and whether it is new, in batch order.
///
/// Only the first record of the batch with a given id is offered for insertion; a later one
/// with the same id, and one whose id is already stored, is compared by content hash with the
/// stored record: `duplicate_record` when equal, `id.conflict` otherwise. That is what inserting
/// them one by one would answer. Valid tombstones go to `withdrawn_records` instead
/// ([`store_tombstones`]).
///
/// A correction is kept only if its `supersedes` names a record the device's agent may correct
/// ([`supersede`]); otherwise it is refused with `supersedes.invalid`, and when the record is
/// another agent's, the attempt is a fraud signal.
pub(super) async fn store_records(
    conn: &mut AnyConnection,
    backend: Backend,
    device: &Device,
    seq: i64,
    prepared: &[Prepared],
    now: i64,
) -> Result<StoredRecords, ApiError> {
    let is_tombstone = |p: &Prepared| p.withdrawn && p.accepted();
    let mut tombstones = store_tombstones(conn, device, seq, prepared, now).await?;
    let mut first: HashMap<&str, usize> = HashMap::with_capacity(prepared.len());
    for (i, p) in prepared.iter().enumerate() {
        if let (Some(id), false) = (p.id.as_deref(), is_tombstone(p)) {
            first.entry(id).or_insert(i);
        }
    }
    // In id order: concurrent transactions take the keys' locks in one order.
    let mut offered: Vec<usize> = first.values().copied().collect();
    offered.sort_by(|&a, &b| prepared[a].id.cmp(&prepared[b].id));
    let mut codes = Vec::with_capacity(offered.len());
    for &i in &offered {
        codes.push(serde_json::to_string(&prepared[i].errors).map_err(|_| ApiError::internal())?);
    }

    const COLUMNS: usize = 17;
    // Offered records whose insert surely took: every row of a chunk that inserted them all.
    let mut surely_new: HashSet<usize> = HashSet::with_capacity(offered.len());
    for (chunk, chunk_codes) in offered
        .chunks(MAX_ROWS_PER_INSERT)
        .zip(codes.chunks(MAX_ROWS_PER_INSERT))
    {
        let sql = format!(
            "INSERT INTO enrollments (branch, id, device_id, agent_id, batch_seq, receipt_no, content_hash,
                                      content, nik_hmac, phone_hmac, enrolled_on, created_ms, received_ms,
                                      status, codes, supersedes, has_location)
             VALUES {} ON CONFLICT (branch, id) DO NOTHING",
            values_list(backend, chunk.len(), COLUMNS, 0)
        );
        let mut query = sqlx::query(&sql);
        for (&i, codes) in chunk.iter().zip(chunk_codes) {
            let p = &prepared[i];
            query = query
                .bind(&device.branch)
                .bind(p.id.as_deref())
                .bind(&device.id)
                .bind(&device.agent_id)
                .bind(seq)
                .bind(p.receipt_no)
                .bind(&p.content_hash)
                .bind(p.sealed.as_slice())
                .bind(p.nik_hmac.as_deref())
                .bind(p.phone_hmac.as_deref())
                .bind(p.enrolled_on.map(|d| d.to_string()))
                .bind(p.created_ms)
                .bind(now)
                .bind(if p.accepted() {
                    "received"
                } else {
                    "rejected_at_ingest"
                })
                .bind(codes.as_str())
                .bind(p.supersedes.as_deref())
                .bind(i64::from(p.has_location));
        }
        // No RETURNING: rows come back from the driver one message at a time, which cost more
        // than the insert. When every row took, all are new; otherwise the rows are read back.
        let done = query.execute(&mut *conn).await?;
        if done.rows_affected() == chunk.len() as u64 {
            surely_new.extend(chunk.iter().copied());
        }
    }

    // The rest (repeated ids, ids already stored, chunks where some row did not take): the
    // stored row says. A row this batch inserted carries this device and this seq, which only
    // this transaction can write (the batch row (branch, device, seq) is taken first).
    let unsure: Vec<&str> = prepared
        .iter()
        .enumerate()
        .filter(|(i, p)| !surely_new.contains(i) && !is_tombstone(p))
        .filter_map(|(_, p)| p.id.as_deref())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut stored_rows: HashMap<String, (String, bool)> = HashMap::new();
    for chunk in unsure.chunks(MAX_ROWS_PER_INSERT) {
        let sql = format!(
            "SELECT id, content_hash, device_id, batch_seq FROM enrollments
             WHERE branch = {} AND id IN ({})",
            crate::db::param(backend, 1),
            param_list(backend, chunk.len(), 1)
        );
        let mut query = sqlx::query(&sql).bind(&device.branch);
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            let ours = col::<String>(&row, "device_id")? == device.id
                && col::<i64>(&row, "batch_seq")? == seq;
            stored_rows.insert(col(&row, "id")?, (col(&row, "content_hash")?, ours));
        }
    }
    let is_new = |i: usize, id: &str| {
        first.get(id) == Some(&i)
            && (surely_new.contains(&i) || stored_rows.get(id).is_some_and(|(_, ours)| *ours))
    };

    let mut results = Vec::with_capacity(prepared.len());
    let mut new_accepted = Vec::with_capacity(prepared.len());
    let mut new_receipts = Vec::new();
    let mut foreign_supersedes = Vec::new();
    for (i, p) in prepared.iter().enumerate() {
        if let Some((result, new)) = tombstones.remove(&i) {
            if let (true, Some(receipt), Some(id)) = (new, p.receipt_no, &p.id) {
                new_receipts.push((receipt, id.clone()));
            }
            results.push(result);
            new_accepted.push(false);
            continue;
        }
        let Some(id) = p.id.clone() else {
            results.push(RecordResult {
                id: String::new(),
                status: RecordStatus::Rejected,
                codes: p.errors.clone(),
            });
            new_accepted.push(false);
            continue;
        };
        if is_new(i, &id) {
            if let Some(receipt) = p.receipt_no {
                new_receipts.push((receipt, id.clone()));
            }
            let accepted = p.accepted();
            if let (true, Some(old)) = (accepted, &p.supersedes) {
                if let Superseding::Refused { owner } = supersede(conn, device, old, &id).await? {
                    let codes = vec![FieldCode {
                        field: "supersedes".into(),
                        code: "supersedes.invalid".into(),
                    }];
                    refuse_correction(conn, device, seq, &id, &codes).await?;
                    if let Some(owner) = owner {
                        foreign_supersedes.push(foreign_supersede_flag(device, &id, old, &owner));
                    }
                    new_accepted.push(false);
                    results.push(RecordResult {
                        id,
                        status: RecordStatus::Rejected,
                        codes,
                    });
                    continue;
                }
            }
            new_accepted.push(accepted);
            results.push(if accepted {
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
            });
            continue;
        }
        let (existing, _) = stored_rows.get(&id).ok_or_else(|| {
            tracing::error!("a record that was not inserted is not stored either");
            ApiError::internal()
        })?;
        new_accepted.push(false);
        results.push(if *existing == p.content_hash {
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
        });
    }
    Ok(StoredRecords {
        results,
        new_accepted,
        new_receipts,
        foreign_supersedes,
    })
}

/// What [`store_records`] did with a batch's records.
pub(super) struct StoredRecords {
    /// Each record's result, in batch order.
    pub(super) results: Vec<RecordResult>,
    /// Per record: new to the server and accepted.
    pub(super) new_accepted: Vec<bool>,
    /// The receipt numbers of records new to the server, whatever their outcome (rejected
    /// records and tombstones use numbers too).
    pub(super) new_receipts: Vec<(i64, String)>,
    /// Fraud signals of corrections aimed at another agent's record.
    pub(super) foreign_supersedes: Vec<Flag>,
}

/// Stores the batch's valid tombstones (few: an agent withdraws rarely), one by one: new →
/// `accepted`; the same tombstone again → `duplicate_record`; an id an enrollment or another
/// tombstone holds with other content → `id.conflict`. Returns the outcome and whether it is
/// new, by index into `prepared`.
pub(super) async fn store_tombstones(
    conn: &mut AnyConnection,
    device: &Device,
    seq: i64,
    prepared: &[Prepared],
    now: i64,
) -> Result<HashMap<usize, (RecordResult, bool)>, ApiError> {
    let mut out = HashMap::new();
    for (i, p) in prepared.iter().enumerate() {
        let (true, Some(id)) = (p.withdrawn && p.accepted(), p.id.as_deref()) else {
            continue;
        };
        let result = |status, codes: Vec<FieldCode>| RecordResult {
            id: id.to_string(),
            status,
            codes,
        };
        let conflict = || {
            vec![FieldCode {
                field: "id".into(),
                code: "id.conflict".into(),
            }]
        };
        let enrolled: Option<String> =
            sqlx::query_scalar("SELECT id FROM enrollments WHERE branch = $1 AND id = $2")
                .bind(&device.branch)
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?;
        if enrolled.is_some() {
            out.insert(i, (result(RecordStatus::Rejected, conflict()), false));
            continue;
        }
        let inserted = sqlx::query(
            "INSERT INTO withdrawn_records (branch, id, device_id, agent_id, batch_seq, receipt_no,
                                            content_hash, content, created_ms, received_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (branch, id) DO NOTHING",
        )
        .bind(&device.branch)
        .bind(id)
        .bind(&device.id)
        .bind(&device.agent_id)
        .bind(seq)
        .bind(p.receipt_no)
        .bind(&p.content_hash)
        .bind(p.sealed.as_slice())
        .bind(p.created_ms)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        if inserted.rows_affected() == 1 {
            out.insert(i, (result(RecordStatus::Accepted, Vec::new()), true));
            continue;
        }
        let stored: String = sqlx::query_scalar(
            "SELECT content_hash FROM withdrawn_records WHERE branch = $1 AND id = $2",
        )
        .bind(&device.branch)
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
        out.insert(
            i,
            if stored == p.content_hash {
                (result(RecordStatus::DuplicateRecord, Vec::new()), false)
            } else {
                (result(RecordStatus::Rejected, conflict()), false)
            },
        );
    }
    Ok(out)
}
