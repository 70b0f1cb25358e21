//! The audit buffer: every call's row is appended to the key-value store after its
//! response is sent (two cheap writes instead of opening SQLite) and drained into
//! `audit_logs` in one transaction per second, by the first call of each second, after
//! its response. Only calls drain it, not the scheduler: the cron trigger runs in a
//! process of its own, which does not see an in-memory store (`runtime-config.toml`),
//! and it must not move the drain mark past rows it cannot see.
//!
//! Rows are bucketed by the second they were appended in: `audit:n:{s}` counts the
//! rows of second `s`, row `i` of it is `audit:{s}:{i}`. A second is drained once it is
//! [`SETTLE_SECONDS`] old (a writer takes its number and writes its row microseconds
//! apart, so by then every row of it is written or its writer died). How far draining
//! got is one row in SQL, moved by compare-and-swap in the same transaction as the
//! inserts, so overlapping ticks and several instances never drain a second twice, and
//! a key-value store that lost its contents just has nothing to drain.
//!
//! Loss window: a row lives only in the key-value store until its second is drained.
//! With a persistent store (Redis, or the embedded store on disk) nothing is lost on a
//! crash. With the in-memory store (`runtime-config.toml`) a crash of the Spin process
//! loses the rows not yet drained: those of the calls of the last [`SETTLE_SECONDS`] + 1
//! seconds of traffic before it. If the buffer cannot be written, the row is written
//! to SQL at once instead.

use ports::{Env, Kv};
use store::audit::Entry;
use store::{Db, StoreError};

/// Seconds a bucket is left alone before it is drained.
pub const SETTLE_SECONDS: i64 = 2;

/// How far back the first drain of a database looks.
pub const FIRST_LOOKBACK_SECONDS: i64 = 3_600;

/// Rows drained per tick, at most (the rest waits for the next tick).
pub const DRAIN_MAX_ROWS: i64 = 20_000;

/// Seconds looked at per tick, at most (after downtime, draining catches up over ticks).
pub const DRAIN_MAX_SECONDS: i64 = 7_200;

/// Keys read from the key-value store per call.
const READ_BATCH: usize = 500;

fn count_key(second: i64) -> String {
    format!("audit:n:{second}")
}

fn row_key(second: i64, n: i64) -> String {
    format!("audit:{second}:{n}")
}

/// Appends one row (writing it to SQL instead when the buffer is unavailable); the first
/// row of each second then drains what has settled.
pub fn record(env: Env<'_>, entry: &Entry) {
    if append(env, entry) {
        let db = Db::new(env.sql);
        if let Err(e) = drain(env.kv, &db, env.clock.now_ms()) {
            eprintln!("audit buffer not drained (the next second will try again): {e}");
        }
    }
}

/// Appends one row; true when it is the first of its second.
fn append(env: Env<'_>, entry: &Entry) -> bool {
    let second = env.clock.now_ms().div_euclid(1000);
    let buffered = serde_json::to_vec(entry)
        .map_err(|e| e.to_string())
        .and_then(|row| {
            let n = env
                .kv
                .increment(&count_key(second), 1)
                .map_err(|e| e.to_string())?;
            env.kv
                .set(&row_key(second, n), &row)
                .map_err(|e| e.to_string())?;
            Ok(n == 1)
        });
    if let Err(e) = buffered {
        let db = Db::new(env.sql);
        let written = db
            .prepare_write()
            .and_then(|_| store::audit::insert(&db, entry));
        if let Err(sql) = written {
            eprintln!(
                "audit row for request {} lost: buffer: {e}; database: {sql}",
                entry.request_id
            );
        }
        return false;
    }
    buffered.unwrap_or(false)
}

/// What one drain did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Drained {
    pub rows: usize,
    /// Numbers taken whose row never came (the writer died in between).
    pub missing: usize,
}

