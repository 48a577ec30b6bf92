//! Signed server responses: `{"payload": b64(JSON bytes), "signature": b64(DER), "key": fingerprint}`.
//!
//! The signature covers the payload bytes exactly as sent (no canonical JSON needed); the device
//! checks it with the server key pinned at activation before it reads a single field, so it can
//! later prove what the server confirmed.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::key_fingerprint;
use crate::error::DomainError;
use crate::signer::{self, DeviceSigner};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedEnvelope {
    pub payload: String,
    pub signature: String,
    pub key: String,
}

/// Why a signed response was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    #[error("response undecodable")]
    Malformed,
    #[error("response signature invalid")]
    Signature,
}

impl EnvelopeError {
    pub fn code(&self) -> &'static str {
        match self {
            EnvelopeError::Malformed => "response.malformed",
            EnvelopeError::Signature => "response.signature",
        }
    }
}

impl SignedEnvelope {
    /// Serializes `payload` and signs it in the context `label` with the server key.
    pub fn sign<T: Serialize>(
        label: &str,
        payload: &T,
        server: &dyn DeviceSigner,
    ) -> Result<SignedEnvelope, DomainError> {
        let bytes = serde_json::to_vec(payload).map_err(|e| DomainError::Encode {
            what: "signed payload",
            source: e.into(),
        })?;
        let signature = signer::sign_in_context(server, label, &bytes)?;
        Ok(SignedEnvelope {
            payload: B64.encode(&bytes),
            signature: B64.encode(signature),
            key: key_fingerprint(&server.public_key()?),
        })
    }

    /// Verifies the signature in the context `label` under `server_public_key`, then decodes.
    pub fn open<T: DeserializeOwned>(
        &self,
        label: &str,
        server_public_key: &[u8],
    ) -> Result<T, EnvelopeError> {
        let bytes = self.verified_payload(label, server_public_key)?;
        serde_json::from_slice(&bytes).map_err(|_| EnvelopeError::Malformed)
    }

    /// The payload bytes, after the signature has been checked.
    pub fn verified_payload(
        &self,
        label: &str,
        server_public_key: &[u8],
    ) -> Result<Vec<u8>, EnvelopeError> {
        let bytes = B64
            .decode(&self.payload)
            .map_err(|_| EnvelopeError::Malformed)?;
        let signature = B64
            .decode(&self.signature)
            .map_err(|_| EnvelopeError::Malformed)?;
        if signer::verify_in_context(server_public_key, label, &bytes, &signature) {
            Ok(bytes)
        } else {
            Err(EnvelopeError::Signature)
        }
    }

    /// Decodes the payload WITHOUT checking the signature: only for the first activation
    /// response, whose key is then checked against the fingerprint or pinned on first use.
    pub fn unverified_payload<T: DeserializeOwned>(&self) -> Result<T, EnvelopeError> {
        let bytes = B64
            .decode(&self.payload)
            .map_err(|_| EnvelopeError::Malformed)?;
        serde_json::from_slice(&bytes).map_err(|_| EnvelopeError::Malformed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::labels::{LABEL_ACK, LABEL_DOWNSYNC};
    use crate::signer::SoftwareSigner;

    #[test]
    fn a_signed_payload_opens_only_in_its_context_and_under_its_key() {
        let server = SoftwareSigner::generate_ephemeral().unwrap();
        let other = SoftwareSigner::generate_ephemeral().unwrap();
        let env = SignedEnvelope::sign(LABEL_ACK, &serde_json::json!({"seq": 3}), &server).unwrap();
        let key = server.public_key().unwrap();
        let v: serde_json::Value = env.open(LABEL_ACK, &key).unwrap();
        assert_eq!(v["seq"], 3);
        assert_eq!(
            env.open::<serde_json::Value>(LABEL_DOWNSYNC, &key),
            Err(EnvelopeError::Signature)
        );
        assert_eq!(
            env.open::<serde_json::Value>(LABEL_ACK, &other.public_key().unwrap()),
            Err(EnvelopeError::Signature)
        );
        let mut forged = env.clone();
        forged.payload = B64.encode(br#"{"seq":4}"#);
        assert_eq!(
            forged.open::<serde_json::Value>(LABEL_ACK, &key),
            Err(EnvelopeError::Signature)
        );
    }
}
