//! Fraud signals raised while a batch is stored (DOMAIN.md §8), in the batch's transaction:
//! per record, an `enrolled_on` outside [created − 1 day, server date + 1 day], a gap in the
//! device's receipt numbers, an enrollment without a location; per agent, more than 30
//! enrollments within one hour, one phone number on more than 3 participants, and enrollments more
//! than 50 km beyond the agent's assigned area.
//! Signals are rows for supervisors; they never change what the device is told.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use sqlx::AnyConnection;

use super::records::{enrolled_on_out_of_range, Prepared};
use crate::db::col;
use crate::db::devices::Device;
use crate::db::flags::{kind, Flag};

/// More than this many enrollments by one agent within an hour is a signal.
pub const MAX_PER_HOUR: i64 = 30;
/// More than this many participants (NIKs) of one agent sharing a phone number is a signal.
pub const MAX_PER_PHONE: i64 = 3;
const HOUR_MS: i64 = 3600 * 1000;

/// The agent's busiest hour from one of its enrollments (`agent_signals`). The frame's bound is
/// a literal (SQLite wants a constant there): the last millisecond of the hour.
const BUSIEST_HOUR_SQL: &str = "SELECT start, n FROM (
         SELECT created_ms AS start,
                COUNT(*) OVER (ORDER BY created_ms
                               RANGE BETWEEN CURRENT ROW AND 3599999 FOLLOWING) AS n
         FROM enrollments
         WHERE branch = $1 AND agent_id = $2 AND created_ms >= $3 AND created_ms < $4
           AND status <> 'rejected_at_ingest'
     ) AS windows
     WHERE start <= $5
     ORDER BY n DESC, start
     LIMIT 1";
const _: () = assert!(
    HOUR_MS - 1 == 3_599_999,
    "BUSIEST_HOUR_SQL's frame is one hour"
);

/// Signals of single records (no database work: the caller stores them with the agent's
/// signals); returns them and the device's last receipt number after these records.
///
/// `stored` are the new accepted enrollments; `receipts` the receipt numbers (with record ids)
/// of every new record of the batch whatever its outcome (rejected records and tombstones of
/// withdrawn ones use numbers too), so that only a number really missing counts as a gap.
pub fn record_signals(
    device: &Device,
    stored: &[&Prepared],
    mut receipts: Vec<(i64, String)>,
    today: NaiveDate,
) -> (i64, Vec<Flag>) {
    let mut last = device.last_receipt_no;
    let mut raised = Vec::new();
    receipts.sort();
    for (receipt, record_id) in receipts {
        if receipt != last + 1 {
            raised.push(Flag {
                branch: device.branch.clone(),
                kind: kind::RECEIPT_GAP,
                agent_id: Some(device.agent_id.clone()),
                device_id: Some(device.id.clone()),
                record_id: Some(record_id.clone()),
                evidence: serde_json::json!({"expected": last + 1, "received": receipt}),
                dedup_key: format!("{}:{record_id}", kind::RECEIPT_GAP),
            });
        }
        last = last.max(receipt);
    }
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
            raised.push(flag(kind::ENROLLED_ON_RANGE, evidence));
        }
        if !p.has_location {
            raised.push(flag(kind::LOCATION_MISSING, serde_json::json!({})));
        }
    }
    (last, raised)
}

/// How far outside the agent's assigned area an enrollment may be before it is a signal.
pub const MAX_OUTSIDE_AREA_M: f64 = 50_000.0;

/// Great-circle distance in metres between two points given in degrees (haversine).
pub fn distance_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    const EARTH_RADIUS_M: f64 = 6_371_000.0;
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
}

