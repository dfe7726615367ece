//! The cases over choice values as users hold them: every value a listed user holds is one of
//! `list-choices`' ids for its field (walking down from the roots), with the label path
//! `list-choices` gives; and `has-children` is true exactly when `list-choices` under that id
//! returns something. A connector that passes a tenant's raw tokens through (an alias where an
//! id was expected) or drops the levels of a hierarchy fails here.

use std::collections::{BTreeMap, HashMap};

use super::context::Ctx;
use super::report::Outcome;
use super::verdict::{fail, host_err};
use crate::connector::Session;
use crate::model::{Choice, FieldType, Value};

/// `list-choices` calls one field's walk may make (a guard against cyclic or endless trees).
const MAX_WALK_CALLS: usize = 2_000;

/// A field's whole tree: every choice reachable from the roots, by id.
async fn walk(session: &mut dyn Session, field: &str) -> Result<HashMap<String, Choice>, Outcome> {
    let mut tree = HashMap::new();
    let mut queue: Vec<Option<String>> = vec![None];
    let mut calls = 0;
    while let Some(parent) = queue.pop() {
        calls += 1;
        if calls > MAX_WALK_CALLS {
            return Err(fail(format!(
                "{field}: the choice tree did not end within {MAX_WALK_CALLS} list-choices calls"
            )));
        }
        let level = session
            .list_choices(field, parent.as_deref())
            .await
            .map_err(|e| host_err(&format!("list-choices({field})"), &e))?;
        for c in level {
            if c.has_children && !tree.contains_key(&c.id) {
                queue.push(Some(c.id.clone()));
            }
            tree.insert(c.id.clone(), c);
        }
    }
    Ok(tree)
}

/// The choice values listed users hold, per choice field (composite sub-fields included).
async fn held(ctx: &mut Ctx<'_>) -> Result<BTreeMap<String, Vec<(String, String)>>, Outcome> {
    let fields = ctx.fields().await?;
    let users = super::listing::listing(ctx).await?;
    let mut held: BTreeMap<String, Vec<(String, String)>> = fields
        .iter()
        .filter(|f| f.field_type == FieldType::Choice)
        .map(|f| (f.name.clone(), Vec::new()))
        .collect();
    for u in &users {
        for a in &u.attributes {
            let Some(values) = held.get_mut(&a.name) else {
                continue;
            };
            for v in &a.values {
                if let Value::Choice(c) = v
                    && !values.iter().any(|(id, _)| *id == c.id)
                {
                    values.push((c.id.clone(), c.label.clone()));
                }
            }
        }
    }
    held.retain(|_, v| !v.is_empty());
    Ok(held)
}

pub(super) async fn held_values_listed(ctx: &mut Ctx<'_>) -> Outcome {
    let held = match held(ctx).await {
        Ok(h) => h,
        Err(o) => return o,
    };
    if held.is_empty() {
        return Outcome::NotApplicable("no listed user holds a choice value".into());
    }
    let session = match ctx.session().await {
        Ok(s) => s,
        Err(e) => return host_err("open", &e),
    };
    let mut problems = Vec::new();
    for (field, values) in &held {
        let tree = match walk(session.as_mut(), field).await {
            Ok(t) => t,
            Err(o) => return o,
        };
        let unknown: Vec<&str> = values
            .iter()
            .filter(|(id, _)| !tree.contains_key(id))
            .map(|(id, _)| id.as_str())
            .collect();
        if !unknown.is_empty() {
            problems.push(format!(
                "{field}: {} held value(s) are none of list-choices' ids (walking from the roots): {}",
                unknown.len(),
                unknown.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
            ));
        }
        let wrong_path: Vec<String> = values
            .iter()
            .filter_map(|(id, label)| {
                let c = tree.get(id)?;
                (c.path != *label)
                    .then(|| format!("{id} is {label:?}, list-choices says {:?}", c.path))
            })
            .take(5)
            .collect();
        if !wrong_path.is_empty() {
            problems.push(format!(
                "{field}: label paths differ: {}",
                wrong_path.join("; ")
            ));
        }
    }
    if problems.is_empty() {
        Outcome::Passed
    } else {
        fail(problems.join(" | "))
    }
}

pub(super) async fn has_children_honest(ctx: &mut Ctx<'_>) -> Outcome {
    let fields = match ctx.fields().await {
        Ok(f) => f,
        Err(o) => return o,
    };
    let hierarchical: Vec<String> = fields
        .iter()
        .filter(|f| f.field_type == FieldType::Choice && f.hierarchical)
        .map(|f| f.name.clone())
        .take(6)
        .collect();
    if hierarchical.is_empty() {
        return Outcome::NotApplicable("no hierarchical choice field".into());
    }
    let session = match ctx.session().await {
        Ok(s) => s,
        Err(e) => return host_err("open", &e),
    };
    for field in hierarchical {
        let tree = match walk(session.as_mut(), &field).await {
            Ok(t) => t,
            Err(o) => return o,
        };
        // Leaves are asked too (at most 50 of them): a "leaf" with children hides a level.
        let leaves: Vec<&Choice> = tree.values().filter(|c| !c.has_children).take(50).collect();
        for leaf in leaves {
            match session.list_choices(&field, Some(&leaf.id)).await {
                Ok(children) if !children.is_empty() => {
                    return fail(format!(
                        "{field}: choice {} says it has no children, but list-choices under it returns {}",
                        leaf.id,
                        children.len()
                    ));
                }
                Ok(_) => {}
                Err(e) => return host_err(&format!("list-choices({field})"), &e),
            }
        }
        let parents: std::collections::HashSet<&str> =
            tree.values().filter_map(|c| c.parent.as_deref()).collect();
        if let Some(empty) = tree
            .values()
            .find(|c| c.has_children && !parents.contains(c.id.as_str()))
        {
            return fail(format!(
                "{field}: choice {} says it has children, but list-choices under it returns none",
                empty.id
            ));
        }
    }
    Outcome::Passed
}
