//! The audit log over real HTTP: an event for every token change, view, refusal and admin
//! sign-in, with actor, address, user agent and `X-Client-Id`; filters and pagination;
//! the permission; retention; and never a secret in the table.

use crate::common::{
    ADMIN_EMAIL, ADMIN_PASSWORD, TestServer, assert_error, create_admin_with_cli, start_signed_in,
};
use serde_json::{Value, json};
use vellum::audit::{self, Filter};

fn start() -> (TestServer, String) {
    start_signed_in(&[("ENCRYPTION_KEY", "audit-test-encryption-key-of-32-bytes")])
}

/// Every event matching `query` (all pages, newest first).
fn events(server: &TestServer, admin: &str, query: &str) -> Vec<Value> {
    let mut all = Vec::new();
    for page in 1.. {
        let reply = server.get(
            &format!("/admin/audit-logs?pageSize=100&page={page}&{query}"),
            Some(admin),
        );
        assert_eq!(reply.status, 200, "{}", reply.body);
        let results = reply.body["data"]["results"].as_array().unwrap().clone();
        let done = page
            >= reply.body["data"]["pagination"]["pageCount"]
                .as_i64()
                .unwrap();
        all.extend(results);
        if done {
            break;
        }
    }
    all
}

fn types(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .rev()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_token_change_and_view_is_recorded_with_its_origin() {
    let (server, admin) = start();
    let headers = |extra: &'static str| {
        [
            ("authorization", format!("Bearer {admin}")),
            ("content-type", "application/json".to_string()),
            ("user-agent", format!("audit-test/{extra}")),
            ("x-client-id", "ops-team@example.com".to_string()),
        ]
    };
    let send = |method: &str, path: &str, body: Value| {
        let headers = headers("1");
        let borrowed: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        server.raw(method, path, &borrowed, body.to_string().into_bytes())
    };
    let created = send(
        "POST",
        "/admin/api-tokens",
        json!({"name": "audited", "type": "read-only"}),
    );
    assert_eq!(created.status, 201);
    let id = created.body["data"]["id"].as_i64().unwrap();
    let path = format!("/admin/api-tokens/{id}");
    assert_eq!(
        send("PUT", &path, json!({"description": "new"})).status,
        200
    );
    // Read without its secret (the panel's edit page): no accessKey, no event.
    let read = send("GET", &format!("{path}?reveal=false"), json!({}));
    assert_eq!(read.status, 200);
    assert!(
        read.body["data"].get("accessKey").is_none(),
        "{}",
        read.body
    );
    assert_eq!(read.body["data"]["name"], "audited");
    let shown = send("GET", &path, json!({}));
    assert_eq!(shown.status, 200);
    assert!(
        shown.body["data"]["accessKey"].is_string(),
        "{}",
        shown.body
    );
    assert_eq!(
        send(
            "POST",
            &format!("{path}/regenerate"),
            json!({"gracePeriod": 60})
        )
        .status,
        201
    );
    assert_eq!(
        send("DELETE", &format!("{path}/secrets/previous"), json!({})).status,
        200
    );
    assert_eq!(
        send("POST", &format!("{path}/revoke"), json!({})).status,
        200
    );
    assert_eq!(send("DELETE", &path, json!({})).status, 200);
    let admin_token = server.post(
        "/admin/admin-tokens",
        Some(&admin),
        &json!({"name": "ops", "adminPermissions": ["admin::users.read"]}),
    );
    let admin_token_id = admin_token.body["data"]["id"].as_i64().unwrap();

    let recorded = events(&server, &admin, &format!("token={id}"));
    assert_eq!(
        types(&recorded),
        [
            "token.created",
            "token.updated",
            "token.viewed",
            "token.regenerated",
            "token.updated",
            "token.revoked",
            "token.deleted",
        ]
    );
    for event in &recorded {
        assert_eq!(event["actor"], "admin:1", "{event}");
        assert_eq!(event["tokenId"], id);
        assert_eq!(event["ip"], "127.0.0.1");
        assert_eq!(event["userAgent"], "audit-test/1");
        assert_eq!(event["clientId"], "ops-team@example.com");
        assert_eq!(event["details"]["kind"], "content-api");
    }
    assert_eq!(recorded[3]["details"]["gracePeriod"], 60);
    assert_eq!(recorded[5]["details"]["fields"], json!(["description"]));
    let admin_kind = events(&server, &admin, &format!("token={admin_token_id}"));
    assert_eq!(types(&admin_kind), ["token.created"]);
    assert_eq!(admin_kind[0]["details"]["kind"], "admin");
}

