//! Property tests of relations against an in-memory model of a small blog: random `populate`
//! trees, written in Strapi's forms, answer exactly the related entries and keys the model
//! gives; random filter trees through relations select exactly the articles the model selects.

use crate::common::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Value, json};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Ty {
    Article,
    Author,
    Category,
}

impl Ty {
    fn path(self) -> &'static str {
        match self {
            Ty::Article => "/api/articles",
            Ty::Author => "/api/authors",
            Ty::Category => "/api/categories",
        }
    }

    /// Scalar attributes, in the schema's order.
    fn attributes(self) -> &'static [&'static str] {
        match self {
            Ty::Article => &["title"],
            Ty::Author => &["name"], // `email` is private
            Ty::Category => &["name"],
        }
    }

    /// The relations the test populates, with their targets.
    fn relations(self) -> &'static [(&'static str, Ty)] {
        match self {
            Ty::Article => &[("author", Ty::Author), ("categories", Ty::Category)],
            Ty::Author => &[("articles", Ty::Article)],
            Ty::Category => &[("articles", Ty::Article)],
        }
    }
}

/// The data as the test wrote it.
struct Blog {
    authors: Vec<String>,
    categories: Vec<String>,
    articles: Vec<String>,
    author_of: Vec<Option<usize>>,
    categories_of: Vec<Vec<usize>>,
}

const AUTHOR_NAMES: [&str; 4] = ["Ada", "Bo", "Cy", "Di"];
const CATEGORY_NAMES: [&str; 4] = ["news", "tech", "art", "misc"];
const ARTICLES: usize = 8;

impl Blog {
    fn documents(&self, ty: Ty) -> &[String] {
        match ty {
            Ty::Article => &self.articles,
            Ty::Author => &self.authors,
            Ty::Category => &self.categories,
        }
    }

    fn label(&self, ty: Ty, index: usize) -> String {
        match ty {
            Ty::Article => format!("t{index}"),
            Ty::Author => AUTHOR_NAMES[index].to_string(),
            Ty::Category => CATEGORY_NAMES[index].to_string(),
        }
    }

    /// The entries `relation` of entry `index` links to.
    fn related(&self, ty: Ty, index: usize, relation: &str) -> Vec<usize> {
        match (ty, relation) {
            (Ty::Article, "author") => self.author_of[index].into_iter().collect(),
            (Ty::Article, "categories") => self.categories_of[index].clone(),
            (Ty::Author, "articles") => (0..ARTICLES)
                .filter(|&a| self.author_of[a] == Some(index))
                .collect(),
            (Ty::Category, "articles") => (0..ARTICLES)
                .filter(|&a| self.categories_of[a].contains(&index))
                .collect(),
            other => panic!("no relation {other:?}"),
        }
    }
}

/// One populated relation: its fields (all when `None`) and what is populated on its targets.
#[derive(Debug, Clone)]
struct Node {
    relation: &'static str,
    target: Ty,
    fields: Option<Vec<&'static str>>,
    children: Vec<Node>,
}

fn nodes(ty: Ty, depth: u32) -> BoxedStrategy<Vec<Node>> {
    let choices: Vec<BoxedStrategy<Option<Node>>> = ty
        .relations()
        .iter()
        .map(|&(relation, target)| {
            let fields = prop::option::of(prop::sample::subsequence(
                target.attributes(),
                1..=target.attributes().len(),
            ));
            let children = if depth == 0 {
                Just(Vec::new()).boxed()
            } else {
                nodes(target, depth - 1)
            };
            prop::option::of((fields, children).prop_map(move |(fields, children)| Node {
                relation,
                target,
                fields,
                children,
            }))
            .boxed()
        })
        .collect();
    choices
        .prop_map(|nodes| nodes.into_iter().flatten().collect())
        .boxed()
}

