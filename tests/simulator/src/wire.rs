//! Every wire-format decision (the GUESSes fixed in `WIRE.md`) in one place: REST error
//! bodies, the `Field` / option / PSO-type JSON, `value_details`, search items, pagination
//! meta, Keycloak errors, and GraphQL cursors. A correction from a real tenant is one edit here.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::{Value, json};

use crate::catalogue::{CATEGORIES, DATA_TYPES, SimField, SimOption, SimPsoType};
use crate::tenant::{SimUser, Tenant};

/// Base64 (standard, padded) of the decimal id: `6` → `"Ng=="`.
pub fn encode_cursor(id: u64) -> String {
    base64::engine::general_purpose::STANDARD.encode(id.to_string())
}

/// Inverse of [`encode_cursor`]; `None` if it is not base64 of a decimal number.
pub fn decode_cursor(cursor: &str) -> Option<u64> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(cursor)
        .ok()?;
    std::str::from_utf8(&bytes).ok()?.parse().ok()
}

/// Dingo-style REST error: `{"message": …, "status_code": N}`.
pub fn rest_error(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(json!({ "message": message, "status_code": status.as_u16() })),
    )
        .into_response()
}

/// The REST 401 for a missing, bad or expired token.
pub fn unauthenticated() -> Response {
    rest_error(StatusCode::UNAUTHORIZED, "Unauthenticated.")
}

/// The REST 400 validation error: `{"message":"400 Bad Request","errors":{field:[reason]},"status_code":400}`.
pub fn validation_error(field: &str, reason: &str) -> Response {
    let body =
        json!({ "message": "400 Bad Request", "errors": { field: [reason] }, "status_code": 400 });
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

/// Default message of a scripted status fault.
pub fn default_fault_message(status: u16) -> &'static str {
    match status {
        401 => "Unauthenticated.",
        403 => "This action is unauthorized.",
        404 => "Not Found",
        429 => "Too Many Attempts.",
        500 => "Internal Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Error",
    }
}

/// Keycloak token-endpoint error.
pub fn keycloak_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

/// `{id, alias, name}` of a data type.
pub fn data_type_json(alias: &str) -> Value {
    let (id, name) = DATA_TYPES
        .iter()
        .find(|t| t.1 == alias)
        .map_or((0, alias), |t| (t.0, t.2));
    json!({ "id": id, "alias": alias, "name": name })
}

/// `{id, alias, name}` of a category.
pub fn category_json(alias: &str) -> Value {
    let (id, name) = CATEGORIES
        .iter()
        .find(|c| c.1 == alias)
        .map_or((0, alias), |c| (c.0, c.2));
    json!({ "id": id, "alias": alias, "name": name })
}

/// A full option, as in `Field.options`.
pub fn option_json(o: &SimOption) -> Value {
    json!({
        "id": o.id, "name": o.name, "value": o.value, "parent_id": o.parent_id, "position": o.position,
        "is_active": o.is_active, "is_selectable": o.is_selectable, "has_children": o.has_children,
    })
}

/// One level of `/fields/{id}/options`.
pub fn option_level_json(
    id: u64,
    name: &str,
    value: &str,
    has_children: bool,
    is_selectable: bool,
) -> Value {
    json!({ "id": id, "name": name, "value": value, "has_children": has_children, "is_selectable": is_selectable })
}

/// The `Field` object of `GET /fields` (items and options always included).
pub fn field_json(f: &SimField) -> Value {
    json!({
        "id": f.id, "alias": f.alias, "name": f.name, "position": f.position, "is_active": f.is_active,
        "list": f.list, "read_only": f.read_only, "required": f.required, "system_required": f.system_required,
        "has_unique_data": f.has_unique_data, "has_value": f.data_type != "composite", "removable": f.removable,
        "type": data_type_json(&f.data_type),
        "category": category_json(&f.category),
        "items": f.items.iter().map(field_json).collect::<Vec<_>>(),
        "options": f.options.iter().map(option_json).collect::<Vec<_>>(),
        "settings": f.settings.iter().map(|(a, v)| json!({ "alias": a, "value": v })).collect::<Vec<_>>(),
    })
}

/// The `pso_type` object of REST answers.
pub fn pso_type_json(t: &SimPsoType) -> Value {
    json!({
        "id": t.id, "name": t.name, "alias": t.alias, "is_active": t.is_active, "system_required": t.system_required,
        "creation_form_instance_id": t.creation_form_instance_id, "profile_form_instance_id": t.profile_form_instance_id,
        "description": "",
    })
}

/// The related-user object of a `user_relation` `value_details`.
pub fn brief_user_json(u: &SimUser) -> Value {
    json!({
        "id": u.id, "first_name": u.text("usr_first_name"), "last_name": u.text("usr_last_name"),
        "professional_email": u.text("professional_email"), "user_photo": null,
    })
}

