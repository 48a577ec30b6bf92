//! `perisai-ffi`: the uniffi facade the Android and iOS shells call (DESIGN.md §3, "The facade").
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
//! - [`SyncObserver`]: the foreign callback trait for sync progress; [`sync`] has the sync records.
//!
//! Generate the Kotlin and Swift bindings with `bindings/generate.sh`.

uniffi::setup_scaffolding!();

mod app;
mod error;
mod keys;
pub mod sync;
pub mod types;

pub use app::AgentApp;
pub use error::PerisaiError;
pub use keys::{
    check_device_signer, software_key_vault, software_signer, verify_signature, DeviceSigner,
    KeyVault,
};
pub use sync::SyncObserver;

/// Rupiah as our users read it: `16800` → `Rp16.800` (the core's one formatter, so the shells
/// need no copy of it).
#[uniffi::export]
pub fn format_rupiah(amount: i64) -> String {
    perisai_core::message::format_rupiah(amount)
}
