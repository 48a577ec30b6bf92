//! The enrollment form definition (DOMAIN.md §3): fields in order, with their JSON key, kind,
//! Indonesian and English labels and hints, options and constraints. Shells render the form from
//! it (natively or from its JSON), so a new field is a core change, not three UI changes.
//!
//! Use: [`definition()`] for the newest built-in rule set, or [`definition_for`] with the rule set
//! in force today (limits such as the income range and the prepayment periods are rule-set data).
//! [`FIELD_KEYS`] is the list validation accepts; anything else is `unknown_field`.

mod fields;
pub use crate::{occupation, typed};

use serde::Serialize;

use crate::message::Message;
use crate::record::FORM_VERSION;
use crate::tariff::{RuleBook, RuleSet};

pub use fields::{
    fields_except, ADDRESS_LENGTH, BIRTH_PLACE_LENGTH, FIELD_KEYS, NAME_LENGTH, PERSONAL_FIELDS,
};
pub use occupation::{is_occupation, is_transport, Occupation, OCCUPATIONS};

/// The whole form, as shells receive it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FormDefinition {
    pub version: u32,
    /// The rule set the limits and options were taken from.
    pub rule_set: String,
    pub fields: Vec<FieldDef>,
}

/// One field of the form.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldDef {
    /// The JSON field name in the enrollment record.
    pub key: &'static str,
    pub kind: FieldKind,
    pub required: bool,
    /// Filled by the app, never shown as an input (e.g. `supersedes` on a correction).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub device_managed: bool,
    pub label: Message,
    pub hint: Message,
    /// Allowed values for choices; `value` is exactly what the record holds (`"M"`, `12`,
    /// `["JKK","JKM"]`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<Choice>,
    #[serde(skip_serializing_if = "Constraints::is_empty")]
    pub constraints: Constraints,
    /// What the phone's keyboard should offer for a typed field.
    pub input: InputMode,
}

/// The keyboard a typed field wants, so every shell offers the same one: a NIK gets digits, a
/// phone number the phone pad, an income digits with grouping, a name capital first letters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputMode {
    /// Free text (sentences).
    Text,
    /// A person's or a place's name: each word capitalized.
    Name,
    /// Digits only, no sign or decimal (a NIK; separators are typed as the agent likes).
    Digits,
    /// A phone number.
    Phone,
    /// A whole amount (rupiah), grouping dots allowed.
    Number,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Date,
    Choice,
    MultiChoice,
    Integer,
    Boolean,
    Location,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Choice {
    pub value: serde_json::Value,
    pub label: Message,
}

/// Limits a shell can enforce while typing; the core's validation stays the authority.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Constraints {
    /// In characters, after trimming (and, for names, collapsing inner spaces).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    /// Integer range, inclusive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    /// Age in whole years at `enrolled_on`: at least `min_age`, below `max_age`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_age: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_age: Option<u32>,
}

impl Constraints {
    fn is_empty(&self) -> bool {
        *self == Constraints::default()
    }
}

/// The form with the limits of the newest built-in rule set.
pub fn definition() -> FormDefinition {
    definition_for(RuleBook::builtin().latest())
}

/// The form with the limits and options of `rule_set` (use the one in force today).
pub fn definition_for(rule_set: &RuleSet) -> FormDefinition {
    FormDefinition {
        version: FORM_VERSION,
        rule_set: rule_set.id.clone(),
        fields: fields::all(rule_set),
    }
}

/// The field's label, for messages that name a field (`"NIK wajib diisi."`).
pub fn field_label(key: &str) -> Option<Message> {
    fields::label(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_fields_ask_for_the_keyboard_they_need() {
        let form = definition();
        let input = |key: &str| form.fields.iter().find(|f| f.key == key).unwrap().input;
        assert_eq!(input("nik"), InputMode::Digits);
        assert_eq!(input("phone"), InputMode::Phone);
        assert_eq!(input("monthly_income"), InputMode::Number);
        assert_eq!(input("full_name"), InputMode::Name);
        assert_eq!(input("birth_place"), InputMode::Name);
        assert_eq!(input("address"), InputMode::Text);
    }

    #[test]
    fn fields_follow_the_record_contract_in_order() {
        let form = definition();
        let keys: Vec<_> = form.fields.iter().map(|f| f.key).collect();
        assert_eq!(keys, FIELD_KEYS);
        assert_eq!(form.version, FORM_VERSION);
        assert_eq!(form.rule_set, "bpu-2026");
    }

    #[test]
    fn only_location_enrolled_on_and_supersedes_are_optional() {
        let optional: Vec<_> = definition()
            .fields
            .iter()
            .filter(|f| !f.required)
            .map(|f| f.key)
            .collect();
        assert_eq!(optional, ["location", "enrolled_on", "supersedes"]);
    }

    #[test]
    fn sex_options_are_m_and_f_with_indonesian_labels() {
        let form = definition();
        let sex = form.fields.iter().find(|f| f.key == "sex").unwrap();
        let opts: Vec<_> = sex
            .options
            .iter()
            .map(|c| (c.value.clone(), c.label.id.as_str()))
            .collect();
        assert_eq!(opts, [("M".into(), "Laki-laki"), ("F".into(), "Perempuan")]);
    }

    #[test]
    fn options_and_limits_come_from_the_rule_set() {
        let json = serde_json::to_value(definition()).unwrap();
        let field = |k: &str| {
            json["fields"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["key"] == k)
                .unwrap()
                .clone()
        };
        assert_eq!(
            field("monthly_income")["constraints"],
            serde_json::json!({"min": 1000000, "max": 20700000})
        );
        let months: Vec<_> = field("payment_months")["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["value"].clone())
            .collect();
        assert_eq!(months, [1, 3, 6, 12]);
        let packages: Vec<_> = field("programs")["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["value"].clone())
            .collect();
        assert_eq!(
            packages,
            [
                serde_json::json!(["JKK", "JKM"]),
                serde_json::json!(["JKK", "JKM", "JHT"])
            ]
        );
        assert_eq!(field("occupation")["options"].as_array().unwrap().len(), 14);
        assert_eq!(
            field("full_name")["constraints"],
            serde_json::json!({"min_length": 2, "max_length": 100})
        );
        assert_eq!(
            field("birth_date")["constraints"],
            serde_json::json!({"min_age": 18, "max_age": 65})
        );
        assert_eq!(field("supersedes")["device_managed"], true);
        assert_eq!(field("nik")["kind"], "text");
        assert_eq!(field("programs")["kind"], "multi_choice");
    }

    #[test]
    fn every_field_has_both_labels_and_hints() {
        for f in definition().fields {
            assert!(
                !f.label.id.is_empty() && !f.label.en.is_empty(),
                "{}",
                f.key
            );
            assert!(!f.hint.id.is_empty() && !f.hint.en.is_empty(), "{}", f.key);
            assert_eq!(field_label(f.key), Some(f.label));
        }
        assert_eq!(field_label("nope"), None);
    }
}
