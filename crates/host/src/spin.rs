//! The Spin host: ports over spin-sdk 5 (WASI 0.2), and the HTTP entry point.

use ports::{
    Admission, Clock, Env, Gcra, HttpService, Kv, KvError, Random, Rows, Sql, SqlError, Value,
    Variables,
};
use spin_sdk::http::{
    Headers, IncomingRequest, Method, OutgoingBody, OutgoingResponse, ResponseOutparam,
};
use std::cell::OnceCell;
use std::rc::Rc;

/// The `default` SQLite database, opened on first use so requests that never touch
/// it never pay for it.
#[derive(Default)]
pub struct SpinSql {
    conn: OnceCell<Result<spin_sdk::sqlite::Connection, SqlError>>,
}

/// Spin reports a libSQL server it cannot reach as an I/O error whose text comes from
/// the HTTP client; those (and a refused open) are [`SqlError::Unavailable`], so the
/// client gets a 503 it may retry rather than a 500.
fn sql_error(e: spin_sdk::sqlite::Error) -> SqlError {
    use spin_sdk::sqlite::Error as E;
    match e {
        E::Io(m) if is_unreachable(&m) => SqlError::Unavailable(m),
        E::Io(m) => SqlError::Statement(m),
        E::NoSuchDatabase | E::AccessDenied | E::InvalidConnection | E::DatabaseFull => {
            SqlError::Statement(e.to_string())
        }
    }
}

/// Whether an I/O error's text says the database server was not reached.
pub fn is_unreachable(message: &str) -> bool {
    const SIGNS: [&str; 10] = [
        "connection refused",
        "connection reset",
        "connection closed",
        "broken pipe",
        "error trying to connect",
        "tcp connect error",
        "timed out",
        "error sending request",
        "stream not found",
        // sqld shedding load: retryable like an outage
        "too many concurrent requests",
    ];
    let m = message.to_ascii_lowercase();
    SIGNS.iter().any(|s| m.contains(s))
}

impl Sql for SpinSql {
    fn execute(&self, sql: &str, params: &[Value]) -> Result<Rows, SqlError> {
        use spin_sdk::sqlite::Value as V;
        let conn = self
            .conn
            .get_or_init(|| {
                spin_sdk::sqlite::Connection::open_default()
                    .map_err(|e| SqlError::Unavailable(e.to_string()))
            })
            .as_ref()
            .map_err(Clone::clone)?;
        let params: Vec<V> = params
            .iter()
            .map(|p| match p {
                Value::Null => V::Null,
                Value::Integer(i) => V::Integer(*i),
                Value::Real(f) => V::Real(*f),
                Value::Text(s) => V::Text(s.clone()),
                Value::Blob(b) => V::Blob(b.clone()),
            })
            .collect();
        let result = conn.execute(sql, &params).map_err(sql_error)?;
        let rows = result
            .rows
            .into_iter()
            .map(|r| {
                r.values
                    .into_iter()
                    .map(|v| match v {
                        V::Null => Value::Null,
                        V::Integer(i) => Value::Integer(i),
                        V::Real(f) => Value::Real(f),
                        V::Text(s) => Value::Text(s),
                        V::Blob(b) => Value::Blob(b),
                    })
                    .collect()
            })
            .collect();
        Ok(Rows {
            columns: result.columns,
            rows,
        })
    }
}

/// The key-value store: Spin's `default` store through `wasi:keyvalue`, or — when the
/// Spin variable `redis_url` is set (several instances) — Redis itself, through Spin's
/// outbound Redis. Spin's Redis-backed `wasi:keyvalue` cannot be used for this: its
/// compare-and-swap reports every swap as failed and its `get-many` sends the wrong
/// command, while a Lua script gives the rate limit its atomic step in one round trip.
pub struct SpinKv {
    vars: Rc<SpinVariables>,
    backend: OnceCell<Backend>,
}

enum Backend {
    Wasi(WasiKv),
    Redis(RedisKv),
}

/// The Spin variable naming a Redis server (`redis://host:port[/db]`) to use as the
/// key-value store; empty: Spin's `default` store.
pub const REDIS_URL_VAR: &str = "redis_url";

impl SpinKv {
    fn backend(&self) -> &dyn Kv {
        let backend = self
            .backend
            .get_or_init(|| match self.vars.get(REDIS_URL_VAR) {
                Some(url) => Backend::Redis(RedisKv::new(url)),
                None => Backend::Wasi(WasiKv::default()),
            });
        match backend {
            Backend::Wasi(kv) => kv,
            Backend::Redis(kv) => kv,
        }
    }
}

