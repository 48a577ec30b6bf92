//! One device batch (`GET /batches/{device}/{seq}`): its records, within the account's scope.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use sqlx::any::AnyRow;

use crate::db::col;
use crate::state::AppState;
use crate::web::i18n::{self};
use crate::web::scope::Sql;
use crate::web::session::User;
use crate::web::{render, Page, WebError};

use super::path_part;
use super::queue::{agent_names, row_view, Row, ROW_COLUMNS};

#[derive(Template)]
#[template(path = "batch.html")]
pub(super) struct BatchPage {
    page: Page,
    device: String,
    seq: i64,
    agent: String,
    received: String,
    record_count: i64,
    rows: Vec<Row>,
    decision_url: String,
    any_decidable: bool,
}

/// The batch `(device, seq)` if it is in the user's scope: (branch, agent name, received, count).
pub(super) async fn scoped_batch(
    state: &AppState,
    user: &User,
    device: &str,
    seq: i64,
) -> Result<(String, String, i64, i64), WebError> {
    let mut q = Sql::new(
        "SELECT b.branch, b.received_ms, b.record_count, a.name FROM batches b
         JOIN devices d ON d.id = b.device_id JOIN agents a ON a.id = d.agent_id
         WHERE b.device_id = ",
    );
    q.bind(device)
        .push(" AND b.seq = ")
        .bind_int(seq)
        .push(" AND ");
    user.scope.filter(&mut q, "b.branch", Some("d.agent_id"));
    let row = q
        .fetch_optional(state.db.pool())
        .await?
        .ok_or(WebError::NotFound)?;
    Ok((
        col(&row, "branch")?,
        col(&row, "name")?,
        col(&row, "received_ms")?,
        col(&row, "record_count")?,
    ))
}

pub(super) async fn batch_records(
    state: &AppState,
    branch: &str,
    device: &str,
    seq: i64,
) -> Result<Vec<AnyRow>, WebError> {
    Ok(sqlx::query(&format!(
        "SELECT {ROW_COLUMNS} FROM enrollments e
         WHERE e.branch = $1 AND e.device_id = $2 AND e.batch_seq = $3 ORDER BY e.receipt_no, e.id"
    ))
    .bind(branch)
    .bind(device)
    .bind(seq)
    .fetch_all(state.db.pool())
    .await?)
}

#[derive(Deserialize)]
pub struct PageQuery {
    pub(super) msg: Option<String>,
}

/// `GET /batches/{device_id}/{seq}`.
pub async fn batch(
    State(state): State<AppState>,
    user: User,
    Path((device, seq)): Path<(String, i64)>,
    Query(query): Query<PageQuery>,
) -> Result<Response, WebError> {
    let (branch, agent, received, record_count) = scoped_batch(&state, &user, &device, seq).await?;
    let names = agent_names(&state, &user).await?;
    let mut rows = Vec::new();
    for row in batch_records(&state, &branch, &device, seq).await? {
        rows.push(row_view(&state, &names, &row, user.lang)?);
    }
    render(&BatchPage {
        page: Page::new(&user, query.msg.as_deref()),
        decision_url: format!("/batches/{}/{seq}/decision", path_part(&device)),
        any_decidable: rows.iter().any(|r| r.decidable),
        device,
        seq,
        agent,
        received: i18n::datetime(received),
        record_count,
        rows,
    })
}
