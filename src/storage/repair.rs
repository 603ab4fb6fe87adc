//! `ticketbot doctor --repair`: the repairs `doctor`'s findings allow
//! without losing anything, each said in one line. Pending migrations are
//! applied; a missing index (or, on SQLite, a search trigger) is created
//! again as the migration that made it wrote it; a day's counter below its
//! highest ticket number is raised to it. With `--destructive` a table or
//! column that is not ticketbot's is dropped; without it, it is named.

use std::collections::{BTreeMap, BTreeSet};

use diesel::sql_query;
use diesel_async::{RunQueryDsl, SimpleAsyncConnection};

use super::doctor::{self, EXPECTED_COLUMNS, EXPECTED_INDEXES, EXPECTED_UNIQUE};
use super::on_conn;
use crate::config::{Backend, DatabaseConfig};
use crate::db::{Db, DbError, migrate};

#[derive(Debug, thiserror::Error)]
pub enum RepairError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("{0}")]
    Other(String),
}

impl From<diesel::result::Error> for RepairError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(e.into())
    }
}

/// Every migration's `up.sql`, in order, per backend: where a missing
/// index's or trigger's definition is read (the last that wrote it wins).
/// A test holds these lists to the `migrations` folders.
const SQLITE_MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/sqlite/2026-11-21-000001_initial/up.sql"),
    include_str!("../../migrations/sqlite/2026-11-21-000002_inbox_outbox/up.sql"),
    include_str!("../../migrations/sqlite/2026-11-21-000003_user_notices/up.sql"),
    include_str!("../../migrations/sqlite/2026-11-21-000004_outbox_digests/up.sql"),
    include_str!("../../migrations/sqlite/2026-11-21-000005_outbox_claims/up.sql"),
    include_str!("../../migrations/sqlite/2026-12-01-000006_support_chat_of_tickets/up.sql"),
    include_str!("../../migrations/sqlite/2026-12-01-000007_user_flood_limits/up.sql"),
    include_str!("../../migrations/sqlite/2026-12-01-000008_response_clock/up.sql"),
    include_str!("../../migrations/sqlite/2026-12-01-000009_ratings/up.sql"),
    include_str!("../../migrations/sqlite/2026-12-01-000010_snippets/up.sql"),
    include_str!("../../migrations/sqlite/2026-12-01-000011_unsent_messages/up.sql"),
    include_str!("../../migrations/sqlite/2026-12-01-000012_statistics/up.sql"),
    include_str!("../../migrations/sqlite/2026-12-02-000013_search/up.sql"),
    include_str!("../../migrations/sqlite/2026-12-02-000014_retention/up.sql"),
    include_str!("../../migrations/sqlite/2026-12-02-000015_erasure/up.sql"),
    include_str!("../../migrations/sqlite/2026-12-02-000016_usernames/up.sql"),
    include_str!("../../migrations/sqlite/2026-12-02-000017_web/up.sql"),
    include_str!("../../migrations/sqlite/2026-12-02-000018_web_lists/up.sql"),
    include_str!("../../migrations/sqlite/2026-12-02-000019_answers/up.sql"),
    include_str!("../../migrations/sqlite/2026-12-02-000020_stats_seconds/up.sql"),
    include_str!("../../migrations/sqlite/2026-12-03-000021_open_search/up.sql"),
    include_str!("../../migrations/sqlite/2026-12-03-000022_stats_days/up.sql"),
];
/// Migration 000021 on PostgreSQL, written to run again over what is left
/// of it: the repair of the open tickets' search index.
const POSTGRES_OPEN_SEARCH: &str = include_str!("../../migrations/postgres/2026-12-03-000021_open_search/up.sql");
const POSTGRES_MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/postgres/2026-11-21-000001_initial/up.sql"),
    include_str!("../../migrations/postgres/2026-11-21-000002_inbox_outbox/up.sql"),
    include_str!("../../migrations/postgres/2026-11-21-000003_user_notices/up.sql"),
    include_str!("../../migrations/postgres/2026-11-21-000004_outbox_digests/up.sql"),
    include_str!("../../migrations/postgres/2026-11-21-000005_outbox_claims/up.sql"),
    include_str!("../../migrations/postgres/2026-12-01-000006_support_chat_of_tickets/up.sql"),
    include_str!("../../migrations/postgres/2026-12-01-000007_user_flood_limits/up.sql"),
    include_str!("../../migrations/postgres/2026-12-01-000008_response_clock/up.sql"),
    include_str!("../../migrations/postgres/2026-12-01-000009_ratings/up.sql"),
    include_str!("../../migrations/postgres/2026-12-01-000010_snippets/up.sql"),
    include_str!("../../migrations/postgres/2026-12-01-000011_unsent_messages/up.sql"),
    include_str!("../../migrations/postgres/2026-12-01-000012_statistics/up.sql"),
    include_str!("../../migrations/postgres/2026-12-02-000013_search/up.sql"),
    include_str!("../../migrations/postgres/2026-12-02-000014_retention/up.sql"),
    include_str!("../../migrations/postgres/2026-12-02-000015_erasure/up.sql"),
    include_str!("../../migrations/postgres/2026-12-02-000016_usernames/up.sql"),
    include_str!("../../migrations/postgres/2026-12-02-000017_web/up.sql"),
    include_str!("../../migrations/postgres/2026-12-02-000018_web_lists/up.sql"),
    include_str!("../../migrations/postgres/2026-12-02-000019_answers/up.sql"),
    include_str!("../../migrations/postgres/2026-12-02-000020_stats_seconds/up.sql"),
    POSTGRES_OPEN_SEARCH,
    POSTGRES_STATS_DAYS,
];
/// Migration 000022 on PostgreSQL, written to run again: the repair of the
/// kept days' triggers.
const POSTGRES_STATS_DAYS: &str = include_str!("../../migrations/postgres/2026-12-03-000022_stats_days/up.sql");

