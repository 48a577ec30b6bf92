//! A record's life on the device (ARCHITECTURE.md §3): drafts, submit with gap-free receipt numbers,
//! withdraw, correct, the server outcomes sync will apply, and purge after retention.
//!
//! Everything here is a method on [`Store`]; every change runs in one IMMEDIATE transaction, so
//! each operation is all-or-nothing and two processes on one file cannot interleave. Callers are
//! [`crate::app::AgentApp`] (validation, clock, config) and, later, the sync client.
//!
//! ## States and who moves them
//!
//! | from | operation | to |
//! |---|---|---|
//! | (nothing) | `save_draft` | `draft` |
//! | `draft` | `insert_submitted(Origin::Draft)` | `queued` (same id) |
//! | `draft` | `discard_draft` / `withdraw` | row deleted (no number was ever given) |
//! | `queued` | `withdraw` | `withdrawn`: tombstone, content erased, number kept |
//! | `queued` | correction (`Origin::Replaces`) | `withdrawn`, and a new `queued` record |
//! | `has_issues`, `rejected` | a record whose `supersedes` names it | `superseded`, and the new record `queued` |
//! | `queued` | `mark_sent` | `sent` |
//! | `withdrawn` (not yet in a batch) | `mark_sent` | stays `withdrawn`; the batch carries the tombstone so the server sees no gap in receipt numbers |
//! | `sent` | `apply_ack` | `accepted` / `flagged` / `rejected` |
//! | `sent`, `accepted`, `flagged`, `approved`, `has_issues`, `rejected_by_review` | `apply_decision` | `approved` / `has_issues` / `rejected_by_review` (a decision can be reversed) |
//! | `accepted`, `flagged`, `approved`, `rejected_by_review`, `superseded`, confirmed before the retention | `purge_expired` | `purged` |
//!
//! Anything else is [`CoreError::NotAllowed`] with the record's state. Replays from the server
//! (an acknowledgement for a record already past `sent`, a decision for a `superseded` or `purged`
//! record) change nothing and are not errors, because sync retries and must not get stuck.
//!
//! Why a correction of a `queued` record **withdraws** it rather than superseding it: the server
//! never saw it, so a `supersedes` link would point at an id the server cannot know, and
//! `superseded` means "replaced on the server too" (ARCHITECTURE.md §3). The old record is a
//! `withdrawn` tombstone (its content erased at once) and its receipt number stays accounted for.
//!
//! ## Receipt numbers and references
//!
//! The receipt number is `MAX(receipt_no) + 1`, read and written in the same IMMEDIATE
//! transaction as the insert: a failed or killed submit leaves no gap, and since numbered rows are
//! never deleted (withdrawn ones stay as tombstones) the numbers are 1..=n. The printed reference
//! is `<number>-<4 characters from the id><check character>` (e.g. `17-7KQ2X`), the check being
//! Luhn mod 32 over Crockford base-32, so a mistyped character is caught by [`verify_reference`].
//!
//! ## What stays after a purge
//!
//! A participant card (name, masked NIK, phone, next due month, payment code) sealed in its own
//! blob, made at submit and kept up to date by payment updates. A purge erases the content (and
//! the supervisor's note); for records that stand for a participant (`accepted`, `flagged`,
//! `approved`) the card and NIK tag stay, for the others (`superseded`, `rejected_by_review`)
//! nothing personal stays. Then the WAL is checkpointed (TRUNCATE) so no old page lingers.
//! `has_issues` and `rejected` records are never purged: the agent still has to correct them
//! (once corrected they are `superseded`, and purged in turn). Retention counts from
//! `confirmed_at`, the time the first server acknowledgement (or decision) was applied.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate};
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};

use crate::content::{open_json, seal_json};
use crate::error::CoreError;
use crate::message::{format_date, format_rupiah};
use crate::rules::report::Issue;
use crate::seal::{Purpose, Sealer};
use crate::store::Store;
use crate::tariff::YearMonth;

pub use crate::content::{
    Card, ConsentRecord, RecordContent, CARD_VERSION, CONTENT_VERSION, DRAFT_VERSION, NOTE_VERSION,
};
pub use perisai_domain::rules::nik::mask_nik;

/// A record's state on the device (ARCHITECTURE.md §3). The snake_case strings are stable API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordState {
    Draft,
    Queued,
    Sent,
    Accepted,
    Flagged,
    Rejected,
    Approved,
    HasIssues,
    RejectedByReview,
    Superseded,
    Withdrawn,
    Purged,
}

impl RecordState {
    /// Every state, in the order of ARCHITECTURE.md §3.
    pub const ALL: [RecordState; 12] = [
        RecordState::Draft,
        RecordState::Queued,
        RecordState::Sent,
        RecordState::Accepted,
        RecordState::Flagged,
        RecordState::Rejected,
        RecordState::Approved,
        RecordState::HasIssues,
        RecordState::RejectedByReview,
        RecordState::Superseded,
        RecordState::Withdrawn,
        RecordState::Purged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordState::Draft => "draft",
            RecordState::Queued => "queued",
            RecordState::Sent => "sent",
            RecordState::Accepted => "accepted",
            RecordState::Flagged => "flagged",
            RecordState::Rejected => "rejected",
            RecordState::Approved => "approved",
            RecordState::HasIssues => "has_issues",
            RecordState::RejectedByReview => "rejected_by_review",
            RecordState::Superseded => "superseded",
            RecordState::Withdrawn => "withdrawn",
            RecordState::Purged => "purged",
        }
    }

    /// The agent fixes it with a correction that supersedes it: the supervisor returned it
    /// (`has_issues`) or the server refused it (`rejected`). The shells offer "Perbaiki" for
    /// these, and [`Store::can_supersede`] and submit accept a correction of these only.
    pub fn needs_fix(self) -> bool {
        matches!(self, RecordState::HasIssues | RecordState::Rejected)
    }

    /// The agent can still take it back: not yet in a batch (`queued`) or a `draft` (discarded).
    /// The shells offer "Tarik" for these, and [`Store::withdraw`] accepts these only.
    pub fn can_withdraw(self) -> bool {
        matches!(self, RecordState::Queued | RecordState::Draft)
    }

    /// Parses a stable state string; anything else is [`CoreError::InvalidParameter`].
    pub fn parse(s: &str) -> Result<RecordState, CoreError> {
        RecordState::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| CoreError::InvalidParameter {
                field: "state".into(),
                code: "state.unknown".into(),
            })
    }
}

impl fmt::Display for RecordState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for RecordState {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RecordState::parse(s)
    }
}

/// States that count for the local duplicate check: the NIK is (or is about to be) enrolled.
const LIVE_FOR_DUPLICATES: &str =
    "'queued','sent','accepted','flagged','approved','has_issues','purged'";
/// States a purge may erase, once confirmed longer ago than the retention.
const PURGEABLE: &str = "'accepted','flagged','approved','rejected_by_review','superseded'";
const KEEPS_CARD: &str = "'accepted','flagged','approved'";

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

pub use perisai_domain::message::rfc3339;

fn not_allowed(state: RecordState) -> CoreError {
    CoreError::NotAllowed {
        state: state.as_str().to_string(),
    }
}

fn receipt_u64(v: Option<i64>) -> Result<Option<u64>, CoreError> {
    v.map(|n| u64::try_from(n).map_err(|_| CoreError::Store("negative receipt number".into())))
        .transpose()
}

/// A row's clear columns plus its blobs, as read for one operation.
struct Row {
    id: String,
    state: RecordState,
    receipt_no: Option<u64>,
    created_at: String,
    supersedes: Option<String>,
    content_version: u32,
    content: Option<Vec<u8>>,
    card: Option<Vec<u8>>,
    note: Option<Vec<u8>>,
    outcome_codes: Option<String>,
    paid: bool,
    batch: Option<String>,
}

