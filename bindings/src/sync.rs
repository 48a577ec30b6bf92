//! Sync across the FFI: the foreign [`SyncObserver`] callback trait a shell implements to show
//! progress, the [`SyncCancel`] handle a scheduler stops a running sync with, and the records of
//! a sync's outcome. Conversion code only; the sync client is `perisai_core::sync`.

use std::sync::Arc;

use perisai_core::sync::{
    Activated as CoreActivated, DeviceStatus as CoreDeviceStatus, SyncCancel as CoreSyncCancel,
    SyncObserver as CoreSyncObserver, SyncReport as CoreSyncReport,
};

/// Stops a running sync. Make one per sync, pass it to `AgentApp.syncCancellable`, and call
/// `cancel()` from any thread when the system ends the run (WorkManager stopping the worker, a
/// BGTask's expiration handler). The sync then ends with `sync.cancelled` at its next check
/// (between batches, before each attempt, at once during a retry wait, before downsync):
/// everything not acknowledged stays queued and goes with the next sync, nothing twice. A
/// request already on the wire finishes or times out first. Once cancelled, it stays cancelled.
#[derive(Debug, Default, uniffi::Object)]
pub struct SyncCancel(pub(crate) CoreSyncCancel);

#[uniffi::export]
impl SyncCancel {
    /// A handle not cancelled yet.
    #[uniffi::constructor]
    pub fn new() -> Arc<SyncCancel> {
        Arc::new(SyncCancel::default())
    }

    /// Asks the sync holding this handle to stop; returns at once.
    pub fn cancel(&self) {
        self.0.cancel();
    }

    /// Whether `cancel()` was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.is_cancelled()
    }
}

/// Progress of a sync, called on the thread that runs `AgentApp.sync`. Keep each call quick
/// and never throw from it (post to the UI thread instead). Nothing personal is passed: record
/// ids and stable codes only.
#[uniffi::export(with_foreign)]
pub trait SyncObserver: Send + Sync {
    /// A batch is going out: `records` in it, `bytes` on the wire.
    fn batch_sent(&self, seq: u64, records: u32, bytes: u64);
    /// The server's acknowledgement of a batch was verified and applied.
    fn batch_acked(&self, seq: u64, accepted: u32, rejected: u32);
    /// The server refused a record: it is now `rejected` with these codes, for the agent to
    /// correct. The other records went on.
    fn record_rejected(&self, id: String, codes: Vec<String>);
    /// The link failed or the server asked to wait: the next try is in `seconds`.
    fn waiting_retry(&self, seconds: u64);
    /// The sync ended (also after an error), with what was done.
    fn finished(&self, report: SyncReport);
}

/// A shell's observer seen by the core.
pub(crate) struct ForeignObserver(pub(crate) Arc<dyn SyncObserver>);

impl CoreSyncObserver for ForeignObserver {
    fn batch_sent(&self, seq: u64, records: u32, bytes: u64) {
        self.0.batch_sent(seq, records, bytes)
    }
    fn batch_acked(&self, seq: u64, accepted: u32, rejected: u32) {
        self.0.batch_acked(seq, accepted, rejected)
    }
    fn record_rejected(&self, id: &str, codes: &[String]) {
        self.0.record_rejected(id.to_string(), codes.to_vec())
    }
    fn waiting_retry(&self, seconds: u64) {
        self.0.waiting_retry(seconds)
    }
    fn finished(&self, report: &CoreSyncReport) {
        self.0.finished(report.clone().into())
    }
}

/// What one sync did, in records (tombstones of withdrawn records not counted).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct SyncReport {
    pub sent: u64,
    /// Includes records accepted with `nik.duplicate_known` (now `flagged`).
    pub accepted: u64,
    pub duplicates: u64,
    pub rejected: u64,
    pub batches: u64,
    pub bytes_up: u64,
    pub bytes_down: u64,
}

impl From<CoreSyncReport> for SyncReport {
    fn from(r: CoreSyncReport) -> Self {
        SyncReport {
            sent: r.sent,
            accepted: r.accepted,
            duplicates: r.duplicates,
            rejected: r.rejected,
            batches: r.batches,
            bytes_up: r.bytes_up,
            bytes_down: r.bytes_down,
        }
    }
}

/// The binding the server made at activation.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Activated {
    pub device_id: String,
    pub agent_id: String,
    pub branch: String,
}

impl From<CoreActivated> for Activated {
    fn from(a: CoreActivated) -> Self {
        Activated {
            device_id: a.device_id,
            agent_id: a.agent_id,
            branch: a.branch,
        }
    }
}

/// Whether the device is activated, as whom, and how its sync stands.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct DeviceStatus {
    pub activated: bool,
    pub device_id: Option<String>,
    pub agent_id: Option<String>,
    pub branch: Option<String>,
    pub server_url: Option<String>,
    pub server_key_fingerprint: Option<String>,
    /// RFC 3339 time of the last complete sync.
    pub last_sync_at: Option<String>,
    pub unacked_batches: u64,
    pub queued_records: u64,
    pub suspended: bool,
}

impl From<CoreDeviceStatus> for DeviceStatus {
    fn from(s: CoreDeviceStatus) -> Self {
        DeviceStatus {
            activated: s.activated,
            device_id: s.device_id,
            agent_id: s.agent_id,
            branch: s.branch,
            server_url: s.server_url,
            server_key_fingerprint: s.server_key_fingerprint,
            last_sync_at: s.last_sync_at,
            unacked_batches: s.unacked_batches,
            queued_records: s.queued_records,
            suspended: s.suspended,
        }
    }
}
