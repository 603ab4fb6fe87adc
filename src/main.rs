use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use ticketbot::cli::{Cli, Command, execute, healthcheck};
use ticketbot::config::{Config, LogFormat};

fn main() -> ExitCode {
    limit_malloc_arenas();
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Run);
    if let Command::Healthcheck = command {
        // Reads HTTP_ADDR alone and never exits 2, which Docker reserves.
        return ExitCode::from(healthcheck::run_from_env());
    }
    // `.env` before logging, so RUST_LOG and LOG_FORMAT may be set there.
    let logging = Config::load_dotenv().and_then(|()| LogFormat::from_process_env());
    let config = logging.map(init_logging).and_then(|()| Config::from_process_env());
    let config = match config {
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
    let code = runtime.block_on(execute(command, config));
    // A blocking call still running (a SQLite statement on a stuck disk)
    // must not keep the process from exiting.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    ExitCode::from(code)
}

/// glibc gives each thread that allocates an arena of its own (up to eight
/// a core) and seldom hands their free memory back. SQLite's statements
/// run on tokio's blocking threads, and a month's `/stats` on a million
/// tickets left the bot at 37 MiB (42 at its peak); two arenas keep it at
/// 27 (37), under the 40 MB target (BENCHMARKS.md). `MALLOC_ARENA_MAX`,
/// when set, is the operator's choice and stands.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: called first in `main`, before any other thread exists;
        // mallopt only sets one of the allocator's tunables.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}

/// Logs on stderr, human-readable or JSON (`LOG_FORMAT`); `RUST_LOG` filters
/// (default `info`).
fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        // Colours only for a person at a terminal: not in `docker logs`,
        // files or journald, and never with NO_COLOR set (no-color.org).
        LogFormat::Human => {
            let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            logs.with_ansi(colour).init()
        }
        // No colour codes inside what a collector parses.
        LogFormat::Json => logs.json().with_ansi(false).init(),
    }
}
