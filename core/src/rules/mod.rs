//! Validation of an enrollment (DOMAIN.md §4). OWNER: rules helper. Interface is fixed; bodies TBD.

pub mod report;

use chrono::NaiveDate;

use crate::record::Enrollment;
use crate::tariff::RuleBook;
use report::ValidationReport;

/// What validation needs to know about the device's own store (local duplicates, corrections)
/// and the branch's registered-NIK tag list. Every method defaults to "nothing known".
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
    let _ = (input, today, rules, lookups);
    todo!("rules helper")
}
