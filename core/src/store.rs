//! The device's encrypted SQLite file: opening it, its settings, and its migration ladder.
//!
//! Use [`Store::open`]; it returns a [`Store`] whose connection is at [`SCHEMA_VERSION`] and whose
//! [`Sealer`] holds the unwrapped data key. What records *do* (submit, withdraw, purge...) is in
//! [`crate::queue`]; this module only makes sure the file is the right one, at the right version,
//! with the right settings:
//!
//! - WAL journal, `secure_delete=ON` (deleted ciphertext is overwritten, not just unlinked),
//!   foreign keys on, a busy timeout, and `synchronous=FULL` so a submit that returned survives a
//!   power cut (`fsync: false` switches to `NORMAL`, only for benchmark comparisons).
//! - Opening is read-only until the file is known to be ours and usable: a file from a newer app
//!   version is refused with [`CoreError::StoreTooNew`], and a data key the vault cannot unwrap
//!   is refused with [`CoreError::Crypto`], both before anything is written.
//! - Nothing at open scans the records table, so opening costs the same with 100,000 records.
//!
//! ## Migrations
//!
//! After mozilla/application-services' `open_database.rs`: a small [`Migrations`] trait
//! (`prepare`, `init`, `upgrade_from`, `finish`) drives [`open_database`]. `user_version` is the
//! schema version. A new file gets `init` (the version-1 schema and a fresh data key) and then
//! climbs the same ladder as every old file, so there is one way to reach the current schema. All
//! steps run in one IMMEDIATE transaction: a failed step leaves the file exactly as it was.
//!
//! | version | what it is |
//! |---|---|
//! | 1 | `meta` (the wrapped data key) and `records`: clear id, state, receipt number, times, NIK tag; sealed content |
//! | 2 | participant cards (sealed, built for existing records by unsealing them), supervisor notes, batch, server outcome, confirmation time, payment flag, purge bookkeeping |
//! | 3 | sync: the device identity and chain head (`sync_identity`, one row once activated), frozen batches (sealed, kept for resending), the branch's NIK tags, rule-set updates from the server |
//! | 4 | incentives (see `crate::incentive::device`): commission statements from downsync (sealed, one per month) and the cash the agent recorded (amounts sealed, sent flag) |
//! | 5 | server key rotation (see `crate::protocol::rotation`): `sync_identity.server_key_next`, the next server key a verified rotation announced |
//!
//! To add version 6: write `upgrade_5_to_6`, call it from `upgrade_from(5)`, bump
//! [`SCHEMA_VERSION`], and commit a version-5 file under `core/tests/fixtures/` made by a
//! generator test in this module (as `store-v1.db` to `store-v4.db` were), so the upgrade is
//! tested from a real old file.

use std::path::Path;
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

use crate::content::{Card, RecordContent};
use crate::error::CoreError;
use crate::seal::{DataKey, KeyVault, Sealer};

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: u32 = 5;

/// How long a writer waits for another connection's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How a database reaches its current schema. [`open_database`] calls, in order:
/// `prepare` (connection settings; may read, must not write before the file is known usable),
/// then in one transaction either `init` (a new, empty file) followed by the ladder from version
/// 1, or `upgrade_from(v)` for each `v` from the file's version up to `end_version() - 1`, and at
/// last `finish`.
pub trait Migrations {
    /// The version the ladder ends at.
    fn end_version(&self) -> u32;
    /// Connection settings and read-only checks. `version` is the file's version before any step.
    fn prepare(&mut self, conn: &Connection, version: u32) -> Result<(), CoreError>;
    /// Creates the version-1 schema in an empty file.
    fn init(&mut self, tx: &Transaction<'_>) -> Result<(), CoreError>;
    /// Upgrades from `version` to `version + 1`.
    fn upgrade_from(&mut self, tx: &Transaction<'_>, version: u32) -> Result<(), CoreError>;
    /// Runs after a successful commit (or when nothing had to change).
    fn finish(&mut self, conn: &Connection) -> Result<(), CoreError>;
}

/// Opens (creating it if absent) the database at `path` and brings it to
/// `migrations.end_version()`. A file with a higher `user_version` is refused untouched.
pub fn open_database<M: Migrations>(
    path: &Path,
    migrations: &mut M,
) -> Result<Connection, CoreError> {
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let end = migrations.end_version();
    let version = user_version(&conn)?;
    if version > end {
        return Err(CoreError::StoreTooNew {
            found: version,
            supported: end,
        });
    }
    migrations.prepare(&conn, version)?;
    if version < end {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Read again under the write lock: another process may have migrated meanwhile.
        let mut current = user_version(&tx)?;
        if current > end {
            return Err(CoreError::StoreTooNew {
                found: current,
                supported: end,
            });
        }
        if current < end {
            if current == 0 {
                let objects: i64 =
                    tx.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
                if objects > 0 {
                    return Err(CoreError::Store(
                        "file has tables but no schema version: not a Perisai store".into(),
                    ));
                }
                migrations.init(&tx)?;
                current = 1;
            }
            while current < end {
                migrations.upgrade_from(&tx, current)?;
                current += 1;
            }
            tx.pragma_update(None, "user_version", end)?;
            tx.commit()?;
        }
    }
    migrations.finish(&conn)?;
    Ok(conn)
}

fn user_version(conn: &Connection) -> Result<u32, CoreError> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// The open store: a connection at [`SCHEMA_VERSION`] and the sealer for its data key.
/// Not `Sync`: [`crate::app::AgentApp`] keeps it behind a mutex.
pub struct Store {
    pub(crate) conn: Connection,
    pub(crate) sealer: Sealer,
    /// Write transactions since the last WAL checkpoint (see [`Store::checkpoint`]).
    pub(crate) writes_since_checkpoint: u32,
}

/// SQLite's automatic checkpoint runs inside whichever commit crosses its threshold, which put
/// a checkpoint (and, with `synchronous=FULL`, an fsync of the database file) into roughly one
/// submit in a few hundred: the p99 of submit. We turn it off and checkpoint where nobody
/// waits: at open, at the start of every sync, and after this many write transactions as a
/// safety valve for a device that never syncs (one submit in thousands pays it).
pub(crate) const CHECKPOINT_EVERY_WRITES: u32 = 4_000;

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store(<sealed>)")
    }
}

