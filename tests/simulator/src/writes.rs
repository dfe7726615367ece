//! Write endpoints: `POST /psos` (create a user through the creation form),
//! `POST /psos/{id}/form-instances/{fi}` (update through the profile form) and
//! `POST /psos/{id}/status` (suspend / resume). Each is all-or-nothing: everything is checked
//! on a copy under the tenant lock, and committed (values, history) only when valid.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::apply::{Errors, add, apply, seniority, unique_conflicts};
use crate::forms::form_fields;
use crate::journal::WriteAliases;
use crate::server::{Shared, lock};
use crate::tenant::{SimUser, Tenant};
use crate::validate::{Item, named_alias, parse_item};
use crate::wire::{self, CREATION_FORM, PRESENCE_STATUSES, PROFILE_FORM};

/// Attach the aliases a request named (for the journal; never values).
fn with_aliases(mut r: Response, aliases: Vec<String>) -> Response {
    r.extensions_mut().insert(WriteAliases(aliases));
    r
}

fn body_object(body: &Bytes) -> Result<serde_json::Map<String, Value>, Box<Response>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(Box::new(wire::validation_error(
            "body",
            "The body must be a JSON object.",
        ))),
    }
}

/// Aliases named by `data[]`, in order, without repeats.
fn aliases_of(t: &Tenant, data: &[Value]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for a in data.iter().filter_map(|d| named_alias(&t.catalogue, d)) {
        if !out.contains(&a) {
            out.push(a);
        }
    }
    out
}

fn parse_items<'a>(t: &'a Tenant, data: &[Value], errs: &mut Errors) -> Vec<Item<'a>> {
    data.iter()
        .enumerate()
        .filter_map(|(i, d)| match parse_item(&t.catalogue, i, d) {
            Ok(it) => Some(it),
            Err((k, m)) => {
                add(errs, &k, m);
                None
            }
        })
        .collect()
}

fn form_instance_id(v: Option<&Value>) -> Option<u64> {
    v.and_then(|v| {
        v.as_u64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
    })
}

/// `POST /psos` `{pso_type, form_instance, data[]}` → `201 {"data":{"id","external_id"}}`.
pub async fn create(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    let obj = match body_object(&body) {
        Ok(o) => o,
        Err(r) => return *r,
    };
    let mut t = lock(&s.tenant);
    let mut errs = Errors::new();
    if obj.get("pso_type").and_then(Value::as_str) != Some("usr") {
        add(&mut errs, "pso_type", "The selected pso_type is invalid.");
    }
    if form_instance_id(obj.get("form_instance")) != Some(CREATION_FORM) {
        add(
            &mut errs,
            "form_instance",
            "The form_instance must be the creation form instance of the pso type.",
        );
    }
    let data = match obj.get("data") {
        Some(Value::Array(d)) => d.clone(),
        _ => {
            add(
                &mut errs,
                "data",
                "The data field is required and must be an array.",
            );
            Vec::new()
        }
    };
    let aliases = aliases_of(&t, &data);
    let id = t.next_id;
    let (values, touched) = {
        let items = parse_items(&t, &data, &mut errs);
        for it in items.iter().filter(|it| it.action != "create") {
            add(
                &mut errs,
                &it.key,
                "Only create is allowed when creating a pso.",
            );
        }
        let items: Vec<Item<'_>> = items
            .into_iter()
            .filter(|it| it.action == "create")
            .collect();
        let (mut values, touched) = apply(&t, id, &BTreeMap::new(), &items, &mut errs);
        for (f, _) in form_fields(&t.catalogue, CREATION_FORM) {
            if f.required && !values.contains_key(&f.alias) {
                add(&mut errs, &f.alias, "The field is required.");
            }
        }
        if errs.is_empty() {
            values.insert("usr_active".into(), json!("usr_active_yes"));
            if let Some(sen) = seniority(&values) {
                values.insert("usr_seniority".into(), sen);
            }
        }
        (values, touched)
    };
    if !errs.is_empty() {
        return with_aliases(wire::validation_errors(&errs), aliases);
    }
    let taken = unique_conflicts(&t, id, &values, &touched);
    if !taken.is_empty() {
        return with_aliases(wire::unique_error(&taken), aliases);
    }
    let (_, iso) = t.tick();
    let external_id = t.rng.uuid();
    t.next_id += 1;
    for (alias, v) in &values {
        t.record_change(id, alias, None, Some(v));
    }
    t.users.push(SimUser {
        id,
        external_id: external_id.clone(),
        created_at: iso,
        active: true,
        values,
    });
    let body = json!({ "data": { "id": id, "external_id": external_id } });
    with_aliases((StatusCode::CREATED, Json(body)).into_response(), aliases)
}

