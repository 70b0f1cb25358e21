//! A host for native tests: deterministic, in memory, inspectable.

use ports::{
    Admission, Clock, Env, Gcra, HttpClient, HttpError, Kv, KvError, Limits, Random, Rows, Sql,
    SqlError, Value, Variables,
};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::collections::VecDeque;

/// An in-memory SQLite database that outlives "requests", like the real one.
pub struct NativeSql {
    conn: rusqlite::Connection,
    /// Statements executed so far (tests assert hot paths stay cheap).
    pub statements: Cell<usize>,
}

impl NativeSql {
    pub fn in_memory() -> Self {
        Self {
            conn: rusqlite::Connection::open_in_memory().expect("in-memory sqlite"),
            statements: Cell::new(0),
        }
    }
}

impl Sql for NativeSql {
    fn execute(&self, sql: &str, params: &[Value]) -> Result<Rows, SqlError> {
        self.statements.set(self.statements.get() + 1);
        let mut stmt = self
            .conn
            .prepare(sql)
            .map_err(|e| SqlError::Statement(e.to_string()))?;
        let columns: Vec<String> = stmt.column_names().into_iter().map(str::to_owned).collect();
        let n = columns.len();
        let params = rusqlite::params_from_iter(params.iter().map(to_sql));
        let mut rows = stmt
            .query(params)
            .map_err(|e| SqlError::Statement(e.to_string()))?;
        let mut out = Vec::new();
        while let Some(row) = rows
            .next()
            .map_err(|e| SqlError::Statement(e.to_string()))?
        {
            let mut values = Vec::with_capacity(n);
            for i in 0..n {
                let v = row
                    .get_ref(i)
                    .map_err(|e| SqlError::Statement(e.to_string()))?;
                values.push(from_sql(v));
            }
            out.push(values);
        }
        Ok(Rows { columns, rows: out })
    }
}

fn to_sql(v: &Value) -> rusqlite::types::Value {
    use rusqlite::types::Value as R;
    match v {
        Value::Null => R::Null,
        Value::Integer(i) => R::Integer(*i),
        Value::Real(f) => R::Real(*f),
        Value::Text(s) => R::Text(s.clone()),
        Value::Blob(b) => R::Blob(b.clone()),
    }
}

fn from_sql(v: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef as R;
    match v {
        R::Null => Value::Null,
        R::Integer(i) => Value::Integer(i),
        R::Real(f) => Value::Real(f),
        R::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        R::Blob(b) => Value::Blob(b.to_vec()),
    }
}

/// An in-memory key-value store that counts its reads (tests assert hot paths make few).
#[derive(Default)]
pub struct MemKv {
    map: RefCell<HashMap<String, Vec<u8>>>,
    /// `get` and `get_many` calls so far.
    pub reads: Cell<usize>,
}

impl Kv for MemKv {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        self.reads.set(self.reads.get() + 1);
        Ok(self.map.borrow().get(key).cloned())
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
        self.map.borrow_mut().insert(key.to_owned(), value.to_vec());
        Ok(())
    }
    fn delete(&self, key: &str) -> Result<(), KvError> {
        self.map.borrow_mut().remove(key);
        Ok(())
    }
    fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, KvError> {
        self.reads.set(self.reads.get() + 1);
        let map = self.map.borrow();
        Ok(keys.iter().map(|k| map.get(k).cloned()).collect())
    }
    fn delete_many(&self, keys: &[String]) -> Result<(), KvError> {
        let mut map = self.map.borrow_mut();
        for k in keys {
            map.remove(k);
        }
        Ok(())
    }
    fn increment(&self, key: &str, delta: i64) -> Result<i64, KvError> {
        let mut map = self.map.borrow_mut();
        let value = map.get(key).map_or(0, |raw| self.counter(raw)) + delta;
        map.insert(key.to_owned(), value.to_le_bytes().to_vec());
        Ok(value)
    }
    fn counter(&self, raw: &[u8]) -> i64 {
        raw.try_into().map(i64::from_le_bytes).unwrap_or(0)
    }
    fn admit(&self, key: &str, now_us: i64, gcra: Gcra) -> Result<Admission, KvError> {
        let mut map = self.map.borrow_mut();
        let tat = map.get(key).map(|raw| self.counter(raw));
        let (admission, store) = gcra.step(tat, now_us);
        if let Some(tat) = store {
            map.insert(key.to_owned(), tat.to_le_bytes().to_vec());
        }
        Ok(admission)
    }
}

