//! The embedded texts are complete in every language, and an operator's
//! override is checked, named when wrong, and used when right.

use std::collections::BTreeSet;
use std::panic::AssertUnwindSafe;
use std::path::Path;

use fake_telegram::visible_text;
use fluent_bundle::{FluentArgs, FluentValue};

use super::*;
use crate::render::html;

/// Every message of `catalogue`'s English, by id.
fn ids(catalogue: &Catalogue) -> BTreeSet<String> {
    catalogue.variables.keys().cloned().collect()
}

/// Each language's `file` as its folder holds it, and its messages' variables.
fn variables_in(language: &Language, id: &str) -> BTreeSet<String> {
    let pattern = language.bundle.get_message(id).and_then(|m| m.value()).expect("the message exists");
    variables::of(pattern)
}

#[test]
fn every_message_is_in_every_embedded_language_with_the_same_variables() {
    let texts = Texts::embedded();
    for (catalogue, file) in [(&texts.user, File::User), (&texts.staff, File::Staff)] {
        assert_eq!(catalogue.languages.iter().map(|l| l.id.to_string()).collect::<Vec<_>>(), ["en", "ru"]);
        assert!(ids(catalogue).len() > 10, "{}: {:?}", file.name(), ids(catalogue));
        for language in &catalogue.languages {
            for id in ids(catalogue) {
                assert!(language.bundle.has_message(&id), "{} has no {id} in {}", language.id, file.name());
                assert_eq!(
                    variables_in(language, &id),
                    catalogue.variables[&id],
                    "{id} in {} uses other variables than in English",
                    language.id
                );
            }
        }
    }
}

/// Values that try every branch a message may have: plural categories
/// (0, 1, 2, 5, 21, 1.5), and words with every character HTML cares about,
/// escaped as the render functions escape them.
fn samples() -> Vec<FluentValue<'static>> {
    let mut values: Vec<FluentValue> = [0.0, 1.0, 2.0, 5.0, 21.0, 1.5].into_iter().map(FluentValue::from).collect();
    values.extend(
        ["yes", "no", "open", "closed", "photo", "mon", "sat", "&lt;3 &amp; &quot;x&quot; &gt;"].map(FluentValue::from),
    );
    values
}

#[test]
fn every_message_formats_cleanly_to_html_telegram_takes_in_every_language() {
    let texts = Texts::embedded();
    for (catalogue, file) in [(&texts.user, File::User), (&texts.staff, File::Staff)] {
        for language in &catalogue.languages {
            for id in ids(catalogue) {
                let pattern = language.bundle.get_message(&id).and_then(|m| m.value()).unwrap();
                for sample in samples() {
                    let args: FluentArgs =
                        catalogue.variables[&id].iter().map(|v| (v.as_str(), sample.clone())).collect();
                    let mut errors = Vec::new();
                    let text = language.bundle.format_pattern(pattern, Some(&args), &mut errors);
                    assert!(errors.is_empty(), "{id} in {}: {errors:?}", language.id);
                    assert!(!text.contains('\u{2068}'), "{id}: no isolation marks reach Telegram");
                    assert!(!text.trim().is_empty(), "{id} in {} says nothing", language.id);
                    if !load::is_plain(file, &id) {
                        assert_eq!(html::check(&text), Ok(()), "{id} in {}: {text}", language.id);
                        assert!(visible_text(&text).is_ok(), "{id} in {}: {text}", language.id);
                    }
                }
            }
        }
    }
}

#[test]
fn the_code_must_give_a_message_exactly_its_variables() {
    let texts = Texts::embedded();
    let w = texts.user(None);
    assert!(w.say("ticket-opened", [("number", id(7)), ("day", "2026-11-21".into())]).contains("#7"));
    let missing = std::panic::catch_unwind(AssertUnwindSafe(|| w.say("ticket-opened", [("number", id(7))])));
    assert!(missing.is_err(), "a variable the message uses was not given");
    let extra = std::panic::catch_unwind(AssertUnwindSafe(|| w.say("greeting", [("name", "Ann".into())])));
    assert!(extra.is_err(), "a variable the message does not use was given");
}

/// A TEXTS_DIR with these files (path under the folder, content).
fn dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, content) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    dir
}

fn load_from(dir: &Path, staff: &str) -> Result<Texts, TextsError> {
    Texts::load(Some(dir), staff)
}

