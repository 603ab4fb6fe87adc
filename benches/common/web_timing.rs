//! The web console's pages and the REST API, timed against a running bot
//! with `WEB_CONSOLE=on`: a staff member's session from `ticketbot
//! web-login` (its link's button posted), a bearer token from `ticketbot
//! api-token create`, then each page and endpoint asked in turn, the whole
//! answer read. Target: p95 under 100 ms.

use std::time::{Duration, Instant};

pub struct Web {
    base: String,
    client: reqwest::Client,
    session: String,
    token: String,
}

/// `ticketbot ARGS` on `database_url`: what it printed on stdout.
fn ticketbot(database_url: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ticketbot"))
        .args(args)
        .env_clear()
        .env("DATABASE_URL", database_url)
        .env("WEB_CONSOLE", "on")
        .env("RUST_LOG", "error")
        .output()
        .expect("ticketbot");
    assert!(out.status.success(), "ticketbot {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

impl Web {
    /// Logs staff member `staff` in to the console at `base`
    /// (`http://127.0.0.1:PORT`), and makes an API token.
    pub async fn log_in(database_url: &str, base: &str, staff: i64) -> Self {
        let link = ticketbot(database_url, &["web-login", "--user", &staff.to_string()]);
        let token = link.split_once("token=").expect("a login link").1.to_string();
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let answer = client
            .post(format!("{base}/auth/link"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("token={token}"))
            .send()
            .await
            .expect("POST /auth/link");
        let cookie = answer.headers().get("set-cookie").expect("a session cookie").to_str().unwrap();
        let session = cookie.split(';').next().unwrap().to_string();
        // A name of its own each run: a kept database keeps earlier runs' tokens.
        let name =
            format!("bench-{}", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs());
        let token = ticketbot(database_url, &["api-token", "create", &name]);
        Self { base: base.to_string(), client, session, token }
    }

    /// `runs` GETs of `path` (a page with the session, `/api/…` with the
    /// token): each from sending to the last byte read.
    pub async fn time(&self, path: &str, runs: usize) -> Vec<Duration> {
        let mut took = Vec::with_capacity(runs);
        for _ in 0..runs {
            let mut request = self.client.get(format!("{}{path}", self.base));
            request = match path.starts_with("/api/") {
                true => request.bearer_auth(&self.token),
                false => request.header("cookie", &self.session),
            };
            let started = Instant::now();
            let answer = request.send().await.expect("GET");
            let status = answer.status();
            let body = answer.bytes().await.expect("the body");
            took.push(started.elapsed());
            assert!(status.is_success(), "{path}: {status} {}", String::from_utf8_lossy(&body));
        }
        took
    }
}
