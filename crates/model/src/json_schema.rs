//! JSON Schema (draft 2020-12) checks for schema-valued fields.

use serde_json::Value;

/// Checks that `schema` is a draft 2020-12 JSON Schema describing a JSON object,
/// as needed for objective input data and for tool parameters.
pub fn check_object_schema(schema: &Value) -> Result<(), String> {
    let Some(obj) = schema.as_object() else {
        return Err(
            "must be a JSON Schema object (e.g. {\"type\": \"object\", \"properties\": {…}})"
                .into(),
        );
    };
    jsonschema::draft202012::meta::validate(schema)
        .map_err(|e| format!("is not a valid JSON Schema (draft 2020-12): {e}"))?;
    jsonschema::draft202012::new(schema)
        .map_err(|e| format!("cannot be used as a JSON Schema: {e}"))?;
    match obj.get("type") {
        Some(Value::String(t)) if t == "object" => Ok(()),
        _ => Err("must describe an object: set \"type\": \"object\"".into()),
    }
}

/// Every way `instance` breaks `schema`, as (field path under `at`, message) pairs.
pub fn violations(schema: &Value, instance: &Value, at: &str) -> Vec<(String, String)> {
    let validator = match jsonschema::draft202012::new(schema) {
        Ok(v) => v,
        Err(e) => return vec![(at.to_owned(), format!("the schema cannot be used: {e}"))],
    };
    validator
        .iter_errors(instance)
        .map(|e| {
            let pointer = e.instance_path().to_string();
            let field =
                pointer
                    .split('/')
                    .filter(|s| !s.is_empty())
                    .fold(at.to_owned(), |acc, seg| match seg.parse::<usize>() {
                        Ok(i) => format!("{acc}[{i}]"),
                        Err(_) => format!("{acc}.{seg}"),
                    });
            (field, e.to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accepts_object_schemas() {
        let s = json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]});
        assert_eq!(check_object_schema(&s), Ok(()));
    }

    #[test]
    fn rejects_invalid_schemas() {
        assert!(check_object_schema(&json!("object")).is_err());
        assert!(check_object_schema(&json!({"type": "objekt"}))
            .unwrap_err()
            .contains("JSON Schema"));
        assert!(check_object_schema(&json!({"type": "object", "minProperties": -1})).is_err());
        assert!(check_object_schema(&json!({"type": "string"}))
            .unwrap_err()
            .contains("object"));
    }
}
