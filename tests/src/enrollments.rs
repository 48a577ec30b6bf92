//! Valid, distinct enrollments for the tests, made deterministically from (device, n).
//!
//! Each is the form of DOMAIN.md §3 as an agent would fill it in: a valid NIK (province 32,
//! regency `01 + device / 90`, district `10 + device % 90`, the birth date as DDMMYY with 40
//! added to the day for women, serial `n + 1`), a name of letters only, an Indonesian mobile
//! number (`081` + device + n), an address, an occupation code, an income of at least
//! Rp1.000.000, JKK+JKM, 1/3/6/12 months paid, consent, and a fixed `enrolled_on`
//! ([`ENROLLED_ON`]) so ages and tariffs never drift with the calendar. NIKs and phone numbers
//! are unique over devices 0–8909 × n 0–9998 (the load driver's thousand devices included);
//! devices 0–89 are in regency 01, as they always were.
//!
//! `form(device, n)` is what `perisai enroll` takes; [`WireRecords`] turns forms into the wire
//! records of docs/PROTOCOL.md for tests that speak the protocol themselves.

use chrono::{Datelike, NaiveDate};
use perisai_core::tariff::RuleBook;
use serde_json::{json, Value};

/// The enrollment date of every generated record: a recent Monday.
pub const ENROLLED_ON: &str = "2026-11-16";

/// Most devices the generator keeps NIKs apart for (regencies 01–99 × districts 10–99).
pub const MAX_DEVICES: u32 = 99 * 90;
/// Most enrollments per device (serials 0001–9999).
pub const MAX_PER_DEVICE: u32 = 9999;

const GIVEN: [&str; 16] = [
    "Siti", "Budi", "Dewi", "Agus", "Rina", "Joko", "Wati", "Slamet", "Ayu", "Bambang", "Sri",
    "Hendra", "Lestari", "Yusuf", "Putri", "Ahmad",
];
const FAMILY: [&str; 12] = [
    "Rahayu", "Santoso", "Wijaya", "Kusuma", "Hidayat", "Saputra", "Lubis", "Nasution", "Siregar",
    "Pratama", "Setiawan", "Gunawan",
];
const PLACES: [&str; 6] = ["Bogor", "Depok", "Bekasi", "Cianjur", "Sukabumi", "Garut"];
const STREETS: [&str; 5] = [
    "Jl. Pasar Baru",
    "Jl. Merdeka",
    "Gang Melati",
    "Jl. Raya Dramaga",
    "Kp. Cibuluh RT 03/RW 02",
];
const OCCUPATIONS: [&str; 8] = [
    "PEDAGANG",
    "PETANI",
    "NELAYAN",
    "OJOL",
    "BURUH_HARIAN",
    "TUKANG",
    "PENJAHIT",
    "KURIR",
];
const PAYMENT_MONTHS: [u32; 4] = [1, 3, 6, 12];

/// The enrollment form number `n` of device number `device` (see the module comment).
///
/// Panics when `device` or `n` is beyond what keeps NIKs unique: a bug in the test, not data.
pub fn form(device: u32, n: u32) -> Value {
    assert!(device < MAX_DEVICES, "device {device} beyond {MAX_DEVICES}");
    assert!(n < MAX_PER_DEVICE, "enrollment {n} beyond {MAX_PER_DEVICE}");
    let mix = device * 7919 + n * 104_729;
    let female = (n + device) % 2 == 1;
    // Born 1966–2000: 25 to 60 years old on ENROLLED_ON, well inside 18–64.
    let year = 1966 + (mix % 35) as i32;
    let month = 1 + (mix / 35) % 12;
    let day = 1 + (mix / 420) % 28;
    let birth = NaiveDate::from_ymd_opt(year, month, day).unwrap_or_default();
    let nik_day = birth.day() + if female { 40 } else { 0 };
    let nik = format!(
        "32{:02}{:02}{:02}{:02}{:02}{:04}",
        1 + device / 90,
        10 + device % 90,
        nik_day,
        birth.month(),
        birth.year() % 100,
        n + 1
    );
    let given = GIVEN[(n as usize) % GIVEN.len()];
    let family = FAMILY[(n as usize / GIVEN.len() + device as usize) % FAMILY.len()];
    json!({
        "nik": nik,
        "full_name": format!("{given} {family}"),
        "birth_place": PLACES[(mix as usize) % PLACES.len()],
        "birth_date": birth.format("%Y-%m-%d").to_string(),
        "sex": if female { "F" } else { "M" },
        "phone": format!("081{:02}{:06}", device, n),
        "address": format!("{} No. {}, Bogor", STREETS[(n as usize) % STREETS.len()], n + 1),
        "occupation": OCCUPATIONS[(n as usize + device as usize) % OCCUPATIONS.len()],
        "monthly_income": 1_000_000 + (u64::from(mix) % 80) * 125_000,
        "programs": ["JKK", "JKM"],
        "payment_months": PAYMENT_MONTHS[(n as usize) % PAYMENT_MONTHS.len()],
        "consent": true,
        "location": {
            "lat": -6.59 - f64::from(n % 50) / 1000.0,
            "lon": 106.79 + f64::from(device % 50) / 1000.0,
            "accuracy_m": 12.0
        },
        "enrolled_on": ENROLLED_ON,
    })
}