impl Store {
    /// Opens or creates the store file at `path`, unwrapping (or, for a new file, creating and
    /// wrapping) the data key with `vault`. `fsync: false` trades durability of the last commits
    /// on power loss for speed (`synchronous=NORMAL`); the app default is `true`.
    pub fn open(path: &Path, vault: &dyn KeyVault, fsync: bool) -> Result<Store, CoreError> {
        Self::open_at(path, vault, fsync, SCHEMA_VERSION)
    }

    /// Opens and migrates only up to `target` (tests build old-version files with it).
    fn open_at(
        path: &Path,
        vault: &dyn KeyVault,
        fsync: bool,
        target: u32,
    ) -> Result<Store, CoreError> {
        let mut schema = StoreSchema {
            vault,
            fsync,
            target,
            sealer: None,
        };
        let conn = open_database(path, &mut schema)?;
        let sealer = schema
            .sealer
            .ok_or(CoreError::Crypto("data key not loaded"))?;
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        let mut store = Store {
            conn,
            sealer,
            writes_since_checkpoint: 0,
        };
        store.checkpoint()?;
        Ok(store)
    }

    /// Copies the WAL back into the database file (PASSIVE: never waits for readers). Cheap
    /// when the WAL is small; called off the submit path (open, sync).
    pub fn checkpoint(&mut self) -> Result<(), CoreError> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        self.writes_since_checkpoint = 0;
        Ok(())
    }
}

/// The store's ladder. Holds the vault to load or create the data key, and the sealer once loaded,
/// because upgrade steps may need to unseal and re-seal content (version 2 builds cards).
struct StoreSchema<'a> {
    vault: &'a dyn KeyVault,
    fsync: bool,
    target: u32,
    sealer: Option<Sealer>,
}

const META_WRAPPED_KEY: &str = "wrapped_data_key";

fn load_key(conn: &Connection, vault: &dyn KeyVault) -> Result<Sealer, CoreError> {
    let wrapped: Vec<u8> = conn
        .query_row(
            "SELECT value FROM meta WHERE name = ?1",
            [META_WRAPPED_KEY],
            |r| r.get(0),
        )
        .optional()?
        .ok_or(CoreError::Crypto("store has no data key"))?;
    let key = DataKey::from_bytes(vault.unwrap_key(&wrapped)?)?;
    Ok(Sealer::new(&key))
}

impl StoreSchema<'_> {
    fn sealer(&self) -> Result<&Sealer, CoreError> {
        self.sealer
            .as_ref()
            .ok_or(CoreError::Crypto("data key not loaded"))
    }
}

impl Migrations for StoreSchema<'_> {
    fn end_version(&self) -> u32 {
        self.target
    }

    fn prepare(&mut self, conn: &Connection, version: u32) -> Result<(), CoreError> {
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.pragma_update(None, "secure_delete", true)?;
        conn.pragma_update(
            None,
            "synchronous",
            if self.fsync { "FULL" } else { "NORMAL" },
        )?;
        if version > 0 {
            self.sealer = Some(load_key(conn, self.vault)?);
        }
        // The journal mode is stored in the file, so it is set only once the key has opened:
        // a wrong key must leave the file byte-for-byte as it was.
        let mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(CoreError::Store("WAL journal not available".into()));
        }
        Ok(())
    }

    fn init(&mut self, tx: &Transaction<'_>) -> Result<(), CoreError> {
        tx.execute_batch(SCHEMA_V1)?;
        let key = DataKey::generate()?;
        let wrapped = self.vault.wrap_key(key.as_bytes())?;
        tx.execute(
            "INSERT INTO meta (name, value) VALUES (?1, ?2)",
            params![META_WRAPPED_KEY, wrapped],
        )?;
        self.sealer = Some(Sealer::new(&key));
        Ok(())
    }

    fn upgrade_from(&mut self, tx: &Transaction<'_>, version: u32) -> Result<(), CoreError> {
        match version {
            1 => upgrade_1_to_2(tx, self.sealer()?),
            2 => upgrade_2_to_3(tx),
            3 => upgrade_3_to_4(tx),
            4 => upgrade_4_to_5(tx),
            other => Err(CoreError::Store(format!("no upgrade from version {other}"))),
        }
    }

    fn finish(&mut self, conn: &Connection) -> Result<(), CoreError> {
        // Another process may have created the file between our version read and our write
        // lock; then `init` did not run here and the key is loaded now.
        if self.sealer.is_none() {
            self.sealer = Some(load_key(conn, self.vault)?);
        }
        Ok(())
    }
}

