//! The one door the benchmarks use below the bot's front doors:
//! `benches/numbering.rs` measures filing a user's first message (which
//! opens a ticket with the day's next number) against the database's own
//! ceiling for the same statements. Not an API.

use chrono::NaiveDateTime;

use crate::db::{Db, DbError};
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
