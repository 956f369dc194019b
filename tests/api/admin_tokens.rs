//! `/admin/api-tokens` and `/admin/content-api/permissions`: Strapi's own API-token tests
//! (reference §6.1) and its must-have list (§8), with Strapi 5.54's observed behaviour first.

use crate::common::*;
use serde_json::{Value, json};

const ENCRYPTION_KEY: &str = "test-encryption-key";

/// A server with viewable tokens (as Strapi's tests configure it) and a super admin.
fn start() -> (TestServer, String) {
    let (server, admin) = start_signed_in(&[("ENCRYPTION_KEY", ENCRYPTION_KEY)]);
    // Strapi's tests start from an empty table; the two default tokens are tested on their own.
    for token in server.get("/admin/api-tokens", Some(&admin)).body["data"]
        .as_array()
        .unwrap()
    {
        let id = token["id"].as_i64().unwrap();
        server.call(
            "DELETE",
            &format!("/admin/api-tokens/{id}"),
            Some(&admin),
            None,
        );
    }
    (server, admin)
}

fn create(server: &TestServer, admin: &str, body: Value) -> Reply {
    server.post("/admin/api-tokens", Some(admin), &body)
}

fn valid(name: &str) -> Value {
    json!({"name": name, "description": "generic description", "type": "read-only"})
}

fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

fn without_access_key(value: &Value) -> Value {
    let mut value = value.clone();
    value.as_object_mut().unwrap().remove("accessKey");
    value
}

#[test]
fn create_token_without_type_is_read_only() {
    let (server, admin) = start();
    let reply = create(
        &server,
        &admin,
        json!({"name": "no type", "description": "d"}),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["data"]["type"], "read-only");
}

#[test]
fn create_token_invalid_type_is_400() {
    let (server, admin) = start();
    let reply = create(
        &server,
        &admin,
        json!({"name": "t", "type": "invalid-type"}),
    );
    let message = "type must be one of the following values: read-only, full-access, custom";
    assert_error(&reply, 400, "ValidationError", message);
    assert_eq!(
        reply.body["error"]["details"]["errors"][0],
        json!({"path": ["type"], "message": message, "name": "ValidationError", "value": "invalid-type"})
    );
}

#[test]
fn create_read_only_token_has_strapi_shape() {
    let (server, admin) = start();
    let reply = create(&server, &admin, valid("token_1"));
    assert_eq!(reply.status, 201, "{}", reply.body);
    let data = &reply.body["data"];
    // Strapi's keys in Strapi's order (issue 17.4); Vellum's limits only when set.
    let in_order: Vec<&str> = data
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        in_order,
        [
            "id",
            "kind",
            "name",
            "description",
            "lastUsedAt",
            "type",
            "lifespan",
            "expiresAt",
            "createdAt",
            "updatedAt",
            "permissions",
            "accessKey"
        ]
    );
    let listed = server.get("/admin/api-tokens", Some(&admin));
    for token in listed.body["data"].as_array().unwrap() {
        assert!(
            token.get("allowedIps").is_none() && token.get("rateLimit").is_none(),
            "{token}"
        );
        assert!(token.get("source").is_none() && token.get("accessKey").is_none());
    }
    assert_eq!(data["kind"], "content-api");
    assert_eq!(data["name"], "token_1");
    assert_eq!(data["description"], "generic description");
    assert_eq!(data["type"], "read-only");
    assert_eq!(data["permissions"], json!([]));
    assert_eq!(data["lastUsedAt"], Value::Null);
    assert_eq!(data["expiresAt"], Value::Null);
    assert_eq!(data["lifespan"], Value::Null);
    assert!(data["id"].is_number());
    assert!(data["createdAt"].as_str().unwrap().ends_with('Z'));
    let key = data["accessKey"].as_str().unwrap();
    assert!(key.starts_with("vct_") && key.len() == 53, "{key}");
    let other = create(&server, &admin, valid("token_2"));
    assert_ne!(other.body["data"]["accessKey"], data["accessKey"]);
}

