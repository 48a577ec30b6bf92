//! Limits and timings of the server, with the defaults operators get. Tests shorten them.

use std::time::Duration;

use crate::db::Backend;

#[derive(Clone, Debug)]
pub struct Config {
    /// Whole-request deadline (slow bodies included): 408 after it.
    pub request_timeout: Duration,
    /// Largest JSON body (activation, downsync, nonce).
    pub json_body_limit: usize,
    /// Batches one device may store per minute before 429.
    pub batches_per_minute: i64,
    /// Activation attempts with unknown codes per client address per hour before 429.
    pub unknown_codes_per_hour: i64,
    /// How long an activation code is valid.
    pub code_validity: Duration,
    /// Wrong tries against one activation code before it is locked.
    pub code_max_tries: i64,
    /// Downsync shows rows only this long after they were written, so that rows of slower
    /// concurrent transactions (PostgreSQL assigns ids before commit) are never skipped. Must be
    /// longer than `request_timeout`. SQLite commits in id order: zero.
    pub downsync_settle: Duration,
    /// Most items of each kind in one downsync answer.
    pub downsync_page: i64,
    /// What a 426 tells devices to install at least.
    pub min_app_version: String,
    /// Password checks at once, per pool (`state::PasswordChecks`).
    pub max_password_checks: usize,
}

impl Config {
    pub fn for_backend(backend: Backend) -> Config {
        Config {
            request_timeout: Duration::from_secs(30),
            json_body_limit: 16 * 1024,
            batches_per_minute: 60,
            unknown_codes_per_hour: 20,
            code_validity: Duration::from_secs(72 * 3600),
            code_max_tries: 5,
            downsync_settle: match backend {
                Backend::Sqlite => Duration::ZERO,
                Backend::Postgres => Duration::from_secs(40),
            },
            downsync_page: 500,
            min_app_version: "0.1.0".to_string(),
            // Half the cores (at least one): hashing never takes the cores the device API and
            // the database writer need.
            max_password_checks: std::thread::available_parallelism().map_or(1, |n| n.get() / 2),
        }
    }
}