impl Kv for SpinKv {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        self.backend().get(key)
    }
    fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, KvError> {
        self.backend().get_many(keys)
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
        self.backend().set(key, value)
    }
    fn delete(&self, key: &str) -> Result<(), KvError> {
        self.backend().delete(key)
    }
    fn delete_many(&self, keys: &[String]) -> Result<(), KvError> {
        self.backend().delete_many(keys)
    }
    fn increment(&self, key: &str, delta: i64) -> Result<i64, KvError> {
        self.backend().increment(key, delta)
    }
    fn counter(&self, raw: &[u8]) -> i64 {
        self.backend().counter(raw)
    }
    fn admit(&self, key: &str, now_us: i64, gcra: Gcra) -> Result<Admission, KvError> {
        self.backend().admit(key, now_us, gcra)
    }
}

/// Spin's `default` key-value store (`wasi:keyvalue`), opened on first use.
///
/// What Spin's stores guarantee, and what this relies on: `increment` is atomic on
/// every backend; compare-and-swap is exact on the embedded store only once the key
/// exists (creating through it is an upsert), so buckets are created with `increment`
/// (8-byte little-endian counters, the embedded store's counter encoding) and only then
/// swapped. Counters and buckets are never written any other way: the embedded store
/// panics on an `increment` of a value that is not 8 bytes.
#[derive(Default)]
pub struct WasiKv {
    bucket: OnceCell<Result<kv::Bucket, String>>,
}

use spin_sdk::wit::wasi::keyvalue::{atomics, batch, store as kv};

impl WasiKv {
    fn bucket(&self) -> Result<&kv::Bucket, KvError> {
        self.bucket
            .get_or_init(|| kv::open("default").map_err(|e| format!("{e:?}")))
            .as_ref()
            .map_err(|e| KvError(e.clone()))
    }
}

fn kv_error(e: kv::Error) -> KvError {
    KvError(format!("{e:?}"))
}

/// How many times a bucket update is retried when another request changed it first.
const ADMIT_ATTEMPTS: usize = 64;

impl Kv for WasiKv {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        self.bucket()?.get(key).map_err(kv_error)
    }
    fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, KvError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        // The embedded store leaves missing keys out and may reorder: match by key.
        let mut found = batch::get_many(self.bucket()?, keys).map_err(kv_error)?;
        Ok(keys
            .iter()
            .map(|k| {
                found
                    .iter_mut()
                    .find(|(fk, _)| fk == k)
                    .and_then(|(_, v)| v.take())
            })
            .collect())
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
        self.bucket()?.set(key, value).map_err(kv_error)
    }
    fn delete(&self, key: &str) -> Result<(), KvError> {
        self.bucket()?.delete(key).map_err(kv_error)
    }
    fn delete_many(&self, keys: &[String]) -> Result<(), KvError> {
        if keys.is_empty() {
            return Ok(());
        }
        batch::delete_many(self.bucket()?, keys).map_err(kv_error)
    }
    fn increment(&self, key: &str, delta: i64) -> Result<i64, KvError> {
        atomics::increment(self.bucket()?, key, delta).map_err(kv_error)
    }
    fn counter(&self, raw: &[u8]) -> i64 {
        raw.try_into().map(i64::from_le_bytes).unwrap_or(0)
    }
    fn admit(&self, key: &str, now_us: i64, gcra: Gcra) -> Result<Admission, KvError> {
        let bucket = self.bucket()?;
        let mut cas = atomics::Cas::new(bucket, key).map_err(kv_error)?;
        let mut current = cas.current().map_err(kv_error)?;
        if current.is_none() {
            // Create atomically (a swap on a missing key is an unconditional upsert).
            atomics::increment(bucket, key, 0).map_err(kv_error)?;
            cas = atomics::Cas::new(bucket, key).map_err(kv_error)?;
            current = cas.current().map_err(kv_error)?;
        }
        for _ in 0..ADMIT_ATTEMPTS {
            let tat = current
                .as_deref()
                .map(|raw| self.counter(raw))
                .filter(|t| *t > 0);
            let (admission, store) = gcra.step(tat, now_us);
            let Some(next) = store else {
                return Ok(admission);
            };
            match atomics::swap(cas, &next.to_le_bytes()) {
                Ok(()) => return Ok(admission),
                Err(atomics::CasError::CasFailed(again)) => {
                    current = again.current().map_err(kv_error)?;
                    cas = again;
                }
                Err(atomics::CasError::StoreError(e)) => return Err(kv_error(e)),
            }
        }
        // Persistent contention: refuse rather than admit past the bucket.
        Ok(Admission::Refused {
            retry_after_us: gcra.interval_us.max(1_000_000),
        })
    }
}

