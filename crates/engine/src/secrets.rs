//! `{{secrets.NAME}}` in header values, resolved just before a request leaves.
//! Resolved values go only into the outgoing request: never into events, logs or errors.

use std::collections::BTreeMap;

/// Every secret name the values refer to (deduplicated, sorted).
pub fn names<'a>(values: impl IntoIterator<Item = &'a String>) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for v in values {
        out.extend(model::tools::secret_references(v)?);
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Replaces each reference in `value`; an unknown name is an error naming it (not its value).
pub fn render(value: &str, secrets: &BTreeMap<String, String>) -> Result<String, String> {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or("unclosed `{{` in a header value")?;
        let name = after[..end]
            .trim()
            .trim_start_matches("secrets.")
            .to_owned();
        let secret = secrets
            .get(&name)
            .ok_or_else(|| format!("secret `{name}` does not exist in this workspace"))?;
        out.push_str(secret);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Renders every header value.
pub fn render_headers(
    headers: &BTreeMap<String, String>,
    secrets: &BTreeMap<String, String>,
) -> Result<Vec<(String, String)>, String> {
    headers
        .iter()
        .map(|(k, v)| {
            render(v, secrets)
                .map(|v| (k.clone(), v))
                .map_err(|e| format!("header {k}: {e}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_references() {
        let secrets = BTreeMap::from([("TOKEN".to_owned(), "s3cr3t".to_owned())]);
        assert_eq!(
            render("Bearer {{secrets.TOKEN}}", &secrets).unwrap(),
            "Bearer s3cr3t"
        );
        assert_eq!(
            render("{{ secrets.TOKEN }}:{{secrets.TOKEN}}", &secrets).unwrap(),
            "s3cr3t:s3cr3t"
        );
        assert_eq!(render("plain", &secrets).unwrap(), "plain");
        let e = render("{{secrets.OTHER}}", &secrets).unwrap_err();
        assert!(e.contains("OTHER") && !e.contains("s3cr3t"));
    }

    #[test]
    fn collects_names() {
        let values = [
            "a {{secrets.B}}".to_owned(),
            "{{secrets.A}} {{secrets.B}}".to_owned(),
        ];
        assert_eq!(names(values.iter()).unwrap(), ["A", "B"]);
    }
}
