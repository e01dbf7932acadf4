//! The layers' boundaries (ARCHITECTURE.md), checked on the source: a forbidden `use` — or any
//! path naming a forbidden module — fails this test with the file and line.
//!
//! - `domain` depends on nothing of ours (only `crate::domain`), and on neither Leptos nor the
//!   database;
//! - `db` (queries) does not call `services`, server functions or pages;
//! - `services` do not call server functions or pages;
//! - server functions reach the data through `services`, never `db`;
//! - pages and components reach the server through server functions, never `db` or `services`;
//! - the server's routes (uploads, downloads, the payment page, the JSON API) call `services`,
//!   never `db`.

use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The code of a line without its `//` comment (doc comments may name other layers).
fn code(line: &str) -> &str {
    line.split_once("//").map_or(line, |(c, _)| c)
}

/// Lines under `dir` (relative to the workspace) that mention a forbidden path.
fn offences(dir: &str, forbidden: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut found = Vec::new();
    for file in sources(&root.join(dir)) {
        let text = std::fs::read_to_string(&file).expect("source file");
        for (n, line) in text.lines().enumerate() {
            let c = code(line);
            for f in forbidden {
                // `crate::db` but not `crate::dbx`: the next character ends the name.
                let hit = c.match_indices(f).any(|(i, _)| {
                    c[i + f.len()..].chars().next().is_none_or(|ch| !(ch.is_alphanumeric() || ch == '_'))
                });
                if hit {
                    let shown = file.strip_prefix(&root).unwrap_or(&file).display().to_string();
                    found.push(format!("{shown}:{}: `{f}` in: {}", n + 1, line.trim()));
                }
            }
        }
    }
    found
}

fn check(dir: &str, forbidden: &[&str]) {
    let found = offences(dir, forbidden);
    assert!(found.is_empty(), "{dir} crosses a layer boundary:\n{}", found.join("\n"));
}

#[test]
fn the_domain_depends_on_nothing_of_ours() {
    check(
        "app/src/domain",
        &[
            "crate::db",
            "crate::services",
            "crate::functions",
            "crate::routes",
            "crate::components",
            "crate::models",
            "crate::error",
            "crate::i18n",
            "crate::html",
            "crate::crypto",
            "leptos",
            "sea_orm",
            "axum",
        ],
    );
}

#[test]
fn queries_do_not_call_the_layers_above_them() {
    check("app/src/db", &["crate::services", "crate::functions", "crate::routes", "crate::components"]);
}

#[test]
fn services_do_not_call_server_functions_or_pages() {
    check("app/src/services", &["crate::functions", "crate::routes", "crate::components"]);
}

#[test]
fn server_functions_go_through_the_services() {
    check("app/src/functions", &["crate::db"]);
}

#[test]
fn pages_reach_data_only_through_server_functions() {
    check("app/src/routes", &["crate::db", "crate::services"]);
    check("app/src/components", &["crate::db", "crate::services"]);
}

#[test]
fn the_servers_routes_call_services_not_queries() {
    check("server/src/api", &["app::db"]);
    for file in ["attachments.rs", "payment.rs", "language.rs", "security.rs", "exports.rs"] {
        let found: Vec<String> =
            offences("server/src", &["app::db"]).into_iter().filter(|l| l.contains(&format!("/{file}:"))).collect();
        assert!(found.is_empty(), "server/src/{file} reaches the database directly:\n{}", found.join("\n"));
    }
}

#[test]
fn a_forbidden_path_is_found() {
    // The checker itself: a mention in code is found, one in a comment is not.
    assert_eq!(code("use crate::db::contracts; // crate::services"), "use crate::db::contracts; ");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert!(sources(&root.join("src/domain")).iter().any(|p| p.ends_with("policy.rs")));
}
