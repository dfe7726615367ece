//! What the write cases share: the field catalogue, sample choice values, another user to
//! reference, a nonce for unique values, and the users the cases made (suspended at the end).

use std::collections::HashMap;

use crate::connector::Session;
use crate::error::HostError;
use crate::model::{Attribute, ChoiceValue, Field, FieldType, Value};

/// What the write cases share: the catalogue, sample values, the users they made.
pub(crate) struct Fixture {
    pub(super) fields: Vec<Field>,
    pub(super) choices: HashMap<String, Vec<ChoiceValue>>,
    pub(super) someone: Option<String>,
    pub(super) nonce: String,
    pub created: Vec<String>,
}

pub(super) fn writable(fields: &[Field]) -> impl Iterator<Item = &Field> {
    fields
        .iter()
        .filter(|f| f.writable && f.field_type != FieldType::Composite)
}

/// The first `n` selectable choices of a field, walking down from the roots.
async fn selectable(session: &mut dyn Session, field: &str, n: usize) -> Vec<ChoiceValue> {
    let mut found = Vec::new();
    let mut queue: Vec<Option<String>> = vec![None];
    let mut visited = 0;
    while let Some(parent) = queue.pop() {
        visited += 1;
        if visited > 20 || found.len() >= n {
            break;
        }
        let Ok(choices) = session.list_choices(field, parent.as_deref()).await else {
            break;
        };
        for c in choices {
            if c.selectable && found.len() < n {
                found.push(ChoiceValue {
                    id: c.id.clone(),
                    label: c.path.clone(),
                });
            }
            if c.has_children {
                queue.push(Some(c.id));
            }
        }
    }
    found
}

impl Fixture {
    pub(crate) async fn new(
        session: &mut dyn Session,
        fields: Vec<Field>,
    ) -> Result<Fixture, HostError> {
        let mut choices = HashMap::new();
        for f in writable(&fields).filter(|f| f.field_type == FieldType::Choice) {
            choices.insert(f.name.clone(), selectable(session, &f.name, 2).await);
        }
        let page = session.list_users(None, 1).await?;
        let someone = page.users.first().map(|u| u.id.clone());
        let nonce = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() % 1_000_000_000)
            .unwrap_or(0)
            .to_string();
        Ok(Fixture {
            fields,
            choices,
            someone,
            nonce,
            created: Vec::new(),
        })
    }

    /// A value for `field`; `variant` 0 or 1 gives two different values.
    pub(super) fn value(&self, field: &Field, variant: usize, serial: usize) -> Option<Value> {
        let name = field.name.as_str();
        let tag = format!("{}{}{serial}", self.nonce, variant);
        Some(match field.field_type {
            FieldType::Text if name.contains("email") => {
                Value::Text(format!("conformance.{tag}@conformance.example"))
            }
            FieldType::Text if name.contains("phone") || name.contains("mobile") => {
                Value::Text(format!("+33 1 00 00 {:02} {:02}", variant, serial % 100))
            }
            FieldType::Text if field.unique => Value::Text(format!("conformance-{tag}")),
            FieldType::Text => Value::Text(format!("Conformance {variant}")),
            FieldType::Boolean => Value::Boolean(variant == 0),
            FieldType::Integer => Value::Integer(3 + variant as i64),
            FieldType::Decimal => Value::Decimal(2.5 + variant as f64),
            FieldType::Date => Value::Date(format!("2031-0{}-1{}", 3 + variant, variant)),
            FieldType::Datetime => Value::Datetime(format!("2031-0{}-15T10:00:00Z", 3 + variant)),
            FieldType::Reference => Value::Reference(self.someone.clone()?),
            FieldType::Choice => Value::Choice(
                self.choices
                    .get(name)?
                    .get(variant)
                    .or(self.choices.get(name)?.first())?
                    .clone(),
            ),
            FieldType::Composite => return None,
        })
    }

    pub(super) fn attributes(&self, required_only: bool, serial: usize) -> Vec<Attribute> {
        writable(&self.fields)
            .filter(|f| !required_only || f.required)
            .filter_map(|f| {
                Some(Attribute {
                    name: f.name.clone(),
                    values: vec![self.value(f, 0, serial)?],
                })
            })
            .collect()
    }
}
