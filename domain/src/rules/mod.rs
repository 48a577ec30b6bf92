//! Validation of an enrollment (DOMAIN.md §3–§4): the checks of each field, the bilingual report
//! with stable codes, and the normalized record.
//!
//! Use: `let (report, record) = validate(&json, today, &RuleBook::builtin(), &NoLookups);`
//! `record` is `Some` exactly when `report.valid`; warnings may still need the agent's
//! confirmation. The rule set the record was validated under is `book.in_force(record.enrolled_on)`.
//!
//! Rooms: [`validate`](validate()) orchestrates; [`nik`], [`phone`], [`name`] and [`date`] parse
//! one kind of value each (pure, never panicking, idempotent on their output); [`input`] reads
//! JSON types; `nfc` composes Unicode text (no work when it is composed already); [`codes`] and
//! [`messages`] are the stable codes and their texts; [`report`] is the report shape.

pub use crate::codes;
pub mod date;
pub mod input;
pub mod messages;
pub mod name;
mod nfc;
pub mod nik;
pub mod phone;
pub mod report;
mod validate;

use chrono::NaiveDate;

use crate::record::Enrollment;
use crate::tariff::RuleBook;
use report::ValidationReport;

/// What validation needs to know about the device's own store (local duplicates, corrections)
/// and the branch's registered-NIK tag list. Every method defaults to "nothing known".
/// Validation passes the normalized 16-digit NIK.
pub trait RecordLookups {
    /// Another live record on this device has this normalized NIK (`except_id`: the record a
    /// correction replaces, which does not count).
    fn local_duplicate(&self, _nik: &str, _except_id: Option<&str>) -> bool {
        false
    }
    /// The NIK's tag is in the branch's list of registered NIKs.
    fn known_nik(&self, _nik: &str) -> bool {
        false
    }
    /// `id` is a record on this device that may be corrected.
    fn can_supersede(&self, _id: &str) -> bool {
        false
    }
}

/// Lookups for validation without a store: nothing is known.
pub struct NoLookups;
impl RecordLookups for NoLookups {}

/// Validates a JSON enrollment. `today` is the device's local date, used when `enrolled_on` is
/// absent. Returns the report and, when there is no error, the normalized record.
pub fn validate(
    input: &serde_json::Value,
    today: NaiveDate,
    rules: &RuleBook,
    lookups: &dyn RecordLookups,
) -> (ValidationReport, Option<Enrollment>) {
    validate::validate(input, today, rules, lookups)
}
