//! AI provider keys (`ai_provider_keys`): the resource, and the lookup the engine makes
//! per model call (the workspace's key for a model family). Credentials go in sealed
//! and come out only through [`for_family`], still sealed.

use crate::db::{json_text, Db, Row, StoreError};
use crate::identity::{profile_at, PROFILE_COLS};
use crate::list::{self, ListQuery, Listed, Source};
use crate::resource;
use model::ids::{ProviderKeyKind, Ref};
use model::providers::{
    AiProvider, AiProviderConfig, AiProviderKey, AiProviderKeyInfo, AiProviderKeySpec,
};
use ports::Value;

const JOIN: &str = "LEFT JOIN profiles p ON p.id = k.profile_id";

fn columns(with_info: bool) -> String {
    let base = format!(
        "{}, k.provider, k.family, k.config, k.credentials IS NOT NULL",
        resource::cols("k")
    );
    if with_info {
        format!("{base}, {PROFILE_COLS}")
    } else {
        base
    }
}

fn key_from(row: &[Value], with_info: bool) -> Result<AiProviderKey, StoreError> {
    let r = Row(row);
    let n = resource::NCOLS;
    let family = r.text(n + 1)?;
    let info = if with_info {
        Some(AiProviderKeyInfo {
            model_family: family,
            created_by: profile_at(&r, n + 4)?,
        })
    } else {
        None
    };
    Ok(AiProviderKey {
        metadata: resource::metadata(&r, 0)?,
        spec: AiProviderKeySpec {
            provider: r.wire(n, AiProvider::parse)?,
            config: r.opt_json(n + 2)?,
            has_credentials: r.int(n + 3)? != 0,
        },
        info,
    })
}

/// A key as it is stored: what a model call needs (credentials still sealed).
#[derive(Clone, Debug, PartialEq)]
pub struct StoredKey {
    pub id: String,
    pub name: String,
    pub provider: AiProvider,
    pub config: Option<AiProviderConfig>,
    /// Sealed JSON of the credentials; `None` when the server needs none.
    pub credentials: Option<String>,
}

/// A [`StoredKey`] from columns `id, name, provider, config, credentials`.
fn stored_key(r: &Row) -> Result<StoredKey, StoreError> {
    Ok(StoredKey {
        id: r.text(0)?,
        name: r.text(1)?,
        provider: r.wire(2, AiProvider::parse)?,
        config: r.opt_json(3)?,
        credentials: r.opt_text(4)?,
    })
}

pub fn insert(
    db: &Db,
    k: &AiProviderKey,
    family: &str,
    credentials: Option<&str>,
) -> Result<(), StoreError> {
    let mut params = resource::values(&k.metadata)?;
    params.extend([
        k.spec.provider.as_str().into(),
        family.into(),
        k.spec.config.as_ref().map(json_text).unwrap_or(Value::Null),
        credentials.map(str::to_owned).into(),
    ]);
    db.exec(
        &format!(
            "INSERT INTO ai_provider_keys ({}, provider, family, config, credentials)
             VALUES ({}, ?11, ?12, ?13, ?14)",
            resource::INSERT_COLS,
            resource::INSERT_PLACEHOLDERS
        ),
        &params,
    )?;
    Ok(())
}

pub fn get(
    db: &Db,
    workspace_id: &str,
    r: &Ref<ProviderKeyKind>,
) -> Result<Option<AiProviderKey>, StoreError> {
    let (cond, v) = resource::by_ref("k", r, 2);
    let sql = format!(
        "SELECT {} FROM ai_provider_keys k {JOIN} WHERE k.workspace_id = ?1 AND {cond}",
        columns(true)
    );
    db.one(&sql, &[workspace_id.into(), v])?
        .map(|row| key_from(&row, true))
        .transpose()
}

