//! Importing the payment channel's confirmations from the browser (DOMAIN.md §8):
//!
//! - `GET /payments`: the upload form, the expected CSV header, the recent imports in scope;
//! - `POST /payments/import`: a `multipart/form-data` upload (`csrf`, then a `file`, or the CSV
//!   pasted into `csv`; an urlencoded form with `csrf` and `csv` works too) that runs the same
//!   import as `admin import-payments` (`payments::import`), and answers with its report: the
//!   counts, then every refused line with its number, its stable code and what the code means.
//!
//! Scope: the import reaches only the account's branches. A line naming a participant of
//! another branch is refused as `participant.unknown`, exactly as if the participant did not
//! exist, so an upload tells nothing about other branches. Only accounts that may write import
//! (a Wadah account gets 403, like every other write); the form token is checked before
//! anything is imported. The audit log records each import under the account.
//!
//! An upload above [`MAX_UPLOAD`] is refused with 413 and says so. The import runs in a task of
//! its own: if the request's deadline passes first, the import still finishes, and because
//! every line is keyed by its payment reference, sending the file again only counts duplicates.

use askama::Template;
use axum::extract::{FromRequest, FromRequestParts, Query, Request, State};
use axum::http::{header, StatusCode};
use axum::response::Response;
use serde::Deserialize;

use super::i18n::{self, Lang};
use super::scope::{Scope, Sql};
use super::session::User;
use super::{csrf, render, Page, WebError};
use crate::db::{col, now_ms};
use crate::service::payments::import::{self, Importer, Report};
use crate::state::AppState;

/// The largest CSV accepted (about 50,000 lines).
pub const MAX_UPLOAD: usize = 5 * 1024 * 1024;
/// The body limit of the import route: the file and the form around it.
pub const BODY_LIMIT: usize = MAX_UPLOAD + 64 * 1024;

/// Every code an import reports (the table in `payments::import`'s module comment).
pub const CODES: [&str; 14] = [
    "header.invalid",
    "line.columns",
    "line.encoding",
    "payment_ref.format",
    "nik.format",
    "participant.unknown",
    "participant.ambiguous",
    "participant.not_approved",
    "month.format",
    "month.out_of_range",
    "amount.format",
    "paid_at.format",
    "paid_at.future",
    "payment_ref.conflict",
];

/// What a refusal code means, in `lang` (`None` for a code the table does not know: the page
/// shows the code alone).
pub fn explain(lang: Lang, code: &str) -> Option<&'static str> {
    i18n::lookup(lang, &format!("payerr.{code}"))
}

/// One refused line as shown.
pub struct RefusedRow {
    pub line: u64,
    pub code: &'static str,
    pub meaning: &'static str,
}

/// An import's report as shown.
pub struct ReportView {
    pub imported: u64,
    pub duplicates: u64,
    pub header_refused: bool,
    pub refused: Vec<RefusedRow>,
}

/// An earlier import, from the audit log.
pub struct RecentImport {
    pub at: String,
    pub actor: String,
    pub imported: i64,
    pub duplicates: i64,
    pub errors: i64,
}

#[derive(Template)]
#[template(path = "payments.html")]
struct PaymentsPage {
    page: Page,
    header: String,
    max_mb: usize,
    /// The text of what went wrong with the upload (too large, empty, unreadable).
    problem: Option<&'static str>,
    report: Option<ReportView>,
    recent: Vec<RecentImport>,
}

#[derive(Deserialize, Default)]
pub struct MsgQuery {
    msg: Option<String>,
}

/// `GET /payments`.
pub async fn page(
    State(state): State<AppState>,
    user: User,
    Query(query): Query<MsgQuery>,
) -> Result<Response, WebError> {
    show(
        &state,
        &user,
        query.msg.as_deref(),
        None,
        None,
        StatusCode::OK,
    )
    .await
}

async fn show(
    state: &AppState,
    user: &User,
    msg: Option<&str>,
    problem: Option<&'static str>,
    report: Option<ReportView>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let recent = recent_imports(state, user).await?;
    let mut response = render(&PaymentsPage {
        page: Page::new(user, msg),
        header: import::HEADER.join(","),
        max_mb: MAX_UPLOAD / (1024 * 1024),
        problem: problem.map(|key| i18n::t(user.lang, key)),
        report,
        recent,
    })?;
    *response.status_mut() = status;
    Ok(response)
}

