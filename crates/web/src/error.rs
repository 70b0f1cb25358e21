//! API errors and their JSON envelope (docs/api.md §1).

use model::error::{ErrorBody, ErrorCode, ErrorDetail};
use model::{FieldViolation, Violations};
use store::StoreError;

/// A failed request: status, code, a message a user can act on, and the fields at fault.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub details: Vec<FieldViolation>,
    /// Seconds, for `rate_limited`.
    pub retry_after: Option<u64>,
    /// For `method_not_allowed`.
    pub allow: Vec<&'static str>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            details: Vec::new(),
            retry_after: None,
            allow: Vec::new(),
        }
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthorized, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, message)
    }

    pub fn failed_precondition(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::FailedPrecondition, message)
    }

    pub fn internal() -> Self {
        Self::new(
            ErrorCode::Internal,
            "internal error; the server log has details under this response's x-request-id",
        )
    }

    /// 503 when the database cannot be reached (a libSQL server restarting); the server
    /// log has the cause under the request id.
    pub fn unavailable() -> Self {
        Self::new(
            ErrorCode::Unavailable,
            "the database is unavailable; retry the request shortly",
        )
    }

    /// 409 for a resource still assigned to variations, naming them (up to 20).
    pub fn in_use(what: &str, variations: &[(String, String)]) -> Self {
        let named: Vec<String> = variations
            .iter()
            .map(|(id, name)| format!("{name} ({id})"))
            .collect();
        let mut e = ApiError::conflict(format!(
            "{what} is assigned to variations {}; remove those assignments first (or archive it instead)",
            named.join(", ")
        ));
        e.details = variations
            .iter()
            .enumerate()
            .map(|(i, (id, name))| FieldViolation {
                field: format!("variations[{i}]"),
                message: format!("{name} ({id})"),
            })
            .collect();
        e
    }

    /// A 400 naming one field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Violations::one(field, message).into()
    }

    pub fn status(&self) -> u16 {
        self.code.status()
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message.clone(),
                details: self.details.clone(),
            },
        }
    }
}

impl From<Violations> for ApiError {
    fn from(v: Violations) -> Self {
        let mut e = ApiError::new(ErrorCode::ValidationError, v.summary());
        e.details = v.0;
        e
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { field, message } => {
                let mut err = ApiError::conflict(format!("{field} {message}"));
                err.details = vec![FieldViolation { field, message }];
                err
            }
            StoreError::Backend(m) => {
                eprintln!("store error: {m}");
                ApiError::internal()
            }
            StoreError::Unavailable(m) => {
                eprintln!("store unavailable: {m}");
                ApiError::unavailable()
            }
        }
    }
}

#[cfg(feature = "engine")]
impl From<engine::Error> for ApiError {
    fn from(e: engine::Error) -> Self {
        match e {
            engine::Error::Invalid(v) => v.into(),
            engine::Error::NotFound { field, message } => {
                let mut err = ApiError::not_found(message.clone());
                if let Some(field) = field {
                    err.details = vec![FieldViolation { field, message }];
                }
                err
            }
            engine::Error::Precondition(m) => ApiError::failed_precondition(m),
            engine::Error::Model(e) => {
                ApiError::failed_precondition(format!("the model provider failed: {}", e.message()))
            }
            engine::Error::Store(e) => e.into(),
        }
    }
}
