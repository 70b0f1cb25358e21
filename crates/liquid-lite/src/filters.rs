//! The standard filters of `liquid-lib` 0.26 (`stdlib/filters`), with the same argument
//! counts (checked when the template is parsed), argument conversions and results.

use std::cmp::Ordering;

use crate::render::Meter;
use crate::value::{value_cmp, value_eq, State, Value};
use crate::{date, grapheme, MAX_ARRAY_LEN, MAX_STRING_BYTES};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Filter {
    Abs,
    Append,
    AtLeast,
    AtMost,
    Capitalize,
    Ceil,
    Compact,
    Concat,
    Date,
    Default,
    DividedBy,
    Downcase,
    Escape,
    EscapeOnce,
    First,
    Floor,
    Join,
    Last,
    Lstrip,
    Map,
    Minus,
    Modulo,
    NewlineToBr,
    Plus,
    Prepend,
    Remove,
    RemoveFirst,
    Replace,
    ReplaceFirst,
    Reverse,
    Round,
    Rstrip,
    Size,
    Slice,
    Sort,
    SortNatural,
    Split,
    Strip,
    StripHtml,
    StripNewlines,
    Times,
    Truncate,
    TruncateWords,
    Uniq,
    Upcase,
    UrlDecode,
    UrlEncode,
    Where,
}

/// Name, filter, and the least and most positional arguments it takes.
const TABLE: &[(&str, Filter, usize, usize)] = &[
    ("abs", Filter::Abs, 0, 0),
    ("append", Filter::Append, 1, 1),
    ("at_least", Filter::AtLeast, 1, 1),
    ("at_most", Filter::AtMost, 1, 1),
    ("capitalize", Filter::Capitalize, 0, 0),
    ("ceil", Filter::Ceil, 0, 0),
    ("compact", Filter::Compact, 0, 1),
    ("concat", Filter::Concat, 1, 1),
    ("date", Filter::Date, 1, 1),
    ("default", Filter::Default, 1, 1),
    ("divided_by", Filter::DividedBy, 1, 1),
    ("downcase", Filter::Downcase, 0, 0),
    ("escape", Filter::Escape, 0, 0),
    ("escape_once", Filter::EscapeOnce, 0, 0),
    ("first", Filter::First, 0, 0),
    ("floor", Filter::Floor, 0, 0),
    ("join", Filter::Join, 0, 1),
    ("last", Filter::Last, 0, 0),
    ("lstrip", Filter::Lstrip, 0, 0),
    ("map", Filter::Map, 1, 1),
    ("minus", Filter::Minus, 1, 1),
    ("modulo", Filter::Modulo, 1, 1),
    ("newline_to_br", Filter::NewlineToBr, 0, 0),
    ("plus", Filter::Plus, 1, 1),
    ("prepend", Filter::Prepend, 1, 1),
    ("remove", Filter::Remove, 1, 1),
    ("remove_first", Filter::RemoveFirst, 1, 1),
    ("replace", Filter::Replace, 1, 2),
    ("replace_first", Filter::ReplaceFirst, 1, 2),
    ("reverse", Filter::Reverse, 0, 0),
    ("round", Filter::Round, 0, 1),
    ("rstrip", Filter::Rstrip, 0, 0),
    ("size", Filter::Size, 0, 0),
    ("slice", Filter::Slice, 1, 2),
    ("sort", Filter::Sort, 0, 1),
    ("sort_natural", Filter::SortNatural, 0, 1),
    ("split", Filter::Split, 1, 1),
    ("strip", Filter::Strip, 0, 0),
    ("strip_html", Filter::StripHtml, 0, 0),
    ("strip_newlines", Filter::StripNewlines, 0, 0),
    ("times", Filter::Times, 1, 1),
    ("truncate", Filter::Truncate, 0, 2),
    ("truncatewords", Filter::TruncateWords, 0, 2),
    ("uniq", Filter::Uniq, 0, 0),
    ("upcase", Filter::Upcase, 0, 0),
    ("url_decode", Filter::UrlDecode, 0, 0),
    ("url_encode", Filter::UrlEncode, 0, 0),
    ("where", Filter::Where, 1, 2),
];

/// The filter of that name and its positional-argument range.
pub(crate) fn lookup(name: &str) -> Option<(Filter, usize, usize)> {
    TABLE
        .iter()
        .find(|(n, ..)| *n == name)
        .map(|&(_, f, min, max)| (f, min, max))
}

