//! One simulated field device: the real core (`AgentApp`, its sealed SQLite queue and its sync
//! client) with a software signing key, in its own data folder, driven the way an agent uses a
//! phone at a market.
//!
//! The life of a device ([`run`], on its own thread: `AgentApp` and its HTTP client block):
//! 1. activation at the branch office (good Wi-Fi: straight to the server) with the code the
//!    demo issued, pinning the server key by its fingerprint;
//! 2. then, until the demo stops: a stretch offline at the market enrolling workers (clean forms,
//!    warnings the agent confirms, mistakes the core refuses and the agent fixes), then the
//!    signal comes back and the device syncs through its [`FlakyLink`](super::link::FlakyLink);
//! 3. when the demo stops: a last sync over the calmed link, so nothing stays unacknowledged
//!    and the devices' counts can be checked against the database.
//!
//! The device clock ([`MarketClock`]) starts eight hours back and moves a few minutes per
//! enrollment (a worker every five minutes or so, as at a real stall), never past the real
//! time: the server's hourly-rate fraud check sees a plausible pace.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use perisai_core::app::{AgentApp, AppConfig, Clock, FileKeyVault};
use perisai_core::queue::mask_nik;
use perisai_core::signer::SoftwareSigner;
use perisai_core::sync::{SyncCancel, SyncObserver, SyncOptions, SyncReport};
use perisai_core::CoreError;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

use crate::console::counted;
use crate::console::Console;
use crate::people::{Area, Visit, Workers};

/// The file that marks a folder as a demo device's (only such folders are ever deleted).
pub const MARKER: &str = "perisai-demo-device";
/// The agents' time zone: WIB (the demo areas are around Jakarta).
const UTC_OFFSET_MINUTES: i32 = 7 * 60;
/// Workers remembered for "already enrolled by another agent" visits.
const REMEMBERED: usize = 64;

/// What all devices share: where to print, when to stop, the server, and the workers met
/// (so another agent can meet the same worker again).
#[derive(Debug)]
pub struct Fleet {
    pub console: Console,
    pub stop: Arc<AtomicBool>,
    /// The server key's fingerprint, as the QR code of an activation code carries it.
    pub fingerprint: String,
    met: Mutex<VecDeque<(usize, Value)>>,
}

impl Fleet {
    pub fn new(console: Console, fingerprint: String) -> Fleet {
        Fleet {
            console,
            stop: Arc::new(AtomicBool::new(false)),
            fingerprint,
            met: Mutex::new(VecDeque::new()),
        }
    }

    fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// A worker some other device enrolled, if any.
    fn enrolled_elsewhere(&self, device: usize, rng: &mut SmallRng) -> Option<Value> {
        let met = self.met.lock().unwrap_or_else(PoisonError::into_inner);
        let others: Vec<&Value> = met
            .iter()
            .filter(|(d, _)| *d != device)
            .map(|(_, form)| form)
            .collect();
        if others.is_empty() {
            return None;
        }
        Some(others[rng.gen_range(0..others.len())].clone())
    }

    /// A worker met again is not offered again (a third enrollment would be one too many).
    fn forget(&self, form: &Value) {
        let mut met = self.met.lock().unwrap_or_else(PoisonError::into_inner);
        met.retain(|(_, f)| f.get("nik") != form.get("nik"));
    }

    fn remember(&self, device: usize, form: &Value) {
        let mut met = self.met.lock().unwrap_or_else(PoisonError::into_inner);
        if met.len() >= REMEMBERED {
            met.pop_front();
        }
        met.push_back((device, form.clone()));
    }
}

/// What one device is given.
#[derive(Debug, Clone)]
pub struct DevicePlan {
    /// 1-based, as printed.
    pub number: usize,
    pub area: &'static Area,
    /// The device's own folder (its store, data key and signing key).
    pub dir: PathBuf,
    pub code: String,
    /// Where the device activates: the server itself (at the branch office, on its Wi-Fi).
    pub activation_url: String,
    /// The device's flaky link to the server (`http://127.0.0.1:PORT`).
    pub link_url: String,
}

