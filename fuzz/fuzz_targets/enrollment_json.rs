//! The enrollment JSON path: bytes → `serde_json::Value` → `perisai_core::rules::validate` → the
//! normalized `Enrollment` (the same code on the phone's form and on the server, which validates
//! every record of a batch again).
//!
//! Each input is validated twice: as it is, and laid over a valid record (its fields replace the
//! valid ones), so that one odd field is judged with all the others right and valid records are
//! common. Invariants checked on every report and record:
//! - the report is consistent: `valid` ⇔ no error ⇔ a record; issues in form order;
//! - every code is one of DOMAIN.md §4's stable codes, warnings only the warning codes;
//!   every message has its Indonesian and English text; no message quotes a NIK or phone;
//! - after a `required`, `type` or `*.format` error nothing more is said about that field;
//!   every unknown key gets exactly one `unknown_field`;
//! - a valid record is normalized (NIK, phone, name parse to themselves; programs sorted; limits
//!   of the rule set in force), survives JSON and serde round trips unchanged, and validates
//!   again to the very same record and warnings (what the server does with a device's record).
#![no_main]

use std::sync::OnceLock;

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use perisai_core::form::FIELD_KEYS;
use perisai_core::record::Enrollment;
use perisai_core::rules::report::{Issue, ValidationReport};
use perisai_core::rules::{self, codes, name, nik, phone, RecordLookups};
use perisai_core::tariff::RuleBook;
use serde_json::{json, Map, Value};

fuzz_target!(|data: &[u8]| {
    let Ok(input) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    check(&input);
    if let Value::Object(fields) = &input {
        let mut merged = valid_record();
        for (key, value) in fields {
            merged.insert(key.clone(), value.clone());
        }
        check(&Value::Object(merged));
    }
    // The device reads sealed records back with serde: any JSON gives a value or an error.
    let _ = serde_json::from_value::<Enrollment>(input);
});

/// Today on the device, when a record has no `enrolled_on`.
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, 12).expect("date")
}

fn book() -> &'static RuleBook {
    static BOOK: OnceLock<RuleBook> = OnceLock::new();
    BOOK.get_or_init(RuleBook::builtin)
}

fn valid_record() -> Map<String, Value> {
    let record = json!({
        "nik": "3201051708900001", "full_name": "Budi Santoso", "birth_place": "Bandung",
        "birth_date": "1990-08-17", "sex": "M", "phone": "0812-3456-7890",
        "address": "Jl. Pasar Baru No. 12", "occupation": "PEDAGANG",
        "monthly_income": 1_500_000, "programs": ["JKK", "JKM"], "payment_months": 1,
        "consent": true, "enrolled_on": "2026-05-12"
    });
    match record {
        Value::Object(map) => map,
        _ => unreachable!("an object literal"),
    }
}

/// Deterministic answers, so that a record validates again the same way; and a check that
/// validation only ever asks about a normalized NIK.
struct Lookups;

impl RecordLookups for Lookups {
    fn local_duplicate(&self, nik: &str, except_id: Option<&str>) -> bool {
        assert_normalized_nik(nik);
        nik.ends_with('3') && except_id.is_none()
    }
    fn known_nik(&self, nik: &str) -> bool {
        assert_normalized_nik(nik);
        nik.ends_with('7')
    }
    fn can_supersede(&self, id: &str) -> bool {
        id.len().is_multiple_of(2)
    }
}

fn assert_normalized_nik(nik: &str) {
    assert!(
        nik.len() == 16 && nik.bytes().all(|b| b.is_ascii_digit()),
        "a lookup was asked about an unnormalized NIK"
    );
}

const WARNINGS: [&str; 4] = [
    codes::NIK_BIRTH_DATE_MISMATCH,
    codes::NIK_SEX_MISMATCH,
    codes::NIK_DUPLICATE_LOCAL,
    codes::NIK_DUPLICATE_KNOWN,
];

fn check(input: &Value) {
    let (report, record) = rules::validate(input, today(), book(), &Lookups);
    check_report(input, &report);
    assert_eq!(report.valid, report.errors.is_empty(), "valid ⇔ no error");
    assert_eq!(record.is_some(), report.valid, "a record ⇔ valid");
    if let Some(record) = record {
        check_record(input, &report, &record);
    }
}

fn form_position(field: &str) -> usize {
    FIELD_KEYS
        .iter()
        .position(|k| *k == field)
        .unwrap_or(FIELD_KEYS.len())
}

