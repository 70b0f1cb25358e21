//! Local `$ref` resolution: `#` and `#/json/pointer` fragments (RFC 6901, percent-decoded).

use serde_json::Value;

/// Why a `$ref` cannot be followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefError {
    /// Not a fragment of this schema (`other.json`, `https://…`): remote refs are not supported.
    Remote,
    /// A named anchor (`#name`) rather than a JSON pointer: not supported.
    Anchor,
    /// Bad percent-encoding or not UTF-8.
    Malformed,
    /// The pointer does not lead anywhere.
    Missing,
}

impl RefError {
    pub(crate) fn message(self, reference: &str) -> String {
        match self {
            RefError::Remote => format!(
                "the reference \"{reference}\" points outside this schema; remote references are \
                 not supported by this server, use a local one such as \"#/$defs/name\""
            ),
            RefError::Anchor => format!(
                "the reference \"{reference}\" names an anchor; anchor references are not \
                 supported by this server, use a JSON pointer such as \"#/$defs/name\""
            ),
            RefError::Malformed => {
                format!("the reference \"{reference}\" has invalid percent-encoding")
            }
            RefError::Missing => {
                format!("the reference \"{reference}\" does not point to anything in this schema")
            }
        }
    }
}

/// Follows `reference` inside `resource` (the nearest enclosing schema with an `$id`, or the root).
/// Returns the target and the resource the target belongs to (which changes when the pointer
/// passes through a schema with its own `$id`).
pub(crate) fn resolve<'s>(
    resource: &'s Value,
    reference: &str,
) -> Result<(&'s Value, &'s Value), RefError> {
    let fragment = reference.strip_prefix('#').ok_or(RefError::Remote)?;
    let fragment = percent_decode(fragment).ok_or(RefError::Malformed)?;
    if fragment.is_empty() {
        return Ok((resource, resource));
    }
    let pointer = fragment.strip_prefix('/').ok_or(RefError::Anchor)?;
    let (mut node, mut owner) = (resource, resource);
    for token in pointer.split('/') {
        let token = token.replace("~1", "/").replace("~0", "~");
        node = match node {
            Value::Object(map) => map.get(&token),
            Value::Array(items) => array_index(&token).and_then(|i| items.get(i)),
            _ => None,
        }
        .ok_or(RefError::Missing)?;
        if node.get("$id").is_some_and(Value::is_string) {
            owner = node;
        }
    }
    Ok((node, owner))
}

/// An RFC 6901 array index: `0` or digits without a leading zero.
fn array_index(token: &str) -> Option<usize> {
    let digits = !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit());
    if !digits || (token.len() > 1 && token.starts_with('0')) {
        return None;
    }
    token.parse().ok()
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn resolves_pointers_with_escapes() {
        let s = json!({"$defs": {"a/b": 1, "c~d": 2, "e f": 3, "": {"": 4}}, "items": [5, 6]});
        assert_eq!(resolve(&s, "#/$defs/a~1b").map(|r| r.0), Ok(&json!(1)));
        assert_eq!(resolve(&s, "#/$defs/c~0d").map(|r| r.0), Ok(&json!(2)));
        assert_eq!(resolve(&s, "#/$defs/e%20f").map(|r| r.0), Ok(&json!(3)));
        assert_eq!(resolve(&s, "#/$defs//").map(|r| r.0), Ok(&json!(4)));
        assert_eq!(resolve(&s, "#/items/1").map(|r| r.0), Ok(&json!(6)));
        assert_eq!(resolve(&s, "#").map(|r| r.0), Ok(&s));
    }

    #[test]
    fn refuses_what_it_cannot_follow() {
        let s = json!({"items": [1, 2]});
        assert_eq!(resolve(&s, "#/items/01"), Err(RefError::Missing));
        assert_eq!(resolve(&s, "#/items/+1"), Err(RefError::Missing));
        assert_eq!(resolve(&s, "#/items/2"), Err(RefError::Missing));
        assert_eq!(resolve(&s, "#/nope"), Err(RefError::Missing));
        assert_eq!(resolve(&s, "#/items/0/deeper"), Err(RefError::Missing));
        assert_eq!(resolve(&s, "#anchor"), Err(RefError::Anchor));
        assert_eq!(resolve(&s, "other.json#/a"), Err(RefError::Remote));
        assert_eq!(resolve(&s, "#/%zz"), Err(RefError::Malformed));
        assert_eq!(resolve(&s, "#/%ff"), Err(RefError::Malformed));
        assert_eq!(resolve(&s, "#/%"), Err(RefError::Malformed));
        assert_eq!(resolve(&s, "#/%+1"), Err(RefError::Malformed));
    }

    #[test]
    fn tracks_the_resource_of_the_target() {
        let s = json!({"$defs": {"x": {"$id": "x.json", "$defs": {"y": {"type": "string"}}}}});
        let (target, owner) = resolve(&s, "#/$defs/x/$defs/y").expect("resolves");
        assert_eq!(target, &json!({"type": "string"}));
        assert_eq!(owner, &s["$defs"]["x"]);
    }
}
