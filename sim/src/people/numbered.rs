//! Numbered workers for the end-to-end tests and the load driver: `form(device, n)`, the same
//! every time, valid and without a warning on [`ENROLLED_ON`], and distinct people (NIK and
//! phone number) over devices 0–8909 × n 0–9998.
//!
//! What keeps them apart is their numbers: the NIK is province 32, regency `01 + device / 90`,
//! district `10 + device % 90`, the birth date as DDMMYY with 40 added to the day for women,
//! serial `n + 1` (so devices 0–89, as many as the tests use, are in regency 01, Kabupaten
//! Bogor); the phone number is `081` + device + n. The rest is drawn from the generator's
//! tables with a seed made of the two numbers: a name of one of the peoples of [`Folk`] (given
//! and second name, letters only, so it reads back the same from any page), a birth date 25 to
//! 60 years back, an address in Kabupaten Bogor, an occupation and income of the national draw,
//! JKK + JKM, 1, 3, 6 or 12 months paid, a GPS fix within a few kilometres of Bogor.

use chrono::{Duration, NaiveDate};
use serde_json::Value;

use super::names::Folk;
use super::places::{self, BIRTH_PLACES, REGIONS};
use super::rng::Rng;
use super::worker::{self, Fix, Worker, OCCUPATIONS};

/// The enrollment date of every numbered form: a recent Monday.
pub const ENROLLED_ON: &str = "2026-11-16";

/// Most devices the numbering keeps NIKs apart for (regencies 01–99 × districts 10–99).
pub const MAX_DEVICES: u32 = 99 * 90;
/// Most enrollments per device (serials 0001–9999).
pub const MAX_PER_DEVICE: u32 = 9999;

/// [`ENROLLED_ON`] as a date.
pub fn enrolled_on() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 16).unwrap_or_default()
}

/// Worker number `n` of device number `device` (see the module comment).
///
/// Panics when `device` or `n` is beyond what keeps NIKs unique: a bug in the test, not data.
pub fn worker(device: u32, n: u32) -> Worker {
    assert!(device < MAX_DEVICES, "device {device} beyond {MAX_DEVICES}");
    assert!(n < MAX_PER_DEVICE, "enrollment {n} beyond {MAX_PER_DEVICE}");
    let mut rng = Rng::new(0x7E57_0000_0000_0000 ^ (u64::from(device) << 16) ^ u64::from(n));
    let on = enrolled_on();
    let female = rng.chance(45);
    // 25 to 60 years old on ENROLLED_ON, well inside 18–64.
    let birth_date = on - Duration::days(rng.range(25 * 366, 60 * 365) as i64);
    let region = format!("32{:02}", 1 + device / 90);
    let nik = worker::nik(
        &region,
        u64::from(10 + device % 90),
        birth_date,
        female,
        u64::from(n) + 1,
    );
    let folk = rng.pick(&Folk::ALL);
    let full_name = loop {
        let name = folk.name(&mut rng, female);
        if name.contains(' ') && name.chars().all(|c| c.is_alphabetic() || c == ' ') {
            break name;
        }
    };
    let bogor = &REGIONS[0];
    let monthly_income = 1_000_000 + rng.range(0, 80) * 125_000;
    Worker {
        nik,
        full_name,
        birth_place: rng.pick(BIRTH_PLACES).to_string(),
        birth_date,
        female,
        sex: if female { "F" } else { "M" },
        phone: format!("081{device:02}{n:06}"),
        address: places::address(&mut rng, bogor),
        occupation: rng.pick(OCCUPATIONS),
        monthly_income,
        programs: &["JKK", "JKM"],
        payment_months: rng.pick(&[1, 3, 6, 12]),
        location: Some(Fix {
            lat: -6.59 - rng.unit() * 0.05,
            lon: 106.79 + rng.unit() * 0.05,
            accuracy_m: rng.range(4, 30) as f64,
        }),
        enrolled_on: Some(on),
    }
}

/// The enrollment form of worker `n` of device `device`, as `perisai enroll` takes it.
pub fn form(device: u32, n: u32) -> Value {
    worker(device, n).form()
}

