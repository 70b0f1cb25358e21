//! The engine's one error type. `web` turns it into the API error (its `engine`
//! feature); the scheduler logs it.

use crate::llm::LlmError;
use model::Violations;
use std::fmt;
use store::StoreError;

/// Why the engine refused or failed to do what it was asked.
#[derive(Debug)]
pub enum Error {
    /// The request is wrong; the fields at fault.
    Invalid(Violations),
    /// Something it refers to does not exist; `field` when the client named it in a body.
    NotFound {
        field: Option<String>,
        message: String,
    },
    /// Not possible in the objective's current state.
    Precondition(String),
    /// The model provider failed (inside a step, or a request's summary call).
    Model(LlmError),
    Store(StoreError),
}

impl Error {
    /// A 400 naming one field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Error::Invalid(Violations::one(field, message))
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Error::NotFound {
            field: None,
            message: message.into(),
        }
    }

    /// A resource named by body field `field` does not exist.
    pub fn not_found_at(field: &str, message: impl Into<String>) -> Self {
        Error::NotFound {
            field: Some(field.to_owned()),
            message: message.into(),
        }
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        Error::Store(e)
    }
}

impl From<Violations> for Error {
    fn from(v: Violations) -> Self {
        Error::Invalid(v)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Invalid(v) => f.write_str(&v.summary()),
            Error::NotFound { message, .. } | Error::Precondition(message) => f.write_str(message),
            Error::Model(e) => f.write_str(e.message()),
            Error::Store(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {}