/// Every filter name, for "unknown filter" messages.
pub(crate) fn names() -> impl Iterator<Item = &'static str> {
    TABLE.iter().map(|(n, ..)| *n)
}

type Res = Result<Value, String>;

fn invalid_input(what: &str) -> String {
    format!("invalid input: {what}")
}

fn invalid_argument(name: &str, what: &str) -> String {
    format!("invalid argument `{name}`: {what}")
}

/// A `str` argument: anything, as text.
fn arg_str(args: &[Value], i: usize) -> Option<String> {
    args.get(i).map(|v| v.render().into_owned())
}

/// An `integer` argument: a whole number, or a string holding one.
fn arg_int(args: &[Value], i: usize, name: &str) -> Result<Option<i64>, String> {
    match args.get(i) {
        None => Ok(None),
        Some(v) => v
            .to_integer()
            .map(Some)
            .ok_or_else(|| invalid_argument(name, "whole number expected")),
    }
}

fn arg(args: &[Value], i: usize) -> &Value {
    args.get(i).unwrap_or(&Value::Nil)
}

fn check_len(len: usize) -> Result<(), String> {
    if len > MAX_STRING_BYTES {
        Err(format!(
            "result too large (more than {MAX_STRING_BYTES} bytes)"
        ))
    } else {
        Ok(())
    }
}

fn text(s: String) -> Res {
    check_len(s.len())?;
    Ok(Value::str(s))
}

fn list(items: Vec<Value>) -> Res {
    if items.len() > MAX_ARRAY_LEN {
        return Err(format!(
            "result too large (more than {MAX_ARRAY_LEN} items)"
        ));
    }
    Ok(Value::array(items))
}

