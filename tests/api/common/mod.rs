//! The harness every integration test uses: the real server on 127.0.0.1:0 over a fresh
//! database (a temporary SQLite file, or a schema of its own in the PostgreSQL named by
//! `TEST_DATABASE_URL`), a clock the test can move, and a blocking HTTP client.

pub mod browser;

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use serde_json::{Value, json};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use vellum::AppState;
use vellum::clock::{Clock, SystemClock};
use vellum::config::Config;

pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "Admin-Password-1";
pub const JWT_SECRET: &str = "test-jwt-secret-that-is-long-enough";
pub const TOKEN_SALT: &str = "test-token-salt";

/// A database for one test, removed when dropped.
pub struct TestDatabase {
    pub url: String,
    _dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    pub fn fresh() -> Arc<TestDatabase> {
        let dir = tempfile::tempdir().expect("temp dir");
        let database = match std::env::var("TEST_DATABASE_URL") {
            Ok(base) if !base.trim().is_empty() => {
                let schema = format!("t_{}", random_hex(8));
                let mut conn = PgConnection::establish(&base).expect("TEST_DATABASE_URL answers");
                conn.batch_execute(&format!("CREATE SCHEMA {schema}"))
                    .expect("create test schema");
                let separator = if base.contains('?') { '&' } else { '?' };
                TestDatabase {
                    url: format!("{base}{separator}options=-csearch_path%3D{schema}"),
                    _dir: dir,
                    postgres: Some((base, schema)),
                }
            }
            _ => TestDatabase {
                url: format!("sqlite://{}", dir.path().join("vellum.db").display()),
                _dir: dir,
                postgres: None,
            },
        };
        Arc::new(database)
    }

    /// The folder of this database's files (the SQLite file, the development secrets).
    pub fn dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }

    /// The environment a `vellum` process needs to use this database.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("DATABASE_URL", self.url.clone()),
            ("API_TOKEN_SALT", TOKEN_SALT.into()),
            ("ADMIN_JWT_SECRET", JWT_SECRET.into()),
        ]
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((base, schema)) = &self.postgres
            && let Ok(mut conn) = PgConnection::establish(base)
        {
            let _ = conn.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        }
    }
}

/// A clock that starts at the real time and moves only when told.
pub struct TestClock(Mutex<NaiveDateTime>);

impl TestClock {
    pub fn advance(&self, by: chrono::Duration) {
        *self.0.lock().unwrap() += by;
    }

    /// The clock's time as the API writes it.
    pub fn now_iso(&self) -> String {
        vellum::clock::iso(self.now())
    }
}

impl Clock for TestClock {
    fn now(&self) -> NaiveDateTime {
        *self.0.lock().unwrap()
    }
}

/// A running server.
pub struct TestServer {
    pub url: String,
    pub state: AppState,
    /// The GraphQL cache the server uses.
    pub graphql: Arc<vellum::http::graphql::Schemas>,
    pub clock: Arc<TestClock>,
    pub database: Arc<TestDatabase>,
    handle: actix_web::dev::ServerHandle,
    thread: Option<JoinHandle<()>>,
    agent: ureq::Agent,
}

/// A response: status, headers and the body as JSON (`Null` when empty, a string when not JSON).
pub struct Reply {
    pub status: u16,
    pub headers: ureq::http::HeaderMap,
    pub body: Value,
    /// The body as sent.
    pub text: String,
}

impl TestServer {
    pub fn start() -> TestServer {
        Self::start_with(&[])
    }

    /// Starts on a fresh database with extra configuration variables.
    pub fn start_with(vars: &[(&str, &str)]) -> TestServer {
        Self::start_on(TestDatabase::fresh(), vars)
    }

