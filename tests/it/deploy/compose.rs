//! docker-compose.yml, parsed: PostgreSQL pinned, kept in a named volume
//! and health-checked; ticketbot waiting for it, restarting, publishing its
//! HTTP port, configured from .env; no password written in the file. Each
//! check is also shown failing on a broken copy of the file.

use std::collections::BTreeMap;

use serde_yaml_ng::Value;

use super::{repo_file, with_defaults};

const PG_DATA: &str = "/var/lib/postgresql/data";

#[test]
fn compose_file_passes_every_check() {
    let (_, text) = repo_file("docker-compose.yml");
    assert_eq!(problems(&text), Vec::<String>::new());
}

#[test]
fn each_check_catches_its_mistake() {
    let (_, good) = repo_file("docker-compose.yml");
    let cases = [
        ("image: postgres:16-bookworm", "image: postgres:latest", "pinned major"),
        ("image: postgres:16-bookworm", "image: postgres", "pinned major"),
        ("- pgdata:/var/lib/postgresql/data", "- ./pg:/var/lib/postgresql/data", "named volume"),
        ("\"pg_isready\",", "\"true\",", "pg_isready"),
        ("condition: service_healthy", "condition: service_started", "service_healthy"),
        ("    restart: unless-stopped\n    env_file", "    restart: \"no\"\n    env_file", "restart"),
        ("env_file: .env", "env_file: settings.env", ".env"),
        (":8080\"", ":9090\"", "8080"),
        ("@postgres:5432", "@localhost:5432", "host postgres"),
        (
            "POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}",
            "POSTGRES_PASSWORD: hunter2",
            "literal password",
        ),
        ("${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}@", "${POSTGRES_PASSWORD:-hunter2}@", "literal password"),
    ];
    for (from, to, expected) in cases {
        assert!(good.contains(from), "the compose file no longer contains {from:?}: update this test");
        let broken = good.replacen(from, to, 1);
        let found = problems(&broken);
        assert!(found.iter().any(|p| p.contains(expected)), "{to:?} should be caught ({expected}): {found:?}");
    }
}

/// Everything wrong with a compose file, one line each.
fn problems(text: &str) -> Vec<String> {
    let compose: Value = match serde_yaml_ng::from_str(text) {
        Ok(v) => v,
        Err(e) => return vec![format!("not YAML: {e}")],
    };
    let mut found = Vec::new();
    let mut check = |ok: bool, problem: &str| {
        if !ok {
            found.push(problem.to_string());
        }
    };
    let services = &compose["services"];
    let (pg, bot) = (&services["postgres"], &services["ticketbot"]);
    check(pg.is_mapping() && bot.is_mapping(), "services postgres and ticketbot are both needed");

    // postgres
    let image = pg["image"].as_str().unwrap_or("");
    check(image.starts_with("postgres:") && is_pinned_major(image), "postgres image needs a pinned major version");
    let data_volume = mounts(pg).into_iter().find(|(_, target)| target == PG_DATA).map(|(source, _)| source);
    let declared = |name: &str| compose["volumes"].as_mapping().is_some_and(|v| v.contains_key(name));
    check(
        data_volume.as_deref().is_some_and(|name| is_volume_name(name) && declared(name)),
        "postgres data needs a named volume declared under top-level volumes",
    );
    check(command_line(&pg["healthcheck"]["test"]).contains("pg_isready"), "postgres healthcheck must run pg_isready");

    // ticketbot
    check(
        bot["depends_on"]["postgres"]["condition"].as_str() == Some("service_healthy"),
        "ticketbot must depend on postgres with condition service_healthy",
    );
    check(bot["restart"].as_str() == Some("unless-stopped"), "ticketbot restart must be unless-stopped");
    check(bot["build"].is_string() || bot["build"].is_mapping(), "ticketbot must be built from the Dockerfile");
    check(strings(&bot["env_file"]).iter().any(|f| f == ".env"), "ticketbot settings come from env_file .env");
    check(published_ports(bot).contains(&(8080, 8080)), "ticketbot must publish its HTTP port 8080");
    let env = environment(bot);
    check(
        env.get("HTTP_ADDR").is_some_and(|a| a.starts_with("0.0.0.0:") && a.ends_with(":8080")),
        "ticketbot must listen on 0.0.0.0:8080 inside the container",
    );
    let url = env.get("DATABASE_URL").map(|u| with_defaults(u)).and_then(|u| url::Url::parse(&u).ok());
    check(
        url.as_ref().is_some_and(|u| u.scheme() == "postgres" && u.host_str() == Some("postgres")),
        "DATABASE_URL must be a postgres:// URL to host postgres",
    );

    // Passwords: only ever from the environment, never a default in the file.
    for (name, service) in services.as_mapping().into_iter().flatten() {
        for (key, value) in environment(service) {
            let secret = key.contains("PASSWORD") || key.contains("TOKEN");
            if secret && !is_required_variable(&value) {
                found.push(format!("literal password in {}: {key}", name.as_str().unwrap_or("?")));
            }
            if let Some(password) = url_password(&value) {
                if !is_required_variable(password) {
                    found.push(format!("literal password in {}: {key}'s URL", name.as_str().unwrap_or("?")));
                }
            }
        }
    }
    found
}

