//! Property tests: the parsers never panic on any string (arbitrary Unicode included), their
//! normalized output parses back to itself, and `validate` / `quote` never panic on arbitrary
//! input; a record `validate` accepts validates again, unchanged, from its serialized form.

use chrono::NaiveDate;
use perisai_domain::form::FIELD_KEYS;
use perisai_domain::record::Program;
use perisai_domain::rules::date::{age_on, parse_iso_date};
use perisai_domain::rules::{name, nik, phone, validate, NoLookups};
use perisai_domain::tariff::{quote, QuoteRequest, RuleBook};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// Arbitrary strings, and strings made of the characters these parsers care about.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9 .\\-+]{0,24}",
        "\\PC{0,40}",
        "[a-zA-Z'.,\\- ]{0,30}",
        "[\\p{L}\\p{M} ]{0,120}",
    ]
}

fn date() -> impl Strategy<Value = NaiveDate> {
    // 1800-01-01 ..= 2200-12-31
    (657_072i32..=803_533).prop_map(|d| NaiveDate::from_num_days_from_ce_opt(d).unwrap())
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(FIELD_KEYS.to_vec()).prop_map(String::from),
        1 => prop::sample::select(vec!["lat", "lon", "accuracy_m"]).prop_map(String::from),
        1 => any::<String>(),
    ]
}

fn base() -> Map<String, Value> {
    json!({
        "nik": "3201051708900001", "full_name": "Budi Santoso", "birth_place": "Bandung",
        "birth_date": "1990-08-17", "sex": "M", "phone": "0812-3456-7890",
        "address": "Jl. Pasar Baru No. 12", "occupation": "KURIR", "monthly_income": 1_500_000,
        "programs": ["JKK", "JKM"], "payment_months": 3, "consent": true, "enrolled_on": "2026-05-12"
    })
    .as_object()
    .unwrap()
    .clone()
}

/// A valid record with a few fields replaced by arbitrary values or texts: reaches deep paths.
fn mutated_record() -> impl Strategy<Value = Value> {
    let replacement = prop_oneof![json_value(), text().prop_map(Value::String)];
    prop::collection::vec((key(), replacement), 0..4).prop_map(|changes| {
        let mut record = base();
        for (k, v) in changes {
            record.insert(k, v);
        }
        Value::Object(record)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn nik_parsing_never_panics_and_is_idempotent(s in text(), on in date()) {
        let once = nik::strip_separators(&s);
        prop_assert_eq!(nik::strip_separators(&once), once.clone());
        if let Ok(n) = nik::parse(&s) {
            prop_assert_eq!(n.as_str(), once.as_str());
            prop_assert_eq!(nik::parse(n.as_str()), Ok(n.clone()));
            let _ = n.problems(Some(on));
            let _ = n.problems(None);
            let _ = n.birth_dates();
        }
    }

    #[test]
    fn sixteen_digit_niks_never_panic_in_content_checks(digits in "[0-9]{16}", on in date()) {
        let n = nik::parse(&digits).unwrap();
        let problems = n.problems(Some(on));
        prop_assert!(problems.len() <= 3);
        for d in n.birth_dates().into_iter().flatten() {
            prop_assert!(n.matches_birth_date(d));
        }
    }

    #[test]
    fn phone_parsing_never_panics_and_is_idempotent(s in text()) {
        if let Ok(e164) = phone::parse(&s) {
            prop_assert!(e164.starts_with("+628"));
            prop_assert_eq!(phone::parse(&e164), Ok(e164.clone()));
        }
    }

    #[test]
    fn name_normalization_is_idempotent(s in text()) {
        let once = name::normalize(&s);
        prop_assert_eq!(name::normalize(&once), once.clone());
        if let Ok(stored) = name::parse(&s) {
            prop_assert_eq!(&stored, &once);
            prop_assert_eq!(name::parse(&stored), Ok(stored.clone()));
            let count = stored.chars().count();
            prop_assert!((2..=100).contains(&count));
        }
    }

    #[test]
    fn dates_never_panic(s in text(), a in date(), b in date()) {
        let _ = parse_iso_date(&s);
        let age = age_on(a, b);
        prop_assert!(a > b || age >= 0);
        prop_assert!(a <= b || age <= 0);
    }

    #[test]
    fn validate_never_panics_on_arbitrary_objects(
        fields in prop::collection::btree_map(key(), json_value(), 0..16),
        today in date(),
    ) {
        let input = Value::Object(fields.into_iter().collect());
        let (report, record) = validate(&input, today, &RuleBook::builtin(), &NoLookups);
        prop_assert_eq!(report.valid, record.is_some());
        prop_assert_eq!(report.valid, report.errors.is_empty());
    }

    #[test]
    fn validate_never_panics_on_any_json(input in json_value(), today in date()) {
        let (report, record) = validate(&input, today, &RuleBook::builtin(), &NoLookups);
        prop_assert_eq!(report.valid, record.is_some());
    }

    #[test]
    fn accepted_records_validate_again_unchanged(record in mutated_record(), today in date()) {
        let book = RuleBook::builtin();
        let (report, enrollment) = validate(&record, today, &book, &NoLookups);
        prop_assert_eq!(report.valid, enrollment.is_some());
        if let Some(e) = enrollment {
            let again = serde_json::to_value(&e).unwrap();
            let (report2, e2) = validate(&again, today, &book, &NoLookups);
            prop_assert!(report2.valid, "{:?}", report2.codes());
            prop_assert_eq!(e2, Some(e));
        }
    }

    #[test]
    fn quote_never_panics_and_adds_up(
        income in prop_oneof![any::<i64>(), 0i64..30_000_000],
        programs in prop::collection::vec(prop::sample::select(vec![Program::JKK, Program::JKM, Program::JHT]), 0..4),
        months in prop_oneof![any::<u32>(), 0u32..13],
        year in prop_oneof![any::<i32>(), 2010i32..2040],
        month in prop_oneof![any::<u32>(), 1u32..13],
        occupation in prop::option::of(prop_oneof![Just("KURIR".to_string()), Just("PETANI".to_string()), any::<String>()]),
    ) {
        let request = QuoteRequest { monthly_income: income, programs, months, start: (year, month), occupation };
        if let Ok(q) = quote(&RuleBook::builtin(), &request) {
            prop_assert_eq!(q.months.len(), months as usize);
            prop_assert_eq!(q.total_due, q.months.iter().map(|m| m.total).sum::<i64>());
            prop_assert!(q.months.iter().all(|m| m.jkk > 0 && m.jkm > 0 && m.jht >= 0));
        }
    }
}
