//! Turns the lexer's elements into a tree of nodes: looks up tags and filters, checks
//! tag arguments and filter argument counts, matches blocks with their end tags.
//!
//! Each tag follows its `liquid-lib` 0.26 parser step by step, so the same templates
//! are refused (and, inside `{% comment %}`, where `liquid` parses tags but ignores
//! their errors, the same elements are consumed).

use crate::filters::{self, Filter};
use crate::lexer::{self, ElemKind, Element, Expr, RawChain, TagElem, TokKind, Token};

use crate::MAX_NESTING;

/// A byte offset and a message; the offset becomes a line and column in `Error`.
pub(crate) type Fail = (usize, String);
type PResult<T> = Result<T, Fail>;

#[derive(Debug)]
pub(crate) struct Node {
    pub(crate) kind: NodeKind,
    /// Where the element starts, for render errors.
    pub(crate) pos: usize,
}

#[derive(Debug)]
pub(crate) enum NodeKind {
    /// A slice of the source, copied as is (text, `raw` contents).
    Text(usize, usize),
    Output(Chain),
    Assign(String, Chain),
    Capture(String, Vec<Node>),
    /// `if`/`elsif`/`unless` branches in order: the first whose condition equals its
    /// `expect` renders; else `otherwise`.
    If {
        branches: Vec<Branch>,
        otherwise: Option<Vec<Node>>,
    },
    Case {
        target: Expr,
        whens: Vec<(Vec<Expr>, Vec<Node>)>,
        otherwise: Option<Vec<Node>>,
    },
    For(Box<ForLoop>),
    TableRow(Box<TableRow>),
    Cycle {
        group: String,
        values: Vec<Expr>,
    },
    Increment(String),
    Decrement(String),
    Break,
    Continue,
    IfChanged(Vec<Node>),
    /// Renders nothing, but is an element: after a `break`/`continue` that no loop
    /// caught (in `tablerow`), the next element still renders, as in `liquid`.
    Comment,
    /// `include` and `render`: no partials exist here, so rendering one is an error
    /// (except `render … for` an empty list), as with `liquid` without partials.
    Partial {
        name: Expr,
        vars: Vec<Expr>,
        each: Option<RangeExpr>,
    },
}

#[derive(Debug)]
pub(crate) struct Branch {
    pub(crate) cond: Cond,
    pub(crate) expect: bool,
    pub(crate) body: Vec<Node>,
}

/// `a and b or c and d`: the disjunction of conjunctions (`and` binds tighter).
#[derive(Debug)]
pub(crate) struct Cond(pub(crate) Vec<Vec<Atom>>);

#[derive(Debug)]
pub(crate) enum Atom {
    Exists(Expr),
    Compare(Expr, Op, Expr),
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Op {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    Contains,
}

#[derive(Debug)]
pub(crate) struct Chain {
    pub(crate) entry: Expr,
    pub(crate) calls: Vec<Call>,
}

#[derive(Debug)]
pub(crate) struct Call {
    pub(crate) filter: Filter,
    pub(crate) args: Vec<Expr>,
    pub(crate) pos: usize,
}

#[derive(Debug)]
pub(crate) enum RangeExpr {
    Array(Expr),
    Counted(Expr, Expr),
}

#[derive(Debug)]
pub(crate) struct ForLoop {
    pub(crate) var: String,
    pub(crate) range: RangeExpr,
    pub(crate) limit: Option<Expr>,
    pub(crate) offset: Option<Expr>,
    pub(crate) reversed: bool,
    pub(crate) body: Vec<Node>,
    pub(crate) otherwise: Option<Vec<Node>>,
}

#[derive(Debug)]
pub(crate) struct TableRow {
    pub(crate) var: String,
    pub(crate) range: RangeExpr,
    pub(crate) cols: Option<Expr>,
    pub(crate) limit: Option<Expr>,
    pub(crate) offset: Option<Expr>,
    pub(crate) body: Vec<Node>,
}

pub(crate) fn parse(src: &str) -> PResult<Vec<Node>> {
    let mut p = Parser {
        src,
        elems: lexer::tokenize(src).into_iter(),
        depth: 0,
    };
    let mut nodes = Vec::new();
    while let Some(e) = p.elems.next() {
        nodes.push(p.element(e)?);
    }
    Ok(nodes)
}

struct Parser<'s> {
    src: &'s str,
    elems: std::vec::IntoIter<Element<'s>>,
    depth: usize,
}

