//! The allowed values of the list fields the mapping maps, read by each real sync and stored
//! with the field catalogue, so `identities create / set / import` can refuse a value the
//! target would refuse (a department that does not exist) without asking the tenant.
//!
//! Each mapped, writable choice field is walked level by level through `list-choices` (at
//! most [`MAX_CHOICES`] values a field). Reading them is best effort: a field whose values
//! cannot be read, or that has none, or more than the cap, is left out, and its values are
//! then not checked before the sync (the target still checks them when written).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::mapping::Mapping;
use crate::connector::Session;
use crate::model::{Field, FieldType, Value};

/// The most values read for one field.
pub const MAX_CHOICES: usize = 10_000;

/// The store's meta key the choices are kept under.
pub const META_KEY: &str = "choices";

/// One allowed value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Known {
    pub id: String,
    pub label: String,
    /// The label path (`Ventes/France/Paris`).
    pub path: String,
}

/// Allowed values by connector field name.
pub type Catalogue = BTreeMap<String, Vec<Known>>;

/// Reads the allowed values of every mapped, writable choice field (best effort).
pub async fn fetch(session: &mut dyn Session, fields: &[Field], mapping: &Mapping) -> Catalogue {
    let mut out = Catalogue::new();
    for field in fields
        .iter()
        .filter(|f| f.field_type == FieldType::Choice && f.writable)
        .filter(|f| mapping.attributes.iter().any(|r| r.field == f.name))
    {
        match walk(session, &field.name).await {
            Some(values) if !values.is_empty() => {
                out.insert(field.name.clone(), values);
            }
            _ => tracing::info!(
                "the allowed values of {} were not read: they are checked by the target only",
                field.name
            ),
        }
    }
    out
}

async fn walk(session: &mut dyn Session, field: &str) -> Option<Vec<Known>> {
    let mut values = Vec::new();
    let mut parents: Vec<Option<String>> = vec![None];
    // Each level is listed once, so a tree whose parents loop (A under B under A) ends.
    let mut listed: std::collections::HashSet<String> = std::collections::HashSet::new();
    while let Some(parent) = parents.pop() {
        let level = session.list_choices(field, parent.as_deref()).await.ok()?;
        for c in level {
            if c.has_children && listed.insert(c.id.clone()) {
                parents.push(Some(c.id.clone()));
            }
            values.push(Known {
                id: c.id,
                label: c.label,
                path: c.path,
            });
            if values.len() > MAX_CHOICES {
                return None;
            }
        }
    }
    Some(values)
}

/// Checks a platform value of a choice field against its allowed values; `Err` says why.
/// A field without stored values is not checked.
pub fn check(catalogue: &Catalogue, field: &str, value: &Value) -> Result<(), String> {
    let Some(known) = catalogue.get(field) else {
        return Ok(());
    };
    let found = match value {
        Value::Choice(c) if !c.id.is_empty() => known.iter().any(|k| k.id == c.id),
        Value::Choice(c) => known
            .iter()
            .any(|k| k.path == c.label || k.label == c.label),
        Value::Text(t) => known.iter().any(|k| k.path == *t || k.label == *t),
        _ => true,
    };
    if found {
        return Ok(());
    }
    let shown = match value {
        Value::Choice(c) if !c.id.is_empty() => format!("#{}", c.id),
        other => super::detect::show(std::slice::from_ref(other)),
    };
    Err(format!(
        "`{shown}` is not one of the values of the target's field `{field}` (see `connector-host choices {field}`)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ChoiceValue;

    #[test]
    fn a_label_path_an_id_or_nothing_known() {
        let mut catalogue = Catalogue::new();
        catalogue.insert(
            "department".into(),
            vec![Known {
                id: "504".into(),
                label: "Paris".into(),
                path: "Ventes/France/Paris".into(),
            }],
        );
        let text = |s: &str| Value::Text(s.into());
        assert!(check(&catalogue, "department", &text("Ventes/France/Paris")).is_ok());
        let id = Value::Choice(ChoiceValue {
            id: "504".into(),
            label: String::new(),
        });
        assert!(check(&catalogue, "department", &id).is_ok());
        let e = check(&catalogue, "department", &text("NoSuchDept")).unwrap_err();
        assert!(
            e.contains("`NoSuchDept`") && e.contains("`department`"),
            "{e}"
        );
        assert!(check(&catalogue, "position", &text("anything")).is_ok());
    }
}
