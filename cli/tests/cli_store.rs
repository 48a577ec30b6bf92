//! The commands on the local store (ARCHITECTURE.md §7): `enroll`, `list`, `receipt`, `withdraw`,
//! `correct`, `queue`, with the JSON shape of each, the data folder and its key file, and the
//! refusals (needs confirmation, invalid, not allowed) that queue nothing.

mod common;

use common::{assert_error, assert_message, issues, perisai, worker, Sandbox, SITI};
use serde_json::{json, Value};

const STATES: [&str; 12] = [
    "draft",
    "queued",
    "sent",
    "accepted",
    "flagged",
    "rejected",
    "approved",
    "has_issues",
    "rejected_by_review",
    "superseded",
    "withdrawn",
    "purged",
];

fn enroll_ok(sb: &Sandbox, json: &str) -> Value {
    let file = sb.file("enroll.json", json);
    let run = sb.run(&["enroll", &file]);
    assert_eq!(run.code, 0, "{} {}", run.stdout, run.stderr);
    run.json()
}

fn queue(sb: &Sandbox) -> Value {
    let run = sb.run(&["queue"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    run.json()
}

#[test]
fn enroll_prints_id_receipt_reference_status_and_warnings() {
    let sb = Sandbox::new();
    let doc = enroll_ok(&sb, SITI);
    let keys: Vec<&str> = doc
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["id", "receipt_no", "reference", "status", "warnings"]
    );
    assert_eq!(doc["status"], "queued");
    assert_eq!(doc["receipt_no"], 1);
    assert_eq!(doc["warnings"], json!([]));
    assert_eq!(doc["id"].as_str().map(str::len), Some(36), "a UUID");
    assert!(doc["reference"].as_str().is_some_and(|r| !r.is_empty()));
    // The next one gets the next receipt number.
    assert_eq!(enroll_ok(&sb, &worker(1))["receipt_no"], 2);
}

#[test]
fn the_data_folder_is_private_and_holds_the_key_file() {
    use std::os::unix::fs::PermissionsExt;
    let sb = Sandbox::new();
    enroll_ok(&sb, SITI);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&sb.data), 0o700);
    assert_eq!(mode(&sb.data.join("device.key")), 0o600);
    // The store is sealed: the name and NIK are not in the database file in clear.
    let db = std::fs::read(sb.data.join("perisai.db")).unwrap();
    let contains = |needle: &[u8]| db.windows(needle.len()).any(|w| w == needle);
    assert!(!contains(b"SITI AMINAH"));
    assert!(!contains(b"3201155501900002"));
}

