//! A target mapping (TOML): which field of an application target each platform attribute
//! feeds, the field that finds an account again (`match_on`), and the target's safety brake.
//! [`TargetMapping::check`] checks it against the target connector's fields and the HR
//! mapping's attributes; [`TargetMapping::desired`] computes what one person's account should
//! hold.

use serde::Deserialize;

use super::super::mapping::{Mapping, MappingError, parse_toml, read_file};
use super::super::transform::{Transform, parse_transform, transform};
use crate::model::{ChoiceValue, Field, FieldType, Value};
use crate::store::attributes::Attributes;

/// The built-in target mapping of the SCIM connector.
pub const SCIM_MAPPING: &str = include_str!("scim_mapping.toml");

/// The pseudo-attribute holding a person's id at the HR source.
pub const SOURCE_ID: &str = "source_id";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    match_on: String,
    #[serde(default)]
    policy: PolicyFile,
    #[serde(default)]
    attribute: Vec<AttrFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    #[serde(default = "default_share")]
    max_suspend_share: f64,
}

impl Default for PolicyFile {
    fn default() -> Self {
        PolicyFile {
            max_suspend_share: default_share(),
        }
    }
}

fn default_share() -> f64 {
    0.10
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AttrFile {
    field: String,
    from: String,
    #[serde(default)]
    transforms: Vec<String>,
}

/// Where a target field's value comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum From {
    /// A platform attribute of the HR mapping.
    Attribute(String),
    /// The person's id at the HR source.
    SourceId,
    /// Text made of platform attributes: literal parts and attribute names.
    Template(Vec<Part>),
}

/// A piece of a template.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Literal(String),
    Attribute(String),
}

/// One mapped target field.
#[derive(Debug, Clone)]
pub struct TargetRule {
    pub field: String,
    pub from: From,
    pub transforms: Vec<Transform>,
    /// The field's type in the target (known after [`TargetMapping::check`]).
    pub field_type: FieldType,
}

/// A parsed target mapping.
#[derive(Debug, Clone)]
pub struct TargetMapping {
    pub origin: String,
    /// The built-in mapping: a field the target does not offer (a server without the
    /// enterprise extension, say) is left out with a warning instead of refused.
    pub builtin: bool,
    pub match_on: String,
    pub max_suspend_share: f64,
    pub rules: Vec<TargetRule>,
}

/// A person's attribute that could not become a target value (the action is held).
#[derive(Debug, Clone, PartialEq)]
pub struct Unmappable {
    pub field: String,
    pub reason: String,
}

fn parse_template(text: &str) -> Result<Vec<Part>, String> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            parts.push(Part::Literal(rest[..open].to_string()));
        }
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| format!("template {text:?} has a `{{` without its `}}`"))?;
        let name = after[..close].trim();
        if name.is_empty() {
            return Err(format!("template {text:?} has an empty `{{}}`"));
        }
        parts.push(Part::Attribute(name.to_string()));
        rest = &after[close + 1..];
    }
    if !rest.is_empty() {
        parts.push(Part::Literal(rest.to_string()));
    }
    Ok(parts)
}

impl TargetMapping {
    /// The built-in mapping of the SCIM connector.
    pub fn builtin_scim() -> Result<TargetMapping, MappingError> {
        let mut m = Self::parse("(built-in SCIM target mapping)", SCIM_MAPPING)?;
        m.builtin = true;
        Ok(m)
    }

    /// Reads a target mapping file.
    pub fn load(path: &std::path::Path) -> Result<TargetMapping, MappingError> {
        let (origin, text) = read_file(path)?;
        Self::parse(&origin, &text)
    }

