//! `DomainError`: what can go wrong in the domain's own code (a parameter out of its domain, a
//! key or sealed blob that does not open, a key file, an encoding). The source is kept; each
//! caller maps it once to its own edge (the device's `DomainError`, the server's HTTP answers).
//! No variant carries personal data.

/// An error of the domain crate.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// A request parameter is out of its domain: `field` names it, `code` is a stable code such
    /// as `start.format` or `rule_set.invalid`.
    #[error("invalid parameter {field}: {code}")]
    InvalidParameter { field: String, code: String },
    /// A key could not be made or used, or a sealed blob failed authentication.
    #[error("key or sealed data unusable: {0}")]
    Crypto(&'static str),
    /// A key file could not be read or written.
    #[error("{what}: {:?}", source.kind())]
    Io {
        what: &'static str,
        #[source]
        source: std::io::Error,
    },
    /// A value could not be encoded as JSON (or compressed) for the wire.
    #[error("cannot encode {what}")]
    Encode {
        what: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl DomainError {
    /// `field` is not valid: `code` says why.
    pub fn parameter(field: impl Into<String>, code: impl Into<String>) -> DomainError {
        DomainError::InvalidParameter {
            field: field.into(),
            code: code.into(),
        }
    }

    /// Stable, matchable code (the same codes the device's `DomainError` uses for these cases).
    pub fn code(&self) -> &'static str {
        match self {
            DomainError::InvalidParameter { .. } => "input.parameter",
            DomainError::Crypto(_) => "store.key",
            DomainError::Io { .. } => "io.error",
            DomainError::Encode { .. } => "store.error",
        }
    }
}