/// The tree in the object form: `populate[a][fields][0]=x&populate[a][populate][b]=true`.
fn object_form(nodes: &[Node], prefix: &str, out: &mut Vec<String>) {
    for node in nodes {
        let at = format!("{prefix}[{}]", node.relation);
        if node.fields.is_none() && node.children.is_empty() {
            out.push(format!("{at}=true"));
        }
        for (i, field) in node.fields.iter().flatten().enumerate() {
            out.push(format!("{at}[fields][{i}]={field}"));
        }
        object_form(&node.children, &format!("{at}[populate]"), out);
    }
}

/// The tree as dotted paths (`author.articles,categories`), for trees without `fields`.
fn paths(nodes: &[Node], prefix: &str, out: &mut Vec<String>) {
    for node in nodes {
        let path = format!("{prefix}{}", node.relation);
        if node.children.is_empty() {
            out.push(path);
        } else {
            paths(&node.children, &format!("{path}."), out);
        }
    }
}

fn has_fields(nodes: &[Node]) -> bool {
    nodes
        .iter()
        .any(|n| n.fields.is_some() || has_fields(&n.children))
}

/// What the test compares of an entry: its documentId, its keys, its label when shown, and its
/// populated relations (lists ordered by documentId).
fn canonical(entry: &Map<String, Value>, ty: Ty, nodes: &[Node]) -> Value {
    let mut keys: Vec<&String> = entry.keys().collect();
    keys.sort();
    let label = ty.attributes()[0];
    let mut relations = Map::new();
    for node in nodes {
        let value = &entry[node.relation];
        let list: Vec<Value> = match value {
            Value::Array(items) => items
                .iter()
                .map(|item| canonical(item.as_object().unwrap(), node.target, &node.children))
                .collect(),
            Value::Object(item) => vec![canonical(item, node.target, &node.children)],
            _ => Vec::new(),
        };
        relations.insert(node.relation.to_string(), sorted(list));
    }
    json!({
        "documentId": entry["documentId"],
        "keys": keys,
        "label": entry.get(label),
        "relations": relations,
    })
}

/// The same, from the model.
fn expected(blog: &Blog, ty: Ty, index: usize, fields: Option<&[&str]>, nodes: &[Node]) -> Value {
    let shown: Vec<&str> = fields.map_or_else(|| ty.attributes().to_vec(), <[&str]>::to_vec);
    let mut keys: Vec<String> = ["id", "documentId"]
        .into_iter()
        .chain(shown.iter().copied())
        .chain(nodes.iter().map(|n| n.relation))
        .map(String::from)
        .collect();
    if fields.is_none() {
        keys.extend(["createdAt", "updatedAt", "publishedAt"].map(String::from));
    }
    keys.sort();
    let label = ty.attributes()[0];
    let mut relations = Map::new();
    for node in nodes {
        let list = blog
            .related(ty, index, node.relation)
            .into_iter()
            .map(|i| expected(blog, node.target, i, node.fields.as_deref(), &node.children))
            .collect();
        relations.insert(node.relation.to_string(), sorted(list));
    }
    json!({
        "documentId": blog.documents(ty)[index],
        "keys": keys,
        "label": shown.contains(&label).then(|| blog.label(ty, index)),
        "relations": relations,
    })
}

fn sorted(mut list: Vec<Value>) -> Value {
    list.sort_by(|a, b| a["documentId"].as_str().cmp(&b["documentId"].as_str()));
    Value::Array(list)
}

