//! What start-up asks Telegram, and what it tells the operator: a token or
//! a support chat Telegram refuses stops the binary with exit code 2 and
//! one line naming the setting; passing failures are asked again; missing
//! rights are warnings, in the log and in `/ready`; a stop asked for during
//! start-up is honoured at once.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use fake_telegram::{FakeTelegram, Fault, FloodLimits, TgUser};

use crate::bot_process;
use crate::desk::{Desk, SUPPORT, TOKEN, WAIT};
use crate::http::ready_after_start;
use crate::support::{Kind, on_both_backends};

on_both_backends!(passing_failures_at_start_do_not_decide_the_mode, missing_rights_are_warnings_in_ready);

/// Runs the binary on a fresh SQLite file against `fake` with `token` until
/// it exits by itself (it must, within `within`).
async fn run_until_it_exits(fake: &FakeTelegram, token: &str, within: Duration) -> (Output, Duration) {
    run_with_until_it_exits(fake, token, &[], within).await
}

/// The same, with more variables.
async fn run_with_until_it_exits(
    fake: &FakeTelegram,
    token: &str,
    vars: &[(&str, &str)],
    within: Duration,
) -> (Output, Duration) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bot.db").display());
    let child = bot_process::ticketbot(token, &fake.url(), SUPPORT, &url, "info")
        .envs(vars.iter().copied())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ticketbot");
    let started = Instant::now();
    let pid = child.id();
    let waiting = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap());
    match tokio::time::timeout(within, waiting).await {
        Ok(output) => (output.unwrap(), started.elapsed()),
        Err(_) => {
            let _ = Command::new("sh").args(["-c", &format!("kill -9 {pid}")]).status();
            panic!("ticketbot still running after {within:?}");
        }
    }
}

/// The last line the operator reads.
fn last_line(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).lines().last().unwrap_or_default().to_string()
}

#[tokio::test]
async fn texts_that_do_not_parse_stop_start_up_naming_the_file_and_the_message() {
    let fake = FakeTelegram::start(TOKEN, None).await.unwrap();
    fake.add_group(SUPPORT, "Support", false);
    let texts = tempfile::tempdir().unwrap();
    std::fs::create_dir(texts.path().join("ru")).unwrap();
    std::fs::write(texts.path().join("ru/user.ftl"), "greeting = Привет\nbanned = { $who\n").unwrap();
    let dir = texts.path().display().to_string();
    let (output, _) = run_with_until_it_exits(&fake, TOKEN, &[("TEXTS_DIR", &dir)], Duration::from_secs(20)).await;
    let line = last_line(&output);
    assert_eq!(output.status.code(), Some(2), "{line}");
    assert!(
        line.contains("TEXTS_DIR") && line.contains("ru/user.ftl, line 2: message banned does not parse"),
        "{line}"
    );
    assert!(fake.first_poll().is_none(), "nothing started");
    // A staff language there are no texts for is named too.
    let (output, _) = run_with_until_it_exits(&fake, TOKEN, &[("STAFF_LANGUAGE", "fr")], Duration::from_secs(20)).await;
    let line = last_line(&output);
    assert_eq!(output.status.code(), Some(2), "{line}");
    assert!(line.contains("STAFF_LANGUAGE: there are no staff texts in \"fr\""), "{line}");
}

#[tokio::test]
async fn a_token_telegram_refuses_stops_start_up_naming_it() {
    let fake = FakeTelegram::start(TOKEN, None).await.unwrap();
    fake.add_group(SUPPORT, "Support", false);
    // Well formed, but not a token this Telegram knows: 401.
    let wrong = "987654321:AAF-wrongwrongwrongwrongwrongwrong";
    let (output, took) = run_until_it_exits(&fake, wrong, Duration::from_secs(20)).await;
    let line = last_line(&output);
    assert_eq!(output.status.code(), Some(2), "{line}");
    assert!(line.contains("TELOXIDE_TOKEN") && line.contains("@BotFather"), "{line}");
    assert!(took < Duration::from_secs(10), "took {took:?}");
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(!log.contains("wrongwrong"), "the token leaked: {log}");
}

#[tokio::test]
async fn a_token_answered_404_is_refused_too() {
    // A local Bot API server answers an unknown token's path with 404.
    let fake = FakeTelegram::start(TOKEN, None).await.unwrap();
    fake.add_group(SUPPORT, "Support", false);
    fake.inject(Fault::status("getMe", 404));
    let (output, _) = run_until_it_exits(&fake, TOKEN, Duration::from_secs(20)).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(last_line(&output).contains("TELOXIDE_TOKEN"), "{}", last_line(&output));
}

