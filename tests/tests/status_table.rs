//! Every row of ARCHITECTURE.md §4's status table, provoked for real: the `perisai-server` binary on
//! each backend, real HTTP, batches frozen and signed as a device does, then bent on purpose
//! (a tampered header or body, the wrong key, a replay, a fork, a gap, a revoked or unknown
//! device, an old protocol version, too many bytes, random bytes), and activation codes that
//! are reused, guessed, mistyped, expired or attacked with wrong proofs. One deployment per
//! backend serves all rows.
//!
//! Expiry: the server has no clock control (codes are valid 72 hours from `issue-code`, checked
//! against the wall clock). Two real ways reach `code.expired`: 73 hours passing, done by moving
//! the code's times back in the database (`Deployment::age_activation_codes`), and
//! `admin suspend-agent`, which ends the validity of the agent's unused codes.

use std::collections::BTreeSet;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use perisai_core::protocol::activation_code;
use perisai_core::protocol::batch::{deflate_records, freeze, BatchHeader};
use perisai_core::protocol::downsync::DeviceCommand;
use perisai_core::protocol::envelope::SignedEnvelope;
use perisai_core::protocol::labels::LABEL_DOWNSYNC;
use perisai_core::protocol::messages::{ActivationRequest, RecordStatus};
use perisai_core::protocol::{genesis_hash, MAX_BATCH_BYTES, PROTOCOL_VERSION};
use perisai_core::signer::{DeviceSigner, SoftwareSigner};
use perisai_e2e::device::{activation_request, http_client, FrozenUpload, ProtocolDevice};
use perisai_e2e::server::{Backend, Deployment, ServerProcess};
use perisai_sim::people::forms;
use serde_json::Value;

const BRANCH: &str = "KC07";

/// A `FrozenUpload` around arbitrary bytes (for uploads that are not a device's own batch).
fn raw(seq: u64, bytes: Vec<u8>) -> FrozenUpload {
    FrozenUpload {
        seq,
        batch_hash: String::new(),
        bytes,
        record_ids: Vec::new(),
    }
}

/// The three parts of a frozen batch: header bytes, signature, body.
fn split(bytes: &[u8]) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let take = |b: &[u8]| {
        let len = u16::from_be_bytes([b[0], b[1]]) as usize;
        (b[2..2 + len].to_vec(), b[2 + len..].to_vec())
    };
    let (header, rest) = take(bytes);
    let (signature, body) = take(&rest);
    (header, signature, body)
}

fn join(header: &[u8], signature: &[u8], body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&(header.len() as u16).to_be_bytes());
    out.extend_from_slice(header);
    out.extend_from_slice(&(signature.len() as u16).to_be_bytes());
    out.extend_from_slice(signature);
    out.extend_from_slice(body);
    out
}

/// A batch for `device_id` signed by `signer` (any key), with protocol version `v`.
fn freeze_with(
    signer: &SoftwareSigner,
    v: u32,
    device_id: &str,
    seq: u64,
    prev_hash: &str,
    records: &[Value],
) -> FrozenUpload {
    let body = deflate_records(records).expect("a deflated body");
    let header = BatchHeader {
        v,
        device_id: device_id.to_string(),
        seq,
        prev_hash: prev_hash.to_string(),
        created_at: chrono::Utc::now().to_rfc3339(),
        count: 0,
        body_sha256: String::new(),
    };
    let (bytes, batch_hash) =
        freeze(header, records.len() as u32, &body, signer).expect("a frozen batch");
    FrozenUpload {
        seq,
        batch_hash,
        bytes,
        record_ids: Vec::new(),
    }
}

fn body_json(body: &[u8]) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(body)))
}

/// Posts an activation request; returns the status and the error code (if any).
async fn post_activation(
    http: &reqwest::Client,
    url: &str,
    request: &ActivationRequest,
) -> (u16, Option<String>) {
    let response = http
        .post(format!("{url}/v1/activate"))
        .json(request)
        .send()
        .await
        .expect("/v1/activate answers");
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    (status, body["error"]["code"].as_str().map(str::to_string))
}