/// A filter on articles.
#[derive(Debug, Clone)]
enum Tree {
    And(Vec<Tree>),
    Or(Vec<Tree>),
    Not(Box<Tree>),
    /// `[title][op]=v`.
    Title(&'static str, String),
    /// `[author][name][op]=v`: the article's author matches.
    AuthorName(&'static str, String),
    /// `[categories][name][op]=v`: one of its categories matches.
    CategoryName(&'static str, String),
    /// `[author][articles][title][$eq]=v`: its author wrote an article so titled.
    AuthorWrote(String),
}

fn text_op() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["$eq", "$ne", "$contains", "$startsWith", "$eqi"])
}

fn leaf() -> impl Strategy<Value = Tree> {
    let titles = prop::sample::select(
        (0..ARTICLES + 1)
            .map(|i| format!("t{i}"))
            .collect::<Vec<_>>(),
    );
    let names = prop::sample::select(vec!["Ada", "Bo", "Cy", "Di", "a", "B", "zz"]);
    let categories = prop::sample::select(vec!["news", "tech", "art", "misc", "e", "T", "zz"]);
    prop_oneof![
        (text_op(), titles.clone()).prop_map(|(op, v)| Tree::Title(op, v)),
        (text_op(), names).prop_map(|(op, v)| Tree::AuthorName(op, v.to_string())),
        (text_op(), categories).prop_map(|(op, v)| Tree::CategoryName(op, v.to_string())),
        titles.prop_map(Tree::AuthorWrote),
    ]
}

fn tree() -> impl Strategy<Value = Tree> {
    leaf().prop_recursive(3, 16, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..4).prop_map(Tree::And),
            prop::collection::vec(inner.clone(), 1..4).prop_map(Tree::Or),
            inner.prop_map(|t| Tree::Not(Box::new(t))),
        ]
    })
}

fn encode(tree: &Tree, prefix: &str, out: &mut Vec<String>) {
    match tree {
        Tree::And(children) | Tree::Or(children) => {
            let key = if matches!(tree, Tree::And(_)) {
                "$and"
            } else {
                "$or"
            };
            for (i, child) in children.iter().enumerate() {
                encode(child, &format!("{prefix}[{key}][{i}]"), out);
            }
        }
        Tree::Not(child) => encode(child, &format!("{prefix}[$not]"), out),
        Tree::Title(op, v) => out.push(format!("{prefix}[title][{op}]={v}")),
        Tree::AuthorName(op, v) => out.push(format!("{prefix}[author][name][{op}]={v}")),
        Tree::CategoryName(op, v) => out.push(format!("{prefix}[categories][name][{op}]={v}")),
        Tree::AuthorWrote(v) => out.push(format!("{prefix}[author][articles][title][$eq]={v}")),
    }
}

fn text_matches(op: &str, text: &str, value: &str) -> bool {
    match op {
        "$eq" => text == value,
        "$ne" => text != value,
        "$contains" => text.contains(value),
        "$startsWith" => text.starts_with(value),
        "$eqi" => text.to_lowercase() == value.to_lowercase(),
        other => panic!("operator {other}"),
    }
}

/// Whether article `a` matches: a condition through a relation holds when some related entry
/// matches it (no related entry: false), and `$not` negates that.
fn eval(blog: &Blog, tree: &Tree, a: usize) -> bool {
    match tree {
        Tree::And(children) => children.iter().all(|c| eval(blog, c, a)),
        Tree::Or(children) => children.iter().any(|c| eval(blog, c, a)),
        Tree::Not(child) => !eval(blog, child, a),
        Tree::Title(op, v) => text_matches(op, &format!("t{a}"), v),
        Tree::AuthorName(op, v) => {
            blog.author_of[a].is_some_and(|w| text_matches(op, AUTHOR_NAMES[w], v))
        }
        Tree::CategoryName(op, v) => blog.categories_of[a]
            .iter()
            .any(|&c| text_matches(op, CATEGORY_NAMES[c], v)),
        Tree::AuthorWrote(v) => blog.author_of[a].is_some_and(|w| {
            blog.related(Ty::Author, w, "articles")
                .iter()
                .any(|&other| format!("t{other}") == *v)
        }),
    }
}

