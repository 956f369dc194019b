//! The server as a whole: the error envelope, health, configuration and secrets, start-up
//! failures, restarts, and the command line.

use crate::common::*;
use serde_json::json;
use std::path::Path;
use std::process::{Command, Output};

/// `/` sends a newcomer to the panel, as Strapi does (302 to `/admin`).
#[test]
fn root_redirects_to_the_panel() {
    let server = TestServer::start();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let mut reply = agent.get(&format!("{}/", server.url)).call().unwrap();
    assert_eq!(reply.status(), 302);
    assert_eq!(reply.headers()["location"], "/admin");
    assert_eq!(
        reply.body_mut().read_to_string().unwrap(),
        "Redirecting to /admin."
    );
}

#[test]
fn unknown_route_is_404_envelope() {
    let server = TestServer::start();
    for (method, path) in [
        ("GET", "/nope"),
        ("POST", "/admin/nope"),
        ("DELETE", "/admin/login"),
    ] {
        let reply = server.call(method, path, None, None);
        assert_error(&reply, 404, "NotFoundError", "Not Found");
    }
}

#[test]
fn malformed_json_is_400_envelope() {
    let server = TestServer::start();
    let reply = server.raw(
        "POST",
        "/admin/login",
        &[("content-type", "application/json")],
        b"{\"email\": ".to_vec(),
    );
    assert_error(&reply, 400, "BadRequestError", "The body is not valid JSON");
}

#[test]
fn wrong_content_type_is_400_envelope() {
    let server = TestServer::start();
    let reply = server.raw(
        "POST",
        "/admin/login",
        &[("content-type", "text/plain")],
        b"{\"email\":\"a@b.c\",\"password\":\"x\"}".to_vec(),
    );
    assert_error(
        &reply,
        400,
        "BadRequestError",
        "Expected a JSON body (Content-Type: application/json)",
    );
}

#[test]
fn body_over_the_limit_is_413_envelope() {
    let server = TestServer::start_with(&[("MAX_BODY_BYTES", "1024")]);
    let big = json!({"email": "a".repeat(2048), "password": "x"}).to_string();
    let reply = server.raw(
        "POST",
        "/admin/login",
        &[("content-type", "application/json")],
        big.into_bytes(),
    );
    assert_error(&reply, 413, "PayloadTooLargeError", "Payload too large");
}

#[test]
fn body_of_two_megabytes_is_413_by_default() {
    let server = TestServer::start();
    let big = json!({"email": "a".repeat(2 * 1024 * 1024), "password": "x"}).to_string();
    let reply = server.raw(
        "POST",
        "/admin/register-admin",
        &[("content-type", "application/json")],
        big.into_bytes(),
    );
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert_eq!(reply.body["error"]["name"], "PayloadTooLargeError");
}

#[test]
fn health_reports_ok() {
    let server = TestServer::start();
    let reply = server.get("/_health", None);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, json!({"status": "ok", "database": "ok"}));
}

#[test]
fn health_without_database_is_503() {
    let server = TestServer::start_with(&[("DATABASE_POOL_SIZE", "2")]);
    // Every connection is taken: to the server the database does not answer.
    let held: Vec<_> = (0..2).map(|_| server.state.pool.get().unwrap()).collect();
    let reply = server.get("/_health", None);
    assert_eq!(reply.status, 503);
    assert_eq!(
        reply.body,
        json!({"status": "error", "database": "unavailable"})
    );
    drop(held);
    assert_eq!(server.get("/_health", None).status, 200);
}

#[test]
fn restart_keeps_data_and_reruns_no_migration() {
    let database = TestDatabase::fresh();
    let first = TestServer::start_on(database.clone(), &[]);
    first.register_admin();
    drop(first);
    let second = TestServer::start_on(database, &[]);
    let mut conn = second.state.pool.get().unwrap();
    assert_eq!(
        vellum::db::migrate(&mut conn).unwrap(),
        Vec::<String>::new()
    );
    drop(conn);
    let token = second.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    assert_eq!(second.get("/admin/users/me", Some(&token)).status, 200);
    assert_eq!(
        second.get("/admin/init", None).body["data"]["hasAdmin"],
        true
    );
    let roles = second.get("/admin/roles", Some(&token));
    assert_eq!(
        roles.body["data"].as_array().unwrap().len(),
        3,
        "roles not duplicated"
    );
}

