use std::process::ExitCode;

use clap::Parser;
use ticketbot::cli::{Cli, Command, execute};
use ticketbot::config::Config;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let config = match Config::from_process_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("ticketbot: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ticketbot: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(execute(cli.command.unwrap_or(Command::Run), config));
    ExitCode::from(code)
}

/// Human-readable logs on stderr; `RUST_LOG` filters (default `info`).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}