/// Redis through Spin's outbound Redis (one connection per request, opened on first use).
pub struct RedisKv {
    url: String,
    conn: OnceCell<Result<spin_sdk::redis::Connection, String>>,
}

use spin_sdk::redis::{RedisParameter as P, RedisResult as R};

/// The generic cell rate algorithm's step (as [`Gcra::step`]) in one atomic script:
/// returns 0 when admitted, else the microseconds until a request would be. The bucket
/// expires once it has drained, so idle keys leave nothing behind.
const GCRA_SCRIPT: &str = "local tat = tonumber(redis.call('GET', KEYS[1]) or '0') \
local now = tonumber(ARGV[1]) local interval = tonumber(ARGV[2]) local burst = tonumber(ARGV[3]) \
if tat < now then tat = now end \
local nxt = tat + interval local allowed = now + interval * burst \
if nxt > allowed then return nxt - allowed end \
redis.call('SET', KEYS[1], string.format('%d', nxt), 'PX', math.floor((nxt - now) / 1000) + 1000) \
return 0";

impl RedisKv {
    fn new(url: String) -> Self {
        RedisKv {
            url,
            conn: OnceCell::new(),
        }
    }

    fn conn(&self) -> Result<&spin_sdk::redis::Connection, KvError> {
        self.conn
            .get_or_init(|| {
                spin_sdk::redis::Connection::open(&self.url).map_err(|e| format!("redis: {e:?}"))
            })
            .as_ref()
            .map_err(|e| KvError(e.clone()))
    }

    fn run(&self, command: &str, args: Vec<P>) -> Result<Vec<R>, KvError> {
        self.conn()?
            .execute(command, &args)
            .map_err(|e| KvError(format!("redis {command}: {e:?}")))
    }

    fn int(&self, command: &str, args: Vec<P>) -> Result<i64, KvError> {
        match self.run(command, args)?.first() {
            Some(R::Int64(n)) => Ok(*n),
            other => Err(KvError(format!(
                "redis {command}: unexpected reply {other:?}"
            ))),
        }
    }
}

fn bin(s: &str) -> P {
    P::Binary(s.as_bytes().to_vec())
}

impl Kv for RedisKv {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        self.conn()?
            .get(key)
            .map_err(|e| KvError(format!("redis GET: {e:?}")))
    }
    fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, KvError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let values = self.run("MGET", keys.iter().map(|k| bin(k)).collect())?;
        if values.len() != keys.len() {
            return Err(KvError(format!(
                "redis MGET: {} replies for {} keys",
                values.len(),
                keys.len()
            )));
        }
        Ok(values
            .into_iter()
            .map(|v| match v {
                R::Binary(b) => Some(b),
                R::Status(s) => Some(s.into_bytes()),
                R::Int64(n) => Some(n.to_string().into_bytes()),
                R::Nil => None,
            })
            .collect())
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
        self.conn()?
            .set(key, value)
            .map_err(|e| KvError(format!("redis SET: {e:?}")))
    }
    fn delete(&self, key: &str) -> Result<(), KvError> {
        self.delete_many(&[key.to_owned()])
    }
    fn delete_many(&self, keys: &[String]) -> Result<(), KvError> {
        if keys.is_empty() {
            return Ok(());
        }
        self.conn()?
            .del(keys)
            .map(|_| ())
            .map_err(|e| KvError(format!("redis DEL: {e:?}")))
    }
    fn increment(&self, key: &str, delta: i64) -> Result<i64, KvError> {
        self.int("INCRBY", vec![bin(key), P::Int64(delta)])
    }
    fn counter(&self, raw: &[u8]) -> i64 {
        std::str::from_utf8(raw)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0)
    }
    fn admit(&self, key: &str, now_us: i64, gcra: Gcra) -> Result<Admission, KvError> {
        let wait = self.int(
            "EVAL",
            vec![
                bin(GCRA_SCRIPT),
                P::Int64(1),
                bin(key),
                P::Int64(now_us),
                P::Int64(gcra.interval_us.max(0)),
                P::Int64(gcra.burst.max(1)),
            ],
        )?;
        Ok(if wait <= 0 {
            Admission::Admitted
        } else {
            Admission::Refused {
                retry_after_us: wait,
            }
        })
    }
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
    }
}

