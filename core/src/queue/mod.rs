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

mod in_tx;
mod read;
mod records;
mod reference;
mod state;
mod write;

pub(crate) use in_tx::*;
pub use records::*;
pub use reference::{reference, reference_matches, verify_reference};
pub use state::*;

pub use perisai_domain::message::rfc3339;

pub(super) fn not_allowed(state: RecordState) -> CoreError {
    CoreError::NotAllowed {
        state: state.as_str().to_string(),
    }
}

pub(super) fn receipt_u64(v: Option<i64>) -> Result<Option<u64>, CoreError> {
    v.map(|n| u64::try_from(n).map_err(|_| CoreError::Store("negative receipt number".into())))
        .transpose()
}

/// A row's clear columns plus its blobs, as read for one operation.
pub(super) struct Row {
    pub(super) id: String,
    pub(super) state: RecordState,
    pub(super) receipt_no: Option<u64>,
    pub(super) created_at: String,
    pub(super) supersedes: Option<String>,
    pub(super) content_version: u32,
    pub(super) content: Option<Vec<u8>>,
    pub(super) card: Option<Vec<u8>>,
    pub(super) note: Option<Vec<u8>>,
    pub(super) outcome_codes: Option<String>,
    pub(super) paid: bool,
    pub(super) batch: Option<String>,
}

pub(super) const ROW_COLUMNS: &str =
    "id, state, receipt_no, created_at, supersedes, content_version, \
     content, card, note, outcome_codes, paid, batch";

/// Reads a row selected with [`ROW_COLUMNS`]; a state or number this build does not know is a
/// conversion error (reported as a store error), never a guess.
pub(super) fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
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

pub(super) fn get_row(conn: &rusqlite::Connection, id: &str) -> Result<Row, CoreError> {
    conn.query_row(
        &format!("SELECT {ROW_COLUMNS} FROM records WHERE id = ?1"),
        [id],
        read_row,
    )
    .optional()?
    .ok_or(CoreError::NotFound)
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
}
