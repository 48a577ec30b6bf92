//! The `perisai-server` command line (DESIGN.md §7). Commands that create something print the
//! bare id or code as the last line of stdout; failures exit non-zero with a message on stderr.
//! Logs go to stderr, so stdout stays for what scripts read.

use std::io::{BufRead, IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{ArgGroup, Args, Parser, Subcommand};

use crate::admin::{self, AdminError};
use crate::api::{self, AppState};
use crate::config::Config;
use crate::db::{rfc3339, Db};
use crate::keys::{default_key_dir, ServerKeys};

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
    /// Serve a seeded demo branch, with simulated field devices that enroll offline and sync
    /// over a flaky link (until Ctrl-C or --duration).
    Demo(crate::demo::DemoArgs),
    /// Operator commands.
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on (port 0: any free port; the bound address is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Batches one device may store per minute before 429.
    #[arg(long, env = "PERISAI_BATCHES_PER_MINUTE")]
    pub batches_per_minute: Option<i64>,
    /// Whole-request deadline in seconds.
    #[arg(long, env = "PERISAI_REQUEST_TIMEOUT_SECS")]
    pub request_timeout_secs: Option<u64>,
    /// Seconds before new rows show in downsync (PostgreSQL default 40, SQLite 0).
    #[arg(long, env = "PERISAI_DOWNSYNC_SETTLE_SECS")]
    pub downsync_settle_secs: Option<u64>,
    /// Seconds a client has to send its request line and headers; the same deadline closes a
    /// kept-alive connection idle that long (hyper has one timer for both). The default, 30, is
    /// above the 10 s at which DESIGN §8's devices reuse their connection and above the sync
    /// client's own 5 s idle limit, so the server never closes a connection a device is about to
    /// reuse (the keep-alive race, docs/PERFORMANCE.md).
    #[arg(long, env = "PERISAI_HEADER_TIMEOUT_SECS", default_value_t = 30)]
    pub header_timeout_secs: u64,
    /// Address of a reverse proxy (TLS terminator) in front of this server, repeatable or
    /// comma-separated: from it, the client's address for throttles is taken from the last
    /// `X-Forwarded-For` hop that is not a trusted proxy. From any other address the header is
    /// ignored.
    #[arg(
        long = "trusted-proxy",
        env = "PERISAI_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Sign-in password checks (argon2id) at once, for strangers and again for browsers that
    /// signed in before; a try that finds none free is answered 429 at once. Default: half the
    /// cores, at least 1.
    #[arg(long, env = "PERISAI_MAX_PASSWORD_CHECKS", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub max_password_checks: Option<u16>,
}

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create a branch (its id is its code).
    CreateBranch {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// The Kantor Cabang a KCP (sub-branch) belongs to.
        #[arg(long)]
        parent: Option<String>,
    },
    /// Create a Wadah in a branch.
    CreateWadah {
        #[arg(long)]
        branch: String,
        #[arg(long)]
        name: String,
    },
    /// Create an agent in a Wadah.
    CreateAgent {
        #[arg(long)]
        wadah: String,
        #[arg(long)]
        name: String,
    },
    /// Create an account; the password comes from PERISAI_PASSWORD or the first line of stdin.
    CreateUser {
        #[arg(long)]
        role: String,
        #[arg(long)]
        branch: Option<String>,
        #[arg(long)]
        wadah: Option<String>,
        #[arg(long)]
        email: String,
    },
    /// Issue a one-time activation code for an agent (72 hours, 5 tries).
    IssueCode {
        #[arg(long)]
        agent: String,
        /// The server URL devices use, for the QR payload.
        #[arg(long, env = "PERISAI_PUBLIC_URL")]
        server_url: Option<String>,
    },
    /// Revoke a device: it is told to wipe, and what it still sends is quarantined.
    RevokeDevice {
        #[arg(long)]
        device: String,
    },
    /// Suspend an agent.
    SuspendAgent {
        #[arg(long)]
        agent: String,
    },
    /// Dismiss an agent (all devices revoked).
    DismissAgent {
        #[arg(long)]
        agent: String,
    },
    /// Record a review decision on a record.
    Decide {
        #[arg(long)]
        record: String,
        #[arg(long)]
        decision: String,
        #[arg(long)]
        reason: Option<String>,
        /// Only needed when several branches hold the same record id.
        #[arg(long)]
        branch: Option<String>,
    },
    /// Erase a person's data at their request (UU PDP): the record keeps only what prices its
    /// contributions; the audit log keeps the request's reference. Erasing again changes nothing.
    Erase {
        #[arg(long)]
        record: String,
        /// The request's reference (a letter number, not personal data).
        #[arg(long)]
        reference: String,
        /// Only needed when several branches hold the same record id.
        #[arg(long)]
        branch: Option<String>,
    },
    /// Export a branch's enrollments.
    Export {
        #[arg(long)]
        branch: String,
        #[arg(long, default_value = "csv")]
        format: String,
        /// Write to this file instead of stdout.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Publish a rule set (one object or an array, the format of core/rulesets/*.json) to the
    /// devices and to the server's validation; prints its id(s). Publishing again changes nothing.
    PublishRules {
        #[arg(long)]
        file: PathBuf,
    },
    /// Online consistent backup to FILE.
    Backup { file: PathBuf },
    /// Check that the database is consistent (device chains, acknowledgements, records; SQLite
    /// integrity); prints a JSON report, exits 1 when a problem is found. Changes nothing.
    Check,
    /// Which records a device or an account could reach.
    Reach {
        #[arg(long, conflicts_with = "user", required_unless_present = "user")]
        device: Option<String>,
        #[arg(long)]
        user: Option<String>,
    },
    /// Import payment confirmations (CSV: payment_ref,nik,contribution_month,amount,paid_at);
    /// prints {"imported","duplicates","errors":[{"line","code"}]}. Importing again changes nothing.
    ImportPayments {
        #[arg(long)]
        file: PathBuf,
    },
    /// Issue every agent's and Wadah's incentive statement for an ended month (YYYY-MM);
    /// running it again changes nothing.
    IssueStatements {
        #[arg(long)]
        month: String,
    },
    /// From month YYYY-MM on, pay a Wadah's agents under an incentive scheme of the built-in
    /// library (e.g. perisai-2022); prints the scheme id. The month must come after the latest
    /// month issued for the Wadah's branch. Assigning the same again changes nothing.
    AssignScheme {
        #[arg(long)]
        wadah: String,
        #[arg(long)]
        scheme: String,
        #[arg(long)]
        from: String,
    },
    /// Rotate the server signing key, one step at a time (docs/SECURITY.md "Key rotation"):
    /// --prepare makes the next key and announces it to the devices, --switch signs with it,
    /// --retire deletes the previous key from the key folder; --status lists the keys. Each step
    /// prints the fingerprint it is about; running it again changes nothing.
    #[command(group(ArgGroup::new("step").required(true).args(["prepare", "switch", "retire", "status"])))]
    RotateSigningKey {
        #[arg(long)]
        prepare: bool,
        #[arg(long)]
        switch: bool,
        #[arg(long)]
        retire: bool,
        #[arg(long)]
        status: bool,
    },
    /// Set a branch's time zone: +HH:MM or -HH:MM (UTC-12:00 to UTC+14:00), or WIB (+07:00),
    /// WITA (+08:00), WIT (+09:00); prints it as +HH:MM. Without one, a branch is on WIB.
    SetTimeZone {
        #[arg(long)]
        branch: String,
        #[arg(long, allow_hyphen_values = true)]
        utc_offset: String,
    },
}

/// A failure of a command: the message for stderr and the exit code.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub exit_code: i32,
}

