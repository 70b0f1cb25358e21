//! `/openapi.json`: OpenAPI 3.1, generated from the catalog and the wire types.

use crate::{short_form, Auth, Operation, ParamKind};
use model::error::ErrorBody;
use schemars::generate::SchemaSettings;
use serde_json::{json, Map, Value};

/// The whole document.
pub fn document() -> Value {
    let mut generator = SchemaSettings::draft2020_12()
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        })
        .into_generator();
    let error = generator.subschema_for::<ErrorBody>();

    let mut paths = Map::new();
    for op in crate::all() {
        let mut forms = vec![(op.path.to_owned(), op.id.to_owned(), false)];
        if op.short_form {
            if let Some(short) = short_form(op.path) {
                forms.push((short, format!("{}InTokenWorkspace", op.id), true));
            }
        }
        for (path, id, short) in forms {
            let operation = operation(op, &id, &path, short, &mut generator);
            let item = paths.entry(path).or_insert_with(|| json!({}));
            item[op.method.as_str().to_ascii_lowercase()] = operation;
        }
    }

    let schemas = generator.take_definitions(true);
    let error_response = |description: &str| json!({"description": description, "content": {"application/json": {"schema": error.clone()}}});
    let mut rate_limited = error_response("Rate limit exceeded; retry after `Retry-After` seconds");
    rate_limited["headers"] =
        json!({"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait"}});
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Cadenya API (self-hosted, Spin)",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Agents, variations, schedules and objectives behind scoped, audited, rate-limited tokens. \
                            Errors are `{\"error\": {\"code\", \"message\", \"details\"}}`; every response carries `x-request-id`."
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
            "schemas": schemas,
            "responses": {
                "BadRequest": error_response("Invalid request; `details` names each bad field"),
                "Unauthorized": error_response("Missing, invalid, expired, revoked, disabled or rotated token"),
                "Forbidden": error_response("The token lacks the scope named in the message"),
                "NotFound": error_response("No such resource in a workspace the token reaches"),
                "MethodNotAllowed": error_response("The path exists; the method does not (see `Allow`)"),
                "Conflict": error_response("Conflicts with the current state"),
                "PayloadTooLarge": error_response("Request body over 1 MiB"),
                "UnsupportedMediaType": error_response("A body sent with a `Content-Type` other than `application/json` (none is read as JSON)"),
                "Unavailable": error_response("The database is unreachable or shedding load; retry shortly"),
                "RateLimited": rate_limited,
                "Internal": error_response("Unexpected failure; quote `x-request-id`")
            }
        }
    })
}

