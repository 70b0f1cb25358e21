//! Prefixed ULID identifiers (`agent_01HX…`) and `external_id:<value>` references.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

/// A kind of resource, fixing the id prefix.
pub trait Kind {
    const PREFIX: &'static str;
    /// Human name used in messages ("agent", "API key").
    const NAME: &'static str;
}

macro_rules! kinds {
    ($($kind:ident => $prefix:literal, $name:literal;)*) => {
        $(
            #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
            pub enum $kind {}
            impl Kind for $kind {
                const PREFIX: &'static str = $prefix;
                const NAME: &'static str = $name;
            }
        )*
    };
}

kinds! {
    AccountKind => "acct", "account";
    WorkspaceKind => "ws", "workspace";
    ProfileKind => "prof", "profile";
    ApiKeyKind => "apikey", "API key";
    AgentKind => "agent", "agent";
    AuditLogKind => "audit", "audit log";
    VariationKind => "agentvar", "variation";
    AssignmentKind => "varasg", "assignment";
    MemoryLayerAssignmentKind => "memlyrasg", "memory layer assignment";
    ToolSetKind => "toolset", "tool set";
    ToolKind => "tool", "tool";
    SecretKind => "secret", "workspace secret";
    MemoryLayerKind => "memlyr", "memory layer";
    MemoryEntryKind => "mement", "memory entry";
    ObjectiveKind => "obj", "objective";
    EventKind => "objevt", "objective event";
    ContextWindowKind => "ctxwin", "context window";
    ToolCallKind => "toolcall", "tool call";
    TaskKind => "task", "task";
    ScheduleKind => "sched", "schedule";
    FeedbackKind => "fb", "feedback";
    DeliveryKind => "whdel", "webhook delivery";
    ProviderKeyKind => "aipk", "AI provider key";
    ModelKind => "model", "model";
}

pub type AccountId = Id<AccountKind>;
pub type WorkspaceId = Id<WorkspaceKind>;
pub type ProfileId = Id<ProfileKind>;
pub type ApiKeyId = Id<ApiKeyKind>;
pub type AgentId = Id<AgentKind>;
pub type AuditLogId = Id<AuditLogKind>;
pub type VariationId = Id<VariationKind>;
pub type AssignmentId = Id<AssignmentKind>;
pub type MemoryLayerAssignmentId = Id<MemoryLayerAssignmentKind>;
pub type ToolSetId = Id<ToolSetKind>;
pub type ToolId = Id<ToolKind>;
pub type SecretId = Id<SecretKind>;
pub type ProviderKeyId = Id<ProviderKeyKind>;
pub type ModelId = Id<ModelKind>;
pub type MemoryLayerId = Id<MemoryLayerKind>;
pub type MemoryEntryId = Id<MemoryEntryKind>;
pub type ObjectiveId = Id<ObjectiveKind>;
pub type EventId = Id<EventKind>;
pub type ContextWindowId = Id<ContextWindowKind>;
pub type ToolCallId = Id<ToolCallKind>;
pub type TaskId = Id<TaskKind>;
pub type ScheduleId = Id<ScheduleKind>;
pub type FeedbackId = Id<FeedbackKind>;
pub type DeliveryId = Id<DeliveryKind>;

/// A well-formed id of kind `K`: `<prefix>_<26-char ULID>`, ULID in canonical upper case.
pub struct Id<K> {
    raw: String,
    kind: PhantomData<K>,
}

impl<K> Clone for Id<K> {
    fn clone(&self) -> Self {
        Self {
            raw: self.raw.clone(),
            kind: PhantomData,
        }
    }
}
impl<K> PartialEq for Id<K> {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}
impl<K> Eq for Id<K> {}
impl<K> std::hash::Hash for Id<K> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.raw.hash(state)
    }
}
impl<K> fmt::Debug for Id<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}
impl<K> fmt::Display for Id<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl<K: Kind> Id<K> {
    /// A new id from a timestamp and 80 bits of randomness.
    pub fn generate(now_ms: i64, random: u128) -> Self {
        let ulid = ulid::Ulid::from_parts(now_ms.max(0) as u64, random);
        Self {
            raw: format!("{}_{}", K::PREFIX, ulid),
            kind: PhantomData,
        }
    }

