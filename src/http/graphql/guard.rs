//! What a GraphQL document may cost, checked before anything walks it.
//!
//! - Its text: brackets (`{`, `[`, `(`) nested at most `MAX_NESTING` deep, counted by a scan
//!   that skips strings and comments, before the parser (which recurses on them) sees it.
//! - The parsed document: depth and complexity as async-graphql counts them (every fragment
//!   definition and every operation, spreads inlined, `__typename` not counted), but computed
//!   once per fragment, so a spread of a spread costs a lookup instead of doubling the work;
//!   fragment cycles are refused here too. async-graphql's own validation, which does inline
//!   every spread, runs only on documents found within the limits.

use async_graphql::Name;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use std::collections::HashMap;

/// Brackets nested deeper than this are refused before parsing. Room for filters nested to
/// REST's limit (`and: [{…}]` is two brackets a level) inside a query's own.
pub const MAX_NESTING: usize = 64;

/// Selection sets, inline fragments and spreads followed from one another deeper than this
/// (whatever the field depth) are refused: no legitimate query comes near it.
const MAX_WALK: usize = 256;

/// Why a document is refused before validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Nesting,
    Depth,
    Complexity,
    Cycle(String),
}

impl Refusal {
    /// The message, as async-graphql (depth, complexity) and graphql-js (cycles) word them.
    pub fn message(&self) -> String {
        match self {
            Refusal::Nesting => format!(
                "The query is nested too deep: more than {MAX_NESTING} brackets inside one another"
            ),
            Refusal::Depth => "Query is nested too deep.".to_string(),
            Refusal::Complexity => "Query is too complex.".to_string(),
            Refusal::Cycle(name) => format!("Cannot spread fragment \"{name}\" within itself."),
        }
    }
}

/// The deepest bracket nesting of a GraphQL text, `Err` as soon as it passes `MAX_NESTING`.
/// Strings, block strings and comments are skipped; an unclosed one ends the scan (the parser
/// reports it).
pub fn check_nesting(text: &str) -> Result<usize, Refusal> {
    let bytes = text.as_bytes();
    let (mut depth, mut deepest, mut i) = (0usize, 0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                loop {
                    if i >= bytes.len() {
                        return Ok(deepest);
                    }
                    if bytes[i..].starts_with(b"\\\"\"\"") {
                        i += 4;
                    } else if bytes[i..].starts_with(b"\"\"\"") {
                        i += 2;
                        break;
                    } else {
                        i += 1;
                    }
                }
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(Refusal::Nesting);
                }
                deepest = deepest.max(depth);
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(deepest)
}

/// Depth and complexity of a selection set, spreads included; how deep its sets, inline
/// fragments and spreads lie inside one another (what a walk that inlines them recurses on);
/// and how many selections and sets that walk meets (complexity leaves out `__typename` and
/// spreads of unknown fragments, which cost a walk all the same).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Cost {
    depth: usize,
    complexity: usize,
    nesting: usize,
    work: usize,
}

/// The work an inlining walk may do for a document within `max_complexity`: each field, with
/// its selection set, and the spreads and inline fragments around them.
pub fn max_work(max_complexity: usize) -> usize {
    max_complexity.saturating_mul(4).saturating_add(1024)
}

enum Mark {
    Visiting,
    Done(Cost),
}

struct Walk<'a> {
    document: &'a ExecutableDocument,
    fragments: HashMap<&'a Name, Mark>,
}

impl<'a> Walk<'a> {
    /// `walked`: how deep this walk is now, which bounds its own recursion whatever the order
    /// in which fragments are met (the nesting in `Cost` is the order-independent measure).
    fn set(&mut self, set: &'a SelectionSet, walked: usize) -> Result<Cost, Refusal> {
        if walked > MAX_WALK {
            return Err(Refusal::Depth);
        }
        let mut cost = Cost {
            nesting: 1,
            work: 1,
            ..Cost::default()
        };
        for item in &set.items {
            let inner = match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let children = self.set(&field.selection_set.node, walked + 1)?;
                    if field.name.node == "__typename" {
                        children
                    } else {
                        Cost {
                            depth: children.depth + 1,
                            complexity: children.complexity.saturating_add(1),
                            ..children
                        }
                    }
                }
                Selection::InlineFragment(inline) => {
                    self.set(&inline.node.selection_set.node, walked + 1)?
                }
                Selection::FragmentSpread(spread) => {
                    self.fragment(&spread.node.fragment_name.node, walked + 1)?
                }
            };
            cost.depth = cost.depth.max(inner.depth);
            cost.complexity = cost.complexity.saturating_add(inner.complexity);
            cost.nesting = cost.nesting.max(inner.nesting + 1);
            cost.work = cost.work.saturating_add(inner.work).saturating_add(1);
        }
        if cost.nesting > MAX_WALK {
            return Err(Refusal::Depth);
        }
        Ok(cost)
    }

    /// A fragment's cost, computed once; an unknown fragment costs nothing (validation names
    /// it).
    fn fragment(&mut self, name: &'a Name, walked: usize) -> Result<Cost, Refusal> {
        match self.fragments.get(name) {
            Some(Mark::Done(cost)) => return Ok(*cost),
            Some(Mark::Visiting) => return Err(Refusal::Cycle(name.to_string())),
            None => {}
        }
        let Some(definition) = self.document.fragments.get(name) else {
            return Ok(Cost::default());
        };
        self.fragments.insert(name, Mark::Visiting);
        let cost = self.set(&definition.node.selection_set.node, walked)?;
        self.fragments.insert(name, Mark::Done(cost));
        Ok(cost)
    }
}

