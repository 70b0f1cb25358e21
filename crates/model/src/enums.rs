//! Enums as they travel on the wire: the seeds' full upper-case names.

/// What every [`wire_enum!`] enum offers generic code (query filters, columns).
pub trait WireEnum: Copy + 'static {
    /// The wire name of each variant, in declaration order.
    fn wire_names() -> &'static [&'static str];
    fn parse(s: &str) -> Option<Self>;
    fn as_str(self) -> &'static str;
    /// The `*_UNSPECIFIED` variant ("use the default"), which never names a real state.
    fn is_unspecified(self) -> bool {
        self.as_str().ends_with("_UNSPECIFIED")
    }
}

/// Declares an enum whose wire names are the given strings, with `as_str`/`parse`.
#[macro_export]
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
        pub enum $name {
            $(#[serde(rename = $wire)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire),+
                }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($wire => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl $crate::enums::WireEnum for $name {
            fn wire_names() -> &'static [&'static str] {
                &[$($wire),+]
            }
            fn parse(s: &str) -> Option<Self> {
                $name::parse(s)
            }
            fn as_str(self) -> &'static str {
                $name::as_str(self)
            }
        }
    };
}

wire_enum! {
    /// Lifecycle of an agent.
    AgentStatus {
        Unspecified = "AGENT_STATUS_UNSPECIFIED",
        Draft = "AGENT_STATUS_DRAFT",
        Published = "AGENT_STATUS_PUBLISHED",
        Archived = "AGENT_STATUS_ARCHIVED",
    }
}

wire_enum! {
    /// How a variation is chosen when an objective does not name one (THOMPSON: one
    /// draw from each eligible variation's Beta(α, β) feedback posterior, the highest runs).
    VariationSelectionMode {
        Unspecified = "VARIATION_SELECTION_MODE_UNSPECIFIED",
        Random = "VARIATION_SELECTION_MODE_RANDOM",
        Weighted = "VARIATION_SELECTION_MODE_WEIGHTED",
        Thompson = "VARIATION_SELECTION_MODE_THOMPSON",
    }
}

wire_enum! {
    /// What kind of principal a profile is.
    ProfileType {
        Unspecified = "PROFILE_TYPE_UNSPECIFIED",
        User = "PROFILE_TYPE_USER",
        ApiKey = "PROFILE_TYPE_API_KEY",
        System = "PROFILE_TYPE_SYSTEM",
    }
}

wire_enum! {
    /// Whether an API key may authenticate.
    ApiKeyState {
        Unspecified = "STATE_UNSPECIFIED",
        Enabled = "STATE_ENABLED",
        Disabled = "STATE_DISABLED",
    }
}

wire_enum! {
    /// Lifecycle of a workspace.
    WorkspaceStatus {
        Enabled = "STATUS_ENABLED",
        Disabled = "STATUS_DISABLED",
        Archived = "STATUS_ARCHIVED",
    }
}