/// WASI randomness (`wasi:random`), through getrandom.
pub struct WasiRandom;

impl Random for WasiRandom {
    fn fill(&self, buf: &mut [u8]) {
        // wasi:random cannot fail; if it ever did, ids must not become predictable.
        if getrandom::fill(buf).is_err() {
            panic!("wasi:random unavailable");
        }
    }
}

/// The component's variables, all read in one host call the first time one is asked
/// for (measured: a request's first variable read costs about as much as reading them
/// all, and each further read adds to it).
#[derive(Default)]
pub struct SpinVariables {
    all: OnceCell<Vec<(String, String)>>,
}

impl Variables for SpinVariables {
    fn get(&self, name: &str) -> Option<String> {
        self.all
            .get_or_init(|| spin_sdk::wit::wasi::config::store::get_all().unwrap_or_default())
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    }
}

/// One request's host: every port, lazily connected.
pub struct SpinHost {
    pub sql: SpinSql,
    pub kv: SpinKv,
    pub vars: Rc<SpinVariables>,
}

impl Default for SpinHost {
    fn default() -> Self {
        let vars = Rc::new(SpinVariables::default());
        SpinHost {
            sql: SpinSql::default(),
            kv: SpinKv {
                vars: vars.clone(),
                backend: OnceCell::new(),
            },
            vars,
        }
    }
}

impl SpinHost {
    pub fn env(&self) -> Env<'_> {
        Env {
            sql: &self.sql,
            kv: &self.kv,
            clock: &SystemClock,
            random: &WasiRandom,
            vars: &*self.vars,
            http: &SpinHttp,
        }
    }
}

/// Drained request bodies are read at most this far before giving up on the rest.
const DRAIN_LIMIT: usize = 64 << 20;

/// Serves one request with `service`: read, handle, respond, then run deferred work.
pub fn serve<S: HttpService>(service: &S, req: IncomingRequest, out: ResponseOutparam) {
    let host = SpinHost::default();
    let env = host.env();
    let request = read_request(&req, service.body_limit());
    let (response, after) = service.handle(env, request);
    if service.streams(&after) {
        send_stream(response, out, &mut |write| {
            service.stream(env, &after, write)
        });
    } else {
        send_response(response, out);
    }
    service.after(env, after);
}

/// Writes bytes to a streamed body; false once the client is gone.
type Writer<'w> = dyn FnMut(&[u8]) -> bool + 'w;

