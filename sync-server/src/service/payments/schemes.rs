//! Which incentive scheme a Wadah is paid under, month by month (DOMAIN.md §7: amounts are set in
//! each cooperation agreement, so schemes are data, effective-dated and attached to a Wadah).
//!
//! `wadah_schemes (wadah_id, effective_from, scheme_id)` says "from this month on, this scheme";
//! months before a Wadah's first row, and every month of a Wadah without rows, fall under the
//! built-in book (`SchemeBook::builtin`, the default "perisai-2022"). The engine gets one
//! [`SchemeBook`] per Wadah, built here from the library's schemes with the assigned windows.
//! [`assign`] (`admin assign-scheme`) adds a window, never for a month already issued.

use perisai_domain::incentive::{Scheme, SchemeBook};
use perisai_domain::tariff::YearMonth;
use sqlx::AnyConnection;

use crate::db::{audit, col, Db};
use crate::service::{Result, ServiceError, CLI_ACTOR};

/// The month before `m` (saturates at 0001-01).
pub fn previous(m: YearMonth) -> YearMonth {
    if m.month() == 1 {
        YearMonth::new(m.year() - 1, 12).unwrap_or(m)
    } else {
        YearMonth::new(m.year(), m.month() - 1).unwrap_or(m)
    }
}

/// The scheme book of a Wadah.
pub async fn book_for(conn: &mut AnyConnection, wadah_id: &str) -> Result<SchemeBook> {
    let rows = sqlx::query(
        "SELECT effective_from, scheme_id FROM wadah_schemes WHERE wadah_id = $1 ORDER BY effective_from",
    )
    .bind(wadah_id)
    .fetch_all(conn)
    .await?;
    let library = SchemeBook::builtin();
    if rows.is_empty() {
        return Ok(library);
    }
    let mut windows: Vec<(YearMonth, String)> = Vec::with_capacity(rows.len());
    for row in &rows {
        let from: String = col(row, "effective_from")?;
        let from = YearMonth::parse(&from)
            .ok_or_else(|| ServiceError::Invalid("a Wadah scheme month is damaged".into()))?;
        windows.push((from, col(row, "scheme_id")?));
    }
    let mut schemes: Vec<Scheme> = Vec::new();
    // Before the first assignment: the library's own schemes, cut off there.
    let first = windows[0].0;
    for scheme in library.schemes() {
        if scheme.effective_from < first {
            let mut early = scheme.clone();
            let cut = previous(first);
            early.effective_to = Some(early.effective_to.map_or(cut, |to| to.min(cut)));
            schemes.push(early);
        }
    }
    for (i, (from, id)) in windows.iter().enumerate() {
        let mut scheme = library
            .get(id)
            .cloned()
            .ok_or_else(|| ServiceError::Invalid(format!("unknown incentive scheme {id}")))?;
        scheme.id = format!("{id}@{from}");
        scheme.effective_from = *from;
        scheme.effective_to = windows.get(i + 1).map(|(next, _)| previous(*next));
        schemes.push(scheme);
    }
    SchemeBook::from_schemes(schemes)
        .map_err(|e| ServiceError::Invalid(format!("the Wadah's schemes do not fit together: {e}")))
}

