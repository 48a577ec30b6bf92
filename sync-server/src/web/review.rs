//! Reviewing enrollments (DOMAIN.md §8): the queue, one device batch, one enrollment, and the
//! decisions on them. Decisions go through `service::review::decide`, the same function as the
//! operator CLI (audit log, reversal rules, NIK claim release, payment code on approval).
//!
//! The queue is keyset-paginated, newest first: for each (branch, agent) slice of the account's
//! scope one index range scan (`enrollments_queue`, `enrollments_recent`,
//! `enrollments_agent_recent`) returns at most one page, and the union of those is cut to a page,
//! so a page costs the same with a thousand records or a million.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use sqlx::any::AnyRow;

use super::i18n::{self, Lang};
use super::record::{mask_nik, Change, Content, Field};
use super::scope::Sql;
use super::session::{Posted, User};
use super::{render, see_other, Page, WebError};
use crate::db::{audit, col};
use crate::service::review::{decide, DECISIONS};
use crate::service::ServiceError;
use crate::state::AppState;

/// Records per queue page.
pub const PAGE_SIZE: i64 = 50;
/// Statuses the queue filter offers.
pub const STATUSES: [&str; 6] = [
    "received",
    "has_issues",
    "approved",
    "rejected",
    "superseded",
    "rejected_at_ingest",
];

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    status: Option<String>,
    agent: Option<String>,
    after: Option<String>,
    msg: Option<String>,
}

/// One row of the queue or of a batch.
pub struct Row {
    pub url: String,
    pub decision_url: String,
    pub batch_url: String,
    pub received: String,
    pub name: String,
    pub nik: String,
    pub agent: String,
    pub status: String,
    pub status_label: &'static str,
    pub receipt_no: String,
    pub codes: String,
    pub decidable: bool,
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "queue.html")]
struct QueuePage {
    page: Page,
    rows: Vec<Row>,
    statuses: Vec<Choice>,
    agents: Vec<Choice>,
    next: Option<String>,
    back: String,
}

const ROW_COLUMNS: &str = "e.branch, e.id, e.agent_id, e.device_id, e.batch_seq, e.status, \
                           e.received_ms, e.receipt_no, e.codes, e.content";

/// `GET /review?status=&agent=&after=`.
pub async fn queue(
    State(state): State<AppState>,
    user: User,
    Query(query): Query<QueueQuery>,
) -> Result<Response, WebError> {
    let status = match query.status.as_deref() {
        None | Some("") => Some("received"),
        Some("all") => None,
        Some(s) => Some(
            *STATUSES
                .iter()
                .find(|known| **known == s)
                .ok_or(WebError::Invalid("msg.invalid"))?,
        ),
    };
    let agent = query.agent.as_deref().filter(|a| !a.is_empty());
    let after = match query.after.as_deref().filter(|a| !a.is_empty()) {
        None => None,
        Some(text) => {
            let (ms, id) = text
                .split_once('.')
                .ok_or(WebError::Invalid("msg.invalid"))?;
            let ms: i64 = ms.parse().map_err(|_| WebError::Invalid("msg.invalid"))?;
            Some((ms, id.to_string()))
        }
    };
    let pool = state.db.pool();
    let partitions = user.scope.partitions(pool, agent).await?;
    let mut q = Sql::new("");
    let limit = PAGE_SIZE + 1;
    let slice = |q: &mut Sql, branch: Option<&str>, agent: Option<&str>| {
        q.push("SELECT * FROM (SELECT ")
            .push(ROW_COLUMNS)
            .push(" FROM enrollments e WHERE 1 = 1");
        if let Some(branch) = branch {
            q.push(" AND e.branch = ").bind(branch);
        }
        if let Some(agent) = agent {
            q.push(" AND e.agent_id = ").bind(agent);
        }
        if let Some(status) = status {
            q.push(" AND e.status = ").bind(status);
        }
        if let Some((ms, id)) = &after {
            q.push(" AND (e.received_ms, e.id) < (")
                .bind_int(*ms)
                .push(", ")
                .bind(id.clone())
                .push(")");
        }
        q.push(" ORDER BY e.received_ms DESC, e.id DESC LIMIT ")
            .bind_int(limit)
            .push(") s");
    };
    let rows = match &partitions {
        Some(parts) if parts.is_empty() => Vec::new(),
        None => {
            slice(&mut q, None, None);
            q.fetch_all(pool).await?
        }
        Some(parts) => {
            for (i, (branch, agent)) in parts.iter().enumerate() {
                if i > 0 {
                    q.push(" UNION ALL ");
                }
                slice(&mut q, Some(branch), agent.as_deref());
            }
            q.push(" ORDER BY received_ms DESC, id DESC LIMIT ")
                .bind_int(limit);
            q.fetch_all(pool).await?
        }
    };
    let next = if rows.len() as i64 > PAGE_SIZE {
        match rows.get(PAGE_SIZE as usize - 1) {
            Some(last) => Some(format!(
                "{}.{}",
                col::<i64>(last, "received_ms")?,
                col::<String>(last, "id")?
            )),
            None => None,
        }
    } else {
        None
    };
    let names = agent_names(&state, &user).await?;
    let mut shown = Vec::new();
    for row in rows.iter().take(PAGE_SIZE as usize) {
        shown.push(row_view(&state, &names, row, user.lang)?);
    }
    let status_value = status.unwrap_or("all");
    let mut statuses = vec![Choice {
        value: "all".into(),
        label: i18n::t(user.lang, "review.all").into(),
        selected: status.is_none(),
    }];
    statuses.extend(STATUSES.iter().map(|s| Choice {
        value: s.to_string(),
        label: i18n::t(user.lang, &format!("status.{s}")).into(),
        selected: *s == status_value,
    }));
    let mut agents = vec![Choice {
        value: String::new(),
        label: i18n::t(user.lang, "review.all").into(),
        selected: agent.is_none(),
    }];
    agents.extend(names.iter().map(|(id, name)| Choice {
        value: id.clone(),
        label: name.clone(),
        selected: Some(id.as_str()) == agent,
    }));
    let back = match agent {
        Some(a) => format!("/review?status={status_value}&agent={a}"),
        None => format!("/review?status={status_value}"),
    };
    render(&QueuePage {
        page: Page::new(&user, query.msg.as_deref()),
        rows: shown,
        statuses,
        agents,
        next,
        back,
    })
}

