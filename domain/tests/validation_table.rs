//! Table-driven validation cases (docs/DOMAIN.md §3–§4): each row of
//! `tests/data/validation_cases.jsonl` patches a valid enrollment (a value `"<remove>"` removes the
//! key) and states the exact errors and warnings, `(field, code)`, in report order. Further tests
//! below check the normalized record, special inputs and the rule set chosen by `enrolled_on`.

use std::collections::HashMap;

use chrono::NaiveDate;
use perisai_domain::record::{Enrollment, Location, Program, Sex};
use perisai_domain::rules::codes;
use perisai_domain::rules::report::ValidationReport;
use perisai_domain::rules::{validate, NoLookups, RecordLookups};
use perisai_domain::tariff::RuleBook;
use serde_json::{json, Value};

/// A patch value that removes the key from the base record.
const REMOVE: &str = "<remove>";

/// The device's local date in these tests; the base record says `enrolled_on: 2026-05-12`.
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
}

fn base() -> Value {
    json!({
        "nik": "3201051708900001",
        "full_name": "Budi Santoso",
        "birth_place": "Bandung",
        "birth_date": "1990-08-17",
        "sex": "M",
        "phone": "0812-3456-7890",
        "address": "Jl. Pasar Baru No. 12, Bandung",
        "occupation": "PEDAGANG",
        "monthly_income": 1_500_000,
        "programs": ["JKK", "JKM"],
        "payment_months": 1,
        "consent": true,
        "enrolled_on": "2026-05-12"
    })
}

fn patched(patch: &Value) -> Value {
    let mut record = base();
    let obj = record.as_object_mut().unwrap();
    for (k, v) in patch.as_object().unwrap() {
        if v == REMOVE {
            obj.remove(k);
        } else {
            obj.insert(k.clone(), v.clone());
        }
    }
    record
}

/// Device store and branch list for the duplicate and correction cases.
struct Lookups {
    /// NIK → the id of the record holding it on this device.
    local: HashMap<&'static str, &'static str>,
    known: Vec<&'static str>,
}

impl Lookups {
    fn new() -> Lookups {
        Lookups {
            local: HashMap::from([("3201051708900002", "rec-1"), ("3201051708900004", "rec-2")]),
            known: vec!["3201051708900003", "3201051708900004"],
        }
    }
}

impl RecordLookups for Lookups {
    fn local_duplicate(&self, nik: &str, except_id: Option<&str>) -> bool {
        self.local.get(nik).is_some_and(|id| Some(*id) != except_id)
    }
    fn known_nik(&self, nik: &str) -> bool {
        self.known.contains(&nik)
    }
    fn can_supersede(&self, id: &str) -> bool {
        matches!(id, "rec-1" | "rec-2")
    }
}

/// `(field, code)` pairs, in report order.
type Expect = Vec<(String, String)>;

/// One row of `tests/data/validation_cases.jsonl`: a patch of the base record and the exact
/// errors and warnings it must give. The table is data, so a reviewer reads it as a table and a
/// shell's test can run the same rows.
#[derive(serde::Deserialize)]
struct Case {
    name: String,
    patch: Value,
    errors: Expect,
    warnings: Expect,
}

fn cases() -> Vec<Case> {
    include_str!("data/validation_cases.jsonl")
        .lines()
        .filter(|line| !line.trim().is_empty())
        .enumerate()
        .map(|(i, line)| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("validation_cases.jsonl line {}: {e}", i + 1))
        })
        .collect()
}

fn pairs(issues: &[perisai_domain::rules::report::Issue]) -> Vec<(String, String)> {
    issues
        .iter()
        .map(|i| (i.field.clone(), i.code.clone()))
        .collect()
}

fn run(record: &Value) -> (ValidationReport, Option<Enrollment>) {
    validate(record, today(), &RuleBook::builtin(), &Lookups::new())
}

#[test]
fn the_table_has_at_least_100_cases_with_unique_names() {
    let cases = cases();
    assert!(cases.len() >= 100, "only {} cases", cases.len());
    let mut names: Vec<_> = cases.iter().map(|c| c.name.as_str()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), cases.len(), "case names must be unique");
}