/// Applies `f` to `input` with its evaluated arguments.
pub(crate) fn apply(f: Filter, input: &Value, args: &[Value], meter: &mut Meter) -> Res {
    let work = match input {
        Value::Str(s) => s.len() as u64,
        Value::Array(a) => a.len() as u64,
        _ => 0,
    };
    meter.charge(1 + work / 64)?;
    match f {
        Filter::Abs => abs(input),
        Filter::Append => {
            let (a, b) = (input.render(), arg_str(args, 0).unwrap_or_default());
            check_len(a.len() + b.len())?;
            text(format!("{a}{b}"))
        }
        Filter::Prepend => {
            let (a, b) = (input.render(), arg_str(args, 0).unwrap_or_default());
            check_len(a.len() + b.len())?;
            text(format!("{b}{a}"))
        }
        Filter::AtLeast => math(input, arg(args, 0), i64::max, f64::max),
        Filter::AtMost => math(input, arg(args, 0), i64::min, f64::min),
        Filter::Plus => math(input, arg(args, 0), i64::wrapping_add, |a, b| a + b),
        Filter::Minus => math(input, arg(args, 0), i64::wrapping_sub, |a, b| a - b),
        Filter::Times => math(input, arg(args, 0), i64::wrapping_mul, |a, b| a * b),
        Filter::DividedBy => {
            nonzero(arg(args, 0))?;
            math(input, arg(args, 0), i64::wrapping_div, |a, b| a / b)
        }
        Filter::Modulo => {
            nonzero(arg(args, 0))?;
            math(input, arg(args, 0), i64::wrapping_rem, |a, b| a % b)
        }
        Filter::Round => round(input, arg_int(args, 0, "decimal_places")?),
        Filter::Ceil => float_input(input).map(|n| Value::Int(n.ceil() as i64)),
        Filter::Floor => float_input(input).map(|n| Value::Int(n.floor() as i64)),
        Filter::Capitalize => {
            let s = input.render();
            let mut chars = s.chars();
            let out: String = match chars.next() {
                Some(c) => c.to_uppercase().chain(chars).collect(),
                None => String::new(),
            };
            text(out)
        }
        Filter::Downcase => text(input.render().to_lowercase()),
        Filter::Upcase => text(input.render().to_uppercase()),
        Filter::Strip => text(input.render().trim().to_owned()),
        Filter::Lstrip => text(input.render().trim_start().to_owned()),
        Filter::Rstrip => text(input.render().trim_end().to_owned()),
        Filter::StripNewlines => text(
            input
                .render()
                .chars()
                .filter(|c| *c != '\n' && *c != '\r')
                .collect(),
        ),
        Filter::NewlineToBr => text(input.render().replace('\n', "<br />\n")),
        Filter::Escape => escape(input, false),
        Filter::EscapeOnce => escape(input, true),
        Filter::StripHtml => text(strip_html(&input.render())),
        Filter::Remove => replace(input, &arg_str(args, 0).unwrap_or_default(), "", false),
        Filter::RemoveFirst => replace(input, &arg_str(args, 0).unwrap_or_default(), "", true),
        Filter::Replace => replace(
            input,
            &arg_str(args, 0).unwrap_or_default(),
            &arg_str(args, 1).unwrap_or_default(),
            false,
        ),
        Filter::ReplaceFirst => replace(
            input,
            &arg_str(args, 0).unwrap_or_default(),
            &arg_str(args, 1).unwrap_or_default(),
            true,
        ),
        Filter::Split => {
            let s = input.render();
            let pattern = arg_str(args, 0).unwrap_or_default();
            if s.is_empty() {
                return list(Vec::new());
            }
            list(s.split(pattern.as_str()).map(Value::str).collect())
        }
        Filter::Truncate => truncate(input, args),
        Filter::TruncateWords => truncate_words(input, args),
        Filter::Slice => slice(input, args),
        Filter::Size => Ok(Value::Int(match input {
            Value::Array(a) => a.len() as i64,
            Value::Object(o) => o.len() as i64,
            v if v.is_scalar() => v.render().len() as i64,
            _ => 0,
        })),
        Filter::Default => Ok(if input.query_state(State::DefaultValue) {
            arg(args, 0).clone()
        } else {
            input.clone()
        }),
        Filter::First | Filter::Last => first_last(input, f == Filter::First),
        Filter::Join => {
            let sep = arg_str(args, 0).unwrap_or_else(|| " ".to_owned());
            let items = input
                .as_array()
                .ok_or_else(|| invalid_input("Array of strings expected"))?;
            let mut out = String::new();
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(&sep);
                }
                v.write_to(&mut out);
                check_len(out.len())?;
            }
            text(out)
        }
        Filter::Sort => sort(input, arg_str(args, 0)),
        Filter::SortNatural => sort_natural(input, arg_str(args, 0)),
        Filter::Where => where_(input, arg_str(args, 0).unwrap_or_default(), args.get(1)),
        Filter::Uniq => uniq(input, meter),
        Filter::Reverse => {
            let mut items = array_input(input)?.to_vec();
            items.reverse();
            list(items)
        }
        Filter::Map => {
            let property = arg_str(args, 0).unwrap_or_default();
            let items = array_input(input)?;
            list(
                items
                    .iter()
                    .filter_map(|v| v.as_object().and_then(|o| o.get(&property)).cloned())
                    .collect(),
            )
        }
        Filter::Compact => compact(input, arg_str(args, 0)),
        Filter::Concat => {
            let items = array_input(input)?;
            let more = arg(args, 0)
                .as_array()
                .ok_or_else(|| invalid_argument("array", "Array expected"))?;
            if items.len() + more.len() > MAX_ARRAY_LEN {
                return Err(format!(
                    "result too large (more than {MAX_ARRAY_LEN} items)"
                ));
            }
            list(items.iter().chain(more.iter()).cloned().collect())
        }
        Filter::Date => {
            let format = arg_str(args, 0).unwrap_or_default();
            let parsed = match input {
                Value::Str(s) => date::parse(s),
                _ => None,
            };
            match parsed {
                Some(dt) if !format.is_empty() => {
                    let s = date::strftime(&dt, &format)
                        .map_err(|e| format!("invalid date-format string `{format}`: {e}"))?;
                    text(s)
                }
                _ => Ok(input.clone()),
            }
        }
        Filter::UrlEncode => {
            if input.is_nil() {
                return Ok(Value::Nil);
            }
            let mut out = String::new();
            for b in input.render().bytes() {
                if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_') {
                    out.push(b as char);
                } else {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
            text(out)
        }
        Filter::UrlDecode => {
            if input.is_nil() {
                return Ok(Value::Nil);
            }
            let s = input.render().replace('+', " ");
            let b = s.as_bytes();
            let mut out = Vec::with_capacity(b.len());
            let mut i = 0;
            while i < b.len() {
                let hex = |c: u8| (c as char).to_digit(16);
                if b[i] == b'%' && i + 2 < b.len() {
                    if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                        out.push((h * 16 + l) as u8);
                        i += 3;
                        continue;
                    }
                }
                out.push(b[i]);
                i += 1;
            }
            let s = String::from_utf8(out).map_err(|_| invalid_input("Malformed UTF-8"))?;
            text(s)
        }
    }
}

