//! Leases: who may take an objective's next step. Every claim is one statement.

use crate::db::{Db, Row, StoreError};
use model::objective::ObjectiveStatus;

// ---- leases

/// Claims `id` for `owner` if it is due and nobody holds it: one statement, so two
/// instances racing for it cannot both win.
pub fn claim(
    db: &Db,
    id: &str,
    owner: &str,
    now_ms: i64,
    lease_ms: i64,
) -> Result<bool, StoreError> {
    take_lease(db, id, owner, now_ms, lease_ms, true)
}

/// Sets the lease on `id` unless someone holds it; `only_due` also requires a step
/// to be due.
pub(super) fn take_lease(
    db: &Db,
    id: &str,
    owner: &str,
    now_ms: i64,
    lease_ms: i64,
    only_due: bool,
) -> Result<bool, StoreError> {
    let due = if only_due {
        "AND (runnable = 1 OR (wake_at IS NOT NULL AND wake_at <= ?4))"
    } else {
        ""
    };
    let rows = db.exec(
        &format!(
            "UPDATE objectives SET lease_owner = ?2, lease_until = ?3
             WHERE id = ?1 AND lease_until <= ?4 {due} RETURNING id"
        ),
        &[
            id.into(),
            owner.into(),
            (now_ms + lease_ms).into(),
            now_ms.into(),
        ],
    )?;
    Ok(!rows.rows.is_empty())
}

/// Claims any due objective nobody holds (oldest first); its id.
pub fn claim_next(
    db: &Db,
    owner: &str,
    now_ms: i64,
    lease_ms: i64,
) -> Result<Option<String>, StoreError> {
    // A read first: an idle tick (the common case) then takes no write lock.
    let due = db.one(
        "SELECT 1 FROM objectives WHERE runnable = 1 AND lease_until <= ?1
         UNION ALL
         SELECT 1 FROM objectives WHERE wake_at IS NOT NULL AND wake_at <= ?1 AND lease_until <= ?1
         LIMIT 1",
        &[now_ms.into()],
    )?;
    if due.is_none() {
        return Ok(None);
    }
    let rows = db.exec(
        "UPDATE objectives SET lease_owner = ?1, lease_until = ?2
         WHERE id = (
             SELECT id FROM (
                 SELECT id, updated_at FROM objectives WHERE runnable = 1 AND lease_until <= ?3
                 UNION ALL
                 SELECT id, updated_at FROM objectives
                 WHERE wake_at IS NOT NULL AND wake_at <= ?3 AND lease_until <= ?3
             ) ORDER BY updated_at LIMIT 1)
         RETURNING id",
        &[owner.into(), (now_ms + lease_ms).into(), now_ms.into()],
    )?;
    match rows.rows.into_iter().next() {
        Some(r) => Ok(Some(Row(&r).text(0)?)),
        None => Ok(None),
    }
}

/// Extends the lease before a step; false when `owner` no longer holds it.
pub fn renew(
    db: &Db,
    id: &str,
    owner: &str,
    now_ms: i64,
    lease_ms: i64,
) -> Result<bool, StoreError> {
    let rows = db.exec(
        "UPDATE objectives SET lease_until = ?3 WHERE id = ?1 AND lease_owner = ?2 RETURNING id",
        &[id.into(), owner.into(), (now_ms + lease_ms).into()],
    )?;
    Ok(!rows.rows.is_empty())
}

/// Lets go of the lease so any instance may take the next step at once.
pub fn release(db: &Db, id: &str, owner: &str) -> Result<(), StoreError> {
    db.exec(
        "UPDATE objectives SET lease_owner = NULL, lease_until = 0
         WHERE id = ?1 AND lease_owner = ?2",
        &[id.into(), owner.into()],
    )?;
    Ok(())
}

/// Takes the lease whatever the objective's schedule (for `:compact`, which works on
/// waiting and ended objectives); false while someone else holds it.
pub fn claim_idle(
    db: &Db,
    id: &str,
    owner: &str,
    now_ms: i64,
    lease_ms: i64,
) -> Result<bool, StoreError> {
    take_lease(db, id, owner, now_ms, lease_ms, false)
}

/// The status of `id` while `owner` holds its lease; `None` once it does not. Commits
/// of a step read this first, inside their transaction: that is the fence.
pub fn held_status(db: &Db, id: &str, owner: &str) -> Result<Option<ObjectiveStatus>, StoreError> {
    let row = db.one(
        "SELECT status FROM objectives WHERE id = ?1 AND lease_owner = ?2",
        &[id.into(), owner.into()],
    )?;
    row.map(|r| Row(&r).wire(0, ObjectiveStatus::parse))
        .transpose()
}

/// Nothing is due any more for an ended objective `owner` holds.
pub fn park(db: &Db, id: &str, owner: &str) -> Result<(), StoreError> {
    db.exec(
        "UPDATE objectives SET runnable = 0, wake_at = NULL WHERE id = ?1 AND lease_owner = ?2",
        &[id.into(), owner.into()],
    )?;
    Ok(())
}
