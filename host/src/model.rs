//! The host's own vocabulary for what connectors exchange: values, fields, users, pages and
//! errors. These mirror the WIT contract (`wit/types.wit`) but are plain Rust with serde, so the
//! conformance harness, the sync engine and the CLI never touch wasmtime's generated types.

use serde::{Deserialize, Serialize};

/// One typed value (see `wit/types.wit`, `value`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "kebab-case")]
pub enum Value {
    Text(String),
    Boolean(bool),
    Integer(i64),
    Decimal(f64),
    Date(String),
    Datetime(String),
    Reference(String),
    Choice(ChoiceValue),
}

impl Value {
    /// The field type a value of this kind belongs to.
    pub fn field_type(&self) -> FieldType {
        match self {
            Value::Text(_) => FieldType::Text,
            Value::Boolean(_) => FieldType::Boolean,
            Value::Integer(_) => FieldType::Integer,
            Value::Decimal(_) => FieldType::Decimal,
            Value::Date(_) => FieldType::Date,
            Value::Datetime(_) => FieldType::Datetime,
            Value::Reference(_) => FieldType::Reference,
            Value::Choice(_) => FieldType::Choice,
        }
    }

    /// A short human rendering (labels for choices, ids for references).
    pub fn display(&self) -> String {
        match self {
            Value::Text(s) | Value::Date(s) | Value::Datetime(s) => s.clone(),
            Value::Reference(id) => format!("#{id}"),
            Value::Boolean(b) => b.to_string(),
            Value::Integer(i) => i.to_string(),
            Value::Decimal(d) => d.to_string(),
            Value::Choice(c) if c.label.is_empty() => c.id.clone(),
            Value::Choice(c) => c.label.clone(),
        }
    }
}

/// A value of a list field: its id and label path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceValue {
    pub id: String,
    pub label: String,
}

/// A named attribute and its values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attribute {
    pub name: String,
    pub values: Vec<Value>,
}

/// The type of a field's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FieldType {
    Text,
    Boolean,
    Integer,
    Decimal,
    Date,
    Datetime,
    Reference,
    Choice,
    Composite,
}

impl FieldType {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Boolean => "boolean",
            FieldType::Integer => "integer",
            FieldType::Decimal => "decimal",
            FieldType::Date => "date",
            FieldType::Datetime => "datetime",
            FieldType::Reference => "reference",
            FieldType::Choice => "choice",
            FieldType::Composite => "composite",
        }
    }
}

/// A mappable field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    pub label: String,
    pub field_type: FieldType,
    pub required: bool,
    pub writable: bool,
    pub multi_valued: bool,
    pub unique: bool,
    pub custom: bool,
    pub hierarchical: bool,
    pub category: String,
    pub remote_name: String,
}

/// One allowed value of a list field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub id: String,
    pub label: String,
    pub path: String,
    pub parent: Option<String>,
    pub selectable: bool,
    pub has_children: bool,
}

/// A user as a connector returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub display_name: String,
    pub active: bool,
    pub attributes: Vec<Attribute>,
}

impl User {
    /// The values of one attribute (empty when absent).
    pub fn values(&self, name: &str) -> &[Value] {
        self.attributes
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.values.as_slice())
            .unwrap_or(&[])
    }
}

/// One page of users.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserPage {
    pub users: Vec<User>,
    pub next_page_token: Option<String>,
    pub total: Option<u64>,
}

/// An update of one attribute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", content = "values", rename_all = "kebab-case")]
pub enum ChangeOp {
    Set(Vec<Value>),
    Clear,
}

/// One attribute change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributeChange {
    pub name: String,
    pub op: ChangeOp,
}

/// The type of a configuration key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConfigType {
    Text,
    Url,
    Enum,
    Boolean,
    Integer,
}

impl std::fmt::Display for ConfigType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ConfigType::Text => "text",
            ConfigType::Url => "url",
            ConfigType::Enum => "enum",
            ConfigType::Boolean => "boolean",
            ConfigType::Integer => "integer",
        })
    }
}

/// A configuration key a connector understands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigKey {
    pub name: String,
    pub description: String,
    pub key_type: ConfigType,
    pub required: bool,
    pub default_value: Option<String>,
    pub allowed_values: Vec<String>,
    pub secret: bool,
}

/// An operation of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Operation {
    TestConnection,
    GetFields,
    ListChoices,
    ListUsers,
    GetUser,
    CreateUser,
    UpdateUser,
    SuspendUser,
    ResumeUser,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::TestConnection => "test-connection",
            Operation::GetFields => "get-fields",
            Operation::ListChoices => "list-choices",
            Operation::ListUsers => "list-users",
            Operation::GetUser => "get-user",
            Operation::CreateUser => "create-user",
            Operation::UpdateUser => "update-user",
            Operation::SuspendUser => "suspend-user",
            Operation::ResumeUser => "resume-user",
        }
    }
}

/// Paging style of `list-users`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PagingStyle {
    Cursor,
    Offset,
}

impl std::fmt::Display for PagingStyle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PagingStyle::Cursor => "cursor",
            PagingStyle::Offset => "offset",
        })
    }
}

/// What a connector is and needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Description {
    pub name: String,
    pub version: String,
    pub contract_version: String,
    pub config: Vec<ConfigKey>,
    pub operations: Vec<Operation>,
    pub paging: PagingStyle,
    pub max_page_size: u32,
    pub default_page_size: u32,
}

impl Description {
    /// The keys flagged secret.
    pub fn secret_keys(&self) -> impl Iterator<Item = &str> {
        self.config
            .iter()
            .filter(|k| k.secret)
            .map(|k| k.name.as_str())
    }
}

/// A connector configuration: ordered key/value pairs.
pub type Config = Vec<(String, String)>;
