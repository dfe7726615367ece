//! REST read endpoints: `/search`, `/psos/{id}`, `/psos/{id}/fields`, `/fields`,
//! `/fields/{id}`, `/fields/{id}/options`. Query parsing and paging live here; JSON shapes
//! come from `wire.rs`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::catalogue::{CATEGORIES, PSO_TYPES, SimField, SimPsoType, pso_type_by_alias};
use crate::profile::OptionsListing;
use crate::server::{Shared, lock};
use crate::tenant::Tenant;
use crate::wire;

/// Parsed query string.
struct Query(Vec<(String, String)>);

impl Query {
    fn parse(raw: Option<String>) -> Query {
        Query(serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).unwrap_or_default())
    }
    fn get(&self, k: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    }
    fn all(&self, k: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .collect()
    }
    fn flag(&self, k: &str) -> Option<bool> {
        self.get(k).map(|v| matches!(v, "1" | "true"))
    }
    /// `(page, per_page)`, or `None` with `no-pagination=1`; `Err(parameter)` when invalid.
    fn paging_or_param(
        &self,
        default_per_page: usize,
    ) -> Result<Option<(usize, usize)>, &'static str> {
        if self.flag("no-pagination") == Some(true) {
            return Ok(None);
        }
        let num = |k: &'static str, default: usize| -> Result<usize, &'static str> {
            match self.get(k) {
                None | Some("") => Ok(default),
                Some(v) => v.parse::<usize>().ok().filter(|n| *n >= 1).ok_or(k),
            }
        };
        Ok(Some((
            num("page", 1)?,
            num("per-page", default_per_page)?.min(1_000_000),
        )))
    }
    /// [`Query::paging_or_param`] (default `per-page` 25) with the API's 400 body.
    fn paging(&self) -> Result<Option<(usize, usize)>, Box<Response>> {
        self.paging_per(25)
    }
    fn paging_per(&self, default_per_page: usize) -> Result<Option<(usize, usize)>, Box<Response>> {
        self.paging_or_param(default_per_page).map_err(|k| {
            Box::new(wire::validation_error(
                k,
                &format!("The {k} must be an integer of at least 1."),
            ))
        })
    }
}

/// `{"data": [...], "meta": {...}}` or `{"data": [...]}`, paging `n` items produced on demand.
fn paged<F>(base: &str, q: &Query, n: usize, paging: Option<(usize, usize)>, mut item: F) -> Value
where
    F: FnMut(usize) -> Value,
{
    match paging {
        None => json!({ "data": (0..n).map(&mut item).collect::<Vec<_>>() }),
        Some((page, per_page)) => {
            let start = (page - 1).saturating_mul(per_page).min(n);
            let end = start.saturating_add(per_page).min(n);
            let data: Vec<Value> = (start..end).map(&mut item).collect();
            let meta = wire::pagination_json(base, &q.0, n, end - start, per_page, page);
            json!({ "data": data, "meta": meta })
        }
    }
}

