//! A stored enrollment as the pages show it: its sealed content opened with the server's keys
//! (as `service::export` does), each field formatted the Indonesian way, the NIK masked unless a
//! reveal asked for it, and what a correction changed compared with the record it supersedes.
//!
//! Values are plain strings here; the templates escape them.

use serde_json::Value;

use super::i18n::{self, Lang};
use super::WebError;
use crate::keys::ServerKeys;
use crate::service::content::StoredContent;
use perisai_domain::form::fields_except;
pub use perisai_domain::rules::nik::mask_nik;

/// The fields a page lists: the form's, in form order, but the NIK (shown apart, masked), the
/// consent (every stored record has it) and `supersedes` (shown as the correction's link).
fn listed_fields() -> impl Iterator<Item = &'static str> {
    fields_except(&["nik", "consent", "supersedes"])
}

/// One labelled value.
pub struct Field {
    pub label: &'static str,
    pub value: String,
}

/// One changed field of a correction.
pub struct Change {
    pub label: &'static str,
    pub old: String,
    pub new: String,
}

/// The opened content of a stored record, as the pages show it.
pub struct Content(StoredContent);

impl Content {
    /// Opens `enrollments.content` of record `id` in `branch`.
    pub fn open(
        keys: &ServerKeys,
        branch: &str,
        id: &str,
        sealed: &[u8],
    ) -> Result<Content, WebError> {
        StoredContent::open(keys, branch, id, sealed)
            .map(Content)
            .map_err(|e| {
                tracing::error!(error = %e, "web: a record's stored content cannot be opened");
                WebError::Internal
            })
    }

    fn raw(&self, name: &str) -> Option<&Value> {
        self.0.value(name)
    }

    /// The value as plain text (arrays joined with commas).
    pub fn text(&self, name: &str) -> String {
        self.0.text(name, ", ")
    }

    pub fn nik(&self) -> String {
        self.text("nik")
    }

    /// The value formatted for a reader in `lang`.
    pub fn display(&self, name: &str, lang: Lang) -> String {
        match name {
            "birth_date" | "enrolled_on" => i18n::date_text(&self.text(name)),
            "monthly_income" => match self.raw(name).and_then(Value::as_i64) {
                Some(amount) => i18n::rupiah(amount),
                None => self.text(name),
            },
            "sex" => match self.text(name).as_str() {
                "M" | "L" => i18n::t(lang, "sex.m").to_string(),
                "F" | "P" => i18n::t(lang, "sex.f").to_string(),
                other => other.to_string(),
            },
            "location" => match self.raw(name) {
                Some(loc) => match (
                    loc.get("lat").and_then(Value::as_f64),
                    loc.get("lon").and_then(Value::as_f64),
                ) {
                    (Some(lat), Some(lon)) => format!("{lat:.5}, {lon:.5}"),
                    _ => String::new(),
                },
                None => i18n::t(lang, "rec.no_location").to_string(),
            },
            _ => self.text(name),
        }
    }

    /// The labelled fields of [`listed_fields`].
    pub fn fields(&self, lang: Lang) -> Vec<Field> {
        listed_fields()
            .map(|name| Field {
                label: label(lang, name),
                value: self.display(name, lang),
            })
            .collect()
    }

    /// What differs from `older` (the record this one corrects), field by field.
    pub fn changes_since(&self, older: &Content, lang: Lang) -> Vec<Change> {
        let mut changes = Vec::new();
        if self.nik() != older.nik() {
            changes.push(Change {
                label: i18n::t(lang, "rec.nik"),
                old: mask_nik(&older.nik()),
                new: mask_nik(&self.nik()),
            });
        }
        for name in listed_fields() {
            let (old, new) = (older.display(name, lang), self.display(name, lang));
            if old != new {
                changes.push(Change {
                    label: label(lang, name),
                    old,
                    new,
                });
            }
        }
        changes
    }
}

fn label(lang: Lang, name: &str) -> &'static str {
    i18n::t(lang, &format!("rec.{name}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_correction_lists_only_what_changed_formatted() {
        let old = Content(StoredContent::from_json(
            json!({"normalized": {"nik": "3201010101900001", "full_name": "SITI",
            "monthly_income": 2500000, "birth_date": "1990-01-01"}, "record": {}}),
        ));
        let new = Content(StoredContent::from_json(
            json!({"normalized": {"nik": "3201010101900001", "full_name": "SITI",
            "monthly_income": 3000000, "birth_date": "1990-01-02"}, "record": {}}),
        ));
        let changes = new.changes_since(&old, Lang::Id);
        let listed: Vec<_> = changes
            .iter()
            .map(|c| (c.label, c.old.as_str(), c.new.as_str()))
            .collect();
        assert_eq!(
            listed,
            vec![
                ("Tanggal lahir", "01/01/1990", "02/01/1990"),
                ("Penghasilan bulanan", "Rp2.500.000", "Rp3.000.000"),
            ]
        );
    }

    #[test]
    fn a_record_refused_at_ingest_shows_what_the_device_sent() {
        let c = Content(StoredContent::from_json(
            json!({"normalized": null, "record": {"full_name": "<b>x</b>", "sex": "P"}}),
        ));
        assert_eq!(c.text("full_name"), "<b>x</b>");
        assert_eq!(c.display("sex", Lang::En), "Female");
    }
}
