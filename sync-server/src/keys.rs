//! The server's keys, kept in a key folder outside the database (DESIGN.md §4, §5):
//!
//! - `server-signing.key`: the P-256 signing key (PKCS#8, 0600) that signs activation answers,
//!   acknowledgements, downsync answers and wipe commands. Devices pin its public key.
//! - `server-secret.key`: 32 random bytes (0600). HKDF derives from it the key that seals record
//!   content at rest, and the HMAC keys of the NIK index, the phone index and activation codes.
//!
//! A database copied without its key folder is useless for reading personal data, and a key
//! folder paired with the wrong database is refused at start: the database remembers the
//! fingerprint of the signing key and a check value of the secret (`server_meta`).
//! Every server instance sharing a database must share the key folder (or its secret store).

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use perisai_core::protocol::envelope::SignedEnvelope;
use perisai_core::protocol::key_fingerprint;
use perisai_core::seal::{DataKey, Purpose, Sealer};
use perisai_core::signer::{DeviceSigner, SoftwareSigner};
use ring::hkdf;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use serde::Serialize;
use zeroize::Zeroizing;

use crate::db::Db;

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
}

/// The loaded keys. Never `Debug`-printed with their contents.
pub struct ServerKeys {
    signer: SoftwareSigner,
    public_key: Vec<u8>,
    fingerprint: String,
    sealer: Sealer,
    nik_key: hmac::Key,
    phone_key: hmac::Key,
    code_key: hmac::Key,
    secret_check: String,
}

impl std::fmt::Debug for ServerKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ServerKeys(fingerprint {})", self.fingerprint)
    }
}

impl ServerKeys {
    /// Loads the keys in `dir`, creating the folder (0700) and missing keys on first use.
    pub fn load_or_create(dir: &Path) -> Result<ServerKeys, KeyError> {
        fs::create_dir_all(dir).map_err(|e| KeyError::Io(format!("create: {:?}", e.kind())))?;
        restrict_dir(dir);
        let signer = SoftwareSigner::open_or_create(dir.join(SIGNING_KEY_FILE))
            .map_err(|e| KeyError::Crypto(e.to_string()))?;
        let public_key = signer
            .public_key()
            .map_err(|e| KeyError::Crypto(e.to_string()))?;
        let secret = read_or_create_secret(&dir.join(SECRET_FILE))?;
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, b"perisai/v1/server").extract(&secret);
        let data_key = DataKey::from_bytes(expand(&prk, b"perisai/v1/server/seal")?)
            .map_err(|e| KeyError::Crypto(e.to_string()))?;
        let hmac_key = |info: &[u8]| -> Result<hmac::Key, KeyError> {
            Ok(hmac::Key::new(hmac::HMAC_SHA256, &expand(&prk, info)?))
        };
        let check_key = hmac_key(b"perisai/v1/server/check")?;
        Ok(ServerKeys {
            fingerprint: key_fingerprint(&public_key),
            public_key,
            signer,
            sealer: Sealer::new(&data_key),
            nik_key: hmac_key(b"perisai/v1/server/nik-index")?,
            phone_key: hmac_key(b"perisai/v1/server/phone-index")?,
            code_key: hmac_key(b"perisai/v1/server/activation-code")?,
            secret_check: hex(hmac::sign(&check_key, b"check").as_ref()),
        })
    }

    /// Records this key folder in a new database, or checks that it is the one recorded.
    pub async fn bind_to(&self, db: &Db) -> Result<(), KeyError> {
        for (key, value, what) in [
            ("signing_key_fingerprint", &self.fingerprint, "signing key"),
            ("secret_check", &self.secret_check, "secret"),
        ] {
            sqlx::query(
                "INSERT INTO server_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
            )
            .bind(key)
            .bind(value)
            .execute(db.pool())
            .await?;
            let stored: String = sqlx::query_scalar("SELECT value FROM server_meta WHERE key = $1")
                .bind(key)
                .fetch_one(db.pool())
                .await?;
            if &stored != value {
                return Err(KeyError::Mismatch(what));
            }
        }
        Ok(())
    }

    /// The 65-byte public key devices pin.
    pub fn public_key(&self) -> &[u8] {
        &self.public_key
    }

    /// Lowercase hex SHA-256 of the public key: what the QR code and `--fingerprint` carry.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    pub fn signer(&self) -> &dyn DeviceSigner {
        &self.signer
    }

    /// Signs `payload` as an envelope in the context `label`.
    pub fn sign<T: Serialize>(&self, label: &str, payload: &T) -> Result<SignedEnvelope, KeyError> {
        SignedEnvelope::sign(label, payload, &self.signer)
            .map_err(|e| KeyError::Crypto(e.to_string()))
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
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let written = {
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        options.open(&tmp).and_then(|mut f| {
            f.write_all(&secret)?;
            f.sync_all()
        })
    };
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(KeyError::Io(format!("write secret: {:?}", e.kind())));
    }
    let linked = fs::hard_link(&tmp, path);
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(secret),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
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
        Err(e) => Err(KeyError::Io(format!("store secret: {:?}", e.kind()))),
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
