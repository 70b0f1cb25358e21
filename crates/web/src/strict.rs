//! Strict JSON request bodies (docs/api.md §2 "Request bodies").
//!
//! serde and serde_json are lenient in ways an API contract cannot be: the last of two
//! equal keys wins silently, an integer too large for a double is rounded, and a struct
//! accepts a JSON array of its fields in order. Bodies are therefore read in two steps:
//! [`read`] parses the bytes into a `Value`, refusing duplicate keys, integers beyond
//! ±2^53 and a body that is not an object; then [`Strict`] deserializes the typed request
//! from that value, refusing an array wherever the type wants an object.

use serde::de::{
    self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};
use serde_json::{Map, Number, Value};
use std::cell::RefCell;
use std::fmt;

/// The largest integer a JSON number keeps exactly in every client (an IEEE double).
pub const MAX_EXACT_INTEGER: u64 = 1 << 53;

/// What made a body unacceptable, and where (`metadata.labels.team`, `data.items[2]`).
#[derive(Debug, PartialEq)]
pub struct Refusal {
    pub field: String,
    pub message: String,
}

/// Parses a request body that must be one JSON object.
pub fn read(body: &[u8]) -> Result<Value, Refusal> {
    let refusal = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_slice(body);
    let parsed = Node {
        path: String::new(),
        refusal: &refusal,
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v));
    match (parsed, refusal.into_inner()) {
        (_, Some(r)) => Err(r),
        (Err(e), None) => Err(Refusal {
            field: "body".into(),
            message: format!("malformed JSON: {e}"),
        }),
        (Ok(Value::Object(m)), None) => Ok(Value::Object(m)),
        (Ok(other), None) => Err(Refusal {
            field: "body".into(),
            message: format!("must be a JSON object, not {}", kind(&other)),
        }),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// One position in the document being read; a refusal is recorded with its path and
/// the parse stopped with a placeholder error.
struct Node<'r> {
    path: String,
    refusal: &'r RefCell<Option<Refusal>>,
}

impl Node<'_> {
    fn refuse<E: de::Error>(&self, field: String, message: String) -> E {
        let mut slot = self.refusal.borrow_mut();
        if slot.is_none() {
            *slot = Some(Refusal { field, message });
        }
        E::custom("refused")
    }

    fn field(&self) -> String {
        if self.path.is_empty() {
            "body".into()
        } else {
            self.path.clone()
        }
    }

    fn child(&self, segment: &str) -> Node<'_> {
        let path = if self.path.is_empty() {
            segment.to_owned()
        } else if segment.starts_with('[') {
            format!("{}{segment}", self.path)
        } else {
            format!("{}.{segment}", self.path)
        };
        Node {
            path,
            refusal: self.refusal,
        }
    }

    fn too_large<E: de::Error>(&self) -> E {
        self.refuse(
            self.field(),
            format!(
                "integers beyond ±{MAX_EXACT_INTEGER} cannot be kept exactly; send large numbers as strings"
            ),
        )
    }
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        if v > MAX_EXACT_INTEGER {
            return Err(self.too_large());
        }
        Ok(Value::Number(v.into()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        if v.unsigned_abs() > MAX_EXACT_INTEGER {
            return Err(self.too_large());
        }
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        // serde_json hands integers beyond 64 bits over as doubles, already rounded
        if v.fract() == 0.0 && v.abs() > MAX_EXACT_INTEGER as f64 {
            return Err(self.too_large());
        }
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| self.refuse(self.field(), "must be a finite number".into()))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(self.child(&format!("[{}]", items.len())))? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                let field = self.child(&key).path;
                return Err(self.refuse(field, format!("duplicate key `{key}`")));
            }
            let value = map.next_value_seed(self.child(&key))?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

/// Deserializes a typed request from a value read by [`read`]: exactly like
/// `serde_json::Value` does, except that a struct refuses an array.
pub struct Strict<'a>(pub &'a Value);

type Error = serde_json::Error;

impl<'a> Deserializer<'a> for Strict<'a> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else {
                    visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Array(items) => visitor.visit_seq(Items(items.iter())),
            Value::Object(map) => visitor.visit_map(Entries {
                iter: map.iter(),
                value: None,
            }),
        }
    }

    fn deserialize_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(_) => self.deserialize_any(visitor),
            other => Err(de::Error::invalid_type(unexpected(other), &"an object")),
        }
    }

    fn deserialize_option<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(s) => visitor.visit_enum(s.as_str().into_deserializer()),
            Value::Object(map) if map.len() == 1 => match map.iter().next() {
                Some((variant, value)) => visitor.visit_enum(Variant { variant, value }),
                None => Err(de::Error::invalid_length(0, &"one variant")),
            },
            other => Err(de::Error::invalid_type(unexpected(other), &"a variant")),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        <W: Visitor<'a>>
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map identifier
    }
}

fn unexpected(v: &Value) -> de::Unexpected<'_> {
    match v {
        Value::Null => de::Unexpected::Unit,
        Value::Bool(b) => de::Unexpected::Bool(*b),
        Value::Number(_) => de::Unexpected::Other("a number"),
        Value::String(s) => de::Unexpected::Str(s),
        Value::Array(_) => de::Unexpected::Seq,
        Value::Object(_) => de::Unexpected::Map,
    }
}

struct Items<'a>(std::slice::Iter<'a, Value>);

