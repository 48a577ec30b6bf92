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
//!
//! How it is fast (docs/PERFORMANCE.md): everything that needs no database (decompression,
//! JSON, re-validation, sealing, HMACs, hashes) is done in [`prepare`] before the write
//! transaction, in parallel across requests; the transaction then writes a whole batch with a
//! handful of multi-row statements (`INSERT … VALUES (…), (…) ON CONFLICT DO NOTHING
//! RETURNING`), the unique keys still deciding every duplicate. On SQLite, which has one writer,
//! concurrent batches are written by [`group`] in one transaction per group (each batch in its
//! own savepoint) so that one commit, and one fsync, serves many batches.

pub mod fraud;
pub mod group;
pub mod records;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use axum::body::Bytes;
use chrono::NaiveDate;
use perisai_core::protocol::batch::{BatchError, FrozenBatch};
use perisai_core::protocol::envelope::SignedEnvelope;
use perisai_core::protocol::messages::{Ack, FieldCode, RecordResult, RecordStatus};
use perisai_core::signer::LABEL_ACK;
use sqlx::AnyConnection;

use crate::db::devices::Device;
use crate::db::flags::{self, Flag};
use crate::db::{col, nonces, now_ms, param_list, values_list, Backend, Db, MAX_ROWS_PER_INSERT};
use crate::error::ApiError;
use crate::keys::ServerKeys;
use crate::service::rules::RulesInForce;
use records::{Prepared, ServerLookups};

/// What storing batches needs of the server: the database, the keys, the rule sets in force,
/// and (SQLite) the group writer's queue. Cloned cheaply; one per server process.
#[derive(Clone)]
pub struct Ingest(Arc<IngestInner>);

pub struct IngestInner {
    db: Db,
    keys: Arc<ServerKeys>,
    rules: Arc<RulesInForce>,
    /// SQLite: batches waiting to be written together ([`group`]).
    group: group::Queue,
}

impl std::ops::Deref for Ingest {
    type Target = IngestInner;
    fn deref(&self) -> &IngestInner {
        &self.0
    }
}

impl Ingest {
    pub fn new(db: Db, keys: Arc<ServerKeys>, rules: Arc<RulesInForce>) -> Ingest {
        Ingest(Arc::new(IngestInner {
            db,
            keys,
            rules,
            group: group::Queue::default(),
        }))
    }
}

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

/// A batch made ready for writing: everything that needs no database is done.
pub struct Work {
    device: Device,
    seq: i64,
    wire_seq: u64,
    batch_hash: String,
    prev_hash: String,
    header: Vec<u8>,
    signature: Vec<u8>,
    count: u32,
    decoded: bool,
    prepared: Vec<Prepared>,
    batch_codes: Vec<FieldCode>,
    today: NaiveDate,
}

/// Stores `batch` from `device` (already verified: signature, body hash, seq = head + 1,
/// prev_hash = head hash).
pub async fn store(
    ingest: &Ingest,
    device: &Device,
    batch: &FrozenBatch<'_>,
    bytes: &Bytes,
) -> Result<Stored, ApiError> {
    let work = prepare(ingest, device, batch, bytes).await?;
    match ingest.db.backend() {
        // One writer: concurrent batches share transactions (and fsyncs).
        Backend::Sqlite => ingest.group.submit(ingest, work).await,
        // Many writers: each batch in its own transaction, in parallel.
        Backend::Postgres => {
            let mut tx = ingest.db.begin_write().await?;
            let stored = write(&mut tx, ingest, &work).await?;
            if let Stored::Acked { .. } = stored {
                tx.commit().await?;
            }
            Ok(stored)
        }
    }
}

/// Decodes and prepares every record of `batch` (no write; a read only for corrections). The
/// CPU work runs on the blocking pool, so that the async workers stay free to drive the
/// database (on SQLite, the group writer waits for a worker after every statement).
async fn prepare(
    ingest: &Ingest,
    device: &Device,
    batch: &FrozenBatch<'_>,
    bytes: &Bytes,
) -> Result<Work, ApiError> {
    let today = server_today();
    let frozen = bytes.clone();
    let decoded = on_cpu(move || {
        FrozenBatch::parse(&frozen)
            .map_err(|_| BatchError::BodyUndecodable)
            .and_then(|b| b.records())
    })
    .await?;
    let is_decoded = decoded.is_ok();
    let (prepared, batch_codes) = match decoded {
        Ok(raw) => (prepare_all(ingest, device, raw, today).await?, Vec::new()),
        Err(e) => (
            Vec::new(),
            vec![FieldCode {
                field: "batch".into(),
                code: e.code().into(),
            }],
        ),
    };
    Ok(Work {
        device: device.clone(),
        seq: batch.header.seq as i64,
        wire_seq: batch.header.seq,
        batch_hash: batch.batch_hash(),
        prev_hash: batch.header.prev_hash.clone(),
        header: batch.header_bytes.to_vec(),
        signature: batch.signature.to_vec(),
        count: batch.header.count,
        decoded: is_decoded,
        prepared,
        batch_codes,
        today,
    })
}

