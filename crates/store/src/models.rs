//! The models catalog (`models`): rows discovered from providers or named by variations,
//! their state, and the variation-side operations a swap makes.

use crate::db::{Db, Row, StoreError};
use crate::list::{self, ListQuery, Listed, Source};
use crate::resource;
use model::ids::{ModelKind, Ref};
use model::metadata::ResourceMetadata;
use model::models::{Model, ModelInfo, ModelSpec, ModelState};
use model::providers::{AiProvider, AiProviderKey, AiProviderKeySpec};
use model::variation::BareMetadata;
use ports::Value;

/// The key a model comes through, and how many variations use it.
const INFO_COLS: &str = "(SELECT count(*) FROM variations v WHERE v.workspace_id = m.workspace_id
        AND json_extract(v.spec, '$.modelConfig.modelId') = m.external_id),
    k.id, k.account_id, k.workspace_id, k.name, k.external_id, k.labels, k.bundle_key,
    k.profile_id, k.created_at, k.updated_at, k.provider, k.config, k.credentials IS NOT NULL";
const INFO_JOIN: &str = "LEFT JOIN ai_provider_keys k ON k.id = m.ai_provider_key_id";

fn columns(with_info: bool) -> String {
    let base = format!(
        "{}, m.provider, m.family, m.max_input_tokens, m.state",
        resource::cols("m")
    );
    if with_info {
        format!("{base}, {INFO_COLS}")
    } else {
        base
    }
}

fn from_row(row: &[Value], with_info: bool) -> Result<Model, StoreError> {
    let r = Row(row);
    let n = resource::NCOLS;
    let info = if with_info {
        let key = match r.opt_text(n + 5)? {
            Some(_) => Some(AiProviderKey {
                metadata: resource::metadata(&r, n + 5)?,
                spec: AiProviderKeySpec {
                    provider: r.wire(n + 15, AiProvider::parse)?,
                    config: r.opt_json(n + 16)?,
                    has_credentials: r.int(n + 17)? != 0,
                },
                info: None,
            }),
            None => None,
        };
        Some(ModelInfo {
            agent_variation_count: r.int(n + 4)?,
            ai_provider_key: key,
        })
    } else {
        None
    };
    Ok(Model {
        metadata: resource::metadata(&r, 0)?,
        spec: ModelSpec {
            provider: r.text(n)?,
            family: r.text(n + 1)?,
            max_input_tokens: r.opt_int(n + 2)?,
        },
        state: r.wire(n + 3, ModelState::parse)?,
        info,
    })
}

/// A model as a provider lists it (or a variation names it), for [`upsert`].
#[derive(Clone, Debug, PartialEq)]
pub struct Offered<'a> {
    /// `family/model`.
    pub model_id: &'a str,
    pub provider: &'a str,
    pub name: &'a str,
    pub key_id: Option<&'a str>,
    pub max_input_tokens: Option<i64>,
}

/// Adds `m` to the catalog (enabled) unless present; a present row takes the newer
/// context length and key, and keeps its state. `meta` carries the new row's id,
/// owner and times.
pub fn upsert(db: &Db, meta: &ResourceMetadata, m: &Offered) -> Result<(), StoreError> {
    let mut params = resource::values(meta)?;
    params.extend([
        m.provider.into(),
        m.name.into(),
        m.key_id.map(str::to_owned).into(),
        m.max_input_tokens.into(),
        ModelState::Enabled.as_str().into(),
    ]);
    db.exec(
        &format!(
            "INSERT INTO models ({}, provider, family, ai_provider_key_id, max_input_tokens, state)
             VALUES ({}, ?11, ?12, ?13, ?14, ?15)
             ON CONFLICT (workspace_id, external_id) DO UPDATE SET
                 max_input_tokens = COALESCE(excluded.max_input_tokens, models.max_input_tokens),
                 ai_provider_key_id = COALESCE(excluded.ai_provider_key_id, models.ai_provider_key_id)",
            resource::INSERT_COLS,
            resource::INSERT_PLACEHOLDERS
        ),
        &params,
    )?;
    Ok(())
}

/// Model ids the workspace's variations name that the catalog does not have yet.
pub fn unlisted_references(db: &Db, workspace_id: &str) -> Result<Vec<String>, StoreError> {
    let rows = db.exec(
        "SELECT DISTINCT json_extract(v.spec, '$.modelConfig.modelId') AS mid FROM variations v
         WHERE v.workspace_id = ?1 AND mid IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM models m WHERE m.workspace_id = ?1 AND m.external_id = mid)",
        &[workspace_id.into()],
    )?;
    rows.rows.iter().map(|row| Row(row).text(0)).collect()
}

pub fn get(db: &Db, workspace_id: &str, r: &Ref<ModelKind>) -> Result<Option<Model>, StoreError> {
    let (cond, v) = resource::by_ref("m", r, 2);
    let sql = format!(
        "SELECT {} FROM models m {INFO_JOIN} WHERE m.workspace_id = ?1 AND {cond}",
        columns(true)
    );
    db.one(&sql, &[workspace_id.into(), v])?
        .map(|row| from_row(&row, true))
        .transpose()
}

