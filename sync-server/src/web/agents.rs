//! Agents and their Wadah: status, this month's enrollments against the monthly target, the
//! assigned area, and two server-drawn charts (enrollments per day over 30 days; per agent this
//! month against target).
//!
//! Status as shown: `suspended` and `dismissed` as stored; an `active` agent with no enrollment
//! in the last three calendar months (counted from its last enrollment, or from its creation)
//! shows as `inactive` (DOMAIN.md §2). Counts leave out records refused at ingest.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{Datelike, Months, NaiveDate};
use serde::Deserialize;

use super::i18n;
use super::review::path_part;
use super::scope::Sql;
use super::session::{Posted, User};
use super::svg::{bar_chart, Bar};
use super::{render, see_other, Page, WebError};
use crate::db::{audit, col, now_ms};
use crate::state::AppState;

pub struct AgentRow {
    pub url: String,
    pub name: String,
    pub wadah: String,
    pub branch: String,
    pub status: &'static str,
    pub last: String,
    pub month_count: i64,
    pub target: String,
}

#[derive(Template)]
#[template(path = "agents.html")]
struct AgentsPage {
    page: Page,
    rows: Vec<AgentRow>,
    chart: String,
    month: String,
}

#[derive(Deserialize, Default)]
pub struct MsgQuery {
    msg: Option<String>,
}

/// Milliseconds at 00:00 WIB of `date`.
fn start_ms(date: NaiveDate) -> i64 {
    date.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp_millis() - 7 * 3600 * 1000)
        .unwrap_or(0)
}

fn month_start(today: NaiveDate) -> NaiveDate {
    today.with_day(1).unwrap_or(today)
}

/// The status a reader sees (see the module comment).
fn shown_status(
    stored: &str,
    last_ms: Option<i64>,
    created_ms: i64,
    today: NaiveDate,
) -> &'static str {
    match stored {
        "suspended" => "agent.suspended",
        "dismissed" => "agent.dismissed",
        "inactive" => "agent.inactive",
        _ => {
            let cutoff = today
                .checked_sub_months(Months::new(3))
                .map(start_ms)
                .unwrap_or(0);
            if last_ms.unwrap_or(created_ms) < cutoff {
                "agent.inactive"
            } else {
                "agent.active"
            }
        }
    }
}

