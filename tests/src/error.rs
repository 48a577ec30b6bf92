//! The one error of the harness: a sentence saying what failed and why, for the test's panic
//! message. The harness never panics on its own in runtime paths; tests `expect` its results.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct E2eError {
    message: String,
    /// The request never got a complete answer (refused, cut, timed out): worth a retry.
    transport: bool,
}

impl E2eError {
    pub fn new(message: impl Into<String>) -> E2eError {
        E2eError {
            message: message.into(),
            transport: false,
        }
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether an HTTP request failed in transport (no complete answer), so a retry may pass.
    pub fn is_transport(&self) -> bool {
        self.transport
    }
}

impl fmt::Display for E2eError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for E2eError {}

impl From<std::io::Error> for E2eError {
    fn from(e: std::io::Error) -> E2eError {
        E2eError::new(format!("i/o: {e}"))
    }
}

impl From<sqlx::Error> for E2eError {
    fn from(e: sqlx::Error) -> E2eError {
        E2eError::new(format!("postgresql: {e}"))
    }
}

impl From<reqwest::Error> for E2eError {
    fn from(e: reqwest::Error) -> E2eError {
        // reqwest hides the cause behind "error sending request"; the chain says what happened.
        let mut message = format!("http: {e}");
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            message.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        E2eError {
            message,
            transport: true,
        }
    }
}

impl From<String> for E2eError {
    fn from(message: String) -> E2eError {
        E2eError::new(message)
    }
}
