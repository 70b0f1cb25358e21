//! The house rule "only `store` writes SQL", checked: no Rust source outside
//! `crates/store` may contain SQL text. (The compiler already keeps `Db::exec`
//! private to this crate; this catches SQL smuggled through other ports.)

use std::path::{Path, PathBuf};

/// Statement openings as they appear at the start of a string literal.
const SQL_OPENINGS: &[&str] = &[
    "SELECT ",
    "INSERT INTO",
    "INSERT OR ",
    "UPDATE ",
    "DELETE FROM",
    "REPLACE INTO",
    "CREATE TABLE",
    "CREATE INDEX",
    "CREATE TRIGGER",
    "ALTER TABLE",
    "DROP TABLE",
    "PRAGMA ",
    "BEGIN IMMEDIATE",
    "WITH ",
];

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every string literal's opening in `source` that reads like a SQL statement.
fn sql_literals(source: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (n, line) in source.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        for (i, _) in code.match_indices('"') {
            let rest = code[i + 1..].trim_start();
            if SQL_OPENINGS.iter().any(|s| rest.starts_with(s)) {
                found.push((n + 1, line.trim().to_owned()));
            }
        }
    }
    found
}

#[test]
fn the_checker_sees_sql() {
    let found = sql_literals("let q = \"SELECT id FROM agents\";\nlet m = \"DELETE\";");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, 1);
}

#[test]
fn no_sql_outside_store() {
    let root = workspace_root();
    let mut files = Vec::new();
    // bench/hello is the benchmark's raw-SQLite baseline, not part of the app.
    for dir in ["crates", "components"] {
        rust_files(&root.join(dir), &mut files);
    }
    let store = root.join("crates/store");
    let mut offenders = Vec::new();
    for file in files.iter().filter(|f| !f.starts_with(&store)) {
        let source = std::fs::read_to_string(file).unwrap_or_default();
        for (line, text) in sql_literals(&source) {
            offenders.push(format!("{}:{line}: {text}", file.display()));
        }
    }
    assert!(
        files.len() > 50,
        "expected to scan the workspace, found {} files",
        files.len()
    );
    assert!(
        offenders.is_empty(),
        "SQL belongs in crates/store (add a store function):\n{}",
        offenders.join("\n")
    );
}
