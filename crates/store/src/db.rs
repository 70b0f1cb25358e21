use ports::{Rows, Sql, SqlError, Value};
use std::cell::{Cell, RefCell};
use std::fmt;

/// A store failure. Unique-constraint violations become [`StoreError::Conflict`].
#[derive(Clone, Debug, PartialEq)]
pub enum StoreError {
    /// A uniqueness rule was broken; names the client-facing field.
    Conflict { field: String, message: String },
    /// The database failed or returned something unreadable.
    Backend(String),
    /// The database could not be reached; nothing was written by this statement.
    Unavailable(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Conflict { field, message } => write!(f, "conflict on {field}: {message}"),
            StoreError::Backend(m) => write!(f, "store: {m}"),
            StoreError::Unavailable(m) => write!(f, "store unavailable: {m}"),
        }
    }
}
impl std::error::Error for StoreError {}

impl From<SqlError> for StoreError {
    fn from(e: SqlError) -> Self {
        let msg = match e {
            SqlError::Unavailable(m) => return StoreError::Unavailable(m),
            SqlError::Statement(m) => m,
        };
        if let Some(cols) = msg.split("UNIQUE constraint failed:").nth(1) {
            let (field, message) = conflict_field(cols);
            return StoreError::Conflict {
                field: field.to_owned(),
                message: message.to_owned(),
            };
        }
        StoreError::Backend(msg)
    }
}

/// The client-facing field behind a unique index, from SQLite's column list.
fn conflict_field(cols: &str) -> (&'static str, &'static str) {
    const TAKEN: &str = "is already used by another resource of this kind";
    if cols.contains("external_id") {
        ("metadata.externalId", TAKEN)
    } else if cols.contains("memory_entries.key") {
        ("spec.key", "is already used by another entry of this layer")
    } else if cols.contains("tools.llm_tool_name") {
        (
            "spec.llmToolName",
            "is already used by another tool of this tool set",
        )
    } else if cols.contains("ai_provider_keys.family") {
        (
            "spec.provider",
            "this workspace already has a key for this model family; update or delete it",
        )
    } else if cols.contains("workspace_secrets.name") {
        (
            "metadata.name",
            "is already used by another secret of this workspace",
        )
    } else if cols.contains("variation_assignments.target_id") {
        ("assignment", "is already assigned to this variation")
    } else if cols.contains("memory_layer_assignments.position") {
        (
            "position",
            "is already taken by another memory layer of this variation",
        )
    } else if cols.contains("memory_layer_assignments.memory_layer_id") {
        ("memoryLayerId", "is already assigned to this variation")
    } else if cols.contains("memory_layers.agent_id") {
        ("spec.episodicKey", "already has a layer for this agent")
    } else {
        ("metadata.id", TAKEN)
    }
}

/// One request's database handle. The connection opens on the first statement (a
/// request served from the key-value store never opens it), and that first statement
/// is the schema check: whichever request first meets an old or fresh database
/// migrates it.
pub struct Db<'a> {
    sql: &'a dyn Sql,
    relaxed_sync: Cell<bool>,
    schema_checked: Cell<bool>,
    /// The schema check was skipped on the caller's word.
    schema_seen: Cell<bool>,
    transaction: RefCell<Txn>,
}

/// Where the handle stands with `BEGIN … COMMIT`.
#[derive(Default)]
enum Txn {
    #[default]
    None,
    /// Open, with every statement run since `BEGIN` and what it answered: what a replay
    /// must see again.
    Open(Vec<Ran>),
    /// An interrupt rolled the transaction back and it could not be replayed; every
    /// statement until the caller's `ROLLBACK` is refused, so none autocommits.
    Lost,
}

/// One statement of an open transaction and its outcome.
struct Ran {
    sql: String,
    params: Vec<Value>,
    outcome: Result<Rows, SqlError>,
}

/// How many times an interrupted transaction is replayed before the request gets 503.
const INTERRUPT_REPLAYS: u32 = 3;

/// How long a statement waits, in all, for another connection's write lock (a libSQL
/// server answers SQLITE_BUSY after its own short wait) before the request gets 503.
const BUSY_BUDGET_MS: u64 = 3_000;

