//! The wire record (docs/PROTOCOL.md, "Batches"): what one record looks like inside a batch body,
//! built here for the device and read here by the server, so both sides name the same fields.
//!
//! An enrollment travels as the validated, normalized record (docs/DOMAIN.md §3 fields, with
//! `supersedes` and `location` when set) plus the device's fields ([`DEVICE_FIELDS`]): `id`,
//! `receipt_no`, `form_version`, `rule_set`, `created_at`, `consent` as `{"text_version", "at"}`,
//! `confirmed_warnings` (codes) and `device_id`, bound when the batch is frozen.
//!
//! A record the agent withdrew before it was ever sent travels as a **tombstone**
//! ([`TOMBSTONE_FIELDS`]), nothing personal, so the server sees every receipt number and raises no
//! false `receipt gap` signal.

use serde_json::{json, Map, Value};

/// Fields the device adds to an enrollment; the server sets them aside before it validates the
/// record again with the form's rules (`agent_id` and the flat consent fields are refused there as
/// device fields too: a device never sends them, and they must not pass as form fields).
pub const DEVICE_FIELDS: [&str; 10] = [
    "id",
    "receipt_no",
    "form_version",
    "rule_set",
    "created_at",
    "confirmed_warnings",
    "device_id",
    "agent_id",
    "consent_text_version",
    "consent_at",
];

/// The only fields of a tombstone.
pub const TOMBSTONE_FIELDS: [&str; 5] =
    ["id", "receipt_no", "created_at", "device_id", "withdrawn"];

/// What the device adds to an enrollment on the wire.
#[derive(Clone, Debug)]
pub struct DeviceFields<'a> {
    pub id: &'a str,
    pub receipt_no: u64,
    pub form_version: u32,
    pub rule_set: &'a str,
    /// When the record was submitted (RFC 3339, the agent's offset).
    pub created_at: &'a str,
    /// The consent text's version and when it was given.
    pub consent_text_version: &'a str,
    pub consent_at: &'a str,
    /// The codes of the warnings the agent confirmed.
    pub confirmed_warnings: Vec<&'a str>,
    pub device_id: &'a str,
}

/// The wire record of an enrollment: its normalized fields (`enrollment`, a JSON object) and the
/// device's.
pub fn enrollment_record(mut enrollment: Map<String, Value>, device: &DeviceFields) -> Value {
    enrollment.insert(
        "consent".into(),
        json!({"text_version": device.consent_text_version, "at": device.consent_at}),
    );
    enrollment.insert("id".into(), json!(device.id));
    enrollment.insert("receipt_no".into(), json!(device.receipt_no));
    enrollment.insert("form_version".into(), json!(device.form_version));
    enrollment.insert("rule_set".into(), json!(device.rule_set));
    enrollment.insert("created_at".into(), json!(device.created_at));
    enrollment.insert(
        "confirmed_warnings".into(),
        json!(device.confirmed_warnings),
    );
    enrollment.insert("device_id".into(), json!(device.device_id));
    Value::Object(enrollment)
}

/// The wire record of a record withdrawn before it was sent.
pub fn tombstone(id: &str, receipt_no: u64, created_at: &str, device_id: &str) -> Value {
    json!({
        "id": id,
        "receipt_no": receipt_no,
        "created_at": created_at,
        "device_id": device_id,
        "withdrawn": true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tombstone_has_exactly_its_fields() {
        let t = tombstone("id-1", 4, "2026-11-20T09:00:00+07:00", "dev-1");
        let mut keys: Vec<&str> = t.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        let mut expected = TOMBSTONE_FIELDS.to_vec();
        expected.sort_unstable();
        assert_eq!(keys, expected);
    }

    #[test]
    fn the_device_fields_an_enrollment_carries_are_device_fields() {
        let device = DeviceFields {
            id: "id-1",
            receipt_no: 1,
            form_version: 1,
            rule_set: "bpu-2026",
            created_at: "2026-11-20T09:00:00+07:00",
            consent_text_version: "persetujuan-v1",
            consent_at: "2026-11-20T09:00:00+07:00",
            confirmed_warnings: vec!["birth_date.nik_mismatch"],
            device_id: "dev-1",
        };
        let record = enrollment_record(Map::new(), &device);
        for key in record.as_object().unwrap().keys() {
            assert!(
                key == "consent" || DEVICE_FIELDS.contains(&key.as_str()),
                "{key}"
            );
        }
        assert_eq!(record["consent"]["text_version"], "persetujuan-v1");
    }
}
