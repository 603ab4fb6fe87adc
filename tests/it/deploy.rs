//! What operators deploy: the Dockerfile and docker-compose.yml, read and
//! checked without a Docker engine, and the binary's parts they rely on
//! (`ticketbot healthcheck`, `LOG_FORMAT`).

mod compose;
mod dependencies;
mod dockerfile;
mod healthcheck;
mod log_format;

use std::path::{Path, PathBuf};
use std::process::Command;

pub const TOKEN: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";

pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub fn repo_file(name: &str) -> (PathBuf, String) {
    let path = repo_root().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (path, text)
}

/// The built binary in `dir`, with nothing inherited from this environment.
pub fn ticketbot(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ticketbot"));
    cmd.env_clear().current_dir(dir);
    cmd
}

/// Replaces every `${VAR…}` the way Compose would with `VAR` unset: a
/// `:-`/`-` default is used, anything else becomes the name itself.
pub fn with_defaults(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('}') else { break };
        let inner = &rest[start + 2..start + len];
        let name_end = inner.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(inner.len());
        let (name, modifier) = inner.split_at(name_end);
        match modifier.strip_prefix(":-").or_else(|| modifier.strip_prefix('-')) {
            Some(default) => out.push_str(default),
            None => out.push_str(name),
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

#[test]
fn defaults_are_substituted_like_compose() {
    assert_eq!(with_defaults("${A:-x}:${B-y}:${C}/${D:?set D}"), "x:y:C/D");
    assert_eq!(with_defaults("plain"), "plain");
}