/// A tag's argument tokens, consumed in order.
struct Args<'s> {
    toks: std::iter::Peekable<std::vec::IntoIter<Token<'s>>>,
    /// Where "expected …" errors point once the tokens run out.
    pos: usize,
}

impl<'s> Args<'s> {
    fn of(tag: TagElem<'s>) -> Self {
        Args {
            pos: tag.name_start + tag.name.len(),
            toks: tag.tokens.into_iter().peekable(),
        }
    }

    fn next(&mut self) -> Option<Token<'s>> {
        let t = self.toks.next();
        if let Some(t) = &t {
            self.pos = t.start + t.text.len();
        }
        t
    }

    fn peek_text(&mut self) -> Option<&'s str> {
        self.toks.peek().map(|t| t.text)
    }

    fn expect_next(&mut self, what: &str) -> PResult<Token<'s>> {
        self.next().ok_or_else(|| (self.pos, what.to_owned()))
    }

    fn expect_nothing(&mut self) -> PResult<()> {
        match self.next() {
            Some(t) => Err(unexpected(&t)),
            None => Ok(()),
        }
    }

    fn expect_str(&mut self, s: &str, what: &str) -> PResult<()> {
        let t = self.expect_next(what)?;
        if t.text == s {
            Ok(())
        } else {
            Err((t.start, what.to_owned()))
        }
    }
}

fn unexpected(t: &Token<'_>) -> Fail {
    (t.start, format!("unexpected `{}`", t.text))
}

/// Refuses integer literals beyond 64 bits wherever an expression is kept.
fn check_expr(e: &Expr) -> PResult<()> {
    match e {
        Expr::BadInt(pos) => Err((*pos, "integer literal out of range".to_owned())),
        Expr::Lit(_) => Ok(()),
        Expr::Var(v) => v.path.iter().try_for_each(check_expr),
    }
}

/// A lone value: a filter chain token without filters.
fn expect_value(t: Token<'_>) -> PResult<Expr> {
    match t.kind {
        TokKind::Chain(c) if c.filters.is_empty() => {
            check_expr(&c.entry)?;
            Ok(c.entry)
        }
        _ => Err((t.start, format!("expected a value, found `{}`", t.text))),
    }
}

/// A bare name: a variable without indexes.
fn expect_identifier(t: Token<'_>) -> PResult<String> {
    match t.kind {
        TokKind::Chain(RawChain {
            entry: Expr::Var(v),
            filters,
        }) if filters.is_empty() && v.path.is_empty() => Ok(v.root),
        _ => Err((
            t.start,
            format!("expected an identifier, found `{}`", t.text),
        )),
    }
}

fn chain(raw: RawChain) -> PResult<Chain> {
    check_expr(&raw.entry)?;
    let mut calls = Vec::with_capacity(raw.filters.len());
    for f in raw.filters {
        f.positional.iter().try_for_each(check_expr)?;
        f.keyword.iter().try_for_each(|(_, e)| check_expr(e))?;
        let Some((filter, min, max)) = filters::lookup(&f.name) else {
            let known: Vec<_> = filters::names().collect();
            let msg = format!(
                "unknown filter `{}` (available: {})",
                f.name,
                known.join(", ")
            );
            return Err((f.start, msg));
        };
        let n = f.positional.len();
        if n < min || n > max {
            let expected = if min == max {
                format!("{min}")
            } else {
                format!("{min} to {max}")
            };
            let msg = format!("filter `{}` takes {expected} arguments, got {n}", f.name);
            return Err((f.start, msg));
        }
        if let Some((name, _)) = f.keyword.first() {
            let msg = format!("filter `{}` has no named argument `{name}`", f.name);
            return Err((f.start, msg));
        }
        calls.push(Call {
            filter,
            args: f.positional,
            pos: f.start,
        });
    }
    Ok(Chain {
        entry: raw.entry,
        calls,
    })
}

/// `expr` or `(start..end)`, what `for`, `tablerow` and `render … for` iterate.
fn range_expr(t: Token<'_>) -> PResult<RangeExpr> {
    match t.kind {
        TokKind::Range(a, b) => {
            check_expr(&a)?;
            check_expr(&b)?;
            Ok(RangeExpr::Counted(a, b))
        }
        TokKind::Chain(_) => expect_value(t).map(RangeExpr::Array),
        TokKind::Sym => Err(unexpected(&t)),
    }
}