#[test]
fn every_refusal_is_recorded_with_its_reason() {
    let (server, admin) = start();
    let read_only = server.create_token(&admin, json!({"name": "ro", "type": "read-only"}));
    let ro_id = read_only["id"].as_i64().unwrap();
    let ro_key = read_only["accessKey"].as_str().unwrap().to_string();
    let week = server.create_token(
        &admin,
        json!({"name": "week", "type": "read-only", "lifespan": 604800000}),
    );
    let fenced = server.create_token(
        &admin,
        json!({"name": "fenced", "type": "read-only", "allowedIps": ["203.0.113.7"]}),
    );
    let limited = server.create_token(
        &admin,
        json!({"name": "limited", "type": "read-only", "rateLimit": 1}),
    );
    // 403: an action the token lacks; 401: unknown; 403: address; 429: rate.
    let refused = server.post(
        "/api/articles",
        Some(&ro_key),
        &json!({"data": {"title": "x"}}),
    );
    assert_eq!(refused.status, 403);
    let unknown = "vct_0000000000000000000000000000000000000000000000000";
    assert_eq!(server.get("/api/articles", Some(unknown)).status, 401);
    let fenced_key = fenced["accessKey"].as_str().unwrap();
    assert_eq!(server.get("/api/articles", Some(fenced_key)).status, 403);
    let limited_key = limited["accessKey"].as_str().unwrap();
    assert_eq!(server.get("/api/articles", Some(limited_key)).status, 200);
    assert_eq!(server.get("/api/articles", Some(limited_key)).status, 429);
    // 401 expired.
    server.clock.advance(chrono::Duration::days(8));
    let week_key = week["accessKey"].as_str().unwrap();
    assert_eq!(server.get("/api/articles", Some(week_key)).status, 401);
    // A request without credentials is not an event.
    assert_eq!(server.get("/api/articles", None).status, 401);

    let denied = events(&server, &admin, "type=token.denied");
    let seen: Vec<(Value, i64, String)> = denied
        .iter()
        .rev()
        .map(|e| {
            (
                e["tokenId"].clone(),
                e["status"].as_i64().unwrap(),
                e["details"]["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (json!(ro_id), 403, "action not granted".to_string()),
            (Value::Null, 401, "unknown token".to_string()),
            (fenced["id"].clone(), 403, "address not allowed".to_string()),
            (limited["id"].clone(), 429, "rate limit".to_string()),
            (week["id"].clone(), 401, "expired".to_string()),
        ]
    );
    assert_eq!(denied.last().unwrap()["details"]["path"], "/api/articles");
    assert_eq!(denied.last().unwrap()["details"]["method"], "POST");
    assert_eq!(denied.last().unwrap()["actor"], format!("token:{ro_id}"));
}

#[test]
fn sign_ins_and_sign_outs_are_recorded() {
    let (server, admin) = start();
    let wrong = server.post(
        "/admin/login",
        None,
        &json!({"email": ADMIN_EMAIL, "password": "Wrong-Password-9"}),
    );
    assert_eq!(wrong.status, 400);
    let session = server.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    assert_eq!(
        server
            .post("/admin/logout", Some(&session), &json!({}))
            .status,
        200
    );
    let recorded = events(&server, &admin, "");
    let signs: Vec<(String, Value)> = recorded
        .iter()
        .rev()
        .map(|e| (e["type"].as_str().unwrap().to_string(), e["actor"].clone()))
        .collect();
    assert_eq!(
        signs,
        [
            ("admin.login.failure".to_string(), Value::Null),
            ("admin.login.success".to_string(), json!("admin:1")),
            ("admin.logout".to_string(), json!("admin:1")),
        ]
    );
    assert_eq!(recorded[2]["details"]["email"], ADMIN_EMAIL);
    assert_eq!(recorded[2]["status"], 400);
}

#[test]
fn filters_pagination_and_permission() {
    let (server, admin) = start();
    for n in 0..5 {
        server.create_token(&admin, json!({"name": format!("t{n}")}));
    }
    let first = server.get("/admin/audit-logs?pageSize=2", Some(&admin));
    assert_eq!(first.status, 200);
    assert_eq!(
        first.body["data"]["pagination"],
        json!({"page": 1, "pageSize": 2, "pageCount": 3, "total": 5})
    );
    let third = server.get("/admin/audit-logs?pageSize=2&page=3", Some(&admin));
    assert_eq!(third.body["data"]["results"].as_array().unwrap().len(), 1);
    assert_eq!(events(&server, &admin, "actor=admin:1").len(), 5);
    assert_eq!(events(&server, &admin, "actor=admin:2").len(), 0);
    assert_eq!(events(&server, &admin, "type=token.deleted").len(), 0);
    server.clock.advance(chrono::Duration::seconds(1));
    let now = server.clock.now_iso();
    assert_eq!(events(&server, &admin, &format!("to={now}")).len(), 5);
    server.clock.advance(chrono::Duration::hours(1));
    let later = server.clock.now_iso();
    assert_eq!(events(&server, &admin, &format!("from={later}")).len(), 0);
    for bad in [
        "pageSize=0",
        "pageSize=101",
        "page=-1",
        "token=abc",
        "from=yesterday",
    ] {
        let reply = server.get(&format!("/admin/audit-logs?{bad}"), Some(&admin));
        assert_eq!(reply.status, 400, "{bad}: {}", reply.body);
        assert_eq!(reply.body["error"]["name"], "ValidationError");
    }
    let editor = create_admin_with_cli(&server, "ed@example.com", "editor");
    assert_error(
        &server.get("/admin/audit-logs", Some(&editor)),
        403,
        "ForbiddenError",
        "Forbidden",
    );
    assert_eq!(server.get("/admin/audit-logs", None).status, 401);
}

#[test]
fn retention_deletes_old_events_at_start() {
    let (server, admin) = start();
    // Events of three days ago, then one of now.
    server.clock.advance(chrono::Duration::days(-3));
    server.create_token(&admin, json!({"name": "old"}));
    server.clock.advance(chrono::Duration::days(3));
    server.create_token(&admin, json!({"name": "new"}));
    assert_eq!(events(&server, &admin, "type=token.created").len(), 2);
    let database = server.database.clone();
    drop(server);
    let restarted = TestServer::start_on(database, &[("AUDIT_LOG_RETENTION", "1d")]);
    let admin = restarted.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    let kept = events(&restarted, &admin, "type=token.created");
    assert_eq!(kept.len(), 1);
    // `0` keeps events forever.
    let database = restarted.database.clone();
    drop(restarted);
    let forever = TestServer::start_on(database, &[("AUDIT_LOG_RETENTION", "0")]);
    let admin = forever.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    assert_eq!(events(&forever, &admin, "type=token.created").len(), 1);
}

#[test]
fn no_secret_reaches_the_audit_table() {
    let (server, admin) = start();
    let mut secrets = vec![admin.clone(), ADMIN_PASSWORD.to_string()];
    let made = server.create_token(&admin, json!({"name": "a", "type": "full-access"}));
    secrets.push(made["accessKey"].as_str().unwrap().to_string());
    let id = made["id"].as_i64().unwrap();
    let regenerated = server.post(
        &format!("/admin/api-tokens/{id}/regenerate"),
        Some(&admin),
        &json!({"gracePeriod": 30}),
    );
    secrets.push(
        regenerated.body["data"]["accessKey"]
            .as_str()
            .unwrap()
            .to_string(),
    );
    server.get(&format!("/admin/api-tokens/{id}"), Some(&admin));
    let admin_token = server.post(
        "/admin/admin-tokens",
        Some(&admin),
        &json!({"name": "b", "adminPermissions": ["admin::users.read"]}),
    );
    let admin_key = admin_token.body["data"]["accessKey"]
        .as_str()
        .unwrap()
        .to_string();
    secrets.push(admin_key.clone());
    server.get("/admin/users", Some(&admin_key));
    server.get("/admin/roles", Some(&admin_key));
    for secret in secrets.clone() {
        server.get("/api/articles", Some(&secret));
        let mut typo = secret.clone();
        typo.push('x');
        server.get("/api/articles", Some(&typo));
    }
    let session = server.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    secrets.push(session.clone());
    server.post(
        "/admin/login",
        None,
        &json!({"email": ADMIN_EMAIL, "password": "Not-The-Password-1"}),
    );
    secrets.push("Not-The-Password-1".into());
    assert!(events(&server, &admin, "").len() > 10);
    // The table itself, read directly.
    let mut conn = server.state.pool.get().unwrap();
    server.state.audit.flush(&mut conn).unwrap();
    let (rows, total) = audit::list(&mut conn, &Filter::default(), 1, 100_000).unwrap();
    assert_eq!(rows.len() as i64, total);
    let table = format!("{rows:?}");
    for secret in &secrets {
        assert!(
            !table.contains(secret.as_str()),
            "a secret reached the audit table"
        );
        assert!(
            !table.contains(&secret[4..secret.len().min(40)]),
            "part of a secret reached the audit table"
        );
    }
}

#[test]
fn admin_token_refusals_on_admin_routes_are_recorded() {
    let (server, admin) = start();
    let made = server.post(
        "/admin/admin-tokens",
        Some(&admin),
        &json!({"name": "ops", "adminPermissions": ["admin::users.read"]}),
    );
    let id = made.body["data"]["id"].as_i64().unwrap();
    let key = made.body["data"]["accessKey"].as_str().unwrap().to_string();
    assert_eq!(server.get("/admin/users", Some(&key)).status, 200);
    assert_eq!(server.get("/admin/roles", Some(&key)).status, 403);
    let denied = events(&server, &admin, &format!("type=token.denied&token={id}"));
    assert_eq!(denied.len(), 1, "{denied:?}");
    assert_eq!(denied[0]["status"], 403);
    assert_eq!(denied[0]["actor"], format!("token:{id}"));
    assert_eq!(denied[0]["details"]["reason"], "action not granted");
    assert_eq!(denied[0]["details"]["action"], "admin::roles.read");
    assert_eq!(denied[0]["details"]["path"], "/admin/roles");
    // A session's refusals are not token events.
    let editor = create_admin_with_cli(&server, "ed@example.com", "editor");
    assert_eq!(server.get("/admin/roles", Some(&editor)).status, 403);
    assert_eq!(events(&server, &admin, "type=token.denied").len(), 1);
}
