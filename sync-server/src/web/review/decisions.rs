//! Decisions (`POST …/decision`, `…/reverse`, a whole batch's): checked, scoped, and made through
//! `service::review::decide`, the operator CLI's function; the redirect back to the queue.

use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

use crate::db::col;
use crate::service::review::{decide, Decision};
use crate::service::ServiceError;
use crate::state::AppState;
use crate::web::scope::Sql;
use crate::web::session::{Posted, User};
use crate::web::{see_other, WebError};

use super::batch::scoped_batch;
use super::path_part;

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
            Err(e) => return Err(e.into()),
        }
    }
    Ok(see_other(&format!("{page}?msg=batch_decided")))
}

/// The message key for a decision form that cannot be right, if any.
pub(super) fn check_decision(form: &DecisionForm) -> Option<&'static str> {
    if Decision::parse(&form.decision).is_none() {
        return Some("invalid");
    }
    if form.decision != "approved" && form.reason.trim().is_empty() {
        return Some("need_reason");
    }
    None
}

pub(super) async fn decide_one(
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

/// The record's status if `(branch, id)` is in the user's scope.
pub(super) async fn scoped_status(
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
pub(super) fn back_to(form: &DecisionForm, fallback: &str) -> String {
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

pub(super) fn with_msg(path: &str, msg: &str) -> String {
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
        Err(e) => Err(e.into()),
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
    if Decision::parse(&form.decision).is_none() {
        return Ok(see_other(&with_msg(&page, "invalid")));
    }
    if form.reason.trim().is_empty() {
        return Ok(see_other(&with_msg(&page, "need_reason")));
    }
    if Decision::parse(&status).is_none() || status == form.decision {
        return Ok(see_other(&with_msg(&page, "not_decidable")));
    }
    match decide_one(&state, &user, &branch, &id, &form).await {
        Ok(()) => Ok(see_other(&with_msg(&page, "reversed"))),
        Err(ServiceError::Conflict(_)) => Ok(see_other(&with_msg(&page, "not_decidable"))),
        Err(ServiceError::Invalid(_)) => Ok(see_other(&with_msg(&page, "need_reason"))),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
