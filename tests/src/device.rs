//! A device at the protocol level, for tests that must control every byte: it activates with a
//! software P-256 key, freezes batches on its own hash chain, uploads them and checks the
//! server's signed answers, all with `perisai-core`'s wire code (the same code the real sync
//! client uses). It is a driver for the protocol, not the sync client: it has no store, no
//! backoff policy and no queue states. The exactly-once suite drives the real client instead.
//!
//! ```no_run
//! # async fn demo(url: &str, code: &str, fingerprint: &str) -> Result<(), perisai_e2e::E2eError> {
//! use perisai_e2e::device::{http_client, ProtocolDevice};
//! use perisai_sim::people::forms;
//! let http = http_client()?;
//! let mut device = ProtocolDevice::activate(&http, url, code, fingerprint).await?;
//! let records = device.wire_records(&forms(0, 100));
//! let batch = device.freeze_next(&records)?;
//! let ack = device.upload_until_acknowledged(&http, url, &batch, 20).await?;
//! # let _ = ack; Ok(()) }
//! ```

use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use perisai_core::protocol::activation_code;
use perisai_core::protocol::batch::{deflate_records, freeze, BatchHeader};
use perisai_core::protocol::envelope::SignedEnvelope;
use perisai_core::protocol::labels::{LABEL_ACK, LABEL_ACTIVATE};
use perisai_core::protocol::messages::{Ack, ActivationRequest, ActivationResponse};
use perisai_core::protocol::{fingerprint_matches, genesis_hash, PROTOCOL_VERSION};
use perisai_core::signer::{DeviceSigner, SoftwareSigner};
use perisai_sim::people::WireRecords;
use serde_json::Value;

use crate::error::E2eError;

/// Per-request deadline of the test HTTP client.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// An HTTP client for the tests: no system proxy (traffic stays on loopback, whatever
/// `HTTP_PROXY` says), a deadline on every request, no connection reuse surprises.
pub fn http_client() -> Result<reqwest::Client, E2eError> {
    Ok(reqwest::Client::builder()
        .no_proxy()
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(Duration::from_secs(5))
        .build()?)
}

/// A frozen batch ready to be sent (and resent byte for byte).
#[derive(Clone, Debug)]
pub struct FrozenUpload {
    pub seq: u64,
    pub batch_hash: String,
    pub bytes: Vec<u8>,
    /// The ids of its records, in order.
    pub record_ids: Vec<String>,
}

/// What the server answered to an upload.
#[derive(Debug)]
pub struct UploadReply {
    pub status: u16,
    pub body: Vec<u8>,
    /// The acknowledgement, when the answer was a 200 whose signature verified.
    pub ack: Option<Ack>,
}

impl UploadReply {
    /// The error code of a refusal (`{"error": {"code": …}}`), if any.
    pub fn error_code(&self) -> Option<String> {
        let body: Value = serde_json::from_slice(&self.body).ok()?;
        body["error"]["code"].as_str().map(str::to_string)
    }
}

/// An activated device, as far as the protocol goes.
pub struct ProtocolDevice {
    signer: SoftwareSigner,
    pub id: String,
    pub agent_id: String,
    pub branch: String,
    /// The server key pinned at activation (checked against the fingerprint).
    pub server_key: Vec<u8>,
    pub activation: ActivationResponse,
    /// The last frozen batch's seq and hash (the chain's head on the device).
    pub seq: u64,
    pub head: String,
    records: WireRecords,
}

impl ProtocolDevice {
    /// Activates a new software key with `code` at `base_url`, and pins the server key after
    /// checking it against `fingerprint` (as the QR code's fingerprint is checked).
    pub async fn activate(
        http: &reqwest::Client,
        base_url: &str,
        code: &str,
        fingerprint: &str,
    ) -> Result<ProtocolDevice, E2eError> {
        let signer = SoftwareSigner::generate_ephemeral()
            .map_err(|e| E2eError::new(format!("key generation: {e}")))?;
        let request = activation_request(code, &signer)?;
        let response = http
            .post(format!("{base_url}/v1/activate"))
            .json(&request)
            .send()
            .await?;
        let status = response.status().as_u16();
        let body = response.bytes().await?;
        if status != 200 {
            return Err(E2eError::new(format!(
                "activation answered {status}: {}",
                String::from_utf8_lossy(&body)
            )));
        }
        let envelope: SignedEnvelope = serde_json::from_slice(&body)
            .map_err(|e| E2eError::new(format!("activation answer is no envelope: {e}")))?;
        let unverified: ActivationResponse = envelope
            .unverified_payload()
            .map_err(|e| E2eError::new(format!("activation payload: {e}")))?;
        let server_key = B64
            .decode(&unverified.server_key)
            .map_err(|e| E2eError::new(format!("server key not base64: {e}")))?;
        if !fingerprint_matches(fingerprint, &server_key) {
            return Err(E2eError::new(
                "the server key in the activation answer does not match the fingerprint",
            ));
        }
        let activation: ActivationResponse = envelope
            .open(LABEL_ACTIVATE, &server_key)
            .map_err(|e| E2eError::new(format!("activation answer signature: {e}")))?;
        Ok(ProtocolDevice {
            signer,
            id: activation.device_id.clone(),
            agent_id: activation.agent_id.clone(),
            branch: activation.branch.clone(),
            server_key,
            seq: 0,
            head: genesis_hash(&activation.device_id),
            records: WireRecords::new(&activation.device_id),
            activation,
        })
    }

