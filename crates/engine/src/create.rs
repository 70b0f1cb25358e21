//! Starting an objective (docs/api.md §4.1 step 1): pick the variation, check `data` against
//! the agent's input schema, render the prompt, freeze the tools, and write the
//! objective with its first window and USER_MESSAGE event.

use crate::builtins;
use crate::Error;
use model::agent::Agent;
use model::enums::{AgentStatus, VariationSelectionMode};
use model::ids::{
    AgentKind, ContextWindowId, EventId, MemoryEntryKind, MemoryLayerId, MemoryLayerKind,
    ObjectiveId, Ref, VariationKind,
};
use model::memory::MemoryLayerType;
use model::metadata::OperationMetadata;
use model::objective::{
    CreateObjectiveRequest, EventData, MemoryReference, Objective, ObjectiveData, ObjectiveStatus,
    OperationMetadataInput, UserMessage, MAX_MEMORY_STACK, MAX_MESSAGE_CHARS,
};
use model::tools::{ToolSetState, ToolState};
use model::variation::Variation;
use model::violations::Violations;
use ports::Random;
use std::collections::{BTreeMap, BTreeSet};
use store::objectives::{EventRecord, NewObjective, SnapshotTool};
use store::{Db, StoreError};

const MAX_EPISODIC_KEY_CHARS: usize = 256;

/// Who creates the objective.
pub struct Creator<'a> {
    pub account_id: &'a str,
    pub workspace_id: &'a str,
    pub profile_id: Option<&'a str>,
    /// Holds `agents:write`, which may start draft agents through an explicit variation.
    pub may_use_drafts: bool,
    /// Seals the request's `secrets`; `None` where a request carries none (schedule
    /// fires, sub-agents).
    pub keys: Option<&'a crate::secrets::Keyring>,
}

fn invalid(field: &str, message: impl Into<String>) -> Error {
    Error::invalid(field, message)
}

/// Where a new objective comes from (schedules and parents set theirs).
#[derive(Clone, Debug, Default)]
pub struct Origin {
    pub parent_objective_id: Option<String>,
    pub source_schedule_id: Option<String>,
}

/// Validates and writes the objective (inside the caller's transaction); returns its id.
/// The steps run in this order, so the first problem a client meets is the cheapest
/// to find: fields, then the agent, its status, the variation, the data, the prompt,
/// then what is frozen into the objective.
pub fn create(
    db: &Db,
    random: &dyn Random,
    now_ms: i64,
    who: &Creator,
    req: CreateObjectiveRequest,
    origin: Origin,
) -> Result<String, Error> {
    let mut checked = check_request(&req)?;
    let agent = store::agents::get(db, who.workspace_id, &checked.agent)?.ok_or_else(|| {
        Error::not_found_at(
            "agentId",
            format!("agent `{}` does not exist in this workspace", req.agent_id),
        )
    })?;
    ensure_startable(&agent, checked.variation.is_some(), who)?;
    let mut variation = choose_variation(db, random, who, &agent, checked.variation.take(), &req)?;
    ensure_model_enabled(db, who.workspace_id, &variation)?;
    check_data(&agent, req.data.as_ref())?;
    let system_prompt = render_prompt(&variation, req.data.as_ref())?;
    let frozen = freeze(db, random, now_ms, who, &agent, &mut variation, &req)?;
    write(
        db,
        random,
        now_ms,
        who,
        Parts {
            agent,
            variation,
            system_prompt,
            checked,
            frozen,
            origin,
        },
        req,
    )
}

/// A model the workspace disabled in its catalog starts nothing.
fn ensure_model_enabled(db: &Db, workspace_id: &str, variation: &Variation) -> Result<(), Error> {
    let Some(model_id) = variation.model_id() else {
        return Ok(());
    };
    if let Some((model::models::ModelState::Disabled, _)) =
        store::models::lookup(db, workspace_id, model_id)?
    {
        return Err(invalid(
            "modelConfig.modelId",
            format!(
                "model `{model_id}` (variation `{}`) is disabled in this workspace: enable it (POST …/models/{{id}}:enable) or move the variation to another model",
                variation.metadata.id
            ),
        ));
    }
    Ok(())
}

/// What the request's own fields yield once they are valid.
struct Checked {
    external_id: Option<String>,
    labels: BTreeMap<String, String>,
    secrets: BTreeMap<String, String>,
    agent: Ref<AgentKind>,
    variation: Option<Ref<VariationKind>>,
}

