//! `/admin/content-types`: reading, creating and changing content types without a restart.

use crate::common::*;
use serde_json::{Value, json};

fn author_schema() -> Value {
    json!({
        "kind": "collectionType",
        "info": {"singularName": "author", "pluralName": "authors", "displayName": "Author"},
        "options": {"draftAndPublish": false},
        "attributes": {"name": {"type": "string", "required": true}}
    })
}

#[test]
fn list_shows_loaded_types() {
    let dir = copied_types();
    let server = TestServer::start_with(&[("CONTENT_TYPES_DIR", dir.path().to_str().unwrap())]);
    let token = server.register_admin();
    let reply = server.get("/admin/content-types", Some(&token));
    assert_eq!(reply.status, 200);
    let uids: Vec<&str> = reply.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["uid"].as_str().unwrap())
        .collect();
    assert_eq!(
        uids,
        [
            "api::article.article",
            "api::gadget.gadget",
            "api::homepage.homepage"
        ]
    );
    assert_eq!(
        reply.body["data"][0]["schema"]["info"]["pluralName"],
        "articles"
    );
    assert_eq!(server.get("/admin/content-types", None).status, 401);
}

#[test]
fn create_type_is_served_at_once_and_written_to_disk() {
    let dir = copied_types();
    let path = dir.path().to_str().unwrap().to_string();
    let database = TestDatabase::fresh();
    let server = TestServer::start_on(database.clone(), &[("CONTENT_TYPES_DIR", &path)]);
    let token = server.register_admin();
    let api = server.token(&token, "full-access", &[]);
    assert_eq!(server.get("/api/authors", Some(&api)).status, 404);
    let reply = server.post(
        "/admin/content-types",
        Some(&token),
        &json!({"data": author_schema()}),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["data"]["uid"], "api::author.author");
    let created = server.post(
        "/api/authors",
        Some(&api),
        &json!({"data": {"name": "Ada"}}),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("author.json")).unwrap())
            .unwrap();
    assert_eq!(written, author_schema());
    let again = server.post(
        "/admin/content-types",
        Some(&token),
        &json!({"data": author_schema()}),
    );
    assert_error(
        &again,
        400,
        "ApplicationError",
        "The content type api::author.author already exists",
    );
    drop(server);
    // The written file is what the next start serves.
    let restarted = TestServer::start_on(database, &[("CONTENT_TYPES_DIR", &path)]);
    let found = restarted.get("/api/authors", Some(&api));
    assert_eq!(found.body["data"][0]["name"], "Ada");
}

#[test]
fn update_type_adds_attribute_live_and_keeps_data() {
    let dir = copied_types();
    let server = TestServer::start_with(&[("CONTENT_TYPES_DIR", dir.path().to_str().unwrap())]);
    let token = server.register_admin();
    server.post(
        "/admin/content-types",
        Some(&token),
        &json!({"data": author_schema()}),
    );
    let api = server.token(&token, "full-access", &[]);
    let ada = server.post(
        "/api/authors",
        Some(&api),
        &json!({"data": {"name": "Ada"}}),
    );
    let mut changed = author_schema();
    changed["attributes"]["born"] = json!({"type": "integer"});
    let reply = server.call(
        "PUT",
        "/admin/content-types/api::author.author",
        Some(&token),
        Some(&json!({"data": changed})),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let document = ada.body["data"]["documentId"].as_str().unwrap();
    let updated = server.call(
        "PUT",
        &format!("/api/authors/{document}"),
        Some(&api),
        Some(&json!({"data": {"born": 1815}})),
    );
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(updated.body["data"]["name"], "Ada");
    assert_eq!(updated.body["data"]["born"], 1815);
}

#[test]
fn update_type_refuses_bad_changes() {
    let dir = copied_types();
    let server = TestServer::start_with(&[("CONTENT_TYPES_DIR", dir.path().to_str().unwrap())]);
    let token = server.register_admin();
    let put = |uid: &str, schema: Value| {
        server.call(
            "PUT",
            &format!("/admin/content-types/{uid}"),
            Some(&token),
            Some(&json!({"data": schema})),
        )
    };
    let article: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("article.json")).unwrap())
            .unwrap();
    let mut retyped = article.clone();
    retyped["attributes"]["views"] = json!({"type": "boolean"});
    let reply = put("api::article.article", retyped);
    assert_eq!(reply.status, 400);
    assert!(
        reply.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("changed from integer to boolean")
    );
    let mut unknown = article.clone();
    unknown["attributes"]["views"] = json!({"type": "counter"});
    let reply = put("api::article.article", unknown);
    assert_error(&reply, 400, "ValidationError", "unknown type `counter`");
    assert_eq!(
        reply.body["error"]["details"]["errors"][0]["path"],
        json!(["attributes", "views", "type"])
    );
    let reply = put("api::nothing.nothing", article.clone());
    assert_error(&reply, 404, "NotFoundError", "Not Found");
    let reply = put("api::gadget.gadget", article);
    assert_error(
        &reply,
        400,
        "ValidationError",
        "The uid and kind of a content type cannot change",
    );
    // Nothing was applied: views is still an integer.
    let api = server.token(&token, "full-access", &[]);
    let created = server.post(
        "/api/articles",
        Some(&api),
        &json!({"data": {"title": "t", "views": 2}}),
    );
    assert_eq!(created.status, 201, "{}", created.body);
}

#[test]
fn editor_may_read_but_not_change_types() {
    let dir = copied_types();
    let server = TestServer::start_with(&[("CONTENT_TYPES_DIR", dir.path().to_str().unwrap())]);
    server.register_admin();
    let editor = create_admin_with_cli(&server, "ed@example.com", "editor");
    assert_eq!(
        server.get("/admin/content-types", Some(&editor)).status,
        200
    );
    let reply = server.post(
        "/admin/content-types",
        Some(&editor),
        &json!({"data": author_schema()}),
    );
    assert_error(&reply, 403, "ForbiddenError", "Forbidden");
    assert!(!dir.path().join("author.json").exists());
}

