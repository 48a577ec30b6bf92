//! What the server holds for the demo branch, read from the database (not from the devices'
//! reports): enrollments stored, batches, fraud flags by kind, and the open duplicate queue.
//! Printed every ten seconds and once at the end.

use std::fmt;

use perisai_server::db::{col, Db};
use perisai_sim::console::counted;

/// Counts for one branch, straight from the tables.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerSummary {
    /// Enrollments stored (every status except `rejected_at_ingest`).
    pub enrollments: i64,
    /// Records the server refused at ingest.
    pub rejected: i64,
    pub batches: i64,
    /// Fraud flags by kind, in kind order.
    pub flags: Vec<(String, i64)>,
    /// Records waiting in the supervisors' duplicate queue.
    pub duplicates_open: i64,
}

impl ServerSummary {
    pub async fn read(db: &Db, branch: &str) -> Result<ServerSummary, sqlx::Error> {
        let count = |sql: &'static str| async move {
            sqlx::query_scalar::<_, i64>(sql)
                .bind(branch)
                .fetch_one(db.pool())
                .await
        };
        let enrollments = count(
            "SELECT COUNT(*) FROM enrollments WHERE branch = $1 AND status <> 'rejected_at_ingest'",
        )
        .await?;
        let rejected = count(
            "SELECT COUNT(*) FROM enrollments WHERE branch = $1 AND status = 'rejected_at_ingest'",
        )
        .await?;
        let batches = count("SELECT COUNT(*) FROM batches WHERE branch = $1").await?;
        let duplicates_open =
            count("SELECT COUNT(*) FROM duplicate_queue WHERE branch = $1 AND resolved_ms IS NULL")
                .await?;
        let rows = sqlx::query(
            "SELECT kind, COUNT(*) AS n FROM fraud_flags WHERE branch = $1 GROUP BY kind ORDER BY kind",
        )
        .bind(branch)
        .fetch_all(db.pool())
        .await?;
        let flags = rows
            .iter()
            .map(|row| Ok((col::<String>(row, "kind")?, col::<i64>(row, "n")?)))
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        Ok(ServerSummary {
            enrollments,
            rejected,
            batches,
            flags,
            duplicates_open,
        })
    }

    pub fn flag_count(&self) -> i64 {
        self.flags.iter().map(|(_, n)| n).sum()
    }
}

impl fmt::Display for ServerSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kinds = if self.flags.is_empty() {
            String::new()
        } else {
            let list: Vec<String> = self.flags.iter().map(|(k, n)| format!("{k} {n}")).collect();
            format!(" ({})", list.join(", "))
        };
        write!(
            f,
            "server: {e} pendaftaran tersimpan, {b} batch, {fl} tanda fraud, {d} duplikat dalam antrean / \
             {es} stored, {bs}, {fls}{kinds}, {ds} in queue",
            e = self.enrollments,
            b = self.batches,
            fl = self.flag_count(),
            d = self.duplicates_open,
            es = counted(self.enrollments, "enrollment"),
            bs = counted(self.batches, "batch"),
            fls = counted(self.flag_count(), "fraud flag"),
            ds = counted(self.duplicates_open, "duplicate"),
        )?;
        if self.rejected > 0 {
            write!(
                f,
                ", {} ditolak saat diterima / rejected at ingest",
                self.rejected
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_reads_in_both_languages_with_english_plurals() {
        let summary = ServerSummary {
            enrollments: 1,
            rejected: 0,
            batches: 2,
            flags: vec![("chain.restart".into(), 1), ("location.missing".into(), 2)],
            duplicates_open: 1,
        };
        assert_eq!(
            summary.to_string(),
            "server: 1 pendaftaran tersimpan, 2 batch, 3 tanda fraud, 1 duplikat dalam antrean / \
             1 enrollment stored, 2 batches, 3 fraud flags (chain.restart 1, location.missing 2), \
             1 duplicate in queue"
        );
    }
}
