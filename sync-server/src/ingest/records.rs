//! One wire record, made ready for storage outside the transaction: its id, content hash,
//! sealed content, the re-validation with the same `perisai-core` rules the device ran, and the
//! HMACs the server looks records up by. Nothing here touches the database.
//!
//! A wire record is the enrollment of DOMAIN.md §3 plus the device's fields (docs/PROTOCOL.md);
//! those are set aside before validation ([`DEVICE_FIELDS`]), and a `consent` object
//! (`{text_version, at}`) counts as consent given. Any other unknown field is refused by the
//! validator (`unknown_field`): a typo must not silently drop data.

use std::collections::HashSet;

use chrono::{DateTime, Days, NaiveDate};
use perisai_core::protocol::messages::FieldCode;
use perisai_core::record::Enrollment;
use perisai_core::rules::{self, RecordLookups};
use perisai_core::seal::Purpose;
use perisai_core::tariff::RuleBook;
use serde_json::Value;

use crate::keys::{KeyError, ServerKeys};

/// Fields the device adds to an enrollment; they are not validated as form fields.
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

/// The only fields of a tombstone: a record the agent withdrew before it was ever sent travels as
/// `{"id", "receipt_no", "created_at", "device_id", "withdrawn": true}`, nothing personal, so
/// that its receipt number is accounted for (docs/PROTOCOL.md).
pub const TOMBSTONE_FIELDS: [&str; 5] =
    ["id", "receipt_no", "created_at", "device_id", "withdrawn"];

/// Longest record id the server stores (UUIDs are 36).
const MAX_ID_LEN: usize = 64;

/// A record ready to be stored.
#[derive(Debug)]
pub struct Prepared {
    pub id: Option<String>,
    pub content_hash: String,
    pub sealed: Vec<u8>,
    /// Empty when the record passed validation.
    pub errors: Vec<FieldCode>,
    pub enrollment: Option<Enrollment>,
    pub nik_hmac: Option<String>,
    pub phone_hmac: Option<String>,
    pub enrolled_on: Option<NaiveDate>,
    pub created_ms: Option<i64>,
    /// The device's own calendar date when it created the record.
    pub created_date: Option<NaiveDate>,
    pub receipt_no: Option<i64>,
    pub supersedes: Option<String>,
    pub has_location: bool,
    /// The record names a device other than the one that signed the batch.
    pub foreign_device: bool,
    /// A tombstone of a withdrawn record: not validated as an enrollment, stored apart
    /// (`withdrawn_records`), its receipt number counted.
    pub withdrawn: bool,
}

impl Prepared {
    pub fn accepted(&self) -> bool {
        self.errors.is_empty() && (self.enrollment.is_some() || self.withdrawn)
    }
}

/// Whether a wire record is a tombstone (`"withdrawn": true`).
pub fn is_tombstone(raw: &Value) -> bool {
    raw.get("withdrawn") == Some(&Value::Bool(true))
}

/// What the validator may ask about records already stored: which ids this agent may correct.
pub struct ServerLookups<'a> {
    pub correctable: &'a HashSet<String>,
}

impl RecordLookups for ServerLookups<'_> {
    fn can_supersede(&self, id: &str) -> bool {
        self.correctable.contains(id)
    }
}

/// The `supersedes` ids a batch names (to load which of them may be corrected).
pub fn superseded_ids(records: &[Value]) -> Vec<String> {
    records
        .iter()
        .filter_map(|r| r.get("supersedes").and_then(Value::as_str))
        .map(str::to_string)
        .collect()
}

