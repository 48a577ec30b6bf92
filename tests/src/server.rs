//! The real `perisai-server`, as an operator runs it: a [`Deployment`] is a database (a fresh
//! SQLite file, or a fresh PostgreSQL database) and a key folder; on it the tests start server
//! processes (`serve --listen 127.0.0.1:0`) and run `admin` commands, through the binary and its
//! command-line contract (ARCHITECTURE.md §7), never through the server's library.
//!
//! ```no_run
//! # async fn demo() -> Result<(), perisai_e2e::E2eError> {
//! use perisai_e2e::server::{Backend, Deployment};
//! let deployment = Deployment::new(Backend::Sqlite).await?;
//! let server = deployment.start_server(&[]).await?;      // killed when dropped
//! let agent = deployment.new_agent("KC01").await?;       // branch, Wadah, agent
//! let code = deployment.issue_code(&agent.agent_id).await?;
//! # let _ = (server.url(), code); Ok(()) }
//! ```
//!
//! Declare the deployment before its servers, so the servers are killed before the database
//! goes. A PostgreSQL database is dropped with the deployment (even when the test panics).
//!
//! Both backends: [`on_both_backends!`](crate::on_both_backends) turns test functions
//! `async fn case(backend: Backend)` into one test per backend, each bounded in time. PostgreSQL
//! needs `PERISAI_TEST_POSTGRES_URL` (a server on loopback, with the right to create
//! databases); without it the PostgreSQL half is skipped with a loud notice, except under
//! `CI=true`, where it fails: CI must run both.

use std::collections::BTreeMap;
use std::future::Future;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use sqlx::Connection;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::task::JoinHandle;
use tokio::time::timeout;

use crate::binaries;
use crate::error::E2eError;
use crate::proxy::ensure_loopback;

/// The variable naming the PostgreSQL server the tests may create databases on.
pub const POSTGRES_URL_ENV: &str = "PERISAI_TEST_POSTGRES_URL";

/// How long a server may take to print its address.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one admin command may take.
const ADMIN_TIMEOUT: Duration = Duration::from_secs(60);

/// The server's two database backends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }

    /// Whether this backend can run here. SQLite always can. PostgreSQL needs
    /// `PERISAI_TEST_POSTGRES_URL`; without it, under `CI=true` this panics (CI must run both
    /// backends), elsewhere it prints a loud notice and answers false.
    pub fn available(self) -> bool {
        match self {
            Backend::Sqlite => true,
            Backend::Postgres => {
                if std::env::var_os(POSTGRES_URL_ENV).is_some() {
                    return true;
                }
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!(
                        "PostgreSQL is required in CI: set {POSTGRES_URL_ENV} \
                         (scripts/test.sh does it)"
                    );
                }
                // Written to stderr directly: the test harness captures `eprintln!` of a
                // passing test, and this must be seen. Once per test process.
                static NOTICE: std::sync::Once = std::sync::Once::new();
                NOTICE.call_once(|| {
                    let _ = writeln!(
                        std::io::stderr().lock(),
                        "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
                         !! {POSTGRES_URL_ENV} is not set: the PostgreSQL half of the\n\
                         !! end-to-end tests is SKIPPED (those tests report ok).\n\
                         !! Run scripts/test.sh, or set it to\n\
                         !! postgres://USER:PASS@127.0.0.1:5432/DB to test both backends.\n\
                         !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
                    );
                });
                false
            }
        }
    }
}

/// Runs one test case on `backend` within `limit`; used by
/// [`on_both_backends!`](crate::on_both_backends). The server binary is built (if needed)
/// before the clock starts.
pub async fn run_case<F, Fut>(backend: Backend, limit: Duration, case: F)
where
    F: FnOnce(Backend) -> Fut,
    Fut: Future<Output = ()>,
{
    if !backend.available() {
        return;
    }
    match tokio::task::spawn_blocking(|| binaries::SERVER.path()).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => panic!("{e}"),
        Err(e) => panic!("building perisai-server: {e}"),
    }
    if timeout(limit, case(backend)).await.is_err() {
        panic!(
            "the {} case did not finish within {limit:?}",
            backend.name()
        );
    }
}

