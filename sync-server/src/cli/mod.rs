//! The `perisai-server` command line (ARCHITECTURE.md §7). Commands that create something print the
//! bare id or code as the last line of stdout; failures exit non-zero with a message on stderr.
//! Logs go to stderr, so stdout stays for what scripts read.

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use crate::db::Db;
use crate::keys::{default_key_dir, ServerKeys};
use crate::serve::{ServeArgs, ServeError};
use crate::service::ServiceError;

pub mod admin;

#[derive(Parser, Debug)]
#[command(
    name = "perisai-server",
    version,
    about = "Perisai Field sync server and operator commands"
)]
pub struct Cli {
    /// Database: sqlite:PATH (created with its folder) or postgres://...
    #[arg(
        long,
        env = "PERISAI_DATABASE_URL",
        default_value = "sqlite:./data/perisai.db",
        global = true
    )]
    pub database_url: String,
    /// Folder of the server's signing key and secret (default: `keys` beside an SQLite file,
    /// else ./data/keys). Never inside the database.
    #[arg(long, env = "PERISAI_KEY_DIR", global = true)]
    pub key_dir: Option<PathBuf>,
    /// Log format on stderr: text or json.
    #[arg(
        long,
        env = "PERISAI_LOG_FORMAT",
        default_value = "text",
        global = true
    )]
    pub log_format: String,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the device API.
    Serve(ServeArgs),
    /// Operator commands.
    #[command(subcommand)]
    Admin(admin::AdminCommand),
}

/// A failure of a command: the message for stderr and the exit code.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub exit_code: i32,
}

impl Failure {
    pub fn new(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            exit_code: 1,
        }
    }
}

impl From<ServiceError> for Failure {
    fn from(e: ServiceError) -> Failure {
        Failure::new(e.to_string())
    }
}

impl From<ServeError> for Failure {
    fn from(e: ServeError) -> Failure {
        Failure::new(e.to_string())
    }
}

/// Sets up logging on stderr: `RUST_LOG` filters (default `info`), text or JSON lines.
pub fn init_logging(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    let _ = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<(), Failure> {
    let db = Db::open(&cli.database_url)
        .await
        .map_err(|e| Failure::new(format!("cannot open the database: {e}")))?;
    let key_dir = cli
        .key_dir
        .clone()
        .unwrap_or_else(|| default_key_dir(&cli.database_url));
    let keys = ServerKeys::load_or_create(&key_dir)
        .map_err(|e| Failure::new(format!("cannot load the server keys: {e}")))?;
    keys.bind_to(&db)
        .await
        .map_err(|e| Failure::new(e.to_string()))?;
    let keys = Arc::new(keys);
    let result = match cli.command {
        Command::Serve(args) => crate::serve::serve(db.clone(), keys, &args, None)
            .await
            .map_err(Failure::from),
        Command::Admin(command) => admin::run(&db, &keys, command).await,
    };
    db.close().await;
    result
}
