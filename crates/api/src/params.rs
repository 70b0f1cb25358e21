//! Documented query parameters.

use crate::{Param, ParamKind};

pub const LIMIT: Param = Param {
    name: "limit",
    kind: ParamKind::Integer,
    description:
        "Maximum items per page: default 50 (also for 0); values above 200 are treated as 200.",
};
pub const CURSOR: Param = Param {
    name: "cursor",
    kind: ParamKind::String,
    description: "`pagination.nextCursor` of the previous page.",
};
pub const PREFIX: Param = Param {
    name: "prefix",
    kind: ParamKind::String,
    description: "Only items whose name starts with this (case-sensitive).",
};
pub const SORT_ORDER: Param = Param {
    name: "sortOrder",
    kind: ParamKind::String,
    description: "`asc` or `desc` (default) by creation time.",
};
pub const INCLUDE_INFO: Param = Param {
    name: "includeInfo",
    kind: ParamKind::Boolean,
    description: "Populate each item's `info` (single reads always do).",
};
pub const LABELS: Param = Param {
    name: "labels",
    kind: ParamKind::StringList,
    description: "`key=value`; repeat or comma-separate for several (all must match).",
};
pub const UPDATE_MASK: Param = Param {
    name: "updateMask",
    kind: ParamKind::String,
    description:
        "Comma-separated field paths (e.g. `spec.description,metadata.labels`); only these change.",
};

pub const LIST: &[Param] = &[LIMIT, CURSOR, PREFIX, SORT_ORDER, INCLUDE_INFO, LABELS];
pub const UPDATE: &[Param] = &[UPDATE_MASK];
