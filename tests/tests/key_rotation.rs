//! Rotation of the server signing key (docs/SECURITY.md "Key rotation"), end to end: the real
//! server binary and its `admin rotate-signing-key` steps, and real `perisai` devices.
//!
//! Three devices are activated under the first key. Device A syncs at every step: after
//! `--prepare` it learns the next key (`perisai status` shows it), after `--switch` it re-pins to
//! it. Device B syncs before the rotation and after the switch only: it never saw the
//! announcement and follows the rotation the answers carry. Device C stays offline with queued
//! records from activation until after `--retire` and a server restart on the rotated key
//! folder: it follows too, and all its records are stored. In the end every record is stored
//! exactly once and `accepted` on its device, the old key is gone from the key folder, and a
//! new device activates with the new fingerprint.

use std::collections::BTreeSet;
use std::time::Duration;

use perisai_e2e::cli_device::CliDevice;
use perisai_e2e::server::{Backend, Deployment};
use perisai_sim::people::form;
use serde_json::Value;

const BRANCH: &str = "KC11";
/// Syncs (one a second) a device may need before a rotation step shows: every server instance
/// picks the step up within 5 s (`keys::rotation::REFRESH_EVERY`).
const MOST_SYNCS_FOR_A_STEP: u32 = 30;

struct Field {
    device: CliDevice,
    /// Its number for the enrollments generator.
    number: u32,
    enrolled: Vec<String>,
}

impl Field {
    async fn enroll(&mut self, count: u32) {
        for _ in 0..count {
            let n = self.enrolled.len() as u32;
            let record = self
                .device
                .enroll(&form(self.number, n))
                .await
                .expect("perisai enroll");
            self.enrolled
                .push(record["id"].as_str().expect("an id").to_string());
        }
    }

    /// One sync that must go through; returns the device's status after it.
    async fn sync(&self, url: &str) -> Value {
        let run = self.device.sync(url).await.expect("perisai sync runs");
        assert_eq!(
            run.exit_code,
            Some(0),
            "device {} sync failed: {} {}",
            self.number,
            run.json,
            run.stderr
        );
        self.device.status().await.expect("perisai status")
    }

