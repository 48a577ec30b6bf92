//! Device signatures: the [`DeviceSigner`] trait, a software P-256 signer, and signing in a
//! context label that makes a signature mean one thing only (the labels are the protocol's:
//! `protocol::labels`; docs/ARCHITECTURE.md §4).
//!
//! On a phone the signer is the platform keystore (Android Keystore, iOS Secure Enclave), reached
//! through the `perisai-ffi` facade; hardware keystores speak ECDSA P-256 with SHA-256, so that is
//! the one algorithm here. [`SoftwareSigner`] is the same thing with the private key in a file,
//! for the desktop shell and for tests.
//!
//! Never sign raw bytes: build the message with [`signed_message`] (or use [`sign_in_context`] /
//! [`verify_in_context`]) so that it starts with one of the protocol's context labels. A signature made over a
//! batch header can then never be replayed as an activation, a request or an acknowledgement.
//!
//! ```
//! use perisai_domain::protocol::labels::{LABEL_ACK, LABEL_BATCH};
//! use perisai_domain::signer::{self, DeviceSigner, SoftwareSigner};
//! let dir = tempfile::tempdir().unwrap();
//! let key = SoftwareSigner::open_or_create(dir.path().join("device-signing.key")).unwrap();
//! let sig = signer::sign_in_context(&key, LABEL_BATCH, b"header").unwrap();
//! let public = key.public_key().unwrap();
//! assert!(signer::verify_in_context(&public, LABEL_BATCH, b"header", &sig));
//! assert!(!signer::verify_in_context(&public, LABEL_ACK, b"header", &sig));
//! ```

use std::fs;
use std::io::{self};
use std::path::Path;

use ring::rand::SystemRandom;
use ring::signature::{
    EcdsaKeyPair, KeyPair, UnparsedPublicKey, ECDSA_P256_SHA256_ASN1,
    ECDSA_P256_SHA256_ASN1_SIGNING,
};

use crate::error::DomainError;
use crate::secret_file::{self, Created};

/// Length of an uncompressed SEC1 P-256 public key: `0x04 ‖ X ‖ Y`.
pub const PUBLIC_KEY_LEN: usize = 65;

/// A device's signing key. Implemented by the platform keystores through the FFI facade, and by
/// [`SoftwareSigner`]. Implementations must be usable from several threads at once.
pub trait DeviceSigner: Send + Sync {
    /// The public key as a 65-byte uncompressed P-256 point.
    fn public_key(&self) -> Result<Vec<u8>, DomainError>;
    /// An ECDSA P-256 / SHA-256 signature over `message`, DER-encoded. The message should come
    /// from [`signed_message`].
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, DomainError>;
}

/// The bytes that are actually signed: `label ‖ 0x00 ‖ payload`.
///
/// The NUL byte ends the label, so no label can be read as the prefix of another label's message
/// (labels are ASCII and never contain NUL).
pub fn signed_message(label: &str, payload: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(label.len() + 1 + payload.len());
    message.extend_from_slice(label.as_bytes());
    message.push(0);
    message.extend_from_slice(payload);
    message
}

/// Signs `payload` in the context `label` (one of the `LABEL_*` constants).
pub fn sign_in_context(
    signer: &dyn DeviceSigner,
    label: &str,
    payload: &[u8],
) -> Result<Vec<u8>, DomainError> {
    signer.sign(&signed_message(label, payload))
}

/// Checks a signature made by [`sign_in_context`] with the same `label`.
pub fn verify_in_context(public_key: &[u8], label: &str, payload: &[u8], signature: &[u8]) -> bool {
    verify(public_key, &signed_message(label, payload), signature)
}

/// Checks an ECDSA P-256 / SHA-256 DER signature over `message`. Any malformed key or signature
/// is simply `false`: the caller decides what a bad signature means (ARCHITECTURE.md §4).
pub fn verify(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    if public_key.len() != PUBLIC_KEY_LEN {
        return false;
    }
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, public_key)
        .verify(message, signature)
        .is_ok()
}