/// Whether sqld interrupted the statement. Its per-connection cancel flag is set when a
/// cursor response is dropped before the server task that fed it ended, and that can
/// land after the next request on the stream cleared the flag, so the next statement
/// long enough to reach SQLite's progress handler is interrupted (`SQLITE_INTERRUPT`
/// at step 0, seen in the distributed suite). Outside a transaction the statement did
/// nothing and is retried like a BUSY one. Inside one, SQLite rolled the whole
/// transaction back, so it is replayed (see [`Db::replay`]).
fn interrupted(e: &SqlError) -> bool {
    e.message().contains("SQLITE_INTERRUPT")
}

/// Whether the backend refused a statement because another connection holds the lock.
fn busy(e: &SqlError) -> bool {
    let m = e.message();
    m.contains("SQLITE_BUSY") || m.contains("database is locked")
}

fn lost() -> StoreError {
    StoreError::Unavailable(
        "the transaction was interrupted and could not be replayed; nothing was written".into(),
    )
}

impl<'a> Db<'a> {
    pub fn new(sql: &'a dyn Sql) -> Self {
        Self {
            sql,
            relaxed_sync: Cell::new(false),
            schema_checked: Cell::new(false),
            schema_seen: Cell::new(false),
            transaction: RefCell::new(Txn::None),
        }
    }

    /// Skips this handle's schema check: the caller knows the schema is current (the
    /// key-value store says a request already saw it so).
    pub fn assume_schema_current(&self) {
        self.schema_checked.set(true);
        self.schema_seen.set(true);
    }

    /// Whether this handle checked (or migrated) the schema against the database.
    pub fn checked_schema(&self) -> bool {
        self.schema_checked.get() && !self.schema_seen.get()
    }

    pub(crate) fn exec(&self, sql: &str, params: &[Value]) -> Result<Rows, StoreError> {
        if !self.schema_checked.replace(true) {
            crate::schema::ensure(self)?;
        }
        match *self.transaction.borrow() {
            Txn::None => return self.exec_alone(sql, params),
            Txn::Lost => return Err(lost()),
            Txn::Open(_) => {}
        }
        let mut outcome = self.sql.execute(sql, params);
        let mut replays = 0;
        while matches!(&outcome, Err(e) if interrupted(e)) {
            // `COMMIT` or `ROLLBACK` itself interrupted: what SQLite kept is unknown
            if replays == INTERRUPT_REPLAYS || sql == "COMMIT" || sql == "ROLLBACK" {
                *self.transaction.borrow_mut() = Txn::Lost;
                return Err(lost());
            }
            replays += 1;
            if !self.replay()? {
                continue;
            }
            outcome = self.sql.execute(sql, params);
        }
        if let Txn::Open(log) = &mut *self.transaction.borrow_mut() {
            log.push(Ran {
                sql: sql.to_owned(),
                params: params.to_vec(),
                outcome: outcome.clone(),
            });
        }
        outcome.map_err(StoreError::from)
    }

    /// A statement outside `BEGIN … COMMIT` (`BEGIN` itself included): one refused as
    /// BUSY or interrupted did nothing, so it is run again after a pause.
    fn exec_alone(&self, sql: &str, params: &[Value]) -> Result<Rows, StoreError> {
        let mut waited_ms = 0;
        let mut pause_ms = 2;
        loop {
            match self.sql.execute(sql, params) {
                Err(e) if busy(&e) || interrupted(&e) => {
                    if waited_ms >= BUSY_BUDGET_MS {
                        return Err(StoreError::Unavailable(format!(
                            "still locked after {waited_ms} ms: {}",
                            e.message()
                        )));
                    }
                    std::thread::sleep(std::time::Duration::from_millis(pause_ms));
                    waited_ms += pause_ms;
                    pause_ms = (pause_ms * 2).min(100);
                }
                other => return other.map_err(StoreError::from),
            }
        }
    }

