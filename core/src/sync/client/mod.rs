//! Activation and the sync loop: `SyncEngine` over its host (`AgentApp`), with a [`Transport`]
//! (`activate_with`, `sync_with`); `AgentApp::activate` and `AgentApp::sync` call them with the
//! real HTTP transport. See the module comment of [`crate::sync`] for the order of a sync.
//!
//! Locks: one sync runs at a time per app (`sync_lock`); the store's mutex is held only while a
//! batch is frozen or an answer is applied, never during network I/O, so the agent keeps
//! enrolling while a sync runs on a worker thread.
//!
//! Cancellation (`sync_cancellable`, `sync_with_cancel`): the sync's [`SyncCancel`] is checked at
//! the top of every batch, before every attempt of a request (so also after every retry wait,
//! which itself wakes on cancel) and before downsync; a cancelled sync returns `sync.cancelled`
//! by the same road as a spent retry budget, with every frozen batch kept for the next sync.

use std::collections::VecDeque;
use std::sync::MutexGuard;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chrono::{DateTime, FixedOffset};
use serde::Serialize;

use super::ack::{self, AckError};
use super::backoff::Backoff;
use super::cancel::SyncCancel;
use super::downsync::{self, Extras, Page};
use super::freeze::freeze_next;
use super::link::LinkAdapter;
use super::server_url::ServerUrl;
use super::state::{self, batch_label, Identity, KeptBatch};
use super::transport::{Request, Response, Transport, TransportError};
use super::{NoObserver, SyncObserver, SyncOptions, SyncReport};
use crate::error::{known_server_code, CoreError};
use crate::incentive::device::{self as incentive_store, CASH_PER_REQUEST};
use crate::protocol::activation_code;
use crate::protocol::downsync::{
    request_message, DeviceCommand, DownsyncRequest, DownsyncResponse, NonceResponse,
    HEADER_DEVICE, HEADER_NONCE, HEADER_SIGNATURE,
};
use crate::protocol::envelope::SignedEnvelope;
use crate::protocol::labels::{LABEL_ACTIVATE, LABEL_DOWNSYNC, LABEL_REQUEST};
use crate::protocol::messages::{ActivationRequest, ActivationResponse, ErrorBody};
use crate::protocol::rotation::{TrustChange, TrustError};
use crate::protocol::{fingerprint_matches, genesis_hash};
use crate::queue::{apply_ack_in, rfc3339, AckOutcome, RecordState};
use crate::signer::{self, DeviceSigner, PUBLIC_KEY_LEN};
use crate::store::Store;
use crate::tariff::RuleBook;

mod activation;
mod download;
mod upload;

const JSON: &str = "application/json";
const BATCH: &str = "application/octet-stream";
/// Most downsync pages in one sync (a device far behind catches up over several syncs).
const MAX_DOWNSYNC_PAGES: u32 = 50;
/// Most times one sync goes back to resend kept batches after `seq.gap`.
const MAX_RESEND_ROUNDS: u32 = 3;

/// The answer to an activation (the CLI prints it as is).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Activated {
    pub device_id: String,
    pub agent_id: String,
    pub branch: String,
}

/// What one attempt of a request decided.
enum Step<T> {
    Done(T),
    /// A temporary failure: wait (`Retry-After` seconds when the server said) and try again.
    Retry {
        after: Option<u64>,
    },
}

/// The link to the server during one call: the transport, the checked URL, the retry budget,
/// the cancel handle and the byte counters.
struct Link<'a> {
    transport: &'a dyn Transport,
    url: ServerUrl,
    options: &'a SyncOptions,
    backoff: Backoff,
    observer: &'a dyn SyncObserver,
    cancel: &'a SyncCancel,
    bytes_up: u64,
    bytes_down: u64,
}

