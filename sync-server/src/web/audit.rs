//! The audit log as a page (who viewed, revealed, decided, exported what, and when; newest
//! first, within the account's scope) and the CSV export from the browser, which is
//! `service::export` itself (formula-neutralised cells, an audit entry naming the account).
//!
//! Scope: an admin sees every entry, a supervisor the entries of its branches, a Wadah account
//! only its own actions; a Wadah account cannot export (an export holds the whole branch).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::i18n;
use super::scope::{Scope, Sql};
use super::session::User;
use super::{render, Page, WebError};
use crate::db::col;
use crate::state::AppState;

/// Entries per page.
const PAGE_SIZE: i64 = 100;

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    before: Option<i64>,
    action: Option<String>,
}

pub struct Entry {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub branch: String,
    pub subject: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    page: Page,
    entries: Vec<Entry>,
    action: String,
    older: Option<String>,
    export_branches: Vec<String>,
}

/// `GET /audit?action=&before=`.
pub async fn page(
    State(state): State<AppState>,
    user: User,
    Query(query): Query<AuditQuery>,
) -> Result<Response, WebError> {
    let action = query.action.unwrap_or_default();
    let mut q =
        Sql::new("SELECT id, at_ms, actor, action, branch, subject, detail FROM audit_log WHERE ");
    match &user.scope {
        Scope::Wadah { .. } => {
            q.push("actor = ").bind(user.actor());
        }
        scope => scope.filter(&mut q, "branch", None),
    }
    if !action.is_empty() {
        q.push(" AND action = ").bind(action.clone());
    }
    if let Some(before) = query.before {
        q.push(" AND id < ").bind_int(before);
    }
    q.push(" ORDER BY id DESC LIMIT ").bind_int(PAGE_SIZE + 1);
    let rows = q.fetch_all(state.db.pool()).await?;
    let mut entries = Vec::new();
    let mut last_id = None;
    for row in rows.iter().take(PAGE_SIZE as usize) {
        last_id = Some(col::<i64>(row, "id")?);
        entries.push(Entry {
            at: i18n::datetime(col(row, "at_ms")?),
            actor: col::<String>(row, "actor")?
                .trim_start_matches("web:")
                .to_string(),
            action: col(row, "action")?,
            branch: col::<Option<String>>(row, "branch")?.unwrap_or_default(),
            subject: col::<Option<String>>(row, "subject")?.unwrap_or_default(),
            detail: readable_detail(&col::<String>(row, "detail")?),
        });
    }
    let older = match (rows.len() as i64 > PAGE_SIZE, last_id) {
        (true, Some(id)) if action.is_empty() => Some(format!("/audit?before={id}")),
        (true, Some(id)) => Some(format!("/audit?action={}&before={id}", urlencode(&action))),
        _ => None,
    };
    let export_branches = match &user.scope {
        Scope::Wadah { .. } => Vec::new(),
        Scope::Branches(codes) => codes.clone(),
        Scope::All => {
            sqlx::query_scalar("SELECT code FROM branches ORDER BY code")
                .fetch_all(state.db.pool())
                .await?
        }
    };
    render(&AuditPage {
        page: Page::new(&user, None),
        entries,
        action,
        older,
        export_branches,
    })
}

/// `{"decision":"approved","previous":"received"}` → `decision: approved, previous: received`.
pub fn readable_detail(detail: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(detail) {
        Ok(serde_json::Value::Object(map)) => map
            .iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => format!("{k}: {s}"),
                other => format!("{k}: {other}"),
            })
            .collect::<Vec<_>>()
            .join(", "),
        _ => detail.to_string(),
    }
}

fn urlencode(text: &str) -> String {
    serde_urlencoded::to_string([("", text)])
        .map(|s| s.trim_start_matches('=').to_string())
        .unwrap_or_default()
}

#[derive(Deserialize, Default)]
pub struct ExportQuery {
    branch: Option<String>,
}

/// `GET /export.csv?branch=`: the branch's records as CSV (default: the account's own branch).
pub async fn export(
    State(state): State<AppState>,
    user: User,
    Query(query): Query<ExportQuery>,
) -> Result<Response, WebError> {
    if matches!(user.scope, Scope::Wadah { .. }) {
        return Err(WebError::NotFound);
    }
    let branch = query
        .branch
        .filter(|b| !b.is_empty())
        .or_else(|| user.branch.clone())
        .ok_or(WebError::Invalid("msg.invalid"))?;
    if !user.scope.has_branch(&branch) {
        return Err(WebError::NotFound);
    }
    let mut out = Vec::new();
    crate::service::export::export_csv_as(&state.db, &state.keys, &branch, &user.actor(), &mut out)
        .await?;
    let file = format!(
        "attachment; filename=\"perisai-{}-{}.csv\"",
        branch.replace(
            |c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '_',
            ""
        ),
        i18n::today().format("%Y%m%d")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, file),
        ],
        out,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_read_as_key_value_pairs() {
        assert_eq!(
            readable_detail(r#"{"decision":"approved","rows":3}"#),
            "decision: approved, rows: 3"
        );
        assert_eq!(readable_detail("{}"), "");
        assert_eq!(readable_detail("plain"), "plain");
        assert_eq!(urlencode("record.decide"), "record.decide");
        assert_eq!(urlencode("a b&c"), "a+b%26c");
    }
}
