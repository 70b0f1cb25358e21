//! The three methods of the MCP endpoint. Protocol refusals are JSON-RPC errors (with
//! the HTTP status the transport specification gives them); the pipeline's own refusals
//! (token, rate limit) keep the REST error body.

use crate::catalog::{self, AgentTool};
use crate::control;
use crate::session::{self, Found, Session};
use crate::stream::StreamKey;
use crate::wait::{self, Watch};
use engine::create::{Creator, Origin};
use mcp_server::{code, error_result, Message, RpcError};
use model::error::ErrorCode;
use model::objective::CreateObjectiveRequest;
use model::scope::{Resource, Scope};
use serde_json::{json, Map, Value};
use web::{ApiError, Ctx, HandlerResult, Reply};

const SERVER_NAME: &str = "cadenya";
const INSTRUCTIONS: &str = "Each agent tool starts an objective on a Cadenya agent and answers with the agent's final answer (or its structured output). An objective that needs a person (a tool call waiting for approval) or runs longer than the wait answers with its objective id: follow it with cadenya_get_objective, and approve, deny or cancel with the other cadenya_ tools.";
/// The longest an agent tool call waits by default (Spin variable `mcp_call_timeout_seconds`).
const DEFAULT_WAIT_SECONDS: i64 = 120;

fn rpc(id: &Value, e: &RpcError) -> Reply {
    Reply::json(e.http, &e.body(id))
}

fn answer(id: &Value, result: Value) -> Reply {
    Reply::ok(&mcp_server::response(id, result))
}

fn header<'a>(ctx: &'a Ctx, name: &str) -> Option<&'a str> {
    ctx.headers.get(name).and_then(|v| v.to_str().ok())
}

/// The request's session, or the refusal the transport specification gives.
fn live_session(ctx: &Ctx, id: &Value) -> Result<Result<Session, Reply>, ApiError> {
    Ok(match session::find(ctx)? {
        Found::Live(s) => Ok(s),
        Found::Missing => Err(rpc(
            id,
            &RpcError::new(
                400,
                code::INVALID_REQUEST,
                "this request needs the Mcp-Session-Id header that `initialize` answered with",
            ),
        )),
        Found::Unknown => Err(rpc(
            id,
            &RpcError::new(
                404,
                code::SESSION_NOT_FOUND,
                "session not found: it ended, or belongs to another key; send `initialize` again",
            ),
        )),
    })
}

/// `POST`: one JSON-RPC message.
pub fn message(ctx: &Ctx) -> HandlerResult {
    if let Err(e) = mcp_server::check_version_header(header(ctx, "mcp-protocol-version")) {
        return Ok(rpc(&Value::Null, &e));
    }
    let (id, method, params) = match mcp_server::parse(ctx.body) {
        Err((id, e)) => return Ok(rpc(&id, &e)),
        Ok(Message::Notification { method, params }) => {
            if method == "notifications/cancelled" {
                cancel_call(ctx, &params)?;
            }
            return Ok(Reply {
                status: 202,
                body: None,
                content_type: None,
                headers: Vec::new(),
            });
        }
        Ok(Message::Response) => {
            return Ok(Reply {
                status: 202,
                body: None,
                content_type: None,
                headers: Vec::new(),
            })
        }
        Ok(Message::Request { id, method, params }) => (id, method, params),
    };
    if method == "initialize" {
        return initialize(ctx, &id, &params);
    }
    let mut session = match live_session(ctx, &id)? {
        Ok(s) => s,
        Err(refusal) => return Ok(refusal),
    };
    match method.as_str() {
        "ping" => Ok(answer(&id, json!({}))),
        "tools/list" => list_tools(ctx, &id, &mut session),
        "tools/call" => call_tool(ctx, &id, &params, &session),
        other => Ok(rpc(
            &id,
            &RpcError::in_band(
                code::METHOD_NOT_FOUND,
                format!("method `{other}` is not served here (this server offers tools)"),
            ),
        )),
    }
}

