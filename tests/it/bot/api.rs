//! The REST API end to end (`WEB_CONSOLE=on`): a token made with
//! `ticketbot api-token create` reads the tickets the bot filed (newest
//! first, by status, by days, searched, a page at a time), one ticket, its
//! messages and the figures; no token, a wrong one or a revoked one is
//! 401, and every error is problem details. With the console off, nothing
//! is served.

use fake_telegram::FloodLimits;
use serde_json::Value;

use super::{bob, open_ticket};
use crate::desk::{Desk, SUPPORT, agent, alice};
use crate::migrations::ticketbot;
use crate::support::{Kind, on_both_backends};

on_both_backends!(
    a_token_reads_tickets_their_messages_and_the_figures,
    no_live_token_no_answer_and_errors_are_problem_details,
    the_api_is_not_served_unless_the_console_is_on,
    the_server_answers_every_documented_status_as_its_document_says
);

async fn console(kind: Kind) -> Option<Desk> {
    Desk::start_with_vars(kind, false, Some(FloodLimits::default()), &[("WEB_CONSOLE", "on".into())]).await
}

/// `ticketbot api-token create NAME`: the token it prints.
pub(super) fn new_token(desk: &Desk, name: &str) -> String {
    let out = ticketbot(&desk.vars_database_url(), &["api-token", "create", name]);
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A GET: status, content type, body as JSON.
pub(super) async fn call(desk: &Desk, token: Option<&str>, path: &str) -> (u16, String, Value) {
    send(desk, reqwest::Method::GET, token, path).await
}

/// A request without a body: status, content type, body as JSON.
async fn send(desk: &Desk, method: reqwest::Method, token: Option<&str>, path: &str) -> (u16, String, Value) {
    send_body(desk, method, token, path, None).await
}

/// A request, with a JSON body if given: status, content type, body as JSON.
async fn send_body(
    desk: &Desk,
    method: reqwest::Method,
    token: Option<&str>,
    path: &str,
    body: Option<&str>,
) -> (u16, String, Value) {
    let mut request = reqwest::Client::new().request(method, format!("http://{}{path}", desk.http));
    if let Some(body) = body {
        request = request.header("content-type", "application/json").body(body.to_string());
    }
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let kind = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let body = response.text().await.unwrap();
    (status, kind, serde_json::from_str(&body).unwrap_or(Value::String(body)))
}

/// Alice's ticket answered and closed; Bob's waiting.
async fn two_tickets(desk: &Desk) {
    let card = open_ticket(desk, &alice(), "my printer is on fire").await[0].message_id;
    open_ticket(desk, &bob(), "cannot log in").await;
    desk.fake.group_message(SUPPORT, &agent(), "on it", Some(card));
    desk.wait_sent(alice().id, 2, "the answer").await;
    desk.fake.group_message(SUPPORT, &agent(), "/close", Some(card));
    desk.wait_sent(alice().id, 3, "closed").await;
    desk.settle().await;
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"].as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()).collect()
}

async fn a_token_reads_tickets_their_messages_and_the_figures(kind: Kind) {
    let Some(desk) = console(kind).await else { return };
    two_tickets(&desk).await;
    let token = new_token(&desk, "crm");
    let get = |path: &'static str| call(&desk, Some(&token), path);

    let (status, kind_of, all) = get("/api/v1/tickets").await;
    assert_eq!((status, kind_of.as_str()), (200, "application/json"), "{all}");
    let items = all["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{all}");
    assert_eq!(all["next_page"], Value::Null);
    let (bobs, alices) = (&items[0], &items[1]);
    assert_eq!(bobs["user"]["id"], bob().id, "newest first: {all}");
    assert_eq!(bobs["status"], "open");
    assert_eq!(bobs["first_response_at"], Value::Null);
    assert_eq!(alices["user"]["name"], alice().first_name.as_str());
    assert_eq!(alices["status"], "closed");
    assert_eq!(alices["number"], 1);
    assert!(alices["opened_at"].as_str().unwrap().ends_with('Z'), "{alices}");
    assert!(alices["first_response_at"].is_string() && alices["closed_at"].is_string(), "{alices}");
    let day = alices["day"].as_str().unwrap().to_string();

    let (_, _, closed) = get("/api/v1/tickets?status=closed").await;
    assert_eq!(ids(&closed), [alices["id"].as_i64().unwrap()]);
    let (_, _, open) = get("/api/v1/tickets?status=open").await;
    assert_eq!(ids(&open), [bobs["id"].as_i64().unwrap()]);
    let (_, _, none) = get("/api/v1/tickets?since=2020-01-01&until=2020-01-31").await;
    assert_eq!(ids(&none), Vec::<i64>::new());
    let (_, _, that_day) = call(&desk, Some(&token), &format!("/api/v1/tickets?since={day}&until={day}")).await;
    assert_eq!(ids(&that_day).len(), 2);
    // Searched through /find's index: either direction, narrowed by status.
    let (_, _, found) = get("/api/v1/tickets?q=printer").await;
    assert_eq!(ids(&found), [alices["id"].as_i64().unwrap()]);
    let (_, _, answered) = get("/api/v1/tickets?q=on+it").await;
    assert_eq!(ids(&answered), [alices["id"].as_i64().unwrap()], "staff's words are found too");
    let (_, _, nothing) = get("/api/v1/tickets?q=printer&status=open").await;
    assert_eq!(ids(&nothing), Vec::<i64>::new());
    // Bob's waits for staff, since it opened; Alice's was answered.
    assert_eq!(bobs["waiting_since"], bobs["opened_at"], "{bobs}");
    assert_eq!(alices["waiting_since"], Value::Null, "{alices}");
    let (_, _, waiting) = get("/api/v1/tickets?waiting=yes").await;
    assert_eq!(ids(&waiting), [bobs["id"].as_i64().unwrap()]);
    let (status, _, no_sla) = get("/api/v1/tickets?waiting=past_sla").await;
    assert_eq!(status, 400, "no FIRST_RESPONSE_SLA here: {no_sla}");
    let (_, _, unassigned) = get("/api/v1/tickets?assignee=none").await;
    assert_eq!(ids(&unassigned).len(), 2);
    let (_, _, agents) = call(&desk, Some(&token), &format!("/api/v1/tickets?assignee={}", agent().id)).await;
    assert_eq!(ids(&agents), Vec::<i64>::new());

    let id = alices["id"].as_i64().unwrap();
    let (status, _, one) = call(&desk, Some(&token), &format!("/api/v1/tickets/{id}")).await;
    assert_eq!((status, &one), (200, alices));
    let (status, _, messages) = call(&desk, Some(&token), &format!("/api/v1/tickets/{id}/messages")).await;
    assert_eq!(status, 200);
    let texts: Vec<(&str, &str)> = messages["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["direction"].as_str().unwrap(), m["text"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(texts[..2], [("from_user", "my printer is on fire"), ("to_user", "on it")], "{messages}");

    let (status, _, week) = get("/api/v1/stats?period=week").await;
    assert_eq!(status, 200, "{week}");
    assert_eq!(
        (week["period"].as_str(), week["opened"].as_i64(), week["closed"].as_i64()),
        (Some("week"), Some(2), Some(1))
    );
    assert_eq!(week["days"].as_array().unwrap().len(), 7);
    assert!(week["first_response_seconds"]["median"].is_i64(), "{week}");

    // Pages: 120 tickets more, written straight into the database.
    desk.db
        .sql(
            "INSERT INTO users (id, first_name, created_at, updated_at) \
             VALUES (9000, 'Many', '2026-11-01 09:00:00', '2026-11-01 09:00:00')",
        )
        .await;
    let rows: Vec<String> = (1..=120)
        .map(|n| format!("({}, '2026-11-01', {n}, 9000, 'closed', '2026-11-01 09:00:00')", 10_000 + n))
        .collect();
    desk.db
        .sql(&format!("INSERT INTO tickets (id, day, number, user_id, status, opened_at) VALUES {}", rows.join(", ")))
        .await;
    let mut seen = Vec::new();
    let mut path = "/api/v1/tickets?status=closed&until=2026-11-01".to_string();
    loop {
        let (status, _, page) = call(&desk, Some(&token), &path).await;
        assert_eq!(status, 200, "{page}");
        assert!(ids(&page).len() <= 50);
        seen.extend(ids(&page));
        match page["next_page"].as_str() {
            Some(next) => path = format!("/api/v1/tickets?status=closed&until=2026-11-01&page={next}"),
            None => break,
        }
    }
    assert_eq!(seen, (10_001..=10_120).rev().collect::<Vec<i64>>(), "every ticket once, newest first");
    desk.stop().await;
}

async fn no_live_token_no_answer_and_errors_are_problem_details(kind: Kind) {
    let Some(desk) = console(kind).await else { return };
    let token = new_token(&desk, "bi");
    for path in ["/api/v1/tickets", "/api/v1/tickets/1", "/api/v1/stats", "/api/v1/nothing-here"] {
        let (status, kind_of, body) = call(&desk, None, path).await;
        assert_eq!((status, kind_of.as_str()), (401, "application/problem+json"), "{path}: {body}");
        assert_eq!(body["status"], 401);
        let (status, _, _) = call(&desk, Some("tbk_not-a-token"), path).await;
        assert_eq!(status, 401, "{path}");
    }
    let response = reqwest::get(format!("http://{}/api/v1/tickets", desk.http)).await.unwrap();
    assert!(response.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer"));

    // The database keeps the token's hash only.
    let url = desk.vars_database_url();
    assert_eq!(desk.db.count(&format!("SELECT COUNT(*) FROM api_tokens WHERE token_hash = '{token}'")).await, 0);
    assert_eq!(desk.db.count("SELECT COUNT(*) FROM api_tokens WHERE last_used_at IS NULL").await, 1);
    assert_eq!(call(&desk, Some(&token), "/api/v1/tickets").await.0, 200);
    assert_eq!(desk.db.count("SELECT COUNT(*) FROM api_tokens WHERE last_used_at IS NOT NULL").await, 1);

    for (path, status) in [
        ("/api/v1/tickets/999999", 404),
        ("/api/v1/tickets/abc", 400),
        ("/api/v1/tickets?status=pending", 400),
        ("/api/v1/tickets?since=21.11.2026", 400),
        ("/api/v1/tickets?limit=5", 400),
        ("/api/v1/stats?period=year", 400),
        ("/api/v1/nothing-here", 404),
    ] {
        let (got, kind_of, body) = call(&desk, Some(&token), path).await;
        assert_eq!((got, kind_of.as_str()), (status, "application/problem+json"), "{path}: {body}");
        assert_eq!(body["status"], status, "{body}");
        assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()), "{body}");
    }

    // A method an endpoint does not take: 405, as problem details too.
    let (status, kind_of, body) = send(&desk, reqwest::Method::DELETE, Some(&token), "/api/v1/tickets/1").await;
    assert_eq!((status, kind_of.as_str()), (405, "application/problem+json"), "{body}");

    // A second token of the same name is refused; revoked, a token is 401.
    let again = ticketbot(&url, &["api-token", "create", "bi"]);
    assert!(!again.status.success() && String::from_utf8_lossy(&again.stderr).contains("exists"), "{again:?}");
    let revoked = ticketbot(&url, &["api-token", "revoke", "bi"]);
    assert!(revoked.status.success(), "{revoked:?}");
    assert_eq!(call(&desk, Some(&token), "/api/v1/tickets").await.0, 401);
    let list = String::from_utf8(ticketbot(&url, &["api-token", "list"]).stdout).unwrap();
    assert!(list.starts_with("bi\trevoked"), "{list}");
    assert!(!list.contains(&token), "a token is shown once: {list}");
    assert!(!ticketbot(&url, &["api-token", "revoke", "bi"]).status.success(), "already revoked");
    desk.stop().await;
}

async fn the_api_is_not_served_unless_the_console_is_on(kind: Kind) {
    let Some(desk) = Desk::start(kind).await else { return };
    let token = new_token(&desk, "crm");
    let (status, _, _) = call(&desk, Some(&token), "/api/v1/tickets").await;
    assert_eq!(status, 404);
    desk.stop().await;
}

/// Whether `value` is what `schema` (OpenAPI 3.1, JSON Schema) says, its
/// `$ref`s looked up in `doc`; where it is not, why.
fn conforms(value: &Value, schema: &Value, doc: &Value, at: &str) -> Result<(), String> {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        return conforms(value, &doc["components"]["schemas"][name], doc, at);
    }
    if let Some(choices) = schema["oneOf"].as_array() {
        return match choices.iter().filter(|c| conforms(value, c, doc, at).is_ok()).count() {
            1 => Ok(()),
            n => Err(format!("{at}: {value} matches {n} of oneOf {schema}")),
        };
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => return Ok(()),
    };
    let is = |t: &str| match t {
        "null" => value.is_null(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => false,
    };
    if !types.iter().any(|t| is(t)) {
        return Err(format!("{at}: {value} is not {types:?}"));
    }
    if let (Some(object), Some(properties)) = (value.as_object(), schema["properties"].as_object()) {
        for required in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            if !object.contains_key(required) {
                return Err(format!("{at}: {required} is missing"));
            }
        }
        for key in object.keys() {
            let property = properties.get(key).ok_or_else(|| format!("{at}: {key} is not documented"))?;
            conforms(&object[key], property, doc, &format!("{at}.{key}"))?;
        }
    }
    if let Some(items) = value.as_array() {
        for (i, item) in items.iter().enumerate() {
            conforms(item, &schema["items"], doc, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

/// A request the conformance test makes: method and documented path, the
/// URL, the token, the JSON body, and the status it should get.
type Request<'a> = (&'a str, &'a str, String, Option<&'a str>, Option<&'a str>, u16);

/// The documented answer of `method path` with `status`: its schema.
fn documented<'a>(doc: &'a Value, method: &str, path: &str, status: u16) -> &'a Value {
    let responses = &doc["paths"][path][method]["responses"];
    let response = &responses[status.to_string()];
    assert!(response.is_object(), "{path} does not document {status}: {responses}");
    let content = response["content"].as_object().unwrap();
    assert_eq!(content.len(), 1, "{path} {status}");
    &content.values().next().unwrap()["schema"]
}

async fn the_server_answers_every_documented_status_as_its_document_says(kind: Kind) {
    let Some(desk) = console(kind).await else { return };
    two_tickets(&desk).await;
    let token = new_token(&desk, "checker");
    let (status, _, doc) = call(&desk, Some(&token), "/api/v1/openapi.json").await;
    assert_eq!(status, 200, "{doc}");
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{doc}");
    assert_eq!(call(&desk, None, "/api/v1/openapi.json").await.0, 401, "the document too needs a token");
    let id = ids(&call(&desk, Some(&token), "/api/v1/tickets").await.2)[0];

    // Alice writes again: a second open ticket of hers, so her first
    // cannot be reopened.
    open_ticket(&desk, &alice(), "me again").await;
    let tickets = call(&desk, Some(&token), "/api/v1/tickets").await.2;
    let of = |user: i64, status: &str| {
        tickets["items"].as_array().unwrap().iter().find(|t| t["user"]["id"] == user && t["status"] == status).unwrap()
            ["id"]
            .as_i64()
            .unwrap()
    };
    let (bobs, alices_closed) = (of(bob().id, "open"), of(alice().id, "closed"));

    // For every documented operation and status, a request that should get it.
    let token = Some(token.as_str());
    let long = serde_json::json!({ "text": "x".repeat(4097) }).to_string();
    let reply = r#"{"text": "we are on it: 5 < 6 & <b>"}"#;
    let requests: Vec<Request> = vec![
        ("post", "/tickets/{id}/messages", format!("/tickets/{bobs}/messages"), token, Some(reply), 201),
        ("post", "/tickets/{id}/messages", format!("/tickets/{bobs}/messages"), token, Some(r#"{"text": " "}"#), 400),
        ("post", "/tickets/{id}/messages", format!("/tickets/{bobs}/messages"), token, Some("text=hi"), 400),
        ("post", "/tickets/{id}/messages", format!("/tickets/{bobs}/messages"), token, Some(long.as_str()), 400),
        ("post", "/tickets/{id}/messages", format!("/tickets/{bobs}/messages"), None, Some(reply), 401),
        ("post", "/tickets/{id}/messages", "/tickets/999999/messages".into(), token, Some(reply), 404),
        ("get", "/tickets", "/tickets?status=open".into(), token, None, 200),
        ("get", "/tickets", "/tickets?q=printer".into(), token, None, 200),
        ("get", "/tickets", "/tickets?status=pending".into(), token, None, 400),
        ("get", "/tickets", "/tickets".into(), None, None, 401),
        ("get", "/tickets/{id}", format!("/tickets/{id}"), token, None, 200),
        ("get", "/tickets/{id}", "/tickets/x".into(), token, None, 400),
        ("get", "/tickets/{id}", format!("/tickets/{id}"), None, None, 401),
        ("get", "/tickets/{id}", "/tickets/999999".into(), token, None, 404),
        ("get", "/tickets/{id}/messages", format!("/tickets/{id}/messages"), token, None, 200),
        ("get", "/tickets/{id}/messages", format!("/tickets/{id}/messages?page=0"), token, None, 400),
        ("get", "/tickets/{id}/messages", format!("/tickets/{id}/messages"), None, None, 401),
        ("get", "/tickets/{id}/messages", "/tickets/999999/messages".into(), token, None, 404),
        ("get", "/stats", "/stats?period=month".into(), token, None, 200),
        ("get", "/stats", "/stats?period=year".into(), token, None, 400),
        ("get", "/stats", "/stats".into(), None, None, 401),
        ("post", "/tickets/{id}/close", format!("/tickets/{bobs}/close"), None, None, 401),
        ("post", "/tickets/{id}/close", format!("/tickets/{bobs}/close"), token, None, 200),
        ("post", "/tickets/{id}/close", format!("/tickets/{bobs}/close"), token, None, 200),
        ("post", "/tickets/{id}/close", "/tickets/x/close".into(), token, None, 400),
        ("post", "/tickets/{id}/close", "/tickets/999999/close".into(), token, None, 404),
        ("post", "/tickets/{id}/reopen", format!("/tickets/{bobs}/reopen"), token, None, 200),
        ("post", "/tickets/{id}/reopen", format!("/tickets/{alices_closed}/reopen"), token, None, 409),
        ("post", "/tickets/{id}/reopen", "/tickets/x/reopen".into(), token, None, 400),
        ("post", "/tickets/{id}/reopen", format!("/tickets/{bobs}/reopen"), None, None, 401),
        ("post", "/tickets/{id}/reopen", "/tickets/999999/reopen".into(), token, None, 404),
    ];
    let mut checked: Vec<(String, String, u16)> = Vec::new();
    for (method, path, url, token, sent, expected) in &requests {
        let verb = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let (status, content_type, body) = send_body(&desk, verb, *token, &format!("/api/v1{url}"), *sent).await;
        assert_eq!(status, *expected, "{method} {url}: {body}");
        let wanted = if status < 300 { "application/json" } else { "application/problem+json" };
        assert_eq!(content_type, wanted, "{url}");
        conforms(&body, documented(&doc, method, path, status), &doc, url).unwrap();
        checked.push((method.to_string(), path.to_string(), status));
    }
    // Answered through the API as by a staff reply: Bob reads it, staff
    // see it and it counts; closed as by /close: Bob is told (and asked to
    // rate), staff read who closed it; then it is open again.
    let to_bob = desk.wait_sent(bob().id, 4, "the answer, closed and asked to rate").await;
    assert!(to_bob.iter().any(|m| m.text.as_deref() == Some("we are on it: 5 < 6 & <b>")), "{to_bob:?}");
    assert_eq!(crate::inspect::outbox_failed(&desk.db).await, 0, "the fake took every text");
    let support = desk.fake.sent_to(SUPPORT);
    let said = |what: &str| support.iter().any(|m| m.text.as_deref().is_some_and(|t| t.contains(what)));
    assert!(said("API (checker) answered"), "{support:?}");
    assert!(said("API (checker)") && said("we are on it"), "{support:?}");
    let (_, _, bobs_messages) = call(&desk, token, &format!("/api/v1/tickets/{bobs}/messages")).await;
    let answer = bobs_messages["items"].as_array().unwrap().iter().find(|m| m["direction"] == "to_user").unwrap();
    assert_eq!(answer["text"], "we are on it: 5 < 6 & <b>");
    let (_, _, bobs_ticket) = call(&desk, token, &format!("/api/v1/tickets/{bobs}")).await;
    assert!(bobs_ticket["first_response_at"].is_string(), "the response clock counts it: {bobs_ticket}");
    let (_, _, bobs_now) = call(&desk, token, &format!("/api/v1/tickets/{bobs}")).await;
    assert_eq!(bobs_now["status"], "open", "{bobs_now}");

    // PostgreSQL: the database dropped under the bot, every path is 503.
    if kind == Kind::Postgres {
        desk.db.drop_now().await;
        for (method, path) in [
            ("get", "/tickets"),
            ("get", "/tickets/{id}"),
            ("get", "/tickets/{id}/messages"),
            ("post", "/tickets/{id}/messages"),
            ("get", "/stats"),
            ("post", "/tickets/{id}/close"),
            ("post", "/tickets/{id}/reopen"),
        ] {
            let url = path.replace("{id}", &id.to_string());
            let verb = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let body = (method == "post").then_some(reply);
            let (status, content_type, body) = send_body(&desk, verb, token, &format!("/api/v1{url}"), body).await;
            assert_eq!((status, content_type.as_str()), (503, "application/problem+json"), "{url}: {body}");
            assert!(!body.to_string().contains("postgres://"), "{body}");
            conforms(&body, documented(&doc, method, path, 503), &doc, &url).unwrap();
            checked.push((method.to_string(), path.to_string(), 503));
        }
    }
    // Every status the document names was met (503 on PostgreSQL only).
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for status in operation["responses"].as_object().unwrap().keys() {
                let status: u16 = status.parse().unwrap();
                if status == 503 && kind == Kind::Sqlite {
                    continue;
                }
                let done = checked.contains(&(method.clone(), path.clone(), status));
                assert!(done, "{method} {path} {status} is documented but not checked");
            }
        }
    }
    desk.stop().await;
}
