//! What flows down to devices, since a cursor: review decisions on the agent's records (with the
//! payment codes of approved ones), the branch's new NIK tags, rule-set updates, commands for
//! this device, the agent's payment confirmations and incentive statements (ARCHITECTURE.md §4
//! Downsync; the payment parts are built in `payments::downsync` and `payments::statements`).
//!
//! The cursor is opaque to devices: `d<id>.t<id>.c<id>.r<id>.y<id>.s<id>`, the last id delivered
//! from each table (`y`: payments, `s`: issued statements). A cursor of the four first parts
//! only (handed out before payments existed) reads as `y0.s0`. Rows are read in id order and
//! only a *settled* prefix is delivered: rows written within the last `downsync_settle` may
//! belong to transactions still running elsewhere (PostgreSQL hands out ids before commit), and
//! a later-committing lower id must never be skipped. Unsettled rows wait for the next sync;
//! `more` means only that a full page of settled rows was delivered.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use perisai_domain::protocol::downsync::{DecisionItem, DeviceCommand, NikTagList};
use perisai_domain::seal::Purpose;
use sqlx::AnyConnection;

use crate::db::{col, now_ms, rfc3339};
use crate::keys::ServerKeys;
use crate::service::payments::downsync::{self as payment_feed, PaymentCodeItem, PaymentItem};
use crate::service::payments::statements;
use crate::service::ServiceError;

/// Positions in each feed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cursor {
    pub decisions: i64,
    pub tags: i64,
    pub commands: i64,
    pub rule_sets: i64,
    pub payments: i64,
    pub statements: i64,
}

impl Cursor {
    /// Parses a cursor; the empty string is the start.
    pub fn parse(text: &str) -> Option<Cursor> {
        if text.is_empty() {
            return Some(Cursor::default());
        }
        const KINDS: [&str; 6] = ["d", "t", "c", "r", "y", "s"];
        let mut cursor = Cursor::default();
        let parts: Vec<&str> = text.split('.').collect();
        if parts.len() != 4 && parts.len() != KINDS.len() {
            return None;
        }
        for (part, expected) in parts.iter().zip(KINDS) {
            let (kind, number) = part.split_at_checked(1)?;
            if kind != expected || !number.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let n: i64 = number.parse().ok()?;
            match kind {
                "d" => cursor.decisions = n,
                "t" => cursor.tags = n,
                "c" => cursor.commands = n,
                "r" => cursor.rule_sets = n,
                "y" => cursor.payments = n,
                _ => cursor.statements = n,
            }
        }
        Some(cursor)
    }
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "d{}.t{}.c{}.r{}.y{}.s{}",
            self.decisions,
            self.tags,
            self.commands,
            self.rule_sets,
            self.payments,
            self.statements
        )
    }
}

/// Everything new for one device since a cursor.
#[derive(Debug, Default)]
pub struct Items {
    pub decisions: Vec<DecisionItem>,
    pub tags: Vec<u8>,
    pub commands: Vec<DeviceCommand>,
    pub rule_sets: Vec<serde_json::Value>,
    /// Payment codes of the approved records among `decisions`.
    pub payment_codes: Vec<PaymentCodeItem>,
    pub payments: Vec<PaymentItem>,
    /// The agent's issued statements since the cursor (`perisai_domain::incentive::Statement`
    /// JSON); the downsync answer adds the running month's provisional one
    /// ([`provisional_statement`]).
    pub statements: Vec<serde_json::Value>,
    pub cursor: Cursor,
    pub more: bool,
}

/// Who the feed is for.
pub struct Reader<'a> {
    pub device_id: &'a str,
    pub branch: &'a str,
    pub agent_id: &'a str,
}

