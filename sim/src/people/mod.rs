//! The one generator of realistic workers and their enrollments, deterministic from a seed: for
//! the demo's simulated agents, the server's benchmarks and the end-to-end tests. Everything here
//! is invented: no real person's data.
//!
//! In layers:
//! - the tables, once: [`names`] (the peoples' given, second and single names), [`places`]
//!   (KTP regions with their districts and villages, streets, towns of birth), and in [`worker`]
//!   the occupation codes and the operators' mobile prefixes; [`folks`]: the peoples with their
//!   names and home regions;
//! - [`Worker`]: a worker as the agent types them (an NIK valid per DOMAIN.md §4 that matches the
//!   birth date and sex, name, phone, address, occupation, income, programs, GPS fix) and
//!   [`Worker::form`], the form JSON as the shells send it;
//! - three draws of workers: [`People`] (national: anyone anywhere, distinct NIKs; what the
//!   benchmarks upload), [`numbered`] (`form(device, n)`: the tests' and the load driver's,
//!   distinct over the whole fleet by their numbers), and [`Workers`] (the demo agents' [`Visit`]s
//!   in their [`Area`]: clean forms, confirmed warnings, mistakes the core refuses, workers
//!   another agent already enrolled);
//! - [`wire`]: the wire record a device sends for a form (validated and normalized by
//!   `perisai_core::rules::validate`, as `core/src/sync/wire.rs` builds it), the tests' unvalidated
//!   [`WireRecords`], and when agents enrol ([`working_times`]).
//!
//! Random numbers come from [`Rng`] (SplitMix64): the same stream on every platform and version.

pub mod areas;
pub mod folks;
pub mod names;
pub mod national;
pub mod numbered;
pub mod places;
pub mod rng;
pub mod visits;
pub mod wire;
pub mod worker;

pub use areas::{Area, AreaKind, AREAS};
pub use names::Folk;
pub use national::{Enrollee, People};
pub use numbered::{form, forms, ENROLLED_ON, MAX_DEVICES, MAX_PER_DEVICE};
pub use rng::Rng;
pub use visits::{Mistake, Visit, Workers};
pub use wire::{rule_set_id, uuid_at, wire_record, working_times, WireRecords};
pub use worker::{Fix, Worker};
