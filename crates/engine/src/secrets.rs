//! `{{secrets.NAME}}` in header values, resolved just before a request leaves.
//! Resolved values go only into the outgoing request: never into events, logs or errors.

//!
//! Stored values are sealed (crate `sealing`): this module builds the keyring from the
//! operator's variables, seals with fresh nonces, opens what a request needs, and
//! re-seals rows that are plain or under the previous key ([`reseal`]).

use ports::{Env, Random, Variables};
pub use sealing::{Keyring, SealError};
use std::collections::BTreeMap;
use store::Db;

/// The keyring from `secrets_encryption_key` and `secrets_encryption_key_previous`.
pub fn keyring(vars: &dyn Variables) -> Result<Keyring, SealError> {
    Keyring::new(
        vars.get(sealing::KEY_VAR).as_deref(),
        vars.get(sealing::PREVIOUS_KEY_VAR).as_deref(),
    )
}

/// Seals `value` for the row `aad` names, with a fresh random nonce.
pub fn seal(
    keys: &Keyring,
    random: &dyn Random,
    value: &str,
    aad: &str,
) -> Result<String, SealError> {
    let mut nonce = [0u8; sealing::NONCE_LEN];
    random.fill(&mut nonce);
    keys.seal(value, aad, nonce)
}

/// Seals `value` for the row `aad` names under the operator's current key (the keyring
/// read from `vars`); the error names the variable to set or fix.
pub fn seal_with_vars(
    vars: &dyn Variables,
    random: &dyn Random,
    value: &str,
    aad: &str,
) -> Result<String, SealError> {
    keyring(vars).and_then(|keys| seal(&keys, random, value, aad))
}

/// What an objective's secret is bound to: the objective and the secret's name.
pub fn objective_aad(objective_id: &str, name: &str) -> String {
    format!("{objective_id}/secrets/{name}")
}

