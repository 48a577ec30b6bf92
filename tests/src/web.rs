//! The supervisors' web app spoken to at the HTTP level, as an attacker's script would: no
//! browser, cookies kept by hand (so a test can plant, repeat or drop one), redirects not
//! followed (so a test sees every `303` and its `Location`), and any client address on loopback
//! (`127.0.0.0/8` is all loopback on Linux, so each try can come from an address of its own).
//!
//! ```no_run
//! # async fn demo(url: &str) -> Result<(), perisai_e2e::E2eError> {
//! use perisai_e2e::web::WebClient;
//! let mut supervisor = WebClient::new(url)?;
//! supervisor.login("supervisor@contoh.go.id", "a long pass phrase").await?;
//! let page = supervisor.get("/review").await?;
//! assert_eq!(page.status, 200);
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::device::REQUEST_TIMEOUT;
use crate::error::E2eError;

/// An answer: status, the headers a test looks at, and the body as text.
#[derive(Debug)]
pub struct WebReply {
    pub status: u16,
    /// `Location`, when the answer is a redirect.
    pub location: Option<String>,
    /// Every `Set-Cookie` header, as sent.
    pub set_cookies: Vec<String>,
    pub body: String,
}

/// A browser-less client of the web app with a cookie jar of its own.
pub struct WebClient {
    http: reqwest::Client,
    base: String,
    /// `Host` to send instead of the URL's (to look like a non-loopback deployment).
    host: Option<String>,
    /// Further headers sent with every request (e.g. `X-Forwarded-For`).
    extra: Vec<(String, String)>,
    /// Cookies by name, sent in this order.
    pub cookies: BTreeMap<String, String>,
    /// The session's CSRF token, read from the last page that had a form.
    pub csrf: String,
}

impl WebClient {
    /// A client of the web app at `base` (e.g. `http://127.0.0.1:PORT`).
    pub fn new(base: &str) -> Result<WebClient, E2eError> {
        Self::build(base, None)
    }

    /// A client whose connections come from the loopback address `local` (e.g. 127.3.2.1).
    pub fn from_address(base: &str, local: IpAddr) -> Result<WebClient, E2eError> {
        Self::build(base, Some(local))
    }

    fn build(base: &str, local: Option<IpAddr>) -> Result<WebClient, E2eError> {
        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(REQUEST_TIMEOUT)
            .local_address(local)
            .build()?;
        Ok(WebClient {
            http,
            base: base.trim_end_matches('/').to_string(),
            host: None,
            extra: Vec::new(),
            cookies: BTreeMap::new(),
            csrf: String::new(),
        })
    }

    /// Sends `host` as the `Host` header from now on (the server then thinks it is deployed
    /// under that name, not on loopback).
    pub fn with_host(mut self, host: &str) -> WebClient {
        self.host = Some(host.to_string());
        self
    }

    /// Sends `name: value` with every request from now on.
    pub fn with_header(mut self, name: &str, value: &str) -> WebClient {
        self.extra.push((name.to_string(), value.to_string()));
        self
    }

    /// The `Cookie` header this client sends.
    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// `GET path` with the jar's cookies.
    pub async fn get(&mut self, path: &str) -> Result<WebReply, E2eError> {
        let cookie = self.cookie_header();
        self.get_with_cookie(path, &cookie).await
    }

    /// `GET path` with exactly this `Cookie` header (the jar is not sent, but is updated).
    pub async fn get_with_cookie(
        &mut self,
        path: &str,
        cookie: &str,
    ) -> Result<WebReply, E2eError> {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if !cookie.is_empty() {
            request = request.header("cookie", cookie);
        }
        if let Some(host) = &self.host {
            request = request.header("host", host);
        }
        self.send(request).await
    }

    /// `POST path` with an urlencoded form (the session's CSRF token is not added: a test says
    /// what is sent).
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Result<WebReply, E2eError> {
        let body = serde_urlencoded_pairs(form);
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        let cookie = self.cookie_header();
        if !cookie.is_empty() {
            request = request.header("cookie", cookie);
        }
        if let Some(host) = &self.host {
            request = request.header("host", host);
        }
        self.send(request).await
    }

    /// `POST path` with `form` plus the session's CSRF token.
    pub async fn post_with_csrf(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
    ) -> Result<WebReply, E2eError> {
        let csrf = self.csrf.clone();
        let mut fields: Vec<(&str, &str)> = form.to_vec();
        fields.push(("csrf", &csrf));
        self.post(path, &fields).await
    }

    async fn send(&mut self, mut request: reqwest::RequestBuilder) -> Result<WebReply, E2eError> {
        for (name, value) in &self.extra {
            request = request.header(name.as_str(), value.as_str());
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let set_cookies: Vec<String> = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect();
        for cookie in &set_cookies {
            let Some((name, rest)) = cookie.split_once('=') else {
                continue;
            };
            let value = rest.split(';').next().unwrap_or("").to_string();
            let expired = cookie.to_ascii_lowercase().contains("max-age=0");
            if expired || value.is_empty() {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value);
            }
        }
        let body = response.text().await.unwrap_or_default();
        if let Some(token) = csrf_in(&body) {
            self.csrf = token;
        }
        Ok(WebReply {
            status,
            location,
            set_cookies,
            body,
        })
    }

    /// One sign-in attempt (the login form first, for its token): the answer to the POST.
    pub async fn try_login(&mut self, email: &str, password: &str) -> Result<WebReply, E2eError> {
        let form = self.get("/login").await?;
        if form.status != 200 {
            return Ok(form);
        }
        let csrf = self.csrf.clone();
        self.post(
            "/login",
            &[("email", email), ("password", password), ("csrf", &csrf)],
        )
        .await
    }

    /// Signs in, and reads the session's CSRF token from the review page; fails unless the
    /// sign-in worked.
    pub async fn login(&mut self, email: &str, password: &str) -> Result<(), E2eError> {
        let reply = self.try_login(email, password).await?;
        if reply.status != 303 {
            return Err(E2eError::new(format!(
                "sign-in as {email} answered {} instead of 303",
                reply.status
            )));
        }
        let review = self.get("/review").await?;
        if review.status != 200 {
            return Err(E2eError::new(format!(
                "after sign-in /review answered {}",
                review.status
            )));
        }
        Ok(())
    }
}

/// The value of the first `name="csrf"` hidden field of a page.
fn csrf_in(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")?;
    let rest = &html[at + "name=\"csrf\" value=\"".len()..];
    Some(rest.split('"').next()?.to_string())
}

/// `application/x-www-form-urlencoded` of `pairs`, every byte that is not unreserved encoded
/// (so a test can send CR, LF and other control characters exactly).
fn serde_urlencoded_pairs(pairs: &[(&str, &str)]) -> String {
    fn encode(text: &str) -> String {
        text.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    }
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_encoded_byte_for_byte() {
        assert_eq!(
            serde_urlencoded_pairs(&[("back", "/review\r\nX: y"), ("a", "ü")]),
            "back=%2Freview%0D%0AX%3A%20y&a=%C3%BC"
        );
    }

    #[test]
    fn the_csrf_token_is_read_from_the_first_form() {
        let html = r#"<form><input type="hidden" name="csrf" value="abc-123"></form>"#;
        assert_eq!(csrf_in(html).as_deref(), Some("abc-123"));
        assert_eq!(csrf_in("<p>none</p>"), None);
    }
}
