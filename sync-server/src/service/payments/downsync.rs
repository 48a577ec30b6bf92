//! What of the payments flows down to the agent's device (ARCHITECTURE.md §4 Downsync), as members of
//! the signed downsync payload that `core::sync::downsync::Extras` reads:
//!
//! - `payment_codes: [{record_id, payment_code}]`: sent with each `approved` decision delivered
//!   (the code is issued in the decision's transaction, so it is settled with it);
//! - `payments: [{record_id, paid_through}]`: for each record with payments imported since the
//!   cursor, its latest contiguous paid month (`coverage::paid_through`);
//! - `statements` (see `statements::feed`).

use perisai_domain::protocol::downsync::DecisionItem;
use serde::Serialize;
use sqlx::AnyConnection;

use super::{code, coverage};
use crate::db::col;

/// A payment code for one of the agent's approved records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PaymentCodeItem {
    pub record_id: String,
    pub payment_code: String,
}

/// A record's payments, as far as they run without a gap.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PaymentItem {
    pub record_id: String,
    /// `YYYY-MM`.
    pub paid_through: String,
}

/// The payment codes of the approved records among `decisions`.
pub async fn codes_for(
    conn: &mut AnyConnection,
    branch: &str,
    decisions: &[DecisionItem],
) -> Result<Vec<PaymentCodeItem>, sqlx::Error> {
    let mut items: Vec<PaymentCodeItem> = Vec::new();
    for decision in decisions.iter().filter(|d| d.decision == "approved") {
        if items.iter().any(|i| i.record_id == decision.record_id) {
            continue;
        }
        if let Some(payment_code) = code::of_record(conn, branch, &decision.record_id).await? {
            items.push(PaymentCodeItem {
                record_id: decision.record_id.clone(),
                payment_code,
            });
        }
    }
    Ok(items)
}

/// Payments of the agent's records imported after `from` (the `payments.id` cursor).
pub struct PaymentPage {
    pub items: Vec<PaymentItem>,
    pub cursor: i64,
    pub more: bool,
}

/// Reads up to `page` payment rows after `from` that are older than `cutoff` (settled) and
/// answers with each touched record's `paid_through`.
pub async fn payments_since(
    conn: &mut AnyConnection,
    branch: &str,
    agent_id: &str,
    from: i64,
    page: i64,
    cutoff_ms: i64,
) -> Result<PaymentPage, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, record_id, imported_ms FROM payments
         WHERE branch = $1 AND agent_id = $2 AND id > $3 ORDER BY id LIMIT $4",
    )
    .bind(branch)
    .bind(agent_id)
    .bind(from)
    .bind(page)
    .fetch_all(&mut *conn)
    .await?;
    let settled = crate::service::feed::settled_prefix(&rows, "imported_ms", cutoff_ms)?;
    let mut result = PaymentPage {
        items: Vec::new(),
        cursor: from,
        more: settled == rows.len() && rows.len() as i64 == page,
    };
    let mut touched: Vec<String> = Vec::new();
    for row in &rows[..settled] {
        let record_id: String = col(row, "record_id")?;
        if !touched.contains(&record_id) {
            touched.push(record_id);
        }
        result.cursor = col(row, "id")?;
    }
    for record_id in touched {
        let months = coverage::paid_months(conn, branch, &record_id).await?;
        if let Some(through) = coverage::paid_through(&months) {
            result.items.push(PaymentItem {
                record_id,
                paid_through: through.to_string(),
            });
        }
    }
    Ok(result)
}