fn unique_schema(singular: &str, plural: &str, table: &str, attribute: &str) -> Value {
    json!({
        "kind": "collectionType",
        "collectionName": table,
        "info": {"singularName": singular, "pluralName": plural},
        "options": {"draftAndPublish": false},
        "attributes": {attribute: {"type": "string", "unique": true, "index": true}}
    })
}

/// 40 concurrent creates of one value; how many were stored.
fn stored_of_one_value(server: &TestServer, api: &str, plural: &str, attribute: &str) -> usize {
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let creates: Vec<_> = (0..40)
            .map(|_| {
                scope.spawn(|| {
                    server
                        .post(
                            &format!("/api/{plural}"),
                            Some(api),
                            &json!({"data": {attribute: "same"}}),
                        )
                        .status
                })
            })
            .collect();
        creates.into_iter().map(|c| c.join().unwrap()).collect()
    });
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 400),
        "{statuses:?}"
    );
    let listed = server.get(&format!("/api/{plural}"), Some(api));
    listed.body["meta"]["pagination"]["total"].as_u64().unwrap() as usize
}

/// Issue 16.5: index names are unique by construction and within PostgreSQL's 63 bytes, so no
/// unique constraint goes missing: not for `foo.barBaz` beside `foo_bar.baz`, not for names
/// that PostgreSQL would cut; and an index under the old names is replaced at start.
#[test]
fn unique_constraints_hold_whatever_the_names() {
    let dir = copied_types();
    let path = dir.path().to_str().unwrap().to_string();
    let database = TestDatabase::fresh();
    let server = TestServer::start_on(database.clone(), &[("CONTENT_TYPES_DIR", &path)]);
    let admin = server.register_admin();
    let api = server.token(&admin, "full-access", &[]);
    let long_table = format!("l{}", "x".repeat(49));
    let long_attribute = format!("a{}", "b".repeat(59));
    let types = [
        ("foo", "foos", "foo".to_string(), "barBaz".to_string()),
        (
            "foo-bar",
            "foo-bars",
            "foo_bar".to_string(),
            "baz".to_string(),
        ),
        ("long", "longs", long_table, long_attribute),
    ];
    for (singular, plural, table, attribute) in &types {
        let reply = server.post(
            "/admin/content-types",
            Some(&admin),
            &json!({"data": unique_schema(singular, plural, table, attribute)}),
        );
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
    for (_, plural, _, attribute) in &types {
        assert_eq!(
            stored_of_one_value(&server, &api, plural, attribute),
            1,
            "{plural}"
        );
    }
    drop(server);
    // A database from before: the unique index of `foo` under its old name, and none of ours.
    let pool = vellum::db::connect(&database.url, 1).unwrap();
    let mut conn = pool.get().unwrap();
    use diesel::connection::SimpleConnection;
    use vellum::content::storage::{IndexKind, index_name};
    let ours = index_name("foo", "bar_baz", IndexKind::Unique);
    conn.batch_execute(&format!(
        "DROP INDEX \"{ours}\"; CREATE UNIQUE INDEX \"foo_bar_baz_unique\" ON \"foo\" (\"bar_baz\")"
    ))
    .unwrap();
    drop(conn);
    drop(pool);
    let server = TestServer::start_on(database.clone(), &[("CONTENT_TYPES_DIR", &path)]);
    let admin = server.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    let api = server.token(&admin, "full-access", &[]);
    let duplicate = server.post(
        "/api/foos",
        Some(&api),
        &json!({"data": {"barBaz": "same"}}),
    );
    assert_eq!(duplicate.status, 400, "{}", duplicate.body);
    let pool = vellum::db::connect(&database.url, 1).unwrap();
    let mut conn = pool.get().unwrap();
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    use diesel::RunQueryDsl;
    let catalog = if database.is_postgres() {
        "SELECT count(*) AS n FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'foo_bar_baz_unique'"
    } else {
        "SELECT count(*) AS n FROM sqlite_master WHERE name = 'foo_bar_baz_unique'"
    };
    let left = diesel::sql_query(catalog)
        .get_result::<Count>(&mut conn)
        .unwrap();
    assert_eq!(left.n, 0, "the index under its old name is dropped");
}

/// Issue 16.14: names that are Vellum's or the database's are refused by a rule, naming the
/// collectionName, never with the database's own words.
#[test]
fn reserved_and_taken_table_names_are_refused_by_a_rule() {
    let dir = copied_types();
    let server = TestServer::start_with(&[("CONTENT_TYPES_DIR", dir.path().to_str().unwrap())]);
    let admin = server.register_admin();
    let mut names = vec![
        "audit_logs",
        "sqlite_master",
        "sqlite_sequence",
        "vx_articles",
        "pg_x",
    ];
    if server.database.is_postgres() {
        names.extend(["articles_pkey", "articles_id_seq"]);
    }
    for (n, table) in names.into_iter().enumerate() {
        let reply = server.post(
            "/admin/content-types",
            Some(&admin),
            &json!({"data": unique_schema(&format!("t{n}"), &format!("t{n}s"), table, "name")}),
        );
        assert_eq!(reply.status, 400, "{table}: {}", reply.body);
        assert_eq!(
            reply.body["error"]["name"], "ValidationError",
            "{}",
            reply.body
        );
        let message = reply.body["error"]["message"].as_str().unwrap();
        assert!(message.contains(table), "{message}");
        assert!(
            !message.contains("already exists") && !message.contains("relation"),
            "{message}"
        );
    }
}