impl<'a> Link<'a> {
    fn new(
        transport: &'a dyn Transport,
        url: ServerUrl,
        options: &'a SyncOptions,
        observer: &'a dyn SyncObserver,
        cancel: &'a SyncCancel,
    ) -> Link<'a> {
        Link {
            transport,
            url,
            options,
            backoff: Backoff::new(options.backoff_base, options.backoff_cap),
            observer,
            cancel,
            bytes_up: 0,
            bytes_down: 0,
        }
    }

    /// One POST; a request that got no answer is `Err` (temporary).
    fn post(&mut self, request: &Request<'_>) -> Result<Response, TransportError> {
        self.bytes_up += request.body.len() as u64;
        let response = self.transport.post(&self.url, request)?;
        self.bytes_down += response.body.len() as u64;
        Ok(response)
    }

    /// Runs `attempt` until it is done, waiting between temporary failures (full jitter, or the
    /// server's `Retry-After`), until the budget of consecutive failures is spent. Before every
    /// attempt, and so also after every wait (which a cancellation cuts short), a cancelled
    /// sync stops with `sync.cancelled`: what a failed attempt left (a frozen batch without its
    /// acknowledgement) stays for the next sync, as when the budget is spent.
    fn retrying<T>(
        &mut self,
        mut attempt: impl FnMut(&mut Link<'a>) -> Result<Step<T>, CoreError>,
    ) -> Result<T, CoreError> {
        loop {
            self.cancel.check()?;
            match attempt(self)? {
                Step::Done(value) => {
                    self.backoff.reset();
                    return Ok(value);
                }
                Step::Retry { after } => {
                    // A cancelled sync says so, rather than that the budget is spent.
                    self.cancel.check()?;
                    if self.backoff.attempts() + 1 >= self.options.max_attempts {
                        return Err(CoreError::SyncNetwork("retry budget spent".into()));
                    }
                    let wait = match after {
                        Some(secs) => {
                            let asked = Duration::from_secs(secs);
                            if asked > self.options.max_retry_after {
                                return Err(CoreError::SyncNetwork(
                                    "server asked to wait longer than this sync may".into(),
                                ));
                            }
                            // Still counts against the budget.
                            let _ = self.backoff.next_wait();
                            asked
                        }
                        None => self.backoff.next_wait(),
                    };
                    self.observer
                        .waiting_retry(wait.as_millis().div_ceil(1000) as u64);
                    (self.options.sleep)(wait, self.cancel);
                }
            }
        }
    }
}

/// A refusal's code from its body (`{"error": {"code", ...}}`), if the body is one.
fn error_body(response: &Response) -> Option<ErrorBody> {
    serde_json::from_slice(&response.body).ok()
}

fn error_code(response: &Response) -> String {
    error_body(response)
        .map(|b| b.error.code)
        .unwrap_or_default()
}

/// Whether an answer is a temporary failure worth a retry: 408, 429, 5xx.
fn temporary(status: u16) -> bool {
    status == 408 || status == 429 || (500..600).contains(&status)
}

/// What answers that are not 200 mean when retrying cannot help (shared by every request).
fn refusal(response: &Response) -> CoreError {
    match response.status {
        426 => CoreError::AppTooOld {
            min_app_version: error_body(response)
                .and_then(|b| b.error.min_app_version)
                .unwrap_or_default(),
        },
        403 if error_code(response) == "device.unknown" => CoreError::DeviceUnknown,
        _ => CoreError::SyncRefused {
            code: known_server_code(&error_code(response)),
        },
    }
}

/// What the sync engine needs of the device it syncs: its store, clock, options and rule book,
/// and the one-sync-at-a-time lock. `AgentApp` is the host (`crate::app`); the engine never
/// names it, so the layers go one way: the app uses the sync engine, not the reverse.
pub(crate) trait SyncHost {
    /// The store, locked for the caller.
    fn store(&self) -> MutexGuard<'_, Store>;
    /// Now, in the agent's time zone.
    fn now(&self) -> DateTime<FixedOffset>;
    /// The rule book in force.
    fn rule_book(&self) -> RuleBook;
    /// Replaces the rule book (rule-set updates from the server).
    fn set_rule_book(&self, book: RuleBook);
    /// Back to the shipped rule sets (after a wipe).
    fn reset_rule_book(&self);
    fn sync_options(&self) -> &SyncOptions;
    /// Held for a whole activation or sync.
    fn sync_guard(&self) -> MutexGuard<'_, ()>;
    /// Purges what the retention period lets go; returns how many records.
    fn purge_expired(&self) -> Result<u64, CoreError>;
}

/// The sync engine over its host: activation, upload, downsync, recovery.
pub(crate) struct SyncEngine<'h, H: ?Sized> {
    host: &'h H,
}

impl<'h, H: SyncHost + ?Sized> SyncEngine<'h, H> {
    pub fn new(host: &'h H) -> Self {
        SyncEngine { host }
    }
}

