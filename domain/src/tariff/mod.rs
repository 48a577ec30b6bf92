//! Contribution rule sets and quotes (DOMAIN.md §6).
//!
//! Tariffs are **data**: `domain/rulesets/*.json`, parsed and checked at load, effective-dated, and
//! replaceable by a signed update from the server without a release.
//!
//! The model, in short (details in [`rule_set`]):
//! - a [`RuleSet`] (`bpu-2015`, `bpu-2026`) is in force for the enrollments of its months
//!   `effective_from ..= effective_to`; it holds the validation parameters (ages, income limits,
//!   prepayment periods, program packages), rate periods by contribution month and discount
//!   windows by contribution month and sector (each `enabled` or not);
//! - a [`RuleBook`] holds non-overlapping rule sets and answers "which one is in force" for a date
//!   ([`RuleBook::in_force`], used by validation) or a contribution month (used by pricing);
//! - [`quote`] prices each month of a prepayment by the rule set in force in that month, each
//!   program exactly in integers and rounded half-up once ([`amount`]).
//!
//! Use: `quote(&RuleBook::builtin(), &QuoteRequest { .. })`, or
//! `QuoteRequest::for_enrollment(&enrollment)` for the first payment of a validated record.

pub mod amount;
mod book;
pub mod month;
mod quote;
pub mod rule_set;

pub use book::RuleBook;
pub use month::YearMonth;
pub use quote::{quote, MonthQuote, Quote, QuoteRequest};
pub use rule_set::{DiscountWindow, EnrollmentTerms, Rate, RatePeriod, RuleSet, Sector};
