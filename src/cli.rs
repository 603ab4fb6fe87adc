//! Command line: `run` (default), `migrate status|up|down`, `doctor`,
//! `check`, `healthcheck`, `export`, `forget`, `api-token`, `web-login`,
//! `web-sessions`.

mod api_token;
pub mod healthcheck;
mod web_access;

use clap::{Parser, Subcommand};

use crate::app::{App, StartError};
use crate::config::{Config, DatabaseConfig};
use crate::db::{Db, migrate};
use crate::desk::export::{ExportQuery, export};
use crate::render::export::Format;
use crate::storage::doctor;
use crate::storage::export::Days;

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
    /// indexes, the search index, consistent ticket counters, nothing that
    /// is not ticketbot's. Exits 1 if anything is wrong. Read-only unless
    /// --repair.
    Doctor {
        /// Make the repairs that lose nothing: apply pending migrations,
        /// recreate missing indexes (and the search index), raise low
        /// ticket counters. One line each; then check again.
        #[arg(long)]
        repair: bool,
        /// With --repair: also drop tables and columns that are not
        /// ticketbot's. Back the database up first.
        #[arg(long, requires = "repair")]
        destructive: bool,
    },
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
    /// Write every ticket (or, with --messages, every message) of the
    /// database, or of some days, as CSV or JSON Lines. Streamed: memory
    /// stays flat however large the database.
    Export {
        /// csv (RFC 4180, UTF-8 with a byte-order mark, a header row) or
        /// jsonl (one JSON object a line).
        #[arg(long, default_value = "csv")]
        format: String,
        /// The first day (YYYY-MM-DD, the tickets' day) to export.
        #[arg(long)]
        since: Option<chrono::NaiveDate>,
        /// The last day (YYYY-MM-DD) to export.
        #[arg(long)]
        until: Option<chrono::NaiveDate>,
        /// One row per message instead of one per ticket.
        #[arg(long)]
        messages: bool,
        /// The file to write; standard output when not given.
        #[arg(long)]
        output: Option<std::path::PathBuf>,
        /// Everything stored about this one user (a Telegram user id), as
        /// one JSON document, for a request to see their data.
        #[arg(long, conflicts_with_all = ["since", "until", "messages"])]
        user: Option<i64>,
    },
    /// Erase everything that identifies a user: their name and username,
    /// every text of their tickets (either direction, notes too), rating
    /// comments, raw updates, outbox rows. Their tickets keep number, day,
    /// times and rating.
    Forget {
        /// Their Telegram user id.
        #[arg(long)]
        user: i64,
    },
    /// The REST API's bearer tokens (`WEB_CONSOLE=on` serves the API).
    ApiToken {
        #[command(subcommand)]
        action: api_token::ApiTokenAction,
    },
    /// Print a link that logs a staff member in to the web console once,
    /// within 10 minutes (no Telegram Login Widget needed).
    WebLogin {
        /// Their Telegram user id.
        #[arg(long)]
        user: i64,
    },
    /// List who is logged in to the web console, or end sessions.
    WebSessions {
        /// End every session of this Telegram user id.
        #[arg(long, conflicts_with = "end_all")]
        end_user: Option<i64>,
        /// End every session.
        #[arg(long)]
        end_all: bool,
    },
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
        Command::Doctor { repair: false, .. } => u8::from(!print_doctor(&config).await),
        Command::Doctor { repair: true, destructive } => {
            if destructive {
                println!("--destructive: what is dropped is gone; back the database up first (README, \"Backup\")");
            }
            match crate::storage::repair::repair(&config.database, destructive).await {
                Err(e) => {
                    println!("FAIL {e}");
                    1
                }
                Ok(said) => {
                    if said.is_empty() {
                        println!("nothing to repair");
                    }
                    for line in &said {
                        println!("repair: {line}");
                    }
                    u8::from(!print_doctor(&config).await)
                }
            }
        }
        Command::Check => check_command(config).await,
        Command::Healthcheck => healthcheck::report(config.http_addr).await,
        Command::Export { user: Some(user), output, .. } => {
            match access_command(&config, user, output.as_deref()).await {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("ticketbot: {e}");
                    1
                }
            }
        }
        Command::ApiToken { action } => reported(api_token::execute(action, &config).await),
        Command::WebLogin { user } => reported(web_access::login_link(&config, user).await),
        Command::WebSessions { end_user, end_all } => reported(web_access::sessions(&config, end_user, end_all).await),
        Command::Forget { user } => match forget_command(&config, user).await {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("ticketbot: {e}");
                1
            }
        },
        Command::Export { format, since, until, messages, output, user: None } => {
            let Some(format) = Format::parse(&format) else {
                eprintln!("ticketbot: --format {format:?}: use csv or jsonl");
                return 2;
            };
            let query = ExportQuery { days: Days { since, until }, messages, format };
            match export_command(&config, query, output.as_deref()).await {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("ticketbot: {e}");
                    1
                }
            }
        }
    }
}

