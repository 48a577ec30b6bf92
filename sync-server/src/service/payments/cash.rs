//! Cash an agent recorded as collected from a participant (DOMAIN.md §6), and its reconciliation
//! with the payment channel's confirmations (DOMAIN.md §8: cash never confirmed within 7 days is
//! a fraud signal).
//!
//! Cash items arrive in the signed downsync request of the agent's device ([`store`]): the
//! signature names the device and so the agent; an item is kept only for a record of that agent,
//! once per `(branch, id)` however often the device resends it.
//!
//! A cash record is *confirmed* when payments for its record, confirmed (`paid_at`) between a day
//! before the collection and 7 days after it, cover at least its months and its amount. It is
//! *flagged* (`cash.unconfirmed`, with the evidence) when 7 days have passed without that.
//! [`reconcile`] settles the open ones; it runs on every payment import, on every
//! `issue-statements`, and on every downsync of the agent's devices (so the agent's own sync
//! surfaces it, even when no import runs that week). The time is passed in, never read here.

use chrono::DateTime;
use perisai_domain::protocol::downsync::CashItem;
use sqlx::AnyConnection;

use super::{flag_kind, DAY_MS};
use crate::db::flags::{self, Flag};
use crate::db::{col, rfc3339};

/// Days the payment channel has to confirm cash.
pub const CONFIRM_WITHIN_DAYS: i64 = 7;
/// Payments confirmed this long before the recorded collection still count (device clocks).
const EARLY_SLACK_MS: i64 = DAY_MS;

/// Who sent a signed request with cash in it.
pub struct Sender<'a> {
    pub branch: &'a str,
    pub device_id: &'a str,
    pub agent_id: &'a str,
}

/// What storing a request's cash items did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Stored {
    pub new: u32,
    pub already: u32,
    /// Malformed, or for a record that is not the agent's: not kept.
    pub refused: u32,
}

/// Stores the cash items of a verified request, idempotently.
pub async fn store(
    conn: &mut AnyConnection,
    who: &Sender<'_>,
    items: &[CashItem],
    now_ms: i64,
) -> Result<Stored, sqlx::Error> {
    let mut stored = Stored::default();
    for item in items {
        let Some(collected_ms) = well_formed(item, now_ms) else {
            stored.refused += 1;
            continue;
        };
        let owner: Option<String> =
            sqlx::query_scalar("SELECT agent_id FROM enrollments WHERE branch = $1 AND id = $2")
                .bind(who.branch)
                .bind(&item.record_id)
                .fetch_optional(&mut *conn)
                .await?;
        if owner.as_deref() != Some(who.agent_id) {
            stored.refused += 1;
            continue;
        }
        let done = sqlx::query(
            "INSERT INTO cash_records (branch, id, device_id, agent_id, record_id, amount, months,
                 collected_ms, received_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (branch, id) DO NOTHING",
        )
        .bind(who.branch)
        .bind(&item.id)
        .bind(who.device_id)
        .bind(who.agent_id)
        .bind(&item.record_id)
        .bind(item.amount)
        .bind(i64::from(item.months))
        .bind(collected_ms)
        .bind(now_ms)
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() == 1 {
            stored.new += 1;
        } else {
            stored.already += 1;
        }
    }
    Ok(stored)
}

/// The collection time of a sound item: an id and a record id of at most 64 characters without
/// control characters (a NUL could not even be looked up on PostgreSQL), 1 to 1,000,000,000
/// rupiah for 1 to 12 months, collected at an RFC 3339 time not after a day from now.
fn well_formed(item: &CashItem, now_ms: i64) -> Option<i64> {
    let id_ok = !item.id.is_empty()
        && item.id.len() <= 64
        && !item.id.chars().any(char::is_control)
        && !item.record_id.is_empty()
        && item.record_id.len() <= 64
        && !item.record_id.chars().any(char::is_control);
    let amount_ok = (1..=1_000_000_000).contains(&item.amount) && (1..=12).contains(&item.months);
    let collected = DateTime::parse_from_rfc3339(&item.collected_at)
        .ok()?
        .timestamp_millis();
    (id_ok && amount_ok && collected <= now_ms + DAY_MS).then_some(collected)
}

/// What reconciling did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Reconciled {
    pub confirmed: u32,
    pub flagged: u32,
}

