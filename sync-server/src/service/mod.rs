//! The operator's commands (`perisai-server admin ...`, ARCHITECTURE.md §7), as plain async functions
//! over the database and the keys, so the CLI, the demo and the tests call the same code.
//!
//! - [`org`]: branches, Wadah, agents, user accounts.
//! - [`access`]: activation codes, device revocation, suspending and dismissing agents.
//! - [`review`]: supervisors' decisions on records.
//! - [`erase`]: erasure of a person's data at their request.
//! - [`export`]: CSV export of a branch (formula-neutralised, audited).
//! - [`backup`]: an online, consistent copy of the database.
//! - [`check`]: whether the database is consistent (chains, acknowledgements, records).
//! - [`reach`]: which records a device or an account could reach (breach reports).
//! - [`rules`]: publishing rule sets to devices and to the server's re-validation.
//!
//! Every change that touches people or devices is written to the audit log.

pub mod access;
pub mod backup;
pub mod check;
pub mod content;
pub mod erase;
pub mod export;
pub mod feed;
pub mod org;
pub mod password_rule;
pub mod payments;
pub mod reach;
pub mod review;
pub mod rules;

/// Why an admin command failed: the message is for the operator's terminal (no personal data).
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("{0}")]
    Key(#[from] crate::keys::KeyError),
    #[error("{0}")]
    Io(String),
}

pub type Result<T> = std::result::Result<T, ServiceError>;

/// Who the audit log names for commands run from the operator CLI.
pub const CLI_ACTOR: &str = "admin-cli";

/// Trims and checks a human-readable name (1..=200 characters).
pub(crate) fn clean_name(what: &str, name: &str) -> Result<String> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ServiceError::Invalid(format!(
            "{what} must be 1 to 200 characters"
        )));
    }
    Ok(name)
}

/// The one `enrollments` row with id `record_id` (in `branch` when given), with `columns`; a
/// missing id and an id several branches hold are refused with the operator's message.
pub(crate) async fn one_record(
    conn: &mut sqlx::AnyConnection,
    record_id: &str,
    branch: Option<&str>,
    columns: &str,
) -> Result<sqlx::any::AnyRow> {
    let mut rows = sqlx::query(&format!(
        "SELECT {columns} FROM enrollments WHERE id = $1 AND ($2 = '' OR branch = $2)"
    ))
    .bind(record_id)
    .bind(branch.unwrap_or(""))
    .fetch_all(conn)
    .await?;
    match rows.len() {
        0 => Err(ServiceError::NotFound(format!(
            "no record with id {record_id}"
        ))),
        1 => Ok(rows.remove(0)),
        _ => Err(ServiceError::Invalid(
            "several branches hold this record id; name one with --branch".into(),
        )),
    }
}

pub(crate) fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
