//! Property test of the filter language: random filter trees either answer 200 with exactly
//! the rows a plain in-memory evaluation (SQL's three-valued logic) selects, or 400; never 500.

use crate::common::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};

/// A row as the test knows it.
#[derive(Debug, Clone)]
struct Row {
    document_id: String,
    name: Option<String>,
    count: Option<i64>,
    active: Option<bool>,
}

const NAMES: &[&str] = &[
    "Émile",
    "émile",
    "ÉMILE",
    "gizmo",
    "Gizmo Deluxe",
    "a",
    "",
    "zz top",
    "Ünïcode",
];

#[derive(Debug, Clone)]
enum Tree {
    And(Vec<Tree>),
    Or(Vec<Tree>),
    Not(Box<Tree>),
    Name(&'static str, String),
    Count(&'static str, Vec<i64>),
    Active(bool),
    Null(&'static str, bool),
}

fn leaf() -> impl Strategy<Value = Tree> {
    let text_ops = prop::sample::select(vec![
        "$eq",
        "$eqi",
        "$ne",
        "$nei",
        "$lt",
        "$gte",
        "$contains",
        "$notContains",
        "$containsi",
        "$notContainsi",
        "$startsWith",
        "$startsWithi",
        "$endsWith",
        "$endsWithi",
    ]);
    let fragments = prop::sample::select(vec![
        "É", "é", "mile", "MILE", "giz", "Giz", "o", "", "top", "ü", "Ü",
    ]);
    let count_ops = prop::sample::select(vec![
        "$eq", "$ne", "$lt", "$lte", "$gt", "$gte", "$in", "$notIn", "$between",
    ]);
    prop_oneof![
        (
            text_ops,
            prop_oneof![fragments, prop::sample::select(NAMES.to_vec())]
        )
            .prop_map(|(op, v)| Tree::Name(op, v.to_string())),
        (count_ops, prop::collection::vec(-1i64..6, 0..4)).prop_map(|(op, mut values)| {
            match op {
                "$between" => values.resize(2, 2),
                "$in" | "$notIn" => {}
                _ => values.resize(1, 3),
            }
            Tree::Count(op, values)
        }),
        any::<bool>().prop_map(Tree::Active),
        (
            prop::sample::select(vec!["name", "count", "active"]),
            any::<bool>()
        )
            .prop_map(|(field, flag)| Tree::Null(field, flag)),
    ]
}

fn tree() -> impl Strategy<Value = Tree> {
    leaf().prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..4).prop_map(Tree::And),
            prop::collection::vec(inner.clone(), 1..4).prop_map(Tree::Or),
            inner.prop_map(|t| Tree::Not(Box::new(t))),
        ]
    })
}

/// The tree as `qs` would encode it under `prefix`.
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
        Tree::Name(op, value) => out.push(format!("{prefix}[name][{op}]={value}")),
        Tree::Count(op, values) => {
            if matches!(*op, "$in" | "$notIn" | "$between") {
                for (i, value) in values.iter().enumerate() {
                    out.push(format!("{prefix}[count][{op}][{i}]={value}"));
                }
                if values.is_empty() {
                    // An empty list cannot be written in qs; fall back to a plain equality.
                    out.push(format!("{prefix}[count][$eq]=0"));
                }
            } else {
                out.push(format!("{prefix}[count][{op}]={}", values[0]));
            }
        }
        Tree::Active(flag) => out.push(format!("{prefix}[active][$eq]={flag}")),
        Tree::Null(field, flag) => out.push(format!("{prefix}[{field}][$null]={flag}")),
    }
}

