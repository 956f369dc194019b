//! `vellum token …`: create, list, regenerate, delete, and import from Strapi.

use crate::common::*;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha512;
use std::process::Output;

fn vellum(server: &TestServer, args: &[&str], vars: &[(&str, &str)]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_vellum"))
        .args(args)
        .envs(server.database.env())
        .env("CONTENT_TYPES_DIR", fixture("content-types"))
        .env("RUST_LOG", "error")
        .envs(vars.iter().copied())
        .output()
        .expect("run vellum")
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn start() -> (TestServer, String) {
    start_signed_in(&[])
}

#[test]
fn token_create_prints_a_working_token_once() {
    let (server, admin) = start();
    let output = vellum(
        &server,
        &[
            "token",
            "create",
            "--name",
            "ci",
            "--type",
            "custom",
            "--permission",
            "api::article.article.find",
            "--lifespan",
            "7d",
        ],
        &[],
    );
    let token = stdout(&output).trim().to_string();
    assert!(token.starts_with("vct_"), "{token}");
    assert_eq!(server.get("/api/articles", Some(&token)).status, 200);
    assert_eq!(
        server
            .post(
                "/api/articles",
                Some(&token),
                &json!({"data": {"title": "x"}})
            )
            .status,
        403
    );
    let listed = server.get("/admin/api-tokens", Some(&admin));
    let ci = listed.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "ci")
        .unwrap()
        .clone();
    assert_eq!(ci["lifespan"], "604800000");
    assert_eq!(ci["permissions"], json!(["api::article.article.find"]));
    let listing = stdout(&vellum(&server, &["token", "list"], &[]));
    assert!(
        listing.contains("ci") && listing.contains("custom"),
        "{listing}"
    );
    assert!(!listing.contains(&token[4..]), "list never prints secrets");
}

#[test]
fn token_create_refuses_bad_input() {
    let (server, _) = start();
    let long_name = "x".repeat(256);
    for (args, message) in [
        (vec!["--name", "x", "--type", "admin"], "--type must be"),
        // The admin routes' rules and words.
        (
            vec!["--name", "   "],
            "--name: name must be at least 1 characters; name is a required field",
        ),
        (
            vec!["--name", &long_name],
            "--name: name must be at most 255 characters",
        ),
        (
            vec!["--name", "x", "--type", "custom"],
            "Missing permissions attribute for custom token",
        ),
        (
            vec![
                "--name",
                "x",
                "--type",
                "custom",
                "--permission",
                "api::no.no.find",
            ],
            "Unknown permissions provided",
        ),
        (
            vec!["--name", "x", "--permission", "api::article.article.find"],
            "Non-custom tokens",
        ),
        (
            vec!["--name", "x", "--lifespan", "8d"],
            "--lifespan must be",
        ),
    ] {
        let mut all = vec!["token", "create"];
        all.extend(args);
        let output = vellum(&server, &all, &[]);
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{stderr}");
    }
}

#[test]
fn token_regenerate_and_delete() {
    let (server, admin) = start();
    let made = server.create_token(&admin, json!({"name": "rotate me", "type": "read-only"}));
    let old = made["accessKey"].as_str().unwrap();
    let id = made["id"].to_string();
    // The admin routes' bound on a grace period holds here too (the token service's rule).
    let too_long = vellum(
        &server,
        &["token", "regenerate", &id, "--grace-period", "2592001"],
        &[],
    );
    assert!(!too_long.status.success());
    assert!(
        String::from_utf8_lossy(&too_long.stderr)
            .contains("--grace-period: gracePeriod must be a number of seconds from 1 to 2592000"),
        "{}",
        String::from_utf8_lossy(&too_long.stderr)
    );
    assert_eq!(server.get("/api/articles", Some(old)).status, 200);
    let new = stdout(&vellum(&server, &["token", "regenerate", &id], &[]))
        .trim()
        .to_string();
    // The server's cache is bounded (1 s by default) for changes made elsewhere.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(server.get("/api/articles", Some(old)).status, 401);
    assert_eq!(server.get("/api/articles", Some(&new)).status, 200);
    stdout(&vellum(&server, &["token", "delete", &id], &[]));
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(server.get("/api/articles", Some(&new)).status, 401);
    assert!(
        !vellum(&server, &["token", "delete", &id], &[])
            .status
            .success()
    );
    // Each change is in the audit log, by the command line.
    let logged = server.get("/admin/audit-logs?actor=cli&pageSize=100", Some(&admin));
    let events: Vec<(&str, i64)> = logged.body["data"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap_or_default(),
                e["tokenId"].as_i64().unwrap_or_default(),
            )
        })
        .collect();
    let id: i64 = id.parse().unwrap();
    assert_eq!(
        events,
        [("token.deleted", id), ("token.regenerated", id)],
        "{}",
        logged.body
    );
}

