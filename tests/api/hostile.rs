//! Hostile and careless requests: never a 500, never a panic, never a secret in a log line.

use crate::common::*;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn start() -> (TestServer, String, String) {
    let (server, admin) = start_signed_in(&[]);
    let token = server.token(&admin, "full-access", &[]);
    (server, admin, token)
}

/// Sends raw bytes over a fresh connection; returns the status line's code as soon as it has
/// arrived (0 when the connection closed without an answer).
fn raw_request(server: &TestServer, bytes: &[u8]) -> u16 {
    let address = server.url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let _ = stream.write_all(bytes);
    let mut answer = Vec::new();
    let mut buffer = [0u8; 1024];
    while !answer.windows(2).any(|w| w == b"\r\n") {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buffer[..n]),
        }
    }
    let text = String::from_utf8_lossy(&answer);
    text.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

#[test]
fn huge_authorization_header_is_refused_fast() {
    let (server, _, _) = start();
    let started = Instant::now();
    let request = format!(
        "GET /api/articles HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\r\n",
        "a".repeat(100 * 1024)
    );
    let status = raw_request(&server, request.as_bytes());
    assert!((400..500).contains(&status), "status {status}");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(server.get("/_health", None).status, 200, "still serving");
}

#[test]
fn invalid_utf8_in_paths_and_queries_is_4xx() {
    let (server, _, token) = start();
    for path in [
        "/api/%FF",
        "/api/articles/%FF%FE",
        "/api/articles?filters%5Btitle%5D%5B%24eq%5D=%FF",
        "/api/articles?sort=%C3%28",
    ] {
        let reply = server.get(path, Some(&token));
        assert!(
            (400..500).contains(&reply.status),
            "{path}: {} {}",
            reply.status,
            reply.body
        );
        assert_eq!(reply.body["data"], Value::Null, "{path}: envelope");
    }
    // Raw non-ASCII bytes in the request line are refused by the HTTP parser.
    let status = raw_request(&server, b"GET /api/art\xffcles HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!((400..500).contains(&status), "status {status}");
}

#[test]
fn every_route_with_every_wrong_method_is_4xx() {
    let (server, admin, token) = start();
    let document = server
        .post(
            "/api/articles",
            Some(&token),
            &json!({"data": {"title": "t"}}),
        )
        .body["data"]["documentId"]
        .as_str()
        .unwrap()
        .to_string();
    let routes: Vec<(String, &[&str])> = vec![
        ("/_health".into(), &["GET"]),
        ("/api/articles".into(), &["GET", "POST"]),
        (
            format!("/api/articles/{document}"),
            &["GET", "PUT", "DELETE"],
        ),
        ("/api/homepage".into(), &["GET", "PUT", "DELETE"]),
        ("/admin/init".into(), &["GET"]),
        ("/admin/register-admin".into(), &["POST"]),
        ("/admin/login".into(), &["POST"]),
        ("/admin/logout".into(), &["POST"]),
        ("/admin/users/me".into(), &["GET"]),
        ("/admin/users".into(), &["GET"]),
        ("/admin/roles".into(), &["GET"]),
        ("/admin/api-tokens".into(), &["GET", "POST"]),
        ("/admin/api-tokens/1".into(), &["GET", "PUT", "DELETE"]),
        ("/admin/api-tokens/1/regenerate".into(), &["POST"]),
        ("/admin/content-api/permissions".into(), &["GET"]),
        ("/admin/content-types".into(), &["GET", "POST"]),
        ("/admin/content-types/api::article.article".into(), &["PUT"]),
        ("/admin/users/2".into(), &["PUT", "DELETE"]),
        ("/admin/roles/2/permissions".into(), &["GET", "PUT"]),
        ("/admin/api-tokens/1/revoke".into(), &["POST"]),
        ("/admin/api-tokens/1/secrets/previous".into(), &["DELETE"]),
        ("/admin/admin-tokens".into(), &["GET", "POST"]),
        ("/admin/admin-tokens/1".into(), &["GET", "PUT", "DELETE"]),
        ("/admin/admin-tokens/1/regenerate".into(), &["POST"]),
        ("/admin/admin-tokens/1/owner-permissions".into(), &["GET"]),
        ("/admin/audit-logs".into(), &["GET"]),
        ("/admin/content-manager/content-types".into(), &["GET"]),
        (
            "/admin/content-manager/collection-types/api::article.article".into(),
            &["GET", "POST", "PUT", "DELETE"],
        ),
        (
            format!("/admin/content-manager/collection-types/api::article.article/{document}"),
            &["GET", "PUT", "DELETE"],
        ),
        (
            format!(
                "/admin/content-manager/collection-types/api::article.article/{document}/actions/publish"
            ),
            &["POST"],
        ),
        (
            "/admin/content-manager/single-types/api::homepage.homepage/actions/publish".into(),
            &["POST"],
        ),
        ("/graphql".into(), &["GET", "POST"]),
    ];
    let mut seen = std::collections::BTreeSet::new();
    for (path, allowed) in &routes {
        for method in ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
            if allowed.contains(&method) {
                continue;
            }
            for bearer in [Some(admin.as_str()), Some(token.as_str()), None] {
                let reply = server.call(method, path, bearer, Some(&json!({})));
                assert!(
                    [400, 401, 403, 404, 405].contains(&reply.status),
                    "{method} {path}: {} {}",
                    reply.status,
                    reply.text
                );
                assert_envelope(&reply);
                seen.insert(reply.status);
            }
        }
    }
    // Each kind of refusal was met, so none of the checks above ran on nothing.
    assert!(seen.contains(&405) && seen.contains(&401), "{seen:?}");
}

