//! `perisai-sim`: the simulation around the real parts, for a newcomer and for the tests.
//!
//! - [`people`]: the one generator of realistic workers and their enrollments (names, NIKs that
//!   pass the rules, phones, occupations, incomes, areas), deterministic from a seed.
//! - [`link`]: a flaky loopback proxy that delays and cuts connections.
//! - [`device`]: a simulated field device: the real device core (`AgentApp`, sealed queue, sync
//!   client, software signing key) enrolling workers offline and syncing through its link.
//! - [`console`] and [`summary`]: the demo's narration and what the server's database holds.
//! - [`demo`]: the demo itself (`perisai-demo`, started by `scripts/demo.sh`): a seeded branch,
//!   the real server, and simulated devices.
//!
//! The production server (`perisai-server`) links none of this: no device store, no HTTP client
//! (docs/DECISIONS.md D15).

pub mod console;
pub mod demo;
pub mod device;
pub mod link;
pub mod people;
pub mod summary;
