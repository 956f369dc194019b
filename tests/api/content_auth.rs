//! Authentication and authorization on `/api` with content-API tokens: header forms, each 401
//! and 403, expiry, immediate effect of changes, several instances, salt and key rotation,
//! last use.

use crate::common::*;
use serde_json::{Value, json};

fn auth(server: &TestServer, header: &str) -> Reply {
    server.raw(
        "GET",
        "/api/articles",
        &[("authorization", header)],
        Vec::new(),
    )
}

#[test]
fn bearer_scheme_in_any_case_authenticates() {
    let (server, admin) = start_signed_in(&[]);
    let token = server.token(&admin, "read-only", &[]);
    for scheme in ["Bearer", "bearer", "BEARER"] {
        assert_eq!(
            auth(&server, &format!("{scheme} {token}")).status,
            200,
            "{scheme}"
        );
    }
    for header in [
        format!("Token {token}"),
        "Bearer".to_string(),
        format!("Bearer {token} extra"),
        token.clone(),
        format!("Basic {token}"),
    ] {
        let reply = auth(&server, &header);
        assert_error(
            &reply,
            401,
            "UnauthorizedError",
            "Missing or invalid credentials",
        );
    }
}

#[test]
fn no_credentials_is_401_envelope() {
    let (server, _) = start_signed_in(&[]);
    let reply = server.get("/api/articles", None);
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.body,
        json!({"data": null, "error": {"status": 401, "name": "UnauthorizedError", "message": "Missing or invalid credentials", "details": {}}})
    );
}

#[test]
fn malformed_token_is_refused_without_database_work() {
    let (server, admin) = start_signed_in(&[("DATABASE_POOL_SIZE", "2")]);
    let token = server.token(&admin, "read-only", &[]);
    let mut typo = token.clone().into_bytes();
    typo[20] = if typo[20] == b'A' { b'B' } else { b'A' };
    let typo = String::from_utf8(typo).unwrap();
    let unknown_but_well_formed = {
        // A real token of another server: right form and checksum, unknown here.
        let other = TestServer::start();
        let other_admin = other.register_admin();
        other.token(&other_admin, "read-only", &[])
    };
    // With every connection taken, anything that needs the database answers 503.
    let held: Vec<_> = (0..2).map(|_| server.state.pool.get().unwrap()).collect();
    for refused in [typo.as_str(), "vct_short", &"z".repeat(256), "vat_whatever"] {
        let reply = server.get("/api/articles", Some(refused));
        assert_error(
            &reply,
            401,
            "UnauthorizedError",
            "Missing or invalid credentials",
        );
    }
    assert_eq!(
        server
            .get("/api/articles", Some(&unknown_but_well_formed))
            .status,
        503
    );
    drop(held);
    let reply = server.get("/api/articles", Some(&unknown_but_well_formed));
    assert_error(
        &reply,
        401,
        "UnauthorizedError",
        "Missing or invalid credentials",
    );
}

#[test]
fn expired_token_is_401_token_expired() {
    let (server, admin) = start_signed_in(&[]);
    let made = server.create_token(&admin, json!({"name": "week", "lifespan": 604_800_000}));
    let token = made["accessKey"].as_str().unwrap();
    assert_eq!(
        server.get("/api/articles", Some(token)).status,
        200,
        "cached now"
    );
    server
        .clock
        .advance(chrono::Duration::days(7) + chrono::Duration::seconds(1));
    let reply = server.get("/api/articles", Some(token));
    assert_error(&reply, 401, "UnauthorizedError", "Token expired");
    // Regenerating does not revive it, as in Strapi.
    let id = made["id"].as_i64().unwrap();
    let fresh = server.post(
        &format!("/admin/api-tokens/{id}/regenerate"),
        Some(&admin),
        &json!({}),
    );
    let fresh = fresh.body["data"]["accessKey"]
        .as_str()
        .unwrap()
        .to_string();
    assert_error(
        &server.get("/api/articles", Some(&fresh)),
        401,
        "UnauthorizedError",
        "Token expired",
    );
}