const ROW_COLUMNS: &str = "id, state, receipt_no, created_at, supersedes, content_version, \
     content, card, note, outcome_codes, paid, batch";

/// Reads a row selected with [`ROW_COLUMNS`]; a state or number this build does not know is a
/// conversion error (reported as a store error), never a guess.
fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let bad = |col: usize, what: &str| {
        rusqlite::Error::FromSqlConversionFailure(col, rusqlite::types::Type::Text, what.into())
    };
    let state: String = r.get(1)?;
    let receipt_no: Option<i64> = r.get(2)?;
    Ok(Row {
        id: r.get(0)?,
        state: RecordState::parse(&state).map_err(|_| bad(1, "unknown record state"))?,
        receipt_no: receipt_u64(receipt_no).map_err(|_| bad(2, "negative receipt number"))?,
        created_at: r.get(3)?,
        supersedes: r.get(4)?,
        content_version: r.get(5)?,
        content: r.get(6)?,
        card: r.get(7)?,
        note: r.get(8)?,
        outcome_codes: r.get(9)?,
        paid: r.get(10)?,
        batch: r.get(11)?,
    })
}

fn get_row(conn: &rusqlite::Connection, id: &str) -> Result<Row, CoreError> {
    conn.query_row(
        &format!("SELECT {ROW_COLUMNS} FROM records WHERE id = ?1"),
        [id],
        read_row,
    )
    .optional()?
    .ok_or(CoreError::NotFound)
}

impl Store {
    /// An IMMEDIATE transaction (the write lock is taken at once, so the receipt number read
    /// and the insert cannot interleave with another writer), and the sealer beside it.
    pub(crate) fn write_tx(&mut self) -> Result<(rusqlite::Transaction<'_>, &Sealer), CoreError> {
        self.writes_since_checkpoint += 1;
        if self.writes_since_checkpoint >= crate::store::CHECKPOINT_EVERY_WRITES {
            self.checkpoint()?;
        }
        let Store { conn, sealer, .. } = self;
        Ok((
            conn.transaction_with_behavior(TransactionBehavior::Immediate)?,
            sealer,
        ))
    }

    /// The state of record `id`.
    pub fn state(&self, id: &str) -> Result<RecordState, CoreError> {
        Ok(get_row(&self.conn, id)?.state)
    }

    // ----- drafts -------------------------------------------------------------------------

    /// Saves a draft: any JSON object, sealed, not validated. With `id`, replaces that draft's
    /// content (it must still be a draft); without, creates one. Returns the draft's id.
    pub fn save_draft(
        &mut self,
        id: Option<&str>,
        draft: &serde_json::Value,
        now: &DateTime<FixedOffset>,
    ) -> Result<String, CoreError> {
        if !draft.is_object() {
            return Err(CoreError::MalformedInput);
        }
        let at = rfc3339(now);
        let (tx, sealer) = self.write_tx()?;
        let id = match id {
            Some(id) => {
                let row = get_row(&tx, id)?;
                if row.state != RecordState::Draft {
                    return Err(not_allowed(row.state));
                }
                let blob = seal_json(sealer, Purpose::Draft, id, DRAFT_VERSION, draft)?;
                tx.execute(
                    "UPDATE records SET content = ?2, content_version = ?3, updated_at = ?4
                     WHERE id = ?1",
                    params![id, blob, DRAFT_VERSION, at],
                )?;
                id.to_string()
            }
            None => {
                let id = uuid::Uuid::now_v7().to_string();
                let blob = seal_json(sealer, Purpose::Draft, &id, DRAFT_VERSION, draft)?;
                tx.execute(
                    "INSERT INTO records (id, state, created_at, updated_at, content_version, content)
                     VALUES (?1, 'draft', ?2, ?2, ?3, ?4)",
                    params![id, at, DRAFT_VERSION, blob],
                )?;
                id
            }
        };
        tx.commit()?;
        Ok(id)
    }

    /// The JSON object saved in draft `id`.
    pub fn load_draft(&self, id: &str) -> Result<serde_json::Value, CoreError> {
        let row = get_row(&self.conn, id)?;
        if row.state != RecordState::Draft {
            return Err(not_allowed(row.state));
        }
        let blob = row
            .content
            .ok_or(CoreError::Crypto("draft has no content"))?;
        open_json(&self.sealer, Purpose::Draft, id, row.content_version, &blob)
    }

    /// Deletes draft `id` (`secure_delete` overwrites its sealed bytes). Drafts have no receipt
    /// number, so nothing needs a tombstone.
    pub fn discard_draft(&mut self, id: &str) -> Result<(), CoreError> {
        let (tx, _) = self.write_tx()?;
        let row = get_row(&tx, id)?;
        if row.state != RecordState::Draft {
            return Err(not_allowed(row.state));
        }
        tx.execute("DELETE FROM records WHERE id = ?1", [id])?;
        tx.commit()?;
        self.forget_erased_pages()
    }

    // ----- submit, withdraw, correct ------------------------------------------------------

