//! The binary's configuration errors and start-up failures, as an operator
//! meets them: one line naming the variable, exit code 2 (1 for a database
//! that cannot be reached), never a secret.

use std::process::{Command, Output};

const TOKEN: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";

fn run_with(vars: &[(&str, &str)], args: &[&str]) -> Output {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ticketbot"));
    cmd.args(args).env_clear().current_dir(dir.path()).env("RUST_LOG", "info");
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd.output().expect("run ticketbot")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn run_without_token_names_it() {
    let out = run_with(&[("SUPPORT_CHAT_ID", "-100123")], &["run"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(stderr(&out).contains("TELOXIDE_TOKEN is not set"), "{}", stderr(&out));
    assert_eq!(stderr(&out).lines().count(), 1, "one line: {}", stderr(&out));
}

#[test]
fn run_is_the_default_command() {
    let out = run_with(&[("SUPPORT_CHAT_ID", "-100123")], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("TELOXIDE_TOKEN"));
}

#[test]
fn run_without_support_chat_names_it() {
    let out = run_with(&[("TELOXIDE_TOKEN", TOKEN)], &["run"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("SUPPORT_CHAT_ID is not set"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("AAHdqTcv"), "token leaked");
}

#[test]
fn every_bad_variable_exits_2_naming_it() {
    let cases = [
        ("DATABASE_URL", "mysql://root:hunter2@localhost/db"),
        ("DATABASE_POOL_SIZE", "0"),
        ("DATABASE_CONNECT_TIMEOUT", "soon"),
        ("AUTO_MIGRATE", "perhaps"),
        ("TICKET_TIMEZONE", "Europe/Atlantis"),
        ("HTTP_ADDR", "not-an-address"),
        ("ADMIN_IDS", "12,abc"),
        ("TELOXIDE_TOKEN", "hunter2"),
        ("TELOXIDE_API_URL", "gopher://x"),
        ("SUPPORT_CHAT_ID", "support"),
    ];
    for (var, value) in cases {
        let out = run_with(&[(var, value)], &["doctor"]);
        assert_eq!(out.status.code(), Some(2), "{var}={value}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.starts_with(&format!("ticketbot: {var} is invalid")), "{var}: {err}");
        assert!(!err.contains("hunter2"), "secret echoed: {err}");
    }
}

#[test]
fn unreachable_database_names_host_not_password() {
    // Port 1 on loopback: nothing listens, the connection is refused.
    let out = run_with(
        &[
            ("DATABASE_URL", "postgres://bot:s3cr3t-pw@127.0.0.1:1/tickets"),
            ("DATABASE_CONNECT_TIMEOUT", "1"),
            ("TELOXIDE_TOKEN", TOKEN),
            ("SUPPORT_CHAT_ID", "-100123"),
        ],
        &["run"],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = stderr(&out);
    assert!(err.contains("127.0.0.1:1"), "{err}");
    assert!(err.contains("cannot reach"), "{err}");
    assert!(!err.contains("s3cr3t-pw"), "password leaked: {err}");
    assert!(!err.contains("AAHdqTcv"), "token leaked: {err}");
}

#[test]
fn run_starts_on_the_sqlite_default_and_stops_on_sigterm() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ticketbot"))
        .env_clear()
        .current_dir(dir.path())
        .env("TELOXIDE_TOKEN", TOKEN)
        .env("SUPPORT_CHAT_ID", "-100123")
        .env("HTTP_ADDR", "127.0.0.1:0")
        .env("ADMIN_IDS", "42")
        // Loopback with nothing listening: the poller fails and retries,
        // and never reaches for the real Telegram.
        .env("TELOXIDE_API_URL", "http://127.0.0.1:9")
        .env("RUST_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read the log until start-up is reported (or the process ends).
    let mut log = String::new();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        log.push_str(&line);
        log.push('\n');
        if line.contains("ticketbot started") {
            break;
        }
    }
    assert!(log.contains("ticketbot started"), "{log}");
    assert!(log.contains("ADMIN_IDS made admins"), "{log}");
    assert!(dir.path().join("data/ticketbot.db").exists(), "default database file created");
    // Stop it as docker would.
    let pid = child.id().to_string();
    // sh's built-in kill: no procps needed on a minimal machine.
    assert!(Command::new("sh").args(["-c", &format!("kill -TERM {pid}")]).status().unwrap().success());
    let status = child.wait().unwrap();
    for line in lines {
        log.push_str(&line.unwrap());
        log.push('\n');
    }
    assert!(status.success(), "{log}");
    assert!(log.contains("shutting down"), "{log}");
    assert!(!log.contains("AAHdqTcv"), "token leaked: {log}");
}

#[test]
fn malformed_env_file_is_named_without_its_contents() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), "DATABASE_URL=\"postgres://bot:s3cr3t-pw@db/t\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ticketbot"))
        .args(["doctor"])
        .env_clear()
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.starts_with("ticketbot: .env is invalid"), "{err}");
    assert!(!err.contains("s3cr3t-pw"), "password leaked: {err}");
}
