//! The database: one [`Db`] handle over SQLite (the embedded default) or PostgreSQL, chosen by the
//! URL, with the numbered migrations of `migrations/sqlite` or `migrations/postgres` applied on open.
//!
//! Queries are written once, in the SQL both engines understand (`$1` parameters, `ON CONFLICT`,
//! `RETURNING`), and run through sqlx's `Any` driver. Integers are `i64`, times are milliseconds
//! since the epoch, bytes are `BLOB`/`BYTEA`: the types `Any` maps the same way on both.
//!
//! ```text
//! let db = Db::open("sqlite:./data/perisai.db").await?;   // creates the folder and the file
//! let mut tx = db.begin_write().await?;                   // BEGIN IMMEDIATE on SQLite
//! ```
//!
//! Exactly-once is the database's job: unique keys decide, never a check followed by a write.
//! Write transactions start with `BEGIN IMMEDIATE` on SQLite so two writers queue on the busy
//! timeout instead of failing on a lock upgrade.

pub mod audit;
pub mod devices;
pub mod flags;
pub mod nonces;
pub mod rate;

use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{Any, AnyPool, ConnectOptions, Connection, Executor, Transaction};

/// Which engine a [`Db`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Errors of opening or using the database. The text never contains query parameters.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("unsupported database URL (use sqlite:PATH or postgres://...)")]
    UnsupportedUrl,
    #[error("cannot create the database folder: {0}")]
    Folder(std::io::ErrorKind),
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// A pool of connections to the server database.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    url: String,
}

/// Migrations embedded at build time, one ladder per engine.
static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

pub type Tx = Transaction<'static, Any>;

impl Db {
    /// Opens (and for SQLite creates, with its folder) the database at `url` and migrates it.
    pub async fn open(url: &str) -> Result<Db, DbError> {
        sqlx::any::install_default_drivers();
        let (backend, any_url) = if let Some(path) = sqlite_path(url) {
            prepare_sqlite_file(&path).await?;
            (
                Backend::Sqlite,
                format!("sqlite://{}?mode=rwc", path.display()),
            )
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_string())
        } else {
            return Err(DbError::UnsupportedUrl);
        };
        let options = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // FULL: an acknowledged batch survives a power cut, not only a crash.
                        conn.execute("PRAGMA synchronous = FULL").await?;
                        // Savepoint and statement journals in memory, not in temporary files
                        // (`ingest::group` writes each batch in a savepoint).
                        conn.execute("PRAGMA temp_store = MEMORY").await?;
                        // 64 MiB of page cache (default 2 MiB): index pages of the big tables
                        // stay in memory for the single writer; a few connections at most.
                        conn.execute("PRAGMA cache_size = -65536").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                    }
                    Ok(())
                })
            });
        let pool = options.connect(&any_url).await?;
        let db = Db {
            pool,
            backend,
            url: url.to_string(),
        };
        match backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&db.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&db.pool).await?,
        }
        Ok(db)
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL the database was opened with (for `admin backup` with `pg_dump`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Starts a transaction that will write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so concurrent writers wait instead of failing halfway.
    pub async fn begin_write(&self) -> Result<Tx, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// Whether the database answers (for `/healthz`).
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// `sqlite:PATH`, `sqlite://PATH` → PATH (query parameters are not supported).
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let rest = rest.split('?').next().unwrap_or(rest);
    if rest.is_empty() {
        return None;
    }
    Some(PathBuf::from(rest))
}

/// Creates the folder and the file, and switches the file to WAL once (a persistent setting).
async fn prepare_sqlite_file(path: &Path) -> Result<(), DbError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| DbError::Folder(e.kind()))?;
    }
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(Duration::from_secs(10));
    let conn = options.connect().await?;
    conn.close().await?;
    Ok(())
}

/// Most rows one multi-row `INSERT` carries (a batch has at most 100 records; 500 rows of 17
/// parameters stay below the parameter limits of SQLite, 32,766, and PostgreSQL, 65,535).
pub const MAX_ROWS_PER_INSERT: usize = 500;

