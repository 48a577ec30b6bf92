//! `CoreError`: rich inside the core, and at every edge (FFI, CLI, HTTP) reduced to a stable
//! `code()` and a bilingual `message()`. No variant carries personal data: a NIK, a name or a
//! phone never appears in an error, so errors can be logged and shown anywhere.

use crate::message::Message;
use crate::rules::report::ValidationReport;
use perisai_domain::protocol::refusal::Refusal;
use perisai_domain::DomainError;

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
    /// SQLite failed; the source is kept for whoever reads the chain (its text names SQL and
    /// SQLite's message, never a bound value). Public as `store.error`.
    #[error("store error")]
    Database(#[source] rusqlite::Error),
    #[error("io error: {0}")]
    Io(String),
    /// A key file, or an encoding, failed in the domain's code; the source is kept. Public as
    /// `io.error` or `store.error` ([`DomainError::code`]).
    #[error("domain error")]
    Domain(#[source] DomainError),
    /// The server could not be reached, or answered with a temporary failure (timeout, cut
    /// connection, 5xx, 429 beyond the retry budget). Everything stays queued; try again later.
    #[error("sync network failure: {0}")]
    SyncNetwork(String),
    /// The sync was stopped through its [`SyncCancel`](crate::sync::SyncCancel) (the shell's
    /// scheduler ended the run). Everything not acknowledged stays queued and goes with the next
    /// sync, as after a network failure; try again later.
    #[error("sync cancelled")]
    SyncCancelled,
    /// The server URL is not usable: not `https://`, or plain `http://` to a host that is not
    /// this machine (loopback), or not a URL at all.
    #[error("server URL refused: {0}")]
    SyncUrl(&'static str),
    /// A server answer whose signature does not verify under a server key the device trusts
    /// (the pinned one, or one a verified rotation leads to: `crate::protocol::rotation`), or a
    /// server key that does not match the fingerprint given at activation.
    #[error("server response not authentic: {0}")]
    SyncServerKey(&'static str),
    /// The server says this device's batch chain forked (`seq.fork`): sending stops.
    #[error("batch chain forked")]
    SyncFork,
    /// The server expects a batch this device cannot send (`seq.gap`): `expected` is the
    /// server's next sequence number, `have` what this device has.
    #[error("batch chain gap: server expects {expected}, device has {have}")]
    SyncGap { expected: u64, have: u64 },
    /// The server refused a request in a way retrying cannot fix (a 400/401/403/413 code, or an
    /// activation code problem). `code` is the server's code when it is a known one.
    #[error("server refused: {code}")]
    SyncRefused { code: &'static str },
    /// The server revoked this device; its personal data and sync keys were erased as the
    /// server-signed wipe command said. The shell must delete the device signing key too.
    #[error("device revoked")]
    DeviceRevoked,
    /// The server does not know this device (`device.unknown`): activate again.
    #[error("device unknown to the server")]
    DeviceUnknown,
    /// The device has not been activated yet (`perisai activate`).
    #[error("device not activated")]
    NotActivated,
    /// The signer given is not the key this device was activated with.
    #[error("signing key is not the activated device key")]
    DeviceKeyMismatch,
    /// The server needs a newer app (426).
    #[error("app too old; minimum {min_app_version}")]
    AppTooOld { min_app_version: String },
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
            CoreError::Store(_) | CoreError::Database(_) => "store.error",
            CoreError::Io(_) => "io.error",
            CoreError::Domain(e) => e.code(),
            CoreError::SyncNetwork(_) => "sync.network",
            CoreError::SyncCancelled => "sync.cancelled",
            CoreError::SyncUrl(_) => "sync.url",
            CoreError::SyncServerKey(_) => "sync.server_key",
            CoreError::SyncFork => "sync.fork",
            CoreError::SyncGap { .. } => "sync.gap",
            CoreError::SyncRefused { code } => code,
            CoreError::DeviceRevoked => "device.revoked",
            CoreError::DeviceUnknown => "device.unknown",
            CoreError::NotActivated => "device.not_activated",
            CoreError::DeviceKeyMismatch => "device.key_mismatch",
            CoreError::AppTooOld { .. } => "app.too_old",
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
            CoreError::InvalidParameter { field, .. } => {
                let (id, en) = parameter_label(field);
                Message::new(
                    format!("Nilai untuk {id} tidak valid."),
                    format!("The value for {en} is not valid."),
                )
            }
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
            CoreError::Domain(DomainError::Io { .. }) => CoreError::Io(String::new()).message(),
            CoreError::Domain(_) | CoreError::Database(_) => CoreError::Store(String::new()).message(),
            CoreError::Store(_) => Message::new(
                "Penyimpanan di perangkat gagal. Data yang sudah tersimpan tetap aman.",
                "Device storage failed. Data already saved is safe.",
            ),
            CoreError::Io(_) => Message::new(
                "Berkas tidak dapat dibaca atau ditulis.",
                "A file cannot be read or written.",
            ),
            CoreError::SyncNetwork(_) => Message::new(
                "Server tidak dapat dihubungi. Data tetap tersimpan dan akan dikirim nanti.",
                "The server cannot be reached. The data stays saved and will be sent later.",
            ),
            CoreError::SyncCancelled => Message::new(
                "Sinkronisasi dihentikan. Data tetap tersimpan dan akan dikirim nanti.",
                "Sync was stopped. The data stays saved and will be sent later.",
            ),
            CoreError::SyncUrl(_) => Message::new(
                "Alamat server tidak aman atau tidak benar: gunakan https://.",
                "The server address is not secure or not valid: use https://.",
            ),
            CoreError::SyncServerKey(_) => Message::new(
                "Jawaban server tidak dapat dipastikan keasliannya. Tidak ada data yang diubah; \
                 hubungi kantor cabang.",
                "The server's answer could not be verified. No data was changed; contact the \
                 branch office.",
            ),
            CoreError::SyncFork => Message::new(
                "Urutan kiriman perangkat ini tidak cocok dengan server. Pengiriman dihentikan; \
                 hubungi supervisor.",
                "This device's upload sequence does not match the server. Sending stopped; \
                 contact your supervisor.",
            ),
            CoreError::SyncGap { .. } => Message::new(
                "Server meminta kiriman lama yang tidak ada lagi di perangkat ini. Hubungi \
                 kantor cabang.",
                "The server asks for earlier uploads this device no longer has. Contact the \
                 branch office.",
            ),
            CoreError::SyncRefused { code } => refused_message(code),
            CoreError::DeviceRevoked => Message::new(
                "Perangkat ini telah dicabut; data di perangkat dihapus.",
                "This device has been revoked; its data is erased.",
            ),
            CoreError::DeviceUnknown => Message::new(
                "Perangkat tidak dikenal server; aktifkan ulang perangkat.",
                "The server does not know this device; activate the device again.",
            ),
            CoreError::NotActivated => Message::new(
                "Perangkat belum diaktifkan. Aktifkan dengan kode dari kantor cabang.",
                "The device is not activated yet. Activate it with a code from the branch office.",
            ),
            CoreError::DeviceKeyMismatch => Message::new(
                "Kunci perangkat berbeda dari saat aktivasi. Data tidak dikirim; hubungi kantor \
                 cabang.",
                "The device key differs from the one activated. Nothing was sent; contact the \
                 branch office.",
            ),
            CoreError::AppTooOld { min_app_version } => Message::new(
                format!("Versi aplikasi terlalu lama; perbarui ke versi {min_app_version} atau lebih baru."),
                format!("This app version is too old; update to version {min_app_version} or later."),
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

/// `code` as the code of a refusal of the protocol (`protocol::refusal`), or `sync.refused` for
/// a code this app does not know (from a newer server), so `CoreError::code()` stays a
/// `&'static str`.
pub(crate) fn known_server_code(code: &str) -> &'static str {
    Refusal::from_code(code).map_or("sync.refused", Refusal::code)
}

/// Our own text for a server refusal: the server's text is not signed, so it is never shown.
/// A refusal of the protocol has its one text; the device's own refusal before re-activation and
/// an unknown code have theirs.
fn refused_message(code: &str) -> Message {
    if let Some(refusal) = Refusal::from_code(code) {
        return refusal.message();
    }
    let (id, en) = match code {
        "device.unsent_batches" => (
            "Masih ada kiriman yang belum dikonfirmasi server. Sinkronkan dulu sebelum \
             aktivasi ulang.",
            "Some uploads are not confirmed by the server yet. Sync before activating again.",
        ),
        _ => (
            "Server menolak permintaan perangkat. Data tetap tersimpan; hubungi kantor cabang.",
            "The server refused the device's request. The data stays saved; contact the branch \
             office.",
        ),
    };
    Message::new(id, en)
}

impl From<DomainError> for CoreError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::InvalidParameter { field, code } => {
                CoreError::InvalidParameter { field, code }
            }
            DomainError::Crypto(what) => CoreError::Crypto(what),
            DomainError::Io { .. } | DomainError::Encode { .. } => CoreError::Domain(e),
        }
    }
}

impl From<rusqlite::Error> for CoreError {
    fn from(e: rusqlite::Error) -> Self {
        // rusqlite errors never contain bound parameter values, only SQL and SQLite messages.
        CoreError::Database(e)
    }
}

/// How a parameter reads to the agent, Indonesian and English (its name when not listed).
fn parameter_label(field: &str) -> (&str, &str) {
    match field {
        "amount" => ("jumlah uang", "the amount"),
        "months" => ("jumlah bulan", "the number of months"),
        "month" => ("bulan", "the month"),
        "code" => ("kode aktivasi", "the activation code"),
        "fingerprint" => ("sidik jari server", "the server fingerprint"),
        "enrolled_on" => ("tanggal pendaftaran", "the enrollment date"),
        "state" => ("status", "the state"),
        other => (other, other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error;

    /// Inside, an error keeps what caused it; outside, only the stable code and our text show.
    #[test]
    fn sources_are_kept_inside_and_the_edge_sees_code_and_text() {
        let sqlite = CoreError::from(rusqlite::Error::QueryReturnedNoRows);
        assert!(sqlite.source().is_some());
        assert_eq!(sqlite.code(), "store.error");
        assert_eq!(sqlite.message(), CoreError::Store(String::new()).message());

        let missing = std::io::Error::from(std::io::ErrorKind::NotFound);
        let io = CoreError::from(DomainError::Io {
            what: "key file",
            source: missing,
        });
        assert!(io.source().is_some());
        assert_eq!(io.code(), "io.error");
        assert_eq!(io.message(), CoreError::Io(String::new()).message());

        let parameter = CoreError::from(DomainError::parameter("month", "month.format"));
        assert!(matches!(
            parameter,
            CoreError::InvalidParameter { ref field, ref code } if field == "month" && code == "month.format"
        ));
    }
}
