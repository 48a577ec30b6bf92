//! The load driver (ARCHITECTURE.md §8: "1,000 devices connected at once, each sending a 20-record
//! batch every 10 s: no error, p99 acknowledgement ≤ 500 ms", and the peak ingest rate with the
//! same driver). Run it with `cargo run --release -p perisai-e2e --bin perisai-load -- --help`;
//! the figures and their commands are in docs/PERFORMANCE.md.
//!
//! A run is end to end, with real parts only: the real `perisai-server` binary (the same
//! profile as the driver: release for figures) on a fresh SQLite file or a fresh PostgreSQL
//! database; devices provisioned by admin commands and activated through the API
//! ([`fleet`]); every device's batches frozen before the clock starts (genuine signed,
//! hash-chained batches of valid, distinct enrollments, so each goes through signature, body
//! hash, chain, rate limit, validation, sealing, dedup and storage); then each device on its
//! own HTTP client (its own keep-alive connection) uploads them:
//!
//! - [`Mode::Steady`]: one batch every `interval` per device, start times spread evenly over
//!   the first interval; figures over the batches sent after `warmup`, for `duration`.
//! - [`Mode::Peak`]: closed loop, each device sends its next batch as soon as its previous one
//!   is acknowledged, until its batches run out; the sustained rate is taken between 10 % and
//!   90 % of the records acknowledged ([`tally::sustained_rate`]).
//!
//! Per attempt the latency runs from the request sent to the whole answer received with its
//! signature verified and its contents checked (this batch, every record `accepted`). Any other
//! answer, or a transport failure, is an error; the device resends the same bytes (at its next
//! tick in steady mode, after a short pause in peak mode), as the real client does. After the
//! run a batch still unacknowledged is finished (outside the figures) and the database is read
//! directly: the records acknowledged must be exactly the records stored ([`verify`]).

pub mod fleet;
pub mod procfs;
pub mod tally;
pub mod verify;

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use perisai_core::protocol::messages::{Ack, RecordStatus};
use perisai_sim::people::forms;
use tokio::task::JoinSet;

use crate::device::{FrozenUpload, ProtocolDevice, UploadReply, REQUEST_TIMEOUT};
use crate::error::E2eError;
use crate::server::{Backend, Deployment};
use procfs::{CpuSnapshot, CpuUse};
use tally::{Outcome, Summary};

/// How the devices send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A batch every `interval` per device; figures over `duration` after `warmup`.
    Steady {
        interval: Duration,
        warmup: Duration,
        duration: Duration,
    },
    /// Closed loop: `batches` batches per device, each sent as soon as the previous is
    /// acknowledged.
    Peak { batches: u32 },
}

/// What to run.
#[derive(Clone, Debug)]
pub struct LoadPlan {
    pub backend: Backend,
    pub devices: u32,
    pub records_per_batch: u32,
    pub mode: Mode,
    /// Admin commands and activations at once while provisioning.
    pub provisioning_concurrency: usize,
    /// Extra `perisai-server serve` arguments (e.g. `--batches-per-minute 600`).
    pub server_args: Vec<String>,
}

impl LoadPlan {
    /// ARCHITECTURE.md §8's steady load: 1,000 devices, 20 records every 10 s, 120 s measured after
    /// 20 s of warm-up.
    pub fn design_target(backend: Backend) -> LoadPlan {
        LoadPlan {
            backend,
            devices: 1000,
            records_per_batch: 20,
            mode: Mode::Steady {
                interval: Duration::from_secs(10),
                warmup: Duration::from_secs(20),
                duration: Duration::from_secs(120),
            },
            provisioning_concurrency: 8,
            server_args: Vec::new(),
        }
    }

    /// Frozen batches each device needs.
    fn batches_per_device(&self) -> u32 {
        match self.mode {
            // One per tick until the end, the last tick included.
            Mode::Steady {
                interval,
                warmup,
                duration,
            } => ((warmup + duration).as_secs_f64() / interval.as_secs_f64()).ceil() as u32 + 1,
            Mode::Peak { batches } => batches,
        }
    }
}

