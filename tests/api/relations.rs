//! Relations and `populate`, as Strapi 5 does them (checked against Strapi 5.54): every kind from
//! both sides, stored in Strapi's link tables; every write form; draft & publish; populate's
//! forms and errors; and the token rule on related types.

use crate::common::*;
use diesel::RunQueryDsl;
use serde_json::{Value, json};

struct Blog {
    server: TestServer,
    admin: String,
    token: String,
}

impl Blog {
    fn start() -> Blog {
        let types = fixture("relations");
        let server = TestServer::start_with(&[("CONTENT_TYPES_DIR", types.as_str())]);
        let admin = server.register_admin();
        let token = server.token(&admin, "full-access", &[]);
        Blog {
            server,
            admin,
            token,
        }
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Reply {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let url = if query.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{}", encode_query(query))
        };
        self.server
            .call(method, &url, Some(&self.token), body.as_ref())
    }

    fn get(&self, path: &str) -> Value {
        let reply = self.call("GET", path, None);
        assert_eq!(reply.status, 200, "GET {path}: {}", reply.body);
        reply.body["data"].clone()
    }

    /// Creates a document; returns its documentId.
    fn create(&self, path: &str, data: Value) -> String {
        let reply = self.call("POST", path, Some(json!({ "data": data })));
        assert_eq!(reply.status, 201, "POST {path}: {}", reply.body);
        reply.body["data"]["documentId"]
            .as_str()
            .unwrap()
            .to_string()
    }

    fn put(&self, path: &str, data: Value) -> Value {
        let reply = self.call("PUT", path, Some(json!({ "data": data })));
        assert_eq!(reply.status, 200, "PUT {path}: {}", reply.body);
        reply.body["data"].clone()
    }

    fn refused(&self, method: &str, path: &str, data: Value) -> Reply {
        let reply = self.call(method, path, Some(json!({ "data": data })));
        assert_eq!(reply.status, 400, "{method} {path}: {}", reply.body);
        assert_envelope(&reply);
        reply
    }

    /// The rows of a link table, as `(source, target)` pairs in id order.
    fn links(&self, table: &str, source: &str, target: &str) -> Vec<(i32, i32)> {
        #[derive(diesel::QueryableByName)]
        struct Pair {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            source: i32,
            #[diesel(sql_type = diesel::sql_types::Integer)]
            target: i32,
        }
        let mut conn = self.server.state.pool.get().unwrap();
        diesel::sql_query(format!(
            "SELECT \"{source}\" AS source, \"{target}\" AS target FROM \"{table}\" ORDER BY \"id\""
        ))
        .load::<Pair>(&mut conn)
        .unwrap()
        .into_iter()
        .map(|p| (p.source, p.target))
        .collect()
    }
}

