//! One enrollment (`GET /enrollments/{branch}/{id}`, `POST …/reveal`): its fields, what a
//! correction changed, the decision history, the payment code; every view and reveal audited.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::db::{audit, col};
use crate::service::review::Decision;
use crate::state::AppState;
use crate::web::i18n::{self, Lang};
use crate::web::record::{mask_nik, Change, Content, Field};
use crate::web::scope::Sql;
use crate::web::session::{Posted, User};
use crate::web::{render, Page, WebError};

use super::batch::PageQuery;
use super::{code_list, path_part};

pub struct HistoryItem {
    pub decision: &'static str,
    pub by: String,
    pub at: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "enrollment.html")]
pub(super) struct EnrollmentPage {
    page: Page,
    url: String,
    name: String,
    nik: String,
    revealed: bool,
    status_label: &'static str,
    agent: String,
    batch_url: String,
    receipt_no: String,
    received: String,
    codes: String,
    fields: Vec<Field>,
    history: Vec<HistoryItem>,
    changes: Vec<Change>,
    previous_url: Option<String>,
    superseded_by_url: Option<String>,
    payment_code: Option<String>,
    decidable: bool,
    reversible: bool,
    damaged: bool,
}

/// `GET /enrollments/{branch}/{id}`: the record, NIK masked. The view is in the audit log.
pub async fn enrollment(
    State(state): State<AppState>,
    user: User,
    Path((branch, id)): Path<(String, String)>,
    Query(query): Query<PageQuery>,
) -> Result<Response, WebError> {
    enrollment_page(&state, &user, &branch, &id, query.msg.as_deref(), false).await
}

#[derive(Deserialize)]
pub struct Empty {}

/// `POST /enrollments/{branch}/{id}/reveal`: the same page with the NIK in clear, this once;
/// the reveal is in the audit log.
pub async fn reveal(
    State(state): State<AppState>,
    Path((branch, id)): Path<(String, String)>,
    posted: Posted<Empty>,
) -> Result<Response, WebError> {
    enrollment_page(&state, &posted.user, &branch, &id, None, true).await
}

