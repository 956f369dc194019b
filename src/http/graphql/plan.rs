//! The query front ends send most, `article(documentId: $id) { title … }`, answered without
//! async-graphql's executor: a query already found valid (see `may_skip_validation`) whose every
//! field is an entry field of a content type, selecting only that entry's scalars, is planned
//! once when it is parsed and then run as a findOne on the REST path per field, its answer
//! written in the selection's order and keys, exactly as the executor writes it.
//!
//! Anything else has no plan and goes to the executor, and so does every request whose plan
//! cannot answer it alone: an action not granted (the executor reports the `FORBIDDEN` error
//! and the audit event), a variable without a usable value, another operation name, a database
//! error.

use super::resolvers::Caller;
use super::schema::{attributes, camel, graphql_types};
use crate::auth::content::ContentAction;
use crate::content::Registry;
use crate::content::query::{Query, Status};
use crate::content::schema::{ContentType, Kind};
use crate::content::store;
use async_graphql::Variables;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationType, Selection,
};
use async_graphql::{Name, Value as GraphqlValue};
use async_graphql_value::Value as QueryValue;
use serde_json::{Map, Value};
use std::sync::Arc;

/// How a planned query is answered.
#[derive(Debug)]
pub struct Plan {
    /// The operation's name, when it has one (a request may name it, or none).
    operation: Option<String>,
    fields: Vec<EntryField>,
}

/// A query field answering one entry: `key: article(documentId: …, status: …) { … }`.
#[derive(Debug)]
struct EntryField {
    key: String,
    content_type: Arc<ContentType>,
    /// A collection's `documentId` (a single type has none).
    document_id: Option<Argument>,
    status: Status,
    /// (response key, what is written there).
    selection: Vec<(String, Selected)>,
}

#[derive(Debug)]
enum Argument {
    Literal(String),
    /// A variable, and its default from the operation's definitions.
    Variable(Name, Option<String>),
}

#[derive(Debug)]
enum Selected {
    /// An attribute or system field of the entry, by the key the store gives it.
    Field(String),
    /// `__typename`.
    TypeName(String),
}

impl Plan {
    /// The plan of `document` against the schema of `registry`, when it has the one shape
    /// planned: a query of entry fields (collections by `documentId`, single types), each with
    /// literal or variable arguments and a selection of the entry's scalars, without fragments,
    /// directives or a response key twice.
    pub fn of(document: &ExecutableDocument, registry: &Registry) -> Option<Plan> {
        if !document.fragments.is_empty() {
            return None;
        }
        let (operation, definition) = match &document.operations {
            DocumentOperations::Single(definition) => (None, definition),
            DocumentOperations::Multiple(operations) if operations.len() == 1 => {
                let (name, definition) = operations.iter().next()?;
                (Some(name.to_string()), definition)
            }
            DocumentOperations::Multiple(_) => return None,
        };
        let definition = &definition.node;
        if definition.ty != OperationType::Query || !definition.directives.is_empty() {
            return None;
        }
        let default_of = |variable: &Name| {
            let definition = definition
                .variable_definitions
                .iter()
                .find(|d| d.node.name.node == *variable)?;
            match definition.node.default_value.as_ref().map(|v| &v.node) {
                None => Some(None),
                Some(GraphqlValue::String(text)) => Some(Some(text.clone())),
                Some(_) => None,
            }
        };
        let mut fields: Vec<EntryField> = Vec::new();
        for selection in &definition.selection_set.node.items {
            let Selection::Field(field) = &selection.node else {
                return None;
            };
            let field = &field.node;
            let key = field.response_key().node.to_string();
            if !field.directives.is_empty() || fields.iter().any(|f| f.key == key) {
                return None;
            }
            let content_type = entry_type_of(registry, &field.name.node)?;
            let collection = content_type.kind == Kind::Collection;
            let mut document_id = None;
            let mut status = Status::Published;
            for (name, value) in &field.arguments {
                match (name.node.as_str(), &value.node) {
                    ("documentId", QueryValue::String(id)) if collection => {
                        document_id = Some(Argument::Literal(id.clone()));
                    }
                    ("documentId", QueryValue::Variable(variable)) if collection => {
                        document_id =
                            Some(Argument::Variable(variable.clone(), default_of(variable)?));
                    }
                    ("status", QueryValue::Enum(value)) => {
                        status = if value == "DRAFT" {
                            Status::Draft
                        } else {
                            Status::Published
                        };
                    }
                    _ => return None,
                }
            }
            if collection && document_id.is_none() {
                return None;
            }
            let mut selected: Vec<(String, Selected)> = Vec::new();
            for item in &field.selection_set.node.items {
                let Selection::Field(sub) = &item.node else {
                    return None;
                };
                let sub = &sub.node;
                let sub_key = sub.response_key().node.to_string();
                if !sub.arguments.is_empty()
                    || !sub.directives.is_empty()
                    || !sub.selection_set.node.items.is_empty()
                    || selected.iter().any(|(k, _)| *k == sub_key)
                {
                    return None;
                }
                let name = sub.name.node.as_str();
                let what = if name == "__typename" {
                    Selected::TypeName(super::schema::pascal(&content_type.singular_name))
                } else if is_entry_field(&content_type, name) {
                    Selected::Field(name.to_string())
                } else {
                    return None;
                };
                selected.push((sub_key, what));
            }
            if selected.is_empty() {
                return None;
            }
            fields.push(EntryField {
                key,
                content_type,
                document_id,
                status,
                selection: selected,
            });
        }
        (!fields.is_empty()).then_some(Plan { operation, fields })
    }

