//! The schema of the content types in force and the documents clients send again and again,
//! kept: a query parsed once (and checked by `guard`) is reused while the types stay the same,
//! and one found valid may skip the strict validation.

use super::{Limits, guard, plan};
use crate::content::Registry;
use async_graphql::dynamic::{Schema, SchemaError};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{ValidationMode, Value as GraphqlValue};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// The schema of the content types in force, rebuilt when they change, and the parsed form of
/// the queries clients send again and again.
#[derive(Default)]
pub struct Schemas {
    current: Mutex<Option<(Arc<Registry>, Built)>>,
    documents: Mutex<HashMap<String, Arc<Parsed>>>,
    /// How many answers a plan gave without the executor, since the start.
    planned: std::sync::atomic::AtomicU64,
}

/// The schema of a registry, twice: with every validation rule, and with async-graphql's fast
/// validation (depth, complexity and fragment cycles only) for queries already found valid.
#[derive(Clone)]
pub struct Built {
    pub strict: Schema,
    pub fast: Schema,
}

/// A query as parsed under the content types of `registry`, its plan when it has the shape
/// answered without the executor, and whether it ran once through the strict validation
/// without an error. What is known of it holds for those types only.
pub struct Parsed {
    pub document: ExecutableDocument,
    pub plan: Option<plan::Plan>,
    registry: Arc<Registry>,
    validated: AtomicBool,
}

impl Parsed {
    pub fn new(document: ExecutableDocument, registry: Arc<Registry>) -> Parsed {
        Parsed {
            plan: plan::Plan::of(&document, &registry),
            document,
            registry,
            validated: AtomicBool::new(false),
        }
    }

    pub fn is_validated(&self) -> bool {
        self.validated.load(Ordering::Relaxed)
    }

    /// Records that the query passed the strict validation (it ran without any error).
    pub fn mark_validated(&self) {
        self.validated.store(true, Ordering::Relaxed);
    }
}

/// Parsed queries kept (clients send a few queries many times, with other variables); past this
/// many the cache starts again, so that distinct queries cannot grow it.
const MAX_DOCUMENTS: usize = 256;

/// Longer queries are parsed each time.
const MAX_DOCUMENT_BYTES: usize = 16 * 1024;

