//! Fraud signals raised while a batch is stored (DOMAIN.md §8), in the batch's transaction:
//! per record, an `enrolled_on` outside [created − 1 day, server date + 1 day], a gap in the
//! device's receipt numbers, an enrollment without a location; per agent, more than 30
//! enrollments within one hour, and one phone number on more than 3 participants.
//! Signals are rows for supervisors; they never change what the device is told.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use sqlx::AnyConnection;

use super::records::{enrolled_on_out_of_range, Prepared};
use crate::db::col;
use crate::db::devices::Device;
use crate::db::flags::{self, kind, Flag};

/// More than this many enrollments by one agent within an hour is a signal.
pub const MAX_PER_HOUR: usize = 30;
/// More than this many participants (NIKs) of one agent sharing a phone number is a signal.
pub const MAX_PER_PHONE: i64 = 3;
const HOUR_MS: i64 = 3600 * 1000;

/// Signals of single records; returns the device's last receipt number after these records.
pub async fn record_signals(
    conn: &mut AnyConnection,
    device: &Device,
    stored: &[&Prepared],
    today: NaiveDate,
) -> Result<i64, sqlx::Error> {
    let mut last = device.last_receipt_no;
    for p in stored {
        let record_id = p.id.clone().unwrap_or_default();
        let flag = |kind: &'static str, evidence: serde_json::Value| Flag {
            branch: device.branch.clone(),
            kind,
            agent_id: Some(device.agent_id.clone()),
            device_id: Some(device.id.clone()),
            record_id: Some(record_id.clone()),
            evidence,
            dedup_key: format!("{kind}:{record_id}"),
        };
        if enrolled_on_out_of_range(p, today) {
            let evidence = serde_json::json!({
                "enrolled_on": p.enrolled_on.map(|d| d.to_string()),
                "created_on": p.created_date.map(|d| d.to_string()),
                "server_date": today.to_string(),
            });
            flags::raise(conn, &flag(kind::ENROLLED_ON_RANGE, evidence)).await?;
        }
        if let Some(receipt) = p.receipt_no {
            if receipt != last + 1 {
                let evidence = serde_json::json!({"expected": last + 1, "received": receipt});
                flags::raise(conn, &flag(kind::RECEIPT_GAP, evidence)).await?;
            }
            last = last.max(receipt);
        }
        if !p.has_location {
            flags::raise(conn, &flag(kind::LOCATION_MISSING, serde_json::json!({}))).await?;
        }
    }
    Ok(last)
}

/// Signals over the agent's records: the hourly rate and shared phone numbers.
pub async fn agent_signals(
    conn: &mut AnyConnection,
    device: &Device,
    stored: &[&Prepared],
) -> Result<(), sqlx::Error> {
    let times: Vec<i64> = stored.iter().filter_map(|p| p.created_ms).collect();
    if let (Some(&first), Some(&last)) = (times.iter().min(), times.iter().max()) {
        let rows = sqlx::query(
            "SELECT created_ms FROM enrollments
             WHERE branch = $1 AND agent_id = $2 AND created_ms >= $3 AND created_ms <= $4
               AND status <> 'rejected_at_ingest'
             ORDER BY created_ms",
        )
        .bind(&device.branch)
        .bind(&device.agent_id)
        .bind(first - HOUR_MS)
        .bind(last + HOUR_MS)
        .fetch_all(&mut *conn)
        .await?;
        let all: Vec<i64> = rows
            .iter()
            .map(|r| col::<i64>(r, "created_ms"))
            .collect::<Result<_, _>>()?;
        if let Some((start, count)) = busiest_hour(&all) {
            if count > MAX_PER_HOUR {
                let hour = start / HOUR_MS;
                flags::raise(
                    conn,
                    &Flag {
                        branch: device.branch.clone(),
                        kind: kind::AGENT_RATE,
                        agent_id: Some(device.agent_id.clone()),
                        device_id: Some(device.id.clone()),
                        record_id: None,
                        evidence: serde_json::json!({
                            "enrollments": count,
                            "window_start": crate::db::rfc3339(start),
                            "window_minutes": 60,
                        }),
                        dedup_key: format!("{}:{}:{hour}", kind::AGENT_RATE, device.agent_id),
                    },
                )
                .await?;
            }
        }
    }

    let phones: Vec<&str> = stored
        .iter()
        .filter_map(|p| p.phone_hmac.as_deref())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if phones.is_empty() {
        return Ok(());
    }
    // One query for every phone of the batch: $3.. are the phone HMACs.
    let placeholders: Vec<String> = (0..phones.len()).map(|i| format!("${}", i + 3)).collect();
    let sql = format!(
        "SELECT phone_hmac, COUNT(DISTINCT nik_hmac) AS participants FROM enrollments
         WHERE branch = $1 AND agent_id = $2 AND phone_hmac IN ({})
           AND status NOT IN ('rejected_at_ingest', 'superseded')
         GROUP BY phone_hmac",
        placeholders.join(", ")
    );
    let mut query = sqlx::query(&sql)
        .bind(&device.branch)
        .bind(&device.agent_id);
    for phone in &phones {
        query = query.bind(*phone);
    }
    let rows = query.fetch_all(&mut *conn).await?;
    for row in &rows {
        let phone: String = col(row, "phone_hmac")?;
        let participants: i64 = col(row, "participants")?;
        if participants > MAX_PER_PHONE {
            flags::raise(
                conn,
                &Flag {
                    branch: device.branch.clone(),
                    kind: kind::PHONE_REUSE,
                    agent_id: Some(device.agent_id.clone()),
                    device_id: Some(device.id.clone()),
                    record_id: None,
                    evidence: serde_json::json!({"phone_hmac": phone, "participants": participants}),
                    dedup_key: format!("{}:{}:{phone}", kind::PHONE_REUSE, device.agent_id),
                },
            )
            .await?;
        }
    }
    Ok(())
}

/// The one-hour window (by start) holding the most of `sorted` times, and how many it holds.
pub fn busiest_hour(sorted: &[i64]) -> Option<(i64, usize)> {
    let mut best: Option<(i64, usize)> = None;
    let mut lo = 0;
    for hi in 0..sorted.len() {
        while sorted[hi] - sorted[lo] >= HOUR_MS {
            lo += 1;
        }
        let count = hi - lo + 1;
        match best {
            Some((_, c)) if c >= count => {}
            _ => best = Some((sorted[lo], count)),
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_busiest_hour_is_a_sliding_window() {
        assert_eq!(busiest_hour(&[]), None);
        let minute = 60_000;
        let times: Vec<i64> = (0..31).map(|i| i * minute).collect(); // 31 within 30 minutes
        assert_eq!(busiest_hour(&times), Some((0, 31)));
        let spread: Vec<i64> = (0..31).map(|i| i * 10 * minute).collect(); // one per 10 minutes
        assert_eq!(busiest_hour(&spread).map(|(_, c)| c), Some(6));
    }
}
