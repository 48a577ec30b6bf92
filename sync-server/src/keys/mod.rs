//! The server's keys, kept in a key folder outside the database (ARCHITECTURE.md §4, §5):
//!
//! - `server-signing.key`: the P-256 signing key (PKCS#8, 0600) that signs activation answers,
//!   acknowledgements, downsync answers and wipe commands. Devices pin its public key. It can be
//!   rotated (`crate::keys::rotation`): the database names the current key, and every instance
//!   picks up a new state within `rotation::REFRESH_EVERY` ([`ServerKeys::refresh`]).
//! - `server-secret.key`: 32 random bytes (0600). HKDF derives from it the key that seals record
//!   content at rest, and the HMAC keys of the NIK index, the phone index and activation codes.
//!
//! A database copied without its key folder is useless for reading personal data, and a key
//! folder paired with the wrong database is refused at start: the database remembers the
//! fingerprint of the signing key and a check value of the secret (`server_meta`).
//! Every server instance sharing a database must share the key folder (or its secret store).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use perisai_domain::protocol::envelope::SignedEnvelope;
use perisai_domain::protocol::key_fingerprint;
use perisai_domain::protocol::labels::{LABEL_ACK, LABEL_DOWNSYNC};
use perisai_domain::protocol::rotation::ROTATIONS_MEMBER;
use perisai_domain::seal::{DataKey, Purpose, Sealer};
use perisai_domain::secret_file::{self, Created};
use perisai_domain::signer::{DeviceSigner, SoftwareSigner};
use ring::hkdf;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use serde::Serialize;
use zeroize::Zeroizing;

use crate::db::{now_ms, rfc3339, Db};
use rotation::{BookRows, KeyBook};

pub mod rotation;

pub const SIGNING_KEY_FILE: &str = "server-signing.key";
pub const SECRET_FILE: &str = "server-secret.key";
const SECRET_LEN: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key folder: {0}")]
    Io(String),
    #[error("key: {0}")]
    Crypto(String),
    #[error("the key folder does not belong to this database ({0} differs); use the key folder this database was created with")]
    Mismatch(&'static str),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// A key rotation step that cannot be done now (the message says why and what to run).
    #[error("key rotation: {0}")]
    Rotation(String),
}

/// The loaded keys. Never `Debug`-printed with their contents.
pub struct ServerKeys {
    dir: PathBuf,
    signing: RwLock<Arc<SigningKey>>,
    sealer: Sealer,
    nik_key: hmac::Key,
    phone_key: hmac::Key,
    code_key: hmac::Key,
    browser_key: hmac::Key,
    secret_check: String,
}

/// The signing key in force, with the rotations answers carry.
struct SigningKey {
    signer: SoftwareSigner,
    public_key: Vec<u8>,
    fingerprint: String,
    /// Every rotation the database recorded, oldest first (`signing_key_rotations`).
    rotations: Vec<SignedEnvelope>,
    /// The book it was loaded from, to check stored acknowledgements against known keys.
    book: Option<KeyBook>,
    /// The rows it was loaded from: a refresh that reads the same rows changes nothing.
    rows: BookRows,
}

impl SigningKey {
    fn new(
        signer: SoftwareSigner,
        book: Option<KeyBook>,
        rows: BookRows,
    ) -> Result<Self, KeyError> {
        let public_key = signer
            .public_key()
            .map_err(|e| KeyError::Crypto(e.to_string()))?;
        Ok(SigningKey {
            fingerprint: key_fingerprint(&public_key),
            public_key,
            signer,
            rotations: book
                .as_ref()
                .map(|b| b.rotations.clone())
                .unwrap_or_default(),
            book,
            rows,
        })
    }
}

impl std::fmt::Debug for ServerKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ServerKeys(fingerprint {})", self.fingerprint())
    }
}

