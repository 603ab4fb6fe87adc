//! Ratings on both backends: one per ticket, and when a user's words are
//! its comment.

use testdb::{Kind, TestDb, on_both_backends};

use super::file;
use crate::domain::ContentKind;
use crate::storage::{UserMessageOutcome, filing, ratings, tickets};
use crate::testing::{conn, in_tx, naive, profile, start, user_text};

on_both_backends!(a_second_press_changes_the_rating, only_text_within_minutes_of_rating_is_a_comment);

async fn a_second_press_changes_the_rating(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = start(&test).await;
    let (ticket, _, _) = file(&db, 5, 1, "q", "2026-11-21T09:00:00Z").await;
    let now = naive("2026-11-21T10:00:00Z");
    assert_eq!(in_tx(&db, async |tx| ratings::rate(tx, ticket.id, 5, 4, now).await).await, None);
    assert_eq!(in_tx(&db, async |tx| ratings::rate(tx, ticket.id, 5, 2, now).await).await, Some(4));
    let rating = ratings::of_ticket(&mut conn(&db).await, ticket.id).await.unwrap().unwrap();
    assert_eq!((rating.score, rating.user_id, rating.comment), (2, 5, None));
}

async fn only_text_within_minutes_of_rating_is_a_comment(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = start(&test).await;
    let (ticket, _, _) = file(&db, 5, 1, "q", "2026-11-21T09:00:00Z").await;
    in_tx(&db, async |tx| tickets::close(tx, ticket.id, naive("2026-11-21T09:30:00Z")).await).await;
    in_tx(&db, async |tx| ratings::rate(tx, ticket.id, 5, 3, naive("2026-11-21T10:00:00Z")).await).await;

    let send = async |id: i32, at: &str, photo: bool| {
        let now = naive(at);
        let mut draft = user_text(5, id, "words");
        if photo {
            draft.kind = ContentKind::Photo;
        }
        in_tx(&db, async |tx| filing::user_message(tx, &profile(5), &draft, Default::default(), now.date(), now).await)
            .await
    };
    // A photo is no comment: it opens a ticket (closed again here).
    let UserMessageOutcome::Filed { ticket: photo, new_ticket: true, .. } = send(2, "2026-11-21T10:01:00Z", true).await
    else {
        panic!("a photo opens a ticket")
    };
    in_tx(&db, async |tx| tickets::close(tx, photo.id, naive("2026-11-21T10:02:00Z")).await).await;
    let outcome = send(3, "2026-11-21T10:04:00Z", false).await;
    assert!(
        matches!(&outcome, UserMessageOutcome::Commented { ticket: t, score: 3, .. } if t.id == ticket.id),
        "{outcome:?}"
    );
    let rating = ratings::of_ticket(&mut conn(&db).await, ticket.id).await.unwrap().unwrap();
    assert_eq!(rating.comment.as_deref(), Some("words"));
    // Commented once: the next words open a ticket.
    assert!(matches!(send(4, "2026-11-21T10:04:30Z", false).await, UserMessageOutcome::Filed { new_ticket: true, .. }));

    // Past the window, words open a ticket too.
    let (other, _, _) = file(&db, 6, 1, "q", "2026-11-21T09:00:00Z").await;
    in_tx(&db, async |tx| tickets::close(tx, other.id, naive("2026-11-21T09:30:00Z")).await).await;
    in_tx(&db, async |tx| ratings::rate(tx, other.id, 6, 5, naive("2026-11-21T10:00:00Z")).await).await;
    let now = naive("2026-11-21T10:06:00Z");
    let draft = user_text(6, 2, "late words");
    let late =
        in_tx(&db, async |tx| filing::user_message(tx, &profile(6), &draft, Default::default(), now.date(), now).await)
            .await;
    assert!(matches!(late, UserMessageOutcome::Filed { new_ticket: true, .. }), "{late:?}");
}
