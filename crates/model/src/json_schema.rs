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
    schema::check(schema)
        .map_err(|e| format!("is not a valid JSON Schema (draft 2020-12): {e}"))?;
    match obj.get("type") {
        Some(Value::String(t)) if t == "object" => Ok(()),
        _ => Err("must describe an object: set \"type\": \"object\"".into()),
    }
}

/// Every way `instance` breaks `schema`, as (field path under `at`, message) pairs.
pub fn violations(schema: &Value, instance: &Value, at: &str) -> Vec<(String, String)> {
    schema::validate(schema, instance)
        .into_iter()
        .map(|v| (v.field(at), v.message))
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