/// Tables that are not ticketbot's rows but are expected: the migrations'
/// ledger, SQLite's own, and the search index's shadow tables.
fn infrastructure(table: &str) -> bool {
    table == "__diesel_schema_migrations" || table.starts_with("sqlite_") || table.starts_with("ticket_messages_search")
}

/// The statement that creates the index or trigger `name`, as the last
/// migration that created it wrote it.
pub fn definition(backend: Backend, name: &str) -> Option<String> {
    let migrations = match backend {
        Backend::Sqlite => SQLITE_MIGRATIONS,
        Backend::Postgres => POSTGRES_MIGRATIONS,
    };
    migrations.iter().rev().find_map(|sql| {
        let starts = [
            format!("CREATE INDEX {name} "),
            format!("CREATE UNIQUE INDEX {name} "),
            format!("CREATE TRIGGER {name} "),
            format!("CREATE VIRTUAL TABLE {name} "),
        ];
        let at = starts.iter().filter_map(|s| sql.find(s.as_str())).min()?;
        let rest = &sql[at..];
        // A trigger's body holds statements of its own: it ends at END;.
        let end = match rest.starts_with("CREATE TRIGGER") {
            true => rest.find("END;").map(|e| e + 4)?,
            false => rest.find(';').map(|e| e + 1)?,
        };
        Some(rest[..end].to_string())
    })
}

/// Repairs what can be repaired; one line per repair (or per thing left
/// for `--destructive`), in order.
pub async fn repair(config: &DatabaseConfig, destructive: bool) -> Result<Vec<String>, RepairError> {
    let mut said = Vec::new();
    let known = migrate::status(config).await?;
    if destructive && !known.unknown.is_empty() {
        return Err(RepairError::Other(format!(
            "the database was migrated by a newer ticketbot ({}): what it added is not this binary's to drop; \
             --destructive refused",
            known.unknown.join(", ")
        )));
    }
    let status = migrate::run_pending(config).await?;
    said.extend(status.changed.iter().map(|m| format!("applied migration {m}")));

    let small = DatabaseConfig { pool_size: 1, ..config.clone() };
    let db = Db::pool_only(&small).await?;
    let backend = db.backend();
    let indexes = doctor::index_definitions(&db).await.map_err(RepairError::Other)?;
    for index in EXPECTED_INDEXES.iter().filter(|i| !indexes.contains_key(**i)) {
        said.push(create(&db, backend, index, "recreated index").await?);
    }
    for (index, partial) in EXPECTED_UNIQUE {
        let Some(have) = indexes.get(*index) else { continue };
        if !have.contains("UNIQUE") || (*partial && !have.contains("WHERE")) {
            // In one transaction: when rows break the rule (duplicates), the
            // unique index cannot be made and the old one stays.
            let sql = definition(backend, index)
                .ok_or_else(|| RepairError::Other(format!("no migration defines {index}")))?;
            let drop = format!("DROP INDEX {index}");
            db.transaction(async |tx| {
                on_conn!(tx, |c| sql_query(&drop).execute(c).await)?;
                Ok::<_, DbError>(on_conn!(tx, |c| sql_query(&sql).execute(c).await)?)
            })
            .await
            .map_err(|e| {
                RepairError::Other(format!(
                    "cannot rebuild index {index} as unique ({e}): find the rows that break its rule"
                ))
            })?;
            said.push(format!("rebuilt index {index}"));
        }
    }
    said.extend(repair_search(&db, backend).await?);
    said.extend(repair_kept_days(&db, backend).await?);
    said.extend(raise_counters(&db).await?);
    said.extend(foreign(&db, destructive).await?);
    Ok(said)
}