    /// Wire records for `forms` (ids, gap-free receipt numbers and device fields added).
    pub fn wire_records(&mut self, forms: &[Value]) -> Vec<Value> {
        self.records.records(forms)
    }

    /// Freezes the next batch of the chain (`seq` + 1, `prev_hash` = the head) and moves the
    /// head on. The result is what the device stores and resends byte for byte.
    pub fn freeze_next(&mut self, records: &[Value]) -> Result<FrozenUpload, E2eError> {
        let upload = self.freeze_at(self.seq + 1, &self.head.clone(), records)?;
        self.seq = upload.seq;
        self.head = upload.batch_hash.clone();
        Ok(upload)
    }

    /// A batch with any `seq` and `prev_hash`, signed by this device (for forks and gaps).
    pub fn freeze_at(
        &self,
        seq: u64,
        prev_hash: &str,
        records: &[Value],
    ) -> Result<FrozenUpload, E2eError> {
        let body = deflate_records(records)
            .map_err(|e| E2eError::new(format!("compressing a batch: {e}")))?;
        let header = BatchHeader {
            v: PROTOCOL_VERSION,
            device_id: self.id.clone(),
            seq,
            prev_hash: prev_hash.to_string(),
            created_at: chrono::Utc::now().to_rfc3339(),
            count: 0,
            body_sha256: String::new(),
        };
        let count = u32::try_from(records.len())
            .map_err(|_| E2eError::new("too many records for one batch"))?;
        let (bytes, batch_hash) = freeze(header, count, &body, &self.signer)
            .map_err(|e| E2eError::new(format!("freezing a batch: {e}")))?;
        Ok(FrozenUpload {
            seq,
            batch_hash,
            bytes,
            record_ids: records
                .iter()
                .filter_map(|r| r["id"].as_str().map(str::to_string))
                .collect(),
        })
    }

    /// Sends a frozen batch once. A 200 must carry an acknowledgement signed by the pinned
    /// server key, or this fails.
    pub async fn upload(
        &self,
        http: &reqwest::Client,
        base_url: &str,
        batch: &FrozenUpload,
    ) -> Result<UploadReply, E2eError> {
        let response = http
            .post(format!("{base_url}/v1/batches"))
            .header("content-type", "application/octet-stream")
            .body(batch.bytes.clone())
            .send()
            .await?;
        let status = response.status().as_u16();
        let body = response.bytes().await?.to_vec();
        let ack = if status == 200 {
            let envelope: SignedEnvelope = serde_json::from_slice(&body)
                .map_err(|e| E2eError::new(format!("a 200 without an envelope: {e}")))?;
            Some(
                envelope
                    .open::<Ack>(LABEL_ACK, &self.server_key)
                    .map_err(|e| E2eError::new(format!("acknowledgement signature: {e}")))?,
            )
        } else {
            None
        };
        Ok(UploadReply { status, body, ack })
    }

    /// Sends the same bytes until the server acknowledges them: transport failures (cuts),
    /// 408, 429 and 5xx are retried (at most `attempts` tries, short pauses); any other refusal
    /// is returned as an error.
    pub async fn upload_until_acknowledged(
        &self,
        http: &reqwest::Client,
        base_url: &str,
        batch: &FrozenUpload,
        attempts: u32,
    ) -> Result<Ack, E2eError> {
        let mut last = String::new();
        for attempt in 0..attempts {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(50 * u64::from(attempt.min(10)))).await;
            }
            match self.upload(http, base_url, batch).await {
                Ok(UploadReply { ack: Some(ack), .. }) => return Ok(ack),
                Ok(reply) if matches!(reply.status, 408 | 429 | 500..=599) => {
                    last = format!("status {}", reply.status);
                }
                Ok(reply) => {
                    return Err(E2eError::new(format!(
                        "batch {} refused with {}: {}",
                        batch.seq,
                        reply.status,
                        String::from_utf8_lossy(&reply.body)
                    )))
                }
                Err(e) if e.is_transport() => last = e.message().to_string(),
                Err(e) => return Err(e),
            }
        }
        Err(E2eError::new(format!(
            "batch {} not acknowledged after {attempts} tries (last: {last})",
            batch.seq
        )))
    }
}

/// The activation request for `code`, proven by `signer` (docs/PROTOCOL.md).
pub fn activation_request(
    code: &str,
    signer: &dyn DeviceSigner,
) -> Result<ActivationRequest, E2eError> {
    activation_code::normalize(code)
        .map_err(|e| E2eError::new(format!("activation code {code:?}: {e}")))?;
    ActivationRequest::signed(code, signer, env!("CARGO_PKG_VERSION"))
        .map_err(|e| E2eError::new(format!("signing the activation: {e}")))
}