/// The last imports filed under the account's branches (all, for an admin); none for a Wadah
/// account, which does not import.
async fn recent_imports(state: &AppState, user: &User) -> Result<Vec<RecentImport>, WebError> {
    if matches!(user.scope, Scope::Wadah { .. }) {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(
        "SELECT at_ms, actor, detail FROM audit_log WHERE action = 'payments.import' AND ",
    );
    user.scope.filter(&mut q, "branch", None);
    q.push(" ORDER BY id DESC LIMIT 10");
    let mut recent = Vec::new();
    for row in q.fetch_all(state.db.pool()).await? {
        let detail: String = col(&row, "detail")?;
        let detail: serde_json::Value = serde_json::from_str(&detail).unwrap_or_default();
        let count = |k: &str| detail.get(k).and_then(|v| v.as_i64()).unwrap_or(0);
        recent.push(RecentImport {
            at: i18n::datetime(col(&row, "at_ms")?),
            actor: col(&row, "actor")?,
            imported: count("imported"),
            duplicates: count("duplicates"),
            errors: count("errors"),
        });
    }
    Ok(recent)
}

/// What the form sent.
#[derive(Default)]
struct Upload {
    csrf: Option<String>,
    csv: Vec<u8>,
}

/// Why the form could not be read.
enum UploadError {
    /// The file is above [`MAX_UPLOAD`]; carries the form token if it came first.
    TooLarge(Option<String>),
    Unreadable,
}

/// Reads the form: multipart (a browser's file upload) or urlencoded (a pasted CSV).
async fn read_upload(req: Request, state: &AppState) -> Result<Upload, UploadError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let bytes = axum::body::to_bytes(req.into_body(), BODY_LIMIT)
            .await
            .map_err(|_| UploadError::TooLarge(None))?;
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&bytes).map_err(|_| UploadError::Unreadable)?;
        let mut upload = Upload::default();
        for (name, value) in pairs {
            match name.as_str() {
                "csrf" => upload.csrf = Some(value),
                "csv" => upload.csv = value.into_bytes(),
                _ => {}
            }
        }
        if upload.csv.len() > MAX_UPLOAD {
            return Err(UploadError::TooLarge(upload.csrf));
        }
        return Ok(upload);
    }
    let mut multipart = axum::extract::Multipart::from_request(req, state)
        .await
        .map_err(|_| UploadError::Unreadable)?;
    let mut upload = Upload::default();
    let mut pasted = Vec::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(UploadError::TooLarge(upload.csrf))
            }
            Err(_) => return Err(UploadError::Unreadable),
        };
        let name = field.name().unwrap_or("").to_string();
        let target = match name.as_str() {
            "csrf" => {
                let token = field.text().await.map_err(|_| UploadError::Unreadable)?;
                upload.csrf = Some(token);
                continue;
            }
            "file" => &mut upload.csv,
            "csv" => &mut pasted,
            _ => continue,
        };
        let mut field = field;
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    if target.len() + chunk.len() > MAX_UPLOAD {
                        return Err(UploadError::TooLarge(upload.csrf));
                    }
                    target.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    return Err(UploadError::TooLarge(upload.csrf))
                }
                Err(_) => return Err(UploadError::Unreadable),
            }
        }
    }
    // A chosen file wins over pasted text.
    if upload.csv.is_empty() {
        upload.csv = pasted;
    }
    Ok(upload)
}

/// Whether `token` is the session's form token.
fn token_ok(user: &User, token: Option<&str>) -> bool {
    csrf::matches(&user.csrf, token.unwrap_or(""))
}

/// `POST /payments/import`.
pub async fn import(State(state): State<AppState>, req: Request) -> Result<Response, WebError> {
    let (mut parts, body) = req.into_parts();
    let user = match User::from_request_parts(&mut parts, &state).await {
        Ok(user) => user,
        Err(redirect) => return Ok(redirect),
    };
    // A read-only account is refused before its upload is even read.
    if !user.can_write() {
        return Err(WebError::Forbidden);
    }
    let upload = match read_upload(Request::from_parts(parts, body), &state).await {
        Ok(upload) => upload,
        Err(UploadError::TooLarge(token)) => {
            if !token_ok(&user, token.as_deref()) {
                return Err(WebError::Forbidden);
            }
            return show(
                &state,
                &user,
                None,
                Some("pay.too_large"),
                None,
                StatusCode::PAYLOAD_TOO_LARGE,
            )
            .await;
        }
        Err(UploadError::Unreadable) => return Err(WebError::Invalid("pay.unreadable")),
    };
    if !token_ok(&user, upload.csrf.as_deref()) {
        return Err(WebError::Forbidden);
    }
    if upload.csv.iter().all(u8::is_ascii_whitespace) {
        return show(
            &state,
            &user,
            None,
            Some("pay.empty"),
            None,
            StatusCode::BAD_REQUEST,
        )
        .await;
    }

    let report = run_import(&state, &user, upload.csv).await?;
    let view = ReportView {
        imported: report.imported,
        duplicates: report.duplicates,
        header_refused: report.header_refused(),
        refused: report
            .errors
            .iter()
            .map(|e| RefusedRow {
                line: e.line,
                code: e.code,
                meaning: explain(user.lang, e.code).unwrap_or(""),
            })
            .collect(),
    };
    let status = if view.header_refused {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    show(&state, &user, None, None, Some(view), status).await
}

/// Runs the import in a task of its own (it finishes even if the request is dropped).
async fn run_import(state: &AppState, user: &User, csv: Vec<u8>) -> Result<Report, WebError> {
    let state = state.clone();
    let actor = user.actor();
    let branch = user.branch.clone();
    let reach = user.scope.branches();
    let task = tokio::spawn(async move {
        let book = state.rules();
        let by = Importer {
            actor: &actor,
            branch: branch.as_deref(),
            reach: reach.as_deref(),
        };
        import::import_as(&state.db, &state.keys, &book, csv.as_slice(), now_ms(), by).await
    });
    match task.await {
        Ok(Ok(report)) => Ok(report),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "web: payment import failed");
            Err(WebError::Internal)
        }
        Err(_) => {
            tracing::error!("web: payment import task ended abnormally");
            Err(WebError::Internal)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_import_code_is_explained_in_both_languages() {
        for code in CODES {
            let id = explain(Lang::Id, code).unwrap_or_else(|| panic!("{code} (id)"));
            let en = explain(Lang::En, code).unwrap_or_else(|| panic!("{code} (en)"));
            assert!(!id.is_empty() && !en.is_empty() && id != en, "{code}");
        }
        assert_eq!(explain(Lang::En, "no.such"), None);
    }

    #[test]
    fn the_codes_are_those_the_import_documents() {
        // The table in payments/import.rs's module comment is the list of stable codes.
        let documented: Vec<&str> = include_str!("../service/payments/import.rs")
            .lines()
            .filter_map(|l| l.strip_prefix("//! | `"))
            .filter_map(|l| l.split('`').next())
            .collect();
        let mut listed = CODES.to_vec();
        listed.sort_unstable();
        let mut documented = documented;
        documented.sort_unstable();
        assert_eq!(listed, documented);
    }
}