#[test]
fn create_token_with_each_lifespan_sets_expiry() {
    let (server, admin) = start();
    for (i, lifespan) in [604_800_000i64, 2_592_000_000, 7_776_000_000]
        .into_iter()
        .enumerate()
    {
        let mut body = valid(&format!("lifespan {i}"));
        body["lifespan"] = json!(lifespan);
        let reply = create(&server, &admin, body);
        assert_eq!(reply.status, 201, "{}", reply.body);
        let data = &reply.body["data"];
        assert_eq!(
            data["lifespan"],
            lifespan.to_string(),
            "a string, as Strapi sends it"
        );
        let created =
            chrono::DateTime::parse_from_rfc3339(data["createdAt"].as_str().unwrap()).unwrap();
        let expires =
            chrono::DateTime::parse_from_rfc3339(data["expiresAt"].as_str().unwrap()).unwrap();
        assert_eq!((expires - created).num_milliseconds(), lifespan);
    }
    let mut unlimited = valid("null lifespan");
    unlimited["lifespan"] = Value::Null;
    let reply = create(&server, &admin, unlimited);
    assert_eq!(reply.body["data"]["expiresAt"], Value::Null);
    assert_eq!(reply.body["data"]["lifespan"], Value::Null);
}

#[test]
fn create_token_invalid_lifespan_is_400() {
    let (server, admin) = start();
    for lifespan in [json!(-1), json!(1000), json!("7d"), json!(604_800_000.5)] {
        let mut body = valid("bad lifespan");
        body["lifespan"] = lifespan.clone();
        let reply = create(&server, &admin, body);
        assert_error(
            &reply,
            400,
            "ValidationError",
            "lifespan must be one of the following values: , 604800000, 2592000000, 7776000000",
        );
    }
}

#[test]
fn create_non_custom_token_with_permissions_is_400() {
    let (server, admin) = start();
    let mut body = valid("t");
    body["permissions"] = json!(["api::article.article.find"]);
    let reply = create(&server, &admin, body);
    assert_error(
        &reply,
        400,
        "ValidationError",
        "Non-custom tokens should not reference permissions",
    );
    assert_eq!(reply.body["error"]["details"], json!({}));
    let empty = create(
        &server,
        &admin,
        json!({"name": "full", "type": "full-access", "permissions": []}),
    );
    assert_eq!(empty.status, 201);
    assert_eq!(empty.body["data"]["permissions"], json!([]));
}

#[test]
fn create_custom_token_checks_permissions() {
    let (server, admin) = start();
    let reply = create(
        &server,
        &admin,
        json!({"name": "custom", "type": "custom", "permissions": ["api::article.article.find", "api::gadget.gadget.create"]}),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(
        reply.body["data"]["permissions"],
        json!(["api::article.article.find", "api::gadget.gadget.create"])
    );
    let missing = create(
        &server,
        &admin,
        json!({"name": "custom 2", "type": "custom"}),
    );
    assert_error(
        &missing,
        400,
        "ValidationError",
        "Missing permissions attribute for custom token",
    );
    assert_eq!(missing.body["error"]["details"], json!({}));
    let unknown = create(
        &server,
        &admin,
        json!({"name": "custom 3", "type": "custom", "permissions": ["api::article.article.find", "api::nope.nope.find"]}),
    );
    assert_error(
        &unknown,
        400,
        "ValidationError",
        "Unknown permissions provided: api::nope.nope.find",
    );
}

#[test]
fn create_token_trims_name_and_description() {
    let (server, admin) = start();
    let reply = create(
        &server,
        &admin,
        json!({"name": "  spaced  ", "description": "  text  "}),
    );
    assert_eq!(reply.body["data"]["name"], "spaced");
    assert_eq!(reply.body["data"]["description"], "text");
    let bare = create(&server, &admin, json!({"name": "no description"}));
    assert_eq!(bare.body["data"]["description"], "");
    let blank = create(&server, &admin, json!({"name": "   "}));
    assert_error(&blank, 400, "ValidationError", "2 errors occurred");
    let missing = create(&server, &admin, json!({"type": "read-only"}));
    assert_error(&missing, 400, "ValidationError", "2 errors occurred");
}

#[test]
fn create_token_bad_fields_are_400_not_500() {
    let (server, admin) = start();
    let array_name = create(&server, &admin, json!({"name": ["a", "b"]}));
    assert_error(
        &array_name,
        400,
        "ValidationError",
        "name must be a `string` type",
    );
    let long = create(&server, &admin, json!({"name": "x".repeat(300)}));
    assert_error(
        &long,
        400,
        "ValidationError",
        "name must be at most 255 characters",
    );
    // An empty or missing name: Strapi's two errors, in its order, each with the value "".
    for body in [
        json!({"name": "", "type": "read-only"}),
        json!({"type": "read-only"}),
    ] {
        let reply = create(&server, &admin, body);
        assert_eq!(
            reply.body["error"],
            json!({"status": 400, "name": "ValidationError", "message": "2 errors occurred",
                   "details": {"errors": [
                       {"path": ["name"], "message": "name must be at least 1 characters",
                        "name": "ValidationError", "value": ""},
                       {"path": ["name"], "message": "name is a required field",
                        "name": "ValidationError", "value": ""}]}})
        );
    }
    let number_description = create(&server, &admin, json!({"name": "n", "description": 5}));
    assert_error(
        &number_description,
        400,
        "ValidationError",
        "description must be a `string` type",
    );
    let permissions = create(
        &server,
        &admin,
        json!({"name": "n", "type": "custom", "permissions": "all"}),
    );
    assert_eq!(permissions.status, 400);
    assert_eq!(create(&server, &admin, json!(["name"])).status, 400);
}

#[test]
fn create_token_duplicate_name_is_400() {
    let (server, admin) = start();
    assert_eq!(create(&server, &admin, valid("same")).status, 201);
    let reply = create(&server, &admin, valid("same"));
    assert_error(&reply, 400, "ApplicationError", "Name already taken");
}

#[test]
fn create_token_concurrently_with_one_name_stores_one() {
    let (server, admin) = start();
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..20)
            .map(|_| scope.spawn(|| create(&server, &admin, valid("race")).status))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 400).count(),
        19,
        "{statuses:?}"
    );
    let listed = server.get("/admin/api-tokens", Some(&admin));
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 1);
}

