//! `/find WORDS [@username] [#open] [YYYY-MM-DD] [page:N]`: the tickets
//! whose messages (either direction) or notes hold every word, those with
//! the newest such message first, ten a page, each with its `/ticket`
//! link, its user and the matching words in context.

use std::collections::HashSet;

use chrono::NaiveDate;

use super::ahead::Asked;
use super::{Desk, DeskError, Reaction};
use crate::db::{Conn, Db};
use crate::render;
use crate::storage::export::Days;
use crate::storage::rows::{Ticket, User};
use crate::storage::search::{self, Narrowing};

/// Tickets a page lists.
const PAGE: usize = 10;

/// Messages read from the index at a time, at least: a page's ten tickets
/// mostly come from the first fifty, and PostgreSQL's search of the newest
/// ids first stops sooner the fewer it needs. A longer page asks for twice
/// its tickets at once: each further read of PostgreSQL's older ids sorts
/// all of the word's older matches again (the console's 51 tickets, read
/// fifty messages at a time, sorted a word in thousands' twice: 80 ms).
const BATCH: i64 = 50;

/// At most this many matching messages are read for one answer: a page
/// past them (a word in every message of a few huge tickets) says nothing
/// more was found rather than reading the whole index.
const MOST_READ: usize = 20_000;

/// `/find`'s arguments, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FindQuery {
    pub words: Vec<String>,
    pub narrowing: Narrowing,
    /// From 1.
    pub page: usize,
}

impl FindQuery {
    /// `None` when there is no word to look for.
    pub fn parse(args: &str) -> Option<Self> {
        let mut query = Self { words: Vec::new(), narrowing: Narrowing::default(), page: 1 };
        for token in args.split_whitespace() {
            if let Some(name) = token.strip_prefix('@').filter(|n| !n.is_empty()) {
                query.narrowing.username = Some(name.to_string());
            } else if token.eq_ignore_ascii_case("#open") {
                query.narrowing.tickets.status = Some("open");
            } else if let Ok(day) = NaiveDate::parse_from_str(token, "%Y-%m-%d") {
                query.narrowing.tickets.days = Days { since: Some(day), until: Some(day) };
            } else if let Some(page) = token.strip_prefix("page:").and_then(|p| p.parse::<usize>().ok()) {
                query.page = page.clamp(1, 1000);
            } else if token.chars().any(char::is_alphanumeric) {
                query.words.push(token.to_string());
            }
        }
        (!query.words.is_empty()).then_some(query)
    }

    /// The query as staff typed it, without its page.
    pub fn shown(&self) -> String {
        let mut parts = self.words.clone();
        parts.extend(self.narrowing.username.as_ref().map(|u| format!("@{u}")));
        parts.extend(self.narrowing.is_open_only().then(|| "#open".to_string()));
        parts.extend(self.narrowing.day().map(|d| d.format("%Y-%m-%d").to_string()));
        parts.join(" ")
    }
}

/// One page of an answer.
#[derive(Debug, Clone, Default)]
pub(super) struct Page {
    /// Each ticket with the text of its newest matching message.
    pub found: Vec<(Ticket, User, Option<String>)>,
    /// Whether another page follows.
    pub more: bool,
}

/// The tickets whose messages hold every one of `words`, narrowed, those
/// with the newest such message first: `take` of them after the first
/// `skip`, each with the text of its newest matching message; and whether
/// more follow. `/find` and the web console's and API's searches.
pub async fn matching_tickets(
    conn: &mut Conn,
    words: &[String],
    narrowing: &Narrowing,
    skip: usize,
    take: usize,
) -> Result<(Vec<(i64, Option<String>)>, bool), DeskError> {
    let wanted = skip + take + 1;
    let batch = BATCH.max(2 * wanted as i64);
    let (mut order, mut seen, mut read, mut before) = (Vec::new(), HashSet::new(), 0, i64::MAX);
    loop {
        let hits = search::newest_hits(conn, words, narrowing, before, batch).await?;
        read += hits.len();
        let last = hits.last().map(|h| h.message_id);
        let full = hits.len() as i64 == batch;
        for hit in hits {
            if seen.insert(hit.ticket_id) {
                order.push((hit.ticket_id, hit.text));
            }
        }
        match last {
            Some(last) if full && order.len() < wanted && read < MOST_READ => before = last,
            _ => break,
        }
    }
    let more = order.len() > skip + take;
    Ok((order.into_iter().skip(skip).take(take).collect(), more))
}

