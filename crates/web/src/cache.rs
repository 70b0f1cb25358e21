//! Read-through caches in the key-value store that never serve a version older than
//! an acknowledged write, on any instance.
//!
//! Each cached value depends on one or more *generation counters*. A writer bumps the
//! counters of what it changed (atomic increments) after its transaction commits and
//! before it answers. A reader fetches the entry and its counters in one call, and uses
//! the entry only if it was filled under exactly the counters' current values;
//! otherwise it reads SQL and fills the entry stamped with the counters it read
//! *before* reading SQL. So an entry filled from data older than a commit carries a
//! generation that commit's bump has already replaced, and is never used again:
//!
//! - read gen g, read SQL (old), writer commits and bumps to g+1, fill (g, old):
//!   ignored, since g ≠ g+1;
//! - writer commits and bumps to g+1, read gen g+1, read SQL (new), fill (g+1, new).
//!
//! A writer that dies between its commit and its bump was never acknowledged; the next
//! write of the same thing bumps past it. A missing counter reads as 0, so a store that
//! lost its contents (an in-memory store after a restart) simply refills.

use ports::Kv;

/// The generations a read saw, to stamp what it fills.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stamp(Vec<i64>);

/// The outcome of a cache read.
pub enum Cached {
    /// A value filled under the current generations.
    Hit(Vec<u8>),
    /// Absent or stale: read the source, then [`fill`] with this stamp.
    Miss(Stamp),
    /// The store failed: read the source, fill nothing.
    Unavailable,
}

/// Values a request read ahead of need, in the one key-value read it makes before its
/// handler runs (its key state, and the cache entry its route will look at).
#[derive(Debug, Default)]
pub struct Prefetched {
    values: Vec<(String, Option<Vec<u8>>)>,
}

impl Prefetched {
    /// Reads `keys` in one call; an unavailable store prefetches nothing.
    pub fn read(kv: &dyn Kv, keys: Vec<String>) -> Self {
        match kv.get_many(&keys) {
            Ok(values) => Prefetched {
                values: keys.into_iter().zip(values).collect(),
            },
            Err(_) => Prefetched::default(),
        }
    }

    /// `Some(value)` when `key` was read ahead (the value may be `None`: absent).
    pub fn get(&self, key: &str) -> Option<Option<Vec<u8>>> {
        self.values
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }
}

/// What a route's handler will read from the cache, known before it runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheRead {
    pub key: String,
    pub gens: Vec<String>,
}

