//! Single-use nonces for signed device requests, kept in the database so any server instance can
//! check what another handed out. A device holds at most [`KEEP_PER_DEVICE`] unused nonces, each
//! valid for [`VALIDITY_MS`] (devices may stay offline for weeks).

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use ring::rand::{SecureRandom, SystemRandom};
use sqlx::AnyConnection;

use super::now_ms;

pub const VALIDITY_MS: i64 = 30 * 24 * 3600 * 1000;
pub const KEEP_PER_DEVICE: i64 = 20;

/// Makes, stores and returns a fresh nonce for `device_id`, dropping its oldest ones.
pub async fn issue(conn: &mut AnyConnection, device_id: &str) -> Result<String, sqlx::Error> {
    let mut bytes = [0u8; 16];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| sqlx::Error::Protocol("random generator unavailable".into()))?;
    let nonce = B64URL.encode(bytes);
    let now = now_ms();
    sqlx::query("INSERT INTO nonces (nonce, device_id, created_ms) VALUES ($1, $2, $3)")
        .bind(&nonce)
        .bind(device_id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "DELETE FROM nonces WHERE device_id = $1 AND (created_ms < $2 OR nonce NOT IN
            (SELECT nonce FROM nonces WHERE device_id = $1 ORDER BY created_ms DESC, nonce LIMIT $3))",
    )
    .bind(device_id)
    .bind(now - VALIDITY_MS)
    .bind(KEEP_PER_DEVICE)
    .execute(&mut *conn)
    .await?;
    Ok(nonce)
}

/// Uses up `nonce` for `device_id`: true exactly once, for a nonce that was issued to this device
/// and has not expired. The DELETE is atomic, so two instances can never both accept it.
pub async fn consume(
    conn: &mut AnyConnection,
    device_id: &str,
    nonce: &str,
) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("DELETE FROM nonces WHERE nonce = $1 AND device_id = $2 AND created_ms >= $3")
            .bind(nonce)
            .bind(device_id)
            .bind(now_ms() - VALIDITY_MS)
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}