#[test]
fn every_case_reports_exactly_its_errors_and_warnings() {
    let mut failures = Vec::new();
    for case in cases() {
        let record = patched(&case.patch);
        let (report, enrollment) = run(&record);
        let got = (pairs(&report.errors), pairs(&report.warnings));
        let want = (case.errors.clone(), case.warnings.clone());
        if got != want {
            failures.push(format!("{}: got {:?}, want {:?}", case.name, got, want));
        }
        if report.valid != case.errors.is_empty() || enrollment.is_some() != report.valid {
            failures.push(format!(
                "{}: valid/enrollment disagree with the errors",
                case.name
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_code_of_the_spec_is_exercised_with_its_field() {
    let mut seen = Vec::new();
    for case in cases() {
        seen.extend(
            case.errors
                .iter()
                .chain(&case.warnings)
                .map(|(_, c)| c.clone()),
        );
    }
    for code in codes::ALL {
        assert!(seen.iter().any(|c| c == code), "no case for {code}");
    }
    let field_of = |code: &str| {
        cases()
            .into_iter()
            .flat_map(|c| c.errors.into_iter().chain(c.warnings))
            .find(|(_, c)| c == code)
            .map(|(f, _)| f)
    };
    assert_eq!(field_of("age.too_young").as_deref(), Some("birth_date"));
    assert_eq!(field_of("name.format").as_deref(), Some("full_name"));
    assert_eq!(
        field_of("income.above_maximum").as_deref(),
        Some("monthly_income")
    );
    assert_eq!(field_of("nik.sex_mismatch").as_deref(), Some("nik"));
}

#[test]
fn messages_are_bilingual_and_never_repeat_the_input() {
    for case in cases() {
        let record = patched(&case.patch);
        let (report, _) = run(&record);
        let values: Vec<String> = record
            .as_object()
            .unwrap()
            .values()
            .filter_map(Value::as_str)
            .map(|s| s.trim().to_string())
            .filter(|s| s.len() >= 4)
            .collect();
        for issue in report.errors.iter().chain(&report.warnings) {
            assert!(
                !issue.message.id.is_empty() && !issue.message.en.is_empty(),
                "{}",
                case.name
            );
            assert_ne!(issue.message.id, issue.message.en, "{}", case.name);
            for v in &values {
                assert!(
                    !issue.message.id.contains(v.as_str())
                        && !issue.message.en.contains(v.as_str()),
                    "{}: message quotes the input",
                    case.name
                );
            }
        }
    }
}

fn valid(patch: Value) -> Enrollment {
    let (report, enrollment) = run(&patched(&patch));
    assert!(report.valid, "{:?}", report.codes());
    enrollment.unwrap()
}

#[test]
fn the_normalized_record_of_the_base_case() {
    let e = valid(
        json!({"full_name": "  budi   santoso ", "nik": "3201.0517.0890.0001", "phone": "0812 3456 7890"}),
    );
    assert_eq!(
        e,
        Enrollment {
            nik: "3201051708900001".into(),
            full_name: "BUDI SANTOSO".into(),
            birth_place: "Bandung".into(),
            birth_date: NaiveDate::from_ymd_opt(1990, 8, 17).unwrap(),
            sex: Sex::M,
            phone: "+6281234567890".into(),
            address: "Jl. Pasar Baru No. 12, Bandung".into(),
            occupation: "PEDAGANG".into(),
            monthly_income: 1_500_000,
            programs: vec![Program::JKK, Program::JKM],
            payment_months: 1,
            consent: true,
            location: None,
            enrolled_on: NaiveDate::from_ymd_opt(2026, 5, 12).unwrap(),
            supersedes: None,
        }
    );
}

#[test]
fn indonesian_sex_letters_are_stored_as_m_and_f() {
    assert_eq!(valid(json!({"sex": "L"})).sex, Sex::M);
    assert_eq!(
        valid(json!({"sex": "P", "nik": "3201055708900001"})).sex,
        Sex::F
    );
}

#[test]
fn names_are_stored_upper_cased_in_nfc() {
    assert_eq!(
        valid(json!({"full_name": "Jose\u{301} ñúñez"})).full_name,
        "JOSÉ ÑÚÑEZ"
    );
    assert_eq!(valid(json!({"full_name": "sukarno"})).full_name, "SUKARNO");
    assert_eq!(valid(json!({"full_name": "Ma’ruf"})).full_name, "MA'RUF");
}

#[test]
fn programs_are_sorted_and_optional_fields_kept() {
    let e = valid(json!({
        "programs": ["JHT", "JKM", "JKK"],
        "location": {"lat": -6.9, "lon": 107.6, "accuracy_m": 12.5},
        "supersedes": "rec-1",
        "birth_place": "  Kota  Bandung "
    }));
    assert_eq!(e.programs, [Program::JKK, Program::JKM, Program::JHT]);
    assert_eq!(
        e.location,
        Some(Location {
            lat: -6.9,
            lon: 107.6,
            accuracy_m: 12.5
        })
    );
    assert_eq!(e.supersedes.as_deref(), Some("rec-1"));
    assert_eq!(e.birth_place, "Kota  Bandung");
}

#[test]
fn enrolled_on_defaults_to_the_device_date() {
    assert_eq!(valid(json!({"enrolled_on": REMOVE})).enrolled_on, today());
}

#[test]
fn a_normalized_record_validates_again_to_itself() {
    let e = valid(
        json!({"full_name": " siti  aminah", "sex": "P", "nik": "32-01-05-57-08-90-0001", "phone": "+62 812-3456-7890",
                         "programs": ["JHT", "JKK", "JKM"], "location": {"lat": 1.5, "lon": 2.5, "accuracy_m": 3.0}}),
    );
    let again = serde_json::to_value(&e).unwrap();
    let (report, e2) = validate(&again, today(), &RuleBook::builtin(), &NoLookups);
    assert!(
        report.valid && report.warnings.is_empty(),
        "{:?}",
        report.codes()
    );
    assert_eq!(e2, Some(e));
}

#[test]
fn an_empty_object_lacks_every_required_field() {
    let (report, e) = validate(&json!({}), today(), &RuleBook::builtin(), &NoLookups);
    assert!(e.is_none());
    let fields: Vec<_> = report
        .errors
        .iter()
        .map(|i| (i.field.as_str(), i.code.as_str()))
        .collect();
    let required = [
        "nik",
        "full_name",
        "birth_place",
        "birth_date",
        "sex",
        "phone",
        "address",
        "occupation",
        "monthly_income",
        "programs",
        "payment_months",
        "consent",
    ];
    assert_eq!(fields, required.map(|f| (f, "required")));
}

#[test]
fn input_that_is_not_an_object_is_a_type_error() {
    for input in [json!([]), json!("x"), json!(null), json!(3)] {
        let (report, e) = validate(&input, today(), &RuleBook::builtin(), &NoLookups);
        assert!(e.is_none());
        assert_eq!(pairs(&report.errors), [(String::new(), "type".to_string())]);
    }
}

#[test]
fn report_serializes_as_the_cli_contract() {
    let (report, _) = run(&patched(&json!({"consent": false})));
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["valid"], false);
    assert_eq!(json["errors"][0]["field"], "consent");
    assert_eq!(json["errors"][0]["code"], "consent.missing");
    assert!(json["errors"][0]["message"]["id"]
        .as_str()
        .unwrap()
        .starts_with("Peserta"));
    assert!(json["errors"][0]["message"]["en"].is_string());
    assert_eq!(json["warnings"], json!([]));
}

#[test]
fn validation_uses_the_rule_set_in_force_on_enrolled_on() {
    // A later rule set with other limits, as a signed update could bring.
    let mut book_json: Vec<Value> =
        serde_json::from_value(serde_json::to_value(RuleBook::builtin()).unwrap()).unwrap();
    let mut next = book_json[1].clone();
    book_json[1]["effective_to"] = json!("2026-12");
    next["id"] = json!("bpu-2027");
    next["effective_from"] = json!("2027-01");
    next["enrollment"]["income_max"] = json!(30_000_000);
    next["enrollment"]["min_age"] = json!(17);
    next["discounts"] = json!([]);
    book_json.push(next);
    let book = RuleBook::from_json(&serde_json::to_string(&book_json).unwrap()).unwrap();

    let rich = patched(&json!({"monthly_income": 25_000_000}));
    let (report, _) = validate(&rich, today(), &book, &NoLookups);
    assert_eq!(report.codes(), ["income.above_maximum"]);
    let later = patched(&json!({"monthly_income": 25_000_000, "enrolled_on": "2027-01-04"}));
    assert!(validate(&later, today(), &book, &NoLookups).0.valid);

    // 17 years old: too young under bpu-2026, old enough under bpu-2027.
    let young =
        json!({"nik": "3201050401100001", "birth_date": "2010-01-04", "enrolled_on": "2027-01-04"});
    assert!(
        validate(&patched(&young), today(), &book, &NoLookups)
            .0
            .valid
    );
    assert_eq!(
        validate(&patched(&young), today(), &RuleBook::builtin(), &NoLookups)
            .0
            .codes(),
        ["age.too_young"]
    );
}

#[test]
fn age_messages_state_the_rule_set_limit() {
    let (report, _) = run(&patched(
        &json!({"nik": "3201051205610001", "birth_date": "1961-05-12"}),
    ));
    assert_eq!(
        report.errors[0].message.id,
        "Peserta sudah berumur 65 tahun atau lebih pada tanggal pendaftaran."
    );
}
