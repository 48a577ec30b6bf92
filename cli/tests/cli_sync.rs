//! `perisai activate` and `perisai sync` (ARCHITECTURE.md §7) against the REAL `perisai-server` binary
//! on a throw-away SQLite database: activation with the server key's fingerprint, enrollments
//! sent and acknowledged, nothing sent twice, a record the server refuses not blocking the
//! others, a revoked device wiped and refused, and a supervisor's decision coming down.
//!
//! The server binary must be built (`cargo build -p perisai-server`; `cargo test --workspace`
//! builds it with the server's own tests).

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use common::{worker, Run, Sandbox};
use serde_json::Value;

/// `target/debug/perisai-server`, beside this crate's `perisai`.
fn server_binary() -> PathBuf {
    let perisai = PathBuf::from(env!("CARGO_BIN_EXE_perisai"));
    let path = perisai.with_file_name(format!("perisai-server{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "{} is missing: build it first with `cargo build -p perisai-server`",
        path.display()
    );
    path
}

/// A running `perisai-server serve` on 127.0.0.1 with its own database; killed when dropped.
struct Server {
    child: Child,
    tmp: tempfile::TempDir,
    url: String,
    fingerprint: String,
}

impl Server {
    fn start() -> Server {
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut child = Command::new(server_binary())
            .args(["--database-url", &Self::db_url(&tmp)])
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start perisai-server");
        let stdout = child.stdout.take().expect("server stdout");
        let mut lines = BufReader::new(stdout).lines();
        let (mut url, mut fingerprint) = (None, None);
        while url.is_none() {
            let line = lines
                .next()
                .expect("the server stopped before listening")
                .expect("server stdout");
            if let Some(fp) = line.strip_prefix("server key fingerprint ") {
                fingerprint = Some(fp.trim().to_string());
            }
            if let Some(u) = line.strip_prefix("listening on ") {
                url = Some(u.trim().to_string());
            }
        }
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server {
            child,
            tmp,
            url: url.unwrap_or_default(),
            fingerprint: fingerprint.expect("the server prints its key fingerprint"),
        }
    }

    fn db_url(tmp: &tempfile::TempDir) -> String {
        format!("sqlite:{}", tmp.path().join("s.db").display())
    }

    /// Runs `perisai-server admin ARGS` on this server's database; returns the last stdout line.
    fn admin(&self, args: &[&str]) -> String {
        let out = Command::new(server_binary())
            .args(["--database-url", &Self::db_url(&self.tmp), "admin"])
            .args(args)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .output()
            .expect("run perisai-server admin");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "admin {args:?} failed: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
            .lines()
            .last()
            .map(|l| l.trim().to_string())
            .unwrap_or_default()
    }

    /// A branch, a Wadah and an agent; returns a fresh activation code for the agent.
    fn agent_code(&self) -> String {
        let branch = self.admin(&["create-branch", "--code", "KC-BGR", "--name", "Bogor"]);
        let wadah = self.admin(&["create-wadah", "--branch", &branch, "--name", "Wadah Pasar"]);
        let agent = self.admin(&["create-agent", "--wadah", &wadah, "--name", "Agen Satu"]);
        self.admin(&["issue-code", "--agent", &agent])
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn ok(run: Run) -> Value {
    assert_eq!(
        run.code, 0,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    run.json()
}

fn activate(sb: &Sandbox, server: &Server) -> Value {
    let code = server.agent_code();
    ok(sb.run(&[
        "activate",
        "--server",
        &server.url,
        "--code",
        &code,
        "--fingerprint",
        &server.fingerprint,
    ]))
}

fn enroll(sb: &Sandbox, n: u32) -> String {
    let file = sb.file(&format!("w{n}.json"), worker(n));
    let doc = ok(sb.run(&["enroll", &file]));
    doc["id"].as_str().expect("id").to_string()
}

fn states(sb: &Sandbox) -> Vec<(String, String)> {
    ok(sb.run(&["list"]))
        .as_array()
        .expect("list")
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap_or("").to_string(),
                r["state"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn report_counts(doc: &Value) -> [u64; 5] {
    ["sent", "accepted", "duplicates", "rejected", "batches"]
        .map(|k| doc[k].as_u64().unwrap_or_else(|| panic!("{k} in {doc}")))
}

#[test]
fn activate_then_thirty_enrollments_are_all_accepted_and_nothing_goes_twice() {
    let server = Server::start();
    let sb = Sandbox::new();
    let device = activate(&sb, &server);
    let mut keys: Vec<&str> = device
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(keys, ["agent_id", "branch", "device_id"]);
    assert_eq!(device["branch"], "KC-BGR");

    let ids: Vec<String> = (1..=30).map(|n| enroll(&sb, n)).collect();
    // A record withdrawn before it was sent travels as a tombstone, counted nowhere.
    let withdrawn = enroll(&sb, 31);
    ok(sb.run(&["withdraw", &withdrawn]));

    let report = ok(sb.run(&["sync"]));
    let mut keys: Vec<&str> = report
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "accepted",
            "batches",
            "bytes_down",
            "bytes_up",
            "duplicates",
            "rejected",
            "sent"
        ]
    );
    let [sent, accepted, duplicates, rejected, batches] = report_counts(&report);
    assert_eq!((sent, accepted, duplicates, rejected), (30, 30, 0, 0));
    assert_eq!(
        batches, 3,
        "10 records, then 20 (doubled), then the tombstone of receipt 31"
    );
    assert!(report["bytes_up"].as_u64().unwrap() > 0);
    assert!(report["bytes_down"].as_u64().unwrap() > 0);
    let now = states(&sb);
    for id in &ids {
        assert!(now.contains(&(id.clone(), "accepted".into())), "{id}");
    }
    assert!(now.contains(&(withdrawn, "withdrawn".into())));
    let queue = ok(sb.run(&["queue"]));
    assert_eq!(
        (queue["accepted"].as_u64(), queue["sent"].as_u64()),
        (Some(30), Some(0))
    );

    // A second sync has nothing to send.
    let again = ok(sb.run(&["sync"]));
    assert_eq!(report_counts(&again), [0, 0, 0, 0, 0]);
}

/// Inserts, straight into the device's queue, a record the server's rules refuse (an income
/// below the minimum), as if the rules had changed since the agent captured it.
fn queue_a_record_the_server_refuses(sb: &Sandbox) -> String {
    use perisai_core::queue::{ConsentRecord, Origin, RecordContent};
    use perisai_core::record::Enrollment;
    use perisai_core::seal::FileKeyVault;
    use perisai_core::store::Store;
    let vault = FileKeyVault::open_or_create(&sb.data.join("device.key")).unwrap();
    let mut store = Store::open(&sb.data.join("perisai.db"), &vault, true).unwrap();
    let valid: Value = serde_json::from_str(&worker(500)).unwrap();
    let (_, enrollment) = perisai_core::rules::validate(
        &valid,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        &perisai_core::tariff::RuleBook::builtin(),
        &perisai_core::rules::NoLookups,
    );
    let mut enrollment: Enrollment = enrollment.expect("worker 500 is valid");
    enrollment.monthly_income = 1;
    let at = "2026-11-20T09:00:00+07:00".to_string();
    let content = RecordContent {
        form_version: 1,
        rule_set: "bpu-2026".into(),
        created_at: at.clone(),
        consent: ConsentRecord {
            text_version: "persetujuan-v1".into(),
            given_at: at,
        },
        warnings_confirmed: Vec::new(),
        quote_total: 0,
        enrollment,
    };
    store.insert_submitted(&content, Origin::New).unwrap().id
}

#[test]
fn a_record_the_server_rejects_does_not_block_the_others() {
    let server = Server::start();
    let sb = Sandbox::new();
    activate(&sb, &server);
    let mut ids: Vec<String> = (1..=2).map(|n| enroll(&sb, n)).collect();
    let refused = queue_a_record_the_server_refuses(&sb);
    ids.extend((3..=4).map(|n| enroll(&sb, n)));

    let run = sb.run(&["sync"]);
    assert!(
        run.stderr.contains(&format!("record {refused} rejected")),
        "{}",
        run.stderr
    );
    let report = ok(run);
    assert_eq!(report_counts(&report)[..4], [5, 4, 0, 1]);
    let now = states(&sb);
    assert!(now.contains(&(refused.clone(), "rejected".into())));
    for id in &ids {
        assert!(now.contains(&(id.clone(), "accepted".into())), "{id}");
    }
    let receipt = ok(sb.run(&["receipt", &refused]));
    let codes = receipt["outcome_codes"].as_array().unwrap();
    assert!(
        codes
            .iter()
            .any(|c| c.as_str().unwrap_or("").starts_with("income")),
        "{receipt}"
    );

    // The agent corrects it; the correction goes through, and supersedes it.
    let file = sb.file("fixed.json", worker(500));
    let fixed = ok(sb.run(&["correct", &refused, &file]));
    let report = ok(sb.run(&["sync"]));
    assert_eq!(report_counts(&report)[..4], [1, 1, 0, 0]);
    let now = states(&sb);
    assert!(now.contains(&(refused, "superseded".into())));
    assert!(now.contains(&(fixed["id"].as_str().unwrap().to_string(), "accepted".into())));
}

#[test]
fn a_revoked_device_is_wiped_and_sync_exits_1_with_device_revoked() {
    let server = Server::start();
    let sb = Sandbox::new();
    let device = activate(&sb, &server);
    enroll(&sb, 1);
    ok(sb.run(&["sync"]));
    server.admin(&[
        "revoke-device",
        "--device",
        device["device_id"].as_str().unwrap(),
    ]);
    enroll(&sb, 2);

    let run = sb.run(&["sync"]);
    common::assert_error(&run, 1, "device.revoked");
    assert!(states(&sb).is_empty(), "the device's records are erased");
    assert!(
        !sb.data.join("device-signing.key").exists(),
        "the signing key is erased"
    );
    let run = sb.run(&["sync"]);
    common::assert_error(&run, 1, "device.not_activated");
}

#[test]
fn a_supervisors_decision_shows_in_the_list_after_sync() {
    let server = Server::start();
    let sb = Sandbox::new();
    activate(&sb, &server);
    let ids: Vec<String> = (1..=3).map(|n| enroll(&sb, n)).collect();
    ok(sb.run(&["sync"]));
    server.admin(&["decide", "--record", &ids[0], "--decision", "approved"]);
    server.admin(&[
        "decide",
        "--record",
        &ids[1],
        "--decision",
        "has_issues",
        "--reason",
        "Alamat kurang lengkap",
    ]);
    server.admin(&[
        "decide",
        "--record",
        &ids[2],
        "--decision",
        "rejected",
        "--reason",
        "Foto KTP buram",
    ]);
    let report = ok(sb.run(&["sync"]));
    assert_eq!(report_counts(&report), [0, 0, 0, 0, 0]);
    let now = states(&sb);
    assert!(
        now.contains(&(ids[0].clone(), "approved".into())),
        "{now:?}"
    );
    assert!(now.contains(&(ids[1].clone(), "has_issues".into())));
    assert!(now.contains(&(ids[2].clone(), "rejected_by_review".into())));
    let receipt = ok(sb.run(&["receipt", &ids[1]]));
    assert_eq!(receipt["review_note"], "Alamat kurang lengkap");
}

#[test]
fn activation_checks_the_fingerprint_the_code_and_the_address() {
    let server = Server::start();
    let sb = Sandbox::new();
    let code = server.agent_code();
    let run = sb.run(&[
        "activate",
        "--server",
        &server.url,
        "--code",
        &code,
        "--fingerprint",
        "0123456789abcdef0123",
    ]);
    common::assert_error(&run, 1, "sync.server_key");
    let run = sb.run(&[
        "activate",
        "--server",
        "http://10.20.30.40:8080",
        "--code",
        &code,
    ]);
    common::assert_error(&run, 1, "sync.url");
    let run = sb.run(&[
        "activate",
        "--server",
        &server.url,
        "--code",
        "ABCD-EFGH-JKMN-P",
    ]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    // The right fingerprint (its short form) works, and a retry of the same activation with
    // the same key gets the same binding.
    let short = &server.fingerprint[..16];
    let args = [
        "activate",
        "--server",
        &server.url,
        "--code",
        &code,
        "--fingerprint",
        short,
    ];
    let first = ok(sb.run(&args));
    let again = ok(sb.run(&args));
    assert_eq!(first, again);
    // Sync before activation, in a fresh folder, is refused and creates nothing.
    let fresh = Sandbox::new();
    common::assert_error(&fresh.run(&["sync"]), 1, "device.not_activated");
    assert!(!fresh.data.exists());
}