impl Failure {
    fn new(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            exit_code: 1,
        }
    }
}

impl From<AdminError> for Failure {
    fn from(e: AdminError) -> Failure {
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
        Command::Serve(args) => serve(db.clone(), keys, &args, None).await,
        Command::Demo(args) => crate::demo::run(db.clone(), keys, &args).await,
        Command::Admin(command) => run_admin(&db, &keys, command).await,
    };
    db.close().await;
    result
}

/// The server's configuration for a backend, with the command-line overrides.
pub fn config_from(db: &Db, args: &ServeArgs) -> Config {
    let mut config = Config::for_backend(db.backend());
    if let Some(n) = args.batches_per_minute {
        config.batches_per_minute = n;
    }
    if let Some(s) = args.request_timeout_secs {
        config.request_timeout = std::time::Duration::from_secs(s);
    }
    if let Some(s) = args.downsync_settle_secs {
        config.downsync_settle = std::time::Duration::from_secs(s);
    }
    if let Some(n) = args.max_password_checks {
        config.max_password_checks = usize::from(n);
    }
    config
}

/// Binds, prints `listening on http://ADDR` on stdout, calls `ready` with the address, and serves
/// until Ctrl-C or SIGTERM.
pub async fn serve(
    db: Db,
    keys: Arc<ServerKeys>,
    args: &ServeArgs,
    ready: Option<Box<dyn FnOnce(SocketAddr) + Send>>,
) -> Result<(), Failure> {
    let config = config_from(&db, args);
    crate::api::trust_proxies(&args.trusted_proxies);
    let state = AppState::new(db, keys.clone(), config)
        .map_err(|e| Failure::new(format!("metrics: {e}")))?;
    state.refresh_rules().await;
    let refresher = state.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
        every.tick().await;
        loop {
            every.tick().await;
            refresher.refresh_rules().await;
        }
    });
    // A rotation step (the operator command, any instance's) reaches this instance here.
    let key_refresher = state.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(crate::key_rotation::REFRESH_EVERY);
        every.tick().await;
        loop {
            every.tick().await;
            key_refresher.keys.refresh(&key_refresher.db).await;
        }
    });
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .map_err(|e| Failure::new(format!("cannot listen on {}: {:?}", args.listen, e.kind())))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Failure::new(format!("no local address: {:?}", e.kind())))?;
    // Written without panicking: a closed stdout (a supervisor that stopped reading) must not
    // stop the server. The address line comes last, so a script can stop reading there.
    let mut out = std::io::stdout();
    let _ = writeln!(out, "server key fingerprint {}", keys.fingerprint());
    let _ = writeln!(out, "listening on http://{addr}");
    let _ = out.flush();
    tracing::info!(%addr, "serving");
    if let Some(ready) = ready {
        ready(addr);
    }
    crate::http_server::serve(
        listener,
        api::router(state),
        std::time::Duration::from_secs(args.header_timeout_secs.max(1)),
        shutdown_signal(),
    )
    .await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}

