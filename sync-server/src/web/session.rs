//! Signing in and out, and who is asking.
//!
//! - Passwords are argon2id hashes (`users.password_hash`, made by `service::org::create_user`);
//!   checking one runs on a blocking thread, and an unknown email costs the same work as a known
//!   one, so timing does not tell which accounts exist.
//! - A session is a random 256-bit id in an `HttpOnly; SameSite=Strict` cookie (`Secure` unless
//!   the browser talks to a loopback address over plain HTTP); the database keeps only its
//!   SHA-256 (`web_sessions`), with the session's CSRF token, an idle and an absolute deadline.
//! - Cookies are `__Host-` prefixed when `Secure` (a cookie planted from a sibling subdomain
//!   cannot carry that name), and a request carrying the session cookie twice signs nobody in.
//! - Guessing and floods are held back before the password check by `sign_in_guard`: a cap on
//!   concurrent checks, counters taken atomically before the work, IPv6 by /64, and known
//!   browsers that the account-wide limits never lock out.

use std::sync::OnceLock;

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, SaltString};
use argon2::{Argon2, PasswordVerifier};
use askama::Template;
use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::i18n::Lang;
use super::scope::Scope;
use super::sign_in_guard::{self, Admission};
use super::{csrf, render, WebError};
use crate::client_addr::ClientAddr;
use crate::db::{audit, col, now_ms};
use crate::state::AppState;

/// A session ends this long after sign-in, whatever happens.
const SESSION_MAX_MS: i64 = 12 * 3600 * 1000;
/// ... or after this long without a request.
const SESSION_IDLE_MS: i64 = 2 * 3600 * 1000;
/// Largest form body accepted.
const FORM_LIMIT: usize = 64 * 1024;

/// The signed-in account behind a request. Extracting it from a request without a live session
/// redirects to `/login`.
#[derive(Clone, Debug)]
pub struct User {
    pub id: String,
    pub email: String,
    pub role: String,
    pub branch: Option<String>,
    pub scope: Scope,
    pub csrf: String,
    pub lang: Lang,
    id_hash: String,
}

impl User {
    /// Whether the account may change anything (a Wadah account only reads).
    pub fn can_write(&self) -> bool {
        self.role == "admin" || self.role == "supervisor"
    }

    /// The name the audit log gives this account.
    pub fn actor(&self) -> String {
        format!("web:{}", self.email)
    }
}

impl FromRequestParts<AppState> for User {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let lang = Lang::from_parts(parts);
        let name = Cookie::Session.name(wants_secure_cookie(&parts.headers));
        let Some(token) = only_cookie(&parts.headers, name) else {
            return Err(Redirect::to("/login").into_response());
        };
        match load_session(state, &token, lang).await {
            Ok(Some(user)) => Ok(user),
            Ok(None) => Err(Redirect::to("/login").into_response()),
            Err(e) => Err(e.into_response()),
        }
    }
}

async fn load_session(state: &AppState, token: &str, lang: Lang) -> Result<Option<User>, WebError> {
    let id_hash = sha256_hex(token);
    let now = now_ms();
    let row = sqlx::query(
        "SELECT s.user_id, s.csrf, s.seen_ms, u.email, u.role, u.branch, u.wadah_id
         FROM web_sessions s JOIN users u ON u.id = s.user_id
         WHERE s.id_hash = $1 AND s.expires_ms > $2 AND s.seen_ms > $3",
    )
    .bind(&id_hash)
    .bind(now)
    .bind(now - SESSION_IDLE_MS)
    .fetch_optional(state.db.pool())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let seen: i64 = col(&row, "seen_ms")?;
    if now - seen > 60_000 {
        sqlx::query("UPDATE web_sessions SET seen_ms = $1 WHERE id_hash = $2")
            .bind(now)
            .bind(&id_hash)
            .execute(state.db.pool())
            .await?;
    }
    let role: String = col(&row, "role")?;
    let branch: Option<String> = col(&row, "branch")?;
    let wadah: Option<String> = col(&row, "wadah_id")?;
    let scope = Scope::load(state.db.pool(), &role, branch.as_deref(), wadah.as_deref()).await?;
    Ok(Some(User {
        id: col(&row, "user_id")?,
        email: col(&row, "email")?,
        role,
        branch,
        scope,
        csrf: col(&row, "csrf")?,
        lang,
        id_hash,
    }))
}

