//! One wire record, made ready for storage outside the transaction: its id, content hash,
//! sealed content, the re-validation with the same `perisai-core` rules the device ran, and the
//! HMACs the server looks records up by. Nothing here touches the database.
//!
//! A wire record is the enrollment of DOMAIN.md §3 plus the device's fields (docs/PROTOCOL.md);
//! those are set aside before validation ([`DEVICE_FIELDS`]), and a `consent` object
//! (`{text_version, at}`) counts as consent given. Any other unknown field is refused by the
//! validator (`unknown_field`): a typo must not silently drop data.
//!
//! Each record costs CPU on the ingest path (docs/PERFORMANCE.md), so its JSON is written once:
//! the canonical form (keys sorted) is hashed for the content hash and is also, byte for byte,
//! the record part of the sealed content; ingest hands records over ([`prepare_owned`]) so the
//! form to validate is the record itself with the device fields taken out, not a copy.

use std::collections::HashSet;

use chrono::{DateTime, Days, NaiveDate};
use perisai_domain::protocol::messages::FieldCode;
use perisai_domain::record::Enrollment;
use perisai_domain::rules::{self, RecordLookups};
use perisai_domain::seal::Purpose;
use perisai_domain::tariff::RuleBook;
use serde_json::Value;

pub use perisai_domain::protocol::canonical::{canonical_json, write_canonical};

use crate::keys::{KeyError, ServerKeys};

pub use perisai_domain::protocol::wire::{DEVICE_FIELDS, TOMBSTONE_FIELDS};

/// Whether `id` is a record id as the protocol documents it (docs/PROTOCOL.md): a UUID in its
/// 36-character hyphenated form. Anything else (control characters, path pieces, other
/// lengths) is refused with `id.invalid` and never stored, so ids are safe in URLs, headers
/// and logs.
pub fn documented_id(id: &str) -> bool {
    id.len() == 36 && uuid::Uuid::try_parse(id).is_ok()
}

/// A record's id, if it is one ([`documented_id`]); else the code that refuses the record:
/// `id.missing` (no id, or an empty one) or `id.invalid`.
fn record_id(raw: &Value) -> Result<String, FieldCode> {
    let refused = |code: &str| FieldCode {
        field: "id".into(),
        code: code.into(),
    };
    match raw.get("id").and_then(Value::as_str) {
        Some(id) if documented_id(id) => Ok(id.to_string()),
        None | Some("") => Err(refused("id.missing")),
        Some(_) => Err(refused("id.invalid")),
    }
}

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

/// Prepares one record of a batch from `device_id` in `branch` (a copy of `raw` is validated;
/// ingest itself hands its records over with [`prepare_owned`], which needs no copy).
pub fn prepare(
    raw: &Value,
    branch: &str,
    device_id: &str,
    server_today: NaiveDate,
    book: &RuleBook,
    lookups: &dyn RecordLookups,
    keys: &ServerKeys,
) -> Result<Prepared, KeyError> {
    prepare_owned(
        raw.clone(),
        branch,
        device_id,
        server_today,
        book,
        lookups,
        keys,
    )
}

