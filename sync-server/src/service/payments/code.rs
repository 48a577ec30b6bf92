//! The payment code (*kode iuran*, DOMAIN.md §6): issued by the server when a record is first
//! approved (inside `service::review::decide`, in the decision's transaction), sent to the agent's
//! device with the decision, and quoted by the participant at the payment channel.
//!
//! Shape: 12 digits, the first not 0, the last a Luhn check digit, so a mistyped digit or two
//! swapped neighbours are caught before a payment goes astray. Twelve digits never look like a
//! 16-digit NIK. The 11 other digits are random (not a counter: a code does not reveal how many
//! participants a branch has, and cannot be guessed from a neighbour's). `payment_codes
//! (payment_code)` is unique across the country and rows are never deleted, so a code is never
//! reused: a reversed approval keeps its code, and a new approval of the same record gets it back.
//!
//! Codes are not logged and not written to the audit log (the log says a code was issued).

use sqlx::AnyConnection;

use crate::keys::random_bytes;
use crate::service::ServiceError;

/// Digits of a payment code, check digit included.
pub const LEN: usize = 12;

/// The Luhn check digit of `digits` (ASCII digits only).
pub fn luhn_digit(digits: &str) -> Option<u8> {
    let mut sum = 0u32;
    for (i, b) in digits.bytes().rev().enumerate() {
        let d = u32::from(b.checked_sub(b'0').filter(|d| *d <= 9)?);
        // The rightmost payload digit is doubled (the check digit will sit to its right).
        sum += if i % 2 == 0 {
            let x = d * 2;
            if x > 9 {
                x - 9
            } else {
                x
            }
        } else {
            d
        };
    }
    Some(((10 - sum % 10) % 10) as u8)
}

/// Whether `text` is shaped as a payment code: 12 digits, first not 0, a good check digit.
pub fn is_valid(text: &str) -> bool {
    text.len() == LEN
        && !text.starts_with('0')
        && text.bytes().all(|b| b.is_ascii_digit())
        && luhn_digit(&text[..LEN - 1]) == Some(text.as_bytes()[LEN - 1] - b'0')
}

/// A new random code.
pub fn draw() -> Result<String, ServiceError> {
    let bytes = random_bytes::<8>()?;
    // 11 digits, the first 1–9: 9·10¹⁰ codes (the modulo bias of a 64-bit draw is negligible).
    let n = 10_000_000_000 + u64::from_le_bytes(bytes) % 90_000_000_000;
    let payload = n.to_string();
    let check = luhn_digit(&payload)
        .ok_or_else(|| ServiceError::Invalid("payment code payload is not digits".into()))?;
    Ok(format!("{payload}{check}"))
}

/// The record's payment code: the one it already has, or a new one. Runs inside the caller's
/// transaction; a drawn code that another record holds is simply drawn again (the insert skips
/// on any unique key, so the transaction is never aborted by a collision).
pub async fn issue(
    conn: &mut AnyConnection,
    branch: &str,
    record_id: &str,
    agent_id: &str,
    nik_hmac: Option<&str>,
    now_ms: i64,
) -> Result<String, ServiceError> {
    for _ in 0..8 {
        let code = draw()?;
        sqlx::query(
            "INSERT INTO payment_codes (branch, record_id, agent_id, payment_code, issued_ms, nik_hmac)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(branch)
        .bind(record_id)
        .bind(agent_id)
        .bind(&code)
        .bind(now_ms)
        .bind(nik_hmac)
        .execute(&mut *conn)
        .await?;
        if let Some(held) = of_record(conn, branch, record_id).await? {
            return Ok(held);
        }
    }
    Err(ServiceError::Conflict(
        "no free payment code could be drawn; try again".into(),
    ))
}

/// The payment code of a record, if it has one.
pub async fn of_record(
    conn: &mut AnyConnection,
    branch: &str,
    record_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT payment_code FROM payment_codes WHERE branch = $1 AND record_id = $2",
    )
    .bind(branch)
    .bind(record_id)
    .fetch_optional(conn)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawn_codes_are_twelve_digits_with_a_good_check_digit_and_differ() {
        let a = draw().unwrap();
        let b = draw().unwrap();
        assert_ne!(a, b);
        for code in [&a, &b] {
            assert_eq!(code.len(), LEN);
            assert!(is_valid(code), "{code}");
        }
    }

    #[test]
    fn the_check_digit_catches_a_wrong_digit_and_a_swap() {
        // Known Luhn example: 7992739871 has check digit 3.
        assert_eq!(luhn_digit("7992739871"), Some(3));
        let code = format!("12345678901{}", luhn_digit("12345678901").unwrap());
        assert!(is_valid(&code));
        let wrong = format!("12345778901{}", &code[11..]);
        assert!(!is_valid(&wrong), "one wrong digit");
        let swapped = format!("12435678901{}", &code[11..]);
        assert!(!is_valid(&swapped), "two neighbours swapped");
        assert!(
            !is_valid("3201010101900001"),
            "an NIK is not a payment code"
        );
        assert!(!is_valid(&format!("0{}", &code[1..])), "no leading zero");
    }
}
