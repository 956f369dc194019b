//! Crash safety: a server killed with SIGKILL in the middle of a write load or of a schema change
//! keeps every write and change it acknowledged, and its database stays sound; SIGTERM lets the
//! requests in flight finish before the process exits.

use crate::common::*;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Running {
    child: Child,
    client: Client,
    port: u16,
}

struct Client {
    base: String,
    agent: ureq::Agent,
}

/// Starts the `vellum` binary on `database` with the content types of `types`.
fn start_binary(database: &TestDatabase, dir: &Path, types: &Path) -> Running {
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vellum"))
        .current_dir(dir)
        .envs(database.env())
        .env("PORT", port.to_string())
        .env("CONTENT_TYPES_DIR", types)
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let agent = wait_healthy(&mut child, port);
    Running {
        child,
        client: Client {
            base: format!("http://127.0.0.1:{port}"),
            agent,
        },
        port,
    }
}

fn kill(child: &mut Child) {
    child.kill().unwrap();
    child.wait().unwrap();
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            kill(&mut self.child);
        }
    }
}

impl Client {
    /// Sends a request; `None` when the server is gone.
    fn send(
        &self,
        method: &str,
        path: &str,
        bearer: &str,
        body: Option<Value>,
    ) -> Option<(u16, Value)> {
        let request = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header("authorization", format!("Bearer {bearer}"))
            .header("content-type", "application/json")
            .body(body.map(|b| b.to_string()).unwrap_or_default())
            .unwrap();
        let mut response = self.agent.run(request).ok()?;
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().ok()?;
        Some((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }

    /// Registers the first admin; returns the session JWT.
    fn register_admin(&self) -> String {
        let request = json!({"firstname": "A", "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD});
        let response = self
            .agent
            .post(&format!("{}/admin/register-admin", self.base))
            .send_json(&request)
            .unwrap()
            .body_mut()
            .read_json::<Value>()
            .unwrap();
        response["data"]["token"].as_str().unwrap().to_string()
    }

    /// A new full-access token; returns its id and secret.
    fn full_access_token(&self, admin: &str) -> (i64, String) {
        let (status, made) = self
            .send(
                "POST",
                "/admin/api-tokens",
                admin,
                Some(json!({"name": format!("writer {}", random_hex(3)), "type": "full-access"})),
            )
            .unwrap();
        assert_eq!(status, 201, "{made}");
        (
            made["data"]["id"].as_i64().unwrap(),
            made["data"]["accessKey"].as_str().unwrap().to_string(),
        )
    }

    /// Creates articles until the server stops answering; returns the acknowledged documents.
    fn write_until_gone(&self, token: &str, label: &str) -> Vec<String> {
        let mut acknowledged = Vec::new();
        for n in 0.. {
            let body = json!({"data": {"title": format!("{label}-{n}"), "views": n}});
            match self.send("POST", "/api/articles", token, Some(body)) {
                Some((201, reply)) => {
                    acknowledged.push(reply["data"]["documentId"].as_str().unwrap().to_string())
                }
                None => break,
                Some((status, reply)) => panic!("{status} {reply}"),
            }
        }
        acknowledged
    }

    fn assert_present(&self, token: &str, documents: &[String]) {
        for document in documents {
            let (status, _) = self
                .send("GET", &format!("/api/articles/{document}"), token, None)
                .unwrap();
            assert_eq!(status, 200, "acknowledged write {document} lost");
        }
    }
}

/// On SQLite, `PRAGMA integrity_check` says ok (PostgreSQL has no equivalent to run).
fn assert_sound(database: &TestDatabase) {
    if database.is_postgres() {
        return;
    }
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Check {
        #[diesel(sql_type = diesel::sql_types::Text)]
        integrity_check: String,
    }
    let path = database.url.trim_start_matches("sqlite://");
    let mut conn = diesel::SqliteConnection::establish(path).unwrap();
    let checks: Vec<Check> = diesel::sql_query("PRAGMA integrity_check")
        .load(&mut conn)
        .unwrap();
    assert_eq!(checks[0].integrity_check, "ok");
}

#[test]
fn acknowledged_writes_survive_sigkill() {
    let database = TestDatabase::fresh();
    let dir = tempfile::tempdir().unwrap();
    let types = fixture("content-types");
    let mut server = start_binary(&database, dir.path(), Path::new(&types));
    let admin = server.client.register_admin();
    let (_, token) = server.client.full_access_token(&admin);

    let kill_at = Instant::now() + Duration::from_millis(1500);
    let acknowledged: Vec<String> = std::thread::scope(|scope| {
        let writers: Vec<_> = (0..8)
            .map(|i| {
                let (client, token) = (&server.client, &token);
                scope.spawn(move || client.write_until_gone(token, &format!("w{i}")))
            })
            .collect();
        std::thread::sleep(kill_at.saturating_duration_since(Instant::now()));
        kill(&mut server.child);
        writers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    assert!(
        acknowledged.len() > 10,
        "the load wrote: {}",
        acknowledged.len()
    );

    let restarted = start_binary(&database, dir.path(), Path::new(&types));
    restarted.client.assert_present(&token, &acknowledged);
    assert_sound(&database);
}

/// Schema changes killed at different moments (before, during and after the table change and
/// the file write), with writes going on: every restart finds a readable schema, every
/// acknowledged change in force and usable, and every acknowledged write.
#[test]
fn interrupted_schema_changes_keep_a_sound_state() {
    let database = TestDatabase::fresh();
    let dir = tempfile::tempdir().unwrap();
    let types = copied_types();
    let mut server = start_binary(&database, dir.path(), types.path());
    let admin = server.client.register_admin();
    let (_, token) = server.client.full_access_token(&admin);
    let mut written = Vec::new();
    let mut changes_acknowledged = Vec::new();
    let article_schema = |client: &Client| {
        let (status, types_now) = client
            .send("GET", "/admin/content-types", &admin, None)
            .unwrap();
        assert_eq!(status, 200, "{types_now}");
        types_now["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["uid"] == "api::article.article")
            .unwrap()["schema"]
            .clone()
    };
    let change = |client: &Client, schema: &Value| {
        client.send(
            "PUT",
            "/admin/content-types/api::article.article",
            &admin,
            Some(json!({"data": schema})),
        )
    };
    // One change left alone tells how long a change takes here; the kills are spread over it.
    let mut schema = article_schema(&server.client);
    schema["attributes"]["first"] = json!({"type": "string"});
    let started = Instant::now();
    assert_eq!(change(&server.client, &schema).unwrap().0, 200);
    let one_change = started.elapsed();
    changes_acknowledged.push("first".to_string());

    for round in 0..10u32 {
        let attribute = format!("extra{round}");
        let mut schema = article_schema(&server.client);
        for done in &changes_acknowledged {
            assert!(
                schema["attributes"].get(done).is_some(),
                "acknowledged change {done} lost: {schema}"
            );
        }
        schema["attributes"][&attribute] = json!({"type": "string"});

        let (changed, writes) = std::thread::scope(|scope| {
            let client = &server.client;
            let (change, token, schema, label) = (&change, &token, &schema, &attribute);
            let change = scope.spawn(move || change(client, schema));
            let writer = scope.spawn(move || client.write_until_gone(token, label));
            // From before the request arrives to after it was answered.
            std::thread::sleep(one_change * round / 2);
            kill(&mut server.child);
            (change.join().unwrap(), writer.join().unwrap())
        });
        match changed {
            Some((200, _)) => changes_acknowledged.push(attribute),
            None => {}
            Some((status, reply)) => panic!("schema change: {status} {reply}"),
        }
        written.extend(writes);

        server = start_binary(&database, dir.path(), types.path());
        server.client.assert_present(&token, &written);
        let mut data = json!({"title": format!("after round {round}")});
        for done in &changes_acknowledged {
            data[done] = json!(format!("value of {done}"));
        }
        let (status, reply) = server
            .client
            .send("POST", "/api/articles", &token, Some(json!({"data": data})))
            .unwrap();
        assert_eq!(status, 201, "{reply}");
        for done in &changes_acknowledged {
            assert_eq!(reply["data"][done], json!(format!("value of {done}")));
        }
    }
    assert!(
        !changes_acknowledged.is_empty(),
        "no round let a schema change finish"
    );
    drop(server);
    assert_sound(&database);
}

/// SIGTERM: the server stops taking work, lets a request whose body is still arriving finish
/// (and answers it), records the last token uses, and exits with success.
#[test]
fn sigterm_drains_in_flight_requests() {
    let database = TestDatabase::fresh();
    let dir = tempfile::tempdir().unwrap();
    let types = fixture("content-types");
    let mut server = start_binary(&database, dir.path(), Path::new(&types));
    let admin = server.client.register_admin();
    let (id, token) = server.client.full_access_token(&admin);

    let body = json!({"data": {"title": "in flight"}}).to_string();
    let (first, rest) = body.as_bytes().split_at(body.len() / 2);
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(
        stream,
        "POST /api/articles HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    stream.write_all(first).unwrap();
    stream.flush().unwrap();
    std::thread::sleep(Duration::from_millis(200));

    let signalled = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(signalled.success());
    // Longer than actix's first shutdown check (1 s), at which a server without a grace period
    // would drop the connection.
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server exited with a request in flight"
    );

    stream.write_all(rest).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    let (_, json_body) = answer.split_once("\r\n\r\n").unwrap();
    let document = serde_json::from_str::<Value>(json_body).unwrap()["data"]["documentId"]
        .as_str()
        .unwrap()
        .to_string();

    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit after SIGTERM: {status}");

    let restarted = start_binary(&database, dir.path(), Path::new(&types));
    restarted.client.assert_present(&token, &[document]);
    let (status, shown) = restarted
        .client
        .send("GET", &format!("/admin/api-tokens/{id}"), &admin, None)
        .unwrap();
    assert_eq!(status, 200, "{shown}");
    assert!(shown["data"]["lastUsedAt"].is_string(), "{shown}");
}
