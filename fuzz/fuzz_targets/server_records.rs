//! What the server's ingest does with each decoded record of a batch, without a database:
//! `perisai_server::ingest::records::prepare_owned` (device fields set aside, validation with
//! the core's rules, canonical JSON and content hash, sealing, HMAC look-up keys; tombstones).
//!
//! Input: JSON; an array is taken as a batch's records, anything else as one record. Each object
//! is also laid over a valid wire record, so that most fields are right. Invariants:
//! - no record, however malformed, makes preparation fail (that would be a 5xx for bad input);
//! - a record is accepted exactly when it has no error, and every error code is a stable one;
//! - nothing received is lost: the sealed content opens to the record exactly as received and
//!   its normalized enrollment; the content hash is that of the canonical JSON, which does not
//!   depend on key order;
//! - look-up keys (NIK and phone HMACs) exist exactly for accepted enrollments.
#![no_main]

use std::collections::HashSet;
use std::sync::OnceLock;

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use perisai_core::protocol::sha256_hex;
use perisai_core::record::Enrollment;
use perisai_core::rules::codes;
use perisai_core::seal::Purpose;
use perisai_core::tariff::RuleBook;
use perisai_server::ingest::records::{self, canonical_json, Prepared, ServerLookups};
use perisai_server::keys::ServerKeys;
use serde_json::{json, Map, Value};

const BRANCH: &str = "BDG-01";
const DEVICE: &str = "dev-fuzz";

/// Codes the server adds to the core's (sync-server/src/ingest/records.rs).
const SERVER_CODES: [&str; 4] = [
    "id.missing",
    "device_id.mismatch",
    "record.invalid",
    "receipt_no.invalid",
];

fuzz_target!(|data: &[u8]| {
    let Ok(input) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let records = match input {
        Value::Array(items) => items,
        other => vec![other],
    };
    for record in records.into_iter().take(100) {
        if let Value::Object(fields) = &record {
            let mut merged = valid_wire_record();
            for (key, value) in fields {
                merged.insert(key.clone(), value.clone());
            }
            check(Value::Object(merged));
        }
        check(record);
    }
});

/// The server's keys, in a scratch folder made once per fuzzing process.
fn keys() -> &'static ServerKeys {
    static KEYS: OnceLock<ServerKeys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("perisai-fuzz-keys-{}", std::process::id()));
        ServerKeys::load_or_create(&dir).expect("server keys in a scratch folder")
    })
}

fn book() -> &'static RuleBook {
    static BOOK: OnceLock<RuleBook> = OnceLock::new();
    BOOK.get_or_init(RuleBook::builtin)
}

fn server_today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, 13).expect("date")
}

fn valid_wire_record() -> Map<String, Value> {
    let record = json!({
        "nik": "3201051708900001", "full_name": "BUDI SANTOSO", "birth_place": "Bandung",
        "birth_date": "1990-08-17", "sex": "M", "phone": "+6281234567890",
        "address": "Jl. Pasar Baru No. 12", "occupation": "PEDAGANG",
        "monthly_income": 1_500_000, "programs": ["JKK", "JKM"], "payment_months": 1,
        "consent": {"text_version": "v1", "at": "2026-05-12T09:00:00+07:00"},
        "enrolled_on": "2026-05-12", "id": "0192f0a0-0000-7000-8000-000000000001",
        "receipt_no": 1, "form_version": 1, "rule_set": "bpu-2026",
        "created_at": "2026-05-12T09:00:00+07:00", "confirmed_warnings": [],
        "device_id": DEVICE
    });
    match record {
        Value::Object(map) => map,
        _ => unreachable!("an object literal"),
    }
}

fn check(raw: Value) {
    let correctable: HashSet<String> = ["old-1".to_string()].into();
    let lookups = ServerLookups {
        correctable: &correctable,
    };
    let prepared = records::prepare(
        &raw,
        BRANCH,
        DEVICE,
        server_today(),
        book(),
        &lookups,
        keys(),
    )
    .expect("preparing a record never fails on its content");
    check_outcome(&raw, &prepared);
    check_nothing_lost(&raw, &prepared);
}

fn check_outcome(raw: &Value, p: &Prepared) {
    assert_eq!(
        p.accepted(),
        p.errors.is_empty(),
        "refused without a reason"
    );
    for e in &p.errors {
        assert!(
            codes::ALL.contains(&e.code.as_str()) || SERVER_CODES.contains(&e.code.as_str()),
            "unknown code {}",
            e.code
        );
    }
    assert_eq!(p.withdrawn, records::is_tombstone(raw));
    if p.accepted() {
        assert!(p.id.is_some(), "accepted without an id");
    }
    let enrolled = p.enrollment.is_some();
    assert_eq!(p.nik_hmac.is_some(), enrolled);
    assert_eq!(p.phone_hmac.is_some(), enrolled);
    if let Some(e) = &p.enrollment {
        assert!(p.errors.is_empty());
        assert_eq!(
            p.nik_hmac.as_deref(),
            Some(keys().nik_hmac(&e.nik).as_str())
        );
        assert_eq!(p.enrolled_on, Some(e.enrolled_on));
        assert_eq!(p.has_location, e.location.is_some());
        assert_eq!(p.supersedes, e.supersedes);
    }
}

/// The sealed content holds the record exactly as received and its normalized form.
fn check_nothing_lost(raw: &Value, p: &Prepared) {
    let canonical = canonical_json(raw);
    assert_eq!(p.content_hash, sha256_hex(canonical.as_bytes()));
    let reparsed: Value = serde_json::from_str(&canonical).expect("canonical JSON parses");
    assert_eq!(
        canonical_json(&reparsed),
        canonical,
        "canonical form not stable"
    );

    let row_id = format!("{BRANCH}/{}", p.id.as_deref().unwrap_or(""));
    let opened = keys()
        .open(Purpose::Record, &row_id, &p.sealed)
        .expect("the sealed content opens");
    let content: Value = serde_json::from_slice(&opened).expect("sealed content is JSON");
    if p.withdrawn {
        assert_eq!(&content, raw, "a tombstone was not sealed as received");
        return;
    }
    assert_eq!(
        &content["record"], raw,
        "the record was not sealed as received"
    );
    let normalized: Option<Enrollment> =
        serde_json::from_value(content["normalized"].clone()).expect("normalized part");
    assert_eq!(
        normalized, p.enrollment,
        "the normalized record was not sealed"
    );
}
