//! Splits a template into elements — text, `{{ output }}`, `{% tag %}`, or an invalid
//! character — and parses the expressions inside them.
//!
//! This is a hand-written, rule-for-rule transcription of `liquid-core` 0.26's PEG grammar
//! (`parser/grammar.pest`), so a template is accepted or refused exactly as there:
//! whitespace is only `' '`, `\n` and `\r` (a tab before a tag name is an error), a
//! literal wins over a variable (`nilly` reads as `nil` + `ly` and fails), identifiers may
//! contain `-` unless it starts `-}}`/`-%}`, strings have no escapes, and so on.
//! Failure of an ordered choice backtracks to where the choice began, as in PEG.

use crate::value::Value;

/// A value expression: a literal or a variable path.
#[derive(Clone, Debug)]
pub(crate) enum Expr {
    Lit(Value),
    Var(Variable),
    /// An integer literal that does not fit in 64 bits (at this offset): `liquid`
    /// panics on it, we refuse the template when the expression is used.
    BadInt(usize),
}

/// `root.a[0]["b"][c]`: the root name and each index (`.a` is the string `"a"`).
#[derive(Clone, Debug)]
pub(crate) struct Variable {
    pub(crate) root: String,
    pub(crate) path: Vec<Expr>,
}

/// `name: arg, key: arg` as written, before the filter is looked up.
#[derive(Clone, Debug)]
pub(crate) struct RawFilter {
    pub(crate) name: String,
    pub(crate) positional: Vec<Expr>,
    pub(crate) keyword: Vec<(String, Expr)>,
    pub(crate) start: usize,
}

/// `value | filter | filter: arg`.
#[derive(Clone, Debug)]
pub(crate) struct RawChain {
    pub(crate) entry: Expr,
    pub(crate) filters: Vec<RawFilter>,
}

#[derive(Debug)]
pub(crate) enum TokKind {
    /// `(start..end)`
    Range(Expr, Expr),
    Chain(RawChain),
    /// One of `== != <> >= <= > < = , :`.
    Sym,
}

/// One argument token of a tag, with its source text (trimmed, as `liquid` compares it).
#[derive(Debug)]
pub(crate) struct Token<'s> {
    pub(crate) kind: TokKind,
    pub(crate) start: usize,
    pub(crate) text: &'s str,
}

#[derive(Debug)]
pub(crate) struct TagElem<'s> {
    pub(crate) name: &'s str,
    pub(crate) name_start: usize,
    pub(crate) tokens: Vec<Token<'s>>,
}

#[derive(Debug)]
pub(crate) enum ElemKind<'s> {
    Text,
    Output(RawChain),
    Tag(TagElem<'s>),
    Invalid,
}

/// An element and its byte span in the source (spans are contiguous and cover it all).
#[derive(Debug)]
pub(crate) struct Element<'s> {
    pub(crate) kind: ElemKind<'s>,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// Bracket nesting (`a[b[c[...]]]`) deeper than this does not match (no stack overflow).
const MAX_BRACKET_DEPTH: usize = 32;

pub(crate) fn tokenize(src: &str) -> Vec<Element<'_>> {
    let mut lx = Lexer {
        src,
        b: src.as_bytes(),
        depth: 0,
    };
    let mut out = Vec::new();
    let mut p = 0;
    while p < src.len() {
        let (kind, end) = lx.element(p);
        out.push(Element {
            kind,
            start: p,
            end,
        });
        p = end;
    }
    out
}

struct Lexer<'s> {
    src: &'s str,
    b: &'s [u8],
    depth: usize,
}

fn is_ws(c: u8) -> bool {
    c == b' ' || c == b'\n' || c == b'\r'
}

impl<'s> Lexer<'s> {
    fn at(&self, p: usize) -> u8 {
        self.b.get(p).copied().unwrap_or(0)
    }

    fn starts(&self, p: usize, lit: &str) -> bool {
        self.b
            .get(p..)
            .is_some_and(|rest| rest.starts_with(lit.as_bytes()))
    }

    fn skip_ws(&self, mut p: usize) -> usize {
        while p < self.b.len() && is_ws(self.b[p]) {
            p += 1;
        }
        p
    }

