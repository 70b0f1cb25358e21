//! PATCH semantics (docs/api.md §1 "update"): merge given fields, or exactly the `updateMask` paths.
//!
//! Updates work on the resource's *input view* — the JSON a client would send to create
//! it — so the merged result is validated by the same code as a create.

use crate::violations::Violations;
use serde_json::{Map, Value};

/// The fields of one top-level section (`metadata`, `spec`) a client may update.
pub struct Section {
    pub name: &'static str,
    pub fields: &'static [&'static str],
}

/// Client-settable metadata fields of named resources.
pub const METADATA_FIELDS: &[&str] = &["name", "externalId", "labels", "bundleKey"];

/// Merges `patch` into `current`.
///
/// Without a mask every field present in a patched section replaces the current value
/// (`null` clears it) and fields not listed in `sections` (e.g. output-only metadata)
/// are ignored. With a mask only the named paths change: present values are copied,
/// absent ones cleared.
pub fn apply(
    current: &mut Value,
    patch: &Value,
    mask: Option<&str>,
    sections: &[Section],
) -> Result<(), Violations> {
    let empty = Map::new();
    match mask {
        None => {
            for section in sections {
                let Some(given) = patch.get(section.name).and_then(Value::as_object) else {
                    continue;
                };
                for field in section.fields {
                    if let Some(value) = given.get(*field) {
                        set(current, section.name, field, value.clone());
                    }
                }
            }
            Ok(())
        }
        Some(mask) => {
            let mut v = Violations::new();
            let mut paths = Vec::new();
            for raw in mask.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                match resolve(raw, sections) {
                    Some(p) => paths.extend(p),
                    None => v.add(
                        "updateMask",
                        format!(
                            "`{raw}` is not an updatable field; use paths like {}",
                            example(sections)
                        ),
                    ),
                }
            }
            if paths.is_empty() && v.is_empty() {
                v.add("updateMask", "names no field");
            }
            v.finish(())?;
            for (section, field) in paths {
                let given = patch
                    .get(section)
                    .and_then(Value::as_object)
                    .unwrap_or(&empty);
                set(
                    current,
                    section,
                    field,
                    given.get(field).cloned().unwrap_or(Value::Null),
                );
            }
            Ok(())
        }
    }
}

fn set(current: &mut Value, section: &str, field: &str, value: Value) {
    if !current.is_object() {
        *current = Value::Object(Map::new());
    }
    let Value::Object(root) = current else { return };
    let sec = root
        .entry(section)
        .or_insert_with(|| Value::Object(Map::new()));
    if !sec.is_object() {
        *sec = Value::Object(Map::new());
    }
    let Value::Object(sec) = sec else { return };
    if value.is_null() {
        sec.remove(field);
    } else {
        sec.insert(field.to_owned(), value);
    }
}

/// `spec.description` → one path; `spec` → every field of the section.
fn resolve(raw: &str, sections: &[Section]) -> Option<Vec<(&'static str, &'static str)>> {
    let (sec, field) = match raw.split_once('.') {
        Some((s, f)) => (s, Some(f)),
        None => (raw, None),
    };
    let section = sections.iter().find(|s| s.name == sec)?;
    match field {
        None => Some(section.fields.iter().map(|f| (section.name, *f)).collect()),
        Some(f) => section
            .fields
            .iter()
            .find(|known| **known == f)
            .map(|known| vec![(section.name, *known)]),
    }
}

fn example(sections: &[Section]) -> String {
    sections
        .iter()
        .filter_map(|s| s.fields.first().map(|f| format!("`{}.{f}`", s.name)))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SECTIONS: &[Section] = &[
        Section {
            name: "metadata",
            fields: METADATA_FIELDS,
        },
        Section {
            name: "spec",
            fields: &["description", "status"],
        },
    ];

    fn current() -> Value {
        json!({"metadata": {"name": "a", "labels": {"x": "1"}}, "spec": {"description": "d", "status": "S"}})
    }

    #[test]
    fn merge_replaces_given_fields_and_clears_nulls() {
        let mut c = current();
        let patch =
            json!({"metadata": {"name": "b", "id": "ignored"}, "spec": {"description": null}});
        apply(&mut c, &patch, None, SECTIONS).unwrap();
        assert_eq!(
            c,
            json!({"metadata": {"name": "b", "labels": {"x": "1"}}, "spec": {"status": "S"}})
        );
    }

    #[test]
    fn mask_limits_the_update() {
        let mut c = current();
        let patch = json!({"metadata": {"name": "b"}, "spec": {"description": "new"}});
        apply(&mut c, &patch, Some("spec.description"), SECTIONS).unwrap();
        assert_eq!(c["metadata"]["name"], "a");
        assert_eq!(c["spec"]["description"], "new");
        // a masked field absent from the body is cleared
        apply(&mut c, &json!({}), Some("metadata.labels"), SECTIONS).unwrap();
        assert!(c["metadata"].get("labels").is_none());
    }

    #[test]
    fn unknown_mask_paths_are_rejected() {
        let mut c = current();
        let err = apply(&mut c, &json!({}), Some("spec.nope"), SECTIONS).unwrap_err();
        assert_eq!(err.0[0].field, "updateMask");
        assert!(apply(&mut c, &json!({}), Some(" , "), SECTIONS).is_err());
    }
}