/// `if`/`elsif`/`unless` conditions: atoms joined by `and`, then by `or`.
fn condition(mut args: Args<'_>) -> PResult<Cond> {
    let mut any = vec![conjunction(&mut args)?];
    while let Some(t) = args.next() {
        if t.text != "or" {
            return Err((t.start, "\"and\" or \"or\" expected".to_owned()));
        }
        any.push(conjunction(&mut args)?);
    }
    Ok(Cond(any))
}

fn conjunction(args: &mut Args<'_>) -> PResult<Vec<Atom>> {
    let mut all = vec![atom(args)?];
    while args.peek_text() == Some("and") {
        args.next();
        all.push(atom(args)?);
    }
    Ok(all)
}

fn atom(args: &mut Args<'_>) -> PResult<Atom> {
    let lh = expect_value(args.expect_next("value expected")?)?;
    let op = match args.peek_text() {
        Some("==") => Op::Eq,
        Some("!=" | "<>") => Op::Ne,
        Some("<") => Op::Lt,
        Some(">") => Op::Gt,
        Some("<=") => Op::Le,
        Some(">=") => Op::Ge,
        Some("contains") => Op::Contains,
        _ => return Ok(Atom::Exists(lh)),
    };
    args.next();
    let rh = expect_value(args.expect_next("value expected")?)?;
    Ok(Atom::Compare(lh, op, rh))
}

/// `limit: value` and friends, after the keyword.
fn attribute(args: &mut Args<'_>) -> PResult<Expr> {
    args.expect_str(":", "\":\" expected")?;
    expect_value(args.expect_next("value expected")?)
}

impl<'s> Parser<'s> {
    fn element(&mut self, e: Element<'s>) -> PResult<Node> {
        let pos = e.start;
        let kind = match e.kind {
            ElemKind::Text => NodeKind::Text(e.start, e.end),
            ElemKind::Output(raw) => NodeKind::Output(chain(raw)?),
            ElemKind::Tag(tag) => return self.tag(tag, pos),
            ElemKind::Invalid => return Err(self.invalid(e.start)),
        };
        Ok(Node { kind, pos })
    }

    fn invalid(&self, start: usize) -> Fail {
        let rest = self.src[start..].trim_start_matches([' ', '\n', '\r']);
        let pos = self.src.len() - rest.len();
        let msg = if rest.starts_with("{{") {
            "invalid output: expected `{{ value | filter: argument }}`".to_owned()
        } else if rest.starts_with("{%") {
            "invalid tag: expected `{% name arguments %}`".to_owned()
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            format!("unexpected `{c}`")
        };
        (pos, msg)
    }

