//! Agent variations, their assignments and memory layer assignments (docs/api.md §6.2, §3).

use crate::identity::Profile;
use crate::metadata::{MetadataInput, ResourceMetadata};
use crate::patch::{Section, METADATA_FIELDS};
use crate::template::check_liquid;
use crate::violations::Violations;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub const MAX_PROMPT_BYTES: usize = 256 * 1024;
pub const MAX_HINTS: usize = 50;
pub const MAX_MEMORY_LAYERS: usize = 10;
/// Weight given to a variation created without one, so WEIGHTED selection can pick it.
pub const DEFAULT_WEIGHT: f64 = 1.0;

/// One way to run an agent: prompt, model, limits, memory and tools.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Variation {
    pub metadata: ResourceMetadata,
    pub spec: VariationSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<VariationInfo>,
}

impl Variation {
    /// `spec.modelConfig.modelId`, when set.
    pub fn model_id(&self) -> Option<&str> {
        self.spec
            .model_config
            .as_ref()
            .and_then(|m| m.model_id.as_deref())
    }
}

/// Every field is optional and kept exactly as given.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VariationSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compaction_config: Option<CompactionConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraints: Option<Constraints>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Objectives get a system-managed memory layer per (agent, episodicKey).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_episodic_memory: Option<bool>,
    /// Seconds episodic memories are kept; absent = forever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub episodic_memory_ttl: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_config: Option<ModelConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progressive_discovery: Option<ProgressiveDiscovery>,
    /// The system prompt, a Liquid template rendered with the objective's `data`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// ≥ 0; P(v) = weight / Σ weights under WEIGHTED selection; 0 = never picked
    /// automatically. Defaults to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub weight: Option<f64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CompactionConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summarization: Option<Summarization>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_result_clearing: Option<ToolResultClearing>,
    /// Fraction of the model's context window, in (0, 1]; default 0.75.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("exclusiveMinimum" = 0), range(max = 1))]
    pub trigger_threshold: Option<f64>,
}