/// `($1, $2, $3), ($4, $5, $6)`: the VALUES of a multi-row insert of `rows` rows of `columns`
/// parameters each, numbered after the first `before` parameters of the statement.
///
/// On SQLite the parameters are anonymous (`?`) instead: SQLite looks a numbered or named
/// parameter up by a linear scan, so binding n of them costs n² (a 1,700-parameter insert spent
/// more time there than inserting). `?` parameters take the next number, so a statement built
/// with this and [`param`] binds in the order the text lists them, on both engines.
pub fn values_list(backend: Backend, rows: usize, columns: usize, before: usize) -> String {
    let mut sql = String::with_capacity(rows * columns * 6);
    let mut n = before;
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..columns {
            if column > 0 {
                sql.push_str(", ");
            }
            n += 1;
            sql.push_str(&param(backend, n));
        }
        sql.push(')');
    }
    sql
}

/// `$3, $4, $5` (`?, ?, ?` on SQLite): `count` parameters after the first `before`.
pub fn param_list(backend: Backend, count: usize, before: usize) -> String {
    (before + 1..=before + count)
        .map(|n| param(backend, n))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The `n`-th parameter: `$n`, or `?` on SQLite (see [`values_list`]).
pub fn param(backend: Backend, n: usize) -> String {
    match backend {
        Backend::Sqlite => "?".to_string(),
        Backend::Postgres => format!("${n}"),
    }
}

/// Milliseconds since the Unix epoch, from the system clock.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// RFC 3339 (UTC, seconds) of a millisecond timestamp; an out-of-range value prints as the epoch.
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Reads a column, mapping a decode error to `sqlx::Error` (for `?` in row mappers).
pub fn col<'r, T>(row: &'r AnyRow, name: &str) -> Result<T, sqlx::Error>
where
    T: sqlx::Decode<'r, Any> + sqlx::Type<Any>,
{
    sqlx::Row::try_get(row, name)
}

/// Whether an error is a unique-key violation (the other writer won).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_lists_number_parameters_row_by_row() {
        assert_eq!(
            values_list(Backend::Postgres, 2, 3, 1),
            "($2, $3, $4), ($5, $6, $7)"
        );
        assert_eq!(values_list(Backend::Sqlite, 2, 2, 1), "(?, ?), (?, ?)");
        assert_eq!(param_list(Backend::Postgres, 2, 1), "$2, $3");
        assert_eq!(param_list(Backend::Sqlite, 2, 1), "?, ?");
    }

    #[test]
    fn sqlite_urls_name_a_path() {
        assert_eq!(
            sqlite_path("sqlite:./data/perisai.db"),
            Some("./data/perisai.db".into())
        );
        assert_eq!(sqlite_path("sqlite:///tmp/x.db"), Some("/tmp/x.db".into()));
        assert_eq!(
            sqlite_path("sqlite://rel/x.db?mode=rwc"),
            Some("rel/x.db".into())
        );
        assert_eq!(sqlite_path("postgres://h/db"), None);
        assert_eq!(sqlite_path("sqlite:"), None);
    }

    #[tokio::test]
    async fn opening_creates_the_folder_and_a_wal_file_and_migrates_twice_harmlessly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/folder/perisai.db");
        let url = format!("sqlite:{}", path.display());
        let db = Db::open(&url).await.unwrap();
        assert!(path.exists());
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        db.close().await;
        let again = Db::open(&url).await.unwrap();
        assert!(again.ping().await);
    }

    #[test]
    fn both_migration_ladders_define_the_same_tables_and_columns() {
        fn shape(sql: &str) -> Vec<String> {
            sql.lines()
                .map(|l| l.split("--").next().unwrap_or("").trim())
                .filter(|l| !l.is_empty())
                .map(|l| {
                    l.replace("INTEGER PRIMARY KEY AUTOINCREMENT", "SERIAL")
                        .replace("BIGSERIAL PRIMARY KEY", "SERIAL")
                        .replace("BYTEA", "BLOB")
                })
                .collect()
        }
        for (s, p) in SQLITE_MIGRATIONS.iter().zip(POSTGRES_MIGRATIONS.iter()) {
            assert_eq!(s.version, p.version);
            assert_eq!(shape(&s.sql), shape(&p.sql), "migration {}", s.version);
        }
        assert_eq!(
            SQLITE_MIGRATIONS.iter().count(),
            POSTGRES_MIGRATIONS.iter().count()
        );
    }
}
