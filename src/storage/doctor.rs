//! `ticketbot doctor`: is the database reachable, migrated, shaped as this
//! binary expects, and are the ticket counters consistent?

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use diesel::pg::Pg;
use diesel::sql_types::{Date, Integer, Nullable, Text};
use diesel::sqlite::Sqlite;
use diesel::{QueryableByName, sql_query};
use diesel_async::RunQueryDsl;

use super::on_conn;
use crate::config::{Backend, DatabaseConfig, DatabaseUrl};
use crate::db::{Db, DbError, migrate};

/// Every table and column the code reads or writes (see `schema.rs`):
/// what the migrations make. Anything else is "not ticketbot's", which
/// `doctor --repair --destructive` drops: this list must be complete (the
/// healthy-database test fails when it is not).
pub const EXPECTED_COLUMNS: &[(&str, &[&str])] = &[
    (
        "users",
        &[
            "id",
            "username",
            "first_name",
            "last_name",
            "language_code",
            "banned_at",
            "created_at",
            "updated_at",
            "ban_notified_at",
            "blocked_bot_at",
            "burst_started_at",
            "burst_count",
            "slowed_at",
            "tickets_slowed_at",
            "erased_at",
        ],
    ),
    ("staff", &["user_id", "username", "display_name", "is_admin", "created_at"]),
    ("daily_ticket_counters", &["day", "last_value"]),
    (
        "tickets",
        &[
            "id",
            "day",
            "number",
            "user_id",
            "status",
            "opened_at",
            "closed_at",
            "assignee_id",
            "first_response_at",
            "support_message_id",
            "support_thread_id",
            "support_chat_id",
            "waiting_since",
            "last_response_at",
            "first_responder_id",
            "reminded_at",
            "away_notified_at",
            "texts_removed_at",
        ],
    ),
    ("ticket_events", &["id", "ticket_id", "kind", "staff_id", "at"]),
    ("ticket_ratings", &["ticket_id", "user_id", "score", "comment", "rated_at", "commented_at"]),
    ("snippets", &["name", "body", "updated_by", "updated_at"]),
    ("support_chat_moves", &["from_chat_id", "to_chat_id", "moved_at"]),
    (
        "ticket_messages",
        &[
            "id",
            "ticket_id",
            "direction",
            "sender_id",
            "user_chat_id",
            "user_message_id",
            "support_chat_id",
            "support_message_id",
            "kind",
            "text",
            "created_at",
            "edited_at",
            "unsent_at",
        ],
    ),
    ("inbox_updates", &["update_id", "chat_id", "payload", "received_at", "processed_at", "error"]),
    (
        "outbox_messages",
        &[
            "id",
            "chat_id",
            "payload",
            "ticket_id",
            "ticket_message_id",
            "created_at",
            "not_before",
            "attempts",
            "sent_at",
            "sent_message_id",
            "failed_at",
            "last_error",
            "digest_message_id",
            "claimed_by",
            "claimed_until",
        ],
    ),
    (
        "web_sessions",
        &["token_hash", "user_id", "display_name", "csrf_token", "created_at", "last_seen_at", "expires_at"],
    ),
    ("web_login_links", &["token_hash", "user_id", "expires_at", "used_at"]),
    ("api_tokens", &["id", "name", "token_hash", "created_at", "last_used_at", "revoked_at"]),
    ("web_telegram_logins", &["hash", "expires_at"]),
    ("ticket_answers", &["ticket_id", "staff_id", "last_answer_at"]),
    ("stats_days", &["day", "zone", "figures"]),
];

/// Indexes that enforce a rule, not just speed: they must be UNIQUE (and the
/// one-open-ticket index partial), or the rule silently goes.
pub const EXPECTED_UNIQUE: &[(&str, bool)] = &[("tickets_day_number", false), ("tickets_one_open_per_user", true)];