/// A POSTed form from an account that may write, with a valid CSRF token. Anything else is
/// refused (403) before the handler runs; without a session it redirects to `/login`.
pub struct Posted<T> {
    pub user: User,
    pub form: T,
}

/// Like [`Posted`] but also for read-only accounts (signing out).
pub struct PostedAny<T> {
    pub user: User,
    pub form: T,
}

impl<T: DeserializeOwned> FromRequest<AppState> for Posted<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (user, form) = read_post(req, state, false).await?;
        Ok(Posted { user, form })
    }
}

impl<T: DeserializeOwned> FromRequest<AppState> for PostedAny<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (user, form) = read_post(req, state, true).await?;
        Ok(PostedAny { user, form })
    }
}

async fn read_post<T: DeserializeOwned>(
    req: Request,
    state: &AppState,
    read_only_ok: bool,
) -> Result<(User, T), Response> {
    let (mut parts, body) = req.into_parts();
    let user = User::from_request_parts(&mut parts, state).await?;
    let fields = read_form_fields(body).await?;
    let token = fields.get("csrf").and_then(|v| v.as_str()).unwrap_or("");
    if !csrf::matches(&user.csrf, token) {
        return Err(WebError::Forbidden.into_response());
    }
    if !read_only_ok && !user.can_write() {
        return Err(WebError::Forbidden.into_response());
    }
    let form = serde_json::from_value(serde_json::Value::Object(fields))
        .map_err(|_| WebError::Invalid("err.form").into_response())?;
    Ok((user, form))
}

/// An urlencoded body as a map of strings (a repeated field keeps its last value).
async fn read_form_fields(
    body: Body,
) -> Result<serde_json::Map<String, serde_json::Value>, Response> {
    let bytes = axum::body::to_bytes(body, FORM_LIMIT)
        .await
        .map_err(|_| WebError::Invalid("err.form").into_response())?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
        .map_err(|_| WebError::Invalid("err.form").into_response())?;
    Ok(pairs
        .into_iter()
        .map(|(k, v)| (k, serde_json::Value::String(v)))
        .collect())
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    lang: Lang,
    csrf: String,
    error: Option<&'static str>,
}

impl LoginPage {
    fn t(&self, key: &str) -> &'static str {
        super::i18n::t(self.lang, key)
    }
    fn other_lang(&self) -> &'static str {
        self.lang.other().code()
    }
}

/// `GET /login`: the form, with a fresh login token in a cookie and in the form.
pub async fn login_page(lang: Lang, headers: HeaderMap) -> Result<Response, WebError> {
    login_form(lang, &headers, StatusCode::OK, None)
}

fn login_form(
    lang: Lang,
    headers: &HeaderMap,
    status: StatusCode,
    error: Option<&'static str>,
) -> Result<Response, WebError> {
    let token = csrf::new_token().ok_or(WebError::Internal)?;
    let mut response = render(&LoginPage {
        lang,
        csrf: token.clone(),
        error,
    })?;
    *response.status_mut() = status;
    set_cookie(
        &mut response,
        &cookie_header(
            Cookie::Login,
            &token,
            Some(3600),
            wants_secure_cookie(headers),
        ),
    );
    Ok(response)
}