    /// After an interrupt rolled the open transaction back: begins it again and reruns
    /// its statements. The caller decided each statement on what the earlier ones
    /// answered, so when every one answers the same again, the replayed transaction is
    /// exactly what running the caller afresh would have built. If any answers
    /// differently (another writer got in between), the transaction is lost and the
    /// request gets 503. `Ok(false)`: the replay was interrupted itself; try again.
    fn replay(&self) -> Result<bool, StoreError> {
        let Txn::Open(log) = std::mem::take(&mut *self.transaction.borrow_mut()) else {
            return Err(lost());
        };
        // whatever SQLite kept of the transaction goes ("no transaction is active" is
        // the expected answer)
        let _ = self.sql.execute("ROLLBACK", &[]);
        let begun = self.exec_alone("BEGIN IMMEDIATE", &[]);
        *self.transaction.borrow_mut() = Txn::Lost;
        begun?;
        for ran in &log {
            let again = self.sql.execute(&ran.sql, &ran.params);
            if matches!(&again, Err(e) if interrupted(e)) {
                *self.transaction.borrow_mut() = Txn::Open(log);
                return Ok(false);
            }
            if again != ran.outcome {
                return Err(lost());
            }
        }
        *self.transaction.borrow_mut() = Txn::Open(log);
        Ok(true)
    }

    /// The first row, if any.
    pub(crate) fn one(
        &self,
        sql: &str,
        params: &[Value],
    ) -> Result<Option<Vec<Value>>, StoreError> {
        Ok(self.exec(sql, params)?.rows.into_iter().next())
    }

    /// Before the first write of a connection: WAL with `synchronous=NORMAL` commits
    /// without an fsync each time and stays consistent after a crash.
    pub fn prepare_write(&self) -> Result<(), StoreError> {
        if !self.relaxed_sync.replace(true) {
            match self.exec("PRAGMA synchronous = NORMAL", &[]) {
                // libSQL servers (sqld) manage durability themselves and refuse it
                Err(StoreError::Backend(m)) if unsupported(&m) => {}
                other => {
                    other?;
                }
            }
        }
        Ok(())
    }

    /// Runs `f` in a write transaction (`BEGIN IMMEDIATE`, so concurrent writers queue
    /// instead of failing). Commits on `Ok` when `commit` is true, otherwise rolls back:
    /// that is how `dryRun` sees exactly what would happen and keeps none of it.
    pub fn transaction<T, E>(
        &self,
        commit: bool,
        f: impl FnOnce(&Db<'a>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        self.prepare_write()?;
        self.exec("BEGIN IMMEDIATE", &[])?;
        *self.transaction.borrow_mut() = Txn::Open(Vec::new());
        let result = f(self);
        if matches!(*self.transaction.borrow(), Txn::Lost) {
            // the caller may have swallowed the error; the transaction is gone either way
            *self.transaction.borrow_mut() = Txn::None;
            let _ = self.sql.execute("ROLLBACK", &[]);
            return result.and(Err(lost().into()));
        }
        let end = if result.is_ok() && commit {
            "COMMIT"
        } else {
            "ROLLBACK"
        };
        let ended = self.exec(end, &[]);
        *self.transaction.borrow_mut() = Txn::None;
        match ended {
            Ok(_) => result,
            Err(e) => {
                // A failed COMMIT leaves the transaction open; close it before reporting.
                let _ = self.exec("ROLLBACK", &[]);
                result.and(Err(e.into()))
            }
        }
    }
}

/// A statement the backend does not run at all (sqld refuses the PRAGMAs that tune
/// SQLite's journal, which it manages itself).
pub(crate) fn unsupported(message: &str) -> bool {
    message.contains("unsupported statement")
}

/// Typed access to one result row.
pub struct Row<'r>(pub &'r [Value]);