/// `POST /v1/batches` declaring `length` bytes of body, with none sent: the status and body of
/// the answer.
async fn oversized_request(server: &ServerProcess, length: usize) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(server.addr())
        .await
        .expect("a connection");
    let request = format!(
        "POST /v1/batches HTTP/1.1\r\nHost: {}\r\nContent-Type: application/octet-stream\r\n\
         Content-Length: {length}\r\nConnection: close\r\n\r\n",
        server.addr()
    );
    stream
        .write_all(request.as_bytes())
        .await
        .expect("the request head is written");
    let mut answer = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut answer),
    )
    .await;
    assert!(
        matches!(read, Ok(Ok(_))),
        "the server answers and closes: {read:?} after {:?}",
        String::from_utf8_lossy(&answer)
    );
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn new_signer() -> SoftwareSigner {
    SoftwareSigner::generate_ephemeral().expect("a software key")
}

async fn batch_rows(deployment: &Deployment, server: &ServerProcess, http: &reqwest::Client) {
    let url = server.url();
    let agent = deployment.new_agent(BRANCH).await.expect("an agent");
    let code = deployment
        .issue_code(&agent.agent_id)
        .await
        .expect("a code");
    let mut device = ProtocolDevice::activate(http, &url, &code, server.fingerprint())
        .await
        .expect("activation");

    // otherwise → 200, every record accepted.
    let records = device.wire_records(&forms(10, 5));
    let first = device.freeze_next(&records).expect("batch 1");
    let stored = device.upload(http, &url, &first).await.expect("answered");
    assert_eq!(
        stored.status,
        200,
        "{}",
        String::from_utf8_lossy(&stored.body)
    );
    let ack = stored.ack.as_ref().expect("a signed ack");
    assert_eq!(ack.seq, 1);
    assert!(ack
        .results
        .iter()
        .all(|r| r.status == RecordStatus::Accepted));

    // Replay of a stored batch → 200 with the identical stored acknowledgement bytes.
    let replay = device.upload(http, &url, &first).await.expect("answered");
    assert_eq!(replay.status, 200);
    assert_eq!(replay.body, stored.body, "the stored ack, byte for byte");

    let records = device.wire_records(&forms(11, 5));
    let second = device.freeze_next(&records).expect("batch 2");
    let (header, signature, body) = split(&second.bytes);

    // Tampered header → 401 batch.signature.
    let mut tampered: BatchHeader = serde_json::from_slice(&header).expect("a header");
    tampered.created_at = "2020-01-01T00:00:00+07:00".into();
    let tampered = serde_json::to_vec(&tampered).expect("a header");
    let reply = device
        .upload(http, &url, &raw(2, join(&tampered, &signature, &body)))
        .await
        .expect("answered");
    assert_eq!(reply.status, 401);
    assert_eq!(reply.error_code().as_deref(), Some("batch.signature"));

    // Tampered body → 400 batch.body_hash.
    let mut bent = body.clone();
    *bent.last_mut().expect("a body") ^= 0x5a;
    let reply = device
        .upload(http, &url, &raw(2, join(&header, &signature, &bent)))
        .await
        .expect("answered");
    assert_eq!(reply.status, 400);
    assert_eq!(reply.error_code().as_deref(), Some("batch.body_hash"));

    // Signed by a wrong key (the device's id, chain and records, another key) → 401.
    let forged = freeze_with(
        &new_signer(),
        PROTOCOL_VERSION,
        &device.id,
        2,
        &first.batch_hash,
        &records,
    );
    let reply = device.upload(http, &url, &forged).await.expect("answered");
    assert_eq!(reply.status, 401);
    assert_eq!(reply.error_code().as_deref(), Some("batch.signature"));

    // None of that stored anything: the genuine batch 2 continues the chain.
    let ack = device
        .upload(http, &url, &second)
        .await
        .expect("answered")
        .ack
        .expect("batch 2 acknowledged");
    assert_eq!(ack.seq, 2);

    // Gap: seq beyond the next → 409 seq.gap with expected_seq.
    let extra = device.wire_records(&forms(12, 2));
    let gap = device
        .freeze_at(device.seq + 3, &device.head, &extra)
        .expect("a gap batch");
    let reply = device.upload(http, &url, &gap).await.expect("answered");
    assert_eq!(reply.status, 409);
    assert_eq!(reply.error_code().as_deref(), Some("seq.gap"));
    assert_eq!(body_json(&reply.body)["error"]["expected_seq"], 3);

    // Fork: seq 1 again with other content → 409 seq.fork.
    let fork = device
        .freeze_at(1, &genesis_hash(&device.id), &extra)
        .expect("a fork batch");
    assert_ne!(fork.batch_hash, first.batch_hash);
    let reply = device.upload(http, &url, &fork).await.expect("answered");
    assert_eq!(reply.status, 409);
    assert_eq!(reply.error_code().as_deref(), Some("seq.fork"));

    // Unknown device → 403 device.unknown.
    let stranger = freeze_with(
        &new_signer(),
        PROTOCOL_VERSION,
        "dev-nobody-knows",
        1,
        &genesis_hash("dev-nobody-knows"),
        &extra,
    );
    let reply = device
        .upload(http, &url, &stranger)
        .await
        .expect("answered");
    assert_eq!(reply.status, 403);
    assert_eq!(reply.error_code().as_deref(), Some("device.unknown"));

    // An old protocol version → 426 with min_app_version.
    let old = freeze_with(&new_signer(), 0, &device.id, 3, &device.head, &extra);
    let reply = device.upload(http, &url, &old).await.expect("answered");
    assert_eq!(reply.status, 426);
    let min = &body_json(&reply.body)["error"]["min_app_version"];
    assert!(
        min.as_str().is_some_and(|s| !s.is_empty()),
        "426 names the minimum app version: {min}"
    );

    // Oversized body → 413 batch.too_large. The server answers as soon as it reads the declared
    // length, without reading the body (a client still writing it may see the connection reset
    // before reading the answer), so the request is written by hand and the body never sent.
    let (status, body) = oversized_request(server, MAX_BATCH_BYTES + 1).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(
        body_json(body.as_bytes())["error"]["code"],
        "batch.too_large"
    );

    // Random bytes → 400 batch.malformed.
    let noise: Vec<u8> = (0u32..3000)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let reply = device
        .upload(http, &url, &raw(3, noise))
        .await
        .expect("answered");
    assert_eq!(reply.status, 400);
    assert_eq!(reply.error_code().as_deref(), Some("batch.malformed"));

    // Revoked device → 403 device.revoked, a wipe signed by the server key; the batch is
    // quarantined, never exported.
    let agent = deployment.new_agent(BRANCH).await.expect("an agent");
    let code = deployment
        .issue_code(&agent.agent_id)
        .await
        .expect("a code");
    let mut revoked = ProtocolDevice::activate(http, &url, &code, server.fingerprint())
        .await
        .expect("activation");
    let records = revoked.wire_records(&forms(13, 4));
    let before = revoked.freeze_next(&records).expect("a batch");
    revoked
        .upload_until_acknowledged(http, &url, &before, 3)
        .await
        .expect("acknowledged before revocation");
    deployment
        .admin(&["revoke-device", "--device", &revoked.id])
        .await
        .expect("revoke-device");
    let records = revoked.wire_records(&forms(14, 4));
    let after = revoked.freeze_next(&records).expect("a batch");
    let reply = revoked.upload(http, &url, &after).await.expect("answered");
    assert_eq!(reply.status, 403);
    assert_eq!(reply.error_code().as_deref(), Some("device.revoked"));
    let wipe: SignedEnvelope =
        serde_json::from_value(body_json(&reply.body)["error"]["wipe"].clone())
            .expect("a signed wipe command");
    let command: DeviceCommand = wipe
        .open(LABEL_DOWNSYNC, &revoked.server_key)
        .expect("the wipe verifies under the server key");
    assert_eq!(command.kind, "wipe");
    assert_eq!(command.device_id, revoked.id);

    let rows = deployment.export(BRANCH).await.expect("admin export");
    let exported: BTreeSet<&str> = rows.iter().map(|r| r["id"].as_str()).collect();
    let expected: BTreeSet<&str> = first
        .record_ids
        .iter()
        .chain(&second.record_ids)
        .chain(&before.record_ids)
        .map(String::as_str)
        .collect();
    assert_eq!(rows.len(), 14);
    assert_eq!(exported, expected, "only acknowledged batches are exported");
    assert!(after
        .record_ids
        .iter()
        .all(|id| !exported.contains(id.as_str())));
}

