//! Crashes (issue 6, item 3): processes killed with SIGKILL at random moments lose nothing.
//!
//! - **The server killed 50 times during ingest.** Four devices (the real `perisai` shell)
//!   enroll and sync in a loop while the server process is killed with SIGKILL and started
//!   again on the same port, database and keys, 50 times in a row (15 in the short version CI
//!   runs; `PERISAI_E2E_FULL=1` for 50). Each server process first stores one batch (so the
//!   devices progress however slow a restart is), then dies at a random moment of the ingest
//!   that follows. The
//!   devices' sync clients retry as they would in the field. Afterwards: every record a device
//!   enrolled is stored exactly once and `accepted` on its device; no server ever answered
//!   `seq.gap` (which is what a device hears when the server lost a batch it had acknowledged);
//!   and `admin check` finds the database consistent (SQLite integrity, every device's hash
//!   chain, every acknowledgement, every record in its batch).
//! - **A device killed mid-sync.** One device with a queue of records syncs over a slow link
//!   and is killed with SIGKILL after a random time, 25 times (10 in the short version), enrolling more between the
//!   kills; every time its store still opens and counts every record. In the end every record
//!   is stored exactly once and `accepted` on the device, the server's database is consistent.
//!
//! Kill timings come from a seeded generator (the seed is printed; `PERISAI_E2E_SEED` replays).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use perisai_e2e::fleet::{activated_device, enroll, gap_answers, sync_home, Fleet};
use perisai_e2e::proxy::{FaultPlan, FaultProxy, LinkPlan};
use perisai_e2e::server::{Backend, Deployment};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const BRANCH: &str = "KC01";
/// Devices writing while the server is killed.
const WRITERS: u32 = 4;
/// Syncs a device may need to bring everything home after the faults.
const MAX_SYNCS: usize = 10;

