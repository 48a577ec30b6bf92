//! The device's sync client (ARCHITECTURE.md §3 `sync`, §4): it sends the queue to the server as
//! signed, frozen batches, applies the server's signed acknowledgements, and brings down review
//! decisions, NIK tags, rule sets and device commands.
//!
//! Shells do not use this module directly: they call [`crate::AgentApp::activate`],
//! [`crate::AgentApp::sync`] and [`crate::AgentApp::device_status`], passing their
//! [`DeviceSigner`](crate::signer::DeviceSigner) and, to show progress, a [`SyncObserver`].
//!
//! How a sync goes (after matrix-rust-sdk's send queue: in order, retried, and a record that
//! cannot go is marked and reported instead of blocking the others):
//!
//! 1. Frozen batches not yet acknowledged are resent first, in `seq` order, **byte for byte**
//!    (a P-256 signature is randomized: a re-signed batch would look like a fork).
//! 2. Then the queue is frozen batch by batch ([`freeze`]): records are taken in receipt order,
//!    signed, stored sealed and marked `sent` in one transaction, then sent. The batch size
//!    follows the link ([`link::LinkAdapter`]): 10 records at first, doubling after each
//!    acknowledged batch, halving after a failure, at most 100 records or 64 KiB of body.
//! 3. Temporary failures (timeouts, cut connections, 5xx, 429) are retried after a wait with full
//!    jitter ([`backoff::Backoff`]) until the attempt budget is spent: then `sync.network`, and
//!    everything stays queued for the next try.
//!    A sync given a [`SyncCancel`] that is cancelled (the shell's scheduler stopped it) ends with
//!    `sync.cancelled` at its next check: between batches, before each attempt, during a retry
//!    wait, before downsync ([`cancel`]). Like a network failure, it leaves everything queued: a
//!    batch sent without an answer is resent byte for byte by the next sync.
//! 4. Every acknowledgement is verified with the server key pinned at activation (or one a
//!    verified key rotation leads to: `crate::protocol::rotation`) and checked against the batch
//!    it answers before any record moves ([`ack`]). A record the server
//!    rejects goes to `rejected` with its codes, for the agent to correct; the others go on.
//! 5. Last, downsync ([`downsync`]): decisions, payment codes, NIK tag deltas, rule sets and
//!    commands, each page applied in one transaction with the cursor.
//!
//! Answers that retrying cannot fix stop the sync with a stable error code: `seq.fork`
//! (`sync.fork`), a `seq.gap` this device cannot fill (`sync.gap`), `device.revoked` (after the
//! server-signed wipe command was verified and carried out), `device.unknown`, 426
//! (`app.too_old`), and 400/401/413 (`sync.refused` or the server's known code: a bug or
//! tampering).
//!
//! Rooms:
//! - [`state`]: what the store keeps for sync (identity, chain head, frozen batches, tags).
//! - [`wire`]: the wire record of an enrollment or a tombstone.
//! - [`freeze`]: building and freezing the next batch.
//! - [`link`], [`backoff`]: batch size and retry waits.
//! - [`cancel`]: the handle that stops a running sync from another thread.
//! - [`ack`]: checking an acknowledgement and turning it into record outcomes.
//! - [`downsync`]: applying what comes down.
//! - [`transport`]: the HTTP seam ([`transport::Transport`]); the reqwest implementation is
//!   behind the `sync-client` feature (on by default; the server builds the core without it).
//! - [`server_url`]: which server addresses are allowed (https, or http to loopback only).
//! - [`client`]: activation and the sync loop.

pub mod ack;
pub mod backoff;
pub mod cancel;
pub mod client;
pub mod downsync;
pub mod freeze;
pub mod link;
pub mod server_url;
pub mod state;
pub mod transport;
pub mod wire;

use std::time::Duration;

use serde::Serialize;

pub use cancel::SyncCancel;
pub use client::Activated;
pub use state::DeviceStatus;
pub use transport::{Transport, TransportError};

/// Progress of a sync, for the shells' screens and notifications. Every method has an empty
/// default, so a shell implements only what it shows. Called on the syncing thread; keep it quick.
/// Record ids are not personal data; nothing personal is ever passed.
pub trait SyncObserver: Send + Sync {
    /// A batch went out (`records` in it, `bytes` on the wire).
    fn batch_sent(&self, _seq: u64, _records: u32, _bytes: u64) {}
    /// The server's acknowledgement of a batch was verified and applied.
    fn batch_acked(&self, _seq: u64, _accepted: u32, _rejected: u32) {}
    /// A record was refused by the server; it is now `rejected`, with these codes, for the agent
    /// to correct. The other records went on.
    fn record_rejected(&self, _id: &str, _codes: &[String]) {}
    /// The link failed or the server asked to wait: the next try is in `seconds`.
    fn waiting_retry(&self, _seconds: u64) {}
    /// The sync ended (also after an error, with what was done until then).
    fn finished(&self, _report: &SyncReport) {}
}

/// An observer that shows nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoObserver;

impl SyncObserver for NoObserver {}

/// What one sync did, in records (tombstones of withdrawn records are bookkeeping and not
/// counted). `accepted` includes records accepted with `nik.duplicate_known` (now `flagged`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// Records carried by the batches sent (resends included).
    pub sent: u64,
    pub accepted: u64,
    /// Records the server already had with the same content (`duplicate_record`).
    pub duplicates: u64,
    pub rejected: u64,
    /// Batches acknowledged.
    pub batches: u64,
    /// Bytes of request bodies sent, and of response bodies received.
    pub bytes_up: u64,
    pub bytes_down: u64,
}

/// Timing and limits of the sync client. The defaults suit a phone on a weak mobile link; tests
/// shorten them.
#[derive(Clone, Debug)]
pub struct SyncOptions {
    /// Time to open a connection (TCP and TLS).
    pub connect_timeout: Duration,
    /// Time for a whole request and its answer.
    pub request_timeout: Duration,
    /// Consecutive failed attempts before a sync gives up with `sync.network`.
    pub max_attempts: u32,
    /// First retry wait ceiling; it doubles per failed attempt up to `backoff_cap`.
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    /// Longest `Retry-After` the client honours within one sync; a longer one ends the sync
    /// with `sync.network` (the shell's scheduler tries later).
    pub max_retry_after: Duration,
    /// Records in the first batch of a sync.
    pub initial_batch: u32,
    /// How the client waits between attempts, given the sync's cancel handle: it must return
    /// early once the handle is cancelled. The default, [`cancel::wait_unless_cancelled`],
    /// sleeps on the handle and wakes at once; tests pass a function that does not sleep.
    pub sleep: fn(Duration, &SyncCancel),
}

impl Default for SyncOptions {
    fn default() -> SyncOptions {
        SyncOptions {
            connect_timeout: Duration::from_secs(15),
            request_timeout: Duration::from_secs(60),
            max_attempts: 6,
            backoff_base: Duration::from_secs(1),
            backoff_cap: Duration::from_secs(60),
            max_retry_after: Duration::from_secs(120),
            initial_batch: link::INITIAL_RECORDS,
            sleep: cancel::wait_unless_cancelled,
        }
    }
}
