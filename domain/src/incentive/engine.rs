//! Computing a month: an agent's statement from plain [`Facts`], and a Wadah's from its agents'
//! statements (DOMAIN.md §7). Pure functions: no I/O, no clock (the caller passes `as_of`).
//!
//! An agent's month M holds:
//! - **acquisition** lines: one per participant who qualifies in M (approved, NIK new to BPU,
//!   first approved enrollment of the NIK, first contribution confirmed in M), at the scheme's
//!   amount for the package, or at 0 with the reason when the agent has fewer qualifying
//!   participants in M than the scheme's threshold;
//! - **contribution** lines: one per payment confirmed in M (the branch's date), the scheme's
//!   rate for the participant's contribution month n (1 = the first paid contribution month) of
//!   the amount actually paid, rounded half-up on the line;
//! - **adjustment** lines: for every earlier month already issued, what it should contain with
//!   today's facts, minus everything issued for it so far (its own lines and the adjustments
//!   already made), one line per participant whose sum moved. Issued statements are never
//!   touched; a late payment, a reversed decision or a threshold crossed or lost lands here.
//!
//! Adjustments are settled per participant over all issued months at once: an adjustment line
//! carries no reference to the month it corrects (the statement shape is a contract), so the only
//! comparison that can never pay a correction twice is "everything that should have been paid
//! for this participant up to now" against "everything that was".

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, FixedOffset};

use super::facts::{Facts, Participant, Payment};
use super::scheme::{Scheme, SchemeBook};
use super::statement::{Line, LineKind, Statement, Status};
use crate::error::DomainError;
use crate::message::rfc3339;
use crate::message::{format_rupiah, Message};
use crate::tariff::amount::round_half_up;
use crate::tariff::YearMonth;

/// What to compute for one agent.
#[derive(Clone, Copy, Debug)]
pub struct StatementRequest<'a> {
    pub agent_id: &'a str,
    pub month: YearMonth,
    /// `Confirmed` when issuing the month, `Provisional` for an estimate of the running month.
    pub status: Status,
    pub as_of: &'a DateTime<FixedOffset>,
    /// The agent's statements issued so far, in any order. Only `confirmed` ones of months
    /// before `month` count (the first one per month, should a caller pass two).
    pub issued: &'a [Statement],
}

/// The agent's statement for `request.month`: that month's lines plus the adjustments of every
/// earlier issued month. `Err` (`scheme.not_in_force`) when no scheme covers a month to compute.
pub fn agent_statement(
    book: &SchemeBook,
    facts: &Facts,
    request: &StatementRequest<'_>,
) -> Result<Statement, DomainError> {
    let agent = AgentFacts::new(facts, request.agent_id);
    let mut lines = agent.month_lines(book, request.month)?;
    lines.extend(agent.adjustments(book, request.month, request.issued)?);
    Ok(Statement::from_lines(
        request.month,
        request.status,
        rfc3339(request.as_of),
        lines,
    ))
}

/// The acquisition and contribution lines of one agent's month, as they should be with these
/// facts (no adjustments): what an issued month is compared with.
pub fn month_lines(
    book: &SchemeBook,
    facts: &Facts,
    agent_id: &str,
    month: YearMonth,
) -> Result<Vec<Line>, DomainError> {
    AgentFacts::new(facts, agent_id).month_lines(book, month)
}