/// What one device did, as the device itself saw it (records, from its sync reports).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeviceTotals {
    pub activated: bool,
    /// Enrollments saved in the device's queue.
    pub saved: u64,
    /// Saved with warnings the agent confirmed.
    pub confirmed_warnings: u64,
    /// Forms the core refused (then fixed and saved).
    pub refused_forms: u64,
    pub sent: u64,
    pub accepted: u64,
    pub duplicates: u64,
    pub rejected: u64,
    pub batches: u64,
    /// Records still on the device without an acknowledgement at the end (0 when all went well).
    pub left_unsent: u64,
}

impl DeviceTotals {
    fn add(&mut self, report: &SyncReport) {
        self.sent += report.sent;
        self.accepted += report.accepted;
        self.duplicates += report.duplicates;
        self.rejected += report.rejected;
        self.batches += report.batches;
    }

    /// The sum over devices.
    pub fn sum<'a>(all: impl IntoIterator<Item = &'a DeviceTotals>) -> DeviceTotals {
        all.into_iter().fold(DeviceTotals::default(), |mut acc, t| {
            acc.activated |= t.activated;
            acc.saved += t.saved;
            acc.confirmed_warnings += t.confirmed_warnings;
            acc.refused_forms += t.refused_forms;
            acc.sent += t.sent;
            acc.accepted += t.accepted;
            acc.duplicates += t.duplicates;
            acc.rejected += t.rejected;
            acc.batches += t.batches;
            acc.left_unsent += t.left_unsent;
            acc
        })
    }
}

/// Empties a demo device folder from an earlier run (only if it carries the [`MARKER`]) and
/// creates it afresh with the marker.
pub fn reset_folder(dir: &Path) -> Result<(), String> {
    if dir.exists() {
        if !dir.join(MARKER).is_file() {
            return Err(format!(
                "{} exists and is not a demo device folder (no {MARKER} file); choose another --data-dir",
                dir.display()
            ));
        }
        std::fs::remove_dir_all(dir)
            .map_err(|e| format!("cannot empty {}: {:?}", dir.display(), e.kind()))?;
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create {}: {:?}", dir.display(), e.kind()))?;
    std::fs::write(
        dir.join(MARKER),
        "A simulated device of `perisai-demo`: emptied at the next demo run.\n",
    )
    .map_err(|e| format!("cannot write in {}: {:?}", dir.display(), e.kind()))
}

/// A device clock that starts `hours_back` hours ago and moves only when told, never past the
/// real time.
#[derive(Debug)]
pub struct MarketClock {
    start: DateTime<Utc>,
    moved_ms: AtomicI64,
}

impl MarketClock {
    pub fn new(hours_back: i64) -> MarketClock {
        MarketClock {
            start: Utc::now() - chrono::Duration::hours(hours_back),
            moved_ms: AtomicI64::new(0),
        }
    }

    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.moved_ms.fetch_add(ms, Ordering::SeqCst);
    }

    /// The agent's local date.
    fn today(&self) -> NaiveDate {
        let now = self.now();
        FixedOffset::east_opt(UTC_OFFSET_MINUTES * 60).map_or_else(
            || now.date_naive(),
            |wib| now.with_timezone(&wib).date_naive(),
        )
    }
}

impl Clock for MarketClock {
    fn now(&self) -> DateTime<Utc> {
        let moved = chrono::Duration::milliseconds(self.moved_ms.load(Ordering::SeqCst));
        (self.start + moved).min(Utc::now())
    }
}

thread_local! {
    /// The device a thread runs, for the retry narration in [`narrated_sleep`] (the sync
    /// client's `sleep` is a plain `fn`, so it cannot carry the device itself).
    static RUNNING: RefCell<Option<(usize, Console, Arc<AtomicBool>)>> = const { RefCell::new(None) };
}

