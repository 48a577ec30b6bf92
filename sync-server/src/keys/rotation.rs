//! Rotation of the server signing key (docs/SECURITY.md "Key rotation"; ARCHITECTURE.md §4: "rotated
//! by a message signed with the old key").
//!
//! The database is the source of truth for which key signs; the key folder holds the keys:
//!
//! | `server_meta` row | what it holds |
//! |---|---|
//! | `signing_keys` | every signing key this database has known: fingerprint, public key, state (`current`, `next`, `previous`, `retired`) and since when |
//! | `signing_key_rotations` | the rotations, oldest first: each the outgoing key vouching for the incoming one (`perisai/v1/rotate`) |
//! | `signing_key_fingerprint` | the current key's fingerprint (the row that existed before rotation) |
//!
//! | file in the key folder | holds |
//! |---|---|
//! | `server-signing.key` | the current key |
//! | `server-signing.next.key` | the prepared key, until the switch |
//! | `server-signing.previous.key` | the key switched away from, until it is retired (then deleted) |
//!
//! A server finds the current key by its fingerprint among these files ([`load_current`]), so a
//! switch interrupted between its database write and its file renames still starts; the next
//! admin command finishes the renames ([`tidy_files`]).
//!
//! The steps (`perisai-server admin rotate-signing-key`), each one command:
//! 1. [`prepare`]: makes the next key (0600, like the current one) and the rotation signed by the
//!    current key. From then on every acknowledgement, downsync page and nonce answer carries the
//!    rotations (`ServerKeys::sign`); a device verifies them under its pinned key and keeps the
//!    next key.
//! 2. [`switch`]: the next key becomes current; every instance signs with it from its next
//!    refresh (every [`REFRESH_EVERY`]). Devices take answers under the next key and re-pin.
//! 3. [`retire`]: the previous key is deleted from the folder and recorded as retired. The
//!    rotations stay in the answers, so a device offline across the whole rotation still
//!    follows: they are signatures made once, and need no key to be carried.

use std::fs;
use std::io;
use std::path::Path;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use perisai_domain::protocol::envelope::SignedEnvelope;
use perisai_domain::protocol::key_fingerprint;
use perisai_domain::protocol::rotation::sign_rotation;
use perisai_domain::signer::{DeviceSigner, SoftwareSigner};
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use crate::db::{rfc3339, Db};
use crate::keys::{KeyError, SIGNING_KEY_FILE};

/// The prepared key, until the switch.
pub const NEXT_KEY_FILE: &str = "server-signing.next.key";
/// The key switched away from, until it is retired.
pub const PREVIOUS_KEY_FILE: &str = "server-signing.previous.key";
/// How often a serving instance looks for a new key state (prepare, switch, retire by the
/// operator command, or by another instance's operator).
pub const REFRESH_EVERY: Duration = Duration::from_secs(5);

const KEYS_ROW: &str = "signing_keys";
const ROTATIONS_ROW: &str = "signing_key_rotations";
pub(crate) const FINGERPRINT_ROW: &str = "signing_key_fingerprint";

/// Where a signing key stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyState {
    /// Signs every answer.
    Current,
    /// Prepared and announced; signs nothing yet.
    Next,
    /// Switched away from; kept in the folder until retired. Signs nothing.
    Previous,
    /// Deleted from the folder.
    Retired,
}

impl KeyState {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyState::Current => "current",
            KeyState::Next => "next",
            KeyState::Previous => "previous",
            KeyState::Retired => "retired",
        }
    }
}

/// One signing key as the database knows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyEntry {
    pub fingerprint: String,
    /// Base64 of the 65-byte public key (to check a stored acknowledgement before re-signing).
    pub public_key: String,
    pub state: KeyState,
    /// RFC 3339: when the key entered this state.
    pub since: String,
}

/// What the database records about the signing keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyBook {
    pub keys: Vec<KeyEntry>,
    pub rotations: Vec<SignedEnvelope>,
}

impl KeyBook {
    /// A database's first book: one current key.
    fn first(public_key: &[u8], now: &str) -> KeyBook {
        KeyBook {
            keys: vec![KeyEntry {
                fingerprint: key_fingerprint(public_key),
                public_key: B64.encode(public_key),
                state: KeyState::Current,
                since: now.to_string(),
            }],
            rotations: Vec::new(),
        }
    }