    /// The next element of a block, or `None` at its end tag.
    fn block_next(&mut self, end: &str) -> PResult<Option<Element<'s>>> {
        let Some(e) = self.elems.next() else {
            let msg = format!("unclosed block: {{% {end} %}} expected");
            return Err((self.src.len(), msg));
        };
        if let ElemKind::Tag(t) = &e.kind {
            if t.name == end {
                if let Some(tok) = t.tokens.first() {
                    return Err(unexpected(tok));
                }
                return Ok(None);
            }
        }
        Ok(Some(e))
    }

    /// Everything up to the end tag.
    fn body(&mut self, end: &str) -> PResult<Vec<Node>> {
        let mut nodes = Vec::new();
        while let Some(e) = self.block_next(end)? {
            nodes.push(self.element(e)?);
        }
        Ok(nodes)
    }

    fn tag(&mut self, tag: TagElem<'s>, pos: usize) -> PResult<Node> {
        let (name, name_start) = (tag.name, tag.name_start);
        let mut args = Args::of(tag);
        let kind = match name {
            "assign" => {
                let var = expect_identifier(args.expect_next("identifier expected")?)?;
                args.expect_str("=", "assignment operator \"=\" expected")?;
                let t = args.expect_next("filter chain expected")?;
                let value = match t.kind {
                    TokKind::Chain(raw) => chain(raw)?,
                    _ => return Err((t.start, "filter chain expected".to_owned())),
                };
                args.expect_nothing()?;
                NodeKind::Assign(var, value)
            }
            "break" | "continue" => {
                args.expect_nothing()?;
                if name == "break" {
                    NodeKind::Break
                } else {
                    NodeKind::Continue
                }
            }
            "increment" | "decrement" => {
                let var = expect_identifier(args.expect_next("identifier expected")?)?;
                args.expect_nothing()?;
                if name == "increment" {
                    NodeKind::Increment(var)
                } else {
                    NodeKind::Decrement(var)
                }
            }
            "cycle" => cycle(args)?,
            "include" => include(args)?,
            "render" => render(args)?,
            "if" | "unless" | "for" | "tablerow" | "case" | "capture" | "comment" | "raw"
            | "ifchanged" => {
                if self.depth >= MAX_NESTING {
                    let msg = format!("blocks nested deeper than {MAX_NESTING}");
                    return Err((pos, msg));
                }
                self.depth += 1;
                let kind = self.block(name, args);
                self.depth -= 1;
                kind?
            }
            _ => return Err((name_start, format!("unknown tag `{name}`"))),
        };
        Ok(Node { kind, pos })
    }

    fn block(&mut self, name: &str, mut args: Args<'s>) -> PResult<NodeKind> {
        let kind = match name {
            "if" => self.conditional(args, true)?,
            "unless" => self.conditional(args, false)?,
            "for" => self.for_loop(args)?,
            "tablerow" => self.table_row(args)?,
            "case" => self.case(args)?,
            "capture" => {
                let var = expect_identifier(args.expect_next("identifier expected")?)?;
                args.expect_nothing()?;
                NodeKind::Capture(var, self.body("endcapture")?)
            }
            "ifchanged" => {
                args.expect_nothing()?;
                NodeKind::IfChanged(self.body("endifchanged")?)
            }
            "raw" => {
                args.expect_nothing()?;
                let mut start = None;
                loop {
                    let Some(e) = self.elems.next() else {
                        let msg = "unclosed block: {% endraw %} expected".to_owned();
                        return Err((self.src.len(), msg));
                    };
                    let from = *start.get_or_insert(e.start);
                    if let ElemKind::Tag(t) = &e.kind {
                        if t.name == "endraw" && t.tokens.is_empty() {
                            break NodeKind::Text(from, e.start);
                        }
                    }
                }
            }
            _ => {
                // comment: tags inside are parsed (consuming their blocks) and their
                // errors ignored, except for nested comments.
                args.expect_nothing()?;
                while let Some(e) = self.block_next("endcomment")? {
                    if let ElemKind::Tag(t) = e.kind {
                        let nested = t.name == "comment";
                        let result = self.tag(t, e.start);
                        if nested {
                            result?;
                        }
                    }
                }
                NodeKind::Comment
            }
        };
        Ok(kind)
    }

    fn conditional(&mut self, args: Args<'s>, is_if: bool) -> PResult<NodeKind> {
        let end = if is_if { "endif" } else { "endunless" };
        let mut branches = Vec::new();
        let mut cond = condition(args)?;
        let mut body = Vec::new();
        let mut otherwise = None;
        while let Some(e) = self.block_next(end)? {
            match e.kind {
                ElemKind::Tag(t) if t.name == "else" => {
                    otherwise = Some(self.body(end)?);
                    break;
                }
                ElemKind::Tag(t) if t.name == "elsif" && is_if => {
                    let next = condition(Args::of(t))?;
                    branches.push(Branch {
                        cond: std::mem::replace(&mut cond, next),
                        expect: true,
                        body: std::mem::take(&mut body),
                    });
                }
                kind => body.push(self.element(Element { kind, ..e })?),
            }
        }
        branches.push(Branch {
            cond,
            expect: is_if,
            body,
        });
        Ok(NodeKind::If {
            branches,
            otherwise,
        })
    }

    fn case(&mut self, mut args: Args<'s>) -> PResult<NodeKind> {
        let target = expect_value(args.expect_next("value expected")?)?;
        args.expect_nothing()?;
        let mut whens = Vec::new();
        let mut current: Option<Vec<Expr>> = None;
        let mut body = Vec::new();
        let mut otherwise = None;
        while let Some(e) = self.block_next("endcase")? {
            match e.kind {
                ElemKind::Tag(t) if t.name == "when" => {
                    // What precedes the first `when` is parsed, then dropped.
                    let done = std::mem::take(&mut body);
                    if let Some(values) = current.take() {
                        whens.push((values, done));
                    }
                    current = Some(when_values(Args::of(t))?);
                }
                ElemKind::Tag(t) if t.name == "else" => {
                    Args::of(t).expect_nothing()?;
                    otherwise = Some(self.body("endcase")?);
                    break;
                }
                kind => body.push(self.element(Element { kind, ..e })?),
            }
        }
        if let Some(values) = current {
            whens.push((values, body));
        }
        Ok(NodeKind::Case {
            target,
            whens,
            otherwise,
        })
    }

    fn for_loop(&mut self, mut args: Args<'s>) -> PResult<NodeKind> {
        let var = expect_identifier(args.expect_next("identifier expected")?)?;
        args.expect_str("in", "\"in\" expected")?;
        let range = range_expr(args.expect_next("array or range expected")?)?;
        let (mut limit, mut offset, mut reversed) = (None, None, false);
        while let Some(t) = args.next() {
            match t.text {
                "limit" => limit = Some(attribute(&mut args)?),
                "offset" => offset = Some(attribute(&mut args)?),
                "reversed" => reversed = true,
                _ => {
                    let msg = "\"limit\", \"offset\" or \"reversed\" expected".to_owned();
                    return Err((t.start, msg));
                }
            }
        }
        let mut body = Vec::new();
        let mut otherwise = None;
        while let Some(e) = self.block_next("endfor")? {
            if let ElemKind::Tag(t) = &e.kind {
                if t.name == "else" {
                    if let Some(tok) = t.tokens.first() {
                        return Err(unexpected(tok));
                    }
                    otherwise = Some(self.body("endfor")?);
                    break;
                }
            }
            body.push(self.element(e)?);
        }
        Ok(NodeKind::For(Box::new(ForLoop {
            var,
            range,
            limit,
            offset,
            reversed,
            body,
            otherwise,
        })))
    }

    fn table_row(&mut self, mut args: Args<'s>) -> PResult<NodeKind> {
        let var = expect_identifier(args.expect_next("identifier expected")?)?;
        args.expect_str("in", "\"in\" expected")?;
        let range = range_expr(args.expect_next("array or range expected")?)?;
        let (mut cols, mut limit, mut offset) = (None, None, None);
        while let Some(t) = args.next() {
            match t.text {
                "cols" => cols = Some(attribute(&mut args)?),
                "limit" => limit = Some(attribute(&mut args)?),
                "offset" => offset = Some(attribute(&mut args)?),
                _ => {
                    let msg = "\"cols\", \"limit\" or \"offset\" expected".to_owned();
                    return Err((t.start, msg));
                }
            }
        }
        let body = self.body("endtablerow")?;
        Ok(NodeKind::TableRow(Box::new(TableRow {
            var,
            range,
            cols,
            limit,
            offset,
            body,
        })))
    }
}