/// The sync client's wait between attempts: says so, and waits little once the demo stops
/// (the link is calm by then); like the default wait, it ends early when the sync is cancelled.
fn narrated_sleep(wait: Duration, cancel: &SyncCancel) {
    let stopping = RUNNING.with(|running| match &*running.borrow() {
        Some((device, console, stop)) => {
            let secs = wait.as_secs_f64();
            console.say(format!(
                "device {device}: mencoba lagi dalam {secs:.1} dtk / retrying in {secs:.1} s"
            ));
            stop.load(Ordering::SeqCst)
        }
        None => false,
    });
    cancel.wait(if stopping {
        wait.min(Duration::from_millis(300))
    } else {
        wait
    });
}

/// The sync client's timing for the demo: a phone's, with waits short enough to watch.
fn sync_options() -> SyncOptions {
    SyncOptions {
        connect_timeout: Duration::from_secs(5),
        request_timeout: Duration::from_secs(20),
        max_attempts: 6,
        backoff_base: Duration::from_millis(1500),
        backoff_cap: Duration::from_secs(8),
        max_retry_after: Duration::from_secs(30),
        sleep: narrated_sleep,
        ..SyncOptions::default()
    }
}

/// Runs one device until the fleet stops; returns what it did.
pub fn run(plan: DevicePlan, fleet: Arc<Fleet>) -> DeviceTotals {
    RUNNING.with(|running| {
        *running.borrow_mut() = Some((plan.number, fleet.console.clone(), fleet.stop.clone()));
    });
    let mut device = match Device::open(&plan, fleet.clone()) {
        Ok(device) => device,
        Err(e) => {
            fleet.console.say(format!(
                "device {}: tidak dapat dibuka / cannot open ({})",
                plan.number,
                e.code()
            ));
            return DeviceTotals::default();
        }
    };
    if device.activate(&plan.activation_url, &plan.code) {
        device.in_the_field();
        device.last_sync();
    }
    device.totals
}

struct Device {
    number: usize,
    area: &'static Area,
    app: AgentApp,
    signer: SoftwareSigner,
    clock: Arc<MarketClock>,
    workers: Workers,
    rng: SmallRng,
    fleet: Arc<Fleet>,
    link_url: String,
    totals: DeviceTotals,
}

impl Device {
    fn open(plan: &DevicePlan, fleet: Arc<Fleet>) -> Result<Device, CoreError> {
        let vault = Arc::new(FileKeyVault::open_or_create(&plan.dir.join("device.key"))?);
        let signer = SoftwareSigner::open_or_create(plan.dir.join("device-signing.key"))?;
        let clock = Arc::new(MarketClock::new(8));
        let mut config = AppConfig::new(plan.dir.join("data")).with_clock(clock.clone());
        config.utc_offset_minutes = UTC_OFFSET_MINUTES;
        config.sync = sync_options();
        let app = AgentApp::open(config, vault)?;
        let mut rng = SmallRng::from_entropy();
        Ok(Device {
            number: plan.number,
            area: plan.area,
            app,
            signer,
            clock,
            workers: Workers::new(plan.area, rng.gen()),
            rng,
            fleet,
            link_url: plan.link_url.clone(),
            totals: DeviceTotals::default(),
        })
    }

    fn say(&self, line: impl std::fmt::Display) {
        self.fleet
            .console
            .say(format_args!("device {}: {line}", self.number));
    }

    /// Activation at the branch office; a few tries, then the device gives up.
    fn activate(&mut self, url: &str, code: &str) -> bool {
        for _ in 0..3 {
            match self
                .app
                .activate(url, code, Some(&self.fleet.fingerprint), &self.signer)
            {
                Ok(done) => {
                    self.totals.activated = true;
                    self.say(format!(
                        "diaktifkan di kantor cabang sebagai perangkat {} (cabang {}) / \
                         activated at the branch office as device {} (branch {})",
                        short(&done.device_id),
                        done.branch,
                        short(&done.device_id),
                        done.branch
                    ));
                    return true;
                }
                Err(e) if e.code() == "sync.network" && !self.fleet.stopping() => continue,
                Err(e) => {
                    self.say(format!("aktivasi gagal / activation failed ({})", e.code()));
                    return false;
                }
            }
        }
        self.say("aktivasi gagal / activation failed (sync.network)");
        false
    }