fn names(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("a list: {list}"))
        .iter()
        .map(|e| e[key].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn link_tables_have_strapis_names_and_columns() {
    let blog = Blog::start();
    let mut conn = blog.server.state.pool.get().unwrap();
    for (table, columns) in [
        (
            "articles_author_lnk",
            "\"id\", \"article_id\", \"author_id\", \"article_ord\"",
        ),
        (
            "articles_categories_lnk",
            "\"id\", \"article_id\", \"category_id\", \"category_ord\", \"article_ord\"",
        ),
        (
            "articles_tags_lnk",
            "\"id\", \"article_id\", \"tag_id\", \"tag_ord\"",
        ),
        (
            "articles_related_lnk",
            "\"id\", \"article_id\", \"inv_article_id\"",
        ),
        (
            "articles_editor_lnk",
            "\"id\", \"article_id\", \"author_id\"",
        ),
        (
            "articles_sections_lnk",
            "\"id\", \"article_id\", \"tag_id\", \"tag_ord\"",
        ),
        (
            "authors_profile_lnk",
            "\"id\", \"author_id\", \"profile_id\"",
        ),
        (
            "categories_parent_lnk",
            "\"id\", \"category_id\", \"inv_category_id\", \"category_ord\"",
        ),
    ] {
        let sql = format!("SELECT {columns} FROM \"{table}\"");
        diesel::sql_query(&sql)
            .execute(&mut conn)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    // The side with mappedBy has no table of its own.
    assert!(
        diesel::sql_query("SELECT 1 FROM \"authors_articles_lnk\"")
            .execute(&mut conn)
            .is_err()
    );
}

#[test]
fn every_write_form_links_as_strapi_does() {
    let blog = Blog::start();
    let ada = blog.create("/api/authors", json!({"name": "Ada", "email": "a@x.io"}));
    let cy = blog.create("/api/authors", json!({"name": "Cy"}));
    let [x, y, z, w] =
        ["x", "y", "z", "w"].map(|n| blog.create("/api/categories", json!({"name": n})));
    let t1 = blog.create("/api/tags", json!({"name": "t1"}));
    // Shorthand: a documentId for a toOne, a list for a toMany.
    let reply = blog.call(
        "POST",
        "/api/articles?populate=*",
        Some(json!({"data": {"title": "A1", "author": ada, "categories": [x, y], "tags": [t1], "editor": cy}})),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    let article = &reply.body["data"];
    assert_eq!(article["author"]["name"], "Ada");
    assert_eq!(names(&article["categories"], "name"), ["x", "y"]);
    assert_eq!(names(&article["tags"], "name"), ["t1"]);
    assert_eq!(article["editor"]["name"], "Cy");
    assert_eq!(article["related"], Value::Null);
    assert_eq!(article["sections"], json!([]));
    // Private attributes of a related type never show.
    assert!(article["author"].get("email").is_none());
    let a1 = article["documentId"].as_str().unwrap().to_string();
    let path = format!("/api/articles/{a1}?populate[categories][fields][0]=name");
    let categories = |data: Value| names(&data["categories"], "name");
    assert_eq!(
        categories(blog.put(&path, json!({"categories": {"connect": [z]}}))),
        ["x", "y", "z"]
    );
    assert_eq!(
        categories(blog.put(
            &path,
            json!({"categories": {"connect": [{"documentId": w, "position": {"before": x}}]}})
        )),
        ["w", "x", "y", "z"]
    );
    assert_eq!(
        categories(blog.put(
            &path,
            json!({"categories": {"connect": [{"documentId": z, "position": {"start": true}}]}})
        )),
        ["z", "w", "x", "y"]
    );
    assert_eq!(
        categories(blog.put(
            &path,
            json!({"categories": {"connect": [{"documentId": x, "position": {"after": w}}]}})
        )),
        ["z", "w", "x", "y"]
    );
    assert_eq!(
        categories(blog.put(
            &path,
            json!({"categories": {"connect": [{"documentId": w, "position": {"end": true}}]}})
        )),
        ["z", "x", "y", "w"]
    );
    assert_eq!(
        categories(blog.put(&path, json!({"categories": {"disconnect": [y]}}))),
        ["z", "x", "w"]
    );
    assert_eq!(
        categories(blog.put(&path, json!({"categories": {"set": [y, w, x]}}))),
        ["y", "w", "x"]
    );
    // `set` wins over `connect`; duplicates count once; connect wins over disconnect.
    assert_eq!(
        categories(blog.put(
            &path,
            json!({"categories": {"connect": [y], "set": [w, w]}})
        )),
        ["w"]
    );
    assert_eq!(
        categories(blog.put(
            &path,
            json!({"categories": {"connect": [x, x], "disconnect": [x]}})
        )),
        ["w", "x"]
    );
    // A position may name an entry connected later in the same write.
    assert_eq!(
        categories(blog.put(
            &path,
            json!({"categories": {"connect": [
                {"documentId": y, "position": {"before": z}},
                {"documentId": z, "position": {"end": true}}
            ]}})
        )),
        ["w", "x", "y", "z"]
    );
    // Nothing changes for an absent key, `{}` or empty lists; `null`, `[]` and `[null]` clear.
    for same in [
        json!({}),
        json!({"categories": {}}),
        json!({"categories": {"connect": []}}),
    ] {
        assert_eq!(categories(blog.put(&path, same)), ["w", "x", "y", "z"]);
    }
    for clear in [json!(null), json!([]), json!([null]), json!({"set": []})] {
        blog.put(&path, json!({"categories": [x]}));
        assert_eq!(
            categories(blog.put(&path, json!({ "categories": clear }))),
            Vec::<String>::new()
        );
    }
    // A toOne keeps the last of a list; an object names a document; a number names a row.
    let author = format!("/api/articles/{a1}?populate[author][fields][0]=name");
    assert_eq!(
        blog.put(&author, json!({"author": [ada, cy]}))["author"]["name"],
        "Cy"
    );
    assert_eq!(
        blog.put(&author, json!({"author": {"documentId": ada}}))["author"]["name"],
        "Ada"
    );
    assert_eq!(
        blog.put(&author, json!({"author": {"connect": [cy]}}))["author"]["name"],
        "Cy"
    );
    let cy_draft = blog.get(&format!("/api/authors/{cy}?status=draft"))["id"].clone();
    assert_eq!(
        blog.put(&author, json!({"author": {"id": cy_draft}}))["author"]["name"],
        "Cy"
    );
    assert_eq!(
        blog.put(&author, json!({"author": null}))["author"],
        Value::Null
    );
}

#[test]
fn refused_relation_writes_get_strapis_errors() {
    let blog = Blog::start();
    let x = blog.create("/api/categories", json!({"name": "x"}));
    let missing = "doesnotexist000000000000";
    for data in [
        json!({"title": "t", "author": missing}),
        json!({"title": "t", "categories": [missing]}),
        json!({"title": "t", "categories": {"connect": [{"documentId": missing}]}}),
        json!({"title": "t", "categories": {"disconnect": [missing]}}),
    ] {
        let reply = blog.refused("POST", "/api/articles", data);
        assert_error(
            &reply,
            400,
            "ValidationError",
            &format!("Document with id \"{missing}\", locale \"null\" not found"),
        );
    }
    let reply = blog.refused("POST", "/api/articles", json!({"author": 999}));
    assert_error(
        &reply,
        400,
        "ValidationError",
        "1 relation(s) of type api::author.author associated with this entity do not exist",
    );
    assert_eq!(
        reply.body["error"]["details"]["errors"][0]["path"],
        json!([])
    );
    for given in [
        json!(true),
        json!(12.5),
        json!({"connect": [{"foo": "bar"}]}),
    ] {
        let reply = blog.refused("POST", "/api/articles", json!({ "categories": given }));
        assert_error(&reply, 400, "ValidationError", "Invalid relations");
    }
    let reply = blog.refused(
        "POST",
        "/api/articles",
        json!({"categories": {"foo": "bar"}}),
    );
    assert_error(
        &reply,
        400,
        "ValidationError",
        "Invalid key foo at categories",
    );
    assert_eq!(
        reply.body["error"]["details"],
        json!({"key": "foo", "path": "categories", "source": "body"})
    );
    let reply = blog.refused(
        "POST",
        "/api/articles",
        json!({"categories": {"connect": [{"documentId": x, "position": {"after": x}}]}}),
    );
    assert!(
        reply.body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("A circular reference was found in the connect array."),
        "{}",
        reply.body
    );
    let y = blog.create("/api/categories", json!({"name": "y"}));
    let reply = blog.refused(
        "POST",
        "/api/articles",
        json!({"categories": {"connect": [{"documentId": x, "position": {"before": y}}]}}),
    );
    let message = reply.body["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("There was a problem connecting relation with id ")
            && message.ends_with("needs to be connected first."),
        "{message}"
    );
    // Not strict: placed at the end instead.
    let reply = blog.call(
        "POST",
        "/api/articles?populate=categories",
        Some(json!({"data": {"categories": {
            "options": {"strict": false},
            "connect": [{"documentId": x, "position": {"before": y}}]
        }}})),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(names(&reply.body["data"]["categories"], "name"), ["x"]);
}

#[test]
fn draft_and_publish_link_versions_as_strapi_does() {
    let blog = Blog::start();
    let dee = blog.create("/api/authors?status=draft", json!({"name": "Dee"}));
    let article = blog.create(
        "/api/articles?status=draft",
        json!({"title": "DP1", "author": dee, "editor": dee}),
    );
    let published = format!(
        "/api/articles/{article}?populate[author][fields][0]=name&populate[editor][fields][0]=name"
    );
    let draft = format!("{published}&status=draft");
    assert_eq!(blog.get(&draft)["author"]["name"], "Dee");
    // Publishing the article alone: its author has no published version to link to.
    blog.put(&format!("/api/articles/{article}"), json!({}));
    assert_eq!(blog.get(&published)["author"], Value::Null);
    assert_eq!(blog.get(&draft)["author"]["name"], "Dee");
    // Publishing the author links the published versions (the author's side lists the article).
    let author = blog.put(
        &format!("/api/authors/{dee}?populate[articles][fields][0]=title"),
        json!({}),
    );
    assert_eq!(names(&author["articles"], "title"), ["DP1"]);
    let read = blog.get(&published);
    assert_eq!(read["author"]["name"], "Dee");
    assert_eq!(
        read["author"]["id"], author["id"],
        "the published version's row"
    );
    assert_eq!(
        read["editor"],
        Value::Null,
        "editor was set before Dee had a published version"
    );
    blog.put(&format!("/api/articles/{article}"), json!({}));
    assert_eq!(blog.get(&published)["editor"]["name"], "Dee");
    // Re-publishing the author moves the unidirectional link (editor) to the new published row
    // and rebuilds the bidirectional one from the author's draft, which no longer lists DP1.
    blog.put(
        &format!("/api/authors/{dee}?status=draft"),
        json!({"articles": []}),
    );
    let republished = blog.put(&format!("/api/authors/{dee}"), json!({}));
    let read = blog.get(&published);
    assert_eq!(read["author"], Value::Null);
    assert_eq!(read["editor"]["id"], republished["id"]);
    assert_eq!(blog.get(&draft)["editor"]["name"], "Dee");
    // Deleting a document removes its links, never the linked documents.
    let before = blog
        .links("articles_editor_lnk", "article_id", "author_id")
        .len();
    assert_eq!(before, 2);
    assert_eq!(
        blog.call("DELETE", &format!("/api/authors/{dee}"), None)
            .status,
        204
    );
    assert!(
        blog.links("articles_editor_lnk", "article_id", "author_id")
            .is_empty()
    );
    let read = blog.get(&draft);
    assert_eq!(read["title"], "DP1");
    assert_eq!(read["editor"], Value::Null);
}

#[test]
fn both_sides_of_a_relation_see_one_set_of_links() {
    let blog = Blog::start();
    let ada = blog.create("/api/authors", json!({"name": "Ada"}));
    let bob = blog.create("/api/authors", json!({"name": "Bob"}));
    let p1 = blog.create("/api/profiles", json!({"bio": "p1"}));
    let a = blog.create("/api/articles", json!({"title": "a", "author": ada}));
    let b = blog.create("/api/articles", json!({"title": "b", "author": ada}));
    let articles = blog.get(&format!(
        "/api/authors/{ada}?populate[articles][fields][0]=title"
    ));
    assert_eq!(names(&articles["articles"], "title"), ["a", "b"]);
    // Connecting from the inverse side moves the article away from its other author.
    blog.put(
        &format!("/api/authors/{bob}"),
        json!({"articles": {"connect": [b]}}),
    );
    assert_eq!(
        blog.get(&format!("/api/articles/{b}?populate=author"))["author"]["name"],
        "Bob"
    );
    let ada_now = blog.get(&format!("/api/authors/{ada}?populate=articles"));
    assert_eq!(names(&ada_now["articles"], "title"), ["a"]);
    // A bidirectional oneToOne is exclusive: the profile leaves Ada for Bob.
    blog.put(&format!("/api/authors/{ada}"), json!({"profile": p1}));
    blog.put(&format!("/api/authors/{bob}"), json!({"profile": p1}));
    assert_eq!(
        blog.get(&format!("/api/authors/{ada}?populate=profile"))["profile"],
        Value::Null
    );
    assert_eq!(
        blog.get(&format!("/api/profiles/{p1}?populate=author"))["author"]["name"],
        "Bob"
    );
    // A unidirectional oneToOne is not: two articles may relate to one.
    blog.put(&format!("/api/articles/{a}"), json!({"related": b}));
    let c = blog.create("/api/articles", json!({"title": "c", "related": b}));
    for id in [&a, &c] {
        assert_eq!(
            blog.get(&format!("/api/articles/{id}?populate=related"))["related"]["title"],
            "b"
        );
    }
    // A self relation, both sides.
    let root = blog.create("/api/categories", json!({"name": "root"}));
    blog.create("/api/categories", json!({"name": "leaf", "parent": root}));
    let tree = blog.get(&format!(
        "/api/categories/{root}?populate[children][populate][parent][fields][0]=name"
    ));
    assert_eq!(names(&tree["children"], "name"), ["leaf"]);
    assert_eq!(tree["children"][0]["parent"]["name"], "root");
}

#[test]
fn populate_takes_every_form_strapi_takes() {
    let blog = Blog::start();
    let ada = blog.create("/api/authors", json!({"name": "Ada", "email": "a@x.io"}));
    let p1 = blog.create("/api/profiles", json!({"bio": "p1", "author": ada}));
    let [x, y] = ["x", "y"].map(|n| blog.create("/api/categories", json!({"name": n})));
    let a1 = blog.create(
        "/api/articles",
        json!({"title": "A1", "author": ada, "categories": [x, y]}),
    );
    let one = |query: &str| blog.get(&format!("/api/articles/{a1}?{query}"));
    // Not populated unless asked.
    assert!(one("").get("author").is_none());
    assert_eq!(one("populate=author,categories")["author"]["name"], "Ada");
    assert_eq!(one("populate[0]=author")["author"]["name"], "Ada");
    assert_eq!(one("populate[author]=true")["author"]["name"], "Ada");
    assert!(one("populate[author]=false").get("author").is_none());
    assert_eq!(
        one("populate=author.profile")["author"]["profile"]["bio"],
        "p1"
    );
    assert_eq!(
        one("populate[author][populate][profile]=true")["author"]["profile"]["bio"],
        "p1"
    );
    assert_eq!(
        one("populate[author][populate][0]=profile")["author"]["profile"]["bio"],
        "p1"
    );
    let star = one("populate=*");
    assert_eq!(star["author"]["name"], "Ada");
    assert!(star["author"].get("profile").is_none(), "one level only");
    let fields = one("populate[author][fields][0]=name");
    let keys: Vec<&String> = fields["author"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["id", "documentId", "name"]);
    assert_eq!(
        names(
            &one("populate[categories][sort]=name:desc")["categories"],
            "name"
        ),
        ["y", "x"]
    );
    assert_eq!(
        names(
            &one("populate[categories][filters][name][$eq]=x")["categories"],
            "name"
        ),
        ["x"]
    );
    assert_eq!(
        one("populate[author][filters][name][$eq]=Nobody")["author"],
        Value::Null
    );
    assert_eq!(
        one("populate[categories][count]=true")["categories"],
        json!({"count": 2})
    );
    assert_eq!(
        one("populate[author][count]=true")["author"],
        json!({"count": 1})
    );
    // find, with the entries of a page populated together.
    blog.create("/api/articles", json!({"title": "A2", "categories": [y]}));
    let page =
        blog.get("/api/articles?sort=title&populate[categories][fields][0]=name&populate=author");
    assert_eq!(names(&page[0]["categories"], "name"), ["x", "y"]);
    assert_eq!(names(&page[1]["categories"], "name"), ["y"]);
    assert_eq!(page[1]["author"], Value::Null);
    // The profile's author, a mappedBy oneToOne.
    assert_eq!(
        blog.get(&format!("/api/profiles/{p1}?populate=author"))["author"]["name"],
        "Ada"
    );
}

#[test]
fn unknown_populate_keys_get_strapis_validation_errors() {
    let blog = Blog::start();
    for (query, message, details) in [
        (
            "populate=nope",
            "Invalid key nope",
            json!({"key": "nope", "path": "nope", "source": "query", "param": "populate"}),
        ),
        (
            "populate=title",
            "Invalid key title",
            json!({"key": "title", "path": "title", "source": "query", "param": "populate"}),
        ),
        (
            "populate[nope]=true",
            "Invalid key nope",
            json!({"key": "nope", "path": null, "source": "query", "param": "populate"}),
        ),
        (
            "populate=author.nope",
            "Invalid key nope at author.nope",
            json!({"key": "nope", "path": "author.nope", "source": "query", "param": "populate"}),
        ),
        (
            "populate[author][bogus]=1",
            "Invalid key bogus at author",
            json!({"key": "bogus", "path": "author", "source": "query", "param": "populate"}),
        ),
        (
            "populate[author][fields][0]=nope",
            "Invalid key nope",
            json!({"key": "nope", "path": null, "source": "query", "param": "populate"}),
        ),
        (
            "populate[author][fields][0]=email",
            "Invalid key email",
            json!({"key": "email", "path": "email", "source": "query", "param": "populate"}),
        ),
        (
            "populate[categories][filters][name][$bogus]=x",
            "Invalid key $bogus at name",
            json!({"key": "$bogus", "path": "name", "source": "query", "param": "populate"}),
        ),
        (
            "populate[categories][limit]=1",
            "Invalid key limit at categories",
            json!({"key": "limit", "path": "categories", "source": "query", "param": "populate"}),
        ),
    ] {
        let reply = blog.call("GET", &format!("/api/articles?{query}"), None);
        assert_error(&reply, 400, "ValidationError", message);
        assert_eq!(reply.body["error"]["details"], details, "{query}");
    }
    // Deeper than API_REST_MAX_POPULATE_DEPTH (10): 400.
    let deep = format!("populate={}", ["author", "articles"].repeat(6).join("."));
    let reply = blog.call("GET", &format!("/api/articles?{deep}"), None);
    assert_error(
        &reply,
        400,
        "ValidationError",
        "Invalid populate: nested more than 10 levels deep",
    );
    let ten = format!("populate={}", ["author", "articles"].repeat(5).join("."));
    assert_eq!(
        blog.call("GET", &format!("/api/articles?{ten}"), None)
            .status,
        200
    );
}

#[test]
fn a_token_sees_related_types_only_where_it_may_find_them() {
    let blog = Blog::start();
    let ada = blog.create("/api/authors", json!({"name": "Ada"}));
    let a1 = blog.create(
        "/api/articles",
        json!({"title": "A1", "author": ada, "related": null}),
    );
    let articles_only = blog.server.token(
        &blog.admin,
        "custom",
        &[
            "api::article.article.find",
            "api::article.article.findOne",
            "api::article.article.create",
            "api::article.article.update",
            "api::author.author.findOne",
        ],
    );
    let get = |query: &str| {
        blog.server.get(
            &format!("/api/articles/{a1}?{}", encode_query(query)),
            Some(&articles_only),
        )
    };
    // Populating a type the token may not `find` drops it silently (findOne is not enough).
    let reply = get("populate=author");
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body["data"].get("author").is_none(), "{}", reply.body);
    let star = get("populate=*").body["data"].clone();
    assert!(star.get("author").is_none() && star.get("categories").is_none());
    assert_eq!(star["related"], Value::Null, "its own type stays");
    // Unknown keys are still refused.
    assert_eq!(get("populate=nope").status, 400);
    // Writing a relation to such a type is refused before anything else.
    let reply = blog.server.post(
        "/api/articles",
        Some(&articles_only),
        &json!({"data": {"title": "W", "author": ada}}),
    );
    assert_error(&reply, 400, "ValidationError", "Invalid key author");
    assert_eq!(
        reply.body["error"]["details"],
        json!({"key": "author", "path": "author", "source": "body"})
    );
    let reply = blog.server.post(
        "/api/articles",
        Some(&articles_only),
        &json!({"data": {"title": "W", "related": a1}}),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    // A read-only token reads every related type.
    let read_only = blog.server.token(&blog.admin, "read-only", &[]);
    let reply = blog.server.get(
        &format!("/api/articles/{a1}?populate=author"),
        Some(&read_only),
    );
    assert_eq!(reply.body["data"]["author"]["name"], "Ada");
}

#[test]
fn concurrent_connects_to_one_document_keep_every_link() {
    let blog = Blog::start();
    let article = blog.create("/api/articles", json!({"title": "busy"}));
    let categories: Vec<String> = (0..8)
        .map(|i| blog.create("/api/categories", json!({"name": format!("c{i}")})))
        .collect();
    std::thread::scope(|scope| {
        for category in &categories {
            let blog = &blog;
            let article = &article;
            scope.spawn(move || {
                blog.put(
                    &format!("/api/articles/{article}"),
                    json!({"categories": {"connect": [category]}}),
                );
            });
        }
    });
    let read = blog.get(&format!(
        "/api/articles/{article}?populate=categories&status=draft"
    ));
    let mut linked = names(&read["categories"], "name");
    linked.sort();
    let mut expected: Vec<String> = (0..8).map(|i| format!("c{i}")).collect();
    expected.sort();
    assert_eq!(linked, expected);
}

#[test]
fn bad_relation_schemas_stop_the_start_with_file_and_path() {
    let cases = [
        (
            r#"{"kind":"collectionType","info":{"singularName":"post","pluralName":"posts"},
               "attributes":{"writer":{"type":"relation","relation":"manyToOne","target":"api::nobody.nobody"}}}"#,
            "attributes.writer.target: `api::nobody.nobody` is not a content type",
        ),
        (
            r#"{"kind":"collectionType","info":{"singularName":"post","pluralName":"posts"},
               "attributes":{"self":{"type":"relation","relation":"manyToOne","target":"api::post.post","inversedBy":"others"}}}"#,
            "attributes.self.inversedBy: the other side must be `others` in `api::post.post`",
        ),
        (
            r#"{"kind":"collectionType","info":{"singularName":"post","pluralName":"posts"},
               "attributes":{"x":{"type":"relation","relation":"morphToMany","target":"api::post.post"}}}"#,
            "attributes.x.relation: `morphToMany` is not supported",
        ),
    ];
    for (schema, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("post.json"), schema).unwrap();
        let database = TestDatabase::fresh();
        let mut env: Vec<(String, String)> = database
            .env()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        env.push(("CONTENT_TYPES_DIR".into(), dir.path().display().to_string()));
        let config = vellum::config::Config::from_vars(
            |name| {
                env.iter()
                    .rev()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
            },
            &database.dir().join("secrets.env"),
        )
        .unwrap();
        let error = vellum::AppState::init(config, std::sync::Arc::new(vellum::clock::SystemClock))
            .err()
            .expect("the start is refused")
            .to_string();
        assert!(
            error.contains("post.json") && error.contains(expected),
            "{error}"
        );
    }
}

