//! `list-users` paging: 1-based `startIndex`/`count` (RFC 7644 §3.4.2.4), or RFC 9865 cursors
//! when the ServiceProviderConfig advertises them. The page token says which: `i:<startIndex>`
//! or `c:<cursor>`.

use serde_json::Value as Json;

use crate::http::percent_encode;
use crate::model::Error;

pub const DEFAULT_PAGE_SIZE: u32 = 100;
pub const MAX_PAGE_SIZE: u32 = 1000;

/// Where a page starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token {
    /// `startIndex`, 1-based.
    Index(u64),
    /// A cursor: none for the first page.
    Cursor(Option<String>),
}

impl Token {
    /// The first page's token for a server with or without cursors.
    pub fn first(cursor: bool) -> Token {
        if cursor {
            Token::Cursor(None)
        } else {
            Token::Index(1)
        }
    }

    pub fn parse(s: &str) -> Result<Token, Error> {
        let bad = || Error::invalid_input("page-token", "not a page token of this connector");
        match s.split_once(':') {
            Some(("i", n)) => n
                .parse::<u64>()
                .ok()
                .filter(|n| *n >= 1)
                .map(Token::Index)
                .ok_or_else(bad),
            Some(("c", c)) if !c.is_empty() => Ok(Token::Cursor(Some(c.to_string()))),
            _ => Err(bad()),
        }
    }

    pub fn format(&self) -> String {
        match self {
            Token::Index(n) => format!("i:{n}"),
            Token::Cursor(c) => format!("c:{}", c.as_deref().unwrap_or("")),
        }
    }

    /// The query string of this page (`startIndex=21&count=10`, `cursor&count=10`).
    pub fn query(&self, count: u32) -> String {
        match self {
            Token::Index(n) => format!("startIndex={n}&count={count}"),
            Token::Cursor(None) => format!("cursor&count={count}"),
            Token::Cursor(Some(c)) => format!("cursor={}&count={count}", percent_encode(c)),
        }
    }
}

/// The page size: 0 is the default, then clamped to the maximum and to `filter.maxResults`.
pub fn page_size(requested: u32, max_results: Option<u32>) -> u32 {
    let size = if requested == 0 {
        DEFAULT_PAGE_SIZE
    } else {
        requested
    };
    size.min(MAX_PAGE_SIZE)
        .min(max_results.unwrap_or(u32::MAX))
        .max(1)
}

/// The token of the page after `this` one, whose list response is `body` holding `n` users.
pub fn next(this: &Token, body: &Json, n: usize) -> Option<Token> {
    match this {
        Token::Index(start) => {
            if n == 0 {
                return None;
            }
            let total = body.get("totalResults").and_then(Json::as_u64)?;
            let per_page = body
                .get("itemsPerPage")
                .and_then(Json::as_u64)
                .filter(|p| *p > 0)
                .unwrap_or(n as u64);
            let last = start + per_page - 1;
            (last < total).then_some(Token::Index(last + 1))
        }
        Token::Cursor(_) => body
            .get("nextCursor")
            .and_then(Json::as_str)
            .filter(|c| !c.is_empty())
            .map(|c| Token::Cursor(Some(c.to_string()))),
    }
}

/// `totalResults`, when given.
pub fn total(body: &Json) -> Option<u64> {
    body.get("totalResults").and_then(Json::as_u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tokens_round_trip() {
        for t in [Token::Index(21), Token::Cursor(Some("VZUTiy".into()))] {
            assert_eq!(Token::parse(&t.format()).unwrap(), t);
        }
        for bad in ["", "21", "i:", "i:0", "i:x", "c:", "x:1"] {
            let e = Token::parse(bad).unwrap_err();
            assert!(
                matches!(e, Error::InvalidInput(ref a) if a.name == "page-token"),
                "{bad}"
            );
        }
        assert_eq!(Token::Index(3).query(2), "startIndex=3&count=2");
        assert_eq!(Token::first(true).query(5), "cursor&count=5");
        assert_eq!(
            Token::Cursor(Some("a b+".into())).query(5),
            "cursor=a%20b%2B&count=5"
        );
    }

    #[test]
    fn sizes() {
        assert_eq!(page_size(0, None), 100);
        assert_eq!(page_size(5000, None), 1000);
        assert_eq!(page_size(500, Some(200)), 200);
        assert_eq!(page_size(7, Some(200)), 7);
    }

    #[test]
    fn next_pages() {
        let body = json!({"totalResults": 5, "itemsPerPage": 2, "startIndex": 1});
        assert_eq!(next(&Token::Index(1), &body, 2), Some(Token::Index(3)));
        assert_eq!(
            next(
                &Token::Index(5),
                &json!({"totalResults": 5, "itemsPerPage": 1}),
                1
            ),
            None
        );
        // itemsPerPage absent: the number of resources counts.
        assert_eq!(
            next(&Token::Index(3), &json!({"totalResults": 5}), 2),
            Some(Token::Index(5))
        );
        // An empty page ends the listing even if the total says otherwise.
        assert_eq!(
            next(
                &Token::Index(3),
                &json!({"totalResults": 9, "itemsPerPage": 0}),
                0
            ),
            None
        );
        let c = Token::Cursor(None);
        assert_eq!(
            next(&c, &json!({"nextCursor": "abc"}), 2),
            Some(Token::Cursor(Some("abc".into())))
        );
        assert_eq!(next(&c, &json!({"previousCursor": "abc"}), 2), None);
    }
}