    /// Offline stretches at the market and syncs, until the demo stops.
    fn in_the_field(&mut self) {
        let mut first = true;
        self.say(format!(
            "di {}, tanpa sinyal: mulai mendaftar pekerja / at {}, no signal: enrolling workers",
            self.area.name, self.area.name
        ));
        while !self.fleet.stopping() {
            // The first stretch is short, so batches reach the server within the first minute.
            let workers = if first {
                self.rng.gen_range(6..=9)
            } else {
                self.rng.gen_range(4..=12)
            };
            let mut saved = 0;
            for _ in 0..workers {
                let pause = Duration::from_millis(self.rng.gen_range(500..1400));
                if !self.nap(pause) {
                    break;
                }
                if self.meet_worker() {
                    saved += 1;
                }
            }
            let queued = self
                .app
                .device_status()
                .map(|s| s.queued_records)
                .unwrap_or(0);
            if saved == 0 && self.fleet.stopping() {
                break;
            }
            self.say(format!(
                "{saved} pendaftaran disimpan offline (antrean {queued}) / \
                 {saved} enrollments saved offline ({queued} queued)"
            ));
            if self.fleet.stopping() {
                break;
            }
            self.say("sinyal kembali, sinkronisasi / signal back, syncing");
            if let Err(e) = self.sync() {
                if e.code() != "sync.network" {
                    // Retrying cannot fix it (revoked, refused...): this device stops here.
                    return;
                }
            }
            first = false;
            let pause = Duration::from_millis(self.rng.gen_range(3000..8000));
            if !self.nap(pause) {
                break;
            }
            self.say("kembali offline / offline again");
        }
    }

    /// One worker at the stall; whether an enrollment was saved.
    fn meet_worker(&mut self) -> bool {
        self.clock
            .advance(Duration::from_secs(self.rng.gen_range(180..480)));
        let elsewhere = self.fleet.enrolled_elsewhere(self.number, &mut self.rng);
        let visit = self.workers.next(self.clock.today(), elsewhere.as_ref());
        let saved = match &visit {
            Visit::Clean(form) => self.submit(form).is_some(),
            Visit::Warned { form, expect } => match self.submit(form) {
                Some(warnings) => {
                    if !warnings.iter().any(|w| w == expect) {
                        // The core missed a warning it should give: say it loudly.
                        self.say(format!(
                            "PERHATIAN: peringatan {expect} tidak muncul / WARNING: no {expect} warning"
                        ));
                    }
                    true
                }
                None => false,
            },
            Visit::AlreadyEnrolled(form) => {
                self.fleet.forget(form);
                self.say(format!(
                    "pekerja dengan NIK {} sudah didaftarkan agen lain dan datang lagi / \
                     a worker another agent already enrolled comes again",
                    masked(form)
                ));
                self.submit(form).is_some()
            }
            Visit::Mistaken {
                bad,
                fixed,
                mistake,
            } => {
                if self.submit(bad).is_some() {
                    // The core accepted a form it should refuse: say it loudly.
                    self.say(format!(
                        "PERHATIAN: formulir salah ({}) tersimpan / WARNING: a wrong form was saved",
                        mistake.code()
                    ));
                    true
                } else {
                    let saved = self.submit(fixed).is_some();
                    if saved {
                        self.say(
                            "agen memperbaiki formulir, disimpan / the agent fixed the form, saved",
                        );
                    }
                    saved
                }
            }
        };
        if saved && matches!(visit, Visit::Clean(_)) && self.rng.gen_bool(0.25) {
            self.fleet.remember(self.number, visit.saved_form());
        }
        saved
    }