fn abs(input: &Value) -> Res {
    if !input.is_scalar() {
        return Err(invalid_input("Number expected"));
    }
    input
        .to_integer()
        .map(|i| Value::Int(i.wrapping_abs()))
        .or_else(|| input.to_float().map(|f| Value::Float(f.abs())))
        .ok_or_else(|| invalid_input("Number expected"))
}

/// Integer arithmetic when both sides are whole numbers, else floating point.
fn math(
    input: &Value,
    operand: &Value,
    int: fn(i64, i64) -> i64,
    float: fn(f64, f64) -> f64,
) -> Res {
    if !input.is_scalar() {
        return Err(invalid_input("Number expected"));
    }
    if !operand.is_scalar() {
        return Err(invalid_argument("operand", "Number expected"));
    }
    if let (Some(a), Some(b)) = (input.to_integer(), operand.to_integer()) {
        return Ok(Value::Int(int(a, b)));
    }
    match (input.to_float(), operand.to_float()) {
        (Some(a), Some(b)) => Ok(Value::Float(float(a, b))),
        _ => Err(invalid_argument("operand", "Number expected")),
    }
}

fn nonzero(operand: &Value) -> Result<(), String> {
    if !operand.is_scalar() {
        return Ok(());
    }
    let zero = match operand.to_integer() {
        Some(i) => i == 0,
        None => operand.to_float() == Some(0.0),
    };
    if zero {
        Err(invalid_argument("operand", "Can't divide by zero"))
    } else {
        Ok(())
    }
}

fn float_input(input: &Value) -> Result<f64, String> {
    if input.is_scalar() {
        if let Some(f) = input.to_float() {
            return Ok(f);
        }
    }
    Err(invalid_input("Number expected"))
}

fn round(input: &Value, places: Option<i64>) -> Res {
    let n = places.unwrap_or(0);
    let x = float_input(input)?;
    if n <= 0 {
        return Ok(Value::Int(x.round() as i64));
    }
    let n = i32::try_from(n).map_err(|_| invalid_input("decimal-places was too large"))?;
    let multiplier = 10.0_f64.powi(n);
    Ok(Value::Float((x * multiplier).round() / multiplier))
}

fn array_input(input: &Value) -> Result<&[Value], String> {
    input
        .as_array()
        .ok_or_else(|| invalid_input("Array expected"))
}

/// An array's items, nothing for nil, else the value itself.
fn as_sequence(input: &Value) -> Vec<&Value> {
    match input {
        Value::Array(a) => a.iter().collect(),
        Value::Nil => Vec::new(),
        other => vec![other],
    }
}

fn first_last(input: &Value, first: bool) -> Res {
    if input.is_scalar() {
        let s = input.render();
        let c = if first {
            s.chars().next()
        } else {
            s.chars().last()
        };
        return Ok(Value::str(c.map(String::from).unwrap_or_default()));
    }
    match input.as_array() {
        Some(a) => Ok(if first { a.first() } else { a.last() }
            .cloned()
            .unwrap_or(Value::Nil)),
        None => Err(invalid_input("String or Array expected")),
    }
}

fn escape(input: &Value, once: bool) -> Res {
    if input.is_nil() {
        return Ok(Value::Nil);
    }
    let s = input.render();
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    let mut skip = 0;
    for (i, c) in s.char_indices() {
        if skip > 0 {
            skip -= 1;
            continue;
        }
        let escaped = match c {
            '<' => "&lt;",
            '>' => "&gt;",
            '\'' => "&#39;",
            '"' => "&quot;",
            '&' => {
                if once {
                    skip = ["lt;", "gt;", "#39;", "quot;", "amp;"]
                        .iter()
                        .find(|p| s[i + 1..].starts_with(**p))
                        .map_or(0, |p| p.len());
                }
                if skip == 0 {
                    "&amp;"
                } else {
                    "&"
                }
            }
            _ => continue,
        };
        out.push_str(&s[last..i]);
        last = i + 1;
        out.push_str(escaped);
    }
    out.push_str(&s[last..]);
    text(out)
}

