//! Configuration, read once at start-up from the environment (and `.env`).
//!
//! Variables:
//! - `TELOXIDE_TOKEN`      bot token from @BotFather; required by `run`.
//! - `TELOXIDE_API_URL`    Bot API base URL (default: Telegram's).
//! - `SUPPORT_CHAT_ID`     the staff group's chat id; required by `run`.
//! - `DATABASE_URL`        `sqlite://PATH` or `postgres://…` (default `sqlite://data/ticketbot.db`).
//! - `DATABASE_POOL_SIZE`  connections in the pool (default 10).
//! - `DATABASE_POOL_TIMEOUT` seconds a request waits for a pooled connection, or for a new one to open (default 10).
//! - `DATABASE_MAX_LIFETIME` seconds after which a PostgreSQL connection is replaced (default 1800; 0 = never).
//! - `DATABASE_CONNECT_TIMEOUT` seconds to keep retrying an unreachable database at start-up (default 30).
//! - `PG_SSL_ROOT_CERT`    PEM file of the CA(s) that `sslmode=verify-ca|verify-full` trusts (default: public roots).
//! - `PG_SSL_ALLOW_SELF_SIGNED` `true` = `sslmode=require`: encrypted, certificate not checked (default `false`).
//! - `SQLITE_SYNCHRONOUS`  `full` (default: a commit is on disk before it returns) or `normal` (faster; may lose the last commits on power loss).
//! - `AUTO_MIGRATE`        run pending migrations before starting (default `true`).
//! - `LOG_FORMAT`          `human` (default) or `json`; read first, by `LogFormat` (log_format.rs).
//! - `TICKET_TIMEZONE`     IANA zone whose calendar day numbers tickets (default `UTC`).
//! - `HTTP_ADDR`           address of the HTTP server (default `127.0.0.1:8080`).
//! - `METRICS_ADDR`        a second address for `/metrics` and `/ready` (default: served on `HTTP_ADDR`).
//! - `USER_MESSAGES_PER_MINUTE` messages one user may send staff a minute before the rest are kept unposted (default 30; 0 = no limit).
//! - `USER_TICKETS_PER_HOUR` tickets one user may open an hour (default 5; 0 = no limit).
//! - `FIRST_RESPONSE_SLA`  how long a ticket may wait for staff before one reminder (`30s`, `15m`, `4h`; unset = off).
//! - `AUTO_CLOSE_AFTER`    close a ticket staff answered last after this long without the user's answer (unset = off).
//! - `WORKING_HOURS`       when staff work, e.g. `Mon-Fri 09:00-18:00; Sat 10:00-14:00` (unset = always).
//! - `CSAT`                `on` (default): a closed ticket's user is asked to rate it; `off`.
//! - `ADMIN_IDS`           comma-separated Telegram user ids made admins while the staff table is empty.
//! - `WEBHOOK_URL`         public https URL Telegram posts updates to; polling when unset.
//! - `WEBHOOK_SECRET`      the webhook's secret token (default: derived from the bot token).
//! - `DELIVERY_PACING`     `telegram` (default) keeps to Telegram's flood limits; `off` only for benchmarks.
//! - `WEB_CONSOLE`         `on` serves the web console and REST API on `HTTP_ADDR` (default `off`).
//! - `WEB_PUBLIC_URL`      where people reach the console (default `http://HTTP_ADDR`; `https://` makes cookies `Secure`).

use std::net::SocketAddr;

use crate::secret::Secret;

mod database;
mod database_url;
mod desk;
mod log_format;
mod retention;
pub mod sslmode;
mod telegram;
mod web;

pub use database::{DEFAULT_DATABASE_URL, DatabaseConfig, SqliteSync};
pub use database_url::{Backend, DatabaseUrl};
pub use desk::DeskRules;
pub use log_format::LogFormat;
pub use retention::Retention;
pub use sslmode::{PgTls, SslMode, load_roots};
pub use telegram::{BotConfig, OPERATOR_PATHS, WebhookConfig, derive_webhook_secret};
pub use web::WebConfig;

