//! The wire record (docs/PROTOCOL.md, "Batches"): what one record looks like inside a batch body.
//!
//! An enrollment travels as the validated, normalized record sealed on the device (DOMAIN.md §3
//! fields, with `supersedes` and `location` when set) plus the device's fields: `id`,
//! `receipt_no`, `form_version`, `rule_set`, `created_at`, `consent` as
//! `{"text_version", "at"}`, `confirmed_warnings` (codes) and `device_id`, bound here, when the
//! batch is frozen (a record can be created before the device is activated).
//!
//! A record the agent withdrew before it was ever sent travels as a **tombstone**:
//! `{"id", "receipt_no", "created_at", "device_id", "withdrawn": true}`, nothing personal, so the
//! server sees every receipt number and raises no false `receipt gap` signal.

use serde_json::{json, Map, Value};

use crate::error::CoreError;
use crate::queue::{PendingRecord, RecordState};

/// The wire form of one pending record.
pub fn wire_record(record: &PendingRecord, device_id: &str) -> Result<Value, CoreError> {
    let content = match (&record.state, &record.content) {
        (RecordState::Queued, Some(content)) => content,
        (RecordState::Withdrawn, _) => {
            return Ok(json!({
                "id": record.id,
                "receipt_no": record.receipt_no,
                "created_at": record.created_at,
                "device_id": device_id,
                "withdrawn": true,
            }))
        }
        _ => return Err(CoreError::Store("pending record without content".into())),
    };
    let mut map: Map<String, Value> = match serde_json::to_value(&content.enrollment) {
        Ok(Value::Object(map)) => map,
        _ => {
            return Err(CoreError::Store(
                "cannot encode a record for the wire".into(),
            ))
        }
    };
    map.insert(
        "consent".into(),
        json!({"text_version": content.consent.text_version, "at": content.consent.given_at}),
    );
    map.insert("id".into(), json!(record.id));
    map.insert("receipt_no".into(), json!(record.receipt_no));
    map.insert("form_version".into(), json!(content.form_version));
    map.insert("rule_set".into(), json!(content.rule_set));
    map.insert("created_at".into(), json!(content.created_at));
    let warnings: Vec<&str> = content
        .warnings_confirmed
        .iter()
        .map(|w| w.code.as_str())
        .collect();
    map.insert("confirmed_warnings".into(), json!(warnings));
    map.insert("device_id".into(), json!(device_id));
    Ok(Value::Object(map))
}

/// Whether a pending record is a tombstone (not counted as a sent enrollment).
pub fn is_tombstone(record: &PendingRecord) -> bool {
    record.state == RecordState::Withdrawn
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue::testing::content;
    use crate::rules::{self, NoLookups};
    use crate::tariff::RuleBook;

    /// The fields the server sets aside before it validates a wire record again
    /// (`sync-server/src/ingest/records.rs`, `DEVICE_FIELDS`).
    const SERVER_DEVICE_FIELDS: [&str; 10] = [
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

    fn pending(n: u32) -> PendingRecord {
        PendingRecord {
            id: format!("0192f0a0-0000-7000-8000-00000000000{n}"),
            receipt_no: u64::from(n),
            state: RecordState::Queued,
            created_at: "2026-11-20T09:00:00+07:00".into(),
            content: Some(content(n)),
        }
    }

    #[test]
    fn an_enrollment_carries_its_fields_and_the_device_fields() {
        let wire = wire_record(&pending(1), "dev-1").unwrap();
        assert_eq!(wire["id"], "0192f0a0-0000-7000-8000-000000000001");
        assert_eq!(wire["receipt_no"], 1);
        assert_eq!(wire["device_id"], "dev-1");
        assert_eq!(wire["rule_set"], "bpu-2026");
        assert_eq!(wire["form_version"], 1);
        assert_eq!(wire["consent"]["text_version"], "persetujuan-v1");
        assert_eq!(wire["consent"]["at"], "2026-11-20T09:00:00+07:00");
        assert_eq!(wire["confirmed_warnings"], json!([]));
        assert_eq!(wire["nik"], "3201011501900001");
        assert!(wire.get("supersedes").is_none());
    }

    /// The server re-validates every record with the same core rules: what the device sends
    /// must pass them and normalize to the very record the device sealed.
    #[test]
    fn the_server_reads_back_the_record_the_device_sealed() {
        let p = pending(2);
        let mut wire = wire_record(&p, "dev-1").unwrap();
        let map = wire.as_object_mut().unwrap();
        for field in SERVER_DEVICE_FIELDS {
            map.remove(field);
        }
        map.insert("consent".into(), Value::Bool(true));
        let sealed = p.content.unwrap().enrollment;
        let (report, enrollment) =
            rules::validate(&wire, sealed.enrolled_on, &RuleBook::builtin(), &NoLookups);
        assert!(report.valid, "{:?}", report.errors);
        assert_eq!(enrollment.unwrap(), sealed);
    }

    #[test]
    fn a_tombstone_carries_nothing_personal() {
        let mut p = pending(3);
        p.state = RecordState::Withdrawn;
        p.content = None;
        assert!(is_tombstone(&p));
        let wire = wire_record(&p, "dev-1").unwrap();
        let mut keys: Vec<&String> = wire.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            ["created_at", "device_id", "id", "receipt_no", "withdrawn"]
        );
        assert_eq!(wire["withdrawn"], true);
    }
}