/// The agents in scope (id, name), for filters and rows.
async fn agent_names(state: &AppState, user: &User) -> Result<Vec<(String, String)>, WebError> {
    let mut q = Sql::new("SELECT id, name FROM agents WHERE ");
    user.scope.filter(&mut q, "branch", Some("id"));
    q.push(" ORDER BY name, id LIMIT 2000");
    let rows = q.fetch_all(state.db.pool()).await?;
    rows.iter()
        .map(|r| Ok((col(r, "id")?, col(r, "name")?)))
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(WebError::from)
}

fn row_view(
    state: &AppState,
    names: &[(String, String)],
    row: &AnyRow,
    lang: Lang,
) -> Result<Row, WebError> {
    let branch: String = col(row, "branch")?;
    let id: String = col(row, "id")?;
    let agent_id: String = col(row, "agent_id")?;
    let device: String = col(row, "device_id")?;
    let seq: i64 = col(row, "batch_seq")?;
    let status: String = col(row, "status")?;
    let sealed: Vec<u8> = col(row, "content")?;
    let receipt: Option<i64> = col(row, "receipt_no")?;
    let codes: String = col(row, "codes")?;
    let content = Content::open(&state.keys, &branch, &id, &sealed)?;
    let url = format!("/enrollments/{}/{}", path_part(&branch), path_part(&id));
    Ok(Row {
        decision_url: format!("{url}/decision"),
        url,
        batch_url: format!("/batches/{}/{seq}", path_part(&device)),
        received: i18n::datetime(col(row, "received_ms")?),
        name: content.text("full_name"),
        nik: mask_nik(&content.nik()),
        agent: names
            .iter()
            .find(|(a, _)| *a == agent_id)
            .map(|(_, n)| n.clone())
            .unwrap_or(agent_id),
        status_label: i18n::t(lang, &format!("status.{status}")),
        decidable: status == "received",
        status,
        receipt_no: receipt.map(|r| r.to_string()).unwrap_or_default(),
        codes: code_list(&codes),
    })
}

