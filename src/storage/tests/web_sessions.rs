//! The web console's login links and sessions on both backends: a link
//! works once, even for two clicks at the same moment, and not after it
//! expires; a Telegram login's signature is used once; sessions end at
//! their expiry; the sweep deletes what is over.

use testdb::{Kind, TestDb, on_both_backends};

use crate::storage::web_sessions::{self, Session};
use crate::testing::{conn, naive, start};

on_both_backends!(a_link_logs_in_once_and_not_after_it_expires, sessions_end_at_expiry_and_the_sweep_deletes_them);

async fn a_link_logs_in_once_and_not_after_it_expires(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = start(&test).await;
    let (now, expires) = (naive("2026-11-21T09:00:00Z"), naive("2026-11-21T09:10:00Z"));
    web_sessions::create_link(&mut db.writer().await.unwrap(), "racy", 7, expires).await.unwrap();
    web_sessions::create_link(&mut db.writer().await.unwrap(), "late", 8, expires).await.unwrap();
    // Two clicks together: one gets the user, the other nothing.
    let click = || async { web_sessions::redeem_link(&mut db.writer().await.unwrap(), "racy", now).await.unwrap() };
    let (a, b) = tokio::join!(click(), click());
    let mut got = [a, b];
    got.sort();
    assert_eq!(got, [None, Some(7)]);
    let after = naive("2026-11-21T09:10:00Z");
    assert_eq!(web_sessions::redeem_link(&mut db.writer().await.unwrap(), "late", after).await.unwrap(), None);
    assert_eq!(web_sessions::redeem_link(&mut db.writer().await.unwrap(), "none", now).await.unwrap(), None);
}

async fn sessions_end_at_expiry_and_the_sweep_deletes_them(kind: Kind) {
    let Some(test) = TestDb::new(kind).await else { return };
    let db = start(&test).await;
    let at = naive("2026-11-21T09:00:00Z");
    for (hash, user, hours) in [("short", 7, 1), ("long", 8, 12)] {
        let session = Session {
            token_hash: hash.into(),
            user_id: user,
            display_name: format!("Agent {user}"),
            csrf_token: "c".into(),
            created_at: at,
            last_seen_at: at,
            expires_at: at + chrono::TimeDelta::hours(hours),
        };
        web_sessions::create(&mut db.writer().await.unwrap(), &session).await.unwrap();
    }
    let later = naive("2026-11-21T11:00:00Z");
    let mut c = conn(&db).await;
    assert!(web_sessions::find(&mut c, "short", later).await.unwrap().is_none(), "expired");
    assert_eq!(web_sessions::find(&mut c, "long", later).await.unwrap().map(|s| s.user_id), Some(8));
    assert_eq!(web_sessions::live(&mut c, later).await.unwrap().len(), 1);
    drop(c);
    web_sessions::create_link(&mut db.writer().await.unwrap(), "old", 7, at).await.unwrap();
    // A Telegram login's signature: used once, remembered while fresh.
    let db = &db;
    let use_login = |hash: &'static str, fresh_until| async move {
        web_sessions::first_use_of_login(&mut db.writer().await.unwrap(), hash, fresh_until).await.unwrap()
    };
    assert!(use_login("signed-old", at).await);
    assert!(!use_login("signed-old", at).await, "the same signature again");
    assert!(use_login("signed-new", at + chrono::TimeDelta::days(1)).await);
    let deleted = web_sessions::delete_expired(&mut db.writer().await.unwrap(), later).await.unwrap();
    assert_eq!(deleted, 3, "the expired session, the expired link and the stale signature");
    assert!(!use_login("signed-new", at + chrono::TimeDelta::days(1)).await, "still fresh: still remembered");
    assert_eq!(web_sessions::end_all(&mut db.writer().await.unwrap(), Some(8)).await.unwrap(), 1);
    assert!(web_sessions::live(&mut conn(db).await, later).await.unwrap().is_empty());
}
