//! Validation of one enrollment JSON object (DOMAIN.md §3–§4): every field checked, every problem
//! reported at once, in form order, and the normalized [`Enrollment`] built when nothing is wrong.
//!
//! Rules of reporting:
//! - after `required`, `type` or a `*.format` error on a field, nothing more is said about it;
//! - cross-field warnings (`nik.birth_date_mismatch`, `nik.sex_mismatch`) only when both fields
//!   have no error; the duplicate warnings only when the NIK has none;
//! - `enrolled_on` (default: the device's `today`) is "today" for every rule, and picks the rule
//!   set whose parameters apply (ages, income, packages, prepayment periods). When `enrolled_on`
//!   itself is wrong, the rules that compare with it are skipped and today's rule set supplies
//!   the parameters, so the other fields are still checked.

use chrono::NaiveDate;
use serde_json::{Map, Value};

use super::codes::*;
use super::date::{age_on, parse_iso_date};
use super::input::{self, Integer};
use super::nfc::nfc;
use super::nik::{self, Nik};
use super::report::{Issue, ValidationReport};
use super::{messages, name, phone, RecordLookups};
use crate::form::{is_occupation, ADDRESS_LENGTH, BIRTH_PLACE_LENGTH, FIELD_KEYS};
use crate::message::Message;
use crate::record::{Enrollment, Location, Program, Sex};
use crate::tariff::{EnrollmentTerms, RuleBook};

/// Issues collected with the position of their field in the form, so they are reported in form
/// order whatever order the checks ran in.
struct Found<'t> {
    errors: Vec<(usize, Issue)>,
    warnings: Vec<(usize, Issue)>,
    terms: Option<&'t EnrollmentTerms>,
}

impl Found<'_> {
    fn issue(&self, field: &str, code: &'static str, message: Option<Message>) -> (usize, Issue) {
        let order = FIELD_KEYS
            .iter()
            .position(|k| *k == field)
            .unwrap_or(FIELD_KEYS.len());
        let message = message.unwrap_or_else(|| messages::for_issue(field, code, self.terms));
        let issue = Issue {
            field: field.to_string(),
            code: code.to_string(),
            message,
        };
        (order, issue)
    }

    fn error(&mut self, field: &str, code: &'static str) {
        let issue = self.issue(field, code, None);
        self.errors.push(issue);
    }

    fn warning(&mut self, field: &str, code: &'static str) {
        let issue = self.issue(field, code, None);
        self.warnings.push(issue);
    }

    /// Reports `Err(code)` on `field`; `Some(value)` when there was none.
    fn take<T>(&mut self, field: &str, read: Result<T, &'static str>) -> Option<T> {
        read.map_err(|code| self.error(field, code)).ok()
    }

    fn has_error(&self, field: &str) -> bool {
        self.errors.iter().any(|(_, i)| i.field == field)
    }

    fn into_report(mut self) -> ValidationReport {
        // Stable sorts: within a field, codes stay in the order they were found.
        self.errors.sort_by_key(|(order, _)| *order);
        self.warnings.sort_by_key(|(order, _)| *order);
        ValidationReport {
            valid: self.errors.is_empty(),
            errors: self.errors.into_iter().map(|(_, i)| i).collect(),
            warnings: self.warnings.into_iter().map(|(_, i)| i).collect(),
        }
    }
}

