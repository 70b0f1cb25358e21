//! The objective a record belongs to, as its records show it in `info`: the objective's
//! metadata and the profile that created it. Read by a join next to the record's own
//! columns (lists) or by one lookup (single reads).

use crate::db::{Db, Row, StoreError};
use crate::identity::{profile_at, PROFILE_COLS};
use model::identity::Profile;
use model::metadata::OperationMetadata;
use model::objective::CallableTool;
use model::time::format_ms;
use ports::Value;

/// The owning objective of an event, tool call or context window.
#[derive(Clone, Debug, PartialEq)]
pub struct Owner {
    pub objective: OperationMetadata,
    pub created_by: Option<Profile>,
}

impl Owner {
    /// The owner as a read objective already carries it.
    pub fn of(o: &model::objective::Objective) -> Self {
        Owner {
            objective: o.metadata.clone(),
            created_by: o.info.as_ref().and_then(|i| i.created_by.clone()),
        }
    }

    /// The profile a system-written record (tool call, window) is attributed to: the
    /// objective's creator, on whose behalf the engine runs it.
    pub fn profile_id(&self) -> String {
        self.objective.profile_id.clone()
    }

    /// Completes a callee's metadata read from a row older than full metadata (only
    /// `{id, name}` kept): the rest is the objective's, as for a built-in.
    pub fn complete(&self, callable: &mut CallableTool) {
        let m = callable.metadata_mut();
        if m.is_partial() {
            m.account_id = self.objective.account_id.clone();
            m.workspace_id = self.objective.workspace_id.clone();
            m.profile_id = self.profile_id();
            m.created_at = self.objective.created_at.clone();
            m.updated_at = self.objective.created_at.clone();
        }
    }
}

const OBJECTIVE_COLS: &str = "o.id, o.account_id, o.workspace_id, o.profile_id, o.created_at, \
                              o.external_id, o.labels";
const OBJECTIVE_NCOLS: usize = 7;

/// Columns read after a record's own, with [`owner_join`].
pub(super) fn owner_cols() -> String {
    format!("{OBJECTIVE_COLS}, {PROFILE_COLS}")
}

/// Joins the owning objective (`o`) and its creator (`p`) to a record aliased `alias`.
pub(super) fn owner_join(alias: &str) -> String {
    format!(
        "JOIN objectives o ON o.id = {alias}.objective_id LEFT JOIN profiles p ON p.id = o.profile_id"
    )
}

/// Number of columns [`owner_cols`] adds.
pub(super) const OWNER_NCOLS: usize = OBJECTIVE_NCOLS + crate::identity::PROFILE_NCOLS;

/// Reads an owner from [`owner_cols`] starting at column `at`.
pub(super) fn owner_at(r: &Row, at: usize) -> Result<Owner, StoreError> {
    Ok(Owner {
        objective: OperationMetadata {
            id: r.text(at)?,
            account_id: r.text(at + 1)?,
            workspace_id: r.text(at + 2)?,
            profile_id: r.opt_text(at + 3)?.unwrap_or_default(),
            created_at: format_ms(r.int(at + 4)?),
            external_id: r.opt_text(at + 5)?,
            labels: r.json(at + 6)?,
        },
        created_by: profile_at(r, at + OBJECTIVE_NCOLS)?,
    })
}

/// The owner of objective `id`, if it exists.
pub fn owner(db: &Db, objective_id: &str) -> Result<Option<Owner>, StoreError> {
    let sql = format!(
        "SELECT {} FROM objectives o LEFT JOIN profiles p ON p.id = o.profile_id WHERE o.id = ?1",
        owner_cols()
    );
    let row = db.one(&sql, &[Value::from(objective_id)])?;
    row.map(|r| owner_at(&Row(&r), 0)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::objective::EventData;
    use serde_json::json;

    #[test]
    fn a_callee_kept_as_id_and_name_reads_with_the_objectives_metadata() {
        let owner = Owner {
            objective: OperationMetadata::record(
                "obj_1".into(),
                "acct_1".into(),
                "ws_1".into(),
                "prof_1".into(),
                0,
            ),
            created_by: None,
        };
        let mut old: EventData = serde_json::from_value(json!({
            "type": "OBJECTIVE_EVENT_TYPE_TOOL_CALLED",
            "toolCalled": {"toolCallId": "toolcall_1", "attempt": 1, "arguments": {},
                           "tool": {"type": "tool", "tool": {"id": "tool_1", "name": "search"}}}
        }))
        .expect("an old row parses");
        for c in old.callables_mut() {
            owner.complete(c);
        }
        let [c] = old.callables_mut().try_into().expect("one callee");
        assert_eq!(
            serde_json::to_value(&*c).expect("serializes"),
            json!({"type": "tool", "tool": {
                "id": "tool_1", "name": "search", "accountId": "acct_1", "workspaceId": "ws_1",
                "profileId": "prof_1", "createdAt": "1970-01-01T00:00:00.000Z",
                "updatedAt": "1970-01-01T00:00:00.000Z", "labels": {}}})
        );
        // full metadata is left as it was
        let mut full = c.clone();
        full.metadata_mut().account_id = "acct_2".into();
        owner.complete(&mut full);
        assert_eq!(full.metadata().account_id, "acct_2");
    }
}