fn crud_statuses(server: &TestServer, token: &str, document: &str) -> Vec<u16> {
    let one = format!("/api/articles/{document}");
    let data = json!({"data": {"title": "t"}});
    vec![
        server.get("/api/articles", Some(token)).status,
        server.get(&one, Some(token)).status,
        server.post("/api/articles", Some(token), &data).status,
        server.call("PUT", &one, Some(token), Some(&data)).status,
        server.call("DELETE", &one, Some(token), None).status,
    ]
}

#[test]
fn token_types_decide_the_actions() {
    let (server, admin) = start_signed_in(&[]);
    let full = server.token(&admin, "full-access", &[]);
    let document = |server: &TestServer| {
        server
            .post(
                "/api/articles",
                Some(&full),
                &json!({"data": {"title": "doc"}}),
            )
            .body["data"]["documentId"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let read_only = server.token(&admin, "read-only", &[]);
    assert_eq!(
        crud_statuses(&server, &read_only, &document(&server)),
        [200, 200, 403, 403, 403]
    );
    let custom = server.token(&admin, "custom", &["api::article.article.find"]);
    assert_eq!(
        crud_statuses(&server, &custom, &document(&server)),
        [200, 403, 403, 403, 403]
    );
    let writer = server.token(
        &admin,
        "custom",
        &["api::article.article.create", "api::article.article.delete"],
    );
    assert_eq!(
        crud_statuses(&server, &writer, &document(&server)),
        [403, 403, 201, 403, 204]
    );
    assert_eq!(
        crud_statuses(&server, &full, &document(&server)),
        [200, 200, 201, 200, 204]
    );
    let forbidden = server.post(
        "/api/articles",
        Some(&read_only),
        &json!({"data": {"title": "x"}}),
    );
    assert_eq!(
        forbidden.body,
        json!({"data": null, "error": {"status": 403, "name": "ForbiddenError", "message": "Forbidden", "details": {}}})
    );
}

#[test]
fn token_changes_take_effect_on_the_next_request() {
    let (server, admin) = start_signed_in(&[("TOKEN_CACHE_TTL", "1h")]);
    let made = server.create_token(&admin, json!({"name": "changing", "type": "read-only"}));
    let token = made["accessKey"].as_str().unwrap();
    let path = format!("/admin/api-tokens/{}", made["id"]);
    let create = || {
        server
            .post(
                "/api/articles",
                Some(token),
                &json!({"data": {"title": "x"}}),
            )
            .status
    };
    assert_eq!(create(), 403);
    server.call(
        "PUT",
        &path,
        Some(&admin),
        Some(&json!({"type": "full-access"})),
    );
    assert_eq!(
        create(),
        201,
        "update seen at once despite a one-hour cache"
    );
    server.call(
        "PUT",
        &path,
        Some(&admin),
        Some(&json!({"type": "custom", "permissions": ["api::article.article.find"]})),
    );
    assert_eq!(create(), 403);
    assert_eq!(server.get("/api/articles", Some(token)).status, 200);
    server.call("DELETE", &path, Some(&admin), None);
    assert_eq!(server.get("/api/articles", Some(token)).status, 401);
}

#[test]
fn content_token_on_admin_routes_is_401() {
    let (server, admin) = start_signed_in(&[]);
    let token = server.token(&admin, "full-access", &[]);
    for path in [
        "/admin/users/me",
        "/admin/api-tokens",
        "/admin/content-types",
    ] {
        assert_error(
            &server.get(path, Some(&token)),
            401,
            "UnauthorizedError",
            "Missing or invalid credentials",
        );
    }
    // And an admin session is no credential on /api, as in Strapi.
    assert_eq!(server.get("/api/articles", Some(&admin)).status, 401);
}

#[test]
fn last_used_is_set_on_successful_use_only() {
    let (server, admin) = start_signed_in(&[]);
    let made = server.create_token(&admin, json!({"name": "usage", "type": "read-only"}));
    let token = made["accessKey"].as_str().unwrap();
    let path = format!("/admin/api-tokens/{}", made["id"]);
    let last_used = || server.get(&path, Some(&admin)).body["data"]["lastUsedAt"].clone();
    assert_eq!(
        server
            .post(
                "/api/articles",
                Some(token),
                &json!({"data": {"title": "x"}})
            )
            .status,
        403
    );
    assert_eq!(last_used(), Value::Null, "a forbidden request is no use");
    assert_eq!(server.get("/api/articles", Some(token)).status, 200);
    let first = last_used();
    assert!(first.as_str().is_some_and(|t| t.ends_with('Z')), "{first}");
    server.clock.advance(chrono::Duration::seconds(10));
    assert_eq!(server.get("/api/articles", Some(token)).status, 200);
    assert_eq!(last_used(), first, "written at most once a minute");
}

#[test]
fn another_instance_sees_changes_within_the_bound() {
    let database = TestDatabase::fresh();
    let dir = fixture("content-types");
    let vars = [
        ("CONTENT_TYPES_DIR", dir.as_str()),
        ("TOKEN_CACHE_TTL", "300ms"),
    ];
    let first = TestServer::start_on(database.clone(), &vars);
    let second = TestServer::start_on(database, &vars);
    let admin = first.register_admin();
    let made = first.create_token(&admin, json!({"name": "shared", "type": "full-access"}));
    let token = made["accessKey"].as_str().unwrap();
    assert_eq!(
        second.get("/api/articles", Some(token)).status,
        200,
        "created on one, works on the other"
    );
    first.call(
        "DELETE",
        &format!("/admin/api-tokens/{}", made["id"]),
        Some(&admin),
        None,
    );
    std::thread::sleep(std::time::Duration::from_millis(400));
    assert_eq!(
        second.get("/api/articles", Some(token)).status,
        401,
        "refused within the bound"
    );
}

#[test]
fn salt_rotation_keeps_tokens_working() {
    let database = TestDatabase::fresh();
    let dir = fixture("content-types");
    let old = TestServer::start_on(database.clone(), &[("CONTENT_TYPES_DIR", &dir)]);
    let admin = old.register_admin();
    let token = old.token(&admin, "read-only", &[]);
    drop(old);
    // A new salt with the old one listed as previous: the token works and is re-hashed.
    let rotating = TestServer::start_on(
        database.clone(),
        &[
            ("CONTENT_TYPES_DIR", &dir),
            ("API_TOKEN_SALT", "new-salt"),
            ("API_TOKEN_SALT_PREVIOUS", TOKEN_SALT),
        ],
    );
    assert_eq!(rotating.get("/api/articles", Some(&token)).status, 200);
    drop(rotating);
    // The old salt can now be dropped.
    let rotated = TestServer::start_on(
        database.clone(),
        &[("CONTENT_TYPES_DIR", &dir), ("API_TOKEN_SALT", "new-salt")],
    );
    assert_eq!(rotated.get("/api/articles", Some(&token)).status, 200);
    drop(rotated);
    // A salt changed with no previous list invalidates every token, as in Strapi.
    let changed = TestServer::start_on(
        database,
        &[
            ("CONTENT_TYPES_DIR", &dir),
            ("API_TOKEN_SALT", "other-salt"),
        ],
    );
    assert_eq!(changed.get("/api/articles", Some(&token)).status, 401);
}

#[test]
fn encryption_key_rotation_keeps_tokens_viewable() {
    let database = TestDatabase::fresh();
    let dir = fixture("content-types");
    let first = TestServer::start_on(
        database.clone(),
        &[("CONTENT_TYPES_DIR", &dir), ("ENCRYPTION_KEY", "key-one")],
    );
    let admin = first.register_admin();
    let made = first.create_token(&admin, json!({"name": "viewable"}));
    let token = made["accessKey"].as_str().unwrap().to_string();
    let path = format!("/admin/api-tokens/{}", made["id"]);
    drop(first);
    // Only the key changed: the token works, but can no longer be viewed.
    let lost = TestServer::start_on(
        database.clone(),
        &[("CONTENT_TYPES_DIR", &dir), ("ENCRYPTION_KEY", "key-two")],
    );
    let admin = lost.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    let reply = lost.get(&path, Some(&admin));
    assert_eq!(reply.status, 200);
    assert!(reply.body["data"].get("accessKey").is_none());
    assert_eq!(lost.get("/api/articles", Some(&token)).status, 200);
    drop(lost);
    // With the old key listed as previous, it is viewable, and re-encrypted under the new key.
    let rotating = TestServer::start_on(
        database.clone(),
        &[
            ("CONTENT_TYPES_DIR", &dir),
            ("ENCRYPTION_KEY", "key-two"),
            ("ENCRYPTION_KEY_PREVIOUS", "key-one"),
        ],
    );
    let admin = rotating.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    assert_eq!(
        rotating.get(&path, Some(&admin)).body["data"]["accessKey"],
        token.as_str()
    );
    drop(rotating);
    let rotated = TestServer::start_on(
        database,
        &[("CONTENT_TYPES_DIR", &dir), ("ENCRYPTION_KEY", "key-two")],
    );
    let admin = rotated.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    assert_eq!(
        rotated.get(&path, Some(&admin)).body["data"]["accessKey"],
        token.as_str()
    );
}

#[test]
fn last_used_from_two_instances_keeps_the_latest() {
    let database = TestDatabase::fresh();
    let dir = fixture("content-types");
    let later = TestServer::start_on(database.clone(), &[("CONTENT_TYPES_DIR", &dir)]);
    let earlier = TestServer::start_on(database, &[("CONTENT_TYPES_DIR", &dir)]);
    later.clock.advance(chrono::Duration::minutes(10));
    let admin = later.register_admin();
    let made = later.create_token(&admin, json!({"name": "shared", "type": "read-only"}));
    let token = made["accessKey"].as_str().unwrap();
    let path = format!("/admin/api-tokens/{}", made["id"]);
    assert_eq!(later.get("/api/articles", Some(token)).status, 200);
    let latest = later.get(&path, Some(&admin)).body["data"]["lastUsedAt"].clone();
    assert!(latest.is_string());
    // The other instance's use is older (its clock is ten minutes behind) and flushed after.
    assert_eq!(earlier.get("/api/articles", Some(token)).status, 200);
    let other_admin = earlier.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    assert_eq!(
        earlier.get(&path, Some(&other_admin)).body["data"]["lastUsedAt"],
        latest
    );
}

fn basic(id: &str, secret: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
    )
}

#[test]
fn basic_auth_with_token_id_and_secret() {
    let (server, admin) = start_signed_in(&[]);
    let made = server.create_token(&admin, json!({"name": "basic", "type": "read-only"}));
    let (id, secret) = (
        made["id"].to_string(),
        made["accessKey"].as_str().unwrap().to_string(),
    );
    assert_eq!(auth(&server, &basic(&id, &secret)).status, 200);
    assert_eq!(
        auth(&server, &basic(&id, &secret).replace("Basic", "basic")).status,
        200
    );
    let other = server.create_token(&admin, json!({"name": "other"}));
    for header in [
        basic(&other["id"].to_string(), &secret),
        basic("abc", &secret),
        basic(&id, "vct_nope"),
        basic(&id, ""),
        "Basic !!!not-base64".to_string(),
        format!("Basic {secret}"),
    ] {
        let reply = auth(&server, &header);
        assert_error(
            &reply,
            401,
            "UnauthorizedError",
            "Missing or invalid credentials",
        );
    }
    let forbidden = server.raw(
        "POST",
        "/api/articles",
        &[
            ("authorization", &basic(&id, &secret)),
            ("content-type", "application/json"),
        ],
        br#"{"data":{"title":"x"}}"#.to_vec(),
    );
    assert_eq!(forbidden.status, 403, "the token's type still decides");
    let on_admin = server.raw(
        "GET",
        "/admin/users/me",
        &[("authorization", &basic(&id, &secret))],
        Vec::new(),
    );
    assert_eq!(on_admin.status, 401);
}

#[test]
fn regenerate_with_grace_period_keeps_the_old_secret_until_then() {
    let (server, admin) = start_signed_in(&[("TOKEN_CACHE_TTL", "1h")]);
    let made = server.create_token(&admin, json!({"name": "rolling", "type": "read-only"}));
    let (id, old) = (
        made["id"].as_i64().unwrap(),
        made["accessKey"].as_str().unwrap().to_string(),
    );
    let regenerate = |body: Value| {
        server.post(
            &format!("/admin/api-tokens/{id}/regenerate"),
            Some(&admin),
            &body,
        )
    };
    let reply = regenerate(json!({"gracePeriod": 60}));
    assert_eq!(reply.status, 201, "{}", reply.body);
    let new = reply.body["data"]["accessKey"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        server.get("/api/articles", Some(&old)).status,
        200,
        "old secret inside the grace period"
    );
    assert_eq!(server.get("/api/articles", Some(&new)).status, 200);
    server.clock.advance(chrono::Duration::seconds(61));
    assert_error(
        &server.get("/api/articles", Some(&old)),
        401,
        "UnauthorizedError",
        "Missing or invalid credentials",
    );
    assert_eq!(server.get("/api/articles", Some(&new)).status, 200);

    // A second roll replaces the previous secret: at most two are ever active.
    let newer = regenerate(json!({"gracePeriod": 60})).body["data"]["accessKey"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(server.get("/api/articles", Some(&new)).status, 200);
    assert_eq!(server.get("/api/articles", Some(&old)).status, 401);
    // Ending the grace early.
    let ended = server.call(
        "DELETE",
        &format!("/admin/api-tokens/{id}/secrets/previous"),
        Some(&admin),
        None,
    );
    assert_eq!(ended.status, 200, "{}", ended.body);
    assert_eq!(server.get("/api/articles", Some(&new)).status, 401);
    assert_eq!(server.get("/api/articles", Some(&newer)).status, 200);
    // Without a grace period the old secret dies at once, as in Strapi.
    let newest = regenerate(json!({})).body["data"]["accessKey"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(server.get("/api/articles", Some(&newer)).status, 401);
    assert_eq!(server.get("/api/articles", Some(&newest)).status, 200);
    for bad in [
        json!({"gracePeriod": -5}),
        json!({"gracePeriod": "1h"}),
        json!({"gracePeriod": 99_999_999}),
    ] {
        assert_eq!(regenerate(bad).status, 400);
    }
    let missing = server.call(
        "DELETE",
        "/admin/api-tokens/4242/secrets/previous",
        Some(&admin),
        None,
    );
    assert_error(&missing, 404, "NotFoundError", "API Token not found");
}

fn access_tokens_file(dir: &std::path::Path, entries: Value) -> String {
    let path = dir.join("access-tokens.json");
    std::fs::write(&path, entries.to_string()).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn configured_tokens_authenticate_within_their_restrictions() {
    let dir = tempfile::tempdir().unwrap();
    let file = access_tokens_file(
        dir.path(),
        json!([
            {"subject": "deploy", "token": "deploy-secret-1234",
             "restrictions": ["api::article.article.find"]},
            {"subject": "site", "token": "site-secret-5678",
             "restrictions": ["api::gadget.gadget"], "expiresAt": "2099-01-01T00:00:00Z"},
            {"subject": "old", "token": "old-secret-0000",
             "restrictions": ["api::article.article"], "expiresAt": "2001-01-01T00:00:00Z"}
        ]),
    );
    let (server, admin) = start_signed_in(&[("ACCESS_TOKENS_FILE", &file)]);
    let deploy = Some("deploy-secret-1234");
    assert_eq!(server.get("/api/articles", deploy).status, 200);
    assert_error(
        &server.get("/api/articles/anything", deploy),
        403,
        "ForbiddenError",
        "Forbidden",
    );
    let article = json!({"data": {"title": "from deploy"}});
    assert_eq!(server.post("/api/articles", deploy, &article).status, 403);

    let site = Some("site-secret-5678");
    let gadget = server.post("/api/gadgets", site, &json!({"data": {"name": "g"}}));
    assert_eq!(gadget.status, 201, "{}", gadget.body);
    assert_eq!(server.get("/api/gadgets", site).status, 200);
    assert_eq!(server.get("/api/articles", site).status, 403);

    assert_error(
        &server.get("/api/articles", Some("old-secret-0000")),
        401,
        "UnauthorizedError",
        "Token expired",
    );
    // Nearly the token, another kind of route, or the Basic form: refused.
    assert_eq!(
        server
            .get("/api/articles", Some("deploy-secret-123"))
            .status,
        401
    );
    assert_eq!(server.get("/admin/api-tokens", deploy).status, 401);
    assert_eq!(auth(&server, &basic("0", "deploy-secret-1234")).status, 401);

    let listed = server.get("/admin/api-tokens", Some(&admin));
    assert_eq!(listed.status, 200);
    let text = listed.body.to_string();
    for secret in ["deploy-secret-1234", "site-secret-5678", "old-secret-0000"] {
        assert!(!text.contains(secret), "the list shows a configured token");
    }
    let configured: Vec<&Value> = listed.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["source"] == "config")
        .collect();
    assert_eq!(configured.len(), 3, "{text}");
    assert_eq!(configured[0]["id"], "config-1");
    assert_eq!(configured[0]["name"], "deploy");
    assert_eq!(configured[0]["type"], "custom");
    assert_eq!(
        configured[0]["permissions"],
        json!(["api::article.article.find"])
    );
    assert_eq!(configured[1]["restrictions"], json!(["api::gadget.gadget"]));
    assert_eq!(configured[1]["permissions"].as_array().unwrap().len(), 5);
    assert_eq!(configured[1]["expiresAt"], "2099-01-01T00:00:00.000Z");
    assert!(configured.iter().all(|t| t.get("accessKey").is_none()));
    let soon = server.get("/admin/api-tokens?expiringWithin=7d", Some(&admin));
    assert!(!soon.body.to_string().contains("config-"), "{}", soon.body);
    assert_error(
        &server.call(
            "PUT",
            "/admin/api-tokens/config-1",
            Some(&admin),
            Some(&json!({"name": "x"})),
        ),
        400,
        "ValidationError",
        "Tokens from ACCESS_TOKENS_FILE are read-only here: change the file and restart",
    );
}

#[test]
fn configured_tokens_may_be_written_in_toml() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("access-tokens.toml");
    std::fs::write(
        &path,
        r#"
[[tokens]]
subject = "deploy"
token = "toml-deploy-secret-1"
restrictions = ["api::article.article.find"]

[[tokens]]
subject = "old"
token = "toml-old-secret-22"
restrictions = ["api::article.article"]
expiresAt = 2001-01-01T00:00:00Z
"#,
    )
    .unwrap();
    let (server, admin) = start_signed_in(&[("ACCESS_TOKENS_FILE", path.to_str().unwrap())]);
    let deploy = Some("toml-deploy-secret-1");
    assert_eq!(server.get("/api/articles", deploy).status, 200);
    let article = json!({"data": {"title": "from deploy"}});
    assert_eq!(server.post("/api/articles", deploy, &article).status, 403);
    assert_error(
        &server.get("/api/articles", Some("toml-old-secret-22")),
        401,
        "UnauthorizedError",
        "Token expired",
    );
    let listed = server.get("/admin/api-tokens", Some(&admin)).body["data"].clone();
    let subjects: Vec<&Value> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["source"] == "config")
        .map(|t| &t["name"])
        .collect();
    assert_eq!(subjects, [&json!("deploy"), &json!("old")]);
    assert!(!listed.to_string().contains("toml-deploy-secret-1"));
}

#[test]
fn a_bad_access_tokens_file_stops_the_start_naming_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    let file = access_tokens_file(
        dir.path(),
        json!([
            {"subject": "fine", "token": "a-valid-secret-1", "restrictions": ["api::article.article"]},
            {"subject": "ci", "token": "sh0rt", "restrictions": ["api::article.article"]}
        ]),
    );
    let database = TestDatabase::fresh();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_vellum"))
        .current_dir(dir.path())
        .envs(database.env())
        .env("PORT", "0")
        .env("CONTENT_TYPES_DIR", fixture("content-types"))
        .env("ACCESS_TOKENS_FILE", &file)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("the server started with a bad ACCESS_TOKENS_FILE");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let output = child.wait_with_output().unwrap();
    let printed = String::from_utf8_lossy(&output.stderr).to_string()
        + &String::from_utf8_lossy(&output.stdout);
    assert!(!status.success());
    assert!(
        printed.contains("entry 2 (subject \"ci\"): the token must have at least 8 characters"),
        "{printed}"
    );
    assert!(
        !printed.contains("sh0rt") && !printed.contains("a-valid-secret-1"),
        "{printed}"
    );
}

