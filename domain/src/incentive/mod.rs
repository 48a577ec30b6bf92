//! Agent incentives (commission, DOMAIN.md §7): schemes as effective-dated data, a pure engine
//! (no I/O, no clock) that computes a month from plain facts, and the statement shape shared by
//! server, device and the `perisai commission` output.
//!
//! - [`scheme`]: `domain/schemes/*.json` ([`SchemeBook::builtin`] is the default "perisai-2022"),
//!   loaded and checked like tariff rule sets; a Wadah's cooperation agreement can bring its own.
//! - [`facts`]: [`Participant`] and [`Payment`], what the server knows; no I/O here.
//! - [`engine`]: [`agent_statement`] (a month's acquisition and contribution lines plus the
//!   adjustments of earlier issued months) and [`wadah_statement`] (the management share).
//! - [`statement`]: [`Statement`] and its [`Line`]s; header sums always equal the lines' sums.
//!
//! Use (server, issuing 2026-05 for one agent):
//! ```
//! use perisai_domain::incentive::{agent_statement, Facts, SchemeBook, Status, StatementRequest};
//! use perisai_domain::tariff::YearMonth;
//! let as_of = chrono::DateTime::parse_from_rfc3339("2026-06-01T08:00:00+07:00").unwrap();
//! let statement = agent_statement(
//!     &SchemeBook::builtin(),
//!     &Facts::default(),
//!     &StatementRequest {
//!         agent_id: "agent-1",
//!         month: YearMonth::parse("2026-05").unwrap(),
//!         status: Status::Confirmed,
//!         as_of: &as_of,
//!         issued: &[],
//!     },
//! )
//! .unwrap();
//! assert_eq!(statement.total, 0);
//! ```

pub mod engine;
pub mod facts;
pub mod scheme;
pub mod statement;

pub use engine::{agent_statement, month_lines, wadah_statement, StatementRequest};
pub use facts::{Facts, Participant, Payment};
pub use scheme::{AcquisitionTerms, ContributionBand, Scheme, SchemeBook};
pub use statement::{Line, LineKind, Statement, Status};
