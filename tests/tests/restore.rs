//! Recovery (ARCHITECTURE.md §4): the server is restored from a backup taken mid-run, and the devices
//! bring it back up to date. Devices (the real `perisai` shell) enroll and sync; `admin backup`
//! is taken; more is enrolled and synced; the server is stopped and its database replaced by
//! the backup (SQLite: the file copied back; PostgreSQL: `pg_restore` into a fresh database),
//! then started again on the same key folder. The devices enroll a little more and sync: the
//! server answers `seq.gap` with an `expected_seq` lower than theirs, they resend their kept
//! frozen batches, and in the end the server holds every record exactly once and every device
//! shows all of its records accepted.
//!
//! The restore drill does the same under live devices: they keep enrolling and syncing while
//! the backup is taken, while the server is down and while it is restored.

use std::collections::BTreeSet;
use std::sync::Arc;

use perisai_e2e::cli_device::CliDevice;
use perisai_e2e::fleet::{activated_device, gap_answers, sync_home, Fleet};
use perisai_e2e::server::{Backend, Deployment};
use perisai_sim::people::form;

const BRANCH: &str = "KC09";
const DEVICES: u32 = 3;
/// Records enrolled per device before the backup, after it, and after the restore.
const PHASES: [u32; 3] = [6, 6, 3];

/// Each device enrolls `count` more records (numbered from `from`) and syncs until nothing is
/// left to send (one `perisai sync` should do; a few are allowed); returns the ids it enrolled
/// and how many syncs it took.
async fn enroll_and_sync(
    devices: &[Arc<CliDevice>],
    url: &str,
    from: u32,
    count: u32,
) -> Vec<(Vec<String>, usize)> {
    let mut tasks = Vec::new();
    for (i, device) in devices.iter().enumerate() {
        let (device, url) = (device.clone(), url.to_string());
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for n in from..from + count {
                let record = device
                    .enroll(&form(80 + i as u32, n))
                    .await
                    .expect("perisai enroll");
                ids.push(record["id"].as_str().expect("an id").to_string());
            }
            let mut last = None;
            for attempt in 1..=5 {
                let run = device.sync(&url).await.expect("perisai sync runs");
                let states = device.queue().await.expect("perisai queue");
                let waiting = states.get("queued").copied().unwrap_or(0)
                    + states.get("sent").copied().unwrap_or(0);
                if run.exit_code == Some(0) && waiting == 0 {
                    return (ids, attempt);
                }
                last = Some((run, states));
            }
            panic!("device {i} did not finish syncing: {last:?}");
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.push(task.await.expect("a device task"));
    }
    all
}

async fn a_server_restored_from_backup_is_brought_up_to_date_by_the_devices(backend: Backend) {
    let started = std::time::Instant::now();
    let deployment = Deployment::new(backend).await.expect("a fresh deployment");
    let mut devices = Vec::new();
    for i in 0..DEVICES {
        let dir = deployment.scratch_dir().join(format!("device-{i}"));
        let device = tokio::task::spawn_blocking(move || CliDevice::new(dir))
            .await
            .expect("building perisai")
            .expect("a device");
        devices.push(Arc::new(device));
    }
    let server = deployment
        .start_server(&[])
        .await
        .expect("the server starts");
    let url = server.url();
    for device in &devices {
        let agent = deployment.new_agent(BRANCH).await.expect("an agent");
        let code = deployment
            .issue_code(&agent.agent_id)
            .await
            .expect("a code");
        device
            .activate(&url, &code, Some(server.fingerprint()))
            .await
            .expect("perisai activate runs")
            .success()
            .expect("activated");
    }

    let mut enrolled: Vec<BTreeSet<String>> = vec![BTreeSet::new(); DEVICES as usize];
    let mut most_syncs = 0;
    let mut add = |done: Vec<(Vec<String>, usize)>| {
        for (set, (ids, syncs)) in enrolled.iter_mut().zip(done) {
            set.extend(ids);
            most_syncs = most_syncs.max(syncs);
        }
    };

    // Part of the work is synced, then the backup is taken while the server runs.
    add(enroll_and_sync(&devices, &url, 0, PHASES[0]).await);
    let backup = deployment
        .scratch_dir()
        .join("backup")
        .join("perisai.backup");
    deployment.backup(&backup).await.expect("admin backup");
    let at_backup = DEVICES * PHASES[0];
    assert_eq!(
        deployment.export(BRANCH).await.expect("export").len(),
        at_backup as usize
    );

    // More batches after the backup, acknowledged by the server...
    add(enroll_and_sync(&devices, &url, PHASES[0], PHASES[1]).await);
    let before_loss = DEVICES * (PHASES[0] + PHASES[1]);
    assert_eq!(
        deployment.export(BRANCH).await.expect("export").len(),
        before_loss as usize
    );

    // ...and then lost: the server goes, the database is put back to the backup, and the server
    // starts again on the same key folder.
    server.kill().await.expect("the server stops");
    deployment.restore(&backup).await.expect("the restore");
    let server = deployment
        .start_server(&[])
        .await
        .expect("the restored server starts");
    let url = server.url();
    assert_eq!(
        deployment.export(BRANCH).await.expect("export").len(),
        at_backup as usize,
        "the restored database is the backup"
    );

    // The devices work on and sync: the gap makes them resend their kept frozen batches.
    add(enroll_and_sync(&devices, &url, PHASES[0] + PHASES[1], PHASES[2]).await);

    let total: u32 = PHASES.iter().sum();
    let rows = deployment.export(BRANCH).await.expect("export");
    let exported: Vec<&str> = rows.iter().map(|r| r["id"].as_str()).collect();
    let unique: BTreeSet<&str> = exported.iter().copied().collect();
    assert_eq!(unique.len(), exported.len(), "no record stored twice");
    let expected: BTreeSet<&str> = enrolled.iter().flatten().map(String::as_str).collect();
    assert_eq!(expected.len(), (DEVICES * total) as usize);
    assert_eq!(unique, expected, "every record stored, once");
    for (i, device) in devices.iter().enumerate() {
        let states = device.queue().await.expect("perisai queue");
        for (state, count) in &states {
            let want = if state == "accepted" {
                u64::from(total)
            } else {
                0
            };
            assert_eq!(*count, want, "device {i}, state {state}: {states:?}");
        }
    }
    assert!(
        server.log().contains("seq.gap") || server.log().contains("outcome=\"gap\""),
        "the restored server answered seq.gap"
    );
    perisai_e2e::report(&format!(
        "restore on {}: {} records stored once after a restore from backup (at most {most_syncs} \
         sync(s) per device and phase), in {:?}",
        backend.name(),
        rows.len(),
        started.elapsed()
    ));
}

