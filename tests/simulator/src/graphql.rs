//! `POST /graphql`: a real GraphQL schema (async-graphql) with `getPsoRecords`,
//! `getPsoFields` and `getPsoTypes` as fixed in WIRE.md: Relay connections, base64 cursors of
//! numeric ids, `"errors": null` on success, errors for unknown aliases and `first` > 1000.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Selection, SelectionSet,
};
use async_graphql::{
    Context, EmptyMutation, EmptySubscription, Error, Json, Object, Schema, SimpleObject,
};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::catalogue::{PSO_TYPES, SimField, pso_type_by_alias};
use crate::journal::GraphqlRoots;
use crate::profile::{OverFirst, WireProfile};
use crate::server::{Shared, lock};
use crate::tenant::Tenant;
use crate::wire::{decode_cursor, encode_cursor};

/// The schema type.
pub type SimSchema = Schema<Query, EmptyMutation, EmptySubscription>;

/// Largest `first` accepted by the default profile (`WireProfile::max_first`).
pub const MAX_FIRST: i32 = 1000;

/// Build the schema (tenant data is attached per request).
pub fn schema() -> SimSchema {
    Schema::build(Query, EmptyMutation, EmptySubscription).finish()
}

#[derive(SimpleObject, Default)]
pub struct PageInfo {
    start_cursor: Option<String>,
    end_cursor: Option<String>,
    has_next_page: bool,
    has_previous_page: bool,
}

#[derive(SimpleObject)]
pub struct PsoRecord {
    external_id: String,
    created_at: String,
    pso_alias: String,
    field_alias_and_value: Json<BTreeMap<String, Value>>,
}

#[derive(SimpleObject)]
pub struct PsoField {
    alias: String,
    is_active: bool,
    created_at: String,
}

#[derive(SimpleObject)]
pub struct PsoType {
    alias: String,
    is_active: bool,
    system_required: bool,
    created_at: String,
    updated_at: String,
}

/// A Relay connection and its edge type for one node type.
macro_rules! connection_types {
    ($conn:ident, $edge:ident, $node:ty) => {
        #[derive(SimpleObject)]
        pub struct $edge {
            cursor: String,
            node: $node,
        }
        #[derive(SimpleObject)]
        pub struct $conn {
            total_count: i32,
            page_info: PageInfo,
            edges: Vec<$edge>,
        }
        impl From<(usize, usize, Vec<(u64, $node)>, bool)> for $conn {
            fn from(
                (total, before, page, has_next): (usize, usize, Vec<(u64, $node)>, bool),
            ) -> $conn {
                let edges: Vec<$edge> = page
                    .into_iter()
                    .map(|(id, node)| $edge {
                        cursor: encode_cursor(id),
                        node,
                    })
                    .collect();
                $conn {
                    total_count: i32::try_from(total).unwrap_or(i32::MAX),
                    page_info: PageInfo {
                        start_cursor: edges.first().map(|e| e.cursor.clone()),
                        end_cursor: edges.last().map(|e| e.cursor.clone()),
                        has_next_page: has_next,
                        has_previous_page: before > 0,
                    },
                    edges,
                }
            }
        }
    };
}

connection_types!(PsoRecordConnection, PsoRecordEdge, PsoRecord);
connection_types!(PsoFieldConnection, PsoFieldEdge, PsoField);
connection_types!(PsoTypeConnection, PsoTypeEdge, PsoType);

/// `first` as served under the profile: an error past `max_first`, or clamped to it.
fn check_first(first: i32, p: &WireProfile) -> Result<usize, Error> {
    let max = i32::try_from(p.max_first).unwrap_or(i32::MAX);
    match first {
        f if (0..=max).contains(&f) => Ok(f as usize),
        f if f > max && p.over_first == OverFirst::Clamp => Ok(max as usize),
        f => Err(Error::new(format!(
            "Argument \"first\" must be between 0 and {max}, got {f}."
        ))),
    }
}

fn profile_of(ctx: &Context<'_>) -> Result<WireProfile, Error> {
    Ok(lock(&ctx.data::<Arc<Shared>>()?.tenant).profile)
}

fn check_after(after: Option<&str>) -> Result<u64, Error> {
    match after {
        None | Some("") => Ok(0),
        Some(c) => decode_cursor(c).ok_or_else(|| Error::new(format!("Invalid cursor \"{c}\"."))),
    }
}

/// The value of a field or sub-field in a record's map (sub-fields of a list composite: an array).
fn extract(t: &Tenant, pso: &str, values: &BTreeMap<String, Value>, alias: &str) -> Option<Value> {
    extract_found(t.catalogue.any_field(pso, alias), values, alias)
}

