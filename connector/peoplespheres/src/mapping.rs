//! PeopleSpheres record JSON (`fieldAliasAndValue`) → typed contract attributes. Pure.
//!
//! Every attribute produced is declared by the catalogue with a matching type: values that do
//! not fit their field's type are dropped, single-valued fields keep their first value, and
//! `"null"` strings count as empty. Option values are matched by `resolve`; one that names
//! no option is kept raw (its text as both id and label) and reported in
//! [`Lookup::unresolved`], so the session can log it.

use std::cell::RefCell;
use std::collections::HashMap;

use serde_json::Value as Json;

use crate::api;
use crate::api::graphql::EdgeDto;
use crate::choices::{ChoiceTree, Node};
use crate::dates;
use crate::fields::{CatalogField, Catalogue, Kind};
use crate::http::scalar_text;
use crate::model::{Attribute, ChoiceValue, User, Value};

fn is_empty(v: &Json) -> bool {
    match v {
        Json::Null => true,
        Json::String(s) => s.trim().is_empty() || s.trim() == api::NULL_STRING,
        Json::Array(a) => a.iter().all(is_empty),
        Json::Object(o) => o.values().all(is_empty),
        _ => false,
    }
}

fn text(v: &Json) -> Option<String> {
    if is_empty(v) {
        return None;
    }
    scalar_text(v)
        .or_else(|| crate::resolve::candidates(v).into_iter().next())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn boolean(raw: &str) -> Option<bool> {
    match raw.to_ascii_lowercase().as_str() {
        api::CHECKBOX_TRUE | "true" | "yes" => Some(true),
        api::CHECKBOX_FALSE | "false" | "no" => Some(false),
        _ => None,
    }
}

/// The choice trees a mapping reads, and what it could not resolve.
pub struct Lookup<'a> {
    pub positions: &'a ChoiceTree,
    /// Option trees listed through REST, by field id; they replace the field's own options.
    pub listed: &'a HashMap<String, ChoiceTree>,
    /// `(field name, raw text)` of option values that name no option.
    pub unresolved: RefCell<Vec<(String, String)>>,
}

impl<'a> Lookup<'a> {
    pub fn new(positions: &'a ChoiceTree, listed: &'a HashMap<String, ChoiceTree>) -> Self {
        Lookup {
            positions,
            listed,
            unresolved: RefCell::new(Vec::new()),
        }
    }

    /// The options of a field: listed through REST if they were, else those of `/fields`.
    pub fn tree<'b>(&'b self, cf: &'b CatalogField) -> &'b ChoiceTree {
        self.listed.get(&cf.id).unwrap_or(&cf.options)
    }
}

/// Whether a raw (non-list) value of an option or active field names something in `tree`.
pub fn resolves(cf: &CatalogField, tree: &ChoiceTree, v: &Json) -> bool {
    is_empty(v)
        || tree.resolve(v).is_some()
        || (cf.kind == Kind::Active && text(v).as_deref().and_then(active_literal).is_some())
}

/// One JSON value of a (non-composite) field → a contract value of the field's type.
fn convert(cf: &CatalogField, lk: &Lookup<'_>, v: &Json) -> Option<Value> {
    let raw = text(v)?;
    Some(match cf.kind {
        Kind::Text | Kind::Link => Value::Text(raw),
        Kind::Date => Value::Date(dates::normalize_date(&raw)?),
        Kind::Datetime => Value::Datetime(dates::normalize_datetime(&raw)?),
        Kind::Number => Value::Decimal(raw.parse::<f64>().ok().filter(|f| f.is_finite())?),
        Kind::Checkbox => Value::Boolean(boolean(&raw)?),
        Kind::UserRelation => Value::Reference(raw),
        Kind::Position => Value::Choice(lk.positions.choice_for_value(&raw)),
        Kind::Options => Value::Choice(lk.tree(cf).resolve_choice(v).unwrap_or_else(|| {
            lk.unresolved
                .borrow_mut()
                .push((cf.field.name.clone(), raw.clone()));
            ChoiceValue {
                id: raw.clone(),
                label: raw,
            }
        })),
        Kind::Active => Value::Boolean(active_value(lk.tree(cf), v, &raw)?),
        Kind::Composite | Kind::Computed => return None,
    })
}

fn active_literal(raw: &str) -> Option<bool> {
    match raw {
        api::ACTIVE_YES => Some(true),
        api::ACTIVE_NO => Some(false),
        other => boolean(other),
    }
}

/// The active flag a raw value designates: the option it names (by its value or alias), or
/// the raw text itself (`usr_active_yes`, `1`, `true`…).
fn active_value(tree: &ChoiceTree, v: &Json, raw: &str) -> Option<bool> {
    match tree.resolve(v) {
        Some(n) => active_literal(&n.value)
            .or_else(|| n.alias.as_deref().and_then(active_literal))
            .or_else(|| active_literal(raw)),
        None => active_literal(raw),
    }
}

/// A JSON value as the list of its items (an array's elements, or itself).
pub(crate) fn items(v: &Json) -> Vec<&Json> {
    match v {
        Json::Array(a) => a.iter().collect(),
        other => vec![other],
    }
}