    /// Submits as the agent does: a form with warnings only is shown, confirmed and submitted
    /// again; a form with errors is refused and nothing is saved. `Some(confirmed warnings)`
    /// when saved.
    fn submit(&mut self, form: &Value) -> Option<Vec<String>> {
        let json = form.to_string();
        let warnings = match self.app.submit(&json, false) {
            Ok(_) => {
                self.totals.saved += 1;
                return Some(Vec::new());
            }
            Err(CoreError::Invalid(report)) if report.errors.is_empty() => {
                let codes: Vec<&str> = report.warnings.iter().map(|i| i.code.as_str()).collect();
                self.say(format!(
                    "peringatan {} untuk NIK {}; agen memeriksa KTP dan mengonfirmasi / \
                     warning {}; the agent checks the KTP and confirms",
                    codes.join(", "),
                    masked(form),
                    codes.join(", ")
                ));
                codes.iter().map(|c| c.to_string()).collect::<Vec<String>>()
            }
            Err(CoreError::Invalid(report)) => {
                let codes: Vec<&str> = report.errors.iter().map(|i| i.code.as_str()).collect();
                self.totals.refused_forms += 1;
                self.say(format!(
                    "formulir ditolak aplikasi: {}; tidak disimpan / \
                     form refused by the app: {}; nothing saved",
                    codes.join(", "),
                    codes.join(", ")
                ));
                return None;
            }
            Err(e) => {
                self.say(format!("gagal menyimpan / cannot save ({})", e.code()));
                return None;
            }
        };
        match self.app.submit(&json, true) {
            Ok(_) => {
                self.totals.saved += 1;
                self.totals.confirmed_warnings += 1;
                Some(warnings)
            }
            Err(e) => {
                self.say(format!("gagal menyimpan / cannot save ({})", e.code()));
                None
            }
        }
    }

    /// One sync over the flaky link, narrated.
    fn sync(&mut self) -> Result<(), CoreError> {
        let narration = Narration::new(self.number, self.fleet.console.clone());
        let result = self
            .app
            .sync(Some(&self.link_url), &self.signer, Some(&narration));
        let report = narration.report();
        self.totals.add(&report);
        match &result {
            Ok(_) => {
                if report.batches > 0 {
                    self.say(format!(
                        "sinkronisasi selesai: {b} batch, {s} data terkirim → {a} diterima, {d} duplikat, {r} ditolak / \
                         sync done: {bs}, {ss} sent → {a} accepted, {d} duplicate, {r} rejected",
                        b = report.batches,
                        bs = counted(report.batches, "batch"),
                        s = report.sent,
                        ss = counted(report.sent, "record"),
                        a = report.accepted,
                        d = report.duplicates,
                        r = report.rejected,
                    ));
                }
            }
            Err(e) if e.code() == "sync.network" => self.say(
                "sinkronisasi terhenti (sync.network): antrean aman di perangkat, dicoba lagi nanti / \
                 sync stopped (sync.network): the queue stays safe on the device, next try later",
            ),
            Err(e) => self.say(format!(
                "sinkronisasi gagal / sync failed ({})",
                e.code()
            )),
        }
        result.map(|_| ())
    }

    /// After the demo stopped: sync over the calmed link until nothing is left unacknowledged.
    fn last_sync(&mut self) {
        for _ in 0..5 {
            let Ok(status) = self.app.device_status() else {
                break;
            };
            if status.unacked_batches == 0 && status.queued_records == 0 {
                break;
            }
            self.say("sinkronisasi terakhir / last sync");
            if let Err(e) = self.sync() {
                if e.code() != "sync.network" {
                    break;
                }
            }
        }
        if let Ok(status) = self.app.device_status() {
            self.totals.left_unsent = status.queued_records;
            if status.unacked_batches > 0 || status.queued_records > 0 {
                self.say(format!(
                    "{} batch belum dikonfirmasi, {} data belum terkirim / \
                     {} batches unacknowledged, {} records unsent",
                    status.unacked_batches,
                    status.queued_records,
                    status.unacked_batches,
                    status.queued_records
                ));
            }
        }
    }

    /// Waits, unless the demo stops meanwhile; whether the whole wait passed.
    fn nap(&self, wait: Duration) -> bool {
        let step = Duration::from_millis(100);
        let mut left = wait;
        while !left.is_zero() {
            if self.fleet.stopping() {
                return false;
            }
            let now = left.min(step);
            std::thread::sleep(now);
            left -= now;
        }
        !self.fleet.stopping()
    }
}