/// `[{"code":"nik.checksum",...}]` → `nik.checksum`.
fn code_list(codes: &str) -> String {
    serde_json::from_str::<serde_json::Value>(codes)
        .ok()
        .and_then(|v| {
            v.as_array().map(|items| {
                items
                    .iter()
                    .filter_map(|i| i.get("code").and_then(|c| c.as_str()).or(i.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
        })
        .unwrap_or_default()
}

/// A path segment with `/`, `?`, `#` and `%` escaped (ids and codes are plain, but be sure).
pub fn path_part(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[derive(Template)]
#[template(path = "batch.html")]
struct BatchPage {
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
async fn scoped_batch(
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

async fn batch_records(
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
    msg: Option<String>,
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

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
    /// Where to go afterwards (a queue page), if the form came from one.
    #[serde(default)]
    back: String,
}

/// `POST /batches/{device_id}/{seq}/decision`: the same decision for every record of the batch
/// that is still `received`; the others are left as they are.
pub async fn batch_decision(
    State(state): State<AppState>,
    Path((device, seq)): Path<(String, i64)>,
    posted: Posted<DecisionForm>,
) -> Result<Response, WebError> {
    let (user, form) = (posted.user, posted.form);
    let (branch, ..) = scoped_batch(&state, &user, &device, seq).await?;
    let page = format!("/batches/{}/{seq}", path_part(&device));
    if let Some(msg) = check_decision(&form) {
        return Ok(see_other(&format!("{page}?msg={msg}")));
    }
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM enrollments WHERE branch = $1 AND device_id = $2 AND batch_seq = $3
         AND status = 'received' ORDER BY receipt_no, id",
    )
    .bind(&branch)
    .bind(&device)
    .bind(seq)
    .fetch_all(state.db.pool())
    .await?;
    for id in ids {
        match decide_one(&state, &user, &branch, &id, &form).await {
            // Someone decided it meanwhile: the batch action skips it like any decided record.
            Ok(()) | Err(ServiceError::Conflict(_)) => {}
            Err(e) => return Err(admin_error(e)),
        }
    }
    Ok(see_other(&format!("{page}?msg=batch_decided")))
}

/// The message key for a decision form that cannot be right, if any.
fn check_decision(form: &DecisionForm) -> Option<&'static str> {
    if !DECISIONS.contains(&form.decision.as_str()) {
        return Some("invalid");
    }
    if form.decision != "approved" && form.reason.trim().is_empty() {
        return Some("need_reason");
    }
    None
}

async fn decide_one(
    state: &AppState,
    user: &User,
    branch: &str,
    id: &str,
    form: &DecisionForm,
) -> Result<(), ServiceError> {
    let reason = Some(form.reason.as_str()).filter(|r| !r.trim().is_empty());
    decide(
        &state.db,
        &state.keys,
        id,
        &form.decision,
        reason,
        Some(branch),
        &user.actor(),
    )
    .await
    .map(|_| ())
}

fn admin_error(e: ServiceError) -> WebError {
    match e {
        ServiceError::NotFound(_) => WebError::NotFound,
        ServiceError::Invalid(_) | ServiceError::Conflict(_) => WebError::Invalid("msg.invalid"),
        ServiceError::Db(e) => WebError::from(e),
        ServiceError::Key(e) => WebError::from(e),
        ServiceError::Io(_) => WebError::Internal,
    }
}

/// The record's status if `(branch, id)` is in the user's scope.
async fn scoped_status(
    state: &AppState,
    user: &User,
    branch: &str,
    id: &str,
) -> Result<String, WebError> {
    let mut q = Sql::new("SELECT status FROM enrollments WHERE branch = ");
    q.bind(branch).push(" AND id = ").bind(id).push(" AND ");
    user.scope.filter(&mut q, "branch", Some("agent_id"));
    let row = q
        .fetch_optional(state.db.pool())
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(col(&row, "status")?)
}

/// Only a queue page may be named as the place to return to.
fn back_to(form: &DecisionForm, fallback: &str) -> String {
    let back = form.back.as_str();
    if back.starts_with("/review")
        && !back.contains("//")
        && !back.contains('\\')
        && back.bytes().all(|b| b.is_ascii_graphic())
    {
        back.to_string()
    } else {
        fallback.to_string()
    }
}

fn with_msg(path: &str, msg: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}msg={msg}")
}

/// `POST /enrollments/{branch}/{id}/decision` (`decision`, `reason`).
pub async fn decision(
    State(state): State<AppState>,
    Path((branch, id)): Path<(String, String)>,
    posted: Posted<DecisionForm>,
) -> Result<Response, WebError> {
    let (user, form) = (posted.user, posted.form);
    let status = scoped_status(&state, &user, &branch, &id).await?;
    let page = format!("/enrollments/{}/{}", path_part(&branch), path_part(&id));
    let back = back_to(&form, &page);
    if let Some(msg) = check_decision(&form) {
        return Ok(see_other(&with_msg(&page, msg)));
    }
    if status != "received" {
        return Ok(see_other(&with_msg(&page, "not_decidable")));
    }
    match decide_one(&state, &user, &branch, &id, &form).await {
        Ok(()) => Ok(see_other(&with_msg(&back, "decided"))),
        Err(ServiceError::Conflict(_)) => Ok(see_other(&with_msg(&page, "not_decidable"))),
        Err(ServiceError::Invalid(_)) => Ok(see_other(&with_msg(&page, "need_reason"))),
        Err(e) => Err(admin_error(e)),
    }
}

/// `POST /enrollments/{branch}/{id}/reverse` (`decision`, `reason`): replaces an earlier
/// decision; the reason is required and kept (sealed) with the new decision.
pub async fn reverse(
    State(state): State<AppState>,
    Path((branch, id)): Path<(String, String)>,
    posted: Posted<DecisionForm>,
) -> Result<Response, WebError> {
    let (user, form) = (posted.user, posted.form);
    let status = scoped_status(&state, &user, &branch, &id).await?;
    let page = format!("/enrollments/{}/{}", path_part(&branch), path_part(&id));
    if !DECISIONS.contains(&form.decision.as_str()) {
        return Ok(see_other(&with_msg(&page, "invalid")));
    }
    if form.reason.trim().is_empty() {
        return Ok(see_other(&with_msg(&page, "need_reason")));
    }
    if !DECISIONS.contains(&status.as_str()) || status == form.decision {
        return Ok(see_other(&with_msg(&page, "not_decidable")));
    }
    match decide_one(&state, &user, &branch, &id, &form).await {
        Ok(()) => Ok(see_other(&with_msg(&page, "reversed"))),
        Err(ServiceError::Conflict(_)) => Ok(see_other(&with_msg(&page, "not_decidable"))),
        Err(ServiceError::Invalid(_)) => Ok(see_other(&with_msg(&page, "need_reason"))),
        Err(e) => Err(admin_error(e)),
    }
}

pub struct HistoryItem {
    pub decision: &'static str,
    pub by: String,
    pub at: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "enrollment.html")]
struct EnrollmentPage {
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

async fn enrollment_page(
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
        reversible: DECISIONS.contains(&status.as_str()),
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

async fn decision_history(
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
                    perisai_core::seal::Purpose::Note,
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
async fn payment_code(state: &AppState, branch: &str, id: &str) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_in_paths_are_percent_encoded_byte_for_byte() {
        assert_eq!(
            path_part("0190a0b0-0000-7000-8000-000000000001"),
            "0190a0b0-0000-7000-8000-000000000001"
        );
        assert_eq!(path_part("a/b?c#d%e"), "a%2Fb%3Fc%23d%25e");
        assert_eq!(path_part("x\r\ny \u{7}"), "x%0D%0Ay%20%07");
        assert_eq!(path_part("é"), "%C3%A9");
    }

    #[test]
    fn validation_codes_read_as_a_list() {
        assert_eq!(
            code_list(r#"[{"code":"nik.checksum","field":"nik"},{"code":"age.min"}]"#),
            "nik.checksum, age.min"
        );
        assert_eq!(code_list("[]"), "");
        assert_eq!(code_list("not json"), "");
    }

    #[test]
    fn only_queue_pages_are_places_to_return_to() {
        let form = |back: &str| DecisionForm {
            decision: "approved".into(),
            reason: String::new(),
            back: back.into(),
        };
        assert_eq!(
            back_to(&form("/review?status=received"), "/x"),
            "/review?status=received"
        );
        assert_eq!(back_to(&form("https://evil.example/review"), "/x"), "/x");
        assert_eq!(back_to(&form("/review//evil.example"), "/x"), "/x");
        assert_eq!(back_to(&form("/review?a=1\r\nSet-Cookie: x=1"), "/x"), "/x");
        assert_eq!(back_to(&form("/review?q=a b"), "/x"), "/x");
        assert_eq!(
            with_msg("/review?status=all", "decided"),
            "/review?status=all&msg=decided"
        );
        assert_eq!(
            with_msg("/enrollments/A/b", "decided"),
            "/enrollments/A/b?msg=decided"
        );
    }
}