    pub fn in_state(&self, state: KeyState) -> Option<&KeyEntry> {
        self.keys.iter().find(|k| k.state == state)
    }

    /// The current key's fingerprint (a book always has one).
    pub fn current(&self) -> Result<&str, KeyError> {
        self.in_state(KeyState::Current)
            .map(|k| k.fingerprint.as_str())
            .ok_or_else(|| KeyError::Rotation("the database names no current signing key".into()))
    }

    /// The public key of a known fingerprint.
    pub fn public_key(&self, fingerprint: &str) -> Option<Vec<u8>> {
        self.keys
            .iter()
            .find(|k| k.fingerprint == fingerprint)
            .and_then(|k| B64.decode(&k.public_key).ok())
    }

    fn set_state(&mut self, fingerprint: &str, state: KeyState, now: &str) {
        for key in self
            .keys
            .iter_mut()
            .filter(|k| k.fingerprint == fingerprint)
        {
            key.state = state;
            key.since = now.to_string();
        }
    }
}

/// The raw rows of the book, to tell cheaply whether it changed since it was loaded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BookRows {
    keys: Option<String>,
    rotations: Option<String>,
}

impl BookRows {
    pub async fn read(conn: &mut AnyConnection) -> Result<BookRows, sqlx::Error> {
        let mut rows = BookRows::default();
        let found: Vec<(String, String)> =
            sqlx::query_as("SELECT key, value FROM server_meta WHERE key IN ($1, $2)")
                .bind(KEYS_ROW)
                .bind(ROTATIONS_ROW)
                .fetch_all(conn)
                .await?;
        for (key, value) in found {
            if key == KEYS_ROW {
                rows.keys = Some(value);
            } else {
                rows.rotations = Some(value);
            }
        }
        Ok(rows)
    }

    /// The book, or `None` when this database has none yet (new, or made before rotation).
    pub fn book(&self) -> Result<Option<KeyBook>, KeyError> {
        let Some(keys) = &self.keys else {
            return Ok(None);
        };
        let bad = |_| KeyError::Rotation("server_meta holds an unreadable key book".into());
        let keys: Vec<KeyEntry> = serde_json::from_str(keys).map_err(bad)?;
        let rotations: Vec<SignedEnvelope> = match &self.rotations {
            Some(text) => serde_json::from_str(text).map_err(bad)?,
            None => Vec::new(),
        };
        Ok(Some(KeyBook { keys, rotations }))
    }
}