/// The login form again, 429, with `Retry-After`.
fn throttled(lang: Lang, headers: &HeaderMap, retry_after_s: u64) -> Result<Response, WebError> {
    let mut response = login_form(
        lang,
        headers,
        StatusCode::TOO_MANY_REQUESTS,
        Some("login.throttled"),
    )?;
    if let Ok(value) = HeaderValue::from_str(&retry_after_s.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    Ok(response)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

/// `POST /login`.
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    lang: Lang,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, WebError> {
    let fields = match read_form_fields(body).await {
        Ok(fields) => fields,
        Err(response) => return Ok(response),
    };
    let form: LoginForm = serde_json::from_value(serde_json::Value::Object(fields))
        .map_err(|_| WebError::Invalid("err.form"))?;
    let secure = wants_secure_cookie(&headers);
    let expected = only_cookie(&headers, Cookie::Login.name(secure)).unwrap_or_default();
    if !csrf::matches(&expected, &form.csrf) {
        return Err(WebError::Forbidden);
    }
    let email = form.email.trim().to_lowercase();
    let browser = only_cookie(&headers, Cookie::KnownBrowser.name(secure));
    let admitted = match sign_in_guard::admit(&state, &email, &address, browser.as_deref()).await? {
        Admission::Admitted(admitted) => admitted,
        Admission::Refused { retry_after_s } => return throttled(lang, &headers, retry_after_s),
    };

    // No pooled connection is held across the password check: it takes tens of milliseconds
    // of a core, and the pool is the device API's too.
    let row = sqlx::query("SELECT id, password_hash, branch FROM users WHERE email = $1")
        .bind(&email)
        .fetch_optional(state.db.pool())
        .await?;
    let (user_id, stored_hash, branch) = match &row {
        Some(row) => (
            Some(col::<String>(row, "id")?),
            col::<String>(row, "password_hash")?,
            col::<Option<String>>(row, "branch")?,
        ),
        None => (None, dummy_hash().to_string(), None),
    };
    let password = form.password;
    let verified = tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored_hash)
            .map(|hash| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &hash)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .map_err(|_| WebError::Internal)?;
    let Some(user_id) = user_id.filter(|_| verified) else {
        drop(admitted);
        tracing::info!("web: failed sign-in");
        return login_form(
            lang,
            &headers,
            StatusCode::UNAUTHORIZED,
            Some("login.failed"),
        );
    };
    admitted.succeeded(&state).await?;

    let mut conn = state.db.pool().acquire().await?;
    let token = B64URL.encode(crate::keys::random_bytes::<32>()?);
    let csrf_token = csrf::new_token().ok_or(WebError::Internal)?;
    let now = now_ms();
    sqlx::query(
        "INSERT INTO web_sessions (id_hash, user_id, csrf, created_ms, seen_ms, expires_ms)
         VALUES ($1, $2, $3, $4, $4, $5)",
    )
    .bind(sha256_hex(&token))
    .bind(&user_id)
    .bind(&csrf_token)
    .bind(now)
    .bind(now + SESSION_MAX_MS)
    .execute(&mut *conn)
    .await?;
    // Sessions that ended long ago are cleared now and then (on sign-in).
    sqlx::query("DELETE FROM web_sessions WHERE expires_ms < $1")
        .bind(now - SESSION_MAX_MS)
        .execute(&mut *conn)
        .await?;
    audit::record(
        &mut conn,
        &format!("web:{email}"),
        "web.login",
        branch.as_deref(),
        Some(&user_id),
        &serde_json::json!({}),
    )
    .await?;
    drop(conn);
    let mut response = Redirect::to("/review").into_response();
    set_cookie(
        &mut response,
        &cookie_header(Cookie::Session, &token, Some(SESSION_MAX_MS / 1000), secure),
    );
    set_cookie(
        &mut response,
        &cookie_header(Cookie::Login, "", Some(0), secure),
    );
    set_cookie(
        &mut response,
        &cookie_header(
            Cookie::KnownBrowser,
            &sign_in_guard::known_browser_cookie(&state, &email)?,
            Some(sign_in_guard::KNOWN_BROWSER_MAX_AGE_S),
            secure,
        ),
    );
    Ok(response)
}

#[derive(Deserialize)]
pub struct Empty {}

/// `POST /logout`: ends the session here and in the database.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    posted: PostedAny<Empty>,
) -> Result<Response, WebError> {
    let user = posted.user;
    let mut conn = state.db.pool().acquire().await?;
    sqlx::query("DELETE FROM web_sessions WHERE id_hash = $1")
        .bind(&user.id_hash)
        .execute(&mut *conn)
        .await?;
    audit::record(
        &mut conn,
        &user.actor(),
        "web.logout",
        user.branch.as_deref(),
        Some(&user.id),
        &serde_json::json!({}),
    )
    .await?;
    let mut response = Redirect::to("/login").into_response();
    set_cookie(
        &mut response,
        &cookie_header(Cookie::Session, "", Some(0), wants_secure_cookie(&headers)),
    );
    Ok(response)
}

/// A hash to check against when the email is unknown, so that costs the same as a known one.
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(b"not-a-real-password", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

pub fn sha256_hex(text: &str) -> String {
    crate::keys::hex(ring::digest::digest(&ring::digest::SHA256, text.as_bytes()).as_ref())
}

/// The value of cookie `name` in the request, if any (the first, if it is there twice: for
/// cookies that decide nothing, like the language).
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    cookies_named(headers, name).next()
}

