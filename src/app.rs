//! The application as `main` and the tests build it: configuration in,
//! a started database and services out.

use std::sync::Arc;

use crate::clock::{Clock, SystemClock};
use crate::config::{BotConfig, Config, ConfigError};
use crate::db::{Db, DbError};
use crate::metrics::Metrics;
use crate::service::{Mailroom, ServiceError, TicketService};

/// Why the application could not start; `exit_code` maps it for the CLI.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Database(#[from] DbError),
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error("cannot listen on HTTP_ADDR {addr}: {reason}")]
    Http { addr: std::net::SocketAddr, reason: String },
}

impl StartError {
    /// 2 for configuration errors (the operator must fix a variable), 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Config(_) => 2,
            _ => 1,
        }
    }
}

pub struct App {
    pub config: Config,
    pub bot: BotConfig,
    pub tickets: TicketService,
    pub metrics: Arc<Metrics>,
    clock: Arc<dyn Clock>,
    /// Bound at build, so a taken port fails start-up.
    http: tokio::net::TcpListener,
}

impl App {
    /// Checks the configuration `run` needs, starts the database (waiting
    /// for it, migrating it), and bootstraps `ADMIN_IDS`.
    pub async fn build(config: Config) -> Result<Self, StartError> {
        Self::build_with_clock(config, Arc::new(SystemClock)).await
    }

    pub async fn build_with_clock(config: Config, clock: Arc<dyn Clock>) -> Result<Self, StartError> {
        // Configuration first: a missing token must not wait on a database.
        let bot = config.bot()?;
        let addr = config.http_addr;
        let http = crate::http::bind(addr).await.map_err(|e| StartError::Http { addr, reason: e.to_string() })?;
        let db = Db::start(&config.database).await?;
        let tickets = TicketService::new(db, clock.clone(), config.ticket_timezone);
        let seeded = tickets.seed_admins(&config.admin_ids).await?;
        if seeded > 0 {
            tracing::info!(count = seeded, "staff table was empty: ADMIN_IDS made admins");
        }
        tracing::info!(
            database = %config.database.url,
            zone = %config.ticket_timezone,
            support_chat = bot.support_chat_id,
            "ticketbot started"
        );
        Ok(Self { config, bot, tickets, metrics: Arc::default(), clock, http })
    }

    pub fn db(&self) -> &Db {
        self.tickets.db()
    }

    /// Where the HTTP server listens (`HTTP_ADDR`, its port chosen by the
    /// system when 0).
    pub fn http_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.http.local_addr()
    }

    /// Runs the bot until `shutdown` resolves: `shutdown_signal()` in the
    /// binary, a channel in tests.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> Result<(), StartError> {
        let mailroom = Mailroom::new(self.db().clone(), self.clock.clone());
        let stored = Arc::new(tokio::sync::Notify::new());
        let webhook = self.bot.webhook.as_ref().map(|w| crate::http::webhook::Intake {
            path: w.url.path().to_string(),
            secret: w.secret.clone(),
            stored: stored.clone(),
        });
        let state = crate::http::HttpState {
            db: self.db().clone(),
            mailroom: mailroom.clone(),
            metrics: self.metrics.clone(),
            webhook,
        };
        let (stop_http, http_stopped) = tokio::sync::oneshot::channel::<()>();
        let http = tokio::spawn(crate::http::serve(self.http, state, async {
            let _ = http_stopped.await;
        }));
        let roles = crate::bot::Roles::new(&self.config.database)?;
        crate::bot::run(&self.bot, self.tickets, mailroom, self.metrics, stored, roles, shutdown).await;
        let _ = stop_http.send(());
        let _ = http.await;
        tracing::info!("shutting down");
        Ok(())
    }
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
