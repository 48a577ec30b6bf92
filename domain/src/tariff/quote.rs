//! Quotes: what a participant pays for M months from a start month (DOMAIN.md §6, ARCHITECTURE.md §7).
//!
//! The request is checked against the rule set in force in the start month (the enrollment's
//! month), with the validation codes. Each covered month is then priced by the rule set in force
//! **in that month**, with that rule set's rate and discount window for the month: a 12-month
//! prepayment can cross a discount window's end, or a change of rule set.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::{Map, Value};

use super::book::RuleBook;
use super::month::YearMonth;
use super::rule_set::is_transport;
use crate::codes;
use crate::error::DomainError;
use crate::occupation;
use crate::record::{Enrollment, Program};
use crate::typed::whole_number;

#[derive(Clone, Debug)]
pub struct QuoteRequest {
    pub monthly_income: i64,
    pub programs: Vec<Program>,
    pub months: u32,
    /// First contribution month as (year, month).
    pub start: (i32, u32),
    pub occupation: Option<String>,
}

impl QuoteRequest {
    /// The first payment of a valid enrollment: `payment_months` months from its month.
    pub fn for_enrollment(e: &Enrollment) -> QuoteRequest {
        let month = YearMonth::of(e.enrolled_on);
        QuoteRequest {
            monthly_income: e.monthly_income,
            programs: e.programs.clone(),
            months: e.payment_months,
            start: (month.year(), month.month()),
            occupation: Some(e.occupation.clone()),
        }
    }

    /// What the form prices while the agent fills it in (the enrollment JSON object so far, not
    /// validated): `payment_months` months of `monthly_income` for the package in `programs`,
    /// from the month of `enrolled_on`, or of `today` when no date was entered. The income and
    /// the months may still be the typed text (`2.000.000`). `None` while one of them is missing
    /// or unreadable: there is nothing to price yet (validation says why, field by field).
    pub fn from_form(form: &Map<String, Value>, today: NaiveDate) -> Option<QuoteRequest> {
        let number = |key: &str| match form.get(key)? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => whole_number(s),
            _ => None,
        };
        let monthly_income = number("monthly_income")?;
        let months = u32::try_from(number("payment_months")?).ok()?;
        let programs = form
            .get("programs")?
            .as_array()?
            .iter()
            .map(|p| serde_json::from_value::<Program>(p.clone()).ok())
            .collect::<Option<Vec<_>>>()
            .filter(|p| !p.is_empty())?;
        let occupation = form
            .get("occupation")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(str::to_string);
        let start = form
            .get("enrolled_on")
            .and_then(Value::as_str)
            .and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
            .unwrap_or(today);
        let month = YearMonth::of(start);
        Some(QuoteRequest {
            monthly_income,
            programs,
            months,
            start: (month.year(), month.month()),
            occupation,
        })
    }
}

/// One contribution month, serialized as in ARCHITECTURE.md §7 (`JHT` is 0 when not chosen).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MonthQuote {
    pub month: String,
    #[serde(rename = "JKK")]
    pub jkk: i64,
    #[serde(rename = "JKM")]
    pub jkm: i64,
    #[serde(rename = "JHT")]
    pub jht: i64,
    pub total: i64,
    /// The rule set that priced this month.
    pub rule_set: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Quote {
    pub months: Vec<MonthQuote>,
    pub total_due: i64,
}

