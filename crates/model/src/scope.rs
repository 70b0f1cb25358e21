//! Token scopes: `resource:read|write`, or `*` for everything (docs/api.md §2).

use std::fmt;
use std::str::FromStr;

/// The resources scopes are granted on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resource {
    Agents,
    Variations,
    Schedules,
    Objectives,
    Tools,
    Memory,
    Webhooks,
    Feedback,
    ApiKeys,
    Audit,
    AiProviderKeys,
    Models,
}

impl Resource {
    pub const ALL: [Resource; 12] = [
        Resource::Agents,
        Resource::Variations,
        Resource::Schedules,
        Resource::Objectives,
        Resource::Tools,
        Resource::Memory,
        Resource::Webhooks,
        Resource::Feedback,
        Resource::ApiKeys,
        Resource::Audit,
        Resource::AiProviderKeys,
        Resource::Models,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Agents => "agents",
            Resource::Variations => "variations",
            Resource::Schedules => "schedules",
            Resource::Objectives => "objectives",
            Resource::Tools => "tools",
            Resource::Memory => "memory",
            Resource::Webhooks => "webhooks",
            Resource::Feedback => "feedback",
            Resource::ApiKeys => "api_keys",
            Resource::Audit => "audit",
            Resource::AiProviderKeys => "ai_provider_keys",
            Resource::Models => "models",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Access {
    Read,
    Write,
}

/// One granted (or required) scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// `*`: every resource, every action, and account administration.
    All,
    On(Resource, Access),
}

impl Scope {
    pub const fn read(r: Resource) -> Self {
        Scope::On(r, Access::Read)
    }
    pub const fn write(r: Resource) -> Self {
        Scope::On(r, Access::Write)
    }

    /// Whether holding `self` satisfies a requirement of `needed`.
    /// `*` satisfies everything; `x:write` satisfies `x:read`.
    pub fn satisfies(self, needed: Scope) -> bool {
        match (self, needed) {
            (Scope::All, _) => true,
            (Scope::On(..), Scope::All) => false,
            (Scope::On(r, have), Scope::On(nr, need)) => {
                r == nr && (have == need || have == Access::Write)
            }
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::All => f.write_str("*"),
            Scope::On(r, Access::Read) => write!(f, "{}:read", r.as_str()),
            Scope::On(r, Access::Write) => write!(f, "{}:write", r.as_str()),
        }
    }
}

impl FromStr for Scope {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if s == "*" {
            return Ok(Scope::All);
        }
        let bad = || {
            format!(
                "`{s}` is not a scope; use `*` or `<resource>:read|write` with resource one of {}",
                Resource::ALL.map(Resource::as_str).join(", ")
            )
        };
        let (res, action) = s.split_once(':').ok_or_else(bad)?;
        let resource = Resource::ALL
            .into_iter()
            .find(|r| r.as_str() == res)
            .ok_or_else(bad)?;
        let access = match action {
            "read" => Access::Read,
            "write" => Access::Write,
            _ => return Err(bad()),
        };
        Ok(Scope::On(resource, access))
    }
}

/// The scopes a token holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScopeSet(Vec<Scope>);

impl ScopeSet {
    pub fn new(mut scopes: Vec<Scope>) -> Self {
        scopes.sort();
        scopes.dedup();
        Self(scopes)
    }

    pub fn allows(&self, needed: Scope) -> bool {
        self.0.iter().any(|s| s.satisfies(needed))
    }

    /// Whether every scope of `other` is already granted here (no privilege escalation).
    pub fn covers(&self, other: &ScopeSet) -> bool {
        other.0.iter().all(|s| self.allows(*s))
    }

    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }

    pub fn to_strings(&self) -> Vec<String> {
        self.0.iter().map(ToString::to_string).collect()
    }

    /// Parses stored scope strings, skipping any this version no longer knows.
    pub fn from_stored(list: &[String]) -> Self {
        Self::new(list.iter().filter_map(|s| s.parse().ok()).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display_round_trip() {
        for s in ["*", "agents:read", "api_keys:write", "audit:read"] {
            assert_eq!(s.parse::<Scope>().unwrap().to_string(), s);
        }
        assert!("agents".parse::<Scope>().is_err());
        assert!("agents:delete".parse::<Scope>().is_err());
        assert!("robots:read".parse::<Scope>().is_err());
    }

    #[test]
    fn write_implies_read_and_star_implies_all() {
        let set = ScopeSet::new(vec![Scope::write(Resource::Agents)]);
        assert!(set.allows(Scope::read(Resource::Agents)));
        assert!(set.allows(Scope::write(Resource::Agents)));
        assert!(!set.allows(Scope::read(Resource::Audit)));
        assert!(!set.allows(Scope::All));
        let all = ScopeSet::new(vec![Scope::All]);
        assert!(all.allows(Scope::All));
        assert!(all.covers(&set));
        assert!(!set.covers(&all));
        let read = ScopeSet::new(vec![Scope::read(Resource::Agents)]);
        assert!(!read.allows(Scope::write(Resource::Agents)));
    }
}
