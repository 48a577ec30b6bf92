//! Fixed-window counters in the database (`rate_windows`), shared by every server instance: used
//! to throttle activation attempts with unknown codes per client address, and sign-in tries
//! (`web::sign_in_guard`). A try is counted before its work ([`hit`] returns the new count,
//! atomically), so concurrent tries cannot all see a count below the limit; a try that turns
//! out not to count (a known code, a right password) gives its one back ([`give_back`]).

use sqlx::AnyConnection;

use super::now_ms;

/// The window that contains `now`, and the seconds until it ends (for `Retry-After`).
pub fn window(now: i64, window_ms: i64) -> (i64, u64) {
    let start = now - now.rem_euclid(window_ms);
    let left = (start + window_ms - now + 999) / 1000;
    (start, left.max(1) as u64)
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

/// Takes one back from the current window (never below zero): for a try counted by [`hit`]
/// that turned out not to count.
pub async fn give_back(
    conn: &mut AnyConnection,
    scope: &str,
    subject: &str,
    window_ms: i64,
) -> Result<(), sqlx::Error> {
    let (start, _) = window(now_ms(), window_ms);
    sqlx::query(
        "UPDATE rate_windows SET count = count - 1
         WHERE scope = $1 AND subject = $2 AND window_start_ms = $3 AND count > 0",
    )
    .bind(scope)
    .bind(subject)
    .bind(start)
    .execute(conn)
    .await?;
    Ok(())
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
