//! Incentive statements (DOMAIN.md §7, ARCHITECTURE.md §7 `admin issue-statements --month YYYY-MM`):
//! the server gathers the facts ([`super::facts`]) and the core engine
//! (`perisai_domain::incentive`) computes; this module stores what was issued and serves it.
//!
//! - [`issue`]: every agent's and every Wadah's statement of an ended month, per branch, in one
//!   transaction per branch. The first write of that transaction claims `statement_months
//!   (branch, month)`: a second run, or a second process at the same time, finds the month taken
//!   and changes nothing. A month that has not ended in the branch's time zone is refused, and so
//!   is a month after a gap (the months between must be issued first: a payment confirmed in a
//!   month never issued would otherwise never be paid). Issued statements are never updated;
//!   the engine turns later facts about issued months into adjustment lines of the next one,
//!   comparing with the issued statements this module hands it.
//! - [`provisional`]: the agent's running month as of now (never stored).
//! - [`issued_since`]: the agent's issued statements after a downsync cursor position.

use chrono::{DateTime, FixedOffset};
use perisai_domain::incentive::{
    agent_statement, wadah_statement, LineKind, Statement, StatementRequest, Status,
};
use perisai_domain::tariff::YearMonth;
use serde::Serialize;
use sqlx::AnyConnection;

use super::schemes::{self, previous};
use super::{cash, facts, time_zone};
use crate::db::{audit, col, Db};
use crate::keys::ServerKeys;
use crate::service::{Result, ServiceError, CLI_ACTOR};

/// What issuing did in one branch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BranchIssued {
    pub branch: String,
    /// `issued`, or `already_issued` (nothing changed).
    pub status: &'static str,
    pub agents: u32,
    pub wadah: u32,
    /// Sum of the agents' totals (whole rupiah).
    pub total: i64,
}

/// What `issue-statements` prints.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Issued {
    pub month: String,
    pub branches: Vec<BranchIssued>,
}

fn kind_name(kind: LineKind) -> &'static str {
    match kind {
        LineKind::Acquisition => "acquisition",
        LineKind::Contribution => "contribution",
        LineKind::Adjustment => "adjustment",
        LineKind::Management => "management",
    }
}

/// The instant `now_ms` in a time zone.
fn local(now_ms: i64, offset: FixedOffset) -> Result<DateTime<FixedOffset>> {
    DateTime::from_timestamp_millis(now_ms)
        .map(|at| at.with_timezone(&offset))
        .ok_or_else(|| ServiceError::Invalid("the clock is out of range".into()))
}

/// Issues `month` for every branch. `now_ms` is the issuing time (passed in for tests).
pub async fn issue(db: &Db, keys: &ServerKeys, month: &str, now_ms: i64) -> Result<Issued> {
    let month = YearMonth::parse(month)
        .ok_or_else(|| ServiceError::Invalid("--month must be YYYY-MM".into()))?;
    let branches: Vec<String> = sqlx::query_scalar("SELECT code FROM branches ORDER BY code")
        .fetch_all(db.pool())
        .await?;
    // Check every branch before writing anything: all or none are refused.
    {
        let mut conn = db.pool().acquire().await?;
        for branch in &branches {
            refusal(&mut conn, branch, month, now_ms).await?;
        }
    }
    {
        let mut tx = db.begin_write().await?;
        cash::reconcile(&mut tx, None, now_ms).await?;
        tx.commit().await?;
    }
    let mut issued = Issued {
        month: month.to_string(),
        branches: Vec::with_capacity(branches.len()),
    };
    for branch in &branches {
        issued
            .branches
            .push(issue_branch(db, keys, branch, month, now_ms).await?);
    }
    Ok(issued)
}

