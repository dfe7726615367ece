//! Answers: a field's stored value seen as positional answers (`answer_id`, `batch`), the model
//! writes edit in place (slots cleared to `None` keep later indices stable within a request),
//! and the form-instance `fields[]` JSON of `GET /psos/{id}/form-instances/{fi}`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::catalogue::SimField;
use crate::tenant::Tenant;
use crate::wire::{self, answer_id, row_batch};

/// One composite row: its `batch` and sub-field alias → value (`None` = cleared).
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub batch: String,
    pub cells: BTreeMap<String, Option<String>>,
}

/// The answers of one top-level field.
#[derive(Clone, Debug, PartialEq)]
pub enum Model {
    /// A plain field: one slot per value (single-valued fields have at most one).
    Slots(Vec<Option<String>>),
    /// A composite: one row per stored object.
    Rows(Vec<Row>),
}

/// A stored scalar as text (`"3"` for a JSON number).
pub fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Model {
    /// The answers of `user`'s stored value of `f`.
    pub fn load(user: u64, f: &SimField, v: Option<&Value>) -> Model {
        if f.data_type == "composite" {
            let objs: Vec<&serde_json::Map<String, Value>> = match v {
                Some(Value::Object(o)) => vec![o],
                Some(Value::Array(a)) => a.iter().filter_map(Value::as_object).collect(),
                _ => vec![],
            };
            let rows = objs
                .into_iter()
                .enumerate()
                .map(|(i, o)| Row {
                    batch: row_batch(user, f.id, i),
                    cells: o
                        .iter()
                        .map(|(k, v)| (k.clone(), Some(as_text(v))))
                        .collect(),
                })
                .collect();
            return Model::Rows(rows);
        }
        Model::Slots(match v {
            None => vec![],
            Some(Value::Array(a)) => a.iter().map(|x| Some(as_text(x))).collect(),
            Some(x) => vec![Some(as_text(x))],
        })
    }

    /// The stored value (`None` = empty), in the `fieldAliasAndValue` encoding.
    pub fn store(&self, f: &SimField) -> Option<Value> {
        match self {
            Model::Slots(s) => {
                let vals: Vec<Value> = s.iter().flatten().map(|x| json!(x)).collect();
                if f.list {
                    (!vals.is_empty()).then_some(Value::Array(vals))
                } else {
                    vals.into_iter().next()
                }
            }
            Model::Rows(rows) => {
                let objs: Vec<Value> = rows
                    .iter()
                    .map(|r| {
                        // Sub-fields in catalogue order.
                        let m: serde_json::Map<String, Value> = f
                            .items
                            .iter()
                            .filter_map(|i| {
                                r.cells
                                    .get(&i.alias)
                                    .cloned()
                                    .flatten()
                                    .map(|v| (i.alias.clone(), json!(v)))
                            })
                            .collect();
                        m
                    })
                    .filter(|m| !m.is_empty())
                    .map(Value::Object)
                    .collect();
                if f.list {
                    (!objs.is_empty()).then_some(Value::Array(objs))
                } else {
                    objs.into_iter().next()
                }
            }
        }
    }
}

/// `[{answer_id, value, batch}]` of a plain field.
fn plain_values(user: u64, f: &SimField, v: Option<&Value>) -> Vec<Value> {
    match Model::load(user, f, v) {
        Model::Slots(s) => s
            .iter()
            .enumerate()
            .filter_map(|(i, x)| {
                x.as_ref().map(
                    |x| json!({ "answer_id": answer_id(user, f.id, i), "value": x, "batch": null }),
                )
            })
            .collect(),
        Model::Rows(_) => vec![],
    }
}

/// A `fields[]` entry of a form instance read: the `Field` with `values`, `values_count`,
/// `value_details`; a composite's `items[]` each carry their sub-field's values per row.
pub fn form_field_json(t: &Tenant, user: u64, f: &SimField, v: Option<&Value>, ro: bool) -> Value {
    let mut out = wire::field_json(f, &t.profile);
    let (details, count) = wire::value_details(t, f, v);
    let rows = match Model::load(user, f, v) {
        Model::Rows(r) => r,
        Model::Slots(_) => vec![],
    };
    if let Some(obj) = out.as_object_mut() {
        obj.insert("read_only".into(), json!(ro));
        obj.insert("values_count".into(), json!(count));
        obj.insert("value_details".into(), details);
        obj.insert("values".into(), json!(plain_values(user, f, v)));
        if let Some(Value::Array(items)) = obj.get_mut("items") {
            for (item, sub) in items.iter_mut().zip(&f.items) {
                let vals: Vec<Value> = rows
                    .iter()
                    .enumerate()
                    .filter_map(|(i, r)| {
                        r.cells.get(&sub.alias).cloned().flatten().map(|x| {
                            json!({ "answer_id": answer_id(user, sub.id, i), "value": x, "batch": r.batch })
                        })
                    })
                    .collect();
                if let Some(io) = item.as_object_mut() {
                    io.insert("read_only".into(), json!(ro || sub.read_only));
                    io.insert("values".into(), Value::Array(vals));
                }
            }
        }
    }
    out
}
