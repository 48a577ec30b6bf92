//! Table-driven validation cases (DOMAIN.md §3–§4): each case patches a valid enrollment and
//! states the exact errors and warnings, `(field, code)`, in report order. Further tests below
//! check the normalized record, special inputs and the rule set chosen by `enrolled_on`.

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

type Expect = &'static [(&'static str, &'static str)];

struct Case {
    name: &'static str,
    patch: Value,
    errors: Expect,
    warnings: Expect,
}

fn case(name: &'static str, patch: Value, errors: Expect, warnings: Expect) -> Case {
    Case {
        name,
        patch,
        errors,
        warnings,
    }
}

const OK: Expect = &[];

fn cases() -> Vec<Case> {
    let long = |n: usize| "a".repeat(n);
    vec![
        // --- valid records and normalization -------------------------------------------------
        case("base record is valid", json!({}), OK, OK),
        case(
            "nik with spaces",
            json!({"nik": "3201 0517 0890 0001"}),
            OK,
            OK,
        ),
        case(
            "nik with dots and dashes",
            json!({"nik": "32.01.05-170890-0001"}),
            OK,
            OK,
        ),
        case(
            "nik with outer spaces",
            json!({"nik": "  3201051708900001 "}),
            OK,
            OK,
        ),
        case(
            "phone +62 with spaces",
            json!({"phone": "+62 812 3456 7890"}),
            OK,
            OK,
        ),
        case(
            "phone 62 with dots",
            json!({"phone": "62.812.3456.7890"}),
            OK,
            OK,
        ),
        case("phone shortest", json!({"phone": "081234567"}), OK, OK),
        case("phone longest", json!({"phone": "0812345678901"}), OK, OK),
        case("sex L", json!({"sex": "L"}), OK, OK),
        case(
            "sex P, woman's nik",
            json!({"sex": "P", "nik": "3201055708900001"}),
            OK,
            OK,
        ),
        case(
            "sex F, woman's nik",
            json!({"sex": "F", "nik": "3201055708900001"}),
            OK,
            OK,
        ),
        case("sex lower-case l", json!({"sex": "l"}), OK, OK),
        case("mononym", json!({"full_name": "Sukarno"}), OK, OK),
        case(
            "name punctuation",
            json!({"full_name": "R.A. Kartini, Ma'ruf-Amin"}),
            OK,
            OK,
        ),
        case(
            "name extra spaces",
            json!({"full_name": "  budi    santoso "}),
            OK,
            OK,
        ),
        case("name accents", json!({"full_name": "José Ñúñez"}), OK, OK),
        case("name javanese script", json!({"full_name": "ꦱꦸꦏꦂꦤ"}), OK, OK),
        case(
            "programs any order",
            json!({"programs": ["JKM", "JKK"]}),
            OK,
            OK,
        ),
        case(
            "programs with jht",
            json!({"programs": ["JHT", "JKM", "JKK"]}),
            OK,
            OK,
        ),
        case("payment months 3", json!({"payment_months": 3}), OK, OK),
        case("payment months 6", json!({"payment_months": 6}), OK, OK),
        case("payment months 12", json!({"payment_months": 12}), OK, OK),
        case(
            "location",
            json!({"location": {"lat": -6.9, "lon": 107.6, "accuracy_m": 12.5}}),
            OK,
            OK,
        ),
        case("location null", json!({"location": null}), OK, OK),
        case(
            "location at the limits",
            json!({"location": {"lat": 90, "lon": -180, "accuracy_m": 0}}),
            OK,
            OK,
        ),
        case("enrolled_on absent", json!({"enrolled_on": REMOVE}), OK, OK),
        case("enrolled_on null", json!({"enrolled_on": null}), OK, OK),
        case("enrolled_on blank", json!({"enrolled_on": ""}), OK, OK),
        case(
            "supersedes a correctable record",
            json!({"supersedes": "rec-1"}),
            OK,
            OK,
        ),
        case("supersedes null", json!({"supersedes": null}), OK, OK),
        case("courier", json!({"occupation": "KURIR"}), OK, OK),
        case(
            "papua province 96",
            json!({"nik": "9601051708900001"}),
            OK,
            OK,
        ),
        case("province 21", json!({"nik": "2101051708900001"}), OK, OK),
        case(
            "enrolled under bpu-2015",
            json!({"enrolled_on": "2025-12-31"}),
            OK,
            OK,
        ),
        // --- required ---------------------------------------------------------------------------
        case(
            "nik missing",
            json!({"nik": REMOVE}),
            &[("nik", "required")],
            OK,
        ),
        case("nik empty", json!({"nik": ""}), &[("nik", "required")], OK),
        case(
            "nik only spaces",
            json!({"nik": "   "}),
            &[("nik", "required")],
            OK,
        ),
        case(
            "full_name null",
            json!({"full_name": null}),
            &[("full_name", "required")],
            OK,
        ),
        case(
            "birth_place spaces",
            json!({"birth_place": "  "}),
            &[("birth_place", "required")],
            OK,
        ),
        case(
            "birth_date missing",
            json!({"birth_date": REMOVE}),
            &[("birth_date", "required")],
            OK,
        ),
        case("sex empty", json!({"sex": ""}), &[("sex", "required")], OK),
        case(
            "phone missing",
            json!({"phone": REMOVE}),
            &[("phone", "required")],
            OK,
        ),
        case(
            "address missing",
            json!({"address": REMOVE}),
            &[("address", "required")],
            OK,
        ),
        case(
            "occupation missing",
            json!({"occupation": REMOVE}),
            &[("occupation", "required")],
            OK,
        ),
        case(
            "income null",
            json!({"monthly_income": null}),
            &[("monthly_income", "required")],
            OK,
        ),
        case(
            "programs empty",
            json!({"programs": []}),
            &[("programs", "required")],
            OK,
        ),
        case(
            "programs missing",
            json!({"programs": REMOVE}),
            &[("programs", "required")],
            OK,
        ),
        case(
            "payment_months missing",
            json!({"payment_months": REMOVE}),
            &[("payment_months", "required")],
            OK,
        ),
        case(
            "consent missing",
            json!({"consent": REMOVE}),
            &[("consent", "required")],
            OK,
        ),
        // --- type -------------------------------------------------------------------------------
        case(
            "income as words",
            json!({"monthly_income": "banyak"}),
            &[("monthly_income", "type")],
            OK,
        ),
        case(
            "income with fraction",
            json!({"monthly_income": 1_500_000.5}),
            &[("monthly_income", "type")],
            OK,
        ),
        case(
            "income as digits string",
            json!({"monthly_income": "1500000"}),
            &[("monthly_income", "type")],
            OK,
        ),
        case(
            "payment_months string",
            json!({"payment_months": "12"}),
            &[("payment_months", "type")],
            OK,
        ),
        case(
            "payment_months float",
            json!({"payment_months": 1.0}),
            &[("payment_months", "type")],
            OK,
        ),
        case(
            "consent string",
            json!({"consent": "true"}),
            &[("consent", "type")],
            OK,
        ),
        case(
            "consent number",
            json!({"consent": 1}),
            &[("consent", "type")],
            OK,
        ),
        case(
            "programs string",
            json!({"programs": "JKK,JKM"}),
            &[("programs", "type")],
            OK,
        ),
        case(
            "programs with number",
            json!({"programs": ["JKK", 1]}),
            &[("programs", "type")],
            OK,
        ),
        case(
            "nik number",
            json!({"nik": 3_201_051_708_900_001u64}),
            &[("nik", "type")],
            OK,
        ),
        case(
            "full_name array",
            json!({"full_name": ["Budi"]}),
            &[("full_name", "type")],
            OK,
        ),
        case("sex boolean", json!({"sex": true}), &[("sex", "type")], OK),
        case(
            "location string",
            json!({"location": "dekat pasar"}),
            &[("location", "type")],
            OK,
        ),
        case(
            "location lat string",
            json!({"location": {"lat": "x", "lon": 1, "accuracy_m": 1}}),
            &[("location", "type")],
            OK,
        ),
        case(
            "location missing accuracy",
            json!({"location": {"lat": 1, "lon": 1}}),
            &[("location", "type")],
            OK,
        ),
        case(
            "enrolled_on number",
            json!({"enrolled_on": 20_260_512}),
            &[("enrolled_on", "type")],
            OK,
        ),
        case(
            "supersedes number",
            json!({"supersedes": 12}),
            &[("supersedes", "type")],
            OK,
        ),
        case(
            "birth_date number",
            json!({"birth_date": 19_900_817}),
            &[("birth_date", "type")],
            OK,
        ),
        // --- unknown_field ------------------------------------------------------------------------
        case(
            "unknown email",
            json!({"email": "x"}),
            &[("email", "unknown_field")],
            OK,
        ),
        case(
            "field name case matters",
            json!({"Nik": "3201051708900001"}),
            &[("Nik", "unknown_field")],
            OK,
        ),
        case(
            "device field id is not a form field",
            json!({"id": "0190"}),
            &[("id", "unknown_field")],
            OK,
        ),
        case(
            "two unknown fields, sorted",
            json!({"b_extra": 1, "a_extra": null}),
            &[("a_extra", "unknown_field"), ("b_extra", "unknown_field")],
            OK,
        ),
        case(
            "unknown key inside location",
            json!({"location": {"lat": 1, "lon": 1, "accuracy_m": 5, "altitude": 3}}),
            &[("location.altitude", "unknown_field")],
            OK,
        ),
        // --- nik -----------------------------------------------------------------------------------
        case(
            "nik 15 digits",
            json!({"nik": "320105170890001"}),
            &[("nik", "nik.format")],
            OK,
        ),
        case(
            "nik 17 digits",
            json!({"nik": "32010517089000011"}),
            &[("nik", "nik.format")],
            OK,
        ),
        case(
            "nik with a letter",
            json!({"nik": "320105170890000I"}),
            &[("nik", "nik.format")],
            OK,
        ),
        case(
            "nik with a slash",
            json!({"nik": "3201/051708900001"}),
            &[("nik", "nik.format")],
            OK,
        ),
        case(
            "nik full-width digits",
            json!({"nik": "３２01051708900001"}),
            &[("nik", "nik.format")],
            OK,
        ),
        case(
            "province 10",
            json!({"nik": "1001051708900001"}),
            &[("nik", "nik.province")],
            OK,
        ),
        case(
            "province 99",
            json!({"nik": "9901051708900001"}),
            &[("nik", "nik.province")],
            OK,
        ),
        case(
            "province 97",
            json!({"nik": "9701051708900001"}),
            &[("nik", "nik.province")],
            OK,
        ),
        case(
            "province 37",
            json!({"nik": "3701051708900001"}),
            &[("nik", "nik.province")],
            OK,
        ),
        case(
            "nik day 00",
            json!({"nik": "3201050008900001"}),
            &[("nik", "nik.birth_date")],
            OK,
        ),
        case(
            "nik day 32",
            json!({"nik": "3201053208900001"}),
            &[("nik", "nik.birth_date")],
            OK,
        ),
        case(
            "nik day 40",
            json!({"nik": "3201054008900001"}),
            &[("nik", "nik.birth_date")],
            OK,
        ),
        case(
            "nik day 72",
            json!({"nik": "3201057208900001"}),
            &[("nik", "nik.birth_date")],
            OK,
        ),
        case(
            "nik month 13",
            json!({"nik": "3201051713900001"}),
            &[("nik", "nik.birth_date")],
            OK,
        ),
        case(
            "nik 31 april",
            json!({"nik": "3201053104900001"}),
            &[("nik", "nik.birth_date")],
            OK,
        ),
        case(
            "nik woman's 71 = 31 april",
            json!({"nik": "3201057104900001", "sex": "F"}),
            &[("nik", "nik.birth_date")],
            OK,
        ),
        case(
            "nik 29 feb 01 exists in neither century",
            json!({"nik": "3201052902010001"}),
            &[("nik", "nik.birth_date")],
            OK,
        ),
        case(
            "nik serial 0000",
            json!({"nik": "3201051708900000"}),
            &[("nik", "nik.serial")],
            OK,
        ),
        case(
            "nik three problems at once",
            json!({"nik": "0001053513900000"}),
            &[
                ("nik", "nik.province"),
                ("nik", "nik.birth_date"),
                ("nik", "nik.serial"),
            ],
            OK,
        ),
        case(
            "nik woman 29 feb 2000 (day 69)",
            json!({"nik": "3201056902000001", "sex": "F", "birth_date": "2000-02-29"}),
            OK,
            OK,
        ),
        case(
            "nik man 29 feb 2000: only the 20YY reading is real",
            json!({"nik": "3201052902000001", "birth_date": "2000-02-29"}),
            OK,
            OK,
        ),
        case(
            "nik woman day 41",
            json!({"nik": "3201054108900001", "sex": "P", "birth_date": "1990-08-01"}),
            OK,
            OK,
        ),
        case(
            "nik YY 05 read as 2005",
            json!({"nik": "3201051708050001", "birth_date": "2005-08-17"}),
            OK,
            OK,
        ),
        case(
            "nik YY 62 read as 1962 (2062 is after enrollment)",
            json!({"nik": "3201051708620001", "birth_date": "1962-08-17"}),
            OK,
            OK,
        ),
        case(
            "nik YY 05 read as 1905: too old",
            json!({"nik": "3201051708050001", "birth_date": "1905-08-17"}),
            &[("birth_date", "age.too_old")],
            OK,
        ),
        // --- cross-field warnings -----------------------------------------------------------------
        case(
            "birth date differs from nik",
            json!({"birth_date": "1990-08-18"}),
            OK,
            &[("nik", "nik.birth_date_mismatch")],
        ),
        case(
            "birth year differs from nik",
            json!({"birth_date": "1991-08-17"}),
            OK,
            &[("nik", "nik.birth_date_mismatch")],
        ),
        case(
            "woman's nik, sex M",
            json!({"nik": "3201055708900001", "sex": "M"}),
            OK,
            &[("nik", "nik.sex_mismatch")],
        ),
        case(
            "man's nik, sex P",
            json!({"sex": "P"}),
            OK,
            &[("nik", "nik.sex_mismatch")],
        ),
        case(
            "both mismatches",
            json!({"sex": "F", "birth_date": "1990-08-18"}),
            OK,
            &[
                ("nik", "nik.birth_date_mismatch"),
                ("nik", "nik.sex_mismatch"),
            ],
        ),
        case(
            "no date warning when nik invalid",
            json!({"nik": "3201051708900000", "birth_date": "1990-08-18"}),
            &[("nik", "nik.serial")],
            OK,
        ),
        case(
            "no sex warning when nik invalid",
            json!({"nik": "9901055708900001", "sex": "M"}),
            &[("nik", "nik.province")],
            OK,
        ),
        case(
            "no sex warning when sex invalid",
            json!({"nik": "3201055708900001", "sex": "X"}),
            &[("sex", "sex.invalid")],
            OK,
        ),
        case(
            "no date warning when birth_date invalid",
            json!({"birth_date": "1990-02-30"}),
            &[("birth_date", "birth_date.format")],
            OK,
        ),
        case(
            "no date warning when too young",
            json!({"birth_date": "2010-08-17"}),
            &[("birth_date", "age.too_young")],
            OK,
        ),
        case(
            "no warnings when nik format wrong",
            json!({"nik": "abc", "sex": "F", "birth_date": "1991-01-01"}),
            &[("nik", "nik.format")],
            OK,
        ),
        // --- birth_date and ages ------------------------------------------------------------------
        case(
            "birth_date 30 feb",
            json!({"birth_date": "1990-02-30"}),
            &[("birth_date", "birth_date.format")],
            OK,
        ),
        case(
            "birth_date day first",
            json!({"birth_date": "17-08-1990"}),
            &[("birth_date", "birth_date.format")],
            OK,
        ),
        case(
            "birth_date single digit month",
            json!({"birth_date": "1990-8-17"}),
            &[("birth_date", "birth_date.format")],
            OK,
        ),
        case(
            "birth_date 29 feb of a common year",
            json!({"birth_date": "1991-02-29"}),
            &[("birth_date", "birth_date.format")],
            OK,
        ),
        case(
            "birth_date after enrolled_on",
            json!({"nik": "3201051305260001", "birth_date": "2026-05-13"}),
            &[("birth_date", "birth_date.format")],
            OK,
        ),
        case(
            "birth_date after the default today",
            json!({"enrolled_on": REMOVE, "nik": "3201050206260001", "birth_date": "2026-06-02"}),
            &[("birth_date", "birth_date.format")],
            OK,
        ),
        case(
            "18 exactly",
            json!({"nik": "3201051205080001", "birth_date": "2008-05-12"}),
            OK,
            OK,
        ),
        case(
            "17 years 364 days",
            json!({"nik": "3201051305080001", "birth_date": "2008-05-13"}),
            &[("birth_date", "age.too_young")],
            OK,
        ),
        case(
            "64, turning 65 tomorrow",
            json!({"nik": "3201051305610001", "birth_date": "1961-05-13"}),
            OK,
            OK,
        ),
        case(
            "65 exactly",
            json!({"nik": "3201051205610001", "birth_date": "1961-05-12"}),
            &[("birth_date", "age.too_old")],
            OK,
        ),
        case(
            "born 29 feb, on 28 feb of year 18: still 17",
            json!({"nik": "3201052902080001", "birth_date": "2008-02-29", "enrolled_on": "2026-02-28"}),
            &[("birth_date", "age.too_young")],
            OK,
        ),
        case(
            "born 29 feb, on 1 march of year 18: 18",
            json!({"nik": "3201052902080001", "birth_date": "2008-02-29", "enrolled_on": "2026-03-01"}),
            OK,
            OK,
        ),
        case(
            "born 29 feb, on 29 feb of a leap year",
            json!({"nik": "3201052902080001", "birth_date": "2008-02-29", "enrolled_on": "2028-02-29"}),
            OK,
            OK,
        ),
        case(
            "born 29 feb 1960, on 28 feb 2025: 64",
            json!({"nik": "3201052902600001", "birth_date": "1960-02-29", "enrolled_on": "2025-02-28"}),
            OK,
            OK,
        ),
        case(
            "born 29 feb 1960, on 1 march 2025: 65",
            json!({"nik": "3201052902600001", "birth_date": "1960-02-29", "enrolled_on": "2025-03-01"}),
            &[("birth_date", "age.too_old")],
            OK,
        ),
        case(
            "ages skipped when enrolled_on is wrong",
            json!({"enrolled_on": "2026-02-30", "birth_date": "2010-08-17", "nik": "3201051708100001"}),
            &[("enrolled_on", "enrolled_on.format")],
            OK,
        ),
        // --- sex ------------------------------------------------------------------------------------
        case("sex X", json!({"sex": "X"}), &[("sex", "sex.invalid")], OK),
        case(
            "sex spelled out",
            json!({"sex": "Laki-laki"}),
            &[("sex", "sex.invalid")],
            OK,
        ),
        // --- phone ----------------------------------------------------------------------------------
        case(
            "landline",
            json!({"phone": "0212345678"}),
            &[("phone", "phone.format")],
            OK,
        ),
        case(
            "phone too short",
            json!({"phone": "08123456"}),
            &[("phone", "phone.format")],
            OK,
        ),
        case(
            "phone too long",
            json!({"phone": "08123456789012"}),
            &[("phone", "phone.format")],
            OK,
        ),
        case(
            "foreign number",
            json!({"phone": "+1 415 555 0100"}),
            &[("phone", "phone.format")],
            OK,
        ),
        case(
            "08 then 0",
            json!({"phone": "0802345678"}),
            &[("phone", "phone.format")],
            OK,
        ),
        case(
            "phone with brackets",
            json!({"phone": "(0812) 3456 7890"}),
            &[("phone", "phone.format")],
            OK,
        ),
        case(
            "phone letters",
            json!({"phone": "abc"}),
            &[("phone", "phone.format")],
            OK,
        ),
        // --- name -----------------------------------------------------------------------------------
        case(
            "name with digit",
            json!({"full_name": "Budi2"}),
            &[("full_name", "name.format")],
            OK,
        ),
        case(
            "name one letter",
            json!({"full_name": "B"}),
            &[("full_name", "name.format")],
            OK,
        ),
        case(
            "name 101 letters",
            json!({"full_name": long(101)}),
            &[("full_name", "name.format")],
            OK,
        ),
        case("name 100 letters", json!({"full_name": long(100)}), OK, OK),
        case(
            "name with emoji",
            json!({"full_name": "Budi 😀"}),
            &[("full_name", "name.format")],
            OK,
        ),
        case(
            "name with underscore",
            json!({"full_name": "Budi_Santoso"}),
            &[("full_name", "name.format")],
            OK,
        ),
        case(
            "name only punctuation",
            json!({"full_name": "--"}),
            &[("full_name", "name.format")],
            OK,
        ),
        // --- birth_place and address ----------------------------------------------------------------
        case("birth_place 60", json!({"birth_place": long(60)}), OK, OK),
        case(
            "birth_place 61",
            json!({"birth_place": long(61)}),
            &[("birth_place", "birth_place.format")],
            OK,
        ),
        case("birth_place 1", json!({"birth_place": "X"}), OK, OK),
        case(
            "address 4",
            json!({"address": "Jl.A"}),
            &[("address", "address.format")],
            OK,
        ),
        case("address 5", json!({"address": "Jl. A"}), OK, OK),
        case("address 200", json!({"address": long(200)}), OK, OK),
        case(
            "address 201",
            json!({"address": long(201)}),
            &[("address", "address.format")],
            OK,
        ),
        // --- occupation -----------------------------------------------------------------------------
        case(
            "occupation PNS",
            json!({"occupation": "PNS"}),
            &[("occupation", "occupation.unknown")],
            OK,
        ),
        case(
            "occupation lower case",
            json!({"occupation": "pedagang"}),
            &[("occupation", "occupation.unknown")],
            OK,
        ),
        // --- income ---------------------------------------------------------------------------------
        case(
            "income 999,999",
            json!({"monthly_income": 999_999}),
            &[("monthly_income", "income.below_minimum")],
            OK,
        ),
        case(
            "income 1,000,000",
            json!({"monthly_income": 1_000_000}),
            OK,
            OK,
        ),
        case(
            "income 20,700,000",
            json!({"monthly_income": 20_700_000}),
            OK,
            OK,
        ),
        case(
            "income 20,700,001",
            json!({"monthly_income": 20_700_001}),
            &[("monthly_income", "income.above_maximum")],
            OK,
        ),
        case(
            "income zero",
            json!({"monthly_income": 0}),
            &[("monthly_income", "income.below_minimum")],
            OK,
        ),
        case(
            "income negative",
            json!({"monthly_income": -5}),
            &[("monthly_income", "income.below_minimum")],
            OK,
        ),
        case(
            "income beyond i64",
            json!({"monthly_income": u64::MAX}),
            &[("monthly_income", "income.above_maximum")],
            OK,
        ),
        // --- programs -------------------------------------------------------------------------------
        case(
            "programs JKK only",
            json!({"programs": ["JKK"]}),
            &[("programs", "programs.invalid")],
            OK,
        ),
        case(
            "programs duplicate",
            json!({"programs": ["JKK", "JKM", "JKM"]}),
            &[("programs", "programs.invalid")],
            OK,
        ),
        case(
            "programs with JP",
            json!({"programs": ["JKK", "JKM", "JP"]}),
            &[("programs", "programs.invalid")],
            OK,
        ),
        case(
            "programs with JKP",
            json!({"programs": ["JKK", "JKM", "JHT", "JKP"]}),
            &[("programs", "programs.invalid")],
            OK,
        ),
        case(
            "programs lower case",
            json!({"programs": ["jkk", "jkm"]}),
            &[("programs", "programs.invalid")],
            OK,
        ),
        case(
            "programs without JKM",
            json!({"programs": ["JKK", "JHT"]}),
            &[("programs", "programs.invalid")],
            OK,
        ),
        // --- payment_months -------------------------------------------------------------------------
        case(
            "payment_months 2",
            json!({"payment_months": 2}),
            &[("payment_months", "payment_months.invalid")],
            OK,
        ),
        case(
            "payment_months 0",
            json!({"payment_months": 0}),
            &[("payment_months", "payment_months.invalid")],
            OK,
        ),
        case(
            "payment_months 24",
            json!({"payment_months": 24}),
            &[("payment_months", "payment_months.invalid")],
            OK,
        ),
        case(
            "payment_months -1",
            json!({"payment_months": -1}),
            &[("payment_months", "payment_months.invalid")],
            OK,
        ),
        // --- consent, location, enrolled_on, supersedes ---------------------------------------------
        case(
            "consent false",
            json!({"consent": false}),
            &[("consent", "consent.missing")],
            OK,
        ),
        case(
            "latitude 91",
            json!({"location": {"lat": 91, "lon": 0, "accuracy_m": 5}}),
            &[("location", "location.range")],
            OK,
        ),
        case(
            "longitude -180.5",
            json!({"location": {"lat": 0, "lon": -180.5, "accuracy_m": 5}}),
            &[("location", "location.range")],
            OK,
        ),
        case(
            "negative accuracy",
            json!({"location": {"lat": 0, "lon": 0, "accuracy_m": -1}}),
            &[("location", "location.range")],
            OK,
        ),
        case(
            "enrolled_on month 13",
            json!({"enrolled_on": "2026-13-01"}),
            &[("enrolled_on", "enrolled_on.format")],
            OK,
        ),
        case(
            "enrolled_on day first",
            json!({"enrolled_on": "12/05/2026"}),
            &[("enrolled_on", "enrolled_on.format")],
            OK,
        ),
        case(
            "enrolled_on before any rule set",
            json!({"enrolled_on": "2014-01-01"}),
            &[("enrolled_on", "enrolled_on.format")],
            OK,
        ),
        case(
            "supersedes unknown record",
            json!({"supersedes": "rec-9"}),
            &[("supersedes", "supersedes.invalid")],
            OK,
        ),
        // --- duplicates -----------------------------------------------------------------------------
        case(
            "nik already on this device",
            json!({"nik": "3201051708900002"}),
            OK,
            &[("nik", "nik.duplicate_local")],
        ),
        case(
            "nik in the branch list",
            json!({"nik": "3201051708900003"}),
            OK,
            &[("nik", "nik.duplicate_known")],
        ),
        case(
            "nik local and known",
            json!({"nik": "3201 0517 0890 0004"}),
            OK,
            &[
                ("nik", "nik.duplicate_local"),
                ("nik", "nik.duplicate_known"),
            ],
        ),
        case(
            "correction of the record holding the nik",
            json!({"nik": "3201051708900002", "supersedes": "rec-1"}),
            OK,
            OK,
        ),
        case(
            "correction of another record",
            json!({"nik": "3201051708900002", "supersedes": "rec-2"}),
            OK,
            &[("nik", "nik.duplicate_local")],
        ),
        case(
            "duplicate and mismatch together",
            json!({"nik": "3201051708900003", "birth_date": "1990-08-18"}),
            OK,
            &[
                ("nik", "nik.birth_date_mismatch"),
                ("nik", "nik.duplicate_known"),
            ],
        ),
        // --- many problems at once, in form order ---------------------------------------------------
        case(
            "everything wrong at once",
            json!({"consent": false, "nik": "12", "phone": "123", "programs": ["JKK"], "zzz": 1, "sex": "Q",
                   "monthly_income": 1, "payment_months": 5, "occupation": "X", "address": "a", "birth_place": long(61),
                   "full_name": "1", "birth_date": "x", "location": {"lat": 100, "lon": 0, "accuracy_m": 1}, "enrolled_on": "x", "supersedes": "x"}),
            &[
                ("nik", "nik.format"),
                ("full_name", "name.format"),
                ("birth_place", "birth_place.format"),
                ("birth_date", "birth_date.format"),
                ("sex", "sex.invalid"),
                ("phone", "phone.format"),
                ("address", "address.format"),
                ("occupation", "occupation.unknown"),
                ("monthly_income", "income.below_minimum"),
                ("programs", "programs.invalid"),
                ("payment_months", "payment_months.invalid"),
                ("consent", "consent.missing"),
                ("location", "location.range"),
                ("enrolled_on", "enrolled_on.format"),
                ("supersedes", "supersedes.invalid"),
                ("zzz", "unknown_field"),
            ],
            OK,
        ),
    ]
}

