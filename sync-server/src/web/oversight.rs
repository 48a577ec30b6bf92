//! The duplicate queue and the fraud flags (DOMAIN.md §8).
//!
//! - Duplicates: a record whose NIK another record already claimed waits in `duplicate_queue`.
//!   The page shows both side by side (NIK masked); the supervisor resolves it by deciding which
//!   one stays: the other is rejected through `service::review::decide` (audited, its NIK claim
//!   released) and, when the newcomer stays, it takes the claim. The other record may live in a
//!   branch outside the supervisor's scope: then only its existence is shown, and only "keep the
//!   existing record" can be chosen.
//! - Fraud flags: evidence JSON shown as readable lines; "resolved" with a note (sealed: free
//!   text may name people).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::i18n;
use super::record::{mask_nik, Content};
use super::review::path_part;
use super::scope::Sql;
use super::session::{Posted, User};
use super::{render, see_other, Page, WebError};
use crate::db::{audit, col, now_ms};
use crate::service::ServiceError;
use crate::state::AppState;

/// Rows per page of either list (oldest unresolved work is rarely more than this).
const LIMIT: i64 = 200;

/// One side of a duplicate pair.
pub struct Side {
    pub url: Option<String>,
    pub name: String,
    pub nik: String,
    pub status: &'static str,
    pub received: String,
    pub branch: String,
}

pub struct Pair {
    pub this: Side,
    pub other: Option<Side>,
    pub other_branch: String,
    pub resolve_url: String,
    pub since: String,
}

#[derive(Template)]
#[template(path = "duplicates.html")]
struct DuplicatesPage {
    page: Page,
    pairs: Vec<Pair>,
}

#[derive(Deserialize, Default)]
pub struct MsgQuery {
    msg: Option<String>,
    #[serde(default)]
    all: Option<String>,
}

/// A record of `branch` if it is in scope, as one side of a pair.
async fn side(
    state: &AppState,
    user: &User,
    branch: &str,
    id: &str,
) -> Result<Option<Side>, WebError> {
    let mut q = Sql::new("SELECT content, status, received_ms FROM enrollments WHERE branch = ");
    q.bind(branch).push(" AND id = ").bind(id).push(" AND ");
    user.scope.filter(&mut q, "branch", Some("agent_id"));
    let Some(row) = q.fetch_optional(state.db.pool()).await? else {
        return Ok(None);
    };
    side_of(state, user, branch, id, &row, "").map(Some)
}

/// One side of a pair from the columns `{prefix}content`, `{prefix}status` and
/// `{prefix}received_ms` of `row`.
fn side_of(
    state: &AppState,
    user: &User,
    branch: &str,
    id: &str,
    row: &sqlx::any::AnyRow,
    prefix: &str,
) -> Result<Side, WebError> {
    let sealed: Vec<u8> = col(row, &format!("{prefix}content"))?;
    let content = Content::open(&state.keys, branch, id, &sealed)?;
    let status: String = col(row, &format!("{prefix}status"))?;
    Ok(Side {
        url: Some(format!(
            "/enrollments/{}/{}",
            path_part(branch),
            path_part(id)
        )),
        name: content.text("full_name"),
        nik: mask_nik(&content.nik()),
        status: i18n::t(user.lang, &format!("status.{status}")),
        received: i18n::datetime(col(row, &format!("{prefix}received_ms"))?),
        branch: branch.to_string(),
    })
}

