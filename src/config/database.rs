//! The database settings: `DATABASE_URL` and the pool, start-up and TLS
//! variables around it.

use std::path::PathBuf;
use std::time::Duration;

use super::{ConfigError, DatabaseUrl, PgTls, load_roots, parse_bool, parse_or};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/ticketbot.db";
/// Enough for the bot's handful of concurrent tasks, and far below the 100
/// connections a small hosted PostgreSQL allows (replicas share them).
pub const DEFAULT_POOL_SIZE: usize = 10;
/// Long enough to ride out a burst, short enough that a stuck database shows
/// up as errors instead of a silent hang.
pub const DEFAULT_POOL_TIMEOUT: Duration = Duration::from_secs(10);
/// Below the idle cut-off of common proxies and load balancers (often 1 h),
/// and short enough that connections follow a failover's DNS change.
pub const DEFAULT_MAX_LIFETIME: Duration = Duration::from_secs(30 * 60);
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    pub url: DatabaseUrl,
    pub pool_size: usize,
    /// How long a request waits for a connection (pooled or newly opened).
    pub pool_timeout: Duration,
    /// PostgreSQL connections older than this are replaced; `None` = never.
    pub max_lifetime: Option<Duration>,
    pub connect_timeout: Duration,
    pub auto_migrate: bool,
    /// PostgreSQL only; SQLite ignores it.
    pub tls: PgTls,
    /// SQLite only: how hard a commit waits for the disk.
    pub sqlite_sync: SqliteSync,
}

/// `SQLITE_SYNCHRONOUS`: what a SQLite commit waits for. The inbox tells
/// Telegram an update arrived once it is committed, so the default keeps
/// commits through a power loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SqliteSync {
    /// Every commit reaches the disk before it returns (`synchronous = FULL`).
    #[default]
    Full,
    /// Commits survive a crash of the process but the last ones may be lost
    /// on power loss (`synchronous = NORMAL`); faster on a slow disk.
    Normal,
}

impl SqliteSync {
    fn parse(raw: &str) -> Result<Self, ConfigError> {
        match raw.to_ascii_lowercase().as_str() {
            "full" => Ok(Self::Full),
            "normal" => Ok(Self::Normal),
            other => Err(ConfigError::Invalid {
                var: "SQLITE_SYNCHRONOUS",
                reason: format!(
                    "{other:?} is neither `full` (the default: nothing committed is lost on power loss) nor `normal`"
                ),
            }),
        }
    }
}

impl DatabaseConfig {
    /// The defaults for `url`, as if no other variable were set (tools,
    /// tests and benches adjust the fields they care about).
    pub fn new(url: DatabaseUrl) -> Self {
        let tls = match &url {
            DatabaseUrl::Postgres { sslmode: Some(mode), .. } => PgTls { mode: *mode, root_cert: None },
            _ => PgTls::default(),
        };
        Self {
            url,
            pool_size: DEFAULT_POOL_SIZE,
            pool_timeout: DEFAULT_POOL_TIMEOUT,
            max_lifetime: Some(DEFAULT_MAX_LIFETIME),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            auto_migrate: true,
            tls,
            sqlite_sync: SqliteSync::default(),
        }
    }
}

impl DatabaseConfig {
    /// Reads the database variables (`get` gives trimmed, non-empty values).
    pub(super) fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let raw_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string());
        let url = DatabaseUrl::parse(&raw_url)
            .map_err(|e| ConfigError::Invalid { var: "DATABASE_URL", reason: e.to_string() })?;

        let pool_size = parse_or("DATABASE_POOL_SIZE", get("DATABASE_POOL_SIZE"), DEFAULT_POOL_SIZE)?;
        if pool_size == 0 || pool_size > 1000 {
            return Err(ConfigError::Invalid {
                var: "DATABASE_POOL_SIZE",
                reason: format!("{pool_size} is outside 1..=1000"),
            });
        }
        let pool_timeout =
            parse_or("DATABASE_POOL_TIMEOUT", get("DATABASE_POOL_TIMEOUT"), DEFAULT_POOL_TIMEOUT.as_secs())?;
        if pool_timeout == 0 || pool_timeout > 3600 {
            return Err(ConfigError::Invalid {
                var: "DATABASE_POOL_TIMEOUT",
                reason: format!("{pool_timeout} is outside 1..=3600 seconds"),
            });
        }
        let max_lifetime =
            parse_or("DATABASE_MAX_LIFETIME", get("DATABASE_MAX_LIFETIME"), DEFAULT_MAX_LIFETIME.as_secs())?;
        let connect_secs =
            parse_or("DATABASE_CONNECT_TIMEOUT", get("DATABASE_CONNECT_TIMEOUT"), DEFAULT_CONNECT_TIMEOUT.as_secs())?;
        let sqlite_sync = get("SQLITE_SYNCHRONOUS").map(|raw| SqliteSync::parse(&raw)).transpose()?.unwrap_or_default();
        let auto_migrate = parse_bool("AUTO_MIGRATE", get("AUTO_MIGRATE"), true)?;
        let allow_self_signed = parse_bool("PG_SSL_ALLOW_SELF_SIGNED", get("PG_SSL_ALLOW_SELF_SIGNED"), false)?;
        let tls = match &url {
            DatabaseUrl::Postgres { sslmode, .. } => {
                let tls = PgTls::resolve(*sslmode, get("PG_SSL_ROOT_CERT").map(PathBuf::from), allow_self_signed)?;
                // Read the CA file now: a wrong path is a configuration
                // error (exit 2), not a connection failure later.
                if let Some(path) = &tls.root_cert {
                    load_roots(path).map_err(|reason| ConfigError::Invalid { var: "PG_SSL_ROOT_CERT", reason })?;
                }
                tls
            }
            // The PG_SSL_* variables mean nothing to a SQLite file.
            DatabaseUrl::Sqlite { .. } => PgTls::default(),
        };
        Ok(Self {
            url,
            pool_size,
            pool_timeout: Duration::from_secs(pool_timeout),
            max_lifetime: Some(Duration::from_secs(max_lifetime)).filter(|d| !d.is_zero()),
            connect_timeout: Duration::from_secs(connect_secs),
            auto_migrate,
            tls,
            sqlite_sync,
        })
    }
}
