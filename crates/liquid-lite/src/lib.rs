//! A compact Liquid template engine: the language of Shopify Liquid as the `liquid`
//! crate 0.26 implements it (`ParserBuilder::with_stdlib()`), at a fraction of its size
//! in wasm (no regex, pest, time or Unicode-segmentation tables).
//!
//! ```
//! let template = liquid_lite::parse("Hello {{ name | upcase }}!").expect("valid");
//! let mut data = serde_json::Map::new();
//! data.insert("name".into(), "ada".into());
//! assert_eq!(template.render(&data).expect("renders"), "Hello ADA!");
//! ```
//!
//! Semantics follow `liquid` 0.26 rule for rule, checked by an oracle test against the
//! real crate (`tests/oracle.rs`); notably, as there:
//! - an undefined variable or index is a render **error** (`{{ missing }}`,
//!   `{{ user.missing }}`, even `{{ missing | default: "x" }}`), except in a bare test
//!   (`{% if missing %}` is false);
//! - an unknown tag or filter, or a wrong number of filter arguments, is a **parse**
//!   error;
//! - `and` binds tighter than `or`; only nil and false are falsy (and the `empty`
//!   literal).
//!
//! Tags: `assign`, `capture`, `if`/`elsif`/`else`, `unless`, `case`/`when`, `for`
//! (`limit`, `offset`, `reversed`, `else`, `forloop.*`, `break`, `continue`), `tablerow`,
//! `cycle`, `increment`, `decrement`, `ifchanged`, `raw`, `comment`, and `include` /
//! `render` (parsed; rendering one fails, as no partials exist).
//! Filters: the 48 of `liquid`'s stdlib (see [`FILTERS`]).
//!
//! Deliberate differences, all where `liquid` panics, hangs or is nondeterministic
//! (each panic case is pinned by `tests/oracle.rs::documented_differences`):
//! - rendering is bounded: at most [`MAX_OUTPUT_BYTES`] of output (per capture too),
//!   [`MAX_ITERATIONS`] loop iterations, [`MAX_STEPS`] units of work, strings of
//!   [`MAX_STRING_BYTES`] and arrays of [`MAX_ARRAY_LEN`] items made by filters; and
//!   parsing: [`MAX_NESTING`] nested blocks, 32 nested `[…]` indexes;
//! - no input panics: integer literals beyond 64 bits are a parse error; integer
//!   overflow in `plus`/`minus`/`times`/`divided_by`/`modulo`/`abs` wraps (as a release
//!   build of `liquid` does); `tablerow` with `cols: 0` and `cycle` without values are
//!   render errors; a `date` format whose unknown `%`-conversion ends in a non-ASCII
//!   character copies it; `sort` of more than 20 items of incomparable types (say
//!   numbers and strings) sorts stably, incomparable pairs counting as equal; a
//!   template whose unclosed `{% comment %}` holds a block with a syntax error is
//!   refused;
//! - objects keep their keys sorted (serde_json's order) where `liquid` uses a hash
//!   map: iterating or printing a multi-key object, and the `forloop` object printed
//!   whole, list keys in sorted order, not in a random one;
//! - numbers above `i64::MAX` in the data are floats (`liquid` refuses the data);
//! - `truncate` counts grapheme clusters with a compact approximation of Unicode's
//!   rules (see `grapheme.rs`), where `liquid` uses the full tables;
//! - error messages are our own (with a line and column), not `liquid`'s.

mod date;
mod filters;
mod grapheme;
mod lexer;
mod parser;
mod render;
mod value;

use std::fmt;

/// Most bytes a render may produce (also the limit for each `capture` buffer).
pub const MAX_OUTPUT_BYTES: usize = 1 << 20;
/// Most bytes in a string made by a filter.
pub const MAX_STRING_BYTES: usize = 1 << 20;
/// Most items in an array made by a filter.
pub const MAX_ARRAY_LEN: usize = 100_000;
/// Most loop iterations (`for`, `tablerow`) in one render, all loops together.
pub const MAX_ITERATIONS: u64 = 100_000;
/// Most units of work in one render: one per node rendered, per loop iteration, per
/// filter call and per 64 bytes or items a filter reads.
pub const MAX_STEPS: u64 = 10_000_000;
/// Most nested blocks (`if` in `for` in …).
pub const MAX_NESTING: usize = 64;

/// The names of the supported filters.
pub const FILTERS: &[&str] = &[
    "abs",
    "append",
    "at_least",
    "at_most",
    "capitalize",
    "ceil",
    "compact",
    "concat",
    "date",
    "default",
    "divided_by",
    "downcase",
    "escape",
    "escape_once",
    "first",
    "floor",
    "join",
    "last",
    "lstrip",
    "map",
    "minus",
    "modulo",
    "newline_to_br",
    "plus",
    "prepend",
    "remove",
    "remove_first",
    "replace",
    "replace_first",
    "reverse",
    "round",
    "rstrip",
    "size",
    "slice",
    "sort",
    "sort_natural",
    "split",
    "strip",
    "strip_html",
    "strip_newlines",
    "times",
    "truncate",
    "truncatewords",
    "uniq",
    "upcase",
    "url_decode",
    "url_encode",
    "where",
];

/// A parse or render error, located in the template source (1-based line and column,
/// the column counted in characters).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub message: String,
    pub line: usize,
    pub column: usize,
}

impl Error {
    fn at(src: &str, pos: usize, message: String) -> Error {
        let mut pos = pos.min(src.len());
        while !src.is_char_boundary(pos) {
            pos -= 1;
        }
        let before = &src[..pos];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Error {
            message,
            line,
            column,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for Error {}

/// A parsed template, ready to render any number of times.
#[derive(Debug)]
pub struct Template {
    source: String,
    nodes: Vec<parser::Node>,
}

/// Parses a template; unknown tags and filters, unclosed blocks, malformed tags and
/// outputs are errors.
pub fn parse(source: &str) -> Result<Template, Error> {
    match parser::parse(source) {
        Ok(nodes) => Ok(Template {
            source: source.to_owned(),
            nodes,
        }),
        Err((pos, message)) => Err(Error::at(source, pos, message)),
    }
}

impl Template {
    /// Renders with `globals` as the top-level variables.
    pub fn render(
        &self,
        globals: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<String, Error> {
        let mut ctx = render::Ctx::new(&self.source, globals);
        let mut out = String::new();
        ctx.render(&self.nodes, &mut out)
            .map_err(|(pos, message)| Error::at(&self.source, pos, message))?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_list_matches_the_table() {
        let table: Vec<_> = filters::names().collect();
        assert_eq!(table, FILTERS);
    }

    #[test]
    fn templates_can_be_shared_across_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<Template>();
        shareable::<Error>();
    }

    #[test]
    fn error_positions() {
        let e = parse("a\nbc {% nope %}").expect_err("unknown tag");
        assert_eq!((e.line, e.column), (2, 7));
        assert_eq!(e.to_string(), "line 2, column 7: unknown tag `nope`");
        let t = parse("é {{ x }}").expect("parses");
        let e = t
            .render(&serde_json::Map::new())
            .expect_err("unknown variable");
        assert_eq!((e.line, e.column), (1, 3));
    }
}