pub fn validate(
    input: &Value,
    today: NaiveDate,
    book: &RuleBook,
    lookups: &dyn RecordLookups,
) -> (ValidationReport, Option<Enrollment>) {
    let mut found = Found {
        errors: Vec::new(),
        warnings: Vec::new(),
        terms: None,
    };
    let Some(obj) = input.as_object() else {
        // Not an object at all: one `type` error on the record itself (field "").
        found.error("", TYPE);
        return (found.into_report(), None);
    };

    // `enrolled_on` first: it is "today" for the other rules and picks the rule set.
    let enrolled_on = match found.take("enrolled_on", input::optional_text(obj, "enrolled_on")) {
        Some(None) => Some(today),
        Some(Some(text)) => {
            let date = parse_iso_date(text);
            if date.is_none() {
                found.error("enrolled_on", ENROLLED_ON_FORMAT);
            }
            date
        }
        None => None,
    };
    let rule_set = book.in_force(enrolled_on.unwrap_or(today));
    if enrolled_on.is_some() && rule_set.is_none() {
        let issue = found.issue(
            "enrolled_on",
            ENROLLED_ON_FORMAT,
            Some(messages::no_rule_set()),
        );
        found.errors.push(issue);
    }
    found.terms = rule_set.map(|rs| &rs.enrollment);

    let nik = check_nik(obj, enrolled_on, &mut found);
    let full_name = found
        .take("full_name", input::text(obj, "full_name"))
        .and_then(|t| found.take("full_name", name::parse(t).map_err(|e| e.code)));
    let birth_place = check_length(
        obj,
        "birth_place",
        BIRTH_PLACE_LENGTH,
        BIRTH_PLACE_FORMAT,
        &mut found,
    );
    let birth_date = check_birth_date(obj, enrolled_on, &mut found);
    let sex = found
        .take("sex", input::text(obj, "sex"))
        .and_then(|t| found.take("sex", parse_sex(t)));
    let phone = found
        .take("phone", input::text(obj, "phone"))
        .and_then(|t| found.take("phone", phone::parse(t).map_err(|e| e.code)));
    let address = check_length(obj, "address", ADDRESS_LENGTH, ADDRESS_FORMAT, &mut found);
    let occupation = found
        .take("occupation", input::text(obj, "occupation"))
        .and_then(|t| {
            let known = is_occupation(t).then(|| t.to_string());
            found.take("occupation", known.ok_or(OCCUPATION_UNKNOWN))
        });
    let monthly_income = check_income(obj, &mut found);
    let programs = check_programs(obj, &mut found);
    let payment_months = check_payment_months(obj, &mut found);
    let consent = found
        .take("consent", input::boolean(obj, "consent"))
        .and_then(|c| found.take("consent", if c { Ok(true) } else { Err(CONSENT_MISSING) }));
    let location = check_location(obj, &mut found);
    let supersedes = found
        .take("supersedes", input::optional_text(obj, "supersedes"))
        .and_then(|id| match id {
            Some(id) if !lookups.can_supersede(id) => {
                found.error("supersedes", SUPERSEDES_INVALID);
                None
            }
            other => Some(other.map(String::from)),
        });

    let mut unknown: Vec<&String> = obj
        .keys()
        .filter(|k| !FIELD_KEYS.contains(&k.as_str()))
        .collect();
    unknown.sort();
    for key in unknown {
        found.error(key, UNKNOWN_FIELD);
    }

    // Warnings that need the NIK to be right.
    if let Some(nik) = nik.as_ref().filter(|_| !found.has_error("nik")) {
        if let Some(bd) = birth_date.filter(|_| !found.has_error("birth_date")) {
            if !nik.matches_birth_date(bd) {
                found.warning("nik", NIK_BIRTH_DATE_MISMATCH);
            }
        }
        if let Some(sex) = sex.filter(|_| !found.has_error("sex")) {
            let female = nik.marks_female();
            if female && sex == Sex::M || !female && sex == Sex::F {
                found.warning("nik", NIK_SEX_MISMATCH);
            }
        }
        let except = supersedes.as_ref().and_then(|s| s.as_deref());
        if lookups.local_duplicate(nik.as_str(), except) {
            found.warning("nik", NIK_DUPLICATE_LOCAL);
        }
        if lookups.known_nik(nik.as_str()) {
            found.warning("nik", NIK_DUPLICATE_KNOWN);
        }
    }

    let report = found.into_report();
    if !report.valid {
        return (report, None);
    }
    // No error was reported, so every required reader returned a value.
    let enrollment = (|| {
        Some(Enrollment {
            nik: nik?.as_str().to_string(),
            full_name: full_name?,
            birth_place: birth_place?,
            birth_date: birth_date?,
            sex: sex?,
            phone: phone?,
            address: address?,
            occupation: occupation?,
            monthly_income: monthly_income?,
            programs: programs?,
            payment_months: payment_months?,
            consent: consent?,
            location: location?,
            enrolled_on: enrolled_on?,
            supersedes: supersedes?,
        })
    })();
    (report, enrollment)
}

