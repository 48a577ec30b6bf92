//! National NIK claims: the first record of an NIK holds it; a later one is accepted with
//! `nik.duplicate_known` and queued for the supervisors; either way the NIK's tag joins the
//! branch's list.

use std::collections::{BTreeSet, HashMap};

use perisai_domain::protocol::messages::FieldCode;
use sqlx::AnyConnection;

use super::records::Prepared;
use crate::db::devices::Device;
use crate::db::{col, param_list, values_list, Backend, MAX_ROWS_PER_INSERT};
use crate::error::ApiError;

/// Claims the NIKs of `claimants` (indexes into `prepared`, in NIK order) nationally; a record
/// whose NIK another record holds is queued for the supervisors and gets `nik.duplicate_known`
/// (returned with its index). Either way the NIK's tag joins the branch's list.
///
/// Claims go in one multi-row `INSERT … ON CONFLICT (nik_hmac) DO NOTHING RETURNING`: the
/// unique key decides, as it would one by one. Of two claimants of one NIK within the batch
/// only the first is offered, so the first claims it and the second is its duplicate.
pub(super) async fn claim_niks(
    conn: &mut AnyConnection,
    backend: Backend,
    device: &Device,
    prepared: &[Prepared],
    claimants: &[usize],
    now: i64,
) -> Result<Vec<(usize, FieldCode)>, ApiError> {
    let claimants: Vec<(usize, &str, &str, &str)> = claimants
        .iter()
        .filter_map(|&i| {
            let p = &prepared[i];
            match (&p.id, &p.nik_hmac, &p.enrollment) {
                (Some(id), Some(nik_hmac), Some(e)) => {
                    Some((i, id.as_str(), nik_hmac.as_str(), e.nik.as_str()))
                }
                _ => None,
            }
        })
        .collect();
    if claimants.is_empty() {
        return Ok(Vec::new());
    }
    let tag_key: Vec<u8> = sqlx::query_scalar("SELECT tag_key FROM branches WHERE code = $1")
        .bind(&device.branch)
        .fetch_one(&mut *conn)
        .await?;

    let mut offered: Vec<(&str, &str)> = Vec::with_capacity(claimants.len());
    for &(_, id, nik_hmac, _) in &claimants {
        if offered.last().map(|(last, _)| *last) != Some(nik_hmac) {
            offered.push((nik_hmac, id));
        }
    }
    // The owner (branch, record) of every NIK offered here: ours when every claim took,
    // otherwise read back (what the unique key let in is what the table holds).
    let mut owners: HashMap<String, (String, String)> = HashMap::with_capacity(offered.len());
    for chunk in offered.chunks(MAX_ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO nik_claims (nik_hmac, branch, record_id, claimed_ms) VALUES {}
             ON CONFLICT (nik_hmac) DO NOTHING",
            values_list(backend, chunk.len(), 4, 0)
        );
        let mut query = sqlx::query(&sql);
        for (nik_hmac, id) in chunk {
            query = query
                .bind(*nik_hmac)
                .bind(&device.branch)
                .bind(*id)
                .bind(now);
        }
        let done = query.execute(&mut *conn).await?;
        if done.rows_affected() == chunk.len() as u64 {
            for (nik_hmac, id) in chunk {
                owners.insert(
                    nik_hmac.to_string(),
                    (device.branch.clone(), id.to_string()),
                );
            }
            continue;
        }
        let sql = format!(
            "SELECT nik_hmac, branch, record_id FROM nik_claims WHERE nik_hmac IN ({})",
            param_list(backend, chunk.len(), 0)
        );
        let mut query = sqlx::query(&sql);
        for (nik_hmac, _) in chunk {
            query = query.bind(*nik_hmac);
        }
        for row in query.fetch_all(&mut *conn).await? {
            owners.insert(
                col(&row, "nik_hmac")?,
                (col(&row, "branch")?, col(&row, "record_id")?),
            );
        }
    }

    let tags: BTreeSet<[u8; perisai_domain::protocol::downsync::NIK_TAG_LEN]> = claimants
        .iter()
        .map(|&(_, _, _, nik)| perisai_domain::protocol::downsync::nik_tag24(&tag_key, nik))
        .collect();
    let tags: Vec<_> = tags.into_iter().collect();
    for chunk in tags.chunks(MAX_ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO nik_tags (branch, tag, created_ms) VALUES {}
             ON CONFLICT (branch, tag) DO NOTHING",
            values_list(backend, chunk.len(), 3, 0)
        );
        let mut query = sqlx::query(&sql);
        for tag in chunk {
            query = query.bind(&device.branch).bind(tag.as_slice()).bind(now);
        }
        query.execute(&mut *conn).await?;
    }

    let mut duplicates: Vec<(usize, &str, &str, &(String, String))> = Vec::new();
    for &(i, id, nik_hmac, _) in &claimants {
        let owner = owners.get(nik_hmac).ok_or_else(|| {
            tracing::error!("a NIK claim that was not inserted is not stored either");
            ApiError::internal()
        })?;
        if !(owner.0 == device.branch && owner.1 == id) {
            duplicates.push((i, id, nik_hmac, owner));
        }
    }
    for chunk in duplicates.chunks(MAX_ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO duplicate_queue (branch, record_id, nik_hmac, other_branch, other_record_id, created_ms)
             VALUES {} ON CONFLICT (branch, record_id) DO NOTHING",
            values_list(backend, chunk.len(), 6, 0)
        );
        let mut query = sqlx::query(&sql);
        for (_, id, nik_hmac, (other_branch, other_record)) in chunk {
            query = query
                .bind(&device.branch)
                .bind(*id)
                .bind(*nik_hmac)
                .bind(other_branch.as_str())
                .bind(other_record.as_str())
                .bind(now);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(duplicates
        .into_iter()
        .map(|(i, ..)| {
            (
                i,
                FieldCode {
                    field: "nik".into(),
                    code: "nik.duplicate_known".into(),
                },
            )
        })
        .collect())
}
