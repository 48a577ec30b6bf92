//! `PerisaiError`: the one error that crosses the FFI (as in bitwarden/sdk-internal's
//! `bitwarden-uniffi/src/error.rs`).
//!
//! It is flat on purpose: a stable `code` a shell can match, the bilingual message to show, and,
//! for a validation failure, the report with every problem. Nothing else of the rich
//! [`CoreError`] crosses: its `Display` text can name files or SQLite internals, so only
//! `CoreError::code()` and `CoreError::message()` (both free of personal data by contract) are
//! used. The name ends in `Error`, so Kotlin sees `PerisaiException` and Swift an `Error`.

use perisai_core::CoreError;

use crate::types::ValidationReport;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum PerisaiError {
    /// Any refused or failed call. `field` names the request parameter at fault, when one is.
    #[error("{code}: {message_en}")]
    Failed {
        code: String,
        message_id: String,
        message_en: String,
        field: Option<String>,
    },
    /// The enrollment did not pass validation (errors, or warnings not confirmed); nothing was
    /// stored. `code` is `input.invalid`; the report says what to fix.
    #[error("{code}: {message_en}")]
    Invalid {
        code: String,
        message_id: String,
        message_en: String,
        // Boxed to keep every `Result` small (clippy::result_large_err); shells see a record.
        report: Box<ValidationReport>,
    },
}

impl PerisaiError {
    /// The stable code, whatever the variant.
    pub fn code(&self) -> &str {
        match self {
            PerisaiError::Failed { code, .. } | PerisaiError::Invalid { code, .. } => code,
        }
    }

    /// An error raised by the facade itself (not by the core).
    pub(crate) fn failed(code: &str, message_id: &str, message_en: &str) -> Self {
        PerisaiError::Failed {
            code: code.to_owned(),
            message_id: message_id.to_owned(),
            message_en: message_en.to_owned(),
            field: None,
        }
    }
}

impl From<CoreError> for PerisaiError {
    fn from(e: CoreError) -> Self {
        let message = e.message();
        let code = e.code().to_owned();
        match e {
            CoreError::Invalid(report) => PerisaiError::Invalid {
                code,
                message_id: message.id,
                message_en: message.en,
                report: Box::new((*report).into()),
            },
            CoreError::InvalidParameter { field, .. } => PerisaiError::Failed {
                code,
                message_id: message.id,
                message_en: message.en,
                field: Some(field),
            },
            _ => PerisaiError::Failed {
                code,
                message_id: message.id,
                message_en: message.en,
                field: None,
            },
        }
    }
}

/// The domain's errors (a key file, a key the platform refused) reach the shells as the device's
/// `CoreError` does: one mapping, with the same codes.
impl From<perisai_core::DomainError> for PerisaiError {
    fn from(e: perisai_core::DomainError) -> Self {
        CoreError::from(e).into()
    }
}

/// A foreign implementation of a callback trait threw something other than a `PerisaiException`
/// (a platform `KeyStoreException`, a Swift crash…). Its text is dropped: it may quote anything.
impl From<uniffi::UnexpectedUniFFICallbackError> for PerisaiError {
    fn from(_: uniffi::UnexpectedUniFFICallbackError) -> Self {
        PerisaiError::failed(
            "platform.unexpected",
            "Layanan keamanan perangkat gagal. Coba lagi.",
            "The device security service failed. Try again.",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use perisai_core::rules::report::{Issue, ValidationReport as CoreReport};
    use perisai_core::Message;

    /// Every variant of the core error becomes its stable code and the core's own message.
    fn all_core_errors() -> Vec<CoreError> {
        vec![
            CoreError::MalformedInput,
            CoreError::Invalid(Box::default()),
            CoreError::InvalidParameter {
                field: "start".into(),
                code: "start.format".into(),
            },
            CoreError::NotFound,
            CoreError::NotAllowed {
                state: "sent".into(),
            },
            CoreError::Crypto("tag mismatch"),
            CoreError::StoreTooNew {
                found: 9,
                supported: 1,
            },
            CoreError::Store("disk I/O error in /home/siti/perisai.db".into()),
            CoreError::Io("permission denied: /home/siti/3201150190010001.json".into()),
            CoreError::SyncNetwork("connection failed".into()),
            CoreError::SyncCancelled,
        ]
    }

    #[test]
    fn errors_carry_only_code_and_message() {
        for core in all_core_errors() {
            let code = core.code();
            let message = core.message();
            let inner = core.to_string();
            let ffi = PerisaiError::from(core);
            assert_eq!(ffi.code(), code);
            let (id, en) = match &ffi {
                PerisaiError::Failed {
                    message_id,
                    message_en,
                    ..
                }
                | PerisaiError::Invalid {
                    message_id,
                    message_en,
                    ..
                } => (message_id, message_en),
            };
            assert_eq!(id, &message.id);
            assert_eq!(en, &message.en);
            // The rich inner text (paths, SQLite text) never crosses.
            let shown = format!("{ffi} {ffi:?}");
            if inner.contains("/home/siti") {
                assert!(!shown.contains("siti"), "{shown}");
                assert!(!shown.contains("3201150190010001"), "{shown}");
            }
        }
    }

    #[test]
    fn a_validation_failure_keeps_its_report() {
        let report = CoreReport {
            valid: false,
            errors: vec![Issue {
                field: "nik".into(),
                code: "nik.format".into(),
                message: Message::new("NIK harus 16 angka.", "The NIK must be 16 digits."),
            }],
            warnings: vec![],
        };
        match PerisaiError::from(CoreError::Invalid(Box::new(report))) {
            PerisaiError::Invalid { code, report, .. } => {
                assert_eq!(code, "input.invalid");
                assert!(!report.valid);
                assert_eq!(report.errors.len(), 1);
                assert_eq!(report.errors[0].field, "nik");
                assert_eq!(report.errors[0].code, "nik.format");
                assert_eq!(report.errors[0].message.en, "The NIK must be 16 digits.");
            }
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn a_parameter_error_names_its_field() {
        let ffi = PerisaiError::from(CoreError::InvalidParameter {
            field: "monthly_income".into(),
            code: "income.below_minimum".into(),
        });
        match ffi {
            PerisaiError::Failed { code, field, .. } => {
                assert_eq!(code, "input.parameter");
                assert_eq!(field.as_deref(), Some("monthly_income"));
            }
            other => panic!("expected Failed, got {other:?}"),
        }
    }

    #[test]
    fn a_foreign_surprise_drops_its_text() {
        let ffi = PerisaiError::from(uniffi::UnexpectedUniFFICallbackError::new(
            "KeyStoreException for Siti Aminah 3201150190010001",
        ));
        assert_eq!(ffi.code(), "platform.unexpected");
        let shown = format!("{ffi} {ffi:?}");
        assert!(!shown.contains("Siti"));
        assert!(!shown.contains("3201150190010001"));
    }
}