impl CacheRead {
    /// Entry `key`, valid while nothing `depends` names has changed.
    pub fn new(key: String, depends: &[Changed<'_>]) -> Self {
        CacheRead {
            key,
            gens: depends.iter().map(Changed::counter).collect(),
        }
    }
}

/// Reads `key` and the counters it depends on: from `pre` when they were read ahead,
/// else in one call.
pub fn read(kv: &dyn Kv, pre: &Prefetched, key: &str, gens: &[String]) -> Cached {
    let mut keys = Vec::with_capacity(gens.len() + 1);
    keys.push(key.to_owned());
    keys.extend(gens.iter().cloned());
    let ahead: Option<Vec<Option<Vec<u8>>>> = keys.iter().map(|k| pre.get(k)).collect();
    let values = match ahead {
        Some(values) => Ok(values),
        None => kv.get_many(&keys),
    };
    let Ok(mut values) = values else {
        return Cached::Unavailable;
    };
    let stamp = Stamp(
        values
            .iter()
            .skip(1)
            .map(|v| v.as_deref().map_or(0, |raw| kv.counter(raw)))
            .collect(),
    );
    match values.first_mut().and_then(Option::take) {
        Some(entry) => match decode(&entry) {
            Some((stamped, body)) if stamped == stamp => Cached::Hit(body.to_vec()),
            _ => Cached::Miss(stamp),
        },
        None => Cached::Miss(stamp),
    }
}

/// Stores `value` under `key`, stamped with the generations read before the source.
/// Best effort: a failed fill only costs the next read a trip to the source.
pub fn fill(kv: &dyn Kv, key: &str, stamp: &Stamp, value: &[u8]) {
    if let Err(e) = kv.set(key, &encode(stamp, value)) {
        eprintln!("cache entry {key} not stored: {e}");
    }
}

/// Invalidates every entry filled under `gen` (a writer calls this after its commit).
pub fn bump(kv: &dyn Kv, gen: &str) -> Result<(), ports::KvError> {
    kv.increment(gen, 1).map(|_| ())
}

/// Bumps the counters of everything `changed` names.
pub fn invalidate(kv: &dyn Kv, changed: &[Changed<'_>]) -> Result<(), ports::KvError> {
    for c in changed {
        bump(kv, &c.counter())?;
    }
    Ok(())
}

/// What a committed write changed, as the caches know it: each names the generation
/// counter its bump moves.
#[derive(Clone, Copy, Debug)]
pub enum Changed<'a> {
    /// An API key's state (scopes, workspaces, rotation, revocation, …).
    ApiKey(&'a str),
    /// Any profile of the account (names shown as `info.createdBy` everywhere).
    Profiles { account: &'a str },
    /// One agent, as `GET …/agents/{id}` shows it (its `info` included).
    Agent { id: &'a str },
    /// Any agent of the workspace, as lists show them.
    Agents { workspace: &'a str },
}

/// What a change of agent `id` (or of what its `info` counts) invalidates: its own
/// reads and the workspace's lists.
pub fn agent<'a>(id: &'a str, workspace: &'a str) -> [Changed<'a>; 2] {
    [Changed::Agent { id }, Changed::Agents { workspace }]
}

impl Changed<'_> {
    pub fn counter(&self) -> String {
        match self {
            Changed::ApiKey(id) => format!("g:key:{id}"),
            Changed::Profiles { account } => format!("g:prof:{account}"),
            Changed::Agent { id } => format!("g:agent:{id}"),
            Changed::Agents { workspace } => format!("g:agents:{workspace}"),
        }
    }
}

/// `[n: u8][n × i64 LE][value]`.
fn encode(stamp: &Stamp, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + stamp.0.len() * 8 + value.len());
    out.push(stamp.0.len() as u8);
    for g in &stamp.0 {
        out.extend_from_slice(&g.to_le_bytes());
    }
    out.extend_from_slice(value);
    out
}

fn decode(raw: &[u8]) -> Option<(Stamp, &[u8])> {
    let (&n, rest) = raw.split_first()?;
    let n = n as usize;
    if rest.len() < n * 8 {
        return None;
    }
    let (gens, value) = rest.split_at(n * 8);
    let gens = gens
        .chunks_exact(8)
        .map(|c| c.try_into().map(i64::from_le_bytes).unwrap_or(-1))
        .collect();
    Some((Stamp(gens), value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use host::native::MemKv;

    fn gens() -> Vec<String> {
        vec!["g:a".to_owned(), "g:b".to_owned()]
    }

    #[test]
    fn a_fill_is_used_until_a_generation_moves() {
        let kv = MemKv::default();
        let Cached::Miss(stamp) = read(&kv, &Prefetched::default(), "e", &gens()) else {
            panic!("expected a miss")
        };
        fill(&kv, "e", &stamp, b"v1");
        assert!(
            matches!(read(&kv, &Prefetched::default(), "e", &gens()), Cached::Hit(v) if v == b"v1")
        );
        bump(&kv, "g:b").unwrap();
        assert!(matches!(
            read(&kv, &Prefetched::default(), "e", &gens()),
            Cached::Miss(_)
        ));
    }

    #[test]
    fn a_fill_from_before_a_write_is_never_served_after_it() {
        let kv = MemKv::default();
        // a reader sees generation 0 and reads the old row from SQL...
        let Cached::Miss(stale) = read(&kv, &Prefetched::default(), "e", &gens()) else {
            panic!("expected a miss")
        };
        // ...a writer commits and bumps before it answers...
        bump(&kv, "g:a").unwrap();
        // ...and the slow reader fills afterwards: the entry is dead on arrival.
        fill(&kv, "e", &stale, b"old");
        let Cached::Miss(fresh) = read(&kv, &Prefetched::default(), "e", &gens()) else {
            panic!("the stale fill must not be served")
        };
        fill(&kv, "e", &fresh, b"new");
        assert!(
            matches!(read(&kv, &Prefetched::default(), "e", &gens()), Cached::Hit(v) if v == b"new")
        );
    }

    #[test]
    fn garbage_is_a_miss() {
        let kv = MemKv::default();
        kv.set("e", &[9, 1, 2]).unwrap();
        assert!(matches!(
            read(&kv, &Prefetched::default(), "e", &gens()),
            Cached::Miss(_)
        ));
    }
}