    /// Syncs until `done` holds for the status (the servers take up a step within seconds).
    async fn sync_until(&self, url: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let mut status = Value::Null;
        for _ in 0..MOST_SYNCS_FOR_A_STEP {
            status = self.sync(url).await;
            if done(&status) {
                return status;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        panic!("device {}: {what} never happened: {status}", self.number);
    }

    /// Every record it enrolled is `accepted`, and nothing is in any other state.
    async fn all_accepted(&self) {
        let states = self.device.queue().await.expect("perisai queue");
        for (state, count) in &states {
            let want = if state == "accepted" {
                self.enrolled.len() as u64
            } else {
                0
            };
            assert_eq!(*count, want, "device {}, {state}: {states:?}", self.number);
        }
    }
}

fn pinned(status: &Value) -> &str {
    status["server_key_fingerprint"].as_str().unwrap_or("")
}

fn next(status: &Value) -> Option<&str> {
    status["server_key_next_fingerprint"].as_str()
}

async fn a_rotation_is_followed_by_every_device_and_loses_nothing(backend: Backend) {
    let started = std::time::Instant::now();
    let deployment = Deployment::new(backend).await.expect("a fresh deployment");
    let key_dir = deployment.scratch_dir().join("keys");
    let mut fields = Vec::new();
    for number in 60..63 {
        let dir = deployment.scratch_dir().join(format!("device-{number}"));
        let device = tokio::task::spawn_blocking(move || CliDevice::new(dir))
            .await
            .expect("building perisai")
            .expect("a device");
        fields.push(Field {
            device,
            number,
            enrolled: Vec::new(),
        });
    }
    let server = deployment
        .start_server(&[])
        .await
        .expect("the server starts");
    let url = server.url();
    let first_key = server.fingerprint().to_string();
    for field in &fields {
        let agent = deployment.new_agent(BRANCH).await.expect("an agent");
        let code = deployment
            .issue_code(&agent.agent_id)
            .await
            .expect("a code");
        field
            .device
            .activate(&url, &code, Some(&first_key))
            .await
            .expect("perisai activate runs")
            .success()
            .expect("activated");
    }
    let [a, b, c] = &mut fields[..] else {
        unreachable!("three devices")
    };

    // Before the rotation: A and B sync; C enrolls offline.
    for field in [&mut *a, &mut *b, &mut *c] {
        field.enroll(3).await;
    }
    for field in [&*a, &*b] {
        let status = field.sync(&url).await;
        assert_eq!((pinned(&status), next(&status)), (first_key.as_str(), None));
    }

    // 1. Prepare: A learns the next key from a verified announcement, and still pins the first.
    let next_key = deployment
        .admin(&["rotate-signing-key", "--prepare"])
        .await
        .expect("admin rotate-signing-key --prepare");
    assert_eq!(next_key.len(), 64, "a fingerprint: {next_key}");
    assert_ne!(next_key, first_key);
    assert!(key_dir.join("server-signing.next.key").is_file());
    let listed = deployment
        .admin_output(&["rotate-signing-key", "--status"])
        .await
        .expect("admin rotate-signing-key --status");
    assert!(listed.contains(&format!("{first_key} current")), "{listed}");
    assert!(listed.contains(&format!("{next_key} next")), "{listed}");
    a.enroll(2).await;
    c.enroll(2).await;
    let status = a
        .sync_until(&url, "learning the next key", |s| {
            next(s) == Some(next_key.as_str())
        })
        .await;
    assert_eq!(pinned(&status), first_key);

    // 2. Switch: A re-pins to the key it learned; B, which never saw the announcement, follows
    //    the rotation the answers carry.
    let switched = deployment
        .admin(&["rotate-signing-key", "--switch"])
        .await
        .expect("admin rotate-signing-key --switch");
    assert_eq!(switched, next_key);
    a.enroll(2).await;
    b.enroll(2).await;
    let status = a
        .sync_until(&url, "re-pinning to the next key", |s| {
            pinned(s) == next_key
        })
        .await;
    assert_eq!(next(&status), None);
    let status = b
        .sync_until(&url, "following the rotation", |s| pinned(s) == next_key)
        .await;
    assert_eq!(next(&status), None);

    // 3. Retire: the first key leaves the key folder; a server started afresh on that folder
    //    signs with the new key.
    let retired = deployment
        .admin(&["rotate-signing-key", "--retire"])
        .await
        .expect("admin rotate-signing-key --retire");
    assert_eq!(retired, first_key);
    assert!(!key_dir.join("server-signing.previous.key").exists());
    assert!(!key_dir.join("server-signing.next.key").exists());
    server.kill().await.expect("the server stops");
    let server = deployment
        .start_server(&[])
        .await
        .expect("the server starts on the rotated key folder");
    assert_eq!(server.fingerprint(), next_key);
    let url = server.url();

    // C comes back online after all of it, pinned to the retired key: it follows.
    c.enroll(1).await;
    let status = c.sync(&url).await;
    assert_eq!((pinned(&status), next(&status)), (next_key.as_str(), None));
    assert_eq!(status["unacked_batches"], 0);
    for field in [&mut *a, &mut *b] {
        field.enroll(1).await;
        assert_eq!(pinned(&field.sync(&url).await), next_key);
    }

    // A device activated now pins the new key from the QR fingerprint.
    let dir = deployment.scratch_dir().join("device-63");
    let newcomer = tokio::task::spawn_blocking(move || CliDevice::new(dir))
        .await
        .expect("building perisai")
        .expect("a device");
    let agent = deployment.new_agent(BRANCH).await.expect("an agent");
    let code = deployment
        .issue_code(&agent.agent_id)
        .await
        .expect("a code");
    newcomer
        .activate(&url, &code, Some(&next_key))
        .await
        .expect("perisai activate runs")
        .success()
        .expect("activated under the new key");
    let mut newcomer = Field {
        device: newcomer,
        number: 63,
        enrolled: Vec::new(),
    };
    newcomer.enroll(2).await;
    assert_eq!(pinned(&newcomer.sync(&url).await), next_key);

    // Nothing lost, nothing twice.
    fields.push(newcomer);
    let rows = deployment.export(BRANCH).await.expect("export");
    let exported: Vec<&str> = rows.iter().map(|r| r["id"].as_str()).collect();
    let unique: BTreeSet<&str> = exported.iter().copied().collect();
    assert_eq!(unique.len(), exported.len(), "no record stored twice");
    let expected: BTreeSet<&str> = fields
        .iter()
        .flat_map(|f| f.enrolled.iter().map(String::as_str))
        .collect();
    assert_eq!(unique, expected, "every record stored, once");
    for field in &fields {
        field.all_accepted().await;
    }
    // The acknowledgements stored before the switch still verify, under the key that signed
    // them (the key book keeps its public half after retirement).
    let check = deployment.check().await.expect("a consistent database");
    assert!(
        check["acks_under_earlier_keys"].as_u64().unwrap_or(0) > 0,
        "{check}"
    );
    perisai_e2e::report(&format!(
        "key rotation on {}: {} records stored once across prepare, switch, retire and a \
         restart; 4 devices on the new key; admin check: {} acknowledgements under the \
         earlier key verified, in {:?}",
        backend.name(),
        rows.len(),
        check["acks_under_earlier_keys"],
        started.elapsed()
    ));
}

perisai_e2e::on_both_backends!(within 240;
    a_rotation_is_followed_by_every_device_and_loses_nothing,
);