#[test]
fn injection_strings_are_values_or_refused_keys() {
    let (server, admin, token) = start();
    server.post(
        "/api/articles",
        Some(&token),
        &json!({"data": {"title": "kept"}}),
    );
    let hostile = "x'; DROP TABLE articles; --";
    for query in [
        format!("filters[title][$eq]={hostile}"),
        format!("filters[title][$containsi]={hostile}"),
        format!("filters[{hostile}][$eq]=1"),
        format!("sort={hostile}"),
        format!("fields[0]={hostile}"),
        format!("filters[$or][0][title][{hostile}]=1"),
    ] {
        let reply = server.get(
            &format!("/api/articles?{}", encode_query(&query)),
            Some(&token),
        );
        assert!(
            reply.status == 200 || reply.status == 400,
            "{query}: {}",
            reply.status
        );
    }
    let created = server.post(
        "/api/articles",
        Some(&token),
        &json!({"data": {"title": hostile}}),
    );
    assert_eq!(created.status, 201);
    let found = server.get(
        &format!(
            "/api/articles?{}",
            encode_query(&format!("filters[title][$eq]={hostile}"))
        ),
        Some(&token),
    );
    assert_eq!(
        found.body["data"][0]["title"], hostile,
        "stored and found as plain text"
    );
    let schema = json!({"data": {
        "kind": "collectionType",
        "info": {"singularName": "x\"; DROP TABLE articles; --", "pluralName": "xs"},
        "attributes": {"a\"b": {"type": "string"}}
    }});
    let reply = server.post("/admin/content-types", Some(&admin), &schema);
    assert_eq!(reply.status, 400);
    assert_eq!(
        server.get("/api/articles", Some(&token)).body["meta"]["pagination"]["total"],
        2,
        "table intact"
    );
}

#[test]
fn deep_and_wide_filters_are_400() {
    let (server, _, token) = start();
    let deep = format!("filters{}[title][$eq]=x", "[$and][0]".repeat(50));
    assert_eq!(
        server
            .get(
                &format!("/api/articles?{}", encode_query(&deep)),
                Some(&token)
            )
            .status,
        400
    );
    // 10 000 branches: past the request-line limit, or past the filter's; refused either way.
    let wide: Vec<String> = (0..10_000)
        .map(|i| format!("filters[$or][{i}][views][$eq]={i}"))
        .collect();
    let started = Instant::now();
    let request = format!(
        "GET /api/articles?{} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n",
        encode_query(&wide.join("&"))
    );
    let status = raw_request(&server, request.as_bytes());
    assert!((400..500).contains(&status), "status {status}");
    assert!(started.elapsed() < Duration::from_secs(5));
    // 1 100 branches fit in a request line and meet the filter's own limit.
    let many: Vec<String> = (0..1_100)
        .map(|i| format!("filters[$or][{i}][views][$eq]={i}"))
        .collect();
    let reply = server.get(
        &format!("/api/articles?{}", encode_query(&many.join("&"))),
        Some(&token),
    );
    assert_eq!(reply.status, 400);
}