/// Prepares one record of a batch from `device_id` in `branch`.
pub fn prepare(
    raw: &Value,
    branch: &str,
    device_id: &str,
    server_today: NaiveDate,
    book: &RuleBook,
    lookups: &dyn RecordLookups,
    keys: &ServerKeys,
) -> Result<Prepared, KeyError> {
    let id = raw
        .get("id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty() && id.len() <= MAX_ID_LEN && !id.contains('\0'))
        .map(str::to_string);
    let created = raw
        .get("created_at")
        .and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok());
    let foreign_device = raw
        .get("device_id")
        .and_then(Value::as_str)
        .is_some_and(|d| d != device_id);

    if is_tombstone(raw) {
        return prepare_tombstone(raw, branch, id, created, foreign_device, keys);
    }

    let mut form = raw.clone();
    if let Some(map) = form.as_object_mut() {
        for field in DEVICE_FIELDS {
            map.remove(field);
        }
        if map.get("consent").is_some_and(Value::is_object) {
            map.insert("consent".into(), Value::Bool(true));
        }
    }
    let declared_on = raw
        .get("enrolled_on")
        .and_then(Value::as_str)
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok());
    // "today" for the rules is the enrollment's own date: ages and tariffs as on that day.
    let today = declared_on
        .or(created.map(|c| c.date_naive()))
        .unwrap_or(server_today);
    let (report, enrollment) = rules::validate(&form, today, book, lookups);
    let mut errors: Vec<FieldCode> = report
        .errors
        .iter()
        .map(|i| FieldCode {
            field: i.field.clone(),
            code: i.code.clone(),
        })
        .collect();
    if id.is_none() {
        errors.insert(
            0,
            FieldCode {
                field: "id".into(),
                code: "id.missing".into(),
            },
        );
    }
    if foreign_device {
        errors.push(FieldCode {
            field: "device_id".into(),
            code: "device_id.mismatch".into(),
        });
    }
    let enrollment = if errors.is_empty() { enrollment } else { None };
    if enrollment.is_none() && errors.is_empty() {
        // The validator found no error yet gave no record: treat as refused, never store half.
        errors.push(FieldCode {
            field: "record".into(),
            code: "record.invalid".into(),
        });
    }

    // Serialized straight from borrows: no copy of the record is made to seal it.
    let content = serde_json::to_vec(&SealedContent {
        normalized: enrollment.as_ref(),
        record: raw,
    })
    .map_err(|e| KeyError::Crypto(format!("record content: {e}")))?;
    let row_id = format!("{branch}/{}", id.as_deref().unwrap_or(""));
    let sealed = keys.seal(Purpose::Record, &row_id, &content)?;
    Ok(Prepared {
        content_hash: perisai_core::protocol::sha256_hex(canonical_json(raw).as_bytes()),
        sealed,
        nik_hmac: enrollment.as_ref().map(|e| keys.nik_hmac(&e.nik)),
        phone_hmac: enrollment.as_ref().map(|e| keys.phone_hmac(&e.phone)),
        enrolled_on: enrollment.as_ref().map(|e| e.enrolled_on).or(declared_on),
        created_ms: created.map(|c| c.timestamp_millis()),
        created_date: created.map(|c| c.date_naive()),
        receipt_no: raw.get("receipt_no").and_then(Value::as_i64),
        supersedes: enrollment.as_ref().and_then(|e| e.supersedes.clone()),
        has_location: enrollment
            .as_ref()
            .map(|e| e.location.is_some())
            .unwrap_or_else(|| raw.get("location").is_some_and(Value::is_object)),
        foreign_device,
        withdrawn: false,
        errors,
        enrollment,
        id,
    })
}

/// A tombstone: only its id, receipt number and times are read; any other field (anything
/// personal a faulty client might add) refuses it, so nothing personal is stored unvalidated.
fn prepare_tombstone(
    raw: &Value,
    branch: &str,
    id: Option<String>,
    created: Option<DateTime<chrono::FixedOffset>>,
    foreign_device: bool,
    keys: &ServerKeys,
) -> Result<Prepared, KeyError> {
    let mut errors = Vec::new();
    if id.is_none() {
        errors.push(FieldCode {
            field: "id".into(),
            code: "id.missing".into(),
        });
    }
    let receipt_no = raw
        .get("receipt_no")
        .and_then(Value::as_i64)
        .filter(|n| *n > 0);
    if receipt_no.is_none() {
        errors.push(FieldCode {
            field: "receipt_no".into(),
            code: "receipt_no.invalid".into(),
        });
    }
    if let Some(map) = raw.as_object() {
        for field in map
            .keys()
            .filter(|k| !TOMBSTONE_FIELDS.contains(&k.as_str()))
        {
            errors.push(FieldCode {
                field: field.clone(),
                code: "unknown_field".into(),
            });
        }
    }
    if foreign_device {
        errors.push(FieldCode {
            field: "device_id".into(),
            code: "device_id.mismatch".into(),
        });
    }
    let row_id = format!("{branch}/{}", id.as_deref().unwrap_or(""));
    let content =
        serde_json::to_vec(raw).map_err(|e| KeyError::Crypto(format!("tombstone: {e}")))?;
    Ok(Prepared {
        content_hash: perisai_core::protocol::sha256_hex(canonical_json(raw).as_bytes()),
        sealed: keys.seal(Purpose::Record, &row_id, &content)?,
        errors,
        enrollment: None,
        nik_hmac: None,
        phone_hmac: None,
        enrolled_on: None,
        created_ms: created.map(|c| c.timestamp_millis()),
        created_date: created.map(|c| c.date_naive()),
        receipt_no,
        supersedes: None,
        has_location: false,
        foreign_device,
        withdrawn: true,
        id,
    })
}

