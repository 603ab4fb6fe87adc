//! What `/ready` and `/metrics` ask of the database, through the pool the
//! bot uses (no extra connection per probe).

use std::collections::HashSet;
use std::time::Duration;

use diesel::QueryableByName;
use diesel::migration::{Migration, MigrationSource};
use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;

use super::{Db, migrate};
use crate::config::Backend;

/// Where the database stands for serving.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readiness {
    pub backend: Backend,
    /// The newest applied migration this binary knows.
    pub schema_version: Option<String>,
    /// Migrations of this binary not applied.
    pub pending: usize,
    /// Why the database could not be asked, if it could not.
    pub error: Option<String>,
}

impl Readiness {
    pub fn is_ready(&self) -> bool {
        self.error.is_none() && self.pending == 0
    }
}

#[derive(QueryableByName)]
struct Applied {
    #[diesel(sql_type = Text)]
    version: String,
}

const APPLIED: &str = "SELECT version FROM __diesel_schema_migrations";

impl Db {
    /// Asks the database which migrations are applied, within `timeout`.
    pub async fn readiness(&self, timeout: Duration) -> Readiness {
        let backend = self.backend();
        let known = embedded(backend);
        let asked = tokio::time::timeout(timeout, self.applied_versions()).await;
        let applied = match asked {
            Ok(Ok(applied)) => applied,
            Ok(Err(error)) => {
                return Readiness { backend, schema_version: None, pending: known.len(), error: Some(error) };
            }
            Err(_) => {
                let error = format!("no answer within {} ms", timeout.as_millis());
                return Readiness { backend, schema_version: None, pending: known.len(), error: Some(error) };
            }
        };
        let schema_version = known.iter().rev().find(|(v, _)| applied.contains(v)).map(|(_, name)| name.clone());
        let pending = known.iter().filter(|(v, _)| !applied.contains(v)).count();
        Readiness { backend, schema_version, pending, error: None }
    }

    async fn applied_versions(&self) -> Result<HashSet<String>, String> {
        let rows: Vec<Applied> = match self {
            Db::Postgres(pool) => {
                let mut conn = pool.get().await.map_err(|e| e.to_string())?;
                diesel::sql_query(APPLIED).load(&mut *conn).await.map_err(|e| e.to_string())?
            }
            Db::Sqlite { pool, .. } => {
                let mut conn = pool.get().await.map_err(|e| e.to_string())?;
                diesel::sql_query(APPLIED).load(&mut *conn).await.map_err(|e| e.to_string())?
            }
        };
        Ok(rows.into_iter().map(|r| r.version).collect())
    }

    /// Pool connections (in use, open).
    pub fn pool_usage(&self) -> (usize, usize) {
        let status = match self {
            Db::Postgres(pool) => pool.status(),
            Db::Sqlite { pool, .. } => pool.status(),
        };
        (status.size.saturating_sub(status.available), status.size)
    }
}

/// This binary's migrations for `backend`: (version, name), oldest first.
fn embedded(backend: Backend) -> Vec<(String, String)> {
    let list = match backend {
        Backend::Postgres => MigrationSource::<diesel::pg::Pg>::migrations(&migrate::POSTGRES)
            .map(|ms| ms.iter().map(|m| (m.name().version().to_string(), m.name().to_string())).collect()),
        Backend::Sqlite => MigrationSource::<diesel::sqlite::Sqlite>::migrations(&migrate::SQLITE)
            .map(|ms| ms.iter().map(|m| (m.name().version().to_string(), m.name().to_string())).collect()),
    };
    list.unwrap_or_default()
}
