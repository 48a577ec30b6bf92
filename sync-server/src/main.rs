//! `perisai-server`: see `perisai_server::cli` for the commands (ARCHITECTURE.md §7).

use clap::Parser;

fn main() {
    let cli = perisai_server::cli::Cli::parse();
    perisai_server::cli::init_logging(&cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {:?}", e.kind());
            std::process::exit(1);
        }
    };
    if let Err(failure) = runtime.block_on(perisai_server::cli::run(cli)) {
        eprintln!("error: {}", failure.message);
        std::process::exit(failure.exit_code);
    }
}
