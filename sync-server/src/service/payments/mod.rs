//! Payments on the server (DOMAIN.md §6–§8, ARCHITECTURE.md §7): what turns an approved enrollment into
//! money the agency has actually received, and what the agents earn from it.
//!
//! - [`code`]: the payment code (*kode iuran*) issued when a record is approved.
//! - [`participant`]: finding the record a payment line names (NIK, record id or payment code)
//!   and what its month should have cost (the core tariff).
//! - [`import`]: `admin import-payments --file F`, idempotent by payment reference.
//! - [`coverage`]: `paid_through`, the latest contiguous paid contribution month.
//! - [`cash`]: cash the agents say they collected, reconciled with the payments (fraud flag after
//!   7 days).
//! - [`time_zone`]: a branch's UTC offset (a payment belongs to the month of its confirmation in
//!   the branch's time zone).
//! - [`facts`], [`schemes`], [`statements`]: monthly incentive statements computed by the core
//!   engine (`perisai_domain::incentive`) from the facts gathered here, per Wadah scheme.
//! - [`downsync`]: what of all this flows down to the agent's device.
//!
//! Nothing here logs or prints personal data or payment codes: output and errors carry line
//! numbers, ids and stable codes only.

pub mod cash;
pub mod code;
pub mod coverage;
pub mod downsync;
pub mod facts;
pub mod import;
pub mod participant;
pub mod schemes;
pub mod statements;
pub mod time_zone;

/// Kinds of fraud flag raised here (stable, beside those of `db::flags::kind`).
pub mod flag_kind {
    /// A payment short of the quote for its contribution month (accepted as paid).
    pub const PAYMENT_SHORT: &str = "payment.short";
    /// Cash an agent recorded that no confirmed payment matched within 7 days.
    pub const CASH_UNCONFIRMED: &str = "cash.unconfirmed";
}

/// One day, in milliseconds.
pub const DAY_MS: i64 = 24 * 3600 * 1000;