impl ServerKeys {
    /// Loads the keys in `dir`, creating the folder (0700) and missing keys on first use.
    pub fn load_or_create(dir: &Path) -> Result<ServerKeys, KeyError> {
        fs::create_dir_all(dir).map_err(|e| KeyError::Io(format!("create: {:?}", e.kind())))?;
        restrict_dir(dir);
        let signer = SoftwareSigner::open_or_create(dir.join(SIGNING_KEY_FILE))
            .map_err(|e| KeyError::Crypto(e.to_string()))?;
        let signing = SigningKey::new(signer, None, BookRows::default())?;
        let secret = read_or_create_secret(&dir.join(SECRET_FILE))?;
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, b"perisai/v1/server").extract(&secret);
        let data_key = DataKey::from_bytes(expand(&prk, b"perisai/v1/server/seal")?)
            .map_err(|e| KeyError::Crypto(e.to_string()))?;
        let hmac_key = |info: &[u8]| -> Result<hmac::Key, KeyError> {
            Ok(hmac::Key::new(hmac::HMAC_SHA256, &expand(&prk, info)?))
        };
        let check_key = hmac_key(b"perisai/v1/server/check")?;
        Ok(ServerKeys {
            dir: dir.to_path_buf(),
            signing: RwLock::new(Arc::new(signing)),
            sealer: Sealer::new(&data_key),
            nik_key: hmac_key(b"perisai/v1/server/nik-index")?,
            phone_key: hmac_key(b"perisai/v1/server/phone-index")?,
            code_key: hmac_key(b"perisai/v1/server/activation-code")?,
            browser_key: hmac_key(b"perisai/v1/server/known-browser")?,
            secret_check: hex(hmac::sign(&check_key, b"check").as_ref()),
        })
    }

    /// Records this key folder in a new database, or checks that it is the one recorded; then
    /// signs with the key the database names as current (after a rotation's switch, whichever
    /// file of the folder holds it).
    pub async fn bind_to(&self, db: &Db) -> Result<(), KeyError> {
        sqlx::query(
            "INSERT INTO server_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind("secret_check")
        .bind(&self.secret_check)
        .execute(db.pool())
        .await?;
        let stored: String = sqlx::query_scalar("SELECT value FROM server_meta WHERE key = $1")
            .bind("secret_check")
            .fetch_one(db.pool())
            .await?;
        if stored != self.secret_check {
            return Err(KeyError::Mismatch("secret"));
        }
        let in_folder = self.public_key();
        rotation::book_of(db, &in_folder, &rfc3339(now_ms())).await?;
        self.reload(db).await
    }

    /// Loads the signing state again if the database's changed (a rotation step, by the
    /// operator command or through another instance). Serving instances call it every
    /// `rotation::REFRESH_EVERY`; a failure keeps the key in force, and is logged.
    pub async fn refresh(&self, db: &Db) {
        if let Err(e) = self.reload(db).await {
            tracing::error!(error = %e, "signing key state not reloaded; keeping the key in force");
        }
    }

    async fn reload(&self, db: &Db) -> Result<(), KeyError> {
        let rows = {
            let mut conn = db.pool().acquire().await?;
            BookRows::read(&mut conn).await?
        };
        if rows == self.signing().rows {
            return Ok(());
        }
        let book = rows
            .book()?
            .ok_or_else(|| KeyError::Rotation("the database has no key book".into()))?;
        let signer = rotation::load_current(&self.dir, &book)?;
        let loaded = SigningKey::new(signer, Some(book), rows)?;
        let before = self.fingerprint();
        if loaded.fingerprint != before {
            tracing::info!(fingerprint = %loaded.fingerprint, "signing with the new server key");
        }
        match self.signing.write() {
            Ok(mut slot) => *slot = Arc::new(loaded),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(loaded),
        }
        Ok(())
    }

    fn signing(&self) -> Arc<SigningKey> {
        match self.signing.read() {
            Ok(key) => key.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The 65-byte public key of the signing key in force (what a device activated now pins).
    pub fn public_key(&self) -> Vec<u8> {
        self.signing().public_key.clone()
    }

    /// Lowercase hex SHA-256 of the public key in force: what the QR code and `--fingerprint`
    /// carry.
    pub fn fingerprint(&self) -> String {
        self.signing().fingerprint.clone()
    }

    /// The key folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Signs `payload` as an envelope in the context `label` with the key in force. Once a
    /// rotation was prepared, acknowledgements and downsync answers (nonces and wipe commands
    /// too) carry every rotation in `key_rotations`, so that a device can follow from the key
    /// it pinned; nothing else changes in their bytes.
    pub fn sign<T: Serialize>(&self, label: &str, payload: &T) -> Result<SignedEnvelope, KeyError> {
        let key = self.signing();
        let carries = label == LABEL_ACK || label == LABEL_DOWNSYNC;
        if !carries || key.rotations.is_empty() {
            return SignedEnvelope::sign(label, payload, &key.signer)
                .map_err(|e| KeyError::Crypto(e.to_string()));
        }
        let mut value =
            serde_json::to_value(payload).map_err(|e| KeyError::Crypto(e.to_string()))?;
        with_rotations(&mut value, &key.rotations)?;
        SignedEnvelope::sign(label, &value, &key.signer)
            .map_err(|e| KeyError::Crypto(e.to_string()))
    }

    /// A stored acknowledgement (JSON of its envelope) as it is replayed for a retried batch:
    /// byte for byte when the key in force signed it; else, after the rotation's switch, the
    /// same acknowledgement signed again by the key in force with the rotations, so a device
    /// that has re-pinned takes it too. A stored envelope that does not verify under the key it
    /// names is replayed as it is (the device refuses it): the server signs nothing it did not
    /// sign before.
    pub fn replayed_ack(&self, stored: String) -> Result<String, KeyError> {
        let key = self.signing();
        let Ok(envelope) = serde_json::from_str::<SignedEnvelope>(&stored) else {
            return Ok(stored);
        };
        if envelope.key == key.fingerprint {
            return Ok(stored);
        }
        let Some(signer_key) = key.book.as_ref().and_then(|b| b.public_key(&envelope.key)) else {
            return Ok(stored);
        };
        let Ok(payload) = envelope.verified_payload(LABEL_ACK, &signer_key) else {
            return Ok(stored);
        };
        let mut value: serde_json::Value =
            serde_json::from_slice(&payload).map_err(|e| KeyError::Crypto(e.to_string()))?;
        with_rotations(&mut value, &key.rotations)?;
        let signed = SignedEnvelope::sign(LABEL_ACK, &value, &key.signer)
            .map_err(|e| KeyError::Crypto(e.to_string()))?;
        serde_json::to_string(&signed).map_err(|e| KeyError::Crypto(e.to_string()))
    }

    /// The lookup key of a normalized NIK (hex HMAC-SHA256 under the server secret).
    pub fn nik_hmac(&self, normalized_nik: &str) -> String {
        hex(hmac::sign(&self.nik_key, normalized_nik.as_bytes()).as_ref())
    }

    /// The lookup key of a normalized (E.164) phone number.
    pub fn phone_hmac(&self, phone: &str) -> String {
        hex(hmac::sign(&self.phone_key, phone.as_bytes()).as_ref())
    }

    /// How an activation code is stored: HMAC of its normalized form, so a database dump does not
    /// give away live codes.
    pub fn code_hash(&self, normalized_code: &str) -> String {
        hex(hmac::sign(&self.code_key, normalized_code.as_bytes()).as_ref())
    }

    /// The tag of a known-browser cookie (`web::sign_in_guard`): HMAC-SHA256 under the server
    /// secret over the account's email and the cookie's nonce.
    pub fn browser_tag(&self, email: &str, nonce: &str) -> Vec<u8> {
        hmac::sign(&self.browser_key, &browser_message(email, nonce))
            .as_ref()
            .to_vec()
    }

    /// Whether `tag` is [`ServerKeys::browser_tag`] of `email` and `nonce` (constant time).
    pub fn browser_tag_matches(&self, email: &str, nonce: &str, tag: &[u8]) -> bool {
        hmac::verify(&self.browser_key, &browser_message(email, nonce), tag).is_ok()
    }

    /// Seals personal data at rest, bound to what it is (`purpose`) and where it lives (`id`).
    pub fn seal(&self, purpose: Purpose, id: &str, plaintext: &[u8]) -> Result<Vec<u8>, KeyError> {
        self.sealer
            .seal(purpose, id, 1, plaintext)
            .map_err(|e| KeyError::Crypto(e.to_string()))
    }

    pub fn open(&self, purpose: Purpose, id: &str, blob: &[u8]) -> Result<Vec<u8>, KeyError> {
        self.sealer
            .open(purpose, id, 1, blob)
            .map(|plain| plain.to_vec())
            .map_err(|e| KeyError::Crypto(e.to_string()))
    }
}

/// Puts the rotations in an object payload's `key_rotations` (a payload that is not an object
/// is a bug: refused rather than signed without them).
fn with_rotations(
    value: &mut serde_json::Value,
    rotations: &[SignedEnvelope],
) -> Result<(), KeyError> {
    let object = value.as_object_mut().ok_or_else(|| {
        KeyError::Crypto("a payload that carries rotations must be an object".into())
    })?;
    let carried = serde_json::to_value(rotations).map_err(|e| KeyError::Crypto(e.to_string()))?;
    object.insert(ROTATIONS_MEMBER.to_string(), carried);
    Ok(())
}

/// Default key folder: beside an SQLite file (`<folder of the file>/keys`), else `./data/keys`.
pub fn default_key_dir(database_url: &str) -> PathBuf {
    match crate::db::sqlite_path(database_url) {
        Some(path) => path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(|p| p.join("keys"))
            .unwrap_or_else(|| PathBuf::from("keys")),
        None => PathBuf::from("./data/keys"),
    }
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], KeyError> {
    let mut out = [0u8; N];
    SystemRandom::new()
        .fill(&mut out)
        .map_err(|_| KeyError::Crypto("random generator unavailable".into()))?;
    Ok(out)
}

struct Len(usize);
impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

/// What a known-browser tag signs: the email and the nonce, NUL-separated (neither holds one).
fn browser_message(email: &str, nonce: &str) -> Vec<u8> {
    [email.as_bytes(), b"\0", nonce.as_bytes()].concat()
}

fn expand(prk: &hkdf::Prk, info: &[u8]) -> Result<Vec<u8>, KeyError> {
    let mut out = vec![0u8; SECRET_LEN];
    let info = [info];
    prk.expand(&info, Len(SECRET_LEN))
        .and_then(|okm| okm.fill(&mut out))
        .map_err(|_| KeyError::Crypto("key derivation failed".into()))?;
    Ok(out)
}

/// The secret bytes, wiped from memory when dropped.
type Secret = Zeroizing<Vec<u8>>;

/// Reads the secret, or creates it race-free (temporary file linked into place only if none
/// exists yet, so two instances starting at once end up with the same secret).
fn read_or_create_secret(path: &Path) -> Result<Secret, KeyError> {
    match fs::read(path) {
        Ok(bytes) if bytes.len() == SECRET_LEN => return Ok(Zeroizing::new(bytes)),
        Ok(_) => {
            return Err(KeyError::Crypto(
                "server secret file has the wrong length".into(),
            ))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(KeyError::Io(format!("read secret: {:?}", e.kind()))),
    }
    let secret: Secret = Zeroizing::new(random_bytes::<SECRET_LEN>()?.to_vec());
    match secret_file::create_owner_only(path, &secret)
        .map_err(|e| KeyError::Io(format!("store secret: {:?}", e.kind())))?
    {
        Created::New => Ok(secret),
        // Another instance created it meanwhile: its secret wins.
        Created::AlreadyThere => {
            let bytes =
                fs::read(path).map_err(|e| KeyError::Io(format!("read secret: {:?}", e.kind())))?;
            if bytes.len() == SECRET_LEN {
                Ok(Zeroizing::new(bytes))
            } else {
                Err(KeyError::Crypto(
                    "server secret file has the wrong length".into(),
                ))
            }
        }
    }
}

fn restrict_dir(dir: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o700));
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_created_once_and_reloaded_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let a = ServerKeys::load_or_create(&dir.path().join("keys")).unwrap();
        let b = ServerKeys::load_or_create(&dir.path().join("keys")).unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_eq!(
            a.nik_hmac("3201010101900001"),
            b.nik_hmac("3201010101900001")
        );
        let blob = a.seal(Purpose::Record, "B/r1", b"content").unwrap();
        assert_eq!(b.open(Purpose::Record, "B/r1", &blob).unwrap(), b"content");
        assert!(b.open(Purpose::Record, "B/r2", &blob).is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join("keys").join(SECRET_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn different_folders_give_unrelated_keys() {
        let d1 = tempfile::tempdir().unwrap();
        let d2 = tempfile::tempdir().unwrap();
        let a = ServerKeys::load_or_create(d1.path()).unwrap();
        let b = ServerKeys::load_or_create(d2.path()).unwrap();
        assert_ne!(a.fingerprint(), b.fingerprint());
        assert_ne!(
            a.nik_hmac("3201010101900001"),
            b.nik_hmac("3201010101900001")
        );
        assert_ne!(a.code_hash("X"), b.nik_hmac("X"));
    }

    #[tokio::test]
    async fn a_database_refuses_a_foreign_key_folder() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&format!("sqlite:{}", dir.path().join("p.db").display()))
            .await
            .unwrap();
        let mine = ServerKeys::load_or_create(&dir.path().join("k1")).unwrap();
        let other = ServerKeys::load_or_create(&dir.path().join("k2")).unwrap();
        mine.bind_to(&db).await.unwrap();
        mine.bind_to(&db).await.unwrap();
        assert!(matches!(
            other.bind_to(&db).await,
            Err(KeyError::Mismatch(_))
        ));
    }

    #[test]
    fn default_key_folder_sits_beside_the_sqlite_file() {
        assert_eq!(
            default_key_dir("sqlite:./data/perisai.db"),
            PathBuf::from("./data/keys")
        );
        assert_eq!(
            default_key_dir("sqlite:/srv/p/x.db"),
            PathBuf::from("/srv/p/keys")
        );
        assert_eq!(default_key_dir("sqlite:x.db"), PathBuf::from("keys"));
        assert_eq!(
            default_key_dir("postgres://h/d"),
            PathBuf::from("./data/keys")
        );
    }
}
