//! The harness for end-to-end tests: the real App, in this process, on a
//! fresh database, against the fake Bot API on 127.0.0.1.

use std::collections::HashMap;
use std::time::Duration;

use fake_telegram::{FakeTelegram, FloodLimits, Sent, TgUser};
use ticketbot::app::App;
use ticketbot::config::Config;

use crate::inspect;
use crate::support::{Kind, TestDb};

pub const TOKEN: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
pub const SUPPORT: i64 = -1_001_234_567_890;
pub const WAIT: Duration = Duration::from_secs(15);

pub struct Desk {
    pub fake: FakeTelegram,
    /// The bot's database, to read what it left there.
    pub db: TestDb,
    /// The HTTP server of the running bot.
    pub http: std::net::SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    vars: HashMap<&'static str, String>,
}

impl Desk {
    pub async fn start(kind: Kind) -> Option<Self> {
        Self::start_with(kind, false).await
    }

    pub async fn start_with(kind: Kind, forum: bool) -> Option<Self> {
        Self::start_full(kind, forum, Some(FloodLimits::default())).await
    }

    pub async fn start_full(kind: Kind, forum: bool, limits: Option<FloodLimits>) -> Option<Self> {
        Self::start_with_vars(kind, forum, limits, &[]).await
    }

    /// With more variables (or others in place of the defaults).
    pub async fn start_with_vars(
        kind: Kind,
        forum: bool,
        limits: Option<FloodLimits>,
        extra: &[(&'static str, String)],
    ) -> Option<Self> {
        Self::start_prepared(kind, forum, limits, extra, |_| {}).await
    }

    /// The same, with the fake made ready by `prepare` (faults to meet at
    /// start-up) before the bot starts.
    pub async fn start_prepared(
        kind: Kind,
        forum: bool,
        limits: Option<FloodLimits>,
        extra: &[(&'static str, String)],
        prepare: impl FnOnce(&FakeTelegram),
    ) -> Option<Self> {
        let db = TestDb::new(kind).await?;
        let fake = FakeTelegram::start(TOKEN, limits).await.unwrap();
        fake.add_group(SUPPORT, "Support", forum);
        prepare(&fake);
        let mut vars: HashMap<&'static str, String> = HashMap::from([
            ("TELOXIDE_TOKEN", TOKEN.to_string()),
            ("TELOXIDE_API_URL", fake.url()),
            ("SUPPORT_CHAT_ID", SUPPORT.to_string()),
            ("DATABASE_URL", db.url.clone()),
            ("HTTP_ADDR", "127.0.0.1:0".to_string()),
        ]);
        vars.extend(extra.iter().cloned());
        let (http, stop, task) = Self::launch(&vars).await;
        Some(Self { fake, db, http, stop: Some(stop), task: Some(task), vars })
    }

    pub async fn launch(
        vars: &HashMap<&'static str, String>,
    ) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
        let config = Config::from_lookup(|k| vars.get(k).cloned()).unwrap();
        let app = App::build(config).await.unwrap();
        let http = app.http_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            app.run_until(async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
        (http, stop, task)
    }

    pub async fn halt(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(20), task).await.expect("bot stops").unwrap();
        }
    }

    /// Stops the bot and starts a new one on the same database and fake.
    pub async fn restart(&mut self) {
        self.halt().await;
        let (http, stop, task) = Self::launch(&self.vars).await;
        (self.http, self.stop, self.task) = (http, Some(stop), Some(task));
    }

    pub fn vars(&self) -> HashMap<&'static str, String> {
        self.vars.clone()
    }

    pub fn vars_database_url(&self) -> String {
        self.vars["DATABASE_URL"].clone()
    }

    pub async fn stop(mut self) {
        self.halt().await;
    }

    /// Waits until `chat` got `count` messages and the outbox is empty: the
    /// fake logs a message when it answers, a moment before the bot records
    /// what it sent (which a staff reply to it then relies on).
    pub async fn wait_sent(&self, chat: i64, count: usize, what: &str) -> Vec<Sent> {
        self.fake.wait_for(WAIT, what, |sent| sent.iter().filter(|s| s.chat_id == chat).count() >= count).await;
        let deadline = std::time::Instant::now() + WAIT;
        while inspect::outbox_backlog(&self.db).await > 0 {
            assert!(std::time::Instant::now() < deadline, "outbox never emptied while waiting for {what}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.fake.sent_to(chat)
    }

    /// Waits until the support forum's first topic is closed (or open).
    pub async fn wait_topic_closed(&self, closed: bool) {
        let deadline = std::time::Instant::now() + WAIT;
        while self.fake.topics(SUPPORT)[0].2 != closed {
            assert!(std::time::Instant::now() < deadline, "topic never became closed={closed}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until every update pushed so far is confirmed, handled, and
    /// everything it caused is sent.
    pub async fn settle(&self) {
        self.settle_within(WAIT).await
    }

    pub async fn settle_within(&self, timeout: Duration) {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let confirmed = self.fake.unconfirmed().is_empty();
            let handled = inspect::inbox_pending(&self.db).await == 0;
            let sent = inspect::outbox_backlog(&self.db).await == 0;
            if confirmed && handled && sent {
                return;
            }
            assert!(std::time::Instant::now() < deadline, "never settled: {confirmed} {handled} {sent}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

pub fn alice() -> TgUser {
    let mut u = TgUser::new(501, "<3 & co");
    u.username = Some("alice".into());
    u
}

pub fn agent() -> TgUser {
    TgUser::new(900, "Agent Smith")
}
