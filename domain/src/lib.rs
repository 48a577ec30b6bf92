//! `perisai-domain`: what the device and the server both know, in pure Rust, with no storage and
//! no HTTP client (docs/ARCHITECTURE.md §2).
//!
//! The device crate (`perisai-core`, under the phones' `perisai-ffi` facade and the desktop shell)
//! and the sync server both build on this crate, so the enrollment form, the validation rules, the
//! tariffs, the commission engine and the wire protocol are one code.
//!
//! Layers, lowest first; a module only uses the ones above it in this list:
//! - [`message`]: bilingual user-facing text (Indonesian first), the rupiah/date formats and the
//!   wire timestamp format.
//! - [`record`]: the normalized enrollment record (docs/DOMAIN.md §3) that validation produces.
//! - [`codes`]: the validation codes, a contract with every client.
//! - [`occupation`]: the occupation list (which ones are transport workers).
//! - [`typed`]: how a number typed by an agent is read (`Rp50.400`).
//! - [`error`]: [`DomainError`], with its source kept, mapped by each caller to its own edge.
//! - [`tariff`]: contribution rule sets (effective-dated data) and the quote engine.
//! - [`form`]: the enrollment form definition the shells render.
//! - [`rules`]: NIK, phone, name, age, income, programs; the validation report.
//! - [`incentive`]: the agents' and Wadah's commission engine (docs/DOMAIN.md §7).
//! - [`secret_file`]: secret files created 0600, race-free, durable.
//! - [`seal`]: the data key, AES-256-GCM sealing, blind-index tags, the `KeyVault` trait.
//! - [`signer`]: the `DeviceSigner` trait, P-256 signatures in a labelled context.
//! - [`protocol`]: the sync wire format (batches, signed responses, activation, rotation) and its
//!   signing labels.

pub mod codes;
pub mod error;
pub mod form;
pub mod incentive;
pub mod message;
pub mod occupation;
pub mod protocol;
pub mod record;
pub mod rules;
pub mod seal;
pub mod secret_file;
pub mod signer;
pub mod tariff;
pub mod typed;

pub use error::DomainError;
pub use message::Message;