fn initialize(ctx: &Ctx, id: &Value, params: &Map<String, Value>) -> HandlerResult {
    let requested = params.get("protocolVersion").and_then(Value::as_str);
    let version = mcp_server::negotiate(requested);
    let s = session::open(ctx, version)?;
    let result = json!({
        "protocolVersion": version,
        "capabilities": {"tools": {"listChanged": true}},
        "serverInfo": {"name": SERVER_NAME, "version": env!("CARGO_PKG_VERSION")},
        "instructions": INSTRUCTIONS,
    });
    Ok(answer(id, result).with_header(session::HEADER, s.id))
}

fn list_tools(ctx: &Ctx, id: &Value, session: &mut Session) -> HandlerResult {
    let agents = if ctx
        .principal()?
        .scopes
        .allows(Scope::read(Resource::Agents))
    {
        catalog::agent_tools(ctx.db, ctx.workspace()?)?
    } else {
        Vec::new()
    };
    let fingerprint = catalog::fingerprint(&agents);
    if session.listed.as_deref() != Some(fingerprint.as_str()) {
        session.listed = Some(fingerprint);
        session::save(ctx, session)?;
    }
    let mut tools: Vec<Value> = agents.into_iter().map(|t| t.descriptor).collect();
    tools.extend(catalog::controls());
    Ok(answer(id, json!({ "tools": tools })))
}

/// What the model reads for a refusal; failures of the server itself stay errors.
fn told(e: ApiError, meta: Value) -> Result<Value, ApiError> {
    if matches!(e.code, ErrorCode::Internal | ErrorCode::Unavailable) {
        return Err(e);
    }
    let mut text = e.message;
    for d in &e.details {
        text.push_str(&format!("; {}: {}", d.field, d.message));
    }
    Ok(error_result(text, meta))
}

fn call_tool(
    ctx: &Ctx,
    id: &Value,
    params: &Map<String, Value>,
    session: &Session,
) -> HandlerResult {
    let invalid = |m: String| Ok(rpc(id, &RpcError::in_band(code::INVALID_PARAMS, m)));
    let Some(name) = params.get("name").and_then(Value::as_str) else {
        return invalid("`params.name` must name a tool".into());
    };
    let args = match params.get("arguments") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(a)) => a.clone(),
        Some(_) => return invalid("`params.arguments` must be an object".into()),
    };
    if catalog::is_control(name) {
        let result = control::call(ctx, name, &args).or_else(|e| told(e, json!({})))?;
        return Ok(answer(id, result));
    }
    let tools = catalog::agent_tools(ctx.db, ctx.workspace()?)?;
    let Some(tool) = tools.into_iter().find(|t| t.name == name) else {
        return invalid(format!(
            "unknown tool `{name}`; tools/list names this workspace's tools"
        ));
    };
    let meta = params.get("_meta").and_then(Value::as_object);
    let progress_token = meta.and_then(|m| m.get("progressToken")).cloned();
    let wait_ms = wait_ms(ctx, meta.and_then(|m| m.get("cadenya/waitSeconds")));
    let objective_id = match start(ctx, &tool, args) {
        Ok(objective_id) => objective_id,
        Err(e) => return Ok(answer(id, told(e, json!({}))?)),
    };
    let call_key = session::call_key(session, id);
    session::remember_call(ctx, &call_key, &objective_id)?;
    let watch = Watch {
        objective_id,
        structured: tool.structured(),
        deadline_ms: ctx.now_ms + wait_ms,
        call_key,
    };
    if accepts_event_stream(ctx) {
        let key = StreamKey::Call {
            request_id: id.clone(),
            progress_token,
            watch,
        };
        ctx.stream_after(serde_json::to_string(&key).map_err(|_| ApiError::internal())?);
        return Ok(Reply::event_stream());
    }
    Ok(answer(id, wait_inline(ctx, &watch)?))
}

