//! Exactly once (the issue's first must-show): 20 devices enroll 100 people each and sync
//! through a network that cuts requests and responses midway, delays and stalls them, and
//! delivers requests twice. In the end the server holds exactly 2,000 enrollments, each once,
//! and every device shows all 100 of its records acknowledged.
//!
//! The devices are the real `perisai` desktop shell (its sync client), each with its own data
//! folder; the server is the real `perisai-server` binary on SQLite and on PostgreSQL; between
//! them the fault proxy under `FaultPlan::hostile`. A sync that gives up on the network
//! (`sync.network`) is simply run again, as the phone's scheduler would; any other refusal is a
//! failure. The plan's seed is printed (replay with `PERISAI_E2E_SEED`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

use perisai_e2e::cli_device::CliDevice;
use perisai_e2e::proxy::{FaultPlan, FaultProxy};
use perisai_e2e::server::{Backend, Deployment};
use perisai_sim::people::forms;
use tokio::sync::Semaphore;

const DEVICES: u32 = 20;
const PER_DEVICE: u32 = 100;
/// Rounds of `perisai sync` over the devices not yet done (a round is what an agent does by
/// tapping "Kirim" again).
const MAX_ROUNDS: usize = 12;
/// Device processes at once: syncs mostly wait on the network, enrolling is CPU work.
const SYNCS_AT_ONCE: usize = 8;
const ENROLLS_AT_ONCE: usize = 2;

/// Runs `work` for every device, at most `at_once` at a time; results in device order.
async fn for_each_device<T, F, Fut>(devices: &[Arc<CliDevice>], at_once: usize, work: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize, Arc<CliDevice>) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    let gate = Arc::new(Semaphore::new(at_once));
    let mut tasks = Vec::new();
    for (i, device) in devices.iter().enumerate() {
        let gate = gate.clone();
        let job = work(i, device.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await;
            job.await
        }));
    }
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.expect("a device task panicked"));
    }
    results
}

/// Every state of `perisai queue` is zero except `accepted`, which holds all the records.
fn all_acknowledged(states: &BTreeMap<String, u64>) -> bool {
    states.iter().all(|(state, n)| {
        *n == if state == "accepted" {
            u64::from(PER_DEVICE)
        } else {
            0
        }
    })
}

