//! The HTTP seam of the sync client: [`Transport`] posts one request and hands back the status,
//! `Retry-After` and body. Everything above it (what to send, what an answer means) is plain
//! Rust that tests drive with an in-memory server; [`HttpTransport`] is the real one, over
//! reqwest's blocking client with rustls, behind the `sync-client` feature (the server builds
//! the core without it).
//!
//! The transport never follows a redirect (a checked `https://` URL must not turn into another
//! one), bounds connect and whole-request time, and bounds the size of an answer it reads.

use super::server_url::ServerUrl;

/// Largest answer body read (an activation with the branch's full NIK tag list is the largest:
/// 200,000 tags of 3 bytes, base64 in a signed envelope, base64 again: about 1.1 MB).
pub const MAX_RESPONSE_BYTES: u64 = 8 * 1024 * 1024;

/// One request: always a POST (every device API call is one).
#[derive(Clone, Debug)]
pub struct Request<'a> {
    /// API path, e.g. `/v1/batches`.
    pub path: &'a str,
    pub content_type: &'static str,
    /// Extra headers (the signed-request headers of downsync).
    pub headers: Vec<(&'static str, String)>,
    pub body: &'a [u8],
}

/// What came back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    /// `Retry-After` in seconds, when the server sent one as a number.
    pub retry_after: Option<u64>,
    pub body: Vec<u8>,
}

/// A request that got no HTTP answer. All of these are temporary: the sync retries them.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    #[error("timed out")]
    Timeout,
    #[error("could not connect")]
    Connect,
    /// The connection broke, or the answer was cut or too large.
    #[error("transport failed: {0}")]
    Other(String),
}

/// Posts requests to the sync server.
pub trait Transport: Send + Sync {
    fn post(&self, server: &ServerUrl, request: &Request<'_>) -> Result<Response, TransportError>;
}

#[cfg(feature = "sync-client")]
pub use http::HttpTransport;

#[cfg(feature = "sync-client")]
mod http {
    use std::io::Read;
    use std::time::Duration;

    use super::*;

    /// How long an idle connection is kept for the next request of the same sync.
    pub const POOL_IDLE: Duration = Duration::from_secs(5);

    /// [`Transport`] over reqwest's blocking client (rustls, no redirects, timeouts).
    ///
    /// Blocking, like every `AgentApp` call: the shells call sync from a worker thread
    /// (WorkManager, BGTaskScheduler), never from an async runtime.
    #[derive(Debug)]
    pub struct HttpTransport {
        client: reqwest::blocking::Client,
    }

    impl HttpTransport {
        pub fn new(
            connect_timeout: Duration,
            request_timeout: Duration,
        ) -> Result<HttpTransport, crate::CoreError> {
            let client = reqwest::blocking::Client::builder()
                .connect_timeout(connect_timeout)
                .timeout(request_timeout)
                // Below the server's idle limit (30 s by default, never under 10 s in a sane
                // deployment): a connection the server may be closing is never reused, so a
                // request is not lost to that race. Within one sync, requests follow each other
                // in well under this.
                .pool_idle_timeout(POOL_IDLE)
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(concat!("perisai-core/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|_| crate::CoreError::SyncNetwork("HTTP client unavailable".into()))?;
            Ok(HttpTransport { client })
        }
    }

    fn classify(e: &reqwest::Error) -> TransportError {
        if e.is_timeout() {
            TransportError::Timeout
        } else if e.is_connect() {
            TransportError::Connect
        } else {
            // reqwest's text names the URL; the kind is enough and names nothing of ours.
            TransportError::Other(if e.is_body() || e.is_decode() {
                "answer cut".into()
            } else if e.is_request() {
                "request failed".into()
            } else {
                "connection failed".into()
            })
        }
    }

    impl Transport for HttpTransport {
        fn post(
            &self,
            server: &ServerUrl,
            request: &Request<'_>,
        ) -> Result<Response, TransportError> {
            let mut builder = self
                .client
                .post(server.join(request.path))
                .header(reqwest::header::CONTENT_TYPE, request.content_type)
                .body(request.body.to_vec());
            for (name, value) in &request.headers {
                builder = builder.header(*name, value.as_str());
            }
            let response = builder.send().map_err(|e| classify(&e))?;
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok());
            let mut body = Vec::new();
            response
                .take(MAX_RESPONSE_BYTES + 1)
                .read_to_end(&mut body)
                .map_err(|e| {
                    if e.kind() == std::io::ErrorKind::TimedOut {
                        TransportError::Timeout
                    } else {
                        TransportError::Other("answer cut".into())
                    }
                })?;
            if body.len() as u64 > MAX_RESPONSE_BYTES {
                return Err(TransportError::Other("answer too large".into()));
            }
            Ok(Response {
                status,
                retry_after,
                body,
            })
        }
    }
}
