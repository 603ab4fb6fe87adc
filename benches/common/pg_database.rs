//! A throwaway PostgreSQL database for one benchmark run, made and dropped
//! through the admin URL (TEST_DATABASE_URL).

use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};

/// Created with `create`, gone after `drop_it`.
pub struct PgDatabase {
    admin: String,
    name: String,
    pub url: String,
}

impl PgDatabase {
    pub async fn create(admin: &str) -> Self {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
        let name = format!("ticketbot_bench_{}_{nanos}", std::process::id());
        let mut conn = AsyncPgConnection::establish(admin).await.expect("PostgreSQL reachable");
        conn.batch_execute(&format!("CREATE DATABASE \"{name}\"")).await.expect("create database");
        let mut url = url::Url::parse(admin).expect("admin url");
        url.set_path(&name);
        Self { admin: admin.into(), name, url: url.to_string() }
    }

    pub async fn drop_it(self) {
        let mut conn = AsyncPgConnection::establish(&self.admin).await.expect("PostgreSQL reachable");
        conn.batch_execute(&format!("DROP DATABASE \"{}\" WITH (FORCE)", self.name)).await.expect("drop database");
    }
}
