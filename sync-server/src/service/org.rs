//! Branches, Wadah, agents and user accounts.

use super::{clean_name, new_id, Result, ServiceError, CLI_ACTOR};
use crate::db::{audit, is_unique_violation, now_ms, Db};
use crate::keys::{hex, random_bytes};
use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
use argon2::Argon2;

/// Creates a branch; its id is its code. Also makes the branch's NIK tag key.
pub async fn create_branch(
    db: &Db,
    code: &str,
    name: &str,
    parent: Option<&str>,
) -> Result<String> {
    let code = code.trim();
    if code.is_empty()
        || code.len() > 32
        || !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(ServiceError::Invalid(
            "branch code must be 1 to 32 letters, digits, '-' or '_'".into(),
        ));
    }
    let name = clean_name("branch name", name)?;
    let tag_key = random_bytes::<32>()?;
    let tag_key_id = hex(&random_bytes::<4>()?);
    let mut tx = db.begin_write().await?;
    if let Some(parent) = parent {
        let found: Option<String> = sqlx::query_scalar("SELECT code FROM branches WHERE code = $1")
            .bind(parent)
            .fetch_optional(&mut *tx)
            .await?;
        if found.is_none() {
            return Err(ServiceError::NotFound(format!(
                "no branch with code {parent}"
            )));
        }
    }
    let inserted = sqlx::query(
        "INSERT INTO branches (code, name, parent_code, tag_key, tag_key_id, created_ms)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(code)
    .bind(&name)
    .bind(parent)
    .bind(tag_key.as_slice())
    .bind(&tag_key_id)
    .bind(now_ms())
    .execute(&mut *tx)
    .await;
    match inserted {
        Err(e) if is_unique_violation(&e) => {
            return Err(ServiceError::Conflict(format!(
                "branch {code} already exists"
            )))
        }
        other => {
            other?;
        }
    }
    audit::record(
        &mut tx,
        CLI_ACTOR,
        "branch.create",
        Some(code),
        Some(code),
        &serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(code.to_string())
}

pub async fn create_wadah(db: &Db, branch: &str, name: &str) -> Result<String> {
    let name = clean_name("Wadah name", name)?;
    let id = new_id();
    let mut tx = db.begin_write().await?;
    let found: Option<String> = sqlx::query_scalar("SELECT code FROM branches WHERE code = $1")
        .bind(branch)
        .fetch_optional(&mut *tx)
        .await?;
    if found.is_none() {
        return Err(ServiceError::NotFound(format!(
            "no branch with code {branch}"
        )));
    }
    sqlx::query("INSERT INTO wadah (id, branch, name, created_ms) VALUES ($1, $2, $3, $4)")
        .bind(&id)
        .bind(branch)
        .bind(&name)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        CLI_ACTOR,
        "wadah.create",
        Some(branch),
        Some(&id),
        &serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn create_agent(db: &Db, wadah: &str, name: &str) -> Result<String> {
    let name = clean_name("agent name", name)?;
    let id = new_id();
    let mut tx = db.begin_write().await?;
    let branch: Option<String> = sqlx::query_scalar("SELECT branch FROM wadah WHERE id = $1")
        .bind(wadah)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(branch) = branch else {
        return Err(ServiceError::NotFound(format!("no Wadah with id {wadah}")));
    };
    let now = now_ms();
    sqlx::query(
        "INSERT INTO agents (id, branch, wadah_id, name, status, status_changed_ms, created_ms)
         VALUES ($1, $2, $3, $4, 'active', $5, $5)",
    )
    .bind(&id)
    .bind(&branch)
    .bind(wadah)
    .bind(&name)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        CLI_ACTOR,
        "agent.create",
        Some(&branch),
        Some(&id),
        &serde_json::json!({"wadah_id": wadah}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Roles of ARCHITECTURE.md §5.
pub const ROLES: [&str; 3] = ["admin", "supervisor", "wadah"];

/// Creates an account with an argon2id password hash. A supervisor needs a branch, a Wadah
/// account needs a Wadah (its branch is the Wadah's).
pub async fn create_user(
    db: &Db,
    role: &str,
    branch: Option<&str>,
    wadah: Option<&str>,
    email: &str,
    password: &str,
) -> Result<String> {
    if !ROLES.contains(&role) {
        return Err(ServiceError::Invalid(
            "role must be admin, supervisor or wadah".into(),
        ));
    }
    let email = email.trim().to_lowercase();
    if email.len() > 254
        || email.split('@').filter(|p| !p.is_empty()).count() != 2
        || email.contains(char::is_whitespace)
    {
        return Err(ServiceError::Invalid("email is not an address".into()));
    }
    if let Some(problem) = super::password_rule::problem(password, &email) {
        return Err(ServiceError::Invalid(problem));
    }
    let salt = SaltString::generate(&mut OsRng);
    let hash = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|_| ServiceError::Invalid("password could not be hashed".into()))?
        .to_string();
    let id = new_id();
    let mut tx = db.begin_write().await?;
    let (branch, wadah) = match role {
        "supervisor" => {
            let Some(branch) = branch else {
                return Err(ServiceError::Invalid("a supervisor needs --branch".into()));
            };
            let found: Option<String> =
                sqlx::query_scalar("SELECT code FROM branches WHERE code = $1")
                    .bind(branch)
                    .fetch_optional(&mut *tx)
                    .await?;
            if found.is_none() {
                return Err(ServiceError::NotFound(format!(
                    "no branch with code {branch}"
                )));
            }
            (Some(branch.to_string()), None)
        }
        "wadah" => {
            let Some(wadah) = wadah else {
                return Err(ServiceError::Invalid(
                    "a wadah account needs --wadah".into(),
                ));
            };
            let found: Option<String> =
                sqlx::query_scalar("SELECT branch FROM wadah WHERE id = $1")
                    .bind(wadah)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some(wadah_branch) = found else {
                return Err(ServiceError::NotFound(format!("no Wadah with id {wadah}")));
            };
            (Some(wadah_branch), Some(wadah.to_string()))
        }
        _ => (branch.map(str::to_string), None),
    };
    let inserted = sqlx::query(
        "INSERT INTO users (id, email, role, branch, wadah_id, password_hash, created_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(&email)
    .bind(role)
    .bind(branch.as_deref())
    .bind(wadah.as_deref())
    .bind(&hash)
    .bind(now_ms())
    .execute(&mut *tx)
    .await;
    match inserted {
        Err(e) if is_unique_violation(&e) => {
            return Err(ServiceError::Conflict(
                "an account with this email already exists".into(),
            ))
        }
        other => {
            other?;
        }
    }
    audit::record(
        &mut tx,
        CLI_ACTOR,
        "user.create",
        branch.as_deref(),
        Some(&id),
        &serde_json::json!({"role": role}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}
