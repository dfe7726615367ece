//! GraphQL record queries (`getPsoRecords`, WIRE.md "Records"): the query texts, the requests
//! for users and positions, the connection DTOs, error answers, the `first` bound a tenant
//! accepts and the record cursor encoding.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

use super::nullable;
use crate::base_url::BaseUrl;
use crate::http::{HttpRequest, HttpResponse, short, str_of};
use crate::model::Error;

/// Largest `first` asked for; a tenant that refuses it (an error naming `first`) is asked
/// again with the largest smaller bound its message names, else [`FALLBACK_FIRST`].
pub const MAX_FIRST: u32 = 1000;
/// The `first` the notes' real clients use (§4.10).
pub const FALLBACK_FIRST: u32 = 100;

/// The smaller `first` to retry with after a GraphQL error `msg` for `asked`, if the error is
/// about `first`: the largest number in the message below `asked`, else [`FALLBACK_FIRST`].
pub fn smaller_first(msg: &str, asked: u32) -> Option<u32> {
    if !msg.to_ascii_lowercase().contains("first") {
        return None;
    }
    let named = msg
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|d| d.parse::<u32>().ok())
        .filter(|n| (1..asked).contains(n))
        .max();
    named.or((asked > FALLBACK_FIRST).then_some(FALLBACK_FIRST))
}

macro_rules! connection_selection {
    () => {
        "{ totalCount pageInfo { startCursor endCursor hasNextPage hasPreviousPage } \
         edges { cursor node { externalId createdAt psoAlias fieldAliasAndValue } } }"
    };
}

/// One page of users.
pub const USERS_QUERY: &str = concat!(
    "query ListUsers($fields: [String!]!, $first: Int!, $after: String) { ",
    "getPsoRecords(alias: \"usr\", fields: $fields, first: $first, after: $after) ",
    connection_selection!(),
    " }"
);

/// One page of users plus the first `$posFirst` positions, in one request (first call of a
/// session).
pub const USERS_AND_POSITIONS_QUERY: &str = concat!(
    "query ListUsers($fields: [String!]!, $first: Int!, $after: String, $posFirst: Int!) { ",
    "getPsoRecords(alias: \"usr\", fields: $fields, first: $first, after: $after) ",
    connection_selection!(),
    " positions: getPsoRecords(alias: \"pos\", fields: [\"pos_name\", \"pos_parent\"], first: $posFirst) ",
    connection_selection!(),
    " }"
);

/// Further positions, when there are more than one page.
pub const POSITIONS_QUERY: &str = concat!(
    "query ListPositions($first: Int!, $after: String) { ",
    "positions: getPsoRecords(alias: \"pos\", fields: [\"pos_name\", \"pos_parent\"], first: $first, after: $after) ",
    connection_selection!(),
    " }"
);

pub(super) fn graphql_body(query: &str, variables: serde_json::Value) -> serde_json::Value {
    serde_json::json!({ "query": query, "variables": variables, "operationName": null })
}

/// `first` users after `after` (a GraphQL cursor), optionally with the first `pos_first`
/// positions.
pub fn users_request(
    graphql: &BaseUrl,
    fields: &[String],
    first: u32,
    after: Option<&str>,
    with_positions: Option<u32>,
) -> HttpRequest {
    let (query, vars) = match with_positions {
        Some(pos_first) => (
            USERS_AND_POSITIONS_QUERY,
            serde_json::json!({ "fields": fields, "first": first, "after": after, "posFirst": pos_first }),
        ),
        None => (
            USERS_QUERY,
            serde_json::json!({ "fields": fields, "first": first, "after": after }),
        ),
    };
    HttpRequest::post_json(graphql.to_string(), &graphql_body(query, vars))
}

pub fn positions_request(graphql: &BaseUrl, first: u32, after: Option<&str>) -> HttpRequest {
    let vars = serde_json::json!({ "first": first, "after": after });
    HttpRequest::post_json(graphql.to_string(), &graphql_body(POSITIONS_QUERY, vars))
}