/// Named indexes the queries rely on for correctness or speed.
pub const EXPECTED_INDEXES: &[&str] = &[
    "tickets_day_number",
    "tickets_one_open_per_user",
    "tickets_user_opened",
    "tickets_status_opened",
    "tickets_support_topic",
    "tickets_support_card",
    "tickets_waiting_unreminded",
    "tickets_open_answered",
    "ticket_events_kind_at",
    "ticket_events_ticket",
    "ticket_ratings_user",
    "tickets_closed",
    "tickets_day_clock",
    "ticket_answers_last",
    "ticket_ratings_rated",
    "ticket_messages_ticket",
    "ticket_messages_user_side",
    "ticket_messages_support_side",
    "inbox_updates_pending",
    "outbox_messages_pending",
    "outbox_messages_sent",
    "outbox_messages_digests",
    "inbox_updates_handled",
    "outbox_messages_sent_at",
    "outbox_messages_failed_at",
    "outbox_messages_ticket",
    "tickets_texts_kept",
    "users_username",
    "web_sessions_expiry",
    "tickets_assignee",
    "tickets_waiting",
    "web_telegram_logins_expiry",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoctorReport {
    pub target: String,
    pub schema_version: Option<String>,
    /// What was checked and found fine.
    pub passed: Vec<String>,
    /// What is wrong, one sentence each.
    pub problems: Vec<String>,
    /// What is not wrong but worth knowing (tables that are not
    /// ticketbot's).
    pub notes: Vec<String>,
}

impl DoctorReport {
    pub fn is_healthy(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Runs every check. `Err` only when the database cannot be reached at all.
pub async fn examine(config: &DatabaseConfig) -> Result<DoctorReport, DbError> {
    let mut report = DoctorReport {
        target: config.url.to_string(),
        schema_version: None,
        passed: Vec::new(),
        problems: Vec::new(),
        notes: Vec::new(),
    };
    // Examining a file must not create it: a mistyped path is reported as
    // missing, not turned into an empty database.
    if let DatabaseUrl::Sqlite { path } = &config.url {
        if !path.exists() {
            return Err(DbError::Open { target: config.url.to_string(), reason: "the file does not exist".into() });
        }
    }
    let status = migrate::status(config).await?;
    report.passed.push("database reachable".into());
    report.schema_version = status.schema_version().map(str::to_string);
    if status.pending.is_empty() {
        report.passed.push(format!("no pending migrations ({} applied)", status.applied.len()));
    } else {
        report.problems.push(format!(
            "{} migration(s) pending: {} (run `ticketbot migrate up`)",
            status.pending.len(),
            status.pending.join(", ")
        ));
    }
    if !status.unknown.is_empty() {
        report.problems.push(format!(
            "the database has migrations this binary does not know ({}): it was migrated by a newer ticketbot",
            status.unknown.join(", ")
        ));
    }

    let small = DatabaseConfig { pool_size: 1, ..config.clone() };
    let db = Db::pool_only(&small).await?;
    check_schema(&db, &mut report).await;
    check_search(&db, &mut report).await;
    check_kept_days(&db, &mut report).await;
    check_counters(&db, &mut report).await;
    check_foreign(&db, &mut report).await;
    Ok(report)
}

#[derive(QueryableByName)]
struct ColumnRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
}

#[derive(QueryableByName)]
struct IndexRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    definition: String,
}

#[derive(QueryableByName)]
struct CounterRow {
    #[diesel(sql_type = Date)]
    day: NaiveDate,
    #[diesel(sql_type = Integer)]
    max_number: i32,
    #[diesel(sql_type = Nullable<Integer>)]
    last_value: Option<i32>,
}

/// Every table's columns.
pub(super) async fn columns(db: &Db) -> Result<BTreeMap<String, BTreeSet<String>>, String> {
    let sql = match db.backend() {
        Backend::Postgres => {
            // Tables only: not views, not what extensions own.
            "SELECT c.table_name::text AS table_name, c.column_name::text AS column_name \
             FROM information_schema.columns c JOIN information_schema.tables t \
               ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
             WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' \
             AND NOT EXISTS (SELECT 1 FROM pg_depend d JOIN pg_class k ON k.oid = d.objid \
               WHERE d.deptype = 'e' AND k.relname = c.table_name::text)"
        }
        Backend::Sqlite => {
            "SELECT m.name AS table_name, p.name AS column_name \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'"
        }
    };
    let mut present: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in load::<ColumnRow>(db, sql).await.map_err(|e| format!("cannot list columns: {e}"))? {
        present.entry(row.table_name).or_default().insert(row.column_name);
    }
    Ok(present)
}

/// Every index by name, with its definition in capitals.
pub(super) async fn index_definitions(db: &Db) -> Result<BTreeMap<String, String>, String> {
    let sql = match db.backend() {
        Backend::Postgres => {
            "SELECT indexname::text AS name, indexdef::text AS definition \
             FROM pg_indexes WHERE schemaname = current_schema()"
        }
        Backend::Sqlite => "SELECT name, COALESCE(sql, '') AS definition FROM sqlite_master WHERE type = 'index'",
    };
    let rows = load::<IndexRow>(db, sql).await.map_err(|e| format!("cannot list indexes: {e}"))?;
    Ok(rows.into_iter().map(|r| (r.name, r.definition.to_ascii_uppercase())).collect())
}

async fn check_schema(db: &Db, report: &mut DoctorReport) {
    let present = match columns(db).await {
        Ok(present) => present,
        Err(e) => return report.problems.push(e),
    };
    let mut schema_ok = true;
    for (table, expected) in EXPECTED_COLUMNS {
        match present.get(*table) {
            None => {
                schema_ok = false;
                report.problems.push(format!("table {table} is missing"));
            }
            Some(have) => {
                for column in expected.iter().filter(|c| !have.contains(**c)) {
                    schema_ok = false;
                    report.problems.push(format!("column {table}.{column} is missing"));
                }
            }
        }
    }
    match index_definitions(db).await {
        Ok(have) => {
            for index in EXPECTED_INDEXES.iter().filter(|i| !have.contains_key(**i)) {
                schema_ok = false;
                report.problems.push(format!("index {index} is missing (doctor --repair creates it)"));
            }
            for (index, partial) in EXPECTED_UNIQUE {
                let Some(definition) = have.get(*index) else {
                    continue;
                };
                if !definition.contains("UNIQUE") || (*partial && !definition.contains("WHERE")) {
                    schema_ok = false;
                    let shape = if *partial { "a partial unique index" } else { "a unique index" };
                    report.problems.push(format!("index {index} is not {shape}: the rule it enforces is gone"));
                }
            }
        }
        Err(e) => {
            schema_ok = false;
            report.problems.push(e);
        }
    }
    if schema_ok {
        report.passed.push(format!(
            "{} tables, their columns and {} indexes present",
            EXPECTED_COLUMNS.len(),
            EXPECTED_INDEXES.len()
        ));
    }
}

/// What the search index is made of, by name: on SQLite the FTS5 table
/// and the three triggers that keep it (without them it silently misses
/// new messages); on PostgreSQL the GIN index, and the index of open
/// tickets' messages with the triggers that keep it.
pub(super) fn search_expected(backend: Backend) -> &'static [&'static str] {
    match backend {
        Backend::Sqlite => &[
            "ticket_messages_search",
            "ticket_messages_search_insert",
            "ticket_messages_search_delete",
            "ticket_messages_search_update",
        ],
        Backend::Postgres => &[
            "ticket_messages_search",
            "ticket_messages_search_open",
            "ticket_messages_search_open_words",
            "ticket_messages_search_open_of_ticket",
            "ticket_messages_search_open_message",
            "ticket_messages_search_open_ticket",
        ],
    }
}

