//! `perisai-demo`: the sync server on a seeded demo branch, with simulated field devices that
//! enroll offline and sync over a flaky link (until Ctrl-C or `--duration`). See
//! [`perisai_demo::demo`].

use std::path::PathBuf;
use std::sync::Arc;

use clap::Parser;
use perisai_demo::demo::DemoArgs;
use perisai_server::cli::init_logging;
use perisai_server::db::Db;
use perisai_server::keys::{default_key_dir, ServerKeys};

#[derive(Parser, Debug)]
#[command(
    name = "perisai-demo",
    version,
    about = "Perisai Field demo: the sync server on a seeded branch, with simulated field devices"
)]
struct DemoCli {
    /// Database: sqlite:PATH (created with its folder) or postgres://...
    #[arg(
        long,
        env = "PERISAI_DATABASE_URL",
        default_value = "sqlite:./data/demo/perisai.db"
    )]
    database_url: String,
    /// Folder of the server's signing key and secret (default: `keys` beside an SQLite file,
    /// else ./data/keys).
    #[arg(long, env = "PERISAI_KEY_DIR")]
    key_dir: Option<PathBuf>,
    /// Log format on stderr: text or json.
    #[arg(long, env = "PERISAI_LOG_FORMAT", default_value = "text")]
    log_format: String,
    #[command(flatten)]
    demo: DemoArgs,
}

fn main() {
    let cli = DemoCli::parse();
    init_logging(&cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => fail(&format!("cannot start the runtime: {:?}", e.kind())),
    };
    if let Err(message) = runtime.block_on(run(cli)) {
        fail(&message);
    }
}

async fn run(cli: DemoCli) -> Result<(), String> {
    let db = Db::open(&cli.database_url)
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    let key_dir = cli
        .key_dir
        .clone()
        .unwrap_or_else(|| default_key_dir(&cli.database_url));
    let keys = ServerKeys::load_or_create(&key_dir)
        .map_err(|e| format!("cannot load the server keys: {e}"))?;
    keys.bind_to(&db).await.map_err(|e| e.to_string())?;
    let result = perisai_demo::demo::run(db.clone(), Arc::new(keys), &cli.demo)
        .await
        .map_err(|e| e.to_string());
    db.close().await;
    result
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1);
}
