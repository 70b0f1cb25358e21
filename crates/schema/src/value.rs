//! JSON value helpers: numeric comparison, JSON equality (1 == 1.0), and message rendering.

use std::cmp::Ordering;

use serde_json::{Number, Value};

/// How deeply [`compare`] descends; deeper values (which a parsed request cannot contain) compare
/// equal rather than overflowing the stack.
const MAX_COMPARE_DEPTH: usize = 256;

/// The value of an integral number, exactly, when it has one that fits.
fn exact(n: &Number) -> Option<i128> {
    if let Some(i) = n.as_i64() {
        return Some(i.into());
    }
    if let Some(u) = n.as_u64() {
        return Some(u.into());
    }
    // Below 1e38 an integral f64 converts to i128 exactly.
    let f = n.as_f64()?;
    (f.fract() == 0.0 && f.abs() < 1e38).then_some(f as i128)
}

fn float(n: &Number) -> f64 {
    n.as_f64().unwrap_or(f64::NAN)
}

/// Numeric order: exact for integers, IEEE otherwise.
pub(crate) fn cmp_num(a: &Number, b: &Number) -> Ordering {
    match (exact(a), exact(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => float(a).partial_cmp(&float(b)).unwrap_or(Ordering::Equal),
    }
}

/// Whether `n` is an integer in the JSON Schema sense (1.0 is).
pub(crate) fn is_integer(n: &Number) -> bool {
    n.is_i64() || n.is_u64() || float(n).fract() == 0.0
}

/// Whether `x` is a multiple of `m` (`m > 0`), tolerating binary floating-point error.
pub(crate) fn is_multiple_of(x: &Number, m: &Number) -> bool {
    if let (Some(x), Some(m)) = (exact(x), exact(m)) {
        return m != 0 && x % m == 0;
    }
    let (x, m) = (float(x), float(m));
    let q = x / m;
    if q.is_finite() {
        (q - q.round()).abs() <= q.abs().max(1.0) * 8.0 * f64::EPSILON
    } else {
        // The quotient overflowed (1e308 / 0.5): the remainder is exact in IEEE arithmetic.
        x % m == 0.0
    }
}

/// A non-negative integer keyword value (`minLength: 2` or `2.0`), saturating at `u64::MAX`.
pub(crate) fn as_count(v: &Value) -> Option<u64> {
    let n = v.as_number()?;
    if let Some(u) = n.as_u64() {
        return Some(u);
    }
    let f = n.as_f64()?;
    (f.fract() == 0.0 && f >= 0.0).then_some(f as u64)
}

/// A total order on JSON values, consistent with JSON Schema equality: numbers by value
/// (1 == 1.0), object key order ignored.
pub(crate) fn compare(a: &Value, b: &Value, depth: usize) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Number(_) => 2,
            Value::String(_) => 3,
            Value::Array(_) => 4,
            Value::Object(_) => 5,
        }
    }
    if depth > MAX_COMPARE_DEPTH {
        return Ordering::Equal;
    }
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => cmp_num(x, y),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Array(x), Value::Array(y)) => x
            .iter()
            .zip(y)
            .map(|(p, q)| compare(p, q, depth + 1))
            .find(|o| o.is_ne())
            .unwrap_or_else(|| x.len().cmp(&y.len())),
        (Value::Object(x), Value::Object(y)) => {
            let mut xk: Vec<&String> = x.keys().collect();
            let mut yk: Vec<&String> = y.keys().collect();
            xk.sort_unstable();
            yk.sort_unstable();
            xk.cmp(&yk).then_with(|| {
                xk.iter()
                    .map(|k| match (x.get(*k), y.get(*k)) {
                        (Some(p), Some(q)) => compare(p, q, depth + 1),
                        _ => Ordering::Equal,
                    })
                    .find(|o| o.is_ne())
                    .unwrap_or(Ordering::Equal)
            })
        }
        _ => rank(a).cmp(&rank(b)),
    }
}

pub(crate) fn equal(a: &Value, b: &Value) -> bool {
    compare(a, b, 0).is_eq()
}

/// "a string", "an object", … for messages.
pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if is_integer(n) => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The JSON text of `v`, cut to a readable length.
pub(crate) fn render(v: &Value) -> String {
    shorten(v.to_string(), 80)
}

/// `text` cut to at most `max` characters, with an ellipsis when cut.
pub(crate) fn shorten(text: String, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// "1 item", "2 items".
pub(crate) fn plural(n: impl Into<u64>, noun: &str) -> String {
    let n = n.into();
    match (n, noun.strip_suffix('y')) {
        (1, _) => format!("1 {noun}"),
        (_, Some(stem)) => format!("{n} {stem}ies"),
        _ => format!("{n} {noun}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn num(v: Value) -> Number {
        match v {
            Value::Number(n) => n,
            _ => Number::from(0),
        }
    }

    #[test]
    fn numbers_compare_by_value() {
        assert!(equal(&json!(1), &json!(1.0)));
        assert!(equal(&json!([1, {"a": 2.0}]), &json!([1.0, {"a": 2}])));
        assert!(!equal(&json!(1), &json!(true)));
        assert!(!equal(&json!(0), &json!(false)));
        assert!(equal(&json!({"a": 1, "b": 2}), &json!({"b": 2, "a": 1})));
        assert!(!equal(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
        assert_eq!(
            cmp_num(&num(json!(u64::MAX)), &num(json!(-1))),
            Ordering::Greater
        );
        assert_eq!(
            cmp_num(
                &num(json!(9007199254740993_i64)),
                &num(json!(9007199254740992.0))
            ),
            Ordering::Greater
        );
        assert_eq!(cmp_num(&num(json!(1.5)), &num(json!(2))), Ordering::Less);
    }

    #[test]
    fn multiples() {
        assert!(is_multiple_of(&num(json!(10)), &num(json!(5))));
        assert!(!is_multiple_of(&num(json!(7)), &num(json!(5))));
        assert!(is_multiple_of(&num(json!(0.0075)), &num(json!(0.0001))));
        assert!(!is_multiple_of(&num(json!(0.00751)), &num(json!(0.0001))));
        assert!(is_multiple_of(&num(json!(19.99)), &num(json!(0.01))));
        assert!(is_multiple_of(&num(json!(1234567.89)), &num(json!(0.01))));
        assert!(!is_multiple_of(&num(json!(1234567.891)), &num(json!(0.01))));
        assert!(is_multiple_of(&num(json!(1e308)), &num(json!(0.5))));
        assert!(!is_multiple_of(
            &num(json!(1e308)),
            &num(json!(0.123456789))
        ));
        assert!(is_multiple_of(&num(json!(4.0)), &num(json!(2))));
    }

    #[test]
    fn counts_and_rendering() {
        assert_eq!(as_count(&json!(2)), Some(2));
        assert_eq!(as_count(&json!(2.0)), Some(2));
        assert_eq!(as_count(&json!(2.5)), None);
        assert_eq!(as_count(&json!(-1)), None);
        assert_eq!(as_count(&json!(1e300)), Some(u64::MAX));
        assert_eq!(render(&json!("x".repeat(200))).chars().count(), 81);
        assert_eq!(kind(&json!(1.0)), "an integer");
        assert_eq!(plural(1u64, "item"), "1 item");
        assert_eq!(plural(2u64, "item"), "2 items");
        assert_eq!(plural(0u64, "property"), "0 properties");
    }
}