/// Every field check that needs no lookup, all reported at once.
fn check_request(req: &CreateObjectiveRequest) -> Result<Checked, Error> {
    let mut v = Violations::new();
    let message = req.initial_message.trim();
    if message.is_empty() {
        v.add("initialMessage", "is required and may not be blank");
    } else if req.initial_message.chars().count() > MAX_MESSAGE_CHARS {
        v.add(
            "initialMessage",
            format!("must be at most {MAX_MESSAGE_CHARS} characters"),
        );
    }
    let (external_id, labels) = OperationMetadataInput::validate(req.metadata.as_ref(), &mut v);
    if let Some(key) = &req.episodic_key {
        if key.trim().is_empty() {
            v.add("episodicKey", "may not be blank");
        } else if key.chars().count() > MAX_EPISODIC_KEY_CHARS {
            v.add(
                "episodicKey",
                format!("must be at most {MAX_EPISODIC_KEY_CHARS} characters"),
            );
        }
    }
    let secrets = check_secrets(req, &mut v);
    let agent = Ref::<AgentKind>::parse(&req.agent_id).map_err(|e| invalid("agentId", e));
    let variation = req
        .variation_id
        .as_deref()
        .map(Ref::<VariationKind>::parse)
        .transpose()
        .map_err(|e| invalid("variationId", e));
    if !v.is_empty() {
        return Err(Error::Invalid(v));
    }
    Ok(Checked {
        external_id,
        labels,
        secrets,
        agent: agent?,
        variation: variation?,
    })
}

/// Only PUBLISHED agents take objectives; a draft only through an explicit
/// variation and with `agents:write`; an archived one never.
fn ensure_startable(agent: &Agent, explicit_variation: bool, who: &Creator) -> Result<(), Error> {
    let agent_id = &agent.metadata.id;
    match (agent.spec.status, explicit_variation) {
        (AgentStatus::Published, _) => Ok(()),
        (AgentStatus::Archived, _) => Err(Error::Precondition(format!(
            "agent `{agent_id}` is archived and accepts no new objectives"
        ))),
        (_, true) if who.may_use_drafts => Ok(()),
        (status, true) => Err(Error::Precondition(format!(
            "agent `{agent_id}` is {}; starting a draft through an explicit variationId needs the agents:write scope",
            status.as_str()
        ))),
        (status, false) => Err(Error::Precondition(format!(
            "agent `{agent_id}` is {}: publish it (spec.status AGENT_STATUS_PUBLISHED) or name a variationId to test a draft",
            status.as_str()
        ))),
    }
}

/// The named variation, or one picked by the agent's selection mode.
fn choose_variation(
    db: &Db,
    random: &dyn Random,
    who: &Creator,
    agent: &Agent,
    explicit: Option<Ref<VariationKind>>,
    req: &CreateObjectiveRequest,
) -> Result<Variation, Error> {
    let agent_id = &agent.metadata.id;
    let variation_ref = match explicit {
        Some(r) => r,
        None => Ref::Id(
            model::ids::VariationId::parse(&pick_variation(
                db,
                agent_id,
                agent.spec.variation_selection_mode,
                random,
            )?)
            .map_err(|e| Error::Store(StoreError::Backend(e)))?,
        ),
    };
    let record = store::variations::get(db, who.workspace_id, agent_id, &variation_ref)?
        .ok_or_else(|| {
            Error::not_found_at(
                "variationId",
                format!(
                    "agent `{agent_id}` has no variation `{}`",
                    req.variation_id.clone().unwrap_or_default()
                ),
            )
        })?;
    Ok(record.variation)
}

/// `data` against the agent's `inputDataSchema`, one violation per problem.
fn check_data(agent: &Agent, data: Option<&serde_json::Value>) -> Result<(), Error> {
    let Some(schema) = &agent.spec.input_data_schema else {
        return Ok(());
    };
    let instance = data.cloned().unwrap_or_else(|| serde_json::json!({}));
    let found = model::json_schema::violations(
        &serde_json::Value::Object(schema.clone()),
        &instance,
        "data",
    );
    if found.is_empty() {
        return Ok(());
    }
    let mut v = Violations::new();
    for (field, message) in found {
        v.add(field, message);
    }
    Err(Error::Invalid(v))
}

/// The variation's prompt as a Liquid template over `data`.
fn render_prompt(variation: &Variation, data: Option<&serde_json::Value>) -> Result<String, Error> {
    let prompt = variation.spec.prompt.clone().unwrap_or_default();
    model::template::render_liquid(&prompt, data).map_err(|e| {
        invalid(
            "data",
            format!(
                "variation `{}`'s prompt cannot be rendered with this data: {e}",
                variation.metadata.id
            ),
        )
    })
}

