//! What a handler sees: the host, the caller, the request, and helpers for the common
//! moves (ids, JSON bodies, lists, write transactions with `dryRun`).

use crate::cache::{Cached, Changed};
use crate::error::ApiError;
use crate::query::{encode_cursor, Query};
use crate::reply::Reply;
use api::Operation;
use model::ids::{Id, Kind, Ref};
use model::metadata::{MetadataFields, MetadataInput, Owner, ResourceMetadata};
use model::page::{Page, Pagination};
use model::scope::ScopeSet;
use model::Violations;
use ports::Env;
use serde::de::DeserializeOwned;
use serde::Serialize;
use store::identity::Reach;
use store::list::{ListQuery, Listed};
use store::Db;

/// The authenticated caller.
#[derive(Clone, Debug, PartialEq)]
pub struct Principal {
    /// The API key id (the token's `jti`).
    pub key_id: String,
    /// The profile the key acts as (the token's `sub`).
    pub profile_id: String,
    pub account_id: String,
    pub scopes: ScopeSet,
    /// Workspace ids, or `*`.
    pub workspaces: Vec<String>,
    pub home_workspace_id: String,
    pub expires_at_ms: Option<i64>,
}

impl Principal {
    pub fn reach(&self) -> Reach<'_> {
        if self.workspaces.iter().any(|w| w == "*") {
            Reach::All
        } else {
            Reach::Only(&self.workspaces)
        }
    }
}

pub struct Ctx<'a> {
    pub env: Env<'a>,
    pub db: &'a Db<'a>,
    pub now_ms: i64,
    pub request_id: &'a str,
    pub op: &'static Operation,
    pub principal: Option<&'a Principal>,
    /// The workspace the request acts in (path or, on short-form routes, token).
    pub workspace_id: Option<&'a str>,
    pub params: &'a [(String, String)],
    pub query: &'a Query,
    pub headers: &'a http::HeaderMap,
    pub body: &'a [u8],
    pub dry_run: bool,
    /// Keys handed to the app's background work after the response (see [`Ctx::defer`]).
    pub deferred: &'a std::cell::RefCell<Vec<String>>,
    /// What the app's stream writes after the head (see [`Ctx::stream_after`]).
    pub stream: &'a std::cell::RefCell<Option<String>>,
    /// What was read from the key-value store before the handler (see `App::prefetch`).
    pub prefetched: &'a crate::cache::Prefetched,
    /// A scope the handler checked itself (routes whose scope depends on the body, such
    /// as MCP tool calls); the audit row records it instead of the route's.
    pub exercised: &'a std::cell::Cell<Option<model::scope::Scope>>,
}

impl<'a> Ctx<'a> {
    /// Refuses the request unless the token grants `scope`, and records it as the scope
    /// this request exercised (its audit row shows it).
    pub fn require(&self, scope: model::scope::Scope) -> Result<(), ApiError> {
        if !self.principal()?.scopes.allows(scope) {
            return Err(ApiError::forbidden(format!(
                "this token lacks the `{scope}` scope"
            )));
        }
        self.exercised.set(Some(scope));
        Ok(())
    }