impl<'a> SeqAccess<'a> for Items<'a> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'a>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.0
            .next()
            .map(|v| seed.deserialize(Strict(v)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Entries<'a> {
    iter: serde_json::map::Iter<'a>,
    value: Option<&'a Value>,
}

impl<'a> MapAccess<'a> for Entries<'a> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'a>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.iter.next() {
            Some((k, v)) => {
                self.value = Some(v);
                seed.deserialize(de::value::BorrowedStrDeserializer::new(k))
                    .map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'a>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.value.take() {
            Some(v) => seed.deserialize(Strict(v)),
            None => Err(de::Error::custom("a value without its key")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

struct Variant<'a> {
    variant: &'a str,
    value: &'a Value,
}

impl<'a> de::EnumAccess<'a> for Variant<'a> {
    type Error = Error;
    type Variant = Strict<'a>;

    fn variant_seed<S: DeserializeSeed<'a>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Strict<'a>), Error> {
        let name = seed.deserialize(de::value::BorrowedStrDeserializer::<Error>::new(
            self.variant,
        ))?;
        Ok((name, Strict(self.value)))
    }
}

impl<'a> de::VariantAccess<'a> for Strict<'a> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        match self.0 {
            Value::Null => Ok(()),
            other => Err(de::Error::invalid_type(
                unexpected(other),
                &"a unit variant",
            )),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'a>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'a>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_any(visitor)
    }

    fn struct_variant<V: Visitor<'a>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_struct("", &[], visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    fn refused(body: &str) -> Refusal {
        read(body.as_bytes()).expect_err(body)
    }

    #[test]
    fn reads_objects_and_keeps_values_exactly() {
        let v =
            read(br#"{"a": [1, -2, 2.5, "x", null, true], "b": {"c": 9007199254740992}}"#).unwrap();
        assert_eq!(
            v,
            json!({"a": [1, -2, 2.5, "x", null, true], "b": {"c": 9007199254740992u64}})
        );
    }

    #[test]
    fn refuses_what_is_not_one_object() {
        for (body, message) in [
            ("[{\"name\": \"x\"}]", "must be a JSON object, not an array"),
            ("\"x\"", "must be a JSON object, not a string"),
            ("null", "must be a JSON object, not null"),
        ] {
            assert_eq!(
                refused(body),
                Refusal {
                    field: "body".into(),
                    message: message.into()
                }
            );
        }
        assert!(refused("{\"a\": 1").message.starts_with("malformed JSON"));
        assert!(refused("{} {}").message.starts_with("malformed JSON"));
    }

    #[test]
    fn refuses_duplicate_keys_naming_them() {
        assert_eq!(
            refused(r#"{"metadata": {"labels": {"team": "a", "team": "b"}}}"#),
            Refusal {
                field: "metadata.labels.team".into(),
                message: "duplicate key `team`".into()
            }
        );
        assert_eq!(refused(r#"{"a": 1, "a": 1}"#).field, "a");
        assert_eq!(
            refused(r#"{"list": [{}, {"k": 1, "k": 2}]}"#).field,
            "list[1].k"
        );
    }

    #[test]
    fn refuses_integers_a_double_cannot_keep() {
        for (body, field) in [
            (
                r#"{"data": {"n": 123456789012345678901234567890}}"#,
                "data.n",
            ),
            (r#"{"n": 9007199254740993}"#, "n"),
            (r#"{"xs": [0, -9007199254740993]}"#, "xs[1]"),
            (r#"{"n": 1e300}"#, "n"),
        ] {
            let r = refused(body);
            assert_eq!(r.field, field, "{body}");
            assert!(r.message.contains("9007199254740992"), "{}", r.message);
        }
        assert!(read(br#"{"n": -9007199254740992, "f": 0.1, "g": 1.5e300}"#).is_err());
        assert!(read(br#"{"n": -9007199254740992, "f": 0.1}"#).is_ok());
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Meta {
        name: String,
        #[serde(default)]
        labels: Option<std::collections::BTreeMap<String, String>>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Req {
        metadata: Meta,
        #[serde(default)]
        data: Value,
        #[serde(default)]
        kind: Option<Kind>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Kind {
        Plain,
        Sized(u32),
    }

    fn typed(v: Value) -> Result<Req, String> {
        Req::deserialize(Strict(&v)).map_err(|e| e.to_string())
    }

    #[test]
    fn structs_refuse_arrays_but_everything_else_reads_as_serde_json_would() {
        let v = json!({"metadata": {"name": "x", "labels": {"a": "b"}}, "data": [1, {"z": null}], "kind": {"sized": 3}});
        assert_eq!(
            typed(v.clone()).unwrap(),
            Req {
                metadata: Meta {
                    name: "x".into(),
                    labels: Some([("a".to_owned(), "b".to_owned())].into())
                },
                data: json!([1, {"z": null}]),
                kind: Some(Kind::Sized(3)),
            }
        );
        assert_eq!(
            typed(json!({"metadata": {"name": "x"}, "kind": "plain"}))
                .unwrap()
                .kind,
            Some(Kind::Plain)
        );
        let err = typed(json!({"metadata": ["x"]})).unwrap_err();
        assert!(err.contains("expected an object"), "{err}");
        assert!(typed(json!({"metadata": {"name": "x", "extra": 1}})).is_err());
        assert!(typed(json!({"metadata": {"name": 1}})).is_err());
    }
}
