//! Sealing: how personal data is kept unreadable at rest on the device (ARCHITECTURE.md §3).
//!
//! - A random 256-bit **data key** ([`DataKey`]) is made once per store. It never touches the disk
//!   in clear: the platform [`KeyVault`] (Android Keystore, iOS Keychain, or [`FileKeyVault`] on the
//!   desktop) wraps it, and only the wrapped form is kept in the database.
//! - A [`Sealer`] is built from the data key. It seals a whole record's content as one AES-256-GCM
//!   blob bound (associated data) to what the blob is (record content, draft, card, note), the record
//!   id and the schema version of the content, so a blob copied onto another row, or read as
//!   another kind, fails to open instead of showing someone else's data.
//! - It also computes **blind-index tags** of a normalized NIK (HMAC-SHA256 under a per-device key
//!   derived from the data key), kept in clear so the local duplicate check is one index look-up.
//!
//! ```text
//! let vault = FileKeyVault::open_or_create(path)?;          // or the platform's vault
//! let key = DataKey::generate()?;  let wrapped = vault.wrap_key(key.as_bytes())?;   // new store
//! let key = DataKey::from_bytes(vault.unwrap_key(&wrapped)?)?;                     // later opens
//! let sealer = Sealer::new(&key);
//! let blob = sealer.seal(Purpose::Record, id, 1, &json)?;   let json = sealer.open(Purpose::Record, id, 1, &blob)?;
//! ```
//!
//! Opening a tampered blob, or a blob under the wrong key, is always [`DomainError::Crypto`], never
//! garbage. Key bytes are wiped from memory when dropped ([`zeroize`]) and every `Debug` is
//! redacted, so a key cannot end up in a log by accident.

use std::fmt;
use std::path::{Path, PathBuf};

use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use ring::{hkdf, hmac};
use zeroize::Zeroizing;

use crate::error::DomainError;
use crate::secret_file;

/// Length of the data key and of a key-encryption key, in bytes (AES-256).
pub const KEY_LEN: usize = 32;
/// Length of a blind-index tag, in bytes (the full HMAC-SHA256 output).
pub const TAG_LEN: usize = 32;

/// First byte of every sealed blob: the envelope format, so it can change without guessing.
const ENVELOPE_V1: u8 = 1;
const TAG_OVERHEAD: usize = 16;

/// The store's data key. Zeroed on drop; `Debug` never prints it.
pub struct DataKey(Zeroizing<Vec<u8>>);

impl DataKey {
    /// A fresh random key from the operating system's generator.
    pub fn generate() -> Result<DataKey, DomainError> {
        let mut bytes = Zeroizing::new(vec![0u8; KEY_LEN]);
        SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| DomainError::Crypto("random generator unavailable"))?;
        Ok(DataKey(bytes))
    }

    /// Takes ownership of unwrapped key bytes (they are wiped when the key is dropped).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<DataKey, DomainError> {
        let bytes = Zeroizing::new(bytes);
        if bytes.len() != KEY_LEN {
            return Err(DomainError::Crypto("data key has the wrong length"));
        }
        Ok(DataKey(bytes))
    }

    /// The raw bytes, only to hand them to a [`KeyVault`] for wrapping.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(<redacted>)")
    }
}

/// The platform keystore that protects the data key. Implemented by the shells (Android Keystore,
/// iOS Keychain / Secure Enclave) through the FFI facade, and by [`FileKeyVault`] here.
///
/// `unwrap_key` must fail (never return other bytes) when `wrapped` was not made by this vault.
pub trait KeyVault: Send + Sync {
    fn wrap_key(&self, key: &[u8]) -> Result<Vec<u8>, DomainError>;
    fn unwrap_key(&self, wrapped: &[u8]) -> Result<Vec<u8>, DomainError>;
}

/// What a sealed blob holds. Part of the associated data, so a blob of one kind never opens as
/// another (a card can't be passed off as a record's content, nor a draft as a submitted record).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// A submitted record's full content.
    Record,
    /// A draft: any JSON object the agent saved.
    Draft,
    /// The participant card kept after a purge.
    Card,
    /// A supervisor's comment or reason (free text, so possibly personal).
    Note,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::Record => b"record",
            Purpose::Draft => b"draft",
            Purpose::Card => b"card",
            Purpose::Note => b"note",
        }
    }
}