    /// The answer (`{"data": …}` as JSON text) of a request of this plan, or `None` when the
    /// executor must answer it.
    pub async fn run(
        &self,
        caller: &Caller,
        operation: Option<&str>,
        variables: &Variables,
    ) -> Option<Vec<u8>> {
        if operation.is_some() && operation != self.operation.as_deref() {
            return None;
        }
        let mut reads = Vec::with_capacity(self.fields.len());
        for field in &self.fields {
            let action = match field.document_id {
                Some(_) => ContentAction::FindOne,
                None => ContentAction::Find,
            };
            if !caller
                .principal
                .permit(&caller.state, &field.content_type, action)
            {
                return None;
            }
            let document_id = match &field.document_id {
                None => None,
                Some(Argument::Literal(id)) => Some(id.clone()),
                Some(Argument::Variable(name, default)) => match variables.get(name) {
                    Some(GraphqlValue::String(id)) => Some(id.clone()),
                    None => Some(default.clone()?),
                    Some(_) => return None,
                },
            };
            reads.push((field.content_type.clone(), document_id, field.status));
        }
        let entries = caller
            .state
            .db(move |conn| {
                reads
                    .iter()
                    .map(|(content_type, document_id, status)| {
                        let query = Query::first(*status);
                        Ok(store::find_one(
                            conn,
                            content_type,
                            document_id.as_deref(),
                            &query,
                        )?)
                    })
                    .collect::<Result<Vec<_>, crate::error::ApiError>>()
            })
            .await
            .ok()?;
        let mut data = Map::with_capacity(self.fields.len());
        for (field, entry) in self.fields.iter().zip(entries) {
            let value = match entry.map(Value::from) {
                Some(Value::Object(entry)) => Value::Object(field.select(&entry)),
                _ => Value::Null,
            };
            data.insert(field.key.clone(), value);
        }
        let mut answer = Map::with_capacity(1);
        answer.insert("data".to_string(), Value::Object(data));
        serde_json::to_vec(&answer).ok()
    }
}

impl EntryField {
    fn select(&self, entry: &Map<String, Value>) -> Map<String, Value> {
        self.selection
            .iter()
            .map(|(key, what)| {
                let value = match what {
                    Selected::Field(name) => entry.get(name).cloned().unwrap_or(Value::Null),
                    Selected::TypeName(name) => Value::String(name.clone()),
                };
                (key.clone(), value)
            })
            .collect()
    }
}

/// The content type whose entry field (`article`, `homepage`) is the query field `name`, when
/// no other query field of the schema has that name.
fn entry_type_of(registry: &Registry, name: &str) -> Option<Arc<ContentType>> {
    let mut found = None;
    for content_type in graphql_types(registry) {
        let plural = camel(&content_type.plural_name);
        if content_type.kind == Kind::Collection
            && (plural == name || format!("{plural}_connection") == name)
        {
            return None;
        }
        if camel(&content_type.singular_name) == name {
            if found.is_some() {
                return None;
            }
            found = Some(content_type.clone());
        }
    }
    found
}

