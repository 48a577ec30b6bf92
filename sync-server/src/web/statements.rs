//! Agents' commission statements (DOMAIN.md §7) for supervisors, admins and Wadah accounts:
//!
//! - `GET /statements?month=YYYY-MM`: the issued statements of a month within the account's
//!   scope, one row per agent (acquisition, contribution, adjustments, total) and one per Wadah
//!   (its management share), with totals and links to the months before and after. Without
//!   `month`: the latest month issued within the scope, else the running month.
//! - `GET /statements/{agent_id}?month=YYYY-MM`: one agent's statement and its lines. An issued
//!   month shows what was issued (it never changes); the running month (in the branch's time
//!   zone) shows the provisional estimate `payments::statements::provisional` computes now,
//!   labelled with its date.
//!
//! The list never computes provisional statements: each one opens every sealed record of the
//! agent, too much for a whole branch on one page load, so for the running month the list links
//! to each agent's page instead, and says so. Everything is read through the account's scope: an
//! agent outside it answers 404.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use perisai_domain::incentive::Statement;
use perisai_domain::tariff::YearMonth;
use serde::Deserialize;

use super::i18n::{self, Lang};
use super::review::path_part;
use super::scope::{Scope, Sql};
use super::session::User;
use super::{render, Page, WebError};
use crate::db::{col, now_ms};
use crate::service::payments::schemes::previous;
use crate::service::payments::{statements, time_zone};
use crate::state::AppState;

/// Most agent rows the list shows (the totals still cover every agent).
pub const LIST_LIMIT: i64 = 1000;

#[derive(Deserialize, Default)]
pub struct MonthQuery {
    month: Option<String>,
}

/// One agent's statement in the list.
pub struct AgentRow {
    pub url: String,
    pub name: String,
    pub wadah: String,
    pub branch: String,
    pub acquisition: String,
    pub contribution: String,
    pub adjustments: String,
    pub total: String,
    pub status: String,
}

/// One Wadah's management share in the list.
pub struct WadahRow {
    pub name: String,
    pub branch: String,
    pub share: String,
}

/// An agent of the scope, for the running month's links.
pub struct AgentLink {
    pub url: String,
    pub name: String,
    pub wadah: String,
    pub branch: String,
}

/// The sums under the agents' table.
pub struct Totals {
    pub acquisition: String,
    pub contribution: String,
    pub adjustments: String,
    pub total: String,
    pub wadah: String,
}

#[derive(Template)]
#[template(path = "statements.html")]
struct StatementsPage {
    page: Page,
    month: String,
    prev_url: String,
    next_url: Option<String>,
    /// Whether any statement of the month is issued within the scope.
    issued: bool,
    /// Whether the month is the running month (no statement can be issued yet).
    running: bool,
    rows: Vec<AgentRow>,
    wadah_rows: Vec<WadahRow>,
    totals: Totals,
    /// How many agents have a statement, when more than the list shows.
    truncated: Option<i64>,
    running_agents: Vec<AgentLink>,
}

/// The running month in WIB (the list's notion; an agent's page uses its branch's time zone).
fn running_month_wib() -> YearMonth {
    YearMonth::of(i18n::today())
}

fn month_url(base: &str, month: YearMonth) -> String {
    format!("{base}?month={month}")
}

/// Appends "this Wadah statement is in scope" for `statements s` rows of `holder_kind = 'wadah'`.
fn wadah_filter(scope: &Scope, q: &mut Sql) {
    match scope {
        Scope::Wadah { branch, wadah_id } => {
            q.push("s.branch = ")
                .bind(branch.clone())
                .push(" AND s.holder_id = ")
                .bind(wadah_id.clone());
        }
        other => other.filter(q, "s.branch", None),
    }
}