/// Sends the head at once (no content-length: the body is chunked), then lets `body`
/// write the stream; each write is flushed so events reach the client as they happen.
fn send_stream(
    response: http::Response<Vec<u8>>,
    out: ResponseOutparam,
    body: &mut dyn FnMut(&mut Writer<'_>),
) {
    let (parts, _) = response.into_parts();
    let headers = Headers::new();
    for (name, value) in parts.headers.iter() {
        let _ = headers.append(name.as_str(), value.as_bytes());
    }
    let resp = OutgoingResponse::new(headers);
    let _ = resp.set_status_code(parts.status.as_u16());
    let Ok(outgoing) = resp.body() else {
        out.set(resp);
        return;
    };
    out.set(resp);
    let Ok(stream) = outgoing.write() else {
        return;
    };
    let mut write = |bytes: &[u8]| {
        bytes
            .chunks(4096)
            .all(|chunk| stream.blocking_write_and_flush(chunk).is_ok())
    };
    body(&mut write);
    drop(stream);
    let _ = OutgoingBody::finish(outgoing, None);
}

fn read_request(req: &IncomingRequest, limit: usize) -> http::Request<Vec<u8>> {
    let method = match req.method() {
        Method::Get => "GET".to_owned(),
        Method::Head => "HEAD".to_owned(),
        Method::Post => "POST".to_owned(),
        Method::Put => "PUT".to_owned(),
        Method::Delete => "DELETE".to_owned(),
        Method::Connect => "CONNECT".to_owned(),
        Method::Options => "OPTIONS".to_owned(),
        Method::Trace => "TRACE".to_owned(),
        Method::Patch => "PATCH".to_owned(),
        Method::Other(m) => m,
    };
    let uri = req.path_with_query().unwrap_or_else(|| "/".to_owned());
    let mut builder = http::Request::builder()
        .method(method.as_str())
        .uri(uri.as_str());
    for (name, value) in req.headers().entries() {
        builder = builder.header(name, value);
    }
    let body = read_body(req, limit);
    builder.body(body).unwrap_or_else(|_| {
        // An unparseable method or URI: hand the service something it will answer 404 to.
        let mut r = http::Request::new(Vec::new());
        *r.uri_mut() = http::Uri::from_static("/__invalid__");
        r
    })
}

/// Reads up to `limit + 1` bytes (so "too large" is visible), then drains the rest so
/// the client receives our 413 instead of a reset connection.
fn read_body(req: &IncomingRequest, limit: usize) -> Vec<u8> {
    let mut body = Vec::new();
    let Ok(incoming) = req.consume() else {
        return body;
    };
    let Ok(stream) = incoming.stream() else {
        return body;
    };
    let mut seen = 0usize;
    while let Ok(chunk) = stream.blocking_read(64 * 1024) {
        seen += chunk.len();
        if body.len() <= limit {
            let room = limit + 1 - body.len();
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        }
        if seen > DRAIN_LIMIT {
            break;
        }
    }
    body
}

/// Writes the body *before* handing the response to Spin when it fits the stream's
/// buffer, so headers and body leave in one write: Spin does not set TCP_NODELAY, and a
/// response split in two stalls keep-alive clients on delayed ACKs (~40 ms).
fn send_response(response: http::Response<Vec<u8>>, out: ResponseOutparam) {
    let (parts, body) = response.into_parts();
    let headers = Headers::new();
    for (name, value) in parts.headers.iter() {
        let _ = headers.append(name.as_str(), value.as_bytes());
    }
    let _ = headers.set("content-length", &[body.len().to_string().into_bytes()]);
    let resp = OutgoingResponse::new(headers);
    let _ = resp.set_status_code(parts.status.as_u16());
    let Ok(outgoing) = resp.body() else {
        out.set(resp);
        return;
    };
    let Ok(stream) = outgoing.write() else {
        out.set(resp);
        return;
    };
    let budget = stream.check_write().unwrap_or(0) as usize;
    let first = body.len().min(budget);
    if first > 0 && stream.write(&body[..first]).is_err() {
        return;
    }
    if first == body.len() {
        let _ = stream.flush();
        drop(stream);
        let _ = OutgoingBody::finish(outgoing, None);
        out.set(resp);
        return;
    }
    out.set(resp);
    for chunk in body[first..].chunks(4096) {
        if stream.blocking_write_and_flush(chunk).is_err() {
            return;
        }
    }
    drop(stream);
    let _ = OutgoingBody::finish(outgoing, None);
}

/// Outbound HTTP through `wasi:http/outgoing-handler`, blocking on its pollables.
/// Spin's `allowed_outbound_hosts` decides what is reachable at all.
pub struct SpinHttp;

impl ports::HttpClient for SpinHttp {
    fn send(
        &self,
        req: http::Request<Vec<u8>>,
        limits: ports::Limits,
    ) -> Result<http::Response<Vec<u8>>, ports::HttpError> {
        outbound::send(req, limits)
    }
}

mod outbound {
    use ports::{HttpError, Limits};
    use spin_sdk::http::{Headers, Method, OutgoingBody, OutgoingRequest, Scheme};
    use spin_sdk::wit::wasi::http0_2_0::outgoing_handler;
    use spin_sdk::wit::wasi::http0_2_0::types::{ErrorCode, RequestOptions};

    pub fn send(
        req: http::Request<Vec<u8>>,
        limits: Limits,
    ) -> Result<http::Response<Vec<u8>>, HttpError> {
        let (parts, body) = req.into_parts();
        let headers = Headers::new();
        for (name, value) in parts.headers.iter() {
            headers
                .append(name.as_str(), value.as_bytes())
                .map_err(|e| HttpError::Protocol(format!("header {name}: {e:?}")))?;
        }
        // A known length instead of chunked encoding, which simple servers mishandle.
        if !body.is_empty() && !parts.headers.contains_key(http::header::CONTENT_LENGTH) {
            headers
                .append("content-length", &body.len().to_string().into_bytes())
                .map_err(|e| HttpError::Protocol(format!("content-length: {e:?}")))?;
        }
        let out = OutgoingRequest::new(headers);
        let method = match parts.method.as_str() {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            "HEAD" => Method::Head,
            other => Method::Other(other.to_owned()),
        };
        let scheme = match parts.uri.scheme_str() {
            Some("https") => Scheme::Https,
            Some("http") => Scheme::Http,
            other => return Err(HttpError::Protocol(format!("unsupported scheme {other:?}"))),
        };
        let set = |ok: Result<(), ()>, what: &str| {
            ok.map_err(|_| HttpError::Protocol(format!("invalid {what}")))
        };
        set(out.set_method(&method), "method")?;
        set(out.set_scheme(Some(&scheme)), "scheme")?;
        set(
            out.set_authority(parts.uri.authority().map(|a| a.as_str())),
            "host",
        )?;
        set(
            out.set_path_with_query(parts.uri.path_and_query().map(|p| p.as_str())),
            "path",
        )?;
        let options = RequestOptions::new();
        let ns = limits.timeout_ms.saturating_mul(1_000_000);
        let _ = options.set_connect_timeout(Some(ns));
        let _ = options.set_first_byte_timeout(Some(ns));
        let _ = options.set_between_bytes_timeout(Some(ns));
        let outgoing = out
            .body()
            .map_err(|_| HttpError::Protocol("request body unavailable".into()))?;
        let future = outgoing_handler::handle(out, Some(options)).map_err(error)?;
        {
            let stream = outgoing
                .write()
                .map_err(|_| HttpError::Protocol("request body stream unavailable".into()))?;
            for chunk in body.chunks(4096) {
                stream
                    .blocking_write_and_flush(chunk)
                    .map_err(|e| HttpError::Protocol(format!("sending the body: {e:?}")))?;
            }
        }
        OutgoingBody::finish(outgoing, None).map_err(error)?;
        future.subscribe().block();
        let response = match future.get() {
            Some(Ok(Ok(r))) => r,
            Some(Ok(Err(e))) => return Err(error(e)),
            _ => return Err(HttpError::Protocol("no response".into())),
        };
        let mut builder = http::Response::builder().status(response.status());
        for (name, value) in response.headers().entries() {
            builder = builder.header(name, value);
        }
        let incoming = response
            .consume()
            .map_err(|_| HttpError::Protocol("response body unavailable".into()))?;
        let mut bytes = Vec::new();
        let mut truncated = false;
        {
            let stream = incoming
                .stream()
                .map_err(|_| HttpError::Protocol("response body stream unavailable".into()))?;
            loop {
                match stream.blocking_read(64 * 1024) {
                    Ok(chunk) => {
                        bytes.extend_from_slice(&chunk);
                        if bytes.len() > limits.max_response_bytes {
                            if !limits.truncate {
                                return Err(HttpError::TooLarge);
                            }
                            bytes.truncate(limits.max_response_bytes);
                            truncated = true;
                            break;
                        }
                    }
                    Err(wasi::io::streams::StreamError::Closed) => break,
                    Err(e) => return Err(HttpError::Protocol(format!("reading the body: {e:?}"))),
                }
            }
        }
        if truncated {
            builder = builder.extension(ports::Truncated);
        }
        builder
            .body(bytes)
            .map_err(|e| HttpError::Protocol(e.to_string()))
    }

    fn error(e: ErrorCode) -> HttpError {
        match e {
            ErrorCode::ConnectionTimeout
            | ErrorCode::ConnectionReadTimeout
            | ErrorCode::ConnectionWriteTimeout => HttpError::Timeout,
            ErrorCode::DnsTimeout => HttpError::Timeout,
            ErrorCode::HttpResponseTimeout => HttpError::Timeout,
            ErrorCode::DnsError(_)
            | ErrorCode::DestinationNotFound
            | ErrorCode::DestinationUnavailable
            | ErrorCode::DestinationIpProhibited
            | ErrorCode::DestinationIpUnroutable
            | ErrorCode::ConnectionRefused
            | ErrorCode::ConnectionTerminated
            | ErrorCode::TlsProtocolError
            | ErrorCode::TlsCertificateError
            | ErrorCode::TlsAlertReceived(_) => HttpError::Connect(format!("{e:?}")),
            ErrorCode::HttpRequestDenied => HttpError::Connect(
                "the host is not in this component's allowed_outbound_hosts".into(),
            ),
            other => HttpError::Protocol(format!("{other:?}")),
        }
    }
}
