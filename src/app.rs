//! The application as `main` and the tests build it: configuration in,
//! a started database and services out.

use std::sync::Arc;

use crate::clock::{Clock, SystemClock};
use crate::config::{BotConfig, Config, ConfigError};
use crate::db::{Db, DbError};
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
    clock: Arc<dyn Clock>,
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
        Ok(Self { config, bot, tickets, clock })
    }

    pub fn db(&self) -> &Db {
        self.tickets.db()
    }

    /// Runs the bot until SIGINT or SIGTERM.
    pub async fn run_until_stopped(self) -> Result<(), StartError> {
        self.run_until(shutdown_signal()).await
    }

    /// Runs the bot until `shutdown` resolves (tests pass their own).
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> Result<(), StartError> {
        let mailroom = Mailroom::new(self.db().clone(), self.clock.clone());
        crate::bot::run(&self.bot, self.tickets, mailroom, shutdown).await;
        tracing::info!("shutting down");
        Ok(())
    }
}

/// Resolves on SIGINT (Ctrl-C) or, on Unix, SIGTERM (docker stop).
pub async fn shutdown_signal() {
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
