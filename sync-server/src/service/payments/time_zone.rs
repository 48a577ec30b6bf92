//! A branch's time zone, as a fixed UTC offset (Indonesia has no daylight saving time: WIB +7,
//! WITA +8, WIT +9). A payment belongs to the statement of the month of its confirmation in the
//! branch's time zone (DOMAIN.md §7), and a month is over for a branch when it is over there.
//!
//! [`set`] (`admin set-time-zone --branch C --utc-offset +08:00|WITA`) writes a branch's offset;
//! [`parse_offset`] and [`format_offset`] read and print the `+HH:MM` form.

use chrono::{DateTime, FixedOffset, Offset, TimeZone, Utc};
use perisai_domain::tariff::YearMonth;
use sqlx::AnyConnection;

use crate::db::{audit, col, Db};
use crate::service::{ServiceError, CLI_ACTOR};

/// WIB, the default when a branch has no row in `branch_time_zones`.
pub const WIB_MINUTES: i32 = 7 * 60;

/// The offsets `branch_time_zones` accepts (its CHECK): UTC-12:00 to UTC+14:00.
pub const MIN_MINUTES: i32 = -12 * 60;
pub const MAX_MINUTES: i32 = 14 * 60;

/// Indonesia's three zones, by the names operators use.
const NAMED: [(&str, i32); 3] = [("WIB", 7 * 60), ("WITA", 8 * 60), ("WIT", 9 * 60)];

/// Minutes east of UTC from `+HH:MM` / `-HH:MM` or `WIB`, `WITA`, `WIT` (any case), within
/// [`MIN_MINUTES`]..=[`MAX_MINUTES`].
pub fn parse_offset(text: &str) -> Result<i32, ServiceError> {
    let text = text.trim();
    if let Some((_, minutes)) = NAMED.iter().find(|(n, _)| n.eq_ignore_ascii_case(text)) {
        return Ok(*minutes);
    }
    let refused = || {
        let (min, max) = (format_offset(MIN_MINUTES), format_offset(MAX_MINUTES));
        ServiceError::Invalid(format!(
            "zona waktu harus +HH:MM antara {min} dan {max}, atau WIB, WITA, WIT / the UTC \
             offset must be +HH:MM between {min} and {max}, or WIB, WITA, WIT"
        ))
    };
    let b = text.as_bytes();
    if b.len() != 6 || b[3] != b':' {
        return Err(refused());
    }
    let sign = match b[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return Err(refused()),
    };
    let two = |d: &[u8]| -> Option<i32> {
        d.iter().try_fold(0, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + i32::from(c - b'0'))
        })
    };
    let (Some(hours), Some(minutes)) = (two(&b[1..3]), two(&b[4..6])) else {
        return Err(refused());
    };
    let total = sign * (hours * 60 + minutes);
    if minutes >= 60 || !(MIN_MINUTES..=MAX_MINUTES).contains(&total) {
        return Err(refused());
    }
    Ok(total)
}

/// `+HH:MM` (UTC itself prints as `+00:00`).
pub fn format_offset(minutes: i32) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    let abs = minutes.unsigned_abs();
    format!("{sign}{:02}:{:02}", abs / 60, abs % 60)
}

