//! The stored form of an objective's secrets (a JSON map of name to sealed value), for
//! the pass that seals rows from before sealing or under a rotated-out key.

use crate::db::{json_text, Db, Row, StoreError};
use std::collections::BTreeMap;

/// An objective's secrets column: the objective, the text as stored (for the
/// compare-and-set) and the map it holds.
pub type StoredSecrets = (String, String, BTreeMap<String, String>);

/// Up to `limit` objectives with a secret whose value does not start with `prefix`.
pub fn unsealed_secrets(
    db: &Db,
    prefix: &str,
    limit: i64,
) -> Result<Vec<StoredSecrets>, StoreError> {
    let rows = db.exec(
        "SELECT o.id, o.secrets FROM objectives o
         WHERE o.secrets <> '{}' AND EXISTS (
             SELECT 1 FROM json_each(o.secrets) s WHERE substr(s.value, 1, length(?1)) <> ?1)
         LIMIT ?2",
        &[prefix.into(), limit.into()],
    )?;
    rows.rows
        .iter()
        .map(|row| {
            let r = Row(row);
            let raw = r.text(1)?;
            let map = serde_json::from_str(&raw)
                .map_err(|e| StoreError::Backend(format!("objectives.secrets: {e}")))?;
            Ok((r.text(0)?, raw, map))
        })
        .collect()
}

/// Replaces an objective's secrets if the column is still `old` (compare-and-set).
pub fn reseal_secrets(
    db: &Db,
    id: &str,
    old: &str,
    new: &BTreeMap<String, String>,
) -> Result<bool, StoreError> {
    let rows = db.exec(
        "UPDATE objectives SET secrets = ?3 WHERE id = ?1 AND secrets = ?2 RETURNING id",
        &[id.into(), old.into(), json_text(new)],
    )?;
    Ok(!rows.rows.is_empty())
}