const AGENT_COLUMNS: &str = "a.id, a.name, a.status, a.branch, a.created_ms, w.name AS wadah_name,
    (SELECT MAX(e.received_ms) FROM enrollments e WHERE e.branch = a.branch AND e.agent_id = a.id
        AND e.status <> 'rejected_at_ingest') AS last_ms,
    (SELECT COUNT(*) FROM enrollments e WHERE e.branch = a.branch AND e.agent_id = a.id
        AND e.status <> 'rejected_at_ingest' AND e.received_ms >= ";

/// `GET /agents`.
pub async fn list(
    State(state): State<AppState>,
    user: User,
    Query(query): Query<MsgQuery>,
) -> Result<Response, WebError> {
    let today = i18n::today();
    let month = month_start(today).format("%Y-%m").to_string();
    let mut q = Sql::new("SELECT ");
    q.push(AGENT_COLUMNS)
        .bind_int(start_ms(month_start(today)))
        .push(
            ") AS month_count,
             (SELECT t.enrollments FROM agent_targets t WHERE t.agent_id = a.id AND t.month = ",
        )
        .bind(month.clone())
        .push(") AS target FROM agents a JOIN wadah w ON w.id = a.wadah_id WHERE ");
    user.scope.filter(&mut q, "a.branch", Some("a.id"));
    q.push(" ORDER BY w.name, a.name, a.id LIMIT 500");
    let rows = q.fetch_all(state.db.pool()).await?;
    let mut shown = Vec::new();
    let mut bars = Vec::new();
    for row in &rows {
        let id: String = col(row, "id")?;
        let name: String = col(row, "name")?;
        let last: Option<i64> = col(row, "last_ms")?;
        let target: Option<i64> = col(row, "target")?;
        let month_count: i64 = col(row, "month_count")?;
        let stored: String = col(row, "status")?;
        bars.push(Bar {
            label: name.clone(),
            value: month_count,
            target,
        });
        shown.push(AgentRow {
            url: format!("/agents/{}", path_part(&id)),
            wadah: col(row, "wadah_name")?,
            branch: col(row, "branch")?,
            status: i18n::t(
                user.lang,
                shown_status(&stored, last, col(row, "created_ms")?, today),
            ),
            last: last
                .map(i18n::date_of)
                .unwrap_or_else(|| i18n::t(user.lang, "agents.never").to_string()),
            month_count,
            target: target
                .map(|t| t.to_string())
                .unwrap_or_else(|| i18n::t(user.lang, "agents.no_target").to_string()),
            name,
        });
    }
    let chart = bar_chart(i18n::t(user.lang, "agents.vs_target"), &bars)?;
    render(&AgentsPage {
        page: Page::new(&user, query.msg.as_deref()),
        rows: shown,
        chart,
        month,
    })
}

#[derive(Template)]
#[template(path = "agent.html")]
struct AgentPage {
    page: Page,
    agent: AgentRow,
    url: String,
    chart: String,
    month: String,
    area: Option<(String, String, String)>,
    queue_url: String,
    statement_url: String,
}

/// `GET /agents/{id}`.
pub async fn page(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Query(query): Query<MsgQuery>,
) -> Result<Response, WebError> {
    let today = i18n::today();
    let month = month_start(today).format("%Y-%m").to_string();
    let mut q = Sql::new("SELECT ");
    q.push(AGENT_COLUMNS)
        .bind_int(start_ms(month_start(today)))
        .push(
            ") AS month_count,
             (SELECT t.enrollments FROM agent_targets t WHERE t.agent_id = a.id AND t.month = ",
        )
        .bind(month.clone())
        .push(") AS target FROM agents a JOIN wadah w ON w.id = a.wadah_id WHERE a.id = ")
        .bind(id.clone())
        .push(" AND ");
    user.scope.filter(&mut q, "a.branch", Some("a.id"));
    let row = q
        .fetch_optional(state.db.pool())
        .await?
        .ok_or(WebError::NotFound)?;
    let branch: String = col(&row, "branch")?;
    let last: Option<i64> = col(&row, "last_ms")?;
    let stored: String = col(&row, "status")?;
    let target: Option<i64> = col(&row, "target")?;
    let agent = AgentRow {
        url: format!("/agents/{}", path_part(&id)),
        name: col(&row, "name")?,
        wadah: col(&row, "wadah_name")?,
        branch: branch.clone(),
        status: i18n::t(
            user.lang,
            shown_status(&stored, last, col(&row, "created_ms")?, today),
        ),
        last: last
            .map(i18n::date_of)
            .unwrap_or_else(|| i18n::t(user.lang, "agents.never").to_string()),
        month_count: col(&row, "month_count")?,
        target: target.map(|t| t.to_string()).unwrap_or_default(),
    };
    // Enrollments per day, the last 30 days (WIB), from the agent's index.
    let first_day = today - chrono::Days::new(29);
    let times: Vec<i64> = sqlx::query_scalar(
        "SELECT received_ms FROM enrollments WHERE branch = $1 AND agent_id = $2
         AND received_ms >= $3 AND status <> 'rejected_at_ingest'",
    )
    .bind(&branch)
    .bind(&id)
    .bind(start_ms(first_day))
    .fetch_all(state.db.pool())
    .await?;
    let mut per_day = [0i64; 30];
    for ms in times {
        let day = (ms - start_ms(first_day)) / (24 * 3600 * 1000);
        if let Some(slot) = usize::try_from(day).ok().and_then(|d| per_day.get_mut(d)) {
            *slot += 1;
        }
    }
    let bars: Vec<Bar> = per_day
        .iter()
        .enumerate()
        .map(|(i, n)| Bar {
            label: (first_day + chrono::Days::new(i as u64))
                .format("%d/%m")
                .to_string(),
            value: *n,
            target: None,
        })
        .collect();
    let chart = bar_chart(i18n::t(user.lang, "agents.per_day"), &bars)?;
    let area = sqlx::query("SELECT lat_e6, lon_e6, radius_m FROM agent_areas WHERE agent_id = $1")
        .bind(&id)
        .fetch_optional(state.db.pool())
        .await?;
    let area = match area {
        Some(r) => Some((
            format!("{:.6}", col::<i64>(&r, "lat_e6")? as f64 / 1e6),
            format!("{:.6}", col::<i64>(&r, "lon_e6")? as f64 / 1e6),
            format!("{:.1}", col::<i64>(&r, "radius_m")? as f64 / 1000.0),
        )),
        None => None,
    };
    render(&AgentPage {
        page: Page::new(&user, query.msg.as_deref()),
        url: agent.url.clone(),
        queue_url: format!("/review?status=all&agent={}", path_part(&id)),
        statement_url: format!("/statements/{}", path_part(&id)),
        agent,
        chart,
        month,
        area,
    })
}

/// The agent's branch if it is in the user's scope.
async fn scoped_agent(state: &AppState, user: &User, id: &str) -> Result<String, WebError> {
    let mut q = Sql::new("SELECT branch FROM agents WHERE id = ");
    q.bind(id).push(" AND ");
    user.scope.filter(&mut q, "branch", Some("id"));
    let row = q
        .fetch_optional(state.db.pool())
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(col(&row, "branch")?)
}

#[derive(Deserialize)]
pub struct TargetForm {
    #[serde(default)]
    month: String,
    #[serde(default)]
    enrollments: String,
}

/// `POST /agents/{id}/target` (`month` = YYYY-MM, `enrollments`).
pub async fn set_target(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: Posted<TargetForm>,
) -> Result<Response, WebError> {
    let (user, form) = (posted.user, posted.form);
    let branch = scoped_agent(&state, &user, &id).await?;
    let page = format!("/agents/{}", path_part(&id));
    let this_year = chrono::Utc::now().year();
    let month = target_month(&form.month, this_year);
    let Some((month, target)) = month.zip(
        form.enrollments
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| (0..=10_000).contains(n)),
    ) else {
        return Ok(see_other(&format!("{page}?msg=invalid")));
    };
    let mut tx = state.db.begin_write().await?;
    sqlx::query(
        "INSERT INTO agent_targets (agent_id, branch, month, enrollments, set_by, set_ms)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (agent_id, month) DO UPDATE SET enrollments = excluded.enrollments,
             set_by = excluded.set_by, set_ms = excluded.set_ms",
    )
    .bind(&id)
    .bind(&branch)
    .bind(&month)
    .bind(target)
    .bind(user.actor())
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &user.actor(),
        "agent.target",
        Some(&branch),
        Some(&id),
        &serde_json::json!({"month": month, "enrollments": target}),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!("{page}?msg=saved")))
}

