//! The runtime value model: what variables, literals and filter results are, how they
//! print, compare and answer Liquid's "truthy / default / empty / blank" questions.
//!
//! Every rule here mirrors `liquid-core` 0.26 (`model/value/view.rs`, `model/scalar`),
//! including its quirks (a boolean `true` equals any scalar, `empty` is falsy, ...).

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

/// An object's entries. JSON objects arrive sorted (serde_json's map), and so they stay.
pub(crate) type Object = BTreeMap<String, Value>;

#[derive(Clone, Debug)]
pub(crate) enum Value {
    Nil,
    /// The `empty` literal.
    Empty,
    /// The `blank` literal.
    Blank,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Arc<str>),
    Array(Arc<Vec<Value>>),
    Object(Arc<Object>),
}

/// The questions a value answers (`liquid_core::model::State`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    Truthy,
    DefaultValue,
    Empty,
    Blank,
}

impl Value {
    pub(crate) fn str(s: impl Into<Arc<str>>) -> Value {
        Value::Str(s.into())
    }

    pub(crate) fn array(items: Vec<Value>) -> Value {
        Value::Array(Arc::new(items))
    }

    pub(crate) fn from_json(v: &serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Nil,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                // Above i64::MAX: `liquid` refuses the data; we keep it as a float.
                None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) => Value::str(s.as_str()),
            serde_json::Value::Array(a) => Value::array(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(o) => Value::Object(Arc::new(Value::object_from_json(o))),
        }
    }

    /// (Inserting one by one: collecting into a map would link in a sort.)
    pub(crate) fn object_from_json(o: &serde_json::Map<String, serde_json::Value>) -> Object {
        let mut out = Object::new();
        for (k, v) in o {
            out.insert(k.clone(), Value::from_json(v));
        }
        out
    }

    pub(crate) fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    pub(crate) fn is_scalar(&self) -> bool {
        matches!(
            self,
            Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::Str(_)
        )
    }

    pub(crate) fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub(crate) fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Value::Nil => "nil",
            Value::Empty => "empty",
            Value::Blank => "blank",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "whole number",
            Value::Float(_) => "fractional number",
            Value::Str(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }

    /// `liquid`'s `query_state`.
    pub(crate) fn query_state(&self, state: State) -> bool {
        match self {
            Value::Nil => state != State::Truthy,
            // The `empty` and `blank` literals answer "no" to truthy, "yes" to the rest.
            Value::Empty | Value::Blank => state != State::Truthy,
            Value::Bool(b) => match state {
                State::Truthy => *b,
                State::DefaultValue | State::Blank => !*b,
                State::Empty => false,
            },
            Value::Int(_) | Value::Float(_) => state == State::Truthy,
            Value::Str(s) => match state {
                State::Truthy => true,
                State::DefaultValue | State::Empty => s.is_empty(),
                State::Blank => s.trim().is_empty(),
            },
            Value::Array(a) => state == State::Truthy || a.is_empty(),
            Value::Object(o) => state == State::Truthy || o.is_empty(),
        }
    }

    pub(crate) fn is_truthy(&self) -> bool {
        self.query_state(State::Truthy)
    }

    /// Appends the rendered form: arrays concatenate their items, objects their keys
    /// and values, nil and the `empty`/`blank` literals print nothing.
    pub(crate) fn write_to(&self, out: &mut String) {
        match self {
            Value::Nil | Value::Empty | Value::Blank => {}
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Float(f) => {
                let _ = write!(out, "{f}");
            }
            Value::Str(s) => out.push_str(s),
            Value::Array(a) => a.iter().for_each(|v| v.write_to(out)),
            Value::Object(o) => o.iter().for_each(|(k, v)| {
                out.push_str(k);
                v.write_to(out);
            }),
        }
    }

    /// The rendered form (`to_kstr`), borrowed when it is a string already.
    pub(crate) fn render(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Value::Str(s) => std::borrow::Cow::Borrowed(s),
            Value::Nil | Value::Empty | Value::Blank => std::borrow::Cow::Borrowed(""),
            other => {
                let mut s = String::new();
                other.write_to(&mut s);
                std::borrow::Cow::Owned(s)
            }
        }
    }

    /// A scalar as a whole number: integers, and strings that parse as one.
    pub(crate) fn to_integer(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Str(s) => s.parse().ok(),
            _ => None,
        }
    }

    /// A scalar as a number: integers, floats, and strings that parse as one.
    pub(crate) fn to_float(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            Value::Str(s) => s.parse().ok(),
            _ => None,
        }
    }

    pub(crate) fn to_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// How a literal prints in `liquid`'s traces (`"text"`, `5`, `nil`); the `cycle` tag
    /// names its groups with it.
    pub(crate) fn source(&self) -> String {
        match self {
            Value::Str(s) => format!("\"{s}\""),
            Value::Nil | Value::Empty | Value::Blank => self.type_name().to_owned(),
            Value::Array(a) => {
                let mut s = String::from("[");
                for v in a.iter() {
                    v.write_to(&mut s);
                    s.push_str(", ");
                }
                s.push(']');
                s
            }
            Value::Object(o) => {
                let mut s = String::from("{");
                for (k, v) in o.iter() {
                    let _ = write!(s, "\"{k}\": ");
                    v.write_to(&mut s);
                    s.push_str(", ");
                }
                s.push('}');
                s
            }
            other => other.render().into_owned(),
        }
    }
}