#[test]
fn enroll_with_warnings_needs_the_flag() {
    let sb = Sandbox::new();
    enroll_ok(&sb, SITI);
    let before = sb.snapshot();
    // The same NIK again: a local duplicate warning.
    let file = sb.file("again.json", SITI);
    let run = sb.run(&["enroll", &file]);
    assert_error(&run, 1, "input.needs_confirmation");
    let doc = run.json();
    assert_eq!(doc["status"], "needs_confirmation");
    assert_eq!(issues(&doc["errors"]), vec![]);
    assert_eq!(
        issues(&doc["warnings"]),
        vec![("nik".to_string(), "nik.duplicate_local".to_string())]
    );
    assert_eq!(sb.snapshot(), before, "nothing may be written");
    assert_eq!(queue(&sb)["queued"], 1);

    let run = sb.run(&["enroll", &file, "--accept-warnings"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let doc = run.json();
    assert_eq!(doc["status"], "queued");
    assert_eq!(doc["receipt_no"], 2);
    assert_eq!(
        issues(&doc["warnings"]),
        vec![("nik".to_string(), "nik.duplicate_local".to_string())]
    );
    assert_eq!(queue(&sb)["queued"], 2);
}

#[test]
fn enroll_with_errors_is_invalid_and_queues_nothing() {
    let sb = Sandbox::new();
    enroll_ok(&sb, &worker(1));
    let before = sb.snapshot();
    let file = sb.file("bad.json", SITI.replace("0812 3456 7890", "12345"));
    for flags in [&[][..], &["--accept-warnings"][..]] {
        let mut args = vec!["enroll", file.as_str()];
        args.extend_from_slice(flags);
        let run = sb.run(&args);
        assert_error(&run, 1, "input.invalid");
        let doc = run.json();
        assert_eq!(doc["status"], "invalid");
        assert_eq!(
            issues(&doc["errors"]),
            vec![("phone".to_string(), "phone.format".to_string())]
        );
        assert_eq!(issues(&doc["warnings"]), vec![]);
        assert_eq!(sb.snapshot(), before, "nothing may be written");
    }
}

#[test]
fn enroll_reads_stdin() {
    let sb = Sandbox::new();
    let run = sb.run_with_stdin(&["enroll", "-"], Some(SITI.as_bytes()));
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.json()["status"], "queued");
}

/// The state names of a `queue` document, in the order they are printed.
fn printed_states(stdout: &str) -> Vec<&str> {
    let mut found: Vec<(usize, &str)> = STATES
        .iter()
        .filter_map(|s| stdout.find(&format!("\"{s}\":")).map(|at| (at, *s)))
        .collect();
    found.sort();
    found.into_iter().map(|(_, s)| s).collect()
}

#[test]
fn queue_lists_every_state_in_order_with_zeros() {
    let sb = Sandbox::new();
    let fresh = sb.run(&["queue"]);
    assert_eq!(fresh.json().as_object().unwrap().len(), STATES.len());
    assert_eq!(printed_states(&fresh.stdout), STATES);
    enroll_ok(&sb, SITI);
    enroll_ok(&sb, &worker(7));
    let run = sb.run(&["queue"]);
    let doc = run.json();
    assert_eq!(doc.as_object().unwrap().len(), STATES.len());
    assert_eq!(
        printed_states(&run.stdout),
        STATES,
        "the order of ARCHITECTURE.md §3"
    );
    for state in STATES {
        let expected = if state == "queued" { 2 } else { 0 };
        assert_eq!(doc[state], expected, "{state}");
    }
}

#[test]
fn list_shows_records_in_receipt_order_and_filters_by_state() {
    let sb = Sandbox::new();
    let a = enroll_ok(&sb, SITI);
    let b = enroll_ok(&sb, &worker(2));
    let run = sb.run(&["list"]);
    assert_eq!(run.code, 0);
    let list = run.json();
    let rows = list.as_array().expect("a JSON array");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["id"], a["id"]);
    assert_eq!(rows[1]["id"], b["id"]);
    assert_eq!(rows[0]["state"], "queued");
    assert_eq!(rows[0]["receipt_no"], 1);
    assert_eq!(rows[0]["reference"], a["reference"]);
    assert!(rows[0]["created_at"].is_string());

    let withdrawn = sb.run(&["withdraw", a["id"].as_str().unwrap()]);
    assert_eq!(withdrawn.code, 0);
    let queued = sb.run(&["list", "--state", "queued"]).json();
    assert_eq!(queued.as_array().unwrap().len(), 1);
    assert_eq!(queued[0]["id"], b["id"]);
    let gone = sb.run(&["list", "--state", "withdrawn"]).json();
    assert_eq!(gone[0]["id"], a["id"]);
    assert_eq!(sb.run(&["list", "--state", "approved"]).json(), json!([]));
}