#[test]
fn list_tokens_sorted_by_name_without_access_key() {
    let (server, admin) = start();
    let mut created = vec![
        create(
            &server,
            &admin,
            json!({"name": "e custom", "type": "custom", "permissions": ["api::article.article.find"]}),
        ),
        create(
            &server,
            &admin,
            json!({"name": "b full", "type": "full-access"}),
        ),
        create(
            &server,
            &admin,
            json!({"name": "d read", "type": "read-only"}),
        ),
        create(
            &server,
            &admin,
            json!({"name": "a seven", "lifespan": 604_800_000}),
        ),
        create(&server, &admin, json!({"name": "c default"})),
    ];
    created.sort_by_key(|r| r.body["data"]["name"].as_str().unwrap().to_string());
    let reply = server.get("/admin/api-tokens", Some(&admin));
    assert_eq!(reply.status, 200);
    let listed = reply.body["data"].as_array().unwrap();
    assert_eq!(listed.len(), 5);
    for (entry, made) in listed.iter().zip(&created) {
        assert!(entry.get("accessKey").is_none());
        assert_eq!(*entry, without_access_key(&made.body["data"]));
    }
}

#[test]
fn delete_token_returns_it_then_null() {
    let (server, admin) = start();
    let made = create(&server, &admin, valid("doomed")).body["data"].clone();
    let id = made["id"].as_i64().unwrap();
    let reply = server.call(
        "DELETE",
        &format!("/admin/api-tokens/{id}"),
        Some(&admin),
        None,
    );
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["data"], without_access_key(&made));
    let again = server.call("DELETE", "/admin/api-tokens/42", Some(&admin), None);
    assert_eq!(again.status, 200);
    assert_eq!(again.body, json!({"data": null}));
    let key = made["accessKey"].as_str().unwrap();
    assert_error(
        &server.get("/api/articles", Some(key)),
        401,
        "UnauthorizedError",
        "Missing or invalid credentials",
    );
}

#[test]
fn get_token_includes_access_key_when_viewable() {
    let (server, admin) = start();
    let made = create(
        &server,
        &admin,
        json!({"name": "c", "type": "custom", "permissions": ["api::article.article.find"]}),
    );
    let id = made.body["data"]["id"].as_i64().unwrap();
    let reply = server.get(&format!("/admin/api-tokens/{id}"), Some(&admin));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["data"], made.body["data"]);
    // Strapi reads a token back with `type` after `updatedAt` (checked on the peer).
    let in_order: Vec<&String> = reply.body["data"].as_object().unwrap().keys().collect();
    assert_eq!(
        in_order,
        [
            "id",
            "kind",
            "name",
            "description",
            "lastUsedAt",
            "lifespan",
            "expiresAt",
            "createdAt",
            "updatedAt",
            "type",
            "permissions",
            "accessKey"
        ]
    );
    let missing = server.get("/admin/api-tokens/42", Some(&admin));
    assert_error(&missing, 404, "NotFoundError", "API Token not found");
    let not_a_number = server.get("/admin/api-tokens/abc", Some(&admin));
    assert_eq!(not_a_number.status, 400);
    let too_big = server.get("/admin/api-tokens/99999999999999999999", Some(&admin));
    assert_eq!(too_big.status, 400);
}