/// Scalar equality: numbers across int/float, and a boolean `b` on one side of a
/// mixed pair answers `b`.
fn scalar_eq(lhs: &Value, rhs: &Value) -> bool {
    use Value::*;
    match (lhs, rhs) {
        (Int(x), Int(y)) => x == y,
        (Int(x), Float(y)) => (*x as f64) == *y,
        (Float(x), Int(y)) => *x == (*y as f64),
        (Float(x), Float(y)) => x == y,
        (Bool(x), Bool(y)) => x == y,
        (Str(x), Str(y)) => x == y,
        (_, Bool(b)) | (Bool(b), _) => *b,
        _ => false,
    }
}

fn scalar_cmp(lhs: &Value, rhs: &Value) -> Option<Ordering> {
    use Value::*;
    match (lhs, rhs) {
        (Int(x), Int(y)) => x.partial_cmp(y),
        (Int(x), Float(y)) => (*x as f64).partial_cmp(y),
        (Float(x), Int(y)) => x.partial_cmp(&(*y as f64)),
        (Float(x), Float(y)) => x.partial_cmp(y),
        (Bool(x), Bool(y)) => x.partial_cmp(y),
        (Str(x), Str(y)) => x.partial_cmp(y),
        _ => None,
    }
}

fn state_of(v: &Value) -> Option<State> {
    match v {
        Value::Empty => Some(State::Empty),
        Value::Blank => Some(State::Blank),
        _ => None,
    }
}

/// `==` in conditions, `when`, `uniq`, `where` and `contains` on arrays.
pub(crate) fn value_eq(lhs: &Value, rhs: &Value) -> bool {
    if let (Value::Array(x), Value::Array(y)) = (lhs, rhs) {
        return x.len() == y.len() && x.iter().zip(y.iter()).all(|(x, y)| value_eq(x, y));
    }
    if let (Value::Object(x), Value::Object(y)) = (lhs, rhs) {
        return x.len() == y.len()
            && x.iter()
                .all(|(k, v)| y.get(k).map(|w| value_eq(w, v)).unwrap_or(false));
    }
    if lhs.is_nil() && rhs.is_nil() {
        return true;
    }
    if let Some(state) = state_of(lhs) {
        return rhs.query_state(state);
    } else if let Some(state) = state_of(rhs) {
        return lhs.query_state(state);
    }
    match (lhs.is_scalar(), rhs.is_scalar()) {
        (true, true) => scalar_eq(lhs, rhs),
        (false, false) => false,
        (true, false) => {
            if rhs.is_nil() {
                !lhs.to_bool().unwrap_or(true)
            } else {
                lhs.to_bool().unwrap_or(false)
            }
        }
        (false, true) => {
            if lhs.is_nil() {
                !rhs.to_bool().unwrap_or(true)
            } else {
                rhs.to_bool().unwrap_or(false)
            }
        }
    }
}

