//! After a run: what the database holds, read straight from it (not through the server that
//! was measured), so that "acknowledged" can be checked against "stored" record by record.

use std::collections::{BTreeMap, HashSet};

use sqlx::{Connection, Row};

use crate::error::E2eError;
use crate::server::Deployment;

/// The load branch's stored enrollments and batches.
#[derive(Debug, Default)]
pub struct Stored {
    pub record_ids: HashSet<String>,
    /// Stored enrollments by status (`received` for a record that went through every check).
    pub by_status: BTreeMap<String, u64>,
    pub batches: u64,
    /// National NIK claims held by the branch's records (one per distinct NIK).
    pub nik_claims: u64,
}

/// Reads what `branch` holds in the deployment's database.
pub async fn stored(deployment: &Deployment, branch: &str) -> Result<Stored, E2eError> {
    const RECORDS: &str = "SELECT id, status FROM enrollments WHERE branch = $1";
    const BATCHES: &str = "SELECT COUNT(*) FROM batches WHERE branch = $1";
    const CLAIMS: &str = "SELECT COUNT(*) FROM nik_claims WHERE branch = $1";
    // One connection through sqlx's `Any` driver: the same queries on either backend.
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(deployment.database_url()).await?;
    let rows: Vec<(String, String)> = sqlx::query(RECORDS)
        .bind(branch)
        .fetch_all(&mut conn)
        .await?
        .iter()
        .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
        .collect();
    let batches: i64 = sqlx::query_scalar(BATCHES)
        .bind(branch)
        .fetch_one(&mut conn)
        .await?;
    let nik_claims: i64 = sqlx::query_scalar(CLAIMS)
        .bind(branch)
        .fetch_one(&mut conn)
        .await?;
    let _ = conn.close().await;
    let mut stored = Stored {
        batches: batches as u64,
        nik_claims: nik_claims as u64,
        ..Stored::default()
    };
    for (id, status) in rows {
        *stored.by_status.entry(status).or_default() += 1;
        stored.record_ids.insert(id);
    }
    Ok(stored)
}

/// How the stored records compare with the acknowledged ones.
#[derive(Debug, PartialEq, Eq)]
pub struct Comparison {
    pub acknowledged: usize,
    pub stored: usize,
    /// Acknowledged but not in the database: lost.
    pub missing: usize,
    /// In the database but never acknowledged.
    pub unacknowledged: usize,
}

impl Comparison {
    pub fn of(acknowledged: &HashSet<String>, stored: &HashSet<String>) -> Comparison {
        Comparison {
            acknowledged: acknowledged.len(),
            stored: stored.len(),
            missing: acknowledged.difference(stored).count(),
            unacknowledged: stored.difference(acknowledged).count(),
        }
    }

    /// Every acknowledged record stored, and nothing else.
    pub fn exact(&self) -> bool {
        self.missing == 0 && self.unacknowledged == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ids: &[&str]) -> HashSet<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_comparison_names_lost_and_unacknowledged_records() {
        let same = Comparison::of(&set(&["a", "b"]), &set(&["b", "a"]));
        assert!(same.exact());
        let off = Comparison::of(&set(&["a", "b", "c"]), &set(&["b", "c", "d", "e"]));
        assert_eq!((off.missing, off.unacknowledged), (1, 2));
        assert!(!off.exact());
    }
}
