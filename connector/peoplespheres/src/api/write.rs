//! Write-side wire details (WIRE.md "Writes"; notes §4.4–4.7, all GUESS made definite): form
//! instances and forms, the `data[]` items of `POST /psos` and of the profile form, the answers
//! read, `POST /psos/{id}/status`, and the GraphQL lookup by unique values.

use serde::{Deserialize, Serialize};

use super::graphql::graphql_body;
use super::{DataEnvelope, FieldDto, nullable};
use crate::base_url::BaseUrl;
use crate::http::{HttpRequest, HttpResponse, percent_encode, short};
use crate::model::Error;

/// The `usr` creation form instance (`pso_type.creation_form_instance_id`). GUESS: fixed.
pub const CREATION_FORM_INSTANCE: u64 = 1;
/// The `usr` profile form instance (`pso_type.profile_form_instance_id`). GUESS: fixed.
pub const PROFILE_FORM_INSTANCE: u64 = 2;
/// The PSO type of users in `POST /psos`.
pub const USR: &str = "usr";
/// `include` of form and answers reads.
const FORM_INCLUDE: &str = "fields,fields.type,fields.items,fields.options";

/// What an item does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    Update,
    Delete,
}

/// One `data[]` item: one value of one field (a sub-field alias for composites).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Item {
    pub field_alias: String,
    /// The `fieldAliasAndValue` encoding; `""` clears.
    pub value: String,
    pub action: Action,
    /// Opaque: sent back exactly as read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer_id: Option<serde_json::Value>,
    /// Groups the sub-fields of one composite row.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch: Option<String>,
}

/// `GET /form-instances/{id}`.
pub fn form_instance(api: &BaseUrl, id: u64) -> HttpRequest {
    HttpRequest::get(api.join(&format!("/form-instances/{id}")))
}

/// `GET /forms/{form_id}?include=…`.
pub fn form(api: &BaseUrl, form_id: &str) -> HttpRequest {
    HttpRequest::get(api.join(&format!(
        "/forms/{}?include={FORM_INCLUDE}",
        percent_encode(form_id)
    )))
}

/// `POST /psos` (create, through the creation form instance).
pub fn create(api: &BaseUrl, items: &[Item]) -> HttpRequest {
    let body = serde_json::json!({
        "pso_type": USR, "form_instance": CREATION_FORM_INSTANCE, "data": items,
    });
    HttpRequest::post_json(api.join("/psos"), &body)
}

/// `GET /psos/{id}/form-instances/{fi}?include=…` (current answers with their ids).
pub fn answers(api: &BaseUrl, pso: u64, fi: u64) -> HttpRequest {
    HttpRequest::get(api.join(&format!(
        "/psos/{pso}/form-instances/{fi}?include={FORM_INCLUDE}"
    )))
}

/// `POST /psos/{id}/form-instances/{fi}` (update).
pub fn post_answers(api: &BaseUrl, pso: u64, fi: u64, items: &[Item]) -> HttpRequest {
    let body = serde_json::json!({ "temporary": false, "data": items });
    HttpRequest::post_json(api.join(&format!("/psos/{pso}/form-instances/{fi}")), &body)
}

/// `POST /psos/{id}/status`. GUESS: `status` (presence) is left out so the current one is
/// kept; `active` alone toggles suspension.
pub fn status(api: &BaseUrl, pso: u64, active: bool) -> HttpRequest {
    HttpRequest::post_json(
        api.join(&format!("/psos/{pso}/status")),
        &serde_json::json!({ "active": active }),
    )
}

fn unexpected(what: &str, e: &serde_json::Error) -> Error {
    Error::Protocol(format!(
        "{what}: unexpected answer ({})",
        short(&e.to_string())
    ))
}

#[derive(Deserialize)]
struct FormInstanceDto {
    #[serde(deserialize_with = "super::id_string")]
    form_id: String,
}

/// The `form_id` of a form instance.
pub fn parse_form_instance(resp: &HttpResponse) -> Result<String, Error> {
    serde_json::from_slice::<DataEnvelope<FormInstanceDto>>(&resp.body)
        .map_err(|e| unexpected("GET /form-instances/{id}", &e))
        .map(|e| e.data.form_id)
        .and_then(|id| {
            (!id.is_empty())
                .then_some(id)
                .ok_or_else(|| Error::Protocol("form instance without form_id".into()))
        })
}

