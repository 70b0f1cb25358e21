//! Keyset pagination shared by every list: ordered by id (a ULID, so by creation time),
//! resumed strictly after the last id seen, so no item is skipped or repeated while
//! items are being created.

use crate::db::{Db, StoreError};
use ports::Value;

/// What a client asked a list for (already validated by `web`).
#[derive(Clone, Debug, PartialEq)]
pub struct ListQuery {
    pub limit: usize,
    /// Resume after this id (decoded from the cursor).
    pub after: Option<String>,
    pub ascending: bool,
    pub name_prefix: Option<String>,
    pub labels: Vec<(String, String)>,
    pub include_info: bool,
}

impl Default for ListQuery {
    fn default() -> Self {
        Self {
            limit: 50,
            after: None,
            ascending: false,
            name_prefix: None,
            labels: Vec::new(),
            include_info: false,
        }
    }
}

/// One page.
#[derive(Clone, Debug, PartialEq)]
pub struct Listed<T> {
    pub items: Vec<T>,
    /// The id to resume after, when more items follow.
    pub next: Option<String>,
    pub total: i64,
}

impl<T> Listed<T> {
    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Listed<U>, E> {
        Ok(Listed {
            items: self.items.into_iter().map(f).collect::<Result<_, _>>()?,
            next: self.next,
            total: self.total,
        })
    }
}

/// How one resource table is listed.
pub(crate) struct Source<'a> {
    /// Selected columns, the id first.
    pub columns: &'a str,
    /// `FROM <table> <alias> [JOIN …]`
    pub from: &'a str,
    /// `FROM <table> <alias>` for counting (no joins).
    pub count_from: &'a str,
    pub alias: &'a str,
    /// Column holding the owning scope (usually the workspace).
    pub scope_col: &'a str,
    pub scope: &'a str,
    /// Counter kind giving the unfiltered total, when one is maintained.
    pub counter: Option<&'a str>,
    /// Resource-specific conditions, each with its parameters (written with `?`).
    pub filters: Vec<(String, Vec<Value>)>,
    /// Column the `prefix` filter applies to (usually the name).
    pub prefix_col: &'a str,
}

pub(crate) fn run(db: &Db, src: Source, q: &ListQuery) -> Result<Listed<Vec<Value>>, StoreError> {
    let mut params: Vec<Value> = vec![Value::Text(src.scope.to_owned())];
    let mut conds = vec![format!("{} = ?1", src.scope_col)];
    let filtered = add_filters(&src, q, &mut conds, &mut params);

    let fold_total = !filtered && src.counter.is_some();
    let total_col = match src.counter {
        Some(kind) if fold_total => {
            format!(", (SELECT n FROM counters WHERE scope = ?1 AND kind = '{kind}')")
        }
        _ => String::new(),
    };
    let count_params = params.clone();
    let count_conds = conds.clone();
    if let Some(after) = &q.after {
        params.push(Value::Text(after.clone()));
        let op = if q.ascending { ">" } else { "<" };
        conds.push(format!("{}.id {op} ?{}", src.alias, params.len()));
    }
    params.push(Value::Integer(q.limit as i64 + 1));
    let sql = format!(
        "SELECT {}{total_col} {} WHERE {} ORDER BY {}.id {} LIMIT ?{}",
        src.columns,
        src.from,
        conds.join(" AND "),
        src.alias,
        if q.ascending { "ASC" } else { "DESC" },
        params.len()
    );
    let mut rows = db.exec(&sql, &params)?.rows;

    let mut total = None;
    if fold_total {
        if let Some(Value::Integer(n)) = rows.first().and_then(|r| r.last()) {
            total = Some(*n);
        }
        for r in rows.iter_mut() {
            r.pop();
        }
    }
    let next = if rows.len() > q.limit {
        rows.truncate(q.limit);
        match rows.last().and_then(|r| r.first()) {
            Some(Value::Text(id)) => Some(id.clone()),
            _ => None,
        }
    } else {
        None
    };
    let total = match total {
        Some(n) => n,
        None if fold_total => counter(db, src.scope, src.counter.unwrap_or_default())?,
        None => {
            let sql = format!(
                "SELECT COUNT(*) {} WHERE {}",
                src.count_from,
                count_conds.join(" AND ")
            );
            match db.one(&sql, &count_params)?.as_deref() {
                Some([Value::Integer(n), ..]) => *n,
                _ => 0,
            }
        }
    };
    Ok(Listed {
        items: rows,
        next,
        total,
    })
}

fn add_filters(
    src: &Source,
    q: &ListQuery,
    conds: &mut Vec<String>,
    params: &mut Vec<Value>,
) -> bool {
    let mut filtered = false;
    if let Some(prefix) = &q.name_prefix {
        params.push(Value::Text(prefix.clone()));
        let n = params.len();
        conds.push(format!(
            "substr({}, 1, length(?{n})) = ?{n}",
            src.prefix_col
        ));
        filtered = true;
    }
    for (k, v) in &q.labels {
        params.push(Value::Text(format!("$.\"{k}\"")));
        params.push(Value::Text(v.clone()));
        let n = params.len();
        conds.push(format!(
            "json_extract({}.labels, ?{}) = ?{n}",
            src.alias,
            n - 1
        ));
        filtered = true;
    }
    for (cond, values) in &src.filters {
        // Number each `?` after the parameters already bound.
        let mut parts = cond.split('?');
        let mut numbered = parts.next().unwrap_or_default().to_owned();
        for (part, v) in parts.zip(values) {
            params.push(v.clone());
            numbered.push_str(&format!("?{}{part}", params.len()));
        }
        conds.push(numbered);
        filtered = true;
    }
    filtered
}

/// A maintained count (0 when none was ever recorded).
pub fn counter(db: &Db, scope: &str, kind: &str) -> Result<i64, StoreError> {
    let row = db.one(
        "SELECT n FROM counters WHERE scope = ?1 AND kind = ?2",
        &[Value::Text(scope.to_owned()), Value::Text(kind.to_owned())],
    )?;
    Ok(match row.as_deref() {
        Some([Value::Integer(n), ..]) => *n,
        _ => 0,
    })
}
