//! Meta-validation: is a value a draft 2020-12 schema this validator can use?

use serde_json::{Map, Value};

use crate::pointer;
use crate::value::as_count;
use crate::{SchemaError, MAX_SCHEMA_DEPTH};

const TYPES: [&str; 7] = [
    "null", "boolean", "object", "array", "number", "string", "integer",
];

/// Keywords with a meaning this validator does not implement, and what to use instead.
const UNSUPPORTED: [(&str, &str); 4] = [
    ("unevaluatedProperties", "use \"additionalProperties\""),
    ("unevaluatedItems", "use \"items\""),
    ("$dynamicRef", "use \"$ref\" with a local JSON pointer"),
    ("$recursiveRef", "use \"$ref\" with a local JSON pointer"),
];

type Checked = Result<(), SchemaError>;

pub(crate) fn check(schema: &Value) -> Checked {
    let mut c = Checker {
        path: String::new(),
        resource: schema,
        depth: 0,
        pending: Vec::new(),
    };
    let mut seen: Vec<*const Value> = Vec::new();
    c.schema(schema)?;
    // Referenced locations are schemas too, even inside unknown keywords (`#/examples/0`).
    // They are checked once each, from a fresh depth, so long `$ref` chains do not nest.
    while let Some((target, resource, path)) = c.pending.pop() {
        if !seen.contains(&(target as *const Value)) {
            seen.push(target);
            (c.path, c.resource, c.depth) = (path, resource, 0);
            c.schema(target)?;
        }
    }
    Ok(())
}

struct Checker<'s> {
    /// JSON pointer to the value being checked.
    path: String,
    /// The nearest enclosing schema with an `$id` (or the root): what `$ref`s resolve against.
    resource: &'s Value,
    depth: usize,
    /// Referenced schemas still to check: (target, its resource, a path for errors).
    pending: Vec<(&'s Value, &'s Value, String)>,
}

/// `message` unless `ok`.
fn need(ok: bool, message: &str) -> Option<String> {
    (!ok).then(|| message.to_owned())
}

/// An array of distinct values, all satisfying `each`.
fn distinct(list: &[Value], each: fn(&Value) -> bool) -> bool {
    list.iter()
        .enumerate()
        .all(|(i, v)| each(v) && !list[..i].contains(v))
}

/// Compiles a `pattern`. The size limit keeps compiling and matching cheap: matching costs
/// about the compiled size times the text length. Typical patterns need a few KiB.
pub(crate) fn regex(pattern: &str) -> Result<regex_lite::Regex, regex_lite::Error> {
    regex_lite::RegexBuilder::new(pattern)
        .size_limit(32 << 10)
        .build()
}

fn regex_problem(pattern: &str) -> Option<String> {
    let e = regex(pattern).err()?;
    let hint = match e.to_string() {
        m if m.contains("size limit") => " (use maxLength for long repetitions)",
        _ => "",
    };
    let problem = "is not a regular expression this server supports";
    Some(format!("\"{pattern}\" {problem}: {e}{hint}"))
}

impl<'s> Checker<'s> {
    fn fail(&self, message: String) -> Checked {
        Err(SchemaError {
            path: self.path.clone(),
            message,
        })
    }

    /// Runs `f` with `token` appended to the path.
    fn within(&mut self, token: &str, f: impl FnOnce(&mut Self) -> Checked) -> Checked {
        let len = self.path.len();
        self.path.push('/');
        self.path
            .push_str(&token.replace('~', "~0").replace('/', "~1"));
        f(self)?;
        self.path.truncate(len);
        Ok(())
    }

    fn schema(&mut self, schema: &'s Value) -> Checked {
        let map = match schema {
            Value::Bool(_) => return Ok(()),
            Value::Object(map) => map,
            _ => return self.fail("must be a schema: an object or a boolean".into()),
        };
        if self.depth >= MAX_SCHEMA_DEPTH {
            return self.fail(format!(
                "nests schemas more than {MAX_SCHEMA_DEPTH} levels deep"
            ));
        }
        let resource = self.resource;
        if map.get("$id").is_some_and(Value::is_string) {
            self.resource = schema;
        }
        self.depth += 1;
        for (key, value) in map {
            self.within(key, |c| c.keyword(key, value))?;
        }
        self.depth -= 1;
        self.resource = resource;
        Ok(())
    }

