//! `ticketbot web-login --user ID` (a single-use link to the web console,
//! good for 10 minutes: for operators, and where no domain is set for the
//! Telegram Login Widget) and `ticketbot web-sessions [--end-user ID |
//! --end-all]` (who is logged in; ending their sessions).

use chrono::TimeDelta;

use crate::config::Config;
use crate::secret::{new_token, token_hash};
use crate::storage::{staff, web_sessions};

/// How long a login link works.
pub const LINK_LIFETIME: TimeDelta = TimeDelta::minutes(10);

/// `web-login --user ID`: prints the link.
pub async fn login_link(config: &Config, user: i64) -> Result<(), String> {
    if user <= 0 {
        return Err(format!("--user {user}: a Telegram user id is a positive number"));
    }
    let db = super::migrated_db(config).await?;
    let mut conn = db.conn().await.map_err(|e| e.to_string())?;
    let known = staff::find(&mut conn, user).await.map_err(|e| e.to_string())?.is_some();
    drop(conn);
    if !known && !config.admin_ids.contains(&user) {
        return Err(format!(
            "--user {user}: not a staff member (staff are who answered a ticket, was assigned one or is in ADMIN_IDS)"
        ));
    }
    let token = new_token("");
    let expires = chrono::Utc::now().naive_utc() + LINK_LIFETIME;
    let mut writer = db.writer().await.map_err(|e| e.to_string())?;
    web_sessions::create_link(&mut writer, &token_hash(token.expose()), user, expires)
        .await
        .map_err(|e| e.to_string())?;
    if !config.web.enabled {
        eprintln!("note: WEB_CONSOLE is off; the link works once the bot runs with WEB_CONSOLE=on");
    }
    eprintln!("a login link for user {user}, good once within 10 minutes:");
    println!("{}", config.web.link(&format!("/auth/link?token={}", token.expose())));
    Ok(())
}

/// `web-sessions`: lists the live sessions, or ends some.
pub async fn sessions(config: &Config, end_user: Option<i64>, end_all: bool) -> Result<(), String> {
    let db = super::migrated_db(config).await?;
    if end_all || end_user.is_some() {
        let mut writer = db.writer().await.map_err(|e| e.to_string())?;
        let ended = web_sessions::end_all(&mut writer, end_user).await.map_err(|e| e.to_string())?;
        println!("ended {ended} session(s)");
        return Ok(());
    }
    let mut conn = db.conn().await.map_err(|e| e.to_string())?;
    let live = web_sessions::live(&mut conn, chrono::Utc::now().naive_utc()).await.map_err(|e| e.to_string())?;
    if live.is_empty() {
        println!("nobody is logged in to the web console");
    }
    let at = |t: chrono::NaiveDateTime| t.format("%Y-%m-%d %H:%M").to_string();
    for s in &live {
        println!(
            "{}\t{}\tsince {}\tlast seen {}\tuntil {}",
            s.user_id,
            s.display_name,
            at(s.created_at),
            at(s.last_seen_at),
            at(s.expires_at)
        );
    }
    Ok(())
}
