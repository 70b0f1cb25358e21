//! API keys: the credentials behind bearer tokens.

use crate::db::{json_text, Db, Row, StoreError};
use crate::identity::{profile_at, PROFILE_COLS, PROFILE_NCOLS};
use crate::list::{self, ListQuery, Listed, Source};
use model::enums::ApiKeyState;
use model::identity::{ApiKey, ApiKeyInfo, ApiKeySpec};
use model::ids::{ApiKeyKind, Ref};
use model::metadata::ResourceMetadata;
use model::time::format_ms;
use ports::Value;

/// An API key as stored: the wire resource plus what authentication needs.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyRecord {
    pub key: ApiKey,
    pub key_profile_id: String,
    pub version: i64,
    pub expires_at: Option<i64>,
}

/// What authenticating a request needs to know about its key (cached in the key-value
/// store by `web`, so it is serializable).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AuthRecord {
    pub account_id: String,
    pub home_workspace_id: String,
    pub key_profile_id: String,
    pub state: ApiKeyState,
    pub version: i64,
    pub revoked: bool,
    pub expires_at: Option<i64>,
    pub scopes: Vec<String>,
    pub workspace_ids: Vec<String>,
}

/// Looks up a key for authentication.
pub fn auth_lookup(db: &Db, key_id: &str) -> Result<Option<AuthRecord>, StoreError> {
    let row = db.one(
        "SELECT k.account_id, k.workspace_id, k.key_profile_id, k.state, k.version, k.revoked_at,
                k.expires_at, k.scopes, k.workspace_ids
         FROM api_keys k WHERE k.id = ?1",
        &[key_id.into()],
    )?;
    let Some(row) = row else { return Ok(None) };
    let r = Row(&row);
    Ok(Some(AuthRecord {
        account_id: r.text(0)?,
        home_workspace_id: r.text(1)?,
        key_profile_id: r.text(2)?,
        state: ApiKeyState::parse(&r.text(3)?).unwrap_or(ApiKeyState::Disabled),
        version: r.int(4)?,
        revoked: !r.is_null(5),
        expires_at: r.opt_int(6)?,
        scopes: r.json(7)?,
        workspace_ids: r.json(8)?,
    }))
}

const KEY_COLS: &str = "k.id, k.account_id, k.workspace_id, k.key_profile_id, k.name, k.description, \
     k.external_id, k.labels, k.bundle_key, k.scopes, k.workspace_ids, k.state, k.version, k.expires_at, \
     k.profile_id, k.created_at, k.updated_at, k.rotated_at";
const KEY_NCOLS: usize = 18;

fn key_from(row: &[Value], with_creator: bool) -> Result<KeyRecord, StoreError> {
    let r = Row(row);
    let created_by = if with_creator {
        profile_at(&r, KEY_NCOLS)?
    } else {
        None
    };
    let expires_at = r.opt_int(13)?;
    Ok(KeyRecord {
        key: ApiKey {
            metadata: ResourceMetadata {
                id: r.text(0)?,
                account_id: r.text(1)?,
                workspace_id: r.text(2)?,
                profile_id: r.text(14)?,
                created_at: format_ms(r.int(15)?),
                updated_at: format_ms(r.int(16)?),
                name: r.text(4)?,
                external_id: r.opt_text(6)?,
                labels: r.json(7)?,
                bundle_key: r.opt_text(8)?,
            },
            spec: ApiKeySpec {
                token: None,
                description: r.opt_text(5)?,
                scopes: r.json(9)?,
                expires_at: expires_at.map(format_ms),
            },
            state: ApiKeyState::parse(&r.text(11)?).unwrap_or(ApiKeyState::Disabled),
            info: Some(ApiKeyInfo {
                profile_id: r.text(3)?,
                created_by,
                workspace_ids: r.json(10)?,
                last_rotated_at: r.opt_int(17)?.map(format_ms),
            }),
        },
        key_profile_id: r.text(3)?,
        version: r.int(12)?,
        expires_at,
    })
}

pub fn insert(db: &Db, k: &KeyRecord, now_ms: i64) -> Result<(), StoreError> {
    let m = &k.key.metadata;
    let info = k.key.info.as_ref();
    db.exec(
        "INSERT INTO api_keys (id, account_id, workspace_id, key_profile_id, name, description, external_id,
            labels, bundle_key, scopes, workspace_ids, state, version, expires_at, profile_id, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?16)",
        &[
            m.id.as_str().into(),
            m.account_id.as_str().into(),
            m.workspace_id.as_str().into(),
            k.key_profile_id.as_str().into(),
            m.name.as_str().into(),
            k.key.spec.description.clone().into(),
            m.external_id.clone().into(),
            json_text(&m.labels),
            m.bundle_key.clone().into(),
            json_text(&k.key.spec.scopes),
            json_text(&info.map(|i| i.workspace_ids.clone()).unwrap_or_default()),
            k.key.state.as_str().into(),
            k.version.into(),
            k.expires_at.into(),
            m.profile_id.as_str().into(),
            now_ms.into(),
        ],
    )?;
    Ok(())
}