/// Removes `<script…</script>`, `<style…</style>`, `<!--…-->` and then `<…>`, each
/// pass leftmost-first and lazy like the regexes `(?is)<script.*?</script>` etc.
fn strip_html(s: &str) -> String {
    let s = remove_pairs(s, "<script", "</script>");
    let s = remove_pairs(&s, "<style", "</style>");
    let s = remove_pairs(&s, "<!--", "-->");
    remove_pairs(&s, "<", ">")
}

fn remove_pairs(s: &str, open: &str, close: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some((start, open_len)) = find_ci(rest, open) {
        let after = start + open_len;
        let Some((end, close_len)) = find_ci(&rest[after..], close) else {
            break;
        };
        out.push_str(&rest[..start]);
        rest = &rest[after + end + close_len..];
    }
    out.push_str(rest);
    out
}

/// Case-insensitive search for an ASCII needle (`s` also matches `ſ`, U+017F, as
/// Unicode case folding has it): the match's offset and length in bytes.
fn find_ci(hay: &str, needle: &str) -> Option<(usize, usize)> {
    let matches_at = |from: usize| {
        let mut chars = hay[from..].chars();
        let mut len = 0;
        for n in needle.chars() {
            let c = chars.next()?;
            if !(c.eq_ignore_ascii_case(&n) || (n == 's' && c == '\u{17f}')) {
                return None;
            }
            len += c.len_utf8();
        }
        Some(len)
    };
    hay.char_indices()
        .find_map(|(i, _)| matches_at(i).map(|len| (i, len)))
}

fn replace(input: &Value, search: &str, with: &str, first_only: bool) -> Res {
    let s = input.render();
    if first_only {
        let mut parts = s.splitn(2, search);
        return match (parts.next(), parts.next()) {
            (Some(a), Some(b)) => text(format!("{a}{with}{b}")),
            _ => text(s.into_owned()),
        };
    }
    let count = if search.is_empty() {
        s.chars().count() + 1
    } else {
        s.matches(search).count()
    };
    let grows = with.len().saturating_sub(search.len());
    check_len(s.len().saturating_add(count.saturating_mul(grows)))?;
    text(s.replace(search, with))
}

fn truncate(input: &Value, args: &[Value]) -> Res {
    let length = arg_int(args, 0, "length")?.unwrap_or(50) as u64;
    let ellipsis = arg_str(args, 1).unwrap_or_else(|| "...".to_owned());
    let keep = length.saturating_sub(ellipsis.len() as u64);
    let s = input.render();
    if length < s.len() as u64 {
        let mut out: String = grapheme::take(&s, keep).to_owned();
        out.push_str(&ellipsis);
        text(out)
    } else {
        Ok(input.clone())
    }
}

fn truncate_words(input: &Value, args: &[Value]) -> Res {
    let words = arg_int(args, 0, "length")?.unwrap_or(50) as u64;
    let ellipsis = arg_str(args, 1).unwrap_or_else(|| "...".to_owned());
    let s = input.render();
    let list: Vec<&str> = s.split(' ').collect();
    if words < list.len() as u64 {
        let mut out = list[..words as usize].join(" ");
        out.push_str(&ellipsis);
        text(out)
    } else {
        Ok(input.clone())
    }
}

/// `liquid`'s `canonicalize_slice`, without its overflows: (skip, take), where a
/// negative offset still out of range skips everything.
fn canonicalize_slice(offset: i64, length: i64, len: usize) -> (usize, usize) {
    let len = len as i64;
    let mut offset = offset.min(len);
    if offset < 0 {
        offset += len;
    }
    let length = if offset.saturating_add(length) > len {
        len - offset
    } else {
        length
    };
    if offset < 0 {
        return (usize::MAX, 0);
    }
    (offset as usize, length.max(0) as usize)
}

fn slice(input: &Value, args: &[Value]) -> Res {
    let offset = arg_int(args, 0, "offset")?.unwrap_or(0);
    let length = arg_int(args, 1, "length")?.unwrap_or(1);
    if length < 1 {
        return Err(invalid_argument("length", "Positive number expected"));
    }
    if let Some(items) = input.as_array() {
        let (skip, take) = canonicalize_slice(offset, length, items.len());
        return list(items.iter().skip(skip).take(take).cloned().collect());
    }
    let s = input.render();
    let (skip, take) = canonicalize_slice(offset, length, s.len());
    text(s.chars().skip(skip).take(take).collect())
}

