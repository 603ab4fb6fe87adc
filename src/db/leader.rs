//! One process at a time for a role, among replicas on one PostgreSQL: a
//! session advisory lock held on a dedicated connection. When the holder
//! stops or dies its connection closes, the lock goes with it, and a
//! standby takes the role within `RETRY`. On SQLite (one process per file)
//! the role is always held.

use std::sync::Arc;
use std::time::Duration;

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Bool};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use tokio::sync::watch;

use super::DbError;
use super::connect::PgConnector;
use crate::config::DatabaseConfig;

/// How often a standby asks for the role, and the holder checks it still
/// has it.
const RETRY: Duration = Duration::from_secs(2);
/// A holder whose connection does not answer within this has lost it.
const CHECK_TIMEOUT: Duration = Duration::from_secs(3);

/// What only one replica may do at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `getUpdates`: Telegram answers 409 to a second poller.
    Polling,
    /// Sending the outbox: one sender keeps the flood limits in one place.
    Delivery,
}

impl Role {
    fn key(self) -> i64 {
        // "ticketbot" lock space, then the role.
        match self {
            Role::Polling => 0x7462_0000_0000_0001,
            Role::Delivery => 0x7462_0000_0000_0002,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Role::Polling => "polling",
            Role::Delivery => "delivery",
        }
    }
}

/// Asks for a role until it gets it.
pub struct Elector {
    role: Role,
    /// `None` on SQLite: no other process can hold the role.
    connector: Option<Arc<PgConnector>>,
}

/// The role, held while this lives.
pub struct Lease {
    conn: Option<AsyncPgConnection>,
}

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = Bool)]
    locked: bool,
}

impl Elector {
    pub fn new(config: &DatabaseConfig, role: Role) -> Result<Self, DbError> {
        let connector = match &config.url {
            crate::config::DatabaseUrl::Postgres { .. } => Some(PgConnector::new(config, "leadership")?),
            crate::config::DatabaseUrl::Sqlite { .. } => None,
        };
        Ok(Self { role, connector })
    }

    /// Waits until this process holds the role; `None` once `stop` is set.
    pub async fn acquire(&self, stop: &mut watch::Receiver<bool>) -> Option<Lease> {
        let Some(connector) = &self.connector else {
            return (!*stop.borrow()).then_some(Lease { conn: None });
        };
        let mut told = false;
        loop {
            if *stop.borrow() {
                return None;
            }
            // Bounded: a server that accepts and never answers must not
            // hold a standby (or shutdown) forever.
            let attempt = tokio::select! {
                attempt = tokio::time::timeout(CHECK_TIMEOUT, self.try_lock(connector)) => attempt,
                _ = stop.changed() => return None,
            };
            let attempt = attempt.unwrap_or_else(|_| Err(format!("no answer within {} s", CHECK_TIMEOUT.as_secs())));
            match attempt {
                Ok(Some(conn)) => {
                    // A holder cut off from the database (not stopped) may
                    // still be at work until its next check fails: give it
                    // that long before doing the same work.
                    if self.role == Role::Delivery && told {
                        tokio::select! {
                            _ = tokio::time::sleep(RETRY + CHECK_TIMEOUT) => {}
                            _ = stop.changed() => return None,
                        }
                    }
                    tracing::info!(role = self.role.name(), "this replica took the role");
                    return Some(Lease { conn: Some(conn) });
                }
                Ok(None) if !told => {
                    tracing::info!(role = self.role.name(), "another replica has the role; standing by");
                    told = true;
                }
                Ok(None) => {}
                Err(reason) => tracing::warn!(role = self.role.name(), %reason, "cannot ask for the role"),
            }
            tokio::select! {
                _ = tokio::time::sleep(RETRY) => {}
                _ = stop.changed() => {}
            }
        }
    }

    async fn try_lock(&self, connector: &PgConnector) -> Result<Option<AsyncPgConnection>, String> {
        let mut conn = connector.connect().await.map_err(|e| e.message)?;
        // The server keeps a dead holder's session, and its lock, until TCP
        // gives up on it (two hours by default): make that seconds.
        diesel_async::SimpleAsyncConnection::batch_execute(
            &mut conn,
            "SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 2; SET tcp_keepalives_count = 3; \
             SET tcp_user_timeout = 10000",
        )
        .await
        .map_err(|e| e.to_string())?;
        let locked: Locked = diesel::sql_query("SELECT pg_try_advisory_lock($1) AS locked")
            .bind::<BigInt, _>(self.role.key())
            .get_result(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
        Ok(locked.locked.then_some(conn))
    }
}

impl Lease {
    /// Resolves when the role is lost: the lock's connection stopped
    /// answering (a database restart, a network split). Never on SQLite.
    pub async fn lost(&mut self) {
        let Some(conn) = &mut self.conn else { return std::future::pending().await };
        loop {
            tokio::time::sleep(RETRY).await;
            let check = diesel::sql_query("SELECT true AS locked").get_result::<Locked>(conn);
            if !matches!(tokio::time::timeout(CHECK_TIMEOUT, check).await, Ok(Ok(_))) {
                return;
            }
        }
    }
}

/// Runs `work` while this process holds `role`, until `stop` is set: stands
/// by while another replica holds it, and when the role is lost, stops the
/// work (its own stop signal) and stands by again.
pub async fn lead<F, Fut>(elector: Elector, mut stop: watch::Receiver<bool>, mut work: F)
where
    F: FnMut(watch::Receiver<bool>) -> Fut,
    Fut: Future<Output = ()>,
{
    while let Some(mut lease) = elector.acquire(&mut stop).await {
        let (halt, halted) = watch::channel(false);
        let run = work(halted);
        tokio::pin!(run);
        tokio::select! {
            _ = &mut run => return,
            _ = stop.changed() => {
                let _ = halt.send(true);
                run.await;
                return;
            }
            _ = lease.lost() => {
                tracing::warn!(role = elector.role.name(), "lost the role; stopping it and standing by");
                let _ = halt.send(true);
                run.await;
            }
        }
    }
}
