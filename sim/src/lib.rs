//! `perisai-sim`: simulated field work around the real parts, for the demo, the benchmarks and
//! the end-to-end tests.
//!
//! - [`people`]: the one generator of realistic workers and their enrollments (names, NIKs that
//!   pass the rules, phones, occupations, incomes, areas; forms and wire records), deterministic
//!   from a seed: the demo's agents' visits, the benchmarks' national draw, the tests' numbered
//!   forms.
//! - [`link`]: a flaky loopback proxy that delays and cuts connections.
//! - [`device`]: a simulated field device: the real device core (`AgentApp`, sealed queue, sync
//!   client, software signing key) enrolling workers offline and syncing through its link.
//! - [`console`]: the narration on stdout (stamped, bilingual, never personal data).
//!
//! It depends on the device core, not on the server: the server's benchmarks and the end-to-end
//! tests use it, and the demo (`perisai-demo`, crate `demo/`) puts it in front of the real server.

pub mod console;
pub mod device;
pub mod link;
pub mod people;
