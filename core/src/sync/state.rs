//! What the store keeps for sync (schema version 3, see [`crate::store`]): the device's identity
//! and chain head, the frozen batches, the branch's NIK tags and the rule-set updates; since
//! version 5, the server key a rotation announced (`server_key_next`).
//!
//! Every function takes the connection of a transaction the caller holds, so the sync client
//! can change records and its own bookkeeping together (freeze + `mark_sent`; an
//! acknowledgement's record outcomes + the batch's `acked_at`; a downsync page + its cursor).
//!
//! Sealing: a frozen batch holds personal data, so its bytes are sealed like record content
//! (AES-256-GCM under the store's data key), under the ids `sync/batch/<device>/<seq>`; the
//! branch's NIK-tag key is sealed under `sync/nik-tag-key`. Record ids are UUIDs, so these ids
//! never meet a record's.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::error::CoreError;
use crate::protocol::downsync::{nik_tag24, NIK_TAG_LEN};
use crate::protocol::key_fingerprint;
use crate::protocol::rotation::{ServerTrust, TrustChange};
use crate::seal::{Purpose, Sealer};

/// Layout version of a sealed frozen batch (part of its associated data).
const BATCH_SEAL_VERSION: u32 = 1;
/// Layout version of the sealed NIK-tag key.
const TAG_KEY_SEAL_VERSION: u32 = 1;
const TAG_KEY_SEAL_ID: &str = "sync/nik-tag-key";

/// The device as the server bound it, and where its chain stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub device_id: String,
    pub agent_id: String,
    pub branch: String,
    pub server_url: String,
    /// The pinned server public key (65 bytes).
    pub server_key: Vec<u8>,
    /// The device public key the server bound at activation.
    pub device_key: Vec<u8>,
    pub activated_at: String,
    /// `seq` of the next batch to freeze (1 for the first).
    pub next_seq: u64,
    /// `batch_hash` of the last frozen batch; the genesis hash before the first.
    pub prev_hash: String,
    /// The server's latest nonce, for the next signed request.
    pub nonce: Option<String>,
    pub cursor: String,
    pub last_sync_at: Option<String>,
    /// The server told this device its agent is suspended.
    pub suspended: bool,
}

/// What a shell shows about the device's link to the server.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DeviceStatus {
    pub activated: bool,
    pub device_id: Option<String>,
    pub agent_id: Option<String>,
    pub branch: Option<String>,
    pub server_url: Option<String>,
    /// Lowercase hex SHA-256 of the pinned server key.
    pub server_key_fingerprint: Option<String>,
    /// Lowercase hex SHA-256 of the next server key a verified rotation announced, until the
    /// server switches to it and the device re-pins.
    pub server_key_next_fingerprint: Option<String>,
    /// RFC 3339 time of the last sync that reached the end.
    pub last_sync_at: Option<String>,
    /// Frozen batches the server has not acknowledged yet.
    pub unacked_batches: u64,
    /// Records waiting to be frozen into a batch (`queued`).
    pub queued_records: u64,
    pub suspended: bool,
}

/// A frozen batch as kept on the device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeptBatch {
    pub seq: u64,
    pub batch_hash: String,
    /// Records in it (tombstones included).
    pub record_count: u32,
    /// The exact bytes to send.
    pub bytes: Vec<u8>,
    pub acked: bool,
}

/// The `records.batch` label of a frozen batch: device and seq (a re-activated device starts a
/// new chain at seq 1, under a new device id).
pub fn batch_label(device_id: &str, seq: u64) -> String {
    format!("{device_id}:{seq}")
}

fn batch_seal_id(device_id: &str, seq: u64) -> String {
    format!("sync/batch/{device_id}/{seq}")
}

fn to_i64(n: u64, what: &str) -> Result<i64, CoreError> {
    i64::try_from(n).map_err(|_| CoreError::Store(format!("{what} out of range")))
}

fn to_u64(n: i64, what: &str) -> Result<u64, CoreError> {
    u64::try_from(n).map_err(|_| CoreError::Store(format!("negative {what}")))
}

