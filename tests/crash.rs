//! Crash safety: a server killed with SIGKILL in the middle of a write load keeps every write it
//! acknowledged, and its database stays sound.

mod common;

use common::*;
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Running {
    child: Child,
    client: Client,
}

struct Client {
    base: String,
    agent: ureq::Agent,
}

fn start_binary(database: &TestDatabase, dir: &std::path::Path, port: u16) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vellum"))
        .current_dir(dir)
        .envs(database.env())
        .env("PORT", port.to_string())
        .env("CONTENT_TYPES_DIR", fixture("content-types"))
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..200 {
        if agent
            .get(&format!("{base}/_health"))
            .call()
            .is_ok_and(|r| r.status() == 200)
        {
            return Running {
                child,
                client: Client { base, agent },
            };
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("server did not start");
}

impl Client {
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
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn acknowledged_writes_survive_sigkill() {
    let database = TestDatabase::fresh();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut server = start_binary(&database, dir.path(), port);
    let client = &server.client;
    let admin = {
        let request = json!({"firstname": "A", "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD});
        let response = client
            .agent
            .post(&format!("{}/admin/register-admin", client.base))
            .send_json(&request)
            .unwrap()
            .body_mut()
            .read_json::<Value>()
            .unwrap();
        response["data"]["token"].as_str().unwrap().to_string()
    };
    let (_, made) = client
        .send(
            "POST",
            "/admin/api-tokens",
            &admin,
            Some(json!({"name": "writer", "type": "full-access"})),
        )
        .unwrap();
    let token = made["data"]["accessKey"].as_str().unwrap().to_string();

    let kill_at = Instant::now() + Duration::from_millis(1500);
    let acknowledged: Vec<String> = std::thread::scope(|scope| {
        let writers: Vec<_> = (0..8)
            .map(|i| {
                let token = &token;
                scope.spawn(move || {
                    let mut acknowledged = Vec::new();
                    for n in 0.. {
                        let body = json!({"data": {"title": format!("w{i}-{n}"), "views": n}});
                        match client.send("POST", "/api/articles", token, Some(body)) {
                            Some((201, reply)) => acknowledged
                                .push(reply["data"]["documentId"].as_str().unwrap().to_string()),
                            // The server is gone: stop writing.
                            None => break,
                            Some((status, reply)) => panic!("{status} {reply}"),
                        }
                    }
                    acknowledged
                })
            })
            .collect();
        std::thread::sleep(kill_at.saturating_duration_since(Instant::now()));
        server.child.kill().unwrap();
        server.child.wait().unwrap();
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

    let restarted = start_binary(&database, dir.path(), free_port());
    for document in &acknowledged {
        let (status, _) = restarted
            .client
            .send("GET", &format!("/api/articles/{document}"), &token, None)
            .unwrap();
        assert_eq!(status, 200, "acknowledged write {document} lost");
    }
    if !database.is_postgres() {
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
    let mut restarted = restarted;
    restarted.child.kill().unwrap();
    restarted.child.wait().unwrap();
}