    /// Seals and durably inserts a validated record as `queued` with the next receipt number,
    /// and applies `origin` to the draft or corrected record, all in one transaction.
    pub fn insert_submitted(
        &mut self,
        content: &RecordContent,
        origin: Origin,
    ) -> Result<Submitted, CoreError> {
        let (tx, sealer) = self.write_tx()?;
        let id = match &origin {
            Origin::Draft(draft_id) => {
                let row = get_row(&tx, draft_id)?;
                if row.state != RecordState::Draft {
                    return Err(not_allowed(row.state));
                }
                draft_id.clone()
            }
            _ => uuid::Uuid::now_v7().to_string(),
        };
        if let Origin::Replaces(old) = &origin {
            let row = get_row(&tx, old)?;
            if row.state != RecordState::Queued {
                return Err(not_allowed(row.state));
            }
            if content.enrollment.supersedes.is_some() {
                return Err(CoreError::Store(
                    "a replacement of a queued record supersedes nothing".into(),
                ));
            }
            erase_to_tombstone(&tx, old, &content.created_at)?;
        }
        let supersedes = content.enrollment.supersedes.as_deref();
        if let Some(old) = supersedes {
            let row = get_row(&tx, old)?;
            if !row.state.needs_fix() {
                return Err(not_allowed(row.state));
            }
            tx.execute(
                "UPDATE records SET state = 'superseded', updated_at = ?2 WHERE id = ?1",
                params![old, content.created_at],
            )?;
        }
        let last: Option<i64> =
            tx.query_row("SELECT MAX(receipt_no) FROM records", [], |r| r.get(0))?;
        let receipt_no = receipt_u64(last)?.unwrap_or(0) + 1;
        let sealed = content.seal(sealer, &id)?;
        let card = Card::from_content(content).seal(sealer, &id)?;
        let tag = sealer.nik_tag(&content.enrollment.nik);
        let n = i64::try_from(receipt_no)
            .map_err(|_| CoreError::Store("receipt numbers exhausted".into()))?;
        if matches!(origin, Origin::Draft(_)) {
            tx.execute(
                "UPDATE records SET state = 'queued', receipt_no = ?2, created_at = ?3,
                        updated_at = ?3, supersedes = ?4, nik_tag = ?5, content_version = ?6,
                        content = ?7, card = ?8
                 WHERE id = ?1",
                params![
                    id,
                    n,
                    content.created_at,
                    supersedes,
                    tag,
                    CONTENT_VERSION,
                    sealed,
                    card
                ],
            )?;
        } else {
            tx.execute(
                "INSERT INTO records (id, state, receipt_no, created_at, updated_at, supersedes,
                                      nik_tag, content_version, content, card)
                 VALUES (?1, 'queued', ?2, ?3, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    id,
                    n,
                    content.created_at,
                    supersedes,
                    tag,
                    CONTENT_VERSION,
                    sealed,
                    card
                ],
            )?;
        }
        tx.commit()?;
        if matches!(origin, Origin::Replaces(_)) {
            self.forget_erased_pages()?;
        }
        Ok(Submitted {
            reference: reference(receipt_no, &id),
            id,
            receipt_no,
            status: RecordState::Queued,
            warnings: content.warnings_confirmed.clone(),
        })
    }

    /// Withdraws a `queued` record: it stays as a `withdrawn` tombstone with its id and receipt
    /// number, and everything personal (content, card, NIK tag) is erased. A draft is discarded.
    pub fn withdraw(&mut self, id: &str, now: &DateTime<FixedOffset>) -> Result<(), CoreError> {
        let (tx, _) = self.write_tx()?;
        let row = get_row(&tx, id)?;
        if !row.state.can_withdraw() {
            return Err(not_allowed(row.state));
        }
        match row.state {
            RecordState::Draft => {
                tx.execute("DELETE FROM records WHERE id = ?1", [id])?;
            }
            _ => erase_to_tombstone(&tx, id, &rfc3339(now))?,
        }
        tx.commit()?;
        self.forget_erased_pages()
    }

    /// After erasing content: `secure_delete` has zeroed the freed bytes in the main file, but
    /// the WAL still holds page images from before, and WAL frames are reused, not wiped.
    /// Checkpointing with TRUNCATE copies the current pages home and empties the WAL, so erased
    /// ciphertext does not linger (it would open again with the key).
    pub(crate) fn forget_erased_pages(&self) -> Result<(), CoreError> {
        // A reader in another process can make the checkpoint partial (a busy flag, not an
        // error); the next erasure or auto-checkpoint completes it.
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    // ----- what sync applies --------------------------------------------------------------

    /// Records for the next batch, in receipt order: `queued` records with their content, and
    /// `withdrawn` tombstones not yet sent (so the server's receipt sequence has no gap).
    pub fn pending_for_batch(&self, limit: u32) -> Result<Vec<PendingRecord>, CoreError> {
        pending_in(&self.conn, &self.sealer, limit)
    }

    /// Marks records as carried by frozen batch `batch`: `queued` → `sent`; a `withdrawn`
    /// tombstone keeps its state and records the batch. All or nothing: any other state, or a
    /// record already in a batch, refuses the whole call.
    pub fn mark_sent(
        &mut self,
        ids: &[String],
        batch: &str,
        now: &DateTime<FixedOffset>,
    ) -> Result<(), CoreError> {
        let (tx, _) = self.write_tx()?;
        mark_sent_in(&tx, ids, batch, now)?;
        tx.commit()?;
        Ok(())
    }

    /// Applies the server's acknowledgement of a `sent` record, and starts its retention clock.
    /// A replayed acknowledgement (record already past `sent`) changes nothing.
    pub fn apply_ack(
        &mut self,
        id: &str,
        outcome: &AckOutcome,
        now: &DateTime<FixedOffset>,
    ) -> Result<RecordState, CoreError> {
        let (tx, _) = self.write_tx()?;
        let state = apply_ack_in(&tx, id, outcome, now)?;
        tx.commit()?;
        Ok(state)
    }

    /// Applies a supervisor's decision. Decisions can be reversed, so a decided record takes a
    /// new one; a `superseded` or `purged` record ignores late decisions.
    pub fn apply_decision(
        &mut self,
        id: &str,
        decision: &Decision,
        now: &DateTime<FixedOffset>,
    ) -> Result<RecordState, CoreError> {
        let (tx, sealer) = self.write_tx()?;
        let state = apply_decision_in(&tx, sealer, id, decision, now)?;
        tx.commit()?;
        Ok(state)
    }

    /// Stores the payment code (kode iuran) the branch issued, on the participant's card.
    pub fn apply_payment_code(&mut self, id: &str, payment_code: &str) -> Result<(), CoreError> {
        let (tx, sealer) = self.write_tx()?;
        apply_payment_code_in(&tx, sealer, id, payment_code)?;
        tx.commit()?;
        Ok(())
    }

    /// Records a payment the server confirmed, covering contribution months up to `paid_through`
    /// (`YYYY-MM`): the receipt now reads paid, and the card's next due month moves on.
    pub fn apply_payment_confirmed(
        &mut self,
        id: &str,
        paid_through: &str,
    ) -> Result<(), CoreError> {
        let (tx, sealer) = self.write_tx()?;
        apply_payment_confirmed_in(&tx, sealer, id, paid_through)?;
        tx.commit()?;
        Ok(())
    }

    /// Erases the full content of records the server confirmed more than `retention_days` ago
    /// (see the module comment for what stays), then truncates the WAL so no copy of the erased
    /// pages lingers. Returns how many records were purged.
    pub fn purge_expired(
        &mut self,
        now: &DateTime<FixedOffset>,
        retention_days: u32,
    ) -> Result<u64, CoreError> {
        let cutoff = now.timestamp() - i64::from(retention_days) * 86_400;
        let (tx, _) = self.write_tx()?;
        let purged = tx.execute(
            &format!(
                "UPDATE records SET
                    prior_state = state,
                    state = 'purged',
                    content = NULL,
                    note = NULL,
                    card = CASE WHEN state IN ({KEEPS_CARD}) THEN card END,
                    nik_tag = CASE WHEN state IN ({KEEPS_CARD}) THEN nik_tag END,
                    updated_at = ?2
                 WHERE confirmed_at IS NOT NULL AND content IS NOT NULL
                   AND confirmed_at <= ?1 AND state IN ({PURGEABLE})"
            ),
            params![cutoff, rfc3339(now)],
        )?;
        tx.commit()?;
        if purged > 0 {
            self.forget_erased_pages()?;
        }
        Ok(purged as u64)
    }

    // ----- reading ------------------------------------------------------------------------

    /// Records in receipt order (drafts, which have no number, last), optionally of one state.
    /// A record whose sealed data cannot be opened is still listed, without a name, so one
    /// damaged row never hides the others; its receipt reports the error.
    pub fn list(&self, state: Option<RecordState>) -> Result<Vec<RecordSummary>, CoreError> {
        // Two statements rather than `?1 IS NULL OR state = ?1`, so a filtered list uses the
        // state index.
        let filter = if state.is_some() {
            "WHERE state = ?1"
        } else {
            "WHERE ?1 IS NULL"
        };
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM records {filter}
             ORDER BY receipt_no IS NULL, receipt_no, updated_at, id"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([state.map(RecordState::as_str)], read_row)?;
        let mut out = Vec::new();
        for raw in rows {
            let row = raw?;
            let full_name = self.name_of(&row);
            out.push(RecordSummary {
                reference: row.receipt_no.map(|n| reference(n, &row.id)),
                id: row.id,
                state: row.state,
                receipt_no: row.receipt_no,
                created_at: row.created_at,
                full_name,
            });
        }
        Ok(out)
    }

    fn name_of(&self, row: &Row) -> Option<String> {
        if let Some(card) = &row.card {
            return Card::open(&self.sealer, &row.id, card)
                .ok()
                .map(|c| c.full_name);
        }
        let blob = row.content.as_ref()?;
        if row.state == RecordState::Draft {
            let draft: serde_json::Value = open_json(
                &self.sealer,
                Purpose::Draft,
                &row.id,
                row.content_version,
                blob,
            )
            .ok()?;
            return draft
                .get("full_name")
                .and_then(|n| n.as_str())
                .map(|n| n.trim().to_string());
        }
        RecordContent::open(&self.sealer, &row.id, row.content_version, blob)
            .ok()
            .map(|c| c.enrollment.full_name)
    }

    /// The record's sealed content, when it still has it (not for drafts, tombstones, purged).
    pub fn content(&self, id: &str) -> Result<Option<RecordContent>, CoreError> {
        let row = get_row(&self.conn, id)?;
        match (&row.state, &row.content) {
            (RecordState::Draft, _) | (_, None) => Ok(None),
            (_, Some(blob)) => Ok(Some(RecordContent::open(
                &self.sealer,
                id,
                row.content_version,
                blob,
            )?)),
        }
    }

    /// Every participant card, in receipt order: the records that stand for a participant
    /// (submitted and not withdrawn, superseded or rejected on review), also after their purge.
    pub fn participants(&self) -> Result<Vec<ParticipantCard>, CoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, state, prior_state, card FROM records WHERE card IS NOT NULL
             ORDER BY receipt_no IS NULL, receipt_no, id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Vec<u8>>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, state, prior, blob) = row?;
            let shown = match (state.as_str(), prior) {
                ("purged", Some(prior)) => prior,
                _ => state,
            };
            let card = Card::open(&self.sealer, &id, &blob)?;
            out.push(ParticipantCard {
                status: RecordState::parse(&shown)?,
                record_id: id,
                name: card.full_name,
                nik_masked: card.nik_masked,
                next_due_month: card.next_due_month,
                payment_code: card.payment_code,
                phone: card.phone,
                overdue: false,
            });
        }
        Ok(out)
    }

    /// The participant card of record `id`, if it has one.
    pub fn card(&self, id: &str) -> Result<Option<Card>, CoreError> {
        let row = get_row(&self.conn, id)?;
        row.card
            .map(|blob| Card::open(&self.sealer, id, &blob))
            .transpose()
    }

    /// The receipt of a submitted record. A draft has none ([`CoreError::NotAllowed`]).
    pub fn receipt(&self, id: &str) -> Result<Receipt, CoreError> {
        let row = get_row(&self.conn, id)?;
        let Some(receipt_no) = row.receipt_no else {
            return Err(not_allowed(row.state));
        };
        let content = match (&row.state, &row.content) {
            (RecordState::Draft, _) | (_, None) => None,
            (_, Some(blob)) => Some(RecordContent::open(
                &self.sealer,
                id,
                row.content_version,
                blob,
            )?),
        };
        let card = row
            .card
            .as_ref()
            .map(|blob| Card::open(&self.sealer, id, blob))
            .transpose()?;
        let note = row
            .note
            .as_ref()
            .map(|blob| {
                self.sealer
                    .open(Purpose::Note, id, NOTE_VERSION, blob)
                    .map(|t| String::from_utf8_lossy(&t).into_owned())
            })
            .transpose()?;
        let outcome_codes = match &row.outcome_codes {
            Some(json) => serde_json::from_str(json)
                .map_err(|_| CoreError::Store("bad outcome codes".into()))?,
            None => Vec::new(),
        };
        let e = content.as_ref().map(|c| &c.enrollment);
        Ok(Receipt {
            id: row.id.clone(),
            receipt_no,
            reference: reference(receipt_no, &row.id),
            state: row.state,
            paid: row.paid,
            payment_status: if row.paid {
                PAYMENT_STATUS_PAID
            } else {
                PAYMENT_STATUS_UNPAID
            }
            .to_string(),
            full_name: e
                .map(|e| e.full_name.clone())
                .or_else(|| card.as_ref().map(|c| c.full_name.clone())),
            nik_masked: e
                .map(|e| mask_nik(&e.nik))
                .or_else(|| card.as_ref().map(|c| c.nik_masked.clone())),
            programs: e
                .map(|e| e.programs.iter().map(|p| p.code().to_string()).collect())
                .unwrap_or_default(),
            payment_months: e.map(|e| e.payment_months),
            total: content.as_ref().map(|c| c.quote_total),
            total_formatted: content.as_ref().map(|c| format_rupiah(c.quote_total)),
            enrolled_on: e.map(|e| format_date(e.enrolled_on)),
            created_at: row.created_at.clone(),
            rule_set: content.as_ref().map(|c| c.rule_set.clone()),
            warnings: content
                .as_ref()
                .map(|c| c.warnings_confirmed.clone())
                .unwrap_or_default(),
            supersedes: row.supersedes.clone(),
            payment_code: card.as_ref().and_then(|c| c.payment_code.clone()),
            next_due_month: card.as_ref().map(|c| c.next_due_month.clone()),
            outcome_codes,
            review_note: note,
            phone: e
                .map(|e| e.phone.clone())
                .or_else(|| card.as_ref().map(|c| c.phone.clone())),
        })
    }

    /// How many records are in each state; every state is present, zeros included.
    pub fn queue_status(&self) -> Result<BTreeMap<String, u64>, CoreError> {
        let mut counts: BTreeMap<String, u64> = RecordState::ALL
            .iter()
            .map(|s| (s.as_str().to_string(), 0))
            .collect();
        let mut stmt = self
            .conn
            .prepare("SELECT state, count(*) FROM records GROUP BY state")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (state, n) = row?;
            let state = RecordState::parse(&state)
                .map_err(|_| CoreError::Store("unknown state in store".into()))?;
            counts.insert(state.as_str().to_string(), n.max(0) as u64);
        }
        Ok(counts)
    }

    // ----- what validation asks -----------------------------------------------------------

    /// Another live record on this device has this normalized NIK (`except`: the record being
    /// corrected). One index look-up on the NIK's blind-index tag.
    pub fn local_duplicate(&self, nik: &str, except: Option<&str>) -> Result<bool, CoreError> {
        let tag = self.sealer.nik_tag(nik);
        let found: Option<i64> = self
            .conn
            .query_row(
                &format!(
                    "SELECT 1 FROM records WHERE nik_tag = ?1 AND state IN ({LIVE_FOR_DUPLICATES})
                     AND (?2 IS NULL OR id <> ?2) LIMIT 1"
                ),
                params![tag, except],
                |r| r.get(0),
            )
            .optional()?;
        Ok(found.is_some())
    }

    /// `id` names a record a correction may supersede (`has_issues` or `rejected`).
    pub fn can_supersede(&self, id: &str) -> Result<bool, CoreError> {
        match get_row(&self.conn, id) {
            Ok(row) => Ok(row.state.needs_fix()),
            Err(CoreError::NotFound) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

// ----- what sync applies, inside a caller's transaction -----------------------------------------
//
// The sync client applies a whole acknowledgement or downsync page in ONE transaction together
// with its own bookkeeping (frozen batch, chain head, cursor), so these take the connection of an
// open transaction. The `Store` methods above wrap each in a transaction of its own.

/// Records for the next batch, in receipt order: `queued` records with their content, and
/// `withdrawn` tombstones not yet sent (so the server's receipt sequence has no gap).
pub(crate) fn pending_in(
    conn: &rusqlite::Connection,
    sealer: &Sealer,
    limit: u32,
) -> Result<Vec<PendingRecord>, CoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {ROW_COLUMNS} FROM records
         WHERE batch IS NULL AND receipt_no IS NOT NULL AND state IN ('queued', 'withdrawn')
         ORDER BY receipt_no LIMIT ?1"
    ))?;
    let rows = stmt.query_map([limit], read_row)?;
    let mut out = Vec::new();
    for raw in rows {
        let row = raw?;
        let content = match (&row.state, &row.content) {
            (RecordState::Queued, Some(blob)) => Some(RecordContent::open(
                sealer,
                &row.id,
                row.content_version,
                blob,
            )?),
            _ => None,
        };
        out.push(PendingRecord {
            receipt_no: row.receipt_no.unwrap_or(0),
            created_at: row.created_at,
            id: row.id,
            state: row.state,
            content,
        });
    }
    Ok(out)
}