/// The identity, once the device is activated.
pub fn identity(conn: &Connection) -> Result<Option<Identity>, CoreError> {
    let row = conn
        .query_row(
            "SELECT device_id, agent_id, branch, server_url, server_key, device_key, activated_at,
                    next_seq, prev_hash, nonce, cursor, last_sync_at, suspended
             FROM sync_identity WHERE id = 1",
            [],
            |r| {
                Ok((
                    Identity {
                        device_id: r.get(0)?,
                        agent_id: r.get(1)?,
                        branch: r.get(2)?,
                        server_url: r.get(3)?,
                        server_key: r.get(4)?,
                        device_key: r.get(5)?,
                        activated_at: r.get(6)?,
                        next_seq: 0,
                        prev_hash: r.get(8)?,
                        nonce: r.get(9)?,
                        cursor: r.get(10)?,
                        last_sync_at: r.get(11)?,
                        suspended: r.get(12)?,
                    },
                    r.get::<_, i64>(7)?,
                ))
            },
        )
        .optional()?;
    row.map(|(mut identity, next_seq)| {
        identity.next_seq = to_u64(next_seq, "next seq")?;
        Ok(identity)
    })
    .transpose()
}

/// The identity, or [`CoreError::NotActivated`].
pub fn require_identity(conn: &Connection) -> Result<Identity, CoreError> {
    identity(conn)?.ok_or(CoreError::NotActivated)
}

/// Stores a new identity (replacing an earlier one) with its chain at the start. The row is
/// replaced whole: a new activation trusts only the key it pinned (`server_key_next` is NULL).
pub fn save_identity(conn: &Connection, id: &Identity) -> Result<(), CoreError> {
    conn.execute(
        "INSERT OR REPLACE INTO sync_identity (id, device_id, agent_id, branch, server_url,
                server_key, device_key, activated_at, next_seq, prev_hash, nonce, cursor,
                tag_key_id, tag_key, last_sync_at, suspended)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, NULL, NULL, ?12, ?13)",
        params![
            id.device_id,
            id.agent_id,
            id.branch,
            id.server_url,
            id.server_key,
            id.device_key,
            id.activated_at,
            to_i64(id.next_seq, "next seq")?,
            id.prev_hash,
            id.nonce,
            id.cursor,
            id.last_sync_at,
            id.suspended,
        ],
    )?;
    Ok(())
}

