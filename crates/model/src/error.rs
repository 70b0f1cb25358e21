//! The error envelope every failing response carries (docs/api.md §1).

use crate::FieldViolation;
use schemars::JsonSchema;
use serde::Serialize;

/// Machine-readable error codes and the HTTP status each one maps to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    ValidationError,
    Conflict,
    FailedPrecondition,
    PayloadTooLarge,
    UnsupportedMediaType,
    RateLimited,
    Internal,
    /// A backing store (database, key-value store) is unreachable; retry later.
    Unavailable,
}

impl ErrorCode {
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::ValidationError => 400,
            ErrorCode::Conflict | ErrorCode::FailedPrecondition => 409,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::RateLimited => 429,
            ErrorCode::Internal => 500,
            ErrorCode::Unavailable => 503,
        }
    }
}

/// `{"error": {...}}`
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    pub message: String,
    /// The fields at fault: always for `validation_error`, and for other codes when a
    /// field is to blame (a conflict on `metadata.externalId`, a 415 on `Content-Type`);
    /// absent otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<FieldViolation>,
}