/// A Wadah's statement for `month`: one `management` line per agent (`record_id` = the agent id),
/// the scheme's share of that agent's statement total for the month, rounded half-up on the line.
/// Agents' adjustments are in their totals, so the Wadah's share follows them without
/// adjustments of its own.
pub fn wadah_statement(
    book: &SchemeBook,
    month: YearMonth,
    status: Status,
    as_of: &DateTime<FixedOffset>,
    agent_statements: &[(&str, &Statement)],
) -> Result<Statement, DomainError> {
    let scheme = scheme_for(book, month)?;
    let mut lines: Vec<Line> = agent_statements
        .iter()
        .map(|(agent_id, statement)| Line {
            kind: LineKind::Management,
            record_id: (*agent_id).to_string(),
            amount: share(statement.total, scheme.management_bp),
            note: format!(
                "Insentif pengelolaan {} dari {} / Management incentive {} of {}",
                percent_id(scheme.management_bp),
                format_rupiah(statement.total),
                percent_en(scheme.management_bp),
                format_rupiah(statement.total),
            ),
        })
        .collect();
    lines.sort_by(|a, b| a.record_id.cmp(&b.record_id));
    Ok(Statement::from_lines(month, status, rfc3339(as_of), lines))
}

/// One agent's participants and their (deduplicated) payments, indexed for the month rules.
struct AgentFacts<'a> {
    /// By record id, sorted so that lines come out in a stable order.
    participants: BTreeMap<&'a str, &'a Participant>,
    /// By record id; each payment once (by `payment_ref`).
    payments: HashMap<&'a str, Vec<&'a Payment>>,
}

impl<'a> AgentFacts<'a> {
    fn new(facts: &'a Facts, agent_id: &str) -> Self {
        let participants: BTreeMap<&str, &Participant> = facts
            .participants
            .iter()
            .filter(|p| p.agent_id == agent_id)
            .map(|p| (p.record_id.as_str(), p))
            .collect();
        let mut seen = HashSet::new();
        let mut payments: HashMap<&str, Vec<&Payment>> = HashMap::new();
        for payment in &facts.payments {
            if participants.contains_key(payment.record_id.as_str())
                && seen.insert(payment.payment_ref.as_str())
            {
                payments
                    .entry(payment.record_id.as_str())
                    .or_default()
                    .push(payment);
            }
        }
        AgentFacts {
            participants,
            payments,
        }
    }

    fn payments_of(&self, record_id: &str) -> &[&'a Payment] {
        self.payments.get(record_id).map_or(&[], Vec::as_slice)
    }

    /// The month in which the participant's first contribution was confirmed.
    fn acquisition_month(&self, record_id: &str) -> Option<YearMonth> {
        self.payments_of(record_id)
            .iter()
            .map(|p| p.confirmed_on)
            .min()
            .map(YearMonth::of)
    }

    /// The participant's first paid contribution month (contribution month 1).
    fn first_paid_month(&self, record_id: &str) -> Option<YearMonth> {
        self.payments_of(record_id)
            .iter()
            .map(|p| p.contribution_month)
            .min()
    }

    fn month_lines(&self, book: &SchemeBook, month: YearMonth) -> Result<Vec<Line>, DomainError> {
        let scheme = scheme_for(book, month)?;
        let mut lines = self.acquisition_lines(scheme, month);
        lines.extend(self.contribution_lines(scheme, month));
        Ok(lines)
    }

    fn acquisition_lines(&self, scheme: &Scheme, month: YearMonth) -> Vec<Line> {
        let qualifying: Vec<&Participant> = self
            .participants
            .values()
            .filter(|p| p.can_qualify() && self.acquisition_month(&p.record_id) == Some(month))
            .copied()
            .collect();
        let count = u32::try_from(qualifying.len()).unwrap_or(u32::MAX);
        let min = scheme.acquisition.min_qualifying;
        qualifying
            .into_iter()
            .map(|p| {
                let (package_id, package_en) = if p.with_jht {
                    ("paket dengan JHT", "package with JHT")
                } else {
                    ("paket JKK+JKM", "JKK+JKM package")
                };
                let (amount, note) = if count >= min {
                    (
                        scheme.acquisition_rupiah(p.with_jht),
                        format!(
                            "Akuisisi peserta baru, {package_id} / New participant, {package_en}"
                        ),
                    )
                } else {
                    (
                        0,
                        format!(
                            "Akuisisi peserta baru, {package_id}: {count} dari minimal {min} \
                             peserta bulan ini, belum dibayar / New participant, {package_en}: \
                             {count} of the required {min} this month, not paid"
                        ),
                    )
                };
                Line {
                    kind: LineKind::Acquisition,
                    record_id: p.record_id.clone(),
                    amount,
                    note,
                }
            })
            .collect()
    }