/// The first month a target can be set for: the Perisai programme's records start after it.
const FIRST_TARGET_YEAR: i32 = 2015;
/// How many years ahead a target can be planned.
const TARGET_YEARS_AHEAD: i32 = 5;

/// `text` as a target month `YYYY-MM` (exactly that shape), from January 2015 to December five
/// years from `this_year`; anything else (`0000-01`, `+99999-01`, `2027-13`) is none.
fn target_month(text: &str, this_year: i32) -> Option<String> {
    let text = text.trim();
    let b = text.as_bytes();
    let shape = b.len() == 7
        && b[4] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    let year: i32 = text[..4].parse().ok()?;
    let month: u32 = text[5..].parse().ok()?;
    ((1..=12).contains(&month)
        && (FIRST_TARGET_YEAR..=this_year + TARGET_YEARS_AHEAD).contains(&year))
    .then(|| text.to_string())
}

#[derive(Deserialize)]
pub struct AreaForm {
    #[serde(default)]
    lat: String,
    #[serde(default)]
    lon: String,
    #[serde(default)]
    radius_km: String,
}

/// `POST /agents/{id}/area` (`lat`, `lon`, `radius_km`; a decimal comma is accepted).
pub async fn set_area(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: Posted<AreaForm>,
) -> Result<Response, WebError> {
    let (user, form) = (posted.user, posted.form);
    let branch = scoped_agent(&state, &user, &id).await?;
    let page = format!("/agents/{}", path_part(&id));
    let number = |s: &str| {
        s.trim()
            .replace(',', ".")
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
    };
    let (Some(lat), Some(lon), Some(radius)) = (
        number(&form.lat),
        number(&form.lon),
        number(&form.radius_km),
    ) else {
        return Ok(see_other(&format!("{page}?msg=invalid")));
    };
    if !(-90.0..=90.0).contains(&lat)
        || !(-180.0..=180.0).contains(&lon)
        || !(0.1..=500.0).contains(&radius)
    {
        return Ok(see_other(&format!("{page}?msg=invalid")));
    }
    let mut tx = state.db.begin_write().await?;
    sqlx::query(
        "INSERT INTO agent_areas (agent_id, branch, lat_e6, lon_e6, radius_m, set_by, set_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (agent_id) DO UPDATE SET lat_e6 = excluded.lat_e6, lon_e6 = excluded.lon_e6,
             radius_m = excluded.radius_m, set_by = excluded.set_by, set_ms = excluded.set_ms",
    )
    .bind(&id)
    .bind(&branch)
    .bind((lat * 1e6).round() as i64)
    .bind((lon * 1e6).round() as i64)
    .bind((radius * 1000.0).round() as i64)
    .bind(user.actor())
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    // The area is the agent's workplace, not a participant's location: the detail may hold it.
    audit::record(
        &mut tx,
        &user.actor(),
        "agent.area",
        Some(&branch),
        Some(&id),
        &serde_json::json!({"radius_km": radius}),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!("{page}?msg=saved")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_months_are_plain_and_in_a_sane_range() {
        assert_eq!(target_month(" 2027-01 ", 2026).as_deref(), Some("2027-01"));
        assert_eq!(target_month("2015-01", 2026).as_deref(), Some("2015-01"));
        assert_eq!(target_month("2031-12", 2026).as_deref(), Some("2031-12"));
        for bad in [
            "0000-01",
            "+99999-01",
            "2014-12",
            "2032-01",
            "2027-13",
            "2027-00",
            "2027-1",
            "27-01",
            "2027/01",
            "２０２７-01",
            "",
        ] {
            assert_eq!(target_month(bad, 2026), None, "{bad:?}");
        }
    }

    #[test]
    fn an_agent_without_enrollments_for_three_months_shows_inactive() {
        let today = NaiveDate::from_ymd_opt(2026, 5, 12).unwrap();
        let day = |y, m, d| start_ms(NaiveDate::from_ymd_opt(y, m, d).unwrap());
        assert_eq!(
            shown_status("active", Some(day(2026, 4, 1)), 0, today),
            "agent.active"
        );
        assert_eq!(
            shown_status("active", Some(day(2026, 2, 11)), 0, today),
            "agent.inactive"
        );
        assert_eq!(
            shown_status("active", None, day(2026, 5, 1), today),
            "agent.active"
        );
        assert_eq!(
            shown_status("active", None, day(2025, 1, 1), today),
            "agent.inactive"
        );
        assert_eq!(
            shown_status("suspended", Some(day(2026, 5, 1)), 0, today),
            "agent.suspended"
        );
    }
}