/// The figures of a run.
#[derive(Debug)]
pub struct LoadReport {
    pub plan: LoadPlan,
    pub provisioning: Duration,
    pub freezing: Duration,
    /// Every attempt, the warm-up and the drain included.
    pub outcomes: Vec<Outcome>,
    /// The attempts the figures are about (steady: sent in the measured window; peak: all but
    /// the drain).
    pub measured: Summary,
    /// Every attempt of the run, warm-up and drain included: the "no error" check.
    pub whole_run: Summary,
    /// The span the measured figures cover.
    pub measured_span: Duration,
    /// Records acknowledged per second over `measured_span`.
    pub throughput: f64,
    /// Peak mode: records per second between 10 % and 90 % of the records, and over what span.
    pub sustained: Option<(f64, Duration)>,
    /// TCP connections the devices' clients opened (one per device when keep-alive holds).
    pub connections_opened: u64,
    /// Steady mode: ticks at which a device was still busy with its previous batch.
    pub late_ticks: u64,
    pub cpu: CpuUse,
    /// The server's resident memory at the end and at its peak, KiB.
    pub server_memory_kib: Option<(u64, u64)>,
    pub load_average_before: Option<f64>,
    pub load_average_after: Option<f64>,
    pub stored: verify::Stored,
    pub comparison: verify::Comparison,
    /// Acknowledged records whose result was not `accepted` (counted in the errors too).
    pub records_not_accepted: u64,
    /// Server log lines at WARN or ERROR, by their message (target, numbers and fields left out).
    pub server_log_warnings: BTreeMap<String, u64>,
}

impl LoadReport {
    /// No error anywhere in the run, and the database holds exactly what was acknowledged, with
    /// every record through all checks (`received`) and its NIK claimed.
    pub fn clean_and_exact(&self) -> bool {
        let records = self.comparison.acknowledged as u64;
        self.whole_run.error_count() == 0
            && self.comparison.exact()
            && self.stored.by_status.get("received").copied().unwrap_or(0) == records
            && self.stored.nik_claims == records
    }

    /// ARCHITECTURE.md §8's verdict for a steady run: no error and p99 ≤ 500 ms.
    pub fn meets_design_target(&self) -> bool {
        self.clean_and_exact() && self.measured.latency.p99 <= Duration::from_millis(500)
    }

    /// The report as printed by `perisai-load`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let plan = &self.plan;
        let ms = |d: Duration| format!("{:.1}", d.as_secs_f64() * 1000.0);
        let opt = |v: Option<f64>, digits: usize| {
            v.map_or("n/a".to_string(), |v| format!("{v:.digits$}"))
        };
        let _ = writeln!(
            out,
            "perisai-load: {} devices on {}, {} records per batch, {}",
            plan.devices,
            plan.backend.name(),
            plan.records_per_batch,
            match plan.mode {
                Mode::Steady {
                    interval,
                    warmup,
                    duration,
                } => format!(
                    "steady: a batch every {:?} per device, {:?} measured after {:?} warm-up",
                    interval, duration, warmup
                ),
                Mode::Peak { batches } =>
                    format!("peak: closed loop, {batches} batches per device"),
            }
        );
        if !plan.server_args.is_empty() {
            let _ = writeln!(out, "  server arguments: {}", plan.server_args.join(" "));
        }
        let _ = writeln!(
            out,
            "  provisioning {:.1} s, freezing batches {:.1} s (not measured)",
            self.provisioning.as_secs_f64(),
            self.freezing.as_secs_f64()
        );
        let m = &self.measured;
        let _ = writeln!(
            out,
            "  measured: {} batches / {} records acknowledged in {:.1} s: {:.0} records/s ({:.1} batches/s)",
            m.batches_acknowledged,
            m.records_acknowledged,
            self.measured_span.as_secs_f64(),
            self.throughput,
            self.throughput / f64::from(plan.records_per_batch.max(1)),
        );
        if let Some((rate, span)) = self.sustained {
            let _ = writeln!(
                out,
                "  sustained (10 %–90 % of records, {:.1} s): {rate:.0} records/s",
                span.as_secs_f64()
            );
        }
        let l = &m.latency;
        let _ = writeln!(
            out,
            "  acknowledgement latency ms: p50 {} p90 {} p99 {} max {} ({} batches)",
            ms(l.p50),
            ms(l.p90),
            ms(l.p99),
            ms(l.max),
            l.count
        );
        let w = &self.whole_run;
        let _ = writeln!(
            out,
            "  whole run: {} attempts, {} batches / {} records acknowledged, {} errors{}",
            w.attempts,
            w.batches_acknowledged,
            w.records_acknowledged,
            w.error_count(),
            if w.errors.is_empty() {
                String::new()
            } else {
                format!(": {:?}", w.errors)
            }
        );
        let _ = writeln!(
            out,
            "  connections opened by the devices: {} ({} devices); late ticks: {}",
            self.connections_opened, plan.devices, self.late_ticks
        );
        let _ = writeln!(
            out,
            "  CPU (cores, measured part): server {}, driver {}; machine busy {} % of 2 cores",
            opt(self.cpu.server, 2),
            opt(self.cpu.driver, 2),
            opt(self.cpu.machine_busy.map(|b| b * 100.0), 0)
        );
        let _ = writeln!(
            out,
            "  server memory: RSS {} MiB at the end, peak {} MiB; log lines at WARN/ERROR: {} {:?}",
            opt(self.server_memory_kib.map(|m| m.0 as f64 / 1024.0), 1),
            opt(self.server_memory_kib.map(|m| m.1 as f64 / 1024.0), 1),
            self.server_log_warnings.values().sum::<u64>(),
            self.server_log_warnings
        );
        let _ = writeln!(
            out,
            "  load average (1 min): {} before, {} after",
            opt(self.load_average_before, 2),
            opt(self.load_average_after, 2)
        );
        let c = &self.comparison;
        let _ = writeln!(
            out,
            "  database: {} records stored ({:?}), {} batches, {} NIK claims; acknowledged {}, missing {}, never acknowledged {}: {}",
            c.stored,
            self.stored.by_status,
            self.stored.batches,
            self.stored.nik_claims,
            c.acknowledged,
            c.missing,
            c.unacknowledged,
            if c.exact() { "exactly once" } else { "NOT EXACT" }
        );
        if let Mode::Steady { .. } = plan.mode {
            let _ = writeln!(
                out,
                "  ARCHITECTURE.md §8 (no error, p99 ≤ 500 ms): {}",
                if self.meets_design_target() {
                    "met"
                } else {
                    "MISSED"
                }
            );
        }
        out
    }
}