    /// Checks every value of an object as a schema (`properties`, `$defs`, …).
    fn schemas(&mut self, map: &'s Map<String, Value>, regex_keys: bool) -> Checked {
        for (name, sub) in map {
            self.within(name, |c| match regex_problem(name).filter(|_| regex_keys) {
                Some(problem) => c.fail(problem),
                None => c.schema(sub),
            })?;
        }
        Ok(())
    }

    fn keyword(&mut self, key: &str, value: &'s Value) -> Checked {
        if let Some((_, instead)) = UNSUPPORTED.iter().find(|(k, _)| *k == key) {
            return self.fail(format!(
                "\"{key}\" is not supported by this server; {instead}"
            ));
        }
        let string_set = "must be an array of distinct property names (strings)";
        let problem = match (key, value) {
            ("$id", Value::String(id)) => need(
                !id.trim_end_matches('#').contains('#'),
                "must not contain a fragment (use \"$anchor\" to name a schema)",
            ),
            ("$id" | "$schema" | "$anchor" | "$dynamicAnchor" | "$comment" | "title", _)
            | ("description" | "format" | "contentEncoding" | "contentMediaType", _) => {
                need(value.is_string(), "must be a string")
            }
            ("deprecated" | "readOnly" | "writeOnly" | "uniqueItems", _) => {
                need(value.is_boolean(), "must be true or false")
            }
            ("enum" | "examples", _) => need(value.is_array(), "must be an array"),
            ("$ref", _) => return self.reference(value),
            ("type", _) => {
                let known = |t: &Value| t.as_str().is_some_and(|t| TYPES.contains(&t));
                let ok = match value {
                    Value::Array(list) => !list.is_empty() && distinct(list, known),
                    _ => known(value),
                };
                let names = TYPES.join(", ");
                let message =
                    format!("must be a type name ({names}) or a non-empty array of distinct ones");
                need(ok, &message)
            }
            ("multipleOf", _) => need(
                value.as_f64().is_some_and(|m| m > 0.0),
                "must be a number greater than 0",
            ),
            ("maximum" | "exclusiveMaximum" | "minimum" | "exclusiveMinimum", _) => {
                need(value.is_number(), "must be a number")
            }
            ("maxLength" | "minLength" | "maxItems" | "minItems" | "maxContains", _)
            | ("minContains" | "maxProperties" | "minProperties", _) => {
                need(as_count(value).is_some(), "must be a non-negative integer")
            }
            ("pattern", Value::String(pattern)) => regex_problem(pattern),
            ("pattern", _) => need(false, "must be a string holding a regular expression"),
            ("required", Value::Array(names)) => {
                need(distinct(names, Value::is_string), string_set)
            }
            ("dependentRequired", Value::Object(map)) => {
                for (name, names) in map {
                    let ok = names
                        .as_array()
                        .is_some_and(|n| distinct(n, Value::is_string));
                    self.within(name, |c| need(ok, string_set).map_or(Ok(()), |m| c.fail(m)))?;
                }
                None
            }
            ("items", Value::Array(_)) => need(
                false,
                "must be a schema (an object or a boolean); for per-position schemas use \
                 \"prefixItems\"",
            ),
            ("items" | "contains" | "additionalProperties" | "propertyNames" | "not", _)
            | ("if" | "then" | "else" | "contentSchema", _) => return self.schema(value),
            ("prefixItems" | "allOf" | "anyOf" | "oneOf", Value::Array(list))
                if !list.is_empty() =>
            {
                for (i, sub) in list.iter().enumerate() {
                    self.within(&i.to_string(), |c| c.schema(sub))?;
                }
                None
            }
            ("prefixItems" | "allOf" | "anyOf" | "oneOf", _) => {
                need(false, "must be a non-empty array of schemas")
            }
            ("properties" | "$defs" | "definitions" | "dependentSchemas", Value::Object(map)) => {
                return self.schemas(map, false);
            }
            ("patternProperties", Value::Object(map)) => return self.schemas(map, true),
            // Draft 7's combined form of dependentRequired and dependentSchemas, still honoured.
            ("dependencies", Value::Object(map)) => {
                for (name, v) in map {
                    self.within(name, |c| match v {
                        Value::Array(names) if !distinct(names, Value::is_string) => {
                            c.fail(string_set.into())
                        }
                        Value::Array(_) => Ok(()),
                        _ => c.schema(v),
                    })?;
                }
                None
            }
            ("required", _) => need(false, string_set),
            ("dependentRequired" | "properties" | "patternProperties" | "$defs", _)
            | ("definitions" | "dependentSchemas" | "dependencies", _) => {
                need(false, "must be an object")
            }
            _ => None, // an annotation
        };
        problem.map_or(Ok(()), |message| self.fail(message))
    }

