//! `perisai-demo`: what `scripts/demo.sh` runs, the README's first command. The real sync server
//! on a seeded branch, and simulated field devices (`perisai-sim`) that enroll workers offline and
//! sync over flaky links, narrated on stdout.
//!
//! - [`demo`]: seeding, serving, starting the devices, stopping cleanly.
//! - [`summary`]: what the server's database holds, printed every ten seconds.

pub mod demo;
pub mod summary;