/// Why `month` cannot be issued for `branch` now, as an error; `Ok` when it can (or already was).
async fn refusal(
    conn: &mut AnyConnection,
    branch: &str,
    month: YearMonth,
    now_ms: i64,
) -> Result<()> {
    let offset = time_zone::offset_of(conn, branch).await?;
    let ends = time_zone::month_start_ms(month.next(), offset)
        .ok_or_else(|| ServiceError::Invalid("the month is out of range".into()))?;
    if now_ms < ends {
        return Err(ServiceError::Invalid(format!(
            "{month} has not ended yet in branch {branch}; statements are issued after the month"
        )));
    }
    let issued: Vec<String> =
        sqlx::query_scalar("SELECT month FROM statement_months WHERE branch = $1")
            .bind(branch)
            .fetch_all(conn)
            .await?;
    let issued: Vec<YearMonth> = issued.iter().filter_map(|m| YearMonth::parse(m)).collect();
    if issued.contains(&month) {
        return Ok(());
    }
    if let Some(latest) = issued.iter().max() {
        if *latest > month {
            return Err(ServiceError::Conflict(format!(
                "branch {branch} already issued {latest}; {month} can no longer be issued"
            )));
        }
        if *latest < previous(month) {
            return Err(ServiceError::Conflict(format!(
                "branch {branch} last issued {latest}: issue {} first",
                latest.next()
            )));
        }
    }
    Ok(())
}

async fn issue_branch(
    db: &Db,
    keys: &ServerKeys,
    branch: &str,
    month: YearMonth,
    now_ms: i64,
) -> Result<BranchIssued> {
    let mut report = BranchIssued {
        branch: branch.to_string(),
        status: "already_issued",
        agents: 0,
        wadah: 0,
        total: 0,
    };
    let mut tx = db.begin_write().await?;
    let claimed: Option<String> = sqlx::query_scalar(
        "INSERT INTO statement_months (branch, month, issued_ms) VALUES ($1, $2, $3)
         ON CONFLICT (branch, month) DO NOTHING RETURNING branch",
    )
    .bind(branch)
    .bind(month.to_string())
    .bind(crate::db::now_ms())
    .fetch_optional(&mut *tx)
    .await?;
    if claimed.is_none() {
        return Ok(report);
    }
    let offset = time_zone::offset_of(&mut tx, branch).await?;
    let as_of = local(now_ms, offset)?;
    let facts = facts::gather(&mut tx, keys, branch, None, offset).await?;
    let agents = facts::agents_of(&mut tx, branch).await?;
    for (wadah_id, wadah_agents) in facts::by_wadah(&agents) {
        let book = schemes::book_for(&mut tx, &wadah_id).await?;
        let mut statements: Vec<(String, Statement)> = Vec::with_capacity(wadah_agents.len());
        for agent_id in wadah_agents {
            let issued = issued_of(&mut tx, branch, &agent_id).await?;
            let statement = agent_statement(
                &book,
                &facts,
                &StatementRequest {
                    agent_id: &agent_id,
                    month,
                    status: Status::Confirmed,
                    as_of: &as_of,
                    issued: &issued,
                },
            )
            .map_err(|e| ServiceError::Invalid(format!("agent {agent_id}: {e}")))?;
            store(&mut tx, branch, "agent", &agent_id, &statement).await?;
            report.agents += 1;
            report.total += statement.total;
            statements.push((agent_id, statement));
        }
        let pairs: Vec<(&str, &Statement)> =
            statements.iter().map(|(a, s)| (a.as_str(), s)).collect();
        let statement = wadah_statement(&book, month, Status::Confirmed, &as_of, &pairs)
            .map_err(|e| ServiceError::Invalid(format!("Wadah {wadah_id}: {e}")))?;
        store(&mut tx, branch, "wadah", &wadah_id, &statement).await?;
        report.wadah += 1;
    }
    audit::record(
        &mut tx,
        CLI_ACTOR,
        "statements.issue",
        Some(branch),
        Some(&month.to_string()),
        &serde_json::json!({"agents": report.agents, "wadah": report.wadah, "total": report.total}),
    )
    .await?;
    tx.commit().await?;
    report.status = "issued";
    Ok(report)
}