    /// Element = Expression | Tag | Raw, else one invalid character.
    fn element(&mut self, p: usize) -> (ElemKind<'s>, usize) {
        if let Some((chain, end)) = self.expression(p) {
            return (ElemKind::Output(chain), end);
        }
        if let Some((tag, end)) = self.tag(p) {
            return (ElemKind::Tag(tag), end);
        }
        let end = self.raw(p);
        if end > p {
            return (ElemKind::Text, end);
        }
        let len = self.src[p..].chars().next().map_or(1, char::len_utf8);
        (ElemKind::Invalid, p + len)
    }

    /// `(WS* "{%-") | "{%"` (or the `{{` pair): the position after it.
    fn opener(&self, p: usize, open: &str, trim: &str) -> Option<usize> {
        let q = self.skip_ws(p);
        if self.starts(q, trim) {
            Some(q + trim.len())
        } else if self.starts(p, open) {
            Some(p + open.len())
        } else {
            None
        }
    }

    /// `("-%}" WS*) | "%}"` (or the `}}` pair).
    fn closer(&self, p: usize, close: &str, trim: &str) -> Option<usize> {
        if self.starts(p, trim) {
            Some(self.skip_ws(p + trim.len()))
        } else if self.starts(p, close) {
            Some(p + close.len())
        } else {
            None
        }
    }

    fn is_start(&self, p: usize) -> bool {
        self.opener(p, "{%", "{%-").is_some() || self.opener(p, "{{", "{{-").is_some()
    }

    /// Raw = (!(TagStart | ExpressionStart) ANY)+; returns its end (== p if empty).
    fn raw(&self, p: usize) -> usize {
        let mut q = p;
        while q < self.b.len() {
            if is_ws(self.b[q]) {
                // A whitespace run stops the text only if a trimming opener follows it.
                let run_end = self.skip_ws(q);
                if self.starts(run_end, "{%-") || self.starts(run_end, "{{-") {
                    return q;
                }
                q = run_end;
                continue;
            }
            if self.is_start(q) {
                return q;
            }
            q += 1;
        }
        q
    }

    fn expression(&mut self, p: usize) -> Option<(RawChain, usize)> {
        let q = self.opener(p, "{{", "{{-")?;
        let (chain, q) = self.filter_chain(self.skip_ws(q))?;
        let end = self.closer(self.skip_ws(q), "}}", "-}}")?;
        Some((chain, end))
    }

    fn tag(&mut self, p: usize) -> Option<(TagElem<'s>, usize)> {
        let q = self.skip_ws(self.opener(p, "{%", "{%-")?);
        let name_end = self.identifier(q)?;
        let mut tokens = Vec::new();
        let mut cur = name_end;
        loop {
            let r = self.skip_ws(cur);
            match self.tag_token(r) {
                Some(tok) => {
                    cur = tok.1;
                    tokens.push(tok.0);
                }
                None => break,
            }
        }
        let end = self.closer(self.skip_ws(cur), "%}", "-%}")?;
        let tag = TagElem {
            name: &self.src[q..name_end],
            name_start: q,
            tokens,
        };
        Some((tag, end))
    }

    /// TagToken = Range | FilterChain | DoubleCharSymbol | SingleCharSymbol.
    fn tag_token(&mut self, p: usize) -> Option<(Token<'s>, usize)> {
        let (kind, end) = if let Some((a, b, end)) = self.range(p) {
            (TokKind::Range(a, b), end)
        } else if let Some((chain, end)) = self.filter_chain(p) {
            (TokKind::Chain(chain), end)
        } else if ["==", "!=", "<>", ">=", "<="]
            .iter()
            .any(|s| self.starts(p, s))
        {
            (TokKind::Sym, p + 2)
        } else if matches!(self.at(p), b'>' | b'<' | b'=' | b',' | b':') {
            (TokKind::Sym, p + 1)
        } else {
            return None;
        };
        let token = Token {
            kind,
            start: p,
            text: self.src[p..end].trim(),
        };
        Some((token, end))
    }