/// Nil sorts last; otherwise `liquid`'s partial order, incomparable pairs as equal.
fn nil_safe_compare(a: &Value, b: &Value) -> Ordering {
    match (a.is_nil(), b.is_nil()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => value_cmp(a, b).unwrap_or(Ordering::Equal),
    }
}

fn property<'v>(v: &'v Value, name: &str) -> &'v Value {
    v.as_object()
        .and_then(|o| o.get(name))
        .unwrap_or(&Value::Nil)
}

fn sort(input: &Value, prop: Option<String>) -> Res {
    let seq = as_sequence(input);
    if prop.is_some() && !seq.iter().all(|v| v.as_object().is_some()) {
        return Err(invalid_input("Array of objects expected"));
    }
    let order = stable_order(seq.len(), &|i, j| match &prop {
        Some(p) => nil_safe_compare(property(seq[i], p), property(seq[j], p)),
        None => nil_safe_compare(seq[i], seq[j]),
    });
    list(order.into_iter().map(|i| seq[i].clone()).collect())
}

fn sort_natural(input: &Value, prop: Option<String>) -> Res {
    let seq = as_sequence(input);
    if prop.is_some() && !seq.iter().all(|v| v.as_object().is_some()) {
        return Err(invalid_input("Array of objects expected"));
    }
    let key = |v: &Value| (!v.is_nil()).then(|| v.render().to_lowercase());
    let keys: Vec<Option<String>> = seq
        .iter()
        .map(|v| match &prop {
            Some(p) => key(property(v, p)),
            None => key(v),
        })
        .collect();
    let order = stable_order(seq.len(), &|i, j| match (&keys[i], &keys[j]) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(a), Some(b)) => a.cmp(b),
    });
    list(order.into_iter().map(|i| seq[i].clone()).collect())
}

/// The positions `0..n` in stably sorted order. `liquid` compares mixed types as
/// "equal", which is not a total order: Rust's `sort_by` may then panic, and its result
/// depends on the algorithm. Up to 20 items `sort_by` is an insertion sort, copied here
/// so results match; above, a merge sort, which (unlike `sort_by`) never panics.
fn stable_order(n: usize, cmp: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    if n <= 20 {
        for i in 1..n {
            let item = order[i];
            let mut j = i;
            while j > 0 && cmp(item, order[j - 1]) == Ordering::Less {
                order[j] = order[j - 1];
                j -= 1;
            }
            order[j] = item;
        }
        return order;
    }
    let mut merged = Vec::with_capacity(n);
    let mut width = 1;
    while width < n {
        merged.clear();
        for start in (0..n).step_by(2 * width) {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut l, mut r) = (start, mid);
            while l < mid && r < end {
                if cmp(order[r], order[l]) == Ordering::Less {
                    merged.push(order[r]);
                    r += 1;
                } else {
                    merged.push(order[l]);
                    l += 1;
                }
            }
            merged.extend_from_slice(&order[l..mid]);
            merged.extend_from_slice(&order[r..end]);
        }
        std::mem::swap(&mut order, &mut merged);
        width *= 2;
    }
    order
}

fn where_(input: &Value, prop: String, target: Option<&Value>) -> Res {
    if let Some(items) = input.as_array() {
        if !items.iter().all(|v| v.as_object().is_some()) {
            return Ok(Value::Nil);
        }
    } else if input.as_object().is_none() {
        return Err(invalid_input(
            "Array of objects or a single object expected",
        ));
    }
    let keep = |v: &Value| match (v.as_object().and_then(|o| o.get(&prop)), target) {
        (None, _) => false,
        (Some(x), None) => x.is_truthy(),
        (Some(x), Some(t)) => value_eq(t, x),
    };
    list(
        as_sequence(input)
            .into_iter()
            .filter(|v| keep(v))
            .cloned()
            .collect(),
    )
}

fn uniq(input: &Value, meter: &mut Meter) -> Res {
    let items = array_input(input)?;
    let mut out: Vec<Value> = Vec::new();
    // Fast paths keep large homogeneous arrays linear; same result as the scan below.
    if items.iter().all(|v| matches!(v, Value::Str(_))) {
        let mut seen = std::collections::BTreeSet::new();
        out.extend(
            items
                .iter()
                .filter(|v| seen.insert(v.render().into_owned()))
                .cloned(),
        );
        return list(out);
    }
    if items.iter().all(|v| matches!(v, Value::Int(_))) {
        let mut seen = std::collections::BTreeSet::new();
        out.extend(
            items
                .iter()
                .filter(|v| seen.insert(v.to_integer()))
                .cloned(),
        );
        return list(out);
    }
    for x in items {
        meter.charge(out.len() as u64)?;
        if !out.iter().any(|v| value_eq(v, x)) {
            out.push(x.clone());
        }
    }
    list(out)
}