/// A live (not revoked) key of the workspace, with its creator.
pub fn get(
    db: &Db,
    workspace_id: &str,
    r: &Ref<ApiKeyKind>,
) -> Result<Option<KeyRecord>, StoreError> {
    let (cond, v) = match r {
        Ref::Id(id) => ("k.id = ?2", id.as_str().to_owned()),
        Ref::External(e) => ("k.external_id = ?2", e.clone()),
    };
    let sql = format!(
        "SELECT {KEY_COLS}, {PROFILE_COLS} FROM api_keys k LEFT JOIN profiles p ON p.id = k.profile_id
         WHERE k.workspace_id = ?1 AND {cond} AND k.revoked_at IS NULL"
    );
    debug_assert_eq!(PROFILE_NCOLS, 9);
    db.one(&sql, &[workspace_id.into(), v.into()])?
        .map(|row| key_from(&row, true))
        .transpose()
}

pub fn list(db: &Db, workspace_id: &str, q: &ListQuery) -> Result<Listed<KeyRecord>, StoreError> {
    let (columns, from) = if q.include_info {
        (
            format!("{KEY_COLS}, {PROFILE_COLS}"),
            "FROM api_keys k LEFT JOIN profiles p ON p.id = k.profile_id",
        )
    } else {
        (KEY_COLS.to_owned(), "FROM api_keys k")
    };
    let page = list::run(
        db,
        Source {
            columns: &columns,
            from,
            count_from: "FROM api_keys k",
            alias: "k",
            scope_col: "k.workspace_id",
            scope: workspace_id,
            counter: Some("api_keys"),
            filters: vec![("k.revoked_at IS NULL".to_owned(), vec![])],
            prefix_col: "k.name",
        },
        q,
    )?;
    page.try_map(|row| key_from(&row, q.include_info))
}

/// Stores changed name/description/labels/scopes.
pub fn update(db: &Db, k: &KeyRecord, now_ms: i64) -> Result<(), StoreError> {
    let m = &k.key.metadata;
    db.exec(
        "UPDATE api_keys SET name = ?2, description = ?3, external_id = ?4, labels = ?5, bundle_key = ?6,
            scopes = ?7, updated_at = ?8 WHERE id = ?1 AND revoked_at IS NULL",
        &[
            m.id.as_str().into(),
            m.name.as_str().into(),
            k.key.spec.description.clone().into(),
            m.external_id.clone().into(),
            json_text(&m.labels),
            m.bundle_key.clone().into(),
            json_text(&k.key.spec.scopes),
            now_ms.into(),
        ],
    )?;
    Ok(())
}

pub fn set_state(db: &Db, id: &str, state: ApiKeyState, now_ms: i64) -> Result<(), StoreError> {
    db.exec(
        "UPDATE api_keys SET state = ?2, updated_at = ?3 WHERE id = ?1 AND revoked_at IS NULL",
        &[id.into(), state.as_str().into(), now_ms.into()],
    )?;
    Ok(())
}

/// Bumps the token version; returns the new one.
pub fn rotate(db: &Db, id: &str, now_ms: i64) -> Result<i64, StoreError> {
    let row = db.one(
        "UPDATE api_keys SET version = version + 1, rotated_at = ?2, updated_at = ?2
         WHERE id = ?1 AND revoked_at IS NULL RETURNING version",
        &[id.into(), now_ms.into()],
    )?;
    match row.as_deref() {
        Some([Value::Integer(v), ..]) => Ok(*v),
        _ => Err(StoreError::Backend("rotated key vanished".into())),
    }
}

/// Revokes a key; its row (and audit history) stays. Returns false if already gone.
pub fn revoke(db: &Db, id: &str, now_ms: i64) -> Result<bool, StoreError> {
    let rows = db.exec(
        "UPDATE api_keys SET revoked_at = ?2, updated_at = ?2 WHERE id = ?1 AND revoked_at IS NULL RETURNING id",
        &[id.into(), now_ms.into()],
    )?;
    Ok(!rows.rows.is_empty())
}

/// Grants a key access to one more workspace (its creator's new workspace).
pub fn add_workspace(db: &Db, id: &str, workspace_id: &str) -> Result<(), StoreError> {
    db.exec(
        "UPDATE api_keys SET workspace_ids = json_insert(workspace_ids, '$[#]', ?2)
         WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM json_each(workspace_ids) WHERE value = ?2 OR value = '*')",
        &[id.into(), workspace_id.into()],
    )?;
    Ok(())
}
