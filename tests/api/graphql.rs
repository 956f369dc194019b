//! `/graphql` over real HTTP: each query and mutation, the same answers as REST for the same
//! filters, each token type's allowed and refused operations, the limits, and a content type
//! added through the Admin API showing in the schema without a restart.

use crate::common::*;
use serde_json::{Value, json};

struct Gql {
    server: TestServer,
    admin: String,
    full: String,
    _dir: tempfile::TempDir,
}

impl Gql {
    fn start_with(vars: &[(&str, &str)]) -> Gql {
        let dir = copied_types();
        let mut all = vec![("CONTENT_TYPES_DIR", dir.path().to_str().unwrap())];
        all.extend_from_slice(vars);
        let server = TestServer::start_with(&all);
        let admin = server.register_admin();
        let full = server.token(&admin, "full-access", &[]);
        Gql {
            server,
            admin,
            full,
            _dir: dir,
        }
    }

    fn start() -> Gql {
        Self::start_with(&[])
    }

    /// Runs `query` with `variables` as `token`.
    fn run(&self, token: &str, query: &str, variables: Value) -> Reply {
        self.server.post(
            "/graphql",
            Some(token),
            &json!({"query": query, "variables": variables}),
        )
    }

    /// Runs `query` as the full-access token, expecting no error; its `data`.
    fn data(&self, query: &str, variables: Value) -> Value {
        let reply = self.run(&self.full, query, variables);
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert!(reply.body.get("errors").is_none(), "{}", reply.body);
        reply.body["data"].clone()
    }

    fn rest(&self, path: &str, query: &str) -> Value {
        let url = format!("{path}?{}", encode_query(query));
        let reply = self.server.get(&url, Some(&self.full));
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.body
    }
}