/// Seals and opens blobs, and computes blind-index tags, under one data key.
pub struct Sealer {
    aead: LessSafeKey,
    tag_key: hmac::Key,
    rng: SystemRandom,
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sealer(<redacted>)")
    }
}

/// `hkdf::KeyType` for a plain byte length (what `ring` wants to size an HKDF output).
struct Len(usize);
impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

impl Sealer {
    /// Derives the sealing key and the per-device tag key from the data key with HKDF-SHA256, so
    /// the two uses never share a key.
    pub fn new(key: &DataKey) -> Sealer {
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, b"perisai/v1/store").extract(key.as_bytes());
        let aead_key = Self::expand(&prk, b"perisai/v1/seal");
        let tag_key = Self::expand(&prk, b"perisai/v1/nik-tag");
        Sealer {
            aead: LessSafeKey::new(
                UnboundKey::new(&AES_256_GCM, &aead_key)
                    .unwrap_or_else(|_| unreachable!("a 32-byte key is valid for AES-256-GCM")),
            ),
            tag_key: hmac::Key::new(hmac::HMAC_SHA256, &tag_key),
            rng: SystemRandom::new(),
        }
    }

    fn expand(prk: &hkdf::Prk, info: &[u8]) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(vec![0u8; KEY_LEN]);
        let info = [info];
        // Both calls only fail for an output longer than 255 hashes; ours is one hash long.
        prk.expand(&info, Len(KEY_LEN))
            .and_then(|okm| okm.fill(&mut out))
            .unwrap_or_else(|_| unreachable!("HKDF-SHA256 can always give 32 bytes"));
        out
    }

    /// Seals `plaintext` for row `id`: `[envelope version][96-bit random nonce][ciphertext + tag]`.
    pub fn seal(
        &self,
        purpose: Purpose,
        id: &str,
        schema_version: u32,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, DomainError> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng
            .fill(&mut nonce)
            .map_err(|_| DomainError::Crypto("random generator unavailable"))?;
        let mut blob = Vec::with_capacity(1 + NONCE_LEN + plaintext.len() + TAG_OVERHEAD);
        blob.push(ENVELOPE_V1);
        blob.extend_from_slice(&nonce);
        let mut in_out = plaintext.to_vec();
        self.aead
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(associated_data(purpose, id, schema_version)),
                &mut in_out,
            )
            .map_err(|_| DomainError::Crypto("sealing failed"))?;
        blob.extend_from_slice(&in_out);
        Ok(blob)
    }

    /// Opens a blob made by [`Sealer::seal`] with the same purpose, id and schema version. Any
    /// change to the blob, or another key, id, purpose or version, is [`DomainError::Crypto`].
    pub fn open(
        &self,
        purpose: Purpose,
        id: &str,
        schema_version: u32,
        blob: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, DomainError> {
        if blob.len() < 1 + NONCE_LEN + TAG_OVERHEAD || blob[0] != ENVELOPE_V1 {
            return Err(DomainError::Crypto("sealed data is damaged"));
        }
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&blob[1..1 + NONCE_LEN]);
        let mut in_out = Zeroizing::new(blob[1 + NONCE_LEN..].to_vec());
        let len = self
            .aead
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(associated_data(purpose, id, schema_version)),
                &mut in_out,
            )
            .map_err(|_| DomainError::Crypto("sealed data is damaged or under another key"))?
            .len();
        in_out.truncate(len);
        Ok(in_out)
    }

    /// The blind-index tag of a normalized (16-digit) NIK on this device.
    pub fn nik_tag(&self, normalized_nik: &str) -> Vec<u8> {
        let mut ctx = hmac::Context::with_key(&self.tag_key);
        ctx.update(b"perisai/v1/nik\0");
        ctx.update(normalized_nik.as_bytes());
        ctx.sign().as_ref().to_vec()
    }
}

/// `perisai/v1/<purpose> \0 <id> \0 <schema version, big-endian u32>`: unambiguous because ids
/// never contain a NUL byte.
fn associated_data(purpose: Purpose, id: &str, schema_version: u32) -> Vec<u8> {
    let mut ad = Vec::with_capacity(16 + id.len());
    ad.extend_from_slice(b"perisai/v1/");
    ad.extend_from_slice(purpose.label());
    ad.push(0);
    ad.extend_from_slice(id.as_bytes());
    ad.push(0);
    ad.extend_from_slice(&schema_version.to_be_bytes());
    ad
}