/// Enrollments more than 50 km beyond the agent's assigned area (a centre and a radius set by
/// the supervisor). The evidence is the distance in whole kilometres, never the location.
async fn outside_area(
    conn: &mut AnyConnection,
    device: &Device,
    stored: &[&Prepared],
    raised: &mut Vec<Flag>,
) -> Result<(), sqlx::Error> {
    let located: Vec<(&Prepared, f64, f64)> = stored
        .iter()
        .filter_map(|p| {
            let at = p.enrollment.as_ref()?.location.as_ref()?;
            Some((*p, at.lat, at.lon))
        })
        .collect();
    if located.is_empty() {
        return Ok(());
    }
    let Some(area) =
        sqlx::query("SELECT lat_e6, lon_e6, radius_m FROM agent_areas WHERE agent_id = $1")
            .bind(&device.agent_id)
            .fetch_optional(&mut *conn)
            .await?
    else {
        return Ok(());
    };
    let centre_lat = col::<i64>(&area, "lat_e6")? as f64 / 1e6;
    let centre_lon = col::<i64>(&area, "lon_e6")? as f64 / 1e6;
    let radius_m = col::<i64>(&area, "radius_m")? as f64;
    for (p, lat, lon) in located {
        let distance = distance_m(centre_lat, centre_lon, lat, lon);
        if distance > radius_m + MAX_OUTSIDE_AREA_M {
            let record_id = p.id.clone().unwrap_or_default();
            raised.push(Flag {
                branch: device.branch.clone(),
                kind: kind::LOCATION_OUTSIDE_AREA,
                agent_id: Some(device.agent_id.clone()),
                device_id: Some(device.id.clone()),
                record_id: Some(record_id.clone()),
                evidence: serde_json::json!({
                    "distance_km": (distance / 1000.0).round() as i64,
                    "area_radius_km": (radius_m / 1000.0).round() as i64,
                }),
                dedup_key: format!("{}:{record_id}", kind::LOCATION_OUTSIDE_AREA),
            });
        }
    }
    Ok(())
}

/// Signals over the agent's records: the hourly rate and shared phone numbers (added to
/// `raised`; the caller stores them).
pub async fn agent_signals(
    conn: &mut AnyConnection,
    device: &Device,
    stored: &[&Prepared],
    raised: &mut Vec<Flag>,
) -> Result<(), sqlx::Error> {
    let times: Vec<i64> = stored.iter().filter_map(|p| p.created_ms).collect();
    if let (Some(&first), Some(&last)) = (times.iter().min(), times.iter().max()) {
        // The busiest one-hour window [start, start + 1 h) starting at one of the agent's
        // enrollments from an hour before this batch's first to its last, counted in the
        // database (one row comes back, not every enrollment time). One pass of a window
        // function over the agent's rows from `first - 1 h` to `last + 1 h` (index
        // `enrollments_agent_time`): a correlated count per row was quadratic in the agent's
        // recent rows, which under load (an agent's 280 rows in the hour) made it the writer's
        // largest cost. Integer milliseconds: `< start + 1 h` is `<= start + 1 h - 1`, and
        // RANGE counts every row whose time ties with the current one.
        let busiest = sqlx::query(BUSIEST_HOUR_SQL)
            .bind(&device.branch)
            .bind(&device.agent_id)
            .bind(first - HOUR_MS)
            .bind(last + HOUR_MS)
            .bind(last)
            .fetch_optional(&mut *conn)
            .await?;
        if let Some(row) = busiest {
            let start: i64 = col(&row, "start")?;
            let count: i64 = col(&row, "n")?;
            if count > MAX_PER_HOUR {
                let hour = start / HOUR_MS;
                raised.push(Flag {
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
                });
            }
        }
    }

    outside_area(conn, device, stored, raised).await?;

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
         GROUP BY phone_hmac HAVING COUNT(DISTINCT nik_hmac) > {MAX_PER_PHONE}",
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
            raised.push(Flag {
                branch: device.branch.clone(),
                kind: kind::PHONE_REUSE,
                agent_id: Some(device.agent_id.clone()),
                device_id: Some(device.id.clone()),
                record_id: None,
                evidence: serde_json::json!({"phone_hmac": phone, "participants": participants}),
                dedup_key: format!("{}:{}:{phone}", kind::PHONE_REUSE, device.agent_id),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_are_great_circle_metres() {
        // Bogor to Jakarta (Monas): about 47 km as the crow flies.
        let d = distance_m(-6.5971, 106.806, -6.1754, 106.8272);
        assert!((42_000.0..52_000.0).contains(&d), "{d}");
        assert_eq!(distance_m(-6.5, 106.8, -6.5, 106.8), 0.0);
    }
}
