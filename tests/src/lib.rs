//! `perisai-e2e`: the end-to-end tests of Perisai Field, and what they are built from.
//!
//! The tests under `tests/` drive real processes: the `perisai-server` binary on a fresh SQLite
//! file or a fresh PostgreSQL database, devices speaking real HTTP, and between them a proxy
//! that breaks the network on purpose. Everything runs on loopback only.
//!
//! - [`proxy`]: the fault-injecting TCP proxy (cuts, delays, duplicates, a slow flaky link).
//! - [`server`]: the real `perisai-server` binary on a fresh SQLite file or PostgreSQL database
//!   (`Deployment`, `ServerProcess`), admin commands, and [`on_both_backends!`].
//! - [`binaries`]: finding (and building) the workspace binaries the tests run.
//! - [`cli_device`]: a device driven through the `perisai` shell (the real sync client).
//! - [`device`]: a protocol-level device (activation, frozen batches, signed acks) over HTTP.
//! - [`fleet`]: devices enrolling and syncing in a loop while a test breaks things, and bringing
//!   everything home afterwards.
//! - [`load`]: the load driver (`perisai-load`): a thousand devices, steady or closed loop.
//! - [`web`]: the supervisors' web app at the HTTP level (cookies by hand, any loopback address).
//! - [`error`]: the harness's error.
//!
//! The enrollments they send are the numbered forms of the one generator (`perisai_sim::people`:
//! `form(device, n)`, valid and distinct over the whole fleet) and its `WireRecords`.
//!
//! Run: `cargo test -p perisai-e2e` (set `PERISAI_TEST_POSTGRES_URL` for the PostgreSQL half;
//! `scripts/test.sh` does). Seeds of the fault plans come from `PERISAI_E2E_SEED` when set.

pub mod binaries;
pub mod cli_device;
pub mod device;
pub mod error;
pub mod fleet;
pub mod load;
pub mod proxy;
pub mod server;
pub mod web;

pub use error::E2eError;

/// The seed for this run's fault plans: `PERISAI_E2E_SEED` when set, else `default`. Tests print
/// it, so that a failure can be replayed.
pub fn seed(default: u64) -> u64 {
    std::env::var("PERISAI_E2E_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Whether this is a full run (`PERISAI_E2E_FULL=1`): the fault tests then run at the sizes of
/// issue 6 and docs/RELIABILITY.md (50 server kills, 1,000 records over the 2G link, ...); by
/// default, as in CI, they run a shorter version of the same test.
pub fn full_run() -> bool {
    std::env::var("PERISAI_E2E_FULL").is_ok_and(|v| v == "1")
}

/// `full` in a full run (see [`full_run`]), else `short`.
pub fn sized(short: u32, full: u32) -> u32 {
    if full_run() {
        full
    } else {
        short
    }
}

/// Prints a line on stderr even when the test passes (libtest captures `eprintln!` of passing
/// tests): for the few figures a run should always show, such as what the fault proxy did.
pub fn report(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}
