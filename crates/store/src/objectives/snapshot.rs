//! The tools and sub-agents frozen into an objective at create.

use crate::db::{Db, Row, StoreError};
use crate::list::{self, ListQuery, Listed, Source};
use model::objective::ObjectiveTool;
use model::tools::{Adapter, Tool};
use model::variation::BareMetadata;

/// A tool frozen into an objective at create.
#[derive(Clone, Debug, PartialEq)]
pub struct SnapshotTool {
    pub tool: Tool,
    /// The function name the model sees (unique within the objective).
    pub llm_name: String,
    /// The tool set's adapter at create (base URL, headers with secret references).
    pub adapter: Adapter,
}

/// An agent offered to the model as a tool, frozen into an objective at create.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubAgent {
    pub agent_id: String,
    pub name: String,
    /// The function name the model sees (unique within the objective).
    pub llm_name: String,
    pub description: String,
    pub parameters: serde_json::Map<String, serde_json::Value>,
    /// The agent has an `inputDataSchema`: arguments become the child's `data`.
    pub takes_data: bool,
    /// The agent's metadata at create (shown in the calls to it); absent in snapshots
    /// taken before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<model::metadata::ResourceMetadata>,
}

// ---- the tool snapshot

pub fn list_tools(
    db: &Db,
    objective_id: &str,
    q: &ListQuery,
) -> Result<Listed<ObjectiveTool>, StoreError> {
    let src = Source {
        columns: "t.id, t.name, t.snapshot, t.discovered",
        from: "FROM objective_tools t",
        count_from: "FROM objective_tools t",
        alias: "t",
        scope_col: "t.objective_id",
        scope: objective_id,
        counter: None,
        filters: Vec::new(),
        prefix_col: "t.name",
    };
    list::run(db, src, q)?.try_map(|row| {
        let r = Row(&row);
        Ok(ObjectiveTool {
            metadata: BareMetadata {
                id: r.text(0)?,
                name: Some(r.text(1)?),
            },
            snapshot: r.json(2)?,
            discovered: r.int(3)? != 0,
        })
    })
}

/// Adds tools the model discovered to the objective's snapshot (a tool already in it
/// stays as it is).
pub fn add_discovered(
    db: &Db,
    objective_id: &str,
    tools: &[SnapshotTool],
) -> Result<(), StoreError> {
    for t in tools {
        db.exec(
            "INSERT INTO objective_tools (objective_id, id, name, llm_name, adapter, snapshot, discovered)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1) ON CONFLICT DO NOTHING",
            &[
                objective_id.into(),
                t.tool.metadata.id.as_str().into(),
                t.tool.metadata.name.as_str().into(),
                t.llm_name.as_str().into(),
                crate::db::json_text(&t.adapter),
                crate::db::json_text(&t.tool),
            ],
        )?;
    }
    Ok(())
}

/// Every snapshot tool of an objective (to offer the model, and to execute calls).
pub fn snapshot_tools(db: &Db, objective_id: &str) -> Result<Vec<SnapshotTool>, StoreError> {
    let rows = db.exec(
        "SELECT llm_name, adapter, snapshot FROM objective_tools WHERE objective_id = ?1 ORDER BY llm_name",
        &[objective_id.into()],
    )?;
    rows.rows
        .iter()
        .map(|row| {
            let r = Row(row);
            Ok(SnapshotTool {
                llm_name: r.text(0)?,
                adapter: r.json(1)?,
                tool: r.json(2)?,
            })
        })
        .collect()
}