/// `<`, `>`, `<=`, `>=` and `sort`: scalars, then arrays and objects item by item.
pub(crate) fn value_cmp(lhs: &Value, rhs: &Value) -> Option<Ordering> {
    if lhs.is_scalar() && rhs.is_scalar() {
        return scalar_cmp(lhs, rhs);
    }
    if let (Value::Array(x), Value::Array(y)) = (lhs, rhs) {
        return lexicographic(x.iter(), y.iter(), |a, b| value_cmp(a, b));
    }
    if let (Value::Object(x), Value::Object(y)) = (lhs, rhs) {
        return lexicographic(x.iter(), y.iter(), |(ka, va), (kb, vb)| {
            match ka.partial_cmp(kb) {
                Some(Ordering::Equal) => value_cmp(va, vb),
                other => other,
            }
        });
    }
    None
}

/// `Iterator::partial_cmp` with a custom item comparison.
fn lexicographic<T>(
    mut a: impl Iterator<Item = T>,
    mut b: impl Iterator<Item = T>,
    cmp: impl Fn(&T, &T) -> Option<Ordering>,
) -> Option<Ordering> {
    loop {
        match (a.next(), b.next()) {
            (None, None) => return Some(Ordering::Equal),
            (None, Some(_)) => return Some(Ordering::Less),
            (Some(_), None) => return Some(Ordering::Greater),
            (Some(x), Some(y)) => match cmp(&x, &y) {
                Some(Ordering::Equal) => {}
                other => return other,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equality_quirks() {
        let t = Value::Bool(true);
        assert!(value_eq(&Value::Int(1), &Value::Float(1.0)));
        assert!(value_eq(&Value::str("x"), &t), "true equals any scalar");
        assert!(!value_eq(&Value::str("1"), &Value::Int(1)));
        assert!(value_eq(&Value::Bool(false), &Value::Nil));
        assert!(value_eq(&Value::str(""), &Value::Empty));
        assert!(value_eq(&Value::str("  "), &Value::Blank));
        assert!(!value_eq(&Value::str("  "), &Value::Empty));
        assert!(value_eq(&Value::array(vec![]), &Value::Empty));
        assert!(value_eq(&Value::array(vec![Value::Int(1)]), &t));
    }

    #[test]
    fn truthiness() {
        assert!(!Value::Nil.is_truthy());
        assert!(!Value::Bool(false).is_truthy());
        assert!(!Value::Empty.is_truthy());
        assert!(Value::str("").is_truthy());
        assert!(Value::Int(0).is_truthy());
        assert!(Value::array(vec![]).is_truthy());
    }

    #[test]
    fn ordering() {
        assert_eq!(
            value_cmp(&Value::Int(1), &Value::Float(1.5)),
            Some(Ordering::Less)
        );
        assert_eq!(value_cmp(&Value::str("b"), &Value::Int(1)), None);
        let a = Value::array(vec![Value::Int(1), Value::Int(2)]);
        let b = Value::array(vec![Value::Int(1)]);
        assert_eq!(value_cmp(&a, &b), Some(Ordering::Greater));
    }

    #[test]
    fn rendering() {
        let mut s = String::new();
        Value::Float(3.0).write_to(&mut s);
        Value::Float(0.1).write_to(&mut s);
        Value::array(vec![Value::Int(1), Value::str("a"), Value::Nil]).write_to(&mut s);
        assert_eq!(s, "30.11a");
        assert_eq!(Value::str("a").source(), "\"a\"");
        assert_eq!(Value::Nil.source(), "nil");
    }
}