fn search_block(
    s: &Shared,
    t: &Tenant,
    pso: &SimPsoType,
    q: &Query,
    paging: Option<(usize, usize)>,
) -> Value {
    let base = format!("{}/search", s.base_url);
    let name = q.get("name").unwrap_or("").to_lowercase();
    let active = q.get("active").map(|v| matches!(v, "1" | "true"));
    let inner = match pso.alias {
        "usr" => {
            let filtered = !name.is_empty() || active.is_some();
            let picked: Vec<usize> = if filtered {
                let matches = |u: &crate::tenant::SimUser| {
                    let full = u.display_name().to_lowercase();
                    let rev = format!(
                        "{} {}",
                        u.text("usr_last_name").unwrap_or(""),
                        u.text("usr_first_name").unwrap_or("")
                    );
                    active.is_none_or(|a| a == u.active)
                        && (name.is_empty()
                            || full.contains(&name)
                            || rev.to_lowercase().contains(&name))
                };
                t.users
                    .iter()
                    .enumerate()
                    .filter(|(_, u)| matches(u))
                    .map(|(i, _)| i)
                    .collect()
            } else {
                Vec::new()
            };
            let n = if filtered {
                picked.len()
            } else {
                t.users.len()
            };
            paged(&base, q, n, paging, |i| {
                let idx = if filtered {
                    picked.get(i).copied().unwrap_or(0)
                } else {
                    i
                };
                t.users
                    .get(idx)
                    .map_or(Value::Null, |u| search_user_item(t, pso, u))
            })
        }
        "pos" => {
            let picked: Vec<&crate::tenant::SimPosition> = t
                .positions
                .iter()
                .filter(|p| name.is_empty() || p.name.to_lowercase().contains(&name))
                .collect();
            paged(&base, q, picked.len(), paging, |i| {
                picked.get(i).map_or(Value::Null, |p| {
                    let pos_name = t.catalogue.field("pos", "pos_name");
                    json!({
                        "id": p.id, "status": "default", "display_value": [p.name], "display_name": p.name,
                        "profile_form": wire::profile_form_json(t, pso, true),
                        "fields": pos_name.map(|f| vec![wire::search_field_json(t, f, p.values().get("pos_name"))]).unwrap_or_default(),
                    })
                })
            })
        }
        _ => paged(&base, q, 0, paging, |_| Value::Null),
    };
    let mut block = json!({ "pso_type": wire::pso_type_json(pso) });
    if let (Some(b), Some(i)) = (block.as_object_mut(), inner.as_object()) {
        for (k, v) in i {
            b.insert(k.clone(), v.clone());
        }
    }
    block
}

fn search_user_item(t: &Tenant, pso: &SimPsoType, u: &crate::tenant::SimUser) -> Value {
    let name = u.display_name();
    let fields: Vec<Value> = [
        "usr_first_name",
        "usr_last_name",
        "usr_active",
        "professional_email",
        "professional_phone",
        "professional_mobile_phone",
    ]
    .iter()
    .filter_map(|a| t.catalogue.field("usr", a))
    .map(|f| wire::search_field_json(t, f, u.values.get(&f.alias)))
    .collect();
    let status = t.presence.get(&u.id).map_or("default", String::as_str);
    json!({
        "id": u.id, "status": status, "display_value": [name], "display_name": name,
        "profile_form": wire::profile_form_json(t, pso, u.active), "fields": fields,
    })
}