/// The server keys this device trusts now (read afresh for every answer: a sync may re-pin).
pub fn server_trust(conn: &Connection) -> Result<ServerTrust, CoreError> {
    let (pinned, next) = conn
        .query_row(
            "SELECT server_key, server_key_next FROM sync_identity WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or(CoreError::NotActivated)?;
    Ok(ServerTrust { pinned, next })
}

/// Applies what a taken answer changed in the trust: keeps an announced key as next, or pins
/// the key the answer was signed by and forgets the next one.
pub fn apply_trust_change(conn: &Connection, change: &TrustChange) -> Result<(), CoreError> {
    match change {
        TrustChange::Keep => {}
        TrustChange::LearnNext(key) => {
            conn.execute(
                "UPDATE sync_identity SET server_key_next = ?1 WHERE id = 1",
                [key],
            )?;
        }
        TrustChange::Repin(key) => {
            conn.execute(
                "UPDATE sync_identity SET server_key = ?1, server_key_next = NULL WHERE id = 1",
                [key],
            )?;
        }
    }
    Ok(())
}

/// Keeps the server's latest nonce (from an acknowledgement or a signed response).
pub fn set_nonce(conn: &Connection, nonce: &str) -> Result<(), CoreError> {
    conn.execute("UPDATE sync_identity SET nonce = ?1 WHERE id = 1", [nonce])?;
    Ok(())
}

/// Forgets the nonce before a signed request spends it: a request whose answer is lost has
/// still used it up on the server, so the next request asks for a fresh one.
pub fn set_nonce_used(conn: &Connection) -> Result<(), CoreError> {
    conn.execute("UPDATE sync_identity SET nonce = NULL WHERE id = 1", [])?;
    Ok(())
}

/// Moves the downsync cursor (with the page it ends, in the same transaction).
pub fn set_cursor(conn: &Connection, cursor: &str) -> Result<(), CoreError> {
    conn.execute(
        "UPDATE sync_identity SET cursor = ?1 WHERE id = 1",
        [cursor],
    )?;
    Ok(())
}

pub fn set_last_sync(conn: &Connection, at: &str) -> Result<(), CoreError> {
    conn.execute(
        "UPDATE sync_identity SET last_sync_at = ?1 WHERE id = 1",
        [at],
    )?;
    Ok(())
}

pub fn set_suspended(conn: &Connection, suspended: bool) -> Result<(), CoreError> {
    conn.execute(
        "UPDATE sync_identity SET suspended = ?1 WHERE id = 1",
        [suspended],
    )?;
    Ok(())
}

/// Advances the chain head after freezing batch `seq` with hash `batch_hash`.
pub fn advance_chain(conn: &Connection, seq: u64, batch_hash: &str) -> Result<(), CoreError> {
    let next = seq
        .checked_add(1)
        .ok_or_else(|| CoreError::Store("batch sequence exhausted".into()))?;
    conn.execute(
        "UPDATE sync_identity SET next_seq = ?1, prev_hash = ?2 WHERE id = 1",
        params![to_i64(next, "next seq")?, batch_hash],
    )?;
    Ok(())
}

/// Keeps a frozen batch, sealed.
pub fn insert_batch(
    conn: &Connection,
    sealer: &Sealer,
    device_id: &str,
    batch: &KeptBatch,
    frozen_at: &str,
) -> Result<(), CoreError> {
    let sealed = sealer.seal(
        Purpose::Record,
        &batch_seal_id(device_id, batch.seq),
        BATCH_SEAL_VERSION,
        &batch.bytes,
    )?;
    conn.execute(
        "INSERT INTO sync_batches (seq, batch_hash, record_count, bytes, frozen_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            to_i64(batch.seq, "seq")?,
            batch.batch_hash,
            batch.record_count,
            sealed,
            frozen_at
        ],
    )?;
    Ok(())
}

fn read_batches(
    conn: &Connection,
    sealer: &Sealer,
    device_id: &str,
    sql: &str,
    arg: i64,
) -> Result<Vec<KeptBatch>, CoreError> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([arg], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, u32>(2)?,
            r.get::<_, Vec<u8>>(3)?,
            r.get::<_, bool>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, batch_hash, record_count, sealed, acked) = row?;
        let seq = to_u64(seq, "seq")?;
        let bytes = sealer.open(
            Purpose::Record,
            &batch_seal_id(device_id, seq),
            BATCH_SEAL_VERSION,
            &sealed,
        )?;
        out.push(KeptBatch {
            seq,
            batch_hash,
            record_count,
            bytes: bytes.to_vec(),
            acked,
        });
    }
    Ok(out)
}

/// Frozen batches not acknowledged yet, in `seq` order.
pub fn unacked_batches(
    conn: &Connection,
    sealer: &Sealer,
    device_id: &str,
) -> Result<Vec<KeptBatch>, CoreError> {
    read_batches(
        conn,
        sealer,
        device_id,
        "SELECT seq, batch_hash, record_count, bytes, acked_at IS NOT NULL FROM sync_batches
         WHERE acked_at IS NULL AND seq >= ?1 ORDER BY seq",
        0,
    )
}

/// Every kept batch from `seq` on, in order (to resend after a server restore).
pub fn batches_from(
    conn: &Connection,
    sealer: &Sealer,
    device_id: &str,
    seq: u64,
) -> Result<Vec<KeptBatch>, CoreError> {
    read_batches(
        conn,
        sealer,
        device_id,
        "SELECT seq, batch_hash, record_count, bytes, acked_at IS NOT NULL FROM sync_batches
         WHERE seq >= ?1 ORDER BY seq",
        to_i64(seq, "seq")?,
    )
}

