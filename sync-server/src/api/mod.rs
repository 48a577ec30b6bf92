//! The device API over HTTP (axum): routes, shared state, and the small helpers every handler
//! uses. One file per endpoint family:
//!
//! | route | file |
//! |---|---|
//! | `POST /v1/activate` | [`activate`] |
//! | `POST /v1/batches` | [`batches`] (the status table of DESIGN.md §4; storing is in `ingest`) |
//! | `POST /v1/nonce`, `POST /v1/downsync` | [`downsync`] (signed requests: [`device_auth`]) |
//! | `GET /healthz`, `/metrics`, `/openapi.json` | [`ops`] |
//!
//! Every handler reads its body itself with a limit ([`read_body`]), and the whole request runs
//! under a deadline, so neither a huge nor a slow request can hold the server.

pub mod activate;
pub mod batches;
pub mod device_auth;
pub mod downsync;
pub mod ops;

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use perisai_core::tariff::RuleBook;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::config::Config;
use crate::db::Db;
use crate::error::ApiError;
use crate::keys::ServerKeys;
use crate::metrics::Metrics;

/// What every handler shares. Holds no state another server instance would need: that is all in
/// the database.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub db: Db,
    pub keys: Arc<ServerKeys>,
    pub config: Config,
    pub metrics: Metrics,
    /// Sign-in's cap on concurrent password checks (`web::sign_in_guard`).
    pub password_checks: crate::web::sign_in_guard::PasswordChecks,
    /// SQLite: batches waiting to be written together (`ingest::group`).
    pub(crate) ingest_group: crate::ingest::group::Queue,
    /// The built-in rule sets with the published ones (`admin::rules`), reloaded from the
    /// database by [`AppState::refresh_rules`].
    rules: RwLock<Arc<RuleBook>>,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(
        db: Db,
        keys: Arc<ServerKeys>,
        config: Config,
    ) -> Result<AppState, prometheus::Error> {
        Ok(AppState(Arc::new(Inner {
            db,
            keys,
            password_checks: crate::web::sign_in_guard::PasswordChecks::new(
                config.max_password_checks,
            ),
            config,
            metrics: Metrics::new()?,
            ingest_group: Default::default(),
            rules: RwLock::new(Arc::new(RuleBook::builtin())),
        })))
    }

    /// The rule sets the server validates with: the devices' built-in book plus what was
    /// published, as of the last [`AppState::refresh_rules`].
    pub fn rules(&self) -> Arc<RuleBook> {
        match self.rules.read() {
            Ok(book) => book.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Reloads the published rule sets (at start and every minute while serving: another
    /// instance or the operator CLI may have published one). A failure keeps the book in force.
    pub async fn refresh_rules(&self) {
        let loaded = match self.db.pool().acquire().await {
            Ok(mut conn) => crate::admin::rules::book(&mut conn).await,
            Err(e) => Err(e.into()),
        };
        match loaded {
            Ok(book) => match self.rules.write() {
                Ok(mut slot) => *slot = Arc::new(book),
                Err(poisoned) => *poisoned.into_inner() = Arc::new(book),
            },
            Err(e) => {
                tracing::error!(error = %e, "published rule sets not loaded; keeping the book in force")
            }
        }
    }
}

/// The device API router with its limits, deadline, metrics and request log.
pub fn router(state: AppState) -> Router {
    let timeout = state.config.request_timeout;
    Router::new()
        .route("/v1/activate", post(activate::activate))
        .route("/v1/batches", post(batches::upload))
        .route("/v1/nonce", post(downsync::nonce))
        .route("/v1/downsync", post(downsync::downsync))
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics))
        .route("/openapi.json", get(ops::openapi))
        .merge(crate::web::router())
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "not_found") })
        .layer(axum::middleware::from_fn_with_state(state.clone(), observe))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(
            // Method and route only: paths hold no personal data, and headers and bodies are not
            // logged at all.
            TraceLayer::new_for_http().make_span_with(|req: &Request| {
                let route = req
                    .extensions()
                    .get::<MatchedPath>()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_else(|| "other".into());
                tracing::info_span!("http", method = %req.method(), route = %route)
            }),
        )
        .with_state(state)
}

/// Records the latency of every request by route and status.
async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "other".into());
    let started = Instant::now();
    let response = next.run(req).await;
    state
        .metrics
        .latency
        .with_label_values(&[route.as_str(), response.status().as_str()])
        .observe(started.elapsed().as_secs_f64());
    response
}