/// [`extract`] for a field already looked up in the catalogue.
fn extract_found(
    found: Option<(&SimField, Option<&SimField>)>,
    values: &BTreeMap<String, Value>,
    alias: &str,
) -> Option<Value> {
    match found {
        Some((_, None)) => values.get(alias).cloned(),
        Some((_, Some(parent))) => match values.get(&parent.alias)? {
            Value::Object(o) => o.get(alias).cloned(),
            Value::Array(rows) => {
                let vals: Vec<Value> = rows.iter().filter_map(|r| r.get(alias).cloned()).collect();
                (!vals.is_empty()).then_some(Value::Array(vals))
            }
            _ => None,
        },
        None => None,
    }
}

fn filter_matches(
    t: &Tenant,
    pso: &str,
    values: &BTreeMap<String, Value>,
    filter: &serde_json::Map<String, Value>,
) -> bool {
    filter
        .iter()
        .all(|(k, want)| match (extract(t, pso, values, k), want) {
            (None, Value::Null) => true,
            (Some(Value::Array(a)), w) if !w.is_array() => a.contains(w),
            (Some(v), w) => &v == w,
            (None, _) => false,
        })
}

/// A record seen through one interface: users borrow, positions build their map.
struct View<'a> {
    id: u64,
    external_id: &'a str,
    created_at: &'a str,
    values: Cow<'a, BTreeMap<String, Value>>,
}

fn view<'a>(t: &'a Tenant, pso: &str, i: usize) -> Option<View<'a>> {
    match pso {
        "usr" => t.users.get(i).map(|u| View {
            id: u.id,
            external_id: &u.external_id,
            created_at: &u.created_at,
            values: Cow::Borrowed(&u.values),
        }),
        "pos" => t.positions.get(i).map(|p| View {
            id: p.id,
            external_id: &p.external_id,
            created_at: &p.created_at,
            values: Cow::Owned(p.values()),
        }),
        _ => None,
    }
}

fn record_count(t: &Tenant, pso: &str) -> usize {
    match pso {
        "usr" => t.users.len(),
        "pos" => t.positions.len(),
        _ => 0,
    }
}

fn first_after(t: &Tenant, pso: &str, after: u64) -> usize {
    match pso {
        "usr" => t.users_after(after),
        "pos" => t.positions.partition_point(|p| p.id <= after),
        _ => 0,
    }
}

pub struct Query;

#[Object]
impl Query {
    /// Records of one PSO type, ordered by REST id.
    #[allow(clippy::too_many_arguments)]
    async fn get_pso_records(
        &self,
        ctx: &Context<'_>,
        alias: String,
        fields: Vec<String>,
        first: i32,
        after: Option<String>,
        external_id: Option<String>,
        filter: Option<Json<Value>>,
    ) -> Result<PsoRecordConnection, Error> {
        let first = check_first(first, &profile_of(ctx)?)?;
        let after = check_after(after.as_deref())?;
        if pso_type_by_alias(&alias).is_none() {
            return Err(Error::new(format!("Unknown PSO type \"{alias}\".")));
        }
        let filter = match filter.map(|j| j.0) {
            None | Some(Value::Null) => None,
            Some(Value::Object(m)) => Some(m),
            Some(Value::String(s)) => match serde_json::from_str::<Value>(&s) {
                Ok(Value::Object(m)) => Some(m),
                _ => return Err(Error::new("Argument \"filter\" must be a JSON object.")),
            },
            Some(_) => return Err(Error::new("Argument \"filter\" must be a JSON object.")),
        };
        let shared = ctx.data::<Arc<Shared>>()?;
        let t = lock(&shared.tenant);
        for f in fields.iter().chain(filter.iter().flat_map(|m| m.keys())) {
            if t.catalogue.any_field(&alias, f).is_none() {
                return Err(Error::new(format!(
                    "Unknown field \"{f}\" for PSO type \"{alias}\"."
                )));
            }
        }
        // Each requested field is looked up in the catalogue once per request, not per record.
        let found: Vec<_> = fields
            .iter()
            .map(|f| (f, t.catalogue.any_field(&alias, f)))
            .collect();
        let node = |v: &View<'_>| {
            let map: BTreeMap<String, Value> = found
                .iter()
                .filter_map(|&(f, field)| {
                    let x = extract_found(field, &v.values, f)?;
                    let encoded = match field {
                        Some((sf, _)) => t.profile.record_value(sf, &x),
                        None => x,
                    };
                    Some((f.clone(), encoded))
                })
                .collect();
            PsoRecord {
                external_id: v.external_id.to_string(),
                created_at: v.created_at.to_string(),
                pso_alias: alias.clone(),
                field_alias_and_value: Json(map),
            }
        };
        let n = record_count(&t, &alias);
        let start = first_after(&t, &alias, after);
        if filter.is_none() && external_id.is_none() {
            let page: Vec<(u64, PsoRecord)> = (start..n.min(start + first))
                .filter_map(|i| view(&t, &alias, i))
                .map(|v| (v.id, node(&v)))
                .collect();
            return Ok((n, start, page, start + first < n).into());
        }
        let keep = |v: &View<'_>| {
            external_id.as_deref().is_none_or(|e| e == v.external_id)
                && filter
                    .as_ref()
                    .is_none_or(|m| filter_matches(&t, &alias, &v.values, m))
        };
        let (mut total, mut before, mut page, mut has_next) = (0, 0, Vec::new(), false);
        for i in 0..n {
            let Some(v) = view(&t, &alias, i) else {
                continue;
            };
            if !keep(&v) {
                continue;
            }
            total += 1;
            if i < start {
                before += 1;
            } else if page.len() < first {
                page.push((v.id, node(&v)));
            } else {
                has_next = true;
            }
        }
        Ok((total, before, page, has_next).into())
    }

    /// Top-level fields of one PSO type, ordered by field id.
    async fn get_pso_fields(
        &self,
        ctx: &Context<'_>,
        alias: String,
        first: i32,
        after: Option<String>,
        is_active: Option<bool>,
    ) -> Result<PsoFieldConnection, Error> {
        let first = check_first(first, &profile_of(ctx)?)?;
        let after = check_after(after.as_deref())?;
        if pso_type_by_alias(&alias).is_none() {
            return Err(Error::new(format!("Unknown PSO type \"{alias}\".")));
        }
        let shared = ctx.data::<Arc<Shared>>()?;
        let t = lock(&shared.tenant);
        let all: Vec<_> = t
            .catalogue
            .of_type(&alias)
            .filter(|f| is_active.is_none_or(|a| a == f.is_active))
            .collect();
        let before = all.iter().filter(|f| f.id <= after).count();
        let page = all
            .iter()
            .skip(before)
            .take(first)
            .map(|f| {
                (
                    f.id,
                    PsoField {
                        alias: f.alias.clone(),
                        is_active: f.is_active,
                        created_at: f.created_at.clone(),
                    },
                )
            })
            .collect();
        Ok((all.len(), before, page, before + first < all.len()).into())
    }

    /// PSO types, ordered by id.
    async fn get_pso_types(
        &self,
        ctx: &Context<'_>,
        first: i32,
        after: Option<String>,
        is_active: Option<bool>,
        system_required: Option<bool>,
    ) -> Result<PsoTypeConnection, Error> {
        let first = check_first(first, &profile_of(ctx)?)?;
        let after = check_after(after.as_deref())?;
        let all: Vec<_> = PSO_TYPES
            .iter()
            .filter(|p| {
                is_active.is_none_or(|a| a == p.is_active)
                    && system_required.is_none_or(|s| s == p.system_required)
            })
            .collect();
        let before = all.iter().filter(|p| p.id <= after).count();
        let page = all
            .iter()
            .skip(before)
            .take(first)
            .map(|p| {
                let node = PsoType {
                    alias: p.alias.into(),
                    is_active: p.is_active,
                    system_required: p.system_required,
                    created_at: p.created_at.into(),
                    updated_at: p.updated_at.into(),
                };
                (p.id, node)
            })
            .collect();
        Ok((all.len(), before, page, before + first < all.len()).into())
    }
}

