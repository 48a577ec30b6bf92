//! The JSON bodies of the device API besides batches: activation, acknowledgements, downsync and
//! errors. Field names are contract (docs/PROTOCOL.md).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::message::Message;
use crate::protocol::activation_code;
use crate::protocol::labels::LABEL_ACTIVATE;
use crate::protocol::PROTOCOL_VERSION;
use crate::signer::{self, DeviceSigner};

/// `POST /v1/activate` request. `signature` (base64 DER) is made by the NEW device key over
/// [`activation_message`]: proof that the device holds the key it registers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivationRequest {
    pub v: u32,
    pub code: String,
    pub public_key: String,
    pub app_version: String,
    pub signature: String,
}

impl ActivationRequest {
    /// The activation request for `code`, proven by `signer`'s key: the signature is over the
    /// code's normalized form (the code itself when it has none: the server then refuses it as
    /// mistyped) and the public key, in the activation context. The one way every client (the
    /// device, the simulated devices, the tests and the load driver) builds it.
    pub fn signed(
        code: &str,
        signer: &dyn DeviceSigner,
        app_version: &str,
    ) -> Result<ActivationRequest, DomainError> {
        let normalized = activation_code::normalize(code).unwrap_or_else(|_| code.to_string());
        let public_key = signer.public_key()?;
        let proof = signer::sign_in_context(
            signer,
            LABEL_ACTIVATE,
            &activation_message(&normalized, &public_key),
        )?;
        Ok(ActivationRequest {
            v: PROTOCOL_VERSION,
            code: code.to_string(),
            public_key: B64.encode(&public_key),
            app_version: app_version.to_string(),
            signature: B64.encode(proof),
        })
    }
}

/// The bytes signed for activation: `normalized code ‖ 0x00 ‖ public key`.
pub fn activation_message(normalized_code: &str, public_key: &[u8]) -> Vec<u8> {
    let mut m = normalized_code.as_bytes().to_vec();
    m.push(0);
    m.extend_from_slice(public_key);
    m
}

/// The signed activation answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivationResponse {
    pub device_id: String,
    pub agent_id: String,
    pub branch: String,
    /// The server's public key, base64 of 65 bytes.
    pub server_key: String,
    pub nonce: String,
    /// Rule-set updates the device does not ship with (JSON documents).
    #[serde(default)]
    pub rule_sets: Vec<serde_json::Value>,
    /// The branch's registered-NIK tags and the key to compute them.
    #[serde(default)]
    pub nik_tags: super::downsync::NikTagList,
    /// Where the first downsync starts.
    #[serde(default)]
    pub cursor: String,
}

/// One record's fate in a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    Accepted,
    DuplicateRecord,
    Rejected,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldCode {
    pub field: String,
    pub code: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordResult {
    pub id: String,
    pub status: RecordStatus,
    /// Rejection reasons, or `nik.duplicate_known` on an accepted record.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<FieldCode>,
}

/// The signed acknowledgement of a batch (`perisai/v1/ack`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    pub device_id: String,
    pub seq: u64,
    pub batch_hash: String,
    pub results: Vec<RecordResult>,
    pub nonce: String,
    /// Set when the whole batch was refused although it continued the chain (its body could not
    /// be decoded: `batch.body_undecodable`): every record in it is rejected, `results` is empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub batch_codes: Vec<FieldCode>,
}

/// The body of every refusal: a stable code and a bilingual message, plus what the device needs
/// to recover (`expected_seq` on `seq.gap`, `min_app_version` on 426, a signed wipe on revocation).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: String,
    pub message: Message,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_seq: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_app_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wipe: Option<super::envelope::SignedEnvelope>,
}
