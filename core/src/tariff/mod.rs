//! Contribution rule sets and quotes (DOMAIN.md §6). OWNER: rules helper. Interface fixed; bodies TBD.

use serde::Serialize;

use crate::error::CoreError;
use crate::record::Program;

/// All rule sets known to the device, effective-dated.
pub struct RuleBook {}

impl RuleBook {
    /// The rule sets shipped with the app (`core/rulesets/*.json`).
    pub fn builtin() -> RuleBook {
        todo!("rules helper")
    }
}

#[derive(Clone, Debug)]
pub struct QuoteRequest {
    pub monthly_income: i64,
    pub programs: Vec<Program>,
    pub months: u32,
    /// First contribution month as (year, month).
    pub start: (i32, u32),
    pub occupation: Option<String>,
}

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
    pub rule_set: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Quote {
    pub months: Vec<MonthQuote>,
    pub total_due: i64,
}

pub fn quote(book: &RuleBook, request: &QuoteRequest) -> Result<Quote, CoreError> {
    let _ = (book, request);
    todo!("rules helper")
}
