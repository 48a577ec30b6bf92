//! A sync cancelled midway (what Android's WorkManager stopping a worker and an iOS background
//! task's expiry do, through the core's `SyncCancel`), against the real `perisai-server` binary
//! on SQLite and PostgreSQL: the device is the core's `AgentApp` in this process, syncing over
//! real HTTP.
//!
//! - Cancelled during the retry wait the server asked for (`--batches-per-minute 1`: the second
//!   batch gets 429 with `Retry-After` of up to a minute): the sync ends at once with
//!   `sync.cancelled`, the batch it sent stays frozen, and the next sync (to a server without
//!   the limit) delivers every record.
//! - Cancelled while a batch is on the wire, its answer lost: the server stored the batch, the
//!   device never heard; the next sync resends it byte for byte and the server takes it once.
//!
//! Each ends with the branch's export holding every record exactly once and `admin check`
//! clean.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use perisai_core::app::{AgentApp, AppConfig, FileKeyVault, RecordState};
use perisai_core::signer::SoftwareSigner;
use perisai_core::sync::server_url::ServerUrl;
use perisai_core::sync::transport::{HttpTransport, Request, Response, Transport, TransportError};
use perisai_core::sync::{SyncCancel, SyncObserver, SyncReport};
use perisai_core::CoreError;
use perisai_e2e::server::{Backend, Deployment, ServerProcess};
use perisai_sim::people::form;

const BRANCH: &str = "KC01";
/// Long enough for any machine to wake a thread and end a sync; reached only by a hang.
const HANG: Duration = Duration::from_secs(90);

/// The agent's phone: the core's app in a folder of its own, and its signing key.
struct Phone {
    app: AgentApp,
    signer: SoftwareSigner,
    _dir: tempfile::TempDir,
}

impl Phone {
    fn open() -> Arc<Phone> {
        let dir = tempfile::tempdir().expect("a folder for the phone");
        let vault = FileKeyVault::open_or_create(&dir.path().join("device.key")).expect("vault");
        let app = AgentApp::open(AppConfig::new(dir.path().join("data")), Arc::new(vault))
            .expect("the phone's store");
        let signer =
            SoftwareSigner::open_or_create(dir.path().join("signing.key")).expect("signing key");
        Arc::new(Phone {
            app,
            signer,
            _dir: dir,
        })
    }

    /// `count` enrollments, submitted as the agent saves them; their ids in order.
    fn enroll(&self, count: u32) -> Vec<String> {
        (0..count)
            .map(|n| {
                self.app
                    .submit(&form(0, n).to_string(), false)
                    .expect("a valid enrollment")
                    .id
            })
            .collect()
    }

    fn states(&self, ids: &[String]) -> Vec<RecordState> {
        ids.iter()
            .map(|id| self.app.receipt(id).expect("a receipt").state)
            .collect()
    }
}

/// Runs blocking core work off the async runtime.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(work)
        .await
        .expect("the core call panicked")
}

/// A new agent's phone, activated with `server` (fingerprint from the QR code).
async fn activated_phone(deployment: &Deployment, server: &ServerProcess) -> Arc<Phone> {
    let agent = deployment.new_agent(BRANCH).await.expect("an agent");
    let code = deployment
        .issue_code(&agent.agent_id)
        .await
        .expect("an activation code");
    let phone = Phone::open();
    let (url, fingerprint) = (server.url(), server.fingerprint().to_string());
    let p = phone.clone();
    blocking(move || {
        p.app
            .activate(&url, &code, Some(&fingerprint), &p.signer)
            .expect("activation")
    })
    .await;
    phone
}

/// The branch's export holds exactly `ids`, each once.
async fn server_holds_each_once(deployment: &Deployment, ids: &[String]) {
    let rows = deployment.export(BRANCH).await.expect("admin export");
    let stored: Vec<String> = rows.iter().map(|r| r["id"].clone()).collect();
    let distinct: BTreeSet<String> = stored.iter().cloned().collect();
    assert_eq!(stored.len(), distinct.len(), "a record stored twice");
    assert_eq!(distinct, ids.iter().cloned().collect::<BTreeSet<_>>());
    deployment.check().await.expect("admin check");
}

/// Tells the test when the sync starts a retry wait, and how long the server asked for.
struct WaitHeard(Mutex<mpsc::Sender<u64>>);

impl SyncObserver for WaitHeard {
    fn waiting_retry(&self, seconds: u64) {
        let _ = self.0.lock().map(|s| s.send(seconds));
    }
}