/// Writes the book (and the current fingerprint row) in the caller's transaction.
async fn write_book(conn: &mut AnyConnection, book: &KeyBook) -> Result<(), KeyError> {
    let keys = serde_json::to_string(&book.keys)
        .map_err(|_| KeyError::Rotation("cannot encode the key book".into()))?;
    let rotations = serde_json::to_string(&book.rotations)
        .map_err(|_| KeyError::Rotation("cannot encode the rotations".into()))?;
    let current = book.current()?.to_string();
    for (key, value) in [
        (KEYS_ROW, keys),
        (ROTATIONS_ROW, rotations),
        (FINGERPRINT_ROW, current),
    ] {
        sqlx::query(
            "INSERT INTO server_meta (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The book of `db`, making it on first use: from the fingerprint row a database made before
/// rotation recorded, or (a new database) from the key folder's current key. Two instances
/// starting at once settle on one book (insert if absent, then read).
pub async fn book_of(db: &Db, folder_key: &[u8], now: &str) -> Result<KeyBook, KeyError> {
    let mut conn = db.pool().acquire().await?;
    if let Some(book) = BookRows::read(&mut conn).await?.book()? {
        return Ok(book);
    }
    drop(conn);
    let mut tx = db.begin_write().await?;
    let recorded: Option<String> =
        sqlx::query_scalar("SELECT value FROM server_meta WHERE key = $1")
            .bind(FINGERPRINT_ROW)
            .fetch_optional(&mut *tx)
            .await?;
    if let Some(recorded) = recorded {
        if recorded != key_fingerprint(folder_key) {
            return Err(KeyError::Mismatch("signing key"));
        }
    }
    if BookRows::read(&mut tx).await?.book()?.is_none() {
        write_book(&mut tx, &KeyBook::first(folder_key, now)).await?;
    }
    tx.commit().await?;
    let mut conn = db.pool().acquire().await?;
    BookRows::read(&mut conn)
        .await?
        .book()?
        .ok_or_else(|| KeyError::Rotation("the key book was not written".into()))
}

/// The signing keys found in the folder, by file name (missing files are skipped).
fn key_files(dir: &Path) -> Result<Vec<(&'static str, SoftwareSigner, String)>, KeyError> {
    let mut found = Vec::new();
    for name in [SIGNING_KEY_FILE, NEXT_KEY_FILE, PREVIOUS_KEY_FILE] {
        let path = dir.join(name);
        match fs::metadata(&path) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(KeyError::Io(format!("{name}: {:?}", e.kind()))),
        }
        let signer =
            SoftwareSigner::open_or_create(&path).map_err(|e| KeyError::Crypto(e.to_string()))?;
        let public = signer
            .public_key()
            .map_err(|e| KeyError::Crypto(e.to_string()))?;
        found.push((name, signer, key_fingerprint(&public)));
    }
    Ok(found)
}

/// The key with `fingerprint` from the folder, whichever of the three files holds it.
fn find_key(dir: &Path, fingerprint: &str) -> Result<Option<SoftwareSigner>, KeyError> {
    Ok(key_files(dir)?
        .into_iter()
        .find(|(_, _, fp)| fp == fingerprint)
        .map(|(_, signer, _)| signer))
}

/// The current key of `book`, from the folder. A folder without it is not this database's.
pub fn load_current(dir: &Path, book: &KeyBook) -> Result<SoftwareSigner, KeyError> {
    find_key(dir, book.current()?)?.ok_or(KeyError::Mismatch("signing key"))
}

/// Makes the file names match the book: the current key in `server-signing.key`, the previous
/// one in `server-signing.previous.key`. Finishes a switch whose renames were interrupted;
/// changes nothing when they already match. `server-signing.key` exists at every moment.
pub fn tidy_files(dir: &Path, book: &KeyBook) -> Result<(), KeyError> {
    let current = book.current()?;
    let files = key_files(dir)?;
    let fp_of = |name: &str| {
        files
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, _, fp)| fp.as_str())
    };
    let in_place = fp_of(SIGNING_KEY_FILE);
    if in_place == Some(current) {
        return Ok(());
    }
    let Some(source) = files
        .iter()
        .find(|(_, _, fp)| fp == current)
        .map(|(n, _, _)| *n)
    else {
        return Err(KeyError::Mismatch("signing key"));
    };
    if let Some(outgoing) = in_place {
        match fp_of(PREVIOUS_KEY_FILE) {
            None => fs::hard_link(dir.join(SIGNING_KEY_FILE), dir.join(PREVIOUS_KEY_FILE))
                .map_err(|e| KeyError::Io(format!("keep the previous key: {:?}", e.kind())))?,
            Some(previous) if previous == outgoing => {}
            Some(_) => {
                return Err(KeyError::Rotation(format!(
                    "{PREVIOUS_KEY_FILE} holds another key: retire it first"
                )))
            }
        }
    }
    fs::rename(dir.join(source), dir.join(SIGNING_KEY_FILE))
        .map_err(|e| KeyError::Io(format!("move the new key into place: {:?}", e.kind())))?;
    sync_dir(dir);
    Ok(())
}

fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(folder) = fs::File::open(dir) {
        let _ = folder.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// What a step did, for the operator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// The fingerprint the step is about (the next key, the new current one, the retired one).
    pub fingerprint: String,
    /// False when the step had already been done: nothing changed.
    pub changed: bool,
}

/// The database's key book; every rotation command needs one (a server start writes it).
async fn required_book(conn: &mut AnyConnection) -> Result<KeyBook, KeyError> {
    BookRows::read(conn)
        .await?
        .book()?
        .ok_or_else(|| KeyError::Rotation("the database has no key book yet".into()))
}