/// Runs the definition of `name`; the line that says so.
async fn create(db: &Db, backend: Backend, name: &str, done: &str) -> Result<String, RepairError> {
    let sql = definition(backend, name).ok_or_else(|| RepairError::Other(format!("no migration defines {name}")))?;
    execute(db, &sql).await?;
    Ok(format!("{done} {name}"))
}

async fn execute(db: &Db, sql: &str) -> Result<usize, RepairError> {
    let mut writer = db.writer().await?;
    Ok(on_conn!(&mut writer, |c| sql_query(sql).execute(c).await)?)
}

/// The search index: on PostgreSQL its GIN index, and the index of open
/// tickets' messages made again whole and brought up to date; on
/// SQLite its table and triggers, then the index rebuilt from the messages
/// (those stored while a trigger was missing are not in it).
async fn repair_search(db: &Db, backend: Backend) -> Result<Vec<String>, RepairError> {
    let present = doctor::search_objects(db).await.map_err(RepairError::Other)?;
    let mut said = Vec::new();
    let missing = doctor::search_expected(backend).iter().filter(|n| !present.contains(**n));
    let (open_parts, others): (Vec<&&str>, Vec<&&str>) =
        missing.partition(|n| backend == Backend::Postgres && doctor::is_open_search_part(n));
    for name in others {
        said.push(create(db, backend, name, "recreated").await?);
    }
    if !open_parts.is_empty() {
        let mut writer = db.writer().await?;
        on_conn!(&mut writer, |c| c.batch_execute(POSTGRES_OPEN_SEARCH).await)?;
        let parts = open_parts.iter().map(|n| **n).collect::<Vec<_>>().join(", ");
        said.push(format!("recreated {parts} and brought it up to date with the open tickets' messages"));
    }
    if backend == Backend::Sqlite && !said.is_empty() {
        execute(db, "INSERT INTO ticket_messages_search (ticket_messages_search) VALUES ('rebuild')").await?;
        said.push("rebuilt the search index from every message".into());
    }
    Ok(said)
}

/// The kept days' triggers, made again (on PostgreSQL, migration 000022
/// whole); then every kept day is forgotten: what changed while a trigger
/// was missing is in none of them, and the next periods read the days
/// again.
async fn repair_kept_days(db: &Db, backend: Backend) -> Result<Vec<String>, RepairError> {
    let present = doctor::kept_days_triggers_present(db).await.map_err(RepairError::Other)?;
    let missing: Vec<&str> =
        doctor::kept_days_triggers(backend).iter().filter(|t| !present.contains(**t)).copied().collect();
    if missing.is_empty() {
        return Ok(Vec::new());
    }
    let mut said = Vec::new();
    match backend {
        Backend::Sqlite => {
            for name in &missing {
                said.push(create(db, backend, name, "recreated").await?);
            }
        }
        Backend::Postgres => {
            let mut writer = db.writer().await?;
            on_conn!(&mut writer, |c| c.batch_execute(POSTGRES_STATS_DAYS).await)?;
            said.push(format!("recreated {}", missing.join(", ")));
        }
    }
    let forgotten = execute(db, "DELETE FROM stats_days").await?;
    said.push(format!("forgot the {forgotten} kept days' figures; the next periods read those days again"));
    Ok(said)
}

