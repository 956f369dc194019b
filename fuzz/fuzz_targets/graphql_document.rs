//! The GraphQL document guard on any text: never a panic, and every document it lets through
//! costs a walk that inlines every spread (as async-graphql's validation does) no more than the
//! limits allow: that walk here runs on a budget and must never exhaust it.
#![no_main]
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use libfuzzer_sys::fuzz_target;
use vellum::http::graphql::guard::{check_document, check_nesting, max_work};

const MAX_DEPTH: usize = 10;
const MAX_COMPLEXITY: usize = 1000;

/// Fields (but `__typename`) met by the inlining walk; `None` once it has met more sets and
/// selections than the budget.
fn inline(document: &ExecutableDocument, set: &SelectionSet, budget: &mut usize) -> Option<usize> {
    *budget = budget.checked_sub(1)?;
    let mut fields = 0;
    for item in &set.items {
        *budget = budget.checked_sub(1)?;
        fields += match &item.node {
            Selection::Field(field) if field.node.name.node == "__typename" => 0,
            Selection::Field(field) => 1 + inline(document, &field.node.selection_set.node, budget)?,
            Selection::InlineFragment(inner) => {
                inline(document, &inner.node.selection_set.node, budget)?
            }
            Selection::FragmentSpread(spread) => {
                match document.fragments.get(&spread.node.fragment_name.node) {
                    Some(fragment) => inline(document, &fragment.node.selection_set.node, budget)?,
                    None => 0,
                }
            }
        };
    }
    Some(fields)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if check_nesting(text).is_err() {
        return;
    }
    let Ok(document) = async_graphql::parser::parse_query(text) else {
        return;
    };
    if check_document(&document, MAX_DEPTH, MAX_COMPLEXITY).is_err() {
        return;
    }
    let mut budget = max_work(MAX_COMPLEXITY);
    let mut fields = 0;
    let sets = document.fragments.values().map(|f| &f.node.selection_set.node);
    let operations = document.operations.iter().map(|(_, o)| &o.node.selection_set.node);
    for set in sets.chain(operations) {
        fields += inline(&document, set, &mut budget)
            .expect("an accepted document inlines within the work bound");
    }
    assert!(fields <= MAX_COMPLEXITY, "{fields} fields");
});