impl<H: SyncHost + ?Sized> SyncEngine<'_, H> {
    /// Sends the queue and brings down what is new, over `transport` (see
    /// [`AgentApp::sync`](crate::AgentApp::sync)).
    pub fn sync_with(
        &self,
        transport: &dyn Transport,
        server_override: Option<&str>,
        signer: &dyn DeviceSigner,
        observer: Option<&dyn SyncObserver>,
    ) -> Result<SyncReport, CoreError> {
        let never = SyncCancel::new();
        self.sync_with_cancel(transport, server_override, signer, observer, &never)
    }

    /// [`sync_with`](SyncEngine::sync_with) that stops with `sync.cancelled` once `cancel` is
    /// cancelled (see [`AgentApp::sync_cancellable`](crate::AgentApp::sync_cancellable)).
    pub fn sync_with_cancel(
        &self,
        transport: &dyn Transport,
        server_override: Option<&str>,
        signer: &dyn DeviceSigner,
        observer: Option<&dyn SyncObserver>,
        cancel: &SyncCancel,
    ) -> Result<SyncReport, CoreError> {
        let _one_sync = self.host.sync_guard();
        // The WAL is checkpointed here, where the agent is not waiting on a submit.
        self.host.store().checkpoint()?;
        let observer = observer.unwrap_or(&NoObserver);
        let mut report = SyncReport::default();
        let result = self.run_sync(
            transport,
            server_override,
            signer,
            observer,
            cancel,
            &mut report,
        );
        observer.finished(&report);
        result.map(|()| report)
    }

    fn run_sync(
        &self,
        transport: &dyn Transport,
        server_override: Option<&str>,
        signer: &dyn DeviceSigner,
        observer: &dyn SyncObserver,
        cancel: &SyncCancel,
        report: &mut SyncReport,
    ) -> Result<(), CoreError> {
        // Cancelled before it started (or while it waited for another sync to end).
        cancel.check()?;
        let identity = state::require_identity(&self.host.store().conn)?;
        if signer.public_key()? != identity.device_key {
            return Err(CoreError::DeviceKeyMismatch);
        }
        let url = ServerUrl::parse(server_override.unwrap_or(&identity.server_url))?;
        let options = self.host.sync_options().clone();
        let mut link = Link::new(transport, url, &options, observer, cancel);
        let result = self.upload(&mut link, &identity, signer, observer, report);
        // Downsync starts only if the sync was not cancelled during the upload.
        let result = result
            .and_then(|()| cancel.check())
            .and_then(|()| self.download(&mut link, &identity, signer));
        // A server restored from a backup may miss batches it had acknowledged; a device with
        // nothing new to send would never meet its `seq.gap`, so the downsync says how far the
        // server's copy of this device's chain goes, and the device resends the rest.
        let result = result.and_then(|server_seq| match server_seq {
            Some(seq) => self.catch_up(&mut link, &identity, seq, signer, observer, report),
            None => Ok(()),
        });
        report.bytes_up = link.bytes_up;
        report.bytes_down = link.bytes_down;
        result?;
        let now = self.host.now();
        state::set_last_sync(&self.host.store().conn, &rfc3339(&now))?;
        // Records the server confirmed longer ago than the retention period leave the phone
        // (DOMAIN.md §9), with the batches that carried them: after every successful sync, so
        // that every shell purges without having to remember to.
        self.host.purge_expired()?;
        Ok(())
    }

    /// 403 `device.revoked`: the wipe command in the answer must verify under a trusted server
    /// key and name this device; then everything is erased. An unverified revocation erases
    /// nothing.
    fn revoked(&self, identity: &Identity, response: &Response) -> CoreError {
        let Some(wipe) = error_body(response).and_then(|b| b.error.wipe) else {
            return CoreError::SyncServerKey("revocation without a signed wipe command");
        };
        let trust = match state::server_trust(&self.host.store().conn) {
            Ok(trust) => trust,
            Err(e) => return e,
        };
        let command: DeviceCommand = match trust
            .open(&wipe, LABEL_DOWNSYNC)
            .ok()
            .and_then(|opened| serde_json::from_slice(&opened.payload).ok())
        {
            Some(c) => c,
            None => return CoreError::SyncServerKey("wipe command signature does not verify"),
        };
        if command.device_id != identity.device_id || command.kind != "wipe" {
            return CoreError::SyncServerKey("wipe command is for another device");
        }
        match self.wipe() {
            Ok(()) => CoreError::DeviceRevoked,
            Err(e) => e,
        }
    }

    /// Erases everything the device holds (records, batches, identity, tags, rule sets).
    pub(crate) fn wipe(&self) -> Result<(), CoreError> {
        let mut store = self.host.store();
        let (tx, _) = store.write_tx()?;
        state::wipe(&tx)?;
        tx.commit()?;
        store.forget_erased_pages()?;
        drop(store);
        self.host.reset_rule_book();
        Ok(())
    }
}
