//! `LOG_FORMAT`: JSON lines for collectors, human text by default, and an
//! unknown format refused (exit 2, naming the variable) rather than guessed.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use super::{TOKEN, ticketbot};

#[test]
fn json_logs_are_one_object_a_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = ticketbot(dir.path())
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .env("TELOXIDE_TOKEN", TOKEN)
        .env("SUPPORT_CHAT_ID", "-100123")
        // Nothing listens there: the poller fails, retries and logs it.
        .env("TELOXIDE_API_URL", "http://127.0.0.1:9")
        .env("HTTP_ADDR", "127.0.0.1:0")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut log = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let started = line.contains("ticketbot started");
        log.push(line);
        if started {
            break;
        }
    }
    let pid = child.id().to_string();
    assert!(Command::new("sh").args(["-c", &format!("kill -TERM {pid}")]).status().unwrap().success());
    let status = child.wait().unwrap();
    log.extend(lines.map(Result::unwrap));
    assert!(status.success(), "{log:#?}");

    let mut messages = Vec::new();
    for line in &log {
        assert!(!line.contains("AAHdqTcv"), "token leaked: {line}");
        let value: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(value["level"].is_string(), "no level: {line}");
        assert!(value["fields"].is_object(), "no fields: {line}");
        assert!(value["timestamp"].is_string(), "no timestamp: {line}");
        messages.push(value["fields"]["message"].as_str().unwrap_or_default().to_string());
    }
    assert!(messages.iter().any(|m| m == "ticketbot started"), "{messages:?}");
    assert!(messages.iter().any(|m| m == "shutting down"), "{messages:?}");
}

#[test]
fn human_logs_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let out = ticketbot(dir.path())
        .args(["migrate", "up"])
        .env("RUST_LOG", "info")
        .env("DATABASE_URL", "postgres://bot:s3cr3t-pw@127.0.0.1:1/tickets")
        .env("DATABASE_CONNECT_TIMEOUT", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    // The retry warnings of an unreachable database, as text.
    let warning = err.lines().find(|l| l.contains("database not reachable yet")).unwrap_or_else(|| panic!("{err}"));
    assert!(serde_json::from_str::<serde_json::Value>(warning).is_err(), "{warning}");
    assert!(warning.contains("WARN"), "{warning}");
    assert!(!err.contains("s3cr3t-pw"), "password leaked: {err}");
    // Not a terminal (a pipe, as under `docker logs`): no colour codes.
    assert!(!err.contains('\x1b'), "ANSI codes in piped logs: {err:?}");
}

#[test]
fn unknown_format_exits_2_naming_the_variable() {
    for (how, setup) in [("environment", false), (".env", true)] {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = ticketbot(dir.path());
        cmd.arg("doctor");
        if setup {
            std::fs::write(dir.path().join(".env"), "LOG_FORMAT=xml\n").unwrap();
        } else {
            cmd.env("LOG_FORMAT", "xml");
        }
        let out = cmd.output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{how}: {err}");
        assert!(err.starts_with("ticketbot: LOG_FORMAT is invalid: \"xml\""), "{how}: {err}");
        assert_eq!(err.lines().count(), 1, "{how}: {err}");
    }
}