/// Turns `async fn case(backend: Backend)` functions into tests, one per backend, in modules
/// `sqlite` and `postgres`, each bounded to `within` seconds:
///
/// ```ignore
/// perisai_e2e::on_both_backends!(within 120; server_answers_health_checks, activation_works);
/// ```
#[macro_export]
macro_rules! on_both_backends {
    (within $seconds:expr; $($case:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    $crate::server::run_case(
                        $crate::server::Backend::Sqlite,
                        ::std::time::Duration::from_secs($seconds),
                        super::$case,
                    )
                    .await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    $crate::server::run_case(
                        $crate::server::Backend::Postgres,
                        ::std::time::Duration::from_secs($seconds),
                        super::$case,
                    )
                    .await;
                }
            )+
        }
    };
}

/// A database and a key folder, as an operator has them.
pub struct Deployment {
    backend: Backend,
    database_url: String,
    key_dir: PathBuf,
    binary: PathBuf,
    servers_started: AtomicU32,
    /// Dropped after `dir`'s users: holds the SQLite file, keys and server logs.
    dir: tempfile::TempDir,
    /// Dropped with the deployment: drops the PostgreSQL database.
    _postgres: Option<PostgresDatabase>,
}

/// An agent made by [`Deployment::new_agent`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentSetup {
    pub branch: String,
    pub wadah_id: String,
    pub agent_id: String,
}

