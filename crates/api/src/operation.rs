//! Operations: one route of the public API, described once and used three times — to
//! dispatch requests (`web`), to generate `/openapi.json`, and to build the CLI — so
//! none of them can drift.

use model::scope::Scope;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "GET" => Some(Method::Get),
            "POST" => Some(Method::Post),
            "PATCH" => Some(Method::Patch),
            "DELETE" => Some(Method::Delete),
            _ => None,
        }
    }

    /// Whether the method changes state (read-only tokens may never call these).
    pub fn mutates(self) -> bool {
        !matches!(self, Method::Get)
    }
}

/// Who may call an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// Anyone (e.g. `/openapi.json`).
    Public,
    /// The operator's bootstrap token (`POST /v1/bootstrap`).
    Bootstrap,
    /// A valid API key token; with `Some(scope)`, one granting that scope.
    Token(Option<Scope>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    String,
    Integer,
    Boolean,
    /// May be repeated.
    StringList,
}

/// A documented query parameter; undocumented ones are refused.
#[derive(Clone, Copy, Debug)]
pub struct Param {
    pub name: &'static str,
    pub kind: ParamKind,
    pub description: &'static str,
}

/// Produces the JSON Schema of a request or response type.
pub type SchemaFn = fn(&mut schemars::SchemaGenerator) -> schemars::Schema;

/// The [`SchemaFn`] of `T`.
pub fn schema<T: schemars::JsonSchema>(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
    g.subschema_for::<T>()
}

/// `Some(schema::<T>)` where the document is generated (feature `openapi`: the identity
/// component, which serves `/openapi.json`, and the CLI); `None` in components that only
/// route, so they do not link the schema generation of every type they serve.
#[macro_export]
#[cfg(feature = "openapi")]
macro_rules! documented {
    ($t:ty) => {
        Some($crate::schema::<$t>)
    };
}

/// See the `openapi` variant: this build does not generate the document.
#[macro_export]
#[cfg(not(feature = "openapi"))]
macro_rules! documented {
    ($t:ty) => {
        $crate::undocumented::<$t>()
    };
}

/// No schema for `T` in builds without the `openapi` feature (names the type, so the
/// catalog reads the same either way).
pub const fn undocumented<T: ?Sized>() -> Option<SchemaFn> {
    None
}

#[derive(Clone, Copy)]
pub struct Operation {
    /// Unique operationId (camelCase).
    pub id: &'static str,
    pub method: Method,
    /// The canonical path template, `{name}` for parameters, `:verb` for custom methods.
    pub path: &'static str,
    /// Also served at the path without `/workspaces/{workspaceId}`, the workspace then
    /// coming from the token (docs/api.md §6.1, §6.4).
    pub short_form: bool,
    pub auth: Auth,
    pub tag: &'static str,
    pub summary: &'static str,
    pub query: &'static [Param],
    pub body: Option<SchemaFn>,
    /// Success status.
    pub status: u16,
    /// Success body; `None` for 204.
    pub response: Option<SchemaFn>,
    /// Accepts `?dryRun=true`.
    pub dry_run: bool,
}

impl Operation {
    /// The scope this operation requires, if any.
    pub fn scope(&self) -> Option<Scope> {
        match self.auth {
            Auth::Token(s) => s,
            _ => None,
        }
    }

    /// Whether `name` is a query parameter this operation accepts.
    pub fn accepts_query(&self, name: &str) -> Option<ParamKind> {
        if self.dry_run && name == "dryRun" {
            return Some(ParamKind::Boolean);
        }
        self.query.iter().find(|p| p.name == name).map(|p| p.kind)
    }
}

const CANONICAL_PREFIX: &str = "/v1/workspaces/{workspaceId}/";

/// The short form of a canonical workspace path (`/v1/workspaces/{workspaceId}/agents` →
/// `/v1/agents`), if it has one.
pub fn short_form(path: &str) -> Option<String> {
    path.strip_prefix(CANONICAL_PREFIX)
        .map(|rest| format!("/v1/{rest}"))
}
