//! The request pipeline shared by every component.

use crate::auth;
use crate::cache::{self, CacheRead, Cached, Changed, Prefetched};
use crate::ctx::{Ctx, Principal};
use crate::error::ApiError;
use crate::query::Query;
use crate::ratelimit::{self, Limits};
use crate::reply::Reply;
use crate::router::{self, Routed};
use crate::{HandlerResult, BODY_LIMIT};
use api::{Auth, Method, Operation};
use model::enums::ApiKeyState;
use model::ids::{AuditLogId, Id, WorkspaceId};
use model::scope::ScopeSet;
use ports::{Env, HttpService};
use std::cell::RefCell;
use store::audit::Entry;
use store::identity::Reach;
use store::schema;
use store::Db;

pub type Handler = fn(&Ctx) -> HandlerResult;

/// One route a component serves.
pub struct Route {
    pub op: &'static Operation,
    pub handler: Handler,
}

/// Work a component does after the response is sent, for the keys its handlers
/// deferred with [`Ctx::defer`] (the objectives component runs the engine there).
pub type Background = fn(Env<'_>, &[String]);

/// Writes a streamed response body for the key a handler gave [`Ctx::stream_after`];
/// the writer returns false once the client is gone.
pub type Streamer = fn(Env<'_>, &str, &mut dyn FnMut(&[u8]) -> bool);

/// A component's routes, served with the shared pipeline.
pub struct App {
    pub background: Option<Background>,
    pub stream: Option<Streamer>,
    /// The cache entry a route's handler will read, so it is fetched in the same
    /// key-value call as the caller's key state (one round trip instead of two).
    pub prefetch: Option<Prefetch>,
    pub routes: &'static [Route],
}

/// What a route will read from the cache, given what is known before it runs.
pub type Prefetch = fn(&Operation, &Hint<'_>) -> Option<CacheRead>;

/// What is known of a request before its handler runs.
pub struct Hint<'a> {
    pub params: &'a [(String, String)],
    /// The raw query string.
    pub query: Option<&'a str>,
    /// The workspace when the path or the token names exactly one.
    pub workspace_id: Option<&'a str>,
    pub account_id: &'a str,
}

impl Hint<'_> {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The key-value key telling requests the database schema is current (its value:
/// the schema version, as 8 little-endian bytes).
const SCHEMA_CURRENT: &str = "schema:version";

/// What is known about a call for its audit row.
pub struct Audit {
    request_id: String,
    method: String,
    path: String,
    route: String,
    scope: Option<String>,
    token_id: Option<String>,
    profile_id: Option<String>,
    account_id: Option<String>,
    workspace_id: Option<String>,
    status: u16,
    started_ms: i64,
    latency_ms: i64,
    deferred: Vec<String>,
    stream: Option<String>,
}

impl HttpService for App {
    type After = Audit;

    fn handle(
        &self,
        env: Env<'_>,
        req: http::Request<Vec<u8>>,
    ) -> (http::Response<Vec<u8>>, Audit) {
        let started_ms = env.clock.now_ms();
        let request_id = request_id(&req, &env);
        let mut audit = Audit {
            request_id: request_id.clone(),
            method: req.method().as_str().to_owned(),
            path: req.uri().path().to_owned(),
            route: req.uri().path().to_owned(),
            scope: None,
            token_id: None,
            profile_id: None,
            account_id: None,
            workspace_id: None,
            status: 0,
            started_ms,
            latency_ms: 0,
            deferred: Vec::new(),
            stream: None,
        };
        let db = Db::new(env.sql);
        let result = self.dispatch(env, &db, &req, &request_id, &mut audit);
        let response = respond(result, &request_id);
        audit.status = response.status().as_u16();
        audit.latency_ms = (env.clock.now_ms() - started_ms).max(0);
        (response, audit)
    }

    fn after(&self, env: Env<'_>, audit: Audit) {
        let entry = Entry {
            id: AuditLogId::generate(audit.started_ms, env.random.next_u128()).into_string(),
            account_id: audit.account_id,
            workspace_id: audit.workspace_id,
            token_id: audit.token_id,
            profile_id: audit.profile_id,
            request_id: audit.request_id,
            method: audit.method,
            route: audit.route,
            path: audit.path,
            scope: audit.scope,
            status: audit.status,
            latency_ms: audit.latency_ms,
            created_at_ms: audit.started_ms,
        };
        audit::record(env, &entry);
        if let (Some(background), false) = (self.background, audit.deferred.is_empty()) {
            background(env, &audit.deferred);
        }
    }

    fn streams(&self, audit: &Audit) -> bool {
        self.stream.is_some() && audit.stream.is_some()
    }

    fn stream(&self, env: Env<'_>, audit: &Audit, write: &mut dyn FnMut(&[u8]) -> bool) {
        if let (Some(stream), Some(key)) = (self.stream, &audit.stream) {
            stream(env, key, write);
        }
    }

    fn body_limit(&self) -> usize {
        BODY_LIMIT
    }
}

impl App {
    /// The request's one key-value read before its handler: the key's state, whether
    /// the schema is current, and what the route will read from the cache.
    fn read_ahead(
        &self,
        env: Env<'_>,
        claims: &auth::TokenClaims,
        m: &router::Match<'_>,
        query: Option<&str>,
    ) -> Prefetched {
        let mut keys = vec![
            key_entry(&claims.key_id),
            Changed::ApiKey(&claims.key_id).counter(),
            SCHEMA_CURRENT.to_owned(),
        ];
        if let Some(prefetch) = self.prefetch {
            let workspace_id = if m.short {
                match claims.workspaces.as_slice() {
                    [one] if one != "*" => Some(one.as_str()),
                    _ => None,
                }
            } else {
                m.params
                    .iter()
                    .find(|(k, _)| k == "workspaceId")
                    .map(|(_, v)| v.as_str())
            };
            let hint = Hint {
                params: &m.params,
                query,
                workspace_id,
                account_id: &claims.account_id,
            };
            if let Some(read) = prefetch(m.route.op, &hint) {
                keys.push(read.key);
                keys.extend(read.gens);
            }
        }
        Prefetched::read(env.kv, keys)
    }

    fn dispatch(
        &self,
        env: Env<'_>,
        db: &Db<'_>,
        req: &http::Request<Vec<u8>>,
        request_id: &str,
        audit: &mut Audit,
    ) -> HandlerResult {
        let now_ms = env.clock.now_ms();
        // Whatever happens next, a call with a verifiable token is attributed to it.
        let claims = req
            .headers()
            .get("authorization")
            .map(|v| match v.to_str() {
                Ok(h) => verify_token(env, h, now_ms),
                Err(_) => Err(ApiError::unauthorized(
                    "malformed token: the Authorization header must be ASCII",
                )),
            });
        if let Some(Ok(c)) = &claims {
            attribute(audit, c);
        }
        if req.body().len() > BODY_LIMIT {
            return Err(ApiError::new(
                model::error::ErrorCode::PayloadTooLarge,
                format!("request bodies are limited to {BODY_LIMIT} bytes"),
            ));
        }
        let path = req.uri().path();
        let m = match router::route(self.routes, req.method().as_str(), path) {
            Routed::Found(m) => m,
            Routed::MethodNotAllowed(allowed) => {
                let mut e = ApiError::new(
                    model::error::ErrorCode::MethodNotAllowed,
                    format!("{} is not supported on {path}", req.method()),
                );
                e.allow = allowed.into_iter().map(Method::as_str).collect();
                return Err(e);
            }
            Routed::NotFound => {
                return Err(ApiError::not_found(format!(
                    "no route {} {path}",
                    req.method()
                )))
            }
        };
        let op = m.route.op;
        audit.route = m.template.clone();
        audit.scope = op.scope().map(|s| s.to_string());

        let mut prefetched = Prefetched::default();
        let principal = match op.auth {
            Auth::Token(_) => {
                let claims = claims.unwrap_or_else(|| Err(auth::missing_token()))?;
                prefetched = self.read_ahead(env, &claims, &m, req.uri().query());
                if prefetched.get(SCHEMA_CURRENT).flatten().as_deref()
                    == Some(&schema::LATEST.to_le_bytes()[..])
                {
                    db.assume_schema_current();
                }
                Some(load_principal(env, db, &prefetched, claims, now_ms)?)
            }
            Auth::Public | Auth::Bootstrap => None,
        };
        if let Some(p) = &principal {
            if let Some(limits) = Limits::from_env(&env) {
                if let Err(wait) = ratelimit::take(env.kv, &p.key_id, limits, now_ms) {
                    let mut e = ApiError::new(
                        model::error::ErrorCode::RateLimited,
                        format!(
                            "rate limit of {} requests/second exceeded; retry in {wait}s",
                            limits.per_second
                        ),
                    );
                    e.retry_after = Some(wait);
                    return Err(e);
                }
            }
        }
        let workspace_id = match &principal {
            Some(p) => resolve_workspace(db, p, &m)?,
            None => None,
        };
        audit.workspace_id = workspace_id.clone().or_else(|| audit.workspace_id.take());
        if let (Some(p), Some(needed)) = (&principal, op.scope()) {
            if !p.scopes.allows(needed) {
                return Err(ApiError::forbidden(format!(
                    "this token lacks the `{needed}` scope"
                )));
            }
        }

        refuse_other_media_types(req)?;
        let query = Query::parse(req.uri().query())?;
        for name in query.names() {
            if op.accepts_query(name).is_none() {
                return Err(ApiError::invalid(
                    name,
                    format!("unknown query parameter `{name}`"),
                ));
            }
        }
        let dry_run = op.dry_run && query.bool("dryRun")?;
        let deferred = RefCell::new(Vec::new());
        let stream = RefCell::new(None);
        let exercised = std::cell::Cell::new(None);
        let ctx = Ctx {
            env,
            db,
            now_ms,
            request_id,
            op,
            principal: principal.as_ref(),
            workspace_id: workspace_id.as_deref(),
            params: &m.params,
            query: &query,
            headers: req.headers(),
            body: req.body(),
            dry_run,
            deferred: &deferred,
            stream: &stream,
            prefetched: &prefetched,
            exercised: &exercised,
        };
        let result = (m.route.handler)(&ctx);
        if let Some(scope) = exercised.get() {
            audit.scope = Some(scope.to_string());
        }
        if db.checked_schema() {
            // later requests may skip the check (a failed write only costs them one)
            let _ = env.kv.set(SCHEMA_CURRENT, &schema::LATEST.to_le_bytes());
        }
        if result.is_ok() {
            audit.deferred = deferred.into_inner();
            audit.stream = stream.into_inner();
        }
        result
    }
}

/// A request body is JSON: a `Content-Type` naming anything else (parameters such as
/// `charset` allowed) is refused with 415. No `Content-Type` at all is accepted, as
/// curl sends none by default.
fn refuse_other_media_types(req: &http::Request<Vec<u8>>) -> Result<(), ApiError> {
    if req.body().iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    let Some(value) = req.headers().get(http::header::CONTENT_TYPE) else {
        return Ok(());
    };
    let essence = value
        .to_str()
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim();
    if essence.eq_ignore_ascii_case("application/json") {
        return Ok(());
    }
    let mut e = ApiError::new(
        model::error::ErrorCode::UnsupportedMediaType,
        format!("request bodies are JSON: send `Content-Type: application/json`, not `{essence}`"),
    );
    e.details = vec![model::FieldViolation {
        field: "Content-Type".into(),
        message: "must be application/json".into(),
    }];
    Err(e)
}

/// Checks an `Authorization` header's token: signature and expiry, no database.
fn verify_token(env: Env<'_>, header: &str, now_ms: i64) -> Result<auth::TokenClaims, ApiError> {
    let token = auth::bearer(Some(header))?;
    let secret = auth::secret(env.vars)?;
    auth::verify(&secret, token, now_ms)
}

/// Audit attribution from verified claims: the key, its profile and account, and its
/// workspace when it has exactly one (the request may still name another).
fn attribute(audit: &mut Audit, claims: &auth::TokenClaims) {
    audit.token_id = Some(claims.key_id.clone());
    audit.profile_id = Some(claims.profile_id.clone());
    audit.account_id = Some(claims.account_id.clone());
    if let [only] = claims.workspaces.as_slice() {
        if only != "*" {
            audit.workspace_id = Some(only.clone());
        }
    }
}

/// Loads the key behind verified claims and checks it may still act.
fn load_principal(
    env: Env<'_>,
    db: &Db<'_>,
    pre: &Prefetched,
    claims: auth::TokenClaims,
    now_ms: i64,
) -> Result<Principal, ApiError> {
    let key = key_state(env, db, pre, &claims.key_id)?
        .ok_or_else(|| ApiError::unauthorized("token refers to an unknown API key"))?;
    if key.revoked {
        return Err(ApiError::unauthorized("this API key was revoked"));
    }
    if key.state != ApiKeyState::Enabled {
        return Err(ApiError::unauthorized("this API key is disabled"));
    }
    if key.version != claims.version {
        return Err(ApiError::unauthorized(
            "this token was replaced by :rotate; use the newest token",
        ));
    }
    if key.expires_at.is_some_and(|exp| exp <= now_ms) {
        return Err(ApiError::unauthorized("token expired"));
    }
    if key.key_profile_id != claims.profile_id || key.account_id != claims.account_id {
        return Err(ApiError::unauthorized(
            "invalid token: claims do not match the API key",
        ));
    }
    Ok(Principal {
        key_id: claims.key_id,
        profile_id: key.key_profile_id,
        account_id: key.account_id,
        scopes: ScopeSet::from_stored(&key.scopes),
        workspaces: key.workspace_ids,
        home_workspace_id: key.home_workspace_id,
        expires_at_ms: key.expires_at,
    })
}

/// A key's current state: from the key-value store while no key mutation has
/// happened since it was cached (see [`crate::cache`]), else from SQL. Every key
/// mutation bumps the key's generation before it answers, so a revoked, disabled,
/// rotated or narrowed key is refused on the next request, on any instance.
fn key_state(
    env: Env<'_>,
    db: &Db<'_>,
    pre: &Prefetched,
    key_id: &str,
) -> Result<Option<store::api_keys::AuthRecord>, ApiError> {
    let entry = key_entry(key_id);
    let gens = [Changed::ApiKey(key_id).counter()];
    let stamp = match cache::read(env.kv, pre, &entry, &gens) {
        Cached::Hit(raw) => match serde_json::from_slice(&raw) {
            Ok(record) => return Ok(record),
            Err(_) => None,
        },
        Cached::Miss(stamp) => Some(stamp),
        Cached::Unavailable => None,
    };
    let record = store::api_keys::auth_lookup(db, key_id)?;
    if let (Some(stamp), Ok(raw)) = (stamp, serde_json::to_vec(&record)) {
        cache::fill(env.kv, &entry, &stamp, &raw);
    }
    Ok(record)
}

/// The cache entry of a key's state.
fn key_entry(key_id: &str) -> String {
    format!("c:key:{key_id}")
}

/// The workspace a request acts in: from the path (which the token must reach; other
/// workspaces look like they do not exist) or, on short-form routes, from the token.
fn resolve_workspace(
    db: &Db<'_>,
    p: &Principal,
    m: &router::Match<'_>,
) -> Result<Option<String>, ApiError> {
    if m.short {
        return match p.reach() {
            Reach::Only([one]) => Ok(Some(one.clone())),
            _ => Err(ApiError::invalid(
                "path",
                "this token reaches several workspaces; use the canonical route /v1/workspaces/{workspaceId}/…",
            )),
        };
    }
    let Some((_, raw)) = m.params.iter().find(|(k, _)| k == "workspaceId") else {
        return Ok(None);
    };
    let id: WorkspaceId = Id::parse(raw).map_err(|e| ApiError::invalid("workspaceId", e))?;
    let not_found = || ApiError::not_found(format!("workspace {id} not found"));
    match p.reach() {
        Reach::Only(ids) if !ids.iter().any(|w| w == id.as_str()) => Err(not_found()),
        Reach::Only(_) => Ok(Some(id.into_string())),
        Reach::All => match store::identity::get_workspace(db, &p.account_id, id.as_str())? {
            Some(_) => Ok(Some(id.into_string())),
            None => Err(not_found()),
        },
    }
}

fn request_id(req: &http::Request<Vec<u8>>, env: &Env<'_>) -> String {
    let given = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok());
    ports::request_id(given, env)
}

fn respond(result: HandlerResult, request_id: &str) -> http::Response<Vec<u8>> {
    let mut builder = http::Response::builder()
        .header("x-request-id", request_id)
        .header("cache-control", "no-store");
    let (status, body) = match result {
        Ok(Reply {
            status,
            body,
            content_type,
            headers,
        }) => {
            for (name, value) in headers {
                builder = builder.header(name, value);
            }
            if let Some(content_type) = content_type {
                return builder
                    .header("content-type", content_type)
                    .status(status)
                    .body(body.unwrap_or_default())
                    .unwrap_or_else(|_| http::Response::new(Vec::new()));
            }
            (status, body)
        }
        Err(e) => {
            if e.code == model::error::ErrorCode::Internal {
                eprintln!("request {request_id}: internal error: {}", e.message);
            }
            if let Some(wait) = e.retry_after {
                builder = builder.header("retry-after", wait.to_string());
            }
            if !e.allow.is_empty() {
                builder = builder.header("allow", e.allow.join(", "));
            }
            let body = serde_json::to_vec(&e.body()).unwrap_or_default();
            (e.status(), Some(body))
        }
    };
    if body.is_some() {
        builder = builder.header("content-type", "application/json");
    }
    builder
        .status(status)
        .body(body.unwrap_or_default())
        .unwrap_or_else(|_| http::Response::new(Vec::new()))
}
