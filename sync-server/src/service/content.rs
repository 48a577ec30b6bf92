//! A stored enrollment's content, opened: one type for everything that reads
//! `enrollments.content` (the web pages, the CSV export), so that "which value does a field
//! show" is decided once.
//!
//! The sealed content is `{"record": what the device sent, "normalized": the validated
//! enrollment or null, "erased": null or {"at"}}` (`ingest::records`, `service::erase`). A field
//! reads as its normalized value when the record passed validation, else as the device sent it;
//! after an erasure, the person's fields (all but the name, which reads as erased) are absent.

use perisai_domain::seal::Purpose;
use serde_json::Value;

use super::{Result, ServiceError};
use crate::keys::ServerKeys;

/// The opened content of one stored enrollment.
#[derive(Clone, Debug)]
pub struct StoredContent(Value);

impl StoredContent {
    /// Opens `enrollments.content` of record `id` in `branch`.
    pub fn open(keys: &ServerKeys, branch: &str, id: &str, sealed: &[u8]) -> Result<StoredContent> {
        let plain = keys.open(Purpose::Record, &format!("{branch}/{id}"), sealed)?;
        serde_json::from_slice(&plain)
            .map(StoredContent)
            .map_err(|_| ServiceError::Io(format!("stored content of {id} is damaged")))
    }

    /// Content already opened (what `open` reads), for tests and for erasure's rewrite.
    pub fn from_json(content: Value) -> StoredContent {
        StoredContent(content)
    }

    /// The whole opened document.
    pub fn json(&self) -> &Value {
        &self.0
    }

    /// Field `name` as a page or export shows it (see the module comment); none when missing,
    /// null, or erased.
    pub fn value(&self, name: &str) -> Option<&Value> {
        if super::erase::hides(&self.0, name) {
            return None;
        }
        self.0
            .get("normalized")
            .filter(|n| !n.is_null())
            .and_then(|n| n.get(name))
            .or_else(|| self.0.get("record").and_then(|r| r.get(name)))
            .filter(|v| !v.is_null())
    }

    /// Field `name` as plain text, arrays joined with `separator`.
    pub fn text(&self, name: &str, separator: &str) -> String {
        plain_text(self.value(name), separator)
    }
}

/// A JSON value as plain text: strings as they are, arrays joined with `separator`, nothing for
/// a missing value or null.
pub fn plain_text(value: Option<&Value>, separator: &str) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| i.to_string())
            })
            .collect::<Vec<_>>()
            .join(separator),
        Some(other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_read_normalized_then_as_sent_and_erased_ones_are_gone() {
        let passed = StoredContent::from_json(json!({
            "record": {"full_name": "siti  rahayu", "programs": ["JKK", "JKM"]},
            "normalized": {"full_name": "SITI RAHAYU", "programs": ["JKK", "JKM"], "phone": "+6281"},
        }));
        assert_eq!(passed.text("full_name", ", "), "SITI RAHAYU");
        assert_eq!(passed.text("programs", ","), "JKK,JKM");
        let refused = StoredContent::from_json(json!({
            "record": {"full_name": "x1", "monthly_income": 5},
            "normalized": null,
        }));
        assert_eq!(refused.text("full_name", ", "), "x1");
        assert_eq!(refused.text("monthly_income", ", "), "5");
        assert_eq!(refused.text("address", ", "), "");
        let erased = StoredContent::from_json(json!({
            "erased": {"at": "2026-05-12T00:00:00Z"},
            "record": null,
            "normalized": {"full_name": "(dihapus)", "phone": "", "nik": ""},
        }));
        assert_eq!(erased.value("phone"), None);
        assert_eq!(erased.text("full_name", ", "), "(dihapus)");
    }
}