    /// Range = "(" Value ".." Value ")", whitespace allowed between the parts.
    fn range(&mut self, p: usize) -> Option<(Expr, Expr, usize)> {
        if self.at(p) != b'(' {
            return None;
        }
        let (a, q) = self.value(self.skip_ws(p + 1))?;
        let q = self.skip_ws(q);
        if !self.starts(q, "..") {
            return None;
        }
        let (b, q) = self.value(self.skip_ws(q + 2))?;
        let q = self.skip_ws(q);
        (self.at(q) == b')').then_some((a, b, q + 1))
    }

    /// FilterChain = Value ("|" Filter)*.
    fn filter_chain(&mut self, p: usize) -> Option<(RawChain, usize)> {
        let (entry, mut end) = self.value(p)?;
        let mut filters = Vec::new();
        loop {
            let q = self.skip_ws(end);
            if self.at(q) != b'|' {
                break;
            }
            match self.filter(self.skip_ws(q + 1)) {
                Some((f, e)) => {
                    filters.push(f);
                    end = e;
                }
                None => break,
            }
        }
        Some((RawChain { entry, filters }, end))
    }

    /// Filter = Identifier (":" FilterArgument ("," FilterArgument)*)?.
    fn filter(&mut self, p: usize) -> Option<(RawFilter, usize)> {
        let name_end = self.identifier(p)?;
        let mut filter = RawFilter {
            name: self.src[p..name_end].to_owned(),
            positional: Vec::new(),
            keyword: Vec::new(),
            start: p,
        };
        let mut end = name_end;
        let q = self.skip_ws(name_end);
        if self.at(q) == b':' {
            if let Some(e) = self.filter_argument(self.skip_ws(q + 1), &mut filter) {
                end = e;
                loop {
                    let r = self.skip_ws(end);
                    if self.at(r) != b',' {
                        break;
                    }
                    match self.filter_argument(self.skip_ws(r + 1), &mut filter) {
                        Some(e) => end = e,
                        None => break,
                    }
                }
            }
        }
        Some((filter, end))
    }

    /// KeywordFilterArgument (Identifier ":" Value) | PositionalFilterArgument (Value).
    fn filter_argument(&mut self, p: usize, filter: &mut RawFilter) -> Option<usize> {
        if let Some(name_end) = self.identifier(p) {
            let q = self.skip_ws(name_end);
            if self.at(q) == b':' {
                if let Some((v, e)) = self.value(self.skip_ws(q + 1)) {
                    filter.keyword.push((self.src[p..name_end].to_owned(), v));
                    return Some(e);
                }
            }
        }
        let (v, e) = self.value(p)?;
        filter.positional.push(v);
        Some(e)
    }

    /// Value = Literal | Variable.
    fn value(&mut self, p: usize) -> Option<(Expr, usize)> {
        if let Some((v, e)) = self.literal(p) {
            return Some((v, e));
        }
        self.variable(p).map(|(v, e)| (Expr::Var(v), e))
    }

    /// Literal = nil | null | empty | blank | string | float | integer | true | false,
    /// in that order and without a word boundary (as the grammar has it).
    fn literal(&mut self, p: usize) -> Option<(Expr, usize)> {
        for (word, value) in [
            ("nil", Value::Nil),
            ("null", Value::Nil),
            ("empty", Value::Empty),
            ("blank", Value::Blank),
        ] {
            if self.starts(p, word) {
                return Some((Expr::Lit(value), p + word.len()));
            }
        }
        let quote = self.at(p);
        if quote == b'"' || quote == b'\'' {
            if let Some(len) = self.b[p + 1..].iter().position(|&c| c == quote) {
                let text = &self.src[p + 1..p + 1 + len];
                return Some((Expr::Lit(Value::str(text)), p + len + 2));
            }
        }
        let digits = |from: usize| {
            let mut q = from;
            while self.at(q).is_ascii_digit() {
                q += 1;
            }
            q
        };
        let sign_end = if matches!(self.at(p), b'+' | b'-') {
            p + 1
        } else {
            p
        };
        let int_end = digits(sign_end);
        if int_end > sign_end {
            if self.at(int_end) == b'.' {
                let frac_end = digits(int_end + 1);
                if frac_end > int_end + 1 {
                    let f = self.src[p..frac_end].parse::<f64>().ok()?;
                    return Some((Expr::Lit(Value::Float(f)), frac_end));
                }
            }
            let expr = match self.src[p..int_end].parse::<i64>() {
                Ok(i) => Expr::Lit(Value::Int(i)),
                Err(_) => Expr::BadInt(p),
            };
            return Some((expr, int_end));
        }
        for (word, value) in [("true", true), ("false", false)] {
            if self.starts(p, word) {
                return Some((Expr::Lit(Value::Bool(value)), p + word.len()));
            }
        }
        None
    }