/// Runs `plan` on a fresh deployment; progress lines go to `progress`.
pub async fn run(plan: &LoadPlan, progress: impl Fn(&str)) -> Result<LoadReport, E2eError> {
    let deployment = Arc::new(Deployment::new(plan.backend).await?);
    let args: Vec<&str> = plan.server_args.iter().map(String::as_str).collect();
    let server = deployment.start_server(&args).await?;
    let url = server.url();
    progress(&format!(
        "server {} on {} (pid {:?}); provisioning {} devices",
        url,
        plan.backend.name(),
        server.pid(),
        plan.devices
    ));

    let fleet = fleet::provision(
        &deployment,
        &url,
        server.fingerprint(),
        plan.devices,
        plan.provisioning_concurrency,
    )
    .await?;
    progress(&format!(
        "{} devices activated in {:.1} s; freezing batches",
        fleet.devices.len(),
        fleet.took.as_secs_f64()
    ));

    let freezing = Instant::now();
    let loaded = freeze_all(fleet.devices, plan).await?;
    let freezing = freezing.elapsed();
    progress(&format!(
        "{} batches frozen in {:.1} s; load starts",
        loaded.iter().map(|d| d.batches.len()).sum::<usize>(),
        freezing.as_secs_f64()
    ));

    let connections = Arc::new(AtomicU64::new(0));
    let ticks = procfs::ticks_per_second();
    let load_average_before = procfs::load_average();
    let start = tokio::time::Instant::now();
    let (measure_from, measure_to) = match plan.mode {
        Mode::Steady {
            warmup, duration, ..
        } => (warmup, warmup + duration),
        Mode::Peak { .. } => (Duration::ZERO, Duration::MAX),
    };
    // CPU is read at the edges of the measured window (steady), or around the whole load (peak).
    let cpu_at_start = CpuSnapshot::take(server.pid());
    let window_sampler = match plan.mode {
        Mode::Steady { .. } => {
            let pid = server.pid();
            Some(tokio::spawn(async move {
                tokio::time::sleep_until(start + measure_from).await;
                let first = CpuSnapshot::take(pid);
                tokio::time::sleep_until(start + measure_to).await;
                CpuSnapshot::take(pid).cores_since(&first, ticks)
            }))
        }
        Mode::Peak { .. } => None,
    };

    let mut tasks = JoinSet::new();
    let devices = plan.devices;
    for (index, device) in loaded.into_iter().enumerate() {
        let client = device_client(connections.clone())?;
        let (url, mode) = (url.clone(), plan.mode);
        // Start times spread evenly over the first interval (steady) or 1 s (peak).
        let spread = match mode {
            Mode::Steady { interval, .. } => interval,
            Mode::Peak { .. } => Duration::from_secs(1),
        };
        let offset = spread.mul_f64(index as f64 / f64::from(devices.max(1)));
        tasks.spawn(drive(device, client, url, mode, start, offset));
    }
    progress("devices running");
    let mut outcomes = Vec::new();
    let mut acknowledged = HashSet::new();
    let mut late_ticks = 0;
    let mut records_not_accepted = 0;
    while let Some(joined) = tasks.join_next().await {
        let run = joined.map_err(|e| E2eError::new(format!("a device task failed: {e}")))?;
        let (device_outcomes, acked, late) = run?;
        outcomes.extend(device_outcomes);
        for (ids, not_accepted) in acked {
            records_not_accepted += not_accepted;
            acknowledged.extend(ids);
        }
        late_ticks += late;
    }
    let cpu = match window_sampler {
        Some(sampler) => sampler
            .await
            .map_err(|e| E2eError::new(format!("the CPU sampler failed: {e}")))?,
        None => CpuSnapshot::take(server.pid()).cores_since(&cpu_at_start, ticks),
    };
    let server_memory_kib = server.pid().and_then(procfs::memory_kib);
    let load_average_after = procfs::load_average();
    let server_log_warnings = warnings_by_kind(&server.log());
    progress("load done; reading the database");
    // Stop the server before reading: nothing may change under the check.
    server.kill().await?;
    let stored = verify::stored(&deployment, fleet::BRANCH).await?;
    let comparison = verify::Comparison::of(&acknowledged, &stored.record_ids);

    let (measured, measured_span) = match plan.mode {
        Mode::Steady { duration, .. } => (
            Summary::of(&outcomes, |o| {
                !o.drain && o.sent_at >= measure_from && o.sent_at < measure_to
            }),
            duration,
        ),
        Mode::Peak { .. } => {
            let first = outcomes.iter().map(|o| o.sent_at).min().unwrap_or_default();
            let last = outcomes
                .iter()
                .filter(|o| !o.drain)
                .map(Outcome::answered_at)
                .max()
                .unwrap_or_default();
            (
                Summary::of(&outcomes, |o| !o.drain),
                last.saturating_sub(first),
            )
        }
    };
    let throughput = if measured_span.is_zero() {
        0.0
    } else {
        measured.records_acknowledged as f64 / measured_span.as_secs_f64()
    };
    let sustained = match plan.mode {
        Mode::Peak { .. } => tally::sustained_rate(&outcomes, 0.1, 0.9),
        Mode::Steady { .. } => None,
    };
    let whole_run = Summary::of(&outcomes, |_| true);
    Ok(LoadReport {
        plan: plan.clone(),
        provisioning: fleet.took,
        freezing,
        outcomes,
        measured,
        whole_run,
        measured_span,
        throughput,
        sustained,
        connections_opened: connections.load(Ordering::Relaxed),
        late_ticks,
        cpu,
        server_memory_kib,
        load_average_before,
        load_average_after,
        stored,
        comparison,
        records_not_accepted,
        server_log_warnings,
    })
}