#[tokio::test]
async fn a_support_chat_telegram_does_not_know_stops_start_up_naming_it() {
    // No group registered: getChat answers 400 "chat not found".
    let fake = FakeTelegram::start(TOKEN, None).await.unwrap();
    let (output, took) = run_until_it_exits(&fake, TOKEN, Duration::from_secs(20)).await;
    let line = last_line(&output);
    assert_eq!(output.status.code(), Some(2), "{line}");
    assert!(line.contains(&format!("SUPPORT_CHAT_ID {SUPPORT}")), "{line}");
    assert!(line.contains("chat not found") && line.contains("add the bot"), "{line}");
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

#[tokio::test]
async fn a_support_chat_the_bot_was_removed_from_stops_start_up() {
    let fake = FakeTelegram::start(TOKEN, None).await.unwrap();
    fake.add_group(SUPPORT, "Support", false);
    fake.kick_bot(SUPPORT);
    let (output, _) = run_until_it_exits(&fake, TOKEN, Duration::from_secs(20)).await;
    let line = last_line(&output);
    assert_eq!(output.status.code(), Some(2), "{line}");
    assert!(line.contains("SUPPORT_CHAT_ID") && line.contains("kicked"), "{line}");
}

async fn passing_failures_at_start_do_not_decide_the_mode(kind: Kind) {
    // A forum group; Telegram fails getMe and getChat a few times first
    // (5xx, 429), as it does on a bad day.
    let Some(desk) = Desk::start_prepared(kind, true, Some(FloodLimits::default()), &[], |fake| {
        fake.inject(Fault::status("getMe", 500).times(2));
        fake.inject(Fault::status("getChat", 502).times(2));
        let too_many = Fault::answer("getChat", 429, "Too Many Requests: retry after 1").times(1);
        fake.inject(too_many);
    })
    .await
    else {
        return;
    };
    let user = TgUser::new(501, "Ann");
    desk.fake.user_sends(&user, "hello");
    desk.wait_sent(SUPPORT, 2, "the topic's card and the message").await;
    // Forum mode all the same: the ticket got a topic.
    assert_eq!(desk.fake.topics(SUPPORT).len(), 1, "{:?}", desk.fake.all_sent());
    let getchats = desk.fake.calls().iter().filter(|c| c.method == "getchat").count();
    assert_eq!(getchats, 4, "asked until answered");
    desk.stop().await;
}

async fn missing_rights_are_warnings_in_ready(kind: Kind) {
    // Privacy mode on and not an admin: the bot would never see staff's
    // plain messages; a forum where it may not manage topics.
    let Some(desk) = Desk::start_prepared(kind, true, None, &[], |fake| fake.set_privacy(true)).await else {
        return;
    };
    let (status, body) = ready_after_start(desk.http).await;
    // Warnings do not stop the bot, so it is ready.
    assert_eq!(status, 200, "{body}");
    let ready: serde_json::Value = serde_json::from_str(&body).unwrap();
    let warnings: Vec<String> =
        ready["telegram"]["warnings"].as_array().unwrap().iter().map(|w| w.as_str().unwrap().to_string()).collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings[0].contains("/setprivacy"), "{warnings:?}");
    assert!(warnings[1].contains("Manage topics"), "{warnings:?}");
    desk.stop().await;
}

#[tokio::test]
async fn the_bot_as_admin_with_its_rights_has_no_warnings() {
    let Some(desk) = Desk::start_prepared(Kind::Sqlite, true, None, &[], |fake| {
        fake.set_privacy(true);
        fake.make_admin(SUPPORT, fake_telegram::BOT_ID);
    })
    .await
    else {
        return;
    };
    let (status, body) = ready_after_start(desk.http).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""warnings":[]"#), "{body}");
    desk.stop().await;
}