/// Reads a whole body, refusing more than `limit` bytes (413, `too_large_code`).
pub async fn read_body(body: Body, limit: usize, too_large_code: &str) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, too_large_code))
}

/// Reads a JSON request body into `T`. JSON has one kind of number, so `1.0` is the integer 1 (and
/// an `integer` of the OpenAPI document, JSON Schema's rule): integers written with a zero
/// fraction are read as integers, where serde alone would refuse them. Plain integers, what the
/// devices send, parse in one pass; only a body that failed is looked at again.
pub fn from_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, serde_json::Error> {
    let first = match serde_json::from_slice(bytes) {
        Ok(parsed) => return Ok(parsed),
        Err(e) => e,
    };
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return Err(first);
    };
    if !integral_numbers_as_integers(&mut value) {
        return Err(first);
    }
    serde_json::from_value(value).map_err(|_| first)
}

/// Rewrites every number with a zero fraction (`3.0`, `1e2`) up to 2^53 as an integer; whether
/// anything changed. Up to 2^53 every integer is exactly a double, so the number read is the
/// number written; beyond it a double cannot tell `-9223372036854775809` (out of an i64's range)
/// from `-9223372036854775808.0`, and the number stays what it is: refused where an integer is
/// wanted. (Integers written as integers never come here: serde reads them as they are.)
fn integral_numbers_as_integers(value: &mut serde_json::Value) -> bool {
    use serde_json::Value;
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    match value {
        Value::Number(n) if n.is_f64() => {
            match n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() <= EXACT) {
                Some(f) => {
                    *value = Value::from(f as i64);
                    true
                }
                None => false,
            }
        }
        Value::Array(items) => items.iter_mut().fold(false, |changed, item| {
            integral_numbers_as_integers(item) | changed
        }),
        Value::Object(map) => map.values_mut().fold(false, |changed, item| {
            integral_numbers_as_integers(item) | changed
        }),
        _ => false,
    }
}

/// The client as throttles count it ([`throttle_subject`]), or `unknown` when the server runs
/// without connection info (in-process tests). Behind a trusted reverse proxy (`serve
/// --trusted-proxy`), the address the proxy saw, from `X-Forwarded-For`.
#[derive(Clone, Debug)]
pub struct ClientAddr(pub String);

/// How throttles count a client address: an IPv4 address whole (an IPv4-mapped IPv6 address is
/// its IPv4 address), an IPv6 address by its /64, since one subscriber is routinely given a
/// whole /64 and could otherwise try from 2^64 addresses.
pub fn throttle_subject(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                let prefix = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("{prefix}/64")
            }
        },
    }
}

static TRUSTED_PROXIES: std::sync::OnceLock<Vec<std::net::IpAddr>> = std::sync::OnceLock::new();

/// Sets, once per process, the reverse proxies whose `X-Forwarded-For` is believed.
pub fn trust_proxies(proxies: &[std::net::IpAddr]) {
    let _ = TRUSTED_PROXIES.set(proxies.to_vec());
}

/// The client's address given the connection's peer and its `X-Forwarded-For` header: the peer,
/// unless the peer is a trusted proxy; then the right-most forwarded hop that is not itself a
/// trusted proxy (hops further left are the client's own claims and could be forged).
pub fn client_ip(
    peer: std::net::IpAddr,
    forwarded_for: Option<&str>,
    trusted: &[std::net::IpAddr],
) -> std::net::IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    forwarded_for
        .into_iter()
        .flat_map(|h| h.rsplit(','))
        .filter_map(|hop| hop.trim().parse::<std::net::IpAddr>().ok())
        .find(|ip| !trusted.contains(ip))
        .unwrap_or(peer)
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() else {
            return Ok(ClientAddr("unknown".into()));
        };
        let trusted = TRUSTED_PROXIES.get().map(Vec::as_slice).unwrap_or(&[]);
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        Ok(ClientAddr(throttle_subject(client_ip(
            peer.ip(),
            forwarded,
            trusted,
        ))))
    }
}

/// A 200 answer whose body is a signed envelope.
pub fn signed_ok(envelope: &perisai_core::protocol::envelope::SignedEnvelope) -> Response {
    (StatusCode::OK, axum::Json(envelope)).into_response()
}

/// Whether the protocol version `v` is one this server speaks.
pub fn version_supported(v: u32) -> bool {
    (perisai_core::protocol::MIN_PROTOCOL_VERSION..=perisai_core::protocol::PROTOCOL_VERSION)
        .contains(&v)
}