/// Issue 17.5: a development start generates ENCRYPTION_KEY beside the other secrets, so the
/// default tokens of a fresh install can be viewed (and copied) in the panel, as in Strapi.
#[test]
fn a_first_run_can_show_its_default_tokens() {
    let server = TestServer::start_with(&[("CONTENT_TYPES_DIR", &fixture("content-types"))]);
    let admin = server.register_admin();
    let listed = server.get("/admin/api-tokens", Some(&admin));
    let names: Vec<&str> = listed.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Full Access", "Read Only"], "{}", listed.body);
    for token in listed.body["data"].as_array().unwrap() {
        let shown = server.get(&format!("/admin/api-tokens/{}", token["id"]), Some(&admin));
        let key = shown.body["data"]["accessKey"]
            .as_str()
            .unwrap_or_else(|| panic!("{}", shown.body));
        assert_eq!(server.get("/api/articles", Some(key)).status, 200);
    }
    let secrets = std::fs::read_to_string(server.database.dir().join("secrets.env")).unwrap();
    assert!(secrets.contains("ENCRYPTION_KEY="), "{secrets}");
}

#[test]
fn get_token_without_encryption_key_has_no_access_key() {
    // In production ENCRYPTION_KEY is the operator's choice (development generates one).
    let server = TestServer::start_with(&[
        ("CONTENT_TYPES_DIR", &fixture("content-types")),
        ("VELLUM_ENV", "production"),
    ]);
    let admin = server.register_admin();
    let made = create(&server, &admin, valid("shown once"));
    assert!(
        made.body["data"]["accessKey"].is_string(),
        "shown on create"
    );
    let id = made.body["data"]["id"].as_i64().unwrap();
    let reply = server.get(&format!("/admin/api-tokens/{id}"), Some(&admin));
    assert_eq!(reply.status, 200);
    assert!(reply.body["data"].get("accessKey").is_none());
}

