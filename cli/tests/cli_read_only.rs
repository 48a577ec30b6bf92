//! `perisai validate` and `perisai quote` (ARCHITECTURE.md §7): their JSON shapes, golden cases, their
//! errors, and that they never create the data folder or any file.

mod common;

use common::{assert_error, issues, Sandbox, SITI};
use serde_json::json;

#[test]
fn a_valid_enrollment_validates_with_exit_0() {
    let sb = Sandbox::new();
    let file = sb.file("siti.json", SITI);
    let run = sb.run(&["validate", &file]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(
        run.json(),
        json!({"valid": true, "errors": [], "warnings": []})
    );
}

#[test]
fn golden_validate_reports_every_problem_at_once() {
    let sb = Sandbox::new();
    let file = sb.file(
        "bad.json",
        r#"{"nik": "3201 1501 9001 0000", "full_name": "b", "birth_place": "Bogor",
            "birth_date": "1990-01-15", "sex": "X", "phone": "12345",
            "address": "Pasar Anyar Blok C No. 12, Bogor", "occupation": "PILOT",
            "monthly_income": 500000, "programs": ["JKK"], "payment_months": 2,
            "consent": false, "enrolled_on": "2026-11-20"}"#,
    );
    let run = sb.run(&["validate", &file]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let doc = run.json();
    assert_eq!(doc["valid"], false);
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(f, c)| (f.to_string(), c.to_string()))
            .collect()
    };
    assert_eq!(
        issues(&doc["errors"]),
        pairs(&[
            // 3201150190010000: DDMMYY 01-90-01 is no date, and the serial is 0000.
            ("nik", "nik.birth_date"),
            ("nik", "nik.serial"),
            ("full_name", "name.format"),
            ("sex", "sex.invalid"),
            ("phone", "phone.format"),
            ("occupation", "occupation.unknown"),
            ("monthly_income", "income.below_minimum"),
            ("programs", "programs.invalid"),
            ("payment_months", "payment_months.invalid"),
            ("consent", "consent.missing"),
        ])
    );
    assert_eq!(issues(&doc["warnings"]), vec![]);
    // Indonesian first, and the message never quotes the input.
    assert_eq!(
        doc["errors"][1]["message"]["en"]
            .as_str()
            .map(str::is_empty),
        Some(false)
    );
    assert!(!run.stdout.contains("3201 1501"));
}

#[test]
fn a_warning_alone_keeps_the_enrollment_valid() {
    let sb = Sandbox::new();
    // NIK says born 15-01-1990; the form says 16-01-1990.
    let file = sb.file("w.json", SITI.replace("1990-01-15", "1990-01-16"));
    let run = sb.run(&["validate", &file]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let doc = run.json();
    assert_eq!(doc["valid"], true);
    assert_eq!(
        issues(&doc["warnings"]),
        vec![("nik".to_string(), "nik.birth_date_mismatch".to_string())]
    );
}

#[test]
fn type_errors_and_unknown_fields_are_a_report_not_an_error() {
    let sb = Sandbox::new();
    let file = sb.file(
        "t.json",
        SITI.replace("2000000", "\"banyak\"").replace(
            "\"consent\": true",
            "\"consent\": true, \"nama_ibu\": \"X\"",
        ),
    );
    let run = sb.run(&["validate", &file]);
    assert_eq!(run.code, 1);
    let doc = run.json();
    assert_eq!(doc["valid"], false);
    let errors = issues(&doc["errors"]);
    assert!(
        errors.contains(&("monthly_income".into(), "type".into())),
        "{errors:?}"
    );
    assert!(
        errors.contains(&("nama_ibu".into(), "unknown_field".into())),
        "{errors:?}"
    );
    assert!(doc.get("error").is_none());
}

#[test]
fn validate_reads_stdin() {
    let sb = Sandbox::new();
    let run = sb.run_with_stdin(&["validate", "-"], Some(SITI.as_bytes()));
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.json()["valid"], true);
}