/// A command's outcome as its exit code, the error on standard error.
fn reported(outcome: Result<(), String>) -> u8 {
    match outcome {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("ticketbot: {e}");
            1
        }
    }
}

/// The database, migrated, behind a one-connection pool.
async fn migrated_db(config: &Config) -> Result<Db, String> {
    let status = migrate::status(&config.database).await.map_err(|e| e.to_string())?;
    if !status.pending.is_empty() {
        return Err(format!("{} migration(s) pending: run `ticketbot migrate up` first", status.pending.len()));
    }
    Db::pool_only(&DatabaseConfig { pool_size: 1, ..config.database.clone() }).await.map_err(|e| e.to_string())
}

/// A file only its owner may read: what people wrote, and their names.
fn private_file(path: &std::path::Path) -> Result<std::fs::File, String> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map_err(|e| format!("--output {}: {e}", path.display()))
}

/// `ticketbot export --user ID`: everything stored about them, as JSON.
async fn access_command(config: &Config, user: i64, output: Option<&std::path::Path>) -> Result<(), String> {
    let db = migrated_db(config).await?;
    let mut conn = db.conn().await.map_err(|e| e.to_string())?;
    let data = crate::storage::erasure::access(&mut conn, user).await.map_err(|e| e.to_string())?;
    let Some(data) = data else { return Err(format!("--user {user}: nothing is stored about this user")) };
    let json = serde_json::to_string_pretty(&data).map_err(|e| e.to_string())?;
    match output {
        Some(path) => {
            std::io::Write::write_all(&mut private_file(path)?, json.as_bytes()).map_err(|e| e.to_string())?
        }
        None => println!("{json}"),
    }
    eprintln!("exported what is stored about user {user}: {} ticket(s)", data.tickets.len());
    Ok(())
}

/// `ticketbot forget --user ID`: the erasure, then what it removed.
async fn forget_command(config: &Config, user: i64) -> Result<(), String> {
    let db = migrated_db(config).await?;
    let now = chrono::Utc::now().naive_utc();
    let erased = db
        .transaction(async |tx| Ok::<_, crate::db::DbError>(crate::storage::erasure::erase_user(tx, user, now).await?))
        .await
        .map_err(|e| e.to_string())?;
    let Some(erased) = erased else { return Err(format!("--user {user}: there is no such user")) };
    crate::storage::retention::after_erasure(&mut db.writer().await.map_err(|e| e.to_string())?)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "erased user {user}: their name and username, {} message text(s), {} rating comment(s), {} raw update(s), \
         {} outbox row(s); their {} ticket(s) keep number, day, times and rating",
        erased.texts,
        erased.comments,
        erased.updates,
        erased.outbox,
        erased.tickets.len()
    );
    let topics = erased.tickets.iter().filter(|t| t.support_thread_id.is_some()).count();
    if topics > 0 {
        println!("their {topics} forum topic(s) stay in the support chat: delete them there if asked to");
    }
    Ok(())
}

/// `ticketbot export`: to the file, or to standard output; a summary line
/// on standard error.
async fn export_command(config: &Config, query: ExportQuery, output: Option<&std::path::Path>) -> Result<(), String> {
    let status = migrate::status(&config.database).await.map_err(|e| e.to_string())?;
    if !status.pending.is_empty() {
        return Err(format!("{} migration(s) pending: run `ticketbot migrate up` first", status.pending.len()));
    }
    let db =
        Db::pool_only(&DatabaseConfig { pool_size: 1, ..config.database.clone() }).await.map_err(|e| e.to_string())?;
    let mut conn = db.conn().await.map_err(|e| e.to_string())?;
    let started = std::time::Instant::now();
    let what = if query.messages { "messages" } else { "tickets" };
    let rows = match output {
        Some(path) => {
            let file = private_file(path)?;
            export(&mut conn, query, std::io::BufWriter::new(file)).await.map_err(|e| e.to_string())?.1
        }
        None => {
            export(&mut conn, query, std::io::BufWriter::new(std::io::stdout().lock()))
                .await
                .map_err(|e| e.to_string())?
                .1
        }
    };
    let took = started.elapsed().as_secs_f64();
    let to = output.map(|p| p.display().to_string()).unwrap_or_else(|| "standard output".into());
    eprintln!("exported {rows} {what} to {to} in {took:.1} s");
    Ok(())
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
            for line in &report.notes {
                println!("note {line}");
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
