//! The validation report: every problem as `{field, code, message: {id, en}}`, errors and
//! warnings apart (DOMAIN.md §4). Codes are stable API; messages never quote the input.

use serde::{Deserialize, Serialize};

use crate::message::Message;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    pub field: String,
    pub code: String,
    pub message: Message,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationReport {
    pub valid: bool,
    pub errors: Vec<Issue>,
    pub warnings: Vec<Issue>,
}

impl ValidationReport {
    /// Codes of all errors and warnings, in order: handy in tests and logs (codes carry no data).
    pub fn codes(&self) -> Vec<&str> {
        self.errors
            .iter()
            .chain(self.warnings.iter())
            .map(|i| i.code.as_str())
            .collect()
    }
}
