//! The audit log: who did what to which subject (exports, decisions, revocations, activations).
//! `detail` is JSON without personal data: ids, counts, codes.

use sqlx::AnyConnection;

use super::now_ms;

/// Appends one entry.
pub async fn record(
    conn: &mut AnyConnection,
    actor: &str,
    action: &str,
    branch: Option<&str>,
    subject: Option<&str>,
    detail: &serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (at_ms, actor, action, branch, subject, detail) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(now_ms())
    .bind(actor)
    .bind(action)
    .bind(branch)
    .bind(subject)
    .bind(detail.to_string())
    .execute(conn)
    .await?;
    Ok(())
}