/// Runs CPU-bound work on the blocking pool, at most one job per core but one: the last core is
/// left to the database writer, whose every statement is a hand-off between threads that would
/// otherwise wait for a busy core.
async fn on_cpu<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    static CORES: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    let cores = CORES.get_or_init(|| {
        let n = std::thread::available_parallelism().map_or(1, |n| n.get());
        tokio::sync::Semaphore::new(n.saturating_sub(1).max(1))
    });
    let _permit = cores.acquire().await.map_err(|_| ApiError::internal())?;
    tokio::task::spawn_blocking(work).await.map_err(|e| {
        tracing::error!(error = %e, "preparing a batch failed");
        ApiError::internal()
    })
}

/// Writes a prepared batch on `conn`, inside a transaction (or savepoint) the caller commits
/// when the answer is [`Stored::Acked`] and rolls back otherwise.
async fn write(conn: &mut AnyConnection, ingest: &Ingest, work: &Work) -> Result<Stored, ApiError> {
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

/// Prepares every record: loads which superseded ids this agent may correct, then validates.
async fn prepare_all(
    ingest: &Ingest,
    device: &Device,
    raw: Vec<serde_json::Value>,
    today: NaiveDate,
) -> Result<Vec<Prepared>, ApiError> {
    if raw.is_empty() {
        return Ok(Vec::new());
    }
    let mut correctable: HashSet<String> = HashSet::new();
    let wanted = records::superseded_ids(&raw);
    if !wanted.is_empty() {
        let mut conn = ingest.db.pool().acquire().await?;
        for id in wanted {
            let found: Option<String> = sqlx::query_scalar(CORRECTABLE_BY_AGENT)
                .bind(&device.branch)
                .bind(&id)
                .bind(&device.agent_id)
                .fetch_optional(&mut *conn)
                .await?;
            correctable.extend(found);
        }
    }
    let ingest = ingest.clone();
    let (branch, device_id) = (device.branch.clone(), device.id.clone());
    on_cpu(move || {
        let book = ingest.rules.current();
        let mut out = Vec::with_capacity(raw.len());
        for record in raw {
            let lookups = ServerLookups {
                correctable: &correctable,
            };
            let p = records::prepare_owned(
                record,
                &branch,
                &device_id,
                today,
                &book,
                &lookups,
                &ingest.keys,
            )?;
            // A later record of the same batch may correct this one, if it is an enrollment
            // that passed. Whether it is new to the server (and so this agent's) is known only
            // when it is written: `supersede` checks that in the write itself.
            if let (Some(id), true, false) = (&p.id, p.accepted(), p.withdrawn) {
                correctable.insert(id.clone());
            }
            out.push(p);
        }
        Ok::<_, crate::keys::KeyError>(out)
    })
    .await?
    .map_err(ApiError::from)
}

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
async fn store_records(
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
struct StoredRecords {
    /// Each record's result, in batch order.
    results: Vec<RecordResult>,
    /// Per record: new to the server and accepted.
    new_accepted: Vec<bool>,
    /// The receipt numbers of records new to the server, whatever their outcome (rejected
    /// records and tombstones use numbers too).
    new_receipts: Vec<(i64, String)>,
    /// Fraud signals of corrections aimed at another agent's record.
    foreign_supersedes: Vec<Flag>,
}

/// Stores the batch's valid tombstones (few: an agent withdraws rarely), one by one: new →
/// `accepted`; the same tombstone again → `duplicate_record`; an id an enrollment or another
/// tombstone holds with other content → `id.conflict`. Returns the outcome and whether it is
/// new, by index into `prepared`.
async fn store_tombstones(
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

/// The statuses a correction may replace: what still waits for a decision (`received`), what
/// review sent back (`has_issues`), and what ingest refused. Approved and rejected records are
/// final; reversing a decision is the supervisor's, not the device's. (A macro, so that the
/// statements below are constants.)
macro_rules! correctable_statuses {
    () => {
        "('received', 'has_issues', 'rejected_at_ingest')"
    };
}

/// Whether record `$2` of branch `$1` is agent `$3`'s and may be corrected.
const CORRECTABLE_BY_AGENT: &str = concat!(
    "SELECT id FROM enrollments WHERE branch = $1 AND id = $2 AND agent_id = $3 AND status IN ",
    correctable_statuses!()
);

/// Marks record `$3` of branch `$2` superseded by `$1`, if it is agent `$4`'s and may be
/// corrected.
const SUPERSEDE: &str = concat!(
    "UPDATE enrollments SET status = 'superseded', superseded_by = $1
     WHERE branch = $2 AND id = $3 AND agent_id = $4 AND status IN ",
    correctable_statuses!()
);

/// What became of a correction's `supersedes`.
enum Superseding {
    /// The older record is now `superseded` and gave up its NIK claim.
    Done,
    /// The older record is not this agent's to correct, or not in a state that can be
    /// corrected, or not there at all. `owner` is the agent whose record it is, when that is
    /// another agent: an attempt on someone else's record.
    Refused { owner: Option<String> },
}

/// The correction `new` replaces `old`, if `old` is a record of the device's own agent in a
/// state that may be corrected: checked in the UPDATE itself, so nothing between a check and
/// the write can change the answer. A record of this very batch qualifies only if this batch
/// inserted it (a decoy whose id another record holds was not inserted, so the stored row keeps
/// its own agent and status). On success `old` gives up its NIK claim (the correction claims
/// afresh, possibly with a corrected NIK).
async fn supersede(
    conn: &mut AnyConnection,
    device: &Device,
    old: &str,
    new: &str,
) -> Result<Superseding, sqlx::Error> {
    let updated = sqlx::query(SUPERSEDE)
        .bind(new)
        .bind(&device.branch)
        .bind(old)
        .bind(&device.agent_id)
        .execute(&mut *conn)
        .await?;
    if updated.rows_affected() != 1 {
        let owner: Option<String> =
            sqlx::query_scalar("SELECT agent_id FROM enrollments WHERE branch = $1 AND id = $2")
                .bind(&device.branch)
                .bind(old)
                .fetch_optional(&mut *conn)
                .await?;
        return Ok(Superseding::Refused {
            owner: owner.filter(|agent| *agent != device.agent_id),
        });
    }
    sqlx::query("DELETE FROM nik_claims WHERE branch = $1 AND record_id = $2")
        .bind(&device.branch)
        .bind(old)
        .execute(&mut *conn)
        .await?;
    Ok(Superseding::Done)
}

/// A correction whose `supersedes` was refused is refused itself: its row (inserted by this
/// batch) is marked as refused at ingest with `supersedes.invalid`, like a record the
/// validator refused, so it never reaches review.
async fn refuse_correction(
    conn: &mut AnyConnection,
    device: &Device,
    seq: i64,
    id: &str,
    codes: &[FieldCode],
) -> Result<(), ApiError> {
    let codes = serde_json::to_string(codes).map_err(|_| ApiError::internal())?;
    sqlx::query(
        "UPDATE enrollments SET status = 'rejected_at_ingest', codes = $1
         WHERE branch = $2 AND id = $3 AND device_id = $4 AND batch_seq = $5",
    )
    .bind(codes)
    .bind(&device.branch)
    .bind(id)
    .bind(&device.id)
    .bind(seq)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The fraud signal of a device that tried to correct another agent's record.
fn foreign_supersede_flag(device: &Device, record_id: &str, old: &str, owner: &str) -> Flag {
    Flag {
        branch: device.branch.clone(),
        kind: flags::kind::FOREIGN_SUPERSEDE,
        agent_id: Some(device.agent_id.clone()),
        device_id: Some(device.id.clone()),
        record_id: Some(record_id.to_string()),
        evidence: serde_json::json!({
            "record_id": record_id,
            "supersedes": old,
            "owner_agent_id": owner,
        }),
        dedup_key: format!("{}:{record_id}", flags::kind::FOREIGN_SUPERSEDE),
    }
}

/// Claims the NIKs of `claimants` (indexes into `prepared`, in NIK order) nationally; a record
/// whose NIK another record holds is queued for the supervisors and gets `nik.duplicate_known`
/// (returned with its index). Either way the NIK's tag joins the branch's list.
///
/// Claims go in one multi-row `INSERT … ON CONFLICT (nik_hmac) DO NOTHING RETURNING`: the
/// unique key decides, as it would one by one. Of two claimants of one NIK within the batch
/// only the first is offered, so the first claims it and the second is its duplicate.
async fn claim_niks(
    conn: &mut AnyConnection,
    backend: Backend,
    device: &Device,
    prepared: &[Prepared],
    claimants: &[usize],
    now: i64,
) -> Result<Vec<(usize, FieldCode)>, ApiError> {
    let claimants: Vec<(usize, &str, &str, &str)> = claimants
        .iter()
        .filter_map(|&i| {
            let p = &prepared[i];
            match (&p.id, &p.nik_hmac, &p.enrollment) {
                (Some(id), Some(nik_hmac), Some(e)) => {
                    Some((i, id.as_str(), nik_hmac.as_str(), e.nik.as_str()))
                }
                _ => None,
            }
        })
        .collect();
    if claimants.is_empty() {
        return Ok(Vec::new());
    }
    let tag_key: Vec<u8> = sqlx::query_scalar("SELECT tag_key FROM branches WHERE code = $1")
        .bind(&device.branch)
        .fetch_one(&mut *conn)
        .await?;

    let mut offered: Vec<(&str, &str)> = Vec::with_capacity(claimants.len());
    for &(_, id, nik_hmac, _) in &claimants {
        if offered.last().map(|(last, _)| *last) != Some(nik_hmac) {
            offered.push((nik_hmac, id));
        }
    }
    // The owner (branch, record) of every NIK offered here: ours when every claim took,
    // otherwise read back (what the unique key let in is what the table holds).
    let mut owners: HashMap<String, (String, String)> = HashMap::with_capacity(offered.len());
    for chunk in offered.chunks(MAX_ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO nik_claims (nik_hmac, branch, record_id, claimed_ms) VALUES {}
             ON CONFLICT (nik_hmac) DO NOTHING",
            values_list(backend, chunk.len(), 4, 0)
        );
        let mut query = sqlx::query(&sql);
        for (nik_hmac, id) in chunk {
            query = query
                .bind(*nik_hmac)
                .bind(&device.branch)
                .bind(*id)
                .bind(now);
        }
        let done = query.execute(&mut *conn).await?;
        if done.rows_affected() == chunk.len() as u64 {
            for (nik_hmac, id) in chunk {
                owners.insert(
                    nik_hmac.to_string(),
                    (device.branch.clone(), id.to_string()),
                );
            }
            continue;
        }
        let sql = format!(
            "SELECT nik_hmac, branch, record_id FROM nik_claims WHERE nik_hmac IN ({})",
            param_list(backend, chunk.len(), 0)
        );
        let mut query = sqlx::query(&sql);
        for (nik_hmac, _) in chunk {
            query = query.bind(*nik_hmac);
        }
        for row in query.fetch_all(&mut *conn).await? {
            owners.insert(
                col(&row, "nik_hmac")?,
                (col(&row, "branch")?, col(&row, "record_id")?),
            );
        }
    }

    let tags: BTreeSet<[u8; perisai_core::protocol::downsync::NIK_TAG_LEN]> = claimants
        .iter()
        .map(|&(_, _, _, nik)| perisai_core::protocol::downsync::nik_tag24(&tag_key, nik))
        .collect();
    let tags: Vec<_> = tags.into_iter().collect();
    for chunk in tags.chunks(MAX_ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO nik_tags (branch, tag, created_ms) VALUES {}
             ON CONFLICT (branch, tag) DO NOTHING",
            values_list(backend, chunk.len(), 3, 0)
        );
        let mut query = sqlx::query(&sql);
        for tag in chunk {
            query = query.bind(&device.branch).bind(tag.as_slice()).bind(now);
        }
        query.execute(&mut *conn).await?;
    }

    let mut duplicates: Vec<(usize, &str, &str, &(String, String))> = Vec::new();
    for &(i, id, nik_hmac, _) in &claimants {
        let owner = owners.get(nik_hmac).ok_or_else(|| {
            tracing::error!("a NIK claim that was not inserted is not stored either");
            ApiError::internal()
        })?;
        if !(owner.0 == device.branch && owner.1 == id) {
            duplicates.push((i, id, nik_hmac, owner));
        }
    }
    for chunk in duplicates.chunks(MAX_ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO duplicate_queue (branch, record_id, nik_hmac, other_branch, other_record_id, created_ms)
             VALUES {} ON CONFLICT (branch, record_id) DO NOTHING",
            values_list(backend, chunk.len(), 6, 0)
        );
        let mut query = sqlx::query(&sql);
        for (_, id, nik_hmac, (other_branch, other_record)) in chunk {
            query = query
                .bind(&device.branch)
                .bind(*id)
                .bind(*nik_hmac)
                .bind(other_branch.as_str())
                .bind(other_record.as_str())
                .bind(now);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(duplicates
        .into_iter()
        .map(|(i, ..)| {
            (
                i,
                FieldCode {
                    field: "nik".into(),
                    code: "nik.duplicate_known".into(),
                },
            )
        })
        .collect())
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
