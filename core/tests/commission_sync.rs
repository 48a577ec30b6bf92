//! Commission and cash through the real sync client, against a small in-memory server speaking
//! protocol v1 with the core's own wire code: cash goes up in the signed downsync request and is
//! marked sent only once the signed answer verified (a forged answer leaves it to send again);
//! statements come down and are shown offline, an issued one replacing the provisional estimate
//! and never replaced itself.

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chrono::{DateTime, Utc};
use perisai_core::app::{AgentApp, AppConfig, FixedClock, StatementStatus};
use perisai_core::protocol::batch::FrozenBatch;
use perisai_core::protocol::downsync::{
    request_message, CashItem, DownsyncRequest, NikTagList, NonceResponse, HEADER_DEVICE,
    HEADER_NONCE, HEADER_SIGNATURE,
};
use perisai_core::protocol::envelope::SignedEnvelope;
use perisai_core::protocol::key_fingerprint;
use perisai_core::protocol::labels::{LABEL_ACK, LABEL_ACTIVATE, LABEL_DOWNSYNC, LABEL_REQUEST};
use perisai_core::protocol::messages::{
    Ack, ActivationRequest, ActivationResponse, RecordResult, RecordStatus,
};
use perisai_core::seal::FileKeyVault;
use perisai_core::signer::{self, DeviceSigner, SoftwareSigner};
use perisai_core::sync::server_url::ServerUrl;
use perisai_core::sync::transport::{Request, Response, Transport, TransportError};
use perisai_core::sync::{SyncCancel, SyncOptions};
use serde_json::{json, Value};

const CODE: &str = "0000000000000";
const URL: &str = "http://127.0.0.1:9";

#[derive(Default)]
struct State {
    device_key: Vec<u8>,
    nonces: HashSet<String>,
    issued: u64,
    /// The cash items of every downsync request, in order.
    cash_requests: Vec<Vec<CashItem>>,
    /// The `statements` member of the next downsync answers.
    statements: Vec<Value>,
    /// Sign the next downsync answer with a key the device does not trust.
    forge_next: bool,
}

struct Server {
    key: SoftwareSigner,
    other_key: SoftwareSigner,
    state: Mutex<State>,
}

fn ok(envelope: &SignedEnvelope) -> Response {
    Response {
        status: 200,
        retry_after: None,
        body: serde_json::to_vec(envelope).unwrap(),
    }
}

fn header<'a>(request: &'a Request<'_>, name: &str) -> &'a str {
    request
        .headers
        .iter()
        .find(|(n, _)| *n == name)
        .map_or("", |(_, v)| v.as_str())
}

impl Server {
    fn nonce(st: &mut State) -> String {
        st.issued += 1;
        let n = format!("nonce-{}", st.issued);
        st.nonces.insert(n.clone());
        n
    }

    fn activate(&self, body: &[u8]) -> Response {
        let req: ActivationRequest = serde_json::from_slice(body).unwrap();
        let mut st = self.state.lock().unwrap();
        st.device_key = B64.decode(&req.public_key).unwrap();
        let answer = ActivationResponse {
            device_id: "dev-1".into(),
            agent_id: "agent-7".into(),
            branch: "KC-BOGOR".into(),
            server_key: B64.encode(self.key.public_key().unwrap()),
            nonce: Self::nonce(&mut st),
            rule_sets: vec![],
            nik_tags: NikTagList::default(),
            cursor: String::new(),
        };
        ok(&SignedEnvelope::sign(LABEL_ACTIVATE, &answer, &self.key).unwrap())
    }

    /// Acknowledges every record of a batch as accepted.
    fn batch(&self, bytes: &[u8]) -> Response {
        let mut st = self.state.lock().unwrap();
        let batch = FrozenBatch::parse(bytes).unwrap();
        let results = batch
            .records()
            .unwrap()
            .iter()
            .filter(|r| r.get("withdrawn").is_none())
            .map(|r| RecordResult {
                id: r["id"].as_str().unwrap().to_string(),
                status: RecordStatus::Accepted,
                codes: vec![],
            })
            .collect();
        let ack = Ack {
            device_id: "dev-1".into(),
            seq: batch.header.seq,
            batch_hash: batch.batch_hash(),
            results,
            nonce: Self::nonce(&mut st),
            batch_codes: vec![],
        };
        ok(&SignedEnvelope::sign(LABEL_ACK, &ack, &self.key).unwrap())
    }

