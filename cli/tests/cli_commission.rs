//! `commission`, `participants` and `cash` (ARCHITECTURE.md §7): their JSON shapes, what a fresh data
//! folder answers (without creating anything), and bad input with the documented error and exit
//! code, never a write.

mod common;

use common::{assert_error, Sandbox, SITI};
use serde_json::Value;

fn enroll(sb: &Sandbox, json: &str) -> String {
    let file = sb.file("enroll.json", json);
    let run = sb.run(&["enroll", &file]);
    assert_eq!(run.code, 0, "{} {}", run.stdout, run.stderr);
    run.json()["id"].as_str().unwrap().to_owned()
}

fn keys(doc: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = doc
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {doc}"))
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    keys
}

/// The running month as the CLI sees it (WIB, the default time zone).
fn this_month() -> String {
    let wib = chrono::FixedOffset::east_opt(7 * 3600).unwrap();
    chrono::Utc::now()
        .with_timezone(&wib)
        .format("%Y-%m")
        .to_string()
}

#[test]
fn a_fresh_device_shows_an_empty_provisional_statement_and_no_participants() {
    let sb = Sandbox::new();
    let run = sb.run(&["commission"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let doc = run.json();
    assert_eq!(
        keys(&doc),
        [
            "acquisition",
            "adjustments",
            "as_of",
            "contribution",
            "lines",
            "month",
            "status",
            "total"
        ]
    );
    assert_eq!(doc["status"], "provisional");
    assert_eq!(doc["month"], this_month());
    assert_eq!(doc["total"], 0);
    assert_eq!(doc["lines"], serde_json::json!([]));
    let as_of = doc["as_of"].as_str().unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(as_of).is_ok(),
        "{as_of}"
    );
    let run = sb.run(&["participants"]);
    assert_eq!((run.code, run.json()), (0, serde_json::json!([])));
    assert!(
        !sb.data.exists(),
        "reading commands created the data folder"
    );
}

#[test]
fn participants_show_the_card_and_cash_is_recorded_against_it() {
    let sb = Sandbox::new();
    let id = enroll(&sb, SITI);
    let run = sb.run(&["participants"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let list = run.json();
    let card = &list.as_array().unwrap()[0];
    assert_eq!(
        keys(card),
        [
            "name",
            "next_due_month",
            "nik_masked",
            "overdue",
            "payment_code",
            "phone",
            "record_id",
            "status"
        ]
    );
    assert_eq!(card["record_id"], id.as_str());
    assert_eq!(card["nik_masked"], "3201••••••••0002");
    assert_eq!(card["next_due_month"], "2026-11");
    assert_eq!(card["payment_code"], Value::Null);
    assert_eq!(card["status"], "queued");
    assert_eq!(card["phone"], "+6281234567890");
    // Late or not depends on today's date against the 15th of the due month.
    assert!(card["overdue"].is_boolean(), "{card}");

    let run = sb.run(&["cash", &id, "--amount", "50400", "--months", "3"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let doc = run.json();
    assert_eq!(doc["record_id"], id.as_str());
    assert_eq!(
        (&doc["amount"], &doc["amount_formatted"], &doc["months"]),
        (
            &Value::from(50_400),
            &Value::from("Rp50.400"),
            &Value::from(3)
        )
    );
    assert_eq!(doc["sent"], false);
    assert_eq!(doc["id"].as_str().map(str::len), Some(36), "a UUID");
    // The commission of a month with nothing received yet is an empty estimate, even with data.
    let run = sb.run(&["commission", "--month", "2026-01"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.json()["status"], "provisional");
    assert_eq!(run.json()["month"], "2026-01");
}

/// (arguments, exit, code, field, reason)
type Refusal<'a> = (
    &'a [&'a str],
    i32,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
);

#[test]
fn bad_input_gets_the_documented_error_and_writes_nothing() {
    let sb = Sandbox::new();
    let id = enroll(&sb, SITI);
    let gone = enroll(&sb, &common::worker(7));
    assert_eq!(sb.run(&["withdraw", &gone]).code, 0);
    let before = sb.snapshot();
    let table: [Refusal; 12] = [
        (
            &["commission", "--month", "2026-13"],
            1,
            "input.parameter",
            Some("month"),
            Some("month.format"),
        ),
        (
            &["commission", "--month", "11/2026"],
            1,
            "input.parameter",
            Some("month"),
            Some("month.format"),
        ),
        (
            &["commission", "--month", "9999-12"],
            1,
            "input.parameter",
            Some("month"),
            Some("month.future"),
        ),
        (
            &["cash", &id, "--amount", "banyak", "--months", "1"],
            1,
            "input.parameter",
            Some("amount"),
            Some("type"),
        ),
        (
            &["cash", &id, "--amount", "0", "--months", "1"],
            1,
            "input.parameter",
            Some("amount"),
            Some("cash.amount"),
        ),
        (
            &["cash", &id, "--amount", "-16800", "--months", "1"],
            1,
            "input.parameter",
            Some("amount"),
            Some("cash.amount"),
        ),
        (
            &["cash", &id, "--amount", "16800", "--months", "13"],
            1,
            "input.parameter",
            Some("months"),
            Some("cash.months"),
        ),
        (
            &["cash", &id, "--amount", "16800", "--months", "-1"],
            1,
            "input.parameter",
            Some("months"),
            Some("type"),
        ),
        (
            &[
                "cash",
                "no-such-record",
                "--amount",
                "16800",
                "--months",
                "1",
            ],
            1,
            "record.not_found",
            None,
            None,
        ),
        (
            &["cash", &gone, "--amount", "16800", "--months", "1"],
            1,
            "record.not_allowed",
            None,
            None,
        ),
        (
            &["cash", &id, "--amount", "16800"],
            2,
            "usage",
            Some("--months <M>"),
            None,
        ),
        (
            &["commission", "--bulan", "2026-01"],
            2,
            "usage",
            None,
            None,
        ),
    ];
    for (args, exit, code, field, reason) in table {
        let run = sb.run(args);
        assert_error(&run, exit, code);
        let error = &run.json()["error"];
        assert_eq!(error["field"].as_str(), field, "{args:?}: {}", run.stdout);
        assert_eq!(error["reason"].as_str(), reason, "{args:?}: {}", run.stdout);
    }
    assert!(sb.snapshot() == before, "a refusal changed the store");
}

#[test]
fn cash_on_a_fresh_device_is_an_unknown_record_and_creates_nothing() {
    let sb = Sandbox::new();
    let run = sb.run(&["cash", "x", "--amount", "16800", "--months", "1"]);
    assert_error(&run, 1, "record.not_found");
    assert!(!sb.data.exists());
}