#[cfg(test)]
mod tests {
    use super::{client_ip, from_json};
    use perisai_core::protocol::downsync::DownsyncRequest;
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn throttles_count_ipv6_clients_by_their_64() {
        use super::throttle_subject;
        assert_eq!(throttle_subject(ip("198.51.100.7")), "198.51.100.7");
        assert_eq!(throttle_subject(ip("::ffff:198.51.100.7")), "198.51.100.7");
        assert_eq!(
            throttle_subject(ip("2001:db8:5:6::1")),
            throttle_subject(ip("2001:db8:5:6:ffff:ffff:ffff:ffff"))
        );
        assert_eq!(throttle_subject(ip("2001:db8:5:6::1")), "2001:db8:5:6::/64");
        assert_ne!(
            throttle_subject(ip("2001:db8:5:6::1")),
            throttle_subject(ip("2001:db8:5:7::1"))
        );
    }

    #[test]
    fn forwarded_addresses_count_only_from_a_trusted_proxy() {
        let proxy = ip("10.0.0.2");
        let trusted = [proxy, ip("10.0.0.3")];
        // Straight from a client: the header is the client's own claim and is ignored.
        assert_eq!(
            client_ip(ip("203.0.113.7"), Some("198.51.100.1"), &trusted),
            ip("203.0.113.7")
        );
        // Through the proxy: the hop the proxy added, not what the client wrote before it.
        assert_eq!(
            client_ip(proxy, Some("1.1.1.1, 203.0.113.7"), &trusted),
            ip("203.0.113.7")
        );
        // Through two trusted proxies.
        assert_eq!(
            client_ip(proxy, Some("203.0.113.7, 10.0.0.3"), &trusted),
            ip("203.0.113.7")
        );
        // A proxy that sent no usable header: the proxy itself.
        assert_eq!(client_ip(proxy, None, &trusted), proxy);
        assert_eq!(client_ip(proxy, Some("junk, "), &trusted), proxy);
        // Nothing trusted: always the peer.
        assert_eq!(client_ip(proxy, Some("203.0.113.7"), &[]), proxy);
    }

    /// Found by the API fuzzer (scripts/api-fuzz.sh): `"amount": 724508.0` is a JSON Schema
    /// integer, as the document says, but was refused as `request.malformed`.
    #[test]
    fn integers_written_with_a_zero_fraction_are_integers() {
        let body = br#"{"cursor": "", "cash": [{"id": "a", "record_id": "r", "amount": 724508.0,
            "months": 3e0, "collected_at": "2026-01-05T08:00:00+07:00"}]}"#;
        let request: DownsyncRequest = from_json(body).unwrap();
        assert_eq!(request.cash[0].amount, 724_508);
        assert_eq!(request.cash[0].months, 3);
        // Read exactly (serde_json's float_roundtrip): not 2251799813685247.2.
        let big = br#"{"cash": [{"id": "a", "record_id": "r", "amount": 2251799813685247.0,
            "months": 1, "collected_at": ""}]}"#;
        let request: DownsyncRequest = from_json(big).unwrap();
        assert_eq!(request.cash[0].amount, 2_251_799_813_685_247);
        // Still refused: a real fraction, a number beyond the field, a string, unknown fields.
        for bad in [
            r#"{"cash": [{"id": "a", "record_id": "r", "amount": 1.5, "months": 1, "collected_at": ""}]}"#,
            r#"{"cash": [{"id": "a", "record_id": "r", "amount": 1, "months": 5e9, "collected_at": ""}]}"#,
            r#"{"cash": [{"id": "a", "record_id": "r", "amount": 1e30, "months": 1, "collected_at": ""}]}"#,
            // Found by the long campaign: out of an i64's range, read as a double that rounds
            // to i64::MIN; must not be taken as i64::MIN.
            r#"{"cash": [{"id": "a", "record_id": "r", "amount": -9223372036854775809, "months": 1, "collected_at": ""}]}"#,
            r#"{"cash": [{"id": "a", "record_id": "r", "amount": 9223372036854775808, "months": 1, "collected_at": ""}]}"#,
            r#"{"cash": [{"id": "a", "record_id": "r", "amount": "1", "months": 1, "collected_at": ""}]}"#,
            r#"{"cursor": "", "more": 1.0}"#,
            "not json",
        ] {
            assert!(
                from_json::<DownsyncRequest>(bad.as_bytes()).is_err(),
                "{bad}"
            );
        }
    }
}
