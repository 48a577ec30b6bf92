//! The small parsers of the form (DOMAIN.md §3–§4): NIK, phone, full name, `YYYY-MM-DD` dates
//! and one-time activation codes. Every input is given to every parser as text.
//!
//! Beyond "never panics", each accepted value is checked against the rule as DOMAIN.md states
//! it, written here independently of the parser (an oracle), and every normalization must be
//! idempotent: parsing what was stored gives it back unchanged, as the server does when it
//! validates a device's normalized record again.
#![no_main]

use chrono::{Datelike, NaiveDate};
use libfuzzer_sys::fuzz_target;
use perisai_core::protocol::activation_code;
use perisai_core::rules::{codes, date, name, nik, phone};
use regex_lite::Regex;
use std::sync::OnceLock;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    check_nik(&text);
    check_phone(&text);
    check_name(&text);
    check_date(&text);
    check_activation_code(&text);
});

/// DOMAIN.md §3: "spaces, dots and dashes are stripped before checking" (the core strips every
/// Unicode white space character, which is what a scanner or keyboard may insert).
fn stripped(text: &str) -> String {
    text.chars()
        .filter(|&c| !(c.is_whitespace() || c == '.' || c == '-'))
        .collect()
}

/// DOMAIN.md §4 `nik.province`.
const PROVINCES: &[u32] = &[
    11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53, 61, 62, 63, 64, 65,
    71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96,
];

fn digits(s: &str, from: usize, to: usize) -> u32 {
    s[from..to].parse().expect("16 ASCII digits")
}

fn check_nik(text: &str) {
    let compact = stripped(text);
    let shaped = compact.len() == 16 && compact.bytes().all(|b| b.is_ascii_digit());
    let parsed = nik::parse(text);
    assert_eq!(
        parsed.is_ok(),
        shaped,
        "nik.format disagrees with DOMAIN.md"
    );
    let Ok(n) = parsed else { return };
    let s = n.as_str();
    assert_eq!(s, compact);
    assert_eq!(
        nik::parse(s).as_ref(),
        Ok(&n),
        "NIK normalization not idempotent"
    );

    // The content rules, one enrollment date to judge "not after enrollment".
    let on = NaiveDate::from_ymd_opt(2026, 5, 12);
    let day_code = digits(s, 6, 8);
    assert_eq!(n.day_code(), day_code);
    assert_eq!(n.marks_female(), day_code >= 41);
    let day = match day_code {
        1..=31 => Some(day_code),
        41..=71 => Some(day_code - 40),
        _ => None,
    };
    let (month, yy) = (digits(s, 8, 10), digits(s, 10, 12) as i32);
    let readings: Vec<NaiveDate> = [1900, 2000]
        .iter()
        .filter_map(|c| day.and_then(|d| NaiveDate::from_ymd_opt(c + yy, month, d)))
        .collect();
    let mut expected = Vec::new();
    if !PROVINCES.contains(&digits(s, 0, 2)) {
        expected.push(codes::NIK_PROVINCE);
    }
    if !readings.iter().any(|d| Some(*d) <= on) {
        expected.push(codes::NIK_BIRTH_DATE);
    }
    if &s[12..16] == "0000" {
        expected.push(codes::NIK_SERIAL);
    }
    assert_eq!(n.problems(on), expected, "NIK content rules disagree");
    for reading in n.birth_dates().iter().flatten() {
        assert!(readings.contains(reading));
        assert!(n.matches_birth_date(*reading));
        assert_eq!(reading.month(), month);
        assert_eq!(reading.year() % 100, yy);
    }
}

fn phone_pattern() -> &'static Regex {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    PATTERN.get_or_init(|| Regex::new(r"^(\+62|62|0)8[1-9][0-9]{6,10}$").expect("pattern"))
}

fn check_phone(text: &str) {
    let compact = stripped(text);
    let parsed = phone::parse(text);
    assert_eq!(
        parsed.is_ok(),
        phone_pattern().is_match(&compact),
        "phone.format disagrees with DOMAIN.md's pattern"
    );
    let Ok(e164) = parsed else { return };
    assert!(e164.starts_with("+628"), "not E.164 +628…");
    assert!((11..=15).contains(&e164.len()));
    assert!(e164[1..].bytes().all(|b| b.is_ascii_digit()));
    assert!(
        compact.ends_with(&e164[3..]),
        "the national number was changed"
    );
    assert_eq!(phone::parse(&e164).as_ref(), Ok(&e164), "not idempotent");
}

fn check_name(text: &str) {
    let normalized = name::normalize(text);
    assert_eq!(
        name::normalize(&normalized),
        normalized,
        "normalize not idempotent"
    );
    let Ok(stored) = name::parse(text) else {
        return;
    };
    assert_eq!(stored, normalized, "parse and normalize disagree");
    assert_eq!(name::parse(&stored).as_ref(), Ok(&stored), "not idempotent");
    let count = stored.chars().count();
    assert!((2..=100).contains(&count), "length {count} outside 2–100");
    assert_eq!(stored.trim(), stored);
    assert!(!stored.contains("  "), "white space not collapsed");
    assert!(!stored.chars().any(|c| c.is_ascii_digit()));
    // A letter or mark (judged by the core's Unicode 18 category tables; `char::is_alphabetic`
    // follows the standard library's older Unicode version, so it is not the oracle here).
    assert!(
        stored
            .chars()
            .any(|c| !matches!(c, ' ' | '\'' | '.' | ',' | '-')),
        "a name needs a letter"
    );
}

fn check_date(text: &str) {
    let Some(d) = date::parse_iso_date(text) else {
        // Only the exact shape can parse; a real date in that shape must (chrono writes years
        // 0–9999 with four digits, others as `+12345`).
        let exact = NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .filter(|d| (0..=9999).contains(&d.year()));
        if let Some(d) = exact {
            assert_ne!(
                d.format("%Y-%m-%d").to_string(),
                text,
                "an exact date was refused"
            );
        }
        return;
    };
    assert_eq!(
        d.format("%Y-%m-%d").to_string(),
        text,
        "not exactly YYYY-MM-DD"
    );
    assert_eq!(date::age_on(d, d), 0);
    if let Some(next_year) = d.with_year(d.year() + 1) {
        assert_eq!(date::age_on(d, next_year), 1);
        if let Some(day_before) = next_year.pred_opt() {
            assert_eq!(date::age_on(d, day_before), 0);
        }
    }
}

fn check_activation_code(text: &str) {
    let Ok(code) = activation_code::normalize(text) else {
        return;
    };
    assert_eq!(code.len(), activation_code::CODE_LEN);
    assert_eq!(
        activation_code::normalize(&code).as_ref(),
        Ok(&code),
        "activation code normalization not idempotent"
    );
    let shown = activation_code::display(&code);
    assert_eq!(
        activation_code::normalize(&shown).as_ref(),
        Ok(&code),
        "the printed form does not read back"
    );
}
