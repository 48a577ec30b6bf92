//! The plain facts a statement is computed from. The server gathers them from its tables (review
//! decisions, NIK claims, imported payment confirmations); the engine does no I/O and trusts no
//! clock, so the same facts always give the same statement.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::tariff::YearMonth;

/// An enrolled participant as the incentive rules see it (DOMAIN.md §7, §8).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    pub record_id: String,
    /// The agent who enrolled the participant (from the device binding).
    pub agent_id: String,
    pub wadah_id: String,
    /// The package includes JHT (the higher acquisition amount).
    pub with_jht: bool,
    /// The NIK was never registered in the BPU segment before this enrollment.
    pub nik_new_to_bpu: bool,
    /// The enrollment is approved now. A reversed approval earns nothing from then on, and what
    /// was already issued for it comes back as a negative adjustment.
    pub approved: bool,
    /// This is the first approved enrollment for its NIK (only that one can earn an acquisition).
    pub first_for_nik: bool,
}

impl Participant {
    /// Whether the participant can count as an acquisition (in the month of the first
    /// confirmed contribution).
    pub fn can_qualify(&self) -> bool {
        self.approved && self.nik_new_to_bpu && self.first_for_nik
    }
}

/// A confirmed payment for one contribution month of one participant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// The payment channel's reference (idempotency of the import).
    pub payment_ref: String,
    pub record_id: String,
    pub contribution_month: YearMonth,
    /// Whole rupiah actually paid (after discounts): the base of the contribution incentive.
    pub amount: i64,
    /// The confirmation date (`paid_at`) in the branch's time zone: the payment belongs to the
    /// statement of this date's month.
    pub confirmed_on: NaiveDate,
}

/// Everything known about an agent's participants and their payments. Payments for records
/// that are not among `participants` are ignored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    pub participants: Vec<Participant>,
    pub payments: Vec<Payment>,
}