/// Filters of the list.
#[derive(Clone, Debug, Default)]
pub struct ModelFilters {
    pub state: Option<ModelState>,
    pub key_id: Option<String>,
}

pub fn list(
    db: &Db,
    workspace_id: &str,
    f: &ModelFilters,
    q: &ListQuery,
) -> Result<Listed<Model>, StoreError> {
    let from = if q.include_info {
        format!("FROM models m {INFO_JOIN}")
    } else {
        "FROM models m".to_owned()
    };
    let mut filters = Vec::new();
    if let Some(s) = f.state {
        filters.push(("m.state = ?".to_owned(), vec![Value::from(s.as_str())]));
    }
    if let Some(k) = &f.key_id {
        filters.push((
            "m.ai_provider_key_id = ?".to_owned(),
            vec![Value::from(k.as_str())],
        ));
    }
    let page = list::run(
        db,
        Source {
            columns: &columns(q.include_info),
            from: &from,
            count_from: "FROM models m",
            alias: "m",
            scope_col: "m.workspace_id",
            scope: workspace_id,
            counter: None,
            filters,
            prefix_col: "m.name",
        },
        q,
    )?;
    page.try_map(|row| from_row(&row, q.include_info))
}

pub fn set_state(db: &Db, id: &str, state: ModelState, now_ms: i64) -> Result<(), StoreError> {
    db.exec(
        "UPDATE models SET state = ?2, updated_at = ?3 WHERE id = ?1 AND state <> ?2",
        &[id.into(), state.as_str().into(), now_ms.into()],
    )?;
    Ok(())
}

/// The state and context length of the model `model_id` names in the workspace.
pub fn lookup(
    db: &Db,
    workspace_id: &str,
    model_id: &str,
) -> Result<Option<(ModelState, Option<i64>)>, StoreError> {
    let row = db.one(
        "SELECT state, max_input_tokens FROM models WHERE workspace_id = ?1 AND external_id = ?2",
        &[workspace_id.into(), model_id.into()],
    )?;
    row.map(|row| {
        let r = Row(&row);
        Ok((r.wire(0, ModelState::parse)?, r.opt_int(1)?))
    })
    .transpose()
}

/// The workspace's variations on `model_id` (by id), each with its agent's id.
pub fn variations_on(
    db: &Db,
    workspace_id: &str,
    model_id: &str,
) -> Result<Vec<(BareMetadata, String)>, StoreError> {
    let rows = db.exec(
        "SELECT id, name, agent_id FROM variations
         WHERE workspace_id = ?1 AND json_extract(spec, '$.modelConfig.modelId') = ?2 ORDER BY id",
        &[workspace_id.into(), model_id.into()],
    )?;
    rows.rows
        .iter()
        .map(|row| {
            let r = Row(row);
            let meta = BareMetadata {
                id: r.text(0)?,
                name: Some(r.text(1)?),
            };
            Ok((meta, r.text(2)?))
        })
        .collect()
}

/// Moves every variation of the workspace on `from` to `to` (other model settings kept).
pub fn swap_variations(
    db: &Db,
    workspace_id: &str,
    from: &str,
    to: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    db.exec(
        "UPDATE variations SET spec = json_set(spec, '$.modelConfig.modelId', ?3), updated_at = ?4
         WHERE workspace_id = ?1 AND json_extract(spec, '$.modelConfig.modelId') = ?2",
        &[workspace_id.into(), from.into(), to.into(), now_ms.into()],
    )?;
    Ok(())
}

/// The catalog model a variation names, as its `info.model` shows it: the model's
/// metadata columns as one JSON array (see [`model_meta`]).
pub(crate) const VARIATION_MODEL_COL: &str =
    "(SELECT json_array(m.id, m.account_id, m.workspace_id,
        m.name, m.external_id, m.labels, m.bundle_key, m.profile_id, m.created_at, m.updated_at)
     FROM models m WHERE m.workspace_id = v.workspace_id
       AND m.external_id = json_extract(v.spec, '$.modelConfig.modelId'))";

/// Reads [`VARIATION_MODEL_COL`].
pub(crate) fn model_meta(r: &Row, at: usize) -> Result<Option<ResourceMetadata>, StoreError> {
    let Some(text) = r.opt_text(at)? else {
        return Ok(None);
    };
    let cols: Vec<serde_json::Value> =
        serde_json::from_str(&text).map_err(|e| StoreError::Backend(format!("models row: {e}")))?;
    let values: Vec<Value> = cols
        .into_iter()
        .map(|c| match c {
            serde_json::Value::String(s) => Value::Text(s),
            serde_json::Value::Number(n) => n.as_i64().map_or(Value::Null, Value::Integer),
            _ => Value::Null,
        })
        .collect();
    resource::metadata(&Row(&values), 0).map(Some)
}