/// Moves every settled bucket into `audit_logs`, oldest first, up to
/// [`DRAIN_MAX_ROWS`] rows. `now_ms` is the drainer's clock.
pub fn drain(kv: &dyn Kv, db: &Db, now_ms: i64) -> Result<Drained, StoreError> {
    let settled = now_ms.div_euclid(1000) - SETTLE_SECONDS;
    let from = store::audit::drained_until(db)?;
    let first = from.map_or(settled - FIRST_LOOKBACK_SECONDS, |f| f + 1);
    let settled = settled.min(first + DRAIN_MAX_SECONDS - 1);
    if first > settled {
        return Ok(Drained::default());
    }
    // How many rows each second has, until the row budget is spent.
    let mut until = first - 1;
    let mut buckets = Vec::new();
    let mut budget = DRAIN_MAX_ROWS;
    'count: for start in (first..=settled).step_by(READ_BATCH) {
        let seconds: Vec<i64> = (start..=settled.min(start + READ_BATCH as i64 - 1)).collect();
        let keys: Vec<String> = seconds.iter().map(|s| count_key(*s)).collect();
        let counts = kv.get_many(&keys).map_err(kv_err)?;
        for (second, count) in seconds.into_iter().zip(counts) {
            let n = count.as_deref().map_or(0, |raw| kv.counter(raw));
            if n > budget && !buckets.is_empty() {
                break 'count;
            }
            budget -= n;
            until = second;
            if n > 0 {
                buckets.push((second, n));
            }
        }
    }
    let mut rows = Vec::new();
    let mut keys = Vec::new();
    let mut missing = 0;
    for (second, n) in &buckets {
        keys.push(count_key(*second));
        let row_keys: Vec<String> = (1..=*n).map(|i| row_key(*second, i)).collect();
        for chunk in row_keys.chunks(READ_BATCH) {
            for (key, value) in chunk.iter().zip(kv.get_many(chunk).map_err(kv_err)?) {
                match value.map(|raw| serde_json::from_slice::<Entry>(&raw)) {
                    Some(Ok(entry)) => rows.push(entry),
                    Some(Err(e)) => eprintln!("audit row {key} unreadable, dropped: {e}"),
                    None => missing += 1,
                }
            }
        }
        keys.extend(row_keys);
    }
    let advanced = db.transaction(true, |db| {
        if !store::audit::advance_drain(db, from, until)? {
            return Ok(false);
        }
        store::audit::insert_many(db, &rows)?;
        Ok::<_, StoreError>(true)
    })?;
    if !advanced {
        // another drainer took these seconds
        return Ok(Drained::default());
    }
    kv.delete_many(&keys).map_err(kv_err)?;
    Ok(Drained {
        rows: rows.len(),
        missing,
    })
}

fn kv_err(e: ports::KvError) -> StoreError {
    StoreError::Backend(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use host::native::NativeHost;
    use store::list::ListQuery;

    fn entry(n: usize) -> Entry {
        Entry {
            id: format!("audit_{n:026}"),
            account_id: Some("acct_1".into()),
            workspace_id: Some("ws_1".into()),
            token_id: None,
            profile_id: None,
            request_id: format!("req-{n}"),
            method: "GET".into(),
            route: "/v1/me".into(),
            path: "/v1/me".into(),
            scope: None,
            status: 200,
            latency_ms: 1,
            created_at_ms: n as i64,
        }
    }

    fn stored(host: &NativeHost) -> Vec<String> {
        let db = Db::new(&host.sql);
        let q = ListQuery {
            limit: 200,
            ..ListQuery::default()
        };
        store::audit::list(&db, "ws_1", &q, &Default::default())
            .unwrap()
            .items
            .into_iter()
            .map(|a| a.data.request_id)
            .collect()
    }

    fn drain_now(host: &NativeHost) -> Drained {
        use ports::Clock;
        drain(&host.kv, &Db::new(&host.sql), host.clock.now_ms()).unwrap()
    }

    #[test]
    fn rows_land_once_after_their_second_settles() {
        let host = NativeHost::new();
        for n in 0..120 {
            record(host.env(), &entry(n));
            host.clock.advance(25);
        }
        // the first row of each new second drained the seconds settled by then
        let early = stored(&host).len();
        assert!(early > 0 && early < 120, "{early}");
        host.clock.advance(1000 * SETTLE_SECONDS);
        assert_eq!(drain_now(&host).rows, 120 - early);
        assert_eq!(drain_now(&host), Drained::default());
        let mut ids = stored(&host);
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 120);
        assert_eq!(host.kv.get("audit:n:0").unwrap(), None);
    }

    #[test]
    fn the_drain_mark_moves_by_compare_and_swap() {
        let host = NativeHost::new();
        let db = Db::new(&host.sql);
        assert_eq!(store::audit::drained_until(&db).unwrap(), None);
        assert!(store::audit::advance_drain(&db, None, 10).unwrap());
        // a drainer that read the mark before it moved loses
        assert!(!store::audit::advance_drain(&db, None, 12).unwrap());
        assert!(!store::audit::advance_drain(&db, Some(9), 12).unwrap());
        assert!(store::audit::advance_drain(&db, Some(10), 12).unwrap());
        assert_eq!(store::audit::drained_until(&db).unwrap(), Some(12));
    }

    #[test]
    fn seconds_already_drained_are_not_drained_again() {
        use ports::Clock;
        let host = NativeHost::new();
        record(host.env(), &entry(1));
        host.clock.advance(1000 * (SETTLE_SECONDS + 1));
        assert_eq!(drain_now(&host).rows, 1);
        // the same row appended again under a second already drained stays out
        let db = Db::new(&host.sql);
        let mark = store::audit::drained_until(&db).unwrap().unwrap();
        assert!(mark >= host.clock.now_ms() / 1000 - SETTLE_SECONDS);
        assert_eq!(drain_now(&host), Drained::default());
        assert_eq!(stored(&host), vec!["req-1".to_owned()]);
    }

    #[test]
    fn a_number_without_its_row_is_counted_missing() {
        let host = NativeHost::new();
        use ports::{Clock, Kv};
        record(host.env(), &entry(1));
        // a writer took number 2 of this second and died before writing its row
        let second = host.clock.now_ms().div_euclid(1000);
        host.kv.increment(&count_key(second), 1).unwrap();
        host.clock.advance(1000 * (SETTLE_SECONDS + 1));
        assert_eq!(
            drain_now(&host),
            Drained {
                rows: 1,
                missing: 1
            }
        );
    }
}
