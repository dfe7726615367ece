//! Every PeopleSpheres call and DTO, and every wire detail `tests/simulator/WIRE.md` fixes where
//! the API notes say GUESS: hosts, paths, GraphQL query text, cursor and value encodings.
//! A correction from a real tenant is an edit here (and in the simulator's `wire.rs`).

pub mod history;
pub mod write;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Deserializer};

use crate::base_url::BaseUrl;
use crate::http::{HttpRequest, HttpResponse, scalar_text, short, str_of};
use crate::model::Error;

// ---- hosts (WIRE.md "Hosts") -------------------------------------------------------------

pub const PRODUCTION_REST: &str = "https://rest.monportailrh.com";
pub const PRODUCTION_SSO: &str = "https://sso.monportailrh.com";
/// GUESS.
pub const PREPRODUCTION_REST: &str = "https://rest-preproduction.monportailrh.com";
pub const PREPRODUCTION_SSO: &str = "https://sso-preproduction.monportailrh.com";
/// GUESS: GraphQL is served under the REST base.
pub const GRAPHQL_PATH: &str = "/graphql";

// ---- token (Keycloak) ----------------------------------------------------------------------

pub const TOKEN_PATH: &str = "/auth/realms/Internal-idp/protocol/openid-connect/token";
/// The client ids tried, in order, when none is configured: the one production scripts use
/// (notes S6), then the one the official page names (S1). The next is tried only when the SSO
/// refuses the previous one (`invalid_client` / `unauthorized_client`).
pub const DEFAULT_CLIENT_IDS: &[&str] = &["monportailrh-web-app", "web-app"];
/// Lifetime assumed when the token answer has no `expires_in`.
pub const DEFAULT_EXPIRES_IN: u64 = 300;

pub fn password_grant(sso: &BaseUrl, client_id: &str, login: &str, password: &str) -> HttpRequest {
    HttpRequest::post_form(
        sso.join(TOKEN_PATH),
        &[
            ("grant_type", "password"),
            ("client_id", client_id),
            ("username", login),
            ("password", password),
        ],
    )
}

pub fn refresh_grant(sso: &BaseUrl, client_id: &str, refresh_token: &str) -> HttpRequest {
    HttpRequest::post_form(
        sso.join(TOKEN_PATH),
        &[
            ("grant_type", "refresh_token"),
            ("client_id", client_id),
            ("refresh_token", refresh_token),
        ],
    )
}

/// A token answer. No `Debug`: it holds tokens.
#[derive(Deserialize)]
pub struct TokenDto {
    pub access_token: String,
    #[serde(default)]
    pub expires_in: Option<u64>,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub refresh_expires_in: Option<u64>,
}

pub fn parse_token(resp: &HttpResponse) -> Result<TokenDto, Error> {
    serde_json::from_slice::<TokenDto>(&resp.body)
        .ok()
        .filter(|t| !t.access_token.is_empty())
        .ok_or_else(|| {
            Error::Protocol("token endpoint: the answer has no usable access_token".into())
        })
}

// ---- REST ----------------------------------------------------------------------------------

/// The cheap authorized call of `test-connection`.
pub fn probe(api: &BaseUrl) -> HttpRequest {
    HttpRequest::get(api.join("/search?pso-type=usr&per-page=1"))
}

/// Every active `usr` field with type, category, sub-fields, options and settings, unpaged.
pub fn fields(api: &BaseUrl) -> HttpRequest {
    HttpRequest::get(api.join("/fields?pso-type=usr&active=1&include=type,category,items,options,settings&no-pagination=1"))
}

/// A field's options: unpaged (`no-pagination=1`) or one `(page, per-page)`; without `parent`
/// the tenant answers the roots or every option (flat, with `parent_id`), with `parent` one
/// level (notes §4.3).
pub fn field_options(
    api: &BaseUrl,
    field_id: &str,
    parent: Option<&str>,
    page: Option<(u64, u64)>,
) -> HttpRequest {
    let mut url = api.join(&format!(
        "/fields/{}/options",
        crate::http::percent_encode(field_id)
    ));
    match page {
        None => url.push_str("?no-pagination=1"),
        Some((page, per_page)) => url.push_str(&format!("?page={page}&per-page={per_page}")),
    }
    if let Some(p) = parent {
        url.push_str(&format!("&parent={}", crate::http::percent_encode(p)));
    }
    HttpRequest::get(url)
}