/// `admin assign-scheme --wadah ID --scheme S --from YYYY-MM`: from that month on, the Wadah's
/// agents are paid under `scheme_id`, a scheme of the built-in library. Returns whether anything
/// changed: the same assignment again changes nothing (and is accepted even after its month was
/// issued). Refused: an unknown Wadah or scheme, a malformed month, and a month not after the
/// latest month issued for the Wadah's branch, since an issued statement never changes (a new
/// scheme for an issued month would turn into adjustment lines nobody earned). Audited.
pub async fn assign(db: &Db, wadah_id: &str, scheme_id: &str, from: &str) -> Result<bool> {
    let from = YearMonth::parse(from.trim()).ok_or_else(|| {
        ServiceError::Invalid("--from harus YYYY-MM / --from must be YYYY-MM".into())
    })?;
    let library = SchemeBook::builtin();
    if library.get(scheme_id).is_none() {
        let known: Vec<&str> = library.schemes().iter().map(|s| s.id.as_str()).collect();
        let known = known.join(", ");
        return Err(ServiceError::NotFound(format!(
            "skema insentif tidak dikenal: {scheme_id} (yang ada: {known}) / \
             unknown incentive scheme {scheme_id} (known: {known})"
        )));
    }
    let mut tx = db.begin_write().await?;
    let branch: Option<String> = sqlx::query_scalar("SELECT branch FROM wadah WHERE id = $1")
        .bind(wadah_id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(branch) = branch else {
        return Err(ServiceError::NotFound(format!(
            "tidak ada Wadah dengan id {wadah_id} / no Wadah with id {wadah_id}"
        )));
    };
    let current: Option<String> = sqlx::query_scalar(
        "SELECT scheme_id FROM wadah_schemes WHERE wadah_id = $1 AND effective_from = $2",
    )
    .bind(wadah_id)
    .bind(from.to_string())
    .fetch_optional(&mut *tx)
    .await?;
    if current.as_deref() == Some(scheme_id) {
        return Ok(false);
    }
    refuse_issued(&mut tx, &branch, from).await?;
    sqlx::query(
        "INSERT INTO wadah_schemes (wadah_id, effective_from, scheme_id) VALUES ($1, $2, $3)
         ON CONFLICT (wadah_id, effective_from) DO UPDATE SET scheme_id = excluded.scheme_id",
    )
    .bind(wadah_id)
    .bind(from.to_string())
    .bind(scheme_id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        CLI_ACTOR,
        "wadah.assign_scheme",
        Some(&branch),
        Some(wadah_id),
        &serde_json::json!({
            "scheme_id": scheme_id,
            "effective_from": from.to_string(),
            "replaced": current,
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Refuses `from` when the branch already issued it or a later month.
///
/// On PostgreSQL, `statements::issue` may be issuing `from` in a transaction not committed yet,
/// which this one cannot see; its schemes would then be read before this assignment. So `from`
/// is claimed the way issuing claims it, and given back at once: the claim waits for such a
/// transaction (and then finds the month issued), or makes a later one wait until this
/// assignment is committed, so the month is computed with it. (On SQLite, write transactions
/// never overlap.) The claim is deleted in this transaction, so nobody else ever sees it.
async fn refuse_issued(conn: &mut AnyConnection, branch: &str, from: YearMonth) -> Result<()> {
    let claimed: Option<String> = sqlx::query_scalar(
        "INSERT INTO statement_months (branch, month, issued_ms) VALUES ($1, $2, $3)
         ON CONFLICT (branch, month) DO NOTHING RETURNING branch",
    )
    .bind(branch)
    .bind(from.to_string())
    .bind(crate::db::now_ms())
    .fetch_optional(&mut *conn)
    .await?;
    if claimed.is_some() {
        sqlx::query("DELETE FROM statement_months WHERE branch = $1 AND month = $2")
            .bind(branch)
            .bind(from.to_string())
            .execute(&mut *conn)
            .await?;
    }
    let issued: Vec<String> =
        sqlx::query_scalar("SELECT month FROM statement_months WHERE branch = $1")
            .bind(branch)
            .fetch_all(&mut *conn)
            .await?;
    let latest = issued.iter().filter_map(|m| YearMonth::parse(m)).max();
    match latest {
        Some(latest) if latest >= from => {
            let earliest = latest.next();
            Err(ServiceError::Conflict(format!(
                "cabang {branch} sudah menerbitkan laporan insentif sampai {latest}: skema baru \
                 paling cepat berlaku {earliest} / branch {branch} already issued statements up \
                 to {latest}: a new scheme can start from {earliest} at the earliest"
            )))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn branch_with_wadah() -> (tempfile::TempDir, Db, String) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&format!("sqlite:{}", dir.path().join("p.db").display()))
            .await
            .unwrap();
        crate::service::org::create_branch(&db, "KC01", "Satu", None)
            .await
            .unwrap();
        let wadah = crate::service::org::create_wadah(&db, "KC01", "Koperasi")
            .await
            .unwrap();
        (dir, db, wadah)
    }

    async fn issued(db: &Db, month: &str) {
        sqlx::query(
            "INSERT INTO statement_months (branch, month, issued_ms) VALUES ('KC01', $1, 0)",
        )
        .bind(month)
        .execute(db.pool())
        .await
        .unwrap();
    }

    async fn rows(db: &Db) -> Vec<(String, String)> {
        let rows = sqlx::query(
            "SELECT effective_from, scheme_id FROM wadah_schemes ORDER BY effective_from",
        )
        .fetch_all(db.pool())
        .await
        .unwrap();
        rows.iter()
            .map(|r| {
                (
                    col(r, "effective_from").unwrap(),
                    col(r, "scheme_id").unwrap(),
                )
            })
            .collect()
    }

    #[tokio::test]
    async fn a_wadah_assignment_takes_over_from_its_month_and_unknown_schemes_are_refused() {
        let (_dir, db, wadah) = branch_with_wadah().await;
        let m = |s| YearMonth::parse(s).unwrap();
        let default = {
            let mut conn = db.pool().acquire().await.unwrap();
            book_for(&mut conn, &wadah).await.unwrap()
        };
        assert_eq!(default, SchemeBook::builtin());
        let unknown = assign(&db, &wadah, "skema-karangan", "2026-01").await;
        assert!(
            matches!(unknown, Err(ServiceError::NotFound(ref e)) if e.contains("perisai-2022"))
        );
        let nobody = assign(&db, "no-such-wadah", "perisai-2022", "2026-01").await;
        assert!(matches!(nobody, Err(ServiceError::NotFound(_))));
        for bad in ["2026-13", "2026-1", "Januari 2026", ""] {
            let refused = assign(&db, &wadah, "perisai-2022", bad).await;
            assert!(matches!(refused, Err(ServiceError::Invalid(_))), "{bad}");
        }
        assert!(rows(&db).await.is_empty());

        assert!(assign(&db, &wadah, "perisai-2022", "2026-01")
            .await
            .unwrap());
        let mut conn = db.pool().acquire().await.unwrap();
        let book = book_for(&mut conn, &wadah).await.unwrap();
        assert_eq!(book.in_force(m("2025-12")).unwrap().id, "perisai-2022");
        assert_eq!(
            book.in_force(m("2026-01")).unwrap().id,
            "perisai-2022@2026-01"
        );
        assert_eq!(
            book.in_force(m("2030-06")).unwrap().id,
            "perisai-2022@2026-01"
        );
    }

    #[tokio::test]
    async fn issued_months_keep_their_scheme_and_the_same_assignment_changes_nothing() {
        let (_dir, db, wadah) = branch_with_wadah().await;
        assert!(assign(&db, &wadah, "perisai-2022", "2026-03")
            .await
            .unwrap());
        issued(&db, "2026-04").await;
        issued(&db, "2026-05").await;
        // The same again: nothing changes, even though its month is issued by now.
        assert!(!assign(&db, &wadah, "perisai-2022", "2026-03")
            .await
            .unwrap());
        for month in ["2026-05", "2026-04", "2025-01"] {
            let refused = assign(&db, &wadah, "perisai-2022", month).await;
            assert!(
                matches!(refused, Err(ServiceError::Conflict(ref e)) if e.contains("2026-06")),
                "{month}: {refused:?}"
            );
        }
        assert!(assign(&db, &wadah, "perisai-2022", "2026-06")
            .await
            .unwrap());
        assert_eq!(
            rows(&db).await,
            [
                ("2026-03".to_string(), "perisai-2022".to_string()),
                ("2026-06".to_string(), "perisai-2022".to_string()),
            ]
        );
        // The check claimed and gave back 2026-06: it is still not issued.
        let months: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM statement_months")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(months, 2);
        let audited: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'wadah.assign_scheme' AND subject = $1",
        )
        .bind(&wadah)
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert_eq!(audited, 2);
    }

    #[test]
    fn the_month_before_crosses_a_year() {
        let m = |s| YearMonth::parse(s).unwrap();
        assert_eq!(previous(m("2026-01")), m("2025-12"));
        assert_eq!(previous(m("2026-07")), m("2026-06"));
    }
}
