//! The wire record of a pending record (built by `protocol::wire`, docs/PROTOCOL.md "Batches").

use serde_json::Value;

use crate::error::CoreError;
use crate::protocol::wire;
use crate::queue::{PendingRecord, RecordState};

/// The wire form of one pending record (`protocol::wire`).
pub fn wire_record(record: &PendingRecord, device_id: &str) -> Result<Value, CoreError> {
    let content = match (&record.state, &record.content) {
        (RecordState::Queued, Some(content)) => content,
        (RecordState::Withdrawn, _) => {
            return Ok(wire::tombstone(
                &record.id,
                record.receipt_no,
                &record.created_at,
                device_id,
            ))
        }
        _ => return Err(CoreError::Store("pending record without content".into())),
    };
    let enrollment = match serde_json::to_value(&content.enrollment) {
        Ok(Value::Object(map)) => map,
        _ => {
            return Err(CoreError::Store(
                "cannot encode a record for the wire".into(),
            ))
        }
    };
    let device = wire::DeviceFields {
        id: &record.id,
        receipt_no: record.receipt_no,
        form_version: content.form_version,
        rule_set: &content.rule_set,
        created_at: &content.created_at,
        consent_text_version: &content.consent.text_version,
        consent_at: &content.consent.given_at,
        confirmed_warnings: content
            .warnings_confirmed
            .iter()
            .map(|w| w.code.as_str())
            .collect(),
        device_id,
    };
    Ok(wire::enrollment_record(enrollment, &device))
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
    use serde_json::json;

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
        for field in wire::DEVICE_FIELDS {
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
