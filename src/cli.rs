//! Command line: `run` (default), `migrate status|up|down`, `doctor`,
//! `check`, `healthcheck`.

pub mod healthcheck;

use clap::{Parser, Subcommand};

use crate::app::{App, StartError};
use crate::config::Config;
use crate::db::migrate;
use crate::storage::doctor;

#[derive(Debug, Parser)]
#[command(name = "ticketbot", version, about = "Telegram support-ticket bot")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the bot (the default).
    Run,
    /// Show, apply or revert database migrations.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Check the database: reachable, migrated, expected tables, columns and
    /// indexes, consistent ticket counters. Exits 1 if anything is wrong.
    Doctor,
    /// Everything `run` needs, without running: the settings, what Telegram
    /// says of the token, the support chat and the bot's rights there, the
    /// texts (`TEXTS_DIR`, `STAFF_LANGUAGE`), and the database checks of
    /// `doctor`. One `ok` or `FAIL` line each; exits
    /// 1 if anything fails.
    Check,
    /// Ask the running bot's HTTP server (`HTTP_ADDR`) for /health: exits 0
    /// on 200, 1 otherwise. The container's HEALTHCHECK; needs no token and
    /// no database.
    Healthcheck,
}

#[derive(Debug, Clone, Copy, Subcommand)]
pub enum MigrateAction {
    /// List applied and pending migrations.
    Status,
    /// Apply every pending migration.
    Up,
    /// Revert the newest applied migration.
    Down,
}

/// Runs a command; the result is the process exit code.
pub async fn execute(command: Command, config: Config) -> u8 {
    match command {
        Command::Run => match run(config).await {
            Ok(()) => 0,
            Err(e) => {
                // Reported once, as the one line an operator reads.
                eprintln!("ticketbot: {e}");
                e.exit_code()
            }
        },
        Command::Migrate { action } => migrate_command(action, config).await,
        Command::Doctor => u8::from(!print_doctor(&config).await),
        Command::Check => check_command(config).await,
        Command::Healthcheck => healthcheck::report(config.http_addr).await,
    }
}

async fn run(config: Config) -> Result<(), StartError> {
    // Listen before starting: SIGTERM during start-up stops gracefully too.
    let stop = crate::app::shutdown_signal();
    App::build(config).await?.run_until(stop).await
}

async fn migrate_command(action: MigrateAction, config: Config) -> u8 {
    let db = &config.database;
    let result = match action {
        MigrateAction::Status => migrate::status(db).await,
        MigrateAction::Up => migrate::run_pending(db).await,
        MigrateAction::Down => migrate::revert_last(db).await,
    };
    let status = match result {
        Ok(status) => status,
        Err(e) => {
            eprintln!("ticketbot: {e}");
            return 1;
        }
    };
    println!("database: {}", db.url);
    match action {
        MigrateAction::Up if status.changed.is_empty() => println!("nothing to apply"),
        MigrateAction::Up => status.changed.iter().for_each(|m| println!("applied {m}")),
        MigrateAction::Down if status.changed.is_empty() => println!("nothing to revert"),
        MigrateAction::Down => status.changed.iter().for_each(|m| println!("reverted {m}")),
        MigrateAction::Status => {}
    }
    for m in &status.applied {
        println!("[x] {m}");
    }
    for m in &status.pending {
        println!("[ ] {m}");
    }
    for v in &status.unknown {
        println!("[?] {v} (not in this binary: applied by a newer ticketbot)");
    }
    println!("{} applied, {} pending", status.applied.len(), status.pending.len());
    0
}

/// `doctor`'s report; whether the database is healthy.
async fn print_doctor(config: &Config) -> bool {
    match doctor::examine(&config.database).await {
        Err(e) => {
            println!("FAIL {e}");
            false
        }
        Ok(report) => {
            println!("database: {}", report.target);
            println!("schema version: {}", report.schema_version.as_deref().unwrap_or("(none)"));
            for line in &report.passed {
                println!("ok   {line}");
            }
            for line in &report.problems {
                println!("FAIL {line}");
            }
            if report.is_healthy() {
                println!("healthy");
            } else {
                println!("{} problem(s)", report.problems.len());
            }
            report.is_healthy()
        }
    }
}

/// How long `check` waits for Telegram to answer each question.
const CHECK_PATIENCE: std::time::Duration = std::time::Duration::from_secs(10);

async fn check_command(config: Config) -> u8 {
    let telegram_ok = match config.bot() {
        Err(e) => {
            println!("FAIL {e}");
            false
        }
        Ok(bot) => {
            let api = crate::telegram::api::BotApi::new(&bot);
            match crate::telegram::startup::check(&api, bot.support_chat_id, CHECK_PATIENCE).await {
                Err(e) => {
                    println!("FAIL {e}");
                    false
                }
                Ok(facts) => {
                    let name = facts.username.as_deref().map(|u| format!(" @{u}")).unwrap_or_default();
                    println!("ok   TELOXIDE_TOKEN: Telegram knows the bot{name}");
                    let forum = if facts.forum { "a forum: one topic per ticket" } else { "no topics" };
                    println!("ok   SUPPORT_CHAT_ID {}: the bot is in the group ({forum})", facts.support_chat);
                    for warning in &facts.warnings {
                        println!("FAIL {warning}");
                    }
                    facts.warnings.is_empty()
                }
            }
        }
    };
    let texts_ok = match crate::render::Texts::load(config.texts_dir.as_deref(), &config.staff_language) {
        Err(e) => {
            println!("FAIL {e}");
            false
        }
        Ok(texts) => {
            let source = config.texts_dir.as_ref().map(|d| format!(", with {}", d.display())).unwrap_or_default();
            println!("ok   texts: the embedded ones{source}; staff read {}", texts.staff().language_code());
            true
        }
    };
    let database_ok = print_doctor(&config).await;
    if telegram_ok && texts_ok && database_ok {
        println!("all checks passed");
        0
    } else {
        1
    }
}
