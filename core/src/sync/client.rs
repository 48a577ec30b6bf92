//! Activation and the sync loop, as methods of [`AgentApp`] that take a [`Transport`]
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
pub trait SyncHost {
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
pub struct SyncEngine<'h, H: ?Sized> {
    host: &'h H,
}

impl<'h, H: SyncHost + ?Sized> SyncEngine<'h, H> {
    pub fn new(host: &'h H) -> Self {
        SyncEngine { host }
    }
}

impl<H: SyncHost + ?Sized> SyncEngine<'_, H> {
    /// Activates this device with a one-time code over `transport` (see
    /// [`AgentApp::activate`](crate::AgentApp::activate)).
    pub fn activate_with(
        &self,
        transport: &dyn Transport,
        server_url: &str,
        code: &str,
        fingerprint: Option<&str>,
        signer: &dyn DeviceSigner,
    ) -> Result<Activated, CoreError> {
        let _one_sync = self.host.sync_guard();
        let url = ServerUrl::parse(server_url)?;
        if let Some(typed) = fingerprint {
            let hex_digits = typed.chars().filter(char::is_ascii_hexdigit).count();
            if hex_digits < 16 {
                return Err(CoreError::InvalidParameter {
                    field: "fingerprint".into(),
                    code: "fingerprint.format".into(),
                });
            }
        } else if !(url.is_https() || url.is_loopback()) {
            // Trust on first use only where the link itself is protected (or local).
            return Err(CoreError::SyncUrl("no fingerprint and no TLS"));
        }
        let code = activation_code::normalize(code).map_err(|e| CoreError::InvalidParameter {
            field: "code".into(),
            code: e.code().into(),
        })?;
        {
            let store = self.host.store();
            if state::identity(&store.conn)?.is_some() && state::count_unacked(&store.conn)? > 0 {
                return Err(CoreError::SyncRefused {
                    code: "device.unsent_batches",
                });
            }
        }
        let public_key = signer.public_key()?;
        let request = ActivationRequest::signed(&code, signer, env!("CARGO_PKG_VERSION"))?;
        let body = serde_json::to_vec(&request)
            .map_err(|_| CoreError::Store("cannot encode the activation".into()))?;
        let options = self.host.sync_options().clone();
        // An activation is short and the agent waits for it on screen: it is not cancellable.
        let never = SyncCancel::new();
        let mut link = Link::new(transport, url.clone(), &options, &NoObserver, &never);
        let response = link.retrying(|link| {
            let response = match link.post(&Request {
                path: "/v1/activate",
                content_type: JSON,
                headers: Vec::new(),
                body: &body,
            }) {
                Ok(r) => r,
                Err(_) => return Ok(Step::Retry { after: None }),
            };
            match response.status {
                200 => Ok(Step::Done(response)),
                s if temporary(s) => Ok(Step::Retry {
                    after: response.retry_after,
                }),
                _ => Err(refusal(&response)),
            }
        })?;
        let (answer, server_key) = open_activation(&response.body, fingerprint)?;
        let now = self.host.now();
        let identity = Identity {
            device_id: answer.device_id.clone(),
            agent_id: answer.agent_id.clone(),
            branch: answer.branch.clone(),
            server_url: url.as_str().to_string(),
            server_key,
            device_key: public_key,
            activated_at: rfc3339(&now),
            next_seq: 1,
            prev_hash: genesis_hash(&answer.device_id),
            nonce: Some(answer.nonce.clone()).filter(|n| !n.is_empty()),
            cursor: answer.cursor.clone(),
            last_sync_at: None,
            suspended: false,
        };
        let mut store = self.host.store();
        let book = self.host.rule_book();
        let (tx, sealer) = store.write_tx()?;
        // A device activated again starts a new chain: batches of the old one were all
        // acknowledged (checked above), tags belong to the old binding.
        tx.execute_batch("DELETE FROM sync_batches; DELETE FROM sync_nik_tags;")?;
        state::save_identity(&tx, &identity)?;
        downsync::apply_tags(&tx, sealer, &answer.nik_tags)?;
        let rules = downsync::apply_rule_sets(&tx, &book, &answer.rule_sets, &now)?;
        tx.commit()?;
        drop(store);
        if let Some(rules) = rules {
            self.host.set_rule_book(rules);
        }
        Ok(Activated {
            device_id: answer.device_id,
            agent_id: answer.agent_id,
            branch: answer.branch,
        })
    }

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

    /// Resends unacknowledged batches, then freezes and sends new ones until the queue is empty.
    fn upload(
        &self,
        link: &mut Link<'_>,
        identity: &Identity,
        signer: &dyn DeviceSigner,
        observer: &dyn SyncObserver,
        report: &mut SyncReport,
    ) -> Result<(), CoreError> {
        let waiting: VecDeque<KeptBatch> = {
            let store = self.host.store();
            state::unacked_batches(&store.conn, &store.sealer, &identity.device_id)?.into()
        };
        self.send_all(link, identity, waiting, signer, observer, report)
    }

    /// After a downsync that says the server holds this device's chain up to `server_seq` only
    /// (a server restored from a backup), resends the kept batches after it, in order. Nothing to
    /// do when the server is as far as the device. A batch the device no longer keeps (past the
    /// retention period) is a [`CoreError::SyncGap`], as after a `seq.gap` answer.
    fn catch_up(
        &self,
        link: &mut Link<'_>,
        identity: &Identity,
        server_seq: u64,
        signer: &dyn DeviceSigner,
        observer: &dyn SyncObserver,
        report: &mut SyncReport,
    ) -> Result<(), CoreError> {
        let kept = {
            let store = self.host.store();
            let sent_up_to = state::require_identity(&store.conn)?
                .next_seq
                .saturating_sub(1);
            if server_seq >= sent_up_to {
                return Ok(());
            }
            let from = server_seq + 1;
            let kept = state::batches_from(&store.conn, &store.sealer, &identity.device_id, from)?;
            if kept.first().map(|b| b.seq) != Some(from) {
                return Err(CoreError::SyncGap {
                    expected: from,
                    have: state::oldest_kept_seq(&store.conn)?.unwrap_or(sent_up_to),
                });
            }
            kept
        };
        self.send_all(link, identity, kept.into(), signer, observer, report)
    }

    /// Sends `waiting` in order, then freezes and sends new batches until the queue is empty;
    /// after a `seq.gap` answer, resends the kept batches from the server's expected one.
    fn send_all(
        &self,
        link: &mut Link<'_>,
        identity: &Identity,
        mut waiting: VecDeque<KeptBatch>,
        signer: &dyn DeviceSigner,
        observer: &dyn SyncObserver,
        report: &mut SyncReport,
    ) -> Result<(), CoreError> {
        let mut adapter = LinkAdapter::new(link.options.initial_batch);
        let mut resend_rounds = 0;
        loop {
            // Between batches: a cancelled sync freezes and sends nothing more.
            link.cancel.check()?;
            let batch = match waiting.pop_front() {
                Some(batch) => batch,
                None => {
                    let now = self.host.now();
                    let frozen = freeze_next(
                        &mut self.host.store(),
                        signer,
                        adapter.batch_records(),
                        &now,
                    )?;
                    match frozen {
                        Some(frozen) => frozen.batch,
                        None => return Ok(()),
                    }
                }
            };
            match self.send_batch(link, identity, &batch, &mut adapter, observer, report)? {
                Sent::Acked => {}
                Sent::ResendFrom(expected) => {
                    resend_rounds += 1;
                    if resend_rounds > MAX_RESEND_ROUNDS {
                        return Err(CoreError::SyncGap {
                            expected,
                            have: batch.seq,
                        });
                    }
                    let store = self.host.store();
                    let kept = state::batches_from(
                        &store.conn,
                        &store.sealer,
                        &identity.device_id,
                        expected,
                    )?;
                    if kept.first().map(|b| b.seq) != Some(expected) {
                        // The batch the server needs is gone (past the retention period).
                        return Err(CoreError::SyncGap {
                            expected,
                            have: state::oldest_kept_seq(&store.conn)?.unwrap_or(batch.seq),
                        });
                    }
                    waiting = kept.into();
                }
            }
        }
    }

    /// Sends one frozen batch until the server answers for it.
    fn send_batch(
        &self,
        link: &mut Link<'_>,
        identity: &Identity,
        batch: &KeptBatch,
        adapter: &mut LinkAdapter,
        observer: &dyn SyncObserver,
        report: &mut SyncReport,
    ) -> Result<Sent, CoreError> {
        observer.batch_sent(batch.seq, batch.record_count, batch.bytes.len() as u64);
        link.retrying(|link| {
            let response = match link.post(&Request {
                path: "/v1/batches",
                content_type: BATCH,
                headers: Vec::new(),
                body: &batch.bytes,
            }) {
                Ok(r) => r,
                Err(_) => {
                    adapter.on_failure();
                    return Ok(Step::Retry { after: None });
                }
            };
            // Read before the match: the store's lock must not be held while an answer applies.
            let trust = state::server_trust(&self.host.store().conn)?;
            match response.status {
                200 => match ack::open_ack(&response.body, &trust, &identity.device_id, batch) {
                    Ok((ack, trust_change)) => {
                        self.apply_verified_ack(
                            identity,
                            batch,
                            (&ack, &trust_change),
                            &response.body,
                            observer,
                            report,
                        )?;
                        adapter.on_success();
                        Ok(Step::Done(Sent::Acked))
                    }
                    Err(AckError::Undecodable) => {
                        adapter.on_failure();
                        Ok(Step::Retry { after: None })
                    }
                    Err(AckError::NotAuthentic(e)) => Err(e),
                },
                409 => {
                    let body = error_body(&response);
                    match body.as_ref().map(|b| b.error.code.as_str()) {
                        Some("seq.gap") => {
                            let expected = body.and_then(|b| b.error.expected_seq).ok_or(
                                CoreError::SyncRefused {
                                    code: "sync.refused",
                                },
                            )?;
                            if expected < batch.seq {
                                Ok(Step::Done(Sent::ResendFrom(expected)))
                            } else {
                                Err(CoreError::SyncGap {
                                    expected,
                                    have: batch.seq,
                                })
                            }
                        }
                        Some("seq.fork") => Err(CoreError::SyncFork),
                        _ => Err(refusal(&response)),
                    }
                }
                403 if error_code(&response) == "device.revoked" => {
                    Err(self.revoked(identity, &response))
                }
                s if temporary(s) => {
                    if s != 429 {
                        adapter.on_failure();
                    }
                    Ok(Step::Retry {
                        after: response.retry_after,
                    })
                }
                _ => Err(refusal(&response)),
            }
        })
    }

    /// Applies a verified acknowledgement: every record's outcome, the batch's `acked_at`, the
    /// server's next nonce and what the answer changed in the server keys trusted, in one
    /// transaction.
    fn apply_verified_ack(
        &self,
        identity: &Identity,
        batch: &KeptBatch,
        (verified, trust_change): (&crate::protocol::messages::Ack, &TrustChange),
        raw: &[u8],
        observer: &dyn SyncObserver,
        report: &mut SyncReport,
    ) -> Result<(), CoreError> {
        let now = self.host.now();
        let mut rejected: Vec<(String, Vec<String>)> = Vec::new();
        let (mut accepted_n, mut rejected_n) = (0u32, 0u32);
        {
            let mut store = self.host.store();
            let (tx, _) = store.write_tx()?;
            let records = state::batch_records(&tx, &batch_label(&identity.device_id, batch.seq))?;
            for (id, outcome) in ack::outcomes(verified, &records) {
                let tombstone = records
                    .iter()
                    .any(|(rid, st)| *rid == id && *st == RecordState::Withdrawn);
                apply_ack_in(&tx, &id, &outcome, &now)?;
                if tombstone {
                    continue;
                }
                report.sent += 1;
                match outcome {
                    AckOutcome::Accepted | AckOutcome::DuplicateKnown => {
                        report.accepted += 1;
                        accepted_n += 1;
                    }
                    AckOutcome::DuplicateRecord => {
                        report.duplicates += 1;
                        accepted_n += 1;
                    }
                    AckOutcome::Rejected { codes } => {
                        report.rejected += 1;
                        rejected_n += 1;
                        rejected.push((id, codes));
                    }
                }
            }
            state::mark_batch_acked(&tx, batch.seq, raw, now.timestamp())?;
            if !verified.nonce.is_empty() {
                state::set_nonce(&tx, &verified.nonce)?;
            }
            state::apply_trust_change(&tx, trust_change)?;
            tx.commit()?;
        }
        report.batches += 1;
        observer.batch_acked(batch.seq, accepted_n, rejected_n);
        for (id, codes) in &rejected {
            observer.record_rejected(id, codes);
        }
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

    /// Downsync: pages since the cursor, each verified and applied with its cursor.
    fn download(
        &self,
        link: &mut Link<'_>,
        identity: &Identity,
        signer: &dyn DeviceSigner,
    ) -> Result<Option<u64>, CoreError> {
        let mut server_seq = None;
        for _ in 0..MAX_DOWNSYNC_PAGES {
            link.cancel.check()?;
            let (more, chain_seq) = self.download_page(link, identity, signer)?;
            server_seq = chain_seq;
            if !more {
                break;
            }
        }
        Ok(server_seq)
    }

    /// One downsync page; returns whether the server has more, and how far the server's copy
    /// of this device's chain goes (`chain_seq`, when the server says).
    fn download_page(
        &self,
        link: &mut Link<'_>,
        identity: &Identity,
        signer: &dyn DeviceSigner,
    ) -> Result<(bool, Option<u64>), CoreError> {
        let cursor = state::require_identity(&self.host.store().conn)?.cursor;
        // Cash the agent recorded goes up in the signed request; it is marked sent with the
        // verified answer's page (downsync::apply_page).
        let cash = {
            let store = self.host.store();
            incentive_store::unsent_cash(&store.conn, &store.sealer, CASH_PER_REQUEST)?
        };
        let cash_sent: Vec<String> = cash.iter().map(|c| c.id.clone()).collect();
        let body = serde_json::to_vec(&DownsyncRequest { cursor, cash })
            .map_err(|_| CoreError::Store("cannot encode the request".into()))?;
        let verified = link.retrying(|link| {
            let stored = state::require_identity(&self.host.store().conn)?.nonce;
            let nonce = match stored {
                Some(n) => n,
                None => match self.fetch_nonce(link, identity)? {
                    Step::Done(n) => n,
                    Step::Retry { after } => return Ok(Step::Retry { after }),
                },
            };
            // A nonce is single-use: whatever happens to this request, it is spent.
            state::set_nonce_used(&self.host.store().conn)?;
            let message = request_message("POST", "/v1/downsync", &body, &nonce);
            let signature = signer::sign_in_context(signer, LABEL_REQUEST, &message)?;
            let response = match link.post(&Request {
                path: "/v1/downsync",
                content_type: JSON,
                headers: vec![
                    (HEADER_DEVICE, identity.device_id.clone()),
                    (HEADER_NONCE, nonce.clone()),
                    (HEADER_SIGNATURE, B64.encode(signature)),
                ],
                body: &body,
            }) {
                Ok(r) => r,
                Err(_) => return Ok(Step::Retry { after: None }),
            };
            match response.status {
                200 => {
                    let envelope: SignedEnvelope = match serde_json::from_slice(&response.body) {
                        Ok(e) => e,
                        Err(_) => return Ok(Step::Retry { after: None }),
                    };
                    let trust = state::server_trust(&self.host.store().conn)?;
                    match trust.open(&envelope, LABEL_DOWNSYNC) {
                        Ok(opened) => Ok(Step::Done((opened, nonce))),
                        Err(TrustError::Malformed) => Ok(Step::Retry { after: None }),
                        Err(TrustError::Signature) => Err(CoreError::SyncServerKey(
                            "downsync signature does not verify",
                        )),
                        Err(TrustError::UnknownKey) => Err(CoreError::SyncServerKey(
                            "downsync signed by a server key this device does not trust",
                        )),
                    }
                }
                401 if error_code(&response) == "request.nonce" => {
                    // The nonce was used or expired (a lost answer, another instance, a
                    // duplicate of this request delivered first): get a fresh one and try
                    // again, within the retry budget like any other retry.
                    Ok(Step::Retry { after: Some(0) })
                }
                403 if error_code(&response) == "device.revoked" => {
                    Err(self.revoked(identity, &response))
                }
                s if temporary(s) => Ok(Step::Retry {
                    after: response.retry_after,
                }),
                _ => Err(refusal(&response)),
            }
        })?;
        let (opened, request_nonce) = verified;
        let verified = opened.payload;
        let page: DownsyncResponse =
            serde_json::from_slice(&verified).map_err(|_| CoreError::SyncRefused {
                code: "sync.refused",
            })?;
        // Signed by the server, but for this request? A page recorded earlier, or another
        // device's, is refused before anything of it is applied.
        if page.device_id != identity.device_id || page.request_nonce != request_nonce {
            return Err(CoreError::SyncServerKey(
                "downsync answer is not bound to this request",
            ));
        }
        let extras: Extras = serde_json::from_slice(&verified).unwrap_or_default();
        let now = self.host.now();
        let book = self.host.rule_book();
        let mut store = self.host.store();
        let (tx, sealer) = store.write_tx()?;
        let applied = downsync::apply_page(
            &tx,
            sealer,
            identity,
            &book,
            &Page {
                decisions: &page.decisions,
                tags: &page.nik_tag_deltas,
                rule_sets: &page.rule_sets,
                commands: &page.commands,
                extras: &extras,
                cash_sent: &cash_sent,
            },
            &now,
        )?;
        if applied.wipe {
            drop(tx);
            drop(store);
            self.wipe()?;
            return Err(CoreError::DeviceRevoked);
        }
        state::set_cursor(&tx, &page.cursor)?;
        if !page.nonce.is_empty() {
            state::set_nonce(&tx, &page.nonce)?;
        }
        state::apply_trust_change(&tx, &opened.change)?;
        tx.commit()?;
        drop(store);
        if let Some(rules) = applied.rules {
            self.host.set_rule_book(rules);
        }
        Ok((page.more, page.chain_seq))
    }

    /// `POST /v1/nonce`: a fresh nonce for this device, signed by the server.
    fn fetch_nonce(
        &self,
        link: &mut Link<'_>,
        identity: &Identity,
    ) -> Result<Step<String>, CoreError> {
        let response = match link.post(&Request {
            path: "/v1/nonce",
            content_type: JSON,
            headers: vec![(HEADER_DEVICE, identity.device_id.clone())],
            body: b"",
        }) {
            Ok(r) => r,
            Err(_) => return Ok(Step::Retry { after: None }),
        };
        match response.status {
            200 => {
                let Ok(envelope) = serde_json::from_slice::<SignedEnvelope>(&response.body) else {
                    return Ok(Step::Retry { after: None });
                };
                let trust = state::server_trust(&self.host.store().conn)?;
                let opened = match trust.open(&envelope, LABEL_DOWNSYNC) {
                    Ok(opened) => opened,
                    Err(TrustError::Malformed) => return Ok(Step::Retry { after: None }),
                    Err(TrustError::Signature) => {
                        return Err(CoreError::SyncServerKey("nonce signature does not verify"))
                    }
                    Err(TrustError::UnknownKey) => {
                        return Err(CoreError::SyncServerKey(
                            "nonce signed by a server key this device does not trust",
                        ))
                    }
                };
                let answer: NonceResponse = serde_json::from_slice(&opened.payload)
                    .map_err(|_| CoreError::SyncServerKey("nonce answer undecodable"))?;
                if answer.device_id != identity.device_id {
                    return Err(CoreError::SyncServerKey("nonce is for another device"));
                }
                state::apply_trust_change(&self.host.store().conn, &opened.change)?;
                Ok(Step::Done(answer.nonce))
            }
            403 if error_code(&response) == "device.revoked" => {
                Err(self.revoked(identity, &response))
            }
            s if temporary(s) => Ok(Step::Retry {
                after: response.retry_after,
            }),
            _ => Err(refusal(&response)),
        }
    }
}

