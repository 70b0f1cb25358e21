//! Successful responses.

use serde::Serialize;

#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    pub status: u16,
    /// A JSON body; `None` for 204 and for streams.
    pub body: Option<Vec<u8>>,
    /// Other than `application/json` (streams).
    pub content_type: Option<&'static str>,
    /// Headers beyond the pipeline's own (`Mcp-Session-Id`).
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    pub fn json<T: Serialize>(status: u16, value: &T) -> Self {
        // Our wire types always serialize; fall back to `null` rather than panic.
        let body = serde_json::to_vec(value).unwrap_or_else(|_| b"null".to_vec());
        Self {
            status,
            body: Some(body),
            content_type: None,
            headers: Vec::new(),
        }
    }

    pub fn ok<T: Serialize>(value: &T) -> Self {
        Self::json(200, value)
    }

    /// A JSON body serialized earlier (a cached read).
    pub fn json_bytes(status: u16, body: Vec<u8>) -> Self {
        Self {
            status,
            body: Some(body),
            content_type: None,
            headers: Vec::new(),
        }
    }

    pub fn no_content() -> Self {
        Self {
            status: 204,
            body: None,
            content_type: None,
            headers: Vec::new(),
        }
    }

    /// The head of a `text/event-stream`; the app's stream writes the body.
    pub fn event_stream() -> Self {
        Self {
            status: 200,
            body: None,
            content_type: Some("text/event-stream"),
            headers: Vec::new(),
        }
    }

    /// The same reply with one more header.
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}
