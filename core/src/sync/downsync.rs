//! Applying what comes down from the server (ARCHITECTURE.md §4 "Downsync"), one verified page at a
//! time, inside the caller's transaction together with the new cursor and nonce: a page is
//! applied whole or not at all, and the cursor never passes an item that was not applied.
//!
//! - decisions → `apply_decision` (`approved`, `has_issues` with the comment, `rejected` with the
//!   reason → `rejected_by_review`); a decision on a record this device does not hold (another
//!   device of the agent, or wiped) is skipped;
//! - payment codes and payment confirmations → the participant's card (payload members
//!   `payment_codes: [{record_id, payment_code}]` and `payments: [{record_id, paid_through}]`,
//!   read when present: the server's payments work adds them);
//! - commission statements (payload member `statements: [Statement]`, the agent's issued ones
//!   since the cursor and the running month's provisional one) → kept sealed, an issued one
//!   replacing the provisional of its month (`crate::incentive::device`); one that does not
//!   decode (a newer server's layout) is skipped alone, never taking the page's other items down;
//! - the cash items the request carried → marked sent: the answer is verified, so the server
//!   has them (it stores them idempotently by id);
//! - NIK tags: a new branch key replaces the list; tags under the current key are added;
//! - rule sets: each is loaded with `RuleBook::from_json` and merged into the book in force; one
//!   that does not load or does not fit (unknown layout from a newer server, overlapping dates)
//!   is skipped, never half-applied. They arrive inside the signed payload, so they are signed;
//! - commands for this device: `wipe` (revoked: erase everything), `agent.suspended`.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chrono::{DateTime, FixedOffset};
use rusqlite::Connection;
use serde::Deserialize;

use super::state::{self, Identity};
use crate::error::CoreError;
use crate::incentive::{device as incentive_store, Statement};
use crate::protocol::downsync::{
    Decision as WireDecision, DecisionItem, DeviceCommand, NikTagList,
};
use crate::queue::{
    apply_decision_in, apply_payment_code_in, apply_payment_confirmed_in, rfc3339, Decision,
};
use crate::seal::Sealer;
use crate::tariff::RuleBook;

/// A payment code (kode iuran) issued for an approved participant.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct PaymentCodeItem {
    pub record_id: String,
    pub payment_code: String,
}

/// A payment the channel confirmed, through a contribution month (`YYYY-MM`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct PaymentItem {
    pub record_id: String,
    pub paid_through: String,
}

/// Members of the downsync payload that `protocol::downsync::DownsyncResponse` does not carry
/// yet; read from the same verified bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Extras {
    #[serde(default)]
    pub payment_codes: Vec<PaymentCodeItem>,
    #[serde(default)]
    pub payments: Vec<PaymentItem>,
    /// Kept as JSON values and decoded one by one in [`apply_page`], so one statement this
    /// build cannot read does not make the whole member (or the payment codes) unreadable.
    #[serde(default)]
    pub statements: Vec<serde_json::Value>,
}

/// What applying a page changed that the caller must act on.
#[derive(Debug, Default)]
pub struct Applied {
    pub decisions: u32,
    /// Statements kept (an older estimate, or a re-sent issued one, is not).
    pub statements: u32,
    /// The rule book with the page's rule sets merged in, when any was taken.
    pub rules: Option<RuleBook>,
    /// A verified `wipe` command for this device: the caller erases everything.
    pub wipe: bool,
}

/// Is `e` a refusal to skip (the record is not here, or not in a state for it), as opposed to
/// a store failure that must stop the page?
fn skippable(e: &CoreError) -> bool {
    matches!(
        e,
        CoreError::NotFound | CoreError::NotAllowed { .. } | CoreError::InvalidParameter { .. }
    )
}

