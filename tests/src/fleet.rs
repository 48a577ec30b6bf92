//! Devices at work, for the fault tests: activated `perisai` shells that enroll and sync in a
//! loop while the test breaks things around them (kills the server, restores its database), and
//! then bring everything home.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use perisai_sim::people::form;
use serde_json::Value;
use tokio::task::JoinHandle;

use crate::cli_device::CliDevice;
use crate::server::Deployment;

/// A new agent of `branch` with a device (data in the deployment's folder under `name`),
/// activated against `url`; activation is retried through a flaky link.
pub async fn activated_device(
    deployment: &Deployment,
    branch: &str,
    url: &str,
    fingerprint: &str,
    name: &str,
) -> Arc<CliDevice> {
    let agent = deployment.new_agent(branch).await.expect("an agent");
    let code = deployment
        .issue_code(&agent.agent_id)
        .await
        .expect("a code");
    let dir = deployment.scratch_dir().join(name);
    let device = tokio::task::spawn_blocking(move || CliDevice::new(dir))
        .await
        .expect("joined")
        .expect("the perisai binary");
    let mut last = None;
    for _ in 0..20 {
        let run = device
            .activate(url, &code, Some(fingerprint))
            .await
            .expect("perisai activate runs");
        if run.exit_code == Some(0) {
            return Arc::new(device);
        }
        last = Some(run);
    }
    panic!("{name} could not activate: {last:?}");
}

/// Enrolls `form(number, n)`, confirming warnings as the agent does after checking them with
/// the worker (a 24-bit NIK tag of the branch can match a new NIK by chance: a warning).
/// Returns the new record's id.
pub async fn enroll(device: &CliDevice, number: u32, n: u32) -> String {
    let form = serde_json::to_vec(&form(number, n)).expect("a form");
    let record: Value = device
        .run(&["enroll", "--accept-warnings", "-"], Some(&form))
        .await
        .and_then(|run| run.success())
        .unwrap_or_else(|e| panic!("perisai enroll of form({number}, {n}): {e}"));
    record["id"].as_str().expect("an id").to_string()
}

/// Runs `perisai sync` (at most `max_runs` times, again at once after `sync.network`) until
/// nothing is queued or sent; returns the runs it took and the ids shown `accepted`.
pub async fn sync_home(
    device: &CliDevice,
    url: &str,
    max_runs: usize,
) -> (usize, BTreeSet<String>) {
    let mut last = None;
    for run_number in 1..=max_runs {
        let run = device.sync(url).await.expect("perisai sync runs");
        if run.exit_code != Some(0) {
            assert_eq!(run.error_code(), Some("sync.network"), "{run:?}");
            last = Some(run);
            continue;
        }
        let states = device.queue().await.expect("perisai queue");
        let waiting =
            states.get("queued").copied().unwrap_or(0) + states.get("sent").copied().unwrap_or(0);
        if waiting == 0 {
            return (run_number, accepted_ids(device).await);
        }
    }
    panic!("not home after {max_runs} syncs: {last:?}");
}

/// The ids the device shows `accepted`.
pub async fn accepted_ids(device: &CliDevice) -> BTreeSet<String> {
    device
        .list(Some("accepted"))
        .await
        .expect("perisai list")
        .iter()
        .map(|r| r["id"].as_str().expect("an id").to_string())
        .collect()
}

/// Devices enrolling `per_round` records and syncing, round after round, until stopped.
pub struct Fleet {
    stop: Arc<AtomicBool>,
    syncing: Arc<AtomicU64>,
    failed_syncs: Arc<AtomicU64>,
    workers: Vec<JoinHandle<BTreeSet<String>>>,
}

impl Fleet {
    /// Starts the loops; device `i` enrolls `form(first_number + i, n)`.
    pub fn start(
        devices: &[Arc<CliDevice>],
        url: &str,
        first_number: u32,
        per_round: u32,
    ) -> Fleet {
        let stop = Arc::new(AtomicBool::new(false));
        let syncing = Arc::new(AtomicU64::new(0));
        let failed_syncs = Arc::new(AtomicU64::new(0));
        let workers = devices
            .iter()
            .enumerate()
            .map(|(i, device)| {
                let (device, url) = (device.clone(), url.to_string());
                let (stop, syncing, failed) = (stop.clone(), syncing.clone(), failed_syncs.clone());
                let number = first_number + i as u32;
                tokio::spawn(async move {
                    let mut enrolled = BTreeSet::new();
                    let mut n = 0;
                    while !stop.load(Ordering::Relaxed) {
                        for _ in 0..per_round {
                            enrolled.insert(enroll(&device, number, n).await);
                            n += 1;
                        }
                        syncing.fetch_add(1, Ordering::SeqCst);
                        let run = device.sync(&url).await.expect("perisai sync runs");
                        syncing.fetch_sub(1, Ordering::SeqCst);
                        if run.exit_code != Some(0) {
                            assert_eq!(
                                run.error_code(),
                                Some("sync.network"),
                                "a sync refused for another reason than the network: {run:?}"
                            );
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    enrolled
                })
            })
            .collect();
        Fleet {
            stop,
            syncing,
            failed_syncs,
            workers,
        }
    }

    /// Whether a sync is running right now.
    pub fn syncing(&self) -> bool {
        self.syncing.load(Ordering::SeqCst) > 0
    }

    /// Syncs that gave up on the network so far.
    pub fn failed_syncs(&self) -> u64 {
        self.failed_syncs.load(Ordering::Relaxed)
    }

    /// Stops the loops after their current round; each device's enrolled ids, in order.
    pub async fn stop(self) -> Vec<BTreeSet<String>> {
        self.stop.store(true, Ordering::Relaxed);
        let mut all = Vec::new();
        for worker in self.workers {
            all.push(worker.await.expect("a device loop"));
        }
        all
    }
}

/// How many batches the server answered `seq.gap` (what a device hears when the server no
/// longer has a batch it acknowledged), over every server process's log of the deployment.
pub fn gap_answers(deployment: &Deployment) -> usize {
    let Ok(entries) = std::fs::read_dir(deployment.scratch_dir()) else {
        return 0;
    };
    entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("server-"))
        .map(|e| {
            std::fs::read_to_string(e.path())
                .unwrap_or_default()
                .lines()
                .filter(|l| l.contains("outcome=\"gap\""))
                .count()
        })
        .sum()
}
