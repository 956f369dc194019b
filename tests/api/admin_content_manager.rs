//! `/admin/content-manager`: the panel's content routes (list, create, edit the draft, publish,
//! unpublish, delete), their effect on the Content API, and their refusals.

use crate::common::*;
use serde_json::{Value, json};

const ARTICLES: &str = "/admin/content-manager/collection-types/api::article.article";

/// A server with the fixture types (article with draft & publish, gadget, homepage).
fn start() -> (tempfile::TempDir, TestServer) {
    let dir = copied_types();
    let server = TestServer::start_with(&[("CONTENT_TYPES_DIR", dir.path().to_str().unwrap())]);
    (dir, server)
}

fn put(server: &TestServer, path: &str, bearer: &str, body: &Value) -> Reply {
    server.call("PUT", path, Some(bearer), Some(body))
}

fn titles(reply: &Reply) -> Vec<String> {
    reply.body["results"]
        .as_array()
        .unwrap_or_else(|| panic!("no results: {}", reply.body))
        .iter()
        .map(|e| e["title"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn types_list_the_editable_attributes() {
    let (_types, server) = start();
    let admin = server.register_admin();
    let reply = server.get("/admin/content-manager/content-types", Some(&admin));
    assert_eq!(reply.status, 200, "{}", reply.body);
    let article = &reply.body["data"][0];
    assert_eq!(article["uid"], "api::article.article");
    assert_eq!(article["kind"], "collectionType");
    assert_eq!(article["draftAndPublish"], true);
    let attributes = article["attributes"].as_array().unwrap();
    let names: Vec<&str> = attributes
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    // `secret` is private: not shown, not editable.
    assert_eq!(names, ["title", "slug", "body", "views", "published"]);
    assert_eq!(attributes[0]["required"], true);
    assert_eq!(attributes[0]["maxLength"], 40);
    assert_eq!(attributes[3]["min"], 0.0);
    let gadget = &reply.body["data"][1];
    let kind = gadget["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "kind")
        .unwrap();
    assert_eq!(kind["type"], "enumeration");
    assert_eq!(kind["enum"], json!(["tool", "toy", "gizmo"]));
    assert_eq!(reply.body["data"][2]["kind"], "singleType");
    assert_eq!(
        server
            .get("/admin/content-manager/content-types", None)
            .status,
        401
    );
}

#[test]
fn drafts_publish_and_unpublish_as_the_content_api_sees_them() {
    let (_types, server) = start();
    let admin = server.register_admin();
    let reader = server.token(&admin, "read-only", &[]);

    let created = server.post(
        ARTICLES,
        Some(&admin),
        &json!({"title": "First", "views": 3}),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    let entry = &created.body["data"];
    assert_eq!(entry["status"], "draft");
    assert_eq!(entry["title"], "First");
    assert_eq!(entry["publishedAt"], Value::Null);
    let id = entry["documentId"].as_str().unwrap().to_string();
    let api = format!("/api/articles/{id}");
    let one = format!("{ARTICLES}/{id}");
    // A draft is not on the Content API.
    assert_eq!(server.get(&api, Some(&reader)).status, 404);

    let published = server.post(&format!("{one}/actions/publish"), Some(&admin), &json!({}));
    assert_eq!(published.status, 200, "{}", published.body);
    assert_eq!(published.body["data"]["status"], "published");
    assert!(published.body["data"]["publishedAt"].is_string());
    let read = server.get(&api, Some(&reader));
    assert_eq!(read.status, 200);
    assert_eq!(read.body["data"]["title"], "First");

    server.clock.advance(chrono::Duration::seconds(1));
    // Saving changes the draft only: the API still serves the published version.
    let saved = put(&server, &one, &admin, &json!({"title": "Second"}));
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert_eq!(saved.body["data"]["status"], "modified");
    assert_eq!(saved.body["data"]["views"], 3);
    assert_eq!(
        server.get(&api, Some(&reader)).body["data"]["title"],
        "First"
    );
    let shown = server.get(&one, Some(&admin));
    assert_eq!(shown.status, 200);
    assert_eq!(shown.body["data"]["title"], "Second");
    assert_eq!(shown.body["data"]["status"], "modified");
    // Strapi's `{data}` wrapper is accepted too.
    let wrapped = put(&server, &one, &admin, &json!({"data": {"title": "Third"}}));
    assert_eq!(wrapped.body["data"]["title"], "Third", "{}", wrapped.body);

    server.post(&format!("{one}/actions/publish"), Some(&admin), &json!({}));
    assert_eq!(
        server.get(&api, Some(&reader)).body["data"]["title"],
        "Third"
    );
    let listed = server.get(ARTICLES, Some(&admin));
    assert_eq!(listed.body["results"][0]["status"], "published");

    let unpublished = server.post(
        &format!("{one}/actions/unpublish"),
        Some(&admin),
        &json!({}),
    );
    assert_eq!(unpublished.status, 200, "{}", unpublished.body);
    assert_eq!(unpublished.body["data"]["status"], "draft");
    assert_eq!(unpublished.body["data"]["title"], "Third");
    assert_eq!(server.get(&api, Some(&reader)).status, 404);
    assert_eq!(
        server.get(ARTICLES, Some(&admin)).body["results"][0]["status"],
        "draft"
    );

    let deleted = server.call("DELETE", &one, Some(&admin), None);
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert_eq!(deleted.body["data"]["documentId"], id.as_str());
    assert_eq!(server.get(&one, Some(&admin)).status, 404);
    assert_eq!(server.call("DELETE", &one, Some(&admin), None).status, 404);
    assert_eq!(
        server
            .post(&format!("{one}/actions/publish"), Some(&admin), &json!({}))
            .status,
        404
    );
    assert_eq!(
        server.get(ARTICLES, Some(&admin)).body["pagination"]["total"],
        0
    );
}

#[test]
fn list_pages_sorts_and_searches() {
    let (_types, server) = start();
    let admin = server.register_admin();
    for (title, body) in [
        ("Delta", "fourth"),
        ("Alpha", "first"),
        ("Charlie", "third, with a Needle"),
        ("Bravo", "second"),
        ("Echo", "fifth"),
    ] {
        let reply = server.post(
            ARTICLES,
            Some(&admin),
            &json!({"title": title, "body": body}),
        );
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
    let page = server.get(
        &format!("{ARTICLES}?page=2&pageSize=2&sort=title:asc"),
        Some(&admin),
    );
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(titles(&page), ["Charlie", "Delta"]);
    assert_eq!(
        page.body["pagination"],
        json!({"page": 2, "pageSize": 2, "pageCount": 3, "total": 5})
    );
    let descending = server.get(
        &format!("{ARTICLES}?sort=title:desc&pageSize=1"),
        Some(&admin),
    );
    assert_eq!(titles(&descending), ["Echo"]);
    // `_q` searches every textual attribute, ignoring case.
    let found = server.get(&format!("{ARTICLES}?_q=needle"), Some(&admin));
    assert_eq!(titles(&found), ["Charlie"]);
    let found = server.get(&format!("{ARTICLES}?_q=ALPHA"), Some(&admin));
    assert_eq!(titles(&found), ["Alpha"]);
    assert_eq!(found.body["pagination"]["total"], 1);
    // Strapi's filters still apply, with `_q`.
    let filtered = server.get(
        &format!("{ARTICLES}?filters[title][$startsWith]=E&_q=fifth"),
        Some(&admin),
    );
    assert_eq!(titles(&filtered), ["Echo"]);

    let bad = server.get(&format!("{ARTICLES}?sort=nothing:asc"), Some(&admin));
    assert_eq!(bad.status, 400, "{}", bad.body);
    let bad = server.get(&format!("{ARTICLES}?page=zero"), Some(&admin));
    assert_eq!(bad.status, 400, "{}", bad.body);
    let big = server.get(&format!("{ARTICLES}?pageSize=5000"), Some(&admin));
    assert_eq!(big.status, 200, "{}", big.body);
    assert!(big.body["pagination"]["pageSize"].as_u64().unwrap() <= 100);
}

#[test]
fn validation_errors_name_their_field_and_refusals() {
    let (_types, server) = start();
    let admin = server.register_admin();
    // A draft may lack a required field, as in Strapi 5; publishing it may not.
    let missing = server.post(ARTICLES, Some(&admin), &json!({"body": "no title"}));
    assert_eq!(missing.status, 201, "{}", missing.body);
    let document = missing.body["data"]["documentId"].as_str().unwrap();
    let publish = server.post(
        &format!("{ARTICLES}/{document}/actions/publish"),
        Some(&admin),
        &json!({}),
    );
    assert_eq!(publish.status, 400, "{}", publish.body);
    assert_eq!(
        publish.body["error"]["details"]["errors"][0],
        json!({"path": ["title"], "name": "ValidationError", "value": null,
               "message": "title must be a `string` type, but the final value was: `null`."})
    );
    let long = server.post(ARTICLES, Some(&admin), &json!({"title": "x".repeat(41)}));
    assert_eq!(long.status, 400);
    assert_eq!(
        long.body["error"]["details"]["errors"][0]["path"],
        json!(["title"])
    );
    let typed = server.post(
        ARTICLES,
        Some(&admin),
        &json!({"title": "T", "views": "many"}),
    );
    assert_eq!(typed.status, 400);
    assert_eq!(
        typed.body["error"]["details"]["errors"][0]["path"],
        json!(["views"])
    );
    let not_object = server.post(ARTICLES, Some(&admin), &json!([1, 2]));
    assert_eq!(not_object.status, 400);
    // Only the draft without a title was stored; the refused publish left it a draft.
    let listed = server.get(ARTICLES, Some(&admin));
    assert_eq!(listed.body["pagination"]["total"], 1);
    assert_eq!(listed.body["results"][0]["documentId"], document);
    assert_eq!(listed.body["results"][0]["status"], "draft");

    // Unknown types, the wrong kind in the path, unknown actions: 404.
    let unknown = "/admin/content-manager/collection-types/api::nothing.nothing";
    assert_eq!(server.get(unknown, Some(&admin)).status, 404);
    let homepage_as_collection = "/admin/content-manager/collection-types/api::homepage.homepage";
    assert_eq!(server.get(homepage_as_collection, Some(&admin)).status, 404);
    let created = server.post(ARTICLES, Some(&admin), &json!({"title": "Kept"}));
    let id = created.body["data"]["documentId"]
        .as_str()
        .unwrap()
        .to_string();
    let other = server.post(
        &format!("{ARTICLES}/{id}/actions/archive"),
        Some(&admin),
        &json!({}),
    );
    assert_eq!(other.status, 404);

    // Types without draft & publish: no publish actions; entries are published at once.
    let gadgets = "/admin/content-manager/collection-types/api::gadget.gadget";
    let gadget = server.post(gadgets, Some(&admin), &json!({"name": "Lamp"}));
    assert_eq!(gadget.status, 201, "{}", gadget.body);
    assert_eq!(gadget.body["data"]["status"], "published");
    let gadget_id = gadget.body["data"]["documentId"].as_str().unwrap();
    let publish = server.post(
        &format!("{gadgets}/{gadget_id}/actions/publish"),
        Some(&admin),
        &json!({}),
    );
    assert_eq!(publish.status, 400, "{}", publish.body);
    let unpublish = server.post(
        &format!("{gadgets}/{gadget_id}/actions/unpublish"),
        Some(&admin),
        &json!({}),
    );
    assert_eq!(unpublish.status, 400, "{}", unpublish.body);
    assert!(
        unpublish
            .body
            .to_string()
            .contains("does not have draft and publish")
    );
    // Refused, and nothing removed: the only version is still there.
    assert_eq!(
        server
            .get(&format!("{gadgets}/{gadget_id}"), Some(&admin))
            .body["data"]["name"],
        "Lamp"
    );

    // A single type: its one document is saved and read without a documentId.
    let homepage = "/admin/content-manager/single-types/api::homepage.homepage";
    assert_eq!(server.get(homepage, Some(&admin)).status, 404);
    let saved = put(&server, homepage, &admin, &json!({"headline": "Hello"}));
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert_eq!(
        server.get(homepage, Some(&admin)).body["data"]["headline"],
        "Hello"
    );
    let reader = server.token(&admin, "read-only", &[]);
    assert_eq!(
        server.get("/api/homepage", Some(&reader)).body["data"]["headline"],
        "Hello"
    );
    assert_eq!(
        server.call("DELETE", homepage, Some(&admin), None).status,
        200
    );
    assert_eq!(server.get(homepage, Some(&admin)).status, 404);

    // Authentication and permissions.
    assert_eq!(server.get(ARTICLES, None).status, 401);
    assert_eq!(server.get(ARTICLES, Some(&reader)).status, 401);
    let token = server.post(
        "/admin/admin-tokens",
        Some(&admin),
        &json!({"name": "reads content", "adminPermissions": ["plugin::content-manager.explorer.read"]}),
    );
    assert_eq!(token.status, 201, "{}", token.body);
    let read_only = token.body["data"]["accessKey"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(server.get(ARTICLES, Some(&read_only)).status, 200);
    assert_eq!(
        server
            .get(&format!("{ARTICLES}/{id}"), Some(&read_only))
            .status,
        200
    );
    for (method, path) in [
        ("POST", ARTICLES.to_string()),
        ("PUT", format!("{ARTICLES}/{id}")),
        ("DELETE", format!("{ARTICLES}/{id}")),
        ("POST", format!("{ARTICLES}/{id}/actions/publish")),
        ("POST", format!("{ARTICLES}/{id}/actions/unpublish")),
    ] {
        let reply = server.call(
            method,
            &path,
            Some(&read_only),
            Some(&json!({"title": "No"})),
        );
        assert_eq!(reply.status, 403, "{method} {path}: {}", reply.body);
    }
    assert_eq!(
        server.get(&format!("{ARTICLES}/{id}"), Some(&admin)).body["data"]["title"],
        "Kept"
    );
}

/// Issue 16.4: the Author role manages the content it created, as Strapi's `admin::is-creator`
/// condition has it: others' entries are neither listed, read, changed nor deleted; an Editor
/// manages every entry; and an Author cannot lift the condition from their own role.
#[test]
fn authors_manage_only_what_they_created() {
    let (_types, server) = start();
    let admin = server.register_admin();
    let author = create_admin_with_cli(&server, "author@example.com", "author");
    let editor = create_admin_with_cli(&server, "editor@example.com", "editor");
    let create = |bearer: &str, title: &str| {
        let reply = server.post(ARTICLES, Some(bearer), &json!({"title": title}));
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.body["data"]["documentId"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let theirs = create(&admin, "the admin's");
    let mine = create(&author, "the author's");
    let listed = server.get(ARTICLES, Some(&author));
    assert_eq!(titles(&listed), ["the author's"], "{}", listed.body);
    assert_eq!(listed.body["pagination"]["total"], 1);
    let other = format!("{ARTICLES}/{theirs}");
    assert_error(
        &server.get(&other, Some(&author)),
        403,
        "ForbiddenError",
        "Forbidden",
    );
    assert_error(
        &put(&server, &other, &author, &json!({"title": "taken over"})),
        403,
        "ForbiddenError",
        "Forbidden",
    );
    let own = put(
        &server,
        &format!("{ARTICLES}/{mine}"),
        &author,
        &json!({"title": "edited"}),
    );
    assert_eq!(own.status, 200, "{}", own.body);
    assert_eq!(
        server.get(&other, Some(&admin)).body["data"]["title"],
        "the admin's"
    );
    // The Editor manages every entry.
    let all = server.get(ARTICLES, Some(&editor));
    assert_eq!(all.body["pagination"]["total"], 2, "{}", all.body);
    let edited = put(&server, &other, &editor, &json!({"title": "by the editor"}));
    assert_eq!(edited.status, 200, "{}", edited.body);
    let deleted = server.call("DELETE", &format!("{ARTICLES}/{mine}"), Some(&editor), None);
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    // The condition shows, and the Author cannot lift it from their own role.
    let permissions = server.get("/admin/users/me/permissions", Some(&author));
    let update = permissions.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["action"] == "plugin::content-manager.explorer.update")
        .cloned()
        .unwrap();
    assert_eq!(update["conditions"], json!(["admin::is-creator"]));
    let author_role =
        server.get("/admin/users/me", Some(&author)).body["data"]["roles"][0]["id"].clone();
    let mut grants: Vec<Value> = permissions.body["data"].as_array().unwrap().clone();
    grants.push(json!({"action": "admin::roles.update", "conditions": []}));
    let given = server.call(
        "PUT",
        &format!("/admin/roles/{author_role}/permissions"),
        Some(&admin),
        Some(&json!({"permissions": grants})),
    );
    assert_eq!(given.status, 200, "{}", given.body);
    let lifted: Vec<Value> = grants
        .iter()
        .map(|p| json!({"action": p["action"], "conditions": []}))
        .collect();
    assert_error(
        &server.call(
            "PUT",
            &format!("/admin/roles/{author_role}/permissions"),
            Some(&author),
            Some(&json!({"permissions": lifted})),
        ),
        400,
        "ValidationError",
        "Cannot assign permissions that exceed your own. Exceeding: plugin::content-manager.explorer.create, plugin::content-manager.explorer.read, plugin::content-manager.explorer.update",
    );
    // Saving the role as it is keeps the condition.
    let kept = server.call(
        "PUT",
        &format!("/admin/roles/{author_role}/permissions"),
        Some(&author),
        Some(&json!({"permissions": grants})),
    );
    assert_eq!(kept.status, 200, "{}", kept.body);
    assert_error(
        &server.get(&other, Some(&author)),
        403,
        "ForbiddenError",
        "Forbidden",
    );
}