impl CompactionConfig {
    /// Checks the config, naming fields under `at` (e.g. `spec.compactionConfig`).
    #[must_use = "validate returns the checked value: use it"]
    pub fn validate(self, at: &str, v: &mut Violations) -> Self {
        let f = |name: &str| format!("{at}.{name}");
        if let Some(t) = self.trigger_threshold {
            if !(t > 0.0 && t <= 1.0) {
                v.add(f("triggerThreshold"), "must be in (0, 1]");
            }
        }
        if let Some(n) = self
            .tool_result_clearing
            .as_ref()
            .and_then(|t| t.preserve_recent_results)
        {
            if n < 0 {
                v.add(f("toolResultClearing.preserveRecentResults"), "must be ≥ 0");
            }
        }
        if let Some(i) = self
            .summarization
            .as_ref()
            .and_then(|s| s.instructions.as_ref())
        {
            if i.len() > MAX_PROMPT_BYTES {
                v.add(f("summarization.instructions"), "must be at most 256 KiB");
            }
        }
        self
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Summarization {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ToolResultClearing {
    /// Newest tool results kept intact; default 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preserve_recent_results: Option<i64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Constraints {
    /// 0 = unlimited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_sub_objectives: Option<i64>,
    /// 0 = unlimited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tool_calls: Option<i64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ModelConfig {
    /// `family/model`, e.g. `openai/gpt-4o-mini`, `claude/sonnet-4.5`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_id: Option<String>,
    /// In [0, 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 1))]
    pub temperature: Option<f64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProgressiveDiscovery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hints: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tools: Option<i64>,
    /// In [0, 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rerank_threshold: Option<f64>,
}

/// An id and, when the resource has one, its name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BareMetadata {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A tool, tool set or sub-agent attached to a variation; exactly one is set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VariationAssignment {
    /// The assignment's own id, the handle for removing it.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<BareMetadata>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_set: Option<BareMetadata>,
    /// A sub-agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<BareMetadata>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemoryLayerAssignment {
    pub id: String,
    pub memory_layer: BareMetadata,
    /// Unique within the variation; lower sits lower in the stack.
    pub position: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VariationInfo {
    pub assignments: Vec<VariationAssignment>,
    /// Ascending position.
    pub memory_layer_assignments: Vec<MemoryLayerAssignment>,
    pub tool_count: i64,
    pub tool_set_count: i64,
    pub sub_agent_count: i64,
    pub memory_layer_count: i64,
    pub feedback_count: i64,
    /// Posterior mean of Beta(α, β) over feedback, starting at α = β = 1 (0.5).
    pub score: f64,
    /// Objectives started on this variation (chosen by any mode, or named).
    pub selection_count: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Profile>,
    /// The catalog model `spec.modelConfig.modelId` names (seed 002).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<crate::metadata::ResourceMetadata>,
}

/// `POST …/variations`
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateVariationRequest {
    pub metadata: MetadataInput,
    #[serde(default)]
    pub spec: VariationSpec,
    #[serde(default)]
    #[schemars(skip)]
    pub info: Option<serde::de::IgnoredAny>,
}

/// `PATCH …/variations/{id}`
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateVariationRequest {
    #[serde(default)]
    pub metadata: Option<MetadataInput>,
    #[serde(default)]
    pub spec: Option<VariationSpec>,
    #[serde(default)]
    pub update_mask: Option<String>,
    #[serde(default)]
    #[schemars(skip)]
    pub info: Option<serde::de::IgnoredAny>,
}

pub const VARIATION_SECTIONS: &[Section] = &[
    Section {
        name: "metadata",
        fields: METADATA_FIELDS,
    },
    Section {
        name: "spec",
        fields: &[
            "compactionConfig",
            "constraints",
            "description",
            "enableEpisodicMemory",
            "episodicMemoryTtl",
            "modelConfig",
            "progressiveDiscovery",
            "prompt",
            "weight",
        ],
    },
];

impl VariationSpec {
    /// Checks every bounded field (docs/api.md §3); violations are named under `at`.
    #[must_use = "validate returns the checked value: use it"]
    pub fn validate(mut self, at: &str, v: &mut Violations) -> Self {
        let f = |name: &str| format!("{at}.{name}");
        if let Some(d) = &self.description {
            if d.chars().count() > crate::agent::MAX_DESCRIPTION_CHARS {
                v.add(f("description"), "must be at most 10000 characters");
            }
        }
        self.compaction_config = self
            .compaction_config
            .map(|c| c.validate(&f("compactionConfig"), v));
        if let Some(c) = &self.constraints {
            for (name, value) in [
                ("maxSubObjectives", c.max_sub_objectives),
                ("maxToolCalls", c.max_tool_calls),
            ] {
                if value.is_some_and(|n| n < 0) {
                    v.add(
                        f(&format!("constraints.{name}")),
                        "must be ≥ 0 (0 = unlimited)",
                    );
                }
            }
        }
        if self.episodic_memory_ttl.is_some_and(|t| t < 0) {
            v.add(f("episodicMemoryTtl"), "must be ≥ 0 seconds");
        }
        if let Some(m) = &self.model_config {
            if let Some(id) = &m.model_id {
                if let Err(e) = check_model_id(id) {
                    v.add(f("modelConfig.modelId"), e);
                }
            }
            if let Some(t) = m.temperature {
                if !(0.0..=1.0).contains(&t) {
                    v.add(f("modelConfig.temperature"), "must be in [0, 1]");
                }
            }
        }
        if let Some(p) = &self.progressive_discovery {
            if let Some(h) = &p.hints {
                if h.len() > MAX_HINTS {
                    v.add(
                        f("progressiveDiscovery.hints"),
                        format!("at most {MAX_HINTS} hints"),
                    );
                }
                for (i, hint) in h.iter().enumerate() {
                    if hint.trim().is_empty() || hint.chars().count() > 500 {
                        v.add(
                            f(&format!("progressiveDiscovery.hints[{i}]")),
                            "must be 1 to 500 characters",
                        );
                    }
                }
            }
            if p.max_tools.is_some_and(|n| n < 0) {
                v.add(f("progressiveDiscovery.maxTools"), "must be ≥ 0");
            }
            if p.rerank_threshold
                .is_some_and(|t| !(0.0..=1.0).contains(&t))
            {
                v.add(
                    f("progressiveDiscovery.rerankThreshold"),
                    "must be in [0, 1]",
                );
            }
        }
        if let Some(p) = &self.prompt {
            if p.len() > MAX_PROMPT_BYTES {
                v.add(f("prompt"), "must be at most 256 KiB");
            } else if let Err(e) = check_liquid(p) {
                v.add(f("prompt"), e);
            }
        }
        if let Some(w) = self.weight {
            if !w.is_finite() || w < 0.0 {
                v.add(f("weight"), "must be a number ≥ 0");
            }
        }
        self
    }

    /// The weight used for selection.
    pub fn effective_weight(&self) -> f64 {
        self.weight.unwrap_or(DEFAULT_WEIGHT)
    }
}

/// `family/model`: a lowercase family, a slash, and a model name without spaces.
pub fn check_model_id(id: &str) -> Result<(), String> {
    let bad = || {
        format!("`{id}` must be `family/model`, e.g. `openai/gpt-4o-mini` or `claude/sonnet-4.5`")
    };
    let (family, model) = id.split_once('/').ok_or_else(bad)?;
    let family_ok = !family.is_empty()
        && family
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    let model_ok =
        !model.is_empty() && model.len() <= 200 && model.chars().all(|c| c.is_ascii_graphic());
    if family_ok && model_ok {
        Ok(())
    } else {
        Err(bad())
    }
}

impl Variation {
    pub fn input_view(&self) -> serde_json::Value {
        serde_json::json!({
            "metadata": MetadataInput::settable(&self.metadata.fields()),
            "spec": self.spec,
        })
    }
}

/// `POST …/assignments`: exactly one of `toolId`, `toolSetId`, `agentId`; the SDK form
/// `{"type": "toolId" | "toolSetId" | "subAgentId", …}` is accepted too.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AddAssignmentRequest {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub tool_id: Option<String>,
    #[serde(default)]
    pub tool_set_id: Option<String>,
    /// A sub-agent (id or `external_id:<value>`).
    #[serde(default)]
    pub agent_id: Option<String>,
    /// SDK spelling of `agentId`.
    #[serde(default)]
    pub sub_agent_id: Option<String>,
}

/// What an assignment points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssignmentKind {
    Tool,
    ToolSet,
    Agent,
}

impl AssignmentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AssignmentKind::Tool => "tool",
            AssignmentKind::ToolSet => "tool_set",
            AssignmentKind::Agent => "agent",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "tool" => Some(AssignmentKind::Tool),
            "tool_set" => Some(AssignmentKind::ToolSet),
            "agent" => Some(AssignmentKind::Agent),
            _ => None,
        }
    }

    /// The request field naming this kind.
    pub fn field(self) -> &'static str {
        match self {
            AssignmentKind::Tool => "toolId",
            AssignmentKind::ToolSet => "toolSetId",
            AssignmentKind::Agent => "agentId",
        }
    }
}

