//! What an update is, decided by teloxide's dispatcher machinery (a `dptree`
//! handler tree) without a bot, a network or a database: a user's message
//! or command, a user's edit, a staff command or a message that may answer
//! a ticket, or nothing of ours. The inbox processor feeds every stored
//! update through `Router::route`; the desk acts on the answer.

use std::ops::ControlFlow;

use teloxide::dispatching::{DpHandlerDescription, UpdateFilterExt};
use teloxide::dptree::{self, Handler};
use teloxide::types::{
    CallbackQuery, ChatMigration, MediaKind, Message, MessageCommon, MessageKind, Update, UpdateKind,
};
use teloxide::utils::command::BotCommands;

use super::commands::{StaffCommand, UserCommand};
use crate::domain::TicketRef;
use crate::outbox::SupportChat;

/// What an update is.
#[derive(Debug, Clone)]
pub enum Route {
    /// A user's command in their private chat.
    UserCommand { message: Message, command: UserCommand },
    /// Anything else a user sends in their private chat: for their ticket.
    UserMessage(Message),
    /// A user edited a message in their private chat.
    UserEdit(Message),
    /// Staff edited a message in the support chat (an answer, perhaps).
    StaffEdit(Message),
    /// A staff command in the support chat.
    StaffCommand { message: Message, command: StaffCommand },
    /// A message in the support chat that may answer a ticket: a reply, or
    /// a message in a forum topic.
    StaffMessage(Message),
    /// Telegram upgraded the support group to a supergroup with a new id
    /// (said in the old chat, and again in the new one).
    SupportChatMoved { from: i64, to: i64 },
    /// A message in a group the bot does not serve (someone added it): it
    /// leaves, keeping nothing of the message.
    ForeignGroup(i64),
    /// A person pressed a button under one of the bot's messages (a
    /// callback query): always answered, acted on when its data is ours.
    Press(Press),
    /// Nothing to do; why, for the log.
    Ignore(&'static str),
    /// teloxide could not read it: kept with the reason, never dropped.
    Unreadable(String),
}

/// A button press: who pressed, under which message, and what the button
/// said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Press {
    pub query_id: String,
    pub from: i64,
    pub language: Option<String>,
    /// The chat and message the button is under.
    pub message: Option<(i64, i32)>,
    pub data: String,
}

/// What routing needs to know besides the update.
#[derive(Debug, Clone)]
pub struct Context {
    /// Read afresh for each update: the chat can move.
    pub support_chat: SupportChat,
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
fn schema() -> Handler<'static, Route, DpHandlerDescription> {
    let private =
        dptree::filter(|m: Message| m.chat.is_private() && from_person(&m))
            .branch(dptree::filter_map(user_command).endpoint(|message: Message, command: UserCommand| async move {
                Route::UserCommand { message, command }
            }))
            .endpoint(|message: Message| async move { Route::UserMessage(message) });
    let support = dptree::filter(|m: Message, cx: Context| in_support_chat(&m, &cx))
        // Topics renamed, closed or reopened in the app, pins, members
        // joining: Telegram's notes about the chat, not answers.
        .branch(
            dptree::filter(|m: Message| !is_written(&m))
                .endpoint(|| async { Route::Ignore("a service message in the support chat") }),
        )
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
    let moved = dptree::filter_map(|m: Message, cx: Context| support_chat_moved(&m, &cx))
        .endpoint(|(from, to): (i64, i64)| async move { Route::SupportChatMoved { from, to } });
    let foreign = dptree::filter(|m: Message, cx: Context| {
        (m.chat.is_group() || m.chat.is_supergroup()) && m.chat.id.0 != cx.support_chat.id()
    })
    .endpoint(|m: Message| async move { Route::ForeignGroup(m.chat.id.0) });
    dptree::entry()
        .branch(Update::filter_message().branch(moved).branch(private).branch(support).branch(foreign))
        .branch(
            Update::filter_edited_message()
                .branch(
                    dptree::filter(|m: Message| m.chat.is_private() && from_person(&m))
                        .endpoint(|message: Message| async move { Route::UserEdit(message) }),
                )
                .branch(
                    dptree::filter(|m: Message, cx: Context| in_support_chat(&m, &cx))
                        .endpoint(|message: Message| async move { Route::StaffEdit(message) }),
                ),
        )
        .branch(Update::filter_callback_query().endpoint(|q: CallbackQuery| async move { Route::Press(press_of(q)) }))
        .branch(
            dptree::filter_map(unreadable).endpoint(|reason: Unreadable| async move { Route::Unreadable(reason.0) }),
        )
}

