//! Attributes given on the command line (`name=value` pairs, or a JSON object in a file),
//! typed with the connector's field catalogue. A choice is a label path (`Ventes/France/Paris`)
//! or an id prefixed with `#` (`#504`); a reference is a user id; repeating a name gives a
//! multi-valued attribute; `name=` (or JSON `null`) clears it in an update.

use std::collections::BTreeMap;

use crate::model::{Attribute, AttributeChange, ChangeOp, ChoiceValue, Field, FieldType, Value};

/// A problem with a given attribute, naming it.
#[derive(Debug, thiserror::Error)]
pub enum AttrError {
    #[error("`{0}` is not of the form name=value")]
    NotAPair(String),
    #[error("unknown attribute `{0}` (see `connector-host fields`)")]
    Unknown(String),
    #[error("attribute `{name}`: {reason}")]
    Invalid { name: String, reason: String },
    #[error("cannot read attributes from {path}: {reason}")]
    File { path: String, reason: String },
}

/// Raw values per attribute name, in first-seen order; an empty list means "clear".
pub type Raw = Vec<(String, Vec<String>)>;

/// Parses `name=value` pairs.
pub fn from_pairs(pairs: &[String]) -> Result<Raw, AttrError> {
    let mut raw: Raw = Vec::new();
    for pair in pairs {
        let (name, value) = pair
            .split_once('=')
            .ok_or_else(|| AttrError::NotAPair(pair.clone()))?;
        let name = name.trim().to_string();
        if name.is_empty() {
            return Err(AttrError::NotAPair(pair.clone()));
        }
        let slot = match raw.iter_mut().find(|(n, _)| *n == name) {
            Some((_, values)) => values,
            None => {
                raw.push((name, Vec::new()));
                &mut raw
                    .last_mut()
                    .ok_or_else(|| AttrError::NotAPair(pair.clone()))?
                    .1
            }
        };
        if !value.is_empty() {
            slot.push(value.to_string());
        }
    }
    Ok(raw)
}

/// Parses a JSON object file: `{"name": "value" | ["a", "b"] | null | number | bool}`.
pub fn from_json_file(path: &std::path::Path) -> Result<Raw, AttrError> {
    let file_err = |reason: String| AttrError::File {
        path: path.display().to_string(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| file_err(e.to_string()))?;
    let object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text)
        .map_err(|e| file_err(format!("not a JSON object of attributes: {e}")))?;
    from_json_object(object)
}

/// Parses one JSON object of attributes (as in [`from_json_file`]), names in sorted order.
pub fn from_json_object(
    object: serde_json::Map<String, serde_json::Value>,
) -> Result<Raw, AttrError> {
    let scalar = |name: &str, v: &serde_json::Value| -> Result<String, AttrError> {
        match v {
            serde_json::Value::String(s) => Ok(s.clone()),
            serde_json::Value::Number(n) => Ok(n.to_string()),
            serde_json::Value::Bool(b) => Ok(b.to_string()),
            _ => Err(AttrError::Invalid {
                name: name.into(),
                reason: "values must be strings, numbers or booleans".into(),
            }),
        }
    };
    let object: BTreeMap<String, serde_json::Value> = object.into_iter().collect();
    let mut raw = Raw::new();
    for (name, value) in object {
        let values = match &value {
            serde_json::Value::Null => Vec::new(),
            serde_json::Value::Array(items) => items
                .iter()
                .map(|v| scalar(&name, v))
                .collect::<Result<_, _>>()?,
            v => vec![scalar(&name, v)?],
        };
        raw.push((name, values));
    }
    Ok(raw)
}

