//! A small JSON Schema (draft 2020-12) validator for the API's schema-valued fields.
//!
//! - [`check`] meta-validates a schema: every keyword this crate knows has a value of the right
//!   shape, every `$ref` is local and resolves, every regex compiles (with `regex-lite`), and
//!   keywords this crate does not implement are refused rather than silently ignored.
//! - [`validate`] reports every way an instance breaks a schema, in a stable order: keywords in
//!   a fixed order, object members in map order, array items by index.
//!
//! ```
//! use serde_json::json;
//!
//! let schema = json!({
//!     "type": "object",
//!     "properties": {"items": {"type": "array", "items": {"type": "integer"}}},
//!     "required": ["customer"]
//! });
//! assert!(schema::check(&schema).is_ok());
//! let found = schema::validate(&schema, &json!({"items": [1, 2, "3"]}));
//! let found: Vec<(String, &str)> = found.iter().map(|v| (v.field("data"), &*v.message)).collect();
//! assert_eq!(found, [
//!     ("data".to_owned(), "\"customer\" is a required property"),
//!     ("data.items[2]".to_owned(), "must be an integer (got a string)"),
//! ]);
//! ```
//!
//! Implemented: boolean schemas, `type`, `enum`, `const`, `multipleOf`, `maximum`,
//! `exclusiveMaximum`, `minimum`, `exclusiveMinimum`, `maxLength`, `minLength`, `pattern`,
//! `format` (asserted for `date-time`, `date`, `time`, `email`, `uri`, `uuid`, `ipv4`, `ipv6`,
//! `hostname`; other formats are annotations), `prefixItems`, `items`, `maxItems`, `minItems`,
//! `uniqueItems`, `contains`, `minContains`, `maxContains`, `properties`, `patternProperties`,
//! `additionalProperties`, `required`, `maxProperties`, `minProperties`, `propertyNames`,
//! `dependentRequired`, `dependentSchemas` (and draft 7's `dependencies`), `allOf`, `anyOf`,
//! `oneOf`, `not`, `if`/`then`/`else`, and local `$ref`s (`#`, `#/$defs/x`, `#/definitions/x`,
//! any JSON pointer into the schema, resolved against the nearest `$id`).
//!
//! Refused by [`check`] as not supported by this server: `unevaluatedProperties`,
//! `unevaluatedItems`, `$dynamicRef`, `$recursiveRef`, `$ref`s to other documents or to named
//! anchors (`#name`), and regexes using features `regex-lite` lacks (Unicode classes such as
//! `\p{L}`, look-around, backreferences). Note that `\d`, `\w` and `\s` are ASCII-only.
//! Other unknown keywords are annotations and are allowed.
//!
//! Validation is bounded: schema nesting ([`MAX_SCHEMA_DEPTH`]), evaluation depth
//! ([`MAX_EVAL_DEPTH`]) and work ([`MAX_STEPS`]) are limited, and a `$ref` cycle that makes no
//! progress through the instance (such as `{"$ref": "#"}`) is reported as a violation.

mod check;
mod formats;
mod pointer;
mod validate;
mod value;

use std::fmt;

use serde_json::Value;

/// How deeply schemas may nest (in schema levels, not JSON levels).
pub const MAX_SCHEMA_DEPTH: usize = 128;
/// How deeply evaluation may recurse (subschemas applied, including through `$ref`).
pub const MAX_EVAL_DEPTH: usize = 256;
/// How many (schema, value) evaluations one [`validate`] call may take before giving up.
pub const MAX_STEPS: usize = 500_000;

/// A problem with a schema found by [`check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// JSON pointer into the schema, e.g. `/properties/age/minimum` (`""` for the root).
    pub path: String,
    /// What is wrong, in plain English.
    pub message: String,
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "at {}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for SchemaError {}

/// One step into an instance: an object key or an array index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathSegment {
    Key(String),
    Index(usize),
}

/// One way an instance breaks a schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Where in the instance: empty for the instance itself. For a missing `required` property
    /// this is the object that lacks it (the message names the property).
    pub path: Vec<PathSegment>,
    /// What is wrong, in plain English.
    pub message: String,
}

impl Violation {
    /// The path as a JSON pointer (`/items/2/name`; `""` for the instance itself).
    pub fn pointer(&self) -> String {
        self.path.iter().fold(String::new(), |mut out, seg| {
            out.push('/');
            match seg {
                PathSegment::Key(k) => out.push_str(&k.replace('~', "~0").replace('/', "~1")),
                PathSegment::Index(i) => out.push_str(&i.to_string()),
            }
            out
        })
    }

    /// The path rendered under a field name, e.g. `data.items[2].name` for `at = "data"`.
    pub fn field(&self, at: &str) -> String {
        render_path(at, &self.path)
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.pointer(), self.message)
        }
    }
}

/// Renders an instance path under `at`: keys as `.key`, indexes as `[i]`.
pub(crate) fn render_path(at: &str, path: &[PathSegment]) -> String {
    path.iter().fold(at.to_owned(), |mut out, seg| {
        match seg {
            PathSegment::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            PathSegment::Index(i) => out.push_str(&format!("[{i}]")),
        }
        out
    })
}

/// Checks that `schema` is a usable draft 2020-12 schema (see the crate docs for what that means).
pub fn check(schema: &Value) -> Result<(), SchemaError> {
    check::check(schema)
}

/// Every way `instance` breaks `schema`; empty when it is valid.
///
/// The schema is [`check`]ed first: an unusable schema yields a single violation saying why.
/// If validation has to stop (a `$ref` loop, too deep, too many steps), the result is a single
/// violation explaining that, since the partial results would not be trustworthy.
pub fn validate(schema: &Value, instance: &Value) -> Vec<Violation> {
    if let Err(e) = check::check(schema) {
        return vec![Violation {
            path: Vec::new(),
            message: format!("the schema cannot be used: {e}"),
        }];
    }
    validate::validate(schema, instance)
}