fn operation(
    op: &Operation,
    id: &str,
    path: &str,
    short: bool,
    g: &mut schemars::SchemaGenerator,
) -> Value {
    let mut parameters = Vec::new();
    for name in path_params(path) {
        let mut schema = json!({"type": "string"});
        if let Some(prefix) = id_prefix(path, name) {
            schema["pattern"] = json!(id_pattern(prefix));
        }
        parameters.push(json!({
            "name": name, "in": "path", "required": true, "schema": schema,
            "description": if name == "id" || name.ends_with("Id") { "Id, or `external_id:<value>` where supported" } else { "" }
        }));
    }
    for p in op.query {
        parameters.push(query_param(p.name, p.kind, p.description));
    }
    if op.dry_run {
        parameters.push(query_param(
            "dryRun",
            ParamKind::Boolean,
            "Validate and return the would-be result without storing anything.",
        ));
    }

    let mut responses = Map::new();
    let ok = match op.response {
        // `…:stream` operations answer server-sent events: the schema is one event (its
        // `id` and its `data`, a JSON text of the operation's value), as SSE parsers and
        // fuzzers read them; `: keep-alive` comments are not events
        Some(schema) if op.path.ends_with(":stream") => json!({
            "description": "A text/event-stream: per item `id: <id>` and `data: <JSON>`; `: keep-alive` comments while idle",
            "content": {"text/event-stream": {"schema": {
                "type": "object",
                "properties": {
                    "id": {"type": "string", "description": "The item's id; send it back as `Last-Event-ID` to resume after it"},
                    "event": {"type": "string"},
                    "retry": {"type": "integer"},
                    "data": {
                        "type": "string",
                        "contentMediaType": "application/json",
                        "contentSchema": schema(g)
                    }
                },
                "required": ["id", "data"]
            }}}
        }),
        Some(schema) => json!({
            "description": "Success",
            "content": {"application/json": {"schema": schema(g)}}
        }),
        None => json!({"description": "Success, no content"}),
    };
    responses.insert(op.status.to_string(), ok);
    if op.dry_run && op.status == 201 {
        responses.insert(
            "200".into(),
            json!({"description": "Dry run: the would-be result, nothing stored",
                   "content": {"application/json": {"schema": op.response.map(|s| s(g))}}}),
        );
    }
    let mut refs = vec![
        ("400", "BadRequest"),
        ("404", "NotFound"),
        ("405", "MethodNotAllowed"),
        ("413", "PayloadTooLarge"),
        ("500", "Internal"),
    ];
    match op.auth {
        Auth::Token(_) => refs.extend([
            ("401", "Unauthorized"),
            ("403", "Forbidden"),
            ("429", "RateLimited"),
        ]),
        Auth::Bootstrap => refs.push(("401", "Unauthorized")),
        Auth::Public => {}
    }
    if op.method.mutates() {
        refs.push(("409", "Conflict"));
    }
    if op.body.is_some() {
        refs.push(("415", "UnsupportedMediaType"));
    }
    if matches!(op.auth, Auth::Token(_) | Auth::Bootstrap) {
        refs.push(("503", "Unavailable"));
    }
    for (status, name) in refs {
        responses.insert(
            status.into(),
            json!({"$ref": format!("#/components/responses/{name}")}),
        );
    }

    let mut out = json!({
        "operationId": id,
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": parameters,
        "responses": responses,
    });
    if let Some(body) = op.body {
        let mut schema = body(g).to_value();
        if names_on_create(g, &schema) {
            // creates require `metadata.name`; the input type is shared with updates
            schema = json!({"allOf": [schema, {
                "required": ["metadata"],
                "properties": {"metadata": {"required": ["name"]}}
            }]});
        }
        let mut media = json!({"schema": schema});
        if let Some(example) = crate::examples::body(op.id) {
            media["example"] = example;
        }
        out["requestBody"] = json!({"required": true, "content": {"application/json": media}});
    }
    let mut description = describe(op, path);
    match op.auth {
        Auth::Public => {
            out["security"] = json!([]);
            description.push_str(" No token needed.");
        }
        Auth::Bootstrap => {
            out["security"] = json!([{"bearerAuth": []}]);
            description.push_str(
                " Authenticate with the operator's `bootstrap_token` Spin variable, not an API key.",
            );
        }
        Auth::Token(scope) => {
            if let Some(s) = scope {
                out["x-required-scope"] = json!(s.to_string());
            }
        }
    }
    out["description"] = json!(description);
    if short {
        let d = out["description"].as_str().unwrap_or_default().to_owned();
        out["description"] = json!(format!(
            "{d} Short form: acts in the token's workspace (tokens reaching several workspaces must use the canonical route)."
        )
        .trim()
        .to_owned());
    }
    out
}

fn query_param(name: &str, kind: ParamKind, description: &str) -> Value {
    let schema = match kind {
        ParamKind::String => json!({"type": "string"}),
        // 0 and absent mean the default; above the maximum is coerced to it (AIP-158)
        ParamKind::Integer if name == "limit" => {
            json!({"type": "integer", "minimum": 0, "default": 50})
        }
        ParamKind::Integer => json!({"type": "integer"}),
        ParamKind::Boolean => json!({"type": "boolean"}),
        ParamKind::StringList => json!({"type": "array", "items": {"type": "string"}}),
    };
    let mut p = json!({"name": name, "in": "query", "required": false, "schema": schema, "description": description});
    if kind == ParamKind::StringList {
        p["explode"] = json!(true);
    }
    p
}

/// What a caller (a person or a tool-using model) needs to call `op` right: the scope,
/// the body, the ids it takes, paging, dry runs and what each failure means.
fn describe(op: &Operation, path: &str) -> String {
    let mut d = vec![format!("{}.", op.summary.trim_end_matches('.'))];
    if let Some(s) = op.scope() {
        d.push(format!(
            "Requires the `{s}` scope (or `{}:*`, or `*`).",
            s.to_string().split(':').next().unwrap_or_default()
        ));
    }
    if path_params(path).iter().any(|p| *p != "workspaceId") {
        d.push(
            "Ids in the path are the `prefix_ULID` ids the API returns; resources with an \
             external id also answer to `external_id:<value>`."
                .into(),
        );
    }
    if op.body.is_some() {
        let patch = op.method == crate::Method::Patch;
        d.push(format!(
            "Send one JSON object (`Content-Type: application/json`; unknown fields, duplicate keys \
             and arrays are refused){}.",
            if patch {
                "; only the fields given (or named in `updateMask`) change"
            } else {
                ""
            }
        ));
    }
    match (op.status, op.response.is_some()) {
        (201, _) => d.push("Answers 201 with the created resource.".into()),
        (204, _) | (_, false) => d.push(format!("Answers {} with no body.", op.status)),
        _ => {}
    }
    if op.query.iter().any(|p| p.name == "cursor") {
        d.push(
            "Paginated: `limit` (default 50, at most 200) and `cursor` (the previous page's \
             `pagination.nextCursor`); `pagination.total` counts every match."
                .into(),
        );
    }
    if op.dry_run {
        d.push(
            "With `dryRun=true` the request is validated and the would-be result returned (200); \
             nothing is stored."
                .into(),
        );
    }
    d.push(
        "Errors are `{error: {code, message, details?}}`: 400 names each bad field in `details`, \
         404 means no such resource in a workspace the token reaches, 409 a conflicting state."
            .into(),
    );
    d.join(" ")
}