/// Every variable this module reads.
const KNOWN_VARS: &[&str] = &[
    "TELOXIDE_TOKEN",
    "TELOXIDE_API_URL",
    "SUPPORT_CHAT_ID",
    "DATABASE_URL",
    "DATABASE_POOL_SIZE",
    "DATABASE_POOL_TIMEOUT",
    "DATABASE_MAX_LIFETIME",
    "DATABASE_CONNECT_TIMEOUT",
    "PG_SSL_ROOT_CERT",
    "PG_SSL_ALLOW_SELF_SIGNED",
    "SQLITE_SYNCHRONOUS",
    "AUTO_MIGRATE",
    "LOG_FORMAT",
    "TICKET_TIMEZONE",
    "HTTP_ADDR",
    "METRICS_ADDR",
    "ADMIN_IDS",
    "USER_MESSAGES_PER_MINUTE",
    "USER_TICKETS_PER_HOUR",
    "FIRST_RESPONSE_SLA",
    "AUTO_CLOSE_AFTER",
    "WORKING_HOURS",
    "CSAT",
    "TEXTS_DIR",
    "STAFF_LANGUAGE",
    "INBOX_RETENTION",
    "MESSAGE_RETENTION",
    "WEBHOOK_URL",
    "WEBHOOK_SECRET",
    "DELIVERY_PACING",
    "WEB_CONSOLE",
    "WEB_PUBLIC_URL",
];

/// A configuration problem: one line naming the variable, never its value
/// when the value may be secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{var} is not set: {hint}")]
    Missing { var: &'static str, hint: &'static str },
    #[error("{var} is invalid: {reason}")]
    Invalid { var: &'static str, reason: String },
}

#[derive(Debug, Clone)]
pub struct Config {
    pub database: DatabaseConfig,
    pub http_addr: SocketAddr,
    /// Where `/metrics` and `/ready` are served apart from the public
    /// listener; on `http_addr` when `None`.
    pub metrics_addr: Option<SocketAddr>,
    pub admin_ids: Vec<i64>,
    /// The time zone, per-user limits and the response clock.
    pub desk: DeskRules,
    /// `TEXTS_DIR`: the operator's texts, over the embedded ones (read and
    /// checked when the bot starts, `render::Texts::load`).
    pub texts_dir: Option<std::path::PathBuf>,
    /// `STAFF_LANGUAGE`: what the support chat reads, `en` unless set.
    pub staff_language: String,
    /// What is deleted after how long.
    pub retention: Retention,
    /// The web console and REST API.
    pub web: WebConfig,
    token: Option<Secret>,
    api_url: Option<url::Url>,
    support_chat_id: Option<i64>,
    webhook_url: Option<url::Url>,
    webhook_secret: Option<Secret>,
    paced: bool,
}

impl Config {
    /// Loads `.env` from the working folder into the process environment,
    /// without overriding variables already set. `main` calls it before
    /// logging starts, so `RUST_LOG` and `LOG_FORMAT` may live there too.
    pub fn load_dotenv() -> Result<(), ConfigError> {
        // A missing .env is normal; a malformed one is the operator's error.
        match dotenvy::dotenv() {
            Ok(_) => Ok(()),
            Err(e) if e.not_found() => Ok(()),
            // dotenvy's message quotes the whole offending line, which may
            // hold the token or a password: report only where it is.
            Err(dotenvy::Error::LineParse(_, index)) => Err(ConfigError::Invalid {
                var: ".env",
                reason: format!("a line cannot be parsed (at character {index}); quote values with spaces"),
            }),
            Err(e) => Err(ConfigError::Invalid { var: ".env", reason: e.to_string() }),
        }
    }

