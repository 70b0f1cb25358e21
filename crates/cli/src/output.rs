//! Printing answers: JSON (pretty), YAML (block style), or a table for lists and
//! `key: value` lines for single resources.

use serde_json::Value;
use std::io::IsTerminal;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
    Table,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "json" => Some(Format::Json),
            "yaml" => Some(Format::Yaml),
            "table" => Some(Format::Table),
            _ => None,
        }
    }
}

/// The format `--format` names; without it, a table on a terminal and JSON when piped.
pub fn choose(flag: Option<&str>) -> Format {
    match flag {
        Some(f) => Format::parse(f).unwrap_or(Format::Json),
        None if std::io::stdout().is_terminal() => Format::Table,
        None => Format::Json,
    }
}

pub fn render(v: &Value, format: Format) -> String {
    match format {
        Format::Json => serde_json::to_string_pretty(v).unwrap_or_default(),
        Format::Yaml => yaml(v),
        Format::Table => match v.get("items").and_then(Value::as_array) {
            Some(items) => table(items, v.get("pagination")),
            None if v.is_null() => "ok".into(),
            None => yaml(v),
        },
    }
}

/// YAML 1.2 block style; strings are JSON-quoted when YAML would misread them.
pub fn yaml(v: &Value) -> String {
    let mut out = String::new();
    emit(v, 0, &mut out);
    out.trim_end().to_owned()
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => {
            let plain = !s.is_empty()
                && s.chars()
                    .all(|c| c.is_alphanumeric() || "_-./@".contains(c))
                && !matches!(
                    s.as_str(),
                    "true" | "false" | "null" | "yes" | "no" | "on" | "off"
                )
                && s.parse::<f64>().is_err();
            if plain {
                s.clone()
            } else {
                Value::String(s.clone()).to_string()
            }
        }
        other => other.to_string(),
    }
}

fn emit(v: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, x) in m {
                match x {
                    Value::Object(o) if !o.is_empty() => {
                        out.push_str(&format!("{pad}{k}:\n"));
                        emit(x, indent + 2, out);
                    }
                    Value::Array(a) if !a.is_empty() => {
                        out.push_str(&format!("{pad}{k}:\n"));
                        emit(x, indent, out);
                    }
                    _ => out.push_str(&format!("{pad}{k}: {}\n", inline(x))),
                }
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for x in a {
                match x {
                    Value::Object(o) if !o.is_empty() => {
                        let mut inner = String::new();
                        emit(x, indent + 2, &mut inner);
                        out.push_str(&format!("{pad}- {}\n", inner.trim_start()));
                        // the first line moved up after the dash; the rest keep their indent
                        let trimmed = out.trim_end_matches('\n').len();
                        out.truncate(trimmed);
                        out.push('\n');
                    }
                    _ => out.push_str(&format!("{pad}- {}\n", inline(x))),
                }
            }
        }
        other => out.push_str(&format!("{pad}{}\n", inline(other))),
    }
}

fn inline(v: &Value) -> String {
    match v {
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
        other => scalar(other),
    }
}

fn text_at<'a>(v: &'a Value, paths: &[&[&str]]) -> Option<&'a str> {
    paths.iter().find_map(|p| {
        p.iter()
            .try_fold(v, |acc, k| acc.get(k))
            .and_then(Value::as_str)
    })
}

/// Columns that some item has: id, name, status, type, created.
fn table(items: &[Value], pagination: Option<&Value>) -> String {
    let columns: [(&str, &[&[&str]]); 5] = [
        ("ID", &[&["metadata", "id"], &["id"]]),
        ("NAME", &[&["metadata", "name"]]),
        (
            "STATUS",
            &[
                &["status"],
                &["spec", "status"],
                &["executionStatus"],
                &["state"],
            ],
        ),
        ("TYPE", &[&["data", "type"]]),
        ("CREATED", &[&["metadata", "createdAt"]]),
    ];
    let used: Vec<&(&str, &[&[&str]])> = columns
        .iter()
        .filter(|(_, p)| items.iter().any(|i| text_at(i, p).is_some()))
        .collect();
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|i| {
            used.iter()
                .map(|(_, p)| text_at(i, p).unwrap_or("").to_owned())
                .collect()
        })
        .collect();
    let widths: Vec<usize> = used
        .iter()
        .enumerate()
        .map(|(c, (h, _))| {
            rows.iter()
                .map(|r| r[c].len())
                .max()
                .unwrap_or(0)
                .max(h.len())
        })
        .collect();
    let line = |cells: Vec<String>| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    let mut out = vec![line(used.iter().map(|(h, _)| (*h).to_owned()).collect())];
    out.extend(rows.into_iter().map(line));
    if let Some(next) = pagination
        .and_then(|p| p.get("nextCursor"))
        .and_then(Value::as_str)
    {
        out.push(format!("(more: --cursor {next}, or --all)"));
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn yaml_is_block_style_and_quotes_what_yaml_would_misread() {
        let v = json!({"metadata": {"id": "agent_1", "labels": {}}, "spec": {"status": "true", "n": 3,
                       "tags": ["a b", "c"]}, "items": [{"x": 1, "y": "z"}]});
        assert_eq!(
            yaml(&v),
            "items:\n- x: 1\n  y: z\nmetadata:\n  id: agent_1\n  labels: {}\nspec:\n  n: 3\n  status: \"true\"\n  tags:\n  - \"a b\"\n  - c"
        );
    }

    #[test]
    fn lists_are_tables_with_the_columns_items_have() {
        let v = json!({"items": [
            {"metadata": {"id": "agent_1", "name": "support", "createdAt": "2026-01-01T00:00:00.000Z"}, "spec": {"status": "AGENT_STATUS_DRAFT"}},
            {"metadata": {"id": "agent_2", "name": "sales", "createdAt": "2026-01-02T00:00:00.000Z"}, "spec": {"status": "AGENT_STATUS_PUBLISHED"}}
        ], "pagination": {"nextCursor": "c1"}});
        let t = render(&v, Format::Table);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(
            lines[0],
            "ID       NAME     STATUS                  CREATED"
        );
        assert!(lines[2].starts_with("agent_2  sales    AGENT_STATUS_PUBLISHED"));
        assert_eq!(lines[3], "(more: --cursor c1, or --all)");
    }
}