#[test]
fn update_token_changes_fields() {
    let (server, admin) = start();
    let made = create(
        &server,
        &admin,
        json!({"name": "c", "type": "custom", "permissions": ["api::article.article.find"]}),
    );
    let data = &made.body["data"];
    let id = data["id"].as_i64().unwrap();
    let path = format!("/admin/api-tokens/{id}");
    server.clock.advance(chrono::Duration::seconds(5));
    let reply = server.call(
        "PUT",
        &path,
        Some(&admin),
        Some(&json!({"name": "renamed", "description": "new", "type": "read-only"})),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let updated = &reply.body["data"];
    assert_eq!(updated["name"], "renamed");
    assert_eq!(updated["description"], "new");
    assert_eq!(updated["type"], "read-only");
    assert_eq!(
        updated["permissions"],
        json!([]),
        "a non-custom type clears permissions"
    );
    assert_eq!(updated["createdAt"], data["createdAt"]);
    assert_ne!(updated["updatedAt"], data["updatedAt"]);
    assert!(updated.get("accessKey").is_none());
    let partial = server.call(
        "PUT",
        &path,
        Some(&admin),
        Some(&json!({"description": "only this"})),
    );
    assert_eq!(partial.body["data"]["name"], "renamed");
    assert_eq!(partial.body["data"]["description"], "only this");
    let nulled = server.call(
        "PUT",
        &path,
        Some(&admin),
        Some(&json!({"description": null})),
    );
    assert_eq!(nulled.body["data"]["description"], "");
    let named = server.call(
        "PUT",
        &path,
        Some(&admin),
        Some(&json!({"name": "again", "description": "kept"})),
    );
    let name_only = server.call(
        "PUT",
        &path,
        Some(&admin),
        Some(&json!({"name": "again 2"})),
    );
    assert_eq!(named.body["data"]["description"], "kept");
    assert_eq!(name_only.body["data"]["description"], "kept");
}

#[test]
fn update_token_refusals() {
    let (server, admin) = start();
    let id = create(&server, &admin, valid("one")).body["data"]["id"]
        .as_i64()
        .unwrap();
    create(&server, &admin, valid("two"));
    let put = |path: &str, body: Value| server.call("PUT", path, Some(&admin), Some(&body));
    let path = format!("/admin/api-tokens/{id}");
    let missing = put("/admin/api-tokens/4242", json!({"name": "x"}));
    assert_error(&missing, 404, "NotFoundError", "API Token not found");
    let invalid_type = put("/admin/api-tokens/4242", json!({"type": "invalid-type"}));
    assert_eq!(invalid_type.status, 400, "validated before existence");
    assert_eq!(
        invalid_type.body["error"]["details"]["errors"][0]["path"],
        json!(["type"])
    );
    let lifespan = put(&path, json!({"lifespan": 604_800_000}));
    assert_error(
        &lifespan,
        400,
        "ValidationError",
        "this field has unspecified keys: lifespan",
    );
    let taken = put(&path, json!({"name": "two"}));
    assert_error(&taken, 400, "ApplicationError", "Name already taken");
    let custom = put(&path, json!({"type": "custom"}));
    assert_error(
        &custom,
        400,
        "ValidationError",
        "Missing permissions attribute for custom token",
    );
    let unknown = put(
        &path,
        json!({"type": "custom", "permissions": ["api::x.x.find"]}),
    );
    assert_error(
        &unknown,
        400,
        "ValidationError",
        "Unknown permissions provided: api::x.x.find",
    );
    let not_a_number = put("/admin/api-tokens/x1", json!({"name": "x"}));
    assert_eq!(not_a_number.status, 400);
}

#[test]
fn regenerate_token_replaces_the_secret() {
    let (server, admin) = start();
    let mut body = valid("rotating");
    body["lifespan"] = json!(604_800_000);
    let made = create(&server, &admin, body).body["data"].clone();
    let id = made["id"].as_i64().unwrap();
    let old = made["accessKey"].as_str().unwrap();
    assert_eq!(server.get("/api/articles", Some(old)).status, 200);
    let reply = server.post(
        &format!("/admin/api-tokens/{id}/regenerate"),
        Some(&admin),
        &json!({}),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(keys(&reply.body["data"]), ["accessKey", "id", "kind"]);
    let new = reply.body["data"]["accessKey"].as_str().unwrap();
    assert_ne!(new, old);
    assert_eq!(
        server.get("/api/articles", Some(old)).status,
        401,
        "old secret refused at once"
    );
    assert_eq!(server.get("/api/articles", Some(new)).status, 200);
    let after = server.get(&format!("/admin/api-tokens/{id}"), Some(&admin));
    assert_eq!(
        after.body["data"]["expiresAt"], made["expiresAt"],
        "expiry unchanged"
    );
    assert_eq!(after.body["data"]["accessKey"], new);
    let missing = server.post(
        "/admin/api-tokens/999999/regenerate",
        Some(&admin),
        &json!({}),
    );
    assert_error(&missing, 404, "NotFoundError", "API Token not found");
}

#[test]
fn stored_token_is_hash_and_ciphertext_only() {
    use diesel::prelude::*;
    let (server, admin) = start();
    let made = create(&server, &admin, valid("stored")).body["data"].clone();
    let key = made["accessKey"].as_str().unwrap().to_string();
    #[derive(QueryableByName)]
    struct Stored {
        #[diesel(sql_type = diesel::sql_types::Text)]
        access_key_hash: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        encrypted_key: String,
    }
    let mut conn = server.state.pool.get().unwrap();
    let rows: Vec<Stored> =
        diesel::sql_query("SELECT access_key_hash, encrypted_key FROM api_tokens")
            .load(&mut *conn)
            .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].access_key_hash.len(), 128);
    assert!(rows[0].encrypted_key.starts_with("v1:"));
    assert!(
        !rows[0].encrypted_key.contains(&key[4..]) && !rows[0].access_key_hash.contains(&key[4..])
    );
    let viewed = server.get(&format!("/admin/api-tokens/{}", made["id"]), Some(&admin));
    assert_eq!(viewed.body["data"]["accessKey"], key.as_str());
}