#[test]
fn a_kind_change_that_would_lose_links_is_refused() {
    let types = tempfile::tempdir().unwrap();
    for name in ["article", "author", "category", "tag", "profile"] {
        std::fs::copy(
            format!("{}/{name}.json", fixture("relations")),
            types.path().join(format!("{name}.json")),
        )
        .unwrap();
    }
    let database = TestDatabase::fresh();
    let dir = types.path().display().to_string();
    let server = TestServer::start_on(database.clone(), &[("CONTENT_TYPES_DIR", dir.as_str())]);
    let admin = server.register_admin();
    let token = server.token(&admin, "full-access", &[]);
    let tags: Vec<String> = ["t1", "t2"]
        .iter()
        .map(|name| {
            server
                .post("/api/tags", Some(&token), &json!({"data": {"name": name}}))
                .body["data"]["documentId"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let reply = server.post(
        "/api/articles",
        Some(&token),
        &json!({"data": {"title": "a", "tags": tags}}),
    );
    assert_eq!(reply.status, 201);
    drop(server);
    let file = types.path().join("article.json");
    let text = std::fs::read_to_string(&file).unwrap();
    let changed = text.replace(
        r#""tags": {"type": "relation", "relation": "manyToMany""#,
        r#""tags": {"type": "relation", "relation": "manyToOne""#,
    );
    assert_ne!(text, changed);
    std::fs::write(&file, changed).unwrap();
    let mut env: Vec<(String, String)> = database
        .env()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    env.push(("CONTENT_TYPES_DIR".into(), dir.clone()));
    let config = vellum::config::Config::from_vars(
        |name| {
            env.iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        },
        &database.dir().join("secrets.env"),
    )
    .unwrap();
    let error = vellum::AppState::init(config, std::sync::Arc::new(vellum::clock::SystemClock))
        .err()
        .expect("the start is refused")
        .to_string();
    assert!(
        error.contains("relation `tags` cannot become manyToOne")
            && error.contains("links would be lost"),
        "{error}"
    );
}

#[test]
fn filters_reach_through_relations() {
    let blog = Blog::start();
    let ada = blog.create("/api/authors", json!({"name": "Ada", "email": "a@x.io"}));
    let cy = blog.create("/api/authors", json!({"name": "Cy"}));
    let p1 = blog.create("/api/profiles", json!({"bio": "p1"}));
    blog.put(&format!("/api/authors/{ada}"), json!({"profile": p1}));
    let [x, y] = ["x", "y"].map(|n| blog.create("/api/categories", json!({"name": n})));
    blog.create(
        "/api/articles",
        json!({"title": "A1", "author": ada, "categories": [x, y]}),
    );
    blog.create(
        "/api/articles",
        json!({"title": "A2", "author": cy, "categories": [y]}),
    );
    blog.create("/api/articles", json!({"title": "A3"}));
    let titles = |filter: &str| {
        let mut titles = names(
            &blog.get(&format!("/api/articles?fields[0]=title&{filter}")),
            "title",
        );
        titles.sort();
        titles
    };
    assert_eq!(titles("filters[author][name][$eq]=Ada"), ["A1"]);
    assert_eq!(titles("filters[categories][name][$in][0]=y"), ["A1", "A2"]);
    assert_eq!(
        titles("filters[$or][0][author][name][$eq]=Cy&filters[$or][1][categories][name][$eq]=x"),
        ["A1", "A2"]
    );
    assert_eq!(
        titles(&format!("filters[author][documentId][$eq]={cy}")),
        ["A2"]
    );
    assert_eq!(titles("filters[author][$null]=true"), ["A3"]);
    assert_eq!(titles("filters[author][$notNull]=true"), ["A1", "A2"]);
    assert_eq!(titles("filters[author][profile][bio][$eq]=p1"), ["A1"]);
    assert_eq!(titles("filters[author][articles][title][$eq]=A2"), ["A2"]);
    // One relation's conditions hold for one related entry; `$and` branches each for their own.
    assert_eq!(
        titles("filters[categories][name][$eq]=x&filters[categories][name][$ne]=x"),
        Vec::<String>::new()
    );
    assert_eq!(
        titles(
            "filters[$and][0][categories][name][$eq]=x&filters[$and][1][categories][name][$eq]=y"
        ),
        ["A1"]
    );
    let published_ada = blog.get(&format!("/api/authors/{ada}"))["id"].clone();
    assert_eq!(titles(&format!("filters[author]={published_ada}")), ["A1"]);
    assert_eq!(
        titles(&format!("filters[author][id][$eq]={published_ada}")),
        ["A1"]
    );
    // Inside a populate too.
    let populated = blog.get(&format!(
        "/api/authors/{ada}?populate[articles][filters][categories][name][$eq]=x&populate[articles][fields][0]=title"
    ));
    assert_eq!(names(&populated["articles"], "title"), ["A1"]);
    for (filter, message, path) in [
        (
            "filters[author][email][$eq]=a@x.io",
            "Invalid key email at author.email",
            "author.email",
        ),
        (
            "filters[author][nope][$eq]=1",
            "Invalid key nope at author",
            "author",
        ),
    ] {
        let reply = blog.call("GET", &format!("/api/articles?{filter}"), None);
        assert_error(&reply, 400, "ValidationError", message);
        assert_eq!(reply.body["error"]["details"]["path"], path, "{filter}");
        assert_eq!(reply.body["error"]["details"]["param"], "filters");
    }
    // A token filters only through types it may `find`.
    let token = blog.server.token(
        &blog.admin,
        "custom",
        &["api::article.article.find", "api::author.author.find"],
    );
    let get = |filter: &str| {
        blog.server.get(
            &format!("/api/articles?{}", encode_query(filter)),
            Some(&token),
        )
    };
    assert_eq!(get("filters[author][name][$eq]=Ada").status, 200);
    let reply = get("filters[categories][name][$eq]=x");
    assert_error(&reply, 400, "ValidationError", "Invalid key categories");
    assert_eq!(
        reply.body["error"]["details"],
        json!({"key": "categories", "path": "categories", "source": "query", "param": "filters"})
    );
    let reply = get("filters[author][profile][bio][$eq]=p1");
    assert_error(
        &reply,
        400,
        "ValidationError",
        "Invalid key profile at author.profile",
    );
}

#[test]
fn sorting_reaches_through_relations() {
    let blog = Blog::start();
    let ada = blog.create("/api/authors", json!({"name": "Ada"}));
    let cy = blog.create("/api/authors", json!({"name": "Cy"}));
    let [pa, pc] = ["b", "a"].map(|bio| blog.create("/api/profiles", json!({"bio": bio})));
    blog.put(&format!("/api/authors/{ada}"), json!({"profile": pa}));
    blog.put(&format!("/api/authors/{cy}"), json!({"profile": pc}));
    let [x, y, z] = ["x", "y", "z"].map(|n| blog.create("/api/categories", json!({"name": n})));
    blog.create(
        "/api/articles",
        json!({"title": "by-cy", "author": cy, "categories": [y]}),
    );
    blog.create(
        "/api/articles",
        json!({"title": "by-ada", "author": ada, "categories": [x, z]}),
    );
    blog.create("/api/articles", json!({"title": "nobody"}));
    let titles = |sort: &str| {
        names(
            &blog.get(&format!("/api/articles?fields[0]=title&{sort}")),
            "title",
        )
    };
    assert_eq!(
        titles("sort=author.name:asc"),
        ["by-ada", "by-cy", "nobody"]
    );
    assert_eq!(
        titles("sort=author.name:desc"),
        ["nobody", "by-cy", "by-ada"]
    );
    assert_eq!(
        titles("sort[author][name]=desc"),
        ["nobody", "by-cy", "by-ada"]
    );
    assert_eq!(
        titles("sort[0]=author.profile.bio:asc"),
        ["by-cy", "by-ada", "nobody"]
    );
    // A list sorts by its least value ascending, its greatest descending.
    assert_eq!(
        titles("sort=categories.name:asc"),
        ["by-ada", "by-cy", "nobody"]
    );
    assert_eq!(
        titles("sort=categories.name:desc"),
        ["nobody", "by-ada", "by-cy"]
    );
    for (sort, message, path) in [
        (
            "sort=author:asc",
            "Invalid key asc at author",
            json!("author"),
        ),
        (
            "sort=author.nope:asc",
            "Invalid key nope at author",
            json!("author"),
        ),
        (
            "sort=author.email:asc",
            "Invalid key email at author.email",
            json!("author.email"),
        ),
    ] {
        let reply = blog.call("GET", &format!("/api/articles?{sort}"), None);
        assert_error(&reply, 400, "ValidationError", message);
        assert_eq!(reply.body["error"]["details"]["path"], path, "{sort}");
        assert_eq!(reply.body["error"]["details"]["param"], "sort");
    }
    let token = blog
        .server
        .token(&blog.admin, "custom", &["api::article.article.find"]);
    let reply = blog.server.get(
        &format!("/api/articles?{}", encode_query("sort=author.name:asc")),
        Some(&token),
    );
    assert_error(&reply, 400, "ValidationError", "Invalid key author");
    assert_eq!(
        reply.body["error"]["details"],
        json!({"key": "author", "path": "author", "source": "query", "param": "sort"})
    );
}

#[test]
fn graphql_reads_and_writes_relations_in_strapis_shape() {
    let blog = Blog::start();
    let ada = blog.create("/api/authors", json!({"name": "Ada"}));
    let [x, y] = ["x", "y"].map(|n| blog.create("/api/categories", json!({"name": n})));
    let graphql = |token: &str, query: &str| {
        let reply = blog
            .server
            .post("/graphql", Some(token), &json!({ "query": query }));
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.body
    };
    let created = graphql(
        &blog.token,
        &format!(
            r#"mutation {{ createArticle(data: {{title: "G1", author: "{ada}", categories: ["{x}", "{y}"]}}) {{
                 title author {{ name }} categories(sort: "name:desc") {{ name }} }} }}"#
        ),
    );
    assert_eq!(
        created["data"]["createArticle"],
        json!({"title": "G1", "author": {"name": "Ada"}, "categories": [{"name": "y"}, {"name": "x"}]}),
        "{created}"
    );
    blog.create("/api/articles", json!({"title": "G2", "categories": [y]}));
    let read = graphql(
        &blog.token,
        r#"{ articles(sort: "title") { title author { name articles { title } }
             categories(pagination: {limit: 1}) { name }
             categories_connection { nodes { name } } } }"#,
    );
    assert_eq!(
        read["data"]["articles"],
        json!([
            {"title": "G1", "author": {"name": "Ada", "articles": [{"title": "G1"}]},
             "categories": [{"name": "x"}], "categories_connection": {"nodes": [{"name": "x"}, {"name": "y"}]}},
            {"title": "G2", "author": null, "categories": [{"name": "y"}],
             "categories_connection": {"nodes": [{"name": "y"}]}}
        ]),
        "{read}"
    );
    let filtered = graphql(
        &blog.token,
        r#"{ articles(filters: {author: {name: {eq: "Ada"}}}) { title } }"#,
    );
    assert_eq!(
        filtered["data"]["articles"],
        json!([{"title": "G1"}]),
        "{filtered}"
    );
    let through_list = graphql(
        &blog.token,
        r#"{ articles_connection(filters: {categories: {name: {eq: "y"}}}) { nodes { title } pageInfo { total } } }"#,
    );
    assert_eq!(
        through_list["data"]["articles_connection"]["pageInfo"]["total"],
        2
    );
    // A relation to a type the token may not `find`: FORBIDDEN beside the data.
    let token = blog.server.token(
        &blog.admin,
        "custom",
        &["api::article.article.find", "api::category.category.find"],
    );
    let forbidden = graphql(
        &token,
        r#"{ articles(sort: "title") { title author { name } } }"#,
    );
    assert_eq!(
        forbidden["data"]["articles"][0]["author"],
        Value::Null,
        "{forbidden}"
    );
    assert_eq!(
        forbidden["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{forbidden}"
    );
    let allowed = graphql(
        &token,
        r#"{ articles(sort: "title") { categories { name } } }"#,
    );
    assert!(allowed.get("errors").is_none(), "{allowed}");
}