/// A clock tests move by hand.
pub struct ManualClock {
    ms: Cell<i64>,
}

impl ManualClock {
    pub fn at(ms: i64) -> Self {
        Self { ms: Cell::new(ms) }
    }
    pub fn advance(&self, ms: i64) {
        self.ms.set(self.ms.get() + ms);
    }
    pub fn set(&self, ms: i64) {
        self.ms.set(ms);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.ms.get()
    }

    /// Tests never wait: time jumps.
    fn sleep_ms(&self, ms: u64) {
        self.advance(ms as i64);
    }
}

/// Deterministic randomness (splitmix64), good enough for ids in tests.
pub struct SeededRandom {
    state: Cell<u64>,
}

impl SeededRandom {
    pub fn new(seed: u64) -> Self {
        Self {
            state: Cell::new(seed),
        }
    }
}

impl Random for SeededRandom {
    fn fill(&self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let mut z = self.state.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
            self.state.set(z);
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
        }
    }
}

#[derive(Default)]
pub struct MapVars {
    map: RefCell<HashMap<String, String>>,
}

impl MapVars {
    pub fn set(&self, name: &str, value: &str) {
        self.map
            .borrow_mut()
            .insert(name.to_owned(), value.to_owned());
    }
}

impl Variables for MapVars {
    fn get(&self, name: &str) -> Option<String> {
        self.map
            .borrow()
            .get(name)
            .filter(|v| !v.is_empty())
            .cloned()
    }
}

type Responder = Box<dyn Fn(&http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, HttpError>>;

/// Outbound HTTP for tests: answers from a script, in order, and records every request.
#[derive(Default)]
pub struct ScriptedHttp {
    script: RefCell<VecDeque<Responder>>,
    pub sent: RefCell<Vec<http::Request<Vec<u8>>>>,
}

impl ScriptedHttp {
    /// Queues the answer to the next request.
    pub fn then(
        &self,
        f: impl Fn(&http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, HttpError> + 'static,
    ) {
        self.script.borrow_mut().push_back(Box::new(f));
    }

    /// Queues a JSON answer with the given status and extra headers.
    pub fn then_json(&self, status: u16, body: serde_json::Value, headers: &[(&str, &str)]) {
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.then(move |_| {
            let mut b = http::Response::builder()
                .status(status)
                .header("content-type", "application/json");
            for (k, v) in &headers {
                b = b.header(k, v);
            }
            Ok(b.body(serde_json::to_vec(&body).unwrap_or_default())
                .unwrap_or_default())
        });
    }
}

impl HttpClient for ScriptedHttp {
    fn send(
        &self,
        req: http::Request<Vec<u8>>,
        limits: Limits,
    ) -> Result<http::Response<Vec<u8>>, HttpError> {
        let next = self.script.borrow_mut().pop_front();
        let result = match &next {
            Some(f) => f(&req).and_then(|mut resp| {
                // the same cut the Spin host makes
                if resp.body().len() > limits.max_response_bytes {
                    if !limits.truncate {
                        return Err(HttpError::TooLarge);
                    }
                    resp.body_mut().truncate(limits.max_response_bytes);
                    resp.extensions_mut().insert(ports::Truncated);
                }
                Ok(resp)
            }),
            None => Err(HttpError::Connect(format!(
                "no scripted response for {} {}",
                req.method(),
                req.uri()
            ))),
        };
        self.sent.borrow_mut().push(req);
        result
    }
}

/// Everything a test needs, owning what [`Env`] borrows.
pub struct NativeHost {
    pub sql: NativeSql,
    pub kv: MemKv,
    pub clock: ManualClock,
    pub random: SeededRandom,
    pub vars: MapVars,
    pub http: ScriptedHttp,
}

impl NativeHost {
    /// A fresh host at 2026-01-01T00:00:00Z.
    pub fn new() -> Self {
        Self {
            sql: NativeSql::in_memory(),
            kv: MemKv::default(),
            clock: ManualClock::at(1_767_225_600_000),
            random: SeededRandom::new(7),
            vars: MapVars::default(),
            http: ScriptedHttp::default(),
        }
    }

    pub fn env(&self) -> Env<'_> {
        Env {
            sql: &self.sql,
            kv: &self.kv,
            clock: &self.clock,
            random: &self.random,
            vars: &self.vars,
            http: &self.http,
        }
    }
}

impl Default for NativeHost {
    fn default() -> Self {
        Self::new()
    }
}