/// `GET /search?pso-type=usr&name=&active=&page=&per-page=&no-pagination=`.
pub async fn search(State(s): State<Arc<Shared>>, RawQuery(raw): RawQuery) -> Response {
    let q = Query::parse(raw);
    let paging = match q.paging() {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let t = lock(&s.tenant);
    match q.get("pso-type").filter(|p| !p.is_empty()) {
        None => {
            let blocks: Vec<Value> = PSO_TYPES
                .iter()
                .map(|p| search_block(&s, &t, p, &q, paging))
                .collect();
            Json(json!({ "data": blocks })).into_response()
        }
        Some(alias) => match pso_type_by_alias(alias) {
            Some(p) => Json(json!({ "data": search_block(&s, &t, p, &q, paging) })).into_response(),
            None => wire::validation_error("pso-type", "The selected pso-type is invalid."),
        },
    }
}

fn parse_id(raw: &str) -> Option<u64> {
    raw.parse().ok()
}

/// `GET /psos/{id}`: summary + pso with every field and its value.
pub async fn pso(State(s): State<Arc<Shared>>, Path(raw): Path<String>) -> Response {
    let t = lock(&s.tenant);
    let id = parse_id(&raw);
    if let Some(u) = id.and_then(|id| t.user(id)) {
        let Some(pso) = pso_type_by_alias("usr") else {
            return not_found("Pso not found");
        };
        let summary_of = |alias: &str| {
            let f = t.catalogue.field("usr", alias);
            json!({ "id": f.map(|f| f.id), "alias": alias, "value": u.values.get(alias) })
        };
        let summary = json!({
            "first_name": summary_of("usr_first_name"), "last_name": summary_of("usr_last_name"),
            "image": { "id": null, "alias": "usr_photo", "value": null },
            "is_active": { "id": t.catalogue.field("usr", "usr_active").map(|f| f.id), "alias": "usr_active", "value": u.active },
            "email": summary_of("professional_email"), "phone_number": u.values.get("professional_phone"),
        });
        let body = pso_body(
            &t,
            pso,
            u.id,
            &u.external_id,
            u.active,
            |a| u.values.get(a).cloned(),
            summary,
        );
        return Json(json!({ "data": body })).into_response();
    }
    if let Some(p) = id.and_then(|id| t.position(id)) {
        let Some(pso) = pso_type_by_alias("pos") else {
            return not_found("Pso not found");
        };
        let values = p.values();
        let summary = json!({ "first_name": { "id": null, "alias": "pos_name", "value": p.name }, "last_name": null,
            "image": null, "is_active": { "id": null, "alias": null, "value": true }, "email": null, "phone_number": null });
        let body = pso_body(
            &t,
            pso,
            p.id,
            &p.external_id,
            true,
            |a| values.get(a).cloned(),
            summary,
        );
        return Json(json!({ "data": body })).into_response();
    }
    not_found("Pso not found")
}

fn pso_body(
    t: &Tenant,
    pso: &SimPsoType,
    id: u64,
    ext: &str,
    active: bool,
    value: impl Fn(&str) -> Option<Value>,
    summary: Value,
) -> Value {
    let categories: Vec<Value> = CATEGORIES
        .iter()
        .filter(|c| c.3 == pso.alias)
        .map(|c| json!({ "id": c.0, "name": c.2, "alias": c.1 }))
        .collect();
    let fields: Vec<Value> = t
        .catalogue
        .of_type(pso.alias)
        .map(|f| wire::field_with_value_json(t, f, value(&f.alias).as_ref()))
        .collect();
    json!({
        "summary": summary,
        "pso": { "id": id, "external_id": ext, "status": t.presence.get(&id).map_or("default", String::as_str), "profile_form": wire::profile_form_json(t, pso, active),
                 "pso_type": wire::pso_type_json(pso), "categories": categories, "fields": fields },
    })
}

fn not_found(msg: &str) -> Response {
    wire::rest_error(StatusCode::NOT_FOUND, msg)
}

/// Field filters shared by `/fields` and `/psos/{id}/fields`: `active`, `category`, `data-type[]`, `name`.
fn field_matches(f: &SimField, q: &Query) -> bool {
    let types = q.all("data-type[]");
    let name = q.get("name").unwrap_or("").to_lowercase();
    q.flag("active").is_none_or(|a| !a || f.is_active)
        && q.get("category").is_none_or(|c| {
            c == f.category
                || c.parse::<u64>().ok() == wire::category_json(&f.category)["id"].as_u64()
        })
        && (types.is_empty() || types.contains(&f.data_type.as_str()))
        && (name.is_empty() || f.name.to_lowercase().contains(&name) || f.alias.contains(&name))
}

/// `GET /psos/{id}/fields`: every field of the record's type with `value_details`.
pub async fn pso_fields(
    State(s): State<Arc<Shared>>,
    Path(raw): Path<String>,
    RawQuery(rq): RawQuery,
) -> Response {
    let q = Query::parse(rq);
    let t = lock(&s.tenant);
    let id = parse_id(&raw);
    let (alias, values) = if let Some(u) = id.and_then(|id| t.user(id)) {
        ("usr", u.values.clone())
    } else if let Some(p) = id.and_then(|id| t.position(id)) {
        ("pos", p.values())
    } else {
        return not_found("Pso not found");
    };
    let data: Vec<Value> = t
        .catalogue
        .of_type(alias)
        .filter(|f| field_matches(f, &q))
        .map(|f| wire::field_with_value_json(&t, f, values.get(&f.alias)))
        .collect();
    Json(json!({ "data": data })).into_response()
}

/// `GET /fields?pso-type=&active=&no-pagination=&page=&per-page=`.
pub async fn fields(State(s): State<Arc<Shared>>, RawQuery(rq): RawQuery) -> Response {
    let q = Query::parse(rq);
    let paging = match q.paging() {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let t = lock(&s.tenant);
    let pso = q.get("pso-type").filter(|p| !p.is_empty());
    if let Some(p) = pso
        && pso_type_by_alias(p).is_none()
    {
        return wire::validation_error("pso-type", "The selected pso-type is invalid.");
    }
    let picked: Vec<&SimField> = t
        .catalogue
        .fields
        .iter()
        .filter(|f| pso.is_none_or(|p| f.pso_type == p) && field_matches(f, &q))
        .collect();
    let base = format!("{}/fields", s.base_url);
    let body = paged(&base, &q, picked.len(), paging, |i| {
        picked
            .get(i)
            .map_or(Value::Null, |f| wire::field_json(f, &t.profile))
    });
    Json(body).into_response()
}

/// `GET /fields/{id}` (sub-fields too).
pub async fn field(State(s): State<Arc<Shared>>, Path(raw): Path<String>) -> Response {
    let t = lock(&s.tenant);
    match parse_id(&raw).and_then(|id| t.catalogue.by_id(id)) {
        Some(f) => Json(json!({ "data": wire::field_json(f, &t.profile) })).into_response(),
        None => not_found("Field not found"),
    }
}

/// `GET /fields/{id}/options?parent=&name=`: one level of options (roots without `parent`, or
/// every option flat under `OptionsListing::Flat`), paged when the profile says so.
/// A `pso_relation` field lists the records of its target type, `pos_parent` as parent.
pub async fn field_options(
    State(s): State<Arc<Shared>>,
    Path(raw): Path<String>,
    RawQuery(rq): RawQuery,
) -> Response {
    let q = Query::parse(rq);
    let t = lock(&s.tenant);
    let p = t.profile;
    let paging = match p.options_per_page {
        None => None,
        Some(n) => match q.paging_per(n) {
            Ok(x) => x,
            Err(r) => return *r,
        },
    };
    let Some(f) = parse_id(&raw).and_then(|id| t.catalogue.by_id(id)) else {
        return not_found("Field not found");
    };
    let parent = match q.get("parent").filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => match p.parse::<u64>() {
            Ok(p) => Some(p),
            Err(_) => return wire::validation_error("parent", "The parent must be an integer."),
        },
    };
    let name = q.get("name").unwrap_or("").to_lowercase();
    let data: Vec<Value> =
        if f.data_type == "pso_relation" && f.setting("target_pso_type") == Some("pos") {
            t.positions
                .iter()
                .filter(|x| x.parent == parent && x.name.to_lowercase().contains(&name))
                .map(|x| {
                    let kids = t.positions.iter().any(|c| c.parent == Some(x.id));
                    let id = x.id.to_string();
                    wire::option_level_json((x.id, &x.name, &id, "", kids, true), &p)
                })
                .collect()
        } else {
            let flat = parent.is_none() && p.options_listing == OptionsListing::Flat;
            f.options
                .iter()
                .filter(|o| {
                    (flat || o.parent_id == parent)
                        && o.is_active
                        && o.name.to_lowercase().contains(&name)
                })
                .map(|o| {
                    if flat {
                        wire::option_json(o, &p)
                    } else {
                        let level = (o.id, o.name.as_str(), o.value.as_str(), o.alias.as_str());
                        wire::option_level_json(
                            (
                                level.0,
                                level.1,
                                level.2,
                                level.3,
                                o.has_children,
                                o.is_selectable,
                            ),
                            &p,
                        )
                    }
                })
                .collect()
        };
    let base = format!("{}/fields/{raw}/options", s.base_url);
    Json(paged(&base, &q, data.len(), paging, |i| {
        data.get(i).cloned().unwrap_or(Value::Null)
    }))
    .into_response()
}
