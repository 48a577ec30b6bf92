//! `AgentApp`: the one object the shells talk to (Android and iOS through `perisai-ffi`, the
//! desktop through `perisai`). It ties validation ([`crate::rules`]), tariffs ([`crate::tariff`])
//! and the sealed queue ([`crate::queue`], [`crate::store`]) to the device's clock and time zone.
//!
//! It is `Send + Sync`; every method takes `&self` and blocks (a mutex serializes access to the
//! one SQLite connection), so shells call it off the main thread. Every returned type is
//! `Serialize`, so the CLI prints it as JSON, and built from strings, integers, vectors and small
//! structs/enums, so the FFI facade wraps it 1:1.
//!
//! ```text
//! let vault = Arc::new(FileKeyVault::open_or_create(&dir.join("device.key"))?);
//! let app = AgentApp::open(AppConfig::new(dir.join("data")), vault)?;
//! let done = app.submit(json, /* accept_warnings */ false)?;   // durable when it returns
//! let receipt = app.receipt(&done.id)?;
//! ```
//!
//! ## Public API (exact signatures)
//!
//! ```text
//! AgentApp::open(config: AppConfig, vault: Arc<dyn KeyVault>) -> Result<AgentApp, CoreError>
//! AppConfig::new(data_dir: impl Into<PathBuf>) -> AppConfig      // also Default
//!   pub data_dir: PathBuf, pub utc_offset_minutes: i32 (420 WIB, 480 WITA, 540 WIT),
//!   pub fsync: bool (true), pub retention_days: u32 (30), pub clock: Option<Arc<dyn Clock>>
//! AppConfig::with_clock(self, clock: Arc<dyn Clock>) -> AppConfig
//!
//! fn form(&self) -> FormDefinition                        // limits of the rule set in force today
//! fn validate(&self, input_json: &str) -> Result<ValidationReport, CoreError>
//! fn quote(&self, request: &QuoteRequest) -> Result<Quote, CoreError>
//! fn save_draft(&self, draft_id: Option<&str>, input_json: &str) -> Result<String, CoreError>
//! fn load_draft(&self, draft_id: &str) -> Result<String, CoreError>     // the saved JSON object
//! fn discard_draft(&self, draft_id: &str) -> Result<(), CoreError>
//! fn submit(&self, input_json: &str, accept_warnings: bool) -> Result<Submitted, CoreError>
//! fn submit_draft(&self, draft_id: &str, accept_warnings: bool) -> Result<Submitted, CoreError>
//! fn withdraw(&self, id: &str) -> Result<(), CoreError>   // queued → withdrawn; a draft is discarded
//! fn correct(&self, id: &str, input_json: &str, accept_warnings: bool) -> Result<Submitted, CoreError>
//! fn list(&self, state: Option<RecordState>) -> Result<Vec<RecordSummary>, CoreError>
//! fn receipt(&self, id: &str) -> Result<Receipt, CoreError>
//! fn enrollment_json(&self, id: &str) -> Result<String, CoreError>   // pre-fills a fix
//! fn queue_status(&self) -> Result<BTreeMap<String, u64>, CoreError>  // every state, zeros included
//! fn purge_expired(&self) -> Result<u64, CoreError>
//! // for the sync client:
//! fn pending_for_batch(&self, limit: u32) -> Result<Vec<PendingRecord>, CoreError>
//! fn mark_sent(&self, ids: &[String], batch: &str) -> Result<(), CoreError>
//! fn apply_ack(&self, id: &str, outcome: &AckOutcome) -> Result<RecordState, CoreError>
//! fn apply_decision(&self, id: &str, decision: &Decision) -> Result<RecordState, CoreError>
//! fn apply_payment_code(&self, id: &str, payment_code: &str) -> Result<(), CoreError>
//! fn apply_payment_confirmed(&self, id: &str, paid_through: &str /* YYYY-MM */) -> Result<(), CoreError>
//! fn participant_card(&self, id: &str) -> Result<Option<Card>, CoreError>
//! // incentives (DOMAIN.md §7):
//! fn participants(&self) -> Result<Vec<ParticipantCard>, CoreError>
//! fn record_cash(&self, record_id: &str, amount: i64, months: u32) -> Result<CashRecorded, CoreError>
//! fn commission(&self, month: Option<&str> /* YYYY-MM; None: this month */) -> Result<Statement, CoreError>
//! verify_reference(typed: &str) -> Option<u64>            // free function: check a typed reference
//! // sync (crate::sync); `activate` and `sync` need the `sync-client` feature (default on):
//! fn activate(&self, server_url: &str, code: &str, fingerprint: Option<&str>,
//!             signer: &dyn DeviceSigner) -> Result<Activated, CoreError>
//! fn sync(&self, server_override: Option<&str>, signer: &dyn DeviceSigner,
//!         observer: Option<&dyn SyncObserver>) -> Result<SyncReport, CoreError>
//! fn sync_cancellable(&self, server_override: Option<&str>, signer: &dyn DeviceSigner,
//!         observer: Option<&dyn SyncObserver>, cancel: &SyncCancel) -> Result<SyncReport, CoreError>
//!   // SyncCancel::new(), .cancel() from any thread, .is_cancelled(); cancelled: `sync.cancelled`
//! fn device_status(&self) -> Result<DeviceStatus, CoreError>
//! fn activate_with(&self, transport: &dyn Transport, ...) / fn sync_with(&self, transport, ...)
//! fn sync_with_cancel(&self, transport, ..., cancel: &SyncCancel)
//! ```
//!
//! Errors: input that is not a JSON object is `MalformedInput`; validation errors, or warnings
//! without `accept_warnings`, are `Invalid(report)` and **nothing is written**; an operation the
//! record's state forbids is `NotAllowed { state }`; an unknown id is `NotFound`.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