/// Marks records as carried by frozen batch `batch`: `queued` → `sent`; a `withdrawn`
/// tombstone keeps its state and records the batch. Any other state, or a record already in a
/// batch, is an error (and the caller drops its transaction: all or nothing).
pub(crate) fn mark_sent_in(
    conn: &rusqlite::Connection,
    ids: &[String],
    batch: &str,
    now: &DateTime<FixedOffset>,
) -> Result<(), CoreError> {
    let at = rfc3339(now);
    for id in ids {
        let row = get_row(conn, id)?;
        let next = match (row.state, &row.batch) {
            (RecordState::Queued, None) => RecordState::Sent,
            (RecordState::Withdrawn, None) => RecordState::Withdrawn,
            (other, _) => return Err(not_allowed(other)),
        };
        conn.execute(
            "UPDATE records SET state = ?2, batch = ?3, updated_at = ?4 WHERE id = ?1",
            params![id, next.as_str(), batch, at],
        )?;
    }
    Ok(())
}

/// Applies the server's acknowledgement of a `sent` record, and starts its retention clock.
/// A replayed acknowledgement (record already past `sent`) changes nothing.
pub(crate) fn apply_ack_in(
    conn: &rusqlite::Connection,
    id: &str,
    outcome: &AckOutcome,
    now: &DateTime<FixedOffset>,
) -> Result<RecordState, CoreError> {
    let row = get_row(conn, id)?;
    match row.state {
        RecordState::Sent => {}
        RecordState::Draft | RecordState::Queued => return Err(not_allowed(row.state)),
        other => return Ok(other),
    }
    let (next, codes) = match outcome {
        AckOutcome::Accepted | AckOutcome::DuplicateRecord => (RecordState::Accepted, None),
        AckOutcome::DuplicateKnown => (RecordState::Flagged, None),
        AckOutcome::Rejected { codes } => (
            RecordState::Rejected,
            Some(
                serde_json::to_string(codes)
                    .map_err(|_| CoreError::Store("cannot encode codes".into()))?,
            ),
        ),
    };
    conn.execute(
        "UPDATE records SET state = ?2, outcome_codes = ?3, confirmed_at = ?4, updated_at = ?5
         WHERE id = ?1",
        params![id, next.as_str(), codes, now.timestamp(), rfc3339(now)],
    )?;
    Ok(next)
}