/// On PostgreSQL, the parts of the index of open tickets' messages
/// (migration 000021: its table, indexes and triggers), repaired by
/// running that migration again whole.
pub(super) fn is_open_search_part(name: &str) -> bool {
    name.starts_with("ticket_messages_search_open")
}

/// The search index's parts present (and, on PostgreSQL, `lc_ctype` with
/// its value as the definition).
async fn search_rows(db: &Db) -> Result<Vec<IndexRow>, String> {
    let sql = match db.backend() {
        Backend::Sqlite => {
            "SELECT name, type AS definition FROM sqlite_master \
             WHERE name LIKE 'ticket_messages_search%' AND type IN ('table', 'trigger')"
        }
        Backend::Postgres => {
            "SELECT indexname::text AS name, indexdef::text AS definition FROM pg_indexes \
             WHERE schemaname = current_schema() AND indexname LIKE 'ticket\\_messages\\_search%' \
             UNION ALL SELECT tablename::text, 'table' FROM pg_tables \
             WHERE schemaname = current_schema() AND tablename = 'ticket_messages_search_open' \
             UNION ALL SELECT g.tgname::text, 'trigger' FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid \
             WHERE c.relnamespace = current_schema()::regnamespace AND NOT g.tgisinternal AND g.tgenabled <> 'D' \
             AND g.tgname LIKE 'ticket\\_messages\\_search%' \
             UNION ALL SELECT 'lc_ctype', current_setting('lc_ctype')"
        }
    };
    load::<IndexRow>(db, sql).await.map_err(|e| format!("cannot check the search index: {e}"))
}

