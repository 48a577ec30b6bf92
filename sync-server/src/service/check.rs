//! `admin check`: is the database consistent? What the crash, restore and slow-link tests run
//! after the fact, and what an operator runs after a crash, a restore or a disk scare.
//!
//! What it checks, reading everything and changing nothing:
//! - **engine** (SQLite only): `PRAGMA integrity_check` and `PRAGMA foreign_key_check`.
//!   PostgreSQL keeps its own pages consistent (WAL); nothing is run there.
//! - **chains**: for every device, its stored batches are seq 1, 2, … without a gap up to the
//!   device's `last_seq`; each batch's header hashes to its `batch_hash`, names the device and
//!   the seq of its row, links to the previous batch's hash (the genesis hash for seq 1), and is
//!   signed by the device's key; the device's `head_hash` is its last batch's hash.
//! - **acks**: every stored batch has its acknowledgement, for that device, seq and batch hash,
//!   signed by a server signing key the database knows (the current one, or one before a
//!   rotation: stored acknowledgements keep the key that signed them until they are replayed).
//! - **records**: every enrollment belongs to a stored batch of its device that was decoded
//!   (`stored`), a batch holds no more records than it declared, and every NIK claim points to a
//!   stored enrollment.
//!
//! The report names devices, seqs and record ids, never personal data.

use perisai_domain::protocol::batch::BatchHeader;
use perisai_domain::protocol::envelope::SignedEnvelope;
use perisai_domain::protocol::labels::{LABEL_ACK, LABEL_BATCH};
use perisai_domain::protocol::messages::Ack;
use perisai_domain::protocol::{genesis_hash, sha256_hex};
use perisai_domain::signer::{self};
use serde::Serialize;
use sqlx::any::AnyRow;

use super::Result;
use crate::db::{col, Backend, Db};
use crate::keys::ServerKeys;

/// At most this many problems are listed (the counts stay exact).
const LISTED_PROBLEMS: usize = 200;

/// What `admin check` found.
#[derive(Debug, Default, Serialize)]
pub struct CheckReport {
    pub ok: bool,
    pub devices: u64,
    pub batches: u64,
    pub enrollments: u64,
    /// Acknowledgements signed (and verified) under an earlier signing key of a rotation.
    pub acks_under_earlier_keys: u64,
    pub problem_count: u64,
    pub problems: Vec<Problem>,
}

/// One inconsistency: a stable code and where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_id: Option<String>,
    pub detail: String,
}

impl CheckReport {
    fn problem(&mut self, problem: Problem) {
        self.problem_count += 1;
        if self.problems.len() < LISTED_PROBLEMS {
            self.problems.push(problem);
        }
    }

    fn at(&mut self, code: &'static str, device: &str, seq: Option<i64>, detail: String) {
        self.problem(Problem {
            code,
            device_id: Some(device.to_string()),
            seq,
            record_id: None,
            detail,
        });
    }
}

/// Runs every check; `ok` is true when no problem was found.
pub async fn check(db: &Db, keys: &ServerKeys) -> Result<CheckReport> {
    let mut report = CheckReport::default();
    if db.backend() == Backend::Sqlite {
        check_engine(db, &mut report).await?;
    }
    let signing_keys = known_signing_keys(db, keys).await?;
    check_chains(db, &signing_keys, &mut report).await?;
    check_records(db, &mut report).await?;
    report.ok = report.problem_count == 0;
    Ok(report)
}

async fn check_engine(db: &Db, report: &mut CheckReport) -> Result<()> {
    let rows = sqlx::query("PRAGMA integrity_check")
        .fetch_all(db.pool())
        .await?;
    for row in rows {
        let line: String = sqlx::Row::try_get(&row, 0)?;
        if line != "ok" {
            report.problem(engine_problem("engine.integrity", line));
        }
    }
    let broken = sqlx::query("PRAGMA foreign_key_check")
        .fetch_all(db.pool())
        .await?;
    for row in broken {
        let table: String = sqlx::Row::try_get(&row, 0)?;
        report.problem(engine_problem(
            "engine.foreign_key",
            format!("a row of {table} points to a missing row"),
        ));
    }
    Ok(())
}

fn engine_problem(code: &'static str, detail: String) -> Problem {
    Problem {
        code,
        device_id: None,
        seq: None,
        record_id: None,
        detail,
    }
}