use crate::error::CoreError;
use crate::form::{self, FormDefinition};
use crate::incentive::device as incentive_store;
use crate::protocol::downsync::CashItem;
use crate::queue::{rfc3339, ConsentRecord, Origin, RecordContent};
use crate::record::FORM_VERSION;
use crate::rules::{self, RecordLookups};
use crate::store::Store;
use crate::sync::client::{SyncEngine, SyncHost};
use crate::sync::state as sync_state;
use crate::sync::transport::Transport;
use crate::sync::SyncOptions;
use crate::tariff::{self, RuleBook, YearMonth};

pub use crate::incentive::{Statement, Status as StatementStatus};
pub use crate::queue::{
    verify_reference, AckOutcome, Card, Decision, ParticipantCard, PendingRecord, Receipt,
    RecordState, RecordSummary, Submitted,
};
pub use crate::rules::report::{Issue, ValidationReport};
pub use crate::seal::{FileKeyVault, KeyVault};
pub use crate::signer::DeviceSigner;
pub use crate::sync::{Activated, DeviceStatus, SyncCancel, SyncObserver, SyncReport};
pub use crate::tariff::{Quote, QuoteRequest};

mod commission;
mod enroll;
mod records;
mod sync;

pub use commission::{statement_month, CashRecorded};

/// The database file inside `AppConfig::data_dir`.
pub const DB_FILE: &str = "perisai.db";

/// Version of the consent text the agent reads to the participant (UU PDP 27/2022), recorded with
/// every enrollment. Change it whenever the text changes.
pub const CONSENT_TEXT_VERSION: &str = "persetujuan-v1";

/// Where the app reads the time. Tests fix it with [`FixedClock`].
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The device clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to (tests, demos, training).
#[derive(Debug)]
pub struct FixedClock(Mutex<DateTime<Utc>>);

impl FixedClock {
    pub fn new(now: DateTime<Utc>) -> FixedClock {
        FixedClock(Mutex::new(now))
    }