#[test]
fn an_override_replaces_one_message_and_leaves_the_rest() {
    let dir = dir(&[
        ("en/user.ftl", "-brand = Acme\ngreeting = Welcome to <b>{ -brand }</b> support!\n"),
        ("README.md", "not texts"),
        ("en/notes.txt", "not texts either"),
    ]);
    let texts = load_from(dir.path(), "en").unwrap();
    let en = texts.user(Some("en"));
    assert_eq!(crate::render::user::greeting(en), "Welcome to <b>Acme</b> support!");
    assert!(crate::render::user::no_open_ticket(en).starts_with("You have no open ticket"));
    assert!(crate::render::user::greeting(texts.user(Some("ru"))).starts_with("👋 Здравствуйте"));
}

#[test]
fn a_folder_of_a_new_language_adds_it_with_english_for_what_it_lacks() {
    let dir = dir(&[
        ("de/user.ftl", "greeting = Hallo! Schreiben Sie uns.\nrating-thanks = Danke <3\n"),
        ("de/staff.ftl", "no-open-tickets = Keine offenen Tickets.\n"),
    ]);
    let texts = load_from(dir.path(), "de").unwrap();
    let de = texts.user(Some("de-AT"));
    assert_eq!(de.language(), "de");
    assert_eq!(crate::render::user::greeting(de), "Hallo! Schreiben Sie uns.");
    // Plain text is not held to HTML.
    assert_eq!(crate::render::user::rating_thanks(de), "Danke <3");
    assert!(crate::render::user::banned(de).starts_with("Sorry"), "English where German has none");
    assert_eq!(crate::render::staff::no_open_tickets(texts.staff()), "Keine offenen Tickets.");
    let codes: Vec<_> = texts.user_languages().map(|w| w.language_code().to_string()).collect();
    assert_eq!(codes, ["en", "ru", "de"]);
}

#[test]
fn a_file_that_does_not_parse_stops_start_up_naming_the_file_line_and_message() {
    let dir = dir(&[("ru/user.ftl", "greeting = Привет\nbanned = { $oops\nslow-down = Медленнее\n")]);
    let error = load_from(dir.path(), "en").unwrap_err().to_string();
    assert!(error.starts_with("TEXTS_DIR: "), "{error}");
    assert!(error.contains("ru/user.ftl, line 2: message banned does not parse"), "{error}");
}

#[test]
fn a_message_that_does_not_exist_stops_start_up_naming_it() {
    let dir = dir(&[("en/user.ftl", "greeting = Hi\ngreting = Hi\n")]);
    let error = load_from(dir.path(), "en").unwrap_err().to_string();
    assert!(error.ends_with("en/user.ftl: there is no message greting in user.ftl"), "{error}");
    // A staff message in the users' file is unknown there too.
    let dir = self::dir(&[("en/user.ftl", "no-open-tickets = none\n")]);
    let error = load_from(dir.path(), "en").unwrap_err().to_string();
    assert!(error.contains("no message no-open-tickets in user.ftl"), "{error}");
}

#[test]
fn a_variable_the_message_is_not_given_stops_start_up_naming_it() {
    let dir = dir(&[("en/user.ftl", "ticket-opened = Ticket #{ $nmuber } is open.\n")]);
    let error = load_from(dir.path(), "en").unwrap_err().to_string();
    assert!(error.contains("message ticket-opened uses $nmuber"), "{error}");
    assert!(error.contains("it is given: $day, $number"), "{error}");
}

#[test]
fn html_telegram_would_refuse_stops_start_up_naming_the_message() {
    for (text, says) in [("<b>Hi", "<b> is never closed"), ("Tom & Jerry", "lone \"&\""), ("<div>x</div>", "<div>")] {
        let dir = dir(&[("en/staff.ftl", &format!("no-open-tickets = {text}\n"))]);
        let error = load_from(dir.path(), "en").unwrap_err().to_string();
        assert!(error.contains("staff.ftl: message no-open-tickets is not HTML Telegram takes"), "{error}");
        assert!(error.contains(says), "{error}");
    }
    // A reference to a term nobody defined does not format.
    let dir = dir(&[("en/user.ftl", "greeting = Welcome to { -brand }\n")]);
    let error = load_from(dir.path(), "en").unwrap_err().to_string();
    assert!(error.contains("message greeting does not format"), "{error}");
}

#[test]
fn files_and_folders_that_are_not_texts_are_named() {
    let dir = dir(&[("en/users.ftl", "greeting = Hi\n")]);
    let error = load_from(dir.path(), "en").unwrap_err().to_string();
    assert!(error.contains("users.ftl: texts live in user.ftl and staff.ftl only"), "{error}");
    let dir = self::dir(&[("english!/user.ftl", "greeting = Hi\n")]);
    let error = load_from(dir.path(), "en").unwrap_err().to_string();
    assert!(error.contains("english! is not named as a language"), "{error}");
    let error = load_from(Path::new("/nonexistent/texts"), "en").unwrap_err().to_string();
    assert!(error.starts_with("TEXTS_DIR: cannot read /nonexistent/texts"), "{error}");
}

