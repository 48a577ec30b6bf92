//! `admin reach --device ID | --user EMAIL`: which records a device or an account could reach,
//! for a breach report within 3×24 hours (DOMAIN.md §9). Ids only, never content.
//!
//! A device reaches the records it sent (and the branch's NIK tags, which confirm nothing); a
//! supervisor reaches the branch and its sub-branches; a Wadah account its own agents' records;
//! an admin everything.

use serde_json::{json, Value};

use super::{Result, ServiceError};
use crate::db::{col, Db};

pub async fn device(db: &Db, device_id: &str) -> Result<Value> {
    let row = sqlx::query("SELECT branch, agent_id, status FROM devices WHERE id = $1")
        .bind(device_id)
        .fetch_optional(db.pool())
        .await?;
    let Some(row) = row else {
        return Err(ServiceError::NotFound(format!(
            "no device with id {device_id}"
        )));
    };
    let branch: String = col(&row, "branch")?;
    let records: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM enrollments WHERE branch = $1 AND device_id = $2 ORDER BY id",
    )
    .bind(&branch)
    .bind(device_id)
    .fetch_all(db.pool())
    .await?;
    let quarantined: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM quarantine WHERE branch = $1 AND device_id = $2")
            .bind(&branch)
            .bind(device_id)
            .fetch_one(db.pool())
            .await?;
    let tags: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM nik_tags WHERE branch = $1")
        .bind(&branch)
        .fetch_one(db.pool())
        .await?;
    Ok(json!({
        "device_id": device_id,
        "branch": branch,
        "agent_id": col::<String>(&row, "agent_id")?,
        "status": col::<String>(&row, "status")?,
        "record_count": records.len(),
        "records": records,
        "quarantined_batches": quarantined,
        "branch_nik_tags": tags,
    }))
}

pub async fn user(db: &Db, email: &str) -> Result<Value> {
    let email = email.trim().to_lowercase();
    let row = sqlx::query("SELECT id, role, branch, wadah_id FROM users WHERE email = $1")
        .bind(&email)
        .fetch_optional(db.pool())
        .await?;
    let Some(row) = row else {
        return Err(ServiceError::NotFound("no account with this email".into()));
    };
    let role: String = col(&row, "role")?;
    let branch: Option<String> = col(&row, "branch")?;
    let wadah: Option<String> = col(&row, "wadah_id")?;
    let (scope, records): (Value, Vec<String>) = match role.as_str() {
        "admin" => (
            json!({"all_branches": true}),
            sqlx::query_scalar("SELECT id FROM enrollments ORDER BY branch, id")
                .fetch_all(db.pool())
                .await?,
        ),
        "supervisor" => {
            let branch = branch.unwrap_or_default();
            (
                json!({"branch": branch, "with_sub_branches": true}),
                sqlx::query_scalar(
                    "SELECT id FROM enrollments WHERE branch = $1
                        OR branch IN (SELECT code FROM branches WHERE parent_code = $1)
                     ORDER BY branch, id",
                )
                .bind(&branch)
                .fetch_all(db.pool())
                .await?,
            )
        }
        _ => {
            let wadah = wadah.unwrap_or_default();
            (
                json!({"wadah_id": wadah}),
                sqlx::query_scalar(
                    "SELECT e.id FROM enrollments e JOIN agents a ON a.id = e.agent_id
                     WHERE a.wadah_id = $1 ORDER BY e.id",
                )
                .bind(&wadah)
                .fetch_all(db.pool())
                .await?,
            )
        }
    };
    Ok(json!({
        "user_id": col::<String>(&row, "id")?,
        "role": role,
        "scope": scope,
        "record_count": records.len(),
        "records": records,
    }))
}