/// A token with `extra` (allowedIps, rateLimit) on a server with `vars`; returns the server,
/// the admin session and the token.
fn limited_token(vars: &[(&str, &str)], extra: Value) -> (TestServer, String, String) {
    let (server, admin) = start_signed_in(vars);
    let mut body = json!({"name": format!("limited {}", random_hex(3)), "type": "read-only"});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let token = server.create_token(&admin, body)["accessKey"]
        .as_str()
        .unwrap()
        .to_string();
    (server, admin, token)
}

fn get_from(server: &TestServer, token: &str, forwarded_for: Option<&str>) -> Reply {
    let bearer = format!("Bearer {token}");
    let mut headers = vec![("authorization", bearer.as_str())];
    if let Some(hops) = forwarded_for {
        headers.push(("x-forwarded-for", hops));
    }
    server.raw("GET", "/api/articles", &headers, Vec::new())
}

#[test]
fn ip_allowlist_admits_listed_addresses_and_ranges_only() {
    let (server, _, inside) =
        limited_token(&[], json!({"allowedIps": ["198.51.100.0/24", "127.0.0.1"]}));
    assert_eq!(get_from(&server, &inside, None).status, 200);
    let (server, _, outside) = limited_token(&[], json!({"allowedIps": ["10.0.0.0/8", "::1"]}));
    assert_error(
        &get_from(&server, &outside, None),
        403,
        "ForbiddenError",
        "Forbidden",
    );
    // Without trusted proxies, X-Forwarded-For proves nothing.
    assert_eq!(get_from(&server, &outside, Some("10.1.2.3")).status, 403);
}