    /// `-` counts as an identifier character unless it begins `-}}` or `-%}`.
    fn hyphen(&self, p: usize) -> bool {
        self.at(p) == b'-' && !self.starts(p, "-}}") && !self.starts(p, "-%}")
    }

    /// Identifier = (ALPHA | "_" | hyphen) (ALNUM | "_" | hyphen)*: its end.
    fn identifier(&self, p: usize) -> Option<usize> {
        let c = self.at(p);
        if !(c.is_ascii_alphabetic() || c == b'_' || self.hyphen(p)) {
            return None;
        }
        let mut q = p + 1;
        loop {
            let c = self.at(q);
            if c.is_ascii_alphanumeric() || c == b'_' || self.hyphen(q) {
                q += 1;
            } else {
                return Some(q);
            }
        }
    }

    /// Variable = Identifier ("." Identifier | "[" WS* Value WS* "]")*.
    fn variable(&mut self, p: usize) -> Option<(Variable, usize)> {
        let root_end = self.identifier(p)?;
        let mut var = Variable {
            root: self.src[p..root_end].to_owned(),
            path: Vec::new(),
        };
        let mut end = root_end;
        loop {
            if self.at(end) == b'.' {
                if let Some(e) = self.identifier(end + 1) {
                    let key = Value::str(&self.src[end + 1..e]);
                    var.path.push(Expr::Lit(key));
                    end = e;
                    continue;
                }
                break;
            }
            if self.at(end) != b'[' || self.depth >= MAX_BRACKET_DEPTH {
                break;
            }
            self.depth += 1;
            let index = self.value(self.skip_ws(end + 1));
            self.depth -= 1;
            match index {
                Some((v, e)) => {
                    let e = self.skip_ws(e);
                    if self.at(e) != b']' {
                        break;
                    }
                    var.path.push(v);
                    end = e + 1;
                }
                None => break,
            }
        }
        Some((var, end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<&'static str> {
        tokenize(src)
            .iter()
            .map(|e| match e.kind {
                ElemKind::Text => "text",
                ElemKind::Output(_) => "output",
                ElemKind::Tag(_) => "tag",
                ElemKind::Invalid => "invalid",
            })
            .collect()
    }

    #[test]
    fn elements_and_spans() {
        assert_eq!(
            kinds("a {{ b }} c {% if x %}"),
            ["text", "output", "text", "tag"]
        );
        let els = tokenize("a  \n {%- if x -%}  b");
        assert_eq!((els[0].start, els[0].end), (0, 1));
        assert_eq!((els[1].start, els[1].end), (1, 19));
        assert_eq!(kinds("{{ nilly }}")[0], "invalid");
        assert_eq!(kinds("{%\tif x %}")[0], "invalid");
        assert_eq!(kinds("{{ a-b }}"), ["output"]);
    }

    #[test]
    fn tag_tokens() {
        let els = tokenize("{% for i in (1..n) limit:2 reversed %}");
        let ElemKind::Tag(tag) = &els[0].kind else {
            panic!("not a tag")
        };
        assert_eq!(tag.name, "for");
        let texts: Vec<_> = tag.tokens.iter().map(|t| t.text).collect();
        assert_eq!(texts, ["i", "in", "(1..n)", "limit", ":", "2", "reversed"]);
    }

    #[test]
    fn literals() {
        let els = tokenize("{{ -1.5 }}{{ 'it''s' }}{{ 99999999999999999999 }}");
        assert!(matches!(
            els[0].kind,
            ElemKind::Output(RawChain {
                entry: Expr::Lit(Value::Float(_)),
                ..
            })
        ));
        assert!(matches!(els[1].kind, ElemKind::Invalid));
        let last = els.last().map(|e| &e.kind);
        assert!(matches!(
            last,
            Some(ElemKind::Output(RawChain {
                entry: Expr::BadInt(_),
                ..
            }))
        ));
    }
}