/// Whether `name` is a field of the entry type of `content_type`.
fn is_entry_field(content_type: &ContentType, name: &str) -> bool {
    ["documentId", "createdAt", "updatedAt", "publishedAt"].contains(&name)
        || attributes(content_type).any(|a| a.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::schema::parse;
    use serde_json::json;

    fn registry() -> Registry {
        let article = json!({
            "kind": "collectionType",
            "info": {"singularName": "article", "pluralName": "articles"},
            "options": {"draftAndPublish": true},
            "attributes": {
                "title": {"type": "string"},
                "secret": {"type": "string", "private": true}
            }
        });
        let homepage = json!({
            "kind": "singleType",
            "info": {"singularName": "homepage", "pluralName": "homepages"},
            "attributes": {"headline": {"type": "string"}}
        });
        Registry::new(vec![parse(&article).unwrap(), parse(&homepage).unwrap()])
    }

    fn plan(query: &str) -> Option<Plan> {
        let document = async_graphql::parser::parse_query(query).unwrap();
        Plan::of(&document, &registry())
    }

    #[test]
    fn entry_fields_of_scalars_are_planned() {
        let planned = plan(
            "query One($id: ID! = \"d\") { a: article(documentId: $id, status: DRAFT) \
             { t: title documentId __typename createdAt } homepage { headline } }",
        )
        .unwrap();
        assert_eq!(planned.operation.as_deref(), Some("One"));
        let [article, homepage] = &planned.fields[..] else {
            panic!("{planned:?}");
        };
        assert_eq!(article.key, "a");
        assert_eq!(article.content_type.singular_name, "article");
        assert!(matches!(
            &article.document_id,
            Some(Argument::Variable(name, Some(default))) if name == "id" && default == "d"
        ));
        assert_eq!(article.status, Status::Draft);
        let keys: Vec<&str> = article.selection.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["t", "documentId", "__typename", "createdAt"]);
        assert!(matches!(&article.selection[0].1, Selected::Field(name) if name == "title"));
        assert!(matches!(&article.selection[2].1, Selected::TypeName(name) if name == "Article"));
        assert_eq!(homepage.key, "homepage");
        assert!(homepage.document_id.is_none());
        assert_eq!(homepage.status, Status::Published);
        let literal = plan("{ article(documentId: \"x\") { title } }").unwrap();
        assert!(literal.operation.is_none());
        assert!(matches!(
            &literal.fields[0].document_id,
            Some(Argument::Literal(id)) if id == "x"
        ));
    }

    #[test]
    fn every_other_shape_goes_to_the_executor() {
        for query in [
            "mutation { createArticle(data: {title: \"t\"}) { title } }",
            "{ articles { title } }",
            "{ articles_connection { nodes { title } } }",
            "{ article(documentId: \"x\") { ...F } } fragment F on Article { title }",
            "{ article(documentId: \"x\") { ... on Article { title } } }",
            "{ article(documentId: \"x\") @include(if: true) { title } }",
            "{ article(documentId: \"x\") { title @skip(if: false) } }",
            "query @deprecated { article(documentId: \"x\") { title } }",
            "{ article(documentId: \"x\") { title title } }",
            "{ article(documentId: \"x\") { title } article(documentId: \"y\") { title } }",
            "{ article(documentId: \"x\") { secret } }",
            "{ article(documentId: \"x\") { id } }",
            "{ article(documentId: \"x\") { } }",
            "{ article { title } }",
            "{ article(documentId: 7) { title } }",
            "query($s: PublicationStatus) { article(documentId: \"x\", status: $s) { title } }",
            "query($id: ID = 7) { article(documentId: $id) { title } }",
            "{ homepage(documentId: \"x\") { headline } }",
            "{ __typename }",
            "{ __schema { types { name } } }",
            "query A { homepage { headline } } query B { homepage { headline } }",
        ] {
            let parsed = async_graphql::parser::parse_query(query);
            let planned = parsed.ok().and_then(|d| Plan::of(&d, &registry()));
            assert!(planned.is_none(), "{query}: {planned:?}");
        }
    }

    #[test]
    fn a_name_two_types_would_answer_is_not_planned() {
        let mut types = registry().types;
        let clash = json!({
            "kind": "collectionType",
            "info": {"singularName": "news", "pluralName": "article"},
            "attributes": {"title": {"type": "string"}}
        });
        types.push(Arc::new(parse(&clash).unwrap()));
        let registry = Registry { types };
        let document =
            async_graphql::parser::parse_query("{ article(documentId: \"x\") { title } }").unwrap();
        assert!(Plan::of(&document, &registry).is_none());
    }
}