/// A device with its frozen batches.
struct LoadedDevice {
    device: ProtocolDevice,
    batches: Vec<FrozenUpload>,
}

/// Freezes every device's batches (device `i` enrolls `form(i, 0..)`), on the blocking pool.
async fn freeze_all(
    devices: Vec<ProtocolDevice>,
    plan: &LoadPlan,
) -> Result<Vec<LoadedDevice>, E2eError> {
    let (per_device, records) = (plan.batches_per_device(), plan.records_per_batch);
    let mut set = JoinSet::new();
    for (index, mut device) in devices.into_iter().enumerate() {
        set.spawn_blocking(move || {
            let all = forms(index as u32, per_device * records);
            let mut batches = Vec::with_capacity(per_device as usize);
            for chunk in all.chunks(records as usize) {
                let wire = device.wire_records(chunk);
                batches.push(device.freeze_next(&wire)?);
            }
            Ok::<_, E2eError>((index, LoadedDevice { device, batches }))
        });
    }
    let mut loaded: Vec<Option<LoadedDevice>> = Vec::new();
    loaded.resize_with(set.len(), || None);
    while let Some(joined) = set.join_next().await {
        let (index, device) =
            joined.map_err(|e| E2eError::new(format!("freezing failed: {e}")))??;
        loaded[index] = Some(device);
    }
    Ok(loaded.into_iter().flatten().collect())
}

