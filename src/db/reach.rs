//! Reaching PostgreSQL at start-up: a database that is still booting (as in
//! docker-compose) is waited for, with backoff, for a bounded time.

use std::time::{Duration, Instant};

use diesel_async::AsyncPgConnection;

use super::DbError;
use super::connect::PgConnector;

/// Connects, retrying with exponential backoff (0.1 s doubling to 2 s) until
/// `timeout` has passed; then fails naming the host, never the password.
/// Errors that waiting cannot cure (bad password, untrusted certificate…)
/// fail at once.
pub async fn postgres(connector: &PgConnector, timeout: Duration) -> Result<AsyncPgConnection, DbError> {
    let url = connector.url();
    let started = Instant::now();
    let mut delay = Duration::from_millis(100);
    loop {
        // Each attempt is bounded too: a host that drops packets would
        // otherwise hold one attempt for the kernel's SYN timeout (minutes),
        // and a server that accepts but never answers, forever.
        let left = timeout.saturating_sub(started.elapsed()).max(Duration::from_millis(100));
        let attempt = tokio::time::timeout(left, connector.connect()).await;
        match attempt {
            Ok(Ok(conn)) => return Ok(conn),
            Ok(Err(_)) | Err(_) => {
                let (reason, permanent) = match attempt {
                    Ok(Err(e)) => (e.message, e.permanent),
                    _ => (format!("no answer within {} ms", left.as_millis()), false),
                };
                if started.elapsed() + delay > timeout || permanent || is_permanent(&reason) {
                    return Err(DbError::Unreachable {
                        target: url.to_string(),
                        waited_secs: started.elapsed().as_secs(),
                        reason,
                    });
                }
                tracing::warn!(database = %url, %reason, retry_in_ms = delay.as_millis() as u64, "database not reachable yet");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(2));
            }
        }
    }
}

/// Errors that waiting will not cure: report them at once.
fn is_permanent(reason: &str) -> bool {
    ["password authentication failed", "does not exist", "invalid connection string", "no pg_hba.conf entry"]
        .iter()
        .any(|s| reason.contains(s))
}
