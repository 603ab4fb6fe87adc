//! Every text a person reads, from Project Fluent files: `user.ftl` (what
//! users read, in their language) and `staff.ftl` (the support chat, in
//! `STAFF_LANGUAGE`), one folder per language under `assets/texts`,
//! embedded in the binary. `TEXTS_DIR` overrides any message or adds a
//! language (`load.rs` reads and checks it). English is complete and the
//! fallback: a message a language lacks is said in English.
//!
//! The render functions are the only callers: they escape what people
//! wrote and hand it here as finished HTML fragments.

mod load;
mod number;
mod variables;

use std::collections::{BTreeSet, HashMap};

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

pub use load::TextsError;

/// The two files every language folder may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum File {
    User,
    Staff,
}

impl File {
    pub const ALL: [File; 2] = [File::User, File::Staff];

    pub fn name(self) -> &'static str {
        match self {
            Self::User => "user.ftl",
            Self::Staff => "staff.ftl",
        }
    }
}

/// The texts, loaded once at start and shared by the desk and the outbox.
pub struct Texts {
    user: Catalogue,
    staff: Catalogue,
    /// `STAFF_LANGUAGE`'s place in `staff`.
    staff_language: usize,
}

/// One file's messages in every language, English first.
struct Catalogue {
    languages: Vec<Language>,
    /// The variables each embedded English message uses: what the code
    /// gives it, and all an override may use.
    variables: HashMap<String, BTreeSet<String>>,
}

struct Language {
    id: LanguageIdentifier,
    bundle: FluentBundle<FluentResource>,
}

/// The texts in one language, for one reader: what render functions say
/// things with.
#[derive(Clone, Copy)]
pub struct Words<'t> {
    catalogue: &'t Catalogue,
    language: &'t Language,
}

/// The languages, not the texts.
impl std::fmt::Debug for Texts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tags = |c: &Catalogue| c.languages.iter().map(|l| l.id.to_string()).collect::<Vec<_>>();
        f.debug_struct("Texts")
            .field("user", &tags(&self.user))
            .field("staff", &tags(&self.staff))
            .field("staff_language", &self.staff.languages[self.staff_language].id.to_string())
            .finish()
    }
}

impl Texts {
    /// The embedded texts alone, staff's in English.
    #[cfg(test)]
    pub fn embedded() -> Self {
        load::load(None, "en").expect("the embedded texts load: texts::tests holds them to it")
    }

    /// The embedded texts with `TEXTS_DIR`'s overrides and languages;
    /// staff read `staff_language`.
    pub fn load(dir: Option<&std::path::Path>, staff_language: &str) -> Result<Self, TextsError> {
        load::load(dir, staff_language)
    }

    /// What a user reads: the language of their Telegram app
    /// (`language_code`, `pt-br`) when there are texts in it, or in its
    /// language without the region (`pt`); English otherwise.
    pub fn user(&self, language_code: Option<&str>) -> Words<'_> {
        let at = language_code.and_then(|code| self.user.find(code)).unwrap_or(0);
        Words { catalogue: &self.user, language: &self.user.languages[at] }
    }

    /// What staff read.
    pub fn staff(&self) -> Words<'_> {
        Words { catalogue: &self.staff, language: &self.staff.languages[self.staff_language] }
    }

    /// Every language users can read, English first, for the command menus.
    pub fn user_languages(&self) -> impl Iterator<Item = Words<'_>> {
        self.user.languages.iter().map(|language| Words { catalogue: &self.user, language })
    }
}

impl Catalogue {
    /// The language for a tag: the same language and region, or the same
    /// language.
    fn find(&self, tag: &str) -> Option<usize> {
        let wanted: LanguageIdentifier = tag.replace('_', "-").parse().ok()?;
        let exact = self.languages.iter().position(|l| l.id == wanted);
        exact.or_else(|| self.languages.iter().position(|l| l.id.language == wanted.language))
    }
}

impl<'t> Words<'t> {
    /// The language's tag, `en` or `pt-BR`.
    #[cfg(test)]
    pub fn language(&self) -> String {
        self.language.id.to_string()
    }

    /// The language's two-letter code, as Telegram's `language_code` names it.
    pub fn language_code(&self) -> &str {
        self.language.id.language.as_str()
    }

    /// Message `id`, its `$variables` filled in from `args`. A message
    /// this language lacks is said in its language without the region
    /// (`pt` for `pt-BR`) when there are texts in it, else in English.
    pub fn say<'a, const N: usize>(&self, id: &str, args: [(&'a str, FluentValue<'a>); N]) -> String {
        let languages = &self.catalogue.languages;
        let base = || languages.iter().find(|l| l.id.language == self.language.id.language && l.id.region.is_none());
        let language = Some(self.language)
            .filter(|l| l.bundle.has_message(id))
            .or_else(|| base().filter(|l| l.bundle.has_message(id)))
            .unwrap_or(&languages[0]);
        let Some(pattern) = language.bundle.get_message(id).and_then(|m| m.value()) else {
            // The embedded English has every message the code names
            // (texts::tests): this is a bug, said rather than hidden.
            tracing::error!(message = id, "no such text");
            return id.to_string();
        };
        #[cfg(debug_assertions)]
        self.catalogue.assert_given_exactly(id, args.iter().map(|(name, _)| *name));
        let args: FluentArgs = args.into_iter().collect();
        let mut errors = Vec::new();
        let text = language.bundle.format_pattern(pattern, Some(&args), &mut errors).into_owned();
        if !errors.is_empty() {
            tracing::warn!(message = id, language = %language.id, ?errors, "a text did not format cleanly");
        }
        text
    }
}

impl Catalogue {
    /// The code gives a message exactly the variables its English uses:
    /// a variable given and not used is a text that forgot something.
    #[cfg(debug_assertions)]
    fn assert_given_exactly<'a>(&self, id: &str, given: impl Iterator<Item = &'a str>) {
        let given: BTreeSet<String> = given.map(str::to_string).collect();
        if let Some(uses) = self.variables.get(id) {
            assert_eq!(&given, uses, "the code gives message {id} other variables than its English uses");
        }
    }
}

/// A ticket's day as texts write it, `2026-11-21`.
pub fn day(day: chrono::NaiveDate) -> FluentValue<'static> {
    FluentValue::from(day.format("%Y-%m-%d").to_string())
}

/// A ticket's number, an id: never grouped (`#12345`, not `#12,345`).
pub fn id(id: impl std::fmt::Display) -> FluentValue<'static> {
    FluentValue::from(id.to_string())
}

#[cfg(test)]
mod tests;
