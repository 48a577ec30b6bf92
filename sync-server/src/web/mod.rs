//! The supervisors' web app (DOMAIN.md §8, ARCHITECTURE.md §5): server-rendered HTML (askama templates
//! in `sync-server/templates/`, HTML-escaped by default), forms that POST and redirect (303), a
//! few lines of optional JavaScript for keyboard shortcuts, and one small CSS file.
//!
//! A file per concern:
//!
//! | file | what |
//! |---|---|
//! | [`session`] | login (argon2id, throttled), session cookies, logout, the [`session::User`] and [`session::Posted`] extractors |
//! | [`csrf`] | form tokens |
//! | [`scope`] | what an account may see, as SQL |
//! | [`i18n`] | Indonesian and English strings (one table), dates and rupiah |
//! | [`record`] | unsealing a stored record into displayable fields, NIK masking, correction diffs |
//! | [`review`] | the queue, batches, enrollment pages, decisions, reveal |
//! | [`oversight`] | the duplicate queue and the fraud flags |
//! | [`agents`] | agents and Wadah: status, targets, areas, charts |
//! | [`statements`] | commission statements: a month per agent and per Wadah, one agent's lines |
//! | [`payments`] | uploading the payment channel's CSV, the import report |
//! | [`svg`] | server-drawn bar charts |
//! | [`audit`] | the audit-log page and the CSV export |
//!
//! Anything outside the account's scope answers 404, exactly as if it did not exist.

pub mod agents;
pub mod audit;
pub mod csrf;
pub mod i18n;
pub mod oversight;
pub mod payments;
pub mod record;
pub mod review;
pub mod scope;
pub mod session;
pub mod sign_in_guard;
pub mod statements;
pub mod svg;

use askama::Template;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;
use i18n::Lang;
use session::User;

/// The web app's routes (merged into the device API router by `api::router`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/review") }))
        .route("/login", get(session::login_page).post(session::login))
        .route("/logout", post(session::logout))
        .route("/review", get(review::queue))
        .route("/batches/{device_id}/{seq}", get(review::batch))
        .route(
            "/batches/{device_id}/{seq}/decision",
            post(review::batch_decision),
        )
        .route("/enrollments/{branch}/{id}", get(review::enrollment))
        .route(
            "/enrollments/{branch}/{id}/decision",
            post(review::decision),
        )
        .route("/enrollments/{branch}/{id}/reverse", post(review::reverse))
        .route("/enrollments/{branch}/{id}/reveal", post(review::reveal))
        .route("/duplicates", get(oversight::duplicates))
        .route(
            "/duplicates/{branch}/{id}/resolve",
            post(oversight::resolve_duplicate),
        )
        .route("/flags", get(oversight::flags))
        .route("/flags/{id}/resolve", post(oversight::resolve_flag))
        .route("/agents", get(agents::list))
        .route("/agents/{id}", get(agents::page))
        .route("/agents/{id}/target", post(agents::set_target))
        .route("/agents/{id}/area", post(agents::set_area))
        .route("/statements", get(statements::list))
        .route("/statements/{agent_id}", get(statements::page))
        .route("/payments", get(payments::page))
        .route(
            "/payments/import",
            post(payments::import).layer(DefaultBodyLimit::max(payments::BODY_LIMIT)),
        )
        .route("/audit", get(audit::page))
        .route("/export.csv", get(audit::export))
        .route("/static/app.css", get(stylesheet))
        .route("/static/app.js", get(script))
        .layer(axum::middleware::from_fn(page_headers))
}

/// The chrome every page shares: language, who is signed in, the form token, a message.
pub struct Page {
    pub lang: Lang,
    pub email: String,
    pub role: String,
    pub csrf: String,
    /// A message key from the redirect that led here (`?msg=`), shown if the table knows it.
    pub msg: Option<&'static str>,
    /// Whether decision buttons and forms are shown (not for a Wadah account).
    pub can_write: bool,
}

impl Page {
    pub fn new(user: &User, msg: Option<&str>) -> Page {
        Page {
            lang: user.lang,
            email: user.email.clone(),
            role: user.role.clone(),
            csrf: user.csrf.clone(),
            msg: msg.and_then(|key| i18n::message(user.lang, key)),
            can_write: user.can_write(),
        }
    }

    /// The text of `key` in the page's language.
    pub fn t(&self, key: &str) -> &'static str {
        i18n::t(self.lang, key)
    }

    /// The other language's code (for the switch).
    pub fn other_lang(&self) -> &'static str {
        self.lang.other().code()
    }

    pub fn is_admin(&self) -> bool {
        self.role == "admin"
    }
}