pub fn list(
    db: &Db,
    workspace_id: &str,
    q: &ListQuery,
) -> Result<Listed<AiProviderKey>, StoreError> {
    let from = if q.include_info {
        format!("FROM ai_provider_keys k {JOIN}")
    } else {
        "FROM ai_provider_keys k".to_owned()
    };
    let page = list::run(
        db,
        Source {
            columns: &columns(q.include_info),
            from: &from,
            count_from: "FROM ai_provider_keys k",
            alias: "k",
            scope_col: "k.workspace_id",
            scope: workspace_id,
            counter: None,
            filters: vec![],
            prefix_col: "k.name",
        },
        q,
    )?;
    page.try_map(|row| key_from(&row, q.include_info))
}

/// Stores changed metadata, family and config and, when given, new sealed credentials.
pub fn update(
    db: &Db,
    k: &AiProviderKey,
    family: &str,
    credentials: Option<&str>,
) -> Result<(), StoreError> {
    let (set, mut params) = resource::update_set(&k.metadata, 2)?;
    params.insert(0, k.metadata.id.as_str().into());
    params.extend([
        family.into(),
        k.spec.config.as_ref().map(json_text).unwrap_or(Value::Null),
        credentials.map(str::to_owned).into(),
    ]);
    db.exec(
        &format!(
            "UPDATE ai_provider_keys SET {set}, family = ?7, config = ?8,
                 credentials = COALESCE(?9, credentials) WHERE id = ?1"
        ),
        &params,
    )?;
    Ok(())
}

pub fn delete(db: &Db, id: &str) -> Result<bool, StoreError> {
    let rows = db.exec(
        "DELETE FROM ai_provider_keys WHERE id = ?1 RETURNING id",
        &[id.into()],
    )?;
    Ok(!rows.rows.is_empty())
}

/// The workspace's key for a model family, if it has one.
pub fn for_family(
    db: &Db,
    workspace_id: &str,
    family: &str,
) -> Result<Option<StoredKey>, StoreError> {
    let row = db.one(
        "SELECT id, name, provider, config, credentials FROM ai_provider_keys
         WHERE workspace_id = ?1 AND family = ?2",
        &[workspace_id.into(), family.into()],
    )?;
    row.map(|row| stored_key(&Row(&row))).transpose()
}

/// Every key of the workspace with the family it serves (for discovering its models).
pub fn all(db: &Db, workspace_id: &str) -> Result<Vec<(StoredKey, String)>, StoreError> {
    let rows = db.exec(
        "SELECT id, name, provider, config, credentials, family FROM ai_provider_keys
         WHERE workspace_id = ?1 ORDER BY id",
        &[workspace_id.into()],
    )?;
    rows.rows
        .iter()
        .map(|row| {
            let r = Row(row);
            Ok((stored_key(&r)?, r.text(5)?))
        })
        .collect()
}

/// Up to `limit` keys whose credentials do not start with `prefix` (plain, or under
/// another key): (id, credentials as stored).
pub fn unsealed_credentials(
    db: &Db,
    prefix: &str,
    limit: i64,
) -> Result<Vec<(String, String)>, StoreError> {
    let rows = db.exec(
        "SELECT id, credentials FROM ai_provider_keys
         WHERE credentials IS NOT NULL AND substr(credentials, 1, length(?1)) <> ?1 LIMIT ?2",
        &[prefix.into(), limit.into()],
    )?;
    rows.rows
        .iter()
        .map(|row| {
            let r = Row(row);
            Ok((r.text(0)?, r.text(1)?))
        })
        .collect()
}

/// Replaces a key's sealed credentials if they are still `old` (compare-and-set).
pub fn reseal_credentials(db: &Db, id: &str, old: &str, new: &str) -> Result<bool, StoreError> {
    let rows = db.exec(
        "UPDATE ai_provider_keys SET credentials = ?3 WHERE id = ?1 AND credentials = ?2 RETURNING id",
        &[id.into(), old.into(), new.into()],
    )?;
    Ok(!rows.rows.is_empty())
}