/// Whether the agent has cash records not yet confirmed or flagged.
pub async fn has_open(
    conn: &mut AnyConnection,
    branch: &str,
    agent_id: &str,
) -> Result<bool, sqlx::Error> {
    let open: Option<String> = sqlx::query_scalar(
        "SELECT id FROM cash_records WHERE outcome IS NULL AND branch = $1 AND agent_id = $2 LIMIT 1",
    )
    .bind(branch)
    .bind(agent_id)
    .fetch_optional(conn)
    .await?;
    Ok(open.is_some())
}

/// Settles the open cash records (of one agent, or all): confirmed ones are marked, those past
/// their 7 days without confirmation raise `cash.unconfirmed`. Each step is idempotent (the flag
/// by its key, the outcome only set while open), so it may run in a transaction or not.
pub async fn reconcile(
    conn: &mut AnyConnection,
    agent: Option<(&str, &str)>,
    now_ms: i64,
) -> Result<Reconciled, sqlx::Error> {
    let (branch, agent_id) = agent.unwrap_or(("", ""));
    let open = sqlx::query(
        "SELECT branch, id, device_id, agent_id, record_id, amount, months, collected_ms
         FROM cash_records
         WHERE outcome IS NULL AND ($1 = '' OR (branch = $1 AND agent_id = $2))
         ORDER BY collected_ms",
    )
    .bind(branch)
    .bind(agent_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut done = Reconciled::default();
    for row in &open {
        let branch: String = col(row, "branch")?;
        let id: String = col(row, "id")?;
        let record_id: String = col(row, "record_id")?;
        let amount: i64 = col(row, "amount")?;
        let months: i64 = col(row, "months")?;
        let collected_ms: i64 = col(row, "collected_ms")?;
        let deadline = collected_ms + CONFIRM_WITHIN_DAYS * DAY_MS;
        let paid = sqlx::query(
            "SELECT COUNT(DISTINCT contribution_month) AS months, CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS amount
             FROM payments WHERE branch = $1 AND record_id = $2 AND paid_ms >= $3 AND paid_ms <= $4",
        )
        .bind(&branch)
        .bind(&record_id)
        .bind(collected_ms - EARLY_SLACK_MS)
        .bind(deadline)
        .fetch_one(&mut *conn)
        .await?;
        let paid_months: i64 = col(&paid, "months")?;
        let paid_amount: i64 = col(&paid, "amount")?;
        let outcome = if paid_months >= months && paid_amount >= amount {
            done.confirmed += 1;
            "confirmed"
        } else if now_ms > deadline {
            done.flagged += 1;
            flags::raise(
                conn,
                &Flag {
                    branch: branch.clone(),
                    kind: flag_kind::CASH_UNCONFIRMED,
                    agent_id: Some(col(row, "agent_id")?),
                    device_id: Some(col(row, "device_id")?),
                    record_id: Some(record_id.clone()),
                    evidence: serde_json::json!({
                        "cash_id": id,
                        "amount": amount,
                        "months": months,
                        "collected_at": rfc3339(collected_ms),
                        "deadline": rfc3339(deadline),
                        "confirmed_months": paid_months,
                        "confirmed_amount": paid_amount,
                    }),
                    dedup_key: format!("{}/{id}", flag_kind::CASH_UNCONFIRMED),
                },
            )
            .await?;
            "flagged"
        } else {
            continue;
        };
        sqlx::query(
            "UPDATE cash_records SET outcome = $1, outcome_ms = $2
             WHERE branch = $3 AND id = $4 AND outcome IS NULL",
        )
        .bind(outcome)
        .bind(now_ms)
        .bind(&branch)
        .bind(&id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(amount: i64, months: u32, at: &str) -> CashItem {
        CashItem {
            id: "0190a3c4-5b6d-7e8f-9a0b-1c2d3e4f5a6b".into(),
            record_id: "r".into(),
            amount,
            months,
            collected_at: at.into(),
        }
    }

    #[test]
    fn only_sound_cash_items_are_kept() {
        let now = DateTime::parse_from_rfc3339("2026-06-01T00:00:00Z")
            .unwrap()
            .timestamp_millis();
        assert!(well_formed(&item(16_800, 1, "2026-05-31T10:00:00+07:00"), now).is_some());
        assert!(well_formed(&item(0, 1, "2026-05-31T10:00:00+07:00"), now).is_none());
        assert!(well_formed(&item(16_800, 0, "2026-05-31T10:00:00+07:00"), now).is_none());
        assert!(well_formed(&item(16_800, 13, "2026-05-31T10:00:00+07:00"), now).is_none());
        assert!(well_formed(&item(16_800, 1, "31/05/2026"), now).is_none());
        assert!(well_formed(&item(16_800, 1, "2026-06-05T10:00:00+07:00"), now).is_none());
    }
}
