//! The ports: everything the application needs from the outside world.
//!
//! Library crates (`store`, `web`, later `engine`) are written against these traits;
//! `host` implements them twice: over the Spin SDK (wasm) and natively (tests).

use std::fmt;

/// A SQLite value, as both Spin and rusqlite represent it.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}
impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Integer(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Integer(v as i64)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// The rows a statement produced (empty for statements without `RETURNING`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rows {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

/// A failure reported by the database backend, with its message.
#[derive(Clone, Debug, PartialEq)]
pub struct SqlError(pub String);

impl fmt::Display for SqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sqlite: {}", self.0)
    }
}
impl std::error::Error for SqlError {}

/// One connection to the `default` SQLite database, used for one request.
pub trait Sql {
    /// Runs exactly one statement with positional (`?N`) parameters.
    fn execute(&self, sql: &str, params: &[Value]) -> Result<Rows, SqlError>;
}

/// A failure of the key-value store.
#[derive(Clone, Debug, PartialEq)]
pub struct KvError(pub String);

impl fmt::Display for KvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "key-value: {}", self.0)
    }
}
impl std::error::Error for KvError {}

/// The `default` key-value store: hot, disposable state.
pub trait Kv {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError>;
    fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError>;
    fn delete(&self, key: &str) -> Result<(), KvError>;
}

/// Wall-clock time.
pub trait Clock {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;

    /// Waits (between retries of an outbound call).
    fn sleep_ms(&self, ms: u64) {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

/// Cryptographically secure randomness.
pub trait Random {
    fn fill(&self, buf: &mut [u8]);

    fn next_u128(&self) -> u128 {
        let mut b = [0u8; 16];
        self.fill(&mut b);
        u128::from_le_bytes(b)
    }

    fn next_u64(&self) -> u64 {
        let mut b = [0u8; 8];
        self.fill(&mut b);
        u64::from_le_bytes(b)
    }
}

/// Operator settings (Spin variables).
pub trait Variables {
    /// The value of a variable; `None` when it is unset or empty.
    fn get(&self, name: &str) -> Option<String>;
}

/// Why an outbound HTTP request produced no response.
#[derive(Clone, Debug, PartialEq)]
pub enum HttpError {
    /// No connection could be made (DNS, refused, unreachable, TLS).
    Connect(String),
    /// The peer took longer than allowed.
    Timeout,
    /// The response body exceeded the allowed size.
    TooLarge,
    /// The exchange broke off or was not valid HTTP.
    Protocol(String),
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::Connect(m) => write!(f, "could not connect: {m}"),
            HttpError::Timeout => f.write_str("timed out"),
            HttpError::TooLarge => f.write_str("response too large"),
            HttpError::Protocol(m) => write!(f, "HTTP error: {m}"),
        }
    }
}
impl std::error::Error for HttpError {}

/// Bounds for one outbound request.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    pub timeout_ms: u64,
    pub max_response_bytes: usize,
    /// Past `max_response_bytes`: keep the first bytes and mark the response with
    /// [`Truncated`] (true), or fail with [`HttpError::TooLarge`] (false).
    pub truncate: bool,
}

/// Response extension: the body was cut at the limit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Truncated;

/// Outbound HTTP (tool servers, MCP servers, model providers, webhooks).
pub trait HttpClient {
    /// Sends `req` (absolute URI) and returns the whole response.
    fn send(
        &self,
        req: http::Request<Vec<u8>>,
        limits: Limits,
    ) -> Result<http::Response<Vec<u8>>, HttpError>;
}

/// Everything a request handler may touch, bundled.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    pub sql: &'a dyn Sql,
    pub kv: &'a dyn Kv,
    pub clock: &'a dyn Clock,
    pub random: &'a dyn Random,
    pub vars: &'a dyn Variables,
    pub http: &'a dyn HttpClient,
}

/// An HTTP application the host serves: the host reads the request, calls `handle`,
/// sends the response, then calls `after` with what `handle` deferred (audit writes),
/// so that work never delays the client.
pub trait HttpService {
    type After;

    fn handle(
        &self,
        env: Env<'_>,
        req: http::Request<Vec<u8>>,
    ) -> (http::Response<Vec<u8>>, Self::After);

    fn after(&self, env: Env<'_>, after: Self::After);

    /// Whether the response's body is a stream [`HttpService::stream`] writes after the
    /// head is sent (server-sent events), instead of the body `handle` returned.
    fn streams(&self, _after: &Self::After) -> bool {
        false
    }

    /// Writes a streamed body with `write`, which returns false once the client is gone.
    fn stream(&self, _env: Env<'_>, _after: &Self::After, _write: &mut dyn FnMut(&[u8]) -> bool) {}

    /// The largest body `handle` accepts. The host passes at most one byte more, so the
    /// service can tell "too large" without the host buffering a huge body.
    fn body_limit(&self) -> usize;
}