/// A device's row: what its chain must end at.
struct DeviceHead {
    id: String,
    branch: String,
    public_key: Vec<u8>,
    last_seq: i64,
    head_hash: String,
}

/// The server's signing keys by fingerprint, the current one first: from the key book of
/// rotations when the database has one, else the key folder's key.
async fn known_signing_keys(db: &Db, keys: &ServerKeys) -> Result<Vec<(String, Vec<u8>)>> {
    let mut known = vec![(keys.fingerprint(), keys.public_key())];
    let mut conn = db.pool().acquire().await?;
    if let Some(book) = crate::keys::rotation::BookRows::read(&mut conn)
        .await?
        .book()?
    {
        for entry in &book.keys {
            if let Some(public_key) = book.public_key(&entry.fingerprint) {
                if entry.fingerprint != known[0].0 {
                    known.push((entry.fingerprint.clone(), public_key));
                }
            }
        }
    }
    Ok(known)
}

async fn check_chains(
    db: &Db,
    signing_keys: &[(String, Vec<u8>)],
    report: &mut CheckReport,
) -> Result<()> {
    let devices =
        sqlx::query("SELECT id, branch, public_key, last_seq, head_hash FROM devices ORDER BY id")
            .fetch_all(db.pool())
            .await?
            .iter()
            .map(|row| {
                Ok(DeviceHead {
                    id: col(row, "id")?,
                    branch: col(row, "branch")?,
                    public_key: col(row, "public_key")?,
                    last_seq: col(row, "last_seq")?,
                    head_hash: col(row, "head_hash")?,
                })
            })
            .collect::<std::result::Result<Vec<_>, sqlx::Error>>()?;
    report.devices = devices.len() as u64;
    for device in &devices {
        // One device at a time: memory stays bounded by the longest chain, not the database.
        let batches = sqlx::query(
            "SELECT seq, batch_hash, prev_hash, header, signature, ack FROM batches
             WHERE branch = $1 AND device_id = $2 ORDER BY seq",
        )
        .bind(&device.branch)
        .bind(&device.id)
        .fetch_all(db.pool())
        .await?;
        report.batches += batches.len() as u64;
        check_chain(device, &batches, signing_keys, report)?;
    }
    let orphans: i64 = sqlx::Row::try_get(
        &sqlx::query(
            "SELECT COUNT(*) AS n FROM batches b
             WHERE NOT EXISTS (SELECT 1 FROM devices d
                               WHERE d.id = b.device_id AND d.branch = b.branch)",
        )
        .fetch_one(db.pool())
        .await?,
        "n",
    )?;
    if orphans > 0 {
        report.problem(engine_problem(
            "chain.unknown_device",
            format!("{orphans} batches belong to no known device of their branch"),
        ));
    }
    Ok(())
}

fn check_chain(
    device: &DeviceHead,
    batches: &[AnyRow],
    signing_keys: &[(String, Vec<u8>)],
    report: &mut CheckReport,
) -> Result<()> {
    let mut expected_prev = genesis_hash(&device.id);
    let mut expected_seq = 1_i64;
    for row in batches {
        let seq: i64 = col(row, "seq")?;
        let batch_hash: String = col(row, "batch_hash")?;
        let prev_hash: String = col(row, "prev_hash")?;
        let header: Vec<u8> = col(row, "header")?;
        let signature: Vec<u8> = col(row, "signature")?;
        let ack: String = col(row, "ack")?;
        let id = device.id.as_str();
        if seq != expected_seq {
            report.at(
                "chain.gap",
                id,
                Some(seq),
                format!("seq {expected_seq} expected"),
            );
        }
        if prev_hash != expected_prev {
            report.at(
                "chain.link",
                id,
                Some(seq),
                "prev_hash is not the previous batch's hash".into(),
            );
        }
        if sha256_hex(&header) != batch_hash {
            report.at(
                "chain.hash",
                id,
                Some(seq),
                "the header does not hash to batch_hash".into(),
            );
        }
        match serde_json::from_slice::<BatchHeader>(&header) {
            Ok(h)
                if h.device_id == device.id && h.seq as i64 == seq && h.prev_hash == prev_hash => {}
            _ => report.at(
                "chain.header",
                id,
                Some(seq),
                "the header is undecodable or disagrees with its row".into(),
            ),
        }
        if !signer::verify_in_context(&device.public_key, LABEL_BATCH, &header, &signature) {
            report.at(
                "chain.signature",
                id,
                Some(seq),
                "the device's signature does not verify".into(),
            );
        }
        check_ack(device, seq, &batch_hash, &ack, signing_keys, report);
        expected_prev = batch_hash;
        expected_seq = seq + 1;
    }
    if expected_seq - 1 != device.last_seq {
        report.at(
            "chain.head_seq",
            &device.id,
            Some(device.last_seq),
            format!(
                "the device's last_seq, but {} batches are stored",
                expected_seq - 1
            ),
        );
    }
    if expected_prev != device.head_hash {
        report.at(
            "chain.head_hash",
            &device.id,
            None,
            "the device's head_hash is not its last batch's hash".into(),
        );
    }
    Ok(())
}