fn check_report(input: &Value, report: &ValidationReport) {
    for issue in report.errors.iter().chain(&report.warnings) {
        assert!(
            codes::ALL.contains(&issue.code.as_str()),
            "unknown code {}",
            issue.code
        );
        assert!(!issue.message.id.trim().is_empty(), "no Indonesian text");
        assert!(!issue.message.en.trim().is_empty(), "no English text");
    }
    for issue in &report.errors {
        assert!(
            !WARNINGS.contains(&issue.code.as_str()),
            "a warning as error"
        );
    }
    for issue in &report.warnings {
        assert!(
            WARNINGS.contains(&issue.code.as_str()),
            "an error as warning"
        );
    }
    for issues in [&report.errors, &report.warnings] {
        let positions: Vec<usize> = issues.iter().map(|i| form_position(&i.field)).collect();
        assert!(
            positions.windows(2).all(|w| w[0] <= w[1]),
            "issues not in form order: {:?}",
            codes_of(issues)
        );
    }
    // After `required`, `type` or `*.format` nothing more about that field.
    for issue in &report.errors {
        let terminal = matches!(issue.code.as_str(), codes::REQUIRED | codes::TYPE)
            || issue.code.ends_with(".format");
        if terminal {
            let on_field = report
                .errors
                .iter()
                .filter(|i| i.field == issue.field)
                .count();
            assert_eq!(on_field, 1, "more said after {}", issue.code);
        }
    }
    let Some(obj) = input.as_object() else {
        assert_eq!(codes_of(&report.errors), [codes::TYPE]);
        return;
    };
    // One `unknown_field` per unknown key: top-level keys by name, keys inside `location` as
    // `location.<key>` (a top-level key spelled `location.x` and a `location` object holding `x`
    // are both reported, under the same field name).
    let mut expected: Vec<String> = obj
        .keys()
        .filter(|k| !FIELD_KEYS.contains(&k.as_str()))
        .cloned()
        .collect();
    if let Some(location) = obj.get("location").and_then(Value::as_object) {
        expected.extend(
            location
                .keys()
                .filter(|k| !matches!(k.as_str(), "lat" | "lon" | "accuracy_m"))
                .map(|k| format!("location.{k}")),
        );
    }
    let mut reported: Vec<String> = report
        .errors
        .iter()
        .filter(|i| i.code == codes::UNKNOWN_FIELD)
        .map(|i| i.field.clone())
        .collect();
    expected.sort();
    reported.sort();
    assert_eq!(reported, expected, "unknown_field miscounted");
    // Messages never quote the input: a NIK or phone (12 digits or more) must not appear.
    for field in ["nik", "phone"] {
        let Some(text) = obj.get(field).and_then(Value::as_str) else {
            continue;
        };
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        if digits.len() < 12 {
            continue;
        }
        for issue in report.errors.iter().chain(&report.warnings) {
            for message in [&issue.message.id, &issue.message.en] {
                assert!(
                    !message.contains(text.trim()) && !message.contains(&digits),
                    "a message quotes the {field}"
                );
            }
        }
    }
}

fn codes_of(issues: &[Issue]) -> Vec<&str> {
    issues.iter().map(|i| i.code.as_str()).collect()
}

fn check_record(input: &Value, report: &ValidationReport, record: &Enrollment) {
    // Normalized: each value is its own stored form.
    assert_eq!(
        nik::parse(&record.nik).map(|n| n.as_str().to_string()),
        Ok(record.nik.clone())
    );
    let nik = nik::parse(&record.nik).expect("normalized NIK");
    assert!(nik.problems(Some(record.enrolled_on)).is_empty());
    assert_eq!(phone::parse(&record.phone).as_ref(), Ok(&record.phone));
    assert!(record.phone.starts_with("+628"));
    assert_eq!(
        name::parse(&record.full_name).as_ref(),
        Ok(&record.full_name)
    );
    assert!(
        record.programs.windows(2).all(|w| w[0] < w[1]),
        "programs sorted, once"
    );
    assert!(record.consent);
    assert!(record.birth_date <= record.enrolled_on);
    let declared = input
        .get("enrolled_on")
        .and_then(Value::as_str)
        .map(str::trim);
    if declared.is_none_or(str::is_empty) {
        assert_eq!(record.enrolled_on, today(), "enrolled_on defaults to today");
    }
    let rule_set = book()
        .in_force(record.enrolled_on)
        .expect("a valid record has a rule set in force");
    let terms = &rule_set.enrollment;
    assert_eq!(terms.check_income(record.monthly_income), Ok(()));
    assert!(terms.allows_programs(&record.programs));
    assert!(terms.allows_months(record.payment_months));
    if let Some(loc) = &record.location {
        assert!((-90.0..=90.0).contains(&loc.lat) && (-180.0..=180.0).contains(&loc.lon));
        assert!(loc.accuracy_m.is_finite() && loc.accuracy_m >= 0.0);
    }

    // Serde round trip (sealed on the device, read back).
    let text = serde_json::to_string(record).expect("an enrollment serializes");
    let back: Enrollment = serde_json::from_str(&text).expect("and parses back");
    assert_eq!(&back, record, "JSON round trip changed the record");

    // Validated again (the server, with the device's normalized record): the same record.
    let again: Value = serde_json::from_str(&text).expect("JSON");
    let (report2, record2) = rules::validate(&again, today(), book(), &Lookups);
    assert!(
        report2.valid,
        "a normalized record no longer validates: {:?}",
        codes_of(&report2.errors)
    );
    assert_eq!(
        record2.as_ref(),
        Some(record),
        "validating again changed the record"
    );
    assert_eq!(
        codes_of(&report2.warnings),
        codes_of(&report.warnings),
        "validating again changed the warnings"
    );
}