/// `value_details` of one stored value (not a list): labels resolved, relations expanded.
fn detail_one(t: &Tenant, f: &SimField, v: &Value) -> Value {
    let Some(s) = v.as_str() else {
        return v.clone();
    };
    match f.data_type.as_str() {
        "list" | "hierarchy" | "radio_button" | "multi_checkbox" => f
            .option_by_value(s)
            .map_or(Value::String(s.to_string()), |o| {
                Value::String(o.name.clone())
            }),
        "user_relation" => s
            .parse()
            .ok()
            .and_then(|id| t.user(id))
            .map_or(Value::Null, brief_user_json),
        "pso_relation" => s
            .parse()
            .ok()
            .and_then(|id| t.position(id))
            .map_or(Value::Null, |p| Value::String(p.name.clone())),
        _ => Value::String(s.to_string()),
    }
}

fn detail_composite_row(t: &Tenant, f: &SimField, row: &Value) -> Value {
    let mut out = serde_json::Map::new();
    if let Some(obj) = row.as_object() {
        for item in &f.items {
            if let Some(v) = obj.get(&item.alias) {
                out.insert(item.alias.clone(), detail_one(t, item, v));
            }
        }
    }
    Value::Object(out)
}

/// `value_details` and `values_count` of a field for one record: string for text / date /
/// option labels, array for list fields, object for user relations, object (or array of
/// objects) keyed by sub-field alias for composites, `null` when empty.
pub fn value_details(t: &Tenant, f: &SimField, v: Option<&Value>) -> (Value, usize) {
    match v {
        None => (Value::Null, 0),
        Some(Value::Array(items)) => {
            let details = items
                .iter()
                .map(|i| {
                    if f.data_type == "composite" {
                        detail_composite_row(t, f, i)
                    } else {
                        detail_one(t, f, i)
                    }
                })
                .collect::<Vec<_>>();
            (Value::Array(details), items.len())
        }
        Some(v) if f.data_type == "composite" => (detail_composite_row(t, f, v), 1),
        Some(v) => (detail_one(t, f, v), 1),
    }
}

/// A "field with value" item of `GET /psos/{id}/fields`.
pub fn field_with_value_json(t: &Tenant, f: &SimField, v: Option<&Value>) -> Value {
    let mut out = field_json(f);
    let (details, count) = value_details(t, f, v);
    if let Some(obj) = out.as_object_mut() {
        obj.insert("is_locked".into(), json!(false));
        obj.insert("values_count".into(), json!(count));
        obj.insert("value_details".into(), details);
        obj.insert(
            "access_permissions".into(),
            json!({ "view": true, "edit": !f.read_only, "history": true }),
        );
        obj.insert("assignment_settings".into(), json!([]));
        obj.insert(
            "assignment_permissions".into(),
            json!({ "permissions": {}, "access_list": [0, 1, 1] }),
        );
    }
    out
}

/// The short field entry of a `/search` item: `{id, alias, name, value, raw_value[]}`.
pub fn search_field_json(t: &Tenant, f: &SimField, v: Option<&Value>) -> Value {
    let (details, _) = value_details(t, f, v);
    let value = match details {
        Value::String(s) => Value::String(s),
        Value::Null => Value::Null,
        other => Value::String(other.to_string()),
    };
    let raw: Vec<Value> = match v {
        None => vec![],
        Some(Value::Array(a)) => a.clone(),
        Some(x) => vec![x.clone()],
    };
    json!({ "id": f.id, "alias": f.alias, "name": f.name, "value": value, "raw_value": raw })
}

/// The profile form block of search items and `GET /psos/{id}`.
pub fn profile_form_json(t: &Tenant, pso: &SimPsoType, active: bool) -> Value {
    let active_field = t.catalogue.field("usr", "usr_active").filter(|_| pso.alias == "usr").map(|f| {
        let raw = if active { "usr_active_yes" } else { "usr_active_no" };
        json!({ "id": f.id, "alias": f.alias, "name": f.name, "value": if active { "Oui" } else { "Non" }, "raw_value": [raw] })
    });
    json!({
        "id": pso.profile_form_instance_id, "name": format!("Profil {}", pso.name.to_lowercase()),
        "description": "", "is_active": true, "active_field": active_field,
    })
}

/// Fractal pagination meta; `links.previous` absent on page 1, `links.next` on the last page.
pub fn pagination_json(
    base: &str,
    query: &[(String, String)],
    total: usize,
    count: usize,
    per_page: usize,
    page: usize,
) -> Value {
    let total_pages = total.div_ceil(per_page.max(1)).max(1);
    let link = |p: usize| {
        let mut q: Vec<(String, String)> =
            query.iter().filter(|(k, _)| k != "page").cloned().collect();
        q.push(("page".into(), p.to_string()));
        let qs = serde_urlencoded::to_string(&q).unwrap_or_default();
        format!("{base}?{qs}")
    };
    let mut links = serde_json::Map::new();
    if page > 1 {
        links.insert("previous".into(), json!(link(page - 1)));
    }
    if page < total_pages {
        links.insert("next".into(), json!(link(page + 1)));
    }
    json!({ "pagination": {
        "total": total, "count": count, "per_page": per_page, "current_page": page,
        "total_pages": total_pages, "links": links,
    } })
}
