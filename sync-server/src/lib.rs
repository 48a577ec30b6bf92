//! `perisai-server`: the sync server of Perisai Field (DESIGN.md §4, §5, §7).
//!
//! Devices activate with a one-time code, upload frozen signed batches and downsync decisions,
//! NIK tags, rule sets and commands; operators run `perisai-server serve` and the `admin`
//! commands. Rooms, each with one job:
//!
//! - [`cli`]: the command line of DESIGN.md §7 (clap) and what each command prints.
//! - [`api`]: the device API over HTTP (axum): activation, batches, nonce and downsync, ops.
//! - [`ingest`]: storing a batch exactly once with per-record results and fraud signals.
//! - [`feed`]: what flows down to devices since a cursor.
//! - [`http_server`]: the accept loop (header deadline, client address, graceful stop).
//! - [`admin`]: the operator commands (branches, agents, codes, revocation, decisions, export,
//!   backup, reach).
//! - [`db`]: SQLite or PostgreSQL through one handle, migrations, small shared queries.
//! - [`keys`]: the server's signing key and secret, in a key folder outside the database.
//! - [`config`], [`error`], [`metrics`], [`openapi`]: limits, HTTP errors, Prometheus, OpenAPI.
//! - [`demo`]: `perisai-server demo`: a seeded server to try things with.
//!
//! Validation of records is `perisai_core::rules::validate`, the very code the devices run.

pub mod admin;
pub mod api;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod feed;
pub mod http_server;
pub mod ingest;
pub mod key_rotation;
pub mod keys;
pub mod metrics;
pub mod openapi;
pub mod payments;
pub mod web;