#[test]
fn token_commands_reach_content_tokens_only() {
    let (server, admin) = start();
    let made = server.post(
        "/admin/admin-tokens",
        Some(&admin),
        &json!({"name": "an admin token", "adminPermissions": ["admin::api-tokens.read"]}),
    );
    assert_eq!(made.status, 201, "{}", made.body);
    let key = made.body["data"]["accessKey"].as_str().unwrap().to_string();
    let id = made.body["data"]["id"].to_string();
    for command in ["delete", "regenerate"] {
        let output = vellum(&server, &["token", command, &id], &[]);
        assert!(!output.status.success(), "{command}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&format!("there is no token {id}")),
            "{stderr}"
        );
    }
    // The admin token still works, with its secret unchanged.
    assert_eq!(server.get("/admin/api-tokens", Some(&key)).status, 200);
    let listing = stdout(&vellum(&server, &["token", "list"], &[]));
    assert!(!listing.contains("an admin token"), "{listing}");
    // A token created on the command line is logged as the command line's.
    stdout(&vellum(
        &server,
        &["token", "create", "--name", "by cli"],
        &[],
    ));
    let logged = server.get("/admin/audit-logs?actor=cli", Some(&admin));
    assert_eq!(logged.body["data"]["results"][0]["type"], "token.created");
    assert_eq!(
        logged.body["data"]["results"][0]["details"]["name"],
        "by cli"
    );
}

/// Strapi's stored form of a key: HMAC-SHA512 under its salt, hex.
fn strapi_hash(salt: &str, key: &str) -> String {
    let mut mac = Hmac::<Sha512>::new_from_slice(salt.as_bytes()).unwrap();
    mac.update(key.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[test]
fn token_import_from_strapi_keeps_keys_working() {
    let strapi_salt = "strapi-salt-from-config-admin-js";
    let server = TestServer::start_with(&[
        ("CONTENT_TYPES_DIR", &fixture("content-types")),
        ("API_TOKEN_SALT_PREVIOUS", strapi_salt),
    ]);
    let admin = server.register_admin();
    let read_key = "ab".repeat(128);
    let custom_key = "cd".repeat(128);
    let expired_key = "ef".repeat(128);
    let export = json!({
        "tokens": [
            {"id": 1, "name": "Strapi read", "description": "", "type": "read-only",
             "access_key": strapi_hash(strapi_salt, &read_key), "lifespan": null, "expires_at": null},
            {"id": 2, "name": "Strapi custom", "type": "custom", "accessKey": strapi_hash(strapi_salt, &custom_key),
             "lifespan": "2592000000", "expiresAt": "2999-01-01T00:00:00.000Z"},
            {"id": 3, "name": "Strapi old", "type": "full-access",
             "access_key": strapi_hash(strapi_salt, &expired_key), "expires_at": "2020-01-01T00:00:00.000Z"}
        ],
        "permissions": [{"id": 10, "action": "api::article.article.find", "token_id": 2}]
    });
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), export.to_string()).unwrap();
    let path = file.path().to_str().unwrap();
    let vars = [("API_TOKEN_SALT_PREVIOUS", strapi_salt)];
    let output = stdout(&vellum(
        &server,
        &["token", "import", "--from-strapi", path],
        &vars,
    ));
    assert_eq!(
        output.lines().filter(|l| l.starts_with("imported")).count(),
        3,
        "{output}"
    );
    // The clients' existing Strapi keys work unchanged, with their type and permissions.
    assert_eq!(server.get("/api/articles", Some(&read_key)).status, 200);
    assert_eq!(
        server
            .post(
                "/api/articles",
                Some(&read_key),
                &json!({"data": {"title": "x"}})
            )
            .status,
        403
    );
    assert_eq!(server.get("/api/articles", Some(&custom_key)).status, 200);
    assert_eq!(
        server
            .get("/api/articles/abcdefghijklmnopqrstuvwx", Some(&custom_key))
            .status,
        403
    );
    assert_error(
        &server.get("/api/articles", Some(&expired_key)),
        401,
        "UnauthorizedError",
        "Token expired",
    );
    let listed = server.get("/admin/api-tokens", Some(&admin));
    let custom = listed.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Strapi custom")
        .unwrap()
        .clone();
    assert_eq!(custom["lifespan"], "2592000000");
    assert_eq!(custom["expiresAt"], "2999-01-01T00:00:00.000Z");
    // Importing again skips taken names and says so.
    let again = vellum(&server, &["token", "import", "--from-strapi", path], &vars);
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("skipped Strapi read: name already taken")
    );
    // A bad export names the row.
    std::fs::write(file.path(), json!([{"name": "no hash"}]).to_string()).unwrap();
    let bad = vellum(&server, &["token", "import", "--from-strapi", path], &vars);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("tokens[0]: `access_key`"));
}

#[test]
fn start_warns_of_tokens_expiring_within_a_week() {
    let (server, admin) = start();
    server.create_token(
        &admin,
        json!({"name": "short lived", "lifespan": 604_800_000}),
    );
    server.create_token(
        &admin,
        json!({"name": "long lived", "lifespan": 2_592_000_000i64}),
    );
    let output = vellum(&server, &["migrate"], &[("RUST_LOG", "warn")]);
    assert!(output.status.success());
    let logs = String::from_utf8_lossy(&output.stderr);
    assert!(
        logs.contains("API token expires within 7 days") && logs.contains("short lived"),
        "{logs}"
    );
    assert!(!logs.contains("long lived"), "{logs}");
}