/// The lowest kept `seq` (older ones were dropped after the retention period).
pub fn oldest_kept_seq(conn: &Connection) -> Result<Option<u64>, CoreError> {
    let seq: Option<i64> = conn.query_row("SELECT MIN(seq) FROM sync_batches", [], |r| r.get(0))?;
    seq.map(|s| to_u64(s, "seq")).transpose()
}

pub fn count_unacked(conn: &Connection) -> Result<u64, CoreError> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM sync_batches WHERE acked_at IS NULL",
        [],
        |r| r.get(0),
    )?;
    to_u64(n, "count")
}

/// Records the verified acknowledgement of batch `seq` (kept as the server signed it).
pub fn mark_batch_acked(
    conn: &Connection,
    seq: u64,
    ack: &[u8],
    at_unix: i64,
) -> Result<(), CoreError> {
    conn.execute(
        "UPDATE sync_batches SET acked_at = ?2, ack = ?3 WHERE seq = ?1",
        params![to_i64(seq, "seq")?, at_unix, ack],
    )?;
    Ok(())
}

/// The ids and states of the records a batch carried.
pub fn batch_records(
    conn: &Connection,
    label: &str,
) -> Result<Vec<(String, crate::queue::RecordState)>, CoreError> {
    let mut stmt = conn.prepare("SELECT id, state FROM records WHERE batch = ?1")?;
    let rows = stmt.query_map([label], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, state) = row?;
        out.push((id, crate::queue::RecordState::parse(&state)?));
    }
    Ok(out)
}

/// Drops acknowledged batches older than the retention (their bytes are personal data).
/// Returns how many were dropped.
pub fn drop_expired_batches(conn: &Connection, cutoff_unix: i64) -> Result<usize, CoreError> {
    Ok(conn.execute(
        "DELETE FROM sync_batches WHERE acked_at IS NOT NULL AND acked_at <= ?1",
        [cutoff_unix],
    )?)
}

