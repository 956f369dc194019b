//! The order of an answer's root fields: the query's.

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Selection, SelectionSet,
};
use async_graphql::{Name, Value as GraphqlValue};

/// Puts the root fields of `data` in the query's order: async-graphql resolves a query's root
/// fields concurrently and writes each where its read ends, while GraphQL answers in the order
/// of the query (what the plans do too).
pub fn in_query_order(
    data: &mut GraphqlValue,
    document: &ExecutableDocument,
    operation_name: Option<&str>,
) {
    let GraphqlValue::Object(fields) = data else {
        return;
    };
    if fields.len() < 2 {
        return;
    }
    // The operation async-graphql ran.
    let operation = match (&document.operations, operation_name) {
        (DocumentOperations::Single(operation), None) => Some(operation),
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name),
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next()
        }
        _ => None,
    };
    let Some(operation) = operation else {
        return;
    };
    let mut keys = Vec::new();
    response_keys(
        &operation.node.selection_set.node,
        document,
        &mut Vec::new(),
        &mut keys,
    );
    let position = |key: &Name| keys.iter().position(|k| *k == key).unwrap_or(usize::MAX);
    fields.sort_by(|a, _, b, _| position(a).cmp(&position(b)));
}

/// The response keys of a selection set, through its fragments, in order.
fn response_keys<'a>(
    set: &'a SelectionSet,
    document: &'a ExecutableDocument,
    visiting: &mut Vec<&'a Name>,
    keys: &mut Vec<&'a Name>,
) {
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => {
                let key = &field.node.response_key().node;
                if !keys.contains(&key) {
                    keys.push(key);
                }
            }
            Selection::FragmentSpread(spread) => {
                let name = &spread.node.fragment_name.node;
                if let Some(fragment) = document.fragments.get(name)
                    && !visiting.contains(&name)
                {
                    visiting.push(name);
                    response_keys(&fragment.node.selection_set.node, document, visiting, keys);
                    visiting.pop();
                }
            }
            Selection::InlineFragment(inline) => {
                response_keys(&inline.node.selection_set.node, document, visiting, keys);
            }
        }
    }
}
