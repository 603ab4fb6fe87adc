//! The built `ticketbot` binary as the benchmarks and the binary tests start
//! it: against a fake Bot API, on a free HTTP port, with nothing else from
//! the caller's environment. Shared through `#[path]` by `benches/*.rs` and
//! `tests/it/binary.rs`.

use std::process::{Command, Stdio};

/// The command for one bot process: `support` is the support chat, logs go
/// to stderr at `log` level (the caller decides where stderr goes), stdout
/// is discarded. Callers add settings of their own before spawning.
// Each includer uses one of the two.
#[allow(dead_code)]
pub fn ticketbot(token: &str, api_url: &str, support: i64, database_url: &str, log: &str) -> Command {
    ticketbot_at(std::path::Path::new(env!("CARGO_BIN_EXE_ticketbot")), token, api_url, support, database_url, log)
}

/// The same with another build of ticketbot (a baseline to compare with).
pub fn ticketbot_at(
    exe: &std::path::Path,
    token: &str,
    api_url: &str,
    support: i64,
    database_url: &str,
    log: &str,
) -> Command {
    let mut command = Command::new(exe);
    command
        .env_clear()
        .env("TELOXIDE_TOKEN", token)
        .env("TELOXIDE_API_URL", api_url)
        .env("SUPPORT_CHAT_ID", support.to_string())
        .env("DATABASE_URL", database_url)
        .env("HTTP_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", log)
        .stdout(Stdio::null());
    command
}