fn press_of(query: CallbackQuery) -> Press {
    Press {
        query_id: query.id.0,
        from: query.from.id.0 as i64,
        language: query.from.language_code,
        message: query.message.map(|m| (m.chat().id.0, m.id().0)),
        data: query.data.unwrap_or_default(),
    }
}

/// Written by someone (text, media, a poll…), as opposed to Telegram's
/// service messages about the chat.
fn is_written(message: &Message) -> bool {
    matches!(&message.kind, MessageKind::Common(MessageCommon { media_kind, .. }) if !matches!(media_kind, MediaKind::Migration(_)))
}

/// `(from, to)` when the message says the support chat moved: in the old
/// group, "migrated to"; in the new supergroup, "migrated from". Either id
/// may be the current one (the move may be known already, or handled again
/// after a rollback): recording it is idempotent.
fn support_chat_moved(message: &Message, cx: &Context) -> Option<(i64, i64)> {
    let support = cx.support_chat.id();
    let (from, to) = match message.chat_migration()? {
        ChatMigration::To { chat_id } => (message.chat.id.0, chat_id.0),
        ChatMigration::From { chat_id } => (chat_id.0, message.chat.id.0),
    };
    (from == support || to == support).then_some((from, to))
}

fn from_person(message: &Message) -> bool {
    message.from.as_ref().is_some_and(|u| !u.is_bot)
}

