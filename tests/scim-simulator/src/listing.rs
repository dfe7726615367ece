//! `GET /Users`: the filter, index paging (`startIndex`, `count`, RFC 7644 §3.4.2.4) and,
//! when configured, cursor paging (RFC 9865: `cursor`, `nextCursor`).
//!
//! A cursor names the creation position of the last user a page returned, so a listing stays
//! consistent while users are created or deleted between pages.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use crate::ScimConfig;
use crate::filter::{Filter, parse_user_filter};
use crate::schemas::DEFAULT_PAGE_SIZE;
use crate::store::Store;
use crate::wire::{LIST_URN, ScimError};

const CURSOR_PREFIX: &str = "after-";

/// A listing's query parameters, names matched case-insensitively.
pub struct Query(HashMap<String, String>);

impl Query {
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        Query(
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect(),
        )
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(&key.to_ascii_lowercase()).map(String::as_str)
    }

    fn int(&self, key: &str) -> Result<Option<i64>, ScimError> {
        self.get(key)
            .map(|v| {
                v.trim().parse::<i64>().map_err(|_| {
                    ScimError::bad("invalidValue", format!("{key}={v:?} is not an integer"))
                })
            })
            .transpose()
    }
}

pub fn list(cfg: &ScimConfig, base: &str, store: &Store, q: &Query) -> Result<Value, ScimError> {
    let filter = q.get("filter").map(parse_user_filter).transpose()?;
    let max = usize::try_from(cfg.max_results).unwrap_or(usize::MAX);
    let count = match q.int("count")? {
        None => (DEFAULT_PAGE_SIZE as usize).min(max),
        Some(n) => usize::try_from(n.max(0)).unwrap_or(usize::MAX).min(max),
    };
    let matching = |after: u64| {
        store
            .iter()
            .filter(move |(seq, _)| *seq > after)
            .map(|(seq, u)| (seq, u.render(base)))
            .filter(|(_, r)| filter.as_ref().is_none_or(|f: &Filter| f.matches(r)))
            .collect::<Vec<_>>()
    };
    let mut out = Map::new();
    out.insert("schemas".into(), json!([LIST_URN]));
    match q.get("cursor").filter(|_| cfg.cursor) {
        Some(cursor) => {
            if q.get("startIndex").is_some() {
                return Err(ScimError::bad(
                    "invalidValue",
                    "startIndex and cursor cannot be combined",
                ));
            }
            let after = decode_cursor(cursor, store)?;
            let total = matching(0).len();
            let rest = matching(after);
            let page: Vec<_> = rest.iter().take(count).collect();
            out.insert("totalResults".into(), json!(total));
            out.insert("itemsPerPage".into(), json!(page.len()));
            if let (Some((last, _)), true) = (page.last(), rest.len() > page.len()) {
                out.insert(
                    "nextCursor".into(),
                    json!(format!("{CURSOR_PREFIX}{last:x}")),
                );
            }
            if count > 0 {
                let resources = page.into_iter().map(|(_, r)| r.clone()).collect();
                out.insert("Resources".into(), Value::Array(resources));
            }
        }
        None => {
            let start = q.int("startIndex")?.unwrap_or(1).max(1);
            let all = matching(0);
            let skip = usize::try_from(start - 1).unwrap_or(usize::MAX);
            let page: Vec<Value> = all
                .iter()
                .skip(skip)
                .take(count)
                .map(|(_, r)| r.clone())
                .collect();
            out.insert("totalResults".into(), json!(all.len()));
            out.insert("startIndex".into(), json!(start));
            out.insert("itemsPerPage".into(), json!(page.len()));
            if count > 0 {
                out.insert("Resources".into(), Value::Array(page));
            }
        }
    }
    Ok(Value::Object(out))
}

/// The position a cursor continues after: 0 for the empty cursor that starts a listing.
fn decode_cursor(cursor: &str, store: &Store) -> Result<u64, ScimError> {
    if cursor.is_empty() {
        return Ok(0);
    }
    cursor
        .strip_prefix(CURSOR_PREFIX)
        .and_then(|hex| u64::from_str_radix(hex, 16).ok())
        .filter(|seq| *seq <= store.last_seq())
        .ok_or_else(|| ScimError::bad("invalidCursor", format!("cursor {cursor:?} is not valid")))
}
