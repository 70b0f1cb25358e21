//! An example request body for every operation that takes one, as `/openapi.json` shows
//! it: each one is accepted by the server as written (given ids that exist), which the
//! e2e suite checks against the schema and, for creates, against the server itself.

use serde_json::{json, Value};

/// The example body of operation `id` (its canonical `operationId`).
pub fn body(id: &str) -> Option<Value> {
    let labels = json!({"team": "support"});
    Some(match id {
        "bootstrap" => json!({"accountName": "Acme", "workspaceName": "production"}),
        "createWorkspace" => {
            json!({"metadata": {"name": "staging"}, "spec": {"description": "Pre-release agents"}})
        }
        "createApiKey" => json!({
            "metadata": {"name": "support-bot"},
            "spec": {"scopes": ["agents:read", "objectives:write"], "expiresAt": "2030-01-01T00:00:00Z"}
        }),
        "updateApiKey" => {
            json!({"metadata": {"name": "support-bot (read only)"}, "spec": {"scopes": ["agents:read"]}})
        }
        "createAgent" => json!({
            "metadata": {"name": "Customer Support Agent", "externalId": "support-v1", "labels": labels},
            "spec": {
                "description": "Answers order questions",
                "status": "AGENT_STATUS_PUBLISHED",
                "variationSelectionMode": "VARIATION_SELECTION_MODE_WEIGHTED",
                "inputDataSchema": {
                    "type": "object",
                    "properties": {"customer": {"type": "string"}},
                    "required": ["customer"]
                }
            }
        }),
        "updateAgent" => {
            json!({"spec": {"status": "AGENT_STATUS_ARCHIVED"}, "updateMask": "spec.status"})
        }
        "createVariation" => json!({
            "metadata": {"name": "concise"},
            "spec": {
                "prompt": "You help {{ customer }} with their orders. Be brief.",
                "modelConfig": {"modelId": "openai/gpt-4o-mini", "temperature": 0.2},
                "weight": 1,
                "constraints": {"maxToolCalls": 20, "maxSubObjectives": 3},
                "compactionConfig": {"triggerThreshold": 0.75}
            }
        }),
        "updateVariation" => json!({"spec": {"weight": 3}, "updateMask": "spec.weight"}),
        "addVariationAssignment" => json!({"toolId": "tool_01J9Z3NDEKTSV4RRFFQ69G5FAV"}),
        "addVariationMemoryLayer" => {
            json!({"memoryLayerId": "memlyr_01J9Z3NDEKTSV4RRFFQ69G5FAV", "position": 10})
        }
        "updateVariationMemoryLayer" => json!({"position": 20}),
        "createSchedule" => json!({
            "metadata": {"name": "nightly report"},
            "spec": {
                "initialMessage": "Summarise yesterday's tickets",
                "data": {"customer": "all"},
                "schedule": {"intervals": [{"every": "24h", "offset": "2h"}], "timezone": "Europe/Paris"},
                "overlapPolicy": "OVERLAP_POLICY_SKIP"
            }
        }),
        "updateSchedule" => {
            json!({"spec": {"status": "AGENT_SCHEDULE_STATUS_PAUSED"}, "updateMask": "spec.status"})
        }
        "createToolSet" => json!({
            "metadata": {"name": "orders-api"},
            "spec": {
                "description": "The order service",
                "adapter": {"type": "http", "http": {
                    "baseUrl": "https://orders.example.com/api",
                    "headers": {"Authorization": "Bearer {{secrets.ORDERS_TOKEN}}"}
                }}
            }
        }),
        "updateToolSet" => {
            json!({"spec": {"description": "The order service (v2)"}, "updateMask": "spec.description"})
        }
        "createTool" => json!({
            "metadata": {"name": "create_order"},
            "spec": {
                "description": "Create an order for a customer",
                "parameters": {
                    "type": "object",
                    "properties": {"orderId": {"type": "string"}, "quantity": {"type": "integer"}},
                    "required": ["orderId", "quantity"]
                },
                "requiresApproval": true,
                "config": {"type": "http", "http": {"requestMethod": "POST", "path": "/orders/{orderId}"}}
            }
        }),
        "updateTool" => {
            json!({"spec": {"requiresApproval": false}, "updateMask": "spec.requiresApproval"})
        }
        "createWorkspaceSecret" => {
            json!({"metadata": {"name": "ORDERS_TOKEN"}, "spec": {"value": "s3cr3t-value"}})
        }
        "updateWorkspaceSecret" => json!({"spec": {"value": "rotated-value"}}),
        "createAiProviderKey" => json!({
            "metadata": {"name": "Ollama on the GPU box", "externalId": "local-llm"},
            "spec": {
                "provider": "AI_PROVIDER_OPENAI_COMPATIBLE",
                "config": {"type": "openaiCompatible", "openaiCompatible": {"baseUrl": "http://127.0.0.1:11434/v1"}},
                "credentials": {"type": "apiKey", "apiKey": {"apiKey": "sk-local-example"}}
            }
        }),
        "swapModelOnVariations" => json!({
            "modelSwaps": [{
                "currentModelId": "external_id:openai/gpt-4o",
                "nextModelId": "external_id:openai/gpt-4.1",
                "disableCurrentAfterSwap": true
            }]
        }),
        "updateAiProviderKey" => json!({
            "spec": {"credentials": {"type": "apiKey", "apiKey": {"apiKey": "sk-rotated-example"}}},
            "updateMask": "spec.credentials"
        }),
        "createMemoryLayer" => json!({
            "metadata": {"name": "refund policy"},
            "spec": {"description": "What agents must know about refunds"}
        }),
        "updateMemoryLayer" => {
            json!({"spec": {"description": "Refunds, 2026 edition"}, "updateMask": "spec.description"})
        }
        "createMemoryEntry" => json!({
            "spec": {"key": "skills/refunds", "content": "Refunds take 5 business days.", "description": "refund delay"}
        }),
        "updateMemoryEntry" => {
            json!({"spec": {"content": "Refunds take 3 business days."}, "updateMask": "spec.content"})
        }
        "createObjective" => json!({
            "agentId": "agent_01J9Z3NDEKTSV4RRFFQ69G5FAV",
            "initialMessage": "Where is my parcel?",
            "data": {"customer": "Ada"},
            "metadata": {"externalId": "ticket-4711", "labels": {"channel": "email"}}
        }),
        "continueObjective" => json!({"message": "Please also check the second order."}),
        "cancelObjective" => json!({"reason": "The customer called instead"}),
        "compactObjective" => {
            json!({"compactionConfig": {"toolResultClearing": {"preserveRecentResults": 2}}})
        }
        "denyToolCall" => json!({"memo": "Orders above 10 units need a manager"}),
        "setToolCallContent" => json!({"content": "In stock: 12 units"}),
        "createObjectiveFeedback" => {
            json!({"data": {"score": 1, "comment": "Solved on the first try"}})
        }
        _ => return None,
    })
}
