//! The write engine: apply parsed items to one user's values on a copy (so a rejected request
//! changes nothing), collecting every error; plus the checks that need the whole tenant
//! (uniqueness) and the recomputed `usr_seniority`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::answers::{Model, Row};
use crate::rng::{days_from_civil, reference_day};
use crate::tenant::Tenant;
use crate::validate::{Item, Target, check_value};
use crate::wire::{decode_answer_id, row_batch};

/// Error key → reasons.
pub type Errors = BTreeMap<String, Vec<String>>;

/// Add one reason under `key`.
pub fn add(errs: &mut Errors, key: &str, msg: impl Into<String>) {
    errs.entry(key.to_string()).or_default().push(msg.into());
}

const ALREADY: &str = "The field already has a value; update it with its answer_id.";
const NO_ANSWER: &str = "The answer_id does not belong to this field.";

/// Apply `items` to `values` of user `user`; the new values and the top-level aliases touched.
pub fn apply(
    t: &Tenant,
    user: u64,
    values: &BTreeMap<String, Value>,
    items: &[Item<'_>],
    errs: &mut Errors,
) -> (BTreeMap<String, Value>, Vec<String>) {
    let mut models: BTreeMap<String, Model> = BTreeMap::new();
    for it in items {
        let (top, leaf) = (it.target.top(), it.target.leaf());
        if !it.value.is_empty()
            && it.action != "delete"
            && let Err(m) = check_value(t, leaf, &it.value)
        {
            add(errs, &it.key, m);
            continue;
        }
        let model = models
            .entry(top.alias.clone())
            .or_insert_with(|| Model::load(user, top, values.get(&top.alias)));
        let r = match it.action.as_str() {
            "create" => create(user, it, model),
            _ => change(user, it, model),
        };
        if let Err(m) = r {
            add(errs, &it.key, m);
        }
    }
    let mut out = values.clone();
    let mut touched = Vec::new();
    for (alias, model) in &models {
        let Some(f) = t.catalogue.field("usr", alias) else {
            continue;
        };
        match model.store(f) {
            Some(v) => out.insert(alias.clone(), v),
            None => out.remove(alias),
        };
        touched.push(alias.clone());
    }
    (out, touched)
}

fn create(user: u64, it: &Item<'_>, model: &mut Model) -> Result<(), String> {
    if it.value.is_empty() {
        return Ok(());
    }
    let v = Some(it.value.clone());
    match (it.target, model) {
        (Target::Plain(f), Model::Slots(s)) => {
            if f.list {
                if !s.contains(&v) {
                    s.push(v);
                }
            } else if s.iter().any(Option::is_some) {
                return Err(ALREADY.into());
            } else {
                *s = vec![v];
            }
            Ok(())
        }
        (Target::Sub(parent, item), Model::Rows(rows)) => {
            if parent.list && it.batch.is_none() {
                return Err("The batch is required for a row of a list field.".into());
            }
            let found = match &it.batch {
                Some(b) => rows.iter().position(|r| &r.batch == b),
                None => (!rows.is_empty()).then_some(0),
            };
            let idx = match found {
                Some(i) => i,
                None => {
                    let live = rows.iter().any(|r| r.cells.values().any(Option::is_some));
                    if !parent.list && live {
                        return Err("The field has a single row; use its batch.".into());
                    }
                    let batch = it
                        .batch
                        .clone()
                        .unwrap_or_else(|| row_batch(user, parent.id, rows.len()));
                    rows.push(Row {
                        batch,
                        cells: BTreeMap::new(),
                    });
                    rows.len() - 1
                }
            };
            let cell = rows[idx].cells.entry(item.alias.clone()).or_insert(None);
            if cell.is_some() {
                return Err(ALREADY.into());
            }
            *cell = v;
            Ok(())
        }
        _ => Err("Unknown field for this pso type.".into()),
    }
}

fn change(user: u64, it: &Item<'_>, model: &mut Model) -> Result<(), String> {
    let Some(a) = it.answer_id else {
        return Err(format!("The answer_id is required to {}.", it.action));
    };
    let (u, fid, idx) = decode_answer_id(a);
    if u != user || fid != it.target.leaf().id % 1000 {
        return Err(NO_ANSWER.into());
    }
    let new = (it.action == "update" && !it.value.is_empty()).then(|| it.value.clone());
    let slot = match (it.target, model) {
        (Target::Plain(_), Model::Slots(s)) => s.get_mut(idx),
        (Target::Sub(_, item), Model::Rows(rows)) => {
            rows.get_mut(idx).and_then(|r| r.cells.get_mut(&item.alias))
        }
        _ => None,
    };
    match slot {
        Some(cell) if cell.is_some() => {
            *cell = new;
            Ok(())
        }
        _ => Err(NO_ANSWER.into()),
    }
}

/// Unique fields among `touched` whose new value another user already holds (case-insensitive).
pub fn unique_conflicts(
    t: &Tenant,
    me: u64,
    values: &BTreeMap<String, Value>,
    touched: &[String],
) -> Vec<String> {
    t.catalogue
        .of_type("usr")
        .filter(|f| f.has_unique_data && touched.contains(&f.alias))
        .filter(|f| {
            let Some(mine) = values.get(&f.alias).and_then(Value::as_str) else {
                return false;
            };
            !mine.is_empty()
                && t.users.iter().any(|u| {
                    u.id != me
                        && u.text(&f.alias)
                            .is_some_and(|o| o.eq_ignore_ascii_case(mine))
                })
        })
        .map(|f| f.alias.clone())
        .collect()
}

fn day(s: &str) -> Option<i64> {
    let (y, rest) = s.split_once('-')?;
    let (m, d) = rest.split_once('-')?;
    Some(days_from_civil(
        y.parse().ok()?,
        m.parse().ok()?,
        d.parse().ok()?,
    ))
}

/// `usr_seniority` from the contract: years from start to min(today, end), one decimal.
pub fn seniority(values: &BTreeMap<String, Value>) -> Option<Value> {
    let c = values.get("usr_employment_contract")?;
    let start = day(c.get("usr_employment_contract_start_date")?.as_str()?)?;
    let end = c
        .get("usr_employment_contract_end_date")
        .and_then(Value::as_str)
        .and_then(day);
    let last = end.map_or(reference_day(), |e| e.min(reference_day()));
    let years = (last.max(start) - start) as f64 / 365.25;
    Some(json!(format!("{years:.1}")))
}