/// Step 1: makes the next key in the folder (0600) and records it with the rotation signed by
/// the current key. Preparing again while a next key waits changes nothing.
pub async fn prepare(db: &Db, dir: &Path, now_ms: i64) -> Result<Step, KeyError> {
    let now = rfc3339(now_ms);
    let mut tx = db.begin_write().await?;
    let mut book = required_book(&mut tx).await?;
    if let Some(next) = book.in_state(KeyState::Next) {
        return Ok(Step {
            fingerprint: next.fingerprint.clone(),
            changed: false,
        });
    }
    if book.in_state(KeyState::Previous).is_some() {
        return Err(KeyError::Rotation(
            "the previous key is not retired yet: run --retire first".into(),
        ));
    }
    let current = load_current(dir, &book)?;
    // A next key file left by an interrupted prepare is taken as it is.
    let next = SoftwareSigner::open_or_create(dir.join(NEXT_KEY_FILE))
        .map_err(|e| KeyError::Crypto(e.to_string()))?;
    let next_public = next
        .public_key()
        .map_err(|e| KeyError::Crypto(e.to_string()))?;
    let fingerprint = key_fingerprint(&next_public);
    if book.keys.iter().any(|k| k.fingerprint == fingerprint) {
        return Err(KeyError::Rotation(format!(
            "{NEXT_KEY_FILE} holds a key this database already used: remove it"
        )));
    }
    let rotation =
        sign_rotation(&current, &next_public, &now).map_err(|e| KeyError::Crypto(e.to_string()))?;
    book.keys.push(KeyEntry {
        fingerprint: fingerprint.clone(),
        public_key: B64.encode(&next_public),
        state: KeyState::Next,
        since: now,
    });
    book.rotations.push(rotation);
    write_book(&mut tx, &book).await?;
    tx.commit().await?;
    Ok(Step {
        fingerprint,
        changed: true,
    })
}

/// Step 2: the next key becomes current, the current one previous; then the files are renamed
/// to match. Switching again (no next key, the renames done) changes nothing.
pub async fn switch(db: &Db, dir: &Path, now_ms: i64) -> Result<Step, KeyError> {
    let now = rfc3339(now_ms);
    let mut tx = db.begin_write().await?;
    let mut book = required_book(&mut tx).await?;
    let Some(next) = book.in_state(KeyState::Next).cloned() else {
        drop(tx);
        tidy_files(dir, &book)?;
        if book.in_state(KeyState::Previous).is_none() {
            return Err(KeyError::Rotation(
                "no next key: run --prepare first".into(),
            ));
        }
        return Ok(Step {
            fingerprint: book.current()?.to_string(),
            changed: false,
        });
    };
    if find_key(dir, &next.fingerprint)?.is_none() {
        return Err(KeyError::Rotation(format!(
            "the next key is not in the key folder ({NEXT_KEY_FILE})"
        )));
    }
    let outgoing = book.current()?.to_string();
    book.set_state(&outgoing, KeyState::Previous, &now);
    book.set_state(&next.fingerprint, KeyState::Current, &now);
    write_book(&mut tx, &book).await?;
    tx.commit().await?;
    tidy_files(dir, &book)?;
    Ok(Step {
        fingerprint: next.fingerprint,
        changed: true,
    })
}

/// Step 3: the previous key is recorded as retired and deleted from the folder. The rotations
/// stay. Retiring again changes nothing.
pub async fn retire(db: &Db, dir: &Path, now_ms: i64) -> Result<Step, KeyError> {
    let now = rfc3339(now_ms);
    let mut tx = db.begin_write().await?;
    let mut book = required_book(&mut tx).await?;
    let Some(previous) = book.in_state(KeyState::Previous).cloned() else {
        return match book
            .keys
            .iter()
            .rev()
            .find(|k| k.state == KeyState::Retired)
        {
            Some(retired) => Ok(Step {
                fingerprint: retired.fingerprint.clone(),
                changed: false,
            }),
            None => Err(KeyError::Rotation(
                "no previous key to retire: run --switch first".into(),
            )),
        };
    };
    // The switch's renames must be done before the previous file can go.
    tidy_files(dir, &book)?;
    book.set_state(&previous.fingerprint, KeyState::Retired, &now);
    write_book(&mut tx, &book).await?;
    tx.commit().await?;
    let path = dir.join(PREVIOUS_KEY_FILE);
    let holds_it = key_files(dir)?
        .iter()
        .any(|(name, _, fp)| *name == PREVIOUS_KEY_FILE && *fp == previous.fingerprint);
    if holds_it {
        fs::remove_file(&path)
            .map_err(|e| KeyError::Io(format!("delete the previous key: {:?}", e.kind())))?;
        sync_dir(dir);
    }
    Ok(Step {
        fingerprint: previous.fingerprint,
        changed: true,
    })
}

