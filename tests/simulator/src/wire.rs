//! Every wire-format decision (the GUESSes fixed in `WIRE.md`) in one place: REST error
//! bodies, the `Field` / option / PSO-type JSON, `value_details`, search items, pagination
//! meta, Keycloak errors, and GraphQL cursors. A correction from a real tenant is one edit here.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::{Value, json};

use crate::catalogue::{CATEGORIES, DATA_TYPES, SimField, SimOption, SimPsoType};
use crate::profile::WireProfile;
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

/// A full option, as in `Field.options` (and the flat `/fields/{id}/options`).
pub fn option_json(o: &SimOption, p: &WireProfile) -> Value {
    json!({
        "id": p.rest_id(o.id), "name": o.name, "value": o.value, "alias": o.alias,
        "parent_id": o.parent_id.map(|x| p.rest_id(x)), "position": o.position,
        "is_active": o.is_active, "is_selectable": o.is_selectable, "has_children": o.has_children,
    })
}

/// One level of `/fields/{id}/options`: `(id, name, value, alias, has_children, is_selectable)`.
pub fn option_level_json(o: (u64, &str, &str, &str, bool, bool), p: &WireProfile) -> Value {
    let (id, name, value, alias, has_children, is_selectable) = o;
    json!({ "id": p.rest_id(id), "name": name, "value": value, "alias": alias,
            "has_children": has_children, "is_selectable": is_selectable })
}

/// The `Field` object of `GET /fields` (items always included, options as the profile says).
pub fn field_json(f: &SimField, p: &WireProfile) -> Value {
    json!({
        "id": p.rest_id(f.id), "alias": f.alias, "name": f.name, "position": f.position, "is_active": f.is_active,
        "list": f.list, "read_only": f.read_only, "required": f.required, "system_required": f.system_required,
        "has_unique_data": f.has_unique_data, "has_value": f.data_type != "composite", "removable": f.removable,
        "type": data_type_json(&f.data_type),
        "category": category_json(&f.category),
        "items": f.items.iter().map(|i| field_json(i, p)).collect::<Vec<_>>(),
        "options": p.field_options(f).into_iter().map(|o| option_json(o, p)).collect::<Vec<_>>(),
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
    let mut out = field_json(f, &t.profile);
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

// ---------------------------------------------------------------------------------------------
// Writes (WIRE.md "Writes").

/// `(form instance id, form id, name, assignment type)` of the `usr` form instances.
pub const FORM_INSTANCES: &[(u64, u64, &str, &str)] = &[
    (1, 1, "Création utilisateur", "permanent"),
    (2, 2, "Profil utilisateur", "permanent"),
    (10, 10, "Rapport d'étonnement", "unique"),
    (11, 11, "Entretien de sortie", "unique"),
];
/// The creation form instance of `usr`.
pub const CREATION_FORM: u64 = 1;
/// The profile form instance of `usr`.
pub const PROFILE_FORM: u64 = 2;
/// The onboarding (surprise report) form instance and its composite field.
pub const SURPRISE_FORM: (u64, &str) = (10, "usr_surprise_report");
/// The offboarding (exit interview) form instance and its composite field.
pub const EXIT_FORM: (u64, &str) = (11, "usr_exit_interview");
/// `status` values accepted by `POST /psos/{id}/status`.
pub const PRESENCE_STATUSES: &[&str] = &["default", "on_leave", "on_remote", "at_the_office"];
/// Author of writes made through the API: `{id, first_name, last_name}`.
pub const API_AUTHOR: (u64, &str, &str) = (0, "API", "Demo");
/// History action types: `(id, alias, name)`.
pub const HISTORY_ACTIONS: &[(u64, &str, &str)] = &[
    (1, "created", "Création"),
    (2, "updated", "Modification"),
    (3, "deleted", "Suppression"),
];

/// Answer id of value `index` of field (or sub-field) `field_id` of user `user`
/// (positional: valid until the next write to that field).
pub fn answer_id(user: u64, field_id: u64, index: usize) -> u64 {
    user * 1_000_000 + (field_id % 1000) * 1000 + (index as u64 % 1000)
}

/// Inverse of [`answer_id`]: `(user, field id, index)`.
pub fn decode_answer_id(a: u64) -> (u64, u64, usize) {
    (a / 1_000_000, (a / 1000) % 1000, (a % 1000) as usize)
}

/// The `batch` of stored row `row` of composite `field_id` of user `user`.
pub fn row_batch(user: u64, field_id: u64, row: usize) -> String {
    format!(
        "{user:08x}-0000-4000-8000-{:012}",
        (field_id % 1000) * 1000 + row as u64
    )
}

/// The 400 with several fields: `errors` keyed by field alias (or body key).
pub fn validation_errors(errors: &std::collections::BTreeMap<String, Vec<String>>) -> Response {
    let body = json!({ "message": "400 Bad Request", "errors": errors, "status_code": 400 });
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

/// The 422 of a duplicate unique value; `aliases` in field order, non-empty.
pub fn unique_error(aliases: &[String]) -> Response {
    let first = aliases.first().map_or("value", String::as_str);
    let errors: serde_json::Map<String, Value> = aliases
        .iter()
        .map(|a| (a.clone(), json!(["has already been taken"])))
        .collect();
    let body = json!({
        "message": format!("The {first} has already been taken."), "errors": errors, "status_code": 422,
    });
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

/// `202 Accepted` with an empty body.
pub fn accepted() -> Response {
    StatusCode::ACCEPTED.into_response()
}

/// A `FormInstance` of `/form-instances`.
pub fn form_instance_json(fi: &(u64, u64, &str, &str), pso: &SimPsoType) -> Value {
    json!({
        "id": fi.0, "name": fi.2, "description": "", "form_id": fi.1, "is_active": true,
        "removable": fi.0 >= 10, "effective_date": "2019-01-15 08:00:00",
        "assignment_type": fi.3, "pso_type": pso_type_json(pso),
    })
}

/// `{id, first_name, last_name}` of a history author (`None`: the API account).
pub fn author_json(u: Option<&SimUser>) -> Value {
    match u {
        Some(u) => {
            json!({ "id": u.id, "first_name": u.text("usr_first_name"), "last_name": u.text("usr_last_name") })
        }
        None => {
            json!({ "id": API_AUTHOR.0, "first_name": API_AUTHOR.1, "last_name": API_AUTHOR.2 })
        }
    }
}

/// One entry of `GET /history/psos/{pso}/{field}`.
pub fn history_entry_json(t: &Tenant, f: &SimField, e: &crate::history::HistoryEntry) -> Value {
    json!({
        "id": e.id, "name": f.name, "field": f.alias, "data_type": data_type_json(&f.data_type),
        "action_type": e.action, "user": author_json(t.user(e.author).filter(|_| e.author != 0)),
        "value": e.value, "old_value": e.old_value, "updated_at": e.at,
    })
}