/// What the objective keeps of the world as it is now.
struct Frozen {
    tools: Vec<SnapshotTool>,
    sub_agents: Vec<store::objectives::SubAgent>,
    memory_stack: Vec<MemoryReference>,
    episodic_layer_id: Option<String>,
}

/// Snapshots the variation's tools and sub-agents and resolves the memory stack,
/// with the episodic layer of (agent, key) on top (created on first use; it does not
/// count towards the limit on the layers a client composes). Takes the variation's
/// `info`, which the snapshot in the objective does not keep.
fn freeze(
    db: &Db,
    random: &dyn Random,
    now_ms: i64,
    who: &Creator,
    agent: &Agent,
    variation: &mut Variation,
    req: &CreateObjectiveRequest,
) -> Result<Frozen, Error> {
    let info = variation.info.take();
    let mut taken: BTreeSet<String> = builtins::NAMES.iter().map(|n| n.to_string()).collect();
    let tools = snapshot_tools(db, who.workspace_id, info.as_ref(), &mut taken)?;
    let sub_agents =
        crate::run::subagents::snapshot(db, who.workspace_id, info.as_ref(), &mut taken)?;
    let mut memory_stack = effective_memory_stack(
        db,
        who.workspace_id,
        info.as_ref(),
        req.memory_stack.as_deref(),
    )?;
    let episodic_layer_id = match (&req.episodic_key, variation.spec.enable_episodic_memory) {
        (Some(key), Some(true)) => {
            let writer = store::memory::Writer {
                account_id: who.account_id,
                workspace_id: who.workspace_id,
                profile_id: who.profile_id.unwrap_or(&agent.metadata.profile_id),
                now_ms,
            };
            let new_id = MemoryLayerId::generate(now_ms, random.next_u128()).into_string();
            let id = store::memory::episodic_layer(db, &writer, &agent.metadata.id, key, &new_id)?;
            memory_stack.push(MemoryReference {
                memory_layer_id: id.clone(),
                memory_entry_id: None,
            });
            Some(id)
        }
        _ => None,
    };
    Ok(Frozen {
        tools,
        sub_agents,
        memory_stack,
        episodic_layer_id,
    })
}

/// Everything [`write`] stores, gathered by the steps before it.
struct Parts {
    agent: Agent,
    variation: Variation,
    system_prompt: String,
    checked: Checked,
    frozen: Frozen,
    origin: Origin,
}

/// The objective (PENDING), its first window, snapshot and USER_MESSAGE.
fn write(
    db: &Db,
    random: &dyn Random,
    now_ms: i64,
    who: &Creator,
    parts: Parts,
    req: CreateObjectiveRequest,
) -> Result<String, Error> {
    let Parts {
        agent,
        variation,
        system_prompt,
        checked,
        frozen,
        origin,
    } = parts;
    let id = ObjectiveId::generate(now_ms, random.next_u128()).into_string();
    let secrets = seal_secrets(who.keys, random, &id, &checked.secrets)?;
    let window_id = ContextWindowId::generate(now_ms, random.next_u128()).into_string();
    let agent_id = agent.metadata.id.clone();
    let mut agent_snapshot = agent;
    agent_snapshot.info = None;
    let objective = Objective {
        metadata: OperationMetadata {
            id: id.clone(),
            account_id: who.account_id.to_owned(),
            workspace_id: who.workspace_id.to_owned(),
            profile_id: who.profile_id.unwrap_or_default().to_owned(),
            created_at: model::time::format_ms(now_ms),
            external_id: checked.external_id,
            labels: checked.labels,
        },
        data: ObjectiveData {
            output_definition: agent_snapshot.spec.output_definition.clone(),
            agent: agent_snapshot,
            agent_variation: variation.clone(),
            data: req.data,
            initial_message: req.initial_message.clone(),
            system_prompt,
            memory_stack: req.memory_stack.unwrap_or_default(),
            episodic_key: req.episodic_key,
            output: None,
            parent_objective_id: origin.parent_objective_id,
            source_schedule_id: origin.source_schedule_id,
        },
        status: ObjectiveStatus::Pending,
        status_message: None,
        info: None,
        context_windows: None,
    };
    let first_event = EventRecord {
        id: EventId::generate(now_ms, random.next_u128()).into_string(),
        objective_id: id.clone(),
        account_id: who.account_id.to_owned(),
        workspace_id: who.workspace_id.to_owned(),
        profile_id: who.profile_id.map(str::to_owned),
        window_id: window_id.clone(),
        data: EventData::UserMessage {
            user_message: UserMessage {
                content: req.initial_message,
            },
        },
        created_at_ms: now_ms,
    };
    store::variations::count_selection(db, &variation.metadata.id)?;
    store::objectives::insert(
        db,
        &NewObjective {
            objective: &objective,
            agent_id: &agent_id,
            variation_id: &variation.metadata.id,
            secrets: &secrets,
            memory_stack: &frozen.memory_stack,
            window_id: &window_id,
            tools: &frozen.tools,
            sub_agents: &frozen.sub_agents,
            episodic_layer_id: frozen.episodic_layer_id.as_deref(),
            first_event: &first_event,
        },
    )?;
    Ok(id)
}

