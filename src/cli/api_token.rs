//! `ticketbot api-token create NAME | list | revoke NAME`: the REST API's
//! bearer tokens. A token is printed once, when made; the database keeps
//! only its hash.

use clap::Subcommand;

use crate::config::Config;
use crate::secret::{new_token, token_hash};
use crate::storage::api_tokens;

/// What a token starts with: recognisable in a leaked-secret scan.
const PREFIX: &str = "tbk_";

#[derive(Debug, Clone, Subcommand)]
pub enum ApiTokenAction {
    /// Make a token named NAME (e.g. the integration that uses it) and
    /// print it, once.
    Create { name: String },
    /// List the tokens: name, made, last used, revoked.
    List,
    /// Revoke the token named NAME: it answers 401 from now on.
    Revoke { name: String },
}

pub async fn execute(action: ApiTokenAction, config: &Config) -> Result<(), String> {
    let db = super::migrated_db(config).await?;
    let now = chrono::Utc::now().naive_utc();
    let e = |e: &dyn std::fmt::Display| e.to_string();
    match action {
        ApiTokenAction::Create { name } => {
            let name = name.trim();
            if name.is_empty() || name.len() > 100 || name.chars().any(char::is_control) {
                return Err(format!("{name:?}: a token's name is 1 to 100 printable characters"));
            }
            let token = new_token(PREFIX);
            let mut writer = db.writer().await.map_err(|x| e(&x))?;
            match api_tokens::create(&mut writer, name, &token_hash(token.expose()), now).await.map_err(|x| e(&x))? {
                None => return Err(format!("{name:?}: a token of that name exists (revoked ones stay listed)")),
                Some(_) => {
                    eprintln!("made API token {name:?}; it is shown this once, keep it in the integration's secrets:");
                    println!("{}", token.expose());
                }
            }
        }
        ApiTokenAction::List => {
            let mut conn = db.conn().await.map_err(|x| e(&x))?;
            let tokens = api_tokens::all(&mut conn).await.map_err(|x| e(&x))?;
            if tokens.is_empty() {
                println!("no API tokens: make one with `ticketbot api-token create NAME`");
            }
            let at = |t: Option<chrono::NaiveDateTime>| {
                t.map_or("-".to_string(), |t| t.format("%Y-%m-%d %H:%M").to_string())
            };
            for t in &tokens {
                let state = if t.revoked_at.is_some() { "revoked" } else { "live" };
                println!(
                    "{}\t{state}\tmade {}\tlast used {}\trevoked {}",
                    t.name,
                    at(Some(t.created_at)),
                    at(t.last_used_at),
                    at(t.revoked_at)
                );
            }
        }
        ApiTokenAction::Revoke { name } => {
            let mut writer = db.writer().await.map_err(|x| e(&x))?;
            if !api_tokens::revoke(&mut writer, &name, now).await.map_err(|x| e(&x))? {
                return Err(format!("{name:?}: no live token of that name (`ticketbot api-token list`)"));
            }
            println!("revoked API token {name:?}");
        }
    }
    Ok(())
}
