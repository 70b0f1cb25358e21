//! Embedded migrations, applied in order under `PRAGMA user_version`.
//!
//! Whichever instance first sees an old schema migrates it inside `BEGIN IMMEDIATE`,
//! re-reading the version under the lock so concurrent instances never apply twice.

use crate::db::{Db, StoreError};
use ports::Value;

const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_init.sql"),
    include_str!("../migrations/0002_configuration.sql"),
    include_str!("../migrations/0003_objectives.sql"),
    include_str!("../migrations/0004_schedules.sql"),
    include_str!("../migrations/0005_webhooks_feedback.sql"),
    include_str!("../migrations/0006_engine_depth.sql"),
    include_str!("../migrations/0007_audit_buffer.sql"),
    include_str!("../migrations/0008_tool_call_inbox.sql"),
    include_str!("../migrations/0009_sub_objective_profiles.sql"),
    include_str!("../migrations/0010_secrets_sealed.sql"),
    include_str!("../migrations/0011_ai_provider_keys.sql"),
    include_str!("../migrations/0012_models.sql"),
    include_str!("../migrations/0013_discovered_tools.sql"),
    include_str!("../migrations/0014_variation_selections.sql"),
];

/// The schema version this build writes and expects.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

pub fn version(db: &Db) -> Result<i64, StoreError> {
    match db.one("PRAGMA user_version", &[])? {
        Some(row) => match row.first() {
            Some(Value::Integer(v)) => Ok(*v),
            _ => Ok(0),
        },
        None => Ok(0),
    }
}

/// Migrates if this database is behind; one cheap statement when it is not.
pub fn ensure(db: &Db) -> Result<(), StoreError> {
    if version(db)? < LATEST {
        migrate(db)?;
    }
    Ok(())
}

/// Applies every pending migration.
pub fn migrate(db: &Db) -> Result<(), StoreError> {
    // WAL is persistent and cannot be switched on inside a transaction; a libSQL
    // server (sqld) refuses the PRAGMA and journals its own way.
    match db.exec("PRAGMA journal_mode = WAL", &[]) {
        Err(StoreError::Backend(m)) if crate::db::unsupported(&m) => {}
        other => {
            other?;
        }
    }
    db.transaction(true, |db| {
        let current = version(db)?;
        for script in MIGRATIONS.iter().skip(current.max(0) as usize) {
            for stmt in statements(script) {
                db.exec(&stmt, &[]).map_err(|e| match e {
                    StoreError::Unavailable(_) => e,
                    e => StoreError::Backend(format!("migration failed: {e}: {stmt}")),
                })?;
            }
        }
        if current < LATEST {
            db.exec(&format!("PRAGMA user_version = {LATEST}"), &[])?;
        }
        Ok(())
    })
}

/// Splits a script into statements: a statement ends at a line ending in `;` that is
/// not indented (trigger bodies are indented, so their inner statements stay whole).
fn statements(script: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in script.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with("--") {
            continue;
        }
        current.push_str(line);
        current.push('\n');
        let indented = line.starts_with(' ') || line.starts_with('\t');
        if trimmed.ends_with(';') && !indented {
            out.push(current.trim().trim_end_matches(';').to_owned());
            current.clear();
        }
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_statements_and_keeps_trigger_bodies() {
        let s = statements(
            "-- c\nCREATE TABLE a (\n    x INTEGER\n);\nCREATE TRIGGER t AFTER INSERT ON a\nBEGIN\n    DELETE FROM a;\nEND;\n",
        );
        assert_eq!(s.len(), 2);
        assert!(s[1].contains("DELETE FROM a;"));
        assert!(s[1].ends_with("END"));
    }

    #[test]
    fn migrates_once_and_is_idempotent() {
        use ports::Sql;
        let host = host::native::NativeHost::new();
        let raw_version = || host.sql.execute("PRAGMA user_version", &[]).unwrap().rows;
        assert_eq!(raw_version(), vec![vec![Value::Integer(0)]]);
        // a handle's first statement migrates
        let db = Db::new(&host.sql);
        assert_eq!(version(&db).unwrap(), LATEST);
        assert_eq!(raw_version(), vec![vec![Value::Integer(LATEST)]]);
        ensure(&db).unwrap();
        migrate(&db).unwrap();
        assert_eq!(version(&db).unwrap(), LATEST);
    }

    #[test]
    fn sub_objectives_from_before_0009_take_their_parents_profile() {
        use ports::Sql;
        let host = host::native::NativeHost::new();
        let raw = |sql: &str| host.sql.execute(sql, &[]).unwrap().rows;
        for script in &MIGRATIONS[..8] {
            for stmt in statements(script) {
                raw(&stmt);
            }
        }
        raw("PRAGMA user_version = 8");
        let row = |id: &str, profile: &str, parent: &str| {
            raw(&format!(
                "INSERT INTO objectives (id, account_id, workspace_id, profile_id, created_at, updated_at,
                     agent_id, variation_id, parent_objective_id, status, data, window_id)
                 VALUES ('{id}', 'acct', 'ws', {profile}, 1, 1, 'agent', 'var', {parent}, 'S', '{{}}', 'w')"
            ))
        };
        row("root", "'prof_a'", "NULL");
        row("child", "NULL", "'root'");
        row("grandchild", "NULL", "'child'");
        row("orphan", "NULL", "NULL");
        let db = Db::new(&host.sql);
        assert_eq!(version(&db).unwrap(), LATEST);
        let profiles = raw("SELECT id, profile_id FROM objectives ORDER BY id");
        let text = |v: &Value| match v {
            Value::Text(t) => Some(t.clone()),
            _ => None,
        };
        let got: Vec<(Option<String>, Option<String>)> = profiles
            .iter()
            .map(|r| (text(&r[0]), text(&r[1])))
            .collect();
        let want = |id: &str, p: Option<&str>| (Some(id.to_owned()), p.map(str::to_owned));
        assert_eq!(
            got,
            vec![
                want("child", Some("prof_a")),
                want("grandchild", Some("prof_a")),
                want("orphan", None),
                want("root", Some("prof_a")),
            ]
        );
    }
}