/// A P-256 signing key kept as PKCS#8 in a file readable by the owner only (0600).
///
/// For the desktop shell and tests; phones use their hardware keystore instead.
pub struct SoftwareSigner {
    key_pair: EcdsaKeyPair,
    rng: SystemRandom,
}

impl SoftwareSigner {
    /// Loads the key at `path`, or creates it (and nothing else: the folder must exist).
    ///
    /// Creation is race-free: the key is written to a temporary file in the same folder and
    /// linked into place only if no key exists yet, so two processes starting at once end up with
    /// the same key.
    pub fn open_or_create(path: impl AsRef<Path>) -> Result<SoftwareSigner, DomainError> {
        let path = path.as_ref();
        match fs::read(path) {
            Ok(pkcs8) => {
                restrict_to_owner(path)?;
                Self::from_pkcs8(&pkcs8)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Self::create(path),
            Err(e) => Err(io_error("read signing key", e)),
        }
    }

    /// A key that lives in memory only (tests, benchmarks).
    pub fn generate_ephemeral() -> Result<SoftwareSigner, DomainError> {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
            .map_err(|_| DomainError::Crypto("signing key generation failed"))?;
        Self::from_pkcs8(pkcs8.as_ref())
    }

    fn from_pkcs8(pkcs8: &[u8]) -> Result<SoftwareSigner, DomainError> {
        let rng = SystemRandom::new();
        let key_pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8, &rng)
            .map_err(|_| DomainError::Crypto("signing key file is not a P-256 PKCS#8 key"))?;
        Ok(SoftwareSigner { key_pair, rng })
    }

    fn create(path: &Path) -> Result<SoftwareSigner, DomainError> {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
            .map_err(|_| DomainError::Crypto("signing key generation failed"))?;
        match secret_file::create_owner_only(path, pkcs8.as_ref())
            .map_err(|e| io_error("store signing key", e))?
        {
            Created::New => Self::from_pkcs8(pkcs8.as_ref()),
            // Another process created it meanwhile: its key wins.
            Created::AlreadyThere => {
                let existing = fs::read(path).map_err(|e| io_error("read signing key", e))?;
                Self::from_pkcs8(&existing)
            }
        }
    }
}