/// The objective's secrets sealed for it (each bound to the objective and its name),
/// or the operator's missing key named.
fn seal_secrets(
    keys: Option<&crate::secrets::Keyring>,
    random: &dyn Random,
    objective_id: &str,
    plain: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, Error> {
    if plain.is_empty() {
        return Ok(BTreeMap::new());
    }
    let keys = keys.ok_or_else(|| Error::Precondition(sealing::SealError::NoKey.to_string()))?;
    plain
        .iter()
        .map(|(name, value)| {
            let aad = crate::secrets::objective_aad(objective_id, name);
            crate::secrets::seal(keys, random, value, &aad)
                .map(|sealed| (name.clone(), sealed))
                .map_err(|e| Error::Precondition(e.to_string()))
        })
        .collect()
}

fn check_secrets(req: &CreateObjectiveRequest, v: &mut Violations) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (i, s) in req.secrets.iter().flatten().enumerate() {
        if let Err(e) = model::tools::check_secret_name(&s.name) {
            v.add(format!("secrets[{i}].name"), e);
        }
        if let Err(e) = model::tools::check_secret_value(&s.value) {
            v.add(format!("secrets[{i}].value"), e);
        }
        if out.insert(s.name.clone(), s.value.clone()).is_some() {
            v.add(format!("secrets[{i}].name"), "is given twice");
        }
    }
    out
}