/// A record connection.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionDto {
    #[serde(default)]
    pub total_count: Option<u64>,
    #[serde(default, deserialize_with = "nullable")]
    pub page_info: PageInfoDto,
    #[serde(default, deserialize_with = "nullable")]
    pub edges: Vec<EdgeDto>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageInfoDto {
    #[serde(default)]
    pub end_cursor: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub has_next_page: bool,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct EdgeDto {
    #[serde(default, deserialize_with = "nullable")]
    pub cursor: String,
    #[serde(default, deserialize_with = "nullable")]
    pub node: NodeDto,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeDto {
    #[serde(default)]
    pub external_id: Option<String>,
    /// Alias → value; only non-empty requested fields.
    #[serde(default)]
    pub field_alias_and_value: serde_json::Value,
}

/// The answer of `users_request` / `positions_request`.
#[derive(Clone, Debug, Default)]
pub struct RecordsAnswer {
    pub users: Option<ConnectionDto>,
    pub positions: Option<ConnectionDto>,
}

/// The `data` object of a GraphQL answer (HTTP 200). A non-empty `errors` is `forbidden` when
/// it says unauthorized, else `protocol` (a query this connector built was refused).
pub fn graphql_data(resp: &HttpResponse) -> Result<serde_json::Value, Error> {
    let mut body = resp.json("GraphQL")?;
    if let Some(e) = body.get("errors").and_then(refusal) {
        return Err(e);
    }
    body.get_mut("data")
        .filter(|d| d.is_object())
        .map(serde_json::Value::take)
        .ok_or_else(|| Error::Protocol("GraphQL: no data".into()))
}

/// What a GraphQL `errors` member means, if it holds any error.
fn refusal(errors: &serde_json::Value) -> Option<Error> {
    let errors = errors.as_array().filter(|a| !a.is_empty())?;
    let msg = errors
        .iter()
        .find_map(|e| str_of(e, "message"))
        .unwrap_or("unknown error");
    let lower = msg.to_ascii_lowercase();
    Some(
        if lower.contains("unauthorized") || lower.contains("forbidden") {
            Error::Forbidden(format!("GraphQL: {}", short(msg)))
        } else if lower.contains("unauthenticated") {
            Error::Unauthorized(format!("GraphQL: {}", short(msg)))
        } else {
            Error::Protocol(format!("GraphQL error: {}", short(msg)))
        },
    )
}

/// Whether a 200 GraphQL answer says the token was not accepted (Lighthouse-style servers
/// answer `{"errors":[{"message":"Unauthenticated."}]}` with HTTP 200 rather than a 401).
pub fn graphql_unauthenticated(resp: &HttpResponse) -> bool {
    const WORD: &[u8] = b"unauthenticated";
    // Every answer passes here: only a small one that mentions the word is parsed.
    resp.status == 200
        && resp.body.len() < 4096
        && resp
            .body
            .windows(WORD.len())
            .any(|w| w.eq_ignore_ascii_case(WORD))
        && serde_json::from_slice::<serde_json::Value>(&resp.body)
            .ok()
            .and_then(|b| b.get("errors")?.as_array().cloned())
            .is_some_and(|errors| {
                errors.iter().any(|e| {
                    str_of(e, "message")
                        .is_some_and(|m| m.to_ascii_lowercase().contains("unauthenticated"))
                })
            })
}

/// A records answer, read straight into its types.
#[derive(Deserialize)]
struct RecordsEnvelope {
    #[serde(default)]
    errors: Option<serde_json::Value>,
    data: Option<RecordsData>,
}

#[derive(Deserialize)]
struct RecordsData {
    #[serde(rename = "getPsoRecords", default)]
    users: Option<ConnectionDto>,
    #[serde(default)]
    positions: Option<ConnectionDto>,
}

/// Parses the answer of `users_request` / `positions_request`: in one pass into the connection
/// types when it has the expected shape; otherwise through a JSON tree, which says what is
/// wrong with it.
pub fn parse_records(resp: &HttpResponse) -> Result<RecordsAnswer, Error> {
    if let Ok(envelope) = serde_json::from_slice::<RecordsEnvelope>(&resp.body) {
        if let Some(e) = envelope.errors.as_ref().and_then(refusal) {
            return Err(e);
        }
        if let Some(data) = envelope.data {
            return Ok(RecordsAnswer {
                users: data.users,
                positions: data.positions,
            });
        }
    }
    let data = graphql_data(resp)?;
    let conn = |key: &str| -> Result<Option<ConnectionDto>, Error> {
        match data.get(key) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(v) => ConnectionDto::deserialize(v).map(Some).map_err(|e| {
                Error::Protocol(format!(
                    "GraphQL `{key}`: unexpected shape ({})",
                    short(&e.to_string())
                ))
            }),
        }
    };
    Ok(RecordsAnswer {
        users: conn("getPsoRecords")?,
        positions: conn("positions")?,
    })
}

/// The cursor of the record with REST id `id`: base64 of its decimal id.
pub fn cursor_for_id(id: u64) -> String {
    STANDARD.encode(id.to_string())
}

/// The REST id a cursor designates, if it is one.
pub fn id_from_cursor(cursor: &str) -> Option<u64> {
    let bytes = STANDARD.decode(cursor.trim()).ok()?;
    let s = std::str::from_utf8(&bytes).ok()?;
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors() {
        assert_eq!(cursor_for_id(6), "Ng==");
        assert_eq!(cursor_for_id(103), "MTAz");
        assert_eq!(id_from_cursor("MTU="), Some(15));
        assert_eq!(id_from_cursor("not base64!"), None);
        assert_eq!(id_from_cursor(&STANDARD.encode("-3")), None);
        assert_eq!(id_from_cursor(""), None);
    }

    #[test]
    fn graphql_errors() {
        let r = |b: &str| HttpResponse {
            status: 200,
            headers: vec![],
            body: b.as_bytes().to_vec(),
        };
        assert!(matches!(
            parse_records(&r(r#"{"data":null,"errors":[{"message":"Syntax Error"}]}"#)),
            Err(Error::Protocol(_))
        ));
        assert!(matches!(
            parse_records(&r(r#"{"data":null,"errors":[{"message":"Unauthorized"}]}"#)),
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(parse_records(&r("{")), Err(Error::Protocol(_))));
        let ok = parse_records(&r(r#"{"data":{"getPsoRecords":{"totalCount":0,"pageInfo":{"endCursor":null,"hasNextPage":false},"edges":[]}},"errors":null}"#)).unwrap();
        assert_eq!(ok.users.unwrap().total_count, Some(0));
        assert!(ok.positions.is_none());
    }
}