fn skip_refusals<T>(result: Result<T, CoreError>) -> Result<Option<T>, CoreError> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if skippable(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The device-side decision of a server decision item; `None` for one this build does not know.
pub fn decision_of(item: &DecisionItem) -> Option<Decision> {
    Some(match WireDecision::parse(&item.decision)? {
        WireDecision::Approved => Decision::Approved,
        WireDecision::HasIssues => Decision::HasIssues {
            comment: item.reason.clone(),
        },
        WireDecision::Rejected => Decision::RejectedByReview {
            reason: item.reason.clone(),
        },
    })
}

/// Applies a branch tag list or delta: a new key replaces the list, then its tags are added.
pub fn apply_tags(conn: &Connection, sealer: &Sealer, list: &NikTagList) -> Result<(), CoreError> {
    let bad = |_| CoreError::SyncServerKey("NIK tag list undecodable");
    if !list.key.is_empty() {
        let key = zeroize::Zeroizing::new(B64.decode(&list.key).map_err(bad)?);
        state::set_tag_key(conn, sealer, &list.key_id, &key)?;
    } else if !list.key_id.is_empty()
        && state::tag_key_id(conn)?.as_deref() != Some(list.key_id.as_str())
    {
        // Tags under a key this device does not have would match nothing: ignore them.
        return Ok(());
    }
    if !list.tags.is_empty() {
        let tags = B64.decode(&list.tags).map_err(bad)?;
        state::add_tags(conn, &tags)?;
    }
    Ok(())
}

/// Merges the rule sets that load and fit into `book` and keeps them; returns the new book when
/// at least one was taken.
pub fn apply_rule_sets(
    conn: &Connection,
    book: &RuleBook,
    rule_sets: &[serde_json::Value],
    now: &DateTime<FixedOffset>,
) -> Result<Option<RuleBook>, CoreError> {
    let mut current: Option<RuleBook> = None;
    for value in rule_sets {
        let body = value.to_string();
        let Ok(update) = RuleBook::from_json(&body) else {
            continue;
        };
        let base = current.as_ref().unwrap_or(book);
        let Ok(merged) = base.merged(update.clone()) else {
            continue;
        };
        for set in update.rule_sets() {
            state::store_rule_set(conn, &set.id, &body, &rfc3339(now))?;
        }
        current = Some(merged);
    }
    Ok(current)
}

/// Applies the commands meant for this device; returns whether one is a wipe.
fn apply_commands(
    conn: &Connection,
    identity: &Identity,
    commands: &[DeviceCommand],
) -> Result<bool, CoreError> {
    let mut wipe = false;
    for command in commands
        .iter()
        .filter(|c| c.device_id == identity.device_id)
    {
        match command.kind.as_str() {
            "wipe" => wipe = true,
            "agent.suspended" => state::set_suspended(conn, true)?,
            _ => {}
        }
    }
    Ok(wipe)
}

/// One verified downsync page's items.
pub struct Page<'a> {
    pub decisions: &'a [DecisionItem],
    pub tags: &'a NikTagList,
    pub rule_sets: &'a [serde_json::Value],
    pub commands: &'a [DeviceCommand],
    pub extras: &'a Extras,
    /// Ids of the cash items the signed request carried.
    pub cash_sent: &'a [String],
}

