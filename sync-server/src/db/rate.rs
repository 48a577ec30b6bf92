//! Fixed-window counters in the database (`rate_windows`), shared by every server instance: used
//! to throttle activation attempts with unknown codes per client address.

use sqlx::AnyConnection;

use super::now_ms;

/// The window that contains `now`, and the seconds until it ends (for `Retry-After`).
pub fn window(now: i64, window_ms: i64) -> (i64, u64) {
    let start = now - now.rem_euclid(window_ms);
    let left = (start + window_ms - now + 999) / 1000;
    (start, left.max(1) as u64)
}

/// The count in the current window, without changing it.
pub async fn current(
    conn: &mut AnyConnection,
    scope: &str,
    subject: &str,
    window_ms: i64,
) -> Result<i64, sqlx::Error> {
    let (start, _) = window(now_ms(), window_ms);
    let count: Option<i64> = sqlx::query_scalar(
        "SELECT count FROM rate_windows WHERE scope = $1 AND subject = $2 AND window_start_ms = $3",
    )
    .bind(scope)
    .bind(subject)
    .bind(start)
    .fetch_optional(conn)
    .await?;
    Ok(count.unwrap_or(0))
}

/// Adds one to the current window and returns the new count. Old windows of the scope are
/// cleared now and then.
pub async fn hit(
    conn: &mut AnyConnection,
    scope: &str,
    subject: &str,
    window_ms: i64,
) -> Result<i64, sqlx::Error> {
    let now = now_ms();
    let (start, _) = window(now, window_ms);
    let count: i64 = sqlx::query_scalar(
        "INSERT INTO rate_windows (scope, subject, window_start_ms, count) VALUES ($1, $2, $3, 1)
         ON CONFLICT (scope, subject, window_start_ms) DO UPDATE SET count = rate_windows.count + 1
         RETURNING count",
    )
    .bind(scope)
    .bind(subject)
    .bind(start)
    .fetch_one(&mut *conn)
    .await?;
    if count == 1 {
        sqlx::query("DELETE FROM rate_windows WHERE scope = $1 AND window_start_ms < $2")
            .bind(scope)
            .bind(start - window_ms)
            .execute(&mut *conn)
            .await?;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_align_and_retry_after_is_at_least_one_second() {
        assert_eq!(window(125_000, 60_000), (120_000, 55));
        assert_eq!(window(179_999, 60_000), (120_000, 1));
        assert_eq!(window(120_000, 60_000), (120_000, 60));
    }
}
