//! Nothing lost on a crash: a child process submits enrollments in a loop and reports each submit
//! that returned; the parent kills it with SIGKILL at random moments, many times over the same
//! store, then proves that every reported submit is present with its receipt number, that the
//! receipt numbers have no gap, and that SQLite's `integrity_check` passes.
//!
//! The child is this same test binary re-run with `PERISAI_CRASH_CHILD` set (see
//! `crash_child_process`), so the real core and the real SQLite file are exercised.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "PERISAI_CRASH_CHILD";

/// Entry point of the child process; a no-op in a normal test run.
#[test]
fn crash_child_process() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let start: u32 = std::env::var("PERISAI_CRASH_START")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let app = common::open_app(Path::new(&dir), true);
    let stdout = std::io::stdout();
    for n in start.. {
        let submitted = app
            .submit(&common::worker_json(n), true)
            .expect("submit in child");
        let mut out = stdout.lock();
        writeln!(out, "ok {} {}", submitted.id, submitted.receipt_no).expect("report");
        out.flush().expect("flush");
    }
}

/// A small deterministic generator (xorshift) so the kill moments vary but a failure replays.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn every_returned_submit_survives_sigkill() {
    let rounds: u64 = std::env::var("PERISAI_CRASH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(40);
    let seed = std::env::var("PERISAI_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x9E37_79B9_7F4A_7C15u64);
    let mut rng = Rng(seed);
    let tmp = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    // id → receipt number, for every submit the child reported as returned.
    let mut confirmed: BTreeMap<String, u64> = BTreeMap::new();
    let mut next_worker = 0u32;

    for round in 0..rounds {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "crash_child_process",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, tmp.path())
            .env("PERISAI_CRASH_START", next_worker.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Kill anywhere from during start-up (open, migrations) to well into the submit loop.
        let wait = Duration::from_millis(rng.next() % 250);
        let started = Instant::now();
        while started.elapsed() < wait {
            std::thread::sleep(Duration::from_millis(1));
        }
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        reader.join().unwrap();
        let mut this_round = 0;
        for line in rx.try_iter() {
            let parts: Vec<&str> = line.split_whitespace().collect();
            if let ["ok", id, receipt] = parts[..] {
                confirmed.insert(id.to_string(), receipt.parse().unwrap());
                this_round += 1;
            }
        }
        next_worker += this_round + 1_000; // never reuse a worker (and its NIK) across rounds
        let _ = round;
    }
    assert!(
        confirmed.len() >= rounds as usize,
        "the child should have completed submits in most rounds (got {})",
        confirmed.len()
    );

    let app = common::open_app(tmp.path(), true);
    let stored: BTreeMap<String, Option<u64>> = app
        .list(None)
        .unwrap()
        .into_iter()
        .map(|r| (r.id, r.receipt_no))
        .collect();
    for (id, receipt) in &confirmed {
        assert_eq!(
            stored.get(id),
            Some(&Some(*receipt)),
            "a submit that returned was lost or renumbered"
        );
    }
    let mut numbers: Vec<u64> = stored.values().filter_map(|r| *r).collect();
    numbers.sort_unstable();
    let expected: Vec<u64> = (1..=numbers.len() as u64).collect();
    assert_eq!(
        numbers, expected,
        "receipt numbers must be 1..=n without gaps"
    );
    drop(app);

    let db = rusqlite::Connection::open(tmp.path().join("data").join("perisai.db")).unwrap();
    let check: String = db
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap();
    assert_eq!(check, "ok");
}
