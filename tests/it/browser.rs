//! Headless Chromium driven over WebDriver (Debian's `chromium` and
//! `chromium-driver`, which `.ci/run` installs): a chromedriver of its own
//! per test on a free port, a fresh profile, no network but 127.0.0.1.
//! Without chromedriver the test fails; outside CI `SKIP_BROWSER_TESTS=1`
//! makes that a loud skip instead.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder};

pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

/// The element that has the focus.
#[derive(Debug, Clone, PartialEq)]
pub struct Focused {
    pub tag: String,
    /// Its label's text, or its own; spaces collapsed.
    pub name: String,
    /// Its outline: style (`solid`, `none`…) and width in pixels.
    pub outline: (String, f64),
}

const DRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

impl Browser {
    /// A browser, or `None` for a permitted skip.
    pub async fn start() -> Option<Self> {
        if !std::path::Path::new(DRIVER).exists() {
            let ci = std::env::var("CI").as_deref() == Ok("true");
            if !ci && std::env::var("SKIP_BROWSER_TESTS").as_deref() == Ok("1") {
                eprintln!("SKIPPED: {DRIVER} is missing and SKIP_BROWSER_TESTS=1");
                return None;
            }
            panic!("{DRIVER} is missing: install Debian's chromium and chromium-driver (.ci/run does)");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = Command::new(DRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().unwrap();
        let args = [
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--no-first-run".into(),
            "--window-size=1280,900".into(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".into(), serde_json::json!({ "binary": CHROMIUM, "args": args }));
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            let mut builder = ClientBuilder::new(connector);
            builder.capabilities(caps.clone());
            match builder.connect(&format!("http://127.0.0.1:{port}")).await {
                Ok(client) => break client,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("chromedriver on port {port} did not start Chromium: {e}"),
            }
        };
        Some(Self { client, driver, _profile: profile })
    }

    /// Saves what the browser shows as `target/tmp/screenshots/NAME.png`
    /// (kept after the run, for people to look at).
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let png = self.client.screenshot().await.expect("screenshot");
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }

    /// Presses and releases `key` wherever the focus is, as a keyboard does.
    pub async fn press(&self, key: Key) {
        let keyboard = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: key.into() })
            .then(KeyAction::Up { value: key.into() });
        self.client.perform_actions(keyboard).await.expect("a key press");
    }

    /// What has the focus: its tag, the name a screen reader would read
    /// (its label, else its text), and its outline's style and width.
    pub async fn focused(&self) -> Focused {
        const READ: &str = "const e = document.activeElement; \
            const label = e.labels && e.labels.length ? e.labels[0].cloneNode(true) : null; \
            if (label) label.querySelectorAll('input, select, textarea').forEach(c => c.remove()); \
            const name = (label ? label.textContent : e.textContent).trim(); \
            const style = getComputedStyle(e); \
            return [e.tagName.toLowerCase(), name, style.outlineStyle, parseFloat(style.outlineWidth) || 0];";
        let read = self.client.execute(READ, vec![]).await.expect("the focused element");
        Focused {
            tag: read[0].as_str().unwrap().to_string(),
            name: read[1].as_str().unwrap().split_whitespace().collect::<Vec<_>>().join(" "),
            outline: (read[2].as_str().unwrap().to_string(), read[3].as_f64().unwrap()),
        }
    }

    /// Waits until the browser is at a URL `at` accepts.
    pub async fn until_url(&self, at: impl Fn(&url::Url) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let url = self.client.current_url().await.unwrap();
            if at(&url) {
                return;
            }
            assert!(Instant::now() < deadline, "the browser stayed at {url}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
