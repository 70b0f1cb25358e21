//! README's "Scopes" table is generated from the catalog: this test fails when they
//! differ, and `UPDATE_README=1 cargo test -p api --test scope_table` rewrites it.

use api::Auth;
use std::path::Path;

const BEGIN: &str =
    "<!-- scope-table: generated from the catalog by crates/api/tests/scope_table.rs -->";
const END: &str = "<!-- /scope-table -->";

fn table() -> String {
    let mut out = String::from("| operation | method and path | scope |\n|---|---|---|\n");
    for op in api::all() {
        let scope = match op.auth {
            Auth::Public => "none (public)".to_owned(),
            Auth::Bootstrap => "the `bootstrap_token`".to_owned(),
            Auth::Token(None) => "any valid token".to_owned(),
            Auth::Token(Some(s)) => format!("`{s}`"),
        };
        let short = if op.short_form {
            api::short_form(op.path)
                .map(|p| format!(" (also `{p}`)"))
                .unwrap_or_default()
        } else {
            String::new()
        };
        out.push_str(&format!(
            "| `{}` | `{} {}`{short} | {scope} |\n",
            op.id,
            op.method.as_str(),
            op.path
        ));
    }
    out
}

#[test]
fn readme_scope_table_matches_the_catalog() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let (Some(start), Some(end)) = (readme.find(BEGIN), readme.find(END)) else {
        panic!("README.md lacks the {BEGIN} … {END} markers");
    };
    let current = &readme[start + BEGIN.len()..end];
    let wanted = format!("\n{}", table());
    if current == wanted {
        return;
    }
    if std::env::var_os("UPDATE_README").is_some() {
        let updated = format!(
            "{}{}{}",
            &readme[..start + BEGIN.len()],
            wanted,
            &readme[end..]
        );
        std::fs::write(&path, updated).expect("README.md writable");
        return;
    }
    panic!("README's scope table is out of date: run `UPDATE_README=1 cargo test -p api --test scope_table`");
}