/// [`prepare`], consuming the record: what the server needs of the record as received (its
/// JSON, hashed and sealed; its id, dates and receipt number) is taken first, then the device
/// fields are moved out of it in place and the rest validated as the form.
pub fn prepare_owned(
    mut raw: Value,
    branch: &str,
    device_id: &str,
    server_today: NaiveDate,
    book: &RuleBook,
    lookups: &dyn RecordLookups,
    keys: &ServerKeys,
) -> Result<Prepared, KeyError> {
    let (id, id_refused) = match record_id(&raw) {
        Ok(id) => (Some(id), None),
        Err(code) => (None, Some(code)),
    };
    let created = raw
        .get("created_at")
        .and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok());
    let foreign_device = raw
        .get("device_id")
        .and_then(Value::as_str)
        .is_some_and(|d| d != device_id);

    if is_tombstone(&raw) {
        return prepare_tombstone(&raw, branch, id, id_refused, created, foreign_device, keys);
    }

    let declared_on = raw
        .get("enrolled_on")
        .and_then(Value::as_str)
        .and_then(parse_declared_date);
    let receipt_no = raw.get("receipt_no").and_then(Value::as_i64);
    let location_given = raw.get("location").is_some_and(Value::is_object);
    // The record as received, once: its canonical JSON is both hashed and sealed.
    let record = RecordJson::of(&raw);

    // The form: the record without the device's fields, a consent object counting as consent.
    // The record itself is not needed any more, so this is done in place.
    let form = &mut raw;
    if let Some(map) = form.as_object_mut() {
        map.retain(|key, _| !DEVICE_FIELDS.contains(&key.as_str()));
        if let Some(consent) = map.get_mut("consent").filter(|c| c.is_object()) {
            *consent = Value::Bool(true);
        }
    }
    // "today" for the rules is the enrollment's own date: ages and tariffs as on that day.
    let today = declared_on
        .or(created.map(|c| c.date_naive()))
        .unwrap_or(server_today);
    let (report, enrollment) = rules::validate(form, today, book, lookups);
    // Everything needed of the record has been taken: free it before sealing.
    drop(raw);
    let mut errors: Vec<FieldCode> = Vec::new();
    errors.extend(id_refused);
    errors.extend(report.errors.into_iter().map(|i| FieldCode {
        field: i.field,
        code: i.code,
    }));
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

    let content = record
        .sealed_content(enrollment.as_ref())
        .map_err(|e| KeyError::Crypto(format!("record content: {e}")))?;
    let row_id = row_id(branch, id.as_deref());
    let sealed = keys.seal(Purpose::Record, &row_id, &content)?;
    Ok(Prepared {
        content_hash: record.hash(),
        sealed,
        nik_hmac: enrollment.as_ref().map(|e| keys.nik_hmac(&e.nik)),
        phone_hmac: enrollment.as_ref().map(|e| keys.phone_hmac(&e.phone)),
        enrolled_on: enrollment.as_ref().map(|e| e.enrolled_on).or(declared_on),
        created_ms: created.map(|c| c.timestamp_millis()),
        created_date: created.map(|c| c.date_naive()),
        receipt_no,
        supersedes: enrollment.as_ref().and_then(|e| e.supersedes.clone()),
        has_location: enrollment
            .as_ref()
            .map(|e| e.location.is_some())
            .unwrap_or(location_given),
        foreign_device,
        withdrawn: false,
        errors,
        enrollment,
        id,
    })
}

/// What a record's sealed content is bound to: `{branch}/{id}`.
fn row_id(branch: &str, id: Option<&str>) -> String {
    let id = id.unwrap_or("");
    let mut row_id = String::with_capacity(branch.len() + 1 + id.len());
    row_id.push_str(branch);
    row_id.push('/');
    row_id.push_str(id);
    row_id
}

/// `enrolled_on` as the server reads it for the fraud window: `%Y-%m-%d` as chrono parses it
/// (which also takes a one-digit month or day). The usual exact `YYYY-MM-DD` is read without
/// chrono's format interpreter; for that shape both give the same date, or both none.
fn parse_declared_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    let exact = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    if exact {
        perisai_domain::rules::date::parse_iso_date(text)
    } else {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
    }
}

/// The JSON of a record as received, written once: its canonical form (hashed for the content
/// hash) and, when that is byte for byte what `serde_json` writes for it, what is sealed too.
struct RecordJson {
    canonical: Vec<u8>,
    /// `serde_json::to_vec` of the record when it differs from the canonical form (an object's
    /// keys not in sorted order, which `serde_json`'s sorted maps never give).
    as_written: Option<Vec<u8>>,
}

impl RecordJson {
    fn of(raw: &Value) -> RecordJson {
        let mut canonical = Vec::with_capacity(1024);
        let sorted = write_canonical(raw, &mut canonical);
        RecordJson {
            canonical,
            // Writing a `Value` into a Vec cannot fail.
            as_written: if sorted {
                None
            } else {
                serde_json::to_vec(raw).ok()
            },
        }
    }

    /// The content hash: SHA-256 of the canonical JSON, hex.
    fn hash(&self) -> String {
        perisai_domain::protocol::sha256_hex(&self.canonical)
    }

    /// The record as `serde_json` writes it (what a tombstone seals).
    fn as_received(&self) -> &[u8] {
        self.as_written.as_deref().unwrap_or(&self.canonical)
    }