/// A software [`KeyVault`] for the desktop shell and tests: a random key-encryption key (KEK) in a
/// file only its owner may read (mode 0600), wrapping with AES-256-GCM.
///
/// This is as strong as the file's permissions and the disk's encryption; on phones the platform
/// keystore takes its place. A KEK file that group or others can read is refused, because a key
/// others could have copied protects nothing.
pub struct FileKeyVault {
    kek: LessSafeKey,
    rng: SystemRandom,
}

impl fmt::Debug for FileKeyVault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FileKeyVault(<redacted>)")
    }
}

/// Marks a wrapped key made by [`FileKeyVault`], version 1.
const WRAP_MAGIC: &[u8; 4] = b"PKW1";
const WRAP_AD: &[u8] = b"perisai/v1/file-key-vault";

impl FileKeyVault {
    /// Opens the KEK file at `path`, or creates it (with its folder) when it does not exist.
    /// Creation is atomic: the key is written to a temporary file with mode 0600, flushed to disk,
    /// then linked into place, so a crash never leaves a short key file behind.
    pub fn open_or_create(path: &Path) -> Result<FileKeyVault, DomainError> {
        match std::fs::metadata(path) {
            Ok(_) => Self::open(path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Self::create(path)?;
                Self::open(path)
            }
            Err(e) => Err(key_file_error(e)),
        }
    }

    fn open(path: &Path) -> Result<FileKeyVault, DomainError> {
        check_owner_only(path)?;
        let bytes = Zeroizing::new(std::fs::read(path).map_err(key_file_error)?);
        if bytes.len() != KEY_LEN {
            return Err(DomainError::Crypto("key file has the wrong length"));
        }
        let kek = UnboundKey::new(&AES_256_GCM, &bytes)
            .map_err(|_| DomainError::Crypto("key file unusable"))?;
        Ok(FileKeyVault {
            kek: LessSafeKey::new(kek),
            rng: SystemRandom::new(),
        })
    }

    fn create(path: &Path) -> Result<(), DomainError> {
        let io = key_file_error;
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir).map_err(io)?;
        let mut key = Zeroizing::new(vec![0u8; KEY_LEN]);
        SystemRandom::new()
            .fill(&mut key)
            .map_err(|_| DomainError::Crypto("random generator unavailable"))?;
        // Another process may have created it meanwhile: its key wins (the caller opens it).
        secret_file::create_owner_only(path, &key).map_err(io)?;
        Ok(())
    }
}

#[cfg(unix)]
/// A key file's io error: the operation and the error kind only (a path can hold a user name).
fn key_file_error(e: std::io::Error) -> DomainError {
    DomainError::Io {
        what: "key file",
        source: e,
    }
}