/// The blog: four authors (one without articles), four categories, eight articles (one
/// without an author, one without categories).
fn seed(server: &TestServer, token: &str) -> Blog {
    let create = |path: &str, data: Value| -> String {
        let reply = server.post(path, Some(token), &json!({ "data": data }));
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.body["data"]["documentId"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let authors: Vec<String> = AUTHOR_NAMES
        .iter()
        .map(|name| create("/api/authors", json!({ "name": name })))
        .collect();
    let categories: Vec<String> = CATEGORY_NAMES
        .iter()
        .map(|name| create("/api/categories", json!({ "name": name })))
        .collect();
    let author_of: Vec<Option<usize>> = (0..ARTICLES).map(|i| (i != 7).then_some(i % 3)).collect();
    let categories_of: Vec<Vec<usize>> = (0..ARTICLES)
        .map(|i| match i {
            6 => Vec::new(),
            _ if i % 3 == 0 => vec![i % 4],
            _ => vec![i % 4, (i * 3 + 1) % 4],
        })
        .collect();
    let articles = (0..ARTICLES)
        .map(|i| {
            let author = author_of[i].map(|w| authors[w].clone());
            let linked: Vec<&String> = categories_of[i].iter().map(|&c| &categories[c]).collect();
            create(
                "/api/articles",
                json!({ "title": format!("t{i}"), "author": author, "categories": linked }),
            )
        })
        .collect();
    Blog {
        authors,
        categories,
        articles,
        author_of,
        categories_of,
    }
}

#[test]
fn random_populates_and_relation_filters_match_the_model() {
    let dir = fixture("relations");
    let server = TestServer::start_with(&[("CONTENT_TYPES_DIR", &dir)]);
    let admin = server.register_admin();
    let token = server.token(&admin, "full-access", &[]);
    let blog = seed(&server, &token);
    let config = || Config {
        cases: proptest_cases(150),
        ..Config::default()
    };

    let populates = (
        prop::sample::select(vec![Ty::Article, Ty::Author, Ty::Category]),
        any::<bool>(),
    )
        .prop_flat_map(|(ty, dotted)| (Just(ty), nodes(ty, 2), Just(dotted)));
    TestRunner::new(config())
        .run(&populates, |(ty, tree, dotted)| {
            let mut parts = Vec::new();
            if dotted && !has_fields(&tree) {
                let mut list = Vec::new();
                paths(&tree, "", &mut list);
                parts.extend(
                    list.iter()
                        .enumerate()
                        .map(|(i, p)| format!("populate[{i}]={p}")),
                );
            } else {
                object_form(&tree, "populate", &mut parts);
            }
            parts.push("pagination[pageSize]=100".into());
            let query = encode_query(&parts.join("&"));
            let reply = server.get(&format!("{}?{query}", ty.path()), Some(&token));
            prop_assert_eq!(reply.status, 200, "{} for {:?}", reply.body, parts);
            let got: Vec<Value> = reply.body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| canonical(e.as_object().unwrap(), ty, &tree))
                .collect();
            let want: Vec<Value> = (0..blog.documents(ty).len())
                .map(|i| expected(&blog, ty, i, None, &tree))
                .collect();
            prop_assert_eq!(sorted(got), sorted(want), "{:?}", parts);
            Ok(())
        })
        .unwrap();

    TestRunner::new(config())
        .run(&tree(), |tree| {
            let mut parts = Vec::new();
            encode(&tree, "filters", &mut parts);
            parts.push("pagination[pageSize]=100".into());
            let query = encode_query(&parts.join("&"));
            let reply = server.get(&format!("/api/articles?{query}"), Some(&token));
            prop_assert_eq!(reply.status, 200, "{} for {:?}", reply.body, parts);
            let mut got: Vec<&str> = reply.body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["documentId"].as_str().unwrap())
                .collect();
            got.sort_unstable();
            let mut want: Vec<&str> = (0..ARTICLES)
                .filter(|&a| eval(&blog, &tree, a))
                .map(|a| blog.articles[a].as_str())
                .collect();
            want.sort_unstable();
            prop_assert_eq!(got, want, "{:?}", parts);
            Ok(())
        })
        .unwrap();
}