#[test]
fn concurrent_updates_of_one_entry_leave_one_of_them() {
    let (server, _, token) = start();
    let created = server.post(
        "/api/gadgets",
        Some(&token),
        &json!({"data": {"name": "start", "count": 0}}),
    );
    let path = format!(
        "/api/gadgets/{}",
        created.body["data"]["documentId"].as_str().unwrap()
    );
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..20)
            .map(|i| {
                let (server, token, path) = (&server, &token, &path);
                scope.spawn(move || {
                    server
                        .call(
                            "PUT",
                            path,
                            Some(token),
                            Some(&json!({"data": {"name": format!("writer {i}"), "count": i}})),
                        )
                        .status
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let entry = &server.get(&path, Some(&token)).body["data"];
    let name = entry["name"].as_str().unwrap();
    assert_eq!(
        name,
        format!("writer {}", entry["count"]),
        "name and count come from one update"
    );
    assert_eq!(
        server.get("/api/gadgets", Some(&token)).body["meta"]["pagination"]["total"],
        1
    );
}

/// `reply`, with a failure noted unless it has `status`.
fn expect(failures: &mut Vec<String>, reply: Reply, status: u16, what: &str) -> Reply {
    if reply.status != status {
        failures.push(format!("{what}: {} {}", reply.status, reply.body));
    }
    reply
}

/// 64 clients mixing creates, updates, deletes and reads for 60 s: no 5xx (so no `database is
/// locked` reaches a client), no lost or phantom document, and every answer is the one expected.
#[test]
fn sustained_mixed_load_gives_no_5xx_and_loses_nothing() {
    const CLIENTS: usize = 64;
    const SECONDS: u64 = 60;
    let (server, _, token) = start();
    let deadline = Instant::now() + Duration::from_secs(SECONDS);
    let outcomes: Vec<(Vec<String>, Vec<String>, usize)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..CLIENTS)
            .map(|i| {
                let (server, token) = (&server, &token);
                scope.spawn(move || {
                    let (mut failures, mut alive, mut requests) = (Vec::new(), Vec::new(), 0);
                    for n in 0usize.. {
                        if Instant::now() >= deadline {
                            break;
                        }
                        requests += 1;
                        let own: Option<String> = alive.last().cloned();
                        match (n % 8, own) {
                            (0 | 1, _) | (2..=4, None) => {
                                let body = json!({"data": {"title": format!("c{i}-{n}"), "views": n}});
                                let reply =
                                    expect(&mut failures, server.post("/api/articles", Some(token), &body), 201, "create");
                                if let Some(id) = reply.body["data"]["documentId"].as_str() {
                                    alive.push(id.to_string());
                                }
                            }
                            (2, Some(id)) => {
                                let body = json!({"data": {"views": n}});
                                let path = format!("/api/articles/{id}");
                                let reply = expect(&mut failures, server.call("PUT", &path, Some(token), Some(&body)), 200, "update");
                                if reply.status == 200 && reply.body["data"]["views"] != n {
                                    failures.push(format!("update answered {}", reply.body));
                                }
                            }
                            (3, Some(id)) => {
                                let path = format!("/api/articles/{id}");
                                if expect(&mut failures, server.call("DELETE", &path, Some(token), None), 204, "delete").status == 204 {
                                    alive.pop();
                                }
                            }
                            (4, Some(id)) => {
                                let reply = expect(&mut failures, server.get(&format!("/api/articles/{id}"), Some(token)), 200, "findOne");
                                if reply.status == 200 && reply.body["data"]["documentId"] != id.as_str() {
                                    failures.push(format!("findOne answered {}", reply.body));
                                }
                            }
                            (5 | 6, _) => {
                                expect(&mut failures, server.get("/api/articles?sort=views:desc&pagination%5BpageSize%5D=5", Some(token)), 200, "find");
                            }
                            _ => {
                                expect(&mut failures, server.get("/api/articles?filters%5Bviews%5D%5B%24gte%5D=3&pagination%5BpageSize%5D=5", Some(token)), 200, "filtered find");
                            }
                        }
                    }
                    (failures, alive, requests)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let failures: Vec<&String> = outcomes.iter().flat_map(|(f, _, _)| f).collect();
    assert!(
        failures.is_empty(),
        "{} failures: {:?}",
        failures.len(),
        &failures[..failures.len().min(10)]
    );
    let requests: usize = outcomes.iter().map(|(_, _, r)| r).sum();
    assert!(
        requests > CLIENTS * 10,
        "only {requests} requests in {SECONDS} s"
    );
    let alive: usize = outcomes.iter().map(|(_, a, _)| a.len()).sum();
    let listed = server.get("/api/articles?pagination%5BpageSize%5D=1", Some(&token));
    assert_eq!(
        listed.body["meta"]["pagination"]["total"], alive,
        "{}",
        listed.body
    );
}

/// Runs the real binary through a whole scenario with debug logging, then looks for every
/// secret in what it printed and in every answer.
#[test]
fn no_secret_reaches_logs_or_error_bodies() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let database = TestDatabase::fresh();
    let secrets = [
        ("API_TOKEN_SALT", "salt-7f3a9c1e5b2d"),
        ("ADMIN_JWT_SECRET", "jwt-secret-4e8b2a6c9d"),
        ("ENCRYPTION_KEY", "encryption-key-9a1b3c5d"),
    ];
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_vellum"))
        .current_dir(dir.path())
        .env("DATABASE_URL", &database.url)
        .env("PORT", port.to_string())
        .env("CONTENT_TYPES_DIR", fixture("content-types"))
        .env("RUST_LOG", "debug")
        .envs(secrets)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let agent = wait_healthy(&mut child, port);
    let base = format!("http://127.0.0.1:{port}");
    let call =
        |method: &str, path: &str, bearer: Option<&str>, body: Option<Value>| -> (u16, String) {
            let mut request = ureq::http::Request::builder()
                .method(method)
                .uri(format!("{base}{path}"));
            if let Some(token) = bearer {
                request = request.header("authorization", format!("Bearer {token}"));
            }
            request = request.header("content-type", "application/json");
            let body = body.map(|b| b.to_string()).unwrap_or_default();
            match agent.run(request.body(body).unwrap()) {
                Ok(mut response) => (
                    response.status().as_u16(),
                    response.body_mut().read_to_string().unwrap_or_default(),
                ),
                Err(_) => (0, String::new()),
            }
        };
    let password = "Very-Secret-Pass-42";
    let mut bodies = Vec::new();
    let (_, registered) = call(
        "POST",
        "/admin/register-admin",
        None,
        Some(json!({"firstname": "A", "email": "a@example.com", "password": password})),
    );
    let jwt = serde_json::from_str::<Value>(&registered).unwrap()["data"]["token"]
        .as_str()
        .unwrap()
        .to_string();
    bodies.push(
        call(
            "POST",
            "/admin/login",
            None,
            Some(json!({"email": "a@example.com", "password": "Wrong-Pass-1"})),
        )
        .1,
    );
    let (_, made) = call(
        "POST",
        "/admin/api-tokens",
        Some(&jwt),
        Some(json!({"name": "t", "type": "read-only"})),
    );
    let made: Value = serde_json::from_str(&made).unwrap();
    let token = made["data"]["accessKey"].as_str().unwrap().to_string();
    let id = made["data"]["id"].to_string();
    bodies.push(call("GET", "/api/articles", Some(&token), None).1);
    bodies.push(
        call(
            "POST",
            "/api/articles",
            Some(&token),
            Some(json!({"data": {"title": "x"}})),
        )
        .1,
    );
    let (_, regenerated) = call(
        "POST",
        &format!("/admin/api-tokens/{id}/regenerate"),
        Some(&jwt),
        None,
    );
    let fresh = serde_json::from_str::<Value>(&regenerated).unwrap()["data"]["accessKey"]
        .as_str()
        .unwrap()
        .to_string();
    bodies.push(call("GET", "/api/articles", Some(&token), None).1);
    bodies.push(
        call("GET", &format!("/admin/api-tokens/{id}"), Some(&jwt), None)
            .1
            .replace(&fresh, ""),
    );
    bodies.push(
        call(
            "GET",
            "/api/articles?filters%5Btitle%5D%5B%24nope%5D=1",
            Some(&fresh),
            None,
        )
        .1,
    );
    let mut typo = fresh.clone();
    typo.replace_range(10..11, if &fresh[10..11] == "A" { "B" } else { "A" });
    bodies.push(call("GET", "/api/articles", Some(&typo), None).1);
    // An admin token: used where it belongs and where it does not, regenerated, viewed.
    let (_, made) = call(
        "POST",
        "/admin/admin-tokens",
        Some(&jwt),
        Some(json!({"name": "ops", "adminPermissions": ["admin::users.read"]})),
    );
    let made: Value = serde_json::from_str(&made).unwrap();
    let admin_key = made["data"]["accessKey"].as_str().unwrap().to_string();
    let admin_id = made["data"]["id"].to_string();
    bodies.push(call("GET", "/admin/users", Some(&admin_key), None).1);
    bodies.push(call("GET", "/admin/roles", Some(&admin_key), None).1);
    bodies.push(call("GET", "/api/articles", Some(&admin_key), None).1);
    let (_, renewed) = call(
        "POST",
        &format!("/admin/admin-tokens/{admin_id}/regenerate"),
        Some(&jwt),
        None,
    );
    let admin_fresh = serde_json::from_str::<Value>(&renewed).unwrap()["data"]["accessKey"]
        .as_str()
        .unwrap()
        .to_string();
    bodies.push(call("GET", "/admin/users", Some(&admin_key), None).1);
    bodies.push(
        call(
            "GET",
            &format!("/admin/admin-tokens/{admin_id}"),
            Some(&jwt),
            None,
        )
        .1
        .replace(&admin_fresh, ""),
    );
    // The audit log of all of it.
    let (_, audit_log) = call("GET", "/admin/audit-logs?pageSize=100", Some(&jwt), None);
    assert!(
        audit_log.contains("token.regenerated") && audit_log.contains("token.denied"),
        "{audit_log}"
    );
    bodies.push(audit_log);
    bodies.push(call("POST", "/admin/logout", Some(&jwt), None).1);
    bodies.push(call("GET", "/admin/users/me", Some(&jwt), None).1);
    child.kill().unwrap();
    let output = child.wait_with_output().unwrap();
    let logs = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(logs.len() > 200, "debug logs were captured: {logs}");
    let mut all_secrets: Vec<&str> = secrets.iter().map(|(_, v)| *v).collect();
    all_secrets.extend([
        password,
        jwt.as_str(),
        token.as_str(),
        fresh.as_str(),
        &token[4..40],
        &fresh[4..40],
        admin_key.as_str(),
        admin_fresh.as_str(),
        &admin_key[4..40],
        &admin_fresh[4..40],
    ]);
    for secret in all_secrets {
        assert!(!logs.contains(secret), "a secret reached the logs");
        for body in &bodies {
            assert!(!body.contains(secret), "a secret reached an answer: {body}");
        }
    }
}

/// Issue 16.12: answers that carry a secret are never cached, and no JSON answer may be
/// sniffed as something else.
#[test]
fn secret_bearing_answers_are_not_stored_and_nothing_is_sniffed() {
    let server = TestServer::start_with(&[
        ("CONTENT_TYPES_DIR", &fixture("content-types")),
        ("ENCRYPTION_KEY", "hostile-test-encryption-key"),
    ]);
    let admin = server.register_admin();
    let login = server.post(
        "/admin/login",
        None,
        &json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
    );
    let created = server.post(
        "/admin/api-tokens",
        Some(&admin),
        &json!({"name": "cached?", "type": "read-only"}),
    );
    let id = created.body["data"]["id"].clone();
    let token = created.body["data"]["accessKey"]
        .as_str()
        .unwrap()
        .to_string();
    let shown = server.get(&format!("/admin/api-tokens/{id}"), Some(&admin));
    assert!(
        shown.body["data"]["accessKey"].is_string(),
        "{}",
        shown.text
    );
    let admin_token = server.post(
        "/admin/admin-tokens",
        Some(&admin),
        &json!({"name": "cached admin?", "adminPermissions": ["admin::users.read"]}),
    );
    let regenerated = server.post(
        &format!("/admin/api-tokens/{id}/regenerate"),
        Some(&admin),
        &json!({}),
    );
    let token = regenerated.body["data"]["accessKey"]
        .as_str()
        .unwrap_or(&token)
        .to_string();
    let graphql = server.post(
        "/graphql",
        Some(&token),
        &json!({"query": "{ articles { title } }"}),
    );
    for (what, reply) in [
        ("login", &login),
        ("create", &created),
        ("get with accessKey", &shown),
        ("admin-token create", &admin_token),
        ("regenerate", &regenerated),
        ("graphql", &graphql),
    ] {
        assert!(reply.status < 300, "{what}: {}", reply.text);
        assert_eq!(
            reply
                .headers
                .get("cache-control")
                .map(|v| v.to_str().unwrap()),
            Some("no-store"),
            "{what}"
        );
    }
    let not_found = server.get("/nowhere", None);
    let wrong_method = server.call("PATCH", "/api/articles", Some(&token), None);
    let refused = server.get("/api/articles", None);
    let content = server.get("/api/articles", Some(&token));
    for reply in [
        &login,
        &created,
        &graphql,
        &not_found,
        &wrong_method,
        &refused,
        &content,
    ] {
        assert_eq!(
            reply
                .headers
                .get("x-content-type-options")
                .map(|v| v.to_str().unwrap()),
            Some("nosniff"),
            "{} {}",
            reply.status,
            reply.text
        );
    }
}

/// Sends a GET with this target over a fresh connection, `Connection: close`; the status and
/// the body.
fn raw_get(server: &TestServer, target: &str, token: &str) -> (u16, String) {
    let address = server.url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let request = format!(
        "GET {target} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    );
    let _ = stream.write_all(request.as_bytes());
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).to_string();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    (status, body)
}

/// Issue 16.13: refusals of oversized requests answer in the envelope, up to the request heads
/// that actix-http refuses itself before any of Vellum's code runs (a target over 64 KiB: 400,
/// a head over 128 KiB: 431, both without a body, as Node's parser under Strapi answers them).
#[test]
fn oversized_requests_are_refused_in_the_envelope() {
    let (server, _admin, token) = start();
    let many = |n: usize| "a=1&".repeat(n);
    // Unknown parameters are ignored, as Strapi does.
    let (status, _) = raw_get(&server, &format!("/api/articles?{}", many(10_000)), &token);
    assert_eq!(status, 200);
    let values: Vec<String> = (0..1_500)
        .map(|n| format!("filters[title][$in][{n}]=x"))
        .collect();
    let (status, body) = raw_get(
        &server,
        &format!("/api/articles?{}", values.join("&")),
        &token,
    );
    assert_eq!(status, 400, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap_or_else(|_| panic!("{body:?}"));
    assert_eq!(body["data"], Value::Null, "{body}");
    assert_eq!(
        body["error"]["message"],
        "The filters have more than 1000 conditions and values"
    );
    for target in [
        format!("/api/articles?{}", many(20_000)),
        format!("/api/articles?filters[title][$eq]={}", "a".repeat(1 << 20)),
    ] {
        let (status, _) = raw_get(&server, &target, &token);
        assert!((400..500).contains(&status), "{status}");
    }
    assert_eq!(server.get("/api/articles", Some(&token)).status, 200);
}

/// Issue 16.9: a NUL character, which PostgreSQL cannot store, is a 400 on both backends
/// wherever text comes in: an entry, a filter, a search, a token name, a sign-in, the audit
/// log's filters.
#[test]
fn nul_characters_are_refused_alike_on_both_backends() {
    let (server, admin, token) = start();
    let nul = "a\u{0}b";
    let created = server.post(
        "/api/articles",
        Some(&token),
        &json!({"data": {"title": nul}}),
    );
    assert_eq!(created.status, 400, "{}", created.text);
    assert_eq!(
        created.body["error"]["name"], "ValidationError",
        "{}",
        created.text
    );
    for path in [
        "/api/articles?filters[title][$eq]=a%00b".to_string(),
        "/admin/content-manager/collection-types/api::article.article?_q=a%00b".to_string(),
        "/admin/audit-logs?actor=a%00b".to_string(),
    ] {
        let bearer = if path.starts_with("/api") {
            &token
        } else {
            &admin
        };
        let reply = server.get(&path, Some(bearer));
        assert_eq!(reply.status, 400, "{path}: {}", reply.text);
        assert_eq!(reply.body["data"], Value::Null, "{path}");
    }
    let named = server.post(
        "/admin/api-tokens",
        Some(&admin),
        &json!({"name": nul, "type": "read-only"}),
    );
    assert_eq!(named.status, 400, "{}", named.text);
    let login = server.post(
        "/admin/login",
        None,
        &json!({"email": "a\u{0}@example.com", "password": "x"}),
    );
    assert_eq!(login.status, 400, "{}", login.text);
    // A document id is never one with a NUL (nor any id Vellum does not make): not found.
    for (method, path, bearer) in [
        ("GET", "/api/articles/a%00b", &token),
        ("PUT", "/api/articles/a%00b", &token),
        ("DELETE", "/api/articles/a%00b", &token),
        (
            "GET",
            "/admin/content-manager/collection-types/api::article.article/a%00b",
            &admin,
        ),
        (
            "DELETE",
            "/admin/content-manager/collection-types/api::article.article/a%00b",
            &admin,
        ),
    ] {
        let reply = server.call(
            method,
            path,
            Some(bearer),
            Some(&json!({"data": {"title": "x"}})),
        );
        assert_eq!(reply.status, 404, "{method} {path}: {}", reply.text);
    }
    let graphql = server.post(
        "/graphql",
        Some(&token),
        &json!({"query": "query($id: ID!) { article(documentId: $id) { title } }", "variables": {"id": nul}}),
    );
    assert_eq!(graphql.status, 200, "{}", graphql.text);
    assert_eq!(
        graphql.body["data"]["article"],
        Value::Null,
        "{}",
        graphql.text
    );
    assert_eq!(server.get("/api/articles", Some(&token)).status, 200);
}

/// Issue 16.11: a search over a type with a thousand text fields is one query the database
/// accepts (its OR chain is nested as a balanced tree), not a 500.
#[test]
fn a_search_over_a_thousand_fields_answers() {
    let dir = copied_types();
    let server = TestServer::start_with(&[("CONTENT_TYPES_DIR", dir.path().to_str().unwrap())]);
    let admin = server.register_admin();
    let attributes: serde_json::Map<String, Value> = (0..1_000)
        .map(|n| (format!("f{n}"), json!({"type": "string"})))
        .collect();
    let schema = json!({
        "kind": "collectionType",
        "info": {"singularName": "wide", "pluralName": "wides"},
        "options": {"draftAndPublish": true},
        "attributes": attributes,
    });
    let reply = server.post(
        "/admin/content-types",
        Some(&admin),
        &json!({"data": schema}),
    );
    assert_eq!(reply.status, 201, "{}", reply.text);
    let draft = server.post(
        "/admin/content-manager/collection-types/api::wide.wide",
        Some(&admin),
        &json!({"f999": "needle"}),
    );
    assert!(draft.status < 300, "{}", draft.text);
    let found = server.get(
        "/admin/content-manager/collection-types/api::wide.wide?_q=needle",
        Some(&admin),
    );
    assert_eq!(found.status, 200, "{}", found.text);
    assert_eq!(found.body["pagination"]["total"], 1, "{}", found.text);
}

/// Issue 16.6: an SQLite file removed while the server runs is noticed: writes answer 503
/// (never an acknowledged write that a restart loses), health says so, and after a restart on
/// an empty file at that path registration stays closed. (PostgreSQL has no file to lose.)
#[test]
fn a_removed_database_file_is_noticed() {
    let database = TestDatabase::fresh();
    if database.is_postgres() {
        return;
    }
    let types = fixture("content-types");
    let server = TestServer::start_on(database.clone(), &[("CONTENT_TYPES_DIR", &types)]);
    let admin = server.register_admin();
    let token = server.token(&admin, "full-access", &[]);
    let path = database.url.trim_start_matches("sqlite://").to_string();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path}{suffix}"));
    }
    let write = server.post(
        "/api/articles",
        Some(&token),
        &json!({"data": {"title": "lost?"}}),
    );
    assert_eq!(write.status, 503, "{}", write.text);
    assert_eq!(write.body["error"]["name"], "ServiceUnavailableError");
    assert_eq!(server.get("/_health", None).status, 503);
    drop(server);
    let server = TestServer::start_on(database.clone(), &[("CONTENT_TYPES_DIR", &types)]);
    assert_eq!(
        server.get("/admin/init", None).body["data"]["hasAdmin"],
        false
    );
    let register = server.post(
        "/admin/register-admin",
        None,
        &json!({"firstname": "Mallory", "email": "m@example.com", "password": "Mallory-Pass-1"}),
    );
    assert_eq!(register.status, 403, "{}", register.text);
    assert_eq!(server.get("/_health", None).status, 200);
}
