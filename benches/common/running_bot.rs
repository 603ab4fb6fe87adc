//! The released `ticketbot` running against a fresh fake Bot API with flood
//! limits off, as the whole-bot benchmarks drive it: started, measured
//! (start-up, memory) and stopped.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fake_telegram::FakeTelegram;

#[path = "bot_process.rs"]
mod bot_process;

pub const TOKEN: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";

pub struct Bot {
    child: Child,
    pub fake: FakeTelegram,
    started: Instant,
}

impl Bot {
    /// Binary `exe` on database `url`, serving the (plain) group `support`,
    /// with `vars` set; back once it asks for its first updates.
    pub async fn start(exe: &Path, vars: &[(String, String)], url: &str, support: i64) -> Self {
        let fake = FakeTelegram::start(TOKEN, None).await.expect("fake Bot API");
        fake.add_group(support, "Support", false);
        let started = Instant::now();
        let child = bot_process::ticketbot_at(exe, TOKEN, &fake.url(), support, url, "error")
            .env("DELIVERY_PACING", "off")
            .envs(vars.iter().map(|(k, v)| (k, v)))
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start ticketbot");
        let bot = Self { child, fake, started };
        wait(Duration::from_secs(60), || bot.fake.first_poll().is_some()).await;
        bot
    }

    /// From the process's start to its first `getUpdates`.
    pub fn startup(&self) -> Duration {
        self.fake.first_poll().map(|t| t.duration_since(self.started)).unwrap_or_default()
    }

    /// (VmRSS, VmHWM) in MiB.
    pub fn memory(&self) -> (f64, f64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
                .map_or(0.0, |kb| kb / 1024.0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    /// Waits until `count` more messages than `before` have been delivered.
    // Not every includer waits so.
    #[allow(dead_code)]
    pub async fn delivered(&self, before: usize, count: usize) {
        wait(Duration::from_secs(600), || self.fake.sent_count() >= before + count).await;
    }

    pub fn stop(mut self) {
        let _ = Command::new("sh").args(["-c", &format!("kill -TERM {}", self.child.id())]).status();
        let _ = self.child.wait();
    }
}

/// A bench that panics leaves no bot behind: one left running on a kept
/// database claims the next run's outbox rows and sends them nowhere.
impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `done` every 20 ms; panics after `timeout`.
pub async fn wait(timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "gave up after {timeout:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
