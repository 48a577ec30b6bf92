//! Who may send: activation codes, revoking a device, suspending and dismissing an agent.

use perisai_domain::protocol::activation_code;
use sqlx::AnyConnection;

use super::{Result, ServiceError, CLI_ACTOR};
use crate::db::{audit, col, now_ms, Db};
use crate::keys::ServerKeys;

/// A freshly issued code, for printing. `code` is in its grouped display form.
#[derive(Debug, Clone)]
pub struct IssuedCode {
    pub code: String,
    pub agent_id: String,
    pub branch: String,
    pub expires_ms: i64,
}

/// Issues a one-time activation code for an active agent. Only its HMAC is stored.
pub async fn issue_code(
    db: &Db,
    keys: &ServerKeys,
    agent_id: &str,
    validity: std::time::Duration,
) -> Result<IssuedCode> {
    let code = activation_code::generate().map_err(|e| ServiceError::Io(e.to_string()))?;
    let now = now_ms();
    let expires_ms = now + validity.as_millis() as i64;
    let mut tx = db.begin_write().await?;
    let row = sqlx::query("SELECT branch, status FROM agents WHERE id = $1")
        .bind(agent_id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(row) = row else {
        return Err(ServiceError::NotFound(format!(
            "no agent with id {agent_id}"
        )));
    };
    let branch: String = col(&row, "branch")?;
    let status: String = col(&row, "status")?;
    if status != "active" {
        return Err(ServiceError::Conflict(format!(
            "agent is {status}; no code issued"
        )));
    }
    sqlx::query(
        "INSERT INTO activation_codes (code_hash, agent_id, branch, created_ms, expires_ms, failed_tries)
         VALUES ($1, $2, $3, $4, $5, 0)",
    )
    .bind(keys.code_hash(&code))
    .bind(agent_id)
    .bind(&branch)
    .bind(now)
    .bind(expires_ms)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        CLI_ACTOR,
        "code.issue",
        Some(&branch),
        Some(agent_id),
        &serde_json::json!({"expires_ms": expires_ms}),
    )
    .await?;
    tx.commit().await?;
    Ok(IssuedCode {
        code: activation_code::display(&code),
        agent_id: agent_id.to_string(),
        branch,
        expires_ms,
    })
}

/// Revokes a device: its next request gets 403 `device.revoked` with a signed wipe command, and
/// what it still sends is quarantined.
pub async fn revoke_device(db: &Db, device_id: &str) -> Result<String> {
    let mut tx = db.begin_write().await?;
    let branch: Option<String> = sqlx::query_scalar("SELECT branch FROM devices WHERE id = $1")
        .bind(device_id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(branch) = branch else {
        return Err(ServiceError::NotFound(format!(
            "no device with id {device_id}"
        )));
    };
    revoke(&mut tx, &branch, device_id).await?;
    audit::record(
        &mut tx,
        CLI_ACTOR,
        "device.revoke",
        Some(&branch),
        Some(device_id),
        &serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(device_id.to_string())
}

async fn revoke(conn: &mut AnyConnection, branch: &str, device_id: &str) -> Result<()> {
    let now = now_ms();
    sqlx::query(
        "UPDATE devices SET status = 'revoked', status_changed_ms = $1 WHERE id = $2 AND status <> 'revoked'",
    )
    .bind(now)
    .bind(device_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("INSERT INTO device_commands (branch, device_id, kind, created_ms) VALUES ($1, $2, 'wipe', $3)")
        .bind(branch)
        .bind(device_id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Suspends an agent: no new activation; the agent's devices are told at their next downsync
/// (`agent.suspended`) and may still send what they hold.
pub async fn suspend_agent(db: &Db, agent_id: &str) -> Result<String> {
    set_agent_status(db, agent_id, "suspended").await
}

/// Dismisses an agent (fraud): all the agent's devices are revoked and told to wipe.
pub async fn dismiss_agent(db: &Db, agent_id: &str) -> Result<String> {
    set_agent_status(db, agent_id, "dismissed").await
}

async fn set_agent_status(db: &Db, agent_id: &str, status: &str) -> Result<String> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let branch: Option<String> = sqlx::query_scalar("SELECT branch FROM agents WHERE id = $1")
        .bind(agent_id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(branch) = branch else {
        return Err(ServiceError::NotFound(format!(
            "no agent with id {agent_id}"
        )));
    };
    sqlx::query("UPDATE agents SET status = $1, status_changed_ms = $2 WHERE id = $3")
        .bind(status)
        .bind(now)
        .bind(agent_id)
        .execute(&mut *tx)
        .await?;
    let devices: Vec<String> =
        sqlx::query_scalar("SELECT id FROM devices WHERE agent_id = $1 AND status = 'active'")
            .bind(agent_id)
            .fetch_all(&mut *tx)
            .await?;
    for device in &devices {
        if status == "dismissed" {
            revoke(&mut tx, &branch, device).await?;
        } else {
            sqlx::query(
                "INSERT INTO device_commands (branch, device_id, kind, created_ms) VALUES ($1, $2, 'agent.suspended', $3)",
            )
            .bind(&branch)
            .bind(device)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
    }
    // Unused codes of the agent stop working.
    sqlx::query("UPDATE activation_codes SET expires_ms = $1 WHERE agent_id = $2 AND used_ms IS NULL AND expires_ms > $1")
        .bind(now)
        .bind(agent_id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        CLI_ACTOR,
        &format!("agent.{status}"),
        Some(&branch),
        Some(agent_id),
        &serde_json::json!({"devices": devices.len()}),
    )
    .await?;
    tx.commit().await?;
    Ok(agent_id.to_string())
}
