//! `perisai-load`: the load driver of ARCHITECTURE.md §8 (see `perisai_e2e::load`).
//!
//! ```text
//! cargo run --release -p perisai-e2e --bin perisai-load -- --backend sqlite
//! cargo run --release -p perisai-e2e --bin perisai-load -- --backend postgres --mode peak
//! ```
//!
//! PostgreSQL needs `PERISAI_TEST_POSTGRES_URL` (`source scripts/lib/postgres.sh &&
//! ensure_postgres`); the run makes its own database there and drops it afterwards. The exit
//! status is 0 only when the run had no error and the database holds exactly the records
//! acknowledged; the ARCHITECTURE.md §8 verdict is printed.

use std::time::Duration;

use clap::{Parser, ValueEnum};
use perisai_e2e::load::{self, LoadPlan, Mode};
use perisai_e2e::server::Backend;

#[derive(Parser, Debug)]
#[command(
    name = "perisai-load",
    about = "Load driver: N devices against the real perisai-server (ARCHITECTURE.md §8)"
)]
struct Args {
    /// Database of the server.
    #[arg(long, value_enum, default_value = "sqlite")]
    backend: BackendArg,
    /// steady: a batch every --interval per device; peak: closed loop (next batch on the ack).
    #[arg(long, value_enum, default_value = "steady")]
    mode: ModeArg,
    /// Devices connected at once.
    #[arg(long, default_value_t = 1000)]
    devices: u32,
    /// Records per batch.
    #[arg(long, default_value_t = 20)]
    records: u32,
    /// Steady: seconds between a device's batches.
    #[arg(long, default_value_t = 10)]
    interval: u64,
    /// Steady: seconds before the measured window (start times are spread over one interval).
    #[arg(long, default_value_t = 20)]
    warmup: u64,
    /// Steady: seconds measured.
    #[arg(long, default_value_t = 120)]
    duration: u64,
    /// Peak: batches per device.
    #[arg(long, default_value_t = 15)]
    batches: u32,
    /// Admin commands and activations at once while provisioning.
    #[arg(long, default_value_t = 8)]
    provision_concurrency: usize,
    /// An extra `perisai-server serve` argument (repeatable), e.g.
    /// `--server-arg=--batches-per-minute=600`.
    #[arg(long = "server-arg", allow_hyphen_values = true)]
    server_args: Vec<String>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum BackendArg {
    Sqlite,
    Postgres,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ModeArg {
    Steady,
    Peak,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let backend = match args.backend {
        BackendArg::Sqlite => Backend::Sqlite,
        BackendArg::Postgres => Backend::Postgres,
    };
    let mode = match args.mode {
        ModeArg::Steady => Mode::Steady {
            interval: Duration::from_secs(args.interval.max(1)),
            warmup: Duration::from_secs(args.warmup),
            duration: Duration::from_secs(args.duration.max(1)),
        },
        ModeArg::Peak => Mode::Peak {
            batches: args.batches.max(1),
        },
    };
    let plan = LoadPlan {
        backend,
        devices: args.devices.max(1),
        records_per_batch: args.records.max(1),
        mode,
        provisioning_concurrency: args.provision_concurrency,
        server_args: args.server_args,
    };
    if backend == Backend::Postgres && !backend.available() {
        eprintln!("perisai-load: set PERISAI_TEST_POSTGRES_URL for --backend postgres");
        return std::process::ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("perisai-load: no runtime: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let started = std::time::Instant::now();
    let progress = move |line: &str| {
        eprintln!("[{:6.1} s] {line}", started.elapsed().as_secs_f64());
    };
    match runtime.block_on(load::run(&plan, progress)) {
        Ok(report) => {
            print!("{}", report.render());
            if report.clean_and_exact() {
                std::process::ExitCode::SUCCESS
            } else {
                std::process::ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("perisai-load: {e}");
            std::process::ExitCode::from(2)
        }
    }
}