/// Reads the page `query` asks for.
async fn search(conn: &mut Conn, query: &FindQuery) -> Result<Page, DeskError> {
    let skip = (query.page - 1) * PAGE;
    let (shown, more) = matching_tickets(conn, &query.words, &query.narrowing, skip, PAGE).await?;
    let ids: Vec<i64> = shown.iter().map(|(id, _)| *id).collect();
    let mut loaded = search::tickets_with_users(conn, &ids).await?;
    let found = shown
        .into_iter()
        .filter_map(|(id, text)| {
            let at = loaded.iter().position(|(t, _)| t.id == id)?;
            let (ticket, user) = loaded.swap_remove(at);
            Some((ticket, user, text))
        })
        .collect();
    Ok(Page { found, more })
}

impl Desk {
    /// Reads `/find`'s answer before the command's transaction; a failure
    /// here only means it is read inside.
    pub(super) async fn find_ahead(&self, db: &Db, message_id: i32, args: &str) {
        let Some(query) = FindQuery::parse(args) else { return };
        let Ok(mut conn) = db.conn().await else { return };
        if let Ok(page) = search(&mut conn, &query).await {
            self.ahead.put(message_id, Asked::Found { args: args.to_string(), page });
        }
    }

    /// `/find …`: a page of tickets, or how to ask.
    pub(super) async fn find(&self, conn: &mut Conn, message_id: i32, args: &str) -> Result<Reaction, DeskError> {
        let w = self.words();
        let Some(query) = FindQuery::parse(args) else {
            return Ok(Reaction::say(vec![self.support.text(render::staff::find_usage(w))]));
        };
        let page = match self.ahead.take(message_id) {
            Some(Asked::Found { args: read_for, page }) if read_for == args => page,
            _ => search(conn, &query).await?,
        };
        let shown = query.shown();
        if page.found.is_empty() {
            return Ok(Reaction::say(vec![self.support.text(render::staff::found_nothing(w, &shown, query.page))]));
        }
        let mut lines = vec![render::staff::found_header(w, &shown, query.page)];
        for (ticket, user, text) in &page.found {
            lines.push(render::staff::found_line(w, ticket, user, text.as_deref(), &query.words));
        }
        if page.more {
            lines.push(render::staff::found_more(w, &shown, query.page + 1));
        }
        let texts = render::html::pack(&lines, render::html::MESSAGE_LIMIT);
        Ok(Reaction::say(texts.into_iter().map(|html| self.support.text(html)).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_is_words_narrowed_by_a_user_open_tickets_a_day_and_a_page() {
        let query = FindQuery::parse("printer  @Anna #OPEN 2026-11-21 fire page:3 -- ?").unwrap();
        assert_eq!(query.words, ["printer", "fire"]);
        assert_eq!(query.narrowing.username.as_deref(), Some("Anna"));
        assert!(query.narrowing.is_open_only());
        assert_eq!(query.narrowing.day(), NaiveDate::from_ymd_opt(2026, 11, 21));
        assert_eq!(query.page, 3);
        assert_eq!(query.shown(), "printer fire @Anna #open 2026-11-21");
        assert_eq!(FindQuery::parse("принтер").unwrap().words, ["принтер"]);
        assert!(FindQuery::parse("@anna #open").is_none(), "no word to look for");
        assert!(FindQuery::parse("").is_none());
        assert_eq!(FindQuery::parse("x page:0").unwrap().page, 1);
    }
}
