//! Loading the texts: the embedded files first (English, then the other
//! languages), then `TEXTS_DIR`: one folder per language (`en`, `ru`,
//! `pt-BR`), holding `user.ftl` and/or `staff.ftl`. A message there
//! replaces the embedded one; a folder of a new language adds it, its
//! missing messages said in English.
//!
//! Everything is checked before the bot starts, so an operator's typo
//! stops start-up, named, instead of reaching users as a 400 from Telegram
//! or a `{$nmae}`: each file must parse, name only messages that exist and
//! only the variables those are given, and format to valid Telegram HTML.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use fluent_syntax::ast::Entry;
use unic_langid::LanguageIdentifier;

use super::number::NumberStyle;
use super::{Catalogue, File, Language, Texts, variables};
use crate::render::html;

/// The embedded files, English first: it is complete, the fallback, and
/// what the others are checked against.
const EMBEDDED: &[(&str, File, &str)] = &[
    ("en", File::User, include_str!("../../../assets/texts/en/user.ftl")),
    ("en", File::Staff, include_str!("../../../assets/texts/en/staff.ftl")),
    ("ru", File::User, include_str!("../../../assets/texts/ru/user.ftl")),
    ("ru", File::Staff, include_str!("../../../assets/texts/ru/staff.ftl")),
];

/// Messages shown as plain text (a topic's name, a chart's words, a
/// command menu, a pop-up on a button): not Telegram HTML.
pub(super) fn is_plain(file: File, id: &str) -> bool {
    id.starts_with("menu-")
        || id.starts_with("button-")
        || id.starts_with("press-")
        || match file {
            File::User => id == "rating-thanks",
            File::Staff => id == "topic-name" || id == "history-media" || id.starts_with("chart-"),
        }
}

/// Telegram's limit for a plain text, and where it applies.
fn longest(id: &str) -> Option<(usize, &'static str)> {
    match id {
        _ if id.starts_with("menu-") => Some((256, "a command menu")),
        "rating-thanks" | "press-admins-only" => Some((200, "a button's pop-up")),
        _ if id.starts_with("button-") => Some((64, "a button")),
        "topic-name" => Some((128, "a topic's name")),
        _ => None,
    }
}

/// The messages of `file`'s embedded English.
fn english_ids(file: File) -> std::collections::BTreeSet<String> {
    Catalogue::english(file).variables.into_keys().collect()
}

/// Why the texts cannot load: each names `TEXTS_DIR` (or
/// `STAFF_LANGUAGE`), the file and the message.
#[derive(Debug, thiserror::Error)]
pub enum TextsError {
    #[error("TEXTS_DIR: cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("TEXTS_DIR: {path} is not named as a language (en, ru, pt-BR): rename it, or move it out of TEXTS_DIR")]
    NotALanguage { path: String },
    #[error("TEXTS_DIR: {first} and {second} are the same language: merge them into one folder")]
    SameLanguage { first: String, second: String },
    #[error("TEXTS_DIR: {path}: texts go in a folder per language, such as TEXTS_DIR/en/user.ftl: move it")]
    NotInALanguage { path: String },
    #[error("TEXTS_DIR: {path}: texts live in user.ftl and staff.ftl only: rename it")]
    UnknownFile { path: String },
    #[error("TEXTS_DIR: {path}, line {line}: message {message} does not parse: {reason}")]
    Parse { path: String, line: usize, message: String, reason: String },
    #[error("TEXTS_DIR: {path}: there is no message {message} in {file}{hint}")]
    UnknownMessage { path: String, message: String, file: &'static str, hint: String },
    #[error("TEXTS_DIR: {path}: message {message} uses ${variable}, which it is not given (it is given: {given})")]
    UnknownVariable { path: String, message: String, variable: String, given: String },
    #[error("TEXTS_DIR: {path}: message {message} {reason}")]
    Invalid { path: String, message: String, reason: String },
    #[error(
        "STAFF_LANGUAGE: there are no staff texts in {language:?} (there are: {available}): choose one of \
         those, or add TEXTS_DIR/{language}/staff.ftl"
    )]
    StaffLanguage { language: String, available: String },
}