/// Raises each day's counter to its highest ticket number.
async fn raise_counters(db: &Db) -> Result<Vec<String>, RepairError> {
    let low = doctor::low_counters(db).await.map_err(RepairError::Other)?;
    let mut said = Vec::new();
    for (day, max, counter) in low {
        let sql = format!(
            "INSERT INTO daily_ticket_counters (day, last_value) VALUES ('{day}', {max}) \
             ON CONFLICT (day) DO UPDATE SET last_value = {max} WHERE daily_ticket_counters.last_value < {max}"
        );
        execute(db, &sql).await?;
        let was = counter.map(|c| format!("from {c} ")).unwrap_or_else(|| "(it had none) ".into());
        said.push(format!("raised the counter of {day} {was}to {max}, its highest ticket number"));
    }
    Ok(said)
}

/// Tables and columns that are not ticketbot's: dropped with
/// `destructive`, named otherwise.
async fn foreign(db: &Db, destructive: bool) -> Result<Vec<String>, RepairError> {
    let (tables, columns) = foreign_objects(db).await?;
    let mut said = Vec::new();
    if destructive && !(tables.is_empty() && columns.is_empty()) {
        said.push("dropping what is not ticketbot's: this cannot be undone (you backed the database up first)".into());
    }
    for table in tables {
        if destructive {
            execute(db, &format!("DROP TABLE {}", quoted(&table))).await?;
            said.push(format!("dropped table {table}"));
        } else {
            said.push(format!("left table {table}: not ticketbot's; back up, then --destructive drops it"));
        }
    }
    for (table, column) in columns {
        if destructive {
            execute(db, &format!("ALTER TABLE {} DROP COLUMN {}", quoted(&table), quoted(&column))).await?;
            said.push(format!("dropped column {table}.{column}"));
        } else {
            said.push(format!("left column {table}.{column}: not ticketbot's; back up, then --destructive drops it"));
        }
    }
    Ok(said)
}

/// A name as SQL quotes it, whatever it holds.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Tables, and columns of ticketbot's tables, that no migration made.
pub async fn foreign_objects(db: &Db) -> Result<(Vec<String>, Vec<(String, String)>), RepairError> {
    let present: BTreeMap<String, BTreeSet<String>> = doctor::columns(db).await.map_err(RepairError::Other)?;
    let expected: BTreeMap<&str, &[&str]> = EXPECTED_COLUMNS.iter().copied().collect();
    let mut tables = Vec::new();
    let mut columns = Vec::new();
    for (table, have) in &present {
        match expected.get(table.as_str()) {
            None if !infrastructure(table) => tables.push(table.clone()),
            None => {}
            Some(wanted) => {
                columns
                    .extend(have.iter().filter(|c| !wanted.contains(&c.as_str())).map(|c| (table.clone(), c.clone())));
            }
        }
    }
    Ok((tables, columns))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_folder_is_read_for_definitions() {
        for (backend, listed) in [("sqlite", SQLITE_MIGRATIONS), ("postgres", POSTGRES_MIGRATIONS)] {
            let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(backend);
            let count = std::fs::read_dir(folder).unwrap().count();
            assert_eq!(listed.len(), count, "{backend}: add the new migration's up.sql to the list");
        }
    }

    #[test]
    fn every_expected_index_has_a_definition_on_both_backends() {
        for backend in [Backend::Sqlite, Backend::Postgres] {
            for index in EXPECTED_INDEXES {
                let sql = definition(backend, index).unwrap_or_else(|| panic!("{index} on {backend:?}"));
                assert!(sql.contains(&format!("INDEX {index} ")) && sql.ends_with(';'), "{sql}");
            }
            // PostgreSQL's index of open tickets' messages is made again by
            // running its migration whole.
            for name in doctor::search_expected(backend)
                .iter()
                .filter(|n| !(backend == Backend::Postgres && doctor::is_open_search_part(n)))
            {
                assert!(definition(backend, name).is_some(), "{name} on {backend:?}");
            }
        }
        let trigger = definition(Backend::Sqlite, "ticket_messages_search_update").unwrap();
        assert!(
            trigger.starts_with("CREATE TRIGGER") && trigger.ends_with("END;") && trigger.matches(';').count() == 3
        );
    }
}