/// `count` forms of device `device`: `form(device, 0..count)`.
pub fn forms(device: u32, count: u32) -> Vec<Value> {
    (0..count).map(|n| form(device, n)).collect()
}

/// The id of the rule set in force on [`ENROLLED_ON`] (what the device records as `rule_set`).
pub fn rule_set_id() -> String {
    let on = NaiveDate::parse_from_str(ENROLLED_ON, "%Y-%m-%d").unwrap_or_default();
    let book = RuleBook::builtin();
    book.in_force(on)
        .map_or_else(|| book.latest().id.clone(), |set| set.id.clone())
}

/// Makes wire records of one device: each form gets the fields a device adds (a fresh UUIDv7
/// `id`, the next gap-free `receipt_no`, `form_version`, `rule_set`, `created_at`, `consent` as
/// `{text_version, at}`, `confirmed_warnings`, and `device_id`).
#[derive(Debug)]
pub struct WireRecords {
    device_id: String,
    last_receipt_no: u64,
    rule_set: String,
}

impl WireRecords {
    pub fn new(device_id: &str) -> WireRecords {
        WireRecords {
            device_id: device_id.to_string(),
            last_receipt_no: 0,
            rule_set: rule_set_id(),
        }
    }

    /// The next wire record, from `form`.
    pub fn record(&mut self, form: &Value) -> Value {
        self.last_receipt_no += 1;
        let now = chrono::Utc::now().to_rfc3339();
        let mut record = form.clone();
        if let Some(map) = record.as_object_mut() {
            map.insert("id".into(), json!(uuid::Uuid::now_v7().to_string()));
            map.insert("receipt_no".into(), json!(self.last_receipt_no));
            map.insert(
                "form_version".into(),
                json!(perisai_core::record::FORM_VERSION),
            );
            map.insert("rule_set".into(), json!(self.rule_set));
            map.insert("created_at".into(), json!(now));
            map.insert(
                "consent".into(),
                json!({"text_version": "consent-v1", "at": now}),
            );
            map.insert("confirmed_warnings".into(), json!([]));
            map.insert("device_id".into(), json!(self.device_id));
        }
        record
    }

    /// Wire records for all of `forms`, in order.
    pub fn records(&mut self, forms: &[Value]) -> Vec<Value> {
        forms.iter().map(|f| self.record(f)).collect()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use perisai_core::rules::{self, NoLookups};

    use super::*;

    fn enrolled_on() -> NaiveDate {
        NaiveDate::parse_from_str(ENROLLED_ON, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn every_generated_enrollment_passes_the_core_rules_without_a_warning() {
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
        assert_eq!(niks.len(), 2000);
        assert_eq!(phones.len(), 2000);
        for f in &all {
            let nik = f["nik"].as_str().unwrap();
            assert!(nik.starts_with("3201"));
            let district: u32 = nik[4..6].parse().unwrap();
            assert!((10..=99).contains(&district));
            assert_ne!(&nik[12..], "0000");
            let name = f["full_name"].as_str().unwrap();
            assert!(name.chars().all(|c| c.is_alphabetic() || c == ' '));
            let phone = f["phone"].as_str().unwrap();
            assert!(phone.starts_with("08") && phone.as_bytes()[2] != b'0');
            let address = f["address"].as_str().unwrap().chars().count();
            assert!((5..=200).contains(&address));
            assert!(f["monthly_income"].as_u64().unwrap() >= 1_000_000);
            assert_eq!(f["programs"], json!(["JKK", "JKM"]));
            assert!([1, 3, 6, 12].contains(&f["payment_months"].as_u64().unwrap()));
            assert_eq!(f["consent"], json!(true));
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
        assert_eq!(records[1]["rule_set"], json!(rule_set_id()));
    }
}