pub(super) fn load(dir: Option<&Path>, staff_language: &str) -> Result<Texts, TextsError> {
    let mut user = Catalogue::english(File::User);
    let mut staff = Catalogue::english(File::Staff);
    for (language, file, source) in EMBEDDED.iter().filter(|(language, ..)| *language != "en") {
        let path = format!("assets/texts/{language}/{} (embedded)", file.name());
        let id: LanguageIdentifier = language.parse().expect("an embedded language is a language tag");
        let catalogue = if *file == File::User { &mut user } else { &mut staff };
        catalogue.add(*file, id, &path, source.to_string())?;
    }
    if let Some(dir) = dir {
        for (folder, id) in language_folders(dir)? {
            for (path, file) in text_files(&folder)? {
                let shown = path.display().to_string();
                let bytes = std::fs::read(&path)
                    .map_err(|e| TextsError::Read { path: shown.clone(), reason: e.to_string() })?;
                let source = String::from_utf8(bytes).map_err(|_| TextsError::Read {
                    path: shown.clone(),
                    reason: "it is not UTF-8: save it as UTF-8".into(),
                })?;
                // Editors on Windows start a file with a byte-order mark,
                // which Fluent would read as the first message's name.
                let source = source.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(source);
                let catalogue = if file == File::User { &mut user } else { &mut staff };
                catalogue.add(file, id.clone(), &shown, source)?;
            }
        }
    }
    let staff_language = staff.find(staff_language).ok_or_else(|| TextsError::StaffLanguage {
        language: staff_language.to_string(),
        available: staff.languages.iter().map(|l| l.id.to_string()).collect::<Vec<_>>().join(", "),
    })?;
    for (catalogue, file) in [(&user, File::User), (&staff, File::Staff)] {
        for language in &catalogue.languages[1..] {
            let missing = catalogue.variables.keys().filter(|id| !language.bundle.has_message(id)).count();
            if missing > 0 {
                tracing::info!(language = %language.id, file = file.name(), missing, "texts: messages said in English");
            }
        }
    }
    Ok(Texts { user, staff, staff_language })
}

/// TEXTS_DIR's language folders, in name order; anything else but hidden
/// files is an error rather than silently unused.
fn language_folders(dir: &Path) -> Result<Vec<(PathBuf, LanguageIdentifier)>, TextsError> {
    let mut folders: Vec<(PathBuf, LanguageIdentifier)> = Vec::new();
    for entry in read_dir(dir)? {
        let (name, path) = (entry.file_name().to_string_lossy().to_string(), entry.path());
        if name.starts_with('.') {
            continue;
        }
        if !path.is_dir() {
            if is_ftl(&path) {
                return Err(TextsError::NotInALanguage { path: path.display().to_string() });
            }
            continue;
        }
        // A language is two or three letters (ISO 639), then a region or
        // script if any: `english` or `backup` would parse as a tag no
        // user's app ever reports.
        let id = name
            .replace('_', "-")
            .parse::<LanguageIdentifier>()
            .ok()
            .filter(|id| (2..=3).contains(&id.language.as_str().len()) && id.language.as_str() != "und")
            .ok_or_else(|| TextsError::NotALanguage { path: path.display().to_string() })?;
        if let Some((first, _)) = folders.iter().find(|(_, other)| *other == id) {
            let (first, second) = (first.display().to_string(), path.display().to_string());
            return Err(TextsError::SameLanguage { first, second });
        }
        folders.push((path, id));
    }
    folders.sort();
    Ok(folders)
}