/// `admin set-time-zone`: sets the branch's offset (minutes east of UTC); returns whether
/// anything changed. Refused: an unknown branch, an offset out of range. Audited.
///
/// What reads it from then on: imports (a payment's month is that of its confirmation there),
/// statements (a month can be issued once it is over there) and the facts of each statement.
pub async fn set(db: &Db, branch: &str, minutes: i32) -> Result<bool, ServiceError> {
    if !(MIN_MINUTES..=MAX_MINUTES).contains(&minutes) {
        return Err(ServiceError::Invalid(format!(
            "zona waktu di luar jangkauan: {0} / UTC offset out of range: {0}",
            format_offset(minutes)
        )));
    }
    let mut tx = db.begin_write().await?;
    let found: Option<String> = sqlx::query_scalar("SELECT code FROM branches WHERE code = $1")
        .bind(branch)
        .fetch_optional(&mut *tx)
        .await?;
    if found.is_none() {
        return Err(ServiceError::NotFound(format!(
            "tidak ada cabang dengan kode {branch} / no branch with code {branch}"
        )));
    }
    let current: Option<i64> =
        sqlx::query_scalar("SELECT utc_offset_minutes FROM branch_time_zones WHERE branch = $1")
            .bind(branch)
            .fetch_optional(&mut *tx)
            .await?;
    if current == Some(i64::from(minutes)) {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO branch_time_zones (branch, utc_offset_minutes) VALUES ($1, $2)
         ON CONFLICT (branch) DO UPDATE SET utc_offset_minutes = excluded.utc_offset_minutes",
    )
    .bind(branch)
    .bind(i64::from(minutes))
    .execute(&mut *tx)
    .await?;
    let previous = current
        .and_then(|m| i32::try_from(m).ok())
        .map(format_offset);
    audit::record(
        &mut tx,
        CLI_ACTOR,
        "branch.set_time_zone",
        Some(branch),
        Some(branch),
        &serde_json::json!({"utc_offset": format_offset(minutes), "previous": previous}),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// The branch's offset (WIB when none is set).
pub async fn offset_of(conn: &mut AnyConnection, branch: &str) -> Result<FixedOffset, sqlx::Error> {
    let row = sqlx::query("SELECT utc_offset_minutes FROM branch_time_zones WHERE branch = $1")
        .bind(branch)
        .fetch_optional(conn)
        .await?;
    let minutes = match row {
        Some(row) => i32::try_from(col::<i64>(&row, "utc_offset_minutes")?).unwrap_or(WIB_MINUTES),
        None => WIB_MINUTES,
    };
    Ok(offset(minutes))
}

/// A fixed offset from minutes east of UTC (WIB for a value out of range).
pub fn offset(minutes: i32) -> FixedOffset {
    minutes
        .checked_mul(60)
        .and_then(FixedOffset::east_opt)
        .or_else(|| FixedOffset::east_opt(WIB_MINUTES * 60))
        .unwrap_or(Utc.fix())
}

/// The month an instant falls in, in a time zone.
pub fn month_at(ms: i64, offset: FixedOffset) -> Option<YearMonth> {
    let at = DateTime::from_timestamp_millis(ms)?.with_timezone(&offset);
    Some(YearMonth::of(at.date_naive()))
}

/// The instant a month starts in a time zone (ms since the epoch).
pub fn month_start_ms(month: YearMonth, offset: FixedOffset) -> Option<i64> {
    let midnight = month.first_day().and_hms_opt(0, 0, 0)?;
    offset
        .from_local_datetime(&midnight)
        .single()
        .map(|at| at.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payment_late_on_the_last_day_in_utc_is_next_month_in_wib() {
        // 2026-05-31 18:30 UTC is 2026-06-01 01:30 WIB.
        let ms = chrono::DateTime::parse_from_rfc3339("2026-05-31T18:30:00Z")
            .unwrap()
            .timestamp_millis();
        assert_eq!(
            month_at(ms, offset(WIB_MINUTES)).unwrap().to_string(),
            "2026-06"
        );
        assert_eq!(month_at(ms, offset(0)).unwrap().to_string(), "2026-05");
    }

    #[test]
    fn offsets_are_read_as_hh_mm_or_by_zone_name_within_the_column_range() {
        for (text, minutes) in [
            ("+07:00", 420),
            ("+08:00", 480),
            ("+09:00", 540),
            ("-03:30", -210),
            ("+05:45", 345),
            ("+00:00", 0),
            ("-00:00", 0),
            ("+14:00", 840),
            ("-12:00", -720),
            ("WIB", 420),
            ("wita", 480),
            (" WIT ", 540),
        ] {
            assert_eq!(parse_offset(text).unwrap(), minutes, "{text}");
        }
        for text in [
            "",
            "+7",
            "07:00",
            "+0700",
            "+7:00",
            "+07:0",
            "+07:60",
            "+14:30",
            "+15:00",
            "-12:30",
            "UTC+7",
            "WITB",
            "+07:00:00",
            "+0a:00",
            "\u{2212}03:00",
        ] {
            assert!(parse_offset(text).is_err(), "{text}");
        }
    }

    #[test]
    fn offsets_print_as_signed_hours_and_minutes() {
        assert_eq!(format_offset(420), "+07:00");
        assert_eq!(format_offset(-210), "-03:30");
        assert_eq!(format_offset(0), "+00:00");
        assert_eq!(format_offset(-720), "-12:00");
    }

    #[tokio::test]
    async fn a_branch_offset_is_set_once_read_back_and_audited() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&format!("sqlite:{}", dir.path().join("p.db").display()))
            .await
            .unwrap();
        crate::service::org::create_branch(&db, "KC01", "Satu", None)
            .await
            .unwrap();
        let read = |db: Db| async move {
            let mut conn = db.pool().acquire().await.unwrap();
            offset_of(&mut conn, "KC01").await.unwrap()
        };
        assert_eq!(read(db.clone()).await, offset(WIB_MINUTES));
        assert!(set(&db, "KC01", 9 * 60).await.unwrap());
        assert!(!set(&db, "KC01", 9 * 60).await.unwrap());
        assert_eq!(read(db.clone()).await, offset(9 * 60));
        assert!(set(&db, "KC01", -210).await.unwrap());
        assert_eq!(read(db.clone()).await, offset(-210));
        assert!(matches!(
            set(&db, "KC99", 480).await,
            Err(ServiceError::NotFound(_))
        ));
        assert!(matches!(
            set(&db, "KC01", 900).await,
            Err(ServiceError::Invalid(_))
        ));
        let audited: Vec<String> = sqlx::query_scalar(
            "SELECT detail FROM audit_log WHERE action = 'branch.set_time_zone' ORDER BY id",
        )
        .fetch_all(db.pool())
        .await
        .unwrap();
        assert_eq!(audited.len(), 2);
        assert!(audited[1].contains("-03:30") && audited[1].contains("+09:00"));
    }

    #[test]
    fn a_month_starts_at_local_midnight() {
        let june = YearMonth::parse("2026-06").unwrap();
        let start = month_start_ms(june, offset(WIB_MINUTES)).unwrap();
        assert_eq!(crate::db::rfc3339(start), "2026-05-31T17:00:00Z");
    }
}
