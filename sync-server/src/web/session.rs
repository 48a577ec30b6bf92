//! Signing in and out, and who is asking.
//!
//! - Passwords are argon2id hashes (`users.password_hash`, made by `admin::org::create_user`);
//!   checking one runs on a blocking thread, and an unknown email costs the same work as a known
//!   one, so timing does not tell which accounts exist.
//! - A session is a random 256-bit id in an `HttpOnly; SameSite=Strict` cookie (`Secure` unless
//!   the browser talks to a loopback address over plain HTTP); the database keeps only its
//!   SHA-256 (`web_sessions`), with the session's CSRF token, an idle and an absolute deadline.
//! - Throttling (counters in `rate_windows`, shared by every server instance), without a lockout
//!   an attacker could cause: failures are counted per (account, address) pair and per address,
//!   and those refuse for the rest of a 15-minute window; per account alone there is only a
//!   generous ceiling past which every try waits, so guessing from many addresses slows down
//!   while the real user, from their own address, still gets in.

use std::sync::OnceLock;
use std::time::Duration;

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
use super::{csrf, render, WebError};
use crate::api::{AppState, ClientAddr};
use crate::db::{audit, col, now_ms, rate};

pub const SESSION_COOKIE: &str = "perisai_session";
const LOGIN_COOKIE: &str = "perisai_login";
/// A session ends this long after sign-in, whatever happens.
const SESSION_MAX_MS: i64 = 12 * 3600 * 1000;
/// ... or after this long without a request.
const SESSION_IDLE_MS: i64 = 2 * 3600 * 1000;
/// The throttle window.
pub const THROTTLE_WINDOW_MS: i64 = 15 * 60 * 1000;
/// Failures one address may have on one account per window before that pair is refused.
pub const PAIR_LIMIT: i64 = 5;
/// Failures one address may have over all accounts per window before it is refused.
pub const ADDRESS_LIMIT: i64 = 30;
/// Failures on one account from anywhere per window past which every try waits [`SLOW_DOWN`].
pub const ACCOUNT_CEILING: i64 = 50;
const SLOW_DOWN: Duration = Duration::from_secs(2);
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
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
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
            LOGIN_COOKIE,
            &token,
            Some(3600),
            wants_secure_cookie(headers),
        ),
    );
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
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if !csrf::matches(&expected, &form.csrf) {
        return Err(WebError::Forbidden);
    }
    let email = form.email.trim().to_lowercase();
    let account_key = sha256_hex(&format!("login-account:{email}"));
    let pair_key = sha256_hex(&format!("login-pair:{email}|{address}"));
    let address_key = sha256_hex(&format!("login-address:{address}"));

    let mut conn = state.db.pool().acquire().await?;
    let pair = rate::current(&mut conn, "web.login.pair", &pair_key, THROTTLE_WINDOW_MS).await?;
    let from_address = rate::current(
        &mut conn,
        "web.login.address",
        &address_key,
        THROTTLE_WINDOW_MS,
    )
    .await?;
    if pair >= PAIR_LIMIT || from_address >= ADDRESS_LIMIT {
        let (_, wait_s) = rate::window(now_ms(), THROTTLE_WINDOW_MS);
        let mut response = login_form(
            lang,
            &headers,
            StatusCode::TOO_MANY_REQUESTS,
            Some("login.throttled"),
        )?;
        if let Ok(value) = HeaderValue::from_str(&wait_s.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return Ok(response);
    }
    let account = rate::current(
        &mut conn,
        "web.login.account",
        &account_key,
        THROTTLE_WINDOW_MS,
    )
    .await?;
    if account >= ACCOUNT_CEILING {
        tokio::time::sleep(SLOW_DOWN).await;
    }

    let row = sqlx::query("SELECT id, password_hash, branch FROM users WHERE email = $1")
        .bind(&email)
        .fetch_optional(&mut *conn)
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
        rate::hit(&mut conn, "web.login.pair", &pair_key, THROTTLE_WINDOW_MS).await?;
        rate::hit(
            &mut conn,
            "web.login.address",
            &address_key,
            THROTTLE_WINDOW_MS,
        )
        .await?;
        rate::hit(
            &mut conn,
            "web.login.account",
            &account_key,
            THROTTLE_WINDOW_MS,
        )
        .await?;
        tracing::info!("web: failed sign-in");
        return login_form(
            lang,
            &headers,
            StatusCode::UNAUTHORIZED,
            Some("login.failed"),
        );
    };

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
    let secure = wants_secure_cookie(&headers);
    let mut response = Redirect::to("/review").into_response();
    set_cookie(
        &mut response,
        &cookie_header(SESSION_COOKIE, &token, Some(SESSION_MAX_MS / 1000), secure),
    );
    set_cookie(
        &mut response,
        &cookie_header(LOGIN_COOKIE, "", Some(0), secure),
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
        &cookie_header(SESSION_COOKIE, "", Some(0), wants_secure_cookie(&headers)),
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

/// The value of cookie `name` in the request, if any.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A `Set-Cookie` value: `HttpOnly; SameSite=Strict; Path=/`, and `Secure` when asked.
pub fn cookie_header(name: &str, value: &str, max_age_s: Option<i64>, secure: bool) -> String {
    let mut cookie = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if let Some(age) = max_age_s {
        cookie.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        cookie.push_str("; Secure");
    }
    cookie
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
        let c = cookie_header("perisai_session", "abc", Some(60), true);
        assert_eq!(
            c,
            "perisai_session=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=60; Secure"
        );
    }

    #[test]
    fn the_named_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; perisai_session=xyz; b=2"),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("xyz"));
        assert_eq!(cookie(&h, "missing"), None);
    }
}