/// A person in the support chat, or an anonymous admin (Telegram shows one
/// as GroupAnonymousBot writing on behalf of the group itself). Other bots
/// are not staff.
fn in_support_chat(message: &Message, cx: &Context) -> bool {
    let support = cx.support_chat.id();
    message.chat.id.0 == support
        && (from_person(message) || message.sender_chat.as_ref().is_some_and(|c| c.id.0 == support))
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
    // A lone `/` names no command.
    if name.is_empty() {
        return None;
    }
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

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    const SUPPORT: i64 = -1_001_234_567_890;

    fn router() -> Router {
        Router::new(Context {
            support_chat: SupportChat::new(SUPPORT, false),
            bot_username: Some("ticketbot_test_bot".into()),
        })
    }

    fn person(id: i64) -> Value {
        json!({"id": id, "is_bot": false, "first_name": "Ann"})
    }

    fn private(from: Value, text: &str) -> Value {
        let id = from["id"].clone();
        json!({"message_id": 7, "date": 1_800_000_000, "chat": {"id": id, "type": "private", "first_name": "Ann"},
               "from": from, "text": text})
    }

    fn in_group(chat: i64, from: Value, text: &str) -> Value {
        json!({"message_id": 9, "date": 1_800_000_000, "chat": {"id": chat, "type": "supergroup", "title": "Support"},
               "from": from, "text": text})
    }

    /// Routes an update as the processor does, from its JSON text
    /// (teloxide reads an `Update` from text, not from a `Value`).
    async fn route(update: Value) -> Route {
        router().route(serde_json::from_str(&update.to_string()).expect("an update teloxide reads")).await
    }

    async fn message(message: Value) -> Route {
        route(json!({"update_id": 1, "message": message})).await
    }

    #[tokio::test]
    async fn an_edit_in_the_support_chat_is_staffs_and_elsewhere_nothing() {
        let edited = |message: Value| route(json!({"update_id": 1, "edited_message": message}));
        assert!(matches!(edited(in_group(SUPPORT, person(900), "fixed")).await, Route::StaffEdit(_)));
        assert!(matches!(edited(in_group(-5, person(900), "elsewhere")).await, Route::Ignore(_)));
        assert!(matches!(edited(private(person(501), "mine")).await, Route::UserEdit(_)));
    }

    #[tokio::test]
    async fn a_button_press_routes_with_who_pressed_and_under_what() {
        let mut ann = person(501);
        ann["language_code"] = json!("ru");
        let pressed = route(json!({"update_id": 1, "callback_query": {
            "id": "q1", "from": ann, "chat_instance": "c", "data": "rate:12:4",
            "message": private(person(501), "How did we do?")}}))
        .await;
        let Route::Press(press) = pressed else { panic!("{pressed:?}") };
        assert_eq!(
            press,
            Press {
                query_id: "q1".into(),
                from: 501,
                language: Some("ru".into()),
                message: Some((501, 7)),
                data: "rate:12:4".into()
            }
        );
    }

    fn user_command(route: Route) -> Option<UserCommand> {
        match route {
            Route::UserCommand { command, .. } => Some(command),
            _ => None,
        }
    }

    fn staff_command(route: Route) -> Option<StaffCommand> {
        match route {
            Route::StaffCommand { command, .. } => Some(command),
            _ => None,
        }
    }

    #[tokio::test]
    async fn a_users_text_is_for_their_ticket() {
        let route = message(private(person(5), "my order is late")).await;
        assert!(matches!(route, Route::UserMessage(_)), "{route:?}");
    }

    #[tokio::test]
    async fn users_commands_are_read_whatever_their_case_and_address() {
        for text in ["/status", "/STATUS", "/status@ticketbot_test_bot", "/Status@TicketBot_Test_Bot extra words"] {
            assert_eq!(user_command(message(private(person(5), text)).await), Some(UserCommand::Status), "{text}");
        }
        assert_eq!(user_command(message(private(person(5), "/new")).await), Some(UserCommand::New));
    }

    #[tokio::test]
    async fn unknown_commands_and_other_bots_commands_reach_staff_as_messages() {
        for text in ["/refund please", "/status@some_other_bot", "/"] {
            assert!(matches!(message(private(person(5), text)).await, Route::UserMessage(_)), "{text}");
        }
    }

    #[tokio::test]
    async fn bots_and_strangers_chats_are_ignored() {
        let bot = json!({"id": 66, "is_bot": true, "first_name": "Spam"});
        assert!(matches!(message(private(bot, "hi")).await, Route::Ignore(_)));
        let channel = json!({"update_id": 1, "channel_post": {"message_id": 1, "date": 1_800_000_000,
            "chat": {"id": -100_555, "type": "channel", "title": "News"}, "text": "news"}});
        assert!(matches!(route(channel).await, Route::Ignore(_)));
    }

    #[tokio::test]
    async fn a_group_the_bot_does_not_serve_is_left() {
        let route = message(in_group(-100_777, person(5), "hello all")).await;
        assert!(matches!(route, Route::ForeignGroup(-100_777)), "{route:?}");
        let mut added = in_group(-100_777, person(5), "");
        added.as_object_mut().unwrap().remove("text");
        added["new_chat_members"] = json!([{"id": 42, "is_bot": true, "first_name": "ticketbot"}]);
        assert!(matches!(message(added).await, Route::ForeignGroup(-100_777)));
        let mut small_group = in_group(-777, person(5), "hi");
        small_group["chat"] = json!({"id": -777, "type": "group", "title": "Friends"});
        assert!(matches!(message(small_group).await, Route::ForeignGroup(-777)));
    }

    #[tokio::test]
    async fn the_support_group_upgraded_to_a_supergroup_is_followed_from_either_side() {
        let mut to = in_group(SUPPORT, person(900), "");
        to.as_object_mut().unwrap().remove("text");
        to["migrate_to_chat_id"] = json!(-100_999);
        assert!(matches!(message(to).await, Route::SupportChatMoved { from: SUPPORT, to: -100_999 }));
        let mut from = in_group(-100_999, person(900), "");
        from.as_object_mut().unwrap().remove("text");
        from["migrate_from_chat_id"] = json!(SUPPORT);
        assert!(matches!(message(from).await, Route::SupportChatMoved { from: SUPPORT, to: -100_999 }));
        // Handled again after a rollback, or by a process that knows of the
        // move already: still the move, recorded again (idempotent).
        let chat = SupportChat::new(-100_999, false);
        let knows = Router::new(Context { support_chat: chat, bot_username: None });
        let mut to = in_group(SUPPORT, person(900), "");
        to.as_object_mut().unwrap().remove("text");
        to["migrate_to_chat_id"] = json!(-100_999);
        let update = json!({"update_id": 1, "message": to}).to_string();
        let route = knows.route(serde_json::from_str(&update).unwrap()).await;
        assert!(matches!(route, Route::SupportChatMoved { from: SUPPORT, to: -100_999 }), "{route:?}");
        // Another group's upgrade is not ours.
        let mut other = in_group(-100_777, person(900), "");
        other.as_object_mut().unwrap().remove("text");
        other["migrate_from_chat_id"] = json!(-555);
        assert!(matches!(message(other).await, Route::ForeignGroup(-100_777)));
    }

    #[tokio::test]
    async fn the_router_follows_the_support_chat_as_it_moves() {
        let chat = SupportChat::new(SUPPORT, false);
        let router = Router::new(Context { support_chat: chat.clone(), bot_username: None });
        let update = |chat: i64| {
            let json = json!({"update_id": 1, "message": in_group(chat, person(900), "/open")}).to_string();
            serde_json::from_str::<Update>(&json).unwrap()
        };
        assert!(matches!(router.route(update(-100_999)).await, Route::ForeignGroup(_)));
        chat.moved(SUPPORT, -100_999);
        assert!(matches!(router.route(update(-100_999)).await, Route::StaffCommand { .. }));
        assert!(matches!(router.route(update(SUPPORT)).await, Route::ForeignGroup(_)), "the old id is no longer ours");
    }

    #[tokio::test]
    async fn service_messages_in_the_support_chat_are_no_answers() {
        let service = |field: &str, value: Value| {
            let mut m = in_group(SUPPORT, person(900), "");
            m.as_object_mut().unwrap().remove("text");
            m["message_thread_id"] = json!(44);
            m["is_topic_message"] = json!(true);
            m[field] = value;
            m
        };
        let cases = [
            service("forum_topic_edited", json!({"name": "renamed"})),
            service("forum_topic_closed", json!({})),
            service("forum_topic_reopened", json!({})),
            service("pinned_message", in_group(SUPPORT, person(901), "pinned")),
            service("new_chat_members", json!([person(77)])),
        ];
        for case in cases {
            let route = message(case.clone()).await;
            assert!(matches!(route, Route::Ignore("a service message in the support chat")), "{case}: {route:?}");
        }
    }

    #[tokio::test]
    async fn a_users_edit_is_an_edit() {
        let update = json!({"update_id": 1, "edited_message": private(person(5), "fixed typo")});
        assert!(matches!(route(update).await, Route::UserEdit(_)));
    }

    #[tokio::test]
    async fn staff_commands_carry_the_text_after_them() {
        let cases = [
            ("/close", StaffCommand::Close(String::new())),
            ("/close #3", StaffCommand::Close("#3".into())),
            ("/CLOSE@ticketbot_test_bot 2026-11-20#3", StaffCommand::Close("2026-11-20#3".into())),
            ("/note #3 first line\nsecond line", StaffCommand::Note("#3 first line\nsecond line".into())),
            ("/note\nonly a note", StaffCommand::Note("only a note".into())),
            ("/assign @bob #4", StaffCommand::Assign("@bob #4".into())),
            ("/open 2", StaffCommand::Open("2".into())),
            ("/help", StaffCommand::Help),
        ];
        for (text, expected) in cases {
            assert_eq!(staff_command(message(in_group(SUPPORT, person(900), text)).await), Some(expected), "{text}");
        }
    }

    #[tokio::test]
    async fn a_digest_link_opens_its_ticket_of_its_day() {
        let link = "/ticket_20261120_7@ticketbot_test_bot";
        let expected = Some(StaffCommand::Ticket("2026-11-20#7".into()));
        assert_eq!(staff_command(message(in_group(SUPPORT, person(900), link)).await), expected);
        let old_style = staff_command(message(in_group(SUPPORT, person(900), "/ticket_7")).await);
        assert_eq!(old_style, Some(StaffCommand::Ticket("#7".into())));
    }

    #[tokio::test]
    async fn an_unknown_staff_command_asks_for_help_and_another_bots_is_ignored() {
        assert_eq!(
            staff_command(message(in_group(SUPPORT, person(900), "/frobnicate")).await),
            Some(StaffCommand::Help)
        );
        let other = message(in_group(SUPPORT, person(900), "/close@some_other_bot")).await;
        assert!(matches!(other, Route::Ignore(_)), "{other:?}");
    }

    #[tokio::test]
    async fn in_the_support_chat_only_replies_and_topic_messages_may_answer() {
        let mut reply = in_group(SUPPORT, person(900), "on it");
        reply["reply_to_message"] = in_group(SUPPORT, person(901), "card");
        assert!(matches!(message(reply).await, Route::StaffMessage(_)));
        let mut in_topic = in_group(SUPPORT, person(900), "on it");
        in_topic["message_thread_id"] = json!(44);
        in_topic["is_topic_message"] = json!(true);
        assert!(matches!(message(in_topic).await, Route::StaffMessage(_)));
        let chatter = message(in_group(SUPPORT, person(900), "coffee?")).await;
        assert!(matches!(chatter, Route::Ignore("staff talking among themselves")), "{chatter:?}");
    }

    #[tokio::test]
    async fn a_lone_slash_is_no_command() {
        let chatter = message(in_group(SUPPORT, person(900), "/")).await;
        assert!(matches!(chatter, Route::Ignore("staff talking among themselves")), "{chatter:?}");
        assert!(matches!(message(private(person(5), "/")).await, Route::UserMessage(_)));
    }

    #[tokio::test]
    async fn an_anonymous_admin_is_staff_and_another_bot_is_not() {
        let anonymous = json!({"id": 1_087_968_824, "is_bot": true, "first_name": "Group",
                               "username": "GroupAnonymousBot"});
        let mut as_group = in_group(SUPPORT, anonymous.clone(), "/ban");
        as_group["sender_chat"] = json!({"id": SUPPORT, "type": "supergroup", "title": "Support"});
        assert_eq!(staff_command(message(as_group).await), Some(StaffCommand::Ban(String::new())));
        let other_bot = json!({"id": 67, "is_bot": true, "first_name": "Helper"});
        assert!(matches!(message(in_group(SUPPORT, other_bot, "/close")).await, Route::Ignore(_)));
    }

    #[tokio::test]
    async fn an_update_teloxide_cannot_read_is_kept_with_the_reason() {
        let update = json!({"update_id": 1, "kind_from_the_future": {"x": 1}});
        match route(update).await {
            Route::Unreadable(reason) => assert!(reason.starts_with("unrecognised update"), "{reason}"),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn without_the_bots_username_every_addressed_command_is_ours() {
        let router = Router::new(Context { support_chat: SupportChat::new(SUPPORT, false), bot_username: None });
        let update = json!({"update_id": 1, "message": private(person(5), "/status@whoever")});
        let route = router.route(serde_json::from_str(&update.to_string()).unwrap()).await;
        assert_eq!(user_command(route), Some(UserCommand::Status));
    }
}