/// A language folder's `.ftl` files, each one of `File`'s names.
fn text_files(folder: &Path) -> Result<Vec<(PathBuf, File)>, TextsError> {
    let mut files = Vec::new();
    for entry in read_dir(folder)? {
        let path = entry.path();
        if !is_ftl(&path) {
            continue;
        }
        let name = entry.file_name().to_string_lossy().to_string();
        let file = File::ALL
            .into_iter()
            .find(|f| f.name() == name)
            .ok_or_else(|| TextsError::UnknownFile { path: path.display().to_string() })?;
        files.push((path, file));
    }
    files.sort_by_key(|(path, _)| path.clone());
    Ok(files)
}

fn is_ftl(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("ftl"))
}

fn read_dir(dir: &Path) -> Result<Vec<std::fs::DirEntry>, TextsError> {
    let read = |e: std::io::Error| TextsError::Read { path: dir.display().to_string(), reason: e.to_string() };
    std::fs::read_dir(dir).map_err(read)?.collect::<Result<Vec<_>, _>>().map_err(read)
}

fn bundle(id: LanguageIdentifier) -> FluentBundle<FluentResource> {
    let style = NumberStyle::of(id.language.as_str());
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Unicode isolation marks around every value would reach Telegram as
    // invisible characters in names and commands.
    bundle.set_use_isolating(false);
    bundle.set_formatter(Some(style.formatter()));
    bundle.add_builtins().expect("NUMBER is added once");
    bundle
}

impl Catalogue {
    /// The embedded English of `file`, and the variables of its messages.
    fn english(file: File) -> Self {
        let (_, _, source) = EMBEDDED.iter().find(|(l, f, _)| *l == "en" && *f == file).expect("English is embedded");
        let resource = FluentResource::try_new(source.to_string()).expect("the embedded English parses");
        let mut variables = HashMap::new();
        for entry in resource.entries() {
            if let Entry::Message(message) = entry {
                let uses = message.value.as_ref().map(variables::of).unwrap_or_default();
                variables.insert(message.id.name.to_string(), uses);
            }
        }
        let id: LanguageIdentifier = "en".parse().expect("en is a language tag");
        let mut bundle = bundle(id.clone());
        bundle.add_resource(resource).expect("the embedded English has no message twice");
        Self { languages: vec![Language { id, bundle }], variables }
    }

    /// Adds `source`'s messages to `id`'s language (a new one when there is
    /// none yet), each checked.
    fn add(&mut self, file: File, id: LanguageIdentifier, path: &str, source: String) -> Result<(), TextsError> {
        let resource = parse(path, source)?;
        let mut ids: Vec<String> = Vec::new();
        for entry in resource.entries() {
            let Entry::Message(message) = entry else { continue };
            let name = message.id.name.to_string();
            let Some(given) = self.variables.get(&name) else {
                let other = File::ALL.into_iter().find(|f| *f != file).expect("two files");
                let hint = match english_ids(other).contains(&name) {
                    true => format!(" (it is a message of {}: move it there)", other.name()),
                    false => String::new(),
                };
                return Err(TextsError::UnknownMessage { path: path.into(), message: name, file: file.name(), hint });
            };
            if ids.contains(&name) {
                let reason = "is written twice in the file: keep one".to_string();
                return Err(TextsError::Invalid { path: path.into(), message: name, reason });
            }
            let Some(value) = &message.value else {
                let reason = "has no text (only attributes)".to_string();
                return Err(TextsError::Invalid { path: path.into(), message: name, reason });
            };
            if let Some(variable) = variables::of(value).into_iter().find(|v| !given.contains(v)) {
                let given = given.iter().map(|v| format!("${v}")).collect::<Vec<_>>().join(", ");
                let given = if given.is_empty() { "none".to_string() } else { given };
                return Err(TextsError::UnknownVariable { path: path.into(), message: name, variable, given });
            }
            ids.push(name);
        }
        let at = match self.languages.iter().position(|l| l.id == id) {
            Some(at) => at,
            None => {
                self.languages.push(Language { id: id.clone(), bundle: bundle(id) });
                self.languages.len() - 1
            }
        };
        self.languages[at].bundle.add_resource_overriding(resource);
        for message in ids {
            self.check_formats(file, at, path, &message)?;
        }
        Ok(())
    }

