//! Renders the node tree: variable scopes, conditions, loops, and the work limits.
//!
//! Scopes are looked up as `liquid`'s runtime stacks them: loop frames (innermost
//! first), then `assign`/`capture` variables, then the data passed to `render`, then
//! `increment`/`decrement` counters. An unknown variable or index is an error, except in
//! a bare `{% if x %}` test, where it is nil.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::filters;
use crate::lexer::{Expr, Variable};
use crate::parser::{Atom, Chain, Cond, Fail, Node, NodeKind, Op, RangeExpr};
use crate::value::{value_cmp, value_eq, Object, Value};
use crate::{MAX_ITERATIONS, MAX_OUTPUT_BYTES, MAX_STEPS};

type RResult<T> = Result<T, Fail>;

/// Work done so far: nodes rendered and filter effort (`steps`), loop iterations.
#[derive(Debug, Default)]
pub(crate) struct Meter {
    steps: u64,
    iterations: u64,
}

impl Meter {
    pub(crate) fn charge(&mut self, steps: u64) -> Result<(), String> {
        self.steps = self.steps.saturating_add(steps);
        if self.steps > MAX_STEPS {
            return Err(format!(
                "rendering takes too long (more than {MAX_STEPS} steps)"
            ));
        }
        Ok(())
    }

    fn iteration(&mut self) -> Result<(), String> {
        self.iterations += 1;
        if self.iterations > MAX_ITERATIONS {
            return Err(format!(
                "too many loop iterations (more than {MAX_ITERATIONS})"
            ));
        }
        self.charge(1)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Interrupt {
    Break,
    Continue,
}

pub(crate) struct Ctx<'t> {
    src: &'t str,
    globals: Object,
    assigns: BTreeMap<String, Value>,
    counters: BTreeMap<String, Value>,
    /// Loop scopes, innermost last; within one, later entries win.
    frames: Vec<Vec<(String, Value)>>,
    interrupt: Option<Interrupt>,
    cycles: BTreeMap<String, usize>,
    last_changed: Option<String>,
    meter: Meter,
}

impl<'t> Ctx<'t> {
    pub(crate) fn new(src: &'t str, globals: &serde_json::Map<String, serde_json::Value>) -> Self {
        Ctx {
            src,
            globals: Value::object_from_json(globals),
            assigns: BTreeMap::new(),
            counters: BTreeMap::new(),
            frames: Vec::new(),
            interrupt: None,
            cycles: BTreeMap::new(),
            last_changed: None,
            meter: Meter::default(),
        }
    }

    pub(crate) fn render(&mut self, nodes: &[Node], out: &mut String) -> RResult<()> {
        for node in nodes {
            self.meter.charge(1).map_err(|m| (node.pos, m))?;
            self.node(node, out)?;
            if out.len() > MAX_OUTPUT_BYTES {
                let msg = format!("output too large (more than {MAX_OUTPUT_BYTES} bytes)");
                return Err((node.pos, msg));
            }
            if self.interrupt.is_some() {
                break;
            }
        }
        Ok(())
    }

