//! Which record a payment line is for, and what its contribution month should have cost.
//!
//! The payment channel's `nik` column may hold the participant's NIK (16 digits, separators
//! allowed), the record id (a UUID) or the payment code (12 digits with a check digit). An NIK is
//! looked up by its HMAC through the national NIK claim (the one active enrollment of that NIK),
//! never in clear. The quote is the core tariff (`perisai_domain::tariff::quote`) for that one
//! month, with the record's income, programs and occupation: the very code the phone quoted with.

use perisai_domain::record::Enrollment;
use perisai_domain::rules::nik;
use perisai_domain::seal::Purpose;
use perisai_domain::tariff::{quote, QuoteRequest, RuleBook, YearMonth};
use sqlx::any::AnyRow;
use sqlx::AnyConnection;

use super::code;
use crate::db::col;
use crate::keys::ServerKeys;

/// What the identifier column holds.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    /// A normalized 16-digit NIK.
    Nik(String),
    RecordId(String),
    PaymentCode(String),
}

/// Reads the identifier column; `None` when it is none of the three (error `nik.format`).
pub fn classify(text: &str) -> Option<Key> {
    let text = text.trim();
    if let Ok(parsed) = nik::parse(text) {
        return parsed
            .problems(None)
            .is_empty()
            .then(|| Key::Nik(parsed.as_str().to_string()));
    }
    let digits = nik::strip_separators(text);
    if code::is_valid(&digits) {
        return Some(Key::PaymentCode(digits));
    }
    uuid::Uuid::parse_str(text)
        .ok()
        .map(|id| Key::RecordId(id.hyphenated().to_string()))
}

/// A stored record a payment can be for.
#[derive(Clone, Debug)]
pub struct Participant {
    pub branch: String,
    pub record_id: String,
    pub agent_id: String,
    pub status: String,
    /// The validated enrollment (`None` for a record refused at ingest).
    pub enrollment: Option<Enrollment>,
}

/// Why no single participant was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotFound {
    Unknown,
    Ambiguous,
}

/// Finds the record `key` names, with its content opened.
pub async fn find(
    conn: &mut AnyConnection,
    keys: &ServerKeys,
    key: &Key,
) -> Result<Result<Participant, NotFound>, crate::service::ServiceError> {
    find_within(conn, keys, key, None).await
}

/// [`find`] among the records of `branches` only (`None`: every branch): a record elsewhere is
/// [`NotFound::Unknown`], as if it did not exist, and never makes a match ambiguous.
pub async fn find_within(
    conn: &mut AnyConnection,
    keys: &ServerKeys,
    key: &Key,
    branches: Option<&[String]>,
) -> Result<Result<Participant, NotFound>, crate::service::ServiceError> {
    const COLUMNS: &str = "e.branch, e.id, e.agent_id, e.status, e.content";
    let mut rows: Vec<AnyRow> = match key {
        Key::Nik(nik) => {
            sqlx::query(&format!(
                "SELECT {COLUMNS} FROM nik_claims c
                 JOIN enrollments e ON e.branch = c.branch AND e.id = c.record_id
                 WHERE c.nik_hmac = $1"
            ))
            .bind(keys.nik_hmac(nik))
            .fetch_all(&mut *conn)
            .await?
        }
        Key::RecordId(id) => {
            sqlx::query(&format!(
                "SELECT {COLUMNS} FROM enrollments e WHERE e.id = $1"
            ))
            .bind(id)
            .fetch_all(&mut *conn)
            .await?
        }
        Key::PaymentCode(code) => {
            sqlx::query(&format!(
                "SELECT {COLUMNS} FROM payment_codes p
                 JOIN enrollments e ON e.branch = p.branch AND e.id = p.record_id
                 WHERE p.payment_code = $1"
            ))
            .bind(code)
            .fetch_all(&mut *conn)
            .await?
        }
    };
    if let Some(branches) = branches {
        let mut kept = Vec::with_capacity(rows.len());
        for row in rows {
            let branch: String = col(&row, "branch")?;
            if branches.contains(&branch) {
                kept.push(row);
            }
        }
        rows = kept;
    }
    let row = match rows.as_slice() {
        [] => return Ok(Err(NotFound::Unknown)),
        [row] => row,
        _ => return Ok(Err(NotFound::Ambiguous)),
    };
    let branch: String = col(row, "branch")?;
    let record_id: String = col(row, "id")?;
    let sealed: Vec<u8> = col(row, "content")?;
    let plain = keys.open(Purpose::Record, &format!("{branch}/{record_id}"), &sealed)?;
    let enrollment = serde_json::from_slice::<serde_json::Value>(&plain)
        .ok()
        .and_then(|content| content.get("normalized").cloned())
        .filter(|n| !n.is_null())
        .and_then(|n| serde_json::from_value::<Enrollment>(n).ok());
    Ok(Ok(Participant {
        agent_id: col(row, "agent_id")?,
        status: col(row, "status")?,
        branch,
        record_id,
        enrollment,
    }))
}

/// What one contribution month of this enrollment costs (`None` when no rule set prices it or
/// the record no longer fits the rule set of that month).
pub fn monthly_quote(book: &RuleBook, enrollment: &Enrollment, month: YearMonth) -> Option<i64> {
    let request = QuoteRequest {
        monthly_income: enrollment.monthly_income,
        programs: enrollment.programs.clone(),
        months: 1,
        start: (month.year(), month.month()),
        occupation: Some(enrollment.occupation.clone()),
    };
    quote(book, &request).ok().map(|q| q.total_due)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_identifier_column_takes_a_nik_a_record_id_or_a_payment_code() {
        assert_eq!(
            classify(" 3201.0101-0190 0001 "),
            Some(Key::Nik("3201010101900001".into()))
        );
        let id = "0190a3c4-5b6d-7e8f-9a0b-1c2d3e4f5a6b";
        assert_eq!(classify(id), Some(Key::RecordId(id.into())));
        let code = format!("12345678901{}", code::luhn_digit("12345678901").unwrap());
        assert_eq!(classify(&code), Some(Key::PaymentCode(code.clone())));
        // A mistyped code, a province that does not exist, junk: nothing.
        assert_eq!(classify("123456789010"), None);
        assert_eq!(classify("9901010101900001"), None);
        assert_eq!(classify("Siti"), None);
        assert_eq!(classify(""), None);
    }
}
