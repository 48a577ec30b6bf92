//! Applying what comes down from the server (DESIGN.md §4 "Downsync"), one verified page at a
//! time, inside the caller's transaction together with the new cursor and nonce: a page is
//! applied whole or not at all, and the cursor never passes an item that was not applied.
//!
//! - decisions → `apply_decision` (`approved`, `has_issues` with the comment, `rejected` with the
//!   reason → `rejected_by_review`); a decision on a record this device does not hold (another
//!   device of the agent, or wiped) is skipped;
//! - payment codes and payment confirmations → the participant's card (payload members
//!   `payment_codes: [{record_id, payment_code}]` and `payments: [{record_id, paid_through}]`,
//!   read when present: the server's payments work adds them);
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
use crate::protocol::downsync::{DecisionItem, DeviceCommand, NikTagList};
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
}

/// What applying a page changed that the caller must act on.
#[derive(Debug, Default)]
pub struct Applied {
    pub decisions: u32,
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
    match item.decision.as_str() {
        "approved" => Some(Decision::Approved),
        "has_issues" => Some(Decision::HasIssues {
            comment: item.reason.clone(),
        }),
        "rejected" => Some(Decision::RejectedByReview {
            reason: item.reason.clone(),
        }),
        _ => None,
    }
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
    }
}
