//! The doors the benchmarks use below the bot's front doors:
//! `benches/numbering.rs` measures filing a user's first message (which
//! opens a ticket with the day's next number) against the database's own
//! ceiling for the same statements; `benches/million.rs` measures gathering
//! `/stats`' figures and a retention sweep on a million tickets. Not an API.

use chrono::NaiveDateTime;

use crate::db::{Db, DbError};
use crate::desk::stats;
use crate::domain::Period;
use crate::domain::{ContentKind, Direction, MessageDraft, UserProfile};
use crate::storage::{UserMessageOutcome, filing};

/// Files user `user_id`'s message "help" at `now`, in a transaction of its
/// own, as the processor does for one update; the ticket's number.
pub async fn file_user_message(db: &Db, user_id: i64, now: NaiveDateTime) -> Result<i32, DbError> {
    let profile = UserProfile {
        id: user_id,
        username: Some("bench".into()),
        first_name: "Bench".into(),
        last_name: None,
        language_code: Some("en".into()),
    };
    let draft = MessageDraft {
        direction: Direction::FromUser,
        sender_id: user_id,
        user_chat_id: user_id,
        user_message_id: Some(1),
        support_chat_id: None,
        support_message_id: None,
        kind: ContentKind::Text,
        text: Some("help".into()),
    };
    let outcome = db
        .transaction(async |tx| {
            Ok::<_, DbError>(filing::user_message(tx, &profile, &draft, Default::default(), now.date(), now).await?)
        })
        .await?;
    Ok(match outcome {
        UserMessageOutcome::Filed { ticket, .. } => ticket.number,
        UserMessageOutcome::Banned { .. } | UserMessageOutcome::Commented { .. } => 0,
    })
}

/// Gathers `/stats`' figures for `period` (`day`, `week`, `month`) as the
/// command does, in UTC; how many tickets the period opened.
pub async fn gather_stats(db: &Db, period: &str, now: chrono::DateTime<chrono::Utc>) -> Result<usize, String> {
    let period = Period::parse(period).ok_or("day, week or month")?;
    let figures = stats::gather_from(db, chrono_tz::UTC, period, now).await.map_err(|e| e.to_string())?;
    Ok(figures.opened)
}

/// One retention sweep, as the bot's sweeper makes it at `INBOX_RETENTION`
/// `inbox` and `MESSAGE_RETENTION` `messages` (pauses between batches
/// included).
pub async fn sweep_once(
    db: &Db,
    inbox: Option<chrono::TimeDelta>,
    messages: Option<chrono::TimeDelta>,
) -> Result<(), DbError> {
    let retention = crate::config::Retention { inbox, messages };
    let sweeper = crate::retention::Sweeper::new(
        db.clone(),
        std::sync::Arc::new(crate::clock::SystemClock),
        std::sync::Arc::new(crate::metrics::Metrics::new()),
        retention,
    );
    let (_keep_going, stop) = tokio::sync::watch::channel(false);
    sweeper.sweep(&stop).await
}

/// The `BIGINT` column `n` of `sql`'s first row (`SELECT COUNT(*) AS n …`).
pub async fn count(db: &Db, sql: &str) -> Result<i64, DbError> {
    use diesel_async::RunQueryDsl;

    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = db.conn().await?;
    let row: N = crate::storage::on_conn!(&mut conn, |c| diesel::sql_query(sql).get_result(c).await)?;
    Ok(row.n)
}
