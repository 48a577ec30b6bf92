//! A stored enrollment as the pages show it: its sealed content opened with the server's keys
//! (as `admin::export` does), each field formatted the Indonesian way, the NIK masked unless a
//! reveal asked for it, and what a correction changed compared with the record it supersedes.
//!
//! Values are plain strings here; the templates escape them.

use perisai_core::seal::Purpose;
use serde_json::Value;

use super::i18n::{self, Lang};
use super::WebError;
use crate::keys::ServerKeys;

/// The fields a page lists, in order (the NIK is shown apart, masked).
pub const FIELDS: [&str; 12] = [
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
    "enrolled_on",
    "location",
];

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

/// The opened content of a stored record.
pub struct Content(Value);

impl Content {
    /// Opens `enrollments.content` of record `id` in `branch`.
    pub fn open(
        keys: &ServerKeys,
        branch: &str,
        id: &str,
        sealed: &[u8],
    ) -> Result<Content, WebError> {
        let plain = keys.open(Purpose::Record, &format!("{branch}/{id}"), sealed)?;
        serde_json::from_slice(&plain).map(Content).map_err(|_| {
            tracing::error!("web: stored content of a record is damaged");
            WebError::Internal
        })
    }

    /// The normalized value when the record passed validation, else what the device sent; an
    /// erased record's personal fields (placeholders in the stored shape) are absent.
    fn raw(&self, name: &str) -> Option<&Value> {
        if crate::admin::erase::hides(&self.0, name) {
            return None;
        }
        self.0
            .get("normalized")
            .filter(|n| !n.is_null())
            .and_then(|n| n.get(name))
            .or_else(|| self.0.get("record").and_then(|r| r.get(name)))
            .filter(|v| !v.is_null())
    }

    /// The value as plain text (arrays joined with commas).
    pub fn text(&self, name: &str) -> String {
        plain_text(self.raw(name), ", ")
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

    /// The labelled fields of [`FIELDS`].
    pub fn fields(&self, lang: Lang) -> Vec<Field> {
        FIELDS
            .iter()
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
        for name in FIELDS {
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

/// `3201010101900001` → `3201••••••••0001`: the region and the serial stay readable.
pub fn mask_nik(nik: &str) -> String {
    let chars: Vec<char> = nik.chars().collect();
    if chars.len() < 12 {
        return "•".repeat(chars.len().max(4));
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "•".repeat(chars.len() - 8))
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
    fn a_nik_is_masked_but_for_region_and_serial() {
        assert_eq!(mask_nik("3201010101900001"), "3201••••••••0001");
        assert_eq!(mask_nik("12345"), "•••••");
        assert_eq!(mask_nik(""), "••••");
    }

    #[test]
    fn a_correction_lists_only_what_changed_formatted() {
        let old = Content(
            json!({"normalized": {"nik": "3201010101900001", "full_name": "SITI",
            "monthly_income": 2500000, "birth_date": "1990-01-01"}, "record": {}}),
        );
        let new = Content(
            json!({"normalized": {"nik": "3201010101900001", "full_name": "SITI",
            "monthly_income": 3000000, "birth_date": "1990-01-02"}, "record": {}}),
        );
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
        let c =
            Content(json!({"normalized": null, "record": {"full_name": "<b>x</b>", "sex": "P"}}));
        assert_eq!(c.text("full_name"), "<b>x</b>");
        assert_eq!(c.display("sex", Lang::En), "Female");
    }
}