/// `GET /duplicates`: the unresolved pairs in scope, newest first.
pub async fn duplicates(
    State(state): State<AppState>,
    user: User,
    Query(query): Query<MsgQuery>,
) -> Result<Response, WebError> {
    // One query for both sides: the other record joins only when it is in scope too.
    let mut q = Sql::new(
        "SELECT q.branch, q.record_id, q.other_branch, q.other_record_id, q.created_ms,
                e.content, e.status, e.received_ms, o.id AS o_id, o.content AS o_content,
                o.status AS o_status, o.received_ms AS o_received_ms
         FROM duplicate_queue q JOIN enrollments e ON e.branch = q.branch AND e.id = q.record_id
         LEFT JOIN enrollments o ON o.branch = q.other_branch AND o.id = q.other_record_id AND (",
    );
    user.scope.filter(&mut q, "o.branch", Some("o.agent_id"));
    q.push(") WHERE q.resolved_ms IS NULL AND ");
    user.scope.filter(&mut q, "q.branch", Some("e.agent_id"));
    q.push(" ORDER BY q.created_ms DESC LIMIT ").bind_int(LIMIT);
    let rows = q.fetch_all(state.db.pool()).await?;
    let mut pairs = Vec::new();
    for row in &rows {
        let branch: String = col(row, "branch")?;
        let id: String = col(row, "record_id")?;
        let other_branch: String = col(row, "other_branch")?;
        let other_id: String = col(row, "other_record_id")?;
        let this = side_of(&state, &user, &branch, &id, row, "")?;
        let other = match col::<Option<String>>(row, "o_id")? {
            Some(_) => Some(side_of(&state, &user, &other_branch, &other_id, row, "o_")?),
            None => None,
        };
        pairs.push(Pair {
            this,
            other,
            other_branch,
            resolve_url: format!(
                "/duplicates/{}/{}/resolve",
                path_part(&branch),
                path_part(&id)
            ),
            since: i18n::datetime(col(row, "created_ms")?),
        });
    }
    render(&DuplicatesPage {
        page: Page::new(&user, query.msg.as_deref()),
        pairs,
    })
}

#[derive(Deserialize)]
pub struct ResolveDuplicate {
    #[serde(default)]
    keep: String,
}

/// `POST /duplicates/{branch}/{id}/resolve` (`keep` = `this` | `other`).
pub async fn resolve_duplicate(
    State(state): State<AppState>,
    Path((branch, id)): Path<(String, String)>,
    posted: Posted<ResolveDuplicate>,
) -> Result<Response, WebError> {
    let (user, form) = (posted.user, posted.form);
    let mut q = Sql::new(
        "SELECT q.other_branch, q.other_record_id, q.nik_hmac FROM duplicate_queue q
         JOIN enrollments e ON e.branch = q.branch AND e.id = q.record_id
         WHERE q.resolved_ms IS NULL AND q.branch = ",
    );
    q.bind(branch.clone())
        .push(" AND q.record_id = ")
        .bind(id.clone())
        .push(" AND ");
    user.scope.filter(&mut q, "q.branch", Some("e.agent_id"));
    let row = q
        .fetch_optional(state.db.pool())
        .await?
        .ok_or(WebError::NotFound)?;
    let other_branch: String = col(&row, "other_branch")?;
    let other_id: String = col(&row, "other_record_id")?;
    let nik_hmac: String = col(&row, "nik_hmac")?;
    let (drop_branch, drop_id, kept) = match form.keep.as_str() {
        "other" => (branch.clone(), id.clone(), other_id.clone()),
        "this" => {
            // Only a record the supervisor may see can be rejected by it.
            if side(&state, &user, &other_branch, &other_id)
                .await?
                .is_none()
            {
                return Err(WebError::NotFound);
            }
            (other_branch.clone(), other_id.clone(), id.clone())
        }
        _ => return Ok(see_other("/duplicates?msg=invalid")),
    };
    let reason = i18n::t(user.lang, "dup.reason");
    match crate::service::review::decide(
        &state.db,
        &state.keys,
        &drop_id,
        "rejected",
        Some(reason),
        Some(&drop_branch),
        &user.actor(),
    )
    .await
    {
        // Already rejected or superseded: nothing more to undo.
        Ok(_) | Err(ServiceError::Conflict(_)) => {}
        Err(e) => return Err(e.into()),
    }
    let mut tx = state.db.begin_write().await?;
    if form.keep == "this" {
        sqlx::query(
            "INSERT INTO nik_claims (nik_hmac, branch, record_id, claimed_ms) VALUES ($1, $2, $3, $4)
             ON CONFLICT (nik_hmac) DO NOTHING",
        )
        .bind(&nik_hmac)
        .bind(&branch)
        .bind(&id)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(
        "UPDATE duplicate_queue SET resolved_ms = $1, resolved_by = $2, kept_record_id = $3
         WHERE branch = $4 AND record_id = $5",
    )
    .bind(now_ms())
    .bind(user.actor())
    .bind(&kept)
    .bind(&branch)
    .bind(&id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &user.actor(),
        "duplicate.resolve",
        Some(&branch),
        Some(&id),
        &serde_json::json!({"kept": kept, "rejected": drop_id}),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other("/duplicates?msg=resolved"))
}

pub struct FlagView {
    pub id: i64,
    pub kind: String,
    /// What the kind means, in the page's language (the code when unknown).
    pub label: String,
    pub branch: String,
    pub agent: String,
    pub record_url: Option<String>,
    pub evidence: Vec<String>,
    pub raised: String,
    pub resolved: Option<String>,
    pub note: String,
    pub resolve_url: String,
}

#[derive(Template)]
#[template(path = "flags.html")]
struct FlagsPage {
    page: Page,
    flags: Vec<FlagView>,
    showing_all: bool,
}

/// `GET /flags` (open ones; `?all=1` also the resolved).
pub async fn flags(
    State(state): State<AppState>,
    user: User,
    Query(query): Query<MsgQuery>,
) -> Result<Response, WebError> {
    let showing_all = query.all.as_deref() == Some("1");
    let mut q = Sql::new(
        "SELECT f.id, f.branch, f.kind, f.agent_id, f.record_id, f.evidence, f.created_ms,
                f.resolved_ms, f.resolved_by, f.resolution, a.name AS agent_name
         FROM fraud_flags f LEFT JOIN agents a ON a.id = f.agent_id WHERE ",
    );
    user.scope.filter(&mut q, "f.branch", Some("f.agent_id"));
    if !showing_all {
        q.push(" AND f.resolved_ms IS NULL");
    }
    q.push(" ORDER BY f.id DESC LIMIT ").bind_int(LIMIT);
    let rows = q.fetch_all(state.db.pool()).await?;
    let mut flags = Vec::new();
    for row in &rows {
        let id: i64 = col(row, "id")?;
        let branch: String = col(row, "branch")?;
        let record: Option<String> = col(row, "record_id")?;
        let resolved: Option<i64> = col(row, "resolved_ms")?;
        let sealed: Option<Vec<u8>> = col(row, "resolution")?;
        let note = match sealed {
            Some(s) => state
                .keys
                .open(
                    perisai_domain::seal::Purpose::Note,
                    &format!("flag/{id}"),
                    &s,
                )
                .map(|p| String::from_utf8_lossy(&p).into_owned())?,
            None => String::new(),
        };
        let kind: String = col(row, "kind")?;
        flags.push(FlagView {
            id,
            label: i18n::flag_kind(user.lang, &kind).map_or_else(|| kind.clone(), str::to_string),
            kind,
            agent: col::<Option<String>>(row, "agent_name")?.unwrap_or_default(),
            record_url: record
                .map(|r| format!("/enrollments/{}/{}", path_part(&branch), path_part(&r))),
            evidence: evidence_lines(&col::<String>(row, "evidence")?),
            raised: i18n::datetime(col(row, "created_ms")?),
            resolved: match resolved {
                Some(ms) => Some(format!(
                    "{} ({})",
                    i18n::datetime(ms),
                    col::<Option<String>>(row, "resolved_by")?
                        .unwrap_or_default()
                        .trim_start_matches("web:")
                )),
                None => None,
            },
            note,
            resolve_url: format!("/flags/{id}/resolve"),
            branch,
        });
    }
    render(&FlagsPage {
        page: Page::new(&user, query.msg.as_deref()),
        flags,
        showing_all,
    })
}

/// Evidence JSON as `key: value` lines (nested objects as `outer.inner: value`).
pub fn evidence_lines(evidence: &str) -> Vec<String> {
    fn walk(prefix: &str, value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&key, v, out);
                }
            }
            serde_json::Value::Array(items) => {
                let all_scalar = items.iter().all(|i| !i.is_object() && !i.is_array());
                if all_scalar {
                    let joined = items
                        .iter()
                        .map(|i| {
                            i.as_str()
                                .map(str::to_string)
                                .unwrap_or_else(|| i.to_string())
                        })
                        .collect::<Vec<_>>()
                        .join(", ");
                    out.push(format!("{prefix}: {joined}"));
                } else {
                    for (n, item) in items.iter().enumerate() {
                        walk(&format!("{prefix}[{}]", n + 1), item, out);
                    }
                }
            }
            serde_json::Value::String(s) => out.push(format!("{prefix}: {s}")),
            other => out.push(format!("{prefix}: {other}")),
        }
    }
    let mut out = Vec::new();
    match serde_json::from_str::<serde_json::Value>(evidence) {
        Ok(value) => walk("", &value, &mut out),
        Err(_) => out.push(evidence.to_string()),
    }
    out
}