#[test]
fn ip_allowlist_reads_forwarded_for_from_trusted_proxies_only() {
    let proxies = [("TRUSTED_PROXIES", "127.0.0.1, 192.0.2.0/24")];
    let (server, _, v6) = limited_token(&proxies, json!({"allowedIps": ["2001:db8::/32"]}));
    assert_eq!(get_from(&server, &v6, Some("2001:db8::5")).status, 200);
    assert_eq!(get_from(&server, &v6, Some("2001:db9::5")).status, 403);
    // The client is the right-most address that is not a trusted proxy; what the client wrote
    // further left counts for nothing.
    assert_eq!(
        get_from(&server, &v6, Some("2001:db9::5, 2001:db8::7, 192.0.2.10")).status,
        200
    );
    assert_eq!(
        get_from(&server, &v6, Some("2001:db8::7, 2001:db9::5")).status,
        403
    );
    assert_eq!(
        get_from(&server, &v6, None).status,
        403,
        "the proxy itself is not listed"
    );
    let (server, _, v4) = limited_token(&proxies, json!({"allowedIps": ["203.0.113.0/24"]}));
    assert_eq!(get_from(&server, &v4, Some("203.0.113.77")).status, 200);
    assert_eq!(get_from(&server, &v4, Some("203.0.114.1")).status, 403);
}

