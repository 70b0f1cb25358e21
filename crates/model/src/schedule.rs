//! Agent schedules (docs/api.md §6.2 "AgentsSchedules", docs/api.md §3.3 / §4.3): when an
//! agent runs on its own. Shapes and field validation here; the calendar math, which
//! needs the time zone database, is in `engine::schedule`.

use crate::identity::Profile;
use crate::metadata::{MetadataInput, ResourceMetadata};
use crate::patch::{Section, METADATA_FIELDS};
use crate::violations::Violations;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub const MAX_RULES: usize = 50;
pub const MAX_RANGES: usize = 60;

crate::wire_enum! {
    ScheduleStatus {
        Unspecified = "AGENT_SCHEDULE_STATUS_UNSPECIFIED",
        Active = "AGENT_SCHEDULE_STATUS_ACTIVE",
        Paused = "AGENT_SCHEDULE_STATUS_PAUSED",
        Archived = "AGENT_SCHEDULE_STATUS_ARCHIVED",
    }
}

crate::wire_enum! {
    OverlapPolicy {
        Unspecified = "OVERLAP_POLICY_UNSPECIFIED",
        Allow = "OVERLAP_POLICY_ALLOW",
        Skip = "OVERLAP_POLICY_SKIP",
    }
}

/// A recurring trigger attached to an agent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AgentSchedule {
    pub metadata: ResourceMetadata,
    pub spec: AgentScheduleSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<AgentScheduleInfo>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AgentScheduleSpec {
    /// The first user message of every objective the schedule creates.
    pub initial_message: String,
    pub schedule: Schedule,
    /// Input data for the objectives; must satisfy the agent's `inputDataSchema`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
    /// Defaults to SKIP: no new objective while the previous one has not ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overlap_policy: Option<OverlapPolicy>,
    /// Defaults to ACTIVE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ScheduleStatus>,
    /// Explicit variation; otherwise the agent's selection mode picks one per fire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variation_id: Option<String>,
}

/// WHEN it fires: calendar rules (wall clock in `timezone`) and interval rules, OR'd.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Schedule {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub calendars: Vec<ScheduleCalendar>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub intervals: Vec<ScheduleInterval>,
    /// IANA zone name (required), e.g. `America/New_York`.
    #[serde(default)]
    pub timezone: String,
}

/// Empty `second`/`minute`/`hour` mean `[{start: 0}]`; empty `dayOfMonth`/`month`/
/// `dayOfWeek` mean any. `dayOfWeek` 0 = Sunday. Day of month and day of week both
/// given: both must match.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScheduleCalendar {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub second: Vec<ScheduleRange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub minute: Vec<ScheduleRange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hour: Vec<ScheduleRange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub day_of_month: Vec<ScheduleRange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub month: Vec<ScheduleRange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub day_of_week: Vec<ScheduleRange>,
}

/// `start`, `start..=end` or every `step` from `start` to `end` (`end` defaults to
/// `start`, `step` to 1).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleRange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<i64>,
}

/// Every `every` since the Unix epoch, shifted by `offset` (< `every`). Durations are
/// written like `"30s"`, `"15m"`, `"1h30m"`, `"86400s"`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleInterval {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentScheduleInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Profile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "date-time"))]
    pub last_fire_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_objective_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "date-time"))]
    pub last_skipped_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_skip_reason: Option<String>,
    /// Absent when PAUSED/ARCHIVED or when nothing is left to fire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "date-time"))]
    pub next_fire_at: Option<String>,
    pub total_fires: i64,
    /// The next five fire times (preview; also on dry runs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upcoming_fire_times: Vec<String>,
}

/// `POST …/schedules`
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateScheduleRequest {
    pub metadata: MetadataInput,
    pub spec: AgentScheduleSpec,
    #[serde(default)]
    #[schemars(skip)]
    pub info: Option<serde::de::IgnoredAny>,
}

/// `PATCH …/schedules/{id}`
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateScheduleRequest {
    #[serde(default)]
    pub metadata: Option<MetadataInput>,
    #[serde(default)]
    pub spec: Option<serde_json::Value>,
    #[serde(default)]
    pub update_mask: Option<String>,
    #[serde(default)]
    #[schemars(skip)]
    pub info: Option<serde::de::IgnoredAny>,
}

pub const SCHEDULE_SECTIONS: &[Section] = &[
    Section {
        name: "metadata",
        fields: METADATA_FIELDS,
    },
    Section {
        name: "spec",
        fields: &[
            "initialMessage",
            "schedule",
            "data",
            "overlapPolicy",
            "status",
            "variationId",
        ],
    },
];

impl AgentSchedule {
    /// The resource as a client would create it (for PATCH merges).
    pub fn input_view(&self) -> serde_json::Value {
        serde_json::json!({
            "metadata": MetadataInput::settable(&self.metadata.fields()),
            "spec": self.spec,
        })
    }
}

/// `(name, lowest, highest)` of each calendar field.
pub const FIELDS: [(&str, i64, i64); 6] = [
    ("second", 0, 59),
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("dayOfMonth", 1, 31),
    ("month", 1, 12),
    ("dayOfWeek", 0, 6),
];