fn typed(field: &Field, text: &str) -> Result<Value, AttrError> {
    let invalid = |reason: String| AttrError::Invalid {
        name: field.name.clone(),
        reason,
    };
    Ok(match field.field_type {
        FieldType::Text => Value::Text(text.into()),
        FieldType::Boolean => match text.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Value::Boolean(true),
            "false" | "no" | "0" => Value::Boolean(false),
            _ => return Err(invalid(format!("{text:?} is not a boolean (true/false)"))),
        },
        FieldType::Integer => Value::Integer(
            text.parse()
                .map_err(|_| invalid(format!("{text:?} is not a whole number")))?,
        ),
        FieldType::Decimal => Value::Decimal(
            text.parse()
                .map_err(|_| invalid(format!("{text:?} is not a number")))?,
        ),
        FieldType::Date => Value::Date(text.into()),
        FieldType::Datetime => Value::Datetime(text.into()),
        FieldType::Reference => Value::Reference(text.into()),
        FieldType::Choice => match text.strip_prefix('#') {
            Some(id) => Value::Choice(ChoiceValue {
                id: id.into(),
                label: String::new(),
            }),
            None => Value::Choice(ChoiceValue {
                id: String::new(),
                label: text.into(),
            }),
        },
        FieldType::Composite => {
            return Err(invalid(
                "is a composite; set its sub-fields (e.g. contract.end_date)".into(),
            ));
        }
    })
}

fn field<'a>(fields: &'a [Field], name: &str) -> Result<&'a Field, AttrError> {
    fields
        .iter()
        .find(|f| f.name == name)
        .ok_or_else(|| AttrError::Unknown(name.into()))
}

/// Attributes for `create-user`.
pub fn attributes(raw: &Raw, fields: &[Field]) -> Result<Vec<Attribute>, AttrError> {
    raw.iter()
        .filter(|(_, values)| !values.is_empty())
        .map(|(name, values)| {
            let f = field(fields, name)?;
            Ok(Attribute {
                name: name.clone(),
                values: values
                    .iter()
                    .map(|v| typed(f, v))
                    .collect::<Result<_, _>>()?,
            })
        })
        .collect()
}

/// Changes for `update-user` (no values = clear).
pub fn changes(raw: &Raw, fields: &[Field]) -> Result<Vec<AttributeChange>, AttrError> {
    raw.iter()
        .map(|(name, values)| {
            let f = field(fields, name)?;
            let op = if values.is_empty() {
                ChangeOp::Clear
            } else {
                ChangeOp::Set(
                    values
                        .iter()
                        .map(|v| typed(f, v))
                        .collect::<Result<_, _>>()?,
                )
            };
            Ok(AttributeChange {
                name: name.clone(),
                op,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(name: &str, field_type: FieldType) -> Field {
        Field {
            name: name.into(),
            label: name.into(),
            field_type,
            required: false,
            writable: true,
            multi_valued: true,
            unique: false,
            custom: false,
            hierarchical: false,
            category: String::new(),
            remote_name: name.into(),
        }
    }

    #[test]
    fn pairs_are_typed_by_the_catalogue() {
        let fields = vec![
            f("first_name", FieldType::Text),
            f("department", FieldType::Choice),
            f("skills", FieldType::Choice),
            f("remote_days", FieldType::Decimal),
        ];
        let raw = from_pairs(&[
            "first_name=Jane".into(),
            "department=Ventes/France".into(),
            "skills=#7".into(),
            "skills=#8".into(),
            "remote_days=2".into(),
        ])
        .unwrap();
        let attrs = attributes(&raw, &fields).unwrap();
        assert_eq!(attrs[0].values, vec![Value::Text("Jane".into())]);
        assert_eq!(
            attrs[1].values,
            vec![Value::Choice(ChoiceValue {
                id: String::new(),
                label: "Ventes/France".into()
            })]
        );
        assert_eq!(attrs[2].values.len(), 2);
        assert_eq!(attrs[3].values, vec![Value::Decimal(2.0)]);
    }

    #[test]
    fn empty_value_clears_and_unknown_names_are_named() {
        let fields = vec![f("mobile", FieldType::Text)];
        let raw = from_pairs(&["mobile=".into()]).unwrap();
        assert_eq!(changes(&raw, &fields).unwrap()[0].op, ChangeOp::Clear);
        let raw = from_pairs(&["shoe=42".into()]).unwrap();
        assert_eq!(
            changes(&raw, &fields).unwrap_err().to_string(),
            "unknown attribute `shoe` (see `connector-host fields`)"
        );
        assert!(from_pairs(&["nonsense".into()]).is_err());
    }

    #[test]
    fn wrong_types_name_the_attribute() {
        let fields = vec![f("remote_days", FieldType::Decimal)];
        let raw = from_pairs(&["remote_days=many".into()]).unwrap();
        assert_eq!(
            attributes(&raw, &fields).unwrap_err().to_string(),
            "attribute `remote_days`: \"many\" is not a number"
        );
    }
}
