//! Query strings: decoding, booleans, list parameters and opaque cursors.

use crate::error::ApiError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use model::enums::WireEnum;
use model::ids::{Id, Kind};
use percent_encoding::percent_decode_str;
use store::list::ListQuery;

pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 200;

/// `%`, `&` and `=` escaped, so distinct pairs never join into the same text.
fn escape(s: &str) -> String {
    s.replace('%', "%25")
        .replace('&', "%26")
        .replace('=', "%3D")
}

/// Decoded `name=value` pairs in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    pub fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        let mut pairs = Vec::new();
        for part in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            let decode = |s: &str| {
                percent_decode_str(&s.replace('+', " "))
                    .decode_utf8()
                    .map(|c| c.into_owned())
                    .map_err(|_| {
                        ApiError::invalid("query", format!("`{s}` is not valid UTF-8 once decoded"))
                    })
            };
            pairs.push((decode(k)?, decode(v)?));
        }
        Ok(Self { pairs })
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.pairs.iter().map(|(k, _)| k.as_str())
    }

    pub fn bool(&self, name: &str) -> Result<bool, ApiError> {
        match self.get(name) {
            None => Ok(false),
            Some(v) => parse_bool(name, v),
        }
    }

    /// Every parameter in a canonical order, as one string (a cache key part).
    pub fn canonical(&self) -> String {
        let mut pairs: Vec<String> = self
            .pairs
            .iter()
            .map(|(k, v)| format!("{}={}", escape(k), escape(v)))
            .collect();
        pairs.sort();
        pairs.join("&")
    }

    /// The value of `name` unless it is absent or empty (an empty filter is no filter).
    pub fn text(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }

    /// A wire-enum filter: an unknown value, or a `*_UNSPECIFIED` one, is a 400 naming
    /// the parameter: "`<value>` is not <expected>".
    pub fn wire<T: WireEnum>(&self, name: &str, expected: &str) -> Result<Option<T>, ApiError> {
        self.text(name)
            .map(|v| match T::parse(v) {
                Some(t) if !t.is_unspecified() => Ok(t),
                _ => Err(ApiError::invalid(name, format!("`{v}` is not {expected}"))),
            })
            .transpose()
    }

    /// An id filter of kind `K`; a malformed one is a 400 naming the parameter.
    pub fn id<K: Kind>(&self, name: &str) -> Result<Option<Id<K>>, ApiError> {
        self.text(name)
            .map(|v| Id::parse(v).map_err(|e| ApiError::invalid(name, e)))
            .transpose()
    }

    /// A timestamp parameter, as milliseconds.
    pub fn time(&self, name: &str) -> Result<Option<i64>, ApiError> {
        self.text(name)
            .map(|v| model::time::parse_ms(v).map_err(|e| ApiError::invalid(name, e)))
            .transpose()
    }

    /// The standard list parameters (docs/api.md §1 "list").
    pub fn list(&self) -> Result<ListQuery, ApiError> {
        self.list_ordered(false)
    }

    /// Like [`Query::list`], for lists that read oldest first unless told otherwise
    /// (an objective's events, tool calls, tasks).
    pub fn list_ordered(&self, default_ascending: bool) -> Result<ListQuery, ApiError> {
        let limit = match self.get("limit") {
            None | Some("") => DEFAULT_LIMIT,
            Some(v) => match v.parse::<i64>() {
                Ok(0) => DEFAULT_LIMIT,
                Ok(n) if n > 0 => (n as usize).min(MAX_LIMIT),
                _ => {
                    return Err(ApiError::invalid(
                        "limit",
                        format!("`{v}` is not a positive integer (max {MAX_LIMIT})"),
                    ))
                }
            },
        };
        let ascending = match self.get("sortOrder") {
            None | Some("") => default_ascending,
            Some(v) if v.eq_ignore_ascii_case("desc") => false,
            Some(v) if v.eq_ignore_ascii_case("asc") => true,
            Some(v) => {
                return Err(ApiError::invalid(
                    "sortOrder",
                    format!("`{v}` must be `asc` or `desc`"),
                ))
            }
        };
        let after = self
            .get("cursor")
            .filter(|c| !c.is_empty())
            .map(|c| decode_cursor(c, ascending))
            .transpose()?;
        let name_prefix = match self.get("prefix") {
            None | Some("") => None,
            Some(p) if p.chars().count() > model::metadata::MAX_NAME_CHARS => {
                return Err(ApiError::invalid(
                    "prefix",
                    "must be at most 200 characters",
                ))
            }
            Some(p) => Some(p.to_owned()),
        };
        let mut labels = Vec::new();
        for raw in self.all("labels") {
            for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let Some((k, v)) = pair.split_once('=') else {
                    return Err(ApiError::invalid(
                        "labels",
                        format!("`{pair}` must be `key=value`"),
                    ));
                };
                model::metadata::check_label_key(k).map_err(|e| ApiError::invalid("labels", e))?;
                labels.push((k.to_owned(), v.to_owned()));
            }
        }
        Ok(ListQuery {
            limit,
            after,
            ascending,
            name_prefix,
            labels,
            include_info: self.bool("includeInfo")?,
        })
    }
}

