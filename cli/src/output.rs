//! What a command hands back: one JSON document and an exit code (ARCHITECTURE.md §7).
//!
//! Exit 0: success. Exit 1: invalid input or a refused operation; the JSON says why. Exit 2: a
//! usage error or a file that cannot be read. Every error is
//! `{"error": {"code", "message": {"id", "en"}}}` (plus `"field"` and `"reason"` when a parameter
//! is at fault), built from stable codes and the core's bilingual messages only: no input value,
//! path or personal data is ever echoed.
//!
//! Documents are rendered from the core's `Serialize` types directly, so their members keep the
//! order of the contract (`month`, `JKK`, `JKM`, `JHT`, `total`…) for people reading them.

use perisai_core::rules::report::Issue;
use perisai_core::{CoreError, Message};
use serde::Serialize;

/// The process exit codes of the contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Success = 0,
    Refused = 1,
    Usage = 2,
}

/// One JSON document for stdout (already rendered), and how the process ends.
#[derive(Debug)]
pub struct Outcome {
    pub exit: Exit,
    pub json: String,
}

impl Outcome {
    /// Exit 0 with `value` as the document.
    pub fn success(value: &impl Serialize) -> Outcome {
        Outcome::render(Exit::Success, value)
    }

    /// Exit 1 with `value` as the document (a report that says why).
    pub fn refused(value: &impl Serialize) -> Outcome {
        Outcome::render(Exit::Refused, value)
    }

    fn render(exit: Exit, value: &impl Serialize) -> Outcome {
        match serde_json::to_string_pretty(value) {
            Ok(json) => Outcome { exit, json },
            // Our types always serialize; should one ever not, say so without a panic.
            Err(_) => Failure::from(CoreError::Io("encode output".into())).into(),
        }
    }
}

/// A command that could not do its job, with the stable code and message to print.
#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub code: &'static str,
    /// Boxed: a `Failure` travels in every `Result` of the commands, so it is kept small.
    pub message: Box<Message>,
    /// The parameter at fault, when one is (`start`, `monthly_income`, `--income <N>`).
    pub field: Option<String>,
    /// The specific rule a parameter broke (e.g. `income.below_minimum`), next to `field`.
    pub reason: Option<String>,
    /// For usage errors: what kind of mistake (`unknown_argument`, `missing_argument`…).
    pub kind: Option<&'static str>,
}

/// `{"code", "message", "field"?, "reason"?, "kind"?}`, the member under `"error"`.
#[derive(Serialize)]
pub struct ErrorBody<'a> {
    code: &'a str,
    message: &'a Message,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'a str>,
}

#[derive(Serialize)]
struct ErrorDocument<'a> {
    error: ErrorBody<'a>,
}

/// A refused enrollment (`enroll`, `correct`): nothing was queued, and this says why.
#[derive(Serialize)]
struct NotQueued<'a> {
    status: &'a str,
    errors: &'a [Issue],
    warnings: &'a [Issue],
    error: ErrorBody<'a>,
}

impl Failure {
    fn new(exit: Exit, code: &'static str, id: &str, en: &str) -> Failure {
        Failure {
            exit,
            code,
            message: Box::new(Message::new(id, en)),
            field: None,
            reason: None,
            kind: None,
        }
    }

    /// FILE is missing, a directory, or not readable (exit 2).
    pub fn unreadable() -> Failure {
        Failure::new(
            Exit::Usage,
            "file.unreadable",
            "Berkas tidak dapat dibaca (tidak ada, berupa folder, atau tanpa izin baca).",
            "The file cannot be read (missing, a folder, or no read permission).",
        )
    }

    /// The input is larger than any enrollment can be (exit 1, nothing parsed).
    pub fn too_large() -> Failure {
        Failure::new(
            Exit::Refused,
            "input.too_large",
            "Data terlalu besar untuk satu pendaftaran (paling banyak 64 KiB).",
            "The data is too large for one enrollment (64 KiB at most).",
        )
    }

    /// Not UTF-8, not JSON, or not a JSON object: the core's own `input.malformed`.
    pub fn malformed() -> Failure {
        Failure::from(CoreError::MalformedInput)
    }

    /// A parameter of a command is out of its domain: `field` names it, `reason` is the rule.
    pub fn parameter(field: &str, reason: &str) -> Failure {
        Failure::from(CoreError::InvalidParameter {
            field: field.to_owned(),
            code: reason.to_owned(),
        })
    }