#[derive(Deserialize)]
struct FormDto {
    #[serde(default, deserialize_with = "nullable")]
    fields: Vec<FieldDto>,
}

/// The fields of a form (`required` / `read_only` as the form sets them).
pub fn parse_form(resp: &HttpResponse) -> Result<Vec<FieldDto>, Error> {
    serde_json::from_slice::<DataEnvelope<FormDto>>(&resp.body)
        .map(|e| e.data.fields)
        .map_err(|e| unexpected("GET /forms/{id}", &e))
}

/// One current value of a field.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct AnswerDto {
    #[serde(default)]
    pub answer_id: serde_json::Value,
    #[serde(default, deserialize_with = "value_text")]
    pub value: String,
    #[serde(default, deserialize_with = "nullable")]
    pub batch: Option<String>,
}

fn value_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    Ok(crate::http::scalar_text(&v).unwrap_or_default())
}

/// A field of an answers read, with its values (a composite: per sub-field in `items`).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct AnswerFieldDto {
    #[serde(default, deserialize_with = "nullable")]
    pub alias: String,
    #[serde(default, deserialize_with = "nullable")]
    pub read_only: bool,
    #[serde(default, deserialize_with = "nullable")]
    pub values: Vec<AnswerDto>,
    #[serde(default, deserialize_with = "nullable")]
    pub items: Vec<AnswerFieldDto>,
}

#[derive(Deserialize)]
struct AnswersDto {
    #[serde(default, deserialize_with = "nullable")]
    fields: Vec<AnswerFieldDto>,
}

pub fn parse_answers(resp: &HttpResponse) -> Result<Vec<AnswerFieldDto>, Error> {
    serde_json::from_slice::<DataEnvelope<AnswersDto>>(&resp.body)
        .map(|e| e.data.fields)
        .map_err(|e| unexpected("GET /psos/{id}/form-instances/{fi}", &e))
}

#[derive(Deserialize)]
struct CreatedDto {
    #[serde(deserialize_with = "super::id_string")]
    id: String,
}

/// The new user's REST id from `201 {"data":{"id":…}}`.
pub fn parse_created(resp: &HttpResponse) -> Result<u64, Error> {
    serde_json::from_slice::<DataEnvelope<CreatedDto>>(&resp.body)
        .map_err(|e| unexpected("POST /psos", &e))?
        .data
        .id
        .parse()
        .map_err(|_| Error::Protocol("POST /psos: the new id is not a number".into()))
}

/// One GraphQL call looking users up by `(alias, value)` filters, one aliased root each
/// (`u0`, `u1`…): `getPsoRecords(alias:"usr", fields:["username"], first:1, filter:{alias:value})`.
pub fn lookup_request(graphql: &BaseUrl, filters: &[(String, String)]) -> HttpRequest {
    let mut decl = Vec::new();
    let mut roots = Vec::new();
    let mut vars = serde_json::Map::new();
    for (i, (alias, value)) in filters.iter().enumerate() {
        decl.push(format!("$f{i}: JSON"));
        roots.push(format!(
            "u{i}: getPsoRecords(alias: \"usr\", fields: [\"username\"], first: 1, filter: $f{i}) \
             {{ edges {{ cursor }} }}"
        ));
        vars.insert(
            format!("f{i}"),
            serde_json::json!({ alias.as_str(): value }),
        );
    }
    let query = format!(
        "query Lookup({}) {{ {} }}",
        decl.join(", "),
        roots.join(" ")
    );
    HttpRequest::post_json(
        graphql.to_string(),
        &graphql_body(&query, serde_json::Value::Object(vars)),
    )
}

/// Per filter of `lookup_request`, the id of the user found.
pub fn parse_lookup(resp: &HttpResponse, n: usize) -> Result<Vec<Option<u64>>, Error> {
    let body = super::graphql::graphql_data(resp)?;
    Ok((0..n)
        .map(|i| {
            body.get(format!("u{i}"))
                .and_then(|c| c.get("edges"))
                .and_then(|e| e.as_array())
                .and_then(|e| e.first())
                .and_then(|e| e.get("cursor"))
                .and_then(|c| c.as_str())
                .and_then(super::graphql::id_from_cursor)
        })
        .collect())
}