impl<'r> Row<'r> {
    fn get(&self, i: usize) -> Result<&'r Value, StoreError> {
        self.0
            .get(i)
            .ok_or_else(|| StoreError::Backend(format!("missing column {i}")))
    }

    pub fn text(&self, i: usize) -> Result<String, StoreError> {
        match self.get(i)? {
            Value::Text(s) => Ok(s.clone()),
            other => Err(StoreError::Backend(format!(
                "column {i}: expected text, got {other:?}"
            ))),
        }
    }

    pub fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError> {
        match self.get(i)? {
            Value::Null => Ok(None),
            Value::Text(s) => Ok(Some(s.clone())),
            other => Err(StoreError::Backend(format!(
                "column {i}: expected text, got {other:?}"
            ))),
        }
    }

    pub fn int(&self, i: usize) -> Result<i64, StoreError> {
        match self.get(i)? {
            Value::Integer(n) => Ok(*n),
            other => Err(StoreError::Backend(format!(
                "column {i}: expected integer, got {other:?}"
            ))),
        }
    }

    pub fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        match self.get(i)? {
            Value::Null => Ok(None),
            Value::Integer(n) => Ok(Some(*n)),
            other => Err(StoreError::Backend(format!(
                "column {i}: expected integer, got {other:?}"
            ))),
        }
    }

    /// A wire-enum column (`parse` is the enum's `parse`).
    pub fn wire<T>(&self, i: usize, parse: fn(&str) -> Option<T>) -> Result<T, StoreError> {
        let s = self.text(i)?;
        parse(&s).ok_or_else(|| StoreError::Backend(format!("column {i}: unknown value {s}")))
    }

    /// A number column (SQLite hands back whole REALs as integers).
    pub fn real(&self, i: usize) -> Result<f64, StoreError> {
        match self.get(i)? {
            Value::Real(f) => Ok(*f),
            Value::Integer(n) => Ok(*n as f64),
            other => Err(StoreError::Backend(format!(
                "column {i}: expected a number, got {other:?}"
            ))),
        }
    }

    pub fn is_null(&self, i: usize) -> bool {
        matches!(self.0.get(i), Some(Value::Null) | None)
    }

    /// A JSON-encoded column.
    pub fn json<T: serde::de::DeserializeOwned>(&self, i: usize) -> Result<T, StoreError> {
        let text = self.text(i)?;
        serde_json::from_str(&text)
            .map_err(|e| StoreError::Backend(format!("column {i}: bad JSON: {e}")))
    }

    /// A nullable JSON column.
    pub fn opt_json<T: serde::de::DeserializeOwned>(
        &self,
        i: usize,
    ) -> Result<Option<T>, StoreError> {
        match self.get(i)? {
            Value::Null => Ok(None),
            _ => self.json(i).map(Some),
        }
    }
}

/// Encodes a value as a JSON text column.
pub fn json_text<T: serde::Serialize>(value: &T) -> Value {
    Value::Text(serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned()))
}

#[cfg(test)]
mod busy_tests {
    use super::*;
    use std::cell::RefCell;

    const BUSY: &str = "Hrana: `cursor error: (error code: SQLITE_BUSY) database is locked`";
    const INTERRUPTED: &str = "Hrana: `cursor error: `error at step 0: (error code: SQLITE_INTERRUPT) `SQLite error: interrupted```";

    /// A backend that answers `error` to the first `busy` statements, recording all.
    struct Locked {
        busy: Cell<u32>,
        seen: RefCell<Vec<String>>,
        error: &'static str,
    }

    impl Sql for Locked {
        fn execute(&self, sql: &str, _params: &[Value]) -> Result<Rows, SqlError> {
            self.seen.borrow_mut().push(sql.to_owned());
            if self.busy.get() > 0 {
                self.busy.set(self.busy.get() - 1);
                return Err(SqlError::Statement(self.error.into()));
            }
            Ok(Rows::default())
        }
    }