#[test]
fn golden_quote_crosses_the_end_of_the_transport_discount() {
    // DOMAIN.md §6: a courier's 12-month prepayment from 2027-01 has three discounted months
    // (JKK and JKM at 50% until 2027-03) and nine full ones. JKK on Rp1.050.050 is 10,500.5 →
    // 10,501, halved 5,250.25 → 5,250; JHT 2% = 21,001, never discounted.
    let sb = Sandbox::new();
    let run = sb.run(&[
        "quote",
        "--income",
        "1050050",
        "--programs",
        "JKK,JKM,JHT",
        "--months",
        "12",
        "--start",
        "2027-01",
        "--occupation",
        "KURIR",
    ]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let doc = run.json();
    let months = doc["months"].as_array().expect("months");
    assert_eq!(months.len(), 12);
    let expected_month = |i: usize| {
        let month = format!("2027-{:02}", i + 1);
        let discounted = i < 3;
        let (jkk, jkm) = if discounted {
            (5_250, 3_400)
        } else {
            (10_501, 6_800)
        };
        json!({"month": month, "JKK": jkk, "JKM": jkm, "JHT": 21_001,
               "total": jkk + jkm + 21_001, "rule_set": months[i]["rule_set"]})
    };
    for (i, m) in months.iter().enumerate() {
        assert_eq!(m, &expected_month(i));
        assert!(m["rule_set"]
            .as_str()
            .is_some_and(|s| s.starts_with("bpu-")));
    }
    assert_eq!(doc["total_due"], 3 * 29_651 + 9 * 38_302);
    // Members in the order of the contract, for people reading it.
    let first = run.stdout.find("\"month\"").unwrap();
    assert!(first < run.stdout.find("\"JKK\"").unwrap());
    assert!(run.stdout.find("\"JKK\"").unwrap() < run.stdout.find("\"JHT\"").unwrap());
}

#[test]
fn quote_without_jht_or_occupation_shows_jht_zero_and_no_discount() {
    let sb = Sandbox::new();
    let run = sb.run(&[
        "quote",
        "--income",
        "1000000",
        "--programs",
        "JKM,JKK",
        "--months",
        "1",
        "--start",
        "2026-06",
    ]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let doc = run.json();
    assert_eq!(doc["months"][0]["JKK"], 10_000);
    assert_eq!(doc["months"][0]["JKM"], 6_800);
    assert_eq!(doc["months"][0]["JHT"], 0);
    assert_eq!(doc["total_due"], 16_800);
}

#[test]
fn quote_errors_name_the_field() {
    let sb = Sandbox::new();
    let base = [
        ("--income", "2000000"),
        ("--programs", "JKK,JKM"),
        ("--months", "3"),
        ("--start", "2026-12"),
    ];
    let cases = [
        ("--start", "2026-13", "start", "start.format"),
        ("--start", "12-2026", "start", "start.format"),
        ("--start", "2026-1", "start", "start.format"),
        ("--programs", "JKK", "programs", "programs.invalid"),
        ("--programs", "JKK,JKM,JP", "programs", "programs.invalid"),
        ("--programs", "jkk,jkm", "programs", "programs.invalid"),
        (
            "--income",
            "999999",
            "monthly_income",
            "income.below_minimum",
        ),
        ("--income", "-5", "monthly_income", "income.below_minimum"),
        ("--income", "banyak", "monthly_income", "type"),
        (
            "--income",
            "99999999999999999999999",
            "monthly_income",
            "type",
        ),
        ("--months", "2", "payment_months", "payment_months.invalid"),
        ("--months", "-1", "payment_months", "type"),
        ("--occupation", "PILOT", "occupation", "occupation.unknown"),
    ];
    for (flag, value, field, reason) in cases {
        let mut args = vec!["quote"];
        for (f, v) in &base {
            if *f != flag {
                args.extend([*f, *v]);
            }
        }
        args.extend([flag, value]);
        let run = sb.run(&args);
        assert_error(&run, 1, "input.parameter");
        let error = &run.json()["error"];
        assert_eq!(error["field"], field, "{flag} {value}: {}", run.stdout);
        assert_eq!(error["reason"], reason, "{flag} {value}: {}", run.stdout);
    }
}

#[test]
fn read_only_commands_create_no_folder_and_no_file() {
    let sb = Sandbox::new();
    let file = sb.file("siti.json", SITI);
    let before: Vec<_> = std::fs::read_dir(sb.tmp.path()).unwrap().collect();
    sb.run(&["validate", &file]);
    sb.run(&["validate", "-"]);
    sb.run(&[
        "quote",
        "--income",
        "2000000",
        "--programs",
        "JKK,JKM",
        "--months",
        "1",
        "--start",
        "2026-12",
    ]);
    // Reading the queue of a folder that holds no store creates nothing either.
    let queue = sb.run(&["queue"]);
    assert_eq!(queue.code, 0);
    assert!(queue.json().as_object().unwrap().values().all(|n| n == 0));
    assert_eq!(sb.run(&["list"]).json(), json!([]));
    assert_error(&sb.run(&["receipt", "nope"]), 1, "record.not_found");
    assert!(!sb.data.exists(), "the data folder was created");
    let after: Vec<_> = std::fs::read_dir(sb.tmp.path()).unwrap().collect();
    assert_eq!(before.len(), after.len());
}