/// `GET /statements`.
pub async fn list(
    State(state): State<AppState>,
    user: User,
    Query(query): Query<MonthQuery>,
) -> Result<Response, WebError> {
    let pool = state.db.pool();
    let running = running_month_wib();
    let requested = query.month.as_deref().and_then(YearMonth::parse);
    let month = match requested {
        Some(month) => month,
        None => {
            let mut q = Sql::new(
                "SELECT MAX(s.month) AS month FROM statements s WHERE s.holder_kind = 'agent' AND ",
            );
            user.scope.filter(&mut q, "s.branch", Some("s.holder_id"));
            let latest: Option<String> = match q.fetch_optional(pool).await? {
                Some(row) => col(&row, "month")?,
                None => None,
            };
            latest
                .as_deref()
                .and_then(YearMonth::parse)
                .unwrap_or(running)
        }
    };
    let month_text = month.to_string();

    let mut q = Sql::new(
        "SELECT COUNT(*) AS agents,
                CAST(COALESCE(SUM(s.acquisition), 0) AS BIGINT) AS acquisition,
                CAST(COALESCE(SUM(s.contribution), 0) AS BIGINT) AS contribution,
                CAST(COALESCE(SUM(s.adjustments), 0) AS BIGINT) AS adjustments,
                CAST(COALESCE(SUM(s.total), 0) AS BIGINT) AS total
         FROM statements s WHERE s.holder_kind = 'agent' AND s.month = ",
    );
    q.bind(month_text.clone()).push(" AND ");
    user.scope.filter(&mut q, "s.branch", Some("s.holder_id"));
    let sums = q.fetch_optional(pool).await?.ok_or(WebError::Internal)?;
    let agents: i64 = col(&sums, "agents")?;
    let issued = agents > 0;

    let mut rows = Vec::new();
    let mut wadah_rows = Vec::new();
    let mut wadah_total = 0i64;
    let mut running_agents = Vec::new();
    if issued {
        let mut q = Sql::new(
            "SELECT s.branch, s.holder_id, s.acquisition, s.contribution, s.adjustments, s.total,
                    a.name, w.name AS wadah_name
             FROM statements s
             JOIN agents a ON a.id = s.holder_id
             JOIN wadah w ON w.id = a.wadah_id
             WHERE s.holder_kind = 'agent' AND s.month = ",
        );
        q.bind(month_text.clone()).push(" AND ");
        user.scope.filter(&mut q, "s.branch", Some("s.holder_id"));
        q.push(" ORDER BY w.name, a.name, s.holder_id LIMIT ")
            .bind_int(LIST_LIMIT);
        let final_label = i18n::t(user.lang, "stmt.final");
        for row in q.fetch_all(pool).await? {
            let id: String = col(&row, "holder_id")?;
            rows.push(AgentRow {
                url: month_url(&format!("/statements/{}", path_part(&id)), month),
                name: col(&row, "name")?,
                wadah: col(&row, "wadah_name")?,
                branch: col(&row, "branch")?,
                acquisition: i18n::rupiah(col(&row, "acquisition")?),
                contribution: i18n::rupiah(col(&row, "contribution")?),
                adjustments: i18n::rupiah(col(&row, "adjustments")?),
                total: i18n::rupiah(col(&row, "total")?),
                status: final_label.to_string(),
            });
        }
        let mut q = Sql::new(
            "SELECT s.branch, s.total, w.name FROM statements s JOIN wadah w ON w.id = s.holder_id
             WHERE s.holder_kind = 'wadah' AND s.month = ",
        );
        q.bind(month_text.clone()).push(" AND ");
        wadah_filter(&user.scope, &mut q);
        q.push(" ORDER BY w.name, s.holder_id");
        for row in q.fetch_all(pool).await? {
            let share: i64 = col(&row, "total")?;
            wadah_total = wadah_total.saturating_add(share);
            wadah_rows.push(WadahRow {
                name: col(&row, "name")?,
                branch: col(&row, "branch")?,
                share: i18n::rupiah(share),
            });
        }
    } else if month == running {
        let mut q = Sql::new(
            "SELECT a.id, a.name, a.branch, w.name AS wadah_name
             FROM agents a JOIN wadah w ON w.id = a.wadah_id WHERE ",
        );
        user.scope.filter(&mut q, "a.branch", Some("a.id"));
        q.push(" ORDER BY w.name, a.name, a.id LIMIT ")
            .bind_int(LIST_LIMIT);
        for row in q.fetch_all(pool).await? {
            let id: String = col(&row, "id")?;
            running_agents.push(AgentLink {
                url: month_url(&format!("/statements/{}", path_part(&id)), month),
                name: col(&row, "name")?,
                wadah: col(&row, "wadah_name")?,
                branch: col(&row, "branch")?,
            });
        }
    }

    render(&StatementsPage {
        page: Page::new(&user, None),
        prev_url: month_url("/statements", previous(month)),
        next_url: (month < running).then(|| month_url("/statements", month.next())),
        month: month_text,
        issued,
        running: month == running,
        truncated: (agents > LIST_LIMIT).then_some(agents),
        totals: Totals {
            acquisition: i18n::rupiah(col(&sums, "acquisition")?),
            contribution: i18n::rupiah(col(&sums, "contribution")?),
            adjustments: i18n::rupiah(col(&sums, "adjustments")?),
            total: i18n::rupiah(col(&sums, "total")?),
            wadah: i18n::rupiah(wadah_total),
        },
        rows,
        wadah_rows,
        running_agents,
    })
}

