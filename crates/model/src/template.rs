//! Liquid templates (variation prompts): parsed at write time so a broken template is
//! a 400 naming its position, not a failure when an objective starts.

/// Parses `source` as a Liquid template with the standard filters.
/// The error names the line and column when the parser reports them.
pub fn check_liquid(source: &str) -> Result<(), String> {
    let parser = liquid::ParserBuilder::with_stdlib()
        .build()
        .map_err(|e| format!("template engine unavailable: {e}"))?;
    parser
        .parse(source)
        .map(|_| ())
        .map_err(|e| describe(&e.to_string()))
}

/// Renders `source` with `data`: an object's keys are variables (`{{ customer }}`),
/// and the whole value is also `data` (`{{ data.customer }}`).
pub fn render_liquid(source: &str, data: Option<&serde_json::Value>) -> Result<String, String> {
    let parser = liquid::ParserBuilder::with_stdlib()
        .build()
        .map_err(|e| format!("template engine unavailable: {e}"))?;
    let template = parser.parse(source).map_err(|e| describe(&e.to_string()))?;
    let mut globals = serde_json::Map::new();
    if let Some(serde_json::Value::Object(m)) = data {
        globals.extend(m.clone());
    }
    globals.insert(
        "data".into(),
        data.cloned().unwrap_or(serde_json::Value::Null),
    );
    let object = liquid::model::to_object(&globals)
        .map_err(|e| format!("data cannot be used in a template: {e}"))?;
    template.render(&object).map_err(|e| {
        let report = e.to_string();
        let first = report
            .lines()
            .next()
            .unwrap_or("render error")
            .trim()
            .to_owned();
        let detail = report
            .lines()
            .filter_map(|l| {
                l.trim()
                    .strip_prefix("requested variable=")
                    .map(|v| format!(" (`{v}`)"))
            })
            .next()
            .unwrap_or_default();
        format!("{first}{detail}")
    })
}

/// Turns liquid's multi-line report (`--> 1:4`, a caret, `= expected …`) into one line.
fn describe(report: &str) -> String {
    let position = report
        .split("--> ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|pos| pos.split_once(':'))
        .and_then(|(l, c)| Some((l.parse::<usize>().ok()?, c.parse::<usize>().ok()?)));
    let reason = report
        .lines()
        .filter_map(|l| l.trim().strip_prefix("= "))
        .collect::<Vec<_>>()
        .join("; ");
    let reason = if reason.is_empty() {
        report
            .lines()
            .next()
            .unwrap_or("syntax error")
            .trim()
            .to_owned()
    } else {
        reason
    };
    match position {
        Some((line, col)) => {
            format!("invalid Liquid template at line {line}, column {col}: {reason}")
        }
        None => format!("invalid Liquid template: {reason}"),
    }
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
