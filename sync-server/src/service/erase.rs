//! Erasure at a data subject's request (DOMAIN.md §9, UU PDP 27/2022):
//! `admin erase --record ID [--branch C] --reference REF`.
//!
//! What goes, in one transaction:
//! - from the record's sealed content: the NIK, name, birth place and date, sex, phone, address and
//!   location, and the device's original wire record; the name reads [`ERASED_NAME`];
//! - the record's NIK and phone HMACs (no more duplicate or phone-reuse matches), its national NIK
//!   claim (the person may enroll again), its place in the duplicate queue, and the reasons of
//!   its decisions (free text a supervisor may have written about the person).
//!
//! What stays, because the agency must account for money: the record's id, status, receipt number,
//! agent, dates, its programs, income and occupation (they price its contributions), its payment
//! code, payments and the keyed NIK hash in `payment_codes` (so the incentive rule "first approved
//! record of an NIK" stays settled for the agents' statements; it cannot be read back without the
//! server secret). Issued statements are never changed.
//!
//! Not reached: a quarantined batch holding the record (sealed whole, never exported), backups
//! taken before, and the agent's device (which purges the full record 30 days after the server
//! confirmed it; the participant card stays until then).
//!
//! The audit log names the operator and the request's reference (a letter number, not personal
//! data). Erasing an erased record changes nothing.

use perisai_domain::seal::Purpose;
use serde_json::{json, Value};

use super::{Result, ServiceError, CLI_ACTOR};
use crate::db::{audit, col, now_ms, rfc3339, Db};
use crate::keys::ServerKeys;

/// The name an erased record shows.
pub const ERASED_NAME: &str = "[DIHAPUS / ERASED]";

/// The normalized fields that identify the person: emptied (or nulled) by erasure.
pub use perisai_domain::form::PERSONAL_FIELDS;

/// What `erase` did.
#[derive(Debug, PartialEq, Eq)]
pub enum Erased {
    /// The record's personal data is gone now.
    Now { branch: String },
    /// It was erased before; nothing changed.
    Already { branch: String },
}

/// Checks a request reference: 1 to 100 of letters, digits, space and `/ . - _ :`.
fn clean_reference(reference: &str) -> Result<String> {
    let reference = reference.trim();
    let allowed = |c: char| c.is_ascii_alphanumeric() || " /.-_:".contains(c);
    if reference.is_empty() || reference.chars().count() > 100 || !reference.chars().all(allowed) {
        return Err(ServiceError::Invalid(
            "--reference harus 1–100 huruf, angka, spasi atau / . - _ : (nomor surat permintaan, \
             bukan data pribadi) / --reference must be 1 to 100 letters, digits, spaces or \
             / . - _ : (the request's letter number, not personal data)"
                .into(),
        ));
    }
    Ok(reference.to_string())
}

/// Whether an opened content is an erased record's.
pub fn is_erased(content: &Value) -> bool {
    content.get("erased").is_some_and(|e| !e.is_null())
}

/// Whether field `name` of an opened content is hidden because the person's data was erased
/// (the stored placeholders keep the engine's shape; only the name shows, as [`ERASED_NAME`]).
pub fn hides(content: &Value, name: &str) -> bool {
    name != "full_name" && PERSONAL_FIELDS.contains(&name) && is_erased(content)
}

/// The content left after erasure: the normalized record without what identifies the person.
fn erased_content(content: &Value, at_ms: i64) -> Value {
    let mut normalized = content.get("normalized").cloned().unwrap_or(Value::Null);
    if let Some(fields) = normalized.as_object_mut() {
        fields.remove("location");
        // The shape the engine reads (`record::Enrollment`) stays whole; pages hide these.
        fields.insert("nik".into(), json!(""));
        fields.insert("full_name".into(), json!(ERASED_NAME));
        fields.insert("birth_place".into(), json!(""));
        fields.insert("birth_date".into(), json!("0001-01-01"));
        fields.insert("sex".into(), json!("F"));
        fields.insert("phone".into(), json!(""));
        fields.insert("address".into(), json!(""));
    }
    json!({
        "erased": {"at": rfc3339(at_ms)},
        "record": null,
        "normalized": normalized,
    })
}

