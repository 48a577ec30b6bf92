//! The review queue (`GET /review`): keyset-paginated, newest first, filtered by status and
//! agent, one index range scan per (branch, agent) slice of the account's scope.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use sqlx::any::AnyRow;

use crate::db::col;
use crate::state::AppState;
use crate::web::i18n::{self, Lang};
use crate::web::record::{mask_nik, Content};
use crate::web::scope::Sql;
use crate::web::session::User;
use crate::web::{render, Page, WebError};

use super::{code_list, path_part};

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
pub(super) struct QueuePage {
    page: Page,
    rows: Vec<Row>,
    statuses: Vec<Choice>,
    agents: Vec<Choice>,
    next: Option<String>,
    back: String,
}

pub(super) const ROW_COLUMNS: &str =
    "e.branch, e.id, e.agent_id, e.device_id, e.batch_seq, e.status, \
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
pub(super) async fn agent_names(
    state: &AppState,
    user: &User,
) -> Result<Vec<(String, String)>, WebError> {
    let mut q = Sql::new("SELECT id, name FROM agents WHERE ");
    user.scope.filter(&mut q, "branch", Some("id"));
    q.push(" ORDER BY name, id LIMIT 2000");
    let rows = q.fetch_all(state.db.pool()).await?;
    rows.iter()
        .map(|r| Ok((col(r, "id")?, col(r, "name")?)))
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(WebError::from)
}

pub(super) fn row_view(
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
        receipt_no: receipt.map(|r| r.to_string()).unwrap_or_default(),
        codes: code_list(&codes),
    })
}