/// One answer of [`field_options`]: its options, and the next `(page, per-page)` when the
/// tenant paged it anyway (`meta.pagination` with more pages).
#[derive(Clone, Debug, Default)]
pub struct OptionsPage {
    pub options: Vec<OptionDto>,
    pub next: Option<(u64, u64)>,
}

#[derive(Deserialize)]
struct PaginationDto {
    #[serde(default)]
    current_page: Option<u64>,
    #[serde(default)]
    total_pages: Option<u64>,
    #[serde(default)]
    per_page: Option<u64>,
}

#[derive(Deserialize)]
struct MetaDto {
    #[serde(default)]
    pagination: Option<PaginationDto>,
}

#[derive(Deserialize)]
struct OptionsEnvelope {
    #[serde(default, deserialize_with = "nullable")]
    data: Vec<OptionDto>,
    #[serde(default)]
    meta: Option<MetaDto>,
}

pub fn parse_options_page(resp: &HttpResponse) -> Result<OptionsPage, Error> {
    let env: OptionsEnvelope = serde_json::from_slice(&resp.body).map_err(|e| {
        Error::Protocol(format!(
            "GET /fields/{{id}}/options: unexpected answer ({})",
            short(&e.to_string())
        ))
    })?;
    let next = env.meta.and_then(|m| m.pagination).and_then(|p| {
        let (current, total) = (p.current_page?, p.total_pages?);
        (current < total).then(|| (current + 1, p.per_page.unwrap_or(25).max(1)))
    });
    Ok(OptionsPage {
        options: env.data,
        next,
    })
}

/// Deserializes `null` as the type's default.
fn nullable<'de, D: Deserializer<'de>, T: Default + Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Deserializes a number or a string id as a string (`null` as empty).
fn id_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    Ok(scalar_text(&v).unwrap_or_default())
}

fn opt_id_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    Ok(scalar_text(&v).filter(|s| !s.is_empty()))
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct NamedDto {
    #[serde(default, deserialize_with = "nullable")]
    pub alias: String,
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct SettingDto {
    #[serde(default, deserialize_with = "nullable")]
    pub alias: String,
    #[serde(default)]
    pub value: serde_json::Value,
}

/// One option of a list/hierarchy/radio field (flat, with `parent_id`: GUESS).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct OptionDto {
    #[serde(default, deserialize_with = "id_string")]
    pub id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    /// What records hold: the option id as a string, or e.g. `usr_active_yes`.
    #[serde(default, deserialize_with = "opt_id_string")]
    pub value: Option<String>,
    /// The option's alias (what some tenants' records hold).
    #[serde(default, deserialize_with = "opt_id_string")]
    pub alias: Option<String>,
    #[serde(default, deserialize_with = "opt_id_string")]
    pub parent_id: Option<String>,
    #[serde(default)]
    pub position: Option<i64>,
    #[serde(default)]
    pub is_active: Option<bool>,
    #[serde(default)]
    pub is_selectable: Option<bool>,
    #[serde(default)]
    pub has_children: Option<bool>,
}

/// A `Field` of `GET /fields`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct FieldDto {
    #[serde(default, deserialize_with = "id_string")]
    pub id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub alias: String,
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    #[serde(default, deserialize_with = "nullable")]
    pub list: bool,
    #[serde(default, deserialize_with = "nullable")]
    pub read_only: bool,
    #[serde(default, deserialize_with = "nullable")]
    pub required: bool,
    #[serde(default, deserialize_with = "nullable")]
    pub has_unique_data: bool,
    /// GUESS: true marks a tenant-created (custom) field.
    #[serde(default, deserialize_with = "nullable")]
    pub removable: bool,
    #[serde(default)]
    pub is_active: Option<bool>,
    #[serde(rename = "type", default, deserialize_with = "nullable")]
    pub data_type: NamedDto,
    #[serde(default, deserialize_with = "nullable")]
    pub category: NamedDto,
    #[serde(default, deserialize_with = "nullable")]
    pub items: Vec<FieldDto>,
    #[serde(default, deserialize_with = "nullable")]
    pub options: Vec<OptionDto>,
    #[serde(default, deserialize_with = "nullable")]
    pub settings: Vec<SettingDto>,
}

