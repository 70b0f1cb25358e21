//! Successful responses.

use serde::Serialize;

#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    pub status: u16,
    /// A JSON body; `None` for 204.
    pub body: Option<Vec<u8>>,
}

impl Reply {
    pub fn json<T: Serialize>(status: u16, value: &T) -> Self {
        // Our wire types always serialize; fall back to `null` rather than panic.
        let body = serde_json::to_vec(value).unwrap_or_else(|_| b"null".to_vec());
        Self {
            status,
            body: Some(body),
        }
    }

    pub fn ok<T: Serialize>(value: &T) -> Self {
        Self::json(200, value)
    }

    pub fn no_content() -> Self {
        Self {
            status: 204,
            body: None,
        }
    }
}
