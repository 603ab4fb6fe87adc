//! The Dockerfile, parsed line by line (no Docker engine here): a build
//! stage and a runtime stage; the runtime runs as a numeric non-root user,
//! checks its health with `ticketbot healthcheck`, exposes 8080 and starts
//! the binary the build stage made with `cargo build --release --locked`;
//! everything it copies from the context exists. Each check is also shown
//! failing on a broken copy of the file.

use std::path::Path;

use super::{repo_file, repo_root};

#[test]
fn dockerfile_passes_every_check() {
    let (_, text) = repo_file("Dockerfile");
    assert_eq!(problems(&text, repo_root()), Vec::<String>::new());
}

#[test]
fn each_check_catches_its_mistake() {
    let (_, good) = repo_file("Dockerfile");
    let cases = [
        ("FROM gcr.io/distroless/cc-debian12:nonroot\n", "", "two FROM stages"),
        ("USER 65532:65532", "USER root", "non-root"),
        ("USER 65532:65532", "USER 0:0", "non-root"),
        ("USER 65532:65532", "", "non-root"),
        ("\"healthcheck\"]", "\"doctor\"]", "HEALTHCHECK"),
        ("EXPOSE 8080", "EXPOSE 9090", "EXPOSE 8080"),
        ("ENTRYPOINT [\"/usr/local/bin/ticketbot\"]", "ENTRYPOINT [\"/bin/sh\"]", "ENTRYPOINT"),
        ("cargo build --release --locked", "cargo build --release", "--locked"),
        ("cargo build --release --locked", "cargo build --locked", "--release"),
        ("COPY migrations ./migrations", "COPY migration ./migrations", "does not exist"),
        ("COPY migrations ./migrations", "", "migrations"),
        ("COPY crates ./crates", "", "workspace member crates/fake-telegram"),
        ("COPY assets ./assets", "", "must copy assets"),
        ("ENV HTTP_ADDR=0.0.0.0:8080", "ENV HTTP_ADDR=127.0.0.1:8080", "HTTP_ADDR"),
    ];
    for (from, to, expected) in cases {
        assert!(good.contains(from), "the Dockerfile no longer contains {from:?}: update this test");
        let broken = good.replacen(from, to, 1);
        let found = problems(&broken, repo_root());
        assert!(found.iter().any(|p| p.contains(expected)), "{to:?} should be caught ({expected}): {found:?}");
    }
}

#[test]
fn build_context_leaves_out_secrets_and_build_output() {
    let (_, ignore) = repo_file(".dockerignore");
    let patterns: Vec<&str> = ignore.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
    for needed in [".env", ".git", "data/", "*.db"] {
        assert!(patterns.contains(&needed), ".dockerignore lacks {needed}: {patterns:?}");
    }
    assert!(patterns.iter().any(|p| p.trim_end_matches('/') == "target"), "{patterns:?}");
}

#[derive(Debug)]
struct Instruction {
    keyword: String,
    args: String,
}

#[derive(Debug, Default)]
struct Stage {
    name: Option<String>,
    instructions: Vec<Instruction>,
}

impl Stage {
    fn all(&self, keyword: &'static str) -> impl Iterator<Item = &str> {
        self.instructions.iter().filter(move |i| i.keyword == keyword).map(|i| i.args.as_str())
    }

    fn last(&self, keyword: &'static str) -> Option<&str> {
        self.all(keyword).last()
    }
}

/// Instructions, with `\` continuations joined and comment lines dropped
/// (Docker drops them inside a continuation too).
fn instructions(text: &str) -> Vec<Instruction> {
    let mut out = Vec::new();
    let mut pending = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && pending.is_empty()) {
            continue;
        }
        match trimmed.strip_suffix('\\') {
            Some(head) => {
                pending.push_str(head.trim_end());
                pending.push(' ');
            }
            None => {
                pending.push_str(trimmed);
                let (keyword, args) = pending.split_once(char::is_whitespace).unwrap_or((&pending, ""));
                out.push(Instruction { keyword: keyword.to_ascii_uppercase(), args: args.trim().to_string() });
                pending.clear();
            }
        }
    }
    out
}

fn stages(text: &str) -> Vec<Stage> {
    let mut stages: Vec<Stage> = Vec::new();
    for instruction in instructions(text) {
        if instruction.keyword == "FROM" {
            // FROM [--platform=…] image [AS name]
            let words: Vec<&str> = instruction.args.split_whitespace().collect();
            let name = words.iter().position(|w| w.eq_ignore_ascii_case("as")).and_then(|i| words.get(i + 1));
            stages.push(Stage { name: name.map(|n| n.to_string()), instructions: Vec::new() });
        } else if let Some(stage) = stages.last_mut() {
            stage.instructions.push(instruction);
        }
    }
    stages
}

/// Splits off leading `--flag[=value]` words.
fn flags_and_rest(args: &str) -> (Vec<&str>, Vec<&str>) {
    let words: Vec<&str> = args.split_whitespace().collect();
    let split = words.iter().position(|w| !w.starts_with("--")).unwrap_or(words.len());
    (words[..split].to_vec(), words[split..].to_vec())
}

/// An exec-form (`["a", "b"]`) or shell-form command as its words.
fn command_words(command: &str) -> Vec<String> {
    match serde_json::from_str::<Vec<String>>(command.trim()) {
        Ok(words) => words,
        Err(_) => command.split_whitespace().map(str::to_string).collect(),
    }
}

