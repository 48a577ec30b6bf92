//! The two platform keys, as foreign traits: [`KeyVault`] (wraps the data key; Android Keystore,
//! iOS Keychain) and [`DeviceSigner`] (the device's P-256 signing key; Android Keystore /
//! StrongBox, iOS Secure Enclave).
//!
//! Shells implement them in Kotlin or Swift and hand them to [`crate::AgentApp::open`]; the
//! adapters here turn them into the core's traits (`perisai_core::seal::KeyVault`,
//! `perisai_core::signer::DeviceSigner`). Software implementations, with their keys in 0600 files,
//! are exported for the desktop and for tests: [`software_key_vault`], [`software_signer`].

use std::sync::Arc;

use perisai_core::protocol::labels::LABEL_REQUEST;
use perisai_core::seal::{FileKeyVault, KeyVault as CoreKeyVault};
use perisai_core::signer::{self, DeviceSigner as CoreDeviceSigner, SoftwareSigner};
use perisai_core::DomainError;

use crate::error::PerisaiError;

/// Wraps and unwraps the store's data key with a key that never leaves the platform keystore.
#[uniffi::export(with_foreign)]
pub trait KeyVault: Send + Sync {
    /// Encrypts (wraps) the 32-byte data key; the result is stored beside the database.
    fn wrap_key(&self, key: Vec<u8>) -> Result<Vec<u8>, PerisaiError>;
    /// Decrypts what [`KeyVault::wrap_key`] returned.
    fn unwrap_key(&self, wrapped: Vec<u8>) -> Result<Vec<u8>, PerisaiError>;
}

/// The device's signing key: ECDSA P-256 with SHA-256.
#[uniffi::export(with_foreign)]
pub trait DeviceSigner: Send + Sync {
    /// The public key as a 65-byte uncompressed point (`0x04 ‖ X ‖ Y`).
    fn public_key(&self) -> Result<Vec<u8>, PerisaiError>;
    /// A DER-encoded ECDSA P-256 / SHA-256 signature over `message` (the platform hashes it).
    fn sign(&self, message: Vec<u8>) -> Result<Vec<u8>, PerisaiError>;
}

/// A shell's [`KeyVault`] seen by the core. A platform failure becomes `store.key`: the store is
/// then left untouched, which is what the core does for any key it cannot unwrap.
pub(crate) struct ForeignKeyVault(pub(crate) Arc<dyn KeyVault>);

impl CoreKeyVault for ForeignKeyVault {
    fn wrap_key(&self, key: &[u8]) -> Result<Vec<u8>, DomainError> {
        self.0
            .wrap_key(key.to_vec())
            .map_err(|_| DomainError::Crypto("platform key vault could not wrap the data key"))
    }

    fn unwrap_key(&self, wrapped: &[u8]) -> Result<Vec<u8>, DomainError> {
        self.0
            .unwrap_key(wrapped.to_vec())
            .map_err(|_| DomainError::Crypto("platform key vault could not unwrap the data key"))
    }
}

/// A shell's [`DeviceSigner`] seen by the core (for activation and batch signing).
pub(crate) struct ForeignSigner(pub(crate) Arc<dyn DeviceSigner>);

impl CoreDeviceSigner for ForeignSigner {
    fn public_key(&self) -> Result<Vec<u8>, DomainError> {
        self.0
            .public_key()
            .map_err(|_| DomainError::Crypto("platform signer has no public key"))
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, DomainError> {
        self.0
            .sign(message.to_vec())
            .map_err(|_| DomainError::Crypto("platform signer refused to sign"))
    }
}

/// [`KeyVault`] over the core's `FileKeyVault` (a 0600 key file): for the desktop and tests.
struct SoftwareKeyVault(FileKeyVault);

impl KeyVault for SoftwareKeyVault {
    fn wrap_key(&self, key: Vec<u8>) -> Result<Vec<u8>, PerisaiError> {
        Ok(self.0.wrap_key(&key)?)
    }

    fn unwrap_key(&self, wrapped: Vec<u8>) -> Result<Vec<u8>, PerisaiError> {
        Ok(self.0.unwrap_key(&wrapped)?)
    }
}

/// [`DeviceSigner`] over the core's `SoftwareSigner` (PKCS#8 in a 0600 file).
struct SoftwareDeviceSigner(SoftwareSigner);

impl DeviceSigner for SoftwareDeviceSigner {
    fn public_key(&self) -> Result<Vec<u8>, PerisaiError> {
        Ok(self.0.public_key()?)
    }

