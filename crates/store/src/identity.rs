//! Accounts, profiles and workspaces.

use crate::db::{json_text, Db, Row, StoreError};
use crate::list::{self, ListQuery, Listed, Source};
use model::enums::{ProfileType, WorkspaceStatus};
use model::identity::{Account, AccountSpec, Profile, ProfileSpec, Workspace, WorkspaceSpec};
use model::metadata::AccountResourceMetadata;
use model::time::format_ms;
use ports::Value;

pub(crate) const PROFILE_COLS: &str =
    "p.id, p.account_id, p.kind, p.name, p.email, p.external_id, p.labels, p.profile_id, p.created_at";
pub(crate) const PROFILE_NCOLS: usize = 9;

/// Reads a profile from `PROFILE_COLS` starting at column `at`; `None` when the join missed.
pub(crate) fn profile_at(row: &Row, at: usize) -> Result<Option<Profile>, StoreError> {
    if row.is_null(at) {
        return Ok(None);
    }
    let kind = row.text(at + 2)?;
    Ok(Some(Profile {
        metadata: AccountResourceMetadata {
            id: row.text(at)?,
            account_id: row.text(at + 1)?,
            name: row.text(at + 3)?,
            external_id: row.opt_text(at + 5)?,
            labels: row.json(at + 6)?,
            profile_id: row.text(at + 7)?,
            created_at: format_ms(row.int(at + 8)?),
        },
        spec: ProfileSpec {
            kind: ProfileType::parse(&kind).unwrap_or(ProfileType::Unspecified),
            email: row.opt_text(at + 4)?,
            name: Some(row.text(at + 3)?),
        },
    }))
}

/// A new record's creation time, from its `created_at` wire value.
fn ms(ts: &str) -> Result<i64, StoreError> {
    model::time::parse_ms(ts).map_err(StoreError::Backend)
}

pub fn any_account(db: &Db) -> Result<bool, StoreError> {
    Ok(db.one("SELECT 1 FROM accounts LIMIT 1", &[])?.is_some())
}

pub fn insert_account(db: &Db, a: &Account) -> Result<(), StoreError> {
    let m = &a.metadata;
    db.exec(
        "INSERT INTO accounts (id, name, description, external_id, labels, profile_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        &[
            m.id.as_str().into(),
            m.name.as_str().into(),
            a.spec.description.clone().into(),
            m.external_id.clone().into(),
            json_text(&m.labels),
            m.profile_id.as_str().into(),
            ms(&m.created_at)?.into(),
        ],
    )?;
    Ok(())
}

pub fn get_account(db: &Db, id: &str) -> Result<Option<Account>, StoreError> {
    let row = db.one(
        "SELECT id, name, description, external_id, labels, profile_id, created_at FROM accounts WHERE id = ?1",
        &[id.into()],
    )?;
    row.map(|r| {
        let r = Row(&r);
        Ok(Account {
            metadata: AccountResourceMetadata {
                id: r.text(0)?,
                account_id: r.text(0)?,
                name: r.text(1)?,
                external_id: r.opt_text(3)?,
                labels: r.json(4)?,
                profile_id: r.text(5)?,
                created_at: format_ms(r.int(6)?),
            },
            spec: AccountSpec {
                description: r.opt_text(2)?,
            },
            info: None,
        })
    })
    .transpose()
}

pub fn insert_profile(db: &Db, p: &Profile) -> Result<(), StoreError> {
    let m = &p.metadata;
    db.exec(
        "INSERT INTO profiles (id, account_id, kind, name, email, external_id, labels, profile_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        &[
            m.id.as_str().into(),
            m.account_id.as_str().into(),
            p.spec.kind.as_str().into(),
            m.name.as_str().into(),
            p.spec.email.clone().into(),
            m.external_id.clone().into(),
            json_text(&m.labels),
            m.profile_id.as_str().into(),
            ms(&m.created_at)?.into(),
        ],
    )?;
    Ok(())
}

/// Renames a profile (an API key's profile follows the key's name).
pub fn rename_profile(db: &Db, id: &str, name: &str) -> Result<(), StoreError> {
    db.exec(
        "UPDATE profiles SET name = ?2 WHERE id = ?1",
        &[id.into(), name.into()],
    )?;
    Ok(())
}