#[test]
fn token_routes_need_a_session_and_the_action() {
    let (server, admin) = start();
    let token = server.token(&admin, "full-access", &[]);
    for (method, path) in [
        ("GET", "/admin/api-tokens"),
        ("POST", "/admin/api-tokens"),
        ("GET", "/admin/api-tokens/1"),
        ("PUT", "/admin/api-tokens/1"),
        ("DELETE", "/admin/api-tokens/1"),
        ("POST", "/admin/api-tokens/1/regenerate"),
        ("GET", "/admin/content-api/permissions"),
    ] {
        let body = json!({"name": "x"});
        let anonymous = server.call(method, path, None, Some(&body));
        assert_error(
            &anonymous,
            401,
            "UnauthorizedError",
            "Missing or invalid credentials",
        );
        let with_token = server.call(method, path, Some(&token), Some(&body));
        assert_error(
            &with_token,
            401,
            "UnauthorizedError",
            "Missing or invalid credentials",
        );
    }
    let editor = create_admin_with_cli(&server, "ed@example.com", "editor");
    assert_error(
        &server.get("/admin/api-tokens", Some(&editor)),
        403,
        "ForbiddenError",
        "Forbidden",
    );
    assert_error(
        &create(&server, &editor, valid("nope")),
        403,
        "ForbiddenError",
        "Forbidden",
    );
}

#[test]
fn permissions_catalogue_lists_each_type() {
    let (server, admin) = start();
    let reply = server.get("/admin/content-api/permissions", Some(&admin));
    assert_eq!(reply.status, 200);
    let actions = json!(["find", "findOne", "create", "update", "delete"]);
    assert_eq!(
        reply.body["data"]["api::article"],
        json!({"controllers": {"article": actions}})
    );
    assert_eq!(
        reply.body["data"]["api::homepage"]["controllers"]["homepage"],
        actions
    );
}

#[test]
fn default_tokens_exist_on_a_fresh_install_only() {
    let database = TestDatabase::fresh();
    let server = TestServer::start_on(database.clone(), &[]);
    let admin = server.register_admin();
    let listed = server.get("/admin/api-tokens", Some(&admin));
    let shown: Vec<(String, String)> = listed.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().into(),
                t["type"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("Full Access".to_string(), "full-access".to_string()),
            ("Read Only".into(), "read-only".into())
        ]
    );
    for token in listed.body["data"].as_array().unwrap() {
        server.call(
            "DELETE",
            &format!("/admin/api-tokens/{}", token["id"]),
            Some(&admin),
            None,
        );
    }
    drop(server);
    // An admin exists now: a restart creates no token.
    let restarted = TestServer::start_on(database, &[]);
    let admin = restarted.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    assert_eq!(
        restarted.get("/admin/api-tokens", Some(&admin)).body["data"],
        json!([])
    );
}

#[test]
fn create_token_with_explicit_expiry() {
    let (server, admin) = start();
    let at = (chrono::Utc::now() + chrono::Duration::days(3))
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string();
    let reply = create(&server, &admin, json!({"name": "dated", "expiresAt": at}));
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["data"]["expiresAt"], at.as_str());
    assert_eq!(reply.body["data"]["lifespan"], Value::Null);
    let past = create(
        &server,
        &admin,
        json!({"name": "past", "expiresAt": "2020-01-01T00:00:00Z"}),
    );
    assert_error(
        &past,
        400,
        "ValidationError",
        "expiresAt must be a date-time in the future",
    );
    let both = create(
        &server,
        &admin,
        json!({"name": "both", "expiresAt": at, "lifespan": 604_800_000}),
    );
    assert_error(
        &both,
        400,
        "ValidationError",
        "use either lifespan or expiresAt, not both",
    );
}