/// One device's own HTTP client: its own pool, so its own keep-alive connection; each new
/// connection is counted in `opened`.
fn device_client(opened: Arc<AtomicU64>) -> Result<reqwest::Client, E2eError> {
    Ok(reqwest::Client::builder()
        .no_proxy()
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(Duration::from_secs(5))
        .pool_max_idle_per_host(1)
        .pool_idle_timeout(Duration::from_secs(300))
        .tls_built_in_root_certs(false)
        .connector_layer(tower::layer::layer_fn(move |inner| CountConnections {
            inner,
            opened: opened.clone(),
        }))
        .build()?)
}

/// A connector that counts the connections it is asked to open.
#[derive(Clone)]
struct CountConnections<S> {
    inner: S,
    opened: Arc<AtomicU64>,
}

impl<S: tower::Service<R>, R> tower::Service<R> for CountConnections<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> Self::Future {
        self.opened.fetch_add(1, Ordering::Relaxed);
        self.inner.call(request)
    }
}

/// Acknowledged batches of one device: their record ids and how many were not `accepted`.
type Acked = Vec<(Vec<String>, u64)>;

/// Runs one device: sends its batches by `mode`; returns its attempts, its acknowledged
/// batches and its late ticks.
async fn drive(
    loaded: LoadedDevice,
    client: reqwest::Client,
    url: String,
    mode: Mode,
    start: tokio::time::Instant,
    offset: Duration,
) -> Result<(Vec<Outcome>, Acked, u64), E2eError> {
    let LoadedDevice { device, batches } = loaded;
    let mut outcomes = Vec::new();
    let mut acked = Vec::new();
    let mut late = 0;
    let mut next = 0;
    let mut last_acknowledged = true;
    // The first tick.
    let mut tick = start + offset;
    while let Some(batch) = batches.get(next) {
        match mode {
            Mode::Steady {
                interval,
                warmup,
                duration,
            } => {
                if tick >= start + warmup + duration {
                    break;
                }
                let now = tokio::time::Instant::now();
                if now > tick + Duration::from_millis(50) {
                    late += 1;
                }
                tokio::time::sleep_until(tick).await;
                tick += interval;
            }
            Mode::Peak { .. } => {
                tokio::time::sleep_until(tick).await;
            }
        }
        let (outcome, acknowledged) =
            attempt(&device, &client, &url, batch, start, false, &mut acked).await;
        outcomes.push(outcome);
        last_acknowledged = acknowledged;
        if !acknowledged {
            if let Mode::Peak { .. } = mode {
                // Resend after a short pause, as the client's backoff would.
                tick = tokio::time::Instant::now() + Duration::from_millis(200);
            }
        } else {
            next += 1;
            if let Mode::Peak { .. } = mode {
                tick = tokio::time::Instant::now();
            }
        }
    }
    // A batch that failed last is finished now (outside the figures), so the database can be
    // compared exactly with what was acknowledged.
    if !last_acknowledged {
        if let Some(batch) = batches.get(next) {
            for _ in 0..10 {
                let (outcome, acknowledged) =
                    attempt(&device, &client, &url, batch, start, true, &mut acked).await;
                outcomes.push(outcome);
                if acknowledged {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
    Ok((outcomes, acked, late))
}

/// Sends `batch` once and judges the answer; true when the batch was acknowledged (even with
/// records not accepted, which the outcome counts as an error).
async fn attempt(
    device: &ProtocolDevice,
    client: &reqwest::Client,
    url: &str,
    batch: &FrozenUpload,
    start: tokio::time::Instant,
    drain: bool,
    acked: &mut Acked,
) -> (Outcome, bool) {
    let sent = tokio::time::Instant::now();
    let reply = device.upload(client, url, batch).await;
    let latency = sent.elapsed();
    let mut acknowledged = false;
    let result = match reply {
        Ok(UploadReply { ack: Some(ack), .. }) => match judge(&ack, device, batch) {
            Ok(not_accepted) => {
                acknowledged = true;
                acked.push((batch.record_ids.clone(), not_accepted));
                if not_accepted == 0 {
                    Ok(batch.record_ids.len() as u32)
                } else {
                    Err(format!("{not_accepted} records not accepted"))
                }
            }
            Err(why) => Err(format!("ack: {why}")),
        },
        Ok(reply) => Err(match reply.error_code() {
            Some(code) => format!("status {} {code}", reply.status),
            None => format!("status {}", reply.status),
        }),
        Err(e) if e.is_transport() => Err(format!("transport: {}", short(e.message()))),
        Err(e) => Err(format!("answer: {}", short(e.message()))),
    };
    let outcome = Outcome {
        sent_at: sent.duration_since(start),
        latency,
        result,
        drain,
    };
    (outcome, acknowledged)
}

/// Whether `ack` acknowledges this very batch; `Ok(n)` with `n` records not `accepted`.
fn judge(ack: &Ack, device: &ProtocolDevice, batch: &FrozenUpload) -> Result<u64, String> {
    if ack.device_id != device.id || ack.seq != batch.seq || ack.batch_hash != batch.batch_hash {
        return Err("acknowledges another batch".into());
    }
    let ids: Vec<&str> = ack.results.iter().map(|r| r.id.as_str()).collect();
    if ids != batch.record_ids {
        return Err("results do not match the batch's records".into());
    }
    Ok(ack
        .results
        .iter()
        .filter(|r| r.status != RecordStatus::Accepted || !r.codes.is_empty())
        .count() as u64)
}

/// An error message cut to its kind, so errors group: reqwest's chain of causes ends with the
/// root one (`operation timed out`, `connection reset by peer`); the URL in front is the same
/// for every attempt.
fn short(message: &str) -> String {
    let root = message.rsplit(": ").next().unwrap_or(message);
    root.chars().take(80).collect()
}

/// The server log's WARN and ERROR lines by kind: the level, the message words and the names of
/// the fields (`key=…`, values left out), so that lines of one kind count together (sqlx's
/// slow-statement warning, for one, is all fields). The server never logs personal data
/// (docs/SECURITY.md), and no value is kept anyway.
fn warnings_by_kind(log: &str) -> BTreeMap<String, u64> {
    let mut kinds = BTreeMap::new();
    for line in log.lines() {
        let Some(at) = line.find(" WARN ").or_else(|| line.find(" ERROR ")) else {
            continue;
        };
        let mut words = Vec::new();
        for word in line[at + 1..].split_whitespace() {
            match word.split_once('=') {
                Some((key, _)) if !key.is_empty() && !key.contains('"') => {
                    words.push(format!("{key}=…"))
                }
                Some(_) => {}
                None if word.starts_with(|c: char| c.is_ascii_digit()) || word.contains('"') => {}
                None => words.push(word.to_string()),
            }
            if words.len() == 10 {
                break;
            }
        }
        *kinds.entry(words.join(" ")).or_insert(0) += 1;
    }
    kinds
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_errors_are_grouped_by_their_root_cause() {
        assert_eq!(
            short("http: error sending request for url (http://127.0.0.1:1/v1/batches): operation timed out"),
            "operation timed out"
        );
        assert_eq!(short("no colon here"), "no colon here");
    }

    #[test]
    fn warnings_are_grouped_by_message_without_fields() {
        let log = "2026-12-04T18:00:00Z  INFO batch stored device=d1 seq=1\n\
                   2026-12-04T18:00:01Z  WARN slow statement: execution time exceeded alert threshold summary=\"INSERT\"\n\
                   2026-12-04T18:00:02Z  WARN slow statement: execution time exceeded alert threshold summary=\"SELECT\"\n\
                   2026-12-04T18:00:03Z ERROR group write failed error=x batches=3\n";
        let kinds = warnings_by_kind(log);
        assert_eq!(kinds.len(), 2, "{kinds:?}");
        assert_eq!(
            kinds.get("WARN slow statement: execution time exceeded alert threshold summary=…"),
            Some(&2)
        );
        assert_eq!(
            kinds.get("ERROR group write failed error=… batches=…"),
            Some(&1)
        );
    }
}