/// The objective the agent tool starts, created exactly as `POST /v1/objectives` does.
fn start(ctx: &Ctx, tool: &AgentTool, args: Map<String, Value>) -> Result<String, ApiError> {
    ctx.require(Scope::write(Resource::Objectives))?;
    let (message, data) = mcp_server::split_arguments(&tool.shape, args)
        .map_err(|m| ApiError::invalid("arguments", m))?;
    let p = ctx.principal()?;
    let who = Creator {
        account_id: &p.account_id,
        workspace_id: ctx.workspace()?,
        profile_id: Some(&p.profile_id),
        may_use_drafts: false,
        keys: None,
    };
    let request = CreateObjectiveRequest {
        agent_id: tool.agent.metadata.id.clone(),
        variation_id: None,
        initial_message: message,
        data,
        memory_stack: None,
        episodic_key: None,
        secrets: None,
        metadata: None,
    };
    ctx.write(|db| {
        engine::create::create(
            db,
            ctx.env.random,
            ctx.now_ms,
            &who,
            request,
            Origin::default(),
        )
        .map_err(ApiError::from)
    })
}

/// How long a call waits: the operator's limit, or less if the call asks.
fn wait_ms(ctx: &Ctx, asked: Option<&Value>) -> i64 {
    let limit = ctx
        .env
        .vars
        .seconds_as_ms("mcp_call_timeout_seconds", DEFAULT_WAIT_SECONDS)
        / 1000;
    let seconds = asked
        .and_then(Value::as_f64)
        .filter(|s| *s >= 0.0)
        .map_or(limit as f64, |s| s.min(limit as f64));
    (seconds * 1000.0) as i64
}

fn accepts_event_stream(ctx: &Ctx) -> bool {
    header(ctx, "accept").is_some_and(|a| a.to_ascii_lowercase().contains("text/event-stream"))
}

/// A client gave up on an agent call (`notifications/cancelled`): its objective is
/// cancelled, as the specification asks of a request no longer wanted. Nothing to do
/// when the call already answered, or the objective ended or is another's.
fn cancel_call(ctx: &Ctx, params: &Map<String, Value>) -> Result<(), ApiError> {
    let Some(request_id) = mcp_server::cancelled_request(params) else {
        return Ok(());
    };
    let Found::Live(s) = session::find(ctx)? else {
        return Ok(());
    };
    let key = session::call_key(&s, request_id);
    let Some(objective_id) = session::called(ctx, &key)? else {
        return Ok(());
    };
    let mut args = Map::new();
    args.insert("objectiveId".into(), json!(objective_id));
    args.insert(
        "reason".into(),
        json!("the MCP client cancelled the tool call that started this objective"),
    );
    match control::call(ctx, catalog::CANCEL_OBJECTIVE, &args) {
        Ok(_) => {}
        Err(e) if matches!(e.code, ErrorCode::Internal | ErrorCode::Unavailable) => return Err(e),
        // already ended, or the token may not cancel: the call is simply abandoned
        Err(_) => {}
    }
    session::forget_call(ctx.env.kv, &key);
    Ok(())
}

/// The JSON-only answer: poll here until the objective settles or the wait ends.
fn wait_inline(ctx: &Ctx, w: &Watch) -> Result<Value, ApiError> {
    let result = wait::settle(ctx.db, ctx.env.clock, w, &mut |_, _| true);
    session::forget_call(ctx.env.kv, &w.call_key);
    // `None` is only for a stream whose client left; this wait never reports one
    result?.ok_or_else(ApiError::internal)
}

/// `GET`: the session's stream of notifications.
pub fn listen(ctx: &Ctx) -> HandlerResult {
    let s = match live_session(ctx, &Value::Null)? {
        Ok(s) => s,
        Err(refusal) => return Ok(refusal),
    };
    let key = StreamKey::Listen {
        workspace_id: ctx.workspace()?.to_owned(),
        agents_visible: ctx
            .principal()?
            .scopes
            .allows(Scope::read(Resource::Agents)),
        listed: s.listed,
    };
    ctx.stream_after(serde_json::to_string(&key).map_err(|_| ApiError::internal())?);
    Ok(Reply::event_stream())
}

/// `DELETE`: ends the session.
pub fn end_session(ctx: &Ctx) -> HandlerResult {
    let s = match live_session(ctx, &Value::Null)? {
        Ok(s) => s,
        Err(refusal) => return Ok(refusal),
    };
    session::end(ctx, &s)?;
    Ok(Reply::no_content())
}