/// Prices `request.months` consecutive months from `request.start`.
///
/// Errors (`DomainError::InvalidParameter`): `start` → `start.format` (month not 1–12) or
/// `start.no_rule_set`; `monthly_income` → `income.below_minimum` / `income.above_maximum`;
/// `programs` → `programs.invalid`; `payment_months` → `payment_months.invalid`; `occupation` →
/// `occupation.unknown`.
pub fn quote(book: &RuleBook, request: &QuoteRequest) -> Result<Quote, DomainError> {
    let (year, month) = request.start;
    let start = YearMonth::new(year, month).ok_or_else(|| bad("start", "start.format"))?;
    let terms = &book
        .in_force_for_month(start)
        .ok_or_else(|| bad("start", "start.no_rule_set"))?
        .enrollment;
    terms
        .check_income(request.monthly_income)
        .map_err(|code| bad("monthly_income", code))?;
    if !terms.allows_programs(&request.programs) {
        return Err(bad("programs", codes::PROGRAMS_INVALID));
    }
    if !terms.allows_months(request.months) {
        return Err(bad("payment_months", codes::PAYMENT_MONTHS_INVALID));
    }
    let occupation = request.occupation.as_deref();
    if occupation.is_some_and(|code| !occupation::is_occupation(code)) {
        return Err(bad("occupation", codes::OCCUPATION_UNKNOWN));
    }
    let transport = is_transport(occupation);

    let mut months = Vec::with_capacity(request.months as usize);
    let mut current = start;
    for _ in 0..request.months {
        let rule_set = book
            .in_force_for_month(current)
            .ok_or_else(|| bad("start", "start.no_rule_set"))?;
        let amounts = rule_set
            .price(
                current,
                request.monthly_income,
                &request.programs,
                transport,
            )
            .ok_or_else(|| bad("start", "start.no_rule_set"))?;
        months.push(MonthQuote {
            month: current.to_string(),
            jkk: amounts.jkk,
            jkm: amounts.jkm,
            jht: amounts.jht,
            total: amounts.jkk + amounts.jkm + amounts.jht,
            rule_set: rule_set.id.clone(),
        });
        current = current.next();
    }
    let total_due = months.iter().map(|m| m.total).sum();
    Ok(Quote { months, total_due })
}