/// Replaces the branch's NIK-tag key. A new key makes the old tags meaningless: they are dropped
/// (the server sends the list under the new key).
pub fn set_tag_key(
    conn: &Connection,
    sealer: &Sealer,
    key_id: &str,
    key: &[u8],
) -> Result<(), CoreError> {
    let current: Option<String> = conn
        .query_row(
            "SELECT tag_key_id FROM sync_identity WHERE id = 1",
            [],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    if current.as_deref() == Some(key_id) {
        return Ok(());
    }
    let sealed = sealer.seal(Purpose::Record, TAG_KEY_SEAL_ID, TAG_KEY_SEAL_VERSION, key)?;
    conn.execute(
        "UPDATE sync_identity SET tag_key_id = ?1, tag_key = ?2 WHERE id = 1",
        params![key_id, sealed],
    )?;
    conn.execute("DELETE FROM sync_nik_tags", [])?;
    Ok(())
}

/// The branch's NIK-tag key id, if the server sent one.
pub fn tag_key_id(conn: &Connection) -> Result<Option<String>, CoreError> {
    Ok(conn
        .query_row(
            "SELECT tag_key_id FROM sync_identity WHERE id = 1",
            [],
            |r| r.get(0),
        )
        .optional()?
        .flatten())
}

/// The branch's NIK-tag key, unsealed.
pub fn tag_key(
    conn: &Connection,
    sealer: &Sealer,
) -> Result<Option<zeroize::Zeroizing<Vec<u8>>>, CoreError> {
    let sealed: Option<Vec<u8>> = conn
        .query_row("SELECT tag_key FROM sync_identity WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()?
        .flatten();
    sealed
        .map(|blob| {
            sealer.open(
                Purpose::Record,
                TAG_KEY_SEAL_ID,
                TAG_KEY_SEAL_VERSION,
                &blob,
            )
        })
        .transpose()
        .map_err(CoreError::from)
}

/// Adds tags (concatenated 3-byte values). A trailing partial tag is refused.
pub fn add_tags(conn: &Connection, tags: &[u8]) -> Result<usize, CoreError> {
    if !tags.len().is_multiple_of(NIK_TAG_LEN) {
        return Err(CoreError::SyncServerKey("NIK tag list has a partial tag"));
    }
    let mut stmt = conn.prepare("INSERT OR IGNORE INTO sync_nik_tags (tag) VALUES (?1)")?;
    let mut added = 0;
    for tag in tags.chunks_exact(NIK_TAG_LEN) {
        added += stmt.execute([tag])?;
    }
    Ok(added)
}

/// States in which the server has seen (and may have tagged) a record of this device.
const SEEN_BY_SERVER: &str = "'sent','accepted','flagged','approved','has_issues','rejected',\
     'rejected_by_review','superseded','purged'";

/// Whether the branch's tag list holds this normalized NIK's tag, leaving out a hit explained
/// by one of this device's own records (the server tags every NIK it accepts, so a correction
/// would otherwise warn about its own participant). A hit is only a warning: the server does
/// the exact check.
pub fn known_nik(
    conn: &Connection,
    sealer: &Sealer,
    normalized_nik: &str,
) -> Result<bool, CoreError> {
    let Some(key) = tag_key(conn, sealer)? else {
        return Ok(false);
    };
    let tag = nik_tag24(&key, normalized_nik);
    let listed: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM sync_nik_tags WHERE tag = ?1",
            [&tag[..]],
            |r| r.get(0),
        )
        .optional()?;
    if listed.is_none() {
        return Ok(false);
    }
    let own: Option<i64> = conn
        .query_row(
            &format!(
                "SELECT 1 FROM records WHERE nik_tag = ?1 AND state IN ({SEEN_BY_SERVER}) LIMIT 1"
            ),
            [sealer.nik_tag(normalized_nik)],
            |r| r.get(0),
        )
        .optional()?;
    Ok(own.is_none())
}

/// Rule-set updates kept from the server (JSON documents), oldest first.
pub fn stored_rule_sets(conn: &Connection) -> Result<Vec<String>, CoreError> {
    let mut stmt = conn.prepare("SELECT body FROM sync_rule_sets ORDER BY received_at, id")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn store_rule_set(conn: &Connection, id: &str, body: &str, at: &str) -> Result<(), CoreError> {
    conn.execute(
        "INSERT OR REPLACE INTO sync_rule_sets (id, body, received_at) VALUES (?1, ?2, ?3)",
        params![id, body, at],
    )?;
    Ok(())
}

/// Erases everything a revoked device held: every record (content, cards, notes, drafts,
/// tombstones), the frozen batches, the identity with the sealed tag key, the tags and the rule
/// sets. `secure_delete` zeroes the freed pages; the caller checkpoints the WAL after commit.
pub fn wipe(conn: &Connection) -> Result<(), CoreError> {
    conn.execute_batch(
        "DELETE FROM records;
         DELETE FROM sync_batches;
         DELETE FROM sync_nik_tags;
         DELETE FROM sync_rule_sets;
         DELETE FROM sync_identity;
         DELETE FROM statements;
         DELETE FROM cash;",
    )?;
    Ok(())
}

/// The status a shell shows.
pub fn device_status(conn: &Connection) -> Result<DeviceStatus, CoreError> {
    let queued: i64 = conn.query_row(
        "SELECT count(*) FROM records WHERE state = 'queued'",
        [],
        |r| r.get(0),
    )?;
    let queued_records = to_u64(queued, "count")?;
    Ok(match identity(conn)? {
        None => DeviceStatus {
            queued_records,
            ..DeviceStatus::default()
        },
        Some(id) => DeviceStatus {
            activated: true,
            server_key_fingerprint: Some(key_fingerprint(&id.server_key)),
            server_key_next_fingerprint: server_trust(conn)?
                .next
                .map(|next| key_fingerprint(&next)),
            device_id: Some(id.device_id),
            agent_id: Some(id.agent_id),
            branch: Some(id.branch),
            server_url: Some(id.server_url),
            last_sync_at: id.last_sync_at,
            unacked_batches: count_unacked(conn)?,
            queued_records,
            suspended: id.suspended,
        },
    })
}