pub fn parse_bool(name: &str, v: &str) -> Result<bool, ApiError> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "1" | "" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(ApiError::invalid(
            name,
            format!("`{v}` must be `true` or `false`"),
        )),
    }
}

/// An opaque cursor naming the last item returned and the order it was returned in.
pub fn encode_cursor(last_id: &str, ascending: bool) -> String {
    let order = if ascending { 'a' } else { 'd' };
    URL_SAFE_NO_PAD.encode(format!("c1:{order}:{last_id}"))
}

pub fn decode_cursor(cursor: &str, ascending: bool) -> Result<String, ApiError> {
    let bad = || {
        ApiError::invalid(
            "cursor",
            "is not a cursor returned by this API (pass pagination.nextCursor unchanged)",
        )
    };
    let raw = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let raw = String::from_utf8(raw).map_err(|_| bad())?;
    let rest = raw.strip_prefix("c1:").ok_or_else(bad)?;
    let (order, id) = rest.split_once(':').ok_or_else(bad)?;
    let cursor_ascending = match order {
        "a" => true,
        "d" => false,
        _ => return Err(bad()),
    };
    if cursor_ascending != ascending {
        return Err(ApiError::invalid(
            "cursor",
            "was issued for the other sortOrder; keep sortOrder unchanged while paging",
        ));
    }
    if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err(bad());
    }
    Ok(id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_pairs() {
        let q = Query::parse(Some(
            "a=1&labels=env%3Dprod&labels=team=x,tier=1&prefix=my+agent",
        ))
        .unwrap();
        assert_eq!(q.get("a"), Some("1"));
        assert_eq!(q.all("labels").count(), 2);
        let l = q.list().unwrap();
        assert_eq!(l.name_prefix.as_deref(), Some("my agent"));
        assert_eq!(
            l.labels,
            vec![
                ("env".into(), "prod".into()),
                ("team".into(), "x".into()),
                ("tier".into(), "1".into())
            ]
        );
    }

    #[test]
    fn limits_and_orders() {
        assert_eq!(
            Query::parse(Some("limit=500"))
                .unwrap()
                .list()
                .unwrap()
                .limit,
            200
        );
        assert_eq!(Query::parse(None).unwrap().list().unwrap().limit, 50);
        assert_eq!(
            Query::parse(Some("limit=-1"))
                .unwrap()
                .list()
                .unwrap_err()
                .details[0]
                .field,
            "limit"
        );
        assert_eq!(
            Query::parse(Some("limit=x"))
                .unwrap()
                .list()
                .unwrap_err()
                .details[0]
                .field,
            "limit"
        );
        assert_eq!(
            Query::parse(Some("sortOrder=up"))
                .unwrap()
                .list()
                .unwrap_err()
                .details[0]
                .field,
            "sortOrder"
        );
        assert!(
            Query::parse(Some("sortOrder=ASC"))
                .unwrap()
                .list()
                .unwrap()
                .ascending
        );
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = encode_cursor("agent_01HXK", false);
        let q = Query::parse(Some(&format!("cursor={c}"))).unwrap();
        assert_eq!(q.list().unwrap().after.as_deref(), Some("agent_01HXK"));
        let q = Query::parse(Some(&format!("cursor={c}&sortOrder=asc"))).unwrap();
        assert_eq!(q.list().unwrap_err().details[0].field, "cursor");
        let q = Query::parse(Some("cursor=abc")).unwrap();
        assert_eq!(q.list().unwrap_err().details[0].field, "cursor");
    }

    #[test]
    fn bad_label_filters() {
        let q = Query::parse(Some("labels=novalue")).unwrap();
        assert_eq!(q.list().unwrap_err().details[0].field, "labels");
        let q = Query::parse(Some("labels=BAD=1")).unwrap();
        assert_eq!(q.list().unwrap_err().details[0].field, "labels");
    }
}
