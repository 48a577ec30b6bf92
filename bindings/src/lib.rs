//! `perisai-ffi`: the uniffi facade the Android and iOS shells call (ARCHITECTURE.md §3, "The facade").
//!
//! A thin layer, as matrix-rust-sdk's `bindings/matrix-sdk-ffi`: every type here mirrors a
//! `perisai-core` type and every method forwards to the core's `AgentApp`. No domain rule lives in
//! this crate; if a shell needs new behaviour, it goes into the core first.
//!
//! - [`AgentApp`]: the one object a shell talks to (blocking calls: call them off the main thread).
//! - [`KeyVault`], [`DeviceSigner`]: foreign traits the shells implement over their keystores;
//!   [`software_key_vault`] and [`software_signer`] are file-based ones for the desktop and tests.
//! - [`PerisaiError`]: the one flat error, a stable code and a message without personal data.
//! - [`types`]: records and enums that mirror the core's, with the conversions.
//! - [`SyncObserver`]: the foreign callback trait for sync progress; [`SyncCancel`] stops a
//!   running sync from another thread; [`sync`] has the sync records.
//! - [`LockGate`]: the app lock's gate, the same on both phones.
//!
//! Generate the Kotlin and Swift bindings with `bindings/generate.sh`.

uniffi::setup_scaffolding!();

mod app;
mod error;
mod keys;
mod lock;
pub mod sync;
pub mod types;

pub use app::AgentApp;
pub use error::PerisaiError;
pub use keys::{
    check_device_signer, software_key_vault, software_signer, verify_signature, DeviceSigner,
    KeyVault,
};
pub use lock::{relock_after_ms, LockGate};
pub use sync::{SyncCancel, SyncObserver};

/// Rupiah as our users read it: `16800` → `Rp16.800` (the core's one formatter, so the shells
/// need no copy of it).
#[uniffi::export]
pub fn format_rupiah(amount: i64) -> String {
    perisai_core::message::format_rupiah(amount)
}

/// A number as the agent typed it (`2.000.000`, `50 400`, `Rp50.400`); `None` when it is not
/// one. The shells read income, cash amounts and months with it.
#[uniffi::export]
pub fn parse_whole_number(typed: String) -> Option<i64> {
    perisai_core::form::typed::whole_number(&typed)
}

/// The agent fixes a record in this state with a correction ("Perbaiki"): `has_issues`,
/// `rejected`.
#[uniffi::export]
pub fn record_needs_fix(state: types::RecordState) -> bool {
    perisai_core::queue::RecordState::from(state).needs_fix()
}

/// The agent can still take a record in this state back ("Tarik"): `draft`, `queued`.
#[uniffi::export]
pub fn record_can_withdraw(state: types::RecordState) -> bool {
    perisai_core::queue::RecordState::from(state).can_withdraw()
}

/// Where to activate, read from the branch's QR code (`perisai:activate?server=…&code=…&fp=…`);
/// `None` when the QR code is not a Perisai activation.
#[uniffi::export]
pub fn activation_from_qr(payload: String) -> Option<types::ActivationTarget> {
    perisai_core::protocol::activation_target::ActivationTarget::from_qr(&payload).map(Into::into)
}

/// Where to activate, as the agent typed it (no fingerprint); `None` when the address is not
/// `http(s)://…` or the code is blank.
#[uniffi::export]
pub fn activation_typed(server_url: String, code: String) -> Option<types::ActivationTarget> {
    perisai_core::protocol::activation_target::ActivationTarget::typed(&server_url, &code)
        .map(Into::into)
}

/// A commission line's note in both languages (the server writes `Indonesian / English`).
#[uniffi::export]
pub fn statement_note(note: String) -> types::Message {
    perisai_core::incentive::statement::note_message(&note).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use types::RecordState;

    #[test]
    fn activation_targets_and_the_lock_gate_are_the_cores() {
        let qr = activation_from_qr(
            "perisai:activate?server=https%3A%2F%2Fsrv.contoh.id&code=ABC&fp=ff".into(),
        )
        .unwrap();
        assert_eq!(
            (qr.server_url.as_str(), qr.code.as_str(), qr.fingerprint),
            ("https://srv.contoh.id", "ABC", Some("ff".to_string()))
        );
        assert_eq!(activation_from_qr("https://srv.contoh.id".into()), None);
        assert_eq!(
            activation_typed("http://127.0.0.1:8080/".into(), " K ".into()).map(|t| t.server_url),
            Some("http://127.0.0.1:8080".to_string())
        );
        let gate = LockGate::new();
        assert!(gate.is_locked());
        gate.unlock();
        gate.left(0);
        assert!(!gate.returned(relock_after_ms() - 1));
        gate.left(0);
        assert!(gate.returned(relock_after_ms()));
    }

    #[test]
    fn the_shells_rules_are_the_cores() {
        assert_eq!(parse_whole_number("Rp50.400".into()), Some(50_400));
        assert_eq!(parse_whole_number("50,5".into()), None);
        assert!(record_needs_fix(RecordState::HasIssues));
        assert!(record_needs_fix(RecordState::Rejected));
        assert!(!record_needs_fix(RecordState::Queued));
        assert!(record_can_withdraw(RecordState::Queued));
        assert!(record_can_withdraw(RecordState::Draft));
        assert!(!record_can_withdraw(RecordState::Sent));
        let note = statement_note("Iuran bulan ke-1 / Contribution month 1".into());
        assert_eq!(
            (note.id.as_str(), note.en.as_str()),
            ("Iuran bulan ke-1", "Contribution month 1")
        );
    }
}