/// The value of cookie `name` if the request carries it exactly once. Twice means someone
/// planted one (a sibling subdomain can set a cookie of the same name for a wider domain or
/// path, and the browser then sends both): neither is believed.
pub fn only_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    let mut found = cookies_named(headers, name);
    let first = found.next()?;
    found.next().is_none().then_some(first)
}

fn cookies_named<'a>(headers: &'a HeaderMap, name: &'a str) -> impl Iterator<Item = String> + 'a {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(move |(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The cookies that sign-in and sessions use.
#[derive(Clone, Copy, Debug)]
pub enum Cookie {
    /// The session id.
    Session,
    /// The login form's token (CSRF before there is a session).
    Login,
    /// The known-browser cookie (`sign_in_guard`).
    KnownBrowser,
    /// The page language (decides nothing a planted cookie could abuse: same name everywhere).
    Language,
}

impl Cookie {
    /// The cookie's name: `__Host-` prefixed when it is `Secure`, so that only this host, over
    /// HTTPS, with `Path=/` and no `Domain`, can have set it. Plain HTTP to loopback (a
    /// developer's machine, the demo) cannot carry `Secure` cookies, so there the name is bare.
    pub fn name(self, secure: bool) -> &'static str {
        match (self, secure) {
            (Cookie::Session, true) => "__Host-perisai_session",
            (Cookie::Session, false) => "perisai_session",
            (Cookie::Login, true) => "__Host-perisai_login",
            (Cookie::Login, false) => "perisai_login",
            (Cookie::KnownBrowser, true) => "__Host-perisai_browser",
            (Cookie::KnownBrowser, false) => "perisai_browser",
            (Cookie::Language, _) => super::i18n::LANG_COOKIE,
        }
    }
}

/// A `Set-Cookie` value: `HttpOnly; SameSite=Strict; Path=/`, and `Secure` (with the
/// `__Host-` name) when asked.
pub fn cookie_header(cookie: Cookie, value: &str, max_age_s: Option<i64>, secure: bool) -> String {
    let mut header = format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Strict",
        cookie.name(secure)
    );
    if let Some(age) = max_age_s {
        header.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        header.push_str("; Secure");
    }
    header
}

fn set_cookie(response: &mut Response, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// Cookies are `Secure` unless the browser talks plain HTTP to a loopback address (a developer's
/// or the demo's own machine), where a `Secure` cookie would not come back.
pub fn wants_secure_cookie(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return true;
    };
    let forwarded_https = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .is_some_and(|p| p.eq_ignore_ascii_case("https"));
    if forwarded_https {
        return true;
    }
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host)
    };
    let loopback = name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    !loopback
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_host(host: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_str(host).unwrap());
        h
    }

    #[test]
    fn cookies_are_secure_except_on_loopback() {
        assert!(!wants_secure_cookie(&with_host("127.0.0.1:8080")));
        assert!(!wants_secure_cookie(&with_host("localhost:8080")));
        assert!(!wants_secure_cookie(&with_host("[::1]:8080")));
        assert!(wants_secure_cookie(&with_host("perisai.example.id")));
        assert!(wants_secure_cookie(&with_host("10.1.2.3:8080")));
        assert!(wants_secure_cookie(&HeaderMap::new()));
        let c = cookie_header(Cookie::Session, "abc", Some(60), true);
        assert_eq!(
            c,
            "__Host-perisai_session=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=60; Secure"
        );
        let c = cookie_header(Cookie::Session, "abc", None, false);
        assert_eq!(c, "perisai_session=abc; Path=/; HttpOnly; SameSite=Strict");
    }

    #[test]
    fn the_named_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; perisai_session=xyz; b=2"),
        );
        assert_eq!(cookie(&h, "perisai_session").as_deref(), Some("xyz"));
        assert_eq!(only_cookie(&h, "perisai_session").as_deref(), Some("xyz"));
        assert_eq!(cookie(&h, "missing"), None);
    }

    #[test]
    fn a_cookie_sent_twice_is_believed_nowhere_it_decides() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("perisai_session=planted; lang=en"),
        );
        h.append(
            header::COOKIE,
            HeaderValue::from_static("perisai_session=mine"),
        );
        assert_eq!(only_cookie(&h, "perisai_session"), None);
        assert_eq!(only_cookie(&h, "lang").as_deref(), Some("en"));
        assert_eq!(cookie(&h, "perisai_session").as_deref(), Some("planted"));
    }
}