pub fn get_profile(db: &Db, id: &str) -> Result<Option<Profile>, StoreError> {
    let sql = format!("SELECT {PROFILE_COLS} FROM profiles p WHERE p.id = ?1");
    match db.one(&sql, &[id.into()])? {
        Some(r) => profile_at(&Row(&r), 0),
        None => Ok(None),
    }
}

const WORKSPACE_COLS: &str =
    "w.id, w.account_id, w.name, w.description, w.status, w.external_id, w.labels, w.profile_id, w.created_at";

fn workspace_from(r: &[Value]) -> Result<Workspace, StoreError> {
    let r = Row(r);
    Ok(Workspace {
        metadata: AccountResourceMetadata {
            id: r.text(0)?,
            account_id: r.text(1)?,
            name: r.text(2)?,
            external_id: r.opt_text(5)?,
            labels: r.json(6)?,
            profile_id: r.text(7)?,
            created_at: format_ms(r.int(8)?),
        },
        spec: WorkspaceSpec {
            description: r.opt_text(3)?,
        },
        status: WorkspaceStatus::parse(&r.text(4)?).unwrap_or(WorkspaceStatus::Enabled),
    })
}

pub fn insert_workspace(db: &Db, w: &Workspace) -> Result<(), StoreError> {
    let m = &w.metadata;
    db.exec(
        "INSERT INTO workspaces (id, account_id, name, description, status, external_id, labels, profile_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        &[
            m.id.as_str().into(),
            m.account_id.as_str().into(),
            m.name.as_str().into(),
            w.spec.description.clone().into(),
            w.status.as_str().into(),
            m.external_id.clone().into(),
            json_text(&m.labels),
            m.profile_id.as_str().into(),
            ms(&m.created_at)?.into(),
        ],
    )?;
    Ok(())
}

pub fn get_workspace(db: &Db, account_id: &str, id: &str) -> Result<Option<Workspace>, StoreError> {
    let sql =
        format!("SELECT {WORKSPACE_COLS} FROM workspaces w WHERE w.account_id = ?1 AND w.id = ?2");
    db.one(&sql, &[account_id.into(), id.into()])?
        .map(|r| workspace_from(&r))
        .transpose()
}

/// Which workspaces a token reaches: a list of ids, or every one of its account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reach<'a> {
    All,
    Only(&'a [String]),
}

pub fn list_workspaces(
    db: &Db,
    account_id: &str,
    reach: Reach,
    q: &ListQuery,
) -> Result<Listed<Workspace>, StoreError> {
    let filters = match reach {
        Reach::All => vec![],
        Reach::Only(ids) => vec![(
            "w.id IN (SELECT value FROM json_each(?))".to_owned(),
            vec![json_text(&ids)],
        )],
    };
    let page = list::run(
        db,
        Source {
            columns: WORKSPACE_COLS,
            from: "FROM workspaces w",
            count_from: "FROM workspaces w",
            alias: "w",
            scope_col: "w.account_id",
            scope: account_id,
            counter: None,
            filters,
            prefix_col: "w.name",
        },
        q,
    )?;
    page.try_map(|r| workspace_from(&r))
}

/// The account's webhook signing secret, stored as `candidate` if it has none yet.
pub fn webhook_secret(db: &Db, account_id: &str, candidate: &str) -> Result<String, StoreError> {
    let row = db.one(
        "UPDATE accounts SET webhook_secret = COALESCE(webhook_secret, ?2) WHERE id = ?1 RETURNING webhook_secret",
        &[account_id.into(), candidate.into()],
    )?;
    match row {
        Some(r) => Row(&r).text(0),
        None => Err(StoreError::Backend(format!(
            "account {account_id} does not exist"
        ))),
    }
}

/// Replaces the account's webhook signing secret.
pub fn rotate_webhook_secret(db: &Db, account_id: &str, secret: &str) -> Result<(), StoreError> {
    db.exec(
        "UPDATE accounts SET webhook_secret = ?2 WHERE id = ?1",
        &[account_id.into(), secret.into()],
    )?;
    Ok(())
}