#[test]
fn rate_limit_answers_429_with_retry_after() {
    let (server, admin, token) = limited_token(&[], json!({"rateLimit": 3}));
    for _ in 0..3 {
        assert_eq!(get_from(&server, &token, None).status, 200);
    }
    let refused = get_from(&server, &token, None);
    assert_error(
        &refused,
        429,
        "RateLimitError",
        "Too many requests, please try again later.",
    );
    let wait: u64 = refused.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=20).contains(&wait), "Retry-After {wait}");
    // Another token is not limited by this one's allowance.
    let other = server.token(&admin, "read-only", &[]);
    assert_eq!(get_from(&server, &other, None).status, 200);
}

#[test]
fn limits_are_validated_shown_changed_and_cleared() {
    let (server, admin) = start_signed_in(&[]);
    let refused = server.post(
        "/admin/api-tokens",
        Some(&admin),
        &json!({"name": "bad", "allowedIps": ["10.0.0.0/8", "10.0.0.0/33", 5], "rateLimit": 0}),
    );
    assert_eq!(refused.status, 400, "{}", refused.body);
    let paths: Vec<Value> = refused.body["error"]["details"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].clone())
        .collect();
    assert_eq!(
        paths,
        [
            json!(["allowedIps", "1"]),
            json!(["allowedIps", "2"]),
            json!(["rateLimit"])
        ]
    );

    let made = server.create_token(
        &admin,
        json!({"name": "limited", "allowedIps": ["10.1.2.3/8", "2001:db8::1"], "rateLimit": 120}),
    );
    assert_eq!(made["allowedIps"], json!(["10.0.0.0/8", "2001:db8::1"]));
    assert_eq!(made["rateLimit"], 120);
    let id = made["id"].as_i64().unwrap();
    let path = format!("/admin/api-tokens/{id}");
    let shown = server.get(&path, Some(&admin));
    assert_eq!(
        shown.body["data"]["allowedIps"],
        json!(["10.0.0.0/8", "2001:db8::1"])
    );
    let token = made["accessKey"].as_str().unwrap().to_string();
    assert_eq!(get_from(&server, &token, None).status, 403);

    let changed = server.call(
        "PUT",
        &path,
        Some(&admin),
        Some(&json!({"allowedIps": ["127.0.0.0/8"]})),
    );
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(
        changed.body["data"]["rateLimit"], 120,
        "an absent field is kept"
    );
    assert_eq!(
        get_from(&server, &token, None).status,
        200,
        "in force at once"
    );
    let cleared = server.call(
        "PUT",
        &path,
        Some(&admin),
        Some(&json!({"allowedIps": null, "rateLimit": null})),
    );
    // Cleared limits leave the token with Strapi's keys alone.
    assert!(
        cleared.body["data"].get("allowedIps").is_none(),
        "{}",
        cleared.body
    );
    assert!(
        cleared.body["data"].get("rateLimit").is_none(),
        "{}",
        cleared.body
    );
    assert_eq!(server.call("DELETE", &path, Some(&admin), None).status, 200);
}
