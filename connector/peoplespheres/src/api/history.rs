//! Field history, `GET /history/psos/{pso}/{field}` (notes §4.8, WIRE.md "Field history"): the
//! request, the answer's shape and the aliases career history is built from. Every wire detail
//! of this endpoint lives here; the career rows are built from its changes by the `history`
//! module.
//!
//! GUESS details made definite by WIRE.md: the answer is `{"data":[entry…]}`, newest first
//! (S5 documents a single object, also accepted here); an entry's `value` uses the
//! `fieldAliasAndValue` encoding (a `pos` id for the position, an option value for the
//! department) and is null on `deleted`; `updated_at` is `YYYY-MM-DD HH:mm:ss` (UTC). An unknown
//! pso or field is a 404 (`Pso not found` / `Field not found`); no history is `{"data":[]}`.

use serde_json::Value as Json;

use crate::base_url::BaseUrl;
use crate::dates::normalize_datetime;
use crate::http::{HttpRequest, HttpResponse, percent_encode, scalar_text, short, str_of};
use crate::model::Error;

/// The position field whose history gives the career's positions (a `pso_relation` to `pos`).
pub const POSITION_FIELD: &str = "usr_poste";
/// The department field whose history gives the career's departments (a hierarchy).
pub const DEPARTMENT_FIELD: &str = "usr_department";

/// `action_type` of a change that emptied the field.
pub const ACTION_DELETED: &str = "deleted";
/// The 404 message of a field the tenant does not have.
pub const FIELD_NOT_FOUND: &str = "Field not found";

/// What the log says about one call.
pub const WHAT: &str = "GET /history/psos/{pso}/{field}";

/// The change log of one top-level field of one record.
pub fn request(api: &BaseUrl, pso: u64, field: &str) -> HttpRequest {
    HttpRequest::get(api.join(&format!("/history/psos/{pso}/{}", percent_encode(field))))
}

/// One change of a field: when (RFC 3339 UTC) and the value it left (none: emptied).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub at: String,
    pub value: Option<String>,
}

impl Change {
    /// The `YYYY-MM-DD` day of the change.
    pub fn day(&self) -> &str {
        self.at.get(..10).unwrap_or(&self.at)
    }
}

/// A value in the `fieldAliasAndValue` encoding as the stored text (an id or option value);
/// empty strings and `"null"` are empty, an object is read through its `id`, an array by its
/// first item.
fn value_text(v: &Json) -> Option<String> {
    let raw = match v {
        Json::Array(a) => return a.iter().find_map(value_text),
        Json::Object(_) => v.get("id").and_then(scalar_text),
        other => scalar_text(other),
    }?;
    let t = raw.trim();
    (!t.is_empty() && t != super::NULL_STRING).then(|| t.to_string())
}

fn malformed(reason: &str) -> Error {
    Error::Protocol(format!("{WHAT}: unexpected answer ({reason})"))
}

fn change(entry: &Json) -> Result<Change, Error> {
    if !entry.is_object() {
        return Err(malformed("an entry is not an object"));
    }
    let at = str_of(entry, "updated_at")
        .and_then(normalize_datetime)
        .ok_or_else(|| malformed("an entry has no readable `updated_at`"))?;
    let deleted = str_of(entry, "action_type") == Some(ACTION_DELETED);
    let value = if deleted {
        None
    } else {
        entry.get("value").and_then(value_text)
    };
    Ok(Change { at, value })
}

/// The changes of a 2xx answer, **oldest first** (entries of the same instant keep the
/// reverse of the answer's order, which is newest first). A body of another shape is
/// `protocol`.
pub fn parse(resp: &HttpResponse) -> Result<Vec<Change>, Error> {
    let body = resp.json(WHAT)?;
    let entries: Vec<&Json> = match body.get("data") {
        Some(Json::Array(a)) => a.iter().collect(),
        Some(o @ Json::Object(_)) => vec![o],
        _ => return Err(malformed("no `data` list")),
    };
    let mut changes = entries
        .into_iter()
        .rev()
        .map(change)
        .collect::<Result<Vec<_>, _>>()?;
    changes.sort_by(|a, b| a.at.cmp(&b.at));
    Ok(changes)
}

/// The message of a 404 answer (`Field not found`, `Pso not found`…), for the log.
pub fn not_found_message(resp: &HttpResponse) -> String {
    serde_json::from_slice::<Json>(&resp.body)
        .ok()
        .as_ref()
        .and_then(|b| str_of(b, "message").map(short))
        .unwrap_or_else(|| "HTTP 404".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(body: &str) -> HttpResponse {
        HttpResponse {
            status: 200,
            headers: vec![],
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn request_path() {
        let api = BaseUrl::parse("http://sim.local:8080").unwrap();
        let r = request(&api, 42, POSITION_FIELD);
        assert_eq!(r.url, "http://sim.local:8080/history/psos/42/usr_poste");
        assert_eq!(r.method, crate::http::Method::Get);
    }

    #[test]
    fn entries_oldest_first_with_deletes_and_nulls() {
        let changes = parse(&resp(
            r#"{"data":[
            {"id":4,"action_type":"deleted","value":null,"old_value":"262","updated_at":"2025-03-01 10:00:00"},
            {"id":3,"action_type":"updated","value":"262","old_value":"259","updated_at":"2025-03-01 09:00:00"},
            {"id":2,"action_type":"updated","value":"null","updated_at":"2024-01-01 09:00:00"},
            {"id":1,"action_type":"created","value":259,"old_value":null,"updated_at":"2023-01-01 09:00:00"}]}"#,
        ))
        .unwrap();
        let got: Vec<(&str, Option<&str>)> = changes
            .iter()
            .map(|c| (c.day(), c.value.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("2023-01-01", Some("259")),
                ("2024-01-01", None),
                ("2025-03-01", Some("262")),
                ("2025-03-01", None)
            ]
        );
        assert!(parse(&resp(r#"{"data":[]}"#)).unwrap().is_empty());
        // A single object (as S5 documents it) is one entry.
        let one = parse(&resp(
            r#"{"data":{"action_type":"created","value":{"id":7},"updated_at":"2020-02-02 08:00:00"}}"#,
        ))
        .unwrap();
        assert_eq!(one[0].value.as_deref(), Some("7"));
    }

    #[test]
    fn malformed_bodies_are_protocol_errors() {
        for body in [
            "{",
            "[]",
            r#"{"data":null}"#,
            r#"{"data":"x"}"#,
            r#"{"data":[1]}"#,
            r#"{"data":[{"action_type":"created","value":"1"}]}"#,
            r#"{"data":[{"action_type":"created","value":"1","updated_at":"yesterday"}]}"#,
        ] {
            assert!(
                matches!(parse(&resp(body)), Err(Error::Protocol(_))),
                "{body}"
            );
        }
    }
}
