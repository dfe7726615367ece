//! Validated contract values → the `data[]` items of a write (WIRE.md "Values in writes"). Pure.
//!
//! Values use the `fieldAliasAndValue` encoding: text as is, dates `YYYY-MM-DD`, numbers as
//! decimal text, checkboxes `"1"`/`"0"`, users and positions by REST id, options by their
//! `value` (the option id as a string unless the tenant's option says otherwise). A choice is
//! found by its id — or anything a record may hold for it: value, alias, label (see
//! `resolve`) — else by its label path; an unknown one is `invalid-input` naming the attribute
//! and the value.
//!
//! Updates are computed against the current answers (`answer_id`s, `batch`es, read just
//! before): a single value is updated in place (or created / deleted), a multi-valued field
//! keeps the values still wanted, deletes the others and creates the new ones. For a list
//! composite (`career_history.*`) the i-th value goes to the i-th row; rows beyond the values
//! lose that sub-field; new rows get a fresh `batch` shared by every sub-field of the request.

use crate::api::write::{Action, AnswerDto, AnswerFieldDto, Item};
use crate::choices::ChoiceTree;
use crate::fields::Kind;
use crate::model::{ChoiceValue, Error, Value};
use crate::validate::Planned;

/// The batch of the i-th row created by this request. Never equal to a stored batch.
pub fn new_batch(i: usize) -> String {
    format!("ffffffff-0000-4000-a000-{i:012}")
}

/// A number as decimal text: `3`, `2.5`.
pub fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{f:.0}")
    } else {
        f.to_string()
    }
}

fn resolve_choice(p: &Planned, positions: &ChoiceTree, c: &ChoiceValue) -> Result<String, Error> {
    let tree = if p.field.kind == Kind::Position {
        positions
    } else {
        &p.field.options
    };
    let shown = if c.id.is_empty() { &c.label } else { &c.id };
    let unknown = || {
        Error::invalid_input(
            &p.name,
            format!("unknown choice `{}`", crate::http::short(shown)),
        )
    };
    if tree.is_empty() {
        // A field the tenant lists no option for: an id is passed as given.
        return if c.id.is_empty() {
            Err(unknown())
        } else {
            Ok(c.id.clone())
        };
    }
    let by = |s: &str| {
        (!s.trim().is_empty())
            .then(|| tree.resolve(&serde_json::Value::String(s.to_string())))
            .flatten()
    };
    let node = by(&c.id)
        .or_else(|| tree.find_path(&c.label))
        .or_else(|| by(&c.label))
        .filter(|n| n.active)
        .ok_or_else(unknown)?;
    let branch = p.field.kind == Kind::Options && tree.is_branch(&node.id);
    if !node.selectable || branch {
        return Err(Error::invalid_input(
            &p.name,
            format!(
                "choice `{}` cannot be selected (pick a leaf)",
                crate::http::short(shown)
            ),
        ));
    }
    Ok(node.value.clone())
}

/// One value in the wire encoding.
pub fn wire_value(p: &Planned, positions: &ChoiceTree, v: &Value) -> Result<String, Error> {
    Ok(match v {
        Value::Text(s) | Value::Date(s) | Value::Reference(s) => s.clone(),
        Value::Datetime(s) => crate::dates::normalize_datetime(s)
            .ok_or_else(|| Error::invalid_input(&p.name, "not an RFC 3339 date-time"))?,
        Value::Integer(i) => i.to_string(),
        Value::Decimal(f) => number_text(*f),
        Value::Boolean(b) => if *b {
            crate::api::CHECKBOX_TRUE
        } else {
            crate::api::CHECKBOX_FALSE
        }
        .to_string(),
        Value::Choice(c) => resolve_choice(p, positions, c)?,
    })
}

fn wire_values(p: &Planned, positions: &ChoiceTree) -> Result<Vec<String>, Error> {
    let mut out: Vec<String> = Vec::new();
    for v in &p.values {
        let w = wire_value(p, positions, v)?;
        // A multi-valued (non-row) field holds a set: repeats are dropped.
        if p.parent.as_ref().is_some_and(|(_, list)| *list) || !out.contains(&w) {
            out.push(w);
        }
    }
    Ok(out)
}

fn item(
    p: &Planned,
    value: String,
    action: Action,
    answer: Option<&AnswerDto>,
    batch: Option<String>,
) -> Item {
    Item {
        field_alias: p.alias().to_string(),
        value,
        action,
        answer_id: answer.map(|a| a.answer_id.clone()),
        batch,
    }
}