fn check_nik(obj: &Map<String, Value>, on: Option<NaiveDate>, found: &mut Found) -> Option<Nik> {
    let text = found.take("nik", input::text(obj, "nik"))?;
    let nik = found.take("nik", nik::parse(text).map_err(|e| e.code))?;
    for code in nik.problems(on) {
        found.error("nik", code);
    }
    Some(nik)
}

/// A trimmed NFC text of `min..=max` characters (blank is already `required`).
fn check_length(
    obj: &Map<String, Value>,
    field: &'static str,
    (min, max): (u32, u32),
    code: &'static str,
    found: &mut Found,
) -> Option<String> {
    let text = nfc(found.take(field, input::text(obj, field))?).into_owned();
    let count = text.chars().count();
    let ok = (min as usize..=max as usize).contains(&count);
    found.take(field, if ok { Ok(text) } else { Err(code) })
}

fn check_birth_date(
    obj: &Map<String, Value>,
    on: Option<NaiveDate>,
    found: &mut Found,
) -> Option<NaiveDate> {
    let text = found.take("birth_date", input::text(obj, "birth_date"))?;
    let date = parse_iso_date(text).filter(|d| on.is_none_or(|on| *d <= on));
    let date = found.take("birth_date", date.ok_or(BIRTH_DATE_FORMAT))?;
    if let (Some(on), Some(terms)) = (on, found.terms) {
        let age = age_on(date, on);
        if i64::from(age) < i64::from(terms.min_age) {
            found.error("birth_date", AGE_TOO_YOUNG);
        } else if i64::from(age) >= i64::from(terms.max_age) {
            found.error("birth_date", AGE_TOO_OLD);
        }
    }
    Some(date)
}

/// `M`/`F`, or the Indonesian `L` (laki-laki) / `P` (perempuan); any letter case.
fn parse_sex(text: &str) -> Result<Sex, &'static str> {
    match text {
        "M" | "m" | "L" | "l" => Ok(Sex::M),
        "F" | "f" | "P" | "p" => Ok(Sex::F),
        _ => Err(SEX_INVALID),
    }
}

fn check_income(obj: &Map<String, Value>, found: &mut Found) -> Option<i64> {
    let income = match found.take("monthly_income", input::integer(obj, "monthly_income"))? {
        Integer::Fits(n) => n,
        Integer::TooLarge => i64::MAX,
    };
    let terms = found.terms?;
    found.take(
        "monthly_income",
        terms.check_income(income).map(|()| income),
    )
}

fn check_programs(obj: &Map<String, Value>, found: &mut Found) -> Option<Vec<Program>> {
    let codes = found.take("programs", input::strings(obj, "programs"))?;
    let programs: Option<Vec<Program>> = codes
        .iter()
        .map(|c| match *c {
            "JKK" => Some(Program::JKK),
            "JKM" => Some(Program::JKM),
            "JHT" => Some(Program::JHT),
            _ => None,
        })
        .collect();
    // Without a rule set (an `enrolled_on` error is already reported) only the codes are judged.
    let terms = found.terms;
    let allowed = programs.filter(|p| terms.is_none_or(|t| t.allows_programs(p)));
    let mut programs = found.take("programs", allowed.ok_or(PROGRAMS_INVALID))?;
    programs.sort();
    Some(programs)
}

fn check_payment_months(obj: &Map<String, Value>, found: &mut Found) -> Option<u32> {
    let months = match found.take("payment_months", input::integer(obj, "payment_months"))? {
        Integer::Fits(n) => u32::try_from(n).ok(),
        Integer::TooLarge => None,
    };
    let terms = found.terms;
    let allowed = months.filter(|&m| terms.is_none_or(|t| t.allows_months(m)));
    found.take("payment_months", allowed.ok_or(PAYMENT_MONTHS_INVALID))
}