/// Version 1, as first shipped. Only ids, states, times, receipt numbers and NIK tags are clear.
const SCHEMA_V1: &str = "
CREATE TABLE meta (
    name  TEXT PRIMARY KEY NOT NULL,
    value BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE records (
    id              TEXT PRIMARY KEY NOT NULL,   -- UUIDv7, made on the device, never reused
    state           TEXT NOT NULL,               -- queue::RecordState as snake_case
    receipt_no      INTEGER UNIQUE,              -- NULL for drafts; gap-free from 1
    created_at      TEXT NOT NULL,               -- RFC 3339, agent's offset
    updated_at      TEXT NOT NULL,
    supersedes      TEXT REFERENCES records(id),
    nik_tag         BLOB,                        -- HMAC of the NIK under the device tag key
    content_version INTEGER NOT NULL,            -- layout of the sealed content (part of its AD)
    content         BLOB                         -- sealed; NULL once erased
);
CREATE INDEX records_state ON records(state);
CREATE INDEX records_nik_tag ON records(nik_tag) WHERE nik_tag IS NOT NULL;
";

/// Version 2: what sync and retention need. Cards are built for every record that has content
/// and stands for a participant, by unsealing its content: a real upgrade of version-1 data.
const SCHEMA_V2: &str = "
ALTER TABLE records ADD COLUMN card BLOB;            -- sealed participant card
ALTER TABLE records ADD COLUMN note BLOB;            -- sealed supervisor comment or reason
ALTER TABLE records ADD COLUMN batch TEXT;           -- the frozen batch that carried it
ALTER TABLE records ADD COLUMN outcome_codes TEXT;   -- server rejection codes, JSON array
ALTER TABLE records ADD COLUMN confirmed_at INTEGER; -- unix seconds of the server's acknowledgement
ALTER TABLE records ADD COLUMN paid INTEGER NOT NULL DEFAULT 0;
ALTER TABLE records ADD COLUMN prior_state TEXT;     -- for a purged record: its state before
CREATE INDEX records_confirmed ON records(confirmed_at)
    WHERE confirmed_at IS NOT NULL AND content IS NOT NULL;
";

fn upgrade_1_to_2(tx: &Transaction<'_>, sealer: &Sealer) -> Result<(), CoreError> {
    tx.execute_batch(SCHEMA_V2)?;
    let mut select = tx.prepare(
        "SELECT id, content_version, content FROM records
         WHERE content IS NOT NULL AND state NOT IN ('draft', 'withdrawn')",
    )?;
    let mut update = tx.prepare("UPDATE records SET card = ?2 WHERE id = ?1")?;
    let mut rows = select.query([])?;
    while let Some(row) = rows.next()? {
        let id: String = row.get(0)?;
        let content = RecordContent::open(sealer, &id, row.get(1)?, &row.get::<_, Vec<u8>>(2)?)?;
        let card = Card::from_content(&content);
        update.execute(params![id, card.seal(sealer, &id)?])?;
    }
    Ok(())
}

/// Version 3: what the sync client keeps (see `crate::sync`). Nothing personal is in clear: the
/// frozen batches and the branch's NIK-tag key are sealed; the pinned server key, the chain head,
/// nonce and cursor, the 24-bit tags and rule sets are not secrets.
const SCHEMA_V3: &str = "
CREATE TABLE sync_identity (
    id           INTEGER PRIMARY KEY CHECK (id = 1),  -- one row: this device, once activated
    device_id    TEXT NOT NULL,
    agent_id     TEXT NOT NULL,
    branch       TEXT NOT NULL,
    server_url   TEXT NOT NULL,
    server_key   BLOB NOT NULL,       -- pinned server public key (65 bytes)
    device_key   BLOB NOT NULL,       -- the device public key the server bound
    activated_at TEXT NOT NULL,
    next_seq     INTEGER NOT NULL,    -- seq of the next batch to freeze
    prev_hash    TEXT NOT NULL,       -- batch_hash of the last frozen batch (genesis at first)
    nonce        TEXT,                -- the server's latest nonce, for the next signed request
    cursor       TEXT NOT NULL DEFAULT '',
    tag_key_id   TEXT,
    tag_key      BLOB,                -- sealed: the branch's NIK-tag key
    last_sync_at TEXT,
    suspended    INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE sync_batches (
    seq          INTEGER PRIMARY KEY NOT NULL,
    batch_hash   TEXT NOT NULL,
    record_count INTEGER NOT NULL,
    bytes        BLOB NOT NULL,       -- sealed frozen batch, resent byte for byte
    frozen_at    TEXT NOT NULL,
    acked_at     INTEGER,             -- unix seconds of the verified acknowledgement
    ack          BLOB                 -- the server's signed acknowledgement, as received
);
CREATE INDEX sync_batches_unacked ON sync_batches(seq) WHERE acked_at IS NULL;
CREATE TABLE sync_nik_tags (
    tag BLOB PRIMARY KEY NOT NULL     -- 3 bytes: HMAC-SHA256(branch key, NIK), truncated
) WITHOUT ROWID;
CREATE TABLE sync_rule_sets (
    id          TEXT PRIMARY KEY NOT NULL,
    body        TEXT NOT NULL,        -- the rule set JSON as the server signed it
    received_at TEXT NOT NULL
) WITHOUT ROWID;
";

fn upgrade_2_to_3(tx: &Transaction<'_>) -> Result<(), CoreError> {
    tx.execute_batch(SCHEMA_V3)?;
    Ok(())
}

/// Version 4: incentives on the device. A statement's lines (the agent's income per participant)
/// and a cash record's amount and months are sealed; months, statuses, ids and times are clear so
/// the app can pick the statement of a month and the unsent cash without unsealing everything.
const SCHEMA_V4: &str = "
CREATE TABLE statements (
    month       TEXT PRIMARY KEY NOT NULL,  -- YYYY-MM
    status      TEXT NOT NULL,              -- confirmed | provisional
    as_of       TEXT NOT NULL,              -- RFC 3339, the server's
    received_at TEXT NOT NULL,              -- RFC 3339, device clock
    body        BLOB NOT NULL               -- sealed statement JSON
) WITHOUT ROWID;
CREATE TABLE cash (
    id           TEXT PRIMARY KEY NOT NULL,  -- UUIDv7 made on the device: the server's idempotency key
    record_id    TEXT NOT NULL REFERENCES records(id) ON DELETE CASCADE,
    collected_at TEXT NOT NULL,              -- RFC 3339, device clock
    body         BLOB NOT NULL,              -- sealed {amount, months}
    sent_at      TEXT                        -- when a verified downsync answer carried it
);
CREATE INDEX cash_unsent ON cash(collected_at) WHERE sent_at IS NULL;
";

fn upgrade_3_to_4(tx: &Transaction<'_>) -> Result<(), CoreError> {
    tx.execute_batch(SCHEMA_V4)?;
    Ok(())
}

/// Version 5: server key rotation. The pinned key stays in `server_key`; a rotation the device
/// verified under it leaves the announced key here until the server switches to it. Public
/// keys are not secrets, so it is clear like `server_key`.
const SCHEMA_V5: &str = "
ALTER TABLE sync_identity ADD COLUMN server_key_next BLOB;  -- next server public key (65 bytes)
";

fn upgrade_4_to_5(tx: &Transaction<'_>) -> Result<(), CoreError> {
    tx.execute_batch(SCHEMA_V5)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    //! Migration tests after application-services: upgrade a real old file, prove a failed
    //! upgrade leaves the file as it was, refuse a too-new file untouched.
    use super::*;
    use crate::content::seal_json;
    use crate::queue::testing::{content, fixture_vault, FIXTURE_DIR};
    use crate::seal::{FileKeyVault, Purpose};
    use std::path::PathBuf;

    const V1_FIXTURE: &str = "store-v1.db";
    const V2_FIXTURE: &str = "store-v2.db";
    const V3_FIXTURE: &str = "store-v3.db";
    const V4_FIXTURE: &str = "store-v4.db";

    fn copy_v1_fixture(dir: &Path) -> PathBuf {
        let to = dir.join("perisai.db");
        std::fs::copy(Path::new(FIXTURE_DIR).join(V1_FIXTURE), &to).unwrap();
        to
    }

    /// Writes a version-1 store with the version-1 schema and SQL only (as the first app build
    /// did): three submitted records (numbers 1..=3, number 2 withdrawn as a tombstone) and a
    /// draft. Regenerate the committed file with `PERISAI_WRITE_FIXTURES=1 cargo test -p
    /// perisai-core --lib v1_fixture_generator` (never needed unless version 1 itself changes).
    fn write_v1_store(path: &Path, vault: &dyn KeyVault) {
        let store = Store::open_at(path, vault, true, 1).unwrap();
        let v1_insert = "INSERT INTO records (id, state, receipt_no, created_at, updated_at,
                 supersedes, nik_tag, content_version, content)
             VALUES (?1, ?2, ?3, ?4, ?4, NULL, ?5, 1, ?6)";
        for (n, id, state, receipt) in [
            (1, "0192f0a0-0000-7000-8000-000000000001", "queued", 1),
            (2, "0192f0a0-0000-7000-8000-000000000002", "withdrawn", 2),
            (3, "0192f0a0-0000-7000-8000-000000000003", "queued", 3),
        ] {
            let c = content(n);
            let (tag, blob) = if state == "withdrawn" {
                (None, None)
            } else {
                (
                    Some(store.sealer.nik_tag(&c.enrollment.nik)),
                    Some(c.seal(&store.sealer, id).unwrap()),
                )
            };
            store
                .conn
                .execute(
                    v1_insert,
                    params![id, state, receipt, c.created_at, tag, blob],
                )
                .unwrap();
        }
        let draft_id = "0192f0a0-0000-7000-8000-0000000000d1";
        let draft = serde_json::json!({"full_name": "Siti Draf", "nik": "3201"});
        let blob = seal_json(&store.sealer, Purpose::Draft, draft_id, 1, &draft).unwrap();
        store
            .conn
            .execute(
                "INSERT INTO records (id, state, created_at, updated_at, content_version, content)
                 VALUES (?1, 'draft', '2026-11-20T08:00:00+07:00', '2026-11-20T08:00:00+07:00', 1, ?2)",
                params![draft_id, blob],
            )
            .unwrap();
        // Closing checkpoints the WAL into the main file: the fixture is one file.
        drop(store);
    }

    #[test]
    fn v1_fixture_generator_still_builds_a_v1_store() {
        let dir = tempfile::tempdir().unwrap();
        let vault = fixture_vault(dir.path());
        let path = dir.path().join("v1.db");
        write_v1_store(&path, &vault);
        let conn = Connection::open(&path).unwrap();
        assert_eq!(user_version(&conn).unwrap(), 1);
        if std::env::var_os("PERISAI_WRITE_FIXTURES").is_some() {
            drop(conn);
            std::fs::copy(&path, Path::new(FIXTURE_DIR).join(V1_FIXTURE)).unwrap();
        }
    }

    fn copy_v2_fixture(dir: &Path) -> PathBuf {
        let to = dir.join("perisai.db");
        std::fs::copy(Path::new(FIXTURE_DIR).join(V2_FIXTURE), &to).unwrap();
        to
    }

    /// Writes a version-2 store (the build before sync) through the version-2 queue: receipt
    /// numbers 1..=6 with 1 `queued`, 2 `withdrawn` (never sent), 3 `sent`, 4 `accepted`, 5
    /// `has_issues` with a sealed note, 6 `approved` with a payment code; and a draft. Regenerate
    /// with `PERISAI_WRITE_FIXTURES=1 cargo test -p perisai-core --lib v2_fixture_generator`
    /// (never needed once version 2 shipped).
    fn write_v2_store(path: &Path, vault: &dyn KeyVault) {
        use crate::queue::{AckOutcome, Decision, Origin};
        let mut store = Store::open_at(path, vault, true, 2).unwrap();
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-20T10:00:00+07:00").unwrap();
        let ids: Vec<String> = (1..=6)
            .map(|n| store.insert_submitted(&content(n), Origin::New).unwrap().id)
            .collect();
        store.withdraw(&ids[1], &at).unwrap();
        store.mark_sent(&ids[1..6], "legacy-batch-1", &at).unwrap();
        for id in &ids[3..6] {
            store.apply_ack(id, &AckOutcome::Accepted, &at).unwrap();
        }
        let note = Some("Alamat kurang lengkap".to_string());
        store
            .apply_decision(&ids[4], &Decision::HasIssues { comment: note }, &at)
            .unwrap();
        store
            .apply_decision(&ids[5], &Decision::Approved, &at)
            .unwrap();
        store.apply_payment_code(&ids[5], "KI-2026-000006").unwrap();
        store
            .save_draft(None, &serde_json::json!({"full_name": "Siti Draf"}), &at)
            .unwrap();
        drop(store);
    }

    #[test]
    fn v2_fixture_generator_still_builds_a_v2_store() {
        let dir = tempfile::tempdir().unwrap();
        let vault = fixture_vault(dir.path());
        let path = dir.path().join("v2.db");
        write_v2_store(&path, &vault);
        let conn = Connection::open(&path).unwrap();
        assert_eq!(user_version(&conn).unwrap(), 2);
        if std::env::var_os("PERISAI_WRITE_FIXTURES").is_some() {
            drop(conn);
            std::fs::copy(&path, Path::new(FIXTURE_DIR).join(V2_FIXTURE)).unwrap();
        }
    }

    /// Version 3 adds the sync tables: a version-2 store keeps every record and state, is not
    /// activated, and its queued record and tombstone are what the first batch will carry.
    #[test]
    fn committed_v2_file_upgrades_through_the_sync_step() {
        let dir = tempfile::tempdir().unwrap();
        let vault = fixture_vault(dir.path());
        let path = copy_v2_fixture(dir.path());
        assert_eq!(user_version(&Connection::open(&path).unwrap()).unwrap(), 2);
        let store = Store::open(&path, &vault, true).unwrap();
        assert_eq!(user_version(&store.conn).unwrap(), SCHEMA_VERSION);
        let states: Vec<(Option<u64>, String)> = store
            .list(None)
            .unwrap()
            .into_iter()
            .map(|r| (r.receipt_no, r.state.as_str().to_string()))
            .collect();
        let expect: Vec<(Option<u64>, String)> = [
            (Some(1), "queued"),
            (Some(2), "withdrawn"),
            (Some(3), "sent"),
            (Some(4), "accepted"),
            (Some(5), "has_issues"),
            (Some(6), "approved"),
            (None, "draft"),
        ]
        .into_iter()
        .map(|(n, s)| (n, s.to_string()))
        .collect();
        assert_eq!(states, expect);
        let list = store.list(None).unwrap();
        let noted = store.receipt(&list[4].id).unwrap();
        assert_eq!(noted.review_note.as_deref(), Some("Alamat kurang lengkap"));
        let paid = store.receipt(&list[5].id).unwrap();
        assert_eq!(paid.payment_code.as_deref(), Some("KI-2026-000006"));
        // The sync tables exist and are empty: the device is not activated yet.
        let status = crate::sync::state::device_status(&store.conn).unwrap();
        assert!(!status.activated);
        assert_eq!((status.unacked_batches, status.queued_records), (0, 1));
        for table in [
            "sync_identity",
            "sync_batches",
            "sync_nik_tags",
            "sync_rule_sets",
        ] {
            let n: i64 = store
                .conn
                .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
                .unwrap();
            assert_eq!(n, 0, "{table}");
        }
        // Record 1 (queued) is next for a batch; the tombstone 2 was already carried (v2 marked
        // it sent with the legacy batch), so it is not sent twice.
        let pending = store.pending_for_batch(100).unwrap();
        assert_eq!(
            pending.iter().map(|p| p.receipt_no).collect::<Vec<_>>(),
            vec![1]
        );
    }

    /// Writes a version-3 store (the last one before incentives), activated, through the
    /// version-3 queue and sync state: receipt numbers 1 `queued`, 2 `accepted`, 3 `approved` with
    /// a payment code and payments confirmed through 2026-12, and last synced at
    /// 2026-11-21T10:00:00+07:00. Regenerate with `PERISAI_WRITE_FIXTURES=1 cargo test -p
    /// perisai-core --lib v3_fixture_generator` (never needed once version 3 shipped).
    fn write_v3_store(path: &Path, vault: &dyn KeyVault) {
        use crate::queue::{AckOutcome, Decision, Origin};
        use crate::sync::state;
        let mut store = Store::open_at(path, vault, true, 3).unwrap();
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-20T10:00:00+07:00").unwrap();
        let ids: Vec<String> = (1..=3)
            .map(|n| store.insert_submitted(&content(n), Origin::New).unwrap().id)
            .collect();
        store.mark_sent(&ids[1..3], "dev-v3:1", &at).unwrap();
        for id in &ids[1..3] {
            store.apply_ack(id, &AckOutcome::Accepted, &at).unwrap();
        }
        store
            .apply_decision(&ids[2], &Decision::Approved, &at)
            .unwrap();
        store.apply_payment_code(&ids[2], "KI-2026-000003").unwrap();
        store.apply_payment_confirmed(&ids[2], "2026-12").unwrap();
        state::save_identity(
            &store.conn,
            &state::Identity {
                device_id: "dev-v3".into(),
                agent_id: "agent-v3".into(),
                branch: "KC-BOGOR".into(),
                server_url: "https://perisai.example".into(),
                server_key: vec![4; 65],
                device_key: vec![4; 65],
                activated_at: "2026-11-19T09:00:00+07:00".into(),
                next_seq: 2,
                prev_hash: "00".repeat(32),
                nonce: Some("n-1".into()),
                cursor: "c-1".into(),
                last_sync_at: Some("2026-11-21T10:00:00+07:00".into()),
                suspended: false,
            },
        )
        .unwrap();
        drop(store);
    }

    #[test]
    fn v3_fixture_generator_still_builds_a_v3_store() {
        let dir = tempfile::tempdir().unwrap();
        let vault = fixture_vault(dir.path());
        let path = dir.path().join("v3.db");
        write_v3_store(&path, &vault);
        let conn = Connection::open(&path).unwrap();
        assert_eq!(user_version(&conn).unwrap(), 3);
        if std::env::var_os("PERISAI_WRITE_FIXTURES").is_some() {
            drop(conn);
            std::fs::copy(&path, Path::new(FIXTURE_DIR).join(V3_FIXTURE)).unwrap();
        }
    }

    /// Version 4 adds the incentive tables: a version-3 store keeps its records, cards and
    /// identity; it has no statement and no cash yet, and cash can be recorded on an old record.
    #[test]
    fn committed_v3_file_upgrades_through_the_incentive_step() {
        use crate::incentive::device;
        use crate::protocol::downsync::CashItem;
        let dir = tempfile::tempdir().unwrap();
        let vault = fixture_vault(dir.path());
        let path = dir.path().join("perisai.db");
        std::fs::copy(Path::new(FIXTURE_DIR).join(V3_FIXTURE), &path).unwrap();
        assert_eq!(user_version(&Connection::open(&path).unwrap()).unwrap(), 3);
        let store = Store::open(&path, &vault, true).unwrap();
        assert_eq!(user_version(&store.conn).unwrap(), SCHEMA_VERSION);
        let states: Vec<&str> = store
            .list(None)
            .unwrap()
            .iter()
            .map(|r| r.state.as_str())
            .collect();
        assert_eq!(states, ["queued", "accepted", "approved"]);
        let approved = &store.list(None).unwrap()[2].id.clone();
        let card = store.card(approved).unwrap().unwrap();
        assert_eq!(card.payment_code.as_deref(), Some("KI-2026-000003"));
        assert_eq!(card.next_due_month, "2027-01");
        let identity = crate::sync::state::require_identity(&store.conn).unwrap();
        assert_eq!(identity.cursor, "c-1");
        for table in ["statements", "cash"] {
            let n: i64 = store
                .conn
                .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
                .unwrap();
            assert_eq!(n, 0, "{table}");
        }
        let item = CashItem {
            id: "0192f0a0-0000-7000-8000-00000000c001".into(),
            record_id: approved.clone(),
            amount: 16_800,
            months: 1,
            collected_at: "2026-11-22T09:00:00+07:00".into(),
        };
        device::insert_cash(&store.conn, &store.sealer, &item).unwrap();
        assert_eq!(
            device::unsent_cash(&store.conn, &store.sealer, 10).unwrap(),
            vec![item]
        );
    }

    /// Writes a version-4 store (the last one before key rotation), activated, through the
    /// version-4 queue, sync state and incentives: receipt numbers 1 `queued`, 2 `accepted`, 3
    /// `approved`, a frozen batch 1 acknowledged, and one unsent cash item for record 3.
    /// Regenerate with `PERISAI_WRITE_FIXTURES=1 cargo test -p perisai-core --lib
    /// v4_fixture_generator` (never needed once version 4 shipped).
    fn write_v4_store(path: &Path, vault: &dyn KeyVault) {
        use crate::incentive::device;
        use crate::protocol::downsync::CashItem;
        use crate::queue::{AckOutcome, Decision, Origin};
        use crate::sync::state;
        let mut store = Store::open_at(path, vault, true, 4).unwrap();
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-01T10:00:00+07:00").unwrap();
        let ids: Vec<String> = (1..=3)
            .map(|n| store.insert_submitted(&content(n), Origin::New).unwrap().id)
            .collect();
        store.mark_sent(&ids[1..3], "dev-v4:1", &at).unwrap();
        for id in &ids[1..3] {
            store.apply_ack(id, &AckOutcome::Accepted, &at).unwrap();
        }
        store
            .apply_decision(&ids[2], &Decision::Approved, &at)
            .unwrap();
        state::save_identity(
            &store.conn,
            &state::Identity {
                device_id: "dev-v4".into(),
                agent_id: "agent-v4".into(),
                branch: "KC-BOGOR".into(),
                server_url: "https://perisai.example".into(),
                server_key: vec![4; 65],
                device_key: vec![5; 65],
                activated_at: "2026-11-30T09:00:00+07:00".into(),
                next_seq: 2,
                prev_hash: "11".repeat(32),
                nonce: Some("n-4".into()),
                cursor: "c-4".into(),
                last_sync_at: Some("2026-12-01T10:00:00+07:00".into()),
                suspended: false,
            },
        )
        .unwrap();
        state::insert_batch(
            &store.conn,
            &store.sealer,
            "dev-v4",
            &state::KeptBatch {
                seq: 1,
                batch_hash: "11".repeat(32),
                record_count: 2,
                bytes: b"frozen batch 1".to_vec(),
                acked: false,
            },
            "2026-12-01T09:59:00+07:00",
        )
        .unwrap();
        state::mark_batch_acked(&store.conn, 1, b"{}", at.timestamp()).unwrap();
        let cash = CashItem {
            id: "0192f0a0-0000-7000-8000-00000000c004".into(),
            record_id: ids[2].clone(),
            amount: 16_800,
            months: 1,
            collected_at: "2026-12-01T11:00:00+07:00".into(),
        };
        device::insert_cash(&store.conn, &store.sealer, &cash).unwrap();
        drop(store);
    }

    #[test]
    fn v4_fixture_generator_still_builds_a_v4_store() {
        let dir = tempfile::tempdir().unwrap();
        let vault = fixture_vault(dir.path());
        let path = dir.path().join("v4.db");
        write_v4_store(&path, &vault);
        let conn = Connection::open(&path).unwrap();
        assert_eq!(user_version(&conn).unwrap(), 4);
        if std::env::var_os("PERISAI_WRITE_FIXTURES").is_some() {
            drop(conn);
            std::fs::copy(&path, Path::new(FIXTURE_DIR).join(V4_FIXTURE)).unwrap();
        }
    }

    /// Version 5 adds the next server key: a version-4 store keeps its records, identity, kept
    /// batch and unsent cash; it trusts exactly the key it pinned, and can learn a next key and
    /// re-pin to it.
    #[test]
    fn committed_v4_file_upgrades_through_the_key_rotation_step() {
        use crate::incentive::device;
        use crate::protocol::key_fingerprint;
        use crate::protocol::rotation::TrustChange;
        use crate::sync::state;
        let dir = tempfile::tempdir().unwrap();
        let vault = fixture_vault(dir.path());
        let path = dir.path().join("perisai.db");
        std::fs::copy(Path::new(FIXTURE_DIR).join(V4_FIXTURE), &path).unwrap();
        assert_eq!(user_version(&Connection::open(&path).unwrap()).unwrap(), 4);
        let store = Store::open(&path, &vault, true).unwrap();
        assert_eq!(user_version(&store.conn).unwrap(), SCHEMA_VERSION);
        let states: Vec<&str> = store
            .list(None)
            .unwrap()
            .iter()
            .map(|r| r.state.as_str())
            .collect();
        assert_eq!(states, ["queued", "accepted", "approved"]);
        let identity = state::require_identity(&store.conn).unwrap();
        assert_eq!(
            (
                identity.device_id.as_str(),
                identity.next_seq,
                identity.cursor.as_str()
            ),
            ("dev-v4", 2, "c-4")
        );
        assert_eq!(state::count_unacked(&store.conn).unwrap(), 0);
        assert_eq!(
            state::batches_from(&store.conn, &store.sealer, "dev-v4", 1).unwrap()[0].bytes,
            b"frozen batch 1"
        );
        assert_eq!(
            device::unsent_cash(&store.conn, &store.sealer, 10)
                .unwrap()
                .len(),
            1
        );
        let trust = state::server_trust(&store.conn).unwrap();
        assert_eq!((trust.pinned, trust.next), (vec![4; 65], None));

        state::apply_trust_change(&store.conn, &TrustChange::LearnNext(vec![6; 65])).unwrap();
        let status = state::device_status(&store.conn).unwrap();
        assert_eq!(
            status.server_key_fingerprint,
            Some(key_fingerprint(&[4; 65]))
        );
        assert_eq!(
            status.server_key_next_fingerprint,
            Some(key_fingerprint(&[6; 65]))
        );
        state::apply_trust_change(&store.conn, &TrustChange::Repin(vec![6; 65])).unwrap();
        let trust = state::server_trust(&store.conn).unwrap();
        assert_eq!((trust.pinned, trust.next), (vec![6; 65], None));
    }

    #[test]
    fn committed_v1_file_upgrades_and_its_records_still_open() {
        let dir = tempfile::tempdir().unwrap();
        let vault = fixture_vault(dir.path());
        let path = copy_v1_fixture(dir.path());
        assert_eq!(user_version(&Connection::open(&path).unwrap()).unwrap(), 1);

        let mut store = Store::open(&path, &vault, true).unwrap();
        assert_eq!(user_version(&store.conn).unwrap(), SCHEMA_VERSION);
        let list = store.list(None).unwrap();
        let numbers: Vec<_> = list.iter().map(|r| r.receipt_no).collect();
        assert_eq!(numbers, vec![Some(1), Some(2), Some(3), None]);
        // Sealed v1 content is readable after the upgrade, and a card was built from it.
        let first = store
            .receipt("0192f0a0-0000-7000-8000-000000000001")
            .unwrap();
        assert_eq!(
            first.full_name.as_deref(),
            Some(content(1).enrollment.full_name.as_str())
        );
        let cards: i64 = store
            .conn
            .query_row(
                "SELECT count(*) FROM records WHERE card IS NOT NULL",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            cards, 2,
            "the two queued records get cards; tombstone and draft do not"
        );
        let card = store
            .card("0192f0a0-0000-7000-8000-000000000003")
            .unwrap()
            .unwrap();
        assert_eq!(card.nik_masked, "3201••••••••0003");
        // The draft still opens; the local duplicate index still works; numbering continues.
        let draft = store
            .load_draft("0192f0a0-0000-7000-8000-0000000000d1")
            .unwrap();
        assert_eq!(draft["full_name"], "Siti Draf");
        assert!(store
            .local_duplicate(&content(3).enrollment.nik, None)
            .unwrap());
        assert!(!store
            .local_duplicate(&content(2).enrollment.nik, None)
            .unwrap());
        let next = store
            .insert_submitted(&content(4), crate::queue::Origin::New)
            .unwrap();
        assert_eq!(next.receipt_no, 4);
    }

    #[test]
    fn failed_upgrade_rolls_back_and_leaves_the_file_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let vault = fixture_vault(dir.path());
        let path = copy_v1_fixture(dir.path());
        // Damage one sealed record: building its card during the upgrade must fail.
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute(
                "UPDATE records SET content = zeroblob(80) WHERE receipt_no = 3",
                [],
            )
            .unwrap();
        }
        let before = std::fs::read(&path).unwrap();
        let err = Store::open(&path, &vault, true).unwrap_err();
        assert_eq!(err.code(), "store.key");
        assert_eq!(std::fs::read(&path).unwrap(), before, "file changed");
        let conn = Connection::open(&path).unwrap();
        assert_eq!(user_version(&conn).unwrap(), 1);
        let has_card_column = conn.prepare("SELECT card FROM records").is_ok();
        assert!(!has_card_column, "half of the upgrade was kept");
    }

    /// A ladder whose second step writes, then fails: none of its writes may stay.
    struct FailingLadder;
    impl Migrations for FailingLadder {
        fn end_version(&self) -> u32 {
            3
        }
        fn prepare(&mut self, _: &Connection, _: u32) -> Result<(), CoreError> {
            Ok(())
        }
        fn init(&mut self, tx: &Transaction<'_>) -> Result<(), CoreError> {
            tx.execute_batch("CREATE TABLE t (x INTEGER)")?;
            Ok(())
        }
        fn upgrade_from(&mut self, tx: &Transaction<'_>, version: u32) -> Result<(), CoreError> {
            tx.execute("INSERT INTO t (x) VALUES (?1)", [version])?;
            if version == 2 {
                return Err(CoreError::Store("step 2 fails".into()));
            }
            Ok(())
        }
        fn finish(&mut self, _: &Connection) -> Result<(), CoreError> {
            Ok(())
        }
    }

    #[test]
    fn a_failing_step_rolls_back_the_whole_ladder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        assert!(open_database(&path, &mut FailingLadder).is_err());
        let conn = Connection::open(&path).unwrap();
        assert_eq!(user_version(&conn).unwrap(), 0);
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tables, 0, "init of a failed ladder was kept");
    }

    #[test]
    fn too_new_file_is_refused_without_being_touched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("perisai.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(&format!(
                "CREATE TABLE future (x); PRAGMA user_version = {};",
                SCHEMA_VERSION + 1
            ))
            .unwrap();
        }
        let bytes = std::fs::read(&path).unwrap();
        let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
        std::thread::sleep(Duration::from_millis(20));
        let vault = FileKeyVault::open_or_create(&dir.path().join("k")).unwrap();
        let err = Store::open(&path, &vault, true).unwrap_err();
        assert!(matches!(
            err,
            CoreError::StoreTooNew { found, supported: SCHEMA_VERSION } if found == SCHEMA_VERSION + 1
        ));
        assert_eq!(std::fs::read(&path).unwrap(), bytes);
        assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), mtime);
        assert!(!dir.path().join("perisai.db-wal").exists());
    }

    #[test]
    fn wrong_key_file_is_refused_and_nothing_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("perisai.db");
        let right = FileKeyVault::open_or_create(&dir.path().join("right.key")).unwrap();
        let mut store = Store::open(&path, &right, true).unwrap();
        let id = store
            .insert_submitted(&content(1), crate::queue::Origin::New)
            .unwrap()
            .id;
        drop(store);
        let before = std::fs::read(&path).unwrap();
        let wrong = FileKeyVault::open_or_create(&dir.path().join("wrong.key")).unwrap();
        let err = Store::open(&path, &wrong, true).unwrap_err();
        assert_eq!(err.code(), "store.key");
        assert_eq!(std::fs::read(&path).unwrap(), before);
        let store = Store::open(&path, &right, true).unwrap();
        assert!(store.receipt(&id).is_ok());
    }

    #[test]
    fn fresh_store_settings_and_schema() {
        let dir = tempfile::tempdir().unwrap();
        let vault = fixture_vault(dir.path());
        let path = dir.path().join("perisai.db");
        let store = Store::open(&path, &vault, true).unwrap();
        let get = |p: &str| -> String {
            store
                .conn
                .query_row(&format!("PRAGMA {p}"), [], |r| {
                    r.get::<_, rusqlite::types::Value>(0)
                })
                .map(|v| format!("{v:?}"))
                .unwrap()
        };
        assert_eq!(get("journal_mode"), "Text(\"wal\")");
        assert_eq!(get("secure_delete"), "Integer(1)");
        assert_eq!(get("foreign_keys"), "Integer(1)");
        assert_eq!(get("synchronous"), "Integer(2)"); // FULL
        drop(store);
        let store = Store::open(&path, &vault, false).unwrap();
        let sync: i64 = store
            .conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(sync, 1); // NORMAL

        // A fresh file and an upgraded v1 file end with the same columns.
        let columns = |conn: &Connection| -> Vec<String> {
            let mut s = conn
                .prepare("SELECT name FROM pragma_table_info('records')")
                .unwrap();
            let v = s.query_map([], |r| r.get(0)).unwrap();
            v.map(|c| c.unwrap()).collect()
        };
        let upgraded_dir = tempfile::tempdir().unwrap();
        let upgraded_vault = fixture_vault(upgraded_dir.path());
        let upgraded =
            Store::open(&copy_v1_fixture(upgraded_dir.path()), &upgraded_vault, true).unwrap();
        assert_eq!(columns(&store.conn), columns(&upgraded.conn));
    }

    #[test]
    fn a_foreign_sqlite_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.db");
        Connection::open(&path)
            .unwrap()
            .execute_batch("CREATE TABLE x (y)")
            .unwrap();
        let vault = fixture_vault(dir.path());
        assert_eq!(
            Store::open(&path, &vault, true).unwrap_err().code(),
            "store.error"
        );
    }
}