fn compact(input: &Value, prop: Option<String>) -> Res {
    let items = array_input(input)?;
    let kept = match prop {
        Some(p) => {
            if !items.iter().all(|v| v.as_object().is_some()) {
                return Err(invalid_input("Array of objects expected"));
            }
            items
                .iter()
                .filter(|v| {
                    v.as_object()
                        .and_then(|o| o.get(&p))
                        .is_some_and(|x| !x.is_nil())
                })
                .cloned()
                .collect()
        }
        None => items.iter().filter(|v| !v.is_nil()).cloned().collect(),
    };
    list(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(f: &str, input: Value, args: &[Value]) -> Res {
        let (filter, ..) = lookup(f).expect("known filter");
        apply(filter, &input, args, &mut Meter::default())
    }

    fn s(v: &str) -> Value {
        Value::str(v)
    }

    fn out(r: Res) -> String {
        r.expect("filter result").render().into_owned()
    }

    #[test]
    fn string_filters() {
        assert_eq!(out(run("append", s("a"), &[s("b")])), "ab");
        assert_eq!(out(run("prepend", s("a"), &[s("b")])), "ba");
        assert_eq!(out(run("capitalize", s("élan vital"), &[])), "Élan vital");
        assert_eq!(out(run("upcase", s("abc"), &[])), "ABC");
        assert_eq!(out(run("downcase", s("ÀB"), &[])), "àb");
        assert_eq!(out(run("strip", s("  a \n"), &[])), "a");
        assert_eq!(out(run("lstrip", s("  a "), &[])), "a ");
        assert_eq!(out(run("rstrip", s("  a "), &[])), "  a");
        assert_eq!(out(run("strip_newlines", s("a\r\nb"), &[])), "ab");
        assert_eq!(out(run("newline_to_br", s("a\nb"), &[])), "a<br />\nb");
        assert_eq!(out(run("remove", s("abab"), &[s("b")])), "aa");
        assert_eq!(out(run("remove_first", s("abab"), &[s("b")])), "aab");
        assert_eq!(out(run("replace", s("abab"), &[s("b"), s("c")])), "acac");
        assert_eq!(out(run("replace_first", s("abab"), &[s("b")])), "aab");
        assert_eq!(out(run("size", s("héllo"), &[])), "6");
        assert_eq!(
            out(run("slice", s("hello"), &[Value::Int(-3), Value::Int(2)])),
            "ll"
        );
        assert_eq!(
            out(run("truncate", s("Ground control"), &[Value::Int(8)])),
            "Groun..."
        );
        assert_eq!(
            out(run("truncatewords", s("a b c d"), &[Value::Int(2), s("…")])),
            "a b…"
        );
        assert_eq!(
            out(run("escape", s("<a href='x'>&amp;</a>"), &[])),
            "&lt;a href=&#39;x&#39;&gt;&amp;amp;&lt;/a&gt;"
        );
        assert_eq!(
            out(run("escape_once", s("&lt; & &amp;"), &[])),
            "&lt; &amp; &amp;"
        );
        assert_eq!(
            out(run(
                "strip_html",
                s("a<b>c</b><script>x</script>d<!-- e -->"),
                &[]
            )),
            "acd"
        );
        assert_eq!(
            out(run("url_encode", s("a b&c/é"), &[])),
            "a%20b%26c%2F%C3%A9"
        );
        assert_eq!(
            out(run("url_decode", s("a+b%26c%2F%C3%A9%zz"), &[])),
            "a b&c/é%zz"
        );
        assert!(run("url_decode", s("%FF"), &[]).is_err());
    }

    #[test]
    fn math_filters() {
        assert_eq!(out(run("plus", Value::Int(1), &[Value::Int(2)])), "3");
        assert_eq!(out(run("plus", s("1.5"), &[Value::Int(2)])), "3.5");
        assert_eq!(
            out(run("minus", Value::Int(1), &[Value::Float(0.5)])),
            "0.5"
        );
        assert_eq!(out(run("times", Value::Int(3), &[Value::Int(4)])), "12");
        assert_eq!(out(run("divided_by", Value::Int(7), &[Value::Int(2)])), "3");
        assert_eq!(
            out(run("divided_by", Value::Int(7), &[Value::Float(2.0)])),
            "3.5"
        );
        assert!(run("divided_by", Value::Int(7), &[Value::Int(0)]).is_err());
        assert_eq!(out(run("modulo", Value::Int(-7), &[Value::Int(3)])), "-1");
        assert_eq!(out(run("abs", s("-4"), &[])), "4");
        assert_eq!(
            out(run("round", Value::Float(2.456), &[Value::Int(2)])),
            "2.46"
        );
        assert_eq!(out(run("round", Value::Float(2.5), &[])), "3");
        assert_eq!(out(run("ceil", Value::Float(1.2), &[])), "2");
        assert_eq!(out(run("floor", s("1.8"), &[])), "1");
        assert_eq!(out(run("at_least", Value::Int(1), &[Value::Int(5)])), "5");
        assert_eq!(out(run("at_most", Value::Int(1), &[Value::Int(5)])), "1");
        assert!(run("plus", Value::Nil, &[Value::Int(1)]).is_err());
        assert_eq!(
            out(run("plus", Value::Int(i64::MAX), &[Value::Int(1)])),
            i64::MIN.to_string()
        );
    }

    #[test]
    fn array_filters() {
        let arr = Value::array(vec![s("b"), Value::Nil, s("a"), s("b")]);
        assert_eq!(out(run("join", arr.clone(), &[s(",")])), "b,,a,b");
        assert_eq!(out(run("compact", arr.clone(), &[])), "bab");
        assert_eq!(out(run("uniq", arr.clone(), &[])), "ba");
        assert_eq!(out(run("sort", arr.clone(), &[])), "abb");
        assert_eq!(out(run("reverse", arr.clone(), &[])), "bab");
        assert_eq!(out(run("first", arr.clone(), &[])), "b");
        assert_eq!(out(run("last", s("xyz"), &[])), "z");
        assert_eq!(out(run("size", arr.clone(), &[])), "4");
        assert_eq!(out(run("split", s("a,b"), &[s(",")])), "ab");
        assert_eq!(
            out(run("slice", arr.clone(), &[Value::Int(1), Value::Int(2)])),
            "a"
        );
        assert_eq!(
            out(run("concat", arr.clone(), &[Value::array(vec![s("z")])])),
            "babz"
        );
        let nat = Value::array(vec![s("b"), s("A"), s("c")]);
        assert_eq!(out(run("sort_natural", nat.clone(), &[])), "Abc");
        assert_eq!(out(run("sort", nat, &[])), "Abc");
        assert!(run("join", s("x"), &[]).is_err());
    }

    #[test]
    fn object_filters() {
        let obj = |name: &str, ok: bool| {
            let mut o = crate::value::Object::new();
            o.insert("name".into(), s(name));
            o.insert("ok".into(), Value::Bool(ok));
            Value::Object(std::sync::Arc::new(o))
        };
        let arr = Value::array(vec![obj("b", true), obj("a", false)]);
        assert_eq!(out(run("map", arr.clone(), &[s("name")])), "ba");
        assert_eq!(out(run("where", arr.clone(), &[s("ok")])), "nameboktrue");
        assert_eq!(
            out(run("where", arr.clone(), &[s("ok"), Value::Bool(false)])),
            "nameaokfalse"
        );
        let sorted = run("sort", arr, &[s("name")]).expect("sorted");
        assert_eq!(out(run("map", sorted, &[s("name")])), "ab");
    }

    #[test]
    fn default_and_date() {
        assert_eq!(out(run("default", s(""), &[s("x")])), "x");
        assert_eq!(out(run("default", Value::Bool(false), &[s("x")])), "x");
        assert_eq!(out(run("default", Value::Int(0), &[s("x")])), "0");
        assert_eq!(
            out(run(
                "date",
                s("2024-03-05 14:07:09 +0100"),
                &[s("%a %d %b %Y %H:%M:%S %z")]
            )),
            "Tue 05 Mar 2024 14:07:09 +0100"
        );
        assert_eq!(out(run("date", s("not a date"), &[s("%Y")])), "not a date");
    }
}