    /// A message formats without an error (a missing term, a function
    /// that does not exist) and, unless it is plain text, to HTML Telegram
    /// takes: tried with numbers and with words for its variables.
    fn check_formats(&self, file: File, at: usize, path: &str, message: &str) -> Result<(), TextsError> {
        let bundle = &self.languages[at].bundle;
        let pattern = bundle.get_message(message).and_then(|m| m.value()).expect("added just now");
        let invalid = |reason: String| TextsError::Invalid { path: path.into(), message: message.into(), reason };
        // Numbers of every plural category, and every word a selector
        // picks by: each variant is tried.
        let mut samples: Vec<FluentValue> =
            [0.0, 1.0, 2.0, 5.0, 21.0, 1.5].into_iter().map(FluentValue::from).collect();
        samples.push(FluentValue::from("text"));
        samples.extend(variables::variant_keys(pattern).into_iter().map(FluentValue::from));
        for sample in samples {
            let args: FluentArgs = self.variables[message].iter().map(|v| (v.as_str(), sample.clone())).collect();
            let mut errors = Vec::new();
            let text = bundle.format_pattern(pattern, Some(&args), &mut errors);
            if let Some(error) = errors.first() {
                return Err(invalid(format!("does not format: {error}")));
            }
            if !is_plain(file, message) {
                html::check(&text).map_err(|reason| invalid(format!("is not HTML Telegram takes: {reason}")))?;
            }
            if let Some((most, what)) = longest(message) {
                let length = text.chars().count();
                if length == 0 || length > most {
                    return Err(invalid(format!("is {length} characters long: Telegram takes 1 to {most} in {what}")));
                }
            }
        }
        Ok(())
    }
}

/// `source` parsed; the first syntax error named by the message it
/// breaks and the line that message starts on.
fn parse(path: &str, source: String) -> Result<FluentResource, TextsError> {
    let (_, errors) = match FluentResource::try_new(source.clone()) {
        Ok(resource) => return Ok(resource),
        Err(failed) => failed,
    };
    let error = errors.into_iter().next().expect("a failed parse has an error");
    // The parser notices some errors only where the next entry starts;
    // the slice it could not read begins where the broken message does.
    let at = error.slice.as_ref().map_or(error.pos.start, |slice| slice.start).min(source.len());
    let (line, message) = message_at(&source, at);
    Err(TextsError::Parse { path: path.into(), line, message, reason: error.kind.to_string() })
}

/// The message around `offset` and the line it starts on: the first line
/// from `offset` on that starts an entry (`name =`), or else the last one
/// before it.
fn message_at(source: &str, offset: usize) -> (usize, String) {
    let starts_entry = |l: &str| l.starts_with(|c: char| c.is_ascii_alphabetic() || c == '-');
    let line_start = source[..offset].rfind('\n').map_or(0, |n| n + 1);
    let mut lines =
        source[line_start..].lines().enumerate().map(|(i, l)| (i + source[..line_start].matches('\n').count() + 1, l));
    let found = lines.find(|(_, l)| starts_entry(l)).or_else(|| {
        source[..line_start].lines().enumerate().filter(|(_, l)| starts_entry(l)).last().map(|(i, l)| (i + 1, l))
    });
    match found {
        Some((line, text)) => {
            (line, text.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect())
        }
        None => (source[..offset].matches('\n').count() + 1, "(none: the file's first message)".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_syntax_error_is_named_by_its_line_and_message() {
        let source = "greeting = Hi\nslow-down = { $x\nbanned = no\n".to_string();
        let error = parse("t/en/user.ftl", source).unwrap_err();
        let TextsError::Parse { line, message, .. } = &error else { panic!("{error}") };
        assert_eq!((*line, message.as_str()), (2, "slow-down"), "{error}");
        assert!(error.to_string().starts_with("TEXTS_DIR: t/en/user.ftl, line 2: message slow-down does not parse"));
    }
}