pub(super) async fn enrollment_page(
    state: &AppState,
    user: &User,
    branch: &str,
    id: &str,
    msg: Option<&str>,
    reveal: bool,
) -> Result<Response, WebError> {
    let pool = state.db.pool();
    let mut q = Sql::new(
        "SELECT e.branch, e.id, e.agent_id, e.device_id, e.batch_seq, e.status, e.received_ms,
                e.receipt_no, e.codes, e.content, e.supersedes, e.superseded_by, a.name AS agent_name
         FROM enrollments e JOIN agents a ON a.id = e.agent_id WHERE e.branch = ",
    );
    q.bind(branch).push(" AND e.id = ").bind(id).push(" AND ");
    user.scope.filter(&mut q, "e.branch", Some("e.agent_id"));
    let row = q.fetch_optional(pool).await?.ok_or(WebError::NotFound)?;
    let status: String = col(&row, "status")?;
    let sealed: Vec<u8> = col(&row, "content")?;
    let content = Content::open(&state.keys, branch, id, &sealed);
    let mut conn = pool.acquire().await?;
    audit::record(
        &mut conn,
        &user.actor(),
        if reveal {
            "record.reveal_nik"
        } else {
            "record.view"
        },
        Some(branch),
        Some(id),
        &serde_json::json!({}),
    )
    .await?;
    drop(conn);
    let supersedes: Option<String> = col(&row, "supersedes")?;
    let superseded_by: Option<String> = col(&row, "superseded_by")?;
    let mut changes = Vec::new();
    let mut previous_url = None;
    if let (Some(older_id), Ok(content)) = (&supersedes, &content) {
        // The record it corrects, scoped like every other query: the same branch, the same
        // agent, and within the account's scope. (Ingest only lets an agent correct its own
        // records, but a page never takes that on trust.)
        let agent: String = col(&row, "agent_id")?;
        let mut q = Sql::new("SELECT e.content FROM enrollments e WHERE e.branch = ");
        q.bind(branch)
            .push(" AND e.id = ")
            .bind(older_id)
            .push(" AND e.agent_id = ")
            .bind(&agent)
            .push(" AND ");
        user.scope.filter(&mut q, "e.branch", Some("e.agent_id"));
        let older = q.fetch_optional(pool).await?;
        if let Some(older) = older {
            let sealed: Vec<u8> = col(&older, "content")?;
            let older = Content::open(&state.keys, branch, older_id, &sealed)?;
            changes = content.changes_since(&older, user.lang);
            previous_url = Some(format!(
                "/enrollments/{}/{}",
                path_part(branch),
                path_part(older_id)
            ));
        }
    }
    let history = decision_history(state, branch, id, user.lang).await?;
    let payment_code = if status == "approved" {
        payment_code(state, branch, id).await
    } else {
        None
    };
    let device: String = col(&row, "device_id")?;
    let seq: i64 = col(&row, "batch_seq")?;
    let receipt: Option<i64> = col(&row, "receipt_no")?;
    let codes: String = col(&row, "codes")?;
    let (name, nik, fields, damaged) = match &content {
        Ok(c) => (
            c.text("full_name"),
            if reveal { c.nik() } else { mask_nik(&c.nik()) },
            c.fields(user.lang),
            false,
        ),
        Err(_) => (String::new(), String::new(), Vec::new(), true),
    };
    render(&EnrollmentPage {
        page: Page::new(user, msg),
        url: format!("/enrollments/{}/{}", path_part(branch), path_part(id)),
        name,
        nik,
        revealed: reveal,
        status_label: i18n::t(user.lang, &format!("status.{status}")),
        decidable: status == "received",
        reversible: Decision::parse(&status).is_some(),
        agent: col(&row, "agent_name")?,
        batch_url: format!("/batches/{}/{seq}", path_part(&device)),
        receipt_no: receipt.map(|r| r.to_string()).unwrap_or_default(),
        received: i18n::datetime(col(&row, "received_ms")?),
        codes: code_list(&codes),
        fields,
        history,
        changes,
        previous_url,
        superseded_by_url: superseded_by
            .map(|s| format!("/enrollments/{}/{}", path_part(branch), path_part(&s))),
        payment_code,
        damaged,
    })
}

pub(super) async fn decision_history(
    state: &AppState,
    branch: &str,
    id: &str,
    lang: Lang,
) -> Result<Vec<HistoryItem>, WebError> {
    let rows = sqlx::query(
        "SELECT id, decision, reason, decided_by, decided_ms FROM decisions
         WHERE branch = $1 AND record_id = $2 ORDER BY id",
    )
    .bind(branch)
    .bind(id)
    .fetch_all(state.db.pool())
    .await?;
    let mut items = Vec::new();
    for row in &rows {
        let decision_id: i64 = col(row, "id")?;
        let sealed: Option<Vec<u8>> = col(row, "reason")?;
        let reason = match sealed {
            Some(s) => state
                .keys
                .open(
                    perisai_domain::seal::Purpose::Note,
                    &format!("decision/{decision_id}"),
                    &s,
                )
                .map(|p| String::from_utf8_lossy(&p).into_owned())?,
            None => String::new(),
        };
        let decision: String = col(row, "decision")?;
        items.push(HistoryItem {
            decision: i18n::t(lang, &format!("status.{decision}")),
            by: col::<String>(row, "decided_by")?
                .trim_start_matches("web:")
                .to_string(),
            at: i18n::datetime(col(row, "decided_ms")?),
            reason,
        });
    }
    Ok(items)
}

/// The payment code (kode iuran) of an approved record, once the payments module made one; none
/// while the `payment_codes` table does not exist yet.
pub(super) async fn payment_code(state: &AppState, branch: &str, id: &str) -> Option<String> {
    sqlx::query_scalar(
        "SELECT payment_code FROM payment_codes WHERE branch = $1 AND record_id = $2",
    )
    .bind(branch)
    .bind(id)
    .fetch_optional(state.db.pool())
    .await
    .ok()
    .flatten()
}