    fn node(&mut self, node: &Node, out: &mut String) -> RResult<()> {
        let pos = node.pos;
        match &node.kind {
            NodeKind::Text(a, b) => out.push_str(&self.src[*a..*b]),
            NodeKind::Output(chain) => self.chain(chain, pos)?.write_to(out),
            NodeKind::Assign(name, chain) => {
                let v = self.chain(chain, pos)?;
                self.assigns.insert(name.clone(), v);
            }
            NodeKind::Capture(name, body) => {
                let mut buf = String::new();
                self.render(body, &mut buf)?;
                self.assigns.insert(name.clone(), Value::str(buf));
            }
            NodeKind::If {
                branches,
                otherwise,
            } => {
                for b in branches {
                    if self.cond(&b.cond, pos)? == b.expect {
                        return self.render(&b.body, out);
                    }
                }
                if let Some(body) = otherwise {
                    self.render(body, out)?;
                }
            }
            NodeKind::Case {
                target,
                whens,
                otherwise,
            } => {
                let value = self.eval(target, pos)?;
                for (options, body) in whens {
                    for option in options {
                        if value_eq(&self.eval(option, pos)?, &value) {
                            return self.render(body, out);
                        }
                    }
                }
                if let Some(body) = otherwise {
                    self.render(body, out)?;
                }
            }
            NodeKind::For(f) => {
                let items = self.items(&f.range, pos)?;
                let limit = self.attribute(f.limit.as_ref(), pos)?;
                let offset = self.attribute(f.offset.as_ref(), pos)?.unwrap_or(0);
                let window = Window::new(items.len(), limit, offset, f.reversed);
                if window.count == 0 {
                    if let Some(body) = &f.otherwise {
                        self.render(body, out)?;
                    }
                    return Ok(());
                }
                let parent = self.try_lookup("forloop", &[]).unwrap_or(Value::Nil);
                for i in 0..window.count {
                    self.meter.iteration().map_err(|m| (pos, m))?;
                    let forloop = loop_object(i, window.count, &[("parentloop", parent.clone())]);
                    let item = window.item(&items, i);
                    self.frames
                        .push(vec![("forloop".to_owned(), forloop), (f.var.clone(), item)]);
                    let result = self.render(&f.body, out);
                    self.frames.pop();
                    result?;
                    if self.interrupt.take() == Some(Interrupt::Break) {
                        break;
                    }
                }
            }
            NodeKind::TableRow(t) => {
                let items = self.items(&t.range, pos)?;
                let cols = self.attribute(t.cols.as_ref(), pos)?;
                let limit = self.attribute(t.limit.as_ref(), pos)?;
                let offset = self.attribute(t.offset.as_ref(), pos)?.unwrap_or(0);
                let window = Window::new(items.len(), limit, offset, false);
                let len = window.count;
                let cols = cols.unwrap_or(len);
                for i in 0..len {
                    self.meter.iteration().map_err(|m| (pos, m))?;
                    if cols == 0 {
                        return Err((pos, "tablerow cols must be at least 1".to_owned()));
                    }
                    let (col, row) = (i % cols, i / cols);
                    let col_last = col == cols - 1 || i == len - 1;
                    let extra = [
                        ("col0", Value::Int(col as i64)),
                        ("col", Value::Int(col as i64 + 1)),
                        ("col_first", Value::Bool(col == 0)),
                        ("col_last", Value::Bool(col_last)),
                    ];
                    let tablerow = loop_object(i, len, &extra);
                    if col == 0 {
                        out.push_str(&format!("<tr class=\"row{}\">", row + 1));
                    }
                    out.push_str(&format!("<td class=\"col{}\">", col + 1));
                    self.frames.push(vec![
                        ("tablerow".to_owned(), tablerow),
                        (t.var.clone(), window.item(&items, i)),
                    ]);
                    let result = self.render(&t.body, out);
                    self.frames.pop();
                    result?;
                    out.push_str("</td>");
                    if col_last {
                        out.push_str("</tr>");
                    }
                }
            }
            NodeKind::Cycle { group, values } => {
                let slot = self.cycles.entry(group.clone()).or_insert(0);
                let index = *slot;
                if values.is_empty() {
                    return Err((pos, "cycle has no values".to_owned()));
                }
                *slot = (index + 1) % values.len();
                let Some(value) = values.get(index) else {
                    let msg = "cycle index out of bounds, most likely from mismatched cycles";
                    return Err((pos, msg.to_owned()));
                };
                self.eval(value, pos)?.write_to(out);
            }
            NodeKind::Increment(name) | NodeKind::Decrement(name) => {
                let current = self
                    .counters
                    .get(name)
                    .and_then(Value::to_integer)
                    .unwrap_or(0);
                let (shown, next) = if matches!(node.kind, NodeKind::Increment(_)) {
                    (current, current.wrapping_add(1))
                } else {
                    let v = current.wrapping_sub(1);
                    (v, v)
                };
                out.push_str(&shown.to_string());
                self.counters.insert(name.clone(), Value::Int(next));
            }
            NodeKind::Comment => {}
            NodeKind::Break => self.interrupt = Some(Interrupt::Break),
            NodeKind::Continue => self.interrupt = Some(Interrupt::Continue),
            NodeKind::IfChanged(body) => {
                let mut buf = String::new();
                self.render(body, &mut buf)?;
                if self.last_changed.as_deref() != Some(buf.as_str()) {
                    out.push_str(&buf);
                    self.last_changed = Some(buf);
                }
            }
            NodeKind::Partial { name, vars, each } => {
                let partial = self.eval(name, pos)?;
                if !partial.is_scalar() {
                    return Err((pos, "can only include strings".to_owned()));
                }
                if let Some(range) = each {
                    if self.items(range, pos)?.is_empty() {
                        return Ok(());
                    }
                }
                if vars.iter().any(|v| self.try_eval(v).is_none()) {
                    return Err((pos, "failed to evaluate value".to_owned()));
                }
                let msg = format!("partial `{}` does not exist", partial.render());
                return Err((pos, msg));
            }
        }
        Ok(())
    }

    fn chain(&mut self, chain: &Chain, pos: usize) -> RResult<Value> {
        let mut value = self.eval(&chain.entry, pos)?;
        for call in &chain.calls {
            let args = call
                .args
                .iter()
                .map(|a| self.eval(a, call.pos))
                .collect::<RResult<Vec<_>>>()?;
            value = filters::apply(call.filter, &value, &args, &mut self.meter)
                .map_err(|m| (call.pos, m))?;
        }
        Ok(value)
    }

