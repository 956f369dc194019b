//! The module map of ARCHITECTURE.md, kept true: imports between Vellum's top modules (outside
//! their unit tests) form no cycle, and no domain module imports a transport or the shared
//! state.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// Each top module of the library and the top modules its code names as `crate::…`.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut modules: BTreeMap<String, Vec<std::path::PathBuf>> = BTreeMap::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name == "lib" || name == "main" {
            continue;
        }
        let files = modules.entry(name).or_default();
        if path.is_dir() {
            sources(&path, files);
        } else {
            files.push(path);
        }
    }
    let names: BTreeSet<String> = modules.keys().cloned().collect();
    let mut imports = BTreeMap::new();
    for (module, files) in &modules {
        let mut named = BTreeSet::new();
        for file in files {
            let text = std::fs::read_to_string(file).unwrap();
            // The code, without its unit tests; `crate::AppState` is `app`'s.
            let code = text
                .split("#[cfg(test)]\nmod tests")
                .next()
                .unwrap_or_default();
            let code = code.replace("crate::AppState", "crate::app::AppState");
            let code = code.replace("crate::InitError", "crate::app::InitError");
            for (at, _) in code.match_indices("crate::") {
                let rest = &code[at + "crate::".len()..];
                let targets: Vec<&str> = match rest.strip_prefix('{') {
                    // `crate::{a, b::c}`
                    Some(group) => group
                        .split('}')
                        .next()
                        .unwrap_or_default()
                        .split(',')
                        .map(|item| item.trim().split("::").next().unwrap_or_default())
                        .collect(),
                    None => vec![
                        rest.split(|c: char| !c.is_alphanumeric() && c != '_')
                            .next()
                            .unwrap_or_default(),
                    ],
                };
                named.extend(
                    targets
                        .into_iter()
                        .filter(|t| *t != module && names.contains(*t))
                        .map(str::to_string),
                );
            }
        }
        imports.insert(module.clone(), named);
    }
    imports
}

#[test]
fn imports_point_one_way() {
    let imports = imports();
    // Sanity: the map was read (http uses auth, auth uses tokens).
    assert!(imports["http"].contains("auth") && imports["auth"].contains("tokens"));
    for domain in [
        "admin", "tokens", "content", "audit", "db", "config", "support", "clock",
    ] {
        for transport in ["http", "auth", "app", "startup", "error"] {
            assert!(
                !imports[domain].contains(transport),
                "{domain} imports {transport}: {:?}",
                imports[domain]
            );
        }
    }
    // No cycle: walk from each module along its imports.
    for start in imports.keys() {
        let mut stack: Vec<Vec<&str>> = vec![vec![start.as_str()]];
        while let Some(path) = stack.pop() {
            for next in &imports[*path.last().unwrap()] {
                assert_ne!(next, start, "a cycle: {path:?} -> {next}");
                if !path.contains(&next.as_str()) {
                    let mut longer = path.clone();
                    longer.push(next);
                    stack.push(longer);
                }
            }
        }
    }
}
