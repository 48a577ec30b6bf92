//! User-facing text: every message carries Indonesian (`id`) first and English (`en`) second, and
//! the formats our users read: rupiah as `Rp16.800`, dates as `12/05/2026`.

use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat};
use serde::{Deserialize, Serialize};

/// A bilingual message. Never holds personal data: it is shown, logged and sent across the FFI.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: String,
    pub en: String,
}

impl Message {
    pub fn new(id: impl Into<String>, en: impl Into<String>) -> Self {
        Message {
            id: id.into(),
            en: en.into(),
        }
    }
}

/// `16800` → `Rp16.800`; negative amounts (adjustments) → `-Rp5.000`.
pub fn format_rupiah(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(ch);
    }
    if amount < 0 {
        format!("-Rp{grouped}")
    } else {
        format!("Rp{grouped}")
    }
}

/// The wire timestamp: `2026-11-20T09:15:00+07:00` (RFC 3339, whole seconds, with the offset).
pub fn rfc3339(at: &DateTime<FixedOffset>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// `2026-05-12` → `12/05/2026`.
pub fn format_date(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rupiah_uses_dots_for_thousands() {
        assert_eq!(format_rupiah(0), "Rp0");
        assert_eq!(format_rupiah(800), "Rp800");
        assert_eq!(format_rupiah(16_800), "Rp16.800");
        assert_eq!(format_rupiah(1_050_050), "Rp1.050.050");
        assert_eq!(format_rupiah(-5_000), "-Rp5.000");
    }

    #[test]
    fn dates_are_day_month_year() {
        let d = NaiveDate::from_ymd_opt(2026, 5, 12).unwrap();
        assert_eq!(format_date(d), "12/05/2026");
    }
}