    fn sign(&self, message: Vec<u8>) -> Result<Vec<u8>, PerisaiError> {
        Ok(self.0.sign(&message)?)
    }
}

/// A key vault whose key is a file at `path` (created 0600 if missing). Not for phones.
#[uniffi::export]
pub fn software_key_vault(path: String) -> Result<Arc<dyn KeyVault>, PerisaiError> {
    let vault = FileKeyVault::open_or_create(std::path::Path::new(&path))?;
    Ok(Arc::new(SoftwareKeyVault(vault)))
}

/// A P-256 signer whose key is a file at `path` (created 0600 if missing). Not for phones.
#[uniffi::export]
pub fn software_signer(path: String) -> Result<Arc<dyn DeviceSigner>, PerisaiError> {
    Ok(Arc::new(SoftwareDeviceSigner(
        SoftwareSigner::open_or_create(&path)?,
    )))
}

/// Checks an ECDSA P-256 / SHA-256 DER `signature` over `message` with a 65-byte public key.
#[uniffi::export]
pub fn verify_signature(public_key: Vec<u8>, message: Vec<u8>, signature: Vec<u8>) -> bool {
    signer::verify(&public_key, &message, &signature)
}

/// Proves a shell's signer speaks the protocol's encodings (65-byte uncompressed key, DER
/// signatures that verify): the Kotlin and Swift tests of the keystore signers call this.
#[uniffi::export]
pub fn check_device_signer(signer: Arc<dyn DeviceSigner>) -> Result<bool, PerisaiError> {
    let adapter = ForeignSigner(signer);
    let public_key = adapter.public_key()?;
    let probe = b"perisai device signer self-test";
    let signature = signer::sign_in_context(&adapter, LABEL_REQUEST, probe)?;
    Ok(signer::verify_in_context(
        &public_key,
        LABEL_REQUEST,
        probe,
        &signature,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A vault that refuses everything, as a locked keystore would.
    struct LockedVault;
    impl KeyVault for LockedVault {
        fn wrap_key(&self, _: Vec<u8>) -> Result<Vec<u8>, PerisaiError> {
            Err(PerisaiError::failed(
                "keystore.locked",
                "Terkunci",
                "Locked",
            ))
        }
        fn unwrap_key(&self, _: Vec<u8>) -> Result<Vec<u8>, PerisaiError> {
            Err(PerisaiError::failed(
                "keystore.locked",
                "Terkunci",
                "Locked",
            ))
        }
    }

    /// A signer that returns garbage, as a misconfigured platform key might.
    struct RawSigner;
    impl DeviceSigner for RawSigner {
        fn public_key(&self) -> Result<Vec<u8>, PerisaiError> {
            Ok(vec![4; 65])
        }
        fn sign(&self, _: Vec<u8>) -> Result<Vec<u8>, PerisaiError> {
            Ok(vec![0; 64]) // raw r‖s, not DER
        }
    }

    #[test]
    fn software_signer_passes_the_self_test_and_keeps_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("signing.key").display().to_string();
        let signer = software_signer(path.clone()).unwrap();
        assert!(check_device_signer(signer.clone()).unwrap());
        let again = software_signer(path).unwrap();
        assert_eq!(signer.public_key().unwrap(), again.public_key().unwrap());
        let sig = signer.sign(b"m".to_vec()).unwrap();
        assert!(verify_signature(
            again.public_key().unwrap(),
            b"m".to_vec(),
            sig
        ));
    }

    #[test]
    fn a_signer_with_the_wrong_encoding_fails_the_self_test() {
        assert!(!check_device_signer(Arc::new(RawSigner)).unwrap());
    }

    #[test]
    fn software_key_vault_round_trips_through_the_core_adapter() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("device.key").display().to_string();
        let vault = ForeignKeyVault(software_key_vault(path).unwrap());
        let key = [7u8; 32];
        let wrapped = vault.wrap_key(&key).unwrap();
        assert_ne!(wrapped, key.to_vec());
        assert_eq!(vault.unwrap_key(&wrapped).unwrap(), key.to_vec());
    }

    #[test]
    fn a_refusing_platform_vault_is_a_store_key_error() {
        let vault = ForeignKeyVault(Arc::new(LockedVault));
        let err = vault.unwrap_key(&[1, 2, 3]).err().unwrap();
        assert_eq!(err.code(), "store.key");
    }
}
