//! What the queue hands out: summaries, receipts, participant cards, pending records, and the
//! server's outcomes it applies.

use super::*;

/// A participant the agent follows (the `participants` command, ARCHITECTURE.md §7): what the card
/// keeps, which stays after the full record is purged (DOMAIN.md §9).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ParticipantCard {
    pub record_id: String,
    pub name: String,
    /// `3201••••••••0001`
    pub nik_masked: String,
    /// `YYYY-MM`: the first contribution month not yet confirmed paid.
    pub next_due_month: String,
    /// The payment code (kode iuran), once the branch issued it.
    pub payment_code: Option<String>,
    /// The record's state; for a purged record, the state it had when purged (`approved`...).
    pub status: RecordState,
    /// The participant's phone (E.164, `+628…`), for the agent's call or WhatsApp.
    pub phone: String,
    /// The contribution of [`next_due_month`](Self::next_due_month) is late: its due day (the
    /// 15th, DOMAIN.md §6) has passed. Set by [`crate::AgentApp::participants`] from the agent's
    /// today; `false` straight from the store.
    pub overdue: bool,
}

/// Contributions are due by the 15th of their month (DOMAIN.md §6).
pub const CONTRIBUTION_DUE_DAY: u32 = 15;

/// Whether the contribution of `month` (`YYYY-MM`) is late on `today`: after its due day. An
/// unreadable month is never called late.
pub fn contribution_overdue(month: &str, today: NaiveDate) -> bool {
    crate::tariff::YearMonth::parse(month)
        .and_then(|m| NaiveDate::from_ymd_opt(m.year(), m.month(), CONTRIBUTION_DUE_DAY))
        .is_some_and(|due| today > due)
}

/// Where a submitted record comes from. A correction of a `has_issues` or `rejected` record is
/// not an origin: it is any record whose `enrollment.supersedes` names the old one, and that old
/// record becomes `superseded` in the same transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A fresh record with a new id.
    New,
    /// The draft with this id becomes the record (it keeps the id).
    Draft(String),
    /// A correction of this `queued` record, which becomes `withdrawn`.
    Replaces(String),
}

/// The answer to a submit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Submitted {
    pub id: String,
    pub receipt_no: u64,
    pub reference: String,
    /// Always `queued` (the CLI contract's `"status"`).
    pub status: RecordState,
    /// The warnings confirmed with the record.
    pub warnings: Vec<Issue>,
}

/// One line of the agent's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordSummary {
    pub id: String,
    pub state: RecordState,
    /// `None` for drafts.
    pub receipt_no: Option<u64>,
    pub reference: Option<String>,
    pub created_at: String,
    /// The participant's name (the agent's own screen may show it); `None` once erased.
    pub full_name: Option<String>,
}

/// The participant's receipt. Personal fields are `None` once erased: a `withdrawn` tombstone
/// shows only its number; a `purged` record shows what its card keeps.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Receipt {
    pub id: String,
    pub receipt_no: u64,
    pub reference: String,
    pub state: RecordState,
    /// True only once the server confirmed a payment (DOMAIN.md §6).
    pub paid: bool,
    /// `BELUM DIBAYAR` until then, `SUDAH DIBAYAR` after.
    pub payment_status: String,
    pub full_name: Option<String>,
    pub nik_masked: Option<String>,
    pub programs: Vec<String>,
    pub payment_months: Option<u32>,
    /// The quote's total due, in rupiah, and as printed (`Rp50.400`).
    pub total: Option<i64>,
    pub total_formatted: Option<String>,
    /// `dd/mm/yyyy`
    pub enrolled_on: Option<String>,
    pub created_at: String,
    pub rule_set: Option<String>,
    /// Warnings the agent confirmed at submit.
    pub warnings: Vec<Issue>,
    pub supersedes: Option<String>,
    pub payment_code: Option<String>,
    pub next_due_month: Option<String>,
    /// Rejection codes from the server (stable codes, no personal data).
    pub outcome_codes: Vec<String>,
    /// The supervisor's comment or reason, when there is one.
    pub review_note: Option<String>,
    /// The participant's phone (E.164), to send the receipt to; `None` once erased. Not part of
    /// the receipt's JSON (the desktop shell's `receipt` prints what the receipt shows).
    #[serde(skip)]
    pub phone: Option<String>,
}

pub const PAYMENT_STATUS_UNPAID: &str = "BELUM DIBAYAR";
pub const PAYMENT_STATUS_PAID: &str = "SUDAH DIBAYAR";

/// The server's acknowledgement of one record in a batch (ARCHITECTURE.md §4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum AckOutcome {
    Accepted,
    /// Same id, same content already stored: as good as accepted.
    DuplicateRecord,
    /// Accepted, but the NIK may be registered already (`nik.duplicate_known`): `flagged`.
    DuplicateKnown,
    Rejected {
        codes: Vec<String>,
    },
}

/// A supervisor's decision (DOMAIN.md §8). The text may quote personal data, so it is sealed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    Approved,
    HasIssues { comment: Option<String> },
    RejectedByReview { reason: Option<String> },
}

/// A record the next batch must carry: a `queued` record with its content, or a `withdrawn`
/// tombstone (no content) so the server sees every receipt number and no false gap.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingRecord {
    pub id: String,
    pub receipt_no: u64,
    pub state: RecordState,
    /// When the record was submitted (RFC 3339, agent's offset); a tombstone keeps it too.
    pub created_at: String,
    pub content: Option<RecordContent>,
}