/// RANDOM: uniform over every variation. WEIGHTED: P(v) = weight / Σ weights, so a
/// weight of 0 is never picked.
fn pick_variation(
    db: &Db,
    agent_id: &str,
    mode: VariationSelectionMode,
    random: &dyn Random,
) -> Result<String, Error> {
    let all = store::variations::weights(db, agent_id)?;
    if all.is_empty() {
        return Err(Error::Precondition(format!(
            "agent `{agent_id}` has no variations: create one before starting objectives"
        )));
    }
    if mode == VariationSelectionMode::Thompson {
        // weight 0 still means "never chosen automatically"
        let eligible: Vec<&(String, f64, f64, f64)> = all.iter().filter(|v| v.1 > 0.0).collect();
        let posteriors: Vec<(f64, f64)> = eligible.iter().map(|v| (v.2, v.3)).collect();
        return crate::thompson::choose(random, &posteriors)
            .map(|i| eligible[i].0.clone())
            .ok_or_else(|| {
                Error::Precondition(format!(
                    "agent `{agent_id}` samples variations by feedback and every weight is 0: give one a weight above 0 or pass variationId"
                ))
            });
    }
    // 53 random bits → a uniform float in [0, 1)
    let unit = (random.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    if mode != VariationSelectionMode::Weighted {
        let i = ((unit * all.len() as f64) as usize).min(all.len() - 1);
        return Ok(all[i].0.clone());
    }
    let total: f64 = all.iter().map(|v| v.1.max(0.0)).sum();
    if total <= 0.0 {
        return Err(Error::Precondition(format!(
            "agent `{agent_id}` selects variations by weight and every weight is 0: give one a weight above 0 or pass variationId"
        )));
    }
    let mut target = unit * total;
    let mut last = None;
    for (id, w, _, _) in &all {
        if *w <= 0.0 {
            continue;
        }
        last = Some(id);
        if target < *w {
            return Ok(id.clone());
        }
        target -= w;
    }
    // rounding at the very top of the range
    Ok(last.cloned().unwrap_or_default())
}

/// The tools of the variation's assignments (single tools, and every available tool of
/// assigned active tool sets), each under a function name unique in this objective.
fn snapshot_tools(
    db: &Db,
    workspace_id: &str,
    info: Option<&model::variation::VariationInfo>,
    taken: &mut BTreeSet<String>,
) -> Result<Vec<SnapshotTool>, Error> {
    let Some(info) = info else {
        return Ok(Vec::new());
    };
    let mut tools = Vec::new();
    for a in &info.assignments {
        if let Some(t) = &a.tool {
            let Ok(id) = model::ids::ToolId::parse(&t.id) else {
                continue;
            };
            let Some(tool) = store::tools::get_tool(db, workspace_id, None, &Ref::Id(id))? else {
                continue;
            };
            let Some(set_id) = tool.info.as_ref().map(|i| i.tool_set.id.clone()) else {
                continue;
            };
            let Ok(set_id) = model::ids::ToolSetId::parse(&set_id) else {
                continue;
            };
            if let Some(set) = store::tools::get_set(db, workspace_id, &Ref::Id(set_id))? {
                tools.push((tool, set));
            }
        } else if let Some(s) = &a.tool_set {
            let Ok(id) = model::ids::ToolSetId::parse(&s.id) else {
                continue;
            };
            let Some(set) = store::tools::get_set(db, workspace_id, &Ref::Id(id))? else {
                continue;
            };
            for tool in store::tools::tools_of_set(db, &set.metadata.id)? {
                tools.push((tool, set.clone()));
            }
        }
    }
    let mut seen_ids = BTreeSet::new();
    let mut out = Vec::new();
    for (mut tool, set) in tools {
        if set.state != ToolSetState::Active
            || tool.state != ToolState::Available
            || !seen_ids.insert(tool.metadata.id.clone())
        {
            continue;
        }
        let name = crate::run::subagents::unique_name(&tool.spec.llm_tool_name, taken);
        tool.info = None;
        out.push(SnapshotTool {
            tool,
            llm_name: name,
            adapter: set.spec.adapter,
        });
    }
    Ok(out)
}

/// Variation layers by position, then `memoryStack` in push order (last = top).
fn effective_memory_stack(
    db: &Db,
    workspace_id: &str,
    info: Option<&model::variation::VariationInfo>,
    pushed: Option<&[MemoryReference]>,
) -> Result<Vec<MemoryReference>, Error> {
    let mut stack: Vec<MemoryReference> = info
        .map(|i| {
            let mut layers = i.memory_layer_assignments.clone();
            layers.sort_by_key(|l| l.position);
            layers
                .into_iter()
                .map(|l| MemoryReference {
                    memory_layer_id: l.memory_layer.id,
                    memory_entry_id: None,
                })
                .collect()
        })
        .unwrap_or_default();
    for (i, r) in pushed.unwrap_or_default().iter().enumerate() {
        let field = format!("memoryStack[{i}].memoryLayerId");
        let layer_ref =
            Ref::<MemoryLayerKind>::parse(&r.memory_layer_id).map_err(|e| invalid(&field, e))?;
        let layer = store::memory::get_layer(db, workspace_id, &layer_ref)?.ok_or_else(|| {
            Error::not_found_at(
                &field,
                format!("memory layer `{}` does not exist", r.memory_layer_id),
            )
        })?;
        if layer.spec.kind == MemoryLayerType::Episodic {
            return Err(invalid(
                &field,
                "episodic layers are managed by the system and cannot be pushed; use episodicKey",
            ));
        }
        let entry_id = match &r.memory_entry_id {
            None => None,
            Some(e) => {
                let field = format!("memoryStack[{i}].memoryEntryId");
                let entry_ref =
                    Ref::<MemoryEntryKind>::parse(e).map_err(|msg| invalid(&field, msg))?;
                let entry = store::memory::get_entry(db, &layer.metadata.id, &entry_ref)?
                    .ok_or_else(|| {
                        Error::not_found_at(
                            &field,
                            format!("memory layer `{}` has no entry `{e}`", layer.metadata.id),
                        )
                    })?;
                Some(entry.metadata.id)
            }
        };
        stack.push(MemoryReference {
            memory_layer_id: layer.metadata.id,
            memory_entry_id: entry_id,
        });
    }
    if stack.len() > MAX_MEMORY_STACK {
        return Err(invalid(
            "memoryStack",
            format!(
                "the variation's layers plus memoryStack make {} layers; at most {MAX_MEMORY_STACK} are allowed",
                stack.len()
            ),
        ));
    }
    Ok(stack)
}