/// One line of a statement as shown.
pub struct LineRow {
    pub kind: &'static str,
    pub record_id: String,
    pub record_url: String,
    pub note: String,
    pub amount: String,
}

/// A statement as shown on the agent's page.
pub struct Shown {
    pub status: String,
    pub provisional: bool,
    pub acquisition: String,
    pub contribution: String,
    pub adjustments: String,
    pub total: String,
    pub lines: Vec<LineRow>,
}

#[derive(Template)]
#[template(path = "statement.html")]
struct StatementPage {
    page: Page,
    name: String,
    wadah: String,
    branch: String,
    agent_url: String,
    month: String,
    prev_url: String,
    next_url: Option<String>,
    shown: Option<Shown>,
}

/// The label of a line kind (stable names from `payments::statements`).
fn kind_label(lang: Lang, kind: &str) -> &'static str {
    let key = match kind {
        "acquisition" => "stmt.kind.acquisition",
        "contribution" => "stmt.kind.contribution",
        "adjustment" => "stmt.kind.adjustment",
        "management" => "stmt.kind.management",
        _ => return "-",
    };
    i18n::t(lang, key)
}

/// A line's note in one language: the engine writes `Indonesian / English`.
fn note_in(lang: Lang, note: &str) -> String {
    let both = perisai_domain::incentive::statement::note_message(note);
    match lang {
        Lang::Id => both.id,
        Lang::En => both.en,
    }
}

fn line_row(
    lang: Lang,
    branch: &str,
    kind: &str,
    record_id: String,
    note: &str,
    amount: i64,
) -> LineRow {
    LineRow {
        kind: kind_label(lang, kind),
        record_url: format!(
            "/enrollments/{}/{}",
            path_part(branch),
            path_part(&record_id)
        ),
        record_id,
        note: note_in(lang, note),
        amount: i18n::rupiah(amount),
    }
}

/// `GET /statements/{agent_id}`.
pub async fn page(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Query(query): Query<MonthQuery>,
) -> Result<Response, WebError> {
    let pool = state.db.pool();
    let mut q = Sql::new(
        "SELECT a.name, a.branch, w.name AS wadah_name FROM agents a
         JOIN wadah w ON w.id = a.wadah_id WHERE a.id = ",
    );
    q.bind(id.clone()).push(" AND ");
    user.scope.filter(&mut q, "a.branch", Some("a.id"));
    let agent = q.fetch_optional(pool).await?.ok_or(WebError::NotFound)?;
    let branch: String = col(&agent, "branch")?;

    let mut conn = pool.acquire().await?;
    let now = now_ms();
    let offset = time_zone::offset_of(&mut conn, &branch).await?;
    let running = time_zone::month_at(now, offset).ok_or(WebError::Internal)?;
    let month = match query.month.as_deref().and_then(YearMonth::parse) {
        Some(month) => month,
        None => {
            let latest: Option<String> = sqlx::query_scalar(
                "SELECT MAX(month) FROM statements
                 WHERE branch = $1 AND holder_kind = 'agent' AND holder_id = $2",
            )
            .bind(&branch)
            .bind(&id)
            .fetch_one(&mut *conn)
            .await?;
            latest
                .as_deref()
                .and_then(YearMonth::parse)
                .unwrap_or(running)
        }
    };

    let issued = sqlx::query(
        "SELECT id, acquisition, contribution, adjustments, total FROM statements
         WHERE branch = $1 AND month = $2 AND holder_kind = 'agent' AND holder_id = $3",
    )
    .bind(&branch)
    .bind(month.to_string())
    .bind(&id)
    .fetch_optional(&mut *conn)
    .await?;
    let shown = if let Some(row) = issued {
        let statement_id: i64 = col(&row, "id")?;
        let lines = sqlx::query(
            "SELECT kind, record_id, amount, note FROM statement_lines
             WHERE statement_id = $1 ORDER BY line_no",
        )
        .bind(statement_id)
        .fetch_all(&mut *conn)
        .await?;
        let mut rows = Vec::with_capacity(lines.len());
        for line in &lines {
            let kind: String = col(line, "kind")?;
            let note: String = col(line, "note")?;
            rows.push(line_row(
                user.lang,
                &branch,
                &kind,
                col::<Option<String>>(line, "record_id")?.unwrap_or_default(),
                &note,
                col(line, "amount")?,
            ));
        }
        Some(Shown {
            status: i18n::t(user.lang, "stmt.final").to_string(),
            provisional: false,
            acquisition: i18n::rupiah(col(&row, "acquisition")?),
            contribution: i18n::rupiah(col(&row, "contribution")?),
            adjustments: i18n::rupiah(col(&row, "adjustments")?),
            total: i18n::rupiah(col(&row, "total")?),
            lines: rows,
        })
    } else if month == running {
        let statement = statements::provisional(&mut conn, &state.keys, &branch, &id, now)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "web: provisional statement failed");
                WebError::Internal
            })?;
        Some(provisional_shown(user.lang, &branch, statement))
    } else {
        None
    };
    drop(conn);

    let base = format!("/statements/{}", path_part(&id));
    render(&StatementPage {
        page: Page::new(&user, None),
        name: col(&agent, "name")?,
        wadah: col(&agent, "wadah_name")?,
        agent_url: format!("/agents/{}", path_part(&id)),
        prev_url: month_url(&base, previous(month)),
        next_url: (month < running).then(|| month_url(&base, month.next())),
        month: month.to_string(),
        branch,
        shown,
    })
}

