//! The columns every named, workspace-scoped resource table shares, and the SQL
//! around them, so each repository only spells out what is its own.

use crate::db::{json_text, Row, StoreError};
use model::ids::{Kind, Ref};
use model::metadata::ResourceMetadata;
use model::time::{format_ms, parse_ms};
use ports::Value;

/// Number of metadata columns, always first in a row.
pub(crate) const NCOLS: usize = 10;

/// `a.id, a.account_id, …` for table alias `a`.
pub(crate) fn cols(alias: &str) -> String {
    [
        "id",
        "account_id",
        "workspace_id",
        "name",
        "external_id",
        "labels",
        "bundle_key",
        "profile_id",
        "created_at",
        "updated_at",
    ]
    .iter()
    .map(|c| format!("{alias}.{c}"))
    .collect::<Vec<_>>()
    .join(", ")
}

/// The column list for an INSERT (no alias).
pub(crate) const INSERT_COLS: &str =
    "id, account_id, workspace_id, name, external_id, labels, bundle_key, profile_id, created_at, updated_at";

/// `?1, …, ?10` for the metadata values of an INSERT.
pub(crate) const INSERT_PLACEHOLDERS: &str = "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10";

fn ms(ts: &str) -> Result<i64, StoreError> {
    parse_ms(ts).map_err(StoreError::Backend)
}

/// The ten metadata values, in `INSERT_COLS` order.
pub(crate) fn values(m: &ResourceMetadata) -> Result<Vec<Value>, StoreError> {
    Ok(vec![
        m.id.as_str().into(),
        m.account_id.as_str().into(),
        m.workspace_id.as_str().into(),
        m.name.as_str().into(),
        m.external_id.clone().into(),
        json_text(&m.labels),
        m.bundle_key.clone().into(),
        m.profile_id.as_str().into(),
        ms(&m.created_at)?.into(),
        ms(&m.updated_at)?.into(),
    ])
}

/// `SET name = ?N, …` for the client-settable metadata, numbered from `first`,
/// with the values to bind.
pub(crate) fn update_set(
    m: &ResourceMetadata,
    first: usize,
) -> Result<(String, Vec<Value>), StoreError> {
    let sql = format!(
        "name = ?{}, external_id = ?{}, labels = ?{}, bundle_key = ?{}, updated_at = ?{}",
        first,
        first + 1,
        first + 2,
        first + 3,
        first + 4
    );
    Ok((
        sql,
        vec![
            m.name.as_str().into(),
            m.external_id.clone().into(),
            json_text(&m.labels),
            m.bundle_key.clone().into(),
            ms(&m.updated_at)?.into(),
        ],
    ))
}

/// Reads the metadata columns starting at `at`.
pub(crate) fn metadata(r: &Row, at: usize) -> Result<ResourceMetadata, StoreError> {
    Ok(ResourceMetadata {
        id: r.text(at)?,
        account_id: r.text(at + 1)?,
        workspace_id: r.text(at + 2)?,
        name: r.text(at + 3)?,
        external_id: r.opt_text(at + 4)?,
        labels: r.json(at + 5)?,
        bundle_key: r.opt_text(at + 6)?,
        profile_id: r.text(at + 7)?,
        created_at: format_ms(r.int(at + 8)?),
        updated_at: format_ms(r.int(at + 9)?),
    })
}

/// The condition selecting a reference (`a.id = ?N` or `a.external_id = ?N`) and its value.
pub(crate) fn by_ref<K: Kind>(alias: &str, r: &Ref<K>, n: usize) -> (String, Value) {
    match r {
        Ref::Id(id) => (format!("{alias}.id = ?{n}"), id.as_str().into()),
        Ref::External(e) => (format!("{alias}.external_id = ?{n}"), e.as_str().into()),
    }
}
