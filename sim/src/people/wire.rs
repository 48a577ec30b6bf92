//! Wire records (docs/PROTOCOL.md, "Batches") made from generated forms, and when agents make
//! them: what the benchmarks and the end-to-end tests upload themselves, without a device.
//!
//! [`wire_record`] is what a device sends (`core/src/sync/wire.rs`): the form validated and
//! normalized by `perisai_core::rules::validate`, with the device's fields. [`WireRecords`] adds
//! the same fields to a form as it is, unvalidated (the end-to-end tests' numbered forms, and what
//! the attack tests make of them).

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveTime, SecondsFormat, TimeZone};
use perisai_core::protocol::wire::{enrollment_record, DeviceFields};
use perisai_core::record::FORM_VERSION;
use perisai_core::rules::{self, NoLookups};
use perisai_core::tariff::RuleBook;
use serde_json::Value;

use super::national::Enrollee;
use super::numbered;
use super::rng::Rng;

/// The device's wire record for a validated form (as `core/src/sync/wire.rs` builds it, with
/// `protocol::wire`): created at the enrollee's moment, consent given 40 seconds before, no
/// warnings confirmed. Panics if the form is invalid (a bug in the generator, not data).
pub fn wire_record(
    book: &RuleBook,
    enrollee: &Enrollee,
    id: &str,
    receipt_no: u64,
    device_id: &str,
) -> Value {
    let today = enrollee.created_at.date_naive();
    let (report, enrollment) = rules::validate(&enrollee.form, today, book, &NoLookups);
    let enrollment = enrollment.unwrap_or_else(|| {
        panic!(
            "generated enrollment is invalid: {:?}",
            report.errors.iter().map(|e| &e.code).collect::<Vec<_>>()
        )
    });
    let rule_set = book
        .in_force(today)
        .map(|r| r.id.clone())
        .unwrap_or_default();
    let created_at = enrollee
        .created_at
        .to_rfc3339_opts(SecondsFormat::Secs, false);
    let consent_at =
        (enrollee.created_at - Duration::seconds(40)).to_rfc3339_opts(SecondsFormat::Secs, false);
    let Ok(Value::Object(map)) = serde_json::to_value(&enrollment) else {
        unreachable!("an enrollment serializes as an object")
    };
    enrollment_record(
        map,
        &device_fields(
            id,
            receipt_no,
            &rule_set,
            &created_at,
            &consent_at,
            device_id,
        ),
    )
}

/// The fields a device adds: consent to version `consent-v1`, no warnings confirmed.
fn device_fields<'a>(
    id: &'a str,
    receipt_no: u64,
    rule_set: &'a str,
    created_at: &'a str,
    consent_at: &'a str,
    device_id: &'a str,
) -> DeviceFields<'a> {
    DeviceFields {
        id,
        receipt_no,
        form_version: FORM_VERSION,
        rule_set,
        created_at,
        consent_text_version: "consent-v1",
        consent_at,
        confirmed_warnings: Vec::new(),
        device_id,
    }
}

/// When an agent enrolls: working hours (WIB) over the days before `now`, in order.
pub fn working_times(
    rng: &mut Rng,
    now: DateTime<FixedOffset>,
    count: usize,
) -> Vec<DateTime<FixedOffset>> {
    let wib = FixedOffset::east_opt(7 * 3600).unwrap_or_else(|| unreachable!());
    let now = now.with_timezone(&wib);
    let start_day: NaiveDate = now.date_naive() - Duration::days(1 + count as i64 / 12);
    let mut times = Vec::with_capacity(count);
    let mut t = wib
        .from_local_datetime(&start_day.and_hms_opt(8, 0, 0).unwrap_or_default())
        .single()
        .unwrap_or(now);
    for _ in 0..count {
        t += Duration::seconds(rng.range(600, 3000) as i64);
        if t.time() > NaiveTime::from_hms_opt(17, 0, 0).unwrap_or_default() {
            let next = t.date_naive() + Duration::days(1);
            t = wib
                .from_local_datetime(&next.and_hms_opt(8, 0, 0).unwrap_or_default())
                .single()
                .unwrap_or(t)
                + Duration::seconds(rng.range(0, 1800) as i64);
        }
        times.push(t.min(now));
    }
    times
}

/// A UUIDv7 for a record created `at`: its millisecond within that second drawn from `rng`, the
/// rest random (as any UUIDv7's).
pub fn uuid_at(rng: &mut Rng, at: DateTime<FixedOffset>) -> String {
    let ts = uuid::Timestamp::from_unix(
        uuid::NoContext,
        at.timestamp() as u64,
        rng.range(0, 1_000_000_000) as u32,
    );
    uuid::Uuid::new_v7(ts).to_string()
}

/// The id of the rule set in force on `on` (what the device records as `rule_set`), or the
/// latest if none is.
pub fn rule_set_id(on: NaiveDate) -> String {
    let book = RuleBook::builtin();
    book.in_force(on)
        .map_or_else(|| book.latest().id.clone(), |set| set.id.clone())
}

/// Makes wire records of one device from forms as they are: each gets the fields a device adds (a
/// fresh UUIDv7 `id`, the next gap-free `receipt_no`, `form_version`, `rule_set`, `created_at`
/// and consent now, no confirmed warnings, and `device_id`).
#[derive(Debug)]
pub struct WireRecords {
    device_id: String,
    last_receipt_no: u64,
    rule_set: String,
}

impl WireRecords {
    /// For device `device_id`, recording the rule set in force on the numbered forms' date
    /// ([`ENROLLED_ON`](super::numbered::ENROLLED_ON)).
    pub fn new(device_id: &str) -> WireRecords {
        WireRecords {
            device_id: device_id.to_string(),
            last_receipt_no: 0,
            rule_set: rule_set_id(numbered::enrolled_on()),
        }
    }

    /// The next wire record, from `form`.
    pub fn record(&mut self, form: &Value) -> Value {
        self.last_receipt_no += 1;
        let now = chrono::Utc::now().to_rfc3339();
        let id = uuid::Uuid::now_v7().to_string();
        let device = device_fields(
            &id,
            self.last_receipt_no,
            &self.rule_set,
            &now,
            &now,
            &self.device_id,
        );
        match form {
            Value::Object(map) => enrollment_record(map.clone(), &device),
            other => other.clone(),
        }
    }

    /// Wire records for all of `forms`, in order.
    pub fn records(&mut self, forms: &[Value]) -> Vec<Value> {
        forms.iter().map(|f| self.record(f)).collect()
    }
}
