//! Supervisors' decisions on records (DOMAIN.md §8): `received` → `approved` | `rejected` (with
//! a reason) | `has_issues` (with a comment). A decision can be reversed, with a reason; every
//! decision is in the audit log and reaches the agent's device at its next downsync.
//! Rejecting a record releases its NIK claim. Approving a record issues its payment code (kode
//! iuran, `payments::code`) in the same transaction, once: a reversed and re-approved record keeps
//! its code, and no code ever passes to another record. The code is in neither the log nor the
//! audit log (the audit entry says whether one was issued).

use perisai_domain::seal::Purpose;

use super::{Result, ServiceError, CLI_ACTOR};
use crate::db::{audit, col, now_ms, Db};
use crate::keys::ServerKeys;

pub use perisai_domain::protocol::downsync::Decision;

/// Records a decision; returns the decision's id.
pub async fn decide(
    db: &Db,
    keys: &ServerKeys,
    record_id: &str,
    decision: &str,
    reason: Option<&str>,
    branch: Option<&str>,
    actor: &str,
) -> Result<String> {
    let Some(kind) = Decision::parse(decision) else {
        return Err(ServiceError::Invalid(
            "decision must be approved, rejected or has_issues".into(),
        ));
    };
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if kind.needs_reason() && reason.is_none() {
        return Err(ServiceError::Invalid(format!(
            "a {decision} decision needs --reason"
        )));
    }
    if reason.is_some_and(|r| r.chars().count() > 1000) {
        return Err(ServiceError::Invalid(
            "the reason is longer than 1000 characters".into(),
        ));
    }
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let row = &super::one_record(
        &mut tx,
        record_id,
        branch,
        "branch, agent_id, status, nik_hmac",
    )
    .await?;
    let branch: String = col(row, "branch")?;
    let agent_id: String = col(row, "agent_id")?;
    let status: String = col(row, "status")?;
    let nik_hmac: Option<String> = col(row, "nik_hmac")?;
    match status.as_str() {
        "rejected_at_ingest" | "superseded" => {
            return Err(ServiceError::Conflict(format!(
                "the record is {status} and cannot be decided"
            )))
        }
        "received" => {}
        previous if previous == decision => {
            return Err(ServiceError::Conflict(format!(
                "the record is already {decision}"
            )))
        }
        _ if reason.is_none() => {
            return Err(ServiceError::Invalid(
                "reversing a decision needs --reason".into(),
            ))
        }
        _ => {}
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO decisions (branch, record_id, agent_id, decision, decided_by, decided_ms)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(&branch)
    .bind(record_id)
    .bind(&agent_id)
    .bind(decision)
    .bind(actor)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    if let Some(reason) = reason {
        let sealed = keys.seal(Purpose::Note, &format!("decision/{id}"), reason.as_bytes())?;
        sqlx::query("UPDATE decisions SET reason = $1 WHERE id = $2")
            .bind(sealed)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("UPDATE enrollments SET status = $1 WHERE branch = $2 AND id = $3")
        .bind(decision)
        .bind(&branch)
        .bind(record_id)
        .execute(&mut *tx)
        .await?;
    let payment_code_issued = if decision == "approved" {
        let had = crate::service::payments::code::of_record(&mut tx, &branch, record_id).await?;
        crate::service::payments::code::issue(
            &mut tx,
            &branch,
            record_id,
            &agent_id,
            nik_hmac.as_deref(),
            now,
        )
        .await?;
        had.is_none()
    } else {
        false
    };
    if decision == "rejected" {
        sqlx::query("DELETE FROM nik_claims WHERE branch = $1 AND record_id = $2")
            .bind(&branch)
            .bind(record_id)
            .execute(&mut *tx)
            .await?;
    }
    audit::record(
        &mut tx,
        actor,
        "record.decide",
        Some(&branch),
        Some(record_id),
        &serde_json::json!({
            "decision": decision,
            "previous": status,
            "decision_id": id,
            "payment_code_issued": payment_code_issued,
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(id.to_string())
}

/// Decides as the operator CLI.
pub async fn decide_from_cli(
    db: &Db,
    keys: &ServerKeys,
    record_id: &str,
    decision: &str,
    reason: Option<&str>,
    branch: Option<&str>,
) -> Result<String> {
    decide(db, keys, record_id, decision, reason, branch, CLI_ACTOR).await
}