/// Items of `POST /psos`: every value `create`d; list-composite rows by position.
pub fn create_items(plans: &[Planned], positions: &ChoiceTree) -> Result<Vec<Item>, Error> {
    let mut out = Vec::new();
    for p in plans {
        for (i, w) in wire_values(p, positions)?.into_iter().enumerate() {
            let batch = match &p.parent {
                Some((_, true)) => Some(new_batch(i)),
                _ => None,
            };
            out.push(item(p, w, Action::Create, None, batch));
        }
    }
    Ok(out)
}

/// The row batches of a composite, in row order (merged from its sub-fields' values).
pub fn row_batches(composite: &AnswerFieldDto) -> Vec<String> {
    let mut rows: Vec<String> = Vec::new();
    for sub in &composite.items {
        let mut at = 0;
        for b in sub.values.iter().filter_map(|v| v.batch.clone()) {
            match rows.iter().position(|r| *r == b) {
                Some(i) => at = i + 1,
                None => {
                    rows.insert(at, b);
                    at += 1;
                }
            }
        }
    }
    rows
}

fn update_one(
    p: &Planned,
    wanted: Vec<String>,
    current: &[AnswerDto],
    row: Option<String>,
    out: &mut Vec<Item>,
) {
    if p.field.field.multi_valued {
        for c in current.iter().filter(|c| !wanted.contains(&c.value)) {
            out.push(item(p, String::new(), Action::Delete, Some(c), None));
        }
        for w in wanted
            .into_iter()
            .filter(|w| !current.iter().any(|c| c.value == *w))
        {
            out.push(item(p, w, Action::Create, None, None));
        }
        return;
    }
    let mut current = current.iter();
    match (wanted.into_iter().next(), current.next()) {
        (Some(w), Some(c)) if c.value == w => {}
        (Some(w), Some(c)) => out.push(item(p, w, Action::Update, Some(c), c.batch.clone())),
        (Some(w), None) => out.push(item(p, w, Action::Create, None, row)),
        (None, Some(c)) => out.push(item(
            p,
            String::new(),
            Action::Delete,
            Some(c),
            c.batch.clone(),
        )),
        (None, None) => {}
    }
    for extra in current {
        out.push(item(
            p,
            String::new(),
            Action::Delete,
            Some(extra),
            extra.batch.clone(),
        ));
    }
}

fn update_rows(
    p: &Planned,
    wanted: Vec<String>,
    composite: &AnswerFieldDto,
    current: &[AnswerDto],
    out: &mut Vec<Item>,
) {
    let rows = row_batches(composite);
    let in_row = |b: &str| current.iter().find(|c| c.batch.as_deref() == Some(b));
    for (i, w) in wanted.iter().enumerate() {
        match rows.get(i) {
            Some(b) => match in_row(b) {
                Some(c) if c.value == *w => {}
                Some(c) => out.push(item(p, w.clone(), Action::Update, Some(c), Some(b.clone()))),
                None => out.push(item(p, w.clone(), Action::Create, None, Some(b.clone()))),
            },
            None => out.push(item(p, w.clone(), Action::Create, None, Some(new_batch(i)))),
        }
    }
    for b in rows.iter().skip(wanted.len()) {
        if let Some(c) = in_row(b) {
            out.push(item(
                p,
                String::new(),
                Action::Delete,
                Some(c),
                Some(b.clone()),
            ));
        }
    }
}

/// Items of `POST /psos/{id}/form-instances/2` turning the current answers into the plans.
/// A field absent from the answers is `invalid-input` (not on the profile form).
pub fn update_items(
    plans: &[Planned],
    positions: &ChoiceTree,
    answers: &[AnswerFieldDto],
) -> Result<Vec<Item>, Error> {
    let missing =
        |p: &Planned| Error::invalid_input(&p.name, "not on the profile form (cannot be updated)");
    let mut out = Vec::new();
    for p in plans {
        let wanted = wire_values(p, positions)?;
        match &p.parent {
            None => {
                let f = answers
                    .iter()
                    .find(|f| f.alias == p.alias())
                    .ok_or_else(|| missing(p))?;
                update_one(p, wanted, &f.values, None, &mut out);
            }
            Some((composite, list)) => {
                let c = answers
                    .iter()
                    .find(|f| f.alias == *composite)
                    .ok_or_else(|| missing(p))?;
                let sub = c
                    .items
                    .iter()
                    .find(|s| s.alias == p.alias())
                    .ok_or_else(|| missing(p))?;
                if *list {
                    update_rows(p, wanted, c, &sub.values, &mut out);
                } else {
                    let row = row_batches(c).into_iter().next();
                    update_one(p, wanted, &sub.values, row, &mut out);
                }
            }
        }
    }
    Ok(out)
}