async fn activation_rows(deployment: &Deployment, server: &ServerProcess, http: &reqwest::Client) {
    let url = server.url();

    // Reused code: another key on a used code → 403 code.used.
    let agent = deployment.new_agent(BRANCH).await.expect("an agent");
    let code = deployment
        .issue_code(&agent.agent_id)
        .await
        .expect("a code");
    ProtocolDevice::activate(http, &url, &code, server.fingerprint())
        .await
        .expect("the first activation");
    let again = activation_request(&code, &new_signer()).expect("a request");
    assert_eq!(
        post_activation(http, &url, &again).await,
        (403, Some("code.used".into()))
    );

    // Guessed: a well-formed code nobody issued → 403 code.invalid.
    let guess = activation_code::generate().expect("a code");
    let guessed = activation_request(&guess, &new_signer()).expect("a request");
    assert_eq!(
        post_activation(http, &url, &guessed).await,
        (403, Some("code.invalid".into()))
    );

    // Mistyped: a real code with one character changed fails its check character → 400
    // code.check, and costs no try.
    let code = deployment
        .issue_code(&agent.agent_id)
        .await
        .expect("a code");
    let normalized = activation_code::normalize(&code).expect("normalized");
    let mut typo = activation_request(&code, &new_signer()).expect("a request");
    let first = normalized.chars().next().expect("a character");
    let swapped = if first == '7' { '8' } else { '7' };
    typo.code = format!("{swapped}{}", &normalized[1..]);
    // (mod 37 catches every single substitution, so this never reaches the code lookup.)
    assert_eq!(
        post_activation(http, &url, &typo).await,
        (400, Some("code.check".into()))
    );

    // Five wrong proofs of possession lock the code; then even a right one gets code.locked.
    let agent = deployment.new_agent(BRANCH).await.expect("an agent");
    let code = deployment
        .issue_code(&agent.agent_id)
        .await
        .expect("a code");
    for attempt in 1..=5 {
        let mut wrong = activation_request(&code, &new_signer()).expect("a request");
        wrong.public_key = B64.encode(new_signer().public_key().expect("a key"));
        assert_eq!(
            post_activation(http, &url, &wrong).await,
            (401, Some("activation.signature".into())),
            "wrong proof {attempt}"
        );
    }
    let right = activation_request(&code, &new_signer()).expect("a request");
    assert_eq!(
        post_activation(http, &url, &right).await,
        (403, Some("code.locked".into()))
    );

    // Expired: 73 hours after issue (the code's times moved back in the database).
    let agent = deployment.new_agent(BRANCH).await.expect("an agent");
    let code = deployment
        .issue_code(&agent.agent_id)
        .await
        .expect("a code");
    deployment
        .age_activation_codes(&agent.agent_id, 73)
        .await
        .expect("codes aged");
    let late = activation_request(&code, &new_signer()).expect("a request");
    assert_eq!(
        post_activation(http, &url, &late).await,
        (403, Some("code.expired".into()))
    );

    // Expired: suspending the agent ends its unused codes' validity.
    let agent = deployment.new_agent(BRANCH).await.expect("an agent");
    let code = deployment
        .issue_code(&agent.agent_id)
        .await
        .expect("a code");
    deployment
        .admin(&["suspend-agent", "--agent", &agent.agent_id])
        .await
        .expect("suspend-agent");
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let late = activation_request(&code, &new_signer()).expect("a request");
    assert_eq!(
        post_activation(http, &url, &late).await,
        (403, Some("code.expired".into()))
    );
}

async fn every_row_of_the_status_table(backend: Backend) {
    let deployment = Deployment::new(backend).await.expect("a fresh deployment");
    let server = deployment
        .start_server(&[])
        .await
        .expect("the server starts");
    let http = http_client().expect("an HTTP client");
    let started = std::time::Instant::now();
    batch_rows(&deployment, &server, &http).await;
    activation_rows(&deployment, &server, &http).await;
    perisai_e2e::report(&format!(
        "status table on {}: every row provoked in {:?}",
        backend.name(),
        started.elapsed()
    ));
}

perisai_e2e::on_both_backends!(within 180; every_row_of_the_status_table);