/// The sync narrated as it happens, and its report kept for the totals.
struct Narration {
    device: usize,
    console: Console,
    /// The batch in flight: (seq, records, retries so far).
    current: Mutex<Option<(u64, u32, u32)>>,
    report: Mutex<SyncReport>,
}

impl Narration {
    fn new(device: usize, console: Console) -> Narration {
        Narration {
            device,
            console,
            current: Mutex::new(None),
            report: Mutex::new(SyncReport::default()),
        }
    }

    fn report(&self) -> SyncReport {
        self.report
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn say(&self, line: impl std::fmt::Display) {
        self.console
            .say(format_args!("device {}: {line}", self.device));
    }
}

impl SyncObserver for Narration {
    fn batch_sent(&self, seq: u64, records_n: u32, bytes: u64) {
        *self.current.lock().unwrap_or_else(PoisonError::into_inner) = Some((seq, records_n, 0));
        let kb = bytes as f64 / 1024.0;
        self.say(format!(
            "mengirim batch #{seq} ({n} data, {kb:.1} KB) / sending batch #{seq} ({rs}, {kb:.1} KB)",
            n = records_n,
            rs = counted(records_n, "record"),
        ));
    }

    fn waiting_retry(&self, _seconds: u64) {
        if let Some((_, _, retries)) = self
            .current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_mut()
        {
            *retries += 1;
        }
    }

    fn batch_acked(&self, seq: u64, accepted: u32, rejected: u32) {
        let current = self
            .current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let (n, retries) = match current {
            Some((s, n, retries)) if s == seq => (n, retries),
            _ => (accepted + rejected, 0),
        };
        let resent = if retries > 0 {
            format!(
                "; dikirim ulang {retries}x, tersimpan tepat sekali / resent {retries}x, stored exactly once"
            )
        } else {
            String::new()
        };
        self.say(format!(
            "batch #{seq} ({n} data) → diterima {accepted}, ditolak {rejected} / \
             batch #{seq} ({rs}) → accepted {accepted}, rejected {rejected}{resent}",
            rs = counted(n, "record"),
        ));
    }

    fn record_rejected(&self, id: &str, codes: &[String]) {
        self.say(format!(
            "data {} ditolak server ({}); kembali ke agen untuk diperbaiki / \
             record rejected by the server; back to the agent to correct",
            short(id),
            codes.join(", ")
        ));
    }

    fn finished(&self, report: &SyncReport) {
        *self.report.lock().unwrap_or_else(PoisonError::into_inner) = report.clone();
    }
}

/// The last characters of an id (ids are not personal data, but long; the first characters of
/// a UUIDv7 are its time, the same for ids made together).
fn short(id: &str) -> &str {
    id.get(id.len().saturating_sub(8)..).unwrap_or(id)
}

/// The form's NIK, masked (`3201••••••••0001`).
fn masked(form: &Value) -> String {
    let digits: String = form["nik"]
        .as_str()
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    mask_nik(&digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_market_clock_moves_when_told_and_never_passes_the_real_time() {
        let clock = MarketClock::new(8);
        let before = clock.now();
        assert!(Utc::now() - before > chrono::Duration::hours(7));
        clock.advance(Duration::from_secs(300));
        assert_eq!(clock.now() - before, chrono::Duration::minutes(5));
        clock.advance(Duration::from_secs(24 * 3600));
        assert!(clock.now() <= Utc::now());
    }

    #[test]
    fn only_demo_device_folders_are_emptied() {
        let dir = tempfile::tempdir().unwrap();
        let device = dir.path().join("1");
        reset_folder(&device).unwrap();
        std::fs::write(device.join("left-over"), b"x").unwrap();
        reset_folder(&device).unwrap();
        assert!(!device.join("left-over").exists());
        assert!(device.join(MARKER).is_file());
        let foreign = dir.path().join("photos");
        std::fs::create_dir_all(&foreign).unwrap();
        std::fs::write(foreign.join("keep.jpg"), b"x").unwrap();
        assert!(reset_folder(&foreign).is_err());
        assert!(foreign.join("keep.jpg").exists());
    }
}