#[test]
fn staff_read_the_staff_language_and_an_unknown_one_is_named() {
    let texts = Texts::load(None, "ru").unwrap();
    assert_eq!(crate::render::staff::no_open_tickets(texts.staff()), "Открытых обращений нет. 🎉");
    let error = Texts::load(None, "de").err().unwrap().to_string();
    assert!(error.starts_with("STAFF_LANGUAGE: there are no staff texts in \"de\" (there are: en, ru)"), "{error}");
    // A folder with users' texts only does not give staff a language.
    let dir = dir(&[("de/user.ftl", "greeting = Hallo\n")]);
    assert!(load_from(dir.path(), "de").is_err());
}

#[test]
fn numbers_are_written_as_each_language_writes_them() {
    let texts = Texts::load(None, "ru").unwrap();
    let stats_line = |w: Words| w.say("stats-ratings", [("average", 4.26.into()), ("count", 1234.into())]);
    assert_eq!(stats_line(Texts::embedded().staff()), "Ratings: ⭐ 4.3 average of 1,234");
    assert_eq!(stats_line(texts.staff()), "Оценки: ⭐ 4,3 в среднем, 1\u{a0}234 оценки");
}

#[test]
fn a_regional_folder_falls_back_to_its_language_then_english() {
    let dir = dir(&[("ru-RU/user.ftl", "\u{feff}greeting = Привет из России\n")]);
    let texts = load_from(dir.path(), "en").unwrap();
    let regional = texts.user(Some("ru-RU"));
    assert_eq!(crate::render::user::greeting(regional), "Привет из России", "the byte-order mark is not a name");
    assert!(crate::render::user::banned(regional).starts_with("К сожалению"), "Russian before English");
    assert!(crate::render::user::greeting(texts.user(Some("ru"))).starts_with("👋 Здравствуйте"));
}

#[test]
fn every_variant_of_an_override_is_checked_and_its_length_too() {
    // Broken only where Russian picks `few` (2 to 4), or only on Monday.
    let few = "too-many-tickets = { $limit ->\n    [one] одно\n    [few] <b>несколько\n   *[many] много\n}\n";
    let dir = dir(&[("ru/user.ftl", few)]);
    let error = load_from(dir.path(), "en").unwrap_err().to_string();
    assert!(error.contains("message too-many-tickets is not HTML Telegram takes"), "{error}");
    let monday = "back-on = { $weekday ->\n    [mon] <i>Monday\n   *[other] later\n} { $time }\n";
    let dir = self::dir(&[("en/user.ftl", monday)]);
    assert!(load_from(dir.path(), "en").unwrap_err().to_string().contains("message back-on is not HTML"));
    let dir = self::dir(&[("en/staff.ftl", &format!("menu-close = {}\n", "x".repeat(300)))]);
    let error = load_from(dir.path(), "en").unwrap_err().to_string();
    assert!(error.contains("message menu-close is 300 characters long: Telegram takes 1 to 256"), "{error}");
}

#[test]
fn mistakes_an_operator_makes_are_named() {
    let cases: [(&[(&str, &str)], &str); 5] = [
        (&[("user.ftl", "greeting = Hi\n")], "user.ftl: texts go in a folder per language"),
        (&[("en/user.ftl", "greeting = Hi\ngreeting = Hello\n")], "message greeting is written twice"),
        (&[("en/user.ftl", "no-open-tickets = none\n")], "(it is a message of staff.ftl: move it there)"),
        (&[("ru/user.ftl", "greeting = a\n"), ("RU/staff.ftl", "nobody = b\n")], "are the same language"),
        (&[("backup/user.ftl", "greeting = Hi\n")], "backup is not named as a language"),
    ];
    for (files, says) in cases {
        let dir = dir(files);
        let error = load_from(dir.path(), "en").unwrap_err().to_string();
        assert!(error.contains(says), "{says}: {error}");
    }
    let dir = dir(&[]);
    std::fs::create_dir(dir.path().join("en")).unwrap();
    std::fs::write(dir.path().join("en/user.ftl"), b"greeting = \xff\n").unwrap();
    let error = load_from(dir.path(), "en").unwrap_err().to_string();
    assert!(error.contains("user.ftl: it is not UTF-8: save it as UTF-8"), "{error}");
}
