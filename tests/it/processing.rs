//! The processor handles the inbox in batches, one transaction each, every
//! update in its own savepoint. These show the batch keeps the semantics of
//! one transaction per update: a failing update rolls back alone and stays
//! pending, the other chats' updates in its batch keep their effects and go
//! out, its own chat's later updates wait behind it, and every chat's order
//! holds.

use std::time::{Duration, Instant};

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Nullable, Text};
use fake_telegram::TgUser;

use crate::desk::Desk;
use crate::inspect;
use crate::support::{Kind, TestDb};

/// Makes filing any message whose text is `poison` fail on the database,
/// as a constraint or a corrupt row would.
async fn poison_messages(db: &TestDb) {
    let sql = match db.kind {
        Kind::Sqlite => {
            "CREATE TRIGGER poison BEFORE INSERT ON ticket_messages WHEN NEW.text = 'poison' \
             BEGIN SELECT RAISE(ABORT, 'poisoned message'); END;"
        }
        Kind::Postgres => {
            "CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             IF NEW.text = 'poison' THEN RAISE EXCEPTION 'poisoned message'; END IF; RETURN NEW; END $$; \
             CREATE TRIGGER poison BEFORE INSERT ON ticket_messages FOR EACH ROW EXECUTE FUNCTION poison();"
        }
    };
    db.sql(sql).await;
}

#[derive(QueryableByName, Debug, Clone)]
struct InboxRow {
    #[diesel(sql_type = BigInt)]
    update_id: i64,
    #[diesel(sql_type = Nullable<Text>)]
    error: Option<String>,
    #[diesel(sql_type = BigInt)]
    pending: i64,
    #[diesel(sql_type = Text)]
    payload: String,
}

#[derive(QueryableByName, Debug, Clone, PartialEq, Eq)]
struct Filed {
    #[diesel(sql_type = BigInt)]
    user_chat_id: i64,
    #[diesel(sql_type = Nullable<Text>)]
    text: Option<String>,
}

const INBOX: &str = "SELECT update_id, error, CAST(CASE WHEN processed_at IS NULL THEN 1 ELSE 0 END AS BIGINT) AS pending, payload \
                     FROM inbox_updates ORDER BY update_id";
const FILED: &str = "SELECT user_chat_id, text FROM ticket_messages WHERE direction = 'from_user' ORDER BY id";

