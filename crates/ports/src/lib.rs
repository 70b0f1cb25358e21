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
pub enum SqlError {
    /// The database ran the statement and refused it (a constraint, a syntax error…).
    Statement(String),
    /// The database could not be reached (a libSQL server down or restarting): the
    /// request may succeed if retried later.
    Unavailable(String),
}

impl SqlError {
    pub fn message(&self) -> &str {
        match self {
            SqlError::Statement(m) | SqlError::Unavailable(m) => m,
        }
    }
}

impl fmt::Display for SqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SqlError::Statement(m) => write!(f, "sqlite: {m}"),
            SqlError::Unavailable(m) => write!(f, "database unavailable: {m}"),
        }
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

/// The `default` key-value store: hot, rebuildable state shared by every instance
/// (key states, read caches, rate-limit buckets, the audit buffer). The system of
/// record is SQL; nothing here is the only copy of anything but buffered audit rows.
pub trait Kv {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError>;
    /// The values of `keys`, in their order, in one call.
    fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, KvError>;
    fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError>;
    fn delete(&self, key: &str) -> Result<(), KvError>;
    fn delete_many(&self, keys: &[String]) -> Result<(), KvError>;
    /// Atomically adds `delta` to the counter `key` (missing = 0); its new value.
    fn increment(&self, key: &str, delta: i64) -> Result<i64, KvError>;
    /// A counter's value as [`Kv::get`] returns it (each store encodes counters its way);
    /// 0 for anything that is not a counter.
    fn counter(&self, raw: &[u8]) -> i64;
    /// One atomic step of the generic cell rate algorithm on bucket `key`: admits a
    /// request unless that would exceed the bucket (see [`Gcra`]). Atomic across
    /// concurrent requests and, on a shared store, across instances.
    fn admit(&self, key: &str, now_us: i64, gcra: Gcra) -> Result<Admission, KvError>;
}

/// A token bucket as the generic cell rate algorithm sees it: one request every
/// `interval_us`, up to `burst` at once. The bucket's state is one number, the
/// theoretical arrival time (TAT) of the next request, in microseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gcra {
    pub interval_us: i64,
    pub burst: i64,
}

/// What [`Kv::admit`] decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    Admitted,
    /// Refused; a request would be admitted after this many microseconds.
    Refused {
        retry_after_us: i64,
    },
}

impl Gcra {
    /// The pure step every store runs inside its atomic section: from the stored TAT
    /// (`None` when the bucket is new) to the decision and the TAT to store (`None`:
    /// leave it). Over any window of `t` seconds it admits at most
    /// `burst + t / interval`.
    pub fn step(self, tat_us: Option<i64>, now_us: i64) -> (Admission, Option<i64>) {
        let tat = tat_us.unwrap_or(now_us).max(now_us);
        let next = tat.saturating_add(self.interval_us.max(0));
        let allowed_until =
            now_us.saturating_add(self.interval_us.max(0).saturating_mul(self.burst.max(1)));
        if next > allowed_until {
            (
                Admission::Refused {
                    retry_after_us: next - allowed_until,
                },
                None,
            )
        } else {
            (Admission::Admitted, Some(next))
        }
    }
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

    /// A duration given in whole seconds, in milliseconds: `default_seconds` when the
    /// variable is unset, not a number, or not positive.
    fn seconds_as_ms(&self, name: &str, default_seconds: i64) -> i64 {
        self.get(name)
            .and_then(|v| v.trim().parse::<i64>().ok())
            .filter(|s| *s > 0)
            .unwrap_or(default_seconds)
            * 1000
    }
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

/// The id a response carries in `x-request-id`: the client's own when well formed (at
/// most 128 characters of `A-Z a-z 0-9 - _ . :`), else a fresh `req_<ULID>`. Every
/// component answers with one, so any response can be found in the logs.
pub fn request_id(given: Option<&str>, env: &Env<'_>) -> String {
    match given {
        Some(id)
            if !id.is_empty()
                && id.len() <= 128
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b)) =>
        {
            id.to_owned()
        }
        _ => {
            let ms = u64::try_from(env.clock.now_ms()).unwrap_or(0);
            format!("req_{}", ulid::Ulid::from_parts(ms, env.random.next_u128()))
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Replays arrivals through the algorithm; the admitted times.
    fn admitted(gcra: Gcra, arrivals: &[i64]) -> Vec<i64> {
        let mut tat = None;
        let mut out = Vec::new();
        for &t in arrivals {
            let (a, next) = gcra.step(tat, t);
            if a == Admission::Admitted {
                out.push(t);
                tat = next;
            }
        }
        out
    }

    #[test]
    fn a_burst_then_the_rate() {
        let gcra = Gcra {
            interval_us: 50_000,
            burst: 100,
        };
        // 1000 requests in the same instant: the burst
        assert_eq!(admitted(gcra, &[0; 1000]).len(), 100);
        // one every millisecond for 10 s: the burst plus 20 per second
        let arrivals: Vec<i64> = (0..10_000).map(|i| i * 1000).collect();
        let got = admitted(gcra, &arrivals);
        assert!((299..=300).contains(&got.len()), "{}", got.len());
    }

    #[test]
    fn no_window_admits_more_than_burst_plus_rate() {
        let gcra = Gcra {
            interval_us: 50_000,
            burst: 100,
        };
        // bursts every 3.7 s, then a steady trickle
        let mut arrivals = Vec::new();
        for k in 0..6 {
            arrivals.extend(std::iter::repeat_n(k * 3_700_000, 300));
        }
        arrivals.extend((0..5_000).map(|i| 22_200_000 + i * 3_000));
        arrivals.sort();
        let got = admitted(gcra, &arrivals);
        // admissions are in time order, so the ones in [got[i], got[j]] are j - i + 1
        for i in 0..got.len() {
            for j in i..got.len() {
                let (n, window) = ((j - i + 1) as i64, got[j] - got[i]);
                assert!(n <= 100 + window / 50_000 + 1, "{n} in {window} µs");
            }
        }
    }

    #[test]
    fn refusals_say_when_to_retry() {
        let gcra = Gcra {
            interval_us: 1_000_000,
            burst: 2,
        };
        let (_, tat) = gcra.step(None, 0);
        let (_, tat) = gcra.step(tat, 0);
        assert_eq!(
            gcra.step(tat, 0),
            (
                Admission::Refused {
                    retry_after_us: 1_000_000
                },
                None
            )
        );
        assert_eq!(gcra.step(tat, 1_000_000).0, Admission::Admitted);
    }
}
