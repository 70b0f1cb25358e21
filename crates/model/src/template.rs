//! Liquid templates (variation prompts, rendered by `liquid-lite`): parsed at write
//! time so a broken template is a 400 naming its position, not a failure when an
//! objective starts.

/// Parses `source` as a Liquid template with the standard filters.
/// The error names the line and column of the problem.
pub fn check_liquid(source: &str) -> Result<(), String> {
    liquid_lite::parse(source).map(|_| ()).map_err(|e| {
        format!(
            "invalid Liquid template at line {}, column {}: {}",
            e.line, e.column, e.message
        )
    })
}

/// Renders `source` with `data`: an object's keys are variables (`{{ customer }}`),
/// and the whole value is also `data` (`{{ data.customer }}`).
pub fn render_liquid(source: &str, data: Option<&serde_json::Value>) -> Result<String, String> {
    let template = liquid_lite::parse(source).map_err(|e| {
        format!(
            "invalid Liquid template at line {}, column {}: {}",
            e.line, e.column, e.message
        )
    })?;
    let mut globals = serde_json::Map::new();
    if let Some(serde_json::Value::Object(m)) = data {
        globals.extend(m.clone());
    }
    globals.insert(
        "data".into(),
        data.cloned().unwrap_or(serde_json::Value::Null),
    );
    template.render(&globals).map_err(|e| e.message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_templates() {
        assert_eq!(check_liquid("Hello {{ customer.name | upcase }}!"), Ok(()));
        assert_eq!(
            check_liquid("{% if vip %}Be extra kind.{% endif %}"),
            Ok(())
        );
        assert_eq!(check_liquid("plain text"), Ok(()));
    }

    #[test]
    fn names_the_position_of_errors() {
        let e = check_liquid("line one\nHello {{ name | }}").unwrap_err();
        assert!(
            e.starts_with("invalid Liquid template at line 2, column"),
            "{e}"
        );
        let e = check_liquid("{% if x %}never closed").unwrap_err();
        assert!(e.starts_with("invalid Liquid template"), "{e}");
    }
}