impl DeviceSigner for SoftwareSigner {
    fn public_key(&self) -> Result<Vec<u8>, DomainError> {
        Ok(self.key_pair.public_key().as_ref().to_vec())
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, DomainError> {
        self.key_pair
            .sign(&self.rng, message)
            .map(|s| s.as_ref().to_vec())
            .map_err(|_| DomainError::Crypto("signing failed"))
    }
}

/// An io error named by its operation. Its message shows the error kind only (`DomainError::Io`);
/// the source is an OS error, which never holds the path (a path can hold a user name).
fn io_error(what: &'static str, e: io::Error) -> DomainError {
    DomainError::Io { what, source: e }
}

/// A key file found readable by others is tightened back to 0600 rather than refused: refusing
/// would lock the agent out of a device whose key is still theirs.
fn restrict_to_owner(path: &Path) -> Result<(), DomainError> {
    secret_file::restrict_to_owner(path).map_err(|e| io_error("restrict signing key", e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::labels::{LABELS, LABEL_BATCH};

    #[test]
    fn public_key_is_an_uncompressed_p256_point() {
        let signer = SoftwareSigner::generate_ephemeral().unwrap();
        let pk = signer.public_key().unwrap();
        assert_eq!(pk.len(), PUBLIC_KEY_LEN);
        assert_eq!(pk[0], 0x04);
    }

    #[test]
    fn signature_is_der_and_verifies() {
        let signer = SoftwareSigner::generate_ephemeral().unwrap();
        let sig = signer.sign(b"hello").unwrap();
        // DER SEQUENCE of two INTEGERs: 0x30, length, at most 72 bytes for P-256.
        assert_eq!(sig[0], 0x30);
        assert_eq!(sig[1] as usize, sig.len() - 2);
        assert!(sig.len() <= 72);
        assert!(verify(&signer.public_key().unwrap(), b"hello", &sig));
    }

    #[test]
    fn tampered_message_signature_or_key_fails() {
        let signer = SoftwareSigner::generate_ephemeral().unwrap();
        let other = SoftwareSigner::generate_ephemeral().unwrap();
        let pk = signer.public_key().unwrap();
        let sig = signer.sign(b"batch 1").unwrap();
        assert!(!verify(&pk, b"batch 2", &sig));
        assert!(!verify(&other.public_key().unwrap(), b"batch 1", &sig));
        let mut bad = sig.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(!verify(&pk, b"batch 1", &bad));
    }

    #[test]
    fn malformed_inputs_are_false_not_panics() {
        let signer = SoftwareSigner::generate_ephemeral().unwrap();
        let pk = signer.public_key().unwrap();
        let sig = signer.sign(b"m").unwrap();
        assert!(!verify(&[], b"m", &sig));
        assert!(!verify(&pk[..33], b"m", &sig)); // compressed-length key is not accepted
        assert!(!verify(&[0u8; 65], b"m", &sig));
        assert!(!verify(&pk, b"m", &[]));
        assert!(!verify(&pk, b"m", &[0x30, 0x00]));
        assert!(!verify(&pk, b"m", &[0xff; 200]));
    }

    #[test]
    fn a_signature_is_bound_to_its_context_label() {
        let signer = SoftwareSigner::generate_ephemeral().unwrap();
        let pk = signer.public_key().unwrap();
        let sig = sign_in_context(&signer, LABEL_BATCH, b"payload").unwrap();
        assert!(verify_in_context(&pk, LABEL_BATCH, b"payload", &sig));
        for label in LABELS.iter().filter(|l| **l != LABEL_BATCH) {
            assert!(!verify_in_context(&pk, label, b"payload", &sig), "{label}");
        }
        // Nor does it verify over the bare payload.
        assert!(!verify(&pk, b"payload", &sig));
    }

    #[test]
    fn signed_message_is_label_nul_payload() {
        assert_eq!(
            signed_message("perisai/v1/ack", b"xy"),
            b"perisai/v1/ack\0xy"
        );
        // A label can not be shifted into the payload.
        assert_ne!(
            signed_message("perisai/v1/batch", b"x"),
            signed_message("perisai/v1/batc", b"hx")
        );
    }

    #[test]
    fn labels_are_distinct_and_versioned() {
        let mut seen = std::collections::BTreeSet::new();
        for label in LABELS {
            assert!(label.starts_with("perisai/v1/"));
            assert!(!label.contains('\0'));
            assert!(seen.insert(label));
        }
    }

    #[test]
    fn key_file_is_created_owner_only_and_reloaded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("signing.key");
        let first = SoftwareSigner::open_or_create(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = SoftwareSigner::open_or_create(&path).unwrap();
        assert_eq!(first.public_key().unwrap(), again.public_key().unwrap());
        let sig = again.sign(b"m").unwrap();
        assert!(verify(&first.public_key().unwrap(), b"m", &sig));
        // No temporary file is left behind.
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_loose_key_file_is_tightened_to_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("signing.key");
        SoftwareSigner::open_or_create(&path).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        SoftwareSigner::open_or_create(&path).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_corrupt_key_file_is_a_crypto_error_and_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("signing.key");
        fs::write(&path, b"not a key").unwrap();
        let err = SoftwareSigner::open_or_create(&path).err().unwrap();
        assert_eq!(err.code(), "store.key");
        assert_eq!(fs::read(&path).unwrap(), b"not a key");
    }

    #[test]
    fn a_missing_folder_is_an_io_error_without_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no-such-dir").join("signing.key");
        let err = SoftwareSigner::open_or_create(&path).err().unwrap();
        assert_eq!(err.code(), "io.error");
        assert!(!err.to_string().contains("no-such-dir"));
    }

    #[test]
    fn concurrent_creation_yields_one_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("signing.key");
        let keys: Vec<Vec<u8>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    let p = path.clone();
                    s.spawn(move || {
                        SoftwareSigner::open_or_create(&p)
                            .unwrap()
                            .public_key()
                            .unwrap()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(keys.windows(2).all(|w| w[0] == w[1]));
    }
}
