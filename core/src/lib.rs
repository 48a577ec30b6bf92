//! `perisai-core`: the device. Everything an agent's phone keeps and does, in pure Rust, over the
//! domain crate (`perisai-domain`: form, rules, tariffs, the incentive engine, the protocol,
//! sealing and signing), which it re-exports whole, so a shell sees one crate.
//!
//! The phones (through the `perisai-ffi` facade) and the desktop shell `perisai` call this crate;
//! the sync server builds on `perisai-domain` only, and never links the device's store or its HTTP
//! client (docs/ARCHITECTURE.md §2, docs/DECISIONS.md D15).
//!
//! Rooms, each with one job, lowest first; a module only uses the ones above it:
//! - the domain's modules, re-exported: [`message`], [`record`], [`codes`], [`occupation`],
//!   [`typed`], [`tariff`], [`form`], [`rules`], [`seal`], [`signer`], [`protocol`].
//! - [`error`]: `CoreError`, rich inside, with a stable code and a message free of personal data.
//! - [`content`]: what is sealed for a record (its content, the participant card) and how.
//! - [`store`]: the encrypted SQLite file, its migrations.
//! - [`queue`]: a record's life on the device (states, receipt numbers, withdraw, correct, purge).
//! - [`incentive`]: the domain's commission engine, and the statements and cash the device keeps.
//! - [`share`]: the text an agent shares with a participant (receipt, commission).
//! - [`lock`]: the app lock's gate (locked at start and after five minutes away).
//! - [`sync`]: the sync engine (batches, acknowledgements, downsync, the HTTP transport).
//! - [`app`]: `AgentApp`, the one object the shells talk to.

pub use perisai_domain::{
    codes, form, message, occupation, protocol, record, rules, seal, signer, tariff, typed,
};

pub mod app;
pub mod content;
pub mod error;
pub mod incentive;
pub mod lock;
pub mod queue;
pub mod share;
pub mod store;
pub mod sync;

pub use app::AgentApp;
pub use error::CoreError;
pub use message::Message;
pub use perisai_domain::DomainError;