/// Runs `vellum` with only the given variables of ours set, in `dir`.
fn vellum(dir: &Path, args: &[&str], vars: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_vellum"));
    command.args(args).current_dir(dir).env("RUST_LOG", "error");
    for name in [
        "DATABASE_URL",
        "API_TOKEN_SALT",
        "ADMIN_JWT_SECRET",
        "VELLUM_ENV",
        "ENCRYPTION_KEY",
        "HOST",
        "PORT",
    ] {
        command.env_remove(name);
    }
    command.envs(vars.iter().copied());
    command.output().expect("run vellum")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn development_secrets_are_generated_once_and_reused() {
    let dir = tempfile::tempdir().unwrap();
    let first = vellum(dir.path(), &["migrate"], &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    let file = dir.path().join("data/secrets.env");
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(written.contains("API_TOKEN_SALT=") && written.contains("ADMIN_JWT_SECRET="));
    assert!(
        written
            .lines()
            .all(|line| line.split_once('=').unwrap().1.len() >= 64)
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    assert!(
        dir.path().join("data/vellum.db").exists(),
        "default database created"
    );
    let second = vellum(dir.path(), &["migrate"], &[]);
    assert!(second.status.success(), "{}", stderr(&second));
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        written,
        "secrets reused"
    );
    assert!(!stderr(&first).contains(written.lines().next().unwrap().split_once('=').unwrap().1));
}

#[test]
fn production_without_secrets_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let output = vellum(dir.path(), &["migrate"], &[("VELLUM_ENV", "production")]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("API_TOKEN_SALT"), "{message}");
    assert!(!dir.path().join("data/secrets.env").exists());

    let salt_only = vellum(
        dir.path(),
        &["migrate"],
        &[("VELLUM_ENV", "production"), ("API_TOKEN_SALT", "salt")],
    );
    assert!(!salt_only.status.success());
    assert!(
        stderr(&salt_only).contains("ADMIN_JWT_SECRET"),
        "{}",
        stderr(&salt_only)
    );
}

#[test]
fn bad_database_url_stops_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = [("API_TOKEN_SALT", "s"), ("ADMIN_JWT_SECRET", "j")];
    for (url, expected) in [
        (
            "mysql://root@127.0.0.1/db",
            "scheme `mysql` is not supported",
        ),
        (
            "postgres://postgres@127.0.0.1:1/test",
            "cannot connect to PostgreSQL",
        ),
        ("postgres://user:hunter2@127.0.0.1:1/test", "user:***@"),
    ] {
        let mut vars = secrets.to_vec();
        vars.push(("DATABASE_URL", url));
        let output = vellum(dir.path(), &["migrate"], &vars);
        assert!(!output.status.success(), "{url}");
        let message = stderr(&output);
        assert_eq!(message.trim_end().lines().count(), 1, "{message}");
        assert!(message.starts_with("error: "), "{message}");
        assert!(message.contains(expected), "{message}");
        assert!(
            !message.contains("hunter2") && !message.contains("panicked"),
            "{message}"
        );
    }
}

#[test]
fn help_lists_the_commands() {
    let dir = tempfile::tempdir().unwrap();
    let output = vellum(dir.path(), &["--help"], &[]);
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    for command in ["serve", "migrate", "admin"] {
        assert!(text.contains(command), "{text}");
    }
}

#[test]
fn serve_answers_on_the_configured_port() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vellum"))
        .current_dir(dir.path())
        .env("PORT", port.to_string())
        .env("RUST_LOG", "error")
        .env_remove("DATABASE_URL")
        .env_remove("VELLUM_ENV")
        .spawn()
        .unwrap();
    let agent = wait_healthy(&mut child, port);
    let answered = agent
        .get(&format!("http://127.0.0.1:{port}/_health"))
        .call();
    child.kill().unwrap();
    child.wait().unwrap();
    let mut response = answered.expect("server answered");
    let (status, body) = (
        response.status().as_u16(),
        response.body_mut().read_to_string().unwrap(),
    );
    assert_eq!(status, 200);
    assert_eq!(body, r#"{"status":"ok","database":"ok"}"#);
}