impl Deployment {
    /// A fresh, empty database on `backend` (PostgreSQL: a new database on the server of
    /// `PERISAI_TEST_POSTGRES_URL`) and a fresh key folder.
    pub async fn new(backend: Backend) -> Result<Deployment, E2eError> {
        let binary = tokio::task::spawn_blocking(|| binaries::SERVER.path())
            .await
            .map_err(|e| E2eError::new(format!("building perisai-server: {e}")))??;
        let dir = tempfile::Builder::new().prefix("perisai-e2e-").tempdir()?;
        let (database_url, postgres) = match backend {
            Backend::Sqlite => {
                let file = dir.path().join("data").join("perisai.db");
                (format!("sqlite:{}", file.display()), None)
            }
            Backend::Postgres => {
                let admin_url = std::env::var(POSTGRES_URL_ENV)
                    .map_err(|_| E2eError::new(format!("{POSTGRES_URL_ENV} is not set")))?;
                let database = PostgresDatabase::create(&admin_url).await?;
                (database.url.clone(), Some(database))
            }
        };
        Ok(Deployment {
            backend,
            database_url,
            key_dir: dir.path().join("keys"),
            binary,
            servers_started: AtomicU32::new(0),
            dir,
            _postgres: postgres,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The `--database-url` of this deployment.
    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    /// A folder for the test's own files (removed with the deployment).
    pub fn scratch_dir(&self) -> &Path {
        self.dir.path()
    }

    /// `perisai-server --database-url … --key-dir …`, with the environment's `PERISAI_*`
    /// settings removed so that only what the test says applies.
    fn command(&self) -> Command {
        self.command_limited(None)
    }

    /// [`Deployment::command`], run under `prlimit --nofile=N:N` when `open_files` is given: the
    /// server then has at most N file descriptors (sockets, database files, key files).
    fn command_limited(&self, open_files: Option<u32>) -> Command {
        let mut command = match open_files {
            None => Command::new(&self.binary),
            Some(n) => {
                // prlimit execs the server: the child's PID is the server's.
                let mut c = Command::new("prlimit");
                c.arg(format!("--nofile={n}:{n}"))
                    .arg("--")
                    .arg(&self.binary);
                c
            }
        };
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("PERISAI_") {
                command.env_remove(name);
            }
        }
        command
            .arg("--database-url")
            .arg(&self.database_url)
            .arg("--key-dir")
            .arg(&self.key_dir)
            .stdin(Stdio::null())
            .kill_on_drop(true);
        command
    }

    /// Starts `perisai-server serve --listen 127.0.0.1:0 EXTRA…` and waits until it prints
    /// where it listens. Its log (stderr) goes to a file in the deployment's folder.
    pub async fn start_server(&self, extra: &[&str]) -> Result<ServerProcess, E2eError> {
        self.start_server_on("127.0.0.1:0", extra).await
    }

    /// [`Deployment::start_server`] on a given loopback address, e.g. the port of a server that
    /// was killed, so that devices find it again at the same URL.
    pub async fn start_server_on(
        &self,
        listen: &str,
        extra: &[&str],
    ) -> Result<ServerProcess, E2eError> {
        self.start(listen, extra, None).await
    }

    /// [`Deployment::start_server`] with at most `open_files` file descriptors (`prlimit`), for
    /// tests of what the server does when it runs out of them.
    pub async fn start_server_with_open_files(
        &self,
        open_files: u32,
        extra: &[&str],
    ) -> Result<ServerProcess, E2eError> {
        self.start("127.0.0.1:0", extra, Some(open_files)).await
    }

    async fn start(
        &self,
        listen: &str,
        extra: &[&str],
        open_files: Option<u32>,
    ) -> Result<ServerProcess, E2eError> {
        let number = self.servers_started.fetch_add(1, Ordering::Relaxed) + 1;
        let log = self.dir.path().join(format!("server-{number}.log"));
        let log_file = std::fs::File::create(&log)?;
        let mut child = self
            .command_limited(open_files)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .args(["serve", "--listen", listen])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log_file))
            .spawn()
            .map_err(|e| E2eError::new(format!("cannot start perisai-server: {e}")))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| E2eError::new("perisai-server's stdout was not captured"))?;
        let mut lines = BufReader::new(stdout).lines();
        let startup = timeout(STARTUP_TIMEOUT, async {
            let (mut addr, mut fingerprint) = (None, None);
            while let Some(line) = lines.next_line().await? {
                if let Some(rest) = line.strip_prefix("listening on http://") {
                    addr = rest.trim().parse::<SocketAddr>().ok();
                }
                if let Some(rest) = line.strip_prefix("server key fingerprint ") {
                    fingerprint = Some(rest.trim().to_string());
                }
                if let (Some(addr), Some(fingerprint)) = (addr, fingerprint.clone()) {
                    return Ok::<_, std::io::Error>(Some((addr, fingerprint)));
                }
            }
            Ok(None)
        })
        .await;
        let (addr, fingerprint) = match startup {
            Ok(Ok(Some(found))) => found,
            other => {
                let _ = child.start_kill();
                let why = match other {
                    Err(_) => format!("printed no address within {STARTUP_TIMEOUT:?}"),
                    Ok(Err(e)) => format!("stdout unreadable: {e}"),
                    Ok(Ok(_)) => "exited before printing its address".to_string(),
                };
                return Err(E2eError::new(format!(
                    "perisai-server on {} {why}; its log:\n{}",
                    self.backend.name(),
                    tail(&log, 40)
                )));
            }
        };
        ensure_loopback(addr)?;
        // Keep reading stdout so the server never blocks on a full pipe.
        let drain = tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(ServerProcess {
            child,
            addr,
            fingerprint,
            log,
            drain,
        })
    }

    /// `admin check`: the database's consistency report (chains, acknowledgements, records,
    /// SQLite integrity). Fails, with the report, when a problem is found.
    pub async fn check(&self) -> Result<serde_json::Value, E2eError> {
        let output = self.run_admin(&["check"]).await?;
        let out = String::from_utf8_lossy(&output.stdout);
        let report: serde_json::Value = serde_json::from_str(out.trim()).map_err(|e| {
            E2eError::new(format!(
                "admin check printed {out} ({e}); stderr: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ))
        })?;
        if report["ok"] != serde_json::Value::Bool(true) {
            return Err(E2eError::new(format!(
                "the database is not consistent: {report}"
            )));
        }
        Ok(report)
    }

    /// Starts the server again on `listen` after a crash, retrying for a few seconds while the
    /// killed process's port is still held.
    pub async fn restart_server_on(&self, listen: &str) -> Result<ServerProcess, E2eError> {
        let mut last = None;
        for _ in 0..50 {
            match self.start_server_on(listen, &[]).await {
                Ok(server) => return Ok(server),
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(last.unwrap_or_else(|| E2eError::new("the server did not start again")))
    }

    /// Runs `perisai-server admin ARGS…` to its end, whatever its exit status.
    async fn run_admin(&self, args: &[&str]) -> Result<std::process::Output, E2eError> {
        let mut command = self.command();
        command
            .env("RUST_LOG", "warn")
            .arg("admin")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        Ok(timeout(ADMIN_TIMEOUT, command.output())
            .await
            .map_err(|_| {
                E2eError::new(format!("admin {args:?} took longer than {ADMIN_TIMEOUT:?}"))
            })??)
    }

    /// Runs `perisai-server admin ARGS…`; returns its whole stdout. Fails (with stderr) on a
    /// non-zero exit.
    pub async fn admin_output(&self, args: &[&str]) -> Result<String, E2eError> {
        let output = self.run_admin(args).await?;
        if !output.status.success() {
            return Err(E2eError::new(format!(
                "perisai-server admin {} failed ({}): {}",
                args.join(" "),
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        String::from_utf8(output.stdout)
            .map_err(|_| E2eError::new(format!("admin {args:?} printed something not UTF-8")))
    }

    /// Runs `perisai-server admin ARGS…`; returns the last line of stdout (the created id or
    /// code, by the contract of ARCHITECTURE.md §7).
    pub async fn admin(&self, args: &[&str]) -> Result<String, E2eError> {
        let stdout = self.admin_output(args).await?;
        stdout
            .lines()
            .rev()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .map(str::to_string)
            .ok_or_else(|| E2eError::new(format!("admin {args:?} printed nothing")))
    }

    /// `admin create-user --role ROLE [--branch B] [--wadah W] --email E` with `password` (given
    /// as `PERISAI_PASSWORD`): the account's id, or the command's error.
    pub async fn create_user(
        &self,
        role: &str,
        scope: &[&str],
        email: &str,
        password: &str,
    ) -> Result<String, E2eError> {
        let mut args = vec!["admin", "create-user", "--role", role];
        args.extend_from_slice(scope);
        args.extend_from_slice(&["--email", email]);
        let mut command = self.command();
        command
            .env("RUST_LOG", "warn")
            .env("PERISAI_PASSWORD", password)
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let output = timeout(ADMIN_TIMEOUT, command.output())
            .await
            .map_err(|_| E2eError::new("admin create-user took too long"))??;
        if !output.status.success() {
            return Err(E2eError::new(format!(
                "admin create-user refused: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        Ok(String::from_utf8_lossy(&output.stdout)
            .lines()
            .last()
            .unwrap_or("")
            .trim()
            .to_string())
    }

    /// `admin create-branch`: returns the branch id (its code).
    pub async fn create_branch(&self, code: &str, name: &str) -> Result<String, E2eError> {
        self.admin(&["create-branch", "--code", code, "--name", name])
            .await
    }

    /// `admin create-wadah`: returns the Wadah id.
    pub async fn create_wadah(&self, branch: &str, name: &str) -> Result<String, E2eError> {
        self.admin(&["create-wadah", "--branch", branch, "--name", name])
            .await
    }

    /// `admin create-agent`: returns the agent id.
    pub async fn create_agent(&self, wadah: &str, name: &str) -> Result<String, E2eError> {
        self.admin(&["create-agent", "--wadah", wadah, "--name", name])
            .await
    }

    /// `admin issue-code`: returns the activation code as an agent types it.
    pub async fn issue_code(&self, agent: &str) -> Result<String, E2eError> {
        self.admin(&["issue-code", "--agent", agent]).await
    }

    /// A new Wadah and agent in `branch` (created first when it does not exist yet).
    pub async fn new_agent(&self, branch: &str) -> Result<AgentSetup, E2eError> {
        if let Err(e) = self.create_branch(branch, "Kantor Cabang Uji").await {
            // Already there is fine (several agents per branch); anything else is not.
            if !e.message().contains("already exists") {
                return Err(e);
            }
        }
        let wadah_id = self.create_wadah(branch, "Koperasi Pasar Uji").await?;
        let agent_id = self.create_agent(&wadah_id, "Agen Uji").await?;
        Ok(AgentSetup {
            branch: branch.to_string(),
            wadah_id,
            agent_id,
        })
    }

    /// `admin export --branch B --format csv`: the stored enrollments of a branch as a
    /// supervisor's export shows them, one map per row.
    pub async fn export(&self, branch: &str) -> Result<Vec<BTreeMap<String, String>>, E2eError> {
        let csv_text = self
            .admin_output(&["export", "--branch", branch, "--format", "csv"])
            .await?;
        let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| E2eError::new(format!("export: no header row: {e}")))?
            .clone();
        reader
            .records()
            .map(|row| {
                let row = row.map_err(|e| E2eError::new(format!("export: bad row: {e}")))?;
                Ok(headers
                    .iter()
                    .zip(row.iter())
                    .map(|(h, v)| (h.to_string(), v.to_string()))
                    .collect())
            })
            .collect()
    }

    /// Puts the database back to `backup` (made by [`Deployment::backup`]), as an operator
    /// restores one: SQLite, the file (and its WAL) replaced by the copy; PostgreSQL, the
    /// database dropped, created empty and filled by `pg_restore`. Stop every server first.
    /// The key folder stays as it is.
    pub async fn restore(&self, backup: &Path) -> Result<(), E2eError> {
        match &self._postgres {
            None => {
                let file = PathBuf::from(
                    self.database_url
                        .strip_prefix("sqlite:")
                        .ok_or_else(|| E2eError::new("not a sqlite: URL"))?,
                );
                for suffix in ["-wal", "-shm", ""] {
                    let path = PathBuf::from(format!("{}{suffix}", file.display()));
                    match std::fs::remove_file(&path) {
                        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                        _ => {}
                    }
                }
                std::fs::copy(backup, &file)?;
            }
            Some(database) => {
                let mut admin = admin_connection(&database.admin_url).await?;
                let name = &database.name;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await?;
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .await?;
                let _ = admin.close().await;
                let output = timeout(
                    ADMIN_TIMEOUT,
                    Command::new("pg_restore")
                        .args(["--no-owner", "--exit-on-error", "--dbname"])
                        .arg(&database.url)
                        .arg(backup)
                        .stdin(Stdio::null())
                        .output(),
                )
                .await
                .map_err(|_| E2eError::new("pg_restore took too long"))?
                .map_err(|e| E2eError::new(format!("cannot run pg_restore: {e}")))?;
                if !output.status.success() {
                    return Err(E2eError::new(format!(
                        "pg_restore failed ({}): {}",
                        output.status,
                        String::from_utf8_lossy(&output.stderr).trim()
                    )));
                }
            }
        }
        Ok(())
    }

    /// Lets `hours` pass for the agent's activation codes: their issue and expiry times move
    /// that far back in the database (the server itself has no clock control). How the tests
    /// reach `code.expired` without waiting 72 hours; the server's own check runs unchanged.
    pub async fn age_activation_codes(&self, agent_id: &str, hours: i64) -> Result<(), E2eError> {
        let shift = hours * 3600 * 1000;
        let sql = "UPDATE activation_codes SET created_ms = created_ms - $1, expires_ms = expires_ms - $1 WHERE agent_id = $2";
        match &self._postgres {
            None => {
                let mut conn = sqlx::SqliteConnection::connect(&self.database_url).await?;
                sqlx::query(sql)
                    .bind(shift)
                    .bind(agent_id)
                    .execute(&mut conn)
                    .await?;
                let _ = conn.close().await;
            }
            Some(database) => {
                let mut conn = sqlx::PgConnection::connect(&database.url).await?;
                sqlx::query(sql)
                    .bind(shift)
                    .bind(agent_id)
                    .execute(&mut conn)
                    .await?;
                let _ = conn.close().await;
            }
        }
        Ok(())
    }

    /// The first column of every row of `sql` with `binds` (`$1`, `$2`, …), read straight from
    /// the database (not through a server), as text: for tests that check what is stored.
    pub async fn query_column(&self, sql: &str, binds: &[&str]) -> Result<Vec<String>, E2eError> {
        use sqlx::Row;
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&self.database_url).await?;
        let mut query = sqlx::query(sql);
        for value in binds {
            query = query.bind(*value);
        }
        let rows = query.fetch_all(&mut conn).await?;
        let _ = conn.close().await;
        rows.iter()
            .map(|row| {
                row.try_get::<String, _>(0)
                    .or_else(|_| row.try_get::<i64, _>(0).map(|n| n.to_string()))
                    .map_err(|e| E2eError::new(format!("{sql}: {e}")))
            })
            .collect()
    }

    /// `admin backup FILE`: an online backup, taken while servers run.
    pub async fn backup(&self, file: &Path) -> Result<String, E2eError> {
        let file = file
            .to_str()
            .ok_or_else(|| E2eError::new("backup path not UTF-8"))?;
        self.admin(&["backup", file]).await
    }
}

/// A running `perisai-server serve`. Killed when dropped; when a test panics, its log's tail is
/// printed.
pub struct ServerProcess {
    child: Child,
    addr: SocketAddr,
    fingerprint: String,
    log: PathBuf,
    drain: JoinHandle<()>,
}

impl ServerProcess {
    /// Where it listens (always loopback).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The server key fingerprint it printed (what the QR code carries).
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Its process id (for CPU and memory readings), while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// The server's log so far (stderr).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Kills the process (SIGKILL: a crash, not a shutdown) and waits for it to be gone.
    pub async fn kill(mut self) -> Result<(), E2eError> {
        self.child.start_kill()?;
        timeout(Duration::from_secs(10), self.child.wait())
            .await
            .map_err(|_| E2eError::new("perisai-server did not die within 10 s"))??;
        Ok(())
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "---- perisai-server log ({}), last lines ----\n{}",
                self.log.display(),
                tail(&self.log, 60)
            );
        }
        let _ = self.child.start_kill();
        self.drain.abort();
    }
}

/// The last `lines` lines of a file.
fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// A database made for one test on the PostgreSQL server of `PERISAI_TEST_POSTGRES_URL`,
/// dropped (with `FORCE`, so open connections do not keep it) when this is dropped.
struct PostgresDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl PostgresDatabase {
    async fn create(admin_url: &str) -> Result<PostgresDatabase, E2eError> {
        let host = postgres_host(admin_url)
            .ok_or_else(|| E2eError::new(format!("{POSTGRES_URL_ENV} is not a postgres:// URL")))?;
        if !host_is_loopback(&host) {
            return Err(E2eError::new(format!(
                "{POSTGRES_URL_ENV} names host {host:?}: the end-to-end tests only talk to \
                 loopback (127.0.0.1, localhost, ::1) or a local socket"
            )));
        }
        let name = format!("perisai_e2e_{}", uuid::Uuid::now_v7().simple());
        let mut admin = admin_connection(admin_url).await?;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await?;
        let _ = admin.close().await;
        Ok(PostgresDatabase {
            admin_url: admin_url.to_string(),
            url: with_database(admin_url, &name),
            name,
        })
    }
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs inside the test's runtime, which cannot be blocked on: a thread of its own
        // with a small runtime does the dropping, and is waited for.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let mut admin = admin_connection(&admin_url)
                    .await
                    .map_err(|e| e.to_string())?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await
                    .map_err(|e| e.to_string())?;
                let _ = admin.close().await;
                Ok::<(), String>(())
            })
        })
        .join();
        if let Ok(Err(e)) | Err(e) = dropped.map_err(|_| "panicked".to_string()) {
            eprintln!("could not drop test database {}: {e}", self.name);
        }
    }
}

/// A connection for creating and dropping databases: to the database the URL names, or, when
/// that one is gone (other suites create and drop theirs), to the `postgres` maintenance
/// database of the same server.
async fn admin_connection(admin_url: &str) -> Result<sqlx::PgConnection, sqlx::Error> {
    match sqlx::PgConnection::connect(admin_url).await {
        Ok(connection) => Ok(connection),
        Err(first) => sqlx::PgConnection::connect(&with_database(admin_url, "postgres"))
            .await
            .map_err(|_| first),
    }
}

/// The host of a `postgres://` URL (`""` for a local socket).
fn postgres_host(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))?;
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(bracketed) = host_port.strip_prefix('[') {
        bracketed.split(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    Some(host.to_string())
}

fn host_is_loopback(host: &str) -> bool {
    host.is_empty()
        || host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The same URL naming database `name` instead.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    format!("{base}/{name}{query}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_swap_only_the_database_name() {
        assert_eq!(
            with_database("postgres://u:p@127.0.0.1:5432/perisai_test", "x1"),
            "postgres://u:p@127.0.0.1:5432/x1"
        );
        assert_eq!(
            with_database("postgres://u@localhost/db?sslmode=disable", "x2"),
            "postgres://u@localhost/x2?sslmode=disable"
        );
        assert_eq!(
            with_database("postgresql://localhost:5433", "x3"),
            "postgresql://localhost:5433/x3"
        );
    }

    #[test]
    fn only_loopback_postgres_hosts_are_accepted() {
        let host = |url: &str| postgres_host(url).unwrap();
        assert!(host_is_loopback(&host("postgres://u:p@127.0.0.1:5432/db")));
        assert!(host_is_loopback(&host("postgres://u:p@localhost/db")));
        assert!(host_is_loopback(&host("postgres://u:p@[::1]:5432/db")));
        assert!(host_is_loopback(&host(
            "postgres:///db?host=/run/postgresql"
        )));
        assert!(!host_is_loopback(&host("postgres://u:p@10.1.2.3:5432/db")));
        assert!(!host_is_loopback(&host("postgres://u:p@db.example.com/db")));
        assert_eq!(postgres_host("mysql://x"), None);
    }
}