impl Schemas {
    /// Counts an answer given by a plan.
    pub fn count_planned(&self) {
        self.planned
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// How many answers plans gave since the start.
    pub fn planned_answers(&self) -> u64 {
        self.planned.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The schema for `registry`: the cached one when the types have not changed since.
    pub fn for_registry(
        &self,
        registry: Arc<Registry>,
        limits: Limits,
    ) -> Result<Built, SchemaError> {
        let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((built_for, built)) = current.as_ref()
            && Arc::ptr_eq(built_for, &registry)
        {
            return Ok(built.clone());
        }
        let built = Built {
            strict: super::schema::build(&registry, limits, ValidationMode::Strict)?,
            fast: super::schema::build(&registry, limits, ValidationMode::Fast)?,
        };
        *current = Some((registry, built.clone()));
        // What was valid against the old types may not be now.
        self.documents
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        Ok(built)
    }

    /// `query` parsed under `registry` and found within `limits` (see `guard`), from the cache
    /// when it was seen before under the same types. Only short queries are kept.
    pub fn parsed(
        &self,
        query: &str,
        registry: &Arc<Registry>,
        limits: Limits,
    ) -> Result<Arc<Parsed>, Unparsed> {
        let lock = || self.documents.lock().unwrap_or_else(|p| p.into_inner());
        let keep = query.len() <= MAX_DOCUMENT_BYTES;
        if keep
            && let Some(parsed) = lock().get(query)
            && Arc::ptr_eq(&parsed.registry, registry)
        {
            return Ok(parsed.clone());
        }
        guard::check_nesting(query).map_err(Unparsed::Refused)?;
        let document = async_graphql::parser::parse_query(query).map_err(Unparsed::Syntax)?;
        guard::check_document(&document, limits.max_depth, limits.max_complexity)
            .map_err(Unparsed::Refused)?;
        let parsed = Arc::new(Parsed::new(document, registry.clone()));
        if keep {
            let mut documents = lock();
            if documents.len() >= MAX_DOCUMENTS {
                documents.clear();
            }
            documents.insert(query.to_string(), parsed.clone());
        }
        Ok(parsed)
    }
}

/// Why a query was not parsed: a syntax error (answered in GraphQL's shape, as the executor
/// would), or a document past the limits.
#[derive(Debug)]
pub enum Unparsed {
    Syntax(async_graphql::parser::Error),
    Refused(guard::Refusal),
}

/// Whether a request may skip the strict validation: its query passed it before (so every rule
/// that reads only the document holds), it has one operation, and each variable's value fits
/// its declared type, which must be a built-in scalar or a list of them (the one rule that reads
/// values). Anything else (input objects, enums, custom scalars) goes through the strict rules.
pub fn may_skip_validation(parsed: &Parsed, variables: &async_graphql::Variables) -> bool {
    let mut operations = parsed.document.operations.iter();
    let (Some((_, operation)), None) = (operations.next(), operations.next()) else {
        return false;
    };
    parsed.is_validated()
        && operation
            .node
            .variable_definitions
            .iter()
            .all(|definition| {
                let definition = &definition.node;
                match variables.get(&definition.name.node) {
                    None => definition.var_type.node.nullable || definition.default_value.is_some(),
                    Some(value) => fits(&definition.var_type.node, value),
                }
            })
}

fn fits(ty: &async_graphql::parser::types::Type, value: &GraphqlValue) -> bool {
    use async_graphql::parser::types::BaseType;
    if let GraphqlValue::Null = value {
        return ty.nullable;
    }
    match (&ty.base, value) {
        (BaseType::List(inner), GraphqlValue::List(items)) => items.iter().all(|v| fits(inner, v)),
        (BaseType::List(inner), single) => fits(inner, single),
        (BaseType::Named(name), value) => match (name.as_str(), value) {
            ("String", GraphqlValue::String(_)) | ("Boolean", GraphqlValue::Boolean(_)) => true,
            ("ID", GraphqlValue::String(_)) => true,
            ("ID", GraphqlValue::Number(n)) => n.is_i64() || n.is_u64(),
            ("Int", GraphqlValue::Number(n)) => {
                n.as_i64().is_some_and(|n| i32::try_from(n).is_ok())
            }
            ("Float", GraphqlValue::Number(_)) => true,
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn only_known_valid_queries_with_fitting_variables_skip_validation() {
        let parsed = |query: &str, validated| {
            let document = async_graphql::parser::parse_query(query).unwrap();
            let parsed = Parsed::new(document, Arc::new(Registry::default()));
            if validated {
                parsed.mark_validated();
            }
            parsed
        };
        let variables = |value: Value| async_graphql::Variables::from_json(value);
        let one = "query($id: ID!, $n: Int, $tags: [String!]) { a(id: $id, n: $n, t: $tags) }";
        let known = parsed(one, true);
        assert!(may_skip_validation(&known, &variables(json!({"id": "x"}))));
        assert!(may_skip_validation(
            &known,
            &variables(json!({"id": 7, "n": -3, "tags": ["a", "b"]}))
        ));
        assert!(may_skip_validation(
            &known,
            &variables(json!({"id": "x", "tags": "a"}))
        ));
        for bad in [
            json!({}),
            json!({"id": null}),
            json!({"id": 1.5}),
            json!({"id": {"a": 1}}),
            json!({"id": "x", "n": "1"}),
            json!({"id": "x", "n": 1.5}),
            json!({"id": "x", "n": 5_000_000_000_i64}),
            json!({"id": "x", "tags": ["a", null]}),
            json!({"id": "x", "tags": [1]}),
        ] {
            assert!(
                !may_skip_validation(&known, &variables(bad.clone())),
                "{bad}"
            );
        }
        assert!(!may_skip_validation(
            &parsed(one, false),
            &variables(json!({"id": "x"}))
        ));
        let input = parsed(
            "query($f: ArticleFiltersInput) { articles(filters: $f) { title } }",
            true,
        );
        assert!(!may_skip_validation(&input, &variables(json!({"f": {}}))));
        let two = parsed("query A { a } query B { b }", true);
        assert!(!may_skip_validation(&two, &variables(json!({}))));
        assert!(may_skip_validation(
            &parsed("query A { a }", true),
            &variables(json!({}))
        ));
    }
}