#[tokio::test]
async fn ready_waits_for_telegram_and_sigterm_during_start_up_stops_at_once() {
    let fake = FakeTelegram::start(TOKEN, None).await.unwrap();
    fake.add_group(SUPPORT, "Support", false);
    // Telegram down: start-up keeps asking.
    fake.go_down_for(Duration::from_secs(60));
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bot.db").display());
    let port = free_port();
    let mut child = bot_process::ticketbot(TOKEN, &fake.url(), SUPPORT, &url, "info")
        .env("HTTP_ADDR", format!("127.0.0.1:{port}"))
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ticketbot");
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    // The HTTP server is up, and says not ready until Telegram is checked.
    let deadline = Instant::now() + WAIT;
    let (status, body) = loop {
        if let Ok(Some(answer)) = tokio::time::timeout(Duration::from_secs(1), try_get(addr, "/ready")).await {
            break answer;
        }
        assert!(Instant::now() < deadline, "no /ready answer");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(status, 503, "{body}");
    assert!(body.contains(r#""checked":false"#), "{body}");
    let asked = Instant::now();
    assert!(Command::new("sh").args(["-c", &format!("kill -TERM {}", child.id())]).status().unwrap().success());
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap()).await.unwrap();
    assert!(status.success(), "{status:?}");
    assert!(asked.elapsed() < Duration::from_secs(3), "stopped {:?} after SIGTERM", asked.elapsed());
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// GET `path`, or `None` while nothing listens.
async fn try_get(addr: std::net::SocketAddr, path: &str) -> Option<(u16, String)> {
    tokio::net::TcpStream::connect(addr).await.ok()?;
    Some(crate::http::get(addr, path).await)
}

/// `ticketbot check` on `url` against `fake`: its stdout and exit code.
async fn check(fake: &FakeTelegram, token: &str, url: &str) -> (String, Option<i32>) {
    check_with(fake, token, url, &[]).await
}

/// The same, with more variables.
async fn check_with(fake: &FakeTelegram, token: &str, url: &str, vars: &[(&str, &str)]) -> (String, Option<i32>) {
    let mut command = bot_process::ticketbot(token, &fake.url(), SUPPORT, url, "warn");
    command.arg("check").envs(vars.iter().copied()).stdout(Stdio::piped());
    let output = tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap();
    (String::from_utf8_lossy(&output.stdout).into_owned(), output.status.code())
}

/// `ticketbot check`: one ok or FAIL line for the token, the support chat,
/// the bot's rights and the database; exit 1 when anything fails, and never
/// the token in what it prints.
#[tokio::test]
async fn check_says_ok_or_fail_for_each_thing_run_needs() {
    let fake = FakeTelegram::start(TOKEN, None).await.unwrap();
    fake.add_group(SUPPORT, "Support", true);
    fake.make_admin(SUPPORT, fake_telegram::BOT_ID);
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bot.db").display());
    let migrated = bot_process::ticketbot(TOKEN, &fake.url(), SUPPORT, &url, "warn").args(["migrate", "up"]).output();
    assert!(migrated.unwrap().status.success());

    let (out, code) = check(&fake, TOKEN, &url).await;
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("ok   TELOXIDE_TOKEN: Telegram knows the bot @ticketbot_test_bot"), "{out}");
    assert!(out.contains(&format!("ok   SUPPORT_CHAT_ID {SUPPORT}: the bot is in the group (a forum")), "{out}");
    assert!(out.contains("ok   ") && out.contains("healthy") && out.contains("all checks passed"), "{out}");
    assert!(out.contains("ok   texts: the embedded ones; staff read en"), "{out}");
    assert!(!out.contains("FAIL"), "{out}");

    // Texts that would stop `run`.
    let (out, code) = check_with(&fake, TOKEN, &url, &[("STAFF_LANGUAGE", "xx")]).await;
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("FAIL STAFF_LANGUAGE: there are no staff texts in \"xx\""), "{out}");

    // Privacy mode on and no admin: a FAIL line naming what to do.
    let plain = FakeTelegram::start(TOKEN, None).await.unwrap();
    plain.add_group(SUPPORT, "Support", false);
    plain.set_privacy(true);
    let (out, code) = check(&plain, TOKEN, &url).await;
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("FAIL the bot cannot read staff's replies") && out.contains("/setprivacy"), "{out}");

    // A token Telegram refuses, and a database never migrated.
    let wrong = "987654321:AAF-wrongwrongwrongwrongwrongwrong";
    std::fs::write(dir.path().join("fresh.db"), b"").unwrap();
    let fresh = format!("sqlite://{}", dir.path().join("fresh.db").display());
    let (out, code) = check(&fake, wrong, &fresh).await;
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("FAIL TELOXIDE_TOKEN is refused by Telegram"), "{out}");
    assert!(out.contains("FAIL") && out.contains("migration(s) pending"), "{out}");
    assert!(!out.contains("wrongwrong") && !out.contains("AAHdqTcv"), "a token was printed: {out}");

    // A support chat the bot is not in.
    let lonely = FakeTelegram::start(TOKEN, None).await.unwrap();
    let (out, code) = check(&lonely, TOKEN, &url).await;
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains(&format!("FAIL SUPPORT_CHAT_ID {SUPPORT}: Telegram says")), "{out}");
}
