//! Where and how a device activates: the server's address, the one-time code, and (from the
//! branch's QR code) the server key's fingerprint.
//!
//! The QR payload is `perisai:activate?server=URL&code=CODE&fp=FINGERPRINT`, query-encoded:
//! `perisai-server admin issue-code --server-url URL` prints it ([`ActivationTarget::qr_payload`]),
//! the phones read it ([`ActivationTarget::from_qr`]). Typed by the agent, there is no
//! fingerprint ([`ActivationTarget::typed`]); the core then trusts the server key on first use
//! over TLS or loopback only (`sync::client`). Only the shape is read here: the code's check
//! character, the proof of possession and the fingerprint check are `AgentApp::activate`'s.

/// What the QR payload starts with.
pub const QR_PREFIX: &str = "perisai:activate?";

/// A server, a code, and the server key's fingerprint when it came from a QR code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivationTarget {
    /// `https://…` (or `http://…`, which the sync client allows to loopback only), without a
    /// trailing slash.
    pub server_url: String,
    pub code: String,
    pub fingerprint: Option<String>,
}

impl ActivationTarget {
    /// The target a scanned QR code names; `None` when the QR is not a Perisai activation (or
    /// lacks the server or the code).
    pub fn from_qr(payload: &str) -> Option<ActivationTarget> {
        let query = payload.trim().strip_prefix(QR_PREFIX)?;
        let (mut server, mut code, mut fingerprint) = (None, None, None);
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let value = value.trim().to_string();
            match key.as_ref() {
                "server" => server = Some(value),
                "code" => code = Some(value),
                "fp" => fingerprint = Some(value).filter(|fp| !fp.is_empty()),
                _ => {}
            }
        }
        let mut target = ActivationTarget::typed(&server?, &code?)?;
        target.fingerprint = fingerprint;
        Some(target)
    }

    /// What the agent typed: the server address the branch gave with the code. `None` when the
    /// address is not `http(s)://…` or the code is blank.
    pub fn typed(server_url: &str, code: &str) -> Option<ActivationTarget> {
        let server_url = server_url.trim().trim_end_matches('/');
        let code = code.trim();
        let web = server_url.starts_with("https://") || server_url.starts_with("http://");
        let host_given = server_url
            .split_once("://")
            .is_some_and(|(_, rest)| !rest.is_empty());
        (web && host_given && !code.is_empty()).then(|| ActivationTarget {
            server_url: server_url.to_string(),
            code: code.to_string(),
            fingerprint: None,
        })
    }

    /// The QR payload of this target (each part query-encoded, so an address with `&` or `?`
    /// survives).
    pub fn qr_payload(&self) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("server", &self.server_url);
        query.append_pair("code", &self.code);
        if let Some(fp) = &self.fingerprint {
            query.append_pair("fp", fp);
        }
        format!("{QR_PREFIX}{}", query.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_qr_payload_reads_back_as_written() {
        let target = ActivationTarget {
            server_url: "https://perisai.contoh.id/cabang?x=1&y=2".into(),
            code: "ABCD-EFGH-JKLM-N".into(),
            fingerprint: Some("a1b2c3d4e5f60718".into()),
        };
        let payload = target.qr_payload();
        assert!(
            payload.starts_with("perisai:activate?server=https%3A%2F%2F"),
            "{payload}"
        );
        assert_eq!(ActivationTarget::from_qr(&payload), Some(target));
    }

    #[test]
    fn the_shells_payloads_are_read_and_anything_else_refused() {
        let read = ActivationTarget::from_qr(
            "  perisai:activate?server=https%3A%2F%2Fsrv.contoh.id%2F&code=%20ABCD-1234%20&fp=ff00  ",
        )
        .unwrap();
        assert_eq!(read.server_url, "https://srv.contoh.id");
        assert_eq!(read.code, "ABCD-1234");
        assert_eq!(read.fingerprint.as_deref(), Some("ff00"));
        let no_fp =
            ActivationTarget::from_qr("perisai:activate?server=http://127.0.0.1:8080&code=X&fp=")
                .unwrap();
        assert_eq!(no_fp.fingerprint, None);
        for bad in [
            "",
            "https://example.com",
            "perisai:activate?code=X",
            "perisai:activate?server=https://a.b",
            "perisai:activate?server=ftp://a.b&code=X",
            "perisai:activate?server=https://a.b&code=%20",
            "perisai:other?server=https://a.b&code=X",
        ] {
            assert_eq!(ActivationTarget::from_qr(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_typed_address_and_code_are_trimmed() {
        let typed = ActivationTarget::typed(" https://srv.contoh.id/// ", " K0DE ").unwrap();
        assert_eq!(
            (
                typed.server_url.as_str(),
                typed.code.as_str(),
                typed.fingerprint
            ),
            ("https://srv.contoh.id", "K0DE", None)
        );
        assert_eq!(ActivationTarget::typed("srv.contoh.id", "K0DE"), None);
        assert_eq!(ActivationTarget::typed("https://", "K0DE"), None);
        assert_eq!(ActivationTarget::typed("https://srv", " "), None);
    }
}