fn values_of(cf: &CatalogField, lk: &Lookup<'_>, v: &Json) -> Vec<Value> {
    let mut out: Vec<Value> = items(v)
        .into_iter()
        .filter_map(|x| convert(cf, lk, x))
        .collect();
    if !cf.field.multi_valued {
        out.truncate(1);
    }
    out
}

/// Maps one record's `fieldAliasAndValue` to the attributes of a user, in catalogue order.
pub fn attributes(cat: &Catalogue, lk: &Lookup<'_>, record: &Json) -> Vec<Attribute> {
    let mut out = Vec::new();
    let Some(map) = record.as_object() else {
        return out;
    };
    for cf in &cat.top {
        let Some(raw) = map.get(&cf.alias) else {
            continue;
        };
        if is_empty(raw) {
            continue;
        }
        if cf.kind == Kind::Composite {
            let rows: Vec<&serde_json::Map<String, Json>> =
                items(raw).into_iter().filter_map(Json::as_object).collect();
            for sub in &cf.subs {
                let mut values = Vec::new();
                for row in &rows {
                    if let Some(v) = row.get(&sub.alias) {
                        values.extend(values_of(sub, lk, v));
                    }
                }
                if !sub.field.multi_valued {
                    values.truncate(1);
                }
                if !values.is_empty() {
                    out.push(Attribute {
                        name: sub.field.name.clone(),
                        values,
                    });
                }
            }
        } else {
            let values = values_of(cf, lk, raw);
            if !values.is_empty() {
                out.push(Attribute {
                    name: cf.field.name.clone(),
                    values,
                });
            }
        }
    }
    out
}

fn raw_text(record: &Json, alias: &str) -> Option<String> {
    record
        .get(alias)
        .and_then(|v| items(v).into_iter().find_map(text))
}

/// A user from its REST id and record values. `active` defaults to true when absent.
pub fn user(cat: &Catalogue, lk: &Lookup<'_>, id: u64, record: &Json) -> User {
    let attributes = attributes(cat, lk, record);
    let active = cat
        .top
        .iter()
        .find(|f| f.kind == Kind::Active)
        .and_then(|f| attributes.iter().find(|a| a.name == f.field.name))
        .and_then(|a| match a.values.first() {
            Some(Value::Boolean(b)) => Some(*b),
            _ => None,
        })
        .or_else(|| raw_text(record, api::ACTIVE_ALIAS).and_then(|r| active_literal(&r)))
        .unwrap_or(true);
    User {
        id: id.to_string(),
        display_name: display_name(record, id),
        active,
        attributes,
    }
}

/// Adds `seniority` (years since the hire date, one decimal) when the catalogue computes it
/// (tenants without a calculated seniority field) and the user has a valid hire date.
pub fn add_computed_seniority(cat: &Catalogue, attrs: &mut Vec<Attribute>, now_unix: u64) {
    let computed = cat
        .top
        .iter()
        .any(|f| f.kind == Kind::Computed && f.field.name == crate::fields::SENIORITY);
    if !computed {
        return;
    }
    let start = attrs
        .iter()
        .find(|a| a.name == crate::fields::HIRE_DATE)
        .and_then(|a| match a.values.first() {
            Some(Value::Date(d)) => dates::calendar_days(d),
            _ => None,
        });
    if let Some(start) = start {
        let today = i64::try_from(now_unix / 86_400).unwrap_or(i64::MAX);
        let years = (today - start).max(0) as f64 / 365.25;
        let rounded = (years * 10.0).round() / 10.0;
        attrs.push(Attribute {
            name: crate::fields::SENIORITY.into(),
            values: vec![Value::Decimal(rounded)],
        });
    }
}

/// "First LAST", else the username, the email, or the id.
pub fn display_name(record: &Json, id: u64) -> String {
    let first = raw_text(record, "usr_first_name").unwrap_or_default();
    let last = raw_text(record, "usr_last_name")
        .unwrap_or_default()
        .to_uppercase();
    let name = format!("{first} {last}").trim().to_string();
    if !name.is_empty() {
        return name;
    }
    raw_text(record, "username")
        .or_else(|| raw_text(record, "professional_email"))
        .unwrap_or_else(|| id.to_string())
}

/// Position nodes from `pos` record edges (ids from cursors, `pos_name`, `pos_parent`).
pub fn position_nodes(edges: &[EdgeDto]) -> Vec<Node> {
    edges
        .iter()
        .filter_map(|e| {
            let id = api::graphql::id_from_cursor(&e.cursor)?.to_string();
            let values = &e.node.field_alias_and_value;
            let label = raw_text(values, api::POS_NAME).unwrap_or_else(|| id.clone());
            let parent = raw_text(values, api::POS_PARENT).filter(|p| *p != id);
            Some(Node {
                value: id.clone(),
                alias: None,
                claims_children: None,
                id,
                label,
                parent,
                selectable: true,
                active: true,
                order: 0,
            })
        })
        .enumerate()
        .map(|(i, mut n)| {
            n.order = i as i64;
            n
        })
        .collect()
}