    fn contribution_lines(&self, scheme: &Scheme, month: YearMonth) -> Vec<Line> {
        let mut lines = Vec::new();
        for participant in self.participants.values().filter(|p| p.approved) {
            let record_id = participant.record_id.as_str();
            let Some(first) = self.first_paid_month(record_id) else {
                continue;
            };
            let mut paid: Vec<&Payment> = self
                .payments_of(record_id)
                .iter()
                .filter(|p| YearMonth::of(p.confirmed_on) == month)
                .copied()
                .collect();
            paid.sort_by(|a, b| {
                (a.contribution_month, &a.payment_ref).cmp(&(b.contribution_month, &b.payment_ref))
            });
            for payment in paid {
                let n = months_from(first, payment.contribution_month) + 1;
                let rate = scheme.contribution_rate_bp(n);
                let base = payment.amount.max(0);
                lines.push(Line {
                    kind: LineKind::Contribution,
                    record_id: record_id.to_string(),
                    amount: share(base, rate),
                    note: format!(
                        "Iuran bulan ke-{n} ({} dari {}) / Contribution month {n} ({} of {})",
                        percent_id(rate),
                        format_rupiah(base),
                        percent_en(rate),
                        format_rupiah(base),
                    ),
                });
            }
        }
        lines
    }

    /// Adjustment lines for `month`: per participant, what every issued month before it should
    /// hold with today's facts, minus everything issued for it so far.
    fn adjustments(
        &self,
        book: &SchemeBook,
        month: YearMonth,
        issued: &[Statement],
    ) -> Result<Vec<Line>, DomainError> {
        let mut earlier: BTreeMap<YearMonth, &Statement> = BTreeMap::new();
        for statement in issued
            .iter()
            .filter(|s| s.status == Status::Confirmed && s.month < month)
        {
            earlier.entry(statement.month).or_insert(statement);
        }
        let mut should: BTreeMap<String, i64> = BTreeMap::new();
        let mut paid: BTreeMap<String, i64> = BTreeMap::new();
        // Months in which a participant's own lines differ from what was issued: the note.
        let mut changed: BTreeMap<String, BTreeSet<YearMonth>> = BTreeMap::new();
        for (&m, statement) in &earlier {
            let mut now: BTreeMap<String, i64> = BTreeMap::new();
            for line in self.month_lines(book, m)? {
                add(&mut now, &line.record_id, line.amount);
            }
            let mut then: BTreeMap<String, i64> = BTreeMap::new();
            for line in &statement.lines {
                add(&mut paid, &line.record_id, line.amount);
                if line.kind != LineKind::Adjustment {
                    add(&mut then, &line.record_id, line.amount);
                }
            }
            for (record_id, amount) in &now {
                add(&mut should, record_id, *amount);
            }
            let records: BTreeSet<&String> = now.keys().chain(then.keys()).collect();
            for record_id in records {
                if now.get(record_id) != then.get(record_id) {
                    changed.entry(record_id.clone()).or_default().insert(m);
                }
            }
        }
        let records: BTreeSet<&String> = should.keys().chain(paid.keys()).collect();
        let mut lines = Vec::new();
        for record_id in records {
            let diff = should
                .get(record_id)
                .copied()
                .unwrap_or(0)
                .saturating_sub(paid.get(record_id).copied().unwrap_or(0));
            if diff == 0 {
                continue;
            }
            let months = changed.get(record_id).filter(|m| !m.is_empty());
            let note = match months {
                Some(months) => {
                    let id: Vec<String> = months.iter().map(|m| month_name_id(*m)).collect();
                    let en: Vec<String> = months.iter().map(|m| month_name_en(*m)).collect();
                    format!(
                        "Penyesuaian untuk {} / Adjustment for {}",
                        id.join(", "),
                        en.join(", ")
                    )
                }
                None => "Penyesuaian bulan sebelumnya / Adjustment for earlier months".to_string(),
            };
            lines.push(Line {
                kind: LineKind::Adjustment,
                record_id: record_id.clone(),
                amount: diff,
                note,
            });
        }
        Ok(lines)
    }
}