/// Polls `done` every half second for up to two minutes.
async fn wait_until<F, Fut>(done: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..240 {
        if done().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    panic!("the devices made no progress within two minutes");
}

/// The restore drill (issue 6): yesterday's backup is put back while the devices keep working.
/// Four devices enroll and sync in a loop throughout; the backup is taken online under that
/// load; the server works on (what it acknowledges now is what the restore will lose); then
/// it is stopped, the database is replaced by the backup, and it starts again on the same
/// address and keys, the devices still looping (their syncs give up while it is down, then
/// meet `seq.gap`, or read the downsync's `chain_seq`, and resend their kept batches). In the end every record is stored exactly
/// once, every device shows all of its records accepted, and `admin check` finds the restored
/// and refilled database consistent.
async fn a_restore_under_live_devices_reaches_every_record_exactly_once(backend: Backend) {
    let started = std::time::Instant::now();
    let work = |seconds| tokio::time::sleep(std::time::Duration::from_secs(seconds));
    let deployment = Deployment::new(backend).await.expect("a fresh deployment");
    let server = deployment
        .start_server(&[])
        .await
        .expect("the server starts");
    let (listen, url) = (server.addr().to_string(), server.url());
    let mut devices = Vec::new();
    for n in 0..4 {
        let name = format!("live-{n}");
        devices
            .push(activated_device(&deployment, BRANCH, &url, server.fingerprint(), &name).await);
    }
    let fleet = Fleet::start(&devices, &url, 20, 3);
    let stored = || async { deployment.export(BRANCH).await.expect("export").len() };
    work(3).await;
    let backup = deployment
        .scratch_dir()
        .join("backup")
        .join("yesterday.backup");
    deployment
        .backup(&backup)
        .await
        .expect("admin backup under load");
    // The server works on: what it acknowledges now is what the restore will lose.
    let after_backup = stored().await;
    wait_until(|| async { stored().await >= after_backup + 24 }).await;
    server.kill().await.expect("the server stops");
    let lost = stored().await;
    deployment.restore(&backup).await.expect("the restore");
    let restored = stored().await;
    assert!(
        restored < lost,
        "the restore lost nothing ({restored} of {lost}): the drill proves nothing"
    );
    let server = deployment
        .restart_server_on(&listen)
        .await
        .expect("the restored server starts on the same address");
    // The devices, still looping, bring the server past where it was before the restore.
    wait_until(|| async { stored().await > lost }).await;
    work(2).await;
    let failed_syncs = fleet.failed_syncs();
    let enrolled = fleet.stop().await;

    let mut on_devices = BTreeSet::new();
    for (i, device) in devices.iter().enumerate() {
        let (_, accepted) = sync_home(device, &url, 10).await;
        assert_eq!(accepted, enrolled[i], "device {i}: accepted ≠ enrolled");
        on_devices.extend(accepted);
    }
    let rows = deployment.export(BRANCH).await.expect("export");
    let ids: BTreeSet<String> = rows.iter().map(|r| r["id"].clone()).collect();
    assert_eq!(rows.len(), ids.len(), "a record stored twice");
    assert_eq!(ids, on_devices, "every record stored, once");
    deployment.check().await.expect("a consistent database");
    // The lost records came back either way a device learns of the restore: a `seq.gap` answer
    // to its next batch, or the downsync's `chain_seq` when it had nothing new to send; which
    // one depends on timing, so neither is required (the records coming back is).
    let gaps = gap_answers(&deployment);
    assert!(
        restored < lost,
        "the restore lost nothing: the drill proved nothing"
    );
    drop(server);
    perisai_e2e::report(&format!(
        "restore drill on {}: the backup held {restored} records, the server {lost} when it \
         stopped; {failed_syncs} syncs gave up meanwhile, {gaps} seq.gap answers; in the end \
         {} records stored exactly once, database consistent ({:?})",
        backend.name(),
        rows.len(),
        started.elapsed()
    ));
}

perisai_e2e::on_both_backends!(within 300;
    a_server_restored_from_backup_is_brought_up_to_date_by_the_devices,
    a_restore_under_live_devices_reaches_every_record_exactly_once,
);