fn bad(field: &str, code: &str) -> DomainError {
    DomainError::InvalidParameter {
        field: field.into(),
        code: code.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Program::*;

    fn form(json: serde_json::Value) -> Option<QuoteRequest> {
        let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        QuoteRequest::from_form(json.as_object().unwrap(), today)
    }

    #[test]
    fn the_form_is_priced_from_what_the_agent_entered() {
        let r = form(
            serde_json::json!({"monthly_income": "2.000.000", "programs": ["JKK", "JKM"],
            "payment_months": 3, "occupation": "KURIR", "enrolled_on": "2026-11-20"}),
        )
        .unwrap();
        assert_eq!(r.monthly_income, 2_000_000);
        assert_eq!(r.programs, vec![JKK, JKM]);
        assert_eq!(r.months, 3);
        assert_eq!(r.start, (2026, 11));
        assert_eq!(r.occupation.as_deref(), Some("KURIR"));
        // No date yet: the agent's today; no occupation: not transport; JSON numbers too.
        let r = form(
            serde_json::json!({"monthly_income": 1500000, "programs": ["JHT", "JKK", "JKM"],
            "payment_months": "12", "occupation": " "}),
        )
        .unwrap();
        assert_eq!(
            (r.monthly_income, r.months, r.start),
            (1_500_000, 12, (2026, 12))
        );
        assert_eq!(r.occupation, None);
    }

    #[test]
    fn nothing_is_priced_while_income_package_or_months_are_missing() {
        for json in [
            serde_json::json!({"programs": ["JKK", "JKM"], "payment_months": 3}),
            serde_json::json!({"monthly_income": "banyak", "programs": ["JKK", "JKM"], "payment_months": 3}),
            serde_json::json!({"monthly_income": 2000000, "programs": [], "payment_months": 3}),
            serde_json::json!({"monthly_income": 2000000, "programs": ["JP"], "payment_months": 3}),
            serde_json::json!({"monthly_income": 2000000, "programs": ["JKK", "JKM"]}),
            serde_json::json!({"monthly_income": 2000000, "programs": ["JKK", "JKM"], "payment_months": -1}),
        ] {
            assert!(form(json.clone()).is_none(), "{json}");
        }
    }

    fn req(
        income: i64,
        programs: &[Program],
        months: u32,
        start: (i32, u32),
        occ: Option<&str>,
    ) -> QuoteRequest {
        QuoteRequest {
            monthly_income: income,
            programs: programs.to_vec(),
            months,
            start,
            occupation: occ.map(String::from),
        }
    }

    fn code_of(r: Result<Quote, DomainError>) -> (String, String) {
        match r {
            Err(DomainError::InvalidParameter { field, code }) => (field, code),
            other => panic!("expected a parameter error, got {other:?}"),
        }
    }

    #[test]
    fn the_minimum_is_16800_or_36800_with_jht() {
        let book = RuleBook::builtin();
        let q = quote(&book, &req(1_000_000, &[JKK, JKM], 1, (2026, 5), None)).unwrap();
        assert_eq!(q.total_due, 16_800);
        let q = quote(&book, &req(1_000_000, &[JKK, JKM, JHT], 1, (2026, 5), None)).unwrap();
        assert_eq!(q.total_due, 36_800);
        assert_eq!(q.months[0].rule_set, "bpu-2026");
    }

    #[test]
    fn a_courier_from_2027_01_pays_three_discounted_months_and_nine_full() {
        let book = RuleBook::builtin();
        let q = quote(
            &book,
            &req(1_000_000, &[JKK, JKM], 12, (2027, 1), Some("KURIR")),
        )
        .unwrap();
        let totals: Vec<i64> = q.months.iter().map(|m| m.total).collect();
        assert_eq!(
            totals,
            [
                8_400, 8_400, 8_400, 16_800, 16_800, 16_800, 16_800, 16_800, 16_800, 16_800,
                16_800, 16_800
            ]
        );
        assert_eq!(q.months[11].month, "2027-12");
        assert_eq!(q.total_due, 3 * 8_400 + 9 * 16_800);
    }

    #[test]
    fn months_are_priced_by_the_rule_set_in_force_in_each_month() {
        let book = RuleBook::builtin();
        let q = quote(
            &book,
            &req(1_000_000, &[JKK, JKM], 3, (2025, 12), Some("OJOL")),
        )
        .unwrap();
        let seen: Vec<_> = q
            .months
            .iter()
            .map(|m| (m.month.as_str(), m.rule_set.as_str(), m.total))
            .collect();
        assert_eq!(
            seen,
            [
                ("2025-12", "bpu-2015", 16_800),
                ("2026-01", "bpu-2026", 8_400),
                ("2026-02", "bpu-2026", 8_400)
            ]
        );
    }

    #[test]
    fn parameters_are_checked_with_the_validation_codes() {
        let book = RuleBook::builtin();
        let c = |r: QuoteRequest| code_of(quote(&book, &r));
        assert_eq!(
            c(req(999_999, &[JKK, JKM], 1, (2026, 1), None)),
            ("monthly_income".into(), "income.below_minimum".into())
        );
        assert_eq!(
            c(req(20_700_001, &[JKK, JKM], 1, (2026, 1), None)),
            ("monthly_income".into(), "income.above_maximum".into())
        );
        assert_eq!(
            c(req(1_000_000, &[JKK], 1, (2026, 1), None)),
            ("programs".into(), "programs.invalid".into())
        );
        assert_eq!(
            c(req(1_000_000, &[JKK, JKM], 2, (2026, 1), None)),
            ("payment_months".into(), "payment_months.invalid".into())
        );
        assert_eq!(
            c(req(1_000_000, &[JKK, JKM], 1, (2026, 1), Some("ojol"))),
            ("occupation".into(), "occupation.unknown".into())
        );
        assert_eq!(
            c(req(1_000_000, &[JKK, JKM], 1, (2026, 13), None)),
            ("start".into(), "start.format".into())
        );
        assert_eq!(
            c(req(1_000_000, &[JKK, JKM], 1, (2015, 6), None)),
            ("start".into(), "start.no_rule_set".into())
        );
    }

    #[test]
    fn serializes_as_the_cli_contract() {
        let book = RuleBook::builtin();
        let q = quote(&book, &req(1_000_000, &[JKK, JKM], 1, (2026, 5), None)).unwrap();
        let json = serde_json::to_value(&q).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"months": [{"month": "2026-05", "JKK": 10000, "JKM": 6800, "JHT": 0,
                "total": 16800, "rule_set": "bpu-2026"}], "total_due": 16800})
        );
    }
}
