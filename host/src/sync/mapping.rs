//! The mapping (TOML): which connector fields feed which platform attributes, simple
//! transforms, who owns each attribute, and the deprovisioning policy's settings. Parsing checks
//! the file's shape; [`Mapping::check`] checks it against the connector's field catalogue (an
//! unknown field, or a transform on the wrong type, is an error naming the attribute).
//! [`Mapping::apply`] turns one source user into platform attribute values.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::transform::{parse_transform, transform, transform_name, typed_default};
use crate::model::{ChoiceValue, Field, FieldType, User, Value};

pub use super::transform::{Transform, check_date};

/// The mapping shipped with connector-host (PeopleSpheres).
pub const DEFAULT_MAPPING: &str = include_str!("default_mapping.toml");

/// A problem with the mapping, naming the file and the attribute.
#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    #[error("mapping {origin}: {reason}")]
    Parse { origin: String, reason: String },
    #[error("mapping {origin}: attribute `{attribute}`: {reason}")]
    Attribute {
        origin: String,
        attribute: String,
        reason: String,
    },
}

/// Who is authoritative for an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Owner {
    /// HR: imported, never written back.
    #[default]
    Hr,
    /// The platform: changes made on the platform are written back to the source.
    Platform,
    /// Both: imported and written back; the rule settles a conflict.
    Both,
}

/// Who wins when both sides changed an attribute owned by both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    HrWins,
    PlatformWins,
}

/// What happens to the accounts of someone who vanished from the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnGone {
    /// The person is a leaver: their accounts in the other systems are deprovisioned.
    #[default]
    Deprovision,
    /// The person is a leaver, and a `review` event asks someone to look at their accounts.
    Review,
    /// Only the `gone` event is recorded: the identity stays as it was (not a leaver).
    Ignore,
}

/// The deprovisioning policy's settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    pub time_zone: String,
    pub grace_days: u32,
    pub end_date: String,
    pub max_suspend_share: f64,
    pub suspend_on_first_sight: bool,
    /// People absent from a complete listing (deleted or hidden at the source).
    pub on_gone: OnGone,
    /// A listing missing more than this share of the known active people is taken as partial:
    /// nobody is marked gone (unless `--force`).
    pub max_gone_share: f64,
    /// A run that cannot map more than this share of the records it read changes nothing
    /// upstream and fails.
    pub max_skipped_share: f64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            time_zone: "UTC".into(),
            grace_days: 0,
            end_date: "contract_end".into(),
            max_suspend_share: 0.10,
            suspend_on_first_sight: false,
            on_gone: OnGone::Deprovision,
            max_gone_share: 0.10,
            max_skipped_share: 0.10,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    system: Option<String>,
    match_on: Option<String>,
    movers: Option<Vec<String>>,
    #[serde(default)]
    policy: Policy,
    #[serde(default)]
    attribute: Vec<AttrFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AttrFile {
    name: String,
    field: String,
    #[serde(default)]
    transforms: Vec<String>,
    default: Option<String>,
    #[serde(default)]
    owner: Owner,
    rule: Option<Rule>,
}

/// One mapped attribute.
#[derive(Debug, Clone)]
pub struct AttrRule {
    pub name: String,
    pub field: String,
    pub transforms: Vec<Transform>,
    pub default: Option<String>,
    pub owner: Owner,
    pub rule: Option<Rule>,
    /// The field's type (known after [`Mapping::check`]).
    pub field_type: Option<FieldType>,
}

/// A parsed mapping.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub origin: String,
    pub system: String,
    pub match_on: Option<String>,
    pub movers: Vec<String>,
    pub policy: Policy,
    pub attributes: Vec<AttrRule>,
}

/// A source record that cannot be mapped (it is reported and skipped).
#[derive(Debug, Clone, thiserror::Error)]
#[error("user {user}: attribute `{attribute}` (field `{field}`): {reason}")]
pub struct RecordError {
    pub user: String,
    pub attribute: String,
    pub field: String,
    pub reason: String,
}

/// Platform attribute values of one user.
pub type Mapped = BTreeMap<String, Vec<Value>>;

/// A mapping file's name (for errors) and text.
pub(super) fn read_file(path: &std::path::Path) -> Result<(String, String), MappingError> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| MappingError::Parse {
        origin: origin.clone(),
        reason: format!("cannot read it: {e}"),
    })?;
    Ok((origin, text))
}

/// Mapping text as `T`, a TOML error on one line naming `origin`.
pub(super) fn parse_toml<T: serde::de::DeserializeOwned>(
    origin: &str,
    text: &str,
) -> Result<T, MappingError> {
    toml::from_str(text).map_err(|e| MappingError::Parse {
        origin: origin.into(),
        reason: e
            .to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    })
}