/// Whether `enrolled_on` lies outside [created date − 1 day, server date + 1 day]: a fraud
/// signal, never a rejection.
pub fn enrolled_on_out_of_range(p: &Prepared, server_today: NaiveDate) -> bool {
    let Some(on) = p.enrolled_on else {
        return false;
    };
    let too_late = server_today
        .checked_add_days(Days::new(1))
        .is_some_and(|limit| on > limit);
    let too_early = p
        .created_date
        .and_then(|d| d.checked_sub_days(Days::new(1)))
        .is_some_and(|limit| on < limit);
    too_late || too_early
}

/// JSON with object keys sorted at every level: the same record always hashes the same, whatever
/// order the device wrote its fields in.
pub fn canonical_json(value: &Value) -> String {
    let mut out = Vec::with_capacity(1024);
    write_canonical(value, &mut out);
    // Only JSON (UTF-8) was written.
    String::from_utf8(out).unwrap_or_default()
}

/// Writes [`canonical_json`] into one buffer (strings and numbers as serde_json writes them).
fn write_canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_unstable();
            out.push(b'{');
            for (n, key) in keys.into_iter().enumerate() {
                if n > 0 {
                    out.push(b',');
                }
                write_scalar(key, out);
                out.push(b':');
                write_canonical(&map[key.as_str()], out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    out.push(b',');
                }
                write_canonical(item, out);
            }
            out.push(b']');
        }
        other => write_scalar(other, out),
    }
}

fn write_scalar<T: serde::Serialize + ?Sized>(value: &T, out: &mut Vec<u8>) {
    // Writing a string, number, bool or null into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, value);
}

/// What is sealed at rest for a record: the wire record as received and its normalized form.
#[derive(serde::Serialize)]
struct SealedContent<'a> {
    normalized: Option<&'a Enrollment>,
    record: &'a Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The canonical form as first written (strings built per level); the buffer version must
    /// give the same bytes, or stored content hashes would stop matching resent records.
    fn canonical_reference(value: &Value) -> String {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                let inner: Vec<String> = keys
                    .into_iter()
                    .map(|k| {
                        format!(
                            "{}:{}",
                            Value::String(k.clone()),
                            canonical_reference(&map[k.as_str()])
                        )
                    })
                    .collect();
                format!("{{{}}}", inner.join(","))
            }
            Value::Array(items) => {
                let inner: Vec<String> = items.iter().map(canonical_reference).collect();
                format!("[{}]", inner.join(","))
            }
            other => other.to_string(),
        }
    }

    #[test]
    fn canonical_json_is_unchanged_by_the_buffer_rewrite() {
        let record: Value = serde_json::from_str(
            r#"{"nik":"3201010101900001","full_name":"Siti \"Ayu\" Rahayu\u00e9","monthly_income":2500000,
                "location":{"lon":106.80000000000001,"lat":-6.6,"accuracy_m":12.899999618530273},
                "programs":["JKK","JKM"],"consent":{"text_version":"v1","at":"2026-11-22T08:00:00+07:00"},
                "confirmed_warnings":[],"supersedes":null,"big":18446744073709551615,"neg":-1e-7,
                "ctl":"tab\tnew\nline\u0001","emoji":"\ud83d\ude00"}"#,
        )
        .unwrap();
        assert_eq!(canonical_json(&record), canonical_reference(&record));
    }

    #[test]
    fn canonical_json_ignores_key_order() {
        let a: Value =
            serde_json::from_str(r#"{"b":1,"a":{"y":[1,{"d":2,"c":3}],"x":"é"}}"#).unwrap();
        let b: Value =
            serde_json::from_str(r#"{"a":{"x":"é","y":[1,{"c":3,"d":2}]},"b":1}"#).unwrap();
        assert_eq!(canonical_json(&a), canonical_json(&b));
        assert_eq!(
            canonical_json(&a),
            r#"{"a":{"x":"é","y":[1,{"c":3,"d":2}]},"b":1}"#
        );
    }
}