    pub fn set(&self, now: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = now;
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut now = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        *now += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// How to open the app.
#[derive(Clone)]
pub struct AppConfig {
    /// Folder of the store (`perisai.db` and its WAL); created (mode 0700) if missing.
    pub data_dir: PathBuf,
    /// The agent's time zone: 420 WIB (default), 480 WITA, 540 WIT. "Today" for every rule.
    pub utc_offset_minutes: i32,
    /// `true` (default): a submit is on disk when it returns (`synchronous=FULL`). `false` only
    /// for benchmark comparisons.
    pub fsync: bool,
    /// Days after the server's confirmation before a record's content is purged (default 30).
    pub retention_days: u32,
    /// `None`: the device clock.
    pub clock: Option<Arc<dyn Clock>>,
    /// Timeouts, retry budget and batch sizes of the sync client.
    pub sync: SyncOptions,
}

impl AppConfig {
    pub fn new(data_dir: impl Into<PathBuf>) -> AppConfig {
        AppConfig {
            data_dir: data_dir.into(),
            utc_offset_minutes: 420,
            fsync: true,
            retention_days: 30,
            clock: None,
            sync: SyncOptions::default(),
        }
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> AppConfig {
        self.clock = Some(clock);
        self
    }
}

impl Default for AppConfig {
    fn default() -> AppConfig {
        AppConfig::new("perisai-data")
    }
}

impl fmt::Debug for AppConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppConfig")
            .field("data_dir", &self.data_dir)
            .field("utc_offset_minutes", &self.utc_offset_minutes)
            .field("fsync", &self.fsync)
            .field("retention_days", &self.retention_days)
            .field("fixed_clock", &self.clock.is_some())
            .field("sync", &self.sync)
            .finish()
    }
}

/// The agent's app: validation, tariffs and the sealed queue on one device.
pub struct AgentApp {
    store: Mutex<Store>,
    /// The shipped rule sets, with the signed updates sync brought merged in.
    rules: RwLock<RuleBook>,
    offset: FixedOffset,
    retention_days: u32,
    clock: Arc<dyn Clock>,
    sync_options: SyncOptions,
    /// One sync or activation at a time (a shell's scheduler and the agent's "Kirim" button).
    sync_lock: Mutex<()>,
}

impl fmt::Debug for AgentApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AgentApp")
            .field("offset", &self.offset)
            .field("retention_days", &self.retention_days)
            .finish_non_exhaustive()
    }
}

// The FFI hands one AgentApp to many threads.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<AgentApp>()
};

/// How a submit relates to other records.
enum How<'a> {
    New,
    Draft(&'a str),
    Correct(&'a str),
}

impl AgentApp {
    /// Opens (creating on first use) the store in `config.data_dir`, with the data key wrapped
    /// by `vault`. Fails without changing anything for a store from a newer app version
    /// (`StoreTooNew`) or a vault that cannot unwrap the key (`Crypto`).
    pub fn open(config: AppConfig, vault: Arc<dyn KeyVault>) -> Result<AgentApp, CoreError> {
        let offset = FixedOffset::east_opt(config.utc_offset_minutes.saturating_mul(60))
            .ok_or_else(|| CoreError::InvalidParameter {
                field: "utc_offset_minutes".into(),
                code: "offset.range".into(),
            })?;
        create_private_dir(&config.data_dir)?;
        let store = Store::open(&config.data_dir.join(DB_FILE), vault.as_ref(), config.fsync)?;
        let rules = with_updates(
            RuleBook::builtin(),
            &sync_state::stored_rule_sets(&store.conn)?,
        );
        Ok(AgentApp {
            store: Mutex::new(store),
            rules: RwLock::new(rules),
            offset,
            retention_days: config.retention_days,
            clock: config.clock.unwrap_or_else(|| Arc::new(SystemClock)),
            sync_options: config.sync,
            sync_lock: Mutex::new(()),
        })
    }
}

/// The shipped book with the stored rule-set updates merged in, in the order they came; one that
/// no longer loads or fits (it was checked when it came, so only a newer shipped book can make
/// it clash) is left out rather than stopping the app from opening.
fn with_updates(mut book: RuleBook, updates: &[String]) -> RuleBook {
    for body in updates {
        if let Ok(merged) = RuleBook::from_json(body).and_then(|u| book.merged(u)) {
            book = merged;
        }
    }
    book
}

fn parse_object(input_json: &str) -> Result<serde_json::Value, CoreError> {
    match serde_json::from_str::<serde_json::Value>(input_json) {
        Ok(v) if v.is_object() => Ok(v),
        _ => Err(CoreError::MalformedInput),
    }
}

/// Creates the data folder readable by its owner only; an existing folder is left as it is.
fn create_private_dir(dir: &std::path::Path) -> Result<(), CoreError> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|e| CoreError::Io(format!("create data folder: {:?}", e.kind())))
}