/// Applies a supervisor's decision. Decisions can be reversed, so a decided record takes a
/// new one; a `superseded` or `purged` record ignores late decisions.
pub(crate) fn apply_decision_in(
    conn: &rusqlite::Connection,
    sealer: &Sealer,
    id: &str,
    decision: &Decision,
    now: &DateTime<FixedOffset>,
) -> Result<RecordState, CoreError> {
    let row = get_row(conn, id)?;
    match row.state {
        RecordState::Sent
        | RecordState::Accepted
        | RecordState::Flagged
        | RecordState::Approved
        | RecordState::HasIssues
        | RecordState::RejectedByReview => {}
        RecordState::Superseded | RecordState::Purged => return Ok(row.state),
        other => return Err(not_allowed(other)),
    }
    let (next, text) = match decision {
        Decision::Approved => (RecordState::Approved, None),
        Decision::HasIssues { comment } => (RecordState::HasIssues, comment.as_deref()),
        Decision::RejectedByReview { reason } => (RecordState::RejectedByReview, reason.as_deref()),
    };
    let note = text
        .map(|t| sealer.seal(Purpose::Note, id, NOTE_VERSION, t.as_bytes()))
        .transpose()?;
    // A decision on a `sent` record means the server stored it: the retention clock starts
    // now if no acknowledgement was applied (e.g. the ack response was lost).
    conn.execute(
        "UPDATE records SET state = ?2, note = ?3, updated_at = ?4,
                confirmed_at = COALESCE(confirmed_at, ?5)
         WHERE id = ?1",
        params![id, next.as_str(), note, rfc3339(now), now.timestamp()],
    )?;
    Ok(next)
}

/// Stores the payment code (kode iuran) the branch issued, on the participant's card.
pub(crate) fn apply_payment_code_in(
    conn: &rusqlite::Connection,
    sealer: &Sealer,
    id: &str,
    payment_code: &str,
) -> Result<(), CoreError> {
    update_card_in(conn, sealer, id, false, |card| {
        card.payment_code = Some(payment_code.to_string())
    })
}

/// Records a payment the server confirmed through `paid_through` (`YYYY-MM`).
pub(crate) fn apply_payment_confirmed_in(
    conn: &rusqlite::Connection,
    sealer: &Sealer,
    id: &str,
    paid_through: &str,
) -> Result<(), CoreError> {
    let next = YearMonth::parse(paid_through)
        .ok_or_else(|| CoreError::InvalidParameter {
            field: "paid_through".into(),
            code: "month.format".into(),
        })?
        .next();
    update_card_in(conn, sealer, id, true, |card| {
        // Payments may be confirmed out of order: the due month only moves forward.
        let later = match YearMonth::parse(&card.next_due_month) {
            Some(due) => next > due,
            None => true,
        };
        if later {
            card.next_due_month = next.to_string();
        }
    })
}

/// Re-seals the card of record `id` after `change`, and sets the paid flag when `paid`.
fn update_card_in(
    conn: &rusqlite::Connection,
    sealer: &Sealer,
    id: &str,
    paid: bool,
    change: impl FnOnce(&mut Card),
) -> Result<(), CoreError> {
    let row = get_row(conn, id)?;
    let blob = row.card.ok_or_else(|| not_allowed(row.state))?;
    let mut card = Card::open(sealer, id, &blob)?;
    change(&mut card);
    conn.execute(
        "UPDATE records SET card = ?2, paid = paid OR ?3 WHERE id = ?1",
        params![id, card.seal(sealer, id)?, paid],
    )?;
    Ok(())
}

/// `queued` → `withdrawn`: keeps id, receipt number and times; erases everything personal.
fn erase_to_tombstone(tx: &rusqlite::Transaction<'_>, id: &str, at: &str) -> Result<(), CoreError> {
    tx.execute(
        "UPDATE records SET state = 'withdrawn', content = NULL, card = NULL, note = NULL,
                nik_tag = NULL, updated_at = ?2
         WHERE id = ?1",
        params![id, at],
    )?;
    Ok(())
}

// ----- receipt references ---------------------------------------------------------------------

/// Crockford base 32: no I, L, O, U, so what is read aloud or typed is not confused.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

fn code_point(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// Luhn mod 32 check character over `chars` (each in [`ALPHABET`]).
fn check_char(chars: &[u8]) -> Option<u8> {
    let mut factor = 2;
    let mut sum = 0;
    for &c in chars.iter().rev() {
        let addend = factor * code_point(c)?;
        factor = if factor == 2 { 1 } else { 2 };
        sum += addend / 32 + addend % 32;
    }
    Some(ALPHABET[((32 - sum % 32) % 32) as usize])
}

/// The printed receipt reference: `<receipt_no>-<4 characters from the id><check>`, e.g.
/// `17-7KQ2X`. The id part ties the reference to this record, so a number from another device
/// or a guessed number does not match.
pub fn reference(receipt_no: u64, id: &str) -> String {
    let hash = ring::digest::digest(&ring::digest::SHA256, id.as_bytes());
    let h = hash.as_ref();
    let bits = (u32::from(h[0]) << 12) | (u32::from(h[1]) << 4) | (u32::from(h[2]) >> 4);
    let tag: String = (0..4)
        .rev()
        .map(|i| ALPHABET[((bits >> (5 * i)) & 31) as usize] as char)
        .collect();
    let body = format!("{receipt_no}{tag}");
    let check = check_char(body.as_bytes()).map(char::from).unwrap_or('0');
    format!("{receipt_no}-{tag}{check}")
}

/// Canonical form of a typed reference: upper case, separators dropped, look-alikes mapped.
fn normalize_reference(typed: &str) -> Vec<u8> {
    typed
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '_'))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .filter(char::is_ascii)
        .map(|c| c as u8)
        .collect()
}