/// `count` forms of device `device`: `form(device, 0..count)`.
pub fn forms(device: u32, count: u32) -> Vec<Value> {
    (0..count).map(|n| form(device, n)).collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use perisai_core::rules::{self, NoLookups};
    use perisai_core::tariff::RuleBook;
    use serde_json::json;

    use super::super::wire::{rule_set_id, WireRecords};
    use super::*;

    #[test]
    fn every_numbered_enrollment_passes_the_core_rules_without_a_warning() {
        let book = RuleBook::builtin();
        for device in [0, 1, 19, MAX_DEVICES - 1] {
            for n in (0..400).chain([MAX_PER_DEVICE - 1]) {
                let form = form(device, n);
                let (report, record) = rules::validate(&form, enrolled_on(), &book, &NoLookups);
                assert!(
                    report.errors.is_empty() && report.warnings.is_empty(),
                    "device {device} n {n}: {:?} {:?}\n{form}",
                    report.errors,
                    report.warnings
                );
                assert!(record.is_some());
            }
        }
    }

    #[test]
    fn twenty_devices_of_a_hundred_get_two_thousand_distinct_people() {
        let all: Vec<Value> = (0..20).flat_map(|d| forms(d, 100)).collect();
        let niks: HashSet<&str> = all.iter().map(|f| f["nik"].as_str().unwrap()).collect();
        let phones: HashSet<&str> = all.iter().map(|f| f["phone"].as_str().unwrap()).collect();
        let names: HashSet<&str> = all
            .iter()
            .map(|f| f["full_name"].as_str().unwrap())
            .collect();
        assert_eq!(niks.len(), 2000);
        assert_eq!(phones.len(), 2000);
        assert!(names.len() > 1000, "{} distinct names", names.len());
        for f in &all {
            let nik = f["nik"].as_str().unwrap();
            assert!(nik.starts_with("3201"));
            let district: u32 = nik[4..6].parse().unwrap();
            assert!((10..=99).contains(&district));
            assert_ne!(&nik[12..], "0000");
            let name = f["full_name"].as_str().unwrap();
            assert!(name.contains(' '), "{name}");
            assert!(name.chars().all(|c| c.is_alphabetic() || c == ' '));
            let phone = f["phone"].as_str().unwrap();
            assert!(phone.starts_with("08") && phone.as_bytes()[2] != b'0');
            let address = f["address"].as_str().unwrap().chars().count();
            assert!((5..=200).contains(&address));
            assert!(f["monthly_income"].as_u64().unwrap() >= 1_000_000);
            assert_eq!(f["programs"], json!(["JKK", "JKM"]));
            assert!([1, 3, 6, 12].contains(&f["payment_months"].as_u64().unwrap()));
            assert_eq!(f["consent"], json!(true));
            assert_eq!(f["enrolled_on"], ENROLLED_ON);
            let lat = f["location"]["lat"].as_f64().unwrap();
            let lon = f["location"]["lon"].as_f64().unwrap();
            assert!((-6.64..=-6.59).contains(&lat) && (106.79..=106.84).contains(&lon));
        }
    }

    #[test]
    fn a_thousand_devices_get_distinct_people_and_the_first_ninety_keep_their_numbers() {
        // The load driver's fleet: devices beyond 89 move to other regencies, never colliding.
        let all: Vec<Value> = (0..1000).flat_map(|d| forms(d, 12)).collect();
        let niks: HashSet<&str> = all.iter().map(|f| f["nik"].as_str().unwrap()).collect();
        let phones: HashSet<&str> = all.iter().map(|f| f["phone"].as_str().unwrap()).collect();
        assert_eq!(niks.len(), 12_000);
        assert_eq!(phones.len(), 12_000);
        assert_eq!(form(5, 7)["nik"].as_str().unwrap()[..6], *"320115");
        assert_eq!(form(95, 7)["nik"].as_str().unwrap()[..6], *"320215");
        assert_eq!(form(5, 7)["phone"], "08105000007");
        let last = form(MAX_DEVICES - 1, MAX_PER_DEVICE - 1);
        assert_eq!(last["nik"].as_str().unwrap()[..6], *"329999");
        assert_eq!(last["phone"], "0818909009998");
    }

    #[test]
    fn the_same_numbers_give_the_same_form() {
        assert_eq!(form(3, 42), form(3, 42));
        assert_ne!(form(3, 42), form(4, 42));
        // The attack tests look for one device's first worker on another's page.
        let victim = form(1, 0)["full_name"].as_str().unwrap().to_uppercase();
        let attacker = form(2, 0)["full_name"].as_str().unwrap().to_uppercase();
        assert!(!attacker.contains(&victim), "{victim} / {attacker}");
    }

    #[test]
    fn wire_records_number_receipts_without_gaps_and_keep_the_form() {
        let mut wire = WireRecords::new("dev-1");
        let records = wire.records(&forms(0, 3));
        let receipts: Vec<u64> = records
            .iter()
            .map(|r| r["receipt_no"].as_u64().unwrap())
            .collect();
        assert_eq!(receipts, vec![1, 2, 3]);
        let ids: HashSet<&str> = records.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), 3);
        assert_eq!(records[1]["nik"], form(0, 1)["nik"]);
        assert_eq!(records[1]["device_id"], "dev-1");
        assert_eq!(records[1]["rule_set"], json!(rule_set_id(enrolled_on())));
    }
}
