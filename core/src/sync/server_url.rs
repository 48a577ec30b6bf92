//! Which server addresses the device talks to: `https://` anywhere, plain `http://` only to this
//! machine (loopback: `127.0.0.0/8`, `::1`, `localhost`), for tests, demos and training. A device
//! in a market must never send signed batches, nonces or activation codes in clear over a link
//! someone else runs.
//!
//! [`ServerUrl::parse`] is the one check; the transport then joins API paths onto it. Redirects
//! are not followed (see `transport`), so a checked URL cannot turn into an unchecked one.

use std::net::IpAddr;

use crate::error::CoreError;

/// A server base URL that passed the policy: scheme, host, optional port and path prefix, with
/// no user info, query or fragment, and no trailing slash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerUrl {
    base: String,
    loopback: bool,
    https: bool,
}

impl ServerUrl {
    /// Checks `text` against the policy above.
    pub fn parse(text: &str) -> Result<ServerUrl, CoreError> {
        let url = url::Url::parse(text.trim()).map_err(|_| CoreError::SyncUrl("not a URL"))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(CoreError::SyncUrl("user info in the URL"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(CoreError::SyncUrl("query or fragment in the URL"));
        }
        let loopback = match url.host() {
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
            Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
            None => return Err(CoreError::SyncUrl("no host in the URL")),
        };
        let https = match url.scheme() {
            "https" => true,
            "http" if loopback => false,
            "http" => {
                return Err(CoreError::SyncUrl(
                    "plain http to a host that is not loopback",
                ))
            }
            _ => return Err(CoreError::SyncUrl("scheme is not https")),
        };
        let base = url.as_str().trim_end_matches('/').to_string();
        Ok(ServerUrl {
            base,
            loopback,
            https,
        })
    }

    /// The base URL, without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.base
    }

    /// `path` (starting with `/`) joined onto the base.
    pub fn join(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Whether the server is this machine.
    pub fn is_loopback(&self) -> bool {
        self.loopback
    }

    /// Whether the link is TLS: then, or on loopback, a server key may be trusted on first use.
    pub fn is_https(&self) -> bool {
        self.https
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_and_http_only_to_loopback() {
        for ok in [
            "https://sync.example.id",
            "https://sync.example.id:8443/perisai/",
            "http://127.0.0.1:8080",
            "http://127.9.9.9",
            "http://localhost:3000/",
            "http://[::1]:8080",
        ] {
            assert!(ServerUrl::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://sync.example.id",
            "http://10.0.0.1:8080",
            "http://192.168.1.5",
            "http://127.0.0.1.evil.example",
            "http://user@127.0.0.1",
            "ftp://127.0.0.1",
            "https://sync.example.id/?x=1",
            "not a url",
            "",
        ] {
            assert_eq!(
                ServerUrl::parse(bad).unwrap_err().code(),
                "sync.url",
                "{bad}"
            );
        }
    }

    #[test]
    fn paths_join_without_double_slashes() {
        let u = ServerUrl::parse("https://sync.example.id/perisai/").unwrap();
        assert_eq!(
            u.join("/v1/batches"),
            "https://sync.example.id/perisai/v1/batches"
        );
        let u = ServerUrl::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(u.join("/v1/activate"), "http://127.0.0.1:8080/v1/activate");
        assert!(u.is_loopback() && !u.is_https());
    }
}