/// `when a, b or c`.
fn when_values(mut args: Args<'_>) -> PResult<Vec<Expr>> {
    let mut values = vec![expect_value(args.expect_next("value expected")?)?];
    while let Some(t) = args.next() {
        if t.text != "or" && t.text != "," {
            return Err((t.start, "\"or\" or \",\" expected".to_owned()));
        }
        values.push(expect_value(args.expect_next("value expected")?)?);
    }
    Ok(values)
}

/// How `liquid` prints an expression (`a["b"][0]`, `"text"`); names `cycle` groups.
fn display(e: &Expr) -> String {
    match e {
        Expr::Lit(v) => v.source(),
        Expr::Var(v) => {
            let mut s = v.root.clone();
            for index in &v.path {
                s.push('[');
                s.push_str(&display(index));
                s.push(']');
            }
            s
        }
        Expr::BadInt(_) => String::new(),
    }
}

/// `cycle a, b` or `cycle group: a, b`.
fn cycle(mut args: Args<'_>) -> PResult<NodeKind> {
    let first = args.expect_next("identifier or value expected")?;
    let second = args.next();
    let mut values = Vec::new();
    let mut group = String::new();
    match second.as_ref().map(|t| t.text) {
        Some(":") => {
            let start = first.start;
            group = match first.kind {
                TokKind::Chain(RawChain {
                    entry: Expr::Var(v),
                    filters,
                }) if filters.is_empty() && v.path.is_empty() => v.root,
                TokKind::Chain(RawChain {
                    entry: Expr::Lit(lit),
                    filters,
                }) if filters.is_empty() => lit.render().into_owned(),
                _ => return Err((start, "expected a group name".to_owned())),
            };
        }
        Some(",") | None => values.push(expect_value(first)?),
        Some(_) => {
            let t = second.as_ref().map_or(first.start, |t| t.start);
            return Err((t, "\":\" or \",\" expected".to_owned()));
        }
    }
    while let Some(t) = args.next() {
        values.push(expect_value(t)?);
        match args.next() {
            None => break,
            Some(t) if t.text == "," => {}
            Some(t) => return Err((t.start, "\",\" expected".to_owned())),
        }
    }
    if group.is_empty() {
        group = values.iter().map(display).collect::<Vec<_>>().join("-");
    }
    Ok(NodeKind::Cycle { group, values })
}

