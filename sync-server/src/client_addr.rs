//! Who is asking, as the throttles count it: the client address of a request (the peer, or,
//! behind a trusted reverse proxy, the address the proxy saw), IPv6 counted by its /64.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

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

#[cfg(test)]
mod tests {
    use super::{client_ip, throttle_subject};
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn throttles_count_ipv6_clients_by_their_64() {
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
}