/// Checks a typed reference's check character; returns the receipt number it carries, or `None`
/// for a mistyped or malformed reference. Spaces, dashes, lower case and O/I/L look-alikes are
/// accepted.
pub fn verify_reference(typed: &str) -> Option<u64> {
    let chars = normalize_reference(typed);
    if chars.len() < 6 {
        return None;
    }
    let (number, _) = chars.split_at(chars.len() - 5);
    if !number.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let (body, check) = chars.split_at(chars.len() - 1);
    if check_char(body)? != check[0] {
        return None;
    }
    std::str::from_utf8(number).ok()?.parse().ok()
}

/// A typed reference is the one printed for this record.
pub fn reference_matches(typed: &str, receipt_no: u64, id: &str) -> bool {
    verify_reference(typed) == Some(receipt_no)
        && normalize_reference(typed) == normalize_reference(&reference(receipt_no, id))
}

#[cfg(test)]
pub(crate) mod testing {
    //! Valid records built directly (without `rules::validate`) for store and queue tests.
    use super::*;
    use crate::record::{Enrollment, Program, Sex};
    use crate::seal::FileKeyVault;
    use chrono::NaiveDate;
    use std::path::Path;

    pub const FIXTURE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

    /// The committed test KEK, copied with mode 0600 (git does not keep modes).
    pub fn fixture_vault(dir: &Path) -> FileKeyVault {
        let committed = Path::new(FIXTURE_DIR).join("store-v1.kek");
        if !committed.exists() && std::env::var_os("PERISAI_WRITE_FIXTURES").is_some() {
            let made = FileKeyVault::open_or_create(&committed);
            assert!(made.is_ok());
        }
        let to = dir.join("fixture.kek");
        std::fs::copy(&committed, &to).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        FileKeyVault::open_or_create(&to).unwrap()
    }

    fn letters(mut n: u32) -> String {
        let mut s = String::new();
        loop {
            s.insert(0, (b'A' + (n % 26) as u8) as char);
            n /= 26;
            if n == 0 {
                return s;
            }
        }
    }