    fn reference(&mut self, value: &'s Value) -> Checked {
        let Some(reference) = value.as_str() else {
            return self.fail("must be a string".into());
        };
        match pointer::resolve(self.resource, reference) {
            Err(e) => self.fail(e.message(reference)),
            Ok((target, _)) if !(target.is_object() || target.is_boolean()) => self.fail(format!(
                "the reference \"{reference}\" does not point to a schema"
            )),
            Ok((target, resource)) => {
                let at = format!("{} (the schema referenced as \"{reference}\")", self.path);
                self.pending.push((target, resource, at));
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn error(schema: Value) -> SchemaError {
        match check(&schema) {
            Ok(()) => panic!("accepted {schema}"),
            Err(e) => e,
        }
    }

    fn error_at(schema: Value, path: &str, words: &str) {
        let e = error(schema);
        assert_eq!(e.path, path, "{e}");
        assert!(e.message.contains(words), "{e}");
    }

    #[test]
    fn accepts_usable_schemas() {
        for schema in [
            json!(true),
            json!(false),
            json!({}),
            json!({"type": "object", "properties": {"a": {"type": ["string", "null"]}}, "required": ["a"]}),
            json!({"$defs": {"n": {"type": "integer"}}, "items": {"$ref": "#/$defs/n"}}),
            json!({"definitions": {"n": true}, "$ref": "#/definitions/n"}),
            json!({"properties": {"a": {"items": {"type": "string"}}}, "$ref": "#/properties/a/items"}),
            json!({"$ref": "#"}),
            json!({"minLength": 2.0, "maxItems": 0, "multipleOf": 0.5, "pattern": "^[a-z]+$"}),
            json!({"patternProperties": {"^x-": {}}, "additionalProperties": false}),
            json!({"dependentRequired": {"a": ["b"]}, "dependentSchemas": {"a": {"required": ["c"]}}}),
            json!({"dependencies": {"a": ["b"], "c": {"minProperties": 1}}}),
            json!({"prefixItems": [{}, true], "items": false, "contains": {}, "minContains": 0}),
            json!({"if": {}, "then": {}, "else": {}, "not": {}, "allOf": [{}], "anyOf": [{}], "oneOf": [{}]}),
            json!({"x-custom": {"type": "nonsense"}, "title": "t", "examples": [1], "enum": []}),
            json!({"$id": "https://example.com/s.json#", "$schema": "https://json-schema.org/draft/2020-12/schema"}),
            json!({"enum": [{"$ref": "nowhere"}], "const": {"unevaluatedProperties": 1}}),
        ] {
            assert_eq!(check(&schema), Ok(()), "{schema}");
        }
    }

    #[test]
    fn refuses_malformed_keywords_with_their_path() {
        error_at(json!("object"), "", "object or a boolean");
        error_at(json!({"type": "objekt"}), "/type", "type name");
        error_at(json!({"type": []}), "/type", "non-empty");
        error_at(json!({"type": ["string", "string"]}), "/type", "distinct");
        error_at(
            json!({"properties": {"age": {"minimum": "0"}}}),
            "/properties/age/minimum",
            "number",
        );
        error_at(
            json!({"minProperties": -1}),
            "/minProperties",
            "non-negative integer",
        );
        error_at(
            json!({"maxLength": 1.5}),
            "/maxLength",
            "non-negative integer",
        );
        error_at(json!({"multipleOf": 0}), "/multipleOf", "greater than 0");
        error_at(json!({"required": ["a", "a"]}), "/required", "distinct");
        error_at(json!({"required": "a"}), "/required", "array");
        error_at(json!({"enum": "a"}), "/enum", "array");
        error_at(json!({"uniqueItems": 1}), "/uniqueItems", "true or false");
        error_at(json!({"allOf": []}), "/allOf", "non-empty array");
        error_at(json!({"anyOf": [{}, 3]}), "/anyOf/1", "object or a boolean");
        error_at(json!({"items": [{}]}), "/items", "prefixItems");
        error_at(json!({"properties": []}), "/properties", "object");
        error_at(
            json!({"$defs": {"a/b": 1}}),
            "/$defs/a~1b",
            "object or a boolean",
        );
        error_at(
            json!({"dependentRequired": {"a": [1]}}),
            "/dependentRequired/a",
            "strings",
        );
        error_at(json!({"format": 5}), "/format", "string");
        error_at(json!({"$id": "#foo"}), "/$id", "fragment");
    }

    #[test]
    fn refuses_bad_regexes() {
        error_at(
            json!({"pattern": "(unclosed"}),
            "/pattern",
            "regular expression",
        );
        error_at(
            json!({"patternProperties": {"[": {}}}),
            "/patternProperties/[",
            "regular expression",
        );
        // Look-around is ECMA-262 but not supported by the regex engine: refused, not ignored.
        error_at(
            json!({"pattern": "(?=a)"}),
            "/pattern",
            "regular expression",
        );
    }

    #[test]
    fn refuses_unsupported_features() {
        error_at(
            json!({"unevaluatedProperties": false}),
            "/unevaluatedProperties",
            "not supported by this server",
        );
        error_at(
            json!({"items": {"unevaluatedItems": false}}),
            "/items/unevaluatedItems",
            "not supported",
        );
        error_at(
            json!({"$dynamicRef": "#meta"}),
            "/$dynamicRef",
            "not supported",
        );
        error_at(
            json!({"$recursiveRef": "#"}),
            "/$recursiveRef",
            "not supported",
        );
        error_at(
            json!({"$ref": "https://example.com/s.json"}),
            "/$ref",
            "remote references are not supported",
        );
        error_at(json!({"$ref": "other.json#/a"}), "/$ref", "remote");
        error_at(
            json!({"$ref": "#name"}),
            "/$ref",
            "anchor references are not supported",
        );
    }

    #[test]
    fn refs_must_resolve_to_schemas() {
        error_at(
            json!({"$ref": "#/$defs/missing"}),
            "/$ref",
            "does not point to anything",
        );
        error_at(
            json!({"required": ["a"], "$ref": "#/required"}),
            "/$ref",
            "does not point to a schema",
        );
        error_at(json!({"$ref": 1}), "/$ref", "string");
        // A referenced location is checked as a schema, even inside an unknown keyword.
        let e = error(json!({"x": {"type": 1}, "$ref": "#/x"}));
        assert!(
            e.path.starts_with("/$ref") && e.message.contains("type name"),
            "{e}"
        );
        // Refs resolve against the nearest enclosing $id.
        assert_eq!(
            check(
                &json!({"$defs": {"a": {"$id": "a.json", "$defs": {"b": {}}, "$ref": "#/$defs/b"}}})
            ),
            Ok(())
        );
        error_at(
            json!({"$defs": {"a": {"$id": "a.json", "$ref": "#/$defs/a"}}}),
            "/$defs/a/$ref",
            "does not point",
        );
    }

    #[test]
    fn bounded_on_deep_and_cyclic_schemas() {
        let mut deep = json!({});
        for _ in 0..200 {
            deep = json!({"items": deep});
        }
        assert!(error(deep).message.contains("levels deep"));
        // Reference cycles are fine to check (validation bounds them).
        assert_eq!(
            check(&json!({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}})),
            Ok(())
        );
        // A long chain of references does not nest the checker.
        let mut defs = Map::new();
        for i in 0..2000 {
            defs.insert(
                format!("d{i}"),
                json!({"$ref": format!("#/$defs/d{}", i + 1)}),
            );
        }
        defs.insert("d2000".into(), json!({"type": "string"}));
        assert_eq!(check(&json!({"$defs": defs, "$ref": "#/$defs/d0"})), Ok(()));
    }
}