impl AddAssignmentRequest {
    /// The one target named, or the violations.
    pub fn target(&self) -> Result<(AssignmentKind, String), Violations> {
        let agent = match (&self.agent_id, &self.sub_agent_id) {
            (Some(_), Some(_)) => {
                return Err(Violations::one(
                    "subAgentId",
                    "give agentId or subAgentId, not both",
                ))
            }
            (a, s) => a.clone().or_else(|| s.clone()),
        };
        let given: Vec<(AssignmentKind, String)> = [
            (AssignmentKind::Tool, self.tool_id.clone()),
            (AssignmentKind::ToolSet, self.tool_set_id.clone()),
            (AssignmentKind::Agent, agent),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect();
        let (kind, id) = match given.as_slice() {
            [one] => one.clone(),
            [] => {
                return Err(Violations::one(
                    "body",
                    "give exactly one of toolId, toolSetId or agentId",
                ))
            }
            _ => {
                return Err(Violations::one(
                    "body",
                    "give exactly one of toolId, toolSetId or agentId, not several",
                ))
            }
        };
        if let Some(t) = &self.kind {
            let expected = match kind {
                AssignmentKind::Tool => "toolId",
                AssignmentKind::ToolSet => "toolSetId",
                AssignmentKind::Agent => "subAgentId",
            };
            if t != expected {
                return Err(Violations::one(
                    "type",
                    format!("`{t}` does not match the id given; expected `{expected}`"),
                ));
            }
        }
        Ok((kind, id))
    }
}

/// `POST …/memory_layer_assignments`
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AddMemoryLayerRequest {
    /// Id or `external_id:<value>`.
    pub memory_layer_id: String,
    /// Unique within the variation; defaults to the highest position + 1.
    #[serde(default)]
    pub position: Option<i64>,
}

/// `PATCH …/memory_layer_assignments/{id}`
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateMemoryLayerRequest {
    pub position: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn violations(spec: serde_json::Value) -> Vec<String> {
        let spec: VariationSpec = serde_json::from_value(spec).unwrap();
        let mut v = Violations::new();
        let _ = spec.validate("spec", &mut v);
        v.0.into_iter().map(|f| f.field).collect()
    }

    #[test]
    fn bounds_are_enforced() {
        assert!(violations(json!({})).is_empty());
        assert_eq!(violations(json!({"weight": -1})), ["spec.weight"]);
        assert_eq!(
            violations(json!({"modelConfig": {"temperature": 1.5}})),
            ["spec.modelConfig.temperature"]
        );
        assert_eq!(
            violations(json!({"compactionConfig": {"triggerThreshold": 0}})),
            ["spec.compactionConfig.triggerThreshold"]
        );
        assert_eq!(
            violations(json!({"modelConfig": {"modelId": "gpt-4o"}})),
            ["spec.modelConfig.modelId"]
        );
        assert_eq!(
            violations(json!({"constraints": {"maxToolCalls": -2}})),
            ["spec.constraints.maxToolCalls"]
        );
        assert_eq!(
            violations(json!({"prompt": "Hi {{ name "})),
            ["spec.prompt"]
        );
        assert!(
            violations(json!({"compactionConfig": {"triggerThreshold": 1}, "weight": 0}))
                .is_empty()
        );
    }

    #[test]
    fn model_ids() {
        for ok in [
            "openai/gpt-4o-mini",
            "claude/sonnet-4.5",
            "ollama/llama3.1:8b",
            "anthropic/claude-3-5-haiku-latest",
        ] {
            assert_eq!(check_model_id(ok), Ok(()), "{ok}");
        }
        for bad in ["gpt-4o", "/x", "openai/", "Open AI/x", "openai/has space"] {
            assert!(check_model_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn assignment_targets() {
        let r: AddAssignmentRequest = serde_json::from_value(json!({"toolId": "tool_1"})).unwrap();
        assert_eq!(r.target().unwrap(), (AssignmentKind::Tool, "tool_1".into()));
        let r: AddAssignmentRequest =
            serde_json::from_value(json!({"type": "subAgentId", "subAgentId": "agent_1"})).unwrap();
        assert_eq!(
            r.target().unwrap(),
            (AssignmentKind::Agent, "agent_1".into())
        );
        let r: AddAssignmentRequest =
            serde_json::from_value(json!({"type": "toolId", "toolSetId": "x"})).unwrap();
        assert_eq!(r.target().unwrap_err().0[0].field, "type");
        let r: AddAssignmentRequest =
            serde_json::from_value(json!({"toolId": "a", "agentId": "b"})).unwrap();
        assert!(r.target().is_err());
        assert!(AddAssignmentRequest::default().target().is_err());
    }
}
