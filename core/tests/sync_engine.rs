//! The sync client against an in-memory server that speaks protocol v1 with the core's own wire
//! code: batch size adaptation, identical bytes on every retry, the hash chain, resumption after
//! a cut, every status of ARCHITECTURE.md §4 (ack, seq.gap after a server restore, seq.fork, a signed
//! and a forged revocation, 429, 5xx, timeouts), downsync and the NIK tag list. The real server
//! binary is driven from `cli/tests/cli_sync.rs`.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chrono::{DateTime, Utc};
use perisai_core::app::{AgentApp, AppConfig, FixedClock, RecordState};
use perisai_core::protocol::batch::FrozenBatch;
use perisai_core::protocol::downsync::{
    nik_tag24, request_message, DecisionItem, DeviceCommand, DownsyncRequest, DownsyncResponse,
    NikTagList, NonceResponse, HEADER_DEVICE, HEADER_NONCE, HEADER_SIGNATURE,
};
use perisai_core::protocol::envelope::SignedEnvelope;
use perisai_core::protocol::labels::{LABEL_ACK, LABEL_ACTIVATE, LABEL_DOWNSYNC, LABEL_REQUEST};
use perisai_core::protocol::messages::{
    activation_message, Ack, ActivationRequest, ActivationResponse, ErrorBody, ErrorDetail,
    FieldCode, RecordResult, RecordStatus,
};
use perisai_core::protocol::{genesis_hash, key_fingerprint};
use perisai_core::seal::FileKeyVault;
use perisai_core::signer::{self, DeviceSigner, SoftwareSigner};
use perisai_core::sync::server_url::ServerUrl;
use perisai_core::sync::transport::{Request, Response, Transport, TransportError};
use perisai_core::sync::{SyncCancel, SyncObserver, SyncOptions, SyncReport};
use perisai_core::Message;

const CODE: &str = "0000000000000"; // twelve zeros, check character 0
const URL: &str = "http://127.0.0.1:9";

/// What the next request meets instead of the server.
#[derive(Clone, Debug)]
enum Fault {
    /// No answer at all.
    Timeout,
    /// The server handles the request, but the answer is lost on the way back.
    LoseAnswer,
    Status(u16, Option<u64>),
}

#[derive(Default)]
struct ServerDevice {
    id: String,
    public_key: Vec<u8>,
    last_seq: u64,
    head: String,
    revoked: bool,
}

#[derive(Default)]
struct State {
    device: Option<ServerDevice>,
    /// seq → (batch_hash, ack envelope JSON)
    batches: BTreeMap<u64, (String, Vec<u8>)>,
    /// record id → canonical content
    records: HashMap<String, String>,
    reject: HashSet<String>,
    faults: VecDeque<Fault>,
    /// Every batch body received, in order.
    uploads: Vec<Vec<u8>>,
    nonces: HashSet<String>,
    issued: u64,
    decisions: Vec<DecisionItem>,
    commands: Vec<DeviceCommand>,
    tag_key: Vec<u8>,
    tags: Vec<u8>,
    rule_sets: Vec<serde_json::Value>,
    fork_next: bool,
    forge_wipe: bool,
    forge_ack: bool,
    /// The last downsync answer sent, and whether the next one is that answer again (an attacker
    /// on the path replaying a recorded, validly signed page).
    last_downsync: Option<Response>,
    replay_downsync: bool,
    /// The next this many downsync requests find their nonce already spent (a duplicate of the
    /// request, delivered first by a retrying network, used it).
    nonces_spent_by_duplicates: u32,
}

struct FakeServer {
    key: SoftwareSigner,
    other_key: SoftwareSigner,
    state: Mutex<State>,
}

fn error(status: u16, code: &str, tweak: impl FnOnce(&mut ErrorDetail)) -> Response {
    let mut detail = ErrorDetail {
        code: code.into(),
        message: Message::new("x", "x"),
        expected_seq: None,
        min_app_version: None,
        wipe: None,
    };
    tweak(&mut detail);
    Response {
        status,
        retry_after: None,
        body: serde_json::to_vec(&ErrorBody { error: detail }).unwrap(),
    }
}

fn ok(envelope: &SignedEnvelope) -> Response {
    Response {
        status: 200,
        retry_after: None,
        body: serde_json::to_vec(envelope).unwrap(),
    }
}

impl FakeServer {
    fn new() -> Arc<FakeServer> {
        Arc::new(FakeServer {
            key: SoftwareSigner::generate_ephemeral().unwrap(),
            other_key: SoftwareSigner::generate_ephemeral().unwrap(),
            state: Mutex::new(State {
                tag_key: b"branch-tag-key-32-bytes-long....".to_vec(),
                ..State::default()
            }),
        })
    }