    /// What is sealed at rest: `{"normalized": <the normalized enrollment or null>, "record":
    /// <the record as received>}`, the bytes `serde_json` writes for a struct of those two
    /// fields (as they were first made; the tests hold that struct).
    fn sealed_content(
        &self,
        normalized: Option<&Enrollment>,
    ) -> Result<Vec<u8>, serde_json::Error> {
        let record = self.as_received();
        let mut out = Vec::with_capacity(record.len() + 512);
        out.extend_from_slice(b"{\"normalized\":");
        serde_json::to_writer(&mut out, &normalized)?;
        out.extend_from_slice(b",\"record\":");
        out.extend_from_slice(record);
        out.push(b'}');
        Ok(out)
    }
}

/// A tombstone: only its id, receipt number and times are read; any other field (anything
/// personal a faulty client might add) refuses it, so nothing personal is stored unvalidated.
fn prepare_tombstone(
    raw: &Value,
    branch: &str,
    id: Option<String>,
    id_refused: Option<FieldCode>,
    created: Option<DateTime<chrono::FixedOffset>>,
    foreign_device: bool,
    keys: &ServerKeys,
) -> Result<Prepared, KeyError> {
    let mut errors: Vec<FieldCode> = id_refused.into_iter().collect();
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
    let row_id = row_id(branch, id.as_deref());
    let record = RecordJson::of(raw);
    Ok(Prepared {
        content_hash: record.hash(),
        sealed: keys.seal(Purpose::Record, &row_id, record.as_received())?,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// What is sealed at rest for a record, as it was first written: the wire record as received
    /// and its normalized form.
    #[derive(serde::Serialize)]
    struct SealedContent<'a> {
        normalized: Option<&'a Enrollment>,
        record: &'a Value,
    }

    /// Wire records of every kind: valid (with and without location, with a correction), and
    /// refused in the ways that take other paths (lenient `enrolled_on`, missing id, another
    /// device, bad types, unknown fields, escapes and nested objects to hash).
    fn sample_records() -> Vec<Value> {
        let valid = serde_json::json!({
            "id": "0190a0b0-0000-7000-8000-000000000001", "receipt_no": 7, "form_version": 1,
            "rule_set": "2026-01", "created_at": "2026-05-12T09:30:00+07:00",
            "confirmed_warnings": [], "device_id": "dev-1",
            "consent": {"text_version": "consent-v1", "at": "2026-05-12T09:29:20+07:00"},
            "nik": "3201051708900001", "full_name": "BUDI SANTOSO", "birth_place": "Bandung",
            "birth_date": "1990-08-17", "sex": "M", "phone": "+6281234567890",
            "address": "Jl. Pasar Baru No. 12, Desa Sukamaju", "occupation": "PEDAGANG",
            "monthly_income": 1_500_000, "programs": ["JKK", "JKM"], "payment_months": 1,
            "enrolled_on": "2026-05-12",
            "location": {"lat": -6.914744, "lon": 107.60981, "accuracy_m": 12.899999618530273}
        });
        let with = |changes: &[(&str, Value)], removed: &[&str]| {
            let mut r = valid.clone();
            let map = r.as_object_mut().unwrap();
            for (k, v) in changes {
                map.insert(k.to_string(), v.clone());
            }
            for k in removed {
                map.remove(*k);
            }
            r
        };
        vec![
            valid.clone(),
            with(&[], &["location"]),
            with(&[("location", serde_json::json!("here"))], &[]),
            with(
                &[("full_name", serde_json::json!("  siti   aminah  "))],
                &[],
            ),
            with(
                &[("full_name", serde_json::json!("Jose\u{301} Ma\u{2019}ruf"))],
                &[],
            ),
            with(
                &[(
                    "address",
                    serde_json::json!("Jl. Cempaka\u{301} \"Indah\"\n\u{1}"),
                )],
                &[],
            ),
            with(&[("enrolled_on", serde_json::json!("2026-5-12"))], &[]),
            with(&[("enrolled_on", serde_json::json!(" 2026-05-12"))], &[]),
            with(&[("enrolled_on", serde_json::json!("2026-02-30"))], &[]),
            with(&[("enrolled_on", serde_json::json!("+2026-05-12"))], &[]),
            with(&[("enrolled_on", serde_json::json!(20260512))], &[]),
            with(&[], &["enrolled_on"]),
            with(&[], &["id"]),
            with(&[("id", serde_json::json!(""))], &[]),
            with(&[("device_id", serde_json::json!("dev-2"))], &[]),
            with(
                &[
                    ("nik", serde_json::json!("1")),
                    ("sex", serde_json::json!(1)),
                ],
                &[],
            ),
            with(&[("consent", serde_json::json!(false))], &[]),
            with(
                &[(
                    "zzz",
                    serde_json::json!({"b": [1, {"d": 2, "c": 3}], "a": null}),
                )],
                &[],
            ),
            with(
                &[(
                    "supersedes",
                    serde_json::json!("0190a0b0-0000-7000-8000-000000000000"),
                )],
                &[],
            ),
            with(
                &[("monthly_income", serde_json::json!(18446744073709551615u64))],
                &[],
            ),
            serde_json::json!({"id": "0190a0b0-0000-7000-8000-0000000000f1", "receipt_no": 3, "created_at": "2026-05-12T09:30:00+07:00",
                "device_id": "dev-1", "withdrawn": true}),
            serde_json::json!({"id": "0190a0b0-0000-7000-8000-0000000000f2", "receipt_no": 0, "device_id": "dev-9", "withdrawn": true,
                "nik": "3201051708900001"}),
            serde_json::json!([1, 2]),
        ]
    }

    /// The validation errors as first computed: the validator run on a copy of the record
    /// without the device fields, `id.missing` first and `device_id.mismatch` last.
    fn former_errors(raw: &Value, today: NaiveDate, book: &RuleBook) -> Vec<FieldCode> {
        let mut form = raw.clone();
        if let Some(map) = form.as_object_mut() {
            for field in DEVICE_FIELDS {
                map.remove(field);
            }
            if map.get("consent").is_some_and(Value::is_object) {
                map.insert("consent".into(), Value::Bool(true));
            }
        }
        let lookups = ServerLookups {
            correctable: &HashSet::new(),
        };
        let (report, enrollment) = rules::validate(&form, today, book, &lookups);
        let mut errors: Vec<FieldCode> = report
            .errors
            .iter()
            .map(|i| FieldCode {
                field: i.field.clone(),
                code: i.code.clone(),
            })
            .collect();
        match raw.get("id").and_then(Value::as_str) {
            None | Some("") => errors.insert(
                0,
                FieldCode {
                    field: "id".into(),
                    code: "id.missing".into(),
                },
            ),
            Some(id) if id.len() != 36 || uuid::Uuid::try_parse(id).is_err() => errors.insert(
                0,
                FieldCode {
                    field: "id".into(),
                    code: "id.invalid".into(),
                },
            ),
            Some(_) => {}
        }
        if raw
            .get("device_id")
            .and_then(Value::as_str)
            .is_some_and(|d| d != "dev-1")
        {
            errors.push(FieldCode {
                field: "device_id".into(),
                code: "device_id.mismatch".into(),
            });
        }
        if errors.is_empty() && enrollment.is_none() {
            errors.push(FieldCode {
                field: "record".into(),
                code: "record.invalid".into(),
            });
        }
        errors
    }

    #[test]
    fn record_ids_are_uuids_in_hyphenated_form_and_nothing_else() {
        assert!(documented_id("0190a0b0-0000-7000-8000-000000000001"));
        assert!(documented_id(&uuid::Uuid::now_v7().to_string()));
        for bad in [
            "",
            "x",
            "0190a0b0-0000-7000-8000-00000000000\u{7}",
            "0190a0b0-0000-7000-8000-00000000001\n",
            "0190a0b000007000800000000000000001",
            "{0190a0b0-0000-7000-8000-000000000001}",
            "urn:uuid:0190a0b0-0000-7000-8000-000000000001",
            "../../../../../etc/passwd/0000000000",
        ] {
            assert!(!documented_id(bad), "{bad:?}");
        }
    }

    #[test]
    fn prepare_stores_what_it_stored_before_the_single_serialization() {
        let dir = tempfile::tempdir().unwrap();
        let keys = ServerKeys::load_or_create(&dir.path().join("keys")).unwrap();
        let book = RuleBook::builtin();
        let server_today = NaiveDate::from_ymd_opt(2026, 5, 12).unwrap();
        let correctable = HashSet::new();
        let lookups = ServerLookups {
            correctable: &correctable,
        };
        let records = sample_records();
        let mut accepted = 0;
        for raw in &records {
            let p = prepare(raw, "KC-1", "dev-1", server_today, &book, &lookups, &keys).unwrap();
            let owned = prepare_owned(
                raw.clone(),
                "KC-1",
                "dev-1",
                server_today,
                &book,
                &lookups,
                &keys,
            )
            .unwrap();
            // The content hash and the sealed content, byte for byte as first made.
            assert_eq!(
                p.content_hash,
                perisai_domain::protocol::sha256_hex(canonical_json(raw).as_bytes()),
                "{raw}"
            );
            let row_id = format!("KC-1/{}", p.id.as_deref().unwrap_or(""));
            let opened = keys.open(Purpose::Record, &row_id, &p.sealed).unwrap();
            let former = if p.withdrawn {
                serde_json::to_vec(raw).unwrap()
            } else {
                serde_json::to_vec(&SealedContent {
                    normalized: p.enrollment.as_ref(),
                    record: raw,
                })
                .unwrap()
            };
            assert_eq!(opened, former, "{raw}");
            if !p.withdrawn {
                let today = raw
                    .get("enrolled_on")
                    .and_then(Value::as_str)
                    .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok());
                assert_eq!(
                    p.errors,
                    former_errors(raw, today.unwrap_or(server_today), &book)
                );
                if p.enrollment.is_none() {
                    assert_eq!(p.enrolled_on, today, "{raw}");
                }
            }
            accepted += usize::from(p.accepted());
            // Owned or borrowed, the same record comes out (sealing aside: its nonce is random).
            assert_eq!(owned.content_hash, p.content_hash);
            assert_eq!(owned.errors, p.errors);
            assert_eq!(owned.enrollment, p.enrollment);
            assert_eq!(
                keys.open(Purpose::Record, &row_id, &owned.sealed).unwrap(),
                opened
            );
            assert_eq!(
                (
                    owned.nik_hmac,
                    owned.phone_hmac,
                    owned.enrolled_on,
                    owned.created_ms
                ),
                (p.nik_hmac, p.phone_hmac, p.enrolled_on, p.created_ms)
            );
            assert_eq!(
                (owned.receipt_no, owned.supersedes, owned.has_location),
                (p.receipt_no, p.supersedes, p.has_location)
            );
        }
        // The sample does exercise both outcomes.
        assert!(accepted >= 3 && accepted < records.len(), "{accepted}");
    }

    #[test]
    fn a_record_is_sealed_as_serde_json_writes_it() {
        // Whatever order the fields came in: serde_json writes (and seals) them sorted, so the
        // canonical bytes serve as both; were its maps ever to keep insertion order, the record
        // would be written apart.
        let raw: Value =
            serde_json::from_str(r#"{"b":1,"a":{"y":[1,{"d":2,"c":3}],"x":"é"}}"#).unwrap();
        let record = RecordJson::of(&raw);
        assert_eq!(record.canonical, canonical_json(&raw).as_bytes());
        assert_eq!(record.as_received(), serde_json::to_vec(&raw).unwrap());
    }

    #[test]
    fn enrolled_on_is_read_as_chrono_reads_it() {
        let mut texts: Vec<String> = [
            "",
            "2026-5-1",
            "2026-05-1",
            " 2026-05-01",
            "2026-05-01 ",
            "+2026-05-01",
            "-2026-05-01",
            "02026-05-01",
            "2026/05/01",
            "2026-05-01T00:00",
            "20260501",
            "２０２６-05-01",
            "2026-0a-01",
            "0000-01-01",
            "9999-12-31",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for year in [0, 1, 1900, 1999, 2000, 2024, 2026, 9999] {
            for month in 0..=13 {
                for day in 0..=32 {
                    texts.push(format!("{year:04}-{month:02}-{day:02}"));
                }
            }
        }
        for text in &texts {
            assert_eq!(
                parse_declared_date(text),
                NaiveDate::parse_from_str(text, "%Y-%m-%d").ok(),
                "{text:?}"
            );
        }
    }
}