/// `POST /psos/{id}/form-instances/{fi}` `{temporary, data[]}` → `202`, empty body.
pub async fn update(
    State(s): State<Arc<Shared>>,
    Path((raw_id, raw_fi)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let mut t = lock(&s.tenant);
    let Some(id) = raw_id.parse::<u64>().ok().filter(|i| t.user(*i).is_some()) else {
        return wire::rest_error(StatusCode::NOT_FOUND, "Pso not found");
    };
    let fi = raw_fi.parse::<u64>().ok();
    if !fi.is_some_and(|f| wire::FORM_INSTANCES.iter().any(|x| x.0 == f)) {
        return wire::rest_error(StatusCode::NOT_FOUND, "Form instance not found");
    }
    let obj = match body_object(&body) {
        Ok(o) => o,
        Err(r) => return *r,
    };
    let mut errs = Errors::new();
    if fi != Some(PROFILE_FORM) {
        add(
            &mut errs,
            "form_instance",
            "This form instance cannot be posted for an existing pso.",
        );
    }
    if obj
        .get("temporary")
        .is_some_and(|v| !v.is_boolean() && !v.is_null())
    {
        add(
            &mut errs,
            "temporary",
            "The temporary field must be true or false.",
        );
    }
    if obj
        .get("approval_scheduled_date")
        .is_some_and(|v| !v.is_null())
    {
        add(
            &mut errs,
            "approval_scheduled_date",
            "Scheduled approvals are not supported.",
        );
    }
    let data = match obj.get("data") {
        Some(Value::Array(d)) => d.clone(),
        _ => {
            add(
                &mut errs,
                "data",
                "The data field is required and must be an array.",
            );
            Vec::new()
        }
    };
    let aliases = aliases_of(&t, &data);
    let old = t.user(id).map(|u| u.values.clone()).unwrap_or_default();
    let (mut values, touched) = {
        let items = parse_items(&t, &data, &mut errs);
        apply(&t, id, &old, &items, &mut errs)
    };
    if !errs.is_empty() {
        return with_aliases(wire::validation_errors(&errs), aliases);
    }
    let taken = unique_conflicts(&t, id, &values, &touched);
    if !taken.is_empty() {
        return with_aliases(wire::unique_error(&taken), aliases);
    }
    let mut changed = touched.clone();
    if touched.iter().any(|a| a == "usr_employment_contract") {
        match seniority(&values) {
            Some(v) => values.insert("usr_seniority".into(), v),
            None => values.remove("usr_seniority"),
        };
        changed.push("usr_seniority".into());
    }
    for alias in &changed {
        t.record_change(id, alias, old.get(alias), values.get(alias));
    }
    if let Some(u) = t.user_mut(id) {
        u.values = values;
    }
    with_aliases(wire::accepted(), aliases)
}

/// `POST /psos/{id}/status` `{"status":"default","active":bool}` → `202`, empty body.
pub async fn status(
    State(s): State<Arc<Shared>>,
    Path(raw_id): Path<String>,
    body: Bytes,
) -> Response {
    let mut t = lock(&s.tenant);
    let Some(id) = raw_id.parse::<u64>().ok().filter(|i| t.user(*i).is_some()) else {
        return wire::rest_error(StatusCode::NOT_FOUND, "Pso not found");
    };
    let obj = match body_object(&body) {
        Ok(o) => o,
        Err(r) => return *r,
    };
    let mut errs = Errors::new();
    let active = obj.get("active").and_then(Value::as_bool);
    if active.is_none() {
        add(
            &mut errs,
            "active",
            "The active field is required and must be true or false.",
        );
    }
    let presence = match obj.get("status") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_str().filter(|s| PRESENCE_STATUSES.contains(s)) {
            Some(p) => Some(p.to_string()),
            None => {
                add(&mut errs, "status", "The selected status is invalid.");
                None
            }
        },
    };
    let aliases = vec!["usr_active".to_string()];
    let Some(active) = active.filter(|_| errs.is_empty()) else {
        return with_aliases(wire::validation_errors(&errs), aliases);
    };
    t.set_active(id, active);
    match presence.as_deref() {
        Some("default") => {
            t.presence.remove(&id);
        }
        Some(p) => {
            t.presence.insert(id, p.to_string());
        }
        None => {}
    }
    with_aliases(wire::accepted(), aliases)
}