/// Everything wrong with a Dockerfile, one line each; `root` is the build
/// context.
fn problems(text: &str, root: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut check = |ok: bool, problem: &str| {
        if !ok {
            found.push(problem.to_string());
        }
    };
    let stages = stages(text);
    check(stages.len() >= 2, "two FROM stages needed: build, then a small runtime");
    let Some(run) = stages.last() else { return found };

    let uid = run.last("USER").map(|u| u.split(':').next().unwrap_or("").to_string());
    check(
        uid.as_deref().and_then(|u| u.parse::<u32>().ok()).is_some_and(|u| u != 0),
        "the runtime stage must set a numeric non-root USER",
    );

    let health = run.last("HEALTHCHECK").unwrap_or("");
    let health_command = health.split_once("CMD").map(|(_, c)| command_words(c)).unwrap_or_default();
    check(
        health_command.first().is_some_and(|p| p.ends_with("ticketbot")) && health_command[1..] == ["healthcheck"],
        "the runtime stage needs a HEALTHCHECK running `ticketbot healthcheck`",
    );

    let exposed: Vec<&str> = run.all("EXPOSE").flat_map(str::split_whitespace).collect();
    check(exposed.iter().any(|p| p.trim_end_matches("/tcp") == "8080"), "the runtime stage must EXPOSE 8080");
    let http_addr = run.all("ENV").find_map(|e| e.strip_prefix("HTTP_ADDR").map(|v| v.trim_start_matches([' ', '='])));
    check(http_addr == Some("0.0.0.0:8080"), "the runtime stage must set HTTP_ADDR=0.0.0.0:8080 to match EXPOSE");

    // The entrypoint is the binary copied in from the build stage…
    let entrypoint = command_words(run.last("ENTRYPOINT").unwrap_or(""));
    let binary = entrypoint.first().filter(|p| p.ends_with("/ticketbot") && entrypoint.len() == 1);
    let source_stage = run.all("COPY").find_map(|copy| {
        let (flags, paths) = flags_and_rest(copy);
        let from = flags.iter().find_map(|f| f.strip_prefix("--from="))?;
        (paths.last().map(|p| p.to_string()) == binary.cloned()).then_some(from)
    });
    check(
        binary.is_some() && source_stage.is_some(),
        "ENTRYPOINT must be the ticketbot binary copied from the build stage",
    );
    // …which built it with cargo build --release --locked.
    let builder = source_stage.and_then(|name| stages.iter().find(|s| s.name.as_deref() == Some(name)));
    let cargo = builder.and_then(|b| b.all("RUN").find(|r| r.contains("cargo build"))).unwrap_or("");
    check(cargo.contains("--release"), "the build stage must run cargo build --release");
    check(cargo.contains("--locked"), "the build stage must run cargo build with --locked (Cargo.lock as committed)");

    // Everything copied from the build context exists; migrations/ is among it.
    let mut copied = Vec::new();
    for stage in &stages {
        for copy in stage.all("COPY").chain(stage.all("ADD")) {
            let (flags, paths) = flags_and_rest(copy);
            if flags.iter().any(|f| f.starts_with("--from=")) || paths.len() < 2 {
                continue;
            }
            for source in &paths[..paths.len() - 1] {
                if !root.join(source).exists() {
                    found.push(format!("COPY source {source} does not exist in the repository"));
                }
                copied.push(source.trim_end_matches('/').trim_start_matches("./").to_string());
            }
        }
    }
    let mut compiled_in: Vec<String> = ["Cargo.toml", "Cargo.lock", "src", "migrations"].map(String::from).to_vec();
    compiled_in.extend(included_folders(root));
    for needed in compiled_in {
        if !copied.iter().any(|c| *c == needed || c == ".") {
            found.push(format!("the build stage must copy {needed} (compiled into the binary)"));
        }
    }
    // Cargo loads the whole workspace, so every member must be there.
    for member in workspace_members(root) {
        let inside = |c: &String| c == "." || member == *c || member.starts_with(&format!("{c}/"));
        if !copied.iter().any(inside) {
            found.push(format!(
                "the build stage must copy workspace member {member}: Cargo refuses a workspace without it"
            ));
        }
    }
    found
}

/// The repository's top-level folders that `include_bytes!` and
/// `include_str!` in `src/` read files from (the chart's font, say).
fn included_folders(root: &Path) -> Vec<String> {
    fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    sources(&root.join("src"), &mut files);
    let mut folders = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        for macro_name in ["include_bytes!(\"", "include_str!(\""] {
            for (at, _) in text.match_indices(macro_name) {
                let rest = &text[at + macro_name.len()..];
                let Some(relative) = rest.split('"').next() else { continue };
                let Some(dir) = file.parent() else { continue };
                let Ok(full) = dir.join(relative).canonicalize() else { continue };
                let Ok(inside) = full.strip_prefix(root.canonicalize().unwrap_or_default()) else { continue };
                let top = inside.components().next().map(|c| c.as_os_str().to_string_lossy().to_string());
                folders.extend(top.filter(|t| t != "src"));
            }
        }
    }
    folders.sort();
    folders.dedup();
    folders
}

/// The paths of `[workspace] members` in Cargo.toml, but the root.
fn workspace_members(root: &Path) -> Vec<String> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("Cargo.toml");
    let Some(line) = manifest.lines().find(|l| l.trim_start().starts_with("members")) else { return Vec::new() };
    line.split('"').skip(1).step_by(2).filter(|m| *m != ".").map(str::to_string).collect()
}

#[test]
fn parser_joins_continuations_and_skips_comments() {
    let text = "FROM a AS b\n# note\nRUN one \\\n  # inside\n  two\nfrom c\nUSER 1\n";
    let stages = stages(text);
    assert_eq!(stages.len(), 2);
    assert_eq!(stages[0].name.as_deref(), Some("b"));
    assert_eq!(stages[0].last("RUN"), Some("one two"));
    assert_eq!(stages[1].last("USER"), Some("1"));
}