    fn st(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    fn fingerprint(&self) -> String {
        key_fingerprint(&self.key.public_key().unwrap())
    }

    fn nonce(st: &mut State) -> String {
        st.issued += 1;
        let n = format!("nonce-{}", st.issued);
        st.nonces.insert(n.clone());
        n
    }

    fn handle(&self, request: &Request<'_>) -> Response {
        match request.path {
            "/v1/activate" => self.activate(request.body),
            "/v1/batches" => self.batch(request.body),
            "/v1/nonce" => self.issue_nonce(request),
            "/v1/downsync" => self.downsync(request),
            _ => error(404, "not_found", |_| {}),
        }
    }

    fn activate(&self, body: &[u8]) -> Response {
        let req: ActivationRequest = serde_json::from_slice(body).unwrap();
        let pk = B64.decode(&req.public_key).unwrap();
        let sig = B64.decode(&req.signature).unwrap();
        assert!(signer::verify_in_context(
            &pk,
            LABEL_ACTIVATE,
            &activation_message(&req.code, &pk),
            &sig
        ));
        if req.code != CODE {
            return error(403, "code.invalid", |_| {});
        }
        let mut st = self.st();
        match &st.device {
            Some(d) if d.public_key != pk => return error(403, "code.used", |_| {}),
            Some(_) => {}
            None => {
                st.device = Some(ServerDevice {
                    id: "dev-1".into(),
                    public_key: pk,
                    last_seq: 0,
                    head: genesis_hash("dev-1"),
                    revoked: false,
                })
            }
        }
        let nonce = Self::nonce(&mut st);
        let answer = ActivationResponse {
            device_id: "dev-1".into(),
            agent_id: "agent-7".into(),
            branch: "KC-BOGOR".into(),
            server_key: B64.encode(self.key.public_key().unwrap()),
            nonce,
            rule_sets: vec![],
            nik_tags: NikTagList {
                key_id: "k1".into(),
                key: B64.encode(&st.tag_key),
                tags: B64.encode(&st.tags),
            },
            cursor: String::new(),
        };
        ok(&SignedEnvelope::sign(LABEL_ACTIVATE, &answer, &self.key).unwrap())
    }

    fn wipe_error(&self, device_id: &str, forged: bool) -> Response {
        let command = DeviceCommand {
            id: "wipe-1".into(),
            device_id: device_id.into(),
            kind: "wipe".into(),
            issued_at: "2026-11-21T00:00:00Z".into(),
        };
        let key = if forged { &self.other_key } else { &self.key };
        let wipe = SignedEnvelope::sign(LABEL_DOWNSYNC, &command, key).unwrap();
        error(403, "device.revoked", |d| d.wipe = Some(wipe))
    }

    fn batch(&self, bytes: &[u8]) -> Response {
        let mut st = self.st();
        st.uploads.push(bytes.to_vec());
        let batch = FrozenBatch::parse(bytes).unwrap();
        let forge_wipe = st.forge_wipe;
        let Some(device) = st.device.as_mut() else {
            return error(403, "device.unknown", |_| {});
        };
        if device.revoked {
            let id = device.id.clone();
            return self.wipe_error(&id, forge_wipe);
        }
        assert!(batch.signature_valid(&device.public_key), "batch signature");
        batch.check_body_hash().unwrap();
        let seq = batch.header.seq;
        let hash = batch.batch_hash();
        if let Some((stored, ack)) = st.batches.get(&seq) {
            if *stored == hash {
                return Response {
                    status: 200,
                    retry_after: None,
                    body: ack.clone(),
                };
            }
            return error(409, "seq.fork", |_| {});
        }
        let fork_next = st.fork_next;
        let device = st.device.as_mut().unwrap();
        if seq > device.last_seq + 1 {
            let expected = device.last_seq + 1;
            return error(409, "seq.gap", |d| d.expected_seq = Some(expected));
        }
        if fork_next || batch.header.prev_hash != device.head {
            return error(409, "seq.fork", |_| {});
        }
        device.last_seq = seq;
        device.head = hash.clone();
        let device_id = device.id.clone();
        let records = batch.records().unwrap();
        let mut results = Vec::new();
        for r in records {
            let id = r["id"].as_str().unwrap().to_string();
            assert_eq!(r["device_id"], device_id.as_str());
            if r.get("withdrawn").is_some() {
                continue;
            }
            let canonical = r.to_string();
            let status = if st.reject.contains(&id) {
                RecordStatus::Rejected
            } else if st.records.get(&id) == Some(&canonical) {
                RecordStatus::DuplicateRecord
            } else {
                RecordStatus::Accepted
            };
            let codes = if status == RecordStatus::Rejected {
                vec![FieldCode {
                    field: "nik".into(),
                    code: "nik.format".into(),
                }]
            } else {
                st.records.insert(id.clone(), canonical);
                vec![]
            };
            results.push(RecordResult { id, status, codes });
        }
        let nonce = Self::nonce(&mut st);
        let ack = Ack {
            device_id,
            seq,
            batch_hash: hash.clone(),
            results,
            nonce,
            batch_codes: vec![],
        };
        let key = if st.forge_ack {
            &self.other_key
        } else {
            &self.key
        };
        let body =
            serde_json::to_vec(&SignedEnvelope::sign(LABEL_ACK, &ack, key).unwrap()).unwrap();
        st.batches.insert(seq, (hash, body.clone()));
        Response {
            status: 200,
            retry_after: None,
            body,
        }
    }

    fn header<'a>(request: &'a Request<'_>, name: &str) -> &'a str {
        request
            .headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    fn issue_nonce(&self, request: &Request<'_>) -> Response {
        let mut st = self.st();
        let device_id = Self::header(request, HEADER_DEVICE).to_string();
        let nonce = Self::nonce(&mut st);
        let answer = NonceResponse { device_id, nonce };
        ok(&SignedEnvelope::sign(LABEL_DOWNSYNC, &answer, &self.key).unwrap())
    }

    fn downsync(&self, request: &Request<'_>) -> Response {
        let mut st = self.st();
        if st.replay_downsync {
            if let Some(recorded) = st.last_downsync.clone() {
                return recorded;
            }
        }
        let device = st.device.as_ref().unwrap();
        let nonce = Self::header(request, HEADER_NONCE).to_string();
        let sig = B64.decode(Self::header(request, HEADER_SIGNATURE)).unwrap();
        let message = request_message("POST", "/v1/downsync", request.body, &nonce);
        if !signer::verify_in_context(&device.public_key, LABEL_REQUEST, &message, &sig) {
            return error(401, "request.signature", |_| {});
        }
        if st.nonces_spent_by_duplicates > 0 {
            st.nonces_spent_by_duplicates -= 1;
            st.nonces.remove(&nonce);
        }
        if !st.nonces.remove(&nonce) {
            return error(401, "request.nonce", |_| {});
        }
        let req: DownsyncRequest = serde_json::from_slice(request.body).unwrap();
        let from: usize = req.cursor.parse().unwrap_or(0);
        let decisions: Vec<DecisionItem> = st.decisions.iter().skip(from).cloned().collect();
        let cursor = st.decisions.len().to_string();
        let commands = st.commands.clone();
        let rule_sets = st.rule_sets.clone();
        let request_nonce = nonce;
        let nonce = Self::nonce(&mut st);
        let page = DownsyncResponse {
            device_id: st.device.as_ref().map(|d| d.id.clone()).unwrap_or_default(),
            request_nonce,
            cursor,
            nonce,
            decisions,
            nik_tag_deltas: NikTagList::default(),
            rule_sets,
            commands,
            more: false,
            chain_seq: st.device.as_ref().map(|d| d.last_seq),
        };
        let answer = ok(&SignedEnvelope::sign(LABEL_DOWNSYNC, &page, &self.key).unwrap());
        st.last_downsync = Some(answer.clone());
        answer
    }
}

impl Transport for FakeServer {
    fn post(&self, server: &ServerUrl, request: &Request<'_>) -> Result<Response, TransportError> {
        assert_eq!(server.as_str(), URL);
        let fault = self.st().faults.pop_front();
        match fault {
            Some(Fault::Timeout) => Err(TransportError::Timeout),
            Some(Fault::LoseAnswer) => {
                let _ = self.handle(request);
                Err(TransportError::Other("cut".into()))
            }
            Some(Fault::Status(status, retry_after)) => Ok(Response {
                status,
                retry_after,
                body: b"{}".to_vec(),
            }),
            None => Ok(self.handle(request)),
        }
    }
}

/// Everything the observer heard.
#[derive(Default)]
struct Heard {
    sent: Mutex<Vec<(u64, u32)>>,
    rejected: Mutex<Vec<(String, Vec<String>)>>,
    waits: Mutex<Vec<u64>>,
    finished: Mutex<Option<SyncReport>>,
}

impl SyncObserver for Heard {
    fn batch_sent(&self, seq: u64, records: u32, _bytes: u64) {
        self.sent.lock().unwrap().push((seq, records));
    }
    fn record_rejected(&self, id: &str, codes: &[String]) {
        self.rejected
            .lock()
            .unwrap()
            .push((id.to_string(), codes.to_vec()));
    }
    fn waiting_retry(&self, seconds: u64) {
        self.waits.lock().unwrap().push(seconds);
    }
    fn finished(&self, report: &SyncReport) {
        *self.finished.lock().unwrap() = Some(report.clone());
    }
}

struct Device {
    _dir: tempfile::TempDir,
    app: AgentApp,
    clock: Arc<FixedClock>,
    signer: SoftwareSigner,
    server: Arc<FakeServer>,
}

fn no_sleep(_: Duration, _: &SyncCancel) {}

impl Device {
    fn new() -> Device {
        Device::with_options(SyncOptions {
            sleep: no_sleep,
            ..SyncOptions::default()
        })
    }

    fn with_options(options: SyncOptions) -> Device {
        let dir = tempfile::tempdir().unwrap();
        let vault = FileKeyVault::open_or_create(&dir.path().join("device.key")).unwrap();
        let now: DateTime<Utc> = "2026-11-20T03:00:00Z".parse().unwrap();
        let clock = Arc::new(FixedClock::new(now));
        let mut config = AppConfig::new(dir.path().join("data")).with_clock(clock.clone());
        config.sync = options;
        let app = AgentApp::open(config, Arc::new(vault)).unwrap();
        Device {
            clock,
            signer: SoftwareSigner::open_or_create(dir.path().join("signing.key")).unwrap(),
            _dir: dir,
            app,
            server: FakeServer::new(),
        }
    }

    fn activated() -> Device {
        let d = Device::new();
        let fp = d.server.fingerprint();
        d.app
            .activate_with(d.server.as_ref(), URL, CODE, Some(&fp), &d.signer)
            .unwrap();
        d
    }

    fn enroll(&self, from: u32, count: u32) -> Vec<String> {
        (from..from + count)
            .map(|n| self.app.submit(&common::worker_json(n), false).unwrap().id)
            .collect()
    }

    fn sync(&self, heard: &Heard) -> Result<SyncReport, perisai_core::CoreError> {
        self.app
            .sync_with(self.server.as_ref(), None, &self.signer, Some(heard))
    }

    fn state_of(&self, id: &str) -> RecordState {
        self.app.receipt(id).unwrap().state
    }

    fn batch_headers(&self) -> Vec<(u64, String, String, u32)> {
        self.server
            .st()
            .uploads
            .iter()
            .map(|b| {
                let f = FrozenBatch::parse(b).unwrap();
                (
                    f.header.seq,
                    f.header.prev_hash.clone(),
                    f.batch_hash(),
                    f.header.count,
                )
            })
            .collect()
    }
}

#[test]
fn batches_start_small_grow_and_chain_from_genesis() {
    let d = Device::activated();
    let ids = d.enroll(0, 45);
    let heard = Heard::default();
    let report = d.sync(&heard).unwrap();
    assert_eq!(
        report,
        SyncReport {
            sent: 45,
            accepted: 45,
            duplicates: 0,
            rejected: 0,
            batches: 3,
            bytes_up: report.bytes_up,
            bytes_down: report.bytes_down,
        }
    );
    assert!(report.bytes_up > 0 && report.bytes_down > 0);
    let headers = d.batch_headers();
    let counts: Vec<u32> = headers.iter().map(|h| h.3).collect();
    assert_eq!(counts, vec![10, 20, 15], "10, then doubling, then the rest");
    assert_eq!(headers[0].0, 1);
    assert_eq!(headers[0].1, genesis_hash("dev-1"));
    for pair in headers.windows(2) {
        assert_eq!(pair[1].0, pair[0].0 + 1, "seq + 1");
        assert_eq!(pair[1].1, pair[0].2, "prev_hash = previous batch_hash");
    }
    assert!(ids.iter().all(|id| d.state_of(id) == RecordState::Accepted));
    assert_eq!(heard.finished.lock().unwrap().as_ref(), Some(&report));
    let status = d.app.device_status().unwrap();
    assert!(status.activated && status.unacked_batches == 0 && status.last_sync_at.is_some());
    // Nothing left: a second sync sends nothing.
    let again = d.sync(&Heard::default()).unwrap();
    assert_eq!((again.sent, again.batches), (0, 0));
}

#[test]
fn a_sync_purges_records_confirmed_longer_ago_than_the_retention_keeping_the_card() {
    let d = Device::activated();
    let ids = d.enroll(0, 2);
    d.sync(&Heard::default()).unwrap();
    assert!(ids.iter().all(|id| d.state_of(id) == RecordState::Accepted));
    d.clock.advance(chrono::Duration::days(29));
    d.sync(&Heard::default()).unwrap();
    assert!(ids.iter().all(|id| d.state_of(id) == RecordState::Accepted));
    d.clock.advance(chrono::Duration::days(2));
    d.sync(&Heard::default()).unwrap();
    for id in &ids {
        let receipt = d.app.receipt(id).unwrap();
        assert_eq!(receipt.state, RecordState::Purged);
        assert!(receipt.nik_masked.is_some(), "the participant card stays");
    }
}

#[test]
fn a_cut_link_resends_the_identical_bytes_and_shrinks_the_next_batch() {
    let d = Device::activated();
    d.enroll(0, 30);
    d.server
        .st()
        .faults
        .extend([Fault::Timeout, Fault::LoseAnswer, Fault::Status(503, None)]);
    let heard = Heard::default();
    let report = d.sync(&heard).unwrap();
    assert_eq!((report.sent, report.accepted), (30, 30));
    let uploads = d.server.st().uploads.clone();
    // The lost answer's upload and its retry are the same bytes (a 503 and a timeout never
    // reached the fake's log).
    assert_eq!(uploads[0], uploads[1], "a retry must not re-sign");
    let counts: Vec<u32> = d.batch_headers().iter().map(|h| h.3).collect();
    // Failures halved the size (10 → 5 → 2 → 1), each success doubles it again.
    assert_eq!(counts, vec![10, 10, 2, 4, 8, 6]);
    assert_eq!(heard.waits.lock().unwrap().len(), 3);
}

#[test]
fn an_exhausted_budget_keeps_the_frozen_batch_and_the_next_sync_resumes_it() {
    let d = Device::activated();
    let ids = d.enroll(0, 3);
    d.server
        .st()
        .faults
        .extend(std::iter::repeat_n(Fault::LoseAnswer, 6));
    let heard = Heard::default();
    let err = d.sync(&heard).unwrap_err();
    assert_eq!(err.code(), "sync.network");
    assert!(ids.iter().all(|id| d.state_of(id) == RecordState::Sent));
    assert_eq!(d.app.device_status().unwrap().unacked_batches, 1);
    assert_eq!(heard.finished.lock().unwrap().as_ref().unwrap().sent, 0);
    // Meanwhile the agent enrolls more; the resumed sync first resends batch 1 as it was.
    d.enroll(10, 2);
    let report = d.sync(&Heard::default()).unwrap();
    assert_eq!((report.sent, report.accepted, report.duplicates), (5, 5, 0));
    let uploads = d.server.st().uploads.clone();
    assert!(uploads[..7].windows(2).all(|w| w[0] == w[1]));
    let headers = d.batch_headers();
    assert_eq!(headers.last().unwrap().0, 2);
    assert!(ids.iter().all(|id| d.state_of(id) == RecordState::Accepted));
}

#[test]
fn a_rejected_record_does_not_block_the_others() {
    let d = Device::activated();
    let ids = d.enroll(0, 5);
    d.server.st().reject.insert(ids[1].clone());
    let heard = Heard::default();
    let report = d.sync(&heard).unwrap();
    assert_eq!((report.sent, report.accepted, report.rejected), (5, 4, 1));
    assert_eq!(d.state_of(&ids[1]), RecordState::Rejected);
    assert_eq!(
        d.app.receipt(&ids[1]).unwrap().outcome_codes,
        vec!["nik.format"]
    );
    for id in [&ids[0], &ids[2], &ids[3], &ids[4]] {
        assert_eq!(d.state_of(id), RecordState::Accepted);
    }
    assert_eq!(
        heard.rejected.lock().unwrap().clone(),
        vec![(ids[1].clone(), vec!["nik.format".to_string()])]
    );
    // The agent corrects it; the correction goes out in the next sync.
    let mut fixed: serde_json::Value = serde_json::from_str(&common::worker_json(1)).unwrap();
    fixed["full_name"] = "Pekerja Diperbaiki".into();
    let correction = d.app.correct(&ids[1], &fixed.to_string(), true).unwrap();
    let report = d.sync(&Heard::default()).unwrap();
    assert_eq!((report.sent, report.accepted), (1, 1));
    assert_eq!(d.state_of(&ids[1]), RecordState::Superseded);
    assert_eq!(d.state_of(&correction.id), RecordState::Accepted);
}

/// A device that sent 30 records (batches 1 of 10 and 2 of 20), then its server restored from a
/// backup taken after batch 1; with the uploads of the first sync.
fn synced_then_restored_to_batch_1() -> (Device, Vec<Vec<u8>>) {
    let d = Device::activated();
    d.enroll(0, 30);
    d.sync(&Heard::default()).unwrap();
    let first_two = d.server.st().uploads.clone();
    {
        let mut st = d.server.st();
        st.batches.remove(&2);
        let hash1 = st.batches[&1].0.clone();
        let dev = st.device.as_mut().unwrap();
        dev.last_seq = 1;
        dev.head = hash1;
        st.uploads.clear();
    }
    (d, first_two)
}

#[test]
fn after_a_server_restore_the_kept_batches_are_resent_from_the_expected_seq() {
    let (d, first_two) = synced_then_restored_to_batch_1();
    d.enroll(100, 3);
    let report = d.sync(&Heard::default()).unwrap();
    let seqs: Vec<u64> = d.batch_headers().iter().map(|h| h.0).collect();
    assert_eq!(
        seqs,
        vec![3, 2, 3],
        "seq 3 meets seq.gap, then 2 and 3 again"
    );
    assert_eq!(
        d.server.st().uploads[1],
        first_two[1],
        "batch 2 byte for byte"
    );
    assert_eq!(report.rejected, 0);
}

/// A device with nothing new to send never meets a `seq.gap`: after a restore it learns from the
/// downsync how far the server's copy of its chain goes, and resends the rest, once.
#[test]
fn after_a_server_restore_an_idle_device_resends_what_the_downsync_says_is_missing() {
    let (d, first_two) = synced_then_restored_to_batch_1();
    // Nothing new enrolled: the upload has nothing to send.
    let report = d.sync(&Heard::default()).unwrap();
    let seqs: Vec<u64> = d.batch_headers().iter().map(|h| h.0).collect();
    assert_eq!(
        seqs,
        vec![2],
        "batch 2 resent after the downsync, nothing else"
    );
    assert_eq!(
        d.server.st().uploads[0],
        first_two[1],
        "batch 2 byte for byte"
    );
    assert_eq!(d.server.st().device.as_ref().unwrap().last_seq, 2);
    assert_eq!(report.rejected, 0);
    // The server is whole again: the next sync sends nothing.
    d.server.st().uploads.clear();
    d.sync(&Heard::default()).unwrap();
    assert!(d.server.st().uploads.is_empty());
}

#[test]
fn a_fork_stops_the_sync_and_leaves_the_records_sent() {
    let d = Device::activated();
    let ids = d.enroll(0, 2);
    d.server.st().fork_next = true;
    let err = d.sync(&Heard::default()).unwrap_err();
    assert_eq!(err.code(), "sync.fork");
    assert!(ids.iter().all(|id| d.state_of(id) == RecordState::Sent));
}

#[test]
fn a_signed_revocation_wipes_the_device_and_a_forged_one_wipes_nothing() {
    let d = Device::activated();
    let ids = d.enroll(0, 2);
    {
        let mut st = d.server.st();
        st.device.as_mut().unwrap().revoked = true;
        st.forge_wipe = true;
    }
    let err = d.sync(&Heard::default()).unwrap_err();
    assert_eq!(err.code(), "sync.server_key");
    assert_eq!(
        d.app.list(None).unwrap().len(),
        2,
        "a forged wipe erases nothing"
    );
    assert!(d.app.device_status().unwrap().activated);

    d.server.st().forge_wipe = false;
    let err = d.sync(&Heard::default()).unwrap_err();
    assert_eq!(err.code(), "device.revoked");
    assert!(d.app.list(None).unwrap().is_empty());
    assert!(matches!(d.app.receipt(&ids[0]), Err(e) if e.code() == "record.not_found"));
    let status = d.app.device_status().unwrap();
    assert!(!status.activated && status.device_id.is_none());
    assert_eq!(
        d.app
            .sync_with(d.server.as_ref(), None, &d.signer, None)
            .unwrap_err()
            .code(),
        "device.not_activated"
    );
}

#[test]
fn an_ack_signed_by_another_key_moves_no_record() {
    let d = Device::activated();
    let ids = d.enroll(0, 2);
    d.server.st().forge_ack = true;
    let err = d.sync(&Heard::default()).unwrap_err();
    assert_eq!(err.code(), "sync.server_key");
    assert!(ids.iter().all(|id| d.state_of(id) == RecordState::Sent));
}

#[test]
fn retry_after_is_honoured_and_a_long_one_ends_the_sync() {
    let d = Device::activated();
    d.enroll(0, 1);
    d.server.st().faults.push_back(Fault::Status(429, Some(3)));
    let heard = Heard::default();
    d.sync(&heard).unwrap();
    assert_eq!(heard.waits.lock().unwrap().clone(), vec![3]);

    d.enroll(1, 1);
    d.server
        .st()
        .faults
        .push_back(Fault::Status(429, Some(3600)));
    assert_eq!(
        d.sync(&Heard::default()).unwrap_err().code(),
        "sync.network"
    );
    assert_eq!(d.sync(&Heard::default()).unwrap().sent, 1);
}

#[test]
fn decisions_come_down_and_a_used_nonce_is_replaced() {
    let d = Device::activated();
    let ids = d.enroll(0, 3);
    d.sync(&Heard::default()).unwrap();
    {
        let mut st = d.server.st();
        let item = |id: &str, decision: &str, reason: Option<&str>| DecisionItem {
            record_id: id.into(),
            decision: decision.into(),
            reason: reason.map(String::from),
            decided_at: "2026-11-21T09:00:00+07:00".into(),
        };
        st.decisions.push(item(&ids[0], "approved", None));
        st.decisions
            .push(item(&ids[1], "has_issues", Some("Alamat kurang lengkap")));
        st.decisions
            .push(item(&ids[2], "rejected", Some("Foto KTP buram")));
        st.decisions
            .push(item("not-on-this-device", "approved", None));
        // Every nonce the device holds is spent (another instance, a lost answer).
        st.nonces.clear();
    }
    d.sync(&Heard::default()).unwrap();
    assert_eq!(d.state_of(&ids[0]), RecordState::Approved);
    assert_eq!(d.state_of(&ids[1]), RecordState::HasIssues);
    assert_eq!(
        d.app.receipt(&ids[1]).unwrap().review_note.as_deref(),
        Some("Alamat kurang lengkap")
    );
    assert_eq!(d.state_of(&ids[2]), RecordState::RejectedByReview);
}

/// A network that delivers requests twice can spend the fresh nonce too, again and again: the
/// device keeps fetching fresh ones within its retry budget (it used to give up after one
/// refresh with a refusal, `request.nonce`, that the agent could do nothing about).
#[test]
fn nonces_spent_by_duplicated_requests_are_refreshed_within_the_retry_budget() {
    let d = Device::activated();
    d.enroll(0, 1);
    d.server.st().nonces_spent_by_duplicates = 3;
    assert_eq!(d.sync(&Heard::default()).unwrap().sent, 1);
    // A server that never takes a nonce ends the sync as a network failure, tried again later.
    d.server.st().nonces_spent_by_duplicates = u32::MAX;
    assert_eq!(
        d.sync(&Heard::default()).unwrap_err().code(),
        "sync.network"
    );
}

#[test]
fn a_recorded_downsync_answer_replayed_later_is_refused_and_changes_nothing() {
    let d = Device::activated();
    let ids = d.enroll(0, 1);
    d.sync(&Heard::default()).unwrap();
    // The supervisor approves; an attacker replays the earlier (validly signed) page instead.
    d.server.st().decisions.push(DecisionItem {
        record_id: ids[0].clone(),
        decision: "approved".into(),
        reason: None,
        decided_at: "2026-11-20T04:00:00Z".into(),
    });
    d.server.st().replay_downsync = true;
    let refused = d.sync(&Heard::default()).unwrap_err();
    assert_eq!(refused.code(), "sync.server_key", "{refused:?}");
    assert_eq!(d.state_of(&ids[0]), RecordState::Accepted);
    // The real answer is taken.
    d.server.st().replay_downsync = false;
    d.sync(&Heard::default()).unwrap();
    assert_eq!(d.state_of(&ids[0]), RecordState::Approved);
}

#[test]
fn a_wipe_command_in_downsync_erases_the_device() {
    let d = Device::activated();
    d.enroll(0, 1);
    d.server.st().commands.push(DeviceCommand {
        id: "7".into(),
        device_id: "dev-1".into(),
        kind: "wipe".into(),
        issued_at: "2026-11-21T00:00:00Z".into(),
    });
    assert_eq!(
        d.sync(&Heard::default()).unwrap_err().code(),
        "device.revoked"
    );
    assert!(d.app.list(None).unwrap().is_empty());
}

#[test]
fn activation_pins_the_key_checks_the_fingerprint_and_survives_a_lost_answer() {
    let d = Device::new();
    // A wrong fingerprint: the key is not pinned and nothing is stored.
    let err = d
        .app
        .activate_with(
            d.server.as_ref(),
            URL,
            CODE,
            Some("00112233445566778899"),
            &d.signer,
        )
        .unwrap_err();
    assert_eq!(err.code(), "sync.server_key");
    assert!(!d.app.device_status().unwrap().activated);
    // Plain http to another machine is refused before anything is sent.
    let err = d
        .app
        .activate_with(
            d.server.as_ref(),
            "http://sync.example.id",
            CODE,
            None,
            &d.signer,
        )
        .unwrap_err();
    assert_eq!(err.code(), "sync.url");
    // A mistyped code is caught by its check character.
    let err = d
        .app
        .activate_with(d.server.as_ref(), URL, "0000000000001", None, &d.signer)
        .unwrap_err();
    assert_eq!(err.code(), "input.parameter");
    // The answer is lost once; the retry with the same key gets the same binding.
    d.server.st().faults.push_back(Fault::LoseAnswer);
    let fp = d.server.fingerprint();
    let done = d
        .app
        .activate_with(d.server.as_ref(), URL, CODE, Some(&fp[..16]), &d.signer)
        .unwrap();
    assert_eq!(
        (
            done.device_id.as_str(),
            done.agent_id.as_str(),
            done.branch.as_str()
        ),
        ("dev-1", "agent-7", "KC-BOGOR")
    );
    let status = d.app.device_status().unwrap();
    assert_eq!(status.server_key_fingerprint.as_deref(), Some(fp.as_str()));
    // Another key cannot sync as this device.
    let other = SoftwareSigner::generate_ephemeral().unwrap();
    let err = d
        .app
        .sync_with(d.server.as_ref(), None, &other, None)
        .unwrap_err();
    assert_eq!(err.code(), "device.key_mismatch");
}

#[test]
fn the_branch_tag_list_warns_about_a_registered_nik() {
    let d = Device::new();
    let registered = "3201101501900001";
    {
        let mut st = d.server.st();
        let tag = nik_tag24(&st.tag_key.clone(), registered);
        st.tags.extend_from_slice(&tag);
    }
    let mut input: serde_json::Value = serde_json::from_str(&common::worker_json(0)).unwrap();
    input["nik"] = registered.into();
    let before = d.app.validate(&input.to_string()).unwrap();
    assert!(!before.codes().contains(&"nik.duplicate_known"));
    d.app
        .activate_with(d.server.as_ref(), URL, CODE, None, &d.signer)
        .unwrap();
    let after = d.app.validate(&input.to_string()).unwrap();
    assert!(
        after.codes().contains(&"nik.duplicate_known"),
        "{:?}",
        after.codes()
    );
    // The warning needs the agent's confirmation, like any other.
    assert_eq!(
        d.app.submit(&input.to_string(), false).unwrap_err().code(),
        "input.invalid"
    );
    d.app.submit(&input.to_string(), true).unwrap();
}

#[test]
fn a_rule_set_update_from_the_server_is_applied_and_kept() {
    let d = Device::activated();
    let worker = common::worker_json(0); // income 2,000,000
    assert!(d.app.validate(&worker).unwrap().valid);
    let mut update: serde_json::Value =
        serde_json::from_str(include_str!("../../domain/rulesets/bpu-2026.json")).unwrap();
    update["enrollment"]["income_min"] = 2_500_000.into();
    d.server.st().rule_sets = vec![
        serde_json::json!({"id": "from-a-newer-server", "unknown_layout": true}),
        update,
    ];
    d.sync(&Heard::default()).unwrap();
    let report = d.app.validate(&worker).unwrap();
    assert!(!report.valid, "the raised minimum income applies");
    assert!(
        report.codes().iter().any(|c| c.starts_with("income")),
        "{:?}",
        report.codes()
    );
    // Kept in the store: the app opened again still uses it.
    let vault = FileKeyVault::open_or_create(&d._dir.path().join("device.key")).unwrap();
    let now: DateTime<Utc> = "2026-11-20T03:00:00Z".parse().unwrap();
    let config =
        AppConfig::new(d._dir.path().join("data")).with_clock(Arc::new(FixedClock::new(now)));
    let reopened = AgentApp::open(config, Arc::new(vault)).unwrap();
    assert!(!reopened.validate(&worker).unwrap().valid);
}

/// The fake server behind a link that cancels the sync while the `nth_batch` upload is on the
/// wire: the server stores that batch, and its answer is lost. Counts every request by path.
struct CancelInFlight {
    server: Arc<FakeServer>,
    cancel: SyncCancel,
    nth_batch: usize,
    paths: Mutex<Vec<String>>,
}

impl Transport for CancelInFlight {
    fn post(&self, server: &ServerUrl, request: &Request<'_>) -> Result<Response, TransportError> {
        let batches_before = {
            let mut paths = self.paths.lock().unwrap();
            paths.push(request.path.to_string());
            paths.iter().filter(|p| *p == "/v1/batches").count()
        };
        let answer = self.server.post(server, request);
        if request.path == "/v1/batches" && batches_before == self.nth_batch {
            self.cancel.cancel();
            return Err(TransportError::Other("answer lost".into()));
        }
        answer
    }
}

impl CancelInFlight {
    fn count(&self, path: &str) -> usize {
        self.paths
            .lock()
            .unwrap()
            .iter()
            .filter(|p| *p == path)
            .count()
    }
}

#[test]
fn a_sync_cancelled_with_a_batch_in_flight_keeps_it_and_the_next_sync_delivers_it_once() {
    let d = Device::activated();
    let ids = d.enroll(0, 45);
    let link = CancelInFlight {
        server: d.server.clone(),
        cancel: SyncCancel::new(),
        nth_batch: 2,
        paths: Mutex::new(Vec::new()),
    };
    let heard = Heard::default();
    let err = d
        .app
        .sync_with_cancel(&link, None, &d.signer, Some(&heard), &link.cancel)
        .unwrap_err();
    assert_eq!(err.code(), "sync.cancelled");
    assert_eq!(
        err.message().id,
        "Sinkronisasi dihentikan. Data tetap tersimpan dan akan dikirim nanti."
    );
    // Batch 1 (10) was acknowledged; batch 2 (20) reached the server but its answer did not come
    // back: frozen, unacknowledged, as after a network failure. Nothing more was frozen or sent,
    // no retry was waited for, and no downsync was asked for.
    let finished = heard.finished.lock().unwrap().clone().unwrap();
    assert_eq!(
        (finished.sent, finished.accepted, finished.batches),
        (10, 10, 1)
    );
    assert_eq!(link.count("/v1/batches"), 2);
    assert_eq!(link.count("/v1/downsync") + link.count("/v1/nonce"), 0);
    assert!(heard.waits.lock().unwrap().is_empty());
    let states: Vec<RecordState> = ids.iter().map(|id| d.state_of(id)).collect();
    assert!(states[..10].iter().all(|s| *s == RecordState::Accepted));
    assert!(states[10..30].iter().all(|s| *s == RecordState::Sent));
    assert!(states[30..].iter().all(|s| *s == RecordState::Queued));
    let status = d.app.device_status().unwrap();
    assert_eq!(status.unacked_batches, 1);
    assert_eq!(
        status.last_sync_at, None,
        "a cancelled sync is not a complete one"
    );
    assert_eq!(d.server.st().records.len(), 30);

    // The next sync resends batch 2 byte for byte (the server answers with its stored
    // acknowledgement), then the rest: every record accepted, each stored once.
    let in_flight = d.server.st().uploads[1].clone();
    let report = d.sync(&Heard::default()).unwrap();
    assert_eq!(
        (report.sent, report.accepted, report.duplicates),
        (35, 35, 0)
    );
    let uploads = d.server.st().uploads.clone();
    assert_eq!(
        uploads[2], in_flight,
        "the batch in flight is resent as it was"
    );
    let seqs: Vec<u64> = d.batch_headers().iter().map(|h| h.0).collect();
    assert_eq!(seqs, vec![1, 2, 2, 3]);
    assert!(ids.iter().all(|id| d.state_of(id) == RecordState::Accepted));
    let st = d.server.st();
    assert_eq!(st.records.len(), 45);
    assert!(ids.iter().all(|id| st.records.contains_key(id)));
    assert_eq!(d.app.device_status().unwrap().unacked_batches, 0);
}

/// Cancels the sync when the first acknowledgement is applied.
struct CancelOnFirstAck(SyncCancel);

impl SyncObserver for CancelOnFirstAck {
    fn batch_acked(&self, _seq: u64, _accepted: u32, _rejected: u32) {
        self.0.cancel();
    }
}

#[test]
fn a_sync_cancelled_after_an_acknowledgement_freezes_nothing_more_and_skips_downsync() {
    let d = Device::activated();
    let ids = d.enroll(0, 25);
    let cancel = SyncCancel::new();
    let observer = CancelOnFirstAck(cancel.clone());
    let link = CancelInFlight {
        server: d.server.clone(),
        cancel: SyncCancel::new(),
        nth_batch: usize::MAX,
        paths: Mutex::new(Vec::new()),
    };
    let err = d
        .app
        .sync_with_cancel(&link, None, &d.signer, Some(&observer), &cancel)
        .unwrap_err();
    assert_eq!(err.code(), "sync.cancelled");
    assert_eq!(link.paths.lock().unwrap().clone(), vec!["/v1/batches"]);
    assert!(ids[..10]
        .iter()
        .all(|id| d.state_of(id) == RecordState::Accepted));
    assert!(ids[10..]
        .iter()
        .all(|id| d.state_of(id) == RecordState::Queued));
    assert_eq!(d.app.device_status().unwrap().unacked_batches, 0);
    // A handle cancelled before the sync starts: nothing is sent at all.
    let err = d
        .app
        .sync_with_cancel(&link, None, &d.signer, None, &cancel)
        .unwrap_err();
    assert_eq!(err.code(), "sync.cancelled");
    assert_eq!(link.paths.lock().unwrap().len(), 1);
    let report = d.sync(&Heard::default()).unwrap();
    assert_eq!((report.sent, report.accepted), (15, 15));
    assert_eq!(d.server.st().records.len(), 25);
}

/// Tells the test thread when the sync starts waiting for a retry.
struct SignalWait(Mutex<std::sync::mpsc::Sender<u64>>);

impl SyncObserver for SignalWait {
    fn waiting_retry(&self, seconds: u64) {
        let _ = self.0.lock().unwrap().send(seconds);
    }
}

#[test]
fn a_cancel_during_a_long_retry_wait_ends_the_wait_and_the_sync() {
    // The real wait (the default `sleep`), and a server that asks for 100 s: only the cancel can
    // end this sync before then. No timing is asserted; the generous limit fails only a hang.
    let d = Device::with_options(SyncOptions {
        max_retry_after: Duration::from_secs(3600),
        ..SyncOptions::default()
    });
    let fp = d.server.fingerprint();
    d.app
        .activate_with(d.server.as_ref(), URL, CODE, Some(&fp), &d.signer)
        .unwrap();
    let ids = d.enroll(0, 3);
    d.server
        .st()
        .faults
        .push_back(Fault::Status(503, Some(100)));
    let d = Arc::new(d);
    let cancel = SyncCancel::new();
    let (waiting, wait_started) = std::sync::mpsc::channel();
    let (done, finished) = std::sync::mpsc::channel();
    let syncing = {
        let (d, cancel) = (d.clone(), cancel.clone());
        std::thread::spawn(move || {
            let observer = SignalWait(Mutex::new(waiting));
            let result = d.app.sync_with_cancel(
                d.server.as_ref(),
                None,
                &d.signer,
                Some(&observer),
                &cancel,
            );
            let _ = done.send(result.map_err(|e| e.code()));
        })
    };
    let hang = Duration::from_secs(60);
    assert_eq!(wait_started.recv_timeout(hang), Ok(100));
    cancel.cancel();
    let result = finished
        .recv_timeout(hang)
        .expect("the sync did not end after cancel: the retry wait ignored it");
    syncing.join().unwrap();
    assert_eq!(result, Err("sync.cancelled"));
    // The 503 answered the first upload of batch 1: it stays frozen for the next sync.
    assert!(ids.iter().all(|id| d.state_of(id) == RecordState::Sent));
    assert_eq!(d.app.device_status().unwrap().unacked_batches, 1);
}