    fn downsync(&self, request: &Request<'_>) -> Response {
        let mut st = self.state.lock().unwrap();
        let nonce = header(request, HEADER_NONCE).to_string();
        let sig = B64.decode(header(request, HEADER_SIGNATURE)).unwrap();
        let message = request_message("POST", "/v1/downsync", request.body, &nonce);
        assert!(signer::verify_in_context(
            &st.device_key,
            LABEL_REQUEST,
            &message,
            &sig
        ));
        assert!(st.nonces.remove(&nonce), "a nonce is used once");
        let req: DownsyncRequest = serde_json::from_slice(request.body).unwrap();
        st.cash_requests.push(req.cash);
        let page = json!({
            "device_id": "dev-1", "request_nonce": nonce,
            "cursor": "c", "nonce": Self::nonce(&mut st), "decisions": [],
            "nik_tag_deltas": {"key_id": "", "key": "", "tags": ""},
            "rule_sets": [], "commands": [], "more": false,
            "statements": st.statements,
        });
        let key = if std::mem::take(&mut st.forge_next) {
            &self.other_key
        } else {
            &self.key
        };
        ok(&SignedEnvelope::sign(LABEL_DOWNSYNC, &page, key).unwrap())
    }
}

impl Transport for Server {
    fn post(&self, _: &ServerUrl, request: &Request<'_>) -> Result<Response, TransportError> {
        Ok(match request.path {
            "/v1/activate" => self.activate(request.body),
            "/v1/batches" => self.batch(request.body),
            "/v1/downsync" => self.downsync(request),
            "/v1/nonce" => {
                let mut st = self.state.lock().unwrap();
                let answer = NonceResponse {
                    device_id: header(request, HEADER_DEVICE).to_string(),
                    nonce: Self::nonce(&mut st),
                };
                ok(&SignedEnvelope::sign(LABEL_DOWNSYNC, &answer, &self.key).unwrap())
            }
            other => panic!("unexpected path {other}"),
        })
    }
}

struct Device {
    _dir: tempfile::TempDir,
    app: AgentApp,
    signer: SoftwareSigner,
    server: Server,
}

fn no_sleep(_: Duration, _: &SyncCancel) {}

impl Device {
    /// An activated device on 20/11/2026 10:00 WIB.
    fn activated() -> Device {
        let dir = tempfile::tempdir().unwrap();
        let vault = FileKeyVault::open_or_create(&dir.path().join("device.key")).unwrap();
        let now: DateTime<Utc> = "2026-11-20T03:00:00Z".parse().unwrap();
        let mut config =
            AppConfig::new(dir.path().join("data")).with_clock(Arc::new(FixedClock::new(now)));
        config.sync = SyncOptions {
            sleep: no_sleep,
            ..SyncOptions::default()
        };
        let d = Device {
            app: AgentApp::open(config, Arc::new(vault)).unwrap(),
            signer: SoftwareSigner::open_or_create(dir.path().join("signing.key")).unwrap(),
            _dir: dir,
            server: Server {
                key: SoftwareSigner::generate_ephemeral().unwrap(),
                other_key: SoftwareSigner::generate_ephemeral().unwrap(),
                state: Mutex::new(State::default()),
            },
        };
        let fp = key_fingerprint(&d.server.key.public_key().unwrap());
        d.app
            .activate_with(&d.server, URL, CODE, Some(&fp), &d.signer)
            .unwrap();
        d
    }

    fn sync(&self) -> Result<(), perisai_core::CoreError> {
        self.app
            .sync_with(&self.server, None, &self.signer, None)
            .map(|_| ())
    }

