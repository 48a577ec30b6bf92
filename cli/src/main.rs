//! `perisai`: the desktop shell over `perisai-core`, the same `AgentApp` API the phones call.
//!
//! QA, trainers and scripts use it. The contract is ARCHITECTURE.md §7: every command prints one JSON
//! document on stdout; exit 0 is success, 1 invalid input or a refused operation (the JSON says
//! why), 2 a usage error or an unreadable file. Nothing personal is ever written to stderr.
//!
//! - [`args`]: the command line (clap derive).
//! - [`input`]: reading `FILE|-` with a size limit, UTF-8 and JSON-object checks.
//! - [`commands`]: one function per command, each returning an [`output::Outcome`].
//! - [`output`]: the JSON error shape and exit codes.
//! - [`usage`]: clap's usage errors, reported without echoing what was typed.

mod args;
mod commands;
mod input;
mod output;
mod usage;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use args::Cli;
use output::Outcome;
use usage::ParseFailure;

fn main() -> ExitCode {
    install_panic_hook();
    let outcome = match Cli::try_parse() {
        Ok(cli) => commands::run(cli),
        Err(error) => match usage::classify(error) {
            ParseFailure::Informational(help) => {
                let _ = help.print();
                return ExitCode::SUCCESS;
            }
            ParseFailure::Usage { outcome, stderr } => {
                eprint!("{stderr}");
                outcome
            }
        },
    };
    print(&outcome);
    ExitCode::from(outcome.exit as u8)
}

/// One JSON document on stdout. A closed pipe is not an error worth a panic.
fn print(outcome: &Outcome) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{}", outcome.json);
    let _ = stdout.flush();
}

/// A panic is a bug; its payload could quote input, so only the code location is printed.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("perisai: internal error (panicked at {location}); please report it");
    }));
}
