//! Opening one PostgreSQL connection with the configured TLS, for the
//! migration connection and every pooled one alike, and saying plainly why
//! it failed.

use std::fmt;
use std::sync::Arc;

use diesel_async::{AsyncPgConnection, SimpleAsyncConnection};
use rustls::CertificateError;
use tokio_postgres::NoTls;
use tokio_postgres::config::SslMode as WireMode;

use super::tls::{self, RustlsConnect};
use super::{DbError, scrub};
use crate::config::{DatabaseConfig, DatabaseUrl};
use crate::config::{PgTls, SslMode, sslmode};

/// Every connection's session settings, set once it is open. A statement
/// rather than the start-up packet's `options`, which PgBouncer refuses.
/// (A pooler in transaction mode would not keep it, but ticketbot's
/// prepared statements already need session mode.)
///
/// `enable_seqscan=off`: every statement the bot runs finds its rows by a
/// key or an index, and each connection keeps its prepared statements, and
/// after a few runs their generic plans, for its whole life. PostgreSQL
/// plans for the table sizes it knows: without statistics (autovacuum off,
/// or not yet run) a plan made while a table was nearly empty reads it
/// whole, and keeps doing so at 100,000 rows. With sequential scans
/// priced out, a plan uses the index whatever size the table had when it
/// was made. A table with no usable index is still read whole.
const SESSION_SETTINGS: &str = "SET enable_seqscan = off";

/// Everything needed to open a connection, prepared once: the driver's
/// configuration (URL parsed, `sslmode` replaced) and the rustls settings
/// (roots read).
pub struct PgConnector {
    url: DatabaseUrl,
    tls: PgTls,
    driver: tokio_postgres::Config,
    rustls: Option<RustlsConnect>,
}

/// A failed attempt. `message` has been scrubbed of the password;
/// `permanent` says retrying cannot help (a certificate will not become
/// trusted by waiting).
#[derive(Debug, Clone)]
pub struct ConnectError {
    pub message: String,
    pub permanent: bool,
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl PgConnector {
    /// `purpose` ("migrations", "pool") only labels the start-up log line,
    /// which states the TLS mode in effect and never the URL.
    pub fn new(config: &DatabaseConfig, purpose: &'static str) -> Result<Arc<Self>, DbError> {
        let url = config.url.clone();
        let open_error = |reason: String| DbError::Open { target: url.to_string(), reason: scrub(reason, &url) };
        let DatabaseUrl::Postgres { url: raw, .. } = &config.url else {
            return Err(open_error("not a postgres URL".into()));
        };
        let mut driver: tokio_postgres::Config = sslmode::strip_from_url(raw.expose())
            .parse()
            .map_err(|e: tokio_postgres::Error| open_error(e.to_string()))?;
        // tokio-postgres negotiates; verification is rustls' job (tls.rs).
        driver.ssl_mode(match config.tls.mode {
            SslMode::Disable => WireMode::Disable,
            SslMode::Prefer => WireMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => WireMode::Require,
        });
        let rustls = tls::client_config(&config.tls).map_err(open_error)?.map(RustlsConnect);
        tracing::info!(
            purpose,
            sslmode = %config.tls.mode,
            root_cert = %config.tls.roots_description(),
            "PostgreSQL TLS"
        );
        Ok(Arc::new(Self { url, tls: config.tls.clone(), driver, rustls }))
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    pub async fn connect(&self) -> Result<AsyncPgConnection, ConnectError> {
        let established = match &self.rustls {
            Some(rustls) => match self.driver.connect(rustls.clone()).await {
                Ok((client, connection)) => AsyncPgConnection::try_from_client_and_connection(client, connection).await,
                Err(e) => return Err(self.explain(&e)),
            },
            None => match self.driver.connect(NoTls).await {
                Ok((client, connection)) => AsyncPgConnection::try_from_client_and_connection(client, connection).await,
                Err(e) => return Err(self.explain(&e)),
            },
        };
        let failed =
            |e: &dyn std::fmt::Display| ConnectError { message: scrub(e.to_string(), &self.url), permanent: false };
        let mut conn = established.map_err(|e| failed(&e))?;
        conn.batch_execute(SESSION_SETTINGS).await.map_err(|e| failed(&e))?;
        Ok(conn)
    }

    /// Turns the driver's error into one an operator can act on.
    fn explain(&self, error: &tokio_postgres::Error) -> ConnectError {
        let driver_text = scrub(chain_text(error), &self.url);
        let mode = self.tls.mode;
        if let Some(rustls::Error::InvalidCertificate(problem)) = tls::rustls_cause(error) {
            let host = match &self.url {
                DatabaseUrl::Postgres { host, .. } => host.as_str(),
                DatabaseUrl::Sqlite { .. } => "",
            };
            let roots = match &self.tls.root_cert {
                Some(path) => format!("PG_SSL_ROOT_CERT={}", path.display()),
                None => "the built-in public roots; set PG_SSL_ROOT_CERT to your provider's CA file".into(),
            };
            let message = match problem {
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => format!(
                    "TLS: host name mismatch: the server certificate is not valid for {host:?} (sslmode={mode}); \
                     connect by a name the certificate lists, or use sslmode=verify-ca"
                ),
                CertificateError::UnknownIssuer | CertificateError::BadSignature => {
                    format!("TLS: server certificate not trusted (sslmode={mode}, trusting {roots})")
                }
                other => format!("TLS: server certificate rejected ({other:?}; sslmode={mode}, trusting {roots})"),
            };
            return ConnectError { message, permanent: true };
        }
        if driver_text.contains("server does not support TLS") {
            return ConnectError {
                message: format!(
                    "TLS: the server does not accept TLS connections, and sslmode={mode} requires TLS ({driver_text})"
                ),
                permanent: true,
            };
        }
        if mode == SslMode::Disable && driver_text.contains("no encryption") {
            return ConnectError {
                message: format!(
                    "{driver_text} — the server accepts only TLS connections: remove sslmode=disable \
                     (or use sslmode=require or verify-full)"
                ),
                permanent: true,
            };
        }
        ConnectError { message: driver_text, permanent: false }
    }
}

/// tokio-postgres' `Display` names only the kind of error ("db error"); the
/// server's own words are in the `source()` chain.
fn chain_text(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let part = inner.to_string();
        if !text.ends_with(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        cause = inner.source();
    }
    text
}
