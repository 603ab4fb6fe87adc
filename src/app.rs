//! The application as `main` and the tests build it: configuration in, a
//! started database out; `run_until` then runs the bot (`app/run.rs`).

mod run;

use std::net::SocketAddr;
use std::sync::Arc;

use crate::clock::{Clock, SystemClock};
use crate::config::{BotConfig, Config, ConfigError};
use crate::db::{Db, DbError};
use crate::metrics::Metrics;
use crate::render::texts::{Texts, TextsError};
use crate::storage::staff;
use crate::telegram::startup::StartupError;

/// Why the application could not start; `exit_code` maps it for the CLI.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Database(#[from] DbError),
    #[error("cannot listen on {var} {addr}: {reason} (is another process using it?)")]
    Http { var: &'static str, addr: SocketAddr, reason: String },
    #[error(transparent)]
    Telegram(#[from] StartupError),
    #[error(transparent)]
    Texts(#[from] TextsError),
}

impl StartError {
    /// 2 for configuration errors (the operator must fix a variable:
    /// including a token or support chat Telegram refuses), 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Config(_) | Self::Telegram(_) | Self::Texts(_) => 2,
            _ => 1,
        }
    }
}

pub struct App {
    config: Config,
    bot: BotConfig,
    db: Db,
    metrics: Arc<Metrics>,
    clock: Arc<dyn Clock>,
    /// Every text people read, checked before anything started.
    texts: Arc<Texts>,
    /// Bound at build, so a taken port fails start-up.
    http: tokio::net::TcpListener,
    /// `METRICS_ADDR`'s listener, when it is set.
    operators: Option<tokio::net::TcpListener>,
}

impl App {
    /// Checks the configuration `run` needs, starts the database (waiting
    /// for it, migrating it), and bootstraps `ADMIN_IDS`.
    pub async fn build(config: Config) -> Result<Self, StartError> {
        // Configuration first: a missing token must not wait on a database.
        let bot = config.bot()?;
        let texts = Arc::new(Texts::load(config.texts_dir.as_deref(), &config.staff_language)?);
        let http = listen("HTTP_ADDR", config.http_addr).await?;
        let operators = match config.metrics_addr {
            Some(addr) => Some(listen("METRICS_ADDR", addr).await?),
            None => None,
        };
        let db = Db::start(&config.database).await?;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        if !config.admin_ids.is_empty() {
            let (ids, now) = (&config.admin_ids, clock.now().naive_utc());
            let seeded = db.transaction(async |tx| Ok::<_, DbError>(staff::seed_admins(tx, ids, now).await?)).await?;
            if seeded > 0 {
                tracing::info!(count = seeded, "staff table was empty: ADMIN_IDS made admins");
            }
        }
        tracing::info!(
            database = %config.database.url,
            zone = %config.desk.zone,
            support_chat = bot.support_chat_id,
            "ticketbot started"
        );
        Ok(Self { config, bot, db, metrics: Arc::new(Metrics::new()), clock, texts, http, operators })
    }

    /// Where the HTTP server listens (`HTTP_ADDR`, its port chosen by the
    /// system when 0).
    pub fn http_addr(&self) -> std::io::Result<SocketAddr> {
        self.http.local_addr()
    }

    /// Where `/metrics` and `/ready` are served when `METRICS_ADDR` is set.
    pub fn metrics_addr(&self) -> Option<std::io::Result<SocketAddr>> {
        self.operators.as_ref().map(|l| l.local_addr())
    }
}

async fn listen(var: &'static str, addr: SocketAddr) -> Result<tokio::net::TcpListener, StartError> {
    tokio::net::TcpListener::bind(addr).await.map_err(|e| StartError::Http { var, addr, reason: e.to_string() })
}

/// Resolves on SIGINT (Ctrl-C) or, on Unix, SIGTERM (docker stop). The
/// handlers are installed when this is called, not when the future is first
/// polled: a signal during start-up is then a graceful stop, not a kill.
pub fn shutdown_signal() -> impl Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let streams = (signal(SignalKind::terminate()), signal(SignalKind::interrupt()));
        async move {
            match streams {
                (Ok(mut term), Ok(mut int)) => {
                    tokio::select! {
                        _ = term.recv() => {}
                        _ = int.recv() => {}
                    }
                }
                (term, int) => {
                    let e = term.err().or(int.err()).map(|e| e.to_string()).unwrap_or_default();
                    tracing::error!(error = %e, "cannot listen for SIGTERM/SIGINT; stop with SIGKILL");
                    std::future::pending::<()>().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