/// The password for `create-user`: `PERISAI_PASSWORD`, else the first line of stdin.
fn read_password() -> Result<String, Failure> {
    if let Ok(p) = std::env::var("PERISAI_PASSWORD") {
        return Ok(p);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("password: ");
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::new(format!("cannot read the password: {:?}", e.kind())))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// `admin rotate-signing-key`: one step, or the status (one line per key).
async fn rotate_signing_key(
    db: &Db,
    keys: &ServerKeys,
    prepare: bool,
    switch: bool,
    retire: bool,
) -> Result<(), Failure> {
    use crate::key_rotation;
    let failed = |e: crate::keys::KeyError| Failure::new(e.to_string());
    let now = crate::db::now_ms();
    let (step, done, again) = if prepare {
        (
            key_rotation::prepare(db, keys.dir(), now)
                .await
                .map_err(failed)?,
            "kunci berikutnya dibuat dan diumumkan ke perangkat / next key made and announced \
             to the devices; run --switch once the devices have synced",
            "kunci berikutnya sudah ada / a next key is already prepared: nothing changed",
        )
    } else if switch {
        (
            key_rotation::switch(db, keys.dir(), now)
                .await
                .map_err(failed)?,
            "server menandatangani dengan kunci baru (setiap instance dalam 5 detik) / the \
             servers sign with the new key (every instance within 5 s); run --retire after the \
             grace period",
            "sudah beralih / already switched: nothing changed",
        )
    } else if retire {
        (
            key_rotation::retire(db, keys.dir(), now).await.map_err(failed)?,
            "kunci lama dihapus dari folder kunci / the previous key is deleted from the key folder",
            "sudah dipensiunkan / already retired: nothing changed",
        )
    } else {
        for line in key_rotation::status(db, keys.dir()).await.map_err(failed)? {
            println!("{line}");
        }
        return Ok(());
    };
    eprintln!("{}", if step.changed { done } else { again });
    println!("{}", step.fingerprint);
    Ok(())
}

async fn run_admin(db: &Db, keys: &ServerKeys, command: AdminCommand) -> Result<(), Failure> {
    match command {
        AdminCommand::CreateBranch { code, name, parent } => {
            println!(
                "{}",
                admin::org::create_branch(db, &code, &name, parent.as_deref()).await?
            );
        }
        AdminCommand::CreateWadah { branch, name } => {
            println!("{}", admin::org::create_wadah(db, &branch, &name).await?);
        }
        AdminCommand::CreateAgent { wadah, name } => {
            println!("{}", admin::org::create_agent(db, &wadah, &name).await?);
        }
        AdminCommand::CreateUser {
            role,
            branch,
            wadah,
            email,
        } => {
            let password = read_password()?;
            let id = admin::org::create_user(
                db,
                &role,
                branch.as_deref(),
                wadah.as_deref(),
                &email,
                &password,
            )
            .await?;
            println!("{id}");
        }
        AdminCommand::IssueCode { agent, server_url } => {
            let validity = Config::for_backend(db.backend()).code_validity;
            let issued = admin::access::issue_code(db, keys, &agent, validity).await?;
            println!("agent {}", issued.agent_id);
            println!("branch {}", issued.branch);
            println!("expires {}", rfc3339(issued.expires_ms));
            println!("server key fingerprint {}", keys.fingerprint());
            if let Some(url) = server_url {
                println!(
                    "qr perisai:activate?server={url}&code={}&fp={}",
                    issued.code,
                    keys.fingerprint()
                );
            }
            println!("{}", issued.code);
        }
        AdminCommand::RevokeDevice { device } => {
            println!("{}", admin::access::revoke_device(db, &device).await?);
        }
        AdminCommand::SuspendAgent { agent } => {
            println!("{}", admin::access::suspend_agent(db, &agent).await?);
        }
        AdminCommand::DismissAgent { agent } => {
            println!("{}", admin::access::dismiss_agent(db, &agent).await?);
        }
        AdminCommand::Decide {
            record,
            decision,
            reason,
            branch,
        } => {
            let id = admin::review::decide_from_cli(
                db,
                keys,
                &record,
                &decision,
                reason.as_deref(),
                branch.as_deref(),
            )
            .await?;
            println!("{id}");
        }
        AdminCommand::Erase {
            record,
            reference,
            branch,
        } => {
            match admin::erase::erase_from_cli(db, keys, &record, branch.as_deref(), &reference)
                .await?
            {
                admin::erase::Erased::Now { branch } => println!("{branch}/{record}"),
                admin::erase::Erased::Already { branch } => {
                    eprintln!("sudah dihapus sebelumnya / already erased: nothing changed");
                    println!("{branch}/{record}");
                }
            }
        }
        AdminCommand::Export {
            branch,
            format,
            output,
        } => {
            if format != "csv" {
                return Err(Failure::new("only --format csv is supported"));
            }
            let rows = match output {
                Some(path) => {
                    let mut file = std::fs::File::create(&path).map_err(|e| {
                        Failure::new(format!("cannot create the export file: {:?}", e.kind()))
                    })?;
                    admin::export::export_csv(db, keys, &branch, &mut file).await?
                }
                None => {
                    let stdout = std::io::stdout();
                    let mut lock = stdout.lock();
                    admin::export::export_csv(db, keys, &branch, &mut lock).await?
                }
            };
            eprintln!("exported {rows} rows (recorded in the audit log)");
        }
        AdminCommand::PublishRules { file } => {
            let json = read_small_file(&file, admin::rules::MAX_FILE_BYTES)?;
            let (ids, changed) = admin::rules::publish(db, &json).await?;
            if !changed {
                eprintln!("already published: nothing changed");
            }
            println!("{}", ids.join(","));
        }
        AdminCommand::RotateSigningKey {
            prepare,
            switch,
            retire,
            status: _,
        } => rotate_signing_key(db, keys, prepare, switch, retire).await?,
        AdminCommand::Backup { file } => {
            let what = admin::backup::backup(db, &file).await?;
            println!("{what}");
            println!("the key folder is not in the backup: keep a copy of it apart");
            println!("{}", file.display());
        }
        AdminCommand::Check => {
            let report = admin::check::check(db, keys).await?;
            let json = serde_json::to_string(&report)
                .map_err(|e| Failure::new(format!("cannot print the report: {e}")))?;
            println!("{json}");
            if !report.ok {
                return Err(Failure::new(format!(
                    "the database is not consistent: {} problems (listed above)",
                    report.problem_count
                )));
            }
        }
        AdminCommand::Reach { device, user } => {
            let report = match (device, user) {
                (Some(device), _) => admin::reach::device(db, &device).await?,
                (None, Some(user)) => admin::reach::user(db, &user).await?,
                (None, None) => return Err(Failure::new("give --device or --user")),
            };
            println!("{report}");
        }
        AdminCommand::ImportPayments { file } => {
            // Quotes with the rule sets in force on the server, published updates included.
            let book = {
                let mut conn = db.pool().acquire().await.map_err(AdminError::from)?;
                admin::rules::book(&mut conn).await?
            };
            let report =
                crate::payments::import::import_file(db, keys, &book, &file, crate::db::now_ms())
                    .await?;
            let json = serde_json::to_string(&report)
                .map_err(|e| Failure::new(format!("cannot print the report: {e}")))?;
            println!("{json}");
            if report.header_refused() {
                return Err(Failure::new(format!(
                    "the header must be {}",
                    crate::payments::import::HEADER.join(",")
                )));
            }
        }
        AdminCommand::IssueStatements { month } => {
            let issued =
                crate::payments::statements::issue(db, keys, &month, crate::db::now_ms()).await?;
            let json = serde_json::to_string(&issued)
                .map_err(|e| Failure::new(format!("cannot print the report: {e}")))?;
            println!("{json}");
        }
        AdminCommand::AssignScheme {
            wadah,
            scheme,
            from,
        } => {
            if !crate::payments::schemes::assign(db, &wadah, &scheme, &from).await? {
                eprintln!("already assigned: nothing changed");
            }
            println!("{scheme}");
        }
        AdminCommand::SetTimeZone { branch, utc_offset } => {
            let minutes = crate::payments::time_zone::parse_offset(&utc_offset)?;
            if !crate::payments::time_zone::set(db, &branch, minutes).await? {
                eprintln!("already set: nothing changed");
            }
            println!("{}", crate::payments::time_zone::format_offset(minutes));
        }
    }
    Ok(())
}

/// Reads a small text file given on the command line, refusing one larger than `limit` bytes
/// or not UTF-8 (the message names the file, never its content).
fn read_small_file(path: &std::path::Path, limit: usize) -> Result<String, Failure> {
    let bytes = std::fs::read(path)
        .map_err(|e| Failure::new(format!("cannot read {}: {:?}", path.display(), e.kind())))?;
    if bytes.len() > limit {
        return Err(Failure::new(format!(
            "{} is larger than {limit} bytes",
            path.display()
        )));
    }
    String::from_utf8(bytes).map_err(|_| Failure::new(format!("{} is not UTF-8", path.display())))
}
