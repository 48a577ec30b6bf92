//! Publishing rule sets (tariffs, enrollment limits: `domain/rulesets/*.json` is the format) to
//! the devices and to the server's own re-validation, with `admin publish-rules --file F`.
//!
//! A published rule set is checked exactly as a device will check it (`RuleBook::from_json`,
//! then merged into the book in force: no gap, no overlap, no impossible value), so nothing a
//! device would refuse is ever sent. A rule set with the id of one in force replaces it (that is
//! how an open-ended rule set gets its `effective_to` before its successor starts), as on the
//! devices. Publishing the same body again changes nothing. Every publication is audited.
//!
//! The rows are the downsync feed (`feed.rs`); [`book`] is what the server validates with,
//! reloaded by every server instance (`AppState::refresh_rules`).

use perisai_domain::tariff::RuleBook;
use sqlx::AnyConnection;

use super::{Result, ServiceError, CLI_ACTOR};
use crate::db::{audit, col, now_ms, Db};

/// Largest rule-set file accepted (the shipped ones are a few kilobytes).
pub const MAX_FILE_BYTES: usize = 256 * 1024;

/// The book in force: the built-in rule sets with every published one merged in, in order.
pub async fn book(conn: &mut AnyConnection) -> Result<RuleBook> {
    let rows = sqlx::query("SELECT rule_set_id, body FROM rule_sets ORDER BY id")
        .fetch_all(&mut *conn)
        .await?;
    let mut book = RuleBook::builtin();
    for row in &rows {
        let id: String = col(row, "rule_set_id")?;
        let body: String = col(row, "body")?;
        let update = RuleBook::from_json(&body)
            .map_err(|e| ServiceError::Invalid(format!("published rule set {id}: {e}")))?;
        book = book
            .merged(update)
            .map_err(|e| ServiceError::Invalid(format!("published rule set {id}: {e}")))?;
    }
    Ok(book)
}

/// Publishes the rule set(s) in `json` (one object or an array); returns their ids, and
/// whether anything changed.
pub async fn publish(db: &Db, json: &str) -> Result<(Vec<String>, bool)> {
    if json.len() > MAX_FILE_BYTES {
        return Err(ServiceError::Invalid(format!(
            "the rule-set file is larger than {MAX_FILE_BYTES} bytes"
        )));
    }
    let update =
        RuleBook::from_json(json).map_err(|e| ServiceError::Invalid(format!("rule set: {e}")))?;
    let mut tx = db.begin_write().await?;
    let current = book(&mut tx).await?;
    current
        .merged(update.clone())
        .map_err(|e| ServiceError::Invalid(format!("rule set does not fit the book: {e}")))?;
    let mut ids = Vec::new();
    let mut changed = false;
    for set in update.rule_sets() {
        // Stored one per row, as a device receives them: each row loads on its own.
        let body = serde_json::to_string(set)
            .map_err(|e| ServiceError::Invalid(format!("rule set: {e}")))?;
        ids.push(set.id.clone());
        let same = current
            .get(&set.id)
            .and_then(|known| serde_json::to_string(known).ok())
            .is_some_and(|known| known == body);
        if same {
            continue;
        }
        // A replacement gets a new row (a new cursor position), so devices receive it again.
        sqlx::query("DELETE FROM rule_sets WHERE rule_set_id = $1")
            .bind(&set.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO rule_sets (rule_set_id, body, published_ms) VALUES ($1, $2, $3)")
            .bind(&set.id)
            .bind(&body)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            CLI_ACTOR,
            "rule_set.publish",
            None,
            Some(&set.id),
            &serde_json::json!({"effective_from": set.effective_from.to_string()}),
        )
        .await?;
        changed = true;
    }
    tx.commit().await?;
    Ok((ids, changed))
}

/// The rule sets in force in this process: the devices' built-in book plus what was published,
/// as of the last [`RulesInForce::refresh`]. Shared by the request handlers and ingest.
pub struct RulesInForce(std::sync::RwLock<std::sync::Arc<RuleBook>>);

impl RulesInForce {
    /// The built-in book, until the first refresh.
    pub fn builtin() -> RulesInForce {
        RulesInForce(std::sync::RwLock::new(std::sync::Arc::new(
            RuleBook::builtin(),
        )))
    }

    /// The book in force.
    pub fn current(&self) -> std::sync::Arc<RuleBook> {
        match self.0.read() {
            Ok(book) => book.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Reloads the published rule sets; a failure keeps the book in force (and is logged).
    pub async fn refresh(&self, db: &Db) {
        let loaded = match db.pool().acquire().await {
            Ok(mut conn) => book(&mut conn).await,
            Err(e) => Err(e.into()),
        };
        match loaded {
            Ok(book) => match self.0.write() {
                Ok(mut slot) => *slot = std::sync::Arc::new(book),
                Err(poisoned) => *poisoned.into_inner() = std::sync::Arc::new(book),
            },
            Err(e) => {
                tracing::error!(error = %e, "published rule sets not loaded; keeping the book in force")
            }
        }
    }
}