async fn cancelled_during_the_wait_the_server_asked_for(backend: Backend) {
    let deployment = Deployment::new(backend).await.expect("a deployment");
    // One batch a minute per device: the second batch of a sync is answered 429, Retry-After.
    let limited = deployment
        .start_server(&["--batches-per-minute", "1"])
        .await
        .expect("a server");
    let phone = activated_phone(&deployment, &limited).await;
    let ids = phone.enroll(25);

    let cancel = SyncCancel::new();
    let (heard, wait_started) = mpsc::channel();
    let syncing = {
        let (phone, cancel) = (phone.clone(), cancel.clone());
        std::thread::spawn(move || {
            let observer = WaitHeard(Mutex::new(heard));
            phone
                .app
                .sync_cancellable(None, &phone.signer, Some(&observer), &cancel)
        })
    };
    // The first batch (10) went through; the second (15) waits out the server's minute. The
    // scheduler stops the run from another thread (as WorkManager and iOS do).
    let asked = blocking(move || wait_started.recv_timeout(HANG)).await;
    let asked = asked.expect("the sync never waited for the server's Retry-After");
    assert!(asked > 1, "Retry-After of {asked} s: not the rate limit");
    cancel.cancel();
    let result: Result<SyncReport, CoreError> = blocking(move || {
        let (done, finished) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = done.send(syncing.join());
        });
        finished
            .recv_timeout(HANG)
            .expect("the sync did not end after cancel: it waited out the Retry-After")
            .expect("the sync thread panicked")
    })
    .await;
    let err = result.expect_err("a cancelled sync is not a success");
    assert_eq!(err.code(), "sync.cancelled");

    let states = phone.states(&ids);
    assert!(states[..10].iter().all(|s| *s == RecordState::Accepted));
    assert!(
        states[10..].iter().all(|s| *s == RecordState::Sent),
        "{states:?}"
    );
    let status = phone.app.device_status().expect("status");
    assert_eq!(status.unacked_batches, 1, "the refused batch stays frozen");
    server_holds_each_once(&deployment, &ids[..10]).await;

    // The next run, with a server without the limit at the same address: everything arrives.
    let addr = limited.addr().to_string();
    limited.kill().await.expect("the limited server stops");
    let _server = deployment
        .restart_server_on(&addr)
        .await
        .expect("the server again");
    let p = phone.clone();
    let report = blocking(move || {
        let fresh = SyncCancel::new();
        p.app.sync_cancellable(None, &p.signer, None, &fresh)
    })
    .await
    .expect("the next sync");
    assert_eq!((report.sent, report.accepted), (15, 15));
    assert!(phone
        .states(&ids)
        .iter()
        .all(|s| *s == RecordState::Accepted));
    assert_eq!(
        phone.app.device_status().expect("status").unacked_batches,
        0
    );
    server_holds_each_once(&deployment, &ids).await;
}

/// The real HTTP transport, which cancels the sync while the `nth` batch upload is on the wire:
/// the server gets it (and stores it), its answer is lost on the way back.
struct CancelInFlight {
    http: HttpTransport,
    cancel: SyncCancel,
    nth: usize,
    batches: AtomicUsize,
    /// Bodies of the batch uploads, in order.
    uploads: Mutex<Vec<Vec<u8>>>,
}

impl Transport for CancelInFlight {
    fn post(&self, server: &ServerUrl, request: &Request<'_>) -> Result<Response, TransportError> {
        let answer = self.http.post(server, request);
        if request.path == "/v1/batches" {
            if let Ok(mut uploads) = self.uploads.lock() {
                uploads.push(request.body.to_vec());
            }
            if self.batches.fetch_add(1, Ordering::SeqCst) + 1 == self.nth {
                assert_eq!(answer.as_ref().map(|a| a.status), Ok(200));
                self.cancel.cancel();
                return Err(TransportError::Other("answer lost".into()));
            }
        }
        answer
    }
}

impl CancelInFlight {
    fn new(nth: usize) -> CancelInFlight {
        CancelInFlight {
            http: HttpTransport::new(Duration::from_secs(10), Duration::from_secs(30))
                .expect("an HTTP client"),
            cancel: SyncCancel::new(),
            nth,
            batches: AtomicUsize::new(0),
            uploads: Mutex::new(Vec::new()),
        }
    }

    fn uploads(&self) -> Vec<Vec<u8>> {
        self.uploads.lock().map(|u| u.clone()).unwrap_or_default()
    }
}

async fn cancelled_with_a_batch_in_flight(backend: Backend) {
    let deployment = Deployment::new(backend).await.expect("a deployment");
    let server = deployment.start_server(&[]).await.expect("a server");
    let phone = activated_phone(&deployment, &server).await;
    let ids = phone.enroll(45);

    // The blocking HTTP client lives and dies off the async runtime.
    let p = phone.clone();
    let (result, first_uploads) = blocking(move || {
        let link = CancelInFlight::new(2);
        let result = p
            .app
            .sync_with_cancel(&link, None, &p.signer, None, &link.cancel);
        (result.map_err(|e| e.code()), link.uploads())
    })
    .await;
    assert_eq!(result.err(), Some("sync.cancelled"));
    // Batch 1 (10) acknowledged; batch 2 (20) stored by the server, unheard of by the device.
    let states = phone.states(&ids);
    assert!(states[..10].iter().all(|s| *s == RecordState::Accepted));
    assert!(states[10..30].iter().all(|s| *s == RecordState::Sent));
    assert!(states[30..].iter().all(|s| *s == RecordState::Queued));
    assert_eq!(
        phone.app.device_status().expect("status").unacked_batches,
        1
    );
    server_holds_each_once(&deployment, &ids[..30]).await;

    // The next sync resends batch 2 as it was; the server answers with what it stored.
    let p = phone.clone();
    let (result, next_uploads) = blocking(move || {
        let link = CancelInFlight::new(usize::MAX);
        let result = p
            .app
            .sync_with_cancel(&link, None, &p.signer, None, &link.cancel);
        (result.map_err(|e| e.code()), link.uploads())
    })
    .await;
    let report = result.expect("the next sync");
    assert_eq!(
        (report.sent, report.accepted, report.duplicates),
        (35, 35, 0)
    );
    assert_eq!(first_uploads.len(), 2);
    assert_eq!(
        next_uploads.first(),
        first_uploads.get(1),
        "the batch in flight is resent byte for byte"
    );
    assert!(phone
        .states(&ids)
        .iter()
        .all(|s| *s == RecordState::Accepted));
    server_holds_each_once(&deployment, &ids).await;
}

perisai_e2e::on_both_backends!(within 240;
    cancelled_during_the_wait_the_server_asked_for,
    cancelled_with_a_batch_in_flight,
);