/// How a batch's sending ended.
enum Sent {
    Acked,
    /// The server was restored from a backup and needs the kept batches from this seq on.
    ResendFrom(u64),
}

/// Verifies an activation answer: the server key it carries must match the fingerprint when one
/// was given (else it is trusted on first use: the caller checked the link is TLS or loopback),
/// and the answer must be signed by that key.
fn open_activation(
    body: &[u8],
    fingerprint: Option<&str>,
) -> Result<(ActivationResponse, Vec<u8>), CoreError> {
    let not_authentic = CoreError::SyncServerKey;
    let envelope: SignedEnvelope = serde_json::from_slice(body)
        .map_err(|_| CoreError::SyncNetwork("activation answer undecodable".into()))?;
    let claimed: ActivationResponse = envelope
        .unverified_payload()
        .map_err(|_| not_authentic("activation answer undecodable"))?;
    let server_key = B64
        .decode(&claimed.server_key)
        .map_err(|_| not_authentic("server key undecodable"))?;
    if server_key.len() != PUBLIC_KEY_LEN {
        return Err(not_authentic("server key has the wrong length"));
    }
    if let Some(typed) = fingerprint {
        if !fingerprint_matches(typed, &server_key) {
            return Err(not_authentic("server key does not match the fingerprint"));
        }
    }
    let answer: ActivationResponse = envelope
        .open(LABEL_ACTIVATE, &server_key)
        .map_err(|_| not_authentic("activation answer signature does not verify"))?;
    Ok((answer, server_key))
}