impl ScheduleCalendar {
    /// The six range lists in [`FIELDS`] order.
    pub fn fields(&self) -> [&Vec<ScheduleRange>; 6] {
        [
            &self.second,
            &self.minute,
            &self.hour,
            &self.day_of_month,
            &self.month,
            &self.day_of_week,
        ]
    }
}

impl AgentScheduleSpec {
    /// Field checks (docs/api.md §3); the zone, the durations and "does it ever fire" are
    /// checked by `engine::schedule` with the time zone database.
    #[must_use = "validate returns the checked value: use it"]
    pub fn validate(self, at: &str, v: &mut Violations) -> Self {
        if self.initial_message.trim().is_empty() {
            v.add(
                format!("{at}.initialMessage"),
                "is required and may not be blank",
            );
        } else if self.initial_message.chars().count() > crate::objective::MAX_MESSAGE_CHARS {
            v.add(
                format!("{at}.initialMessage"),
                "must be at most 100000 characters",
            );
        }
        let s = &self.schedule;
        let at_s = format!("{at}.schedule");
        if s.calendars.is_empty() && s.intervals.is_empty() {
            v.add(
                format!("{at_s}.calendars"),
                "at least one calendar or interval rule is required",
            );
        }
        if s.calendars.len() + s.intervals.len() > MAX_RULES {
            v.add(at_s.clone(), format!("at most {MAX_RULES} rules"));
        }
        if s.timezone.trim().is_empty() {
            v.add(
                format!("{at_s}.timezone"),
                "is required (an IANA zone name such as `America/New_York`)",
            );
        }
        for (i, c) in s.calendars.iter().enumerate() {
            for ((name, lo, hi), ranges) in FIELDS.iter().zip(c.fields()) {
                if ranges.len() > MAX_RANGES {
                    v.add(
                        format!("{at_s}.calendars[{i}].{name}"),
                        format!("at most {MAX_RANGES} ranges"),
                    );
                }
                for (j, r) in ranges.iter().enumerate() {
                    let f = format!("{at_s}.calendars[{i}].{name}[{j}]");
                    check_range(r, *lo, *hi, &f, v);
                }
            }
            if c.comment.as_ref().is_some_and(|c| c.chars().count() > 500) {
                v.add(
                    format!("{at_s}.calendars[{i}].comment"),
                    "must be at most 500 characters",
                );
            }
        }
        for (i, r) in s.intervals.iter().enumerate() {
            if r.every.as_deref().is_none_or(|e| e.trim().is_empty()) {
                v.add(
                    format!("{at_s}.intervals[{i}].every"),
                    "is required (a duration such as `15m`)",
                );
            }
        }
        self
    }
}

fn check_range(r: &ScheduleRange, lo: i64, hi: i64, at: &str, v: &mut Violations) {
    let Some(start) = r.start else {
        // an empty range means the field's default, like an empty list
        if r.end.is_some() || r.step.is_some() {
            v.add(
                format!("{at}.start"),
                "is required when end or step is given",
            );
        }
        return;
    };
    let bounds = format!("must be between {lo} and {hi}");
    if !(lo..=hi).contains(&start) {
        v.add(format!("{at}.start"), bounds.clone());
    }
    if let Some(end) = r.end {
        if !(lo..=hi).contains(&end) {
            v.add(format!("{at}.end"), bounds);
        } else if end < start {
            v.add(format!("{at}.end"), "must not be less than start");
        }
    }
    if let Some(step) = r.step {
        if step < 1 {
            v.add(format!("{at}.step"), "must be at least 1");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(schedule: serde_json::Value) -> AgentScheduleSpec {
        serde_json::from_value(json!({"initialMessage": "go", "schedule": schedule})).unwrap()
    }

    fn fields(s: &AgentScheduleSpec) -> Vec<String> {
        let mut v = Violations::new();
        let _ = s.clone().validate("spec", &mut v);
        v.0.into_iter().map(|f| f.field).collect()
    }

    #[test]
    fn rules_and_bounds_are_checked_by_name() {
        assert_eq!(
            fields(&spec(json!({"timezone": "UTC"}))),
            ["spec.schedule.calendars"]
        );
        assert_eq!(
            fields(&spec(
                json!({"timezone": "UTC", "calendars": [{}, {"hour": [{"start": 1, "end": 24}]}]})
            )),
            ["spec.schedule.calendars[1].hour[0].end"]
        );
        assert_eq!(
            fields(&spec(
                json!({"calendars": [{"dayOfWeek": [{"start": 5, "end": 1}], "second": [{"start": 0, "step": 0}]}]})
            )),
            [
                "spec.schedule.timezone",
                "spec.schedule.calendars[0].second[0].step",
                "spec.schedule.calendars[0].dayOfWeek[0].end"
            ]
        );
        assert_eq!(
            fields(&spec(
                json!({"timezone": "UTC", "intervals": [{"offset": "1s"}]})
            )),
            ["spec.schedule.intervals[0].every"]
        );
        assert!(fields(&spec(
            json!({"timezone": "UTC", "intervals": [{"every": "2s"}]})
        ))
        .is_empty());
    }
}
