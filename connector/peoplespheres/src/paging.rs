//! Opaque page tokens: `"v1." + base64url(GraphQL cursor)`. Pure.
//!
//! The cursor is that of the last record of the previous page; since the API returns records
//! with a greater id after it, paging is stable under concurrent inserts.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::api;
use crate::model::Error;

const PREFIX: &str = "v1.";
/// The contract name of the argument, for `invalid-input`.
pub const PAGE_TOKEN: &str = "page-token";

pub const DEFAULT_PAGE_SIZE: u32 = 100;
pub const MAX_PAGE_SIZE: u32 = 1000;

/// 0 → the default; otherwise clamped to `1..=MAX_PAGE_SIZE`.
pub fn clamp_page_size(size: u32) -> u32 {
    if size == 0 {
        DEFAULT_PAGE_SIZE
    } else {
        size.min(MAX_PAGE_SIZE)
    }
}

pub fn encode(cursor: &str) -> String {
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(cursor))
}

/// The GraphQL cursor inside a token; `invalid-input` naming `page-token` when malformed.
pub fn decode(token: &str) -> Result<String, Error> {
    let bad = |why: &str| Error::invalid_input(PAGE_TOKEN, format!("malformed page token: {why}"));
    let body = token
        .strip_prefix(PREFIX)
        .ok_or_else(|| bad("unknown version"))?;
    let bytes = URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| bad("not base64url"))?;
    let cursor = String::from_utf8(bytes).map_err(|_| bad("not text"))?;
    if api::graphql::id_from_cursor(&cursor).is_none() {
        return Err(bad("not a cursor"));
    }
    Ok(cursor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let c = api::graphql::cursor_for_id(103);
        let t = encode(&c);
        assert!(t.starts_with("v1."));
        assert_eq!(decode(&t).unwrap(), c);
    }

    #[test]
    fn rejects_malformed() {
        for t in ["", "v1.", "v2.TVRBeg", "v1.!!!", "v1.aGVsbG8", "garbage"] {
            match decode(t) {
                Err(Error::InvalidInput(a)) => assert_eq!(a.name, "page-token", "{t}"),
                other => panic!("{t}: {other:?}"),
            }
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(clamp_page_size(0), 100);
        assert_eq!(clamp_page_size(1), 1);
        assert_eq!(clamp_page_size(1000), 1000);
        assert_eq!(clamp_page_size(5000), 1000);
    }
}