/// `Some(None)` when absent; `None` after an error.
fn check_location(obj: &Map<String, Value>, found: &mut Found) -> Option<Option<Location>> {
    let value = match obj.get("location") {
        None | Some(Value::Null) => return Some(None),
        Some(v) => v,
    };
    let Some(fields) = value.as_object() else {
        found.error("location", TYPE);
        return None;
    };
    let mut extra: Vec<&String> = fields
        .keys()
        .filter(|k| !matches!(k.as_str(), "lat" | "lon" | "accuracy_m"))
        .collect();
    extra.sort();
    for key in extra {
        found.error(&format!("location.{key}"), UNKNOWN_FIELD);
    }
    let number = |k: &str| fields.get(k).and_then(Value::as_f64);
    let (Some(lat), Some(lon), Some(accuracy_m)) =
        (number("lat"), number("lon"), number("accuracy_m"))
    else {
        found.error("location", TYPE);
        return None;
    };
    let in_range = (-90.0..=90.0).contains(&lat)
        && (-180.0..=180.0).contains(&lon)
        && accuracy_m.is_finite()
        && accuracy_m >= 0.0;
    if !in_range {
        found.error("location", LOCATION_RANGE);
        return None;
    }
    Some(Some(Location {
        lat,
        lon,
        accuracy_m,
    }))
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use serde_json::json;

    use super::*;

    fn record() -> Value {
        json!({
            "nik": "3201.0517.0890.0001", "full_name": "Budi Santoso", "birth_place": "Bandung",
            "birth_date": "1990-08-17", "sex": "M", "phone": "0812-3456-7890",
            "address": "Jl. Pasar Baru No. 12", "occupation": "PEDAGANG", "monthly_income": 1_500_000,
            "programs": ["JKK", "JKM"], "payment_months": 1, "consent": true,
            "enrolled_on": "2026-05-12", "supersedes": "old-1"
        })
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 5, 12).unwrap()
    }

    /// Records what validation asked.
    #[derive(Default)]
    struct Spy {
        asked: RefCell<Vec<String>>,
    }

    impl RecordLookups for Spy {
        fn local_duplicate(&self, nik: &str, except_id: Option<&str>) -> bool {
            self.asked
                .borrow_mut()
                .push(format!("local {nik} {except_id:?}"));
            false
        }
        fn known_nik(&self, nik: &str) -> bool {
            self.asked.borrow_mut().push(format!("known {nik}"));
            true
        }
        fn can_supersede(&self, id: &str) -> bool {
            self.asked.borrow_mut().push(format!("supersede {id}"));
            true
        }
    }

    #[test]
    fn lookups_get_the_normalized_nik_and_the_corrected_record() {
        let spy = Spy::default();
        let (report, record) = validate(&record(), today(), &RuleBook::builtin(), &spy);
        assert!(report.valid);
        assert_eq!(report.codes(), ["nik.duplicate_known"]);
        assert_eq!(record.unwrap().supersedes.as_deref(), Some("old-1"));
        assert_eq!(
            *spy.asked.borrow(),
            [
                "supersede old-1",
                "local 3201051708900001 Some(\"old-1\")",
                "known 3201051708900001"
            ]
        );
    }

    #[test]
    fn an_invalid_nik_is_never_looked_up() {
        let spy = Spy::default();
        let mut input = record();
        input["nik"] = json!("3201051708900000");
        let (report, _) = validate(&input, today(), &RuleBook::builtin(), &spy);
        assert_eq!(report.codes(), ["nik.serial"]);
        assert_eq!(*spy.asked.borrow(), ["supersede old-1"]);
    }

    #[test]
    fn a_date_without_rule_set_says_so() {
        let mut input = record();
        input["enrolled_on"] = json!("2001-01-01");
        let (report, _) = validate(&input, today(), &RuleBook::builtin(), &NoLookupsForTest);
        assert_eq!(report.codes(), ["enrolled_on.format"]);
        assert_eq!(report.errors[0].message, messages::no_rule_set());
    }

    struct NoLookupsForTest;
    impl RecordLookups for NoLookupsForTest {
        fn can_supersede(&self, _id: &str) -> bool {
            true
        }
    }

    #[test]
    fn errors_come_in_form_order_whatever_the_check_order() {
        let mut input = record();
        input["enrolled_on"] = json!("bad");
        input["nik"] = json!("1");
        input["aaa"] = json!(1);
        let (report, _) = validate(&input, today(), &RuleBook::builtin(), &NoLookupsForTest);
        let fields: Vec<_> = report.errors.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(fields, ["nik", "enrolled_on", "aaa"]);
    }
}
