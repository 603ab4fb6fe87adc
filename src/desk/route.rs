//! What an update is, decided by teloxide's dispatcher machinery (a `dptree`
//! handler tree) without a bot, a network or a database: a user's message
//! or command, a user's edit, a staff command or a message that may answer
//! a ticket, or nothing of ours. The inbox processor feeds every stored
//! update through `Router::route`; the desk acts on the answer.

use std::ops::ControlFlow;

use teloxide::dispatching::{DpHandlerDescription, UpdateFilterExt};
use teloxide::dptree::{self, Handler};
use teloxide::types::{Message, Update, UpdateKind};
use teloxide::utils::command::BotCommands;

use super::commands::{StaffCommand, UserCommand};
use crate::domain::TicketRef;

/// What an update is.
#[derive(Debug, Clone)]
pub enum Route {
    /// A user's command in their private chat.
    UserCommand { message: Message, command: UserCommand },
    /// Anything else a user sends in their private chat: for their ticket.
    UserMessage(Message),
    /// A user edited a message in their private chat.
    UserEdit(Message),
    /// A staff command in the support chat.
    StaffCommand { message: Message, command: StaffCommand },
    /// A message in the support chat that may answer a ticket: a reply, or
    /// a message in a forum topic.
    StaffMessage(Message),
    /// Nothing to do; why, for the log.
    Ignore(&'static str),
    /// teloxide could not read it: kept with the reason, never dropped.
    Unreadable(String),
}

/// What routing needs to know besides the update.
#[derive(Debug, Clone)]
pub struct Context {
    pub support_chat: i64,
    /// The bot's @username (from getMe): `/cmd@otherbot` is not ours.
    /// Unknown, every addressed command is taken for ours.
    pub bot_username: Option<String>,
}

/// The handler tree, built once.
pub struct Router {
    tree: Handler<'static, Route, DpHandlerDescription>,
    context: Context,
}

impl Router {
    pub fn new(context: Context) -> Self {
        Self { tree: schema(), context }
    }

    pub async fn route(&self, update: Update) -> Route {
        match self.tree.dispatch(dptree::deps![update, self.context.clone()]).await {
            ControlFlow::Break(route) => route,
            ControlFlow::Continue(_) => {
                Route::Ignore("not for the bot: another chat, a channel, a bot, or a kind of update it does not handle")
            }
        }
    }
}

/// The tree: each branch either answers a `Route` or passes the update on.
pub fn schema() -> Handler<'static, Route, DpHandlerDescription> {
    let private =
        dptree::filter(|m: Message| m.chat.is_private() && from_person(&m))
            .branch(dptree::filter_map(user_command).endpoint(|message: Message, command: UserCommand| async move {
                Route::UserCommand { message, command }
            }))
            .endpoint(|message: Message| async move { Route::UserMessage(message) });
    let support = dptree::filter(|m: Message, cx: Context| in_support_chat(&m, &cx))
        .branch(dptree::filter_map(staff_command).endpoint(|message: Message, command: Parsed| async move {
            match command {
                Parsed::Ours(command) => Route::StaffCommand { message, command },
                Parsed::OtherBots => Route::Ignore("a command for another bot"),
            }
        }))
        .branch(
            dptree::filter(|m: Message| m.reply_to_message().is_some() || m.is_topic_message)
                .endpoint(|message: Message| async move { Route::StaffMessage(message) }),
        )
        .endpoint(|| async { Route::Ignore("staff talking among themselves") });
    dptree::entry()
        .branch(Update::filter_message().branch(private).branch(support))
        .branch(
            Update::filter_edited_message()
                .filter(|m: Message| m.chat.is_private() && from_person(&m))
                .endpoint(|message: Message| async move { Route::UserEdit(message) }),
        )
        .branch(
            dptree::filter_map(unreadable).endpoint(|reason: Unreadable| async move { Route::Unreadable(reason.0) }),
        )
}

fn from_person(message: &Message) -> bool {
    message.from.as_ref().is_some_and(|u| !u.is_bot)
}

/// A person in the support chat, or an anonymous admin (Telegram shows one
/// as GroupAnonymousBot writing on behalf of the group itself). Other bots
/// are not staff.
fn in_support_chat(message: &Message, cx: &Context) -> bool {
    message.chat.id.0 == cx.support_chat
        && (from_person(message) || message.sender_chat.as_ref().is_some_and(|c| c.id.0 == cx.support_chat))
}

/// A command the text starts with, made ready for `BotCommands::parse`:
/// the name lower-cased, an address to this bot dropped, the arguments
/// after one space. `Err(())` when it is addressed to another bot.
fn command_text(text: &str, bot_username: Option<&str>) -> Option<Result<String, ()>> {
    let rest = text.strip_prefix('/')?;
    let (word, args) = match rest.find(char::is_whitespace) {
        Some(at) => (&rest[..at], rest[at..].trim_start()),
        None => (rest, ""),
    };
    let (name, addressee) = match word.split_once('@') {
        Some((name, to)) => (name, Some(to)),
        None => (word, None),
    };
    if let (Some(to), Some(me)) = (addressee, bot_username) {
        if !to.eq_ignore_ascii_case(me) {
            return Some(Err(()));
        }
    }
    Some(Ok(format!("/{} {args}", name.to_ascii_lowercase()).trim_end().to_string()))
}

fn user_command(message: Message, cx: Context) -> Option<UserCommand> {
    let text = command_text(message.text()?, cx.bot_username.as_deref())?.ok()?;
    UserCommand::parse(&text, "").ok()
}

/// A support-chat command: ours, or another bot's.
#[derive(Debug, Clone)]
enum Parsed {
    Ours(StaffCommand),
    OtherBots,
}

fn staff_command(message: Message, cx: Context) -> Option<Parsed> {
    let Ok(text) = command_text(message.text()?, cx.bot_username.as_deref())? else {
        return Some(Parsed::OtherBots);
    };
    // A digest's link: `/ticket_20261121_7` is `/ticket 2026-11-21#7`.
    if let Some(reference) = text.strip_prefix("/ticket_").and_then(digest_link) {
        let rest = text.split_once(' ').map(|(_, rest)| rest).unwrap_or_default();
        return Some(Parsed::Ours(StaffCommand::Ticket(format!("{reference} {rest}").trim_end().to_string())));
    }
    Some(Parsed::Ours(match StaffCommand::parse(&text, "") {
        Ok(command) => command,
        // An unknown command gets the help text.
        Err(_) => StaffCommand::Help,
    }))
}

/// Reads the suffix of a `/ticket_…` link back as a ticket reference:
/// `20261120_7` is `2026-11-20#7`, `7` is today's `#7`.
fn digest_link(suffix: &str) -> Option<String> {
    let suffix = suffix.split(' ').next()?;
    match suffix.split_once('_') {
        None => suffix.parse::<u32>().ok().map(|n| format!("#{n}")),
        Some((day, number)) => {
            let day = chrono::NaiveDate::parse_from_str(day, "%Y%m%d").ok()?;
            let number = number.parse::<i32>().ok()?;
            Some(TicketRef { day, number }.as_typed())
        }
    }
}

/// Why teloxide could not read an update (a kind or a field it does not
/// know).
#[derive(Debug, Clone)]
struct Unreadable(String);

fn unreadable(update: Update) -> Option<Unreadable> {
    match update.kind {
        UpdateKind::Error(raw) => {
            let shown: String = raw.to_string().chars().take(200).collect();
            Some(Unreadable(format!("unrecognised update: {shown}")))
        }
        _ => None,
    }
}