fn check_owner_only(path: &Path) -> Result<(), DomainError> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).map_err(key_file_error)?;
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(DomainError::Crypto(
            "key file is accessible to other users (needs mode 0600)",
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_owner_only(_path: &Path) -> Result<(), DomainError> {
    // Windows ACLs are not checked: the desktop shell is for QA and training there.
    Ok(())
}

impl KeyVault for FileKeyVault {
    fn wrap_key(&self, key: &[u8]) -> Result<Vec<u8>, DomainError> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng
            .fill(&mut nonce)
            .map_err(|_| DomainError::Crypto("random generator unavailable"))?;
        let mut in_out = key.to_vec();
        self.kek
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(WRAP_AD),
                &mut in_out,
            )
            .map_err(|_| DomainError::Crypto("key wrapping failed"))?;
        let mut out = WRAP_MAGIC.to_vec();
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&in_out);
        Ok(out)
    }

    fn unwrap_key(&self, wrapped: &[u8]) -> Result<Vec<u8>, DomainError> {
        let head = WRAP_MAGIC.len() + NONCE_LEN;
        if wrapped.len() < head + aead::MAX_TAG_LEN || &wrapped[..WRAP_MAGIC.len()] != WRAP_MAGIC {
            return Err(DomainError::Crypto("wrapped data key is damaged"));
        }
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&wrapped[WRAP_MAGIC.len()..head]);
        let mut in_out = Zeroizing::new(wrapped[head..].to_vec());
        let key = self
            .kek
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(WRAP_AD),
                &mut in_out,
            )
            .map_err(|_| DomainError::Crypto("data key cannot be unwrapped with this key file"))?;
        Ok(key.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer() -> Sealer {
        Sealer::new(&DataKey::generate().unwrap())
    }

    #[test]
    fn seal_round_trip() {
        let s = sealer();
        let blob = s.seal(Purpose::Record, "id-1", 1, b"{\"nik\":1}").unwrap();
        assert_eq!(
            &*s.open(Purpose::Record, "id-1", 1, &blob).unwrap(),
            b"{\"nik\":1}"
        );
        // A fresh nonce each time: sealing the same content twice gives different blobs.
        let again = s.seal(Purpose::Record, "id-1", 1, b"{\"nik\":1}").unwrap();
        assert_ne!(blob, again);
        assert!(!blob.windows(5).any(|w| w == b"\"nik\""));
    }

    #[test]
    fn every_flipped_byte_is_a_crypto_error() {
        let s = sealer();
        let blob = s
            .seal(Purpose::Record, "id-1", 1, b"personal content")
            .unwrap();
        for i in 0..blob.len() {
            let mut bad = blob.clone();
            bad[i] ^= 0x01;
            let err = s.open(Purpose::Record, "id-1", 1, &bad).unwrap_err();
            assert_eq!(err.code(), "store.key", "byte {i}");
        }
        assert!(s.open(Purpose::Record, "id-1", 1, &blob[..10]).is_err());
    }

    #[test]
    fn blob_is_bound_to_id_purpose_version_and_key() {
        let s = sealer();
        let blob = s.seal(Purpose::Record, "id-1", 1, b"content").unwrap();
        assert!(s.open(Purpose::Record, "id-2", 1, &blob).is_err());
        assert!(s.open(Purpose::Card, "id-1", 1, &blob).is_err());
        assert!(s.open(Purpose::Record, "id-1", 2, &blob).is_err());
        assert!(sealer().open(Purpose::Record, "id-1", 1, &blob).is_err());
    }

    #[test]
    fn nik_tags_are_keyed_per_device() {
        let key = DataKey::generate().unwrap();
        let a = Sealer::new(&key);
        let b = Sealer::new(&DataKey::from_bytes(key.as_bytes().to_vec()).unwrap());
        let t = a.nik_tag("3201011501900001");
        assert_eq!(t.len(), TAG_LEN);
        assert_eq!(t, b.nik_tag("3201011501900001"));
        assert_ne!(t, a.nik_tag("3201011501900002"));
        assert_ne!(t, sealer().nik_tag("3201011501900001"));
    }

    #[test]
    fn debug_output_never_shows_keys() {
        let key = DataKey::generate().unwrap();
        assert_eq!(format!("{key:?}"), "DataKey(<redacted>)");
        assert_eq!(format!("{:?}", Sealer::new(&key)), "Sealer(<redacted>)");
    }

    #[test]
    fn file_vault_wraps_and_refuses_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("device.key");
        let vault = FileKeyVault::open_or_create(&path).unwrap();
        let key = DataKey::generate().unwrap();
        let wrapped = vault.wrap_key(key.as_bytes()).unwrap();
        assert!(!wrapped.windows(KEY_LEN).any(|w| w == key.as_bytes()));
        // The same file opens again and unwraps.
        let again = FileKeyVault::open_or_create(&path).unwrap();
        assert_eq!(again.unwrap_key(&wrapped).unwrap(), key.as_bytes());
        // Another KEK cannot unwrap it, nor can a damaged blob.
        let other = FileKeyVault::open_or_create(&dir.path().join("other.key")).unwrap();
        assert_eq!(other.unwrap_key(&wrapped).unwrap_err().code(), "store.key");
        let mut bad = wrapped.clone();
        *bad.last_mut().unwrap() ^= 1;
        assert!(vault.unwrap_key(&bad).is_err());
        assert!(vault.unwrap_key(b"short").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn file_vault_is_owner_only_and_refuses_readable_files() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("device.key");
        FileKeyVault::open_or_create(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = FileKeyVault::open_or_create(&path).unwrap_err();
        assert_eq!(err.code(), "store.key");
        // Leftover temporary files are not left in the folder.
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn short_key_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("device.key");
        FileKeyVault::open_or_create(&path).unwrap();
        std::fs::write(&path, b"short").unwrap();
        assert!(FileKeyVault::open_or_create(&path).is_err());
    }
}
