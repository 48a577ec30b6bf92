//! `perisai-core`: everything an agent's device knows, in pure Rust.
//!
//! The phones (through the `perisai-ffi` facade), the desktop shell `perisai` and the sync server all
//! call this crate, so the enrollment form, the validation rules and the tariffs are one code.
//!
//! Rooms, each with one job:
//! - [`message`]: bilingual user-facing text (Indonesian first) and the rupiah/date formats.
//! - [`record`]: the normalized enrollment record (DOMAIN.md §3) that validation produces.
//! - [`form`]: the enrollment form definition the shells render.
//! - [`rules`]: NIK, phone, name, age, income, programs; the validation report with stable codes.
//! - [`tariff`]: contribution rule sets (effective-dated data) and the quote engine.
//! - [`incentive`]: the agents' and Wadah's commission (DOMAIN.md §7): schemes as effective-dated
//!   data, the engine that turns participants and payments into statement lines, the device's
//!   statements and cash records.
//! - [`seal`]: the data key, AES-256-GCM sealing, blind-index tags, the `KeyVault` trait.
//! - [`signer`]: the `DeviceSigner` trait and a software P-256 signer.
//! - [`store`]: the encrypted SQLite file, its migrations.
//! - [`queue`]: a record's life on the device (states, receipt numbers, withdraw, correct, purge).
//! - [`protocol`]: the sync wire format (batches, signed responses), shared with the server.
//! - [`lock`]: the app lock's gate (locked at start and after five minutes away).
//! - [`app`]: `AgentApp`, the one object the shells talk to.
//! - [`error`]: `CoreError`, rich inside, with a stable code and a message free of personal data.

pub mod app;
pub mod error;
pub mod form;
pub mod incentive;
pub mod lock;
pub mod message;
pub mod protocol;
pub mod queue;
pub mod record;
pub mod rules;
pub mod seal;
pub mod share;
pub mod signer;
pub mod store;
pub mod sync;
pub mod tariff;

pub use app::AgentApp;
pub use error::CoreError;
pub use message::Message;