    /// Reads the process environment, after loading `.env` if there is one.
    pub fn from_process_env() -> Result<Self, ConfigError> {
        Self::load_dotenv()?;
        // A variable that is set but not UTF-8 must not read as unset (a
        // garbled DATABASE_URL would silently fall back to SQLite).
        for (key, value) in std::env::vars_os() {
            if let (Some(key), None) = (key.to_str(), value.to_str()) {
                if let Some(var) = KNOWN_VARS.iter().find(|v| **v == key) {
                    return Err(ConfigError::Invalid { var, reason: "the value is not valid UTF-8".into() });
                }
            }
        }
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Builds the configuration from any variable source, so tests need no
    /// process-global environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |k: &str| get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());

        let database = DatabaseConfig::from_lookup(&get)?;

        let desk = DeskRules::from_lookup(&get)?;
        let http_addr = parse_or("HTTP_ADDR", get("HTTP_ADDR"), SocketAddr::from(([127, 0, 0, 1], 8080)))?;
        let metrics_addr = get("METRICS_ADDR")
            .map(|raw| {
                raw.parse::<SocketAddr>().map_err(|_| ConfigError::Invalid {
                    var: "METRICS_ADDR",
                    reason: format!("{raw:?} is not an address such as 127.0.0.1:9090"),
                })
            })
            .transpose()?;
        if metrics_addr.is_some_and(|m| m == http_addr && m.port() != 0) {
            return Err(ConfigError::Invalid {
                var: "METRICS_ADDR",
                reason: "is HTTP_ADDR; give it another port, or leave it unset to serve /metrics on HTTP_ADDR".into(),
            });
        }
        let admin_ids = match get("ADMIN_IDS") {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    s.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| ConfigError::Invalid {
                        var: "ADMIN_IDS",
                        reason: format!("{s:?} is not a Telegram user id"),
                    })
                })
                .collect::<Result<_, _>>()?,
        };

        let token = get("TELOXIDE_TOKEN").map(Secret::new);
        if let Some(token) = &token {
            telegram::validate_token(token)?;
        }
        let api_url = match get("TELOXIDE_API_URL") {
            None => None,
            Some(raw) => {
                Some(url::Url::parse(&raw).ok().filter(|u| matches!(u.scheme(), "http" | "https")).ok_or_else(
                    || ConfigError::Invalid {
                        var: "TELOXIDE_API_URL",
                        reason: "expected an http(s) URL such as https://api.telegram.org".into(),
                    },
                )?)
            }
        };
        let support_chat_id = match get("SUPPORT_CHAT_ID") {
            None => None,
            Some(raw) => Some(raw.parse::<i64>().ok().filter(|id| *id != 0).ok_or_else(|| ConfigError::Invalid {
                var: "SUPPORT_CHAT_ID",
                reason: format!("{raw:?} is not a chat id (a group's id looks like -1001234567890)"),
            })?),
        };

        let webhook_url = match get("WEBHOOK_URL") {
            None => None,
            Some(raw) => Some(
                url::Url::parse(&raw)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
                    .ok_or_else(|| ConfigError::Invalid {
                        var: "WEBHOOK_URL",
                        reason: "expected the public URL Telegram posts to, such as https://bot.example.com/telegram"
                            .into(),
                    })?,
            ),
        };
        if let Some(url) = &webhook_url {
            telegram::validate_webhook_path(url.path())?;
        }
        let webhook_secret = get("WEBHOOK_SECRET").map(Secret::new);
        if let Some(secret) = &webhook_secret {
            // Telegram's rule for secret_token.
            let s = secret.expose();
            if s.len() > 256 || !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
                return Err(ConfigError::Invalid {
                    var: "WEBHOOK_SECRET",
                    reason: "use 1 to 256 characters of A-Z, a-z, 0-9, _ and -".into(),
                });
            }
        }

        let texts_dir = get("TEXTS_DIR").map(std::path::PathBuf::from);
        let staff_language = get("STAFF_LANGUAGE").unwrap_or_else(|| "en".into());
        let retention = Retention::from_lookup(&get)?;
        let web = WebConfig::from_lookup(&get, http_addr)?;

        let paced = match get("DELIVERY_PACING").as_deref() {
            None | Some("telegram") => true,
            Some("off") => false,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    var: "DELIVERY_PACING",
                    reason: format!("{other:?} is neither telegram nor off"),
                });
            }
        };

        Ok(Self {
            database,
            desk,
            texts_dir,
            staff_language,
            retention,
            web,
            http_addr,
            metrics_addr,
            admin_ids,
            token,
            api_url,
            support_chat_id,
            webhook_url,
            webhook_secret,
            paced,
        })
    }

    /// The Telegram settings `run` cannot start without.
    pub fn bot(&self) -> Result<BotConfig, ConfigError> {
        let token = self
            .token
            .clone()
            .ok_or(ConfigError::Missing { var: "TELOXIDE_TOKEN", hint: "set it to the token @BotFather gave you" })?;
        let support_chat_id = self.support_chat_id.ok_or(ConfigError::Missing {
            var: "SUPPORT_CHAT_ID",
            hint: "set it to the id of the staff group (see README: finding SUPPORT_CHAT_ID)",
        })?;
        let webhook = self.webhook_url.clone().map(|url| WebhookConfig {
            url,
            secret: self.webhook_secret.clone().unwrap_or_else(|| derive_webhook_secret(&token)),
        });
        Ok(BotConfig { token, api_url: self.api_url.clone(), support_chat_id, webhook, paced: self.paced })
    }
}