    /// Parses target mapping text; `origin` names it in errors.
    pub fn parse(origin: &str, text: &str) -> Result<TargetMapping, MappingError> {
        let perr = |reason: String| MappingError::Parse {
            origin: origin.into(),
            reason,
        };
        let file: File = parse_toml(origin, text)?;
        let aerr = |field: &str, reason: String| MappingError::Attribute {
            origin: origin.into(),
            attribute: field.into(),
            reason,
        };
        if !(0.0..=1.0).contains(&file.policy.max_suspend_share) {
            return Err(perr(format!(
                "policy.max_suspend_share {} is not a share between 0 and 1",
                file.policy.max_suspend_share
            )));
        }
        let mut rules: Vec<TargetRule> = Vec::new();
        for a in file.attribute {
            if rules.iter().any(|r| r.field == a.field) {
                return Err(aerr(&a.field, "is mapped twice".into()));
            }
            let from = if a.from.contains('{') {
                From::Template(parse_template(&a.from).map_err(|e| aerr(&a.field, e))?)
            } else if a.from == SOURCE_ID {
                From::SourceId
            } else {
                From::Attribute(a.from.clone())
            };
            let transforms = a
                .transforms
                .iter()
                .map(|t| match parse_transform(t) {
                    Ok(t @ (Transform::Trim | Transform::Lowercase | Transform::Uppercase)) => {
                        Ok(t)
                    }
                    Ok(_) => Err(format!(
                        "transform `{t}` does not apply here (trim, lowercase, uppercase)"
                    )),
                    Err(e) => Err(e),
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| aerr(&a.field, e))?;
            rules.push(TargetRule {
                field: a.field,
                from,
                transforms,
                field_type: FieldType::Text,
            });
        }
        if !rules.iter().any(|r| r.field == file.match_on) {
            return Err(perr(format!(
                "match_on `{}` is not one of the mapped fields",
                file.match_on
            )));
        }
        Ok(TargetMapping {
            origin: origin.into(),
            builtin: false,
            match_on: file.match_on,
            max_suspend_share: file.policy.max_suspend_share,
            rules,
        })
    }

    /// Checks the mapping against the target's fields and the HR mapping's attributes, and
    /// records each field's type: an unknown or read-only field, or an attribute the HR
    /// mapping does not have, is an error naming it.
    pub fn check(&mut self, fields: &[Field], hr: &Mapping) -> Result<(), MappingError> {
        let origin = self.origin.clone();
        if self.builtin {
            let offered = |name: &str| {
                fields
                    .iter()
                    .any(|f| f.name == name && f.writable && f.field_type != FieldType::Composite)
            };
            let match_on = self.match_on.clone();
            self.rules.retain(|r| {
                let keep = r.field == match_on || offered(&r.field);
                if !keep {
                    tracing::warn!(
                        "{origin}: the target offers no writable field `{}`; it is left out",
                        r.field
                    );
                }
                keep
            });
        }
        for rule in &mut self.rules {
            let aerr = |reason: String| MappingError::Attribute {
                origin: origin.clone(),
                attribute: rule.field.clone(),
                reason,
            };
            let Some(field) = fields.iter().find(|f| f.name == rule.field) else {
                return Err(aerr("the target connector has no such field".into()));
            };
            if !field.writable {
                return Err(aerr("the target connector cannot write this field".into()));
            }
            if field.field_type == FieldType::Composite {
                return Err(aerr(
                    "is a composite: map its sub-fields (`field.sub`)".into(),
                ));
            }
            let named: Vec<&str> = match &rule.from {
                From::Attribute(a) => vec![a.as_str()],
                From::SourceId => Vec::new(),
                From::Template(parts) => parts
                    .iter()
                    .filter_map(|p| match p {
                        Part::Attribute(a) => Some(a.as_str()),
                        Part::Literal(_) => None,
                    })
                    .collect(),
            };
            for a in named {
                if a != SOURCE_ID && hr.rule(a).is_none() {
                    return Err(aerr(format!(
                        "`from` names `{a}`, which the HR mapping ({}) does not map",
                        hr.origin
                    )));
                }
            }
            rule.field_type = field.field_type;
        }
        Ok(())
    }

    /// The rule of a target field.
    pub fn rule(&self, field: &str) -> Option<&TargetRule> {
        self.rules.iter().find(|r| r.field == field)
    }

    /// What `source_id`'s person should have in each mapped field: the values (references
    /// still HR ids, translated by the planner), or why a value cannot be given.
    pub fn desired(
        &self,
        source_id: &str,
        attrs: &Attributes,
    ) -> Vec<(String, Result<Vec<Value>, String>)> {
        let values_of = |name: &str| -> Vec<Value> {
            if name == SOURCE_ID {
                return vec![Value::Text(source_id.to_string())];
            }
            attrs.get(name).map(|a| a.value.clone()).unwrap_or_default()
        };
        self.rules
            .iter()
            .map(|rule| {
                let raw: Vec<Value> = match &rule.from {
                    From::Attribute(a) => values_of(a),
                    From::SourceId => values_of(SOURCE_ID),
                    From::Template(parts) => {
                        let text: String = parts
                            .iter()
                            .map(|p| match p {
                                Part::Literal(l) => l.clone(),
                                Part::Attribute(a) => super::super::detect::show(&values_of(a)),
                            })
                            .collect::<String>();
                        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                        if text.is_empty() {
                            Vec::new()
                        } else {
                            vec![Value::Text(text)]
                        }
                    }
                };
                let converted = raw
                    .into_iter()
                    .map(|v| {
                        let v = rule
                            .transforms
                            .iter()
                            .try_fold(as_text_if(rule.field_type, v), |v, t| transform(t, v))?;
                        convert(rule.field_type, v)
                    })
                    .collect::<Result<Vec<_>, _>>();
                (rule.field.clone(), converted)
            })
            .collect()
    }
}

/// Text transforms work on the text a value becomes in a text field.
fn as_text_if(ty: FieldType, v: Value) -> Value {
    match (ty, v) {
        (FieldType::Text, Value::Choice(c)) => Value::Text(choice_text(c)),
        (_, v) => v,
    }
}

fn choice_text(c: ChoiceValue) -> String {
    if c.label.is_empty() { c.id } else { c.label }
}

/// A platform value as the target field's type takes it.
fn convert(ty: FieldType, v: Value) -> Result<Value, String> {
    Ok(match (ty, v) {
        (FieldType::Text, Value::Text(s)) => Value::Text(s),
        (FieldType::Text, Value::Choice(c)) => Value::Text(choice_text(c)),
        (FieldType::Text, Value::Integer(i)) => Value::Text(i.to_string()),
        (FieldType::Text, Value::Decimal(d)) => Value::Text(d.to_string()),
        (FieldType::Text, Value::Boolean(b)) => Value::Text(b.to_string()),
        (FieldType::Text, Value::Date(d) | Value::Datetime(d)) => Value::Text(d),
        (FieldType::Date, Value::Date(d)) => Value::Date(d),
        (FieldType::Date, Value::Text(s)) => {
            super::super::transform::check_date(s.trim())?;
            Value::Date(s.trim().to_string())
        }
        (FieldType::Datetime, Value::Datetime(d)) => Value::Datetime(d),
        (FieldType::Datetime, Value::Date(d)) => Value::Datetime(format!("{d}T00:00:00Z")),
        (FieldType::Boolean, Value::Boolean(b)) => Value::Boolean(b),
        (FieldType::Integer, Value::Integer(i)) => Value::Integer(i),
        (FieldType::Decimal, Value::Decimal(d)) => Value::Decimal(d),
        (FieldType::Decimal, Value::Integer(i)) => Value::Decimal(i as f64),
        (FieldType::Reference, Value::Reference(r)) => Value::Reference(r),
        (FieldType::Choice, Value::Choice(c)) => Value::Choice(c),
        (FieldType::Choice, Value::Text(label)) => Value::Choice(ChoiceValue {
            id: String::new(),
            label,
        }),
        (ty, v) => {
            return Err(format!(
                "a {} value cannot fill a {} field",
                v.field_type().as_str(),
                ty.as_str()
            ));
        }
    })
}
