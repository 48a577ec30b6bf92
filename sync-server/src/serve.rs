//! `perisai-server serve`: the options an operator sets (the defaults are `config::Config`'s),
//! and running the server until Ctrl-C or SIGTERM: bind, print the key fingerprint and the
//! address, keep the rule sets and the signing key fresh, serve the router, stop gracefully.
//! The demo serves through the same code.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;

use clap::Args;

use crate::config::Config;
use crate::db::Db;
use crate::keys::ServerKeys;
use crate::router;
use crate::state::AppState;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("metrics: {0}")]
    Metrics(#[from] prometheus::Error),
    #[error("cannot listen on {address}: {kind:?}")]
    Listen {
        address: String,
        kind: std::io::ErrorKind,
    },
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
    /// above the 10 s at which ARCHITECTURE.md §8's devices reuse their connection and above the sync
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
) -> Result<(), ServeError> {
    let config = config_from(&db, args);
    crate::client_addr::trust_proxies(&args.trusted_proxies);
    let state = AppState::new(db, keys.clone(), config)?;
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
        let mut every = tokio::time::interval(crate::keys::rotation::REFRESH_EVERY);
        every.tick().await;
        loop {
            every.tick().await;
            key_refresher.keys.refresh(&key_refresher.db).await;
        }
    });
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .map_err(|e| ServeError::Listen {
            address: args.listen.clone(),
            kind: e.kind(),
        })?;
    let addr = listener.local_addr().map_err(|e| ServeError::Listen {
        address: args.listen.clone(),
        kind: e.kind(),
    })?;
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
        router::router(state),
        std::time::Duration::from_secs(args.header_timeout_secs.max(1)),
        shutdown_signal(),
    )
    .await;
    Ok(())
}

/// Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
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