/// Whether `schema` is a create body whose `metadata` is the shared input type (its
/// `name` optional on update, required on create).
fn names_on_create(g: &schemars::SchemaGenerator, schema: &Value) -> bool {
    let Some(name) = schema["$ref"].as_str().and_then(|r| r.rsplit('/').next()) else {
        return false;
    };
    let Some(def) = g.definitions().get(name) else {
        return false;
    };
    let metadata_required = def["required"]
        .as_array()
        .is_some_and(|r| r.iter().any(|f| f == "metadata"));
    metadata_required
        && def["properties"]["metadata"]["$ref"]
            .as_str()
            .is_some_and(|r| r.ends_with("/MetadataInput"))
}

/// The id prefix path parameter `name` takes: from its name, or for `{id}` from the
/// collection before it.
fn id_prefix(path: &str, name: &str) -> Option<&'static str> {
    use model::ids::*;
    Some(match name {
        "workspaceId" => WorkspaceKind::PREFIX,
        "agentId" => AgentKind::PREFIX,
        "variationId" => VariationKind::PREFIX,
        "objectiveId" => ObjectiveKind::PREFIX,
        "toolSetId" => ToolSetKind::PREFIX,
        "memoryLayerId" => MemoryLayerKind::PREFIX,
        "id" => {
            let before = path.split("/{id}").next()?;
            match before.rsplit('/').next()? {
                "agents" => AgentKind::PREFIX,
                "ai_provider_keys" => ProviderKeyKind::PREFIX,
                "api_keys" => ApiKeyKind::PREFIX,
                "assignments" => AssignmentKind::PREFIX,
                "entries" => MemoryEntryKind::PREFIX,
                "memory_layer_assignments" => MemoryLayerAssignmentKind::PREFIX,
                "memory_layers" => MemoryLayerKind::PREFIX,
                "models" => ModelKind::PREFIX,
                "objectives" => ObjectiveKind::PREFIX,
                "schedules" => ScheduleKind::PREFIX,
                "tasks" => TaskKind::PREFIX,
                "tool_calls" => ToolCallKind::PREFIX,
                "tool_sets" => ToolSetKind::PREFIX,
                "tools" => ToolKind::PREFIX,
                "variations" => VariationKind::PREFIX,
                "webhook_deliveries" => DeliveryKind::PREFIX,
                "workspace_secrets" => SecretKind::PREFIX,
                "workspaces" => WorkspaceKind::PREFIX,
                _ => return None,
            }
        }
        _ => return None,
    })
}

/// An id of `prefix` (a ULID after it) or an external id reference. A superset of what
/// the server accepts: a ULID must also decode, and not every kind has external ids.
fn id_pattern(prefix: &str) -> String {
    format!(
        "^({prefix}_[0-9A-Za-z]{{26}}|external_id:[A-Za-z0-9._~:@+=-]{{1,{}}})$",
        model::metadata::MAX_EXTERNAL_ID_CHARS
    )
}

fn path_params(path: &str) -> Vec<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(n, _)| n))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_covers_every_operation_in_both_forms() {
        let doc = document();
        assert_eq!(doc["openapi"], "3.1.0");
        for op in crate::all() {
            let method = op.method.as_str().to_ascii_lowercase();
            assert!(
                doc["paths"][op.path][&method].is_object(),
                "{} missing",
                op.id
            );
            if let (true, Some(short)) = (op.short_form, short_form(op.path)) {
                assert!(
                    doc["paths"][&short][&method].is_object(),
                    "{} short form missing",
                    op.id
                );
            }
        }
    }

    #[test]
    fn every_reference_resolves() {
        let doc = document();
        let text = doc.to_string();
        for piece in text.split("\"$ref\":\"").skip(1) {
            let target = piece.split('"').next().unwrap();
            let pointer = target.trim_start_matches('#');
            assert!(doc.pointer(pointer).is_some(), "dangling $ref {target}");
        }
    }

    #[test]
    fn path_params_are_found() {
        assert_eq!(
            path_params("/v1/workspaces/{workspaceId}/agents/{id}:publish"),
            ["workspaceId", "id"]
        );
    }
}

#[cfg(test)]
mod error_envelope_tests {
    #[test]
    fn details_are_optional_in_the_error_envelope() {
        let doc = super::document();
        let detail = &doc["components"]["schemas"]["ErrorDetail"];
        let required: Vec<&str> = detail["required"]
            .as_array()
            .map(|r| r.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        assert_eq!(required, ["code", "message"], "{detail}");
    }
}