/// Why a page could not be shown. Messages are fixed and bilingual; no personal data.
#[derive(Debug)]
pub enum WebError {
    /// Missing, or outside the account's scope (the same answer on purpose).
    NotFound,
    /// A POST without a valid form token, or by a read-only account.
    Forbidden,
    /// A form field is wrong (the key of the message).
    Invalid(&'static str),
    /// Something failed on our side (logged, without parameters).
    Internal,
}

impl From<sqlx::Error> for WebError {
    fn from(e: sqlx::Error) -> WebError {
        tracing::error!(error = %e, "web: database error");
        WebError::Internal
    }
}

/// A service operation's failure, as a page answers it (the one conversion of the web app):
/// not found (or out of scope) is 404, a refused input shows the form's message again, anything
/// else is ours (logged by kind).
impl From<crate::service::ServiceError> for WebError {
    fn from(e: crate::service::ServiceError) -> WebError {
        use crate::service::ServiceError;
        match e {
            ServiceError::NotFound(_) => WebError::NotFound,
            ServiceError::Invalid(_) | ServiceError::Conflict(_) => {
                WebError::Invalid("msg.invalid")
            }
            ServiceError::Db(e) => WebError::from(e),
            ServiceError::Key(e) => WebError::from(e),
            ServiceError::Io(_) => {
                tracing::error!(error = %e, "web: a service operation failed");
                WebError::Internal
            }
        }
    }
}

impl From<crate::keys::KeyError> for WebError {
    fn from(e: crate::keys::KeyError) -> WebError {
        tracing::error!(error = %e, "web: key error");
        WebError::Internal
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    id: &'static str,
    en: &'static str,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, key) = match self {
            WebError::NotFound => (StatusCode::NOT_FOUND, "err.not_found"),
            WebError::Forbidden => (StatusCode::FORBIDDEN, "err.forbidden"),
            WebError::Invalid(key) => (StatusCode::BAD_REQUEST, key),
            WebError::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "err.internal"),
        };
        let page = ErrorPage {
            status: status.as_u16(),
            id: i18n::t(Lang::Id, key),
            en: i18n::t(Lang::En, key),
        };
        match page.render() {
            Ok(body) => (status, Html(body)).into_response(),
            Err(_) => status.into_response(),
        }
    }
}

/// An HTML body.
pub struct Html(pub String);

impl IntoResponse for Html {
    fn into_response(self) -> Response {
        ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], self.0).into_response()
    }
}

/// Renders a template into a 200 page.
pub fn render(template: &impl Template) -> Result<Response, WebError> {
    template
        .render()
        .map(|body| Html(body).into_response())
        .map_err(|e| {
            tracing::error!(error = %e, "web: template error");
            WebError::Internal
        })
}

/// A 303 to `path` (after a POST). Whatever `path` holds (ids and `back` come from requests),
/// the `Location` header is always valid: every byte outside visible ASCII is percent-encoded,
/// so a CR/LF can neither split the header nor make building it fail after a decision was
/// already saved.
pub fn see_other(path: &str) -> Response {
    Redirect::to(&header_safe(path)).into_response()
}

/// `text` with every byte that is not visible ASCII (controls, space, DEL, non-ASCII)
/// percent-encoded: always a valid header value.
pub fn header_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_graphic() {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Security headers on every page, and the language cookie when `?lang=` names a language.
async fn page_headers(req: Request, next: Next) -> Response {
    let chosen = req.uri().query().and_then(i18n::lang_from_query);
    let secure = session::wants_secure_cookie(req.headers());
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !headers.contains_key(header::CACHE_CONTROL) {
        // Pages hold personal data: not kept by the browser or a proxy.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if let Some(lang) = chosen {
        let cookie = session::cookie_header(
            session::Cookie::Language,
            lang.code(),
            Some(365 * 24 * 3600),
            secure,
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            headers.append(header::SET_COOKIE, value);
        }
    }
    response
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("../../static/app.css"),
    )
        .into_response()
}

async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("../../static/app.js"),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_are_valid_headers_whatever_the_path_holds() {
        assert_eq!(header_safe("/review?status=all"), "/review?status=all");
        assert_eq!(
            header_safe("/a\r\nSet-Cookie: x=1"),
            "/a%0D%0ASet-Cookie:%20x=1"
        );
        assert_eq!(header_safe("/é\u{7f}"), "/%C3%A9%7F");
        let response = see_other("/review\r\nX: y");
        assert_eq!(response.status(), axum::http::StatusCode::SEE_OTHER);
        assert_eq!(response.headers()[header::LOCATION], "/review%0D%0AX:%20y");
    }
}