    fn cash_requests(&self) -> Vec<Vec<CashItem>> {
        self.server.state.lock().unwrap().cash_requests.clone()
    }

    fn serve_statements(&self, statements: Vec<Value>) {
        self.server.state.lock().unwrap().statements = statements;
    }
}

fn statement(month: &str, status: &str, as_of: &str, record_id: &str, amount: i64) -> Value {
    json!({
        "month": month, "status": status, "as_of": as_of,
        "acquisition": 0, "contribution": amount, "adjustments": 0, "total": amount,
        "lines": [{"kind": "contribution", "record_id": record_id, "amount": amount,
                   "note": "Iuran bulan ke-1 (15% dari Rp16.800) / Contribution month 1 (15% of Rp16.800)"}]
    })
}

#[test]
fn cash_goes_up_once_the_answer_is_verified_and_never_twice() {
    let d = Device::activated();
    let id = d.app.submit(&common::worker_json(1), false).unwrap().id;
    let first = d.app.record_cash(&id, 50_400, 3).unwrap();
    let second = d.app.record_cash(&id, 16_800, 1).unwrap();
    assert_eq!(d.app.unsent_cash().unwrap(), 2);

    // An answer that does not verify: the server may have the items, the device cannot know.
    d.server.state.lock().unwrap().forge_next = true;
    let err = d.sync().unwrap_err();
    assert_eq!(err.code(), "sync.server_key");
    assert_eq!(d.app.unsent_cash().unwrap(), 2, "nothing marked sent");

    d.sync().unwrap();
    assert_eq!(d.app.unsent_cash().unwrap(), 0);
    let requests = d.cash_requests();
    assert_eq!(requests.len(), 2);
    for carried in &requests {
        let ids: Vec<&str> = carried.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, [first.id.as_str(), second.id.as_str()]);
        assert_eq!((carried[0].amount, carried[0].months), (50_400, 3));
        assert_eq!(carried[0].record_id, id);
        assert_eq!(carried[0].collected_at, "2026-11-20T10:00:00+07:00");
    }

    // The next sync carries no cash.
    d.sync().unwrap();
    assert_eq!(d.cash_requests().last().unwrap(), &Vec::<CashItem>::new());
}

#[test]
fn statements_come_down_and_an_issued_one_is_never_replaced() {
    let d = Device::activated();
    d.serve_statements(vec![
        statement(
            "2026-10",
            "provisional",
            "2026-10-30T08:00:00+07:00",
            "r1",
            100,
        ),
        statement(
            "2026-11",
            "provisional",
            "2026-11-20T08:00:00+07:00",
            "r1",
            2_520,
        ),
        json!({"month": "2026-11", "status": "someday"}),
    ]);
    d.sync().unwrap();
    let november = d.app.commission(None).unwrap();
    assert_eq!(
        (november.status, november.total, november.as_of.as_str()),
        (
            StatementStatus::Provisional,
            2_520,
            "2026-11-20T08:00:00+07:00"
        )
    );

    // October is issued: it replaces the estimate; a late estimate does not replace it.
    d.serve_statements(vec![statement(
        "2026-10",
        "confirmed",
        "2026-11-01T08:00:00+07:00",
        "r1",
        5_040,
    )]);
    d.sync().unwrap();
    d.serve_statements(vec![statement(
        "2026-10",
        "provisional",
        "2026-11-02T08:00:00+07:00",
        "r1",
        1,
    )]);
    d.sync().unwrap();
    let october = d.app.commission(Some("2026-10")).unwrap();
    assert_eq!(
        (october.status, october.total),
        (StatementStatus::Confirmed, 5_040)
    );
    assert!(october.lines[0].note.starts_with("Iuran bulan ke-1 (15%"));

    // A month nothing came for: an empty estimate as of the last sync.
    let september = d.app.commission(Some("2026-09")).unwrap();
    assert!(september.lines.is_empty());
    assert_eq!(
        Some(september.as_of),
        d.app.device_status().unwrap().last_sync_at
    );
}