    /// Record content for worker `n` (NIK serial `n`, enrolled 2026-11-20).
    pub fn content(n: u32) -> RecordContent {
        RecordContent {
            form_version: 1,
            rule_set: "bpu-2026".into(),
            created_at: "2026-11-20T09:00:00+07:00".into(),
            consent: ConsentRecord {
                text_version: "persetujuan-v1".into(),
                given_at: "2026-11-20T09:00:00+07:00".into(),
            },
            warnings_confirmed: Vec::new(),
            quote_total: 50_400,
            enrollment: Enrollment {
                nik: format!("320101150190{:04}", n % 10_000),
                full_name: format!("PESERTA {}", letters(n)),
                birth_place: "BOGOR".into(),
                birth_date: NaiveDate::from_ymd_opt(1990, 1, 15).unwrap(),
                sex: Sex::M,
                phone: format!("+62812{:07}", n),
                address: "Pasar Anyar Blok C No. 12".into(),
                occupation: "PEDAGANG".into(),
                monthly_income: 2_000_000,
                programs: vec![Program::JKK, Program::JKM],
                payment_months: 3,
                consent: true,
                location: None,
                enrolled_on: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
                supersedes: None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::content;
    use super::*;
    use crate::seal::FileKeyVault;
    use chrono::TimeZone;

    struct Fixture {
        dir: tempfile::TempDir,
        store: Store,
    }

    fn store() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let vault = FileKeyVault::open_or_create(&dir.path().join("k")).unwrap();
        let store = Store::open(&dir.path().join("perisai.db"), &vault, true).unwrap();
        Fixture { dir, store }
    }

    #[test]
    fn the_shells_offer_fix_and_withdraw_exactly_where_the_store_allows_them() {
        use RecordState::*;
        let fix: Vec<_> = RecordState::ALL
            .into_iter()
            .filter(|s| s.needs_fix())
            .collect();
        assert_eq!(fix, vec![Rejected, HasIssues]);
        let take_back: Vec<_> = RecordState::ALL
            .into_iter()
            .filter(|s| s.can_withdraw())
            .collect();
        assert_eq!(take_back, vec![Draft, Queued]);
    }

    #[test]
    fn a_contribution_is_late_after_the_15th_of_its_month() {
        let day = |m: u32, d: u32| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        assert!(!contribution_overdue("2026-12", day(12, 15)));
        assert!(contribution_overdue("2026-12", day(12, 16)));
        assert!(contribution_overdue("2026-11", day(12, 1)));
        assert!(!contribution_overdue("2027-01", day(12, 31)));
        assert!(!contribution_overdue("Desember", day(12, 31)));
    }

    fn at(day: u32) -> DateTime<FixedOffset> {
        FixedOffset::east_opt(7 * 3600)
            .unwrap()
            .with_ymd_and_hms(2026, 11, day, 9, 0, 0)
            .unwrap()
    }

    fn submit(s: &mut Store, n: u32) -> Submitted {
        s.insert_submitted(&content(n), Origin::New).unwrap()
    }

    fn numbers(s: &Store) -> Vec<u64> {
        s.list(None)
            .unwrap()
            .into_iter()
            .filter_map(|r| r.receipt_no)
            .collect()
    }

    /// Drives a fresh record into `state` through the public transitions only.
    fn record_in(s: &mut Store, n: u32, state: RecordState) -> String {
        if state == RecordState::Draft {
            return s
                .save_draft(None, &serde_json::json!({"full_name": "X"}), &at(1))
                .unwrap();
        }
        let id = submit(s, n).id;
        let ack = |s: &mut Store, o: AckOutcome| {
            s.mark_sent(std::slice::from_ref(&id), "batch-1", &at(1))
                .unwrap();
            s.apply_ack(&id, &o, &at(1)).unwrap();
        };
        match state {
            RecordState::Queued => {}
            RecordState::Sent => s.mark_sent(std::slice::from_ref(&id), "b", &at(1)).unwrap(),
            RecordState::Accepted => ack(s, AckOutcome::Accepted),
            RecordState::Flagged => ack(s, AckOutcome::DuplicateKnown),
            RecordState::Rejected => ack(
                s,
                AckOutcome::Rejected {
                    codes: vec!["id.conflict".into()],
                },
            ),
            RecordState::Approved | RecordState::HasIssues | RecordState::RejectedByReview => {
                ack(s, AckOutcome::Accepted);
                let d = match state {
                    RecordState::Approved => Decision::Approved,
                    RecordState::HasIssues => Decision::HasIssues { comment: None },
                    _ => Decision::RejectedByReview { reason: None },
                };
                s.apply_decision(&id, &d, &at(2)).unwrap();
            }
            RecordState::Superseded => {
                ack(s, AckOutcome::Accepted);
                s.apply_decision(&id, &Decision::HasIssues { comment: None }, &at(2))
                    .unwrap();
                let mut c = content(n + 5000);
                c.enrollment.supersedes = Some(id.clone());
                s.insert_submitted(&c, Origin::New).unwrap();
            }
            RecordState::Withdrawn => s.withdraw(&id, &at(1)).unwrap(),
            RecordState::Purged => {
                ack(s, AckOutcome::Accepted);
                s.apply_decision(&id, &Decision::Approved, &at(2)).unwrap();
                s.purge_expired(&at(30), 0).unwrap();
            }
            RecordState::Draft => unreachable!(),
        }
        assert_eq!(s.state(&id).unwrap(), state);
        id
    }

    #[test]
    fn states_have_stable_strings() {
        let strings: Vec<_> = RecordState::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            strings,
            [
                "draft",
                "queued",
                "sent",
                "accepted",
                "flagged",
                "rejected",
                "approved",
                "has_issues",
                "rejected_by_review",
                "superseded",
                "withdrawn",
                "purged"
            ]
        );
        for s in RecordState::ALL {
            assert_eq!(RecordState::parse(s.as_str()).unwrap(), s);
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert!(RecordState::parse("Queued").is_err());
    }

    #[test]
    fn receipt_numbers_stay_gap_free_through_withdraw_and_correct() {
        let mut f = store();
        let s = &mut f.store;
        let a = submit(s, 1);
        let b = submit(s, 2);
        assert_eq!((a.receipt_no, b.receipt_no), (1, 2));
        s.withdraw(&a.id, &at(1)).unwrap();
        // Correcting a queued record withdraws it and takes the next number.
        let c = s
            .insert_submitted(&content(3), Origin::Replaces(b.id.clone()))
            .unwrap();
        assert_eq!(c.receipt_no, 3);
        assert_eq!(s.state(&b.id).unwrap(), RecordState::Withdrawn);
        // A refused submit (wrong origin state) consumes no number.
        assert!(s
            .insert_submitted(&content(4), Origin::Replaces(a.id.clone()))
            .is_err());
        let d = submit(s, 5);
        assert_eq!(d.receipt_no, 4);
        // Drafts never take a number; discarding one leaves none behind.
        let draft = s.save_draft(None, &serde_json::json!({}), &at(1)).unwrap();
        s.discard_draft(&draft).unwrap();
        assert_eq!(numbers(s), vec![1, 2, 3, 4]);
        assert_eq!(s.receipt(&a.id).unwrap().state, RecordState::Withdrawn);
    }

    #[test]
    fn withdraw_keeps_a_tombstone_and_erases_content() {
        let mut f = store();
        let s = &mut f.store;
        let a = submit(s, 1);
        assert!(s.local_duplicate(&content(1).enrollment.nik, None).unwrap());
        s.withdraw(&a.id, &at(1)).unwrap();
        let (content_gone, card_gone, tag_gone): (bool, bool, bool) = s
            .conn
            .query_row(
                "SELECT content IS NULL, card IS NULL, nik_tag IS NULL FROM records WHERE id = ?1",
                [&a.id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert!(content_gone && card_gone && tag_gone);
        let wal = f.dir.path().join("perisai.db-wal");
        assert_eq!(
            std::fs::metadata(wal).unwrap().len(),
            0,
            "WAL kept old pages"
        );
        let r = s.receipt(&a.id).unwrap();
        assert_eq!((r.receipt_no, r.full_name), (1, None));
        assert!(!s.local_duplicate(&content(1).enrollment.nik, None).unwrap());
        // A second withdraw is refused with the state, not repeated.
        let err = s.withdraw(&a.id, &at(1)).unwrap_err();
        assert!(matches!(err, CoreError::NotAllowed { ref state } if state == "withdrawn"));
        assert!(matches!(
            s.withdraw("nope", &at(1)),
            Err(CoreError::NotFound)
        ));
    }

    #[test]
    fn drafts_are_sealed_editable_and_submit_keeping_their_id() {
        let mut f = store();
        let s = &mut f.store;
        let id = s
            .save_draft(None, &serde_json::json!({"full_name": " Ani "}), &at(1))
            .unwrap();
        s.save_draft(Some(&id), &serde_json::json!({"full_name": "Budi"}), &at(1))
            .unwrap();
        assert_eq!(s.load_draft(&id).unwrap()["full_name"], "Budi");
        let listed = s.list(Some(RecordState::Draft)).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].full_name.as_deref(), Some("Budi"));
        assert_eq!(listed[0].receipt_no, None);
        assert!(matches!(
            s.save_draft(None, &serde_json::json!([1]), &at(1)),
            Err(CoreError::MalformedInput)
        ));
        assert!(matches!(s.receipt(&id), Err(CoreError::NotAllowed { .. })));
        let sub = s
            .insert_submitted(&content(1), Origin::Draft(id.clone()))
            .unwrap();
        assert_eq!((sub.id.as_str(), sub.receipt_no), (id.as_str(), 1));
        // Once submitted it is no longer a draft: not editable, not submittable again.
        assert!(s
            .save_draft(Some(&id), &serde_json::json!({}), &at(1))
            .is_err());
        assert!(s
            .insert_submitted(&content(2), Origin::Draft(id.clone()))
            .is_err());
        assert_eq!(
            s.receipt(&id).unwrap().full_name.as_deref(),
            Some("PESERTA B")
        );
    }

    #[test]
    fn every_transition_is_allowed_or_refused_as_documented() {
        use RecordState::*;
        let mut f = store();
        let s = &mut f.store;
        let counter = std::cell::Cell::new(0);
        let fresh = |s: &mut Store, st| {
            counter.set(counter.get() + 1);
            record_in(s, counter.get(), st)
        };
        for st in RecordState::ALL {
            // withdraw
            let id = fresh(s, st);
            let r = s.withdraw(&id, &at(3));
            assert_eq!(
                r.is_ok(),
                matches!(st, Draft | Queued),
                "withdraw from {st}"
            );
            if r.is_err() {
                assert_eq!(s.state(&id).unwrap(), st, "refusal changed {st}");
            }
            // mark_sent
            let id = fresh(s, st);
            let r = s.mark_sent(std::slice::from_ref(&id), "b9", &at(3));
            assert_eq!(
                r.is_ok(),
                matches!(st, Queued | Withdrawn),
                "mark_sent from {st}"
            );
            // ack: only `sent` moves; later states are replays; draft/queued refused
            let id = fresh(s, st);
            let r = s.apply_ack(&id, &AckOutcome::Accepted, &at(3));
            match st {
                Draft | Queued => assert!(r.is_err(), "ack from {st}"),
                Sent => assert_eq!(r.unwrap(), Accepted),
                _ => assert_eq!(r.unwrap(), st, "ack replay changed {st}"),
            }
            // decision
            let id = fresh(s, st);
            let r = s.apply_decision(&id, &Decision::Approved, &at(3));
            match st {
                Sent | Accepted | Flagged | Approved | HasIssues | RejectedByReview => {
                    assert_eq!(r.unwrap(), Approved, "decision from {st}")
                }
                Superseded | Purged => assert_eq!(r.unwrap(), st),
                _ => assert!(r.is_err(), "decision from {st}"),
            }
            // correction by supersession
            let id = fresh(s, st);
            let mut c = content(9000 + counter.get());
            c.enrollment.supersedes = Some(id.clone());
            let r = s.insert_submitted(&c, Origin::New);
            assert_eq!(
                r.is_ok(),
                matches!(st, HasIssues | Rejected),
                "supersede {st}"
            );
            if r.is_ok() {
                assert_eq!(s.state(&id).unwrap(), Superseded);
            }
            // correction by replacement
            let id = fresh(s, st);
            let r =
                s.insert_submitted(&content(9500 + counter.get()), Origin::Replaces(id.clone()));
            assert_eq!(r.is_ok(), st == Queued, "replace {st}");
            // submit a draft
            let id = fresh(s, st);
            let r = s.insert_submitted(&content(9800 + counter.get()), Origin::Draft(id.clone()));
            assert_eq!(r.is_ok(), st == Draft, "submit draft from {st}");
        }
        let has_issues = record_in(s, 7001, HasIssues);
        assert!(s.can_supersede(&has_issues).unwrap());
        let queued = record_in(s, 7002, Queued);
        assert!(!s.can_supersede(&queued).unwrap());
        assert!(!s.can_supersede("unknown").unwrap());
    }

    #[test]
    fn mark_sent_is_all_or_nothing_and_carries_tombstones() {
        let mut f = store();
        let s = &mut f.store;
        let a = submit(s, 1).id;
        let b = submit(s, 2).id;
        let c = submit(s, 3).id;
        s.withdraw(&b, &at(1)).unwrap();
        let pending = s.pending_for_batch(10).unwrap();
        let ids: Vec<_> = pending.iter().map(|p| p.id.clone()).collect();
        assert_eq!(ids, vec![a.clone(), b.clone(), c.clone()]);
        assert!(pending[1].content.is_none() && pending[0].content.is_some());
        s.mark_sent(std::slice::from_ref(&a), "b1", &at(1)).unwrap();
        // `a` is already in a batch: the whole call is refused, `c` stays queued.
        assert!(s.mark_sent(&[c.clone(), a.clone()], "b2", &at(1)).is_err());
        assert_eq!(s.state(&c).unwrap(), RecordState::Queued);
        s.mark_sent(&[b.clone(), c.clone()], "b2", &at(1)).unwrap();
        assert_eq!(s.state(&b).unwrap(), RecordState::Withdrawn);
        assert!(s.pending_for_batch(10).unwrap().is_empty());
    }

    #[test]
    fn purge_keeps_the_card_and_erases_content_after_retention() {
        let mut f = store();
        let s = &mut f.store;
        let approved = record_in(s, 1, RecordState::Approved);
        let refused = record_in(s, 2, RecordState::RejectedByReview);
        let waiting = record_in(s, 3, RecordState::HasIssues);
        let queued = record_in(s, 4, RecordState::Queued);
        s.apply_payment_code(&approved, "KI-2026-000123").unwrap();
        s.apply_decision(
            &refused,
            &Decision::RejectedByReview {
                reason: Some("foto KTP tidak jelas".into()),
            },
            &at(2),
        )
        .unwrap();
        // Confirmed on day 1; retention 30 days: nothing is due on day 30.
        assert_eq!(s.purge_expired(&at(30), 30).unwrap(), 0);
        let later = at(1) + chrono::Duration::days(31);
        assert_eq!(s.purge_expired(&later, 30).unwrap(), 2);
        assert_eq!(s.state(&approved).unwrap(), RecordState::Purged);
        assert_eq!(s.state(&waiting).unwrap(), RecordState::HasIssues);
        assert_eq!(s.state(&queued).unwrap(), RecordState::Queued);
        assert_eq!(s.content(&approved).unwrap(), None);
        let card = s.card(&approved).unwrap().unwrap();
        assert_eq!(
            card,
            Card {
                full_name: "PESERTA B".into(),
                nik_masked: "3201••••••••0001".into(),
                phone: "+628120000001".into(),
                next_due_month: "2026-11".into(),
                payment_code: Some("KI-2026-000123".into()),
            }
        );
        let r = s.receipt(&approved).unwrap();
        assert_eq!(r.full_name.as_deref(), Some("PESERTA B"));
        assert_eq!((r.total, r.programs.len()), (None, 0));
        // A record that stood for no participant keeps nothing personal.
        assert_eq!(s.card(&refused).unwrap(), None);
        assert_eq!(s.receipt(&refused).unwrap().review_note, None);
        // The participant still counts for the local duplicate check; the refused one not.
        assert!(s.local_duplicate(&content(1).enrollment.nik, None).unwrap());
        assert!(!s.local_duplicate(&content(2).enrollment.nik, None).unwrap());
        // The WAL was truncated after the purge.
        let wal = f.dir.path().join("perisai.db-wal");
        assert_eq!(std::fs::metadata(wal).unwrap().len(), 0);
        // A late decision does not resurrect a purged record.
        assert_eq!(
            f.store
                .apply_decision(&approved, &Decision::Approved, &at(3))
                .unwrap(),
            RecordState::Purged
        );
    }

    #[test]
    fn payments_update_receipt_and_card() {
        let mut f = store();
        let s = &mut f.store;
        let id = record_in(s, 1, RecordState::Approved);
        let r = s.receipt(&id).unwrap();
        assert_eq!(
            (r.paid, r.payment_status.as_str()),
            (false, "BELUM DIBAYAR")
        );
        s.apply_payment_confirmed(&id, "2027-01").unwrap();
        s.apply_payment_confirmed(&id, "2026-12").unwrap(); // older, out of order
        let r = s.receipt(&id).unwrap();
        assert_eq!((r.paid, r.payment_status.as_str()), (true, "SUDAH DIBAYAR"));
        assert_eq!(r.next_due_month.as_deref(), Some("2027-02"));
        assert!(s.apply_payment_confirmed(&id, "2027-13").is_err());
        let draft = record_in(s, 2, RecordState::Draft);
        assert!(s.apply_payment_code(&draft, "X").is_err());
    }

    #[test]
    fn review_notes_and_codes_reach_the_receipt() {
        let mut f = store();
        let s = &mut f.store;
        let id = record_in(s, 1, RecordState::Rejected);
        assert_eq!(s.receipt(&id).unwrap().outcome_codes, vec!["id.conflict"]);
        let id = record_in(s, 2, RecordState::Accepted);
        s.apply_decision(
            &id,
            &Decision::HasIssues {
                comment: Some("Alamat kurang lengkap".into()),
            },
            &at(2),
        )
        .unwrap();
        assert_eq!(
            s.receipt(&id).unwrap().review_note.as_deref(),
            Some("Alamat kurang lengkap")
        );
    }

    #[test]
    fn queue_status_lists_every_state() {
        let mut f = store();
        let s = &mut f.store;
        record_in(s, 1, RecordState::Queued);
        record_in(s, 2, RecordState::Queued);
        record_in(s, 3, RecordState::Withdrawn);
        let status = s.queue_status().unwrap();
        assert_eq!(status.len(), 12);
        assert_eq!(status["queued"], 2);
        assert_eq!(status["withdrawn"], 1);
        assert_eq!(status["purged"], 0);
    }

    #[test]
    fn tampered_row_is_a_crypto_error_not_garbage() {
        let mut f = store();
        let s = &mut f.store;
        let a = submit(s, 1).id;
        let b = submit(s, 2).id;
        // Swap sealed contents between rows: each blob is bound to its id.
        s.conn
            .execute_batch(&format!(
                "UPDATE records SET content = (SELECT content FROM records WHERE id = '{b}')
                 WHERE id = '{a}'"
            ))
            .unwrap();
        assert_eq!(s.receipt(&a).unwrap_err().code(), "store.key");
        // One flipped byte in the card.
        let mut card: Vec<u8> = s
            .conn
            .query_row("SELECT card FROM records WHERE id = ?1", [&b], |r| r.get(0))
            .unwrap();
        card[20] ^= 0x01;
        s.conn
            .execute(
                "UPDATE records SET card = ?2 WHERE id = ?1",
                params![b, card],
            )
            .unwrap();
        assert_eq!(s.receipt(&b).unwrap_err().code(), "store.key");
        // The list still shows both, without the names it cannot open.
        let list = s.list(None).unwrap();
        assert_eq!(list.len(), 2);
    }

    #[test]
    fn references_carry_a_check_character() {
        let id = "0192f0a0-0000-7000-8000-000000000001";
        let r = reference(17, id);
        assert!(r.starts_with("17-") && r.len() == 8, "{r}");
        assert_eq!(verify_reference(&r), Some(17));
        assert_eq!(
            verify_reference(&r.to_lowercase().replace('-', " ")),
            Some(17)
        );
        assert!(reference_matches(&r, 17, id));
        assert!(!reference_matches(&r, 17, "another-id"));
        // Every single-character substitution is caught.
        let chars: Vec<char> = r.chars().collect();
        for i in 0..chars.len() {
            if chars[i] == '-' {
                continue;
            }
            for &a in ALPHABET {
                let a = a as char;
                if a == chars[i] {
                    continue;
                }
                let mut typo = chars.clone();
                typo[i] = a;
                let typo: String = typo.into_iter().collect();
                assert_eq!(verify_reference(&typo), None, "{typo} accepted");
            }
        }
        // Adjacent transpositions of different characters are caught too.
        let plain: Vec<char> = r.replace('-', "").chars().collect();
        for i in 0..plain.len() - 1 {
            if plain[i] != plain[i + 1] {
                let mut t = plain.clone();
                t.swap(i, i + 1);
                let t: String = t.into_iter().collect();
                assert_eq!(verify_reference(&t), None, "{t} accepted");
            }
        }
        assert_eq!(verify_reference("12"), None);
        assert_eq!(verify_reference("ABCDEFG"), None);
    }
}