/// Collects up to `page` items of each kind after `from`.
pub async fn collect(
    conn: &mut AnyConnection,
    keys: &ServerKeys,
    who: &Reader<'_>,
    from: Cursor,
    page: i64,
    tag_page: i64,
    settle_ms: i64,
) -> Result<Items, sqlx::Error> {
    let cutoff = now_ms() - settle_ms;
    let mut items = Items {
        cursor: from,
        ..Items::default()
    };

    let rows = sqlx::query(
        "SELECT id, record_id, decision, reason, decided_ms FROM decisions
         WHERE branch = $1 AND agent_id = $2 AND id > $3 ORDER BY id LIMIT $4",
    )
    .bind(who.branch)
    .bind(who.agent_id)
    .bind(from.decisions)
    .bind(page)
    .fetch_all(&mut *conn)
    .await?;
    let settled = settled_prefix(&rows, "decided_ms", cutoff)?;
    items.more |= settled == rows.len() && rows.len() as i64 == page;
    for row in &rows[..settled] {
        let decided_ms: i64 = col(row, "decided_ms")?;
        let id: i64 = col(row, "id")?;
        let reason: Option<Vec<u8>> = col(row, "reason")?;
        let reason = reason.and_then(|blob| {
            keys.open(Purpose::Note, &format!("decision/{id}"), &blob)
                .ok()
                .and_then(|plain| String::from_utf8(plain).ok())
        });
        items.decisions.push(DecisionItem {
            record_id: col(row, "record_id")?,
            decision: col(row, "decision")?,
            reason,
            decided_at: rfc3339(decided_ms),
        });
        items.cursor.decisions = id;
    }
    items.payment_codes = payment_feed::codes_for(conn, who.branch, &items.decisions).await?;

    let rows = sqlx::query(
        "SELECT id, tag, created_ms FROM nik_tags WHERE branch = $1 AND id > $2 ORDER BY id LIMIT $3",
    )
    .bind(who.branch)
    .bind(from.tags)
    .bind(tag_page)
    .fetch_all(&mut *conn)
    .await?;
    let settled = settled_prefix(&rows, "created_ms", cutoff)?;
    items.more |= settled == rows.len() && rows.len() as i64 == tag_page;
    for row in &rows[..settled] {
        let tag: Vec<u8> = col(row, "tag")?;
        items.tags.extend_from_slice(&tag);
        items.cursor.tags = col(row, "id")?;
    }

    let rows = sqlx::query(
        "SELECT id, kind, created_ms FROM device_commands WHERE device_id = $1 AND id > $2 ORDER BY id LIMIT $3",
    )
    .bind(who.device_id)
    .bind(from.commands)
    .bind(page)
    .fetch_all(&mut *conn)
    .await?;
    let settled = settled_prefix(&rows, "created_ms", cutoff)?;
    items.more |= settled == rows.len() && rows.len() as i64 == page;
    for row in &rows[..settled] {
        let created_ms: i64 = col(row, "created_ms")?;
        let id: i64 = col(row, "id")?;
        items.commands.push(DeviceCommand {
            id: id.to_string(),
            device_id: who.device_id.to_string(),
            kind: col(row, "kind")?,
            issued_at: rfc3339(created_ms),
        });
        items.cursor.commands = id;
    }

    let rows = sqlx::query(
        "SELECT id, body, published_ms FROM rule_sets WHERE id > $1 ORDER BY id LIMIT $2",
    )
    .bind(from.rule_sets)
    .bind(page)
    .fetch_all(&mut *conn)
    .await?;
    let settled = settled_prefix(&rows, "published_ms", cutoff)?;
    items.more |= settled == rows.len() && rows.len() as i64 == page;
    for row in &rows[..settled] {
        let body: String = col(row, "body")?;
        // A body that is not JSON was never published through the server; skip it, loudly.
        match serde_json::from_str(&body) {
            Ok(value) => items.rule_sets.push(value),
            Err(_) => tracing::error!("rule set row is not JSON; skipped"),
        }
        items.cursor.rule_sets = col(row, "id")?;
    }

    let payments =
        payment_feed::payments_since(conn, who.branch, who.agent_id, from.payments, page, cutoff)
            .await?;
    items.payments = payments.items;
    items.cursor.payments = payments.cursor;
    items.more |= payments.more;

    let issued = statements::issued_since(
        conn,
        who.branch,
        who.agent_id,
        from.statements,
        page,
        cutoff,
    )
    .await?;
    items.statements = issued.items;
    items.cursor.statements = issued.cursor;
    items.more |= issued.more;
    Ok(items)
}

/// How many leading `rows` were written at or before `cutoff` (column `column`, milliseconds):
/// the settled prefix a page may deliver. Rows after it wait for a later sync and do not make
/// the answer say `more` (a device asking again at once would only poll until they settle,
/// for up to `downsync_settle`, on every sync).
pub(crate) fn settled_prefix(
    rows: &[sqlx::any::AnyRow],
    column: &str,
    cutoff: i64,
) -> Result<usize, sqlx::Error> {
    for (i, row) in rows.iter().enumerate() {
        if col::<i64>(row, column)? > cutoff {
            return Ok(i);
        }
    }
    Ok(rows.len())
}

/// The agent's running month as of now, for the end of a downsync answer (a device shows it
/// labelled provisional with its `as_of`). `None` when it cannot be computed (no scheme in force
/// for the month, a damaged stored statement): the answer goes out without it, logged.
pub async fn provisional_statement(
    conn: &mut AnyConnection,
    keys: &ServerKeys,
    who: &Reader<'_>,
) -> Result<Option<serde_json::Value>, sqlx::Error> {
    match statements::provisional(conn, keys, who.branch, who.agent_id, now_ms()).await {
        Ok(statement) => Ok(serde_json::to_value(&statement).ok()),
        Err(ServiceError::Db(e)) => Err(e),
        Err(e) => {
            tracing::error!(error = %e, "provisional statement skipped");
            Ok(None)
        }
    }
}

/// The branch's tag key, as a device receives it.
pub async fn tag_list(
    conn: &mut AnyConnection,
    branch: &str,
    tags: &[u8],
) -> Result<NikTagList, sqlx::Error> {
    let row = sqlx::query("SELECT tag_key, tag_key_id FROM branches WHERE code = $1")
        .bind(branch)
        .fetch_one(conn)
        .await?;
    let key: Vec<u8> = col(&row, "tag_key")?;
    Ok(NikTagList {
        key_id: col(&row, "tag_key_id")?,
        key: B64.encode(key),
        tags: B64.encode(tags),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_junk_is_refused() {
        let c = Cursor {
            decisions: 3,
            tags: 40,
            commands: 0,
            rule_sets: 1,
            payments: 7,
            statements: 2,
        };
        assert_eq!(c.to_string(), "d3.t40.c0.r1.y7.s2");
        assert_eq!(Cursor::parse("d3.t40.c0.r1.y7.s2"), Some(c));
        assert_eq!(Cursor::parse(""), Some(Cursor::default()));
        // A cursor handed out before payments existed starts the payment feeds from the start.
        let old = Cursor::parse("d3.t40.c0.r1").unwrap();
        assert_eq!((old.decisions, old.payments, old.statements), (3, 0, 0));
        for junk in [
            "d3",
            "d3.t40.c0.r1.y7",
            "t40.d3.c0.r1",
            "d3.t40.c0.r1.y+7.s2",
            "x1.t1.c1.r1",
            "d-1.t0.c0.r0",
            "d1.t1.c1.r1.d2x",
            "dé.t0.c0.r0",
            "d...",
        ] {
            assert_eq!(Cursor::parse(junk), None, "{junk}");
        }
    }
}