#[test]
fn receipt_shows_number_reference_and_unpaid_status() {
    let sb = Sandbox::new();
    let done = enroll_ok(&sb, SITI);
    let id = done["id"].as_str().unwrap();
    let run = sb.run(&["receipt", id]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let r = run.json();
    assert_eq!(r["id"], done["id"]);
    assert_eq!(r["receipt_no"], 1);
    assert_eq!(r["reference"], done["reference"]);
    assert_eq!(r["state"], "queued");
    // Never "paid" before the agency confirms it.
    assert_eq!(r["paid"], false);
    assert_eq!(r["payment_status"], "BELUM DIBAYAR");
    assert_eq!(r["full_name"], "SITI AMINAH");
    assert_eq!(
        r["nik_masked"].as_str().map(|s| s.starts_with("3201")),
        Some(true)
    );
    assert!(
        !run.stdout.contains("3201155501900002"),
        "the receipt masks the NIK"
    );
    assert_eq!(r["programs"], json!(["JKK", "JKM"]));
    assert_eq!(r["payment_months"], 3);
    // 3 months of JKK 1% of 2,000,000 + JKM 6,800 (PEDAGANG: no discount).
    assert_eq!(r["total"], 3 * (20_000 + 6_800));
    assert_eq!(r["enrolled_on"], "20/11/2026");

    assert_error(&sb.run(&["receipt", "no-such-id"]), 1, "record.not_found");
}

#[test]
fn withdraw_leaves_a_tombstone_and_only_once() {
    let sb = Sandbox::new();
    let done = enroll_ok(&sb, SITI);
    let id = done["id"].as_str().unwrap();
    let run = sb.run(&["withdraw", id]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(
        run.json(),
        json!({"id": id, "status": "withdrawn", "receipt_no": 1, "reference": done["reference"]})
    );
    let q = queue(&sb);
    assert_eq!(
        (q["queued"].as_u64(), q["withdrawn"].as_u64()),
        (Some(0), Some(1))
    );
    // The tombstone keeps its number, not the personal data.
    let r = sb.run(&["receipt", id]).json();
    assert_eq!(r["receipt_no"], 1);
    assert_eq!(r["full_name"], Value::Null);

    let before = sb.snapshot();
    let again = sb.run(&["withdraw", id]);
    assert_error(&again, 1, "record.not_allowed");
    assert_eq!(sb.snapshot(), before);
    assert_error(&sb.run(&["withdraw", "no-such-id"]), 1, "record.not_found");
}

#[test]
fn correct_queues_a_new_record_that_replaces_the_old_one() {
    let sb = Sandbox::new();
    let old = enroll_ok(&sb, SITI);
    let old_id = old["id"].as_str().unwrap();
    let fixed = sb.file(
        "fixed.json",
        SITI.replace("Pasar Anyar Blok C", "Pasar Baru Blok D"),
    );
    let run = sb.run(&["correct", old_id, &fixed]);
    assert_eq!(run.code, 0, "{} {}", run.stdout, run.stderr);
    let new = run.json();
    assert_eq!(new["status"], "queued");
    assert_eq!(new["receipt_no"], 2);
    assert_ne!(new["id"], old["id"]);
    // The replaced record was never sent: it becomes a withdrawn tombstone.
    let q = queue(&sb);
    assert_eq!(
        (q["queued"].as_u64(), q["withdrawn"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(sb.run(&["receipt", old_id]).json()["state"], "withdrawn");

    // A withdrawn record cannot be corrected; an unknown one is not found; bad input is refused
    // like an enroll's, and nothing is written.
    let before = sb.snapshot();
    assert_error(
        &sb.run(&["correct", old_id, &fixed]),
        1,
        "record.not_allowed",
    );
    assert_error(
        &sb.run(&["correct", "no-such-id", &fixed]),
        1,
        "record.not_found",
    );
    let bad = sb.file("bad.json", "{\"nik\": ");
    let run = sb.run(&["correct", new["id"].as_str().unwrap(), &bad]);
    assert_error(&run, 1, "input.malformed");
    assert_eq!(run.json()["status"], "invalid");
    assert_eq!(sb.snapshot(), before);
}

#[test]
fn data_dir_comes_from_the_environment_or_the_home_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("siti.json");
    std::fs::write(&file, SITI).unwrap();
    let file = file.to_str().unwrap();

    let from_env = tmp.path().join("from-env");
    let run = perisai(
        &["enroll", file],
        None,
        &[("PERISAI_DATA_DIR", from_env.to_str().unwrap())],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(from_env.join("perisai.db").is_file());

    // --data-dir wins over the environment.
    let from_flag = tmp.path().join("from-flag");
    let run = perisai(
        &["--data-dir", from_flag.to_str().unwrap(), "queue"],
        None,
        &[("PERISAI_DATA_DIR", from_env.to_str().unwrap())],
    );
    assert_eq!(run.json()["queued"], 0);

    let home = tmp.path().join("home");
    let run = perisai(
        &["enroll", file],
        None,
        &[("HOME", home.to_str().unwrap()), ("XDG_DATA_HOME", "")],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(home.join(".local/share/perisai/perisai.db").is_file());
}

#[test]
fn time_zone_flag_accepts_the_three_zones_only() {
    let sb = Sandbox::new();
    for tz in ["WIB", "WITA", "WIT"] {
        let run = sb.run(&["--tz", tz, "queue"]);
        assert_eq!(run.code, 0, "{tz}");
    }
    let run = sb.run(&["--tz", "UTC", "queue"]);
    assert_error(&run, 2, "usage");
    assert_message(&run.json()["error"]["message"]);
}