/// Stores one issued statement with its lines. `issued_ms` is the wall clock (the downsync feed
/// settles rows by it); the issuing time the statement states is its `as_of`.
async fn store(
    conn: &mut AnyConnection,
    branch: &str,
    holder_kind: &str,
    holder_id: &str,
    statement: &Statement,
) -> Result<()> {
    let body = serde_json::to_string(statement)
        .map_err(|e| ServiceError::Invalid(format!("statement not serialisable: {e}")))?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO statements (branch, month, holder_kind, holder_id, acquisition, contribution,
             adjustments, total, body, issued_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(branch)
    .bind(statement.month.to_string())
    .bind(holder_kind)
    .bind(holder_id)
    .bind(statement.acquisition)
    .bind(statement.contribution)
    .bind(statement.adjustments)
    .bind(statement.total)
    .bind(body)
    .bind(crate::db::now_ms())
    .fetch_one(&mut *conn)
    .await?;
    for (n, line) in statement.lines.iter().enumerate() {
        sqlx::query(
            "INSERT INTO statement_lines (statement_id, line_no, kind, record_id, amount, note)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(n as i64 + 1)
        .bind(kind_name(line.kind))
        .bind(&line.record_id)
        .bind(line.amount)
        .bind(&line.note)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The agent's issued statements, oldest first.
pub async fn issued_of(
    conn: &mut AnyConnection,
    branch: &str,
    agent_id: &str,
) -> Result<Vec<Statement>> {
    let bodies: Vec<String> = sqlx::query_scalar(
        "SELECT body FROM statements
         WHERE branch = $1 AND holder_kind = 'agent' AND holder_id = $2 ORDER BY month",
    )
    .bind(branch)
    .bind(agent_id)
    .fetch_all(conn)
    .await?;
    bodies
        .iter()
        .map(|b| {
            serde_json::from_str(b)
                .map_err(|_| ServiceError::Invalid("a stored statement is damaged".into()))
        })
        .collect()
}

/// The agent's running month as of `now_ms` (provisional, not stored).
pub async fn provisional(
    conn: &mut AnyConnection,
    keys: &ServerKeys,
    branch: &str,
    agent_id: &str,
    now_ms: i64,
) -> Result<Statement> {
    let offset = time_zone::offset_of(conn, branch).await?;
    let as_of = local(now_ms, offset)?;
    let month = YearMonth::of(as_of.date_naive());
    let wadah_id: String = sqlx::query_scalar("SELECT wadah_id FROM agents WHERE id = $1")
        .bind(agent_id)
        .fetch_one(&mut *conn)
        .await?;
    let book = schemes::book_for(conn, &wadah_id).await?;
    let facts = facts::gather(conn, keys, branch, Some(agent_id), offset).await?;
    let issued = issued_of(conn, branch, agent_id).await?;
    agent_statement(
        &book,
        &facts,
        &StatementRequest {
            agent_id,
            month,
            status: Status::Provisional,
            as_of: &as_of,
            issued: &issued,
        },
    )
    .map_err(|e| ServiceError::Invalid(format!("provisional statement: {e}")))
}

/// The agent's issued statements after `from` (the `statements.id` cursor), settled ones only.
pub struct StatementPage {
    pub items: Vec<serde_json::Value>,
    pub cursor: i64,
    pub more: bool,
}

pub async fn issued_since(
    conn: &mut AnyConnection,
    branch: &str,
    agent_id: &str,
    from: i64,
    page: i64,
    cutoff_ms: i64,
) -> std::result::Result<StatementPage, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, body, issued_ms FROM statements
         WHERE branch = $1 AND holder_kind = 'agent' AND holder_id = $2 AND id > $3
         ORDER BY id LIMIT $4",
    )
    .bind(branch)
    .bind(agent_id)
    .bind(from)
    .bind(page)
    .fetch_all(conn)
    .await?;
    let settled = crate::service::feed::settled_prefix(&rows, "issued_ms", cutoff_ms)?;
    let mut result = StatementPage {
        items: Vec::new(),
        cursor: from,
        more: settled == rows.len() && rows.len() as i64 == page,
    };
    for row in &rows[..settled] {
        let body: String = col(row, "body")?;
        match serde_json::from_str(&body) {
            Ok(value) => result.items.push(value),
            Err(_) => tracing::error!("stored statement is not JSON; skipped"),
        }
        result.cursor = col(row, "id")?;
    }
    Ok(result)
}