/// `postgres:16`, `postgres:16.4-bookworm`: yes. `postgres`, `postgres:latest`,
/// `postgres:bookworm`: no.
fn is_pinned_major(image: &str) -> bool {
    image.rsplit_once(':').is_some_and(|(_, tag)| tag.starts_with(|c: char| c.is_ascii_digit()))
}

/// A volume name, not a host path (`./pg`, `/srv/pg`).
fn is_volume_name(source: &str) -> bool {
    !source.is_empty() && !source.starts_with(['.', '/', '~', '$'])
}

/// `${NAME}` or `${NAME:?message}`: the value must come from the environment.
/// A `:-default` would be a literal password.
fn is_required_variable(value: &str) -> bool {
    let Some(inner) = value.strip_prefix("${").and_then(|v| v.strip_suffix('}')) else { return false };
    let name_end = inner.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(inner.len());
    let modifier = &inner[name_end..];
    name_end > 0 && (modifier.is_empty() || modifier.starts_with(":?") || modifier.starts_with('?'))
}

/// The raw password of `scheme://user:password@host…`, if the value is such a URL.
fn url_password(value: &str) -> Option<&str> {
    let (_, rest) = value.split_once("://")?;
    let userinfo = &rest[..rest.rfind('@')?];
    // User and password part at the first ':' outside a ${…}, which has its own.
    let mut depth = 0;
    for (i, c) in userinfo.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ':' if depth == 0 => return Some(&userinfo[i + 1..]),
            _ => {}
        }
    }
    None
}

/// (source, target) of each volume mount, short or long syntax.
fn mounts(service: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for v in service["volumes"].as_sequence().into_iter().flatten() {
        if let Some(short) = v.as_str() {
            let mut parts = short.split(':');
            if let (Some(source), Some(target)) = (parts.next(), parts.next()) {
                out.push((source.to_string(), target.to_string()));
            }
        } else if let (Some(source), Some(target)) = (v["source"].as_str(), v["target"].as_str()) {
            out.push((source.to_string(), target.to_string()));
        }
    }
    out
}

/// A healthcheck `test` (a string, or `[CMD, …]` / `[CMD-SHELL, "…"]`) as one line.
fn command_line(test: &Value) -> String {
    strings(test).join(" ")
}

/// A string or a list of strings (or of `{path: …}`, as `env_file` allows).
fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Sequence(items) => {
            items.iter().filter_map(|i| i.as_str().or_else(|| i["path"].as_str())).map(str::to_string).collect()
        }
        _ => Vec::new(),
    }
}

/// `environment:` as a map or as a list of `KEY=value`.
fn environment(service: &Value) -> BTreeMap<String, String> {
    let scalar = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    };
    match &service["environment"] {
        Value::Mapping(map) => map.iter().filter_map(|(k, v)| Some((k.as_str()?.to_string(), scalar(v)))).collect(),
        Value::Sequence(items) => items
            .iter()
            .filter_map(|i| i.as_str()?.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        _ => BTreeMap::new(),
    }
}

/// (published on the host, container) port pairs, variables at their defaults.
fn published_ports(service: &Value) -> Vec<(u16, u16)> {
    let mut out = Vec::new();
    for p in service["ports"].as_sequence().into_iter().flatten() {
        if let Some(short) = p.as_str() {
            // [ip:]host:container[/protocol]
            let short = with_defaults(short);
            let parts: Vec<&str> = short.split('/').next().unwrap_or("").rsplitn(3, ':').collect();
            if let [container, host, ..] = parts[..] {
                if let (Ok(host), Ok(container)) = (host.parse(), container.parse()) {
                    out.push((host, container));
                }
            }
        } else if let (Some(published), Some(target)) = (p["published"].as_u64(), p["target"].as_u64()) {
            out.push((published as u16, target as u16));
        }
    }
    out
}

#[test]
fn helpers_read_compose_syntax() {
    assert!(is_pinned_major("postgres:16") && is_pinned_major("postgres:16.4-bookworm"));
    assert!(!is_pinned_major("postgres") && !is_pinned_major("postgres:latest") && !is_pinned_major("postgres:alpine"));
    assert!(is_required_variable("${POSTGRES_PASSWORD}") && is_required_variable("${P:?set P}"));
    assert!(!is_required_variable("${P:-hunter2}") && !is_required_variable("hunter2") && !is_required_variable(""));
    assert_eq!(url_password("postgres://u:${P:?x}@postgres:5432/db"), Some("${P:?x}"));
    assert_eq!(url_password("postgres://u:pw@h/db"), Some("pw"));
    assert_eq!(url_password("postgres://u@h/db"), None);
    assert_eq!(url_password("postgres://${U:-bot}:${P}@h/db"), Some("${P}"));
    let svc: Value =
        serde_yaml_ng::from_str("ports: ['8080:8080', '127.0.0.1:9000:80/tcp', {target: 1, published: 2}]").unwrap();
    assert_eq!(published_ports(&svc), vec![(8080, 8080), (9000, 80), (2, 1)]);
}
