//! `CoreError`: rich inside the core, and at every edge (FFI, CLI, HTTP) reduced to a stable
//! `code()` and a bilingual `message()`. No variant carries personal data: a NIK, a name or a
//! phone never appears in an error, so errors can be logged and shown anywhere.

use crate::message::Message;
use crate::rules::report::ValidationReport;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The input is not JSON, or not a JSON object.
    #[error("input is not a valid JSON object")]
    MalformedInput,
    /// The input was read but breaks validation rules (errors, or warnings not confirmed).
    #[error("input did not pass validation")]
    Invalid(Box<ValidationReport>),
    /// A quote or other request parameter is out of its domain (`field` names it).
    #[error("invalid parameter {field}: {code}")]
    InvalidParameter { field: String, code: String },
    #[error("record not found")]
    NotFound,
    /// The record's state does not allow the operation (e.g. withdrawing a sent record).
    #[error("operation not allowed in state {state}")]
    NotAllowed { state: String },
    /// The data key could not be unwrapped or a sealed blob failed authentication.
    #[error("key or sealed data unusable: {0}")]
    Crypto(&'static str),
    /// The store file was written by a newer app version; it is left untouched.
    #[error("store schema version {found} is newer than this app supports ({supported})")]
    StoreTooNew { found: u32, supported: u32 },
    #[error("store error: {0}")]
    Store(String),
    #[error("io error: {0}")]
    Io(String),
}

impl CoreError {
    /// Stable, matchable code for clients.
    pub fn code(&self) -> &'static str {
        match self {
            CoreError::MalformedInput => "input.malformed",
            CoreError::Invalid(_) => "input.invalid",
            CoreError::InvalidParameter { .. } => "input.parameter",
            CoreError::NotFound => "record.not_found",
            CoreError::NotAllowed { .. } => "record.not_allowed",
            CoreError::Crypto(_) => "store.key",
            CoreError::StoreTooNew { .. } => "store.too_new",
            CoreError::Store(_) => "store.error",
            CoreError::Io(_) => "io.error",
        }
    }

    /// Bilingual, personal-data-free message for the user.
    pub fn message(&self) -> Message {
        match self {
            CoreError::MalformedInput => Message::new(
                "Data tidak dapat dibaca: harus berupa objek JSON yang benar.",
                "The data cannot be read: it must be a valid JSON object.",
            ),
            CoreError::Invalid(_) => Message::new(
                "Data belum benar. Periksa isian yang ditandai.",
                "The data is not valid yet. Check the marked fields.",
            ),
            CoreError::InvalidParameter { field, .. } => Message::new(
                format!("Nilai untuk {field} tidak valid."),
                format!("The value for {field} is not valid."),
            ),
            CoreError::NotFound => Message::new(
                "Data pendaftaran tidak ditemukan di perangkat ini.",
                "The enrollment was not found on this device.",
            ),
            CoreError::NotAllowed { state } => Message::new(
                format!("Tidak dapat dilakukan untuk data berstatus {state}."),
                format!("Not possible for a record in state {state}."),
            ),
            CoreError::Crypto(_) => Message::new(
                "Kunci data tidak dapat dibuka. Data tidak diubah.",
                "The data key cannot be opened. No data was changed.",
            ),
            CoreError::StoreTooNew { .. } => Message::new(
                "Data dibuat oleh versi aplikasi yang lebih baru. Perbarui aplikasi; data tidak diubah.",
                "The data was written by a newer app version. Update the app; no data was changed.",
            ),
            CoreError::Store(_) => Message::new(
                "Penyimpanan di perangkat gagal. Data yang sudah tersimpan tetap aman.",
                "Device storage failed. Data already saved is safe.",
            ),
            CoreError::Io(_) => Message::new(
                "Berkas tidak dapat dibaca atau ditulis.",
                "A file cannot be read or written.",
            ),
        }
    }

    /// The validation report, when the error is a validation failure.
    pub fn report(&self) -> Option<&ValidationReport> {
        match self {
            CoreError::Invalid(r) => Some(r),
            _ => None,
        }
    }
}

impl From<rusqlite::Error> for CoreError {
    fn from(e: rusqlite::Error) -> Self {
        // rusqlite errors never contain bound parameter values, only SQL and SQLite messages.
        CoreError::Store(e.to_string())
    }
}