fn collect_roots(doc: &ExecutableDocument, set: &SelectionSet, out: &mut Vec<String>) {
    for item in &set.items {
        match &item.node {
            Selection::Field(f) => out.push(f.node.name.node.to_string()),
            Selection::FragmentSpread(s) => {
                if let Some(frag) = doc.fragments.get(&s.node.fragment_name.node) {
                    collect_roots(doc, &frag.node.selection_set.node, out);
                }
            }
            Selection::InlineFragment(i) => collect_roots(doc, &i.node.selection_set.node, out),
        }
    }
}

/// Root field names of the operation that will run (empty if the query does not parse).
pub fn root_fields(query: &str, operation: Option<&str>) -> Vec<String> {
    let Ok(doc) = async_graphql::parser::parse_query(query) else {
        return Vec::new();
    };
    let op = match (&doc.operations, operation) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => {
            ops.iter().find(|(n, _)| n.as_str() == name).map(|(_, o)| o)
        }
        (DocumentOperations::Multiple(ops), None) => ops.values().next(),
    };
    let mut out = Vec::new();
    if let Some(op) = op {
        collect_roots(&doc, &op.node.selection_set.node, &mut out);
    }
    out
}

/// `POST /graphql` with `{query, variables, operationName}`.
pub async fn handler(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    let req: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            let body = json!({ "data": null, "errors": [{ "message": format!("Invalid GraphQL request body: {e}") }] });
            return (StatusCode::BAD_REQUEST, axum::Json(body)).into_response();
        }
    };
    let roots = root_fields(&req.query, req.operation_name.as_deref());
    let resp = s.schema.execute(req.data(s.clone())).await;
    let mut out = serde_json::to_value(&resp).unwrap_or_else(|_| json!({ "data": null }));
    if let Some(obj) = out.as_object_mut() {
        obj.entry("data").or_insert(Value::Null);
        obj.entry("errors").or_insert(Value::Null);
    }
    let mut r = (StatusCode::OK, axum::Json(out)).into_response();
    r.extensions_mut().insert(GraphqlRoots(roots));
    r
}