/// The sync engine's host: it reaches the store, clock, options and rules through this, so the
/// sync module never names `AgentApp`.
impl SyncHost for AgentApp {
    /// A poisoned lock only means another call panicked; its transaction was rolled back when
    /// dropped, so the store is consistent and usable.
    fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Now, in the agent's time zone.
    fn now(&self) -> DateTime<FixedOffset> {
        self.clock.now().with_timezone(&self.offset)
    }

    /// The rule book in force (a copy: rule sets are small, and a sync may replace the book).
    fn rule_book(&self) -> RuleBook {
        self.rules
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn set_rule_book(&self, book: RuleBook) {
        *self.rules.write().unwrap_or_else(PoisonError::into_inner) = book;
    }

    fn reset_rule_book(&self) {
        self.set_rule_book(RuleBook::builtin());
    }

    fn sync_options(&self) -> &SyncOptions {
        &self.sync_options
    }

    /// A poisoned lock only means an earlier sync panicked; everything it wrote was in
    /// transactions, so the next one can go.
    fn sync_guard(&self) -> MutexGuard<'_, ()> {
        self.sync_lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn purge_expired(&self) -> Result<u64, CoreError> {
        AgentApp::purge_expired(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_defaults() {
        let c = AppConfig::new("/tmp/x");
        assert_eq!(
            (c.utc_offset_minutes, c.fsync, c.retention_days),
            (420, true, 30)
        );
        assert!(c.clock.is_none());
        assert_eq!(AppConfig::default().data_dir, PathBuf::from("perisai-data"));
    }

    #[test]
    fn bad_offset_is_refused_before_touching_disk() {
        let dir = tempfile::tempdir().unwrap();
        let vault = Arc::new(FileKeyVault::open_or_create(&dir.path().join("k")).unwrap());
        let mut c = AppConfig::new(dir.path().join("data"));
        c.utc_offset_minutes = 100_000;
        assert_eq!(
            AgentApp::open(c, vault).unwrap_err().code(),
            "input.parameter"
        );
        assert!(!dir.path().join("data").exists());
    }

    fn app_at(dir: &std::path::Path, now: &str) -> AgentApp {
        let vault = Arc::new(FileKeyVault::open_or_create(&dir.join("k")).unwrap());
        let t = DateTime::parse_from_rfc3339(now)
            .unwrap()
            .with_timezone(&Utc);
        let config = AppConfig::new(dir.join("data")).with_clock(Arc::new(FixedClock::new(t)));
        AgentApp::open(config, vault).unwrap()
    }

    fn code(e: CoreError) -> (String, Option<String>) {
        let reason = match &e {
            CoreError::InvalidParameter { code, .. } => Some(code.clone()),
            _ => None,
        };
        (e.code().to_string(), reason)
    }

    #[test]
    fn commission_shows_what_came_and_says_when_nothing_did() {
        let dir = tempfile::tempdir().unwrap();
        // 22/11/2026 00:30 WIB: still 21/11 in UTC, already November's running month here.
        let app = app_at(dir.path(), "2026-11-21T17:30:00Z");
        let none = app.commission(None).unwrap();
        assert_eq!(none.month.to_string(), "2026-11");
        assert_eq!(none.status, StatementStatus::Provisional);
        assert_eq!(none.as_of, "2026-11-22T00:30:00+07:00");
        assert!(none.lines.is_empty() && none.total == 0);
        let err = |m: &str| code(app.commission(Some(m)).unwrap_err());
        let future = (
            "input.parameter".to_string(),
            Some("month.future".to_string()),
        );
        assert_eq!(err("2026-12"), future);
        let format = (
            "input.parameter".to_string(),
            Some("month.format".to_string()),
        );
        assert_eq!(err("11/2026"), format);

        let october = crate::incentive::Statement::from_lines(
            YearMonth::parse("2026-10").unwrap(),
            crate::incentive::Status::Confirmed,
            "2026-11-01T08:00:00+07:00".into(),
            vec![crate::incentive::Line {
                kind: crate::incentive::LineKind::Contribution,
                record_id: "r".into(),
                amount: 2_520,
                note:
                    "Iuran bulan ke-1 (15% dari Rp16.800) / Contribution month 1 (15% of Rp16.800)"
                        .into(),
            }],
        );
        {
            let store = app.store();
            incentive_store::store_statement(&store.conn, &store.sealer, &october, "x").unwrap();
        }
        assert_eq!(app.commission(Some("2026-10")).unwrap(), october);
        assert_eq!(app.commission(Some("2026-09")).unwrap().lines, vec![]);
    }

    #[test]
    fn the_form_is_quoted_as_it_is_filled() {
        let dir = tempfile::tempdir().unwrap();
        let app = app_at(dir.path(), "2026-12-04T03:00:00Z");
        let quote = |json: &str| {
            app.quote_form(json)
                .unwrap()
                .map(|q| (q.total_due, q.months.len()))
        };
        // A courier in December 2026: JKK and JKM at half (transport discount), 3 months.
        let courier = r#"{"monthly_income": "2.000.000", "programs": ["JKK", "JKM"],
            "payment_months": 3, "occupation": "KURIR"}"#;
        assert_eq!(quote(courier), Some((3 * (10_000 + 3_400), 3)));
        assert_eq!(
            quote(r#"{"monthly_income": "2.000.000", "programs": ["JKK", "JKM"]}"#),
            None
        );
        // Below the rule set's minimum: nothing to price (validation says why).
        assert_eq!(
            quote(r#"{"monthly_income": 500000, "programs": ["JKK", "JKM"], "payment_months": 1}"#),
            None
        );
        assert_eq!(
            code(app.quote_form("[1]").unwrap_err()).0,
            "input.malformed"
        );
    }

    #[test]
    fn cash_is_recorded_for_participants_only() {
        use crate::queue::testing::content;
        let dir = tempfile::tempdir().unwrap();
        let app = app_at(dir.path(), "2026-11-22T03:00:00Z");
        let (kept, gone) = {
            let mut store = app.store();
            let kept = store.insert_submitted(&content(1), Origin::New).unwrap().id;
            let gone = store.insert_submitted(&content(2), Origin::New).unwrap().id;
            (kept, gone)
        };
        app.withdraw(&gone).unwrap();
        let cards = app.participants().unwrap();
        assert_eq!(cards.len(), 1);
        assert_eq!(cards[0].record_id, kept);
        assert_eq!(cards[0].status, RecordState::Queued);
        assert!(cards[0].nik_masked.contains("••••"));
        // For the agent's call or WhatsApp; its month (2026-11) was due on the 15th: late now.
        assert!(cards[0].phone.starts_with("+628"), "{}", cards[0].phone);
        assert!(cards[0].overdue);
        let share = app.receipt_share_text(&kept).unwrap();
        assert!(
            share.id.contains("Status pembayaran: BELUM DIBAYAR"),
            "{}",
            share.id
        );
        assert!(!share.id.contains(&cards[0].phone));

        let done = app.record_cash(&kept, 50_400, 3).unwrap();
        assert_eq!(
            (done.amount_formatted.as_str(), done.months, done.sent),
            ("Rp50.400", 3, false)
        );
        assert_eq!(done.collected_at, "2026-11-22T10:00:00+07:00");
        let refused = |id: &str, amount: i64, months: u32| {
            code(app.record_cash(id, amount, months).unwrap_err())
        };
        let param = |c: &str| ("input.parameter".to_string(), Some(c.to_string()));
        assert_eq!(refused(&kept, 0, 3), param("cash.amount"));
        assert_eq!(refused(&kept, 16_800, 0), param("cash.months"));
        assert_eq!(refused(&kept, 16_800, 13), param("cash.months"));
        assert_eq!(refused("no-such-record", 16_800, 1).0, "record.not_found");
        assert_eq!(refused(&gone, 16_800, 1).0, "record.not_allowed");
        assert_eq!(app.unsent_cash().unwrap(), 1, "refusals store nothing");
    }

    #[test]
    fn fixed_clock_moves_only_when_told() {
        let t = DateTime::parse_from_rfc3339("2026-11-20T02:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let c = FixedClock::new(t);
        c.advance(chrono::Duration::days(1));
        assert_eq!(c.now(), t + chrono::Duration::days(1));
    }
}