    /// Warnings the agent has not confirmed: the enrollment is not queued until they are.
    pub fn unconfirmed_warnings() -> Failure {
        Failure::new(
            Exit::Refused,
            "input.needs_confirmation",
            "Ada peringatan yang harus diperiksa bersama peserta. Jika sudah benar, kirim ulang \
             dengan --accept-warnings.",
            "Some warnings must be checked with the participant. If all is correct, submit again \
             with --accept-warnings.",
        )
    }

    /// The command line itself is wrong (exit 2).
    pub fn usage() -> Failure {
        Failure::new(
            Exit::Usage,
            "usage",
            "Perintah tidak lengkap atau tidak dikenal. Lihat `perisai --help`.",
            "The command is incomplete or unknown. See `perisai --help`.",
        )
    }

    /// No data folder was given and none can be derived (no HOME).
    pub fn no_data_dir() -> Failure {
        Failure::new(
            Exit::Usage,
            "data_dir.unknown",
            "Folder data tidak diketahui: gunakan --data-dir atau PERISAI_DATA_DIR.",
            "The data folder is unknown: use --data-dir or PERISAI_DATA_DIR.",
        )
    }

    fn body(&self) -> ErrorBody<'_> {
        ErrorBody {
            code: self.code,
            message: &self.message,
            field: self.field.as_deref(),
            reason: self.reason.as_deref(),
            kind: self.kind,
        }
    }

    /// A refused enrollment: `{"status", "errors", "warnings", "error"}`, nothing queued.
    pub fn not_queued(self, status: &str, errors: &[Issue], warnings: &[Issue]) -> Outcome {
        Outcome::render(
            self.exit,
            &NotQueued {
                status,
                errors,
                warnings,
                error: self.body(),
            },
        )
    }
}

impl From<perisai_core::DomainError> for Failure {
    /// A domain error (a key file, a parameter) is reported as the device reports it.
    fn from(e: perisai_core::DomainError) -> Failure {
        Failure::from(CoreError::from(e))
    }
}

impl From<CoreError> for Failure {
    /// Every core error is a refusal (exit 1) with its stable code and message. The core's
    /// `Display` text is never used: it may name files or SQLite internals.
    fn from(e: CoreError) -> Failure {
        let (field, reason) = match &e {
            CoreError::InvalidParameter { field, code } => {
                (Some(field.clone()), Some(code.clone()))
            }
            _ => (None, None),
        };
        Failure {
            exit: Exit::Refused,
            code: e.code(),
            message: Box::new(e.message()),
            field,
            reason,
            kind: None,
        }
    }
}

impl From<Failure> for Outcome {
    /// `{"error": {...}}`.
    fn from(f: Failure) -> Outcome {
        Outcome::render(f.exit, &ErrorDocument { error: f.body() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn parsed(outcome: &Outcome) -> Value {
        serde_json::from_str(&outcome.json).unwrap()
    }

    #[test]
    fn an_error_has_code_bilingual_message_and_optional_field() {
        let body = parsed(&Failure::parameter("start", "start.format").into());
        assert_eq!(body["error"]["code"], "input.parameter");
        assert_eq!(body["error"]["field"], "start");
        assert_eq!(body["error"]["reason"], "start.format");
        assert!(body["error"]["message"]["id"].is_string());
        assert!(body["error"]["message"]["en"].is_string());
        let body = parsed(&Failure::malformed().into());
        assert_eq!(body["error"]["code"], "input.malformed");
        assert!(body["error"].get("field").is_none());
        assert_eq!(body.as_object().unwrap().len(), 1);
    }

    #[test]
    fn a_refused_enrollment_says_status_and_why() {
        let outcome = Failure::too_large().not_queued("invalid", &[], &[]);
        assert_eq!(outcome.exit, Exit::Refused);
        let body = parsed(&outcome);
        assert_eq!(body["status"], "invalid");
        assert_eq!(body["errors"], serde_json::json!([]));
        assert_eq!(body["error"]["code"], "input.too_large");
    }

    #[test]
    fn core_errors_never_leak_their_inner_text() {
        let f = Failure::from(CoreError::Io(
            "open /home/siti/3201150190010001.json".into(),
        ));
        let text = Outcome::from(f).json;
        assert!(!text.contains("siti"));
        assert!(!text.contains("3201150190010001"));
    }

    #[test]
    fn exits_follow_the_contract() {
        assert_eq!(Failure::unreadable().exit, Exit::Usage);
        assert_eq!(Failure::usage().exit, Exit::Usage);
        assert_eq!(Failure::too_large().exit, Exit::Refused);
        assert_eq!(Failure::malformed().exit, Exit::Refused);
        assert_eq!(Failure::from(CoreError::NotFound).exit, Exit::Refused);
    }
}
