//! Lexical search over tools, tool sets and agents (progressive discovery and
//! `…/search/tools_or_tool_sets`): BM25 over lowercase word tokens, with `snake_case`,
//! `kebab-case` and `camelCase` split and a plural `s` dropped. Pure: callers load the
//! corpus and decide what is eligible.

use model::agent::Agent;
use model::tools::{Tool, ToolSet};
use std::collections::HashMap;

const K1: f64 = 1.2;
const B: f64 = 0.75;
const STOP: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "is", "it", "of", "on",
    "or", "the", "this", "to", "with", "me", "my", "i", "you", "your", "please",
];

/// The words of `text` as search terms.
pub fn terms(text: &str) -> Vec<String> {
    let mut spaced = String::with_capacity(text.len() + 8);
    let mut prev_lower = false;
    for c in text.chars() {
        if c.is_uppercase() && prev_lower {
            spaced.push(' ');
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        spaced.push(if c.is_alphanumeric() { c } else { ' ' });
    }
    spaced
        .to_lowercase()
        .split_whitespace()
        .filter(|w| !STOP.contains(w))
        .map(|w| match w.strip_suffix('s') {
            Some(stem) if w.len() > 3 && !w.ends_with("ss") => stem.to_owned(),
            _ => w.to_owned(),
        })
        .collect()
}

/// Ranks `docs` for `query`: (index, score) with a positive score, best first (ties by
/// index, so the order is stable).
pub fn rank(query: &str, docs: &[String]) -> Vec<(usize, f64)> {
    let q = terms(query);
    if q.is_empty() || docs.is_empty() {
        return Vec::new();
    }
    let tokenized: Vec<Vec<String>> = docs.iter().map(|d| terms(d)).collect();
    let n = tokenized.len() as f64;
    let avg = tokenized.iter().map(Vec::len).sum::<usize>() as f64 / n;
    let mut df: HashMap<&str, f64> = HashMap::new();
    for doc in &tokenized {
        let mut seen: Vec<&str> = doc.iter().map(String::as_str).collect();
        seen.sort_unstable();
        seen.dedup();
        for t in seen {
            *df.entry(t).or_default() += 1.0;
        }
    }
    let mut scored: Vec<(usize, f64)> = tokenized
        .iter()
        .enumerate()
        .map(|(i, doc)| {
            let len = doc.len() as f64;
            let score = q
                .iter()
                .map(|t| {
                    let tf = doc.iter().filter(|w| *w == t).count() as f64;
                    if tf == 0.0 {
                        return 0.0;
                    }
                    let d = df.get(t.as_str()).copied().unwrap_or(0.0);
                    let idf = (1.0 + (n - d + 0.5) / (d + 0.5)).ln();
                    idf * tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * len / avg.max(1.0)))
                })
                .sum::<f64>();
            (i, score)
        })
        .filter(|(_, s)| *s > 0.0)
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    scored
}

/// What a tool is searched by: its names, description, parameter names and its set's name.
pub fn tool_text(t: &Tool) -> String {
    let params = t
        .spec
        .parameters
        .get("properties")
        .and_then(|p| p.as_object())
        .map(|p| p.keys().cloned().collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    let set = t
        .info
        .as_ref()
        .and_then(|i| i.tool_set.name.clone())
        .unwrap_or_default();
    format!(
        "{} {} {} {} {}",
        t.metadata.name, t.spec.llm_tool_name, t.spec.description, params, set
    )
}

pub fn set_text(s: &ToolSet) -> String {
    format!(
        "{} {}",
        s.metadata.name,
        s.spec.description.as_deref().unwrap_or_default()
    )
}

pub fn agent_text(a: &Agent) -> String {
    format!(
        "{} {}",
        a.metadata.name,
        a.spec.description.as_deref().unwrap_or_default()
    )
}

/// Cosine similarity (0 for a zero vector or a length mismatch).
pub fn cosine(a: &[f64], b: &[f64]) -> f64 {
    if a.len() != b.len() || a.is_empty() {
        return 0.0;
    }
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f64 = a.iter().map(|x| x * x).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| x * x).sum::<f64>().sqrt();
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na * nb)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_split_cases_and_drop_plurals_and_stop_words() {
        assert_eq!(
            terms("refundOrder for the Orders"),
            ["refund", "order", "order"]
        );
        assert_eq!(terms("create_order-v2"), ["create", "order", "v2"]);
        assert_eq!(terms("class status"), ["class", "statu"]);
    }

    #[test]
    fn the_relevant_document_ranks_first_and_misses_are_dropped() {
        let docs: Vec<String> = [
            "inventory_check Check stock levels of a SKU",
            "refund_order Refund a customer's order by order id orderId",
            "order_status Get an order's status orderId",
            "send_email Send an email",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let ranked = rank("refund a customer order", &docs);
        assert_eq!(ranked.first().map(|r| r.0), Some(1));
        assert!(ranked.iter().all(|(i, _)| *i != 0 && *i != 3), "{ranked:?}");
        assert!(rank("zzz", &docs).is_empty());
        assert!(rank("", &docs).is_empty());
    }

    #[test]
    fn cosine_of_vectors() {
        assert!((cosine(&[1.0, 0.0], &[1.0, 0.0]) - 1.0).abs() < 1e-9);
        assert_eq!(cosine(&[1.0, 0.0], &[0.0, 1.0]), 0.0);
        assert_eq!(cosine(&[1.0], &[1.0, 2.0]), 0.0);
    }
}