async fn wait_until(what: &str, timeout: Duration, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done().await {
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Five users' messages reach the bot together (one batch); one message
/// fails on the database every time it is tried.
async fn poisoned_update_fails_alone(kind: Kind) {
    let Some(mut desk) = Desk::start_full(kind, false, None).await else { return };
    poison_messages(&desk.db).await;
    let users: Vec<TgUser> = (0..5).map(|i| TgUser::new(7_000 + i, "Batch")).collect();
    let poisoned = &users[2];

    // Stopped, so that everything below arrives in one getUpdates and is
    // handled in one batch.
    desk.halt().await;
    desk.fake.release_polls().await;
    for round in 0..3 {
        for user in &users {
            let text = if user.id == poisoned.id && round == 1 { "poison".to_string() } else { format!("m{round}") };
            desk.fake.user_sends(user, &text);
        }
    }
    desk.restart().await;

    // Every other user's three messages are filed (and their relays
    // queued) while the poisoned update is still being retried (it is set
    // aside only after five failures a second apart): it blocked nobody
    // else.
    let others: Vec<i64> = users.iter().map(|u| u.id).filter(|id| *id != poisoned.id).collect();
    wait_until("the other users' messages filed", Duration::from_secs(10), async || {
        let filed: Vec<Filed> = desk.db.query(FILED).await;
        others.iter().all(|id| filed.iter().filter(|f| f.user_chat_id == *id).count() == 3)
    })
    .await;
    let inbox: Vec<InboxRow> = desk.db.query(INBOX).await;
    let poison = inbox.iter().find(|r| r.payload.contains("\"poison\"")).expect("poisoned update stored").clone();
    assert_eq!(poison.pending, 1, "the poisoned update stays pending while it is retried: {poison:?}");
    let filed: Vec<Filed> = desk.db.query(FILED).await;
    let of_poisoned: Vec<_> = filed.iter().filter(|f| f.user_chat_id == poisoned.id).collect();
    assert_eq!(of_poisoned.len(), 1, "only the message before the poisoned one is filed: {of_poisoned:?}");
    // Its chat's later message waits behind it: still pending, not filed.
    let later = inbox.iter().filter(|r| r.update_id > poison.update_id && r.payload.contains(&poisoned.id.to_string()));
    assert!(later.clone().count() == 1 && later.clone().all(|r| r.pending == 1), "{inbox:?}");

    // Set aside after five failures, with the reason; then its chat goes on.
    wait_until("the poisoned update set aside", Duration::from_secs(15), async || {
        desk.db.query::<InboxRow>(INBOX).await.iter().all(|r| r.pending == 0)
    })
    .await;
    let inbox: Vec<InboxRow> = desk.db.query(INBOX).await;
    let poison = inbox.iter().find(|r| r.update_id == poison.update_id).unwrap();
    let error = poison.error.as_deref().unwrap_or_default();
    assert!(error.starts_with("failed 5 times") && error.contains("poisoned message"), "{error}");
    assert!(inbox.iter().filter(|r| r.update_id != poison.update_id).all(|r| r.error.is_none()), "{inbox:?}");

    // Every chat's messages were filed in the order they were sent, each
    // once, the poisoned one missing.
    let filed: Vec<Filed> = desk.db.query(FILED).await;
    for user in &users {
        let texts: Vec<_> =
            filed.iter().filter(|f| f.user_chat_id == user.id).map(|f| f.text.clone().unwrap_or_default()).collect();
        let expected: Vec<&str> = if user.id == poisoned.id { vec!["m0", "m2"] } else { vec!["m0", "m1", "m2"] };
        assert_eq!(texts, expected, "user {}", user.id);
    }
    desk.settle().await;
    // The batch that met the poisoned update was rolled back and done
    // again: what it did is counted once.
    let (_, metrics) = crate::http::get(desk.http, "/metrics").await;
    assert_eq!(crate::http::metric(&metrics, "ticketbot_tickets_opened_total"), 5.0, "{metrics}");
    let relayed = "ticketbot_messages_relayed_total{direction=\"to_staff\"}";
    assert_eq!(crate::http::metric(&metrics, relayed), 14.0, "{metrics}");
    desk.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_poisoned_update_fails_alone() {
    poisoned_update_fails_alone(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_poisoned_update_fails_alone() {
    poisoned_update_fails_alone(Kind::Postgres).await;
}

/// A burst of many chats' messages, handled many to a transaction: each is
/// filed exactly once, every chat's in its order, every new ticket numbered
/// 1..=n without a gap.
async fn burst_keeps_each_chats_order(kind: Kind) {
    let Some(mut desk) = Desk::start_full(kind, false, None).await else { return };
    let users: Vec<TgUser> = (0..40).map(|i| TgUser::new(8_000 + i, "Burst")).collect();
    desk.halt().await;
    desk.fake.release_polls().await;
    for round in 0..6 {
        for user in &users {
            desk.fake.user_sends(user, &format!("m{round}"));
        }
    }
    desk.restart().await;
    wait_until("the burst filed", Duration::from_secs(30), async || {
        let inbox = desk.db.query::<InboxRow>(INBOX).await;
        inbox.len() == users.len() * 6 && inbox.iter().all(|r| r.pending == 0)
    })
    .await;
    let filed: Vec<Filed> = desk.db.query(FILED).await;
    assert_eq!(filed.len(), users.len() * 6);
    for user in &users {
        let texts: Vec<_> =
            filed.iter().filter(|f| f.user_chat_id == user.id).map(|f| f.text.clone().unwrap_or_default()).collect();
        assert_eq!(texts, ["m0", "m1", "m2", "m3", "m4", "m5"], "user {}", user.id);
    }
    let today = chrono::Utc::now().date_naive();
    let mut numbers = Vec::new();
    for user in &users {
        let history = inspect::tickets_of(&desk.db, user.id).await;
        assert_eq!(history.len(), 1, "one ticket for user {}", user.id);
        assert_eq!(history[0].day, today);
        numbers.push(history[0].number);
    }
    numbers.sort();
    assert_eq!(numbers, (1..=users.len() as i32).collect::<Vec<_>>());
    // 320 messages through the paced support chat (digests): more than the
    // default wait on a slow machine.
    desk.settle_within(Duration::from_secs(60)).await;
    desk.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_burst_keeps_each_chats_order() {
    burst_keeps_each_chats_order(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_burst_keeps_each_chats_order() {
    burst_keeps_each_chats_order(Kind::Postgres).await;
}
