//! The layers of `ARCHITECTURE.md`, checked: a top-level module may name
//! (`crate::…`) only modules of a lower layer. A module missing from
//! `LAYERS` fails the test too, so a new one gets its place on purpose.

/// Lowest first; modules of one layer do not use each other.
const LAYERS: &[&[&str]] = &[
    &["secret", "clock", "domain", "metrics"],
    &["config"],
    &["db", "telegram"],
    &["storage"],
    &["render"],
    &["outbox"],
    &["desk"],
    &["inbox", "timers", "retention"],
    &["http", "web"],
    &["app", "bench"],
    &["cli"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// The code of a file that is not a test: up to its test module, comments
/// left out.
fn product_code(text: &str) -> String {
    let mut code = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let next = lines.peek().map(|l| l.trim()).unwrap_or_default();
        let test_module = line.trim() == "#[cfg(test)]" && next.split_whitespace().any(|w| w == "mod");
        // A test module written inline runs to the end of the file; one in
        // a file of its own is one line here.
        if test_module && next.ends_with('{') {
            break;
        }
        if test_module {
            lines.next();
            continue;
        }
        if !line.trim_start().starts_with("//") {
            code.push_str(line);
            code.push('\n');
        }
    }
    code
}

fn ident(text: &str) -> String {
    text.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect()
}

/// The top-level modules `code` names: by `crate::name`, `crate::{a, b}`,
/// or by `super::` climbing out of a module `depth` levels below the crate.
fn named_modules(code: &str, depth: usize) -> Vec<String> {
    let mut named = Vec::new();
    let starts_path = |at: usize| !code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':');
    for (at, _) in code.match_indices("crate::").filter(|(at, _)| starts_path(*at)) {
        let rest = &code[at + 7..];
        match rest.strip_prefix('{') {
            // Each path of the group, up to its closing brace.
            Some(group) => {
                let group = &group[..group.find('}').unwrap_or(group.len())];
                named.extend(group.split(',').map(|p| ident(p.trim())).filter(|n| !n.is_empty()));
            }
            None => named.push(ident(rest)),
        }
    }
    for (at, _) in code.match_indices("super::").filter(|(at, _)| starts_path(*at)) {
        let mut rest = &code[at..];
        let mut climbed = 0;
        while let Some(after) = rest.strip_prefix("super::") {
            climbed += 1;
            rest = after;
        }
        if climbed >= depth {
            named.push(ident(rest));
        }
    }
    named
}

#[test]
fn no_module_names_one_above_it() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![src.clone()];
    let mut broken = Vec::new();
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let relative = path.strip_prefix(&src).unwrap();
        let top =
            relative.components().next().unwrap().as_os_str().to_string_lossy().trim_end_matches(".rs").to_string();
        let is_test = relative.components().any(|c| c.as_os_str() == "tests" || c.as_os_str() == "tests.rs")
            || top == "testing"
            || top == "layers";
        if path.extension().is_none_or(|e| e != "rs") || is_test || ["lib", "main"].contains(&top.as_str()) {
            continue;
        }
        let Some(own) = layer_of(&top) else {
            broken.push(format!("{}: module {top} has no layer in src/layers.rs", relative.display()));
            continue;
        };
        // How many modules deep the file's own module is: `storage/users.rs`
        // is 2, `storage/mod.rs` and `storage.rs` 1.
        let depth = relative.components().count() - usize::from(relative.ends_with("mod.rs"));
        let code = product_code(&std::fs::read_to_string(&path).unwrap());
        for named in named_modules(&code, depth) {
            match layer_of(&named) {
                Some(theirs) if named == top || theirs < own => {}
                Some(_) => broken.push(format!("{}: {top} names {named}, which is not below it", relative.display())),
                None => broken.push(format!("{}: {top} names crate::{named}, which has no layer", relative.display())),
            }
        }
    }
    assert!(broken.is_empty(), "layering broken:\n{}", broken.join("\n"));
}

#[test]
fn the_check_sees_what_it_must() {
    let code = product_code(
        "use crate::db::Tx;\n// crate::app in a comment\nfn f() { crate::render::age(x); }\n\
         #[cfg(test)]\nmod tests {\n use crate::app::App;\n}\n",
    );
    assert_eq!(named_modules(&code, 1), ["db", "render"]);
    assert_eq!(named_modules("use ticketbot_crate::x; my_crate::y", 1), Vec::<String>::new());
    assert_eq!(named_modules("use crate::{db::Tx, render, storage::rows};", 2), ["db", "render", "storage"]);
    // From storage/outbox/claim.rs (3 deep) only a third `super` leaves the crate's modules.
    assert_eq!(named_modules("use super::super::rows; use super::super::super::desk::Desk;", 3), ["desk"]);
}
