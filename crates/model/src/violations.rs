//! Field-level validation failures, collected so one response can name them all.

use schemars::JsonSchema;
use serde::Serialize;

/// One invalid field: its camelCase path (e.g. `spec.scopes[1]`) and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct FieldViolation {
    pub field: String,
    pub message: String,
}

/// The violations found while validating one request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Violations(pub Vec<FieldViolation>);

impl Violations {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn one(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut v = Self::new();
        v.add(field, message);
        v
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldViolation {
            field: field.into(),
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when nothing was found, else the violations.
    pub fn finish<T>(self, value: T) -> Result<T, Violations> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    /// A one-line summary naming every field, for the error message.
    pub fn summary(&self) -> String {
        match self.0.as_slice() {
            [] => "invalid request".to_owned(),
            [one] => format!("{}: {}", one.field, one.message),
            many => {
                let fields: Vec<&str> = many.iter().map(|v| v.field.as_str()).collect();
                format!("invalid fields: {}", fields.join(", "))
            }
        }
    }
}

/// Joins a parent path and a child field name (`metadata` + `name` = `metadata.name`).
pub fn path(parent: &str, field: &str) -> String {
    if parent.is_empty() {
        field.to_owned()
    } else {
        format!("{parent}.{field}")
    }
}