fn check_ack(
    device: &DeviceHead,
    seq: i64,
    batch_hash: &str,
    ack: &str,
    signing_keys: &[(String, Vec<u8>)],
    report: &mut CheckReport,
) {
    let Ok(envelope) = serde_json::from_str::<SignedEnvelope>(ack) else {
        report.at(
            "ack.missing",
            &device.id,
            Some(seq),
            "no readable acknowledgement stored".into(),
        );
        return;
    };
    let Some(index) = signing_keys.iter().position(|(f, _)| *f == envelope.key) else {
        report.at(
            "ack.unknown_key",
            &device.id,
            Some(seq),
            "signed under a key the server never had".into(),
        );
        return;
    };
    if index > 0 {
        report.acks_under_earlier_keys += 1;
    }
    let payload: std::result::Result<Ack, _> = envelope.open(LABEL_ACK, &signing_keys[index].1);
    match payload {
        Ok(a) if a.device_id == device.id && a.seq as i64 == seq && a.batch_hash == batch_hash => {}
        Ok(_) => report.at(
            "ack.mismatch",
            &device.id,
            Some(seq),
            "the acknowledgement is for another batch".into(),
        ),
        Err(_) => report.at(
            "ack.signature",
            &device.id,
            Some(seq),
            "the acknowledgement's signature does not verify".into(),
        ),
    }
}

async fn check_records(db: &Db, report: &mut CheckReport) -> Result<()> {
    let count = |sql: &'static str| async move {
        let row = sqlx::query(sql).fetch_one(db.pool()).await?;
        sqlx::Row::try_get::<i64, _>(&row, "n")
    };
    report.enrollments = count("SELECT COUNT(*) AS n FROM enrollments").await? as u64;
    let homeless = sqlx::query(
        "SELECT e.id FROM enrollments e
         WHERE NOT EXISTS (SELECT 1 FROM batches b
                           WHERE b.branch = e.branch AND b.device_id = e.device_id
                             AND b.seq = e.batch_seq AND b.outcome = 'stored')
         LIMIT 200",
    )
    .fetch_all(db.pool())
    .await?;
    for row in homeless {
        report.problem(Problem {
            code: "record.no_batch",
            device_id: None,
            seq: None,
            record_id: Some(col(&row, "id")?),
            detail: "the record's batch is not stored (or was refused whole)".into(),
        });
    }
    let overfull = sqlx::query(
        "SELECT b.device_id, b.seq FROM batches b
         WHERE (SELECT COUNT(*) FROM enrollments e
                WHERE e.branch = b.branch AND e.device_id = b.device_id
                  AND e.batch_seq = b.seq) > b.record_count
         LIMIT 200",
    )
    .fetch_all(db.pool())
    .await?;
    for row in overfull {
        let device: String = col(&row, "device_id")?;
        report.at(
            "record.overfull_batch",
            &device,
            Some(col(&row, "seq")?),
            "more records stored than the batch declared".into(),
        );
    }
    let dangling = count(
        "SELECT COUNT(*) AS n FROM nik_claims c
         WHERE NOT EXISTS (SELECT 1 FROM enrollments e
                           WHERE e.branch = c.branch AND e.id = c.record_id)",
    )
    .await?;
    if dangling > 0 {
        report.problem(engine_problem(
            "record.dangling_claim",
            format!("{dangling} NIK claims point to no stored record"),
        ));
    }
    Ok(())
}