impl FieldDto {
    /// A setting's value as text.
    pub fn setting(&self, alias: &str) -> Option<String> {
        self.settings
            .iter()
            .find(|s| s.alias == alias)
            .and_then(|s| scalar_text(&s.value))
    }
}

/// Setting naming a `pso_relation`'s target type (GUESS).
pub const SETTING_TARGET_PSO_TYPE: &str = "target_pso_type";
/// Setting naming a `calculated` field's result type (GUESS).
pub const SETTING_RESULT_TYPE: &str = "result_type";

#[derive(Deserialize)]
struct DataEnvelope<T> {
    data: T,
}

pub fn parse_fields(resp: &HttpResponse) -> Result<Vec<FieldDto>, Error> {
    serde_json::from_slice::<DataEnvelope<Vec<FieldDto>>>(&resp.body)
        .map(|e| e.data)
        .map_err(|e| {
            Error::Protocol(format!(
                "GET /fields: unexpected answer ({})",
                short(&e.to_string())
            ))
        })
}

// ---- record values (WIRE.md "fieldAliasAndValue") ------------------------------------------

/// Some empty values come back as this string.
pub const NULL_STRING: &str = "null";
/// `usr_active` option values.
pub const ACTIVE_ALIAS: &str = "usr_active";
pub const ACTIVE_YES: &str = "usr_active_yes";
pub const ACTIVE_NO: &str = "usr_active_no";
/// Checkbox encodings.
pub const CHECKBOX_TRUE: &str = "1";
pub const CHECKBOX_FALSE: &str = "0";
/// The positions PSO type and its fields.
pub const POSITION_PSO: &str = "pos";
pub const POS_NAME: &str = "pos_name";
pub const POS_PARENT: &str = "pos_parent";

// ---- GraphQL -------------------------------------------------------------------------------

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

fn graphql_body(query: &str, variables: serde_json::Value) -> serde_json::Value {
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
    if let Some(errors) = body
        .get("errors")
        .and_then(|e| e.as_array())
        .filter(|a| !a.is_empty())
    {
        let msg = errors
            .iter()
            .find_map(|e| str_of(e, "message"))
            .unwrap_or("unknown error");
        let lower = msg.to_ascii_lowercase();
        return Err(
            if lower.contains("unauthorized") || lower.contains("forbidden") {
                Error::Forbidden(format!("GraphQL: {}", short(msg)))
            } else if lower.contains("unauthenticated") {
                Error::Unauthorized(format!("GraphQL: {}", short(msg)))
            } else {
                Error::Protocol(format!("GraphQL error: {}", short(msg)))
            },
        );
    }
    body.get_mut("data")
        .filter(|d| d.is_object())
        .map(serde_json::Value::take)
        .ok_or_else(|| Error::Protocol("GraphQL: no data".into()))
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

/// Parses the answer of `users_request` / `positions_request`.
pub fn parse_records(resp: &HttpResponse) -> Result<RecordsAnswer, Error> {
    let data = graphql_data(resp)?;
    let conn = |key: &str| -> Result<Option<ConnectionDto>, Error> {
        match data.get(key) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(v) => serde_json::from_value(v.clone()).map(Some).map_err(|e| {
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
    fn field_dto_tolerates_nulls() {
        let f: FieldDto = serde_json::from_str(
            r#"{"id":182,"alias":"manager","name":"Responsable","list":false,"read_only":null,
                "type":{"id":20,"alias":"user_relation","name":"User relation"},
                "category":null,"items":null,"options":null,"settings":[]}"#,
        )
        .unwrap();
        assert_eq!(f.id, "182");
        assert_eq!(f.data_type.alias, "user_relation");
        assert!(f.items.is_empty() && f.options.is_empty());
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