#[test]
fn revoke_token_expires_it_and_keeps_the_row() {
    let (server, admin) = start();
    let made = create(&server, &admin, valid("to revoke")).body["data"].clone();
    let (id, key) = (
        made["id"].as_i64().unwrap(),
        made["accessKey"].as_str().unwrap().to_string(),
    );
    assert_eq!(server.get("/api/articles", Some(&key)).status, 200);
    let reply = server.post(
        &format!("/admin/api-tokens/{id}/revoke"),
        Some(&admin),
        &json!({}),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body["data"]["expiresAt"].is_string());
    assert_error(
        &server.get("/api/articles", Some(&key)),
        401,
        "UnauthorizedError",
        "Token expired",
    );
    assert_eq!(
        server
            .get(&format!("/admin/api-tokens/{id}"), Some(&admin))
            .status,
        200,
        "row kept"
    );
    let again = server.post(
        &format!("/admin/api-tokens/{id}/revoke"),
        Some(&admin),
        &json!({}),
    );
    assert_error(
        &again,
        400,
        "ValidationError",
        "The expiry of an expired or revoked token cannot be changed",
    );
    let later = (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339();
    let extend = server.call(
        "PUT",
        &format!("/admin/api-tokens/{id}"),
        Some(&admin),
        Some(&json!({"expiresAt": later})),
    );
    assert_error(
        &extend,
        400,
        "ValidationError",
        "The expiry of an expired or revoked token cannot be changed",
    );
    let missing = server.post("/admin/api-tokens/4242/revoke", Some(&admin), &json!({}));
    assert_error(&missing, 404, "NotFoundError", "API Token not found");
}

#[test]
fn update_token_expiry_while_active() {
    let (server, admin) = start();
    let made = create(&server, &admin, valid("active")).body["data"].clone();
    let id = made["id"].as_i64().unwrap();
    let at = (chrono::Utc::now() + chrono::Duration::days(1))
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string();
    let reply = server.call(
        "PUT",
        &format!("/admin/api-tokens/{id}"),
        Some(&admin),
        Some(&json!({"expiresAt": at})),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["data"]["expiresAt"], at.as_str());
    let never = server.call(
        "PUT",
        &format!("/admin/api-tokens/{id}"),
        Some(&admin),
        Some(&json!({"expiresAt": null})),
    );
    assert_eq!(never.body["data"]["expiresAt"], Value::Null);
}

#[test]
fn list_tokens_expiring_within() {
    let (server, admin) = start();
    create(
        &server,
        &admin,
        json!({"name": "week", "lifespan": 604_800_000}),
    );
    create(
        &server,
        &admin,
        json!({"name": "month", "lifespan": 2_592_000_000i64}),
    );
    create(&server, &admin, json!({"name": "forever"}));
    let names = |query: &str| -> Vec<String> {
        server
            .get(&format!("/admin/api-tokens{query}"), Some(&admin))
            .body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names("?expiringWithin=8d"), ["week"]);
    assert_eq!(names("?expiringWithin=31d"), ["month", "week"]);
    assert_eq!(names("?expiringWithin=1h"), Vec::<String>::new());
    server.clock.advance(chrono::Duration::days(8));
    assert_eq!(
        names("?expiringWithin=31d"),
        ["month"],
        "expired ones are no longer expiring"
    );
    assert_eq!(names("").len(), 3);
    let bad = server.get("/admin/api-tokens?expiringWithin=soon", Some(&admin));
    assert_error(
        &bad,
        400,
        "ValidationError",
        "expiringWithin must be a duration such as 7d or 12h",
    );
}

/// Issue 16.8: a regenerate body that cannot be read (truncated JSON, too large, not JSON) is
/// refused, and the old secret keeps working: it is never taken for "no grace period".
#[test]
fn unreadable_regenerate_bodies_are_refused_and_kill_nothing() {
    let (server, admin) = start();
    let data = server.create_token(&admin, json!({"name": "kept", "type": "read-only"}));
    let (id, secret) = (
        data["id"].clone(),
        data["accessKey"].as_str().unwrap().to_string(),
    );
    let path = format!("/admin/api-tokens/{id}/regenerate");
    let bearer = format!("Bearer {admin}");
    let json_type = ("content-type", "application/json");
    let auth = ("authorization", bearer.as_str());
    let huge = format!(
        "{{\"gracePeriod\": 60, \"pad\": \"{}\"}}",
        "x".repeat(2 << 20)
    );
    for (headers, body, status) in [
        (vec![auth, json_type], b"{\"gracePeriod\": 6".to_vec(), 400),
        (vec![auth, json_type], huge.into_bytes(), 413),
        (
            vec![auth, ("content-type", "text/plain")],
            b"{\"gracePeriod\": 60}".to_vec(),
            400,
        ),
    ] {
        let reply = server.raw("POST", &path, &headers, body);
        assert_eq!(reply.status, status, "{}", reply.text);
        assert_eq!(reply.body["data"], Value::Null, "{}", reply.text);
        assert_eq!(server.get("/api/articles", Some(&secret)).status, 200);
    }
    // An empty body is no grace period, as before.
    let renewed = server.raw("POST", &path, &[auth], Vec::new());
    assert_eq!(renewed.status, 201, "{}", renewed.text);
    assert_eq!(server.get("/api/articles", Some(&secret)).status, 401);
}
