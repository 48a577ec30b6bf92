//! A monthly commission statement, the one shape shared by the engine, the server (which issues
//! and stores statements and sends them down), the device (which keeps them sealed, offline) and
//! the `perisai commission` output (ARCHITECTURE.md §7):
//!
//! `{"month", "status": "confirmed"|"provisional", "as_of", "acquisition", "contribution",
//!   "adjustments", "total", "lines": [{"kind", "record_id", "amount", "note"}]}`
//!
//! Amounts are whole rupiah. The header sums are always the sums of the lines by kind: build a
//! statement with [`Statement::from_lines`] and they cannot disagree. A `confirmed` statement is
//! issued and never changes; later facts become `adjustment` lines of a later statement.

use serde::{Deserialize, Serialize};

use crate::message::Message;
use crate::tariff::YearMonth;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Issued by the branch: payable, never changes.
    Confirmed,
    /// An estimate for the running month as of `as_of`; it changes until the month is issued.
    Provisional,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Confirmed => "confirmed",
            Status::Provisional => "provisional",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    /// A qualifying new participant (0 while the agent is below the month's threshold).
    Acquisition,
    /// A share of one confirmed contribution payment.
    Contribution,
    /// A correction of earlier, already issued months for one participant.
    Adjustment,
    /// A Wadah statement's share of one agent's statement; `record_id` holds the agent id.
    Management,
}

/// One line: who it is about, how much, and why in words a user can read (Indonesian, then
/// English after ` / `). Notes never hold personal data: they name months and rates only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub kind: LineKind,
    /// The participant's record; for `management` lines, the agent.
    pub record_id: String,
    pub amount: i64,
    /// Why, in both languages: `Indonesian / English` (read it with [`note_message`]).
    pub note: String,
}

/// How a line's note joins its two languages.
pub const NOTE_SEPARATOR: &str = " / ";

/// A line's note as its two languages (the engine writes `Indonesian / English`); a note without
/// the separator is the same text in both.
pub fn note_message(note: &str) -> Message {
    match note.split_once(NOTE_SEPARATOR) {
        Some((id, en)) => Message::new(id, en),
        None => Message::new(note, note),
    }
}

/// One agent's (or one Wadah's) statement for one month.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    pub month: YearMonth,
    pub status: Status,
    /// RFC 3339: when it was computed (provisional) or issued (confirmed).
    pub as_of: String,
    pub acquisition: i64,
    pub contribution: i64,
    pub adjustments: i64,
    pub total: i64,
    pub lines: Vec<Line>,
}

impl Statement {
    /// A statement whose header sums are those of `lines` (`management` lines count in `total`
    /// only).
    pub fn from_lines(month: YearMonth, status: Status, as_of: String, lines: Vec<Line>) -> Self {
        let sum = |kind: LineKind| -> i64 {
            lines
                .iter()
                .filter(|l| l.kind == kind)
                .fold(0i64, |acc, l| acc.saturating_add(l.amount))
        };
        let acquisition = sum(LineKind::Acquisition);
        let contribution = sum(LineKind::Contribution);
        let adjustments = sum(LineKind::Adjustment);
        let total = acquisition
            .saturating_add(contribution)
            .saturating_add(adjustments)
            .saturating_add(sum(LineKind::Management));
        Statement {
            month,
            status,
            as_of,
            acquisition,
            contribution,
            adjustments,
            total,
            lines,
        }
    }

    /// An empty statement: nothing known for the month (yet).
    pub fn empty(month: YearMonth, status: Status, as_of: String) -> Self {
        Statement::from_lines(month, status, as_of, Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_reads_in_either_language() {
        let both = note_message(
            "Iuran bulan ke-1, 15% dari Rp26.800 / Contribution month 1, 15% of Rp26.800",
        );
        assert_eq!(both.id, "Iuran bulan ke-1, 15% dari Rp26.800");
        assert_eq!(both.en, "Contribution month 1, 15% of Rp26.800");
        // Only the first separator splits: an English half may hold a slash of its own.
        let more = note_message("a / b / c");
        assert_eq!((more.id.as_str(), more.en.as_str()), ("a", "b / c"));
        let one = note_message("Koreksi");
        assert_eq!((one.id.as_str(), one.en.as_str()), ("Koreksi", "Koreksi"));
    }

    #[test]
    fn serialises_exactly_as_the_commission_output() {
        let s = Statement::from_lines(
            YearMonth::parse("2026-05").unwrap(),
            Status::Provisional,
            "2026-05-20T10:00:00+07:00".into(),
            vec![
                Line {
                    kind: LineKind::Contribution,
                    record_id: "r1".into(),
                    amount: 2_520,
                    note: "Iuran bulan ke-1 (15%) / Contribution month 1 (15%)".into(),
                },
                Line {
                    kind: LineKind::Adjustment,
                    record_id: "r2".into(),
                    amount: -500,
                    note: "n".into(),
                },
            ],
        );
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "month": "2026-05", "status": "provisional", "as_of": "2026-05-20T10:00:00+07:00",
                "acquisition": 0, "contribution": 2520, "adjustments": -500, "total": 2020,
                "lines": [
                    {"kind": "contribution", "record_id": "r1", "amount": 2520,
                     "note": "Iuran bulan ke-1 (15%) / Contribution month 1 (15%)"},
                    {"kind": "adjustment", "record_id": "r2", "amount": -500, "note": "n"}
                ]
            })
        );
        let back: Statement = serde_json::from_value(json).unwrap();
        assert_eq!(back, s);
    }
}