impl Mapping {
    /// The embedded default (PeopleSpheres) mapping.
    pub fn default_peoplespheres() -> Result<Mapping, MappingError> {
        Self::parse("(built-in default)", DEFAULT_MAPPING)
    }

    /// Reads a mapping file.
    pub fn load(path: &std::path::Path) -> Result<Mapping, MappingError> {
        let (origin, text) = read_file(path)?;
        Self::parse(&origin, &text)
    }

    /// Parses mapping text; `origin` names it in errors.
    pub fn parse(origin: &str, text: &str) -> Result<Mapping, MappingError> {
        let perr = |reason: String| MappingError::Parse {
            origin: origin.into(),
            reason,
        };
        let file: File = parse_toml(origin, text)?;
        let aerr = |attribute: &str, reason: String| MappingError::Attribute {
            origin: origin.into(),
            attribute: attribute.into(),
            reason,
        };
        let mut attributes: Vec<AttrRule> = Vec::new();
        for a in file.attribute {
            if attributes.iter().any(|r| r.name == a.name) {
                return Err(aerr(&a.name, "is mapped twice".into()));
            }
            let transforms = a
                .transforms
                .iter()
                .map(|t| parse_transform(t).map_err(|r| aerr(&a.name, r)))
                .collect::<Result<Vec<_>, _>>()?;
            match (a.owner, a.rule) {
                (Owner::Both, None) => {
                    return Err(aerr(
                        &a.name,
                        "owner = \"both\" needs a rule (\"hr-wins\" or \"platform-wins\")".into(),
                    ));
                }
                (Owner::Hr | Owner::Platform, Some(_)) => {
                    return Err(aerr(
                        &a.name,
                        "a rule only applies to owner = \"both\"".into(),
                    ));
                }
                _ => {}
            }
            attributes.push(AttrRule {
                name: a.name,
                field: a.field,
                transforms,
                default: a.default,
                owner: a.owner,
                rule: a.rule,
                field_type: None,
            });
        }
        if attributes.is_empty() {
            return Err(perr("maps no attribute (add [[attribute]] tables)".into()));
        }
        let policy = file.policy;
        for (key, share) in [
            ("max_suspend_share", policy.max_suspend_share),
            ("max_gone_share", policy.max_gone_share),
            ("max_skipped_share", policy.max_skipped_share),
        ] {
            if !(0.0..=1.0).contains(&share) {
                return Err(perr(format!(
                    "policy.{key} = {share} is not a share between 0 and 1"
                )));
            }
        }
        jiff::tz::TimeZone::get(&policy.time_zone)
            .map_err(|e| perr(format!("policy.time_zone = {:?}: {e}", policy.time_zone)))?;
        let mapping = Mapping {
            origin: origin.into(),
            system: file.system.unwrap_or_else(|| "peoplespheres".into()),
            match_on: file.match_on,
            movers: file.movers.unwrap_or_else(|| {
                [
                    "position",
                    "manager",
                    "hr_manager",
                    "mentor",
                    "department",
                    "business_unit",
                ]
                .into_iter()
                .filter(|m| attributes.iter().any(|a| a.name == *m))
                .map(String::from)
                .collect()
            }),
            policy,
            attributes,
        };
        for name in mapping
            .movers
            .iter()
            .chain(mapping.match_on.iter())
            .chain(std::iter::once(&mapping.policy.end_date))
        {
            if mapping.rule(name).is_none() {
                return Err(perr(format!(
                    "`{name}` (in movers, match_on or policy.end_date) is not a mapped attribute"
                )));
            }
        }
        Ok(mapping)
    }

    /// The rule of a platform attribute.
    pub fn rule(&self, name: &str) -> Option<&AttrRule> {
        self.attributes.iter().find(|r| r.name == name)
    }