pub(super) fn parse_or<T: std::str::FromStr>(
    var: &'static str,
    raw: Option<String>,
    default: T,
) -> Result<T, ConfigError> {
    match raw {
        None => Ok(default),
        Some(raw) => {
            raw.parse().map_err(|_| ConfigError::Invalid { var, reason: format!("{raw:?} is not a valid value") })
        }
    }
}

pub(super) fn parse_bool(var: &'static str, raw: Option<String>, default: bool) -> Result<bool, ConfigError> {
    match raw.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None => Ok(default),
        Some("1" | "true" | "yes" | "on") => Ok(true),
        Some("0" | "false" | "no" | "off") => Ok(false),
        Some(other) => Err(ConfigError::Invalid { var, reason: format!("{other:?} is not true or false") }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::time::Duration;

    const TOKEN: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";

    fn load(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    fn var_of(err: ConfigError) -> &'static str {
        match err {
            ConfigError::Missing { var, .. } | ConfigError::Invalid { var, .. } => var,
        }
    }

    #[test]
    fn defaults() {
        let c = load(&[]).unwrap();
        assert_eq!(c.database.url, DatabaseUrl::parse(DEFAULT_DATABASE_URL).unwrap());
        assert_eq!(c.database.pool_size, 10);
        assert_eq!(c.database.pool_timeout, Duration::from_secs(10));
        assert_eq!(c.database.max_lifetime, Some(Duration::from_secs(1800)));
        assert_eq!(c.database.connect_timeout, Duration::from_secs(30));
        assert!(c.database.auto_migrate);
        assert_eq!(c.database.sqlite_sync, SqliteSync::Full, "nothing committed is lost on power loss");
        assert_eq!(c.desk.zone, chrono_tz::Tz::UTC);
        assert_eq!(c.http_addr.to_string(), "127.0.0.1:8080");
        assert!(c.admin_ids.is_empty());
    }

    #[test]
    fn metrics_addr_is_an_address_apart_from_http_addr() {
        assert_eq!(load(&[]).unwrap().metrics_addr, None);
        let c = load(&[("METRICS_ADDR", "127.0.0.1:9090")]).unwrap();
        assert_eq!(c.metrics_addr, Some(SocketAddr::from(([127, 0, 0, 1], 9090))));
        assert_eq!(var_of(load(&[("METRICS_ADDR", "localhost")]).unwrap_err()), "METRICS_ADDR");
        let same = [("HTTP_ADDR", "0.0.0.0:8080"), ("METRICS_ADDR", "0.0.0.0:8080")];
        assert_eq!(var_of(load(&same).unwrap_err()), "METRICS_ADDR");
    }

    #[test]
    fn sqlite_synchronous_is_full_or_normal() {
        assert_eq!(load(&[("SQLITE_SYNCHRONOUS", "NORMAL")]).unwrap().database.sqlite_sync, SqliteSync::Normal);
        assert_eq!(load(&[("SQLITE_SYNCHRONOUS", "full")]).unwrap().database.sqlite_sync, SqliteSync::Full);
        assert_eq!(var_of(load(&[("SQLITE_SYNCHRONOUS", "off")]).unwrap_err()), "SQLITE_SYNCHRONOUS");
    }

    #[test]
    fn run_needs_token_then_chat() {
        assert_eq!(var_of(load(&[]).unwrap().bot().unwrap_err()), "TELOXIDE_TOKEN");
        let c = load(&[("TELOXIDE_TOKEN", TOKEN)]).unwrap();
        assert_eq!(var_of(c.bot().unwrap_err()), "SUPPORT_CHAT_ID");
        let c = load(&[("TELOXIDE_TOKEN", TOKEN), ("SUPPORT_CHAT_ID", "-1001")]).unwrap();
        assert_eq!(c.bot().unwrap().support_chat_id, -1001);
        assert!(c.bot().unwrap().webhook.is_none(), "polling by default");
    }

    #[test]
    fn webhook_secret_is_given_or_derived() {
        let base = [("TELOXIDE_TOKEN", TOKEN), ("SUPPORT_CHAT_ID", "-1001"), ("WEBHOOK_URL", "https://b.example/tg")];
        let derived = load(&base).unwrap().bot().unwrap().webhook.unwrap();
        assert_eq!(derived.url.as_str(), "https://b.example/tg");
        assert_eq!(derived.secret.expose().len(), 64);
        let mut vars = base.to_vec();
        vars.push(("WEBHOOK_SECRET", "my_secret-1"));
        assert_eq!(load(&vars).unwrap().bot().unwrap().webhook.unwrap().secret.expose(), "my_secret-1");
    }

    #[test]
    fn each_bad_variable_is_named() {
        let cases = [
            ("DATABASE_URL", "mysql://x/y"),
            ("DATABASE_POOL_SIZE", "0"),
            ("DATABASE_POOL_SIZE", "many"),
            ("DATABASE_CONNECT_TIMEOUT", "-1"),
            ("DATABASE_POOL_TIMEOUT", "0"),
            ("DATABASE_POOL_TIMEOUT", "soon"),
            ("DATABASE_MAX_LIFETIME", "-5"),
            ("PG_SSL_ALLOW_SELF_SIGNED", "sometimes"),
            ("AUTO_MIGRATE", "maybe"),
            ("TICKET_TIMEZONE", "Mars/Olympus"),
            ("HTTP_ADDR", "localhost"),
            ("ADMIN_IDS", "1,two"),
            ("TELOXIDE_TOKEN", "not-a-token"),
            ("TELOXIDE_API_URL", "ftp://x"),
            ("SUPPORT_CHAT_ID", "general"),
            ("WEBHOOK_URL", "bot.example.com/hook"),
            ("WEBHOOK_SECRET", "has spaces"),
            ("DELIVERY_PACING", "fast"),
        ];
        for (var, value) in cases {
            let err = load(&[(var, value)]).unwrap_err();
            assert_eq!(var_of(err.clone()), var, "{var}={value} gave {err}");
            assert!(err.to_string().starts_with(var), "{err}");
        }
    }

    #[test]
    fn token_never_printed() {
        let c = load(&[("TELOXIDE_TOKEN", TOKEN), ("SUPPORT_CHAT_ID", "-1")]).unwrap();
        let shown = format!("{c:?} {:?}", c.bot().unwrap());
        assert!(!shown.contains("AAHdqTcv"), "{shown}");
        let bad = format!("{}", load(&[("TELOXIDE_TOKEN", "123:short-secret")]).unwrap_err());
        assert!(!bad.contains("short-secret"), "{bad}");
    }

    #[test]
    fn pool_settings() {
        let c = load(&[("DATABASE_POOL_TIMEOUT", "3"), ("DATABASE_MAX_LIFETIME", "600")]).unwrap();
        assert_eq!(c.database.pool_timeout, Duration::from_secs(3));
        assert_eq!(c.database.max_lifetime, Some(Duration::from_secs(600)));
        assert_eq!(load(&[("DATABASE_MAX_LIFETIME", "0")]).unwrap().database.max_lifetime, None);
    }

    #[test]
    fn postgres_tls_from_url_and_variables() {
        use crate::config::SslMode;
        let pg = "postgres://bot:hunter2@db.example.com/t";
        let mode = |vars: &[(&str, &str)]| load(vars).map(|c| c.database.tls.mode);
        assert_eq!(mode(&[("DATABASE_URL", pg)]), Ok(SslMode::Prefer));
        let url = format!("{pg}?sslmode=verify-ca");
        assert_eq!(mode(&[("DATABASE_URL", &url)]), Ok(SslMode::VerifyCa));
        assert_eq!(mode(&[("DATABASE_URL", pg), ("PG_SSL_ALLOW_SELF_SIGNED", "true")]), Ok(SslMode::Require));
        assert_eq!(mode(&[("DATABASE_URL", pg), ("PG_SSL_ALLOW_SELF_SIGNED", "false")]), Ok(SslMode::Prefer));
        // SQLite ignores the PostgreSQL settings.
        assert_eq!(mode(&[("PG_SSL_ALLOW_SELF_SIGNED", "true")]), Ok(SslMode::Prefer));
    }

    #[test]
    fn unknown_sslmode_is_a_config_error_naming_it() {
        let err = load(&[("DATABASE_URL", "postgres://bot:hunter2@db/t?sslmode=verify_full")]).unwrap_err();
        assert_eq!(var_of(err.clone()), "DATABASE_URL");
        let shown = err.to_string();
        assert!(shown.contains("\"verify_full\"") && !shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn root_cert_is_read_at_start_up() {
        let pg = "postgres://bot@db.example.com/t?sslmode=verify-full";
        let err = load(&[("DATABASE_URL", pg), ("PG_SSL_ROOT_CERT", "/nonexistent/ca.pem")]).unwrap_err();
        assert_eq!(var_of(err.clone()), "PG_SSL_ROOT_CERT");
        assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");

        let dir = tempfile::tempdir().unwrap();
        let not_pem = dir.path().join("ca.pem");
        std::fs::write(&not_pem, "hello").unwrap();
        let err = load(&[("DATABASE_URL", pg), ("PG_SSL_ROOT_CERT", not_pem.to_str().unwrap())]).unwrap_err();
        assert_eq!(var_of(err), "PG_SSL_ROOT_CERT");

        let err = load(&[
            ("DATABASE_URL", "postgres://bot@db/t?sslmode=require"),
            ("PG_SSL_ROOT_CERT", not_pem.to_str().unwrap()),
        ])
        .unwrap_err();
        assert_eq!(var_of(err), "PG_SSL_ROOT_CERT");
    }

    #[test]
    fn admin_ids_and_zone() {
        let c = load(&[("ADMIN_IDS", " 1, 22 ,333"), ("TICKET_TIMEZONE", "Asia/Tokyo")]).unwrap();
        assert_eq!(c.admin_ids, vec![1, 22, 333]);
        assert_eq!(c.desk.zone, chrono_tz::Asia::Tokyo);
    }
}