/// SQL's three-valued logic: `None` is unknown.
fn eval(tree: &Tree, row: &Row) -> Option<bool> {
    match tree {
        Tree::And(children) | Tree::Or(children) => {
            // Kleene logic: AND is false if any part is false, OR true if any part is true.
            let decisive = matches!(tree, Tree::Or(_));
            let values: Vec<Option<bool>> = children.iter().map(|c| eval(c, row)).collect();
            if values.contains(&Some(decisive)) {
                Some(decisive)
            } else if values.iter().all(Option::is_some) {
                Some(!decisive)
            } else {
                None
            }
        }
        Tree::Not(child) => eval(child, row).map(|b| !b),
        Tree::Name(op, value) => {
            let name = row.name.as_deref()?;
            let (lower_name, lower_value) = (name.to_lowercase(), value.to_lowercase());
            Some(match *op {
                "$eq" => name == value,
                "$eqi" => lower_name == lower_value,
                "$ne" => name != value,
                "$nei" => lower_name != lower_value,
                "$lt" => name < value.as_str(),
                "$gte" => name >= value.as_str(),
                "$contains" => name.contains(value.as_str()),
                "$notContains" => !name.contains(value.as_str()),
                "$containsi" => lower_name.contains(&lower_value),
                "$notContainsi" => !lower_name.contains(&lower_value),
                "$startsWith" => name.starts_with(value.as_str()),
                "$startsWithi" => lower_name.starts_with(&lower_value),
                "$endsWith" => name.ends_with(value.as_str()),
                "$endsWithi" => lower_name.ends_with(&lower_value),
                other => panic!("operator {other}"),
            })
        }
        Tree::Count(op, values) => {
            let count = row.count?;
            match *op {
                "$in" | "$notIn" if values.is_empty() => Some(count == 0),
                "$in" => Some(values.contains(&count)),
                "$notIn" => Some(!values.contains(&count)),
                "$between" => Some(values[0] <= count && count <= values[1]),
                "$eq" => Some(count == values[0]),
                "$ne" => Some(count != values[0]),
                "$lt" => Some(count < values[0]),
                "$lte" => Some(count <= values[0]),
                "$gt" => Some(count > values[0]),
                "$gte" => Some(count >= values[0]),
                other => panic!("operator {other}"),
            }
        }
        Tree::Active(flag) => row.active.map(|active| active == *flag),
        Tree::Null(field, flag) => {
            let is_null = match *field {
                "name" => row.name.is_none(),
                "count" => row.count.is_none(),
                _ => row.active.is_none(),
            };
            Some(is_null == *flag)
        }
    }
}

#[test]
fn random_filters_match_in_memory_evaluation() {
    let dir = fixture("content-types");
    let server = TestServer::start_with(&[("CONTENT_TYPES_DIR", &dir)]);
    let admin = server.register_admin();
    let token = server.token(&admin, "full-access", &[]);
    let mut rows = Vec::new();
    for i in 0..14usize {
        let name = (i % 10 != 9).then(|| NAMES[i % NAMES.len()].to_string());
        let count = (i % 7 != 6).then_some((i as i64 % 6) - 1);
        let active = (i % 5 != 4).then_some(i % 2 == 0);
        let reply = server.post(
            "/api/gadgets",
            Some(&token),
            &json!({"data": {"name": name, "count": count, "active": active}}),
        );
        assert_eq!(reply.status, 201, "{}", reply.body);
        rows.push(Row {
            document_id: reply.body["data"]["documentId"]
                .as_str()
                .unwrap()
                .to_string(),
            name,
            count,
            active,
        });
    }
    let mut runner = TestRunner::new(Config {
        cases: proptest_cases(200),
        ..Config::default()
    });
    runner
        .run(&tree(), |tree| {
            let mut parts = Vec::new();
            encode(&tree, "filters", &mut parts);
            parts.push("pagination[pageSize]=100".into());
            let query = encode_query(&parts.join("&"));
            let reply = server.get(&format!("/api/gadgets?{query}"), Some(&token));
            prop_assert!(
                reply.status == 200 || reply.status == 400,
                "{} for {parts:?}",
                reply.status
            );
            if reply.status == 200 {
                let mut got: Vec<String> = reply.body["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["documentId"].as_str().unwrap().to_string())
                    .collect();
                got.sort();
                let mut expected: Vec<String> = rows
                    .iter()
                    .filter(|row| eval(&tree, row) == Some(true))
                    .map(|row| row.document_id.clone())
                    .collect();
                expected.sort();
                prop_assert_eq!(got, expected, "{:?}", parts);
            } else {
                let body: &Value = &reply.body;
                prop_assert_eq!(&body["error"]["name"], "ValidationError");
            }
            Ok(())
        })
        .unwrap();
}