#[test]
fn a_populated_page_costs_one_statement_per_relation() {
    use diesel::connection::{Connection, InstrumentationEvent};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use vellum::content::query::{Limits, parse_query_string};
    let blog = Blog::start();
    let ada = blog.create("/api/authors", json!({"name": "Ada"}));
    let [x, y] = ["x", "y"].map(|n| blog.create("/api/categories", json!({"name": n})));
    for i in 0..25 {
        blog.create(
            "/api/articles",
            json!({"title": format!("a{i}"), "author": ada, "categories": [x, y]}),
        );
    }
    let registry = blog.server.state.content();
    let article = registry.by_uid("api::article.article").unwrap();
    let limits = Limits::of(&blog.server.state.config);
    let statements = std::sync::Arc::new(AtomicUsize::new(0));
    let mut conn = blog.server.state.pool.get().unwrap();
    let counter = statements.clone();
    conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
        if matches!(event, InstrumentationEvent::StartQuery { .. }) {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    for (page_size, expected) in [(25, 25), (5, 5)] {
        let query = parse_query_string(
            &registry,
            &article,
            &format!(
                "pagination[pageSize]={page_size}&pagination[withCount]=false&populate[0]=author&populate[1]=categories"
            ),
            limits,
        )
        .unwrap();
        statements.store(0, Ordering::SeqCst);
        let (entries, _) = vellum::content::store::find(&mut conn, &article, &query).unwrap();
        assert_eq!(entries.len(), expected);
        assert!(
            entries
                .iter()
                .map(|e| Value::from(e.clone()))
                .all(|e| e["author"]["name"] == "Ada"
                    && e["categories"].as_array().unwrap().len() == 2)
        );
        // The page, then one statement per populated relation, whatever the page's size.
        assert_eq!(statements.load(Ordering::SeqCst), 3, "page of {page_size}");
    }
    conn.set_instrumentation(|_: InstrumentationEvent<'_>| {});
}

#[test]
fn the_content_type_api_writes_the_other_side_of_a_new_relation() {
    let types = tempfile::tempdir().unwrap();
    for name in ["article", "author", "category", "tag", "profile"] {
        std::fs::copy(
            format!("{}/{name}.json", fixture("relations")),
            types.path().join(format!("{name}.json")),
        )
        .unwrap();
    }
    let dir = types.path().display().to_string();
    let server = TestServer::start_with(&[("CONTENT_TYPES_DIR", dir.as_str())]);
    let admin = server.register_admin();
    let schema = json!({
        "kind": "collectionType",
        "info": {"singularName": "post", "pluralName": "posts", "displayName": "Post"},
        "options": {"draftAndPublish": false},
        "attributes": {
            "headline": {"type": "string"},
            "writer": {"type": "relation", "relation": "manyToOne", "target": "api::author.author", "inversedBy": "posts"}
        }
    });
    let reply = server.post(
        "/admin/content-types",
        Some(&admin),
        &json!({ "data": schema }),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    // The author's schema gained the other side, in force and on disk.
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(types.path().join("author.json")).unwrap())
            .unwrap();
    assert_eq!(
        written["attributes"]["posts"],
        json!({"type": "relation", "relation": "oneToMany", "target": "api::post.post", "mappedBy": "writer"})
    );
    let token = server.token(&admin, "full-access", &[]);
    let ada = server
        .post(
            "/api/authors",
            Some(&token),
            &json!({"data": {"name": "Ada"}}),
        )
        .body["data"]["documentId"]
        .as_str()
        .unwrap()
        .to_string();
    let reply = server.post(
        "/api/posts",
        Some(&token),
        &json!({"data": {"headline": "h", "writer": ada}}),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    let author = server.get(&format!("/api/authors/{ada}?populate=posts"), Some(&token));
    assert_eq!(
        author.body["data"]["posts"][0]["headline"], "h",
        "{}",
        author.body
    );
    // A relation to a type that does not exist is refused with its path.
    let mut wrong = schema.clone();
    wrong["info"] = json!({"singularName": "note", "pluralName": "notes"});
    wrong["attributes"]["writer"]["target"] = json!("api::ghost.ghost");
    let reply = server.post(
        "/admin/content-types",
        Some(&admin),
        &json!({ "data": wrong }),
    );
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(
        reply.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("`api::ghost.ghost` is not a content type"),
        "{}",
        reply.body
    );
}