/// `include name` with `key: value` pairs.
fn include(mut args: Args<'_>) -> PResult<NodeKind> {
    let name = expect_value(args.expect_next("identifier or literal expected")?)?;
    let mut vars = Vec::new();
    while let Some(t) = args.next() {
        expect_identifier(t)?;
        args.expect_str(":", "expected \":\" to be used for the assignment")?;
        vars.push(expect_value(args.expect_next("expected value")?)?);
        match args.next() {
            Some(t) if t.text == "," => {}
            Some(_) => break,
            None => {}
        }
    }
    args.expect_nothing()?;
    Ok(NodeKind::Partial {
        name,
        vars,
        each: None,
    })
}

/// `render name`, `render name with value as x`, `render name for items as x`, then
/// `, key: value` pairs.
fn render(mut args: Args<'_>) -> PResult<NodeKind> {
    let name = expect_value(args.expect_next("identifier or literal expected")?)?;
    let mut vars = Vec::new();
    let mut each = None;
    let mut token = args.next();
    match token.as_ref().map(|t| t.text) {
        Some("with") => {
            vars.push(expect_value(args.expect_next("expected value")?)?);
            args.expect_str("as", "expected \"as\" to be used for the assignment")?;
            expect_identifier(args.expect_next("expected identifier")?)?;
            token = args.next();
        }
        Some("for") => {
            each = Some(range_expr(args.expect_next("array or range expected")?)?);
            args.expect_str("as", "\"as\" expected")?;
            expect_identifier(args.expect_next("identifier expected")?)?;
            token = args.next();
        }
        _ => {}
    }
    while let Some(t) = token {
        if t.text != "," {
            return Err((t.start, "`,` is needed to separate variables".to_owned()));
        }
        let Some(t) = args.next() else {
            break;
        };
        expect_identifier(t)?;
        args.expect_str(":", "expected \":\" to be used for the assignment")?;
        vars.push(expect_value(args.expect_next("expected value")?)?);
        token = args.next();
    }
    Ok(NodeKind::Partial { name, vars, each })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    fn err(src: &str) -> String {
        match parse(src) {
            Ok(_) => String::from("ok"),
            Err((_, msg)) => msg,
        }
    }

    #[test]
    fn refusals() {
        assert_eq!(err("{% if a %}x{% endif %}"), "ok");
        assert!(err("{% foo %}").contains("unknown tag `foo`"));
        assert!(err("{{ a | nope }}").contains("unknown filter `nope`"));
        assert!(err("{{ a | append }}").contains("takes 1 arguments"));
        assert!(err("{% if a %}").contains("unclosed block"));
        assert!(err("{% endif %}").contains("unknown tag"));
        assert!(err("{% for a %}{% endfor %}").contains("\"in\" expected"));
        assert!(err("{% if a b %}{% endif %}").contains("\"or\" expected"));
        assert!(err("{{ 99999999999999999999 }}").contains("out of range"));
        assert_eq!(err("{% comment %}{% if %}{% nope %}{% endcomment %}"), "ok");
        assert!(err("{% comment %}{% if x %}{% endcomment %}").contains("unclosed"));
        assert_eq!(err("{% raw %}{{ {% endraw %}"), "ok");
    }

    #[test]
    fn cycle_groups() {
        let nodes = parse("{% cycle 'a', b.c[0] %}{% cycle 'g': 1 %}").expect("parses");
        let groups: Vec<_> = nodes
            .iter()
            .map(|n| match &n.kind {
                NodeKind::Cycle { group, .. } => group.clone(),
                _ => String::new(),
            })
            .collect();
        assert_eq!(groups, ["\"a\"-b[\"c\"][0]", "g"]);
    }

    #[test]
    fn nesting_limit() {
        let deep = "{% if a %}".repeat(MAX_NESTING + 1);
        assert!(err(&deep).contains("nested deeper"));
    }

    #[test]
    fn literal_value_kept() {
        let nodes = parse("{{ 'x' }}").expect("parses");
        assert!(matches!(
            &nodes[0].kind,
            NodeKind::Output(Chain {
                entry: Expr::Lit(Value::Str(_)),
                ..
            })
        ));
    }
}