async fn the_server_killed_fifty_times_during_ingest_loses_nothing(backend: Backend) {
    let kills = perisai_e2e::sized(15, 50);
    let seed = perisai_e2e::seed(3);
    let mut dice = ChaCha8Rng::seed_from_u64(seed);
    let started = Instant::now();
    let deployment = Deployment::new(backend).await.expect("a fresh deployment");
    let mut server = deployment
        .start_server(&[])
        .await
        .expect("the server starts");
    let listen = server.addr().to_string();
    let url = server.url();
    let fingerprint = server.fingerprint().to_string();
    let mut devices = Vec::new();
    for n in 0..WRITERS {
        let name = format!("writer-{n}");
        devices.push(activated_device(&deployment, BRANCH, &url, &fingerprint, &name).await);
    }

    // The devices enroll four records and sync, again and again, while the server is killed
    // at random moments and started again at once.
    let fleet = Fleet::start(&devices, &url, 40, 4);
    let mut kills_mid_sync = 0;
    for kill in 1..=kills {
        // Each server process first stores a batch (so the devices make progress however slow
        // a restart is), then dies at a random moment of the ingest that goes on.
        let mut waited = 0;
        while !server.log().contains("outcome=\"stored\"") {
            assert!(
                waited < 1200,
                "no batch stored within a minute of a restart"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
            waited += 1;
        }
        tokio::time::sleep(Duration::from_millis(dice.gen_range(0..700))).await;
        if fleet.syncing() {
            kills_mid_sync += 1;
        }
        server.kill().await.expect("kill -9");
        server = deployment
            .restart_server_on(&listen)
            .await
            .expect("the server starts again");
        if kill % 10 == 0 {
            eprintln!(
                "{}: {kill} kills after {:?}",
                backend.name(),
                started.elapsed()
            );
        }
    }
    let failed_syncs = fleet.failed_syncs();
    let enrolled = fleet.stop().await;

    // Every device brings its queue home; each record is on the server exactly once.
    let mut on_devices = BTreeSet::new();
    for (i, device) in devices.iter().enumerate() {
        let (_, accepted) = sync_home(device, &url, MAX_SYNCS).await;
        assert_eq!(accepted, enrolled[i], "device {i}: accepted ≠ enrolled");
        on_devices.extend(accepted);
    }
    let rows = deployment.export(BRANCH).await.expect("admin export");
    let ids: BTreeSet<String> = rows.iter().map(|r| r["id"].clone()).collect();
    assert_eq!(rows.len(), ids.len(), "a record stored twice");
    assert_eq!(ids, on_devices);
    let report = deployment.check().await.expect("a consistent database");
    let gaps = gap_answers(&deployment);
    assert_eq!(
        gaps, 0,
        "the server lost acknowledged batches: {gaps} seq.gap answers"
    );
    drop(server);

    perisai_e2e::report(&format!(
        "server crashes on {} (seed {seed}, {:?}): {kills} kills ({kills_mid_sync} with a sync in \
         flight), {failed_syncs} syncs gave up, {} records stored exactly once, 0 seq.gap; \
         admin check: {report}",
        backend.name(),
        started.elapsed(),
        rows.len(),
    ));
    assert!(
        kills_mid_sync >= kills / 2,
        "only {kills_mid_sync} kills hit a sync"
    );
}

async fn a_device_killed_mid_sync_loses_nothing(backend: Backend) {
    let seed = perisai_e2e::seed(5);
    let mut dice = ChaCha8Rng::seed_from_u64(seed);
    let started = Instant::now();
    let deployment = Deployment::new(backend).await.expect("a fresh deployment");
    let server = deployment
        .start_server(&[])
        .await
        .expect("the server starts");
    // A slow link, so that a sync takes long enough to be killed in every phase of it.
    let link = LinkPlan {
        bits_per_second: 64_000,
        round_trip: Duration::from_millis(400),
        mean_cut_interval: None,
        outage: Duration::ZERO,
    };
    let proxy = FaultProxy::start(server.addr(), FaultPlan::clean(seed).with_link(link))
        .await
        .expect("the proxy starts");
    let url = proxy.url();
    let device = activated_device(
        &deployment,
        BRANCH,
        &url,
        server.fingerprint(),
        "killed-device",
    )
    .await;

    let mut enrolled = BTreeSet::new();
    let mut n = 0;
    let (mut killed, mut finished) = (0, 0);
    let device_kills = perisai_e2e::sized(10, 25);
    for _ in 0..device_kills {
        for _ in 0..12 {
            enrolled.insert(enroll(&device, 60, n).await);
            n += 1;
        }
        let after = Duration::from_millis(dice.gen_range(30..2500));
        match device
            .sync_killed_after(&url, after)
            .await
            .expect("perisai sync starts")
        {
            None => killed += 1,
            Some(run) => {
                assert!(
                    run.exit_code == Some(0) || run.error_code() == Some("sync.network"),
                    "{run:?}"
                );
                finished += 1;
            }
        }
        // The store opens after the kill and still counts every record enrolled.
        let states = device.queue().await.expect("the store opens after a kill");
        assert_eq!(
            states.values().sum::<u64>(),
            enrolled.len() as u64,
            "records lost or invented: {states:?}"
        );
    }
    // Batches were acknowledged between the kills too (kills fell in every phase of a sync).
    let before_the_end = device.queue().await.expect("perisai queue");
    let accepted_meanwhile = before_the_end.get("accepted").copied().unwrap_or(0);
    let (_, accepted) = sync_home(&device, &url, MAX_SYNCS).await;
    assert_eq!(accepted, enrolled);
    let rows = deployment.export(BRANCH).await.expect("admin export");
    let ids: BTreeSet<String> = rows.iter().map(|r| r["id"].clone()).collect();
    assert_eq!(rows.len(), ids.len(), "a record stored twice");
    assert_eq!(ids, enrolled);
    deployment.check().await.expect("a consistent database");
    perisai_e2e::report(&format!(
        "device crashes on {} (seed {seed}, {:?}): {killed} syncs killed, {finished} ended first, \
         {accepted_meanwhile} records acknowledged between kills; {} records stored exactly once",
        backend.name(),
        started.elapsed(),
        rows.len()
    ));
    assert!(
        killed >= device_kills / 2,
        "only {killed} syncs were killed"
    );
}

perisai_e2e::on_both_backends!(within 900;
    the_server_killed_fifty_times_during_ingest_loses_nothing,
    a_device_killed_mid_sync_loses_nothing,
);
