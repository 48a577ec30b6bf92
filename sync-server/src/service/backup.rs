//! `admin backup FILE`: an online, consistent copy while the server runs.
//! SQLite: `VACUUM INTO` (a transactionally consistent, compact copy). PostgreSQL: `pg_dump`
//! (custom format, restore with `pg_restore`) when it is installed; otherwise the command says so.
//! The key folder is not in the backup: keep it apart (a backup without it cannot be read).

use std::path::Path;
use std::process::Command;

use super::{Result, ServiceError};
use crate::db::{Backend, Db};

/// Writes the backup to `file` (which must not exist yet); returns a line describing it.
pub async fn backup(db: &Db, file: &Path) -> Result<String> {
    if file.exists() {
        return Err(ServiceError::Conflict(
            "the backup file already exists; choose a new name".into(),
        ));
    }
    if let Some(parent) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| {
            ServiceError::Io(format!("cannot create the backup folder: {:?}", e.kind()))
        })?;
    }
    let target = file
        .to_str()
        .ok_or_else(|| ServiceError::Invalid("the backup path must be UTF-8".into()))?;
    match db.backend() {
        Backend::Sqlite => {
            sqlx::query("VACUUM INTO $1")
                .bind(target)
                .execute(db.pool())
                .await?;
            Ok("SQLite backup written with VACUUM INTO".into())
        }
        Backend::Postgres => {
            let status = Command::new("pg_dump")
                .arg("--format=custom")
                .arg("--file")
                .arg(target)
                .arg("--dbname")
                .arg(db.url())
                .status();
            match status {
                Ok(s) if s.success() => Ok("PostgreSQL backup written with pg_dump (custom format; restore with pg_restore)".into()),
                Ok(s) => Err(ServiceError::Io(format!("pg_dump failed ({s})"))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(ServiceError::Io(
                    "pg_dump is not installed: install the PostgreSQL client tools (e.g. apt-get install postgresql-client) or back up with your database's own tooling".into(),
                )),
                Err(e) => Err(ServiceError::Io(format!("pg_dump could not run: {:?}", e.kind()))),
            }
        }
    }
}
