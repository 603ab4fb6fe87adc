//! The commands people type. What each does, as Telegram's command menu
//! shows it (`setMyCommands`) and, for staff, as `/help` lists it, is the
//! text `menu-NAME` of `user.ftl` or `staff.ftl`.

use teloxide::macros::BotCommands;
use teloxide::types::BotCommand;

use crate::render::Words;

/// Users, in their private chat with the bot. Anything else they type,
/// unknown commands included, is a message for staff.
#[derive(BotCommands, Debug, Clone, PartialEq, Eq)]
#[command(rename_rule = "lowercase")]
pub enum UserCommand {
    /// How this works
    Start,
    /// Your open ticket
    Status,
    /// Close your ticket
    Close,
    /// Close it and start a new one
    New,
    /// How this works
    Help,
}

/// Staff, in the support chat. Each takes its ticket from the message it
/// replies to, from its forum topic, or from a reference in its text: `#7`
/// (today's ticket 7) or `2026-11-20#7`. The text after the command is its
/// argument, read by the desk.
#[derive(BotCommands, Debug, Clone, PartialEq, Eq)]
#[command(rename_rule = "lowercase")]
pub enum StaffCommand {
    /// Close a ticket (the user is told)
    Close(String),
    /// Reopen a ticket
    Reopen(String),
    /// Assign a ticket to yourself
    Take(String),
    /// Assign a ticket to a colleague: /assign @name (admins)
    Assign(String),
    /// Keep a note on a ticket; never sent to the user
    Note(String),
    /// Open tickets, those waiting for an answer first: /open [page]
    Open(String),
    /// A ticket's card and history: /ticket #N
    Ticket(String),
    /// Stop a ticket's user: nothing they send reaches staff (admins)
    Ban(String),
    /// Allow a banned user again (admins)
    Unban(String),
    /// The desk's figures, with a chart: /stats [day|week|month]
    Stats(String),
    /// Tickets whose messages hold words: /find WORDS [@user] [#open] [date]
    Find(String),
    /// The period's tickets as a CSV file: /export [day|week|month] (admins)
    Export(String),
    /// Erase a ticket's user: their name and every text, after you confirm (admins)
    Forget(String),
    /// Delete an answer from the user's chat: reply to it with /unsend
    Unsend(String),
    /// Send a saved reply to the ticket's user: /s NAME
    S(String),
    /// Saved replies: /snippet add NAME TEXT ({name}, {ticket} filled in), /snippet del NAME
    Snippet(String),
    /// List the saved replies
    Snippets,
    /// How to answer tickets
    Help,
    #[command(hide)]
    Start,
}

impl StaffCommand {
    /// Its name, as typed without the slash.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Close(_) => "close",
            Self::Reopen(_) => "reopen",
            Self::Take(_) => "take",
            Self::Assign(_) => "assign",
            Self::Note(_) => "note",
            Self::Open(_) => "open",
            Self::Ticket(_) => "ticket",
            Self::Ban(_) => "ban",
            Self::Unban(_) => "unban",
            Self::Stats(_) => "stats",
            Self::Find(_) => "find",
            Self::Export(_) => "export",
            Self::Forget(_) => "forget",
            Self::Unsend(_) => "unsend",
            Self::S(_) => "s",
            Self::Snippet(_) => "snippet",
            Self::Snippets => "snippets",
            Self::Help => "help",
            Self::Start => "start",
        }
    }
}

/// A command menu for `setMyCommands`, in `words`' language: names
/// without the slash, as Telegram wants them, each described by its
/// `menu-NAME` text.
pub fn menu<C: teloxide::utils::command::BotCommands>(words: Words) -> Vec<BotCommand> {
    C::bot_commands()
        .into_iter()
        .map(|c| {
            let name = c.command.trim_start_matches('/').to_string();
            let description = words.say(&format!("menu-{name}"), []);
            BotCommand::new(name, description)
        })
        .collect()
}

/// The users' menus: English for everyone, and one per other language
/// users can read, for Telegram to show by the app's language.
pub fn user_menus(texts: &crate::render::Texts) -> Vec<(Option<String>, Vec<BotCommand>)> {
    let mut menus: Vec<(Option<String>, Vec<BotCommand>)> = Vec::new();
    for words in texts.user_languages() {
        let code = (words.language_code() != "en").then(|| words.language_code().to_string());
        // Telegram names a menu's language by two letters only: the first
        // folder of a language (pt before pt-BR) gives its menu.
        if menus.iter().all(|(c, _)| *c != code) {
            menus.push((code, menu::<UserCommand>(words)));
        }
    }
    menus
}

/// The staff commands as `/help` lists them: (name, what it does).
pub fn staff_help_lines(words: Words) -> Vec<(String, String)> {
    menu::<StaffCommand>(words).into_iter().map(|c| (c.command, c.description)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::render::Texts;

    #[test]
    fn menus_name_every_command_once_without_slashes_in_every_language() {
        let texts = Texts::embedded();
        let staff: Vec<String> = menu::<StaffCommand>(texts.staff()).into_iter().map(|c| c.command).collect();
        assert_eq!(
            staff,
            [
                "close", "reopen", "take", "assign", "note", "open", "ticket", "ban", "unban", "stats", "find",
                "export", "forget", "unsend", "s", "snippet", "snippets", "help"
            ]
        );
        let users: Vec<String> = menu::<UserCommand>(texts.user(None)).into_iter().map(|c| c.command).collect();
        assert_eq!(users, ["start", "status", "close", "new", "help"]);
        let menus = user_menus(&texts);
        assert_eq!(menus.iter().map(|(code, _)| code.as_deref()).collect::<Vec<_>>(), [None, Some("ru")]);
        assert_eq!(menus[1].1[2].description, "Закрыть обращение");
        for language in ["en", "ru"] {
            let texts = Texts::load(None, language).unwrap();
            let menus = [menu::<StaffCommand>(texts.staff()), menu::<UserCommand>(texts.user(Some(language)))];
            for c in menus.into_iter().flatten() {
                // Telegram's rules for a menu entry; a missing text would
                // read as its id.
                assert!(c.command.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{}", c.command);
                assert!((3..=256).contains(&c.description.chars().count()), "{}", c.description);
                assert!(!c.description.starts_with("menu-"), "{language}: {}", c.description);
            }
        }
    }

    #[test]
    fn the_users_help_names_every_user_command() {
        use crate::render::user::greeting;
        let texts = Texts::embedded();
        for c in menu::<UserCommand>(texts.user(None)).into_iter().filter(|c| c.command != "start") {
            for language in ["en", "ru"] {
                let said = greeting(texts.user(Some(language)));
                assert!(said.contains(&format!("/{}", c.command)), "/{} in {language}", c.command);
            }
        }
    }
}