/// Applies a page inside the caller's transaction (the caller then moves cursor and nonce, and
/// commits).
pub fn apply_page(
    conn: &Connection,
    sealer: &Sealer,
    identity: &Identity,
    book: &RuleBook,
    page: &Page<'_>,
    now: &DateTime<FixedOffset>,
) -> Result<Applied, CoreError> {
    let mut applied = Applied::default();
    for item in page.decisions {
        if let Some(decision) = decision_of(item) {
            if skip_refusals(apply_decision_in(
                conn,
                sealer,
                &item.record_id,
                &decision,
                now,
            ))?
            .is_some()
            {
                applied.decisions += 1;
            }
        }
    }
    for item in &page.extras.payment_codes {
        skip_refusals(apply_payment_code_in(
            conn,
            sealer,
            &item.record_id,
            &item.payment_code,
        ))?;
    }
    for item in &page.extras.payments {
        skip_refusals(apply_payment_confirmed_in(
            conn,
            sealer,
            &item.record_id,
            &item.paid_through,
        ))?;
    }
    let received_at = rfc3339(now);
    for value in &page.extras.statements {
        let Ok(statement) = serde_json::from_value::<Statement>(value.clone()) else {
            continue;
        };
        if incentive_store::store_statement(conn, sealer, &statement, &received_at)? {
            applied.statements += 1;
        }
    }
    incentive_store::mark_cash_sent(conn, page.cash_sent, &received_at)?;
    apply_tags(conn, sealer, page.tags)?;
    applied.rules = apply_rule_sets(conn, book, page.rule_sets, now)?;
    applied.wipe = apply_commands(conn, identity, page.commands)?;
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(decision: &str, reason: Option<&str>) -> DecisionItem {
        DecisionItem {
            record_id: "r".into(),
            decision: decision.into(),
            reason: reason.map(String::from),
            decided_at: "2026-11-21T10:00:00+07:00".into(),
        }
    }

    #[test]
    fn server_decisions_map_to_device_decisions() {
        assert_eq!(
            decision_of(&item("approved", None)),
            Some(Decision::Approved)
        );
        assert_eq!(
            decision_of(&item("has_issues", Some("alamat"))),
            Some(Decision::HasIssues {
                comment: Some("alamat".into())
            })
        );
        assert_eq!(
            decision_of(&item("rejected", Some("foto"))),
            Some(Decision::RejectedByReview {
                reason: Some("foto".into())
            })
        );
        assert_eq!(decision_of(&item("escalated", None)), None);
    }

    #[test]
    fn extras_are_optional_members_of_the_payload() {
        let none: Extras = serde_json::from_str(r#"{"cursor": "x", "decisions": []}"#).unwrap();
        assert_eq!(none, Extras::default());
        let some: Extras = serde_json::from_str(
            r#"{"payment_codes": [{"record_id": "r", "payment_code": "KI-1"}],
                "payments": [{"record_id": "r", "paid_through": "2026-12"}]}"#,
        )
        .unwrap();
        assert_eq!(some.payment_codes[0].payment_code, "KI-1");
        assert_eq!(some.payments[0].paid_through, "2026-12");
        assert!(some.statements.is_empty());
    }

    /// A page with statements (one this build cannot read) and the cash its request carried:
    /// the readable statement is kept, the other skipped, the cash marked sent.
    #[test]
    fn statements_are_kept_and_carried_cash_is_marked_sent() {
        use crate::incentive::Status;
        use crate::protocol::downsync::CashItem;
        use crate::queue::testing::{content, fixture_vault};
        use crate::store::Store;
        use crate::tariff::YearMonth;

        let dir = tempfile::tempdir().unwrap();
        let vault = fixture_vault(dir.path());
        let mut store = Store::open(&dir.path().join("perisai.db"), &vault, true).unwrap();
        let record = store
            .insert_submitted(&content(1), crate::queue::Origin::New)
            .unwrap()
            .id;
        let now = DateTime::parse_from_rfc3339("2026-06-02T09:00:00+07:00").unwrap();
        let cash = CashItem {
            id: "0192f0a0-0000-7000-8000-00000000c001".into(),
            record_id: record.clone(),
            amount: 16_800,
            months: 1,
            collected_at: "2026-06-01T09:00:00+07:00".into(),
        };
        incentive_store::insert_cash(&store.conn, &store.sealer, &cash).unwrap();
        let extras: Extras = serde_json::from_value(serde_json::json!({
            "statements": [
                {"month": "2026-05", "status": "confirmed", "as_of": "2026-06-01T08:00:00+07:00",
                 "acquisition": 0, "contribution": 2520, "adjustments": 0, "total": 2520,
                 "lines": [{"kind": "contribution", "record_id": record, "amount": 2520,
                            "note": "Iuran bulan ke-1 (15% dari Rp16.800) / Contribution month 1 (15% of Rp16.800)"}]},
                {"month": "2026-06", "status": "estimated"}
            ]
        }))
        .unwrap();
        let identity = Identity {
            device_id: "d".into(),
            agent_id: "a".into(),
            branch: "b".into(),
            server_url: "https://x".into(),
            server_key: vec![],
            device_key: vec![],
            activated_at: "2026-05-01T00:00:00+07:00".into(),
            next_seq: 1,
            prev_hash: String::new(),
            nonce: None,
            cursor: String::new(),
            last_sync_at: None,
            suspended: false,
        };
        let (tx, sealer) = store.write_tx().unwrap();
        let applied = apply_page(
            &tx,
            sealer,
            &identity,
            &RuleBook::builtin(),
            &Page {
                decisions: &[],
                tags: &NikTagList::default(),
                rule_sets: &[],
                commands: &[],
                extras: &extras,
                cash_sent: std::slice::from_ref(&cash.id),
            },
            &now,
        )
        .unwrap();
        tx.commit().unwrap();
        assert_eq!(applied.statements, 1);
        let may = incentive_store::statement_for(
            &store.conn,
            &store.sealer,
            YearMonth::parse("2026-05").unwrap(),
        )
        .unwrap()
        .unwrap();
        assert_eq!((may.status, may.total), (Status::Confirmed, 2_520));
        assert!(incentive_store::unsent_cash(&store.conn, &store.sealer, 10)
            .unwrap()
            .is_empty());
    }
}