#[derive(Deserialize)]
pub struct ResolveFlag {
    #[serde(default)]
    note: String,
}

/// `POST /flags/{id}/resolve` (`note`).
pub async fn resolve_flag(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<ResolveFlag>,
) -> Result<Response, WebError> {
    let (user, form) = (posted.user, posted.form);
    let mut q = Sql::new("SELECT branch, resolved_ms FROM fraud_flags WHERE id = ");
    q.bind_int(id).push(" AND ");
    user.scope.filter(&mut q, "branch", Some("agent_id"));
    let row = q
        .fetch_optional(state.db.pool())
        .await?
        .ok_or(WebError::NotFound)?;
    let branch: String = col(&row, "branch")?;
    let note = form.note.trim();
    if note.is_empty() || note.chars().count() > 1000 {
        return Ok(see_other("/flags?msg=invalid"));
    }
    let sealed = state.keys.seal(
        perisai_domain::seal::Purpose::Note,
        &format!("flag/{id}"),
        note.as_bytes(),
    )?;
    let mut tx = state.db.begin_write().await?;
    let changed = sqlx::query(
        "UPDATE fraud_flags SET resolved_ms = $1, resolved_by = $2, resolution = $3
         WHERE id = $4 AND resolved_ms IS NULL",
    )
    .bind(now_ms())
    .bind(user.actor())
    .bind(sealed)
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 1 {
        audit::record(
            &mut tx,
            &user.actor(),
            "flag.resolve",
            Some(&branch),
            Some(&id.to_string()),
            &serde_json::json!({}),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(see_other("/flags?msg=resolved"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_reads_as_lines() {
        let lines = evidence_lines(r#"{"count":4,"records":["a","b"],"window":{"from":"x"}}"#);
        assert_eq!(lines, vec!["count: 4", "records: a, b", "window.from: x"]);
        assert_eq!(evidence_lines("not json"), vec!["not json"]);
    }
}