/// A provisional statement as shown: "Sementara per DD/MM/YYYY".
fn provisional_shown(lang: Lang, branch: &str, statement: Statement) -> Shown {
    let as_of = chrono::DateTime::parse_from_rfc3339(&statement.as_of)
        .map(|at| perisai_domain::message::format_date(at.date_naive()))
        .unwrap_or_else(|_| statement.as_of.clone());
    Shown {
        status: format!("{} {as_of}", i18n::t(lang, "stmt.provisional_as_of")),
        provisional: true,
        acquisition: i18n::rupiah(statement.acquisition),
        contribution: i18n::rupiah(statement.contribution),
        adjustments: i18n::rupiah(statement.adjustments),
        total: i18n::rupiah(statement.total),
        lines: statement
            .lines
            .into_iter()
            .map(|line| {
                let kind = match line.kind {
                    perisai_domain::incentive::LineKind::Acquisition => "acquisition",
                    perisai_domain::incentive::LineKind::Contribution => "contribution",
                    perisai_domain::incentive::LineKind::Adjustment => "adjustment",
                    perisai_domain::incentive::LineKind::Management => "management",
                };
                line_row(lang, branch, kind, line.record_id, &line.note, line.amount)
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_show_in_the_pages_language_and_kinds_have_labels() {
        let note = "Iuran bulan ke-1 (15%) / Contribution month 1 (15%)";
        assert_eq!(note_in(Lang::Id, note), "Iuran bulan ke-1 (15%)");
        assert_eq!(note_in(Lang::En, note), "Contribution month 1 (15%)");
        assert_eq!(note_in(Lang::En, "tanpa terjemahan"), "tanpa terjemahan");
        for kind in ["acquisition", "contribution", "adjustment", "management"] {
            for lang in [Lang::Id, Lang::En] {
                let label = kind_label(lang, kind);
                assert!(label != "?" && label != "-", "{kind}");
            }
        }
        assert_eq!(kind_label(Lang::Id, "other"), "-");
    }

    #[test]
    fn a_wadah_account_sees_only_its_own_wadah_statement() {
        let mut q = Sql::new("");
        wadah_filter(
            &Scope::Wadah {
                branch: "KC01".into(),
                wadah_id: "w1".into(),
            },
            &mut q,
        );
        assert_eq!(q.text(), "s.branch = $1 AND s.holder_id = $2");
        let mut q = Sql::new("");
        wadah_filter(&Scope::Branches(vec!["KC01".into()]), &mut q);
        assert_eq!(q.text(), "s.branch IN ($1)");
    }
}
