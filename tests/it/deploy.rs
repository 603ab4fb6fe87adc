//! What operators rely on when they deploy: the binary's own probe,
//! `ticketbot healthcheck`, and `LOG_FORMAT`.

mod healthcheck;
mod log_format;

use std::path::Path;
use std::process::Command;

pub const TOKEN: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";

/// The built binary in `dir`, with nothing inherited from this environment.
pub fn ticketbot(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ticketbot"));
    cmd.env_clear().current_dir(dir);
    cmd
}