pub(super) async fn search_objects(db: &Db) -> Result<BTreeSet<String>, String> {
    Ok(search_rows(db).await?.into_iter().map(|r| r.name).collect())
}

/// The triggers that clear a kept day's figures when what they hold
/// changes (migration 000022): without one, a month's figures silently
/// keep a change's old numbers.
pub(super) fn kept_days_triggers(backend: Backend) -> &'static [&'static str] {
    match backend {
        Backend::Sqlite => &[
            "stats_days_ticket_insert",
            "stats_days_ticket_opening",
            "stats_days_ticket_closing",
            "stats_days_rating_insert",
            "stats_days_rating_update",
            "stats_days_reminder",
            "stats_days_answer_insert",
            "stats_days_answer_update",
        ],
        Backend::Postgres => &["stats_days_ticket", "stats_days_rating", "stats_days_reminder", "stats_days_answer"],
    }
}

/// The kept days' triggers present (on PostgreSQL, and enabled).
pub(super) async fn kept_days_triggers_present(db: &Db) -> Result<BTreeSet<String>, String> {
    let sql = match db.backend() {
        Backend::Sqlite => {
            "SELECT name, type AS definition FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'stats_days%'"
        }
        Backend::Postgres => {
            "SELECT g.tgname::text AS name, 'trigger' AS definition FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid \
             WHERE c.relnamespace = current_schema()::regnamespace AND NOT g.tgisinternal AND g.tgenabled <> 'D' \
             AND g.tgname LIKE 'stats\\_days%'"
        }
    };
    let rows = load::<IndexRow>(db, sql).await.map_err(|e| format!("cannot check the kept days' triggers: {e}"))?;
    Ok(rows.into_iter().map(|r| r.name).collect())
}

async fn check_kept_days(db: &Db, report: &mut DoctorReport) {
    let present = match kept_days_triggers_present(db).await {
        Ok(present) => present,
        Err(e) => return report.problems.push(e),
    };
    let expected = kept_days_triggers(db.backend());
    let missing: Vec<&str> = expected.iter().filter(|t| !present.contains(**t)).copied().collect();
    if missing.is_empty() {
        report.passed.push("the triggers that keep the kept days' figures right present".into());
    } else {
        report.problems.push(format!(
            "kept days' figures may be out of date, missing: {} (doctor --repair recreates them and forgets the \
             kept days)",
            missing.join(", ")
        ));
    }
}

