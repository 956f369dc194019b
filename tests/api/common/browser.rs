//! A real browser for the panel's tests: Debian's `chromium`, headless, driven through
//! `chromedriver` over the W3C WebDriver protocol (plain JSON over HTTP, spoken with ureq).

use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
const WAIT: Duration = Duration::from_secs(15);

pub struct Browser {
    agent: ureq::Agent,
    session: String,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// A fresh headless browser; `None` when chromedriver is not installed, outside CI (in CI a
    /// missing browser fails the test).
    pub fn start() -> Option<Browser> {
        let driver_path = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists());
        let Some(driver_path) = driver_path else {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI is set but chromedriver is missing (apt-get install chromium chromium-driver)"
            );
            eprintln!("chromedriver is not installed: the browser test did not run");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new(driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + WAIT;
        while agent.get(format!("{base}/status")).call().is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        let profile = tempfile::tempdir().unwrap();
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run",
                    "--disable-quic", "--disable-dev-shm-usage", "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        }}});
        let mut browser = Browser {
            agent,
            session: String::new(),
            driver,
            _profile: profile,
        };
        let created = browser.send("POST", &format!("{base}/session"), Some(capabilities));
        browser.session = format!(
            "{base}/session/{}",
            created["sessionId"].as_str().expect("a WebDriver session")
        );
        Some(browser)
    }

    fn send(&self, method: &str, url: &str, body: Option<Value>) -> Value {
        let request = ureq::http::Request::builder()
            .method(method)
            .uri(url)
            .header("content-type", "application/json");
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut response = self
            .agent
            .run(request.body(body).unwrap())
            .unwrap_or_else(|e| panic!("WebDriver {method} {url}: {e}"));
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        assert!(status < 400, "WebDriver {method} {url}: {status} {text}");
        value.get("value").cloned().map_or(
            value,
            |inner| {
                if inner.is_null() { json!({}) } else { inner }
            },
        )
    }

    fn command(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.send(method, &format!("{}{path}", self.session), body)
    }

    pub fn goto(&self, url: &str) {
        self.command("POST", "/url", Some(json!({"url": url})));
    }

    /// Runs a script in the page; its result.
    pub fn script(&self, script: &str) -> Value {
        self.command(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
    }

    /// A command that may fail (a missing or stale element): `None` then.
    fn try_command(&self, method: &str, path: &str, body: Option<Value>) -> Option<Value> {
        let request = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.session))
            .header("content-type", "application/json");
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut response = self.agent.run(request.body(body).unwrap()).ok()?;
        let ok = response.status().as_u16() < 400;
        let value: Value =
            serde_json::from_str(&response.body_mut().read_to_string().ok()?).ok()?;
        ok.then(|| value["value"].clone())
    }

    fn try_find(&self, css: &str) -> Option<String> {
        let found = self.try_command(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        )?;
        found[ELEMENT].as_str().map(str::to_string)
    }

    /// Runs `action` on the shown element `css`, waiting for it to appear, and again when the
    /// page replaced it meanwhile.
    fn on_element(&self, css: &str, action: impl Fn(&str) -> Option<Value>) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let done = self.try_find(css).and_then(|id| {
                let shown = self.try_command("GET", &format!("/element/{id}/displayed"), None);
                if shown == Some(json!(true)) {
                    action(&id)
                } else {
                    None
                }
            });
            if let Some(value) = done {
                return value;
            }
            if Instant::now() > deadline {
                let page = self.script("return document.body.innerText");
                panic!("no visible element `{css}` after {WAIT:?}; the page says: {page}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits for the element `css` to be shown.
    pub fn find(&self, css: &str) {
        self.on_element(css, |_| Some(Value::Null));
    }

    /// Waits until `css` selects nothing.
    pub fn wait_gone(&self, css: &str) {
        let deadline = Instant::now() + WAIT;
        while self.try_find(css).is_some() {
            assert!(Instant::now() < deadline, "`{css}` is still there");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn click(&self, css: &str) {
        self.on_element(css, |id| {
            self.try_command("POST", &format!("/element/{id}/click"), Some(json!({})))
        });
    }

    /// Types `text` into the field `css` (after clearing it).
    pub fn fill(&self, css: &str, text: &str) {
        self.on_element(css, |id| {
            self.try_command("POST", &format!("/element/{id}/clear"), Some(json!({})))?;
            self.try_command(
                "POST",
                &format!("/element/{id}/value"),
                Some(json!({"text": text})),
            )
        });
    }

    pub fn text(&self, css: &str) -> String {
        self.on_element(css, |id| {
            self.try_command("GET", &format!("/element/{id}/text"), None)
        })
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    /// Waits until the element `css` has text that `accept`s; returns it.
    pub fn wait_text(&self, css: &str, accept: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let text = self.text(css);
            if accept(&text) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "`{css}` never had the text expected; last: {text}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Saves a screenshot as `target/screenshots/<name>.png` (a test artifact).
    pub fn screenshot(&self, name: &str) {
        use base64::Engine;
        let encoded = self.command("GET", "/screenshot", None);
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().unwrap_or_default())
            .unwrap();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/target/screenshots");
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(format!("{dir}/{name}.png"), bytes).unwrap();
    }

    /// Sets the window's size (to check narrow screens).
    pub fn resize(&self, width: u32, height: u32) {
        self.command(
            "POST",
            "/window/rect",
            Some(json!({"width": width, "height": height})),
        );
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.agent.delete(&self.session).call();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