    /// Starts on an existing database (to test restarts).
    pub fn start_on(database: Arc<TestDatabase>, vars: &[(&str, &str)]) -> TestServer {
        let mut env: Vec<(String, String)> = database
            .env()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        env.extend(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let config = Config::from_vars(
            |name| {
                env.iter()
                    .rev()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
            },
            &database._dir.path().join("secrets.env"),
        )
        .expect("test configuration");
        let clock = Arc::new(TestClock(Mutex::new(SystemClock.now())));
        let state = AppState::init(config, clock.clone()).expect("server state");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (sender, receiver) = std::sync::mpsc::channel();
        let server_state = state.clone();
        let graphql = Arc::new(vellum::http::graphql::Schemas::default());
        let server_graphql = graphql.clone();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new()
                .block_on(async move {
                    let server =
                        vellum::server_with(server_state, listener, server_graphql, |_| {})
                            .unwrap();
                    sender.send(server.handle()).unwrap();
                    server.await
                })
                .unwrap();
        });
        let handle = receiver.recv().expect("server thread started");
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        TestServer {
            url,
            state,
            graphql,
            clock,
            database,
            handle,
            thread: Some(thread),
            agent,
        }
    }

    /// Sends a request with optional bearer token and JSON body.
    pub fn call(
        &self,
        method: &str,
        path: &str,
        bearer: Option<&str>,
        body: Option<&Value>,
    ) -> Reply {
        let mut headers = Vec::new();
        let auth;
        if let Some(token) = bearer {
            auth = format!("Bearer {token}");
            headers.push(("authorization", auth.as_str()));
        }
        match body {
            Some(body) => {
                headers.push(("content-type", "application/json"));
                self.raw(method, path, &headers, body.to_string().into_bytes())
            }
            None => self.raw(method, path, &headers, Vec::new()),
        }
    }

    /// Sends exactly these headers and bytes.
    pub fn raw(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Reply {
        let mut request = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{}", self.url, path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let mut response = self
            .agent
            .run(request.body(body).unwrap())
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| Value::String(text.clone()))
        };
        Reply {
            status,
            headers,
            body,
            text,
        }
    }

    pub fn get(&self, path: &str, bearer: Option<&str>) -> Reply {
        self.call("GET", path, bearer, None)
    }

    pub fn post(&self, path: &str, bearer: Option<&str>, body: &Value) -> Reply {
        self.call("POST", path, bearer, Some(body))
    }

    /// Registers the first super admin and returns their session JWT.
    pub fn register_admin(&self) -> String {
        let reply = self.post(
            "/admin/register-admin",
            None,
            &json!({
                "firstname": "Ada",
                "lastname": "Admin",
                "email": ADMIN_EMAIL,
                "password": ADMIN_PASSWORD,
            }),
        );
        assert_eq!(reply.status, 200, "register-admin: {}", reply.body);
        reply.body["data"]["token"].as_str().unwrap().to_string()
    }

    /// Creates a content-API token through the Admin API; returns its `data`.
    pub fn create_token(&self, admin: &str, body: Value) -> Value {
        let reply = self.post("/admin/api-tokens", Some(admin), &body);
        assert_eq!(reply.status, 201, "create token: {}", reply.body);
        reply.body["data"].clone()
    }

    /// A new token of `token_type` (and `permissions` for custom); returns its secret.
    pub fn token(&self, admin: &str, token_type: &str, permissions: &[&str]) -> String {
        let mut body =
            json!({"name": format!("{token_type} {}", random_hex(4)), "type": token_type});
        if token_type == "custom" {
            body["permissions"] = json!(permissions);
        }
        self.create_token(admin, body)["accessKey"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Signs in and returns the session JWT.
    pub fn login(&self, email: &str, password: &str) -> String {
        let reply = self.post(
            "/admin/login",
            None,
            &json!({"email": email, "password": password}),
        );
        assert_eq!(reply.status, 200, "login: {}", reply.body);
        reply.body["data"]["token"].as_str().unwrap().to_string()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        // Sends the stop command at once; the thread ends when the server has stopped.
        drop(self.handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Asserts Strapi's error envelope with this status, name and message.
pub fn assert_error(reply: &Reply, status: u16, name: &str, message: &str) {
    assert_eq!(reply.status, status, "body: {}", reply.body);
    assert_eq!(reply.body["data"], Value::Null, "body: {}", reply.body);
    let error = &reply.body["error"];
    assert_eq!(error["status"], status, "body: {}", reply.body);
    assert_eq!(error["name"], name, "body: {}", reply.body);
    assert_eq!(error["message"], message, "body: {}", reply.body);
    assert!(error["details"].is_object(), "body: {}", reply.body);
}

/// That a refusal is Strapi's envelope, `{data: null, error: {status, name, message,
/// details}}`, with the answer's own status.
pub fn assert_envelope(reply: &Reply) {
    let body = reply
        .body
        .as_object()
        .unwrap_or_else(|| panic!("not a JSON object: {:?}", reply.text));
    assert_eq!(body.get("data"), Some(&Value::Null), "{}", reply.text);
    let error = &reply.body["error"];
    assert_eq!(error["status"], reply.status, "{}", reply.text);
    assert!(
        error["name"].is_string() && error["message"].is_string() && error["details"].is_object(),
        "{}",
        reply.text
    );
}

pub fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).unwrap();
    hex::encode(buffer)
}

/// Unpadded base64url of a JSON value, as a JWT part.
pub fn encode_part(value: &Value) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let bytes = value.to_string().into_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// The absolute path of a folder under `tests/fixtures`.
pub fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A copy of the fixture content types in a temporary folder, so changes never touch the repo.
pub fn copied_types() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fixture("content-types")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    dir
}

/// The start most tests share: a server on the fixture content types (unless `vars` name
/// others) with a registered super admin, whose session JWT comes back beside it.
pub fn start_signed_in(vars: &[(&str, &str)]) -> (TestServer, String) {
    let types = fixture("content-types");
    let mut all = vec![("CONTENT_TYPES_DIR", types.as_str())];
    all.extend_from_slice(vars);
    let server = TestServer::start_with(&all);
    let admin = server.register_admin();
    (server, admin)
}

/// Percent-encodes a query string the way `qs.stringify` does (brackets, `$`, spaces and
/// non-ASCII encoded), keeping `=` and `&` as separators.
pub fn encode_query(query: &str) -> String {
    let mut out = String::with_capacity(query.len() * 2);
    for byte in query.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'=' | b'&' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// Runs `vellum admin create` against the server's database and content types, as an operator
/// would; returns a session of the new admin.
pub fn create_admin_with_cli(server: &TestServer, email: &str, role: &str) -> String {
    let password = "Other-Admin-Pass-1";
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_vellum"))
        .args([
            "admin",
            "create",
            "--email",
            email,
            "--firstname",
            "Ed",
            "--role",
            role,
        ])
        .env("VELLUM_ADMIN_PASSWORD", password)
        .envs(server.database.env())
        .env("CONTENT_TYPES_DIR", &server.state.config.content_types_dir)
        .env("RUST_LOG", "error")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run vellum");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains(email), "stdout: {stdout}");
    server.login(email, password)
}

/// A port free on 127.0.0.1 for a server started as a process.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until the `vellum` process `child` answers `/_health` on `port` with 200 (it is killed
/// and the test fails if it exits or does not answer within 10 s); the client to talk to it.
pub fn wait_healthy(child: &mut std::process::Child, port: u16) -> ureq::Agent {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let url = format!("http://127.0.0.1:{port}/_health");
    for _ in 0..200 {
        if agent.get(&url).call().is_ok_and(|r| r.status() == 200) {
            return agent;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("server exited at start: {status}");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("server did not answer /_health");
}

/// Cases a property test runs: `PROPTEST_CASES`, or `default`.
pub fn proptest_cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