async fn twenty_devices_store_two_thousand_enrollments_exactly_once(backend: Backend) {
    let seed = perisai_e2e::seed(20);
    let deployment = Deployment::new(backend).await.expect("a fresh deployment");
    let server = deployment
        .start_server(&[])
        .await
        .expect("the server starts");
    let proxy = FaultProxy::start(server.addr(), FaultPlan::hostile(seed))
        .await
        .expect("the proxy starts");
    eprintln!("{}: fault plan seed {seed}", backend.name());
    let url = proxy.url();
    let started = Instant::now();

    // The branch office sets up 20 agents and hands each a code; each agent activates a phone.
    let mut devices = Vec::new();
    let mut codes = Vec::new();
    for n in 0..DEVICES {
        let agent = deployment.new_agent("KC01").await.expect("an agent");
        codes.push(
            deployment
                .issue_code(&agent.agent_id)
                .await
                .expect("a code"),
        );
        let dir = deployment.scratch_dir().join(format!("device-{n:02}"));
        devices.push(Arc::new(
            tokio::task::spawn_blocking(move || CliDevice::new(dir))
                .await
                .expect("joined")
                .expect("the perisai binary"),
        ));
    }
    let fingerprint = server.fingerprint().to_string();
    let activations = for_each_device(&devices, SYNCS_AT_ONCE, |i, device| {
        let (url, code, fingerprint) = (url.clone(), codes[i].clone(), fingerprint.clone());
        async move {
            // Through the hostile network: a lost answer is retried with the same key.
            let mut last = None;
            for _ in 0..10 {
                let run = device
                    .activate(&url, &code, Some(&fingerprint))
                    .await
                    .expect("perisai activate runs");
                if run.exit_code == Some(0) {
                    return Ok(run.json);
                }
                last = Some(run);
            }
            Err(last)
        }
    })
    .await;
    for (i, activation) in activations.iter().enumerate() {
        let activation = activation
            .as_ref()
            .unwrap_or_else(|run| panic!("device {i} could not activate: {run:?}"));
        assert_eq!(activation["branch"], "KC01");
    }
    eprintln!(
        "{}: 20 devices activated after {:?}",
        backend.name(),
        started.elapsed()
    );

    // Each agent enrolls 100 people (offline work: no network involved).
    let enrolled = for_each_device(&devices, ENROLLS_AT_ONCE, |i, device| async move {
        for form in forms(i as u32, PER_DEVICE) {
            device.enroll(&form).await?;
        }
        device.queue().await
    })
    .await;
    for (i, states) in enrolled.into_iter().enumerate() {
        let states = states.unwrap_or_else(|e| panic!("device {i}: {e}"));
        assert_eq!(states["queued"], u64::from(PER_DEVICE), "device {i}");
    }
    eprintln!(
        "{}: 2,000 enrolled after {:?}",
        backend.name(),
        started.elapsed()
    );

    // Sync rounds until every device shows all of its records acknowledged.
    let mut unexpected = Vec::new();
    let mut done = vec![false; devices.len()];
    for round in 1..=MAX_ROUNDS {
        let pending: Vec<Arc<CliDevice>> = devices
            .iter()
            .zip(&done)
            .filter(|(_, done)| !**done)
            .map(|(d, _)| d.clone())
            .collect();
        if pending.is_empty() {
            break;
        }
        let runs = for_each_device(&pending, SYNCS_AT_ONCE, |_, device| {
            let url = url.clone();
            async move { device.sync(&url).await.expect("perisai sync runs") }
        })
        .await;
        for run in &runs {
            if run.exit_code != Some(0) && run.error_code() != Some("sync.network") {
                unexpected.push(format!("round {round}: {} → {}", run.command, run.json));
            }
        }
        for (i, device) in devices.iter().enumerate() {
            if !done[i] {
                let states = device.queue().await.expect("perisai queue");
                done[i] = all_acknowledged(&states);
            }
        }
        eprintln!(
            "{} round {round} done after {:?}: {}/{} devices all acknowledged; {}",
            backend.name(),
            started.elapsed(),
            done.iter().filter(|d| **d).count(),
            devices.len(),
            proxy.stats()
        );
    }
    assert!(
        unexpected.is_empty(),
        "syncs refused for reasons other than the network (seed {seed}):\n{}",
        unexpected.join("\n")
    );

    // Every device shows all of its records acknowledged...
    let mut on_devices = BTreeSet::new();
    for (i, device) in devices.iter().enumerate() {
        let states = device.queue().await.expect("perisai queue");
        assert!(
            all_acknowledged(&states),
            "device {i} after {MAX_ROUNDS} rounds (seed {seed}): {states:?}"
        );
        let accepted = device.list(Some("accepted")).await.expect("perisai list");
        assert_eq!(accepted.len(), PER_DEVICE as usize);
        on_devices.extend(
            accepted
                .iter()
                .map(|r| r["id"].as_str().unwrap_or_default().to_string()),
        );
    }
    assert_eq!(on_devices.len(), (DEVICES * PER_DEVICE) as usize);

    // ...and the server holds exactly those 2,000 enrollments, each once.
    let rows = deployment.export("KC01").await.expect("admin export");
    let ids: BTreeSet<String> = rows.iter().map(|r| r["id"].clone()).collect();
    let niks: BTreeSet<&str> = rows.iter().map(|r| r["nik"].as_str()).collect();
    let mut per_device: BTreeMap<&str, usize> = BTreeMap::new();
    for row in &rows {
        *per_device.entry(row["device_id"].as_str()).or_default() += 1;
    }
    assert_eq!(rows.len(), 2000, "seed {seed}");
    assert_eq!(ids.len(), 2000);
    assert_eq!(niks.len(), 2000);
    assert_eq!(ids, on_devices);
    assert_eq!(per_device.len(), DEVICES as usize);
    assert!(per_device.values().all(|n| *n == PER_DEVICE as usize));

    // The network really was hostile.
    let stats = proxy.stats();
    perisai_e2e::report(&format!(
        "exactly once on {} (seed {seed}, {:?}): 2,000 stored once; the network: {stats}",
        backend.name(),
        started.elapsed()
    ));
    assert!(stats.cuts_mid_request > 0, "{stats}");
    assert!(stats.cuts_mid_response > 0, "{stats}");
    assert!(stats.duplicates_sent > 0, "{stats}");
    assert!(stats.delays > 0, "{stats}");
}

perisai_e2e::on_both_backends!(within 900;
    twenty_devices_store_two_thousand_enrollments_exactly_once,
);
