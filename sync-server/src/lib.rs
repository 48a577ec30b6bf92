//! `perisai-server`: the sync server of Perisai Field (ARCHITECTURE.md §4, §5, §7).
//!
//! Devices activate with a one-time code, upload frozen signed batches and downsync decisions,
//! NIK tags, rule sets and commands; supervisors review in the web app; operators run `serve`
//! and the `admin` commands. The modules form one-way layers, each using only those below it
//! (`scripts/module_cycles.py` checks it in CI):
//!
//! | layer | modules | what they are |
//! |---|---|---|
//! | 0 | [`db`], [`metrics`], [`http_server`], [`client_addr`], [`openapi`] | SQLite or PostgreSQL through one handle and migrations; Prometheus; the accept loop; the client address as throttles count it; the OpenAPI document |
//! | 1 | [`config`], [`keys`] | limits and timings; the signing key (with its rotation) and the secret, in a key folder outside the database |
//! | 2 | [`service`], [`error`] | the service layer: every operation on branches, agents, accounts, codes, devices, decisions, erasure, export, backup, reach, rule sets, payments and statements, the downsync feed, the typed stored content, with one typed error ([`service::ServiceError`]); the device API's HTTP errors |
//! | 3 | [`ingest`] | storing a batch exactly once with per-record results and fraud signals |
//! | 4 | [`state`] | what every request handler shares ([`state::AppState`]) |
//! | 5 | [`api`], [`web`] | the device API; the supervisors' web app |
//! | 6 | [`router`] | both, composed, with limits, metrics and the request log |
//! | 7 | [`serve`] | `perisai-server serve`: options, bind, serve until a signal |
//! | 8 | [`cli`] | the command line of ARCHITECTURE.md §7 (clap) and what each command prints |
//!
//! Validation of records is `perisai_domain::rules::validate`, the very code the devices run. The
//! server depends on the domain crate only: it links neither the device's store nor an HTTP
//! client (`cargo tree -p perisai-server -e normal`). The demo, with its simulated devices, is
//! its own crate and binary (`perisai-sim`, `perisai-demo`).

pub mod api;
pub mod cli;
pub mod client_addr;
pub mod config;
pub mod db;
pub mod error;
pub mod http_server;
pub mod ingest;
pub mod keys;
pub mod metrics;
pub mod openapi;
pub mod router;
pub mod serve;
pub mod service;
pub mod state;
pub mod web;