    /// A new id that sorts strictly after `last` (records of one objective are listed
    /// by id, so two made in the same millisecond must still come out in order).
    pub fn generate_after(last: Option<&str>, now_ms: i64, random: u128) -> Self {
        let previous = last
            .and_then(|l| l.strip_prefix(K::PREFIX)?.strip_prefix('_'))
            .and_then(|u| ulid::Ulid::from_string(u).ok());
        match previous {
            Some(p) if p.timestamp_ms() as i64 >= now_ms => {
                let next = p.increment().unwrap_or(p);
                Self {
                    raw: format!("{}_{}", K::PREFIX, next),
                    kind: PhantomData,
                }
            }
            _ => Self::generate(now_ms, random),
        }
    }

    /// Parses `<prefix>_<ulid>`; the error says what was expected.
    pub fn parse(s: &str) -> Result<Self, String> {
        let expected = || {
            format!(
                "`{}` is not a valid {} id (expected `{}_` followed by a 26-character ULID)",
                truncate(s, 80),
                K::NAME,
                K::PREFIX
            )
        };
        let rest = s
            .strip_prefix(K::PREFIX)
            .and_then(|r| r.strip_prefix('_'))
            .ok_or_else(expected)?;
        if rest.len() != 26 {
            return Err(expected());
        }
        let ulid = ulid::Ulid::from_string(rest).map_err(|_| expected())?;
        Ok(Self {
            raw: format!("{}_{}", K::PREFIX, ulid),
            kind: PhantomData,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.raw
    }

    pub fn into_string(self) -> String {
        self.raw
    }

    /// Milliseconds since the epoch encoded in the ULID.
    pub fn timestamp_ms(&self) -> i64 {
        let rest = &self.raw[K::PREFIX.len() + 1..];
        ulid::Ulid::from_string(rest)
            .map(|u| u.timestamp_ms() as i64)
            .unwrap_or(0)
    }
}

/// How a path refers to a resource: by id or by `external_id:<value>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ref<K> {
    Id(Id<K>),
    External(String),
}

pub const EXTERNAL_ID_PREFIX: &str = "external_id:";

impl<K: Kind> Ref<K> {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.strip_prefix(EXTERNAL_ID_PREFIX) {
            Some(ext) => {
                crate::metadata::check_external_id(ext)?;
                Ok(Ref::External(ext.to_owned()))
            }
            None => Id::parse(s).map(Ref::Id),
        }
    }
}

fn truncate(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        Some((i, _)) => Cow::Owned(format!("{}…", &s[..i])),
        None => Cow::Borrowed(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generate_then_parse_round_trips() {
        let id = AgentId::generate(1_700_000_000_000, 42);
        assert!(id.as_str().starts_with("agent_"));
        assert_eq!(id.as_str().len(), "agent_".len() + 26);
        assert_eq!(AgentId::parse(id.as_str()).unwrap(), id);
        assert_eq!(id.timestamp_ms(), 1_700_000_000_000);
    }

    #[test]
    fn rejects_wrong_prefix_and_garbage() {
        let id = AgentId::generate(1, 1);
        let as_ws = id.as_str().replace("agent_", "ws_");
        assert!(AgentId::parse(&as_ws).unwrap_err().contains("agent id"));
        assert!(AgentId::parse("agent_123").is_err());
        assert!(AgentId::parse("agent_UUUUUUUUUUUUUUUUUUUUUUUUUU").is_err());
        assert!(AgentId::parse("").is_err());
    }

    #[test]
    fn lowercase_ulid_is_normalised() {
        let id = AgentId::generate(5, 7);
        let lower = format!("agent_{}", id.as_str()[6..].to_lowercase());
        assert_eq!(AgentId::parse(&lower).unwrap(), id);
    }

    #[test]
    fn external_refs() {
        assert_eq!(
            Ref::<AgentKind>::parse("external_id:crm-42").unwrap(),
            Ref::External("crm-42".into())
        );
        assert!(Ref::<AgentKind>::parse("external_id:").is_err());
    }
}
