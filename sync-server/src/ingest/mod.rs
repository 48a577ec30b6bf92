//! Storing a batch that continues a device's chain: the batch row, every record, NIK claims,
//! duplicate-queue entries, NIK tags, fraud signals, the chain head and the signed per-record
//! acknowledgement, all in ONE transaction (ARCHITECTURE.md §4, "otherwise: 200").
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

mod claims;
mod corrections;
mod enrollments;
pub mod fraud;
pub mod group;
pub mod records;
mod write;

use std::collections::HashSet;
use std::sync::Arc;

use axum::body::Bytes;
use chrono::NaiveDate;
use perisai_domain::protocol::batch::{BatchError, FrozenBatch};
use perisai_domain::protocol::envelope::SignedEnvelope;
use perisai_domain::protocol::messages::{FieldCode, RecordResult};
use sqlx::AnyConnection;

use crate::db::devices::Device;
use crate::db::{col, Backend, Db};
use crate::error::ApiError;
use crate::keys::ServerKeys;
use crate::service::rules::RulesInForce;
use corrections::CORRECTABLE_BY_AGENT;
use records::{Prepared, ServerLookups};
use write::write;

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