fn error_code(reply: &Reply) -> String {
    reply.body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

const CREATE: &str = "mutation($data: ArticleInput!) { createArticle(data: $data) { documentId title views publishedAt } }";

#[test]
fn queries_and_mutations_of_a_collection() {
    let gql = Gql::start();
    let created = gql.data(
        CREATE,
        json!({"data": {"title": "First", "slug": "first", "views": 3, "published": "2026-01-02"}}),
    );
    let article = &created["createArticle"];
    assert_eq!(article["title"], "First");
    assert_eq!(article["views"], 3);
    assert!(article["publishedAt"].is_string());
    let id = article["documentId"].as_str().unwrap().to_string();
    for (title, views) in [("Second", 10), ("Third", 7)] {
        gql.data(CREATE, json!({"data": {"title": title, "views": views}}));
    }
    // findOne
    let one = gql.data(
        "query($id: ID!) { article(documentId: $id) { documentId title views published } }",
        json!({"id": id}),
    );
    assert_eq!(
        one["article"],
        json!({"documentId": id, "title": "First", "views": 3, "published": "2026-01-02"})
    );
    let missing = gql.data("{ article(documentId: \"nope\") { title } }", json!({}));
    assert_eq!(missing["article"], Value::Null);
    // find, with filters, sort and pagination
    let found = gql.data(
        "{ articles(filters: {views: {gte: 5}}, sort: [\"views:desc\"]) { title views } }",
        json!({}),
    );
    assert_eq!(
        found["articles"],
        json!([{"title": "Second", "views": 10}, {"title": "Third", "views": 7}])
    );
    let page = gql.data(
        "{ articles_connection(sort: [\"title:asc\"], pagination: {page: 2, pageSize: 2}) { nodes { title } pageInfo { page pageSize pageCount total } } }",
        json!({}),
    );
    assert_eq!(
        page["articles_connection"],
        json!({"nodes": [{"title": "Third"}], "pageInfo": {"page": 2, "pageSize": 2, "pageCount": 2, "total": 3}})
    );
    // update and delete
    let updated = gql.data(
        "mutation($id: ID!) { updateArticle(documentId: $id, data: {views: 4}) { title views } }",
        json!({"id": id}),
    );
    assert_eq!(
        updated["updateArticle"],
        json!({"title": "First", "views": 4})
    );
    let deleted = gql.data(
        "mutation($id: ID!) { deleteArticle(documentId: $id) { documentId } }",
        json!({"id": id}),
    );
    assert_eq!(deleted["deleteArticle"]["documentId"], id.as_str());
    assert_eq!(
        gql.data(
            "query($id: ID!) { article(documentId: $id) { title } }",
            json!({"id": id})
        )["article"],
        Value::Null
    );
    // Drafts: created as a draft, invisible to the published list, visible with status.
    gql.data(
        "mutation { createArticle(data: {title: \"Draft\"}, status: DRAFT) { documentId } }",
        json!({}),
    );
    let published = gql.data("{ articles { title } }", json!({}));
    assert_eq!(published["articles"].as_array().unwrap().len(), 2);
    let drafts = gql.data(
        "{ articles(status: DRAFT, filters: {title: {eq: \"Draft\"}}) { title publishedAt } }",
        json!({}),
    );
    assert_eq!(
        drafts["articles"],
        json!([{"title": "Draft", "publishedAt": null}])
    );
    // A document that is not there, as Strapi answers: updating it gives null without an
    // error, deleting it the documentId asked.
    let missing = gql.run(
        &gql.full,
        "mutation { updateArticle(documentId: \"abcdefghijklmnopqrstuvwx\", data: {title: \"x\"}) { title } }",
        json!({}),
    );
    assert_eq!(missing.status, 200);
    assert_eq!(missing.body, json!({"data": {"updateArticle": null}}));
    let gone = gql.run(
        &gql.full,
        "mutation { deleteArticle(documentId: \"abcdefghijklmnopqrstuvwx\") { documentId } }",
        json!({}),
    );
    assert_eq!(
        gone.body,
        json!({"data": {"deleteArticle": {"documentId": "abcdefghijklmnopqrstuvwx"}}})
    );
}

#[test]
fn single_types_and_every_scalar() {
    let gql = Gql::start();
    let home = gql.data(
        "mutation { updateHomepage(data: {headline: \"Hi\"}) { headline } }",
        json!({}),
    );
    assert_eq!(home["updateHomepage"]["headline"], "Hi");
    assert_eq!(
        gql.data("{ homepage { headline } }", json!({}))["homepage"]["headline"],
        "Hi"
    );
    let gadget = json!({
        "name": "g", "notes": "*n*", "contact": "a@example.com", "kind": "toy", "count": 2,
        "serial": "9007199254740993", "weight": 1.5, "price": 2.25, "active": true,
        "madeOn": "2026-01-02", "opensAt": "08:30:00.000", "seenAt": "2026-01-02T03:04:05.000Z",
        "specs": {"size": [1, 2]}
    });
    let fields =
        "name notes contact kind count serial weight price active madeOn opensAt seenAt specs";
    let created = gql.data(
        &format!("mutation($data: GadgetInput!) {{ createGadget(data: $data) {{ documentId {fields} }} }}"),
        json!({"data": gadget}),
    );
    let id = created["createGadget"]["documentId"].as_str().unwrap();
    let rest = gql
        .server
        .get(&format!("/api/gadgets/{id}"), Some(&gql.full));
    for (key, value) in rest.body["data"].as_object().unwrap() {
        if !["id", "documentId", "createdAt", "updatedAt", "publishedAt"].contains(&key.as_str()) {
            assert_eq!(&created["createGadget"][key], value, "{key}");
        }
    }
    let deleted = gql.data("mutation { deleteHomepage { documentId } }", json!({}));
    assert_eq!(deleted["deleteHomepage"]["documentId"], Value::Null);
    assert_eq!(
        gql.data("{ homepage { headline } }", json!({}))["homepage"],
        Value::Null
    );
}

#[test]
fn graphql_and_rest_agree_on_the_same_filters() {
    let gql = Gql::start();
    for (title, views, body) in [
        ("Rust in production", 12, "fast"),
        ("rusty nails", 3, "slow"),
        ("Go notes", 8, "fast"),
        ("Zig", 0, "new"),
    ] {
        gql.data(CREATE, json!({"data": {"title": title, "views": views}}));
        let _ = body;
    }
    let cases = [
        (
            "{title: {containsi: \"rust\"}}",
            "filters[title][$containsi]=rust",
        ),
        (
            "{views: {between: [3, 10]}}",
            "filters[views][$between][0]=3&filters[views][$between][1]=10",
        ),
        (
            "{or: [{title: {startsWith: \"Go\"}}, {views: {lt: 1}}]}",
            "filters[$or][0][title][$startsWith]=Go&filters[$or][1][views][$lt]=1",
        ),
        (
            "{not: {views: {gt: 5}}, title: {notNull: true}}",
            "filters[$not][views][$gt]=5&filters[title][$notNull]=true",
        ),
        (
            "{views: {in: [0, 12]}}",
            "filters[views][$in][0]=0&filters[views][$in][1]=12",
        ),
        (
            "{and: [{views: {ne: 3}}, {title: {nei: \"zig\"}}]}",
            "filters[$and][0][views][$ne]=3&filters[$and][1][title][$nei]=zig",
        ),
    ];
    for (graphql, rest) in cases {
        let query = format!(
            "{{ articles(filters: {graphql}, sort: [\"title:asc\"]) {{ documentId title views }} }}"
        );
        let from_graphql = gql.data(&query, json!({}))["articles"].clone();
        let from_rest: Vec<Value> = gql.rest("/api/articles", &format!("{rest}&sort=title:asc"))
            ["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| json!({"documentId": e["documentId"], "title": e["title"], "views": e["views"]}))
            .collect();
        assert!(!from_rest.is_empty(), "{rest}");
        assert_eq!(from_graphql, json!(from_rest), "{graphql}");
    }
}

#[test]
fn each_token_type_gets_exactly_its_operations() {
    let gql = Gql::start();
    gql.data(CREATE, json!({"data": {"title": "Existing"}}));
    let read_only = gql.server.token(&gql.admin, "read-only", &[]);
    let custom = gql
        .server
        .token(&gql.admin, "custom", &["api::article.article.find"]);
    let list = "{ articles { title } }";
    let one = "{ article(documentId: \"x\") { title } }";
    let create = "mutation { createArticle(data: {title: \"New\"}) { title } }";
    let delete = "mutation { deleteArticle(documentId: \"x\") { documentId } }";
    for (token, query, allowed) in [
        (&read_only, list, true),
        (&read_only, one, true),
        (&read_only, create, false),
        (&read_only, delete, false),
        (&custom, list, true),
        (&custom, one, false),
        (&custom, create, false),
    ] {
        let reply = gql.run(token, query, json!({}));
        assert_eq!(reply.status, 200, "{query}: {}", reply.body);
        if allowed {
            assert!(
                reply.body.get("errors").is_none(),
                "{query}: {}",
                reply.body
            );
        } else {
            assert_eq!(error_code(&reply), "FORBIDDEN", "{query}: {}", reply.body);
            assert_eq!(reply.body["errors"][0]["message"], "Forbidden access");
            assert_eq!(
                reply.body["errors"][0]["extensions"]["error"]["name"],
                "ForbiddenError"
            );
        }
    }
    // Checked per field: the allowed field answers beside the refused one.
    let mixed = gql.run(
        &custom,
        "{ articles { title } article(documentId: \"x\") { title } }",
        json!({}),
    );
    assert_eq!(
        mixed.body["data"]["articles"],
        json!([{"title": "Existing"}])
    );
    assert_eq!(mixed.body["data"]["article"], Value::Null);
    assert_eq!(error_code(&mixed), "FORBIDDEN");
    // No token, a bad one, an admin token: 401 before anything runs.
    let admin_token = gql
        .server
        .post(
            "/admin/admin-tokens",
            Some(&gql.admin),
            &json!({"name": "admin kind", "adminPermissions": []}),
        )
        .body["data"]["accessKey"]
        .as_str()
        .unwrap()
        .to_string();
    // In `/api`'s envelope, as Strapi checks the token before GraphQL runs.
    for token in [None, Some("vct_nope"), Some(admin_token.as_str())] {
        let reply = gql.server.post("/graphql", token, &json!({"query": list}));
        assert_eq!(reply.status, 401, "{}", reply.body);
        assert_eq!(
            reply.body,
            json!({"data": null, "error": {"status": 401, "name": "UnauthorizedError",
                "message": "Missing or invalid credentials", "details": {}}})
        );
    }
    // A refused field is an audit event, as on /api.
    let events = gql.server.get(
        "/admin/audit-logs?type=token.denied&pageSize=100",
        Some(&gql.admin),
    );
    assert!(
        events.body["data"]["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["details"]["path"] == "/graphql" && e["status"] == 403),
        "{}",
        events.body
    );
}

#[test]
fn requests_graphql_cannot_take_are_refused_as_strapis_apollo_does() {
    let gql = Gql::start();
    let auth = format!("Bearer {}", gql.full);
    let send = |content_type: Option<&str>, extra: &[(&str, &str)], body: &str| {
        let mut headers = vec![("authorization", auth.as_str())];
        headers.extend(content_type.map(|t| ("content-type", t)));
        headers.extend_from_slice(extra);
        gql.server
            .raw("POST", "/graphql", &headers, body.as_bytes().to_vec())
    };
    let refused = |reply: &Reply, message: &str| {
        assert_eq!(reply.status, 400, "{}", reply.text);
        assert_eq!(
            reply.body,
            json!({"errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]}),
        );
    };
    let query = r#"{"query": "{ articles { title } }"}"#;
    let csrf = "This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). Please either specify a 'content-type' header (with a type that is not one of application/x-www-form-urlencoded, multipart/form-data, text/plain) or provide a non-empty value for one of the following headers: x-apollo-operation-name, apollo-require-preflight\n";
    refused(&send(Some("text/plain"), &[], query), csrf);
    refused(&send(None, &[], query), csrf);
    let no_body = "POST body missing, invalid Content-Type, or JSON object has no keys.";
    refused(
        &send(
            Some("text/plain"),
            &[("apollo-require-preflight", "1")],
            query,
        ),
        no_body,
    );
    refused(&send(Some("application/xml"), &[], query), no_body);
    let json = Some("application/json");
    refused(&send(json, &[], "{}"), no_body);
    refused(&send(json, &[], "5"), no_body);
    refused(
        &send(json, &[], r#"{"query": 5}"#),
        "GraphQL queries must be strings.",
    );
    let no_query =
        "GraphQL operations must contain a non-empty `query` or a `persistedQuery` extension.";
    refused(&send(json, &[], r#"{"variables": {}}"#), no_query);
    refused(&send(json, &[], r#"{"query": ""}"#), no_query);
    refused(
        &send(json, &[], r#"{"query": "{ a }", "variables": 3}"#),
        "`variables` in a POST body should be provided as an object if provided.",
    );
    // A body that is not JSON at all: as on `/api`.
    let broken = send(json, &[], "{nope");
    assert_eq!(broken.status, 400);
    assert_eq!(
        broken.body["error"]["name"], "BadRequestError",
        "{}",
        broken.text
    );
}

#[test]
fn limits_refuse_before_execution() {
    let gql = Gql::start_with(&[
        ("GRAPHQL_MAX_DEPTH", "2"),
        ("GRAPHQL_MAX_COMPLEXITY", "5"),
        ("GRAPHQL_MAX_BATCH", "2"),
        ("GRAPHQL_INTROSPECTION", "false"),
    ]);
    let deep = gql.run(
        &gql.full,
        "{ articles_connection { pageInfo { total } nodes { title } } }",
        json!({}),
    );
    assert_eq!(deep.status, 400, "{}", deep.text);
    let message = deep.body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("nested too deep"), "{}", deep.body);
    assert_eq!(deep.body["data"], Value::Null);
    let complex = gql.run(
        &gql.full,
        "{ articles { title views slug body published documentId } }",
        json!({}),
    );
    let message = complex.body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert_eq!(complex.status, 400, "{}", complex.text);
    assert!(message.contains("too complex"), "{}", complex.body);
    // Nothing ran: a refused mutation creates nothing.
    let refused = gql.run(
        &gql.full,
        "mutation { a: createArticle(data: {title: \"1\"}) { title views slug body published documentId } }",
        json!({}),
    );
    assert!(refused.body["errors"].is_array(), "{}", refused.body);
    assert_eq!(
        gql.rest("/api/articles", "status=draft")["meta"]["pagination"]["total"],
        0
    );
    let introspection = gql.run(&gql.full, "{ __schema { types { name } } }", json!({}));
    assert!(
        introspection.body["errors"].is_array(),
        "{}",
        introspection.body
    );
    let batch = |size: usize| {
        let items: Vec<Value> = (0..size)
            .map(|_| json!({"query": "{ articles { title } }"}))
            .collect();
        gql.server.post("/graphql", Some(&gql.full), &json!(items))
    };
    let two = batch(2);
    assert_eq!(two.status, 200, "{}", two.body);
    assert_eq!(two.body.as_array().unwrap().len(), 2);
    let three = batch(3);
    assert_eq!(three.status, 400, "{}", three.body);
    assert_eq!(error_code(&three), "BAD_REQUEST");
    // A list is a batch even after white space.
    let spaced = gql.server.raw(
        "POST",
        "/graphql",
        &[
            ("authorization", &format!("Bearer {}", gql.full)),
            ("content-type", "application/json"),
        ],
        b"\n [{\"query\": \"{ articles { title } }\"}]".to_vec(),
    );
    assert_eq!(spaced.status, 200, "{}", spaced.text);
    assert_eq!(
        spaced.body.as_array().map(Vec::len),
        Some(1),
        "{}",
        spaced.text
    );
    // Bad bodies: 400 in GraphQL's shape, never a 500.
    for (content_type, body) in [
        ("application/json", "not json"),
        ("application/json", "42"),
        ("application/json", "[]"),
        ("application/json", " [{\"query\": 1}]"),
        (
            "application/json",
            "[{\"query\": \"{ articles { title } }\"}",
        ),
        ("text/plain", "{\"query\": \"{ articles { title } }\"}"),
    ] {
        let reply = gql.server.raw(
            "POST",
            "/graphql",
            &[
                ("authorization", &format!("Bearer {}", gql.full)),
                ("content-type", content_type),
            ],
            body.as_bytes().to_vec(),
        );
        assert_eq!(reply.status, 400, "{body}: {}", reply.body);
    }
    let bad_filter = gql.run(
        &gql.full,
        "{ articles(sort: [\"nope:asc\"]) { title } }",
        json!({}),
    );
    assert_eq!(
        error_code(&bad_filter),
        "BAD_USER_INPUT",
        "{}",
        bad_filter.body
    );
}

#[test]
fn a_new_content_type_is_in_the_schema_without_restart() {
    let gql = Gql::start();
    let before = gql.run(&gql.full, "{ authors { name } }", json!({}));
    assert!(before.body["errors"].is_array(), "{}", before.body);
    let created = gql.server.post(
        "/admin/content-types",
        Some(&gql.admin),
        &json!({"data": {
            "kind": "collectionType",
            "info": {"singularName": "author", "pluralName": "authors", "displayName": "Author"},
            "options": {"draftAndPublish": false},
            "attributes": {"name": {"type": "string", "required": true}}
        }}),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    gql.data(
        "mutation { createAuthor(data: {name: \"Ada\"}) { name } }",
        json!({}),
    );
    assert_eq!(
        gql.data("{ authors { name } }", json!({}))["authors"],
        json!([{"name": "Ada"}])
    );
    // A validation error of the store is a GraphQL error with the field's message.
    let invalid = gql.run(
        &gql.full,
        "mutation { createAuthor(data: {}) { name } }",
        json!({}),
    );
    assert_eq!(error_code(&invalid), "BAD_USER_INPUT", "{}", invalid.body);
    assert_eq!(
        invalid.body["errors"][0]["extensions"]["error"]["name"],
        "ValidationError"
    );
}

#[test]
fn a_query_seen_before_still_checks_its_variables_and_the_schema() {
    let gql = Gql::start();
    let id = gql.data(
        "mutation { createArticle(data: {title: \"Kept\", body: \"b\"}) { documentId } }",
        json!({}),
    )["createArticle"]["documentId"]
        .as_str()
        .unwrap()
        .to_string();
    let one = "query($id: ID!) { article(documentId: $id) { title body } }";
    let list = "query($size: Int) { articles(pagination: {pageSize: $size}) { title } }";
    // Run twice: the second time the query is known to be valid.
    for _ in 0..2 {
        assert_eq!(gql.data(one, json!({"id": id}))["article"]["title"], "Kept");
        assert_eq!(
            gql.data(list, json!({"size": 5}))["articles"][0]["title"],
            "Kept"
        );
    }
    // Bad variables are refused with the same error as for a query never seen (the same text
    // with a space more is another cache entry).
    for (query, variables) in [
        (one, json!({"id": {"not": "an id"}})),
        (one, json!({})),
        (one, json!({"id": null})),
        (list, json!({"size": "ten"})),
        (list, json!({"size": 1.5})),
    ] {
        let known = gql.run(&gql.full, query, variables.clone());
        let fresh = gql.run(&gql.full, &format!("{query} "), variables.clone());
        assert!(
            known.body["errors"].is_array(),
            "{variables}: {}",
            known.body
        );
        assert_eq!(
            known.body["data"],
            Value::Null,
            "{variables}: {}",
            known.body
        );
        assert_eq!(
            known.body["errors"][0]["message"], fresh.body["errors"][0]["message"],
            "{variables}"
        );
    }
    // A field removed from the type: the query known to be valid is checked again.
    let mut schema: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("content-types/article.json")).unwrap(),
    )
    .unwrap();
    schema["attributes"].as_object_mut().unwrap().remove("body");
    let changed = gql.server.call(
        "PUT",
        "/admin/content-types/api::article.article",
        Some(&gql.admin),
        Some(&json!({"data": schema})),
    );
    assert_eq!(changed.status, 200, "{}", changed.body);
    let stale = gql.run(&gql.full, one, json!({"id": id}));
    let message = stale.body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("body"), "{}", stale.body);
    assert_eq!(stale.body["data"], Value::Null);
}

#[test]
fn a_known_entry_query_answers_as_the_executor_does() {
    let gql = Gql::start();
    let id = gql.data(
        CREATE,
        json!({"data": {"title": "Planned", "body": "b", "views": 4, "published": "2026-01-02"}}),
    )["createArticle"]["documentId"]
        .as_str()
        .unwrap()
        .to_string();
    // A draft that differs from the published version.
    gql.data(
        "mutation($id: ID!) { updateArticle(documentId: $id, data: {title: \"Draft\"}, status: DRAFT) { title } }",
        json!({"id": id}),
    );
    let gadget = gql.data(
        "mutation($data: GadgetInput!) { createGadget(data: $data) { documentId } }",
        json!({"data": {"name": "g", "count": 2, "serial": "9007199254740993", "weight": 1.5,
            "active": true, "madeOn": "2026-01-02", "opensAt": "08:30:00.000",
            "seenAt": "2026-01-02T03:04:05.000Z", "specs": {"z": [1, 2.5, null], "a": "x"}}}),
    )["createGadget"]["documentId"]
        .as_str()
        .unwrap()
        .to_string();
    gql.data(
        "mutation { updateHomepage(data: {headline: \"Hi\"}) { headline } }",
        json!({}),
    );
    let by_id = "query($id: ID!) { article(documentId: $id) { documentId title body views published createdAt updatedAt publishedAt } }";
    let literal =
        format!("{{ article(documentId: \"{id}\", status: DRAFT) {{ title publishedAt }} }}");
    let defaulted =
        format!("query($id: ID! = \"{id}\") {{ article(documentId: $id) {{ title }} }}");
    let requests = [
        json!({"query": by_id, "variables": {"id": id}}),
        json!({"query": by_id, "variables": {"id": "missing"}}),
        json!({"query": literal}),
        json!({"query": defaulted}),
        json!({
            "query": "query Both($a: ID!, $g: ID!) { g: gadget(documentId: $g) { specs __typename serial weight active madeOn opensAt seenAt count } a: article(documentId: $a) { views t: title } home: homepage { headline } }",
            "operationName": "Both",
            "variables": {"a": id, "g": gadget},
        }),
        json!([
            {"query": "{ homepage { __typename headline } }"},
            {"query": by_id, "variables": {"id": id}},
        ]),
    ];
    let registry = gql.server.state.content();
    let mut answers = Vec::new();
    for request in requests {
        // The first time through the executor (and its strict validation); then the query is
        // known valid and planned, and the plan answers.
        let first = gql.server.post("/graphql", Some(&gql.full), &request);
        assert_eq!(first.status, 200, "{request}: {}", first.text);
        assert!(!first.text.contains("errors"), "{request}: {}", first.text);
        let items = request
            .as_array()
            .cloned()
            .unwrap_or_else(|| vec![request.clone()]);
        for item in &items {
            let query = item["query"].as_str().unwrap();
            let parsed = gql
                .server
                .graphql
                .parsed(query, &registry, gql.server.state.config.graphql)
                .unwrap();
            assert!(parsed.is_validated() && parsed.plan.is_some(), "{query}");
        }
        let planned = gql.server.graphql.planned_answers();
        let again = gql.server.post("/graphql", Some(&gql.full), &request);
        assert_eq!(again.status, 200);
        assert_eq!(again.text, first.text, "{request}");
        // The plan gave every answer, the executor none.
        assert_eq!(
            gql.server.graphql.planned_answers() - planned,
            items.len() as u64,
            "{request}"
        );
        answers.push(again.body);
    }
    let keys =
        |value: &Value| -> Vec<String> { value.as_object().unwrap().keys().cloned().collect() };
    let both = &answers[4]["data"];
    assert_eq!(keys(both), ["g", "a", "home"]);
    assert_eq!(
        keys(&both["g"]),
        [
            "specs",
            "__typename",
            "serial",
            "weight",
            "active",
            "madeOn",
            "opensAt",
            "seenAt",
            "count"
        ]
    );
    assert_eq!(keys(&both["g"]["specs"]), ["z", "a"]);
    assert_eq!(keys(&both["a"]), ["views", "t"]);
    assert_eq!(
        keys(&answers[5][0]["data"]["homepage"]),
        ["__typename", "headline"]
    );
    assert_eq!(
        keys(&answers[5][1]["data"]["article"]),
        [
            "documentId",
            "title",
            "body",
            "views",
            "published",
            "createdAt",
            "updatedAt",
            "publishedAt"
        ]
    );
    let answer = gql.server.post(
        "/graphql",
        Some(&gql.full),
        &json!({"query": by_id, "variables": {"id": id}}),
    );
    assert_eq!(answer.body["data"]["article"]["title"], "Planned");
    assert_eq!(answer.body["data"]["article"]["views"], 4);

    // Known queries whose request the plan cannot answer alone get the executor's errors.
    let finder = gql
        .server
        .token(&gql.admin, "custom", &["api::article.article.find"]);
    let variables = json!({"id": id});
    let forbidden = gql.run(&finder, by_id, variables.clone());
    let fresh = gql.run(&finder, &format!("{by_id} "), variables.clone());
    assert_eq!(error_code(&forbidden), "FORBIDDEN", "{}", forbidden.text);
    assert_eq!(forbidden.text, fresh.text);
    let renamed = json!({"query": by_id, "operationName": "Other", "variables": variables});
    let unknown = gql.server.post("/graphql", Some(&gql.full), &renamed);
    assert_eq!(unknown.body["data"], Value::Null, "{}", unknown.text);
    assert!(
        unknown.body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("Other")),
        "{}",
        unknown.text
    );
}

#[test]
fn root_fields_answer_in_the_query_order() {
    let gql = Gql::start();
    gql.data(CREATE, json!({"data": {"title": "One"}}));
    let query = "query Q { articles { title } ...Home gadgets { name } \
                 ... on Query { n: articles_connection { pageInfo { total } } } h: homepage { headline } } \
                 fragment Home on Query { homepage { headline } }";
    for _ in 0..5 {
        let reply = gql.server.post(
            "/graphql",
            Some(&gql.full),
            &json!({"query": query, "operationName": "Q"}),
        );
        assert!(reply.body.get("errors").is_none(), "{}", reply.text);
        let keys: Vec<&String> = reply.body["data"].as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["articles", "homepage", "gadgets", "n", "h"],
            "{}",
            reply.text
        );
    }
}

/// Issue 16.1 and 16.3: documents that crashed the server (values nested thousands deep) or
/// cost seconds of CPU (fragments each spreading the next twice, a fragment cycle) are refused
/// with a 400 before anything walks them, and the server answers the next request.
#[test]
fn hostile_documents_are_refused_before_they_are_walked() {
    let gql = Gql::start();
    let nested = |depth: usize| {
        format!(
            "{{ articles(filters: {{title: {{in: {}\"x\"{}}}}}) {{ title }} }}",
            "[".repeat(depth),
            "]".repeat(depth)
        )
    };
    let deep = gql.run(&gql.full, &nested(5_000), json!({}));
    assert_eq!(deep.status, 400, "{}", deep.text);
    assert_eq!(error_code(&deep), "GRAPHQL_PARSE_FAILED");
    assert!(
        deep.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nested too deep"),
        "{}",
        deep.text
    );
    // Within the bound, a nested list is an ordinary (wrongly typed) argument.
    let shallow = gql.run(&gql.full, &nested(40), json!({}));
    assert!(shallow.body["errors"].is_array(), "{}", shallow.text);
    // A syntax error is a 400, as Strapi answers it.
    let syntax = gql.run(&gql.full, "{ articles { title ", json!({}));
    assert_eq!(syntax.status, 400, "{}", syntax.text);
    assert_eq!(error_code(&syntax), "GRAPHQL_PARSE_FAILED");
    assert!(
        syntax.body["errors"][0]["locations"].is_array(),
        "{}",
        syntax.text
    );
    // Variables are JSON: nested past serde_json's bound, the body is refused.
    let mut value = json!("x");
    for _ in 0..200 {
        value = json!([value]);
    }
    let text = format!(
        "{{\"query\": \"query($v: [String]) {{ articles(filters: {{title: {{in: $v}}}}) {{ title }} }}\", \"variables\": {{\"v\": {value}}}}}"
    );
    let variables = gql.server.raw(
        "POST",
        "/graphql",
        &[
            ("authorization", &format!("Bearer {}", gql.full)),
            ("content-type", "application/json"),
        ],
        text.into_bytes(),
    );
    assert_eq!(variables.status, 400, "{}", variables.text);

    let mut doubling = String::from("fragment F0 on Article { title }\n");
    for level in 1..=23 {
        doubling.push_str(&format!(
            "fragment F{level} on Article {{ ...F{} ...F{} }}\n",
            level - 1,
            level - 1
        ));
    }
    doubling.push_str("{ articles { ...F23 } }");
    let complex = gql.run(&gql.full, &doubling, json!({}));
    assert_eq!(complex.status, 400, "{}", complex.text);
    assert_eq!(
        complex.body["errors"][0]["message"],
        "Query is too complex."
    );
    let cycle = gql.run(
        &gql.full,
        "fragment A on Article { ...B } fragment B on Article { ...A } { articles { ...A } }",
        json!({}),
    );
    assert_eq!(cycle.status, 400, "{}", cycle.text);
    assert!(
        cycle.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("Cannot spread fragment"),
        "{}",
        cycle.text
    );
    // A batch with one such document is refused whole, before any of it runs; the server
    // still answers.
    let batch = gql.server.post(
        "/graphql",
        Some(&gql.full),
        &json!([{"query": "mutation { createArticle(data: {title: \"early\"}) { title } }"},
                {"query": nested(5_000)}]),
    );
    assert_eq!(batch.status, 400, "{}", batch.text);
    assert_eq!(
        gql.rest("/api/articles", "status=draft")["meta"]["pagination"]["total"],
        0,
        "nothing of a refused batch ran"
    );
    assert_eq!(
        gql.data("{ articles { title } }", json!({}))["articles"],
        json!([])
    );
}

/// Issue 16.10: an `in` list past the bound is refused as REST refuses it (the one limit of
/// the SQL builder), not an internal error from the database's bound-variable limit.
#[test]
fn long_in_lists_are_refused_as_in_rest() {
    let gql = Gql::start();
    let values: Vec<String> = (0..40_000).map(|n| format!("\"v{n}\"")).collect();
    let query = format!(
        "{{ articles(filters: {{title: {{in: [{}]}}}}) {{ title }} }}",
        values.join(",")
    );
    let reply = gql.run(&gql.full, &query, json!({}));
    assert_eq!(
        error_code(&reply),
        "BAD_USER_INPUT",
        "{}",
        &reply.text[..300.min(reply.text.len())]
    );
    assert_eq!(
        reply.body["errors"][0]["message"],
        "The filters have more than 1000 conditions and values"
    );
    let fine: Vec<String> = (0..900).map(|n| format!("\"v{n}\"")).collect();
    let within = format!(
        "{{ articles(filters: {{title: {{in: [{}]}}}}) {{ title }} }}",
        fine.join(",")
    );
    assert_eq!(gql.data(&within, json!({}))["articles"], json!([]));
}
