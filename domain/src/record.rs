//! The enrollment record v1 after validation and normalization (DOMAIN.md §3).
//!
//! Only [`crate::rules::validate`] builds an [`Enrollment`]: holding one means every error rule
//! passed. Serialized with the contract field names, it is what gets sealed on the device and what
//! travels in a batch.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Version of the enrollment form and record schema.
pub const FORM_VERSION: u32 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Sex {
    M,
    F,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[allow(clippy::upper_case_acronyms)]
pub enum Program {
    JKK,
    JKM,
    JHT,
}

impl Program {
    pub fn code(self) -> &'static str {
        match self {
            Program::JKK => "JKK",
            Program::JKM => "JKM",
            Program::JHT => "JHT",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Location {
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: f64,
}

/// A valid, normalized enrollment: NIK as 16 digits, name upper-cased NFC, phone E.164,
/// programs sorted (`[JKK, JKM]` or `[JKK, JKM, JHT]`), `enrolled_on` always set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enrollment {
    pub nik: String,
    pub full_name: String,
    pub birth_place: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    pub phone: String,
    pub address: String,
    pub occupation: String,
    pub monthly_income: i64,
    pub programs: Vec<Program>,
    pub payment_months: u32,
    pub consent: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    pub enrolled_on: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<String>,
}