/// Refuses a document deeper than `max_depth` or more complex than `max_complexity` as
/// async-graphql would count them, or whose fragments spread themselves.
pub fn check_document(
    document: &ExecutableDocument,
    max_depth: usize,
    max_complexity: usize,
) -> Result<(), Refusal> {
    let mut walk = Walk {
        document,
        fragments: HashMap::with_capacity(document.fragments.len()),
    };
    let mut total = Cost::default();
    let mut add = |cost: Cost| {
        total.depth = total.depth.max(cost.depth);
        total.complexity = total.complexity.saturating_add(cost.complexity);
        total.work = total.work.saturating_add(cost.work);
    };
    for name in document.fragments.keys() {
        add(walk.fragment(name, 0)?);
    }
    for (_, operation) in document.operations.iter() {
        add(walk.set(&operation.node.selection_set.node, 0)?);
    }
    if total.complexity > max_complexity || total.work > max_work(max_complexity) {
        return Err(Refusal::Complexity);
    }
    if total.depth > max_depth {
        return Err(Refusal::Depth);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cost(query: &str) -> Result<(), Refusal> {
        let document = async_graphql::parser::parse_query(query).unwrap();
        check_document(&document, 10, 1000)
    }

    #[test]
    fn nesting_is_counted_outside_strings_and_comments() {
        assert_eq!(check_nesting("{ a(f: {x: [1]}) { b } }"), Ok(4));
        let deep = format!(
            "{}{}",
            "[".repeat(MAX_NESTING + 1),
            "]".repeat(MAX_NESTING + 1)
        );
        assert_eq!(check_nesting(&deep), Err(Refusal::Nesting));
        let quoted = format!("{{ a(s: \"{}\") }}", "[".repeat(1000));
        assert_eq!(check_nesting(&quoted), Ok(2));
        let block = format!("{{ a(s: \"\"\" \\\"\"\" {} \"\"\") }}", "{".repeat(1000));
        assert_eq!(check_nesting(&block), Ok(2));
        let escaped = format!("{{ a(s: \"\\\"{}\") }}", "(".repeat(1000));
        assert_eq!(check_nesting(&escaped), Ok(2));
        let comment = format!("{{ a # {}\n }}", "{".repeat(1000));
        assert_eq!(check_nesting(&comment), Ok(1));
        assert_eq!(check_nesting("{ a(s: \"unclosed"), Ok(2));
    }

    #[test]
    fn counts_as_async_graphql_does() {
        // Fields, the fragment definition once more, __typename not counted.
        assert_eq!(cost("{ a { b c __typename } }"), Ok(()));
        let document =
            async_graphql::parser::parse_query("fragment F on Q { b c } { a { ...F } d }").unwrap();
        // F: 2; the query: a(1 + 2) + d = 4; 6 in all, depth 2.
        assert_eq!(check_document(&document, 2, 6), Ok(()));
        assert_eq!(check_document(&document, 2, 5), Err(Refusal::Complexity));
        assert_eq!(check_document(&document, 1, 6), Err(Refusal::Depth));
    }

    #[test]
    fn doubling_fragments_are_refused_without_expanding_them() {
        let mut query = String::from("fragment F0 on Article { title }\n");
        for level in 1..=60 {
            let previous = level - 1;
            query.push_str(&format!(
                "fragment F{level} on Article {{ ...F{previous} ...F{previous} }}\n"
            ));
        }
        query.push_str("{ articles { ...F60 } }");
        // 60 doubling levels: a walk that inlined them would not finish at all.
        assert_eq!(cost(&query), Err(Refusal::Complexity));
    }

    #[test]
    fn doubling_fragments_of_nothing_countable_are_refused_too() {
        for leaf in ["__typename", "...Unknown"] {
            let mut query = format!("fragment F0 on Q {{ {leaf} }}\n");
            for level in 1..=60 {
                let previous = level - 1;
                query.push_str(&format!(
                    "fragment F{level} on Q {{ ...F{previous} ...F{previous} }}\n"
                ));
            }
            query.push_str("{ ...F60 }");
            assert_eq!(cost(&query), Err(Refusal::Complexity), "{leaf}");
        }
    }

    #[test]
    fn fragment_cycles_and_long_chains_are_refused() {
        assert!(matches!(
            cost("fragment A on Q { ...B } fragment B on Q { ...A } { ...A }"),
            Err(Refusal::Cycle(_))
        ));
        assert!(matches!(
            cost("fragment A on Q { ...A } { ...A }"),
            Err(Refusal::Cycle(name)) if name == "A"
        ));
        let mut chain = String::new();
        for n in 0..400 {
            chain.push_str(&format!("fragment F{n} on Q {{ ...F{} }}\n", n + 1));
        }
        chain.push_str("fragment F400 on Q { a }\n{ ...F0 }");
        // Refused whichever fragment the walk meets first.
        for _ in 0..20 {
            assert_eq!(cost(&chain), Err(Refusal::Depth));
        }
    }
}