/// Erases the personal data of record `record_id` (in `branch` when several hold the id).
pub async fn erase(
    db: &Db,
    keys: &ServerKeys,
    record_id: &str,
    branch: Option<&str>,
    reference: &str,
    actor: &str,
) -> Result<Erased> {
    let reference = clean_reference(reference)?;
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let row = &super::one_record(&mut tx, record_id, branch, "branch, content").await?;
    let branch: String = col(row, "branch")?;
    let sealed: Vec<u8> = col(row, "content")?;
    let aad = format!("{branch}/{record_id}");
    let content: Value = serde_json::from_slice(&keys.open(Purpose::Record, &aad, &sealed)?)
        .map_err(|_| ServiceError::Invalid("the stored content of the record is damaged".into()))?;
    if is_erased(&content) {
        return Ok(Erased::Already { branch });
    }
    let erased = serde_json::to_vec(&erased_content(&content, now))
        .map_err(|_| ServiceError::Invalid("the erased content cannot be written".into()))?;
    sqlx::query(
        "UPDATE enrollments SET content = $1, nik_hmac = NULL, phone_hmac = NULL
         WHERE branch = $2 AND id = $3",
    )
    .bind(keys.seal(Purpose::Record, &aad, &erased)?)
    .bind(&branch)
    .bind(record_id)
    .execute(&mut *tx)
    .await?;
    for statement in [
        "DELETE FROM nik_claims WHERE branch = $1 AND record_id = $2",
        "DELETE FROM duplicate_queue WHERE branch = $1 AND record_id = $2",
        "UPDATE decisions SET reason = NULL WHERE branch = $1 AND record_id = $2",
    ] {
        sqlx::query(statement)
            .bind(&branch)
            .bind(record_id)
            .execute(&mut *tx)
            .await?;
    }
    audit::record(
        &mut tx,
        actor,
        "record.erase",
        Some(&branch),
        Some(record_id),
        &json!({ "reference": reference }),
    )
    .await?;
    tx.commit().await?;
    Ok(Erased::Now { branch })
}

/// Erases as the operator CLI.
pub async fn erase_from_cli(
    db: &Db,
    keys: &ServerKeys,
    record_id: &str,
    branch: Option<&str>,
    reference: &str,
) -> Result<Erased> {
    erase(db, keys, record_id, branch, reference, CLI_ACTOR).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_letter_numbers_not_free_text() {
        assert_eq!(
            clean_reference(" 123/PDP/XI/2026 ").unwrap(),
            "123/PDP/XI/2026"
        );
        for bad in ["", "   ", "Siti <3", "a\nb", &"x".repeat(101)] {
            assert!(clean_reference(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn erased_content_keeps_what_prices_contributions_and_nothing_that_identifies() {
        let content = json!({
            "record": {"nik": "3201015501900001", "full_name": "Siti"},
            "normalized": {
                "nik": "3201015501900001", "full_name": "SITI RAHAYU", "birth_place": "Bogor",
                "birth_date": "1990-01-15", "sex": "F", "phone": "+6281234567801",
                "address": "Pasar Anyar", "occupation": "PEDAGANG", "monthly_income": 2500000,
                "programs": ["JKK", "JKM"], "payment_months": 1, "consent": true,
                "location": {"lat": -6.5, "lon": 106.8, "accuracy_m": 8.0},
                "enrolled_on": "2026-11-16"
            }
        });
        let erased = erased_content(&content, 0);
        assert!(is_erased(&erased));
        assert!(!is_erased(&content));
        let text = erased.to_string();
        for personal in [
            "3201015501900001",
            "SITI",
            "Siti",
            "Bogor",
            "1990",
            "6281",
            "Pasar",
            "-6.5",
        ] {
            assert!(!text.contains(personal), "{personal} in {text}");
        }
        let enrollment: perisai_domain::record::Enrollment =
            serde_json::from_value(erased["normalized"].clone()).expect("the engine's shape");
        assert_eq!(enrollment.monthly_income, 2_500_000);
        assert_eq!(enrollment.occupation, "PEDAGANG");
        assert_eq!(enrollment.programs.len(), 2);
        assert_eq!(enrollment.full_name, ERASED_NAME);
        // Pages and exports hide the placeholders, show the name as erased, keep the rest.
        for name in ["nik", "birth_date", "sex", "phone", "address", "location"] {
            assert!(hides(&erased, name), "{name}");
            assert!(!hides(&content, name), "{name}");
        }
        assert!(!hides(&erased, "full_name"));
        assert!(!hides(&erased, "occupation"));
    }
}
