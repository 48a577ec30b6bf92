//! A worker as the agent writes them down, and the enrollment form the shells send for them
//! (DOMAIN.md §3); with what every draw shares: NIKs that pass the rules, mobile numbers of the
//! real operators' prefixes, the occupation codes.

use chrono::{Datelike, NaiveDate};
use serde_json::{json, Value};

use super::rng::Rng;

/// A worker and their enrollment, as typed on the phone: the NIK and phone number as the agent
/// typed them (plain or in groups), the sex as the letter chosen (`M`/`F`, or the Indonesian
/// `L`/`P`), the name as typed (the rules normalize case and spaces).
#[derive(Clone, Debug, PartialEq)]
pub struct Worker {
    pub nik: String,
    pub full_name: String,
    pub birth_place: String,
    pub birth_date: NaiveDate,
    /// Whether the worker is a woman (what the NIK says; `sex` is what was typed).
    pub female: bool,
    pub sex: &'static str,
    pub phone: String,
    pub address: String,
    /// An occupation code (DOMAIN.md §5).
    pub occupation: &'static str,
    pub monthly_income: u64,
    pub programs: &'static [&'static str],
    pub payment_months: u32,
    /// The phone's GPS fix, if it had one.
    pub location: Option<Fix>,
    /// Set by the shells that send it (`perisai enroll`); the phone apps leave it to the core.
    pub enrolled_on: Option<NaiveDate>,
}

/// A GPS fix as a phone reports it: degrees and an accuracy in metres, all doubles.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fix {
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: f64,
}

impl Worker {
    /// The enrollment form as the shells send it to the core.
    pub fn form(&self) -> Value {
        let mut form = json!({
            "nik": self.nik,
            "full_name": self.full_name,
            "birth_place": self.birth_place,
            "birth_date": self.birth_date.to_string(),
            "sex": self.sex,
            "phone": self.phone,
            "address": self.address,
            "occupation": self.occupation,
            "monthly_income": self.monthly_income,
            "programs": self.programs,
            "payment_months": self.payment_months,
            "consent": true,
        });
        if let Some(on) = self.enrolled_on {
            form["enrolled_on"] = json!(on.to_string());
        }
        if let Some(fix) = self.location {
            form["location"] =
                json!({"lat": fix.lat, "lon": fix.lon, "accuracy_m": fix.accuracy_m});
        }
        form
    }
}

/// Occupation codes (DOMAIN.md §5), repeated as often as the national draw meets them.
pub const OCCUPATIONS: &[&str] = &[
    "PEDAGANG",
    "PEDAGANG",
    "PEDAGANG",
    "PETANI",
    "PETANI",
    "NELAYAN",
    "OJOL",
    "OJOL",
    "OJEK",
    "SOPIR",
    "KURIR",
    "BURUH_HARIAN",
    "BURUH_HARIAN",
    "TUKANG",
    "PENJAHIT",
    "ART",
    "SENIMAN",
    "PEKERJA_LEPAS",
    "LAINNYA",
];

/// Mobile prefixes of the Indonesian operators (Telkomsel, Indosat, XL, Axis, Tri, Smartfren).
pub const PHONE_PREFIXES: &[&str] = &[
    "0811", "0812", "0813", "0821", "0822", "0852", "0853", "0851", "0814", "0815", "0816", "0855",
    "0856", "0857", "0858", "0817", "0818", "0819", "0859", "0877", "0878", "0895", "0896", "0897",
    "0898", "0899", "0881", "0882", "0883",
];

/// An NIK (DOMAIN.md §4): `region` (province and regency, 4 digits), `district`, DDMMYY of the
/// birth date with 40 added to the day for women, and `serial` (1–9999).
pub fn nik(region: &str, district: u64, birth: NaiveDate, female: bool, serial: u64) -> String {
    let day = birth.day() + if female { 40 } else { 0 };
    format!(
        "{region}{district:02}{day:02}{:02}{:02}{serial:04}",
        birth.month(),
        birth.year().rem_euclid(100)
    )
}

/// `count` random digits.
pub fn digits(rng: &mut Rng, count: u64) -> String {
    (0..count)
        .map(|_| char::from(b'0' + rng.range(0, 10) as u8))
        .collect()
}

/// A mobile number, digits only: a prefix and 7 or 8 digits.
pub fn mobile(rng: &mut Rng) -> String {
    let prefix = rng.pick(PHONE_PREFIXES);
    let count = rng.range(7, 9);
    format!("{prefix}{}", digits(rng, count))
}

/// A mobile number as agents type it: mostly plain, else with dashes, spaces or `+62`.
pub fn typed_mobile(rng: &mut Rng) -> String {
    let prefix = rng.pick(PHONE_PREFIXES);
    let rest = digits(rng, 8);
    match rng.range(0, 10) {
        0..=5 => format!("{prefix}{rest}"),
        6..=7 => format!("{prefix}-{}-{}", &rest[..4], &rest[4..]),
        8 => format!("+62 {} {} {}", &prefix[1..], &rest[..4], &rest[4..]),
        _ => format!("{prefix} {} {}", &rest[..4], &rest[4..]),
    }
}

/// An NIK as agents type it: mostly plain, sometimes in the KTP's groups of four.
pub fn typed_nik(rng: &mut Rng, nik: &str) -> String {
    if rng.chance(15) && nik.len() == 16 {
        format!(
            "{} {} {} {}",
            &nik[..4],
            &nik[4..8],
            &nik[8..12],
            &nik[12..]
        )
    } else {
        nik.to_string()
    }
}

/// The digits of a string field (an NIK or a phone number as typed).
pub fn digits_of(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_digit)
        .collect()
}