/// An objective's secrets, opened (the error names the secret, never a value).
pub fn open_objective_secrets(
    keys: &Keyring,
    objective_id: &str,
    stored: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, String> {
    stored
        .iter()
        .map(|(name, v)| {
            keys.open(v, &objective_aad(objective_id, name))
                .map(|o| (name.clone(), o.value))
                .map_err(|e| format!("cannot open the objective's secret `{name}`: {e}"))
        })
        .collect()
}

/// Workspace secrets as `store::tools::secret_values` reads them, opened (each is
/// bound to its row id).
pub fn open_workspace_secrets(
    keys: &Keyring,
    stored: Vec<store::tools::StoredSecret>,
) -> Result<BTreeMap<String, String>, String> {
    stored
        .into_iter()
        .map(|s| {
            keys.open(&s.value, &s.id)
                .map(|o| (s.name.clone(), o.value))
                .map_err(|e| format!("cannot open the workspace secret `{}`: {e}", s.name))
        })
        .collect()
}

/// Rows one pass re-seals at most (the rest wait for the next tick).
const RESEAL_BATCH: i64 = 50;

/// Seals plain rows (from before sealing) and rows under the previous key with the
/// current key, a batch per call, each row by compare-and-set so concurrent passes on
/// other instances cannot undo a newer write. Once a pass finds nothing left for the
/// current key it records so in the database, and later ticks skip the scan. A row
/// that will not open (its key is gone) is reported and left as it is.
pub fn reseal(env: &Env) -> Result<usize, String> {
    let keys = keyring(env.vars).map_err(|e| e.to_string())?;
    let Some(prefix) = keys.current_prefix() else {
        return Ok(0);
    };
    let db = Db::new(env.sql);
    if store::tools::sealing_done(&db, &prefix).map_err(|e| e.to_string())? {
        return Ok(0);
    }
    let mut changed = 0;
    let mut failed = Vec::new();
    let workspace =
        store::tools::unsealed_secrets(&db, &prefix, RESEAL_BATCH).map_err(|e| e.to_string())?;
    let rows: Vec<(&str, &str)> = workspace
        .iter()
        .map(|s| (s.id.as_str(), s.value.as_str()))
        .collect();
    reseal_by_id(
        &keys,
        env.random,
        &rows,
        &mut changed,
        &mut failed,
        |id, old, new| store::tools::reseal_secret(&db, id, old, new),
    )?;
    let objectives = store::objectives::unsealed_secrets(&db, &prefix, RESEAL_BATCH)
        .map_err(|e| e.to_string())?;
    for (id, raw, stored) in &objectives {
        let resealed: Result<BTreeMap<String, String>, SealError> = stored
            .iter()
            .map(|(name, v)| {
                let aad = objective_aad(id, name);
                let sealed = if v.starts_with(&prefix) {
                    v.clone()
                } else {
                    seal(&keys, env.random, &keys.open(v, &aad)?.value, &aad)?
                };
                Ok((name.clone(), sealed))
            })
            .collect();
        match resealed {
            Ok(map) => {
                if store::objectives::reseal_secrets(&db, id, raw, &map)
                    .map_err(|e| e.to_string())?
                {
                    changed += 1;
                }
            }
            Err(e) => failed.push(format!("{id}: {e}")),
        }
    }
    let providers = store::providers::unsealed_credentials(&db, &prefix, RESEAL_BATCH)
        .map_err(|e| e.to_string())?;
    let rows: Vec<(&str, &str)> = providers
        .iter()
        .map(|(id, stored)| (id.as_str(), stored.as_str()))
        .collect();
    reseal_by_id(
        &keys,
        env.random,
        &rows,
        &mut changed,
        &mut failed,
        |id, old, new| store::providers::reseal_credentials(&db, id, old, new),
    )?;
    // a short batch was the last one; rows that would not open stay reported, not rescanned
    if [workspace.len(), objectives.len(), providers.len()]
        .iter()
        .all(|n| (*n as i64) < RESEAL_BATCH)
    {
        store::tools::mark_sealing_done(&db, &prefix, env.clock.now_ms())
            .map_err(|e| e.to_string())?;
    }
    if !failed.is_empty() {
        return Err(format!("secrets left as they were: {}", failed.join("; ")));
    }
    Ok(changed)
}

/// Every secret name the values refer to (deduplicated, sorted).
pub fn names<'a>(values: impl IntoIterator<Item = &'a String>) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for v in values {
        out.extend(model::tools::secret_references(v)?);
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Replaces each reference in `value`; an unknown name is an error naming it (not its value).
pub fn render(value: &str, secrets: &BTreeMap<String, String>) -> Result<String, String> {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or("unclosed `{{` in a header value")?;
        let name = after[..end]
            .trim()
            .trim_start_matches("secrets.")
            .to_owned();
        let secret = secrets
            .get(&name)
            .ok_or_else(|| format!("secret `{name}` does not exist in this workspace"))?;
        out.push_str(secret);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Renders every header value.
pub fn render_headers(
    headers: &BTreeMap<String, String>,
    secrets: &BTreeMap<String, String>,
) -> Result<Vec<(String, String)>, String> {
    headers
        .iter()
        .map(|(k, v)| {
            render(v, secrets)
                .map(|v| (k.clone(), v))
                .map_err(|e| format!("header {k}: {e}"))
        })
        .collect()
}

/// Re-seals rows whose value is bound to the row's own id (workspace secrets, provider
/// credentials), each by `swap` (compare-and-set); counts the rows changed and names the
/// ones that would not open.
fn reseal_by_id(
    keys: &Keyring,
    random: &dyn Random,
    rows: &[(&str, &str)],
    changed: &mut usize,
    failed: &mut Vec<String>,
    swap: impl Fn(&str, &str, &str) -> Result<bool, store::StoreError>,
) -> Result<(), String> {
    for (id, stored) in rows {
        match keys
            .open(stored, id)
            .and_then(|o| seal(keys, random, &o.value, id))
        {
            Ok(sealed) => {
                if swap(id, stored, &sealed).map_err(|e| e.to_string())? {
                    *changed += 1;
                }
            }
            Err(e) => failed.push(format!("{id}: {e}")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_references() {
        let secrets = BTreeMap::from([("TOKEN".to_owned(), "s3cr3t".to_owned())]);
        assert_eq!(
            render("Bearer {{secrets.TOKEN}}", &secrets).unwrap(),
            "Bearer s3cr3t"
        );
        assert_eq!(
            render("{{ secrets.TOKEN }}:{{secrets.TOKEN}}", &secrets).unwrap(),
            "s3cr3t:s3cr3t"
        );
        assert_eq!(render("plain", &secrets).unwrap(), "plain");
        let e = render("{{secrets.OTHER}}", &secrets).unwrap_err();
        assert!(e.contains("OTHER") && !e.contains("s3cr3t"));
    }

    #[test]
    fn collects_names() {
        let values = [
            "a {{secrets.B}}".to_owned(),
            "{{secrets.A}} {{secrets.B}}".to_owned(),
        ];
        assert_eq!(names(values.iter()).unwrap(), ["A", "B"]);
    }
}
