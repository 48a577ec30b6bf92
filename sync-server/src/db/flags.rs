//! Fraud signals for supervisors (DOMAIN.md §8): one row each in `fraud_flags`, with evidence as
//! JSON (ids, counts, dates, HMACs; never a NIK, name, phone or address). Raising the same signal
//! twice is harmless: `dedup_key` is unique per branch.

use sqlx::AnyConnection;

use super::now_ms;

/// Kinds of fraud flag (stable: the supervisors' app filters on them).
pub mod kind {
    pub const SEQ_FORK: &str = "seq.fork";
    pub const CHAIN_RESTART: &str = "chain.restart";
    pub const RECEIPT_GAP: &str = "receipt.gap";
    pub const ENROLLED_ON_RANGE: &str = "enrolled_on.range";
    pub const AGENT_RATE: &str = "agent.rate";
    pub const PHONE_REUSE: &str = "phone.reuse";
    pub const LOCATION_MISSING: &str = "location.missing";
    pub const LOCATION_OUTSIDE_AREA: &str = "location.outside_area";
    pub const REVOKED_DEVICE_BATCH: &str = "device.revoked_batch";
    /// A correction that named another agent's record as the one it corrects.
    pub const FOREIGN_SUPERSEDE: &str = "record.foreign_supersede";
}

#[derive(Clone, Debug)]
pub struct Flag {
    pub branch: String,
    pub kind: &'static str,
    pub agent_id: Option<String>,
    pub device_id: Option<String>,
    pub record_id: Option<String>,
    pub evidence: serde_json::Value,
    /// What makes this signal the same signal when it is seen again.
    pub dedup_key: String,
}

/// Stores a flag unless the same one is already there.
pub async fn raise(conn: &mut AnyConnection, flag: &Flag) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO fraud_flags (branch, kind, agent_id, device_id, record_id, evidence, dedup_key, created_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (branch, dedup_key) DO NOTHING",
    )
    .bind(&flag.branch)
    .bind(flag.kind)
    .bind(flag.agent_id.as_deref())
    .bind(flag.device_id.as_deref())
    .bind(flag.record_id.as_deref())
    .bind(flag.evidence.to_string())
    .bind(&flag.dedup_key)
    .bind(now_ms())
    .execute(conn)
    .await?;
    Ok(())
}

/// Stores several flags with one statement (those already there are skipped).
pub async fn raise_all(
    conn: &mut AnyConnection,
    backend: super::Backend,
    flags: &[Flag],
) -> Result<(), sqlx::Error> {
    const COLUMNS: usize = 8;
    for chunk in flags.chunks(super::MAX_ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO fraud_flags (branch, kind, agent_id, device_id, record_id, evidence, dedup_key, created_ms)
             VALUES {} ON CONFLICT (branch, dedup_key) DO NOTHING",
            super::values_list(backend, chunk.len(), COLUMNS, 0)
        );
        let now = now_ms();
        let mut query = sqlx::query(&sql);
        for flag in chunk {
            query = query
                .bind(&flag.branch)
                .bind(flag.kind)
                .bind(flag.agent_id.as_deref())
                .bind(flag.device_id.as_deref())
                .bind(flag.record_id.as_deref())
                .bind(flag.evidence.to_string())
                .bind(&flag.dedup_key)
                .bind(now);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}