    /// Checks the mapping against the connector's fields and records each field's type.
    pub fn check(&mut self, fields: &[Field]) -> Result<(), MappingError> {
        let origin = self.origin.clone();
        for rule in &mut self.attributes {
            let aerr = |reason: String| MappingError::Attribute {
                origin: origin.clone(),
                attribute: rule.name.clone(),
                reason,
            };
            let field = fields
                .iter()
                .find(|f| f.name == rule.field)
                .ok_or_else(|| {
                    aerr(format!(
                        "the connector declares no field `{}` (see `connector-host fields`)",
                        rule.field
                    ))
                })?;
            if field.field_type == FieldType::Composite {
                return Err(aerr(format!(
                    "`{}` is a composite; map one of its sub-fields (e.g. `{}.…`)",
                    field.name, field.name
                )));
            }
            if rule.owner != Owner::Hr && !field.writable {
                return Err(aerr(format!(
                    "owner is {} but the connector cannot write field `{}`",
                    if rule.owner == Owner::Both {
                        "both"
                    } else {
                        "platform"
                    },
                    field.name
                )));
            }
            let mut ty = field.field_type;
            for t in &rule.transforms {
                ty = match (t, ty) {
                    (
                        Transform::Trim | Transform::Lowercase | Transform::Uppercase,
                        FieldType::Text,
                    ) => FieldType::Text,
                    (Transform::Label, FieldType::Choice) => FieldType::Text,
                    (Transform::Date(_), FieldType::Text | FieldType::Date) => FieldType::Date,
                    (t, ty) => {
                        return Err(aerr(format!(
                            "transform `{}` does not apply to a {} value (field `{}`)",
                            transform_name(t),
                            ty.as_str(),
                            field.name
                        )));
                    }
                };
            }
            if let Some(d) = &rule.default {
                typed_default(ty, d).map_err(aerr)?;
            }
            if rule.name == self.policy.end_date && ty != FieldType::Date {
                return Err(aerr(format!(
                    "policy.end_date needs a date attribute, this one is {}",
                    ty.as_str()
                )));
            }
            rule.field_type = Some(field.field_type);
        }
        Ok(())
    }

    /// Maps one source user. Dates are checked; a value that does not parse makes the whole
    /// record an error.
    pub fn apply(&self, user: &User) -> Result<Mapped, RecordError> {
        let mut out = Mapped::new();
        for rule in &self.attributes {
            let err = |reason: String| RecordError {
                user: user.id.clone(),
                attribute: rule.name.clone(),
                field: rule.field.clone(),
                reason,
            };
            let mut values: Vec<Value> = Vec::with_capacity(1);
            for v in user.values(&rule.field) {
                let mut v = v.clone();
                for t in &rule.transforms {
                    v = transform(t, v).map_err(err)?;
                }
                match &v {
                    Value::Text(s) if s.is_empty() => continue,
                    Value::Date(d) => check_date(d).map_err(err)?,
                    _ => {}
                }
                values.push(v);
            }
            if values.is_empty()
                && let Some(d) = &rule.default
            {
                let ty = rule.transforms.iter().fold(
                    rule.field_type.unwrap_or(FieldType::Text),
                    |ty, t| match t {
                        Transform::Label => FieldType::Text,
                        Transform::Date(_) => FieldType::Date,
                        _ => ty,
                    },
                );
                values.push(typed_default(ty, d).map_err(err)?);
            }
            if !values.is_empty() {
                out.insert(rule.name.clone(), values);
            }
        }
        Ok(out)
    }

    /// A value given on the platform, normalised as an import would normalise it (trim,
    /// lowercase, label…), so a written-back value reads back equal.
    pub fn platform_value(&self, name: &str, values: Vec<Value>) -> Result<Vec<Value>, String> {
        let Some(rule) = self.rule(name) else {
            return Ok(values);
        };
        let mut out = Vec::with_capacity(values.len());
        for mut v in values {
            for t in &rule.transforms {
                v = match (t, v) {
                    (Transform::Date(_), Value::Date(d)) if check_date(&d).is_ok() => {
                        Value::Date(d)
                    }
                    (Transform::Label, Value::Text(s)) => Value::Text(s),
                    (t, v) => transform(t, v)?,
                };
            }
            if let Value::Date(d) = &v {
                check_date(d)?;
            }
            out.push(v);
        }
        Ok(out)
    }

    /// The connector field and values to write for a platform value of attribute `name`.
    pub fn to_remote(&self, name: &str, values: &[Value]) -> Option<(String, Vec<Value>)> {
        let rule = self.rule(name)?;
        let out = values
            .iter()
            .map(|v| match (rule.field_type, v) {
                (Some(FieldType::Choice), Value::Text(label)) => Value::Choice(ChoiceValue {
                    id: String::new(),
                    label: label.clone(),
                }),
                (Some(FieldType::Text), Value::Date(d)) => {
                    match rule.transforms.iter().find_map(|t| {
                        if let Transform::Date(f) = t {
                            Some(f)
                        } else {
                            None
                        }
                    }) {
                        Some(fmt) => d
                            .parse::<jiff::civil::Date>()
                            .ok()
                            .and_then(|date| date.strftime(fmt.as_str()).to_string().into())
                            .map(Value::Text)
                            .unwrap_or_else(|| v.clone()),
                        None => Value::Text(d.clone()),
                    }
                }
                _ => v.clone(),
            })
            .collect();
        Some((rule.field.clone(), out))
    }
}