    /// The caller as the engine records who steered an objective.
    #[cfg(feature = "engine")]
    pub fn actor(&self) -> Result<engine::steer::Actor<'a>, ApiError> {
        let p = self.principal()?;
        Ok(engine::steer::Actor {
            account_id: &p.account_id,
            workspace_id: self.workspace()?,
            profile_id: &p.profile_id,
            now_ms: self.now_ms,
            random: self.env.random,
        })
    }

    /// A path parameter (the router guarantees the template's parameters exist).
    pub fn param(&self, name: &str) -> &str {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }

    /// A path parameter parsed as an id of kind `K`; a malformed one is a 400 naming it.
    pub fn id<K: Kind>(&self, name: &str) -> Result<Id<K>, ApiError> {
        Id::parse(self.param(name)).map_err(|e| ApiError::invalid(name, e))
    }

    /// A path parameter that may also be `external_id:<value>`.
    pub fn reference<K: Kind>(&self, name: &str) -> Result<Ref<K>, ApiError> {
        Ref::parse(self.param(name)).map_err(|e| ApiError::invalid(name, e))
    }

    pub fn principal(&self) -> Result<&'a Principal, ApiError> {
        self.principal
            .ok_or_else(|| ApiError::unauthorized("authentication required"))
    }

    pub fn workspace(&self) -> Result<&'a str, ApiError> {
        self.workspace_id.ok_or_else(ApiError::internal)
    }

    /// Asks for background work on `key` once the response is sent (if the handler
    /// succeeds): the objectives component kicks the engine for that objective.
    pub fn defer(&self, key: impl Into<String>) {
        self.deferred.borrow_mut().push(key.into());
    }

    /// Makes the response a stream: after the head ([`crate::Reply::event_stream`]) is
    /// sent, the app's `stream` function writes the body for `key`.
    pub fn stream_after(&self, key: impl Into<String>) {
        *self.stream.borrow_mut() = Some(key.into());
    }

    /// A fresh id of kind `K`.
    pub fn new_id<K: Kind>(&self) -> Id<K> {
        Id::generate(self.now_ms, self.env.random.next_u128())
    }

    /// The body parsed as `T`; errors name the offending field path.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::invalid("body", "a JSON request body is required"));
        }
        parse_json(self.body)
    }

    /// The body as untyped JSON (for merging updates), `{}` when empty.
    pub fn json_value(&self) -> Result<serde_json::Value, ApiError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(serde_json::Value::Object(Default::default()));
        }
        parse_json(self.body)
    }

    /// Custom methods without fields accept an empty body or `{}` only.
    pub fn empty_body(&self) -> Result<(), ApiError> {
        match self.json_value()? {
            serde_json::Value::Object(m) if m.is_empty() => Ok(()),
            serde_json::Value::Object(m) => {
                let field = m.keys().next().cloned().unwrap_or_default();
                Err(ApiError::invalid(
                    field.clone(),
                    format!("unknown field `{field}`: this method takes no fields"),
                ))
            }
            _ => Err(ApiError::invalid("body", "must be empty or a JSON object")),
        }
    }

    pub fn list_query(&self) -> Result<ListQuery, ApiError> {
        self.query.list()
    }

    /// A list query whose default order is oldest first.
    pub fn list_query_ascending(&self) -> Result<ListQuery, ApiError> {
        self.query.list_ordered(true)
    }

    /// Wraps a store page in the wire shape, with an opaque cursor.
    pub fn page<T>(&self, listed: Listed<T>, q: &ListQuery) -> Page<T> {
        Page {
            items: listed.items,
            pagination: Pagination {
                next_cursor: listed.next.map(|id| encode_cursor(&id, q.ascending)),
                total: listed.total,
            },
        }
    }

    /// Runs `f` in one write transaction; with `dryRun` it is rolled back, so the
    /// caller gets exactly the would-be result and nothing is stored.
    pub fn write<T>(&self, f: impl FnOnce(&Db<'a>) -> Result<T, ApiError>) -> Result<T, ApiError> {
        self.db.transaction(!self.dry_run, f)
    }

    /// Runs a write that is one statement (atomic on its own): no transaction needed,
    /// except for a dry run, which is rolled back.
    pub fn write_single<T>(
        &self,
        f: impl FnOnce(&Db<'a>) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        if self.dry_run {
            return self.write(f);
        }
        self.db.prepare_write()?;
        f(self.db)
    }

    /// Metadata for a resource this caller creates now in the current workspace.
    pub fn new_metadata(
        &self,
        id: String,
        fields: MetadataFields,
    ) -> Result<ResourceMetadata, ApiError> {
        let p = self.principal()?;
        let now = model::time::format_ms(self.now_ms);
        Ok(ResourceMetadata {
            id,
            account_id: p.account_id.clone(),
            workspace_id: self.workspace()?.to_owned(),
            profile_id: p.profile_id.clone(),
            created_at: now.clone(),
            updated_at: now,
            name: fields.name,
            external_id: fields.external_id,
            labels: fields.labels,
            bundle_key: fields.bundle_key,
        })
    }

    /// The start of every create: the body's metadata and spec checked together (every
    /// violation reported at once, metadata first), then the new resource's metadata
    /// with a fresh id of kind `K` owned by the caller.
    pub fn new_resource<K: Kind, S>(
        &self,
        metadata: &MetadataInput,
        spec: impl FnOnce(&mut Violations) -> S,
    ) -> Result<(ResourceMetadata, S), ApiError> {
        let mut v = Violations::new();
        let fields = metadata.validate_create("metadata", &self.owner()?, &mut v);
        let spec = spec(&mut v);
        v.finish(())?;
        let id: Id<K> = self.new_id();
        Ok((self.new_metadata(id.into_string(), fields)?, spec))
    }

    /// What a create may repeat of the server-owned metadata without conflict.
    pub fn owner(&self) -> Result<Owner<'a>, ApiError> {
        Ok(Owner {
            account_id: &self.principal()?.account_id,
            workspace_id: self.workspace_id,
        })
    }

    /// `updateMask` from the query or the body (they must agree when both are given).
    pub fn update_mask(&self, in_body: Option<&str>) -> Result<Option<String>, ApiError> {
        match (self.query.get("updateMask"), in_body) {
            (Some(q), Some(b)) if q != b => Err(ApiError::invalid(
                "updateMask",
                "given differently in the query and the body",
            )),
            (Some(q), _) => Ok(Some(q.to_owned())),
            (None, b) => Ok(b.map(str::to_owned)),
        }
    }

    /// PATCH semantics: merges this request's body into `view` (the resource as a
    /// client would create it) — the given fields, or exactly the `updateMask` paths —
    /// and parses the result as the create input `T`, for the create validation to run.
    /// `body_mask` is the `updateMask` field of the already type-checked body.
    pub fn merge<T: DeserializeOwned>(
        &self,
        mut view: serde_json::Value,
        sections: &[model::patch::Section],
        body_mask: Option<&str>,
    ) -> Result<T, ApiError> {
        let mask = self.update_mask(body_mask)?;
        let patch = self.json_value()?;
        model::patch::apply(&mut view, &patch, mask.as_deref(), sections)?;
        from_value(view)
    }

    /// A read served from the key-value store while nothing it `depends` on has
    /// changed since it was cached (see [`crate::cache`]); otherwise `load`ed (from SQL)
    /// and cached. Errors are never cached.
    pub fn cached<T: Serialize>(
        &self,
        read: &crate::cache::CacheRead,
        load: impl FnOnce() -> Result<T, ApiError>,
    ) -> Result<Reply, ApiError> {
        let key = read.key.as_str();
        let stamp = match crate::cache::read(self.env.kv, self.prefetched, key, &read.gens) {
            Cached::Hit(body) => return Ok(Reply::json_bytes(200, body)),
            Cached::Miss(stamp) => Some(stamp),
            Cached::Unavailable => None,
        };
        let reply = Reply::ok(&load()?);
        if let (Some(stamp), Some(body)) = (stamp, &reply.body) {
            crate::cache::fill(self.env.kv, key, &stamp, body);
        }
        Ok(reply)
    }

    /// After a committed write, before the answer: invalidates the cached reads it
    /// changed, on every instance (a dry run changed nothing). If the key-value store
    /// cannot take it, the caller gets 503 rather than an answer that caches could
    /// contradict.
    pub fn invalidate(&self, changed: &[Changed<'_>]) -> Result<(), ApiError> {
        if self.dry_run {
            return Ok(());
        }
        crate::cache::invalidate(self.env.kv, changed).map_err(|e| {
            eprintln!("request {}: cache invalidation failed: {e}", self.request_id);
            ApiError::new(
                model::error::ErrorCode::Unavailable,
                "the change was saved, but the key-value store is unavailable, so other requests may not see it yet; retry the request",
            )
        })
    }

    /// 201 with the created resource (200 for a dry run: nothing was created).
    pub fn created<T: Serialize>(&self, value: &T) -> Reply {
        Reply::json(if self.dry_run { 200 } else { 201 }, value)
    }
}

/// Parses an already-parsed JSON value into `T`, naming the field at fault.
pub(crate) fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(shape_error)
}

/// Names the field at fault; a missing field is named itself, not its parent.
fn shape_error(e: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = e.path().to_string();
    let message = e.into_inner().to_string();
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
        .map(str::to_owned);
    let field = match (path.as_str(), missing) {
        (".", Some(name)) => name,
        (".", None) => "body".to_owned(),
        (parent, Some(name)) => format!("{parent}.{name}"),
        (parent, None) => parent.to_owned(),
    };
    ApiError::invalid(field, message)
}

/// Parses JSON into `T`: syntax and the strict rules first (one object, no duplicate
/// keys, no integer a double cannot keep: `crate::strict`), then the shape, naming the
/// field at fault (`spec.scopes[1]`).
pub(crate) fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let value = crate::strict::read(body).map_err(|r| ApiError::invalid(r.field, r.message))?;
    serde_path_to_error::deserialize(crate::strict::Strict(&value)).map_err(shape_error)
}