/// One line per key, for `--status`: `FINGERPRINT STATE SINCE [FILE]`.
pub async fn status(db: &Db, dir: &Path) -> Result<Vec<String>, KeyError> {
    let mut conn = db.pool().acquire().await?;
    let book = required_book(&mut conn).await?;
    let files = key_files(dir)?;
    Ok(book
        .keys
        .iter()
        .map(|k| {
            let file = files
                .iter()
                .find(|(_, _, fp)| *fp == k.fingerprint)
                .map(|(name, _, _)| *name)
                .unwrap_or("-");
            format!("{} {} {} {file}", k.fingerprint, k.state.as_str(), k.since)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::ServerKeys;
    use perisai_domain::protocol::labels::{LABEL_ACK, LABEL_ACTIVATE, LABEL_DOWNSYNC};
    use perisai_domain::protocol::messages::Ack;
    use perisai_domain::protocol::rotation::{ServerTrust, TrustChange, ROTATIONS_MEMBER};

    struct Setup {
        dir: tempfile::TempDir,
        db: Db,
        keys: ServerKeys,
    }

    impl Setup {
        async fn new() -> Setup {
            let dir = tempfile::tempdir().unwrap();
            let db = Db::open(&format!("sqlite:{}", dir.path().join("p.db").display()))
                .await
                .unwrap();
            let keys = ServerKeys::load_or_create(&dir.path().join("keys")).unwrap();
            keys.bind_to(&db).await.unwrap();
            Setup { dir, db, keys }
        }

        fn key_dir(&self) -> std::path::PathBuf {
            self.dir.path().join("keys")
        }

        /// A server starting afresh on the same database and key folder.
        async fn restart(&self) -> Result<ServerKeys, KeyError> {
            let keys = ServerKeys::load_or_create(&self.key_dir())?;
            keys.bind_to(&self.db).await?;
            Ok(keys)
        }
    }

    fn ack() -> Ack {
        Ack {
            device_id: "dev-1".into(),
            seq: 3,
            batch_hash: "ab".repeat(32),
            results: Vec::new(),
            nonce: "n-4".into(),
            batch_codes: Vec::new(),
        }
    }

    fn fingerprint_of_file(dir: &Path, name: &str) -> Option<String> {
        key_files(dir)
            .unwrap()
            .into_iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, _, fp)| fp)
    }

    #[tokio::test]
    async fn a_database_accepts_its_rotated_keys_and_refuses_a_foreign_folder() {
        let s = Setup::new().await;
        let first = s.keys.fingerprint();
        let next = prepare(&s.db, &s.key_dir(), 1_000).await.unwrap();
        assert!(next.changed);
        assert_ne!(next.fingerprint, first);
        assert_eq!(
            prepare(&s.db, &s.key_dir(), 2_000).await.unwrap(),
            Step {
                fingerprint: next.fingerprint.clone(),
                changed: false
            }
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(s.key_dir().join(NEXT_KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Prepared: a restart still signs with the current key.
        assert_eq!(s.restart().await.unwrap().fingerprint(), first);

        let switched = switch(&s.db, &s.key_dir(), 3_000).await.unwrap();
        assert_eq!(switched.fingerprint, next.fingerprint);
        assert_eq!(
            fingerprint_of_file(&s.key_dir(), SIGNING_KEY_FILE),
            Some(next.fingerprint.clone())
        );
        assert_eq!(
            fingerprint_of_file(&s.key_dir(), PREVIOUS_KEY_FILE),
            Some(first.clone())
        );
        assert_eq!(fingerprint_of_file(&s.key_dir(), NEXT_KEY_FILE), None);
        assert_eq!(s.restart().await.unwrap().fingerprint(), next.fingerprint);

        let retired = retire(&s.db, &s.key_dir(), 4_000).await.unwrap();
        assert_eq!(retired.fingerprint, first);
        assert!(!s.key_dir().join(PREVIOUS_KEY_FILE).exists());
        assert!(!retire(&s.db, &s.key_dir(), 5_000).await.unwrap().changed);
        assert_eq!(s.restart().await.unwrap().fingerprint(), next.fingerprint);
        let states: Vec<String> = status(&s.db, &s.key_dir())
            .await
            .unwrap()
            .iter()
            .map(|line| line.split(' ').nth(1).unwrap().to_string())
            .collect();
        assert_eq!(states, ["retired", "current"]);

        // Another folder is refused; so is this folder's secret with a signing key of its own.
        let foreign = ServerKeys::load_or_create(&s.dir.path().join("other")).unwrap();
        assert!(matches!(
            foreign.bind_to(&s.db).await,
            Err(KeyError::Mismatch(_))
        ));
        let stranger = s.dir.path().join("stranger");
        fs::create_dir_all(&stranger).unwrap();
        fs::copy(
            s.key_dir().join(crate::keys::SECRET_FILE),
            stranger.join(crate::keys::SECRET_FILE),
        )
        .unwrap();
        let stranger = ServerKeys::load_or_create(&stranger).unwrap();
        assert!(matches!(
            stranger.bind_to(&s.db).await,
            Err(KeyError::Mismatch("signing key"))
        ));
    }

    #[tokio::test]
    async fn steps_out_of_order_are_refused_with_what_to_run() {
        let s = Setup::new().await;
        for refused in [
            switch(&s.db, &s.key_dir(), 1).await,
            retire(&s.db, &s.key_dir(), 1).await,
        ] {
            assert!(matches!(refused, Err(KeyError::Rotation(_))), "{refused:?}");
        }
        prepare(&s.db, &s.key_dir(), 1).await.unwrap();
        switch(&s.db, &s.key_dir(), 2).await.unwrap();
        let Err(KeyError::Rotation(why)) = prepare(&s.db, &s.key_dir(), 3).await else {
            panic!("a second prepare before retiring");
        };
        assert!(why.contains("--retire"), "{why}");
    }

    #[tokio::test]
    async fn answers_announce_the_next_key_then_are_signed_by_it() {
        let s = Setup::new().await;
        let old = s.keys.public_key();
        let device = ServerTrust {
            pinned: old.clone(),
            next: None,
        };
        let before = s.keys.sign(LABEL_ACK, &ack()).unwrap();
        assert!(!String::from_utf8(B64.decode(&before.payload).unwrap())
            .unwrap()
            .contains(ROTATIONS_MEMBER));
        assert_eq!(
            device.open(&before, LABEL_ACK).unwrap().change,
            TrustChange::Keep
        );

        prepare(&s.db, &s.key_dir(), 1_000).await.unwrap();
        s.keys.refresh(&s.db).await;
        let announced = s.keys.sign(LABEL_DOWNSYNC, &ack()).unwrap();
        assert_eq!(announced.key, key_fingerprint(&old));
        let opened = device.open(&announced, LABEL_DOWNSYNC).unwrap();
        let TrustChange::LearnNext(next) = opened.change else {
            panic!("no next key learned: {:?}", opened.change);
        };
        // The activation answer never carries it: a new device pins the key in force.
        let activation = s.keys.sign(LABEL_ACTIVATE, &ack()).unwrap();
        assert!(!String::from_utf8(B64.decode(&activation.payload).unwrap())
            .unwrap()
            .contains(ROTATIONS_MEMBER));

        switch(&s.db, &s.key_dir(), 2_000).await.unwrap();
        s.keys.refresh(&s.db).await;
        assert_eq!(s.keys.public_key(), next);
        let after = s.keys.sign(LABEL_ACK, &ack()).unwrap();
        // A device that learned the next key re-pins; one that never heard of it follows.
        let learned = ServerTrust {
            pinned: old.clone(),
            next: Some(next.clone()),
        };
        assert_eq!(
            learned.open(&after, LABEL_ACK).unwrap().change,
            TrustChange::Repin(next.clone())
        );
        assert_eq!(
            device.open(&after, LABEL_ACK).unwrap().change,
            TrustChange::Repin(next.clone())
        );
        // Still so after the old key is retired and gone.
        retire(&s.db, &s.key_dir(), 3_000).await.unwrap();
        s.keys.refresh(&s.db).await;
        let retired = s.keys.sign(LABEL_ACK, &ack()).unwrap();
        assert_eq!(
            device.open(&retired, LABEL_ACK).unwrap().change,
            TrustChange::Repin(next)
        );
    }

    #[tokio::test]
    async fn a_stored_ack_is_replayed_as_is_until_the_switch_then_signed_again() {
        let s = Setup::new().await;
        let old = s.keys.public_key();
        let stored = serde_json::to_string(&s.keys.sign(LABEL_ACK, &ack()).unwrap()).unwrap();
        assert_eq!(s.keys.replayed_ack(stored.clone()).unwrap(), stored);
        prepare(&s.db, &s.key_dir(), 1_000).await.unwrap();
        s.keys.refresh(&s.db).await;
        assert_eq!(s.keys.replayed_ack(stored.clone()).unwrap(), stored);

        switch(&s.db, &s.key_dir(), 2_000).await.unwrap();
        s.keys.refresh(&s.db).await;
        let replayed = s.keys.replayed_ack(stored.clone()).unwrap();
        assert_ne!(replayed, stored);
        let envelope: SignedEnvelope = serde_json::from_str(&replayed).unwrap();
        let repinned = ServerTrust {
            pinned: s.keys.public_key(),
            next: None,
        };
        let opened = repinned.open(&envelope, LABEL_ACK).unwrap();
        let replayed_ack: Ack = serde_json::from_slice(&opened.payload).unwrap();
        assert_eq!(replayed_ack, ack());
        // A device still on the old key follows the rotation it carries.
        let behind = ServerTrust {
            pinned: old.clone(),
            next: None,
        };
        assert!(matches!(
            behind.open(&envelope, LABEL_ACK).unwrap().change,
            TrustChange::Repin(_)
        ));
        // Signed again once; the re-signed one is then replayed as it is.
        assert_eq!(s.keys.replayed_ack(replayed.clone()).unwrap(), replayed);
        // A stored envelope that does not verify is never signed again.
        let mut forged: SignedEnvelope = serde_json::from_str(&stored).unwrap();
        forged.payload = B64.encode(br#"{"device_id":"dev-1","seq":3}"#);
        let forged = serde_json::to_string(&forged).unwrap();
        assert_eq!(s.keys.replayed_ack(forged.clone()).unwrap(), forged);
    }

    #[tokio::test]
    async fn a_switch_cut_before_its_renames_still_starts_and_is_finished_later() {
        let s = Setup::new().await;
        let first = s.keys.fingerprint();
        let next = prepare(&s.db, &s.key_dir(), 1_000)
            .await
            .unwrap()
            .fingerprint;
        switch(&s.db, &s.key_dir(), 2_000).await.unwrap();
        // Put the files back as they were before the renames: the database says switched.
        let dir = s.key_dir();
        fs::rename(dir.join(SIGNING_KEY_FILE), dir.join(NEXT_KEY_FILE)).unwrap();
        fs::rename(dir.join(PREVIOUS_KEY_FILE), dir.join(SIGNING_KEY_FILE)).unwrap();
        assert_eq!(
            fingerprint_of_file(&dir, SIGNING_KEY_FILE),
            Some(first.clone())
        );
        assert_eq!(s.restart().await.unwrap().fingerprint(), next);
        let again = switch(&s.db, &dir, 3_000).await.unwrap();
        assert!(!again.changed);
        assert_eq!(fingerprint_of_file(&dir, SIGNING_KEY_FILE), Some(next));
        assert_eq!(fingerprint_of_file(&dir, PREVIOUS_KEY_FILE), Some(first));
        assert_eq!(fingerprint_of_file(&dir, NEXT_KEY_FILE), None);
    }

    #[tokio::test]
    async fn a_database_made_before_rotation_gets_its_book_from_the_recorded_fingerprint() {
        let s = Setup::new().await;
        sqlx::query("DELETE FROM server_meta WHERE key IN ($1, $2)")
            .bind(KEYS_ROW)
            .bind(ROTATIONS_ROW)
            .execute(s.db.pool())
            .await
            .unwrap();
        let keys = s.restart().await.unwrap();
        assert_eq!(keys.fingerprint(), s.keys.fingerprint());
        let lines = status(&s.db, &s.key_dir()).await.unwrap();
        assert_eq!(lines.len(), 1);
        assert!(lines[0].starts_with(&format!("{} current ", s.keys.fingerprint())));
        assert!(lines[0].ends_with(SIGNING_KEY_FILE));
    }
}