fn scheme_for(book: &SchemeBook, month: YearMonth) -> Result<&Scheme, DomainError> {
    book.in_force(month)
        .ok_or_else(|| DomainError::InvalidParameter {
            field: "month".into(),
            code: "scheme.not_in_force".into(),
        })
}

fn add(sums: &mut BTreeMap<String, i64>, record_id: &str, amount: i64) {
    let sum = sums.entry(record_id.to_string()).or_insert(0);
    *sum = sum.saturating_add(amount);
}

/// Calendar months from `from` to `to` (0 when equal, negative never: `from` is the minimum).
fn months_from(from: YearMonth, to: YearMonth) -> u32 {
    let index = |m: YearMonth| i64::from(m.year()) * 12 + i64::from(m.month());
    u32::try_from(index(to) - index(from)).unwrap_or(0)
}

/// `amount × bp / 10,000`, rounded half-up once (on this line).
fn share(amount: i64, bp: u32) -> i64 {
    let exact = i128::from(amount) * i128::from(bp);
    let rounded = round_half_up(exact, 10_000);
    i64::try_from(rounded).unwrap_or(if rounded < 0 { i64::MIN } else { i64::MAX })
}

/// `1500` → `15%`, `750` → `7,5%` (Indonesian decimal comma).
fn percent_id(bp: u32) -> String {
    percent_en(bp).replace('.', ",")
}

/// `1500` → `15%`, `750` → `7.5%`.
fn percent_en(bp: u32) -> String {
    let whole = bp / 100;
    let frac = bp % 100;
    if frac == 0 {
        format!("{whole}%")
    } else {
        let frac = format!("{frac:02}");
        format!("{whole}.{}%", frac.trim_end_matches('0'))
    }
}

const MONTHS_ID: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `Desember 2026` / `December 2026`.
pub fn month_message(m: YearMonth) -> Message {
    Message::new(month_name(&MONTHS_ID, m), month_name(&MONTHS_EN, m))
}

fn month_name(names: &[&str; 12], m: YearMonth) -> String {
    let name = names
        .get(usize::try_from(m.month()).unwrap_or(0).wrapping_sub(1))
        .copied()
        .unwrap_or("");
    format!("{name} {}", m.year())
}

fn month_name_id(m: YearMonth) -> String {
    month_name(&MONTHS_ID, m)
}

fn month_name_en(m: YearMonth) -> String {
    month_name(&MONTHS_EN, m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_read_naturally_in_both_languages() {
        assert_eq!(
            (percent_id(1500), percent_en(1500)),
            ("15%".into(), "15%".into())
        );
        assert_eq!(
            (percent_id(750), percent_en(750)),
            ("7,5%".into(), "7.5%".into())
        );
        assert_eq!(percent_en(1025), "10.25%");
        assert_eq!(percent_en(0), "0%");
    }

    #[test]
    fn shares_round_half_up_on_the_line() {
        assert_eq!(share(16_803, 1500), 2_520); // 2.520,45
        assert_eq!(share(16_810, 1500), 2_522); // 2.521,5
        assert_eq!(share(-25, 1000), -2); // -2,5 rounds up, towards +∞
    }

    #[test]
    fn months_are_named_for_people() {
        let m = YearMonth::parse("2026-03").unwrap();
        assert_eq!(month_name_id(m), "Maret 2026");
        assert_eq!(month_name_en(m), "March 2026");
        assert_eq!(months_from(m, YearMonth::parse("2028-02").unwrap()), 23);
    }
}
