//! Every PeopleSpheres call and DTO, and every wire detail `tests/simulator/WIRE.md` fixes where
//! the API notes say GUESS: hosts, paths, GraphQL query text, cursor and value encodings.
//! A correction from a real tenant is an edit here (and in the simulator's `wire.rs`).
//!
//! This file holds the hosts, the token calls, the REST reads (fields, options) and the record
//! value encodings; [`graphql`] the record queries and cursors, [`history`] the field history,
//! [`write`](mod@write) the writes.

pub mod graphql;
pub mod history;
pub mod write;

use serde::{Deserialize, Deserializer};

use crate::base_url::BaseUrl;
use crate::http::{HttpRequest, HttpResponse, scalar_text, short};
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
