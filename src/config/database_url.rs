//! `DATABASE_URL`: which backend, where, and how to print it without the password.

use std::fmt;
use std::path::PathBuf;

use super::sslmode::{self, SslMode};
use crate::secret::Secret;

/// A parsed `DATABASE_URL`. `Display` names the place (host, port, database or
/// file) and never the password, so it is safe in logs and error messages.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://relative/path.db` or `sqlite:///absolute/path.db`.
    Sqlite { path: PathBuf },
    /// `postgres://` or `postgresql://`, kept whole (it is handed to the
    /// driver); `sslmode` is the one written in it, if any.
    Postgres { url: Secret, host: String, port: u16, database: String, sslmode: Option<SslMode> },
}

/// Why a `DATABASE_URL` was refused. It never repeats the URL itself, which
/// may hold a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UrlError(String);

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, UrlError> {
        let raw = raw.trim();
        if let Some(rest) = raw.strip_prefix("sqlite:") {
            // `sqlite://a/b.db` is relative, `sqlite:///a/b.db` absolute;
            // `sqlite:a/b.db` is accepted as well.
            let path = rest.strip_prefix("//").unwrap_or(rest);
            if path.is_empty() {
                return Err(UrlError("sqlite URL has no file path (expected sqlite://PATH)".into()));
            }
            if path.contains('?') {
                return Err(UrlError(
                    "sqlite URL options are not supported; ticketbot sets WAL, busy_timeout and foreign_keys itself"
                        .into(),
                ));
            }
            return Ok(Self::Sqlite { path: PathBuf::from(path) });
        }
        let scheme = raw.split("://").next().unwrap_or_default();
        if scheme != "postgres" && scheme != "postgresql" {
            let shown = if raw.contains("://") { scheme } else { "(none)" };
            return Err(UrlError(format!(
                "unsupported scheme {shown:?}: expected sqlite://PATH or postgres://USER@HOST/DB"
            )));
        }
        let parsed = url::Url::parse(raw).map_err(|e| UrlError(format!("not a valid postgres URL ({e})")))?;
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| UrlError("postgres URL has no host".into()))?
            .to_string();
        let database = parsed.path().trim_start_matches('/').to_string();
        if database.is_empty() {
            return Err(UrlError("postgres URL names no database (postgres://USER@HOST/DB)".into()));
        }
        let sslmode = sslmode::from_url_query(parsed.query()).map_err(UrlError)?;
        Ok(Self::Postgres { url: Secret::new(raw), host, port: parsed.port().unwrap_or(5432), database, sslmode })
    }

    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite { .. } => Backend::Sqlite,
            Self::Postgres { .. } => Backend::Postgres,
        }
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite { path } => write!(f, "sqlite file {}", path.display()),
            Self::Postgres { host, port, database, .. } => {
                write!(f, "postgres database {database:?} at {host}:{port}")
            }
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// The two backends, both always compiled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_relative_and_absolute() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/ticketbot.db").unwrap(),
            DatabaseUrl::Sqlite { path: "data/ticketbot.db".into() }
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/t.db").unwrap(),
            DatabaseUrl::Sqlite { path: "/var/lib/t.db".into() }
        );
    }

    #[test]
    fn postgres_display_hides_password() {
        let url = DatabaseUrl::parse("postgres://bot:hunter2@db.example:6543/tickets").unwrap();
        let shown = format!("{url} {url:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("db.example:6543"), "{shown}");
        assert_eq!(url.backend(), Backend::Postgres);
    }

    #[test]
    fn postgres_sslmode_is_read_and_checked() {
        let url = DatabaseUrl::parse("postgres://bot:hunter2@db/t?sslmode=verify-full").unwrap();
        assert!(matches!(url, DatabaseUrl::Postgres { sslmode: Some(SslMode::VerifyFull), .. }));
        let url = DatabaseUrl::parse("postgres://bot:hunter2@db/t").unwrap();
        assert!(matches!(url, DatabaseUrl::Postgres { sslmode: None, .. }));
        let err = DatabaseUrl::parse("postgres://bot:hunter2@db/t?sslmode=verify").unwrap_err().to_string();
        assert!(err.contains("\"verify\"") && !err.contains("hunter2"), "{err}");
    }

    #[test]
    fn refusals_never_echo_the_url() {
        for raw in
            ["mysql://u:hunter2@h/db", "postgres://u:hunter2@/db", "postgres://u:hunter2@h", "hunter2", "sqlite://"]
        {
            let err = DatabaseUrl::parse(raw).unwrap_err().to_string();
            assert!(!err.contains("hunter2"), "{raw} -> {err}");
        }
    }
}