/// What `/find` reads: on SQLite the FTS5 table and the three triggers
/// that keep it (without them it silently misses new messages); on
/// PostgreSQL the GIN index, and a `LC_CTYPE` that folds case beyond
/// ASCII.
async fn check_search(db: &Db, report: &mut DoctorReport) {
    let rows = match search_rows(db).await {
        Ok(rows) => rows,
        Err(e) => return report.problems.push(e),
    };
    let expected = search_expected(db.backend());
    let missing: Vec<&str> = expected.iter().filter(|e| !rows.iter().any(|r| r.name == **e)).copied().collect();
    if missing.is_empty() {
        report.passed.push("the search index and what keeps it present".into());
    } else {
        report
            .problems
            .push(format!("search index incomplete, missing: {} (doctor --repair recreates it)", missing.join(", ")));
    }
    if let Some(ctype) = rows.iter().find(|r| r.name == "lc_ctype").map(|r| r.definition.as_str()) {
        if ctype == "C" || ctype == "POSIX" {
            report.problems.push(format!(
                "the database's LC_CTYPE is {ctype}: /find folds case in ASCII letters only (create the database \
                 with a UTF-8 locale such as C.UTF-8 or en_US.UTF-8)"
            ));
        }
    }
}

/// A counter below the highest number used that day would hand out that
/// number again (and fail on the unique index).
/// Days whose counter is missing or below their highest ticket number:
/// (day, that number, the counter).
pub(super) async fn low_counters(db: &Db) -> Result<Vec<(NaiveDate, i32, Option<i32>)>, String> {
    const SQL: &str = "SELECT t.day AS day, MAX(t.number) AS max_number, c.last_value AS last_value \
        FROM tickets t LEFT JOIN daily_ticket_counters c ON c.day = t.day \
        GROUP BY t.day, c.last_value \
        HAVING c.last_value IS NULL OR c.last_value < MAX(t.number) \
        ORDER BY t.day";
    let rows = load::<CounterRow>(db, SQL).await.map_err(|e| format!("cannot check ticket counters: {e}"))?;
    Ok(rows.into_iter().map(|r| (r.day, r.max_number, r.last_value)).collect())
}

async fn check_counters(db: &Db, report: &mut DoctorReport) {
    match low_counters(db).await {
        Ok(rows) if rows.is_empty() => report.passed.push("every daily counter covers its tickets".into()),
        Ok(rows) => {
            for (day, max, counter) in rows {
                report.problems.push(match counter {
                    None => {
                        format!("no counter for {day} although tickets up to #{max} exist (doctor --repair adds it)")
                    }
                    Some(v) => format!(
                        "counter for {day} is {v} but tickets up to #{max} exist: the next ticket would reuse a \
                         number (doctor --repair raises it)"
                    ),
                });
            }
        }
        Err(e) => report.problems.push(e),
    }
}

/// Tables and columns no migration made: named (not a failure: they may be
/// another application's), for `--repair --destructive` to drop after a
/// backup.
async fn check_foreign(db: &Db, report: &mut DoctorReport) {
    match super::repair::foreign_objects(db).await {
        Ok((tables, columns)) => {
            for table in tables {
                report.notes.push(format!(
                    "table {table} is not ticketbot's (back up, then doctor --repair --destructive drops it)"
                ));
            }
            for (table, column) in columns {
                report.notes.push(format!(
                    "column {table}.{column} is not ticketbot's (back up, then doctor --repair --destructive drops it)"
                ));
            }
        }
        Err(e) => report.problems.push(e.to_string()),
    }
}

async fn load<R>(db: &Db, sql: &'static str) -> Result<Vec<R>, String>
where
    R: QueryableByName<Pg> + QueryableByName<Sqlite> + Send + 'static,
{
    let mut conn = db.conn().await.map_err(|e| e.to_string())?;
    on_conn!(&mut conn, |c| sql_query(sql).load(c).await).map_err(|e| e.to_string())
}
