//! The README's examples, run as written against a real server, so that none can drift: every
//! `curl` line (in order, on one fresh server that serves the shipped content types with the
//! README's `ACCESS_TOKENS_FILE` example), the command-line token example, and the TOML form of
//! the configured tokens. `localhost:1337` becomes the test server's address, `$TOKEN` a
//! full-access token (the first one made, id 3, as the examples assume), `$ADMIN_JWT` the
//! session of the admin the first example registers, and `vat_…` the admin token the example
//! before it made. Not run here: `cargo`, `bench/` and fuzzing commands (CI runs those itself),
//! and the `vellum` usage synopsis.

use crate::common::*;
use serde_json::{Value, json};
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The README's indented blocks, each as its lines (without the indent).
fn blocks() -> Vec<Vec<String>> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let mut blocks = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut after_blank = true;
    for line in readme.lines() {
        if let Some(code) = line.strip_prefix("    ")
            && (after_blank || !current.is_empty())
        {
            current.push(code.to_string());
        } else if !line.trim().is_empty() && !current.is_empty() {
            blocks.push(std::mem::take(&mut current));
        }
        after_blank = line.trim().is_empty();
    }
    if !current.is_empty() {
        blocks.push(current);
    }
    blocks
}

/// A block's commands: continuation lines joined, trailing comments dropped.
fn commands(block: &[String]) -> Vec<String> {
    let mut commands = Vec::new();
    let mut pending = String::new();
    for line in block {
        let line = line.trim_end();
        if let Some(head) = line.strip_suffix('\\') {
            pending.push_str(head);
            continue;
        }
        pending.push_str(line);
        // A comment after the command (`… # old secret works 1 more hour`).
        let command = match pending.find("  #") {
            Some(at) => pending[..at].trim_end().to_string(),
            None => pending.trim().to_string(),
        };
        if !command.is_empty() {
            commands.push(command);
        }
        pending.clear();
    }
    commands
}

/// Runs a `curl` example; its status must be a success. The body, as JSON.
fn curl(command: &str) -> Value {
    let output = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!("{command} -sS -w '\\n%{{http_code}}'"))
        .output()
        .expect("run curl");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let (body, status) = text.rsplit_once('\n').unwrap_or(("", &text));
    assert!(
        output.status.success() && status.starts_with('2'),
        "{command}\n→ {status}: {body}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(body).unwrap_or(Value::Null)
}

#[test]
fn every_readme_example_runs_as_written() {
    let blocks = blocks();
    let example = |first: &str| {
        blocks
            .iter()
            .find(|block| block[0].trim_start().starts_with(first))
            .unwrap_or_else(|| panic!("the README has an example starting with {first}"))
            .join("\n")
    };
    let dir = tempfile::tempdir().unwrap();
    let tokens_file = dir.path().join("tokens.json");
    std::fs::write(&tokens_file, example("[{\"subject\"")).unwrap();
    let shipped = root().join("content-types");
    let server = TestServer::start_with(&[
        ("ACCESS_TOKENS_FILE", tokens_file.to_str().unwrap()),
        ("CONTENT_TYPES_DIR", shipped.to_str().unwrap()),
    ]);
    let address = server.url.trim_start_matches("http://").to_string();
    let mut admin_jwt = String::new();
    let mut token = String::new();
    let mut admin_token = String::new();
    let mut ran = 0;
    for block in &blocks {
        let first = block[0].trim_start();
        if first.starts_with("curl") {
            for command in commands(block) {
                let command = command
                    .replace("localhost:1337", &address)
                    .replace("$TOKEN", &token)
                    .replace("$ADMIN_JWT", &admin_jwt)
                    .replace("vat_…", &admin_token);
                let body = curl(&command);
                ran += 1;
                if command.contains("/admin/register-admin") {
                    // The examples that follow act as this admin, with a token of their own.
                    admin_jwt = body["data"]["token"].as_str().unwrap().to_string();
                    let made = server.post(
                        "/admin/api-tokens",
                        Some(&admin_jwt),
                        &json!({"name": "readme", "type": "full-access"}),
                    );
                    assert_eq!(made.body["data"]["id"], 3, "{}", made.body);
                    token = made.body["data"]["accessKey"].as_str().unwrap().to_string();
                }
                if let Some(key) = body["data"]["accessKey"].as_str()
                    && key.starts_with("vat_")
                {
                    admin_token = key.to_string();
                }
            }
        } else if first.starts_with("vellum token create") {
            for command in commands(block) {
                let args: Vec<&str> = command.split_whitespace().skip(1).collect();
                let output = std::process::Command::new(env!("CARGO_BIN_EXE_vellum"))
                    .args(&args)
                    .envs(server.database.env())
                    .env("CONTENT_TYPES_DIR", &shipped)
                    .env("RUST_LOG", "error")
                    .output()
                    .expect("run vellum");
                assert!(
                    output.status.success(),
                    "{command}: {}",
                    String::from_utf8_lossy(&output.stderr)
                );
                ran += 1;
            }
        }
    }
    // Every example ran (a README without them would pass on nothing).
    assert!(ran >= 14, "{ran} examples ran");
    assert!(!admin_token.is_empty(), "the admin token example ran");

    // The TOML form of the configured tokens, as written.
    let toml_file = dir.path().join("tokens.toml");
    std::fs::write(&toml_file, example("[[tokens]]")).unwrap();
    let from_toml = TestServer::start_with(&[
        ("ACCESS_TOKENS_FILE", toml_file.to_str().unwrap()),
        ("CONTENT_TYPES_DIR", shipped.to_str().unwrap()),
    ]);
    assert_eq!(
        from_toml
            .get("/api/articles", Some("a-long-random-secret"))
            .status,
        200
    );
}