fn pairs(issues: &[perisai_domain::rules::report::Issue]) -> Vec<(String, String)> {
    issues
        .iter()
        .map(|i| (i.field.clone(), i.code.clone()))
        .collect()
}

fn expected(list: Expect) -> Vec<(String, String)> {
    list.iter()
        .map(|(f, c)| (f.to_string(), c.to_string()))
        .collect()
}

fn run(record: &Value) -> (ValidationReport, Option<Enrollment>) {
    validate(record, today(), &RuleBook::builtin(), &Lookups::new())
}

#[test]
fn the_table_has_at_least_100_cases_with_unique_names() {
    let cases = cases();
    assert!(cases.len() >= 100, "only {} cases", cases.len());
    let mut names: Vec<_> = cases.iter().map(|c| c.name).collect();
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
        let want = (expected(case.errors), expected(case.warnings));
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
        seen.extend(case.errors.iter().chain(case.warnings).map(|(_, c)| *c));
    }
    for code in codes::ALL {
        assert!(seen.contains(&code), "no case for {code}");
    }
    let field_of = |code: &str| {
        cases()
            .iter()
            .flat_map(|c| {
                c.errors
                    .iter()
                    .chain(c.warnings)
                    .copied()
                    .collect::<Vec<_>>()
            })
            .find(|(_, c)| *c == code)
            .map(|(f, _)| f)
    };
    assert_eq!(field_of("age.too_young"), Some("birth_date"));
    assert_eq!(field_of("name.format"), Some("full_name"));
    assert_eq!(field_of("income.above_maximum"), Some("monthly_income"));
    assert_eq!(field_of("nik.sex_mismatch"), Some("nik"));
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