    fn cond(&mut self, cond: &Cond, pos: usize) -> RResult<bool> {
        for all in &cond.0 {
            let mut ok = true;
            for atom in all {
                if !self.atom(atom, pos)? {
                    ok = false;
                    break;
                }
            }
            if ok {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn atom(&mut self, atom: &Atom, pos: usize) -> RResult<bool> {
        let (lh, op, rh) = match atom {
            Atom::Exists(e) => return Ok(self.try_eval(e).is_some_and(|v| v.is_truthy())),
            Atom::Compare(lh, op, rh) => (lh, op, rh),
        };
        let a = self.eval(lh, pos)?;
        let b = self.eval(rh, pos)?;
        let order = || value_cmp(&a, &b);
        Ok(match op {
            Op::Eq => value_eq(&a, &b),
            Op::Ne => !value_eq(&a, &b),
            Op::Lt => order() == Some(Ordering::Less),
            Op::Gt => order() == Some(Ordering::Greater),
            Op::Le => matches!(order(), Some(Ordering::Less | Ordering::Equal)),
            Op::Ge => matches!(order(), Some(Ordering::Greater | Ordering::Equal)),
            Op::Contains => match &a {
                v if v.is_scalar() => v.render().contains(b.render().as_ref()),
                Value::Object(o) => b.is_scalar() && o.contains_key(b.render().as_ref()),
                Value::Array(items) => items.iter().any(|x| value_eq(x, &b)),
                other => {
                    let msg = format!(
                        "expected string | array | object, found `{}`",
                        other.type_name()
                    );
                    return Err((pos, msg));
                }
            },
        })
    }

    /// `limit:`, `offset:`, `cols:`: a whole number, read as `usize` like `liquid`
    /// (a negative number wraps around to a huge one).
    fn attribute(&mut self, e: Option<&Expr>, pos: usize) -> RResult<Option<u64>> {
        let Some(e) = e else {
            return Ok(None);
        };
        let v = self.eval(e, pos)?;
        match v.to_integer() {
            Some(i) => Ok(Some(i as u64)),
            None => Err((
                pos,
                format!("expected whole number, found `{}`", v.type_name()),
            )),
        }
    }

    /// What a loop iterates: an array's items, an object's `[key, value]` pairs,
    /// nothing for nil/empty, or the numbers of a range.
    fn items(&mut self, range: &RangeExpr, pos: usize) -> RResult<Items> {
        match range {
            RangeExpr::Array(e) => match self.eval(e, pos)? {
                Value::Array(a) => Ok(Items::List(a)),
                Value::Object(o) => Ok(Items::List(Arc::new(
                    o.iter()
                        .map(|(k, v)| Value::array(vec![Value::str(k.as_str()), v.clone()]))
                        .collect(),
                ))),
                Value::Nil | Value::Empty | Value::Blank => Ok(Items::List(Arc::default())),
                other => Err((
                    pos,
                    format!("expected array, found `{}`", other.type_name()),
                )),
            },
            RangeExpr::Counted(a, b) => {
                let mut bound = |e: &Expr| -> RResult<i64> {
                    let v = self.eval(e, pos)?;
                    v.to_integer().ok_or_else(|| {
                        (
                            pos,
                            format!("expected whole number, found `{}`", v.type_name()),
                        )
                    })
                };
                let start = bound(a)?;
                let end = bound(b)?;
                let len = (i128::from(end) - i128::from(start) + 1).max(0) as u64;
                Ok(Items::Range(start, len))
            }
        }
    }

    /// Evaluates an expression; unknown variables and indexes are errors.
    fn eval(&mut self, e: &Expr, pos: usize) -> RResult<Value> {
        match e {
            Expr::Lit(v) => Ok(v.clone()),
            Expr::BadInt(p) => Err((*p, "integer literal out of range".to_owned())),
            Expr::Var(var) => {
                let path = var
                    .path
                    .iter()
                    .map(|i| {
                        let v = self.eval(i, pos)?;
                        if v.is_scalar() {
                            Ok(v)
                        } else {
                            Err((pos, format!("expected scalar, found `{}`", v.source())))
                        }
                    })
                    .collect::<RResult<Vec<_>>>()?;
                self.lookup(var, &path, pos)
            }
        }
    }

    /// Evaluates an expression, `None` where `eval` would fail.
    fn try_eval(&self, e: &Expr) -> Option<Value> {
        match e {
            Expr::Lit(v) => Some(v.clone()),
            Expr::BadInt(_) => None,
            Expr::Var(var) => {
                let path = var
                    .path
                    .iter()
                    .map(|i| self.try_eval(i).filter(Value::is_scalar))
                    .collect::<Option<Vec<_>>>()?;
                self.try_lookup(&var.root, &path)
            }
        }
    }

    fn root(&self, name: &str) -> Option<&Value> {
        for frame in self.frames.iter().rev() {
            if let Some((_, v)) = frame.iter().rev().find(|(k, _)| k == name) {
                return Some(v);
            }
        }
        self.assigns
            .get(name)
            .or_else(|| self.globals.get(name))
            .or_else(|| self.counters.get(name))
    }

    fn lookup(&self, var: &Variable, path: &[Value], pos: usize) -> RResult<Value> {
        let Some(mut cur) = self.root(&var.root).cloned() else {
            return Err((pos, format!("unknown variable `{}`", var.root)));
        };
        for (depth, index) in path.iter().enumerate() {
            cur = match index_into(&cur, index) {
                Some(v) => v,
                None => {
                    let mut at = var.root.clone();
                    for p in &path[..depth] {
                        at.push('.');
                        at.push_str(&p.render());
                    }
                    let msg = format!("unknown index `{}` in `{at}`", index.render());
                    return Err((pos, msg));
                }
            };
        }
        Ok(cur)
    }

    fn try_lookup(&self, root: &str, path: &[Value]) -> Option<Value> {
        let mut cur = self.root(root)?.clone();
        for index in path {
            cur = index_into(&cur, index)?;
        }
        Some(cur)
    }
}

/// `value[index]` with `liquid`'s extras: negative array indexes, `first`, `last` and
/// `size` on arrays, `size` on objects (unless a key is so named) and strings (bytes).
fn index_into(value: &Value, index: &Value) -> Option<Value> {
    match value {
        Value::Array(a) => {
            if let Some(i) = index.to_integer() {
                let i = if i < 0 { i + a.len() as i64 } else { i };
                return usize::try_from(i).ok().and_then(|i| a.get(i)).cloned();
            }
            match index.render().as_ref() {
                "first" => a.first().cloned(),
                "last" => a.last().cloned(),
                "size" => Some(Value::Int(a.len() as i64)),
                _ => None,
            }
        }
        Value::Object(o) => {
            let key = index.render();
            o.get(key.as_ref())
                .cloned()
                .or_else(|| (key == "size").then(|| Value::Int(o.len() as i64)))
        }
        v if v.is_scalar() => {
            (index.render() == "size").then(|| Value::Int(v.render().len() as i64))
        }
        _ => None,
    }
}

/// `forloop` (or `tablerow`, with `extra` fields) for item `i` of `len`.
fn loop_object(i: u64, len: u64, extra: &[(&str, Value)]) -> Value {
    let (i, len) = (i as i64, len as i64);
    let mut o = Object::new();
    o.insert("length".into(), Value::Int(len));
    o.insert("index0".into(), Value::Int(i));
    o.insert("index".into(), Value::Int(i + 1));
    o.insert("rindex0".into(), Value::Int(len - i - 1));
    o.insert("rindex".into(), Value::Int(len - i));
    o.insert("first".into(), Value::Bool(i == 0));
    o.insert("last".into(), Value::Bool(i == len - 1));
    for (k, v) in extra {
        o.insert((*k).to_owned(), v.clone());
    }
    Value::Object(Arc::new(o))
}

/// A loop's source, not materialized for ranges.
enum Items {
    List(Arc<Vec<Value>>),
    /// Start and length of a range of whole numbers.
    Range(i64, u64),
}

impl Items {
    fn len(&self) -> u64 {
        match self {
            Items::List(l) => l.len() as u64,
            Items::Range(_, len) => *len,
        }
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn get(&self, i: u64) -> Value {
        match self {
            Items::List(l) => usize::try_from(i)
                .ok()
                .and_then(|i| l.get(i))
                .cloned()
                .unwrap_or(Value::Nil),
            Items::Range(start, _) => Value::Int(start.wrapping_add(i as i64)),
        }
    }
}

/// `liquid`'s `iter_array`: skip `offset`, keep `limit` (capped at the length, *not* at
/// what is left: the rest is padded with nil), optionally reversed.
struct Window {
    offset: u64,
    left: u64,
    count: u64,
    reversed: bool,
}

impl Window {
    fn new(len: u64, limit: Option<u64>, offset: u64, reversed: bool) -> Window {
        let offset = offset.min(len);
        let count = limit.map_or(len - offset, |l| l.min(len));
        Window {
            offset,
            left: len - offset,
            count,
            reversed,
        }
    }

    fn item(&self, items: &Items, i: u64) -> Value {
        let j = if self.reversed { self.count - 1 - i } else { i };
        if j < self.left {
            items.get(self.offset + j)
        } else {
            Value::Nil
        }
    }
}