    fn db(sql: &Locked) -> Db<'_> {
        let db = Db::new(sql);
        db.assume_schema_current();
        db.relaxed_sync.set(true);
        db
    }

    #[test]
    fn a_busy_begin_waits_for_the_lock_then_runs_the_transaction() {
        let sql = Locked {
            busy: Cell::new(3),
            seen: RefCell::default(),
            error: BUSY,
        };
        let out = db(&sql).transaction(true, |db| db.exec("INSERT x", &[]).map(|_| 7));
        assert_eq!(out, Ok(7));
        assert_eq!(
            *sql.seen.borrow(),
            [
                "BEGIN IMMEDIATE",
                "BEGIN IMMEDIATE",
                "BEGIN IMMEDIATE",
                "BEGIN IMMEDIATE",
                "INSERT x",
                "COMMIT"
            ]
        );
    }

    #[test]
    fn a_busy_statement_inside_a_transaction_is_not_retried_alone() {
        let sql = Locked {
            busy: Cell::new(0),
            seen: RefCell::default(),
            error: BUSY,
        };
        let d = db(&sql);
        let out: Result<(), StoreError> = d.transaction(true, |db| {
            sql.busy.set(1);
            db.exec("INSERT x", &[]).map(|_| ())
        });
        assert!(
            matches!(out, Err(StoreError::Backend(ref m)) if m.contains("SQLITE_BUSY")),
            "{out:?}"
        );
        assert_eq!(
            *sql.seen.borrow(),
            ["BEGIN IMMEDIATE", "INSERT x", "ROLLBACK"]
        );
    }

    #[test]
    fn an_interrupted_read_is_run_again() {
        let sql = Locked {
            busy: Cell::new(2),
            seen: RefCell::default(),
            error: INTERRUPTED,
        };
        assert!(db(&sql).exec("SELECT x", &[]).is_ok());
        assert_eq!(*sql.seen.borrow(), ["SELECT x", "SELECT x", "SELECT x"]);
    }

    #[test]
    fn an_interrupt_of_a_transactions_first_statement_begins_it_again() {
        let sql = Locked {
            busy: Cell::new(0),
            seen: RefCell::default(),
            error: INTERRUPTED,
        };
        let d = db(&sql);
        let out: Result<u8, StoreError> = d.transaction(true, |db| {
            sql.busy.set(1);
            db.exec("INSERT x", &[])?;
            db.exec("INSERT y", &[]).map(|_| 7)
        });
        assert_eq!(out, Ok(7));
        assert_eq!(
            *sql.seen.borrow(),
            [
                "BEGIN IMMEDIATE",
                "INSERT x",
                "ROLLBACK",
                "BEGIN IMMEDIATE",
                "INSERT x",
                "INSERT y",
                "COMMIT"
            ]
        );
    }

    /// Answers `SELECT` with the current `n`, interrupts the statements named in
    /// `interrupt` once each, and lets `UPDATE` bump `n` (what another writer does).
    struct Scripted {
        n: Cell<i64>,
        interrupt: RefCell<Vec<&'static str>>,
        seen: RefCell<Vec<String>>,
    }

    impl Scripted {
        fn new(interrupt: &[&'static str]) -> Self {
            Self {
                n: Cell::new(1),
                interrupt: RefCell::new(interrupt.to_vec()),
                seen: RefCell::default(),
            }
        }
    }

    impl Sql for Scripted {
        fn execute(&self, sql: &str, _params: &[Value]) -> Result<Rows, SqlError> {
            self.seen.borrow_mut().push(sql.to_owned());
            let mut interrupt = self.interrupt.borrow_mut();
            if let Some(at) = interrupt.iter().position(|s| *s == sql) {
                interrupt.remove(at);
                return Err(SqlError::Statement(INTERRUPTED.into()));
            }
            if sql.starts_with("SELECT") {
                return Ok(Rows {
                    columns: vec!["n".into()],
                    rows: vec![vec![Value::Integer(self.n.get())]],
                });
            }
            Ok(Rows::default())
        }
    }

    fn scripted_db(sql: &Scripted) -> Db<'_> {
        let d = Db::new(sql);
        d.assume_schema_current();
        d.relaxed_sync.set(true);
        d
    }

    #[test]
    fn an_interrupt_later_in_a_transaction_replays_what_ran_before_it() {
        let sql = Scripted::new(&["INSERT y"]);
        let out: Result<i64, StoreError> = scripted_db(&sql).transaction(true, |db| {
            let n = db.one("SELECT n", &[])?.unwrap();
            db.exec("INSERT x", &[])?;
            db.exec("INSERT y", &[])?;
            Row(&n).int(0)
        });
        assert_eq!(out, Ok(1));
        assert_eq!(
            *sql.seen.borrow(),
            [
                "BEGIN IMMEDIATE",
                "SELECT n",
                "INSERT x",
                "INSERT y",
                "ROLLBACK",
                "BEGIN IMMEDIATE",
                "SELECT n",
                "INSERT x",
                "INSERT y",
                "COMMIT"
            ]
        );
    }

    #[test]
    fn a_replay_that_reads_something_else_is_unavailable_and_writes_nothing() {
        let sql = Scripted::new(&["INSERT y"]);
        let d = scripted_db(&sql);
        let out: Result<(), StoreError> = d.transaction(true, |db| {
            db.one("SELECT n", &[])?;
            db.exec("INSERT x", &[])?;
            // another writer commits between the interrupt and the replay
            sql.n.set(2);
            // a caller that swallows the error still commits nothing
            let _ = db.exec("INSERT y", &[]);
            let after = db.exec("INSERT z", &[]);
            assert!(
                matches!(after, Err(StoreError::Unavailable(_))),
                "{after:?}"
            );
            Ok(())
        });
        assert!(matches!(out, Err(StoreError::Unavailable(_))), "{out:?}");
        assert_eq!(
            *sql.seen.borrow(),
            [
                "BEGIN IMMEDIATE",
                "SELECT n",
                "INSERT x",
                "INSERT y",
                "ROLLBACK",
                "BEGIN IMMEDIATE",
                "SELECT n",
                "ROLLBACK"
            ]
        );
    }

    #[test]
    fn an_interrupted_replay_is_replayed_again() {
        let sql = Scripted::new(&["INSERT y"]);
        let out: Result<(), StoreError> = scripted_db(&sql).transaction(true, |db| {
            db.exec("INSERT x", &[])?;
            // the replay is interrupted in its turn, at INSERT x
            sql.interrupt.borrow_mut().push("INSERT x");
            db.exec("INSERT y", &[]).map(|_| ())
        });
        assert_eq!(out, Ok(()));
        assert_eq!(
            *sql.seen.borrow(),
            [
                "BEGIN IMMEDIATE",
                "INSERT x",
                "INSERT y",
                "ROLLBACK",
                "BEGIN IMMEDIATE",
                "INSERT x",
                "ROLLBACK",
                "BEGIN IMMEDIATE",
                "INSERT x",
                "INSERT y",
                "COMMIT"
            ]
        );
    }

    #[test]
    fn an_interrupted_commit_is_unavailable_and_rolled_back() {
        let sql = Scripted::new(&["COMMIT"]);
        let out: Result<(), StoreError> =
            scripted_db(&sql).transaction(true, |db| db.exec("INSERT x", &[]).map(|_| ()));
        assert!(matches!(out, Err(StoreError::Unavailable(_))), "{out:?}");
        assert_eq!(
            *sql.seen.borrow(),
            ["BEGIN IMMEDIATE", "INSERT x", "COMMIT", "ROLLBACK"]
        );
    }

    /// Interrupts every `INSERT`, whatever came before.
    struct InterruptsInserts(RefCell<Vec<String>>);

    impl Sql for InterruptsInserts {
        fn execute(&self, sql: &str, _params: &[Value]) -> Result<Rows, SqlError> {
            self.0.borrow_mut().push(sql.to_owned());
            if sql.starts_with("INSERT") {
                return Err(SqlError::Statement(INTERRUPTED.into()));
            }
            Ok(Rows::default())
        }
    }

    #[test]
    fn an_interrupt_that_keeps_coming_is_unavailable_after_three_replays() {
        let sql = InterruptsInserts(RefCell::default());
        let d = Db::new(&sql);
        d.assume_schema_current();
        d.relaxed_sync.set(true);
        let out: Result<(), StoreError> = d.transaction(true, |db| {
            db.exec("SELECT a", &[])?;
            db.exec("INSERT x", &[]).map(|_| ())
        });
        assert!(matches!(out, Err(StoreError::Unavailable(_))), "{out:?}");
        let replay = ["ROLLBACK", "BEGIN IMMEDIATE", "SELECT a", "INSERT x"];
        let mut expected = vec!["BEGIN IMMEDIATE", "SELECT a", "INSERT x"];
        for _ in 0..INTERRUPT_REPLAYS {
            expected.extend(replay);
        }
        expected.push("ROLLBACK");
        assert_eq!(*sql.0.borrow(), expected);
    }
}
