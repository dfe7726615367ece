//! Plain-Rust mirrors of the WIT contract types (`wit/types.wit`, `wit/connector.wit`).
//!
//! The domain logic speaks only these; `component.rs` converts them to and from the
//! generated bindings, so everything else builds and is tested natively.

use std::fmt;

/// One typed value of an attribute.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Text(String),
    Boolean(bool),
    Integer(i64),
    Decimal(f64),
    /// `YYYY-MM-DD`.
    Date(String),
    /// RFC 3339 in UTC.
    Datetime(String),
    /// The id of another user.
    Reference(String),
    Choice(ChoiceValue),
}

impl Value {
    /// The field type this value belongs to.
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
}

/// A value of a list field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChoiceValue {
    pub id: String,
    /// For hierarchical lists, the full label path joined with `/`.
    pub label: String,
}

/// A dotted field name and its values.
#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    pub name: String,
    pub values: Vec<Value>,
}

/// What to do with one attribute in `update-user`.
#[derive(Clone, Debug, PartialEq)]
pub enum ChangeOp {
    /// Replace the values with these (an empty list clears).
    Set(Vec<Value>),
    Clear,
}

/// One attribute change of `update-user`.
#[derive(Clone, Debug, PartialEq)]
pub struct AttributeChange {
    pub name: String,
    pub op: ChangeOp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

/// A field that can be mapped.
#[derive(Clone, Debug, PartialEq, Eq)]
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    pub id: String,
    pub label: String,
    pub path: String,
    pub parent: Option<String>,
    pub selectable: bool,
    pub has_children: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct User {
    pub id: String,
    pub display_name: String,
    pub active: bool,
    pub attributes: Vec<Attribute>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct UserPage {
    pub users: Vec<User>,
    pub next_page_token: Option<String>,
    pub total: Option<u64>,
}

/// An attribute (or configuration key) that was rejected, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidAttribute {
    pub name: String,
    pub reason: String,
}

/// Every failure the connector reports (the WIT `error` variant).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    InvalidConfig(InvalidAttribute),
    Unauthorized(String),
    Forbidden(String),
    NotFound(String),
    AlreadyExists(InvalidAttribute),
    InvalidInput(InvalidAttribute),
    RateLimited(u32),
    Unavailable(String),
    Protocol(String),
    EgressDenied(String),
    Unsupported(String),
    Other(String),
}

impl Error {
    pub fn invalid_config(name: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidConfig(InvalidAttribute {
            name: name.into(),
            reason: reason.into(),
        })
    }

    pub fn invalid_input(name: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidInput(InvalidAttribute {
            name: name.into(),
            reason: reason.into(),
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidConfig(a) => write!(f, "invalid config `{}`: {}", a.name, a.reason),
            Error::Unauthorized(m) => write!(f, "unauthorized: {m}"),
            Error::Forbidden(m) => write!(f, "forbidden: {m}"),
            Error::NotFound(m) => write!(f, "not found: {m}"),
            Error::AlreadyExists(a) => write!(f, "already exists `{}`: {}", a.name, a.reason),
            Error::InvalidInput(a) => write!(f, "invalid input `{}`: {}", a.name, a.reason),
            Error::RateLimited(s) => write!(f, "rate limited, retry after {s} s"),
            Error::Unavailable(m) => write!(f, "unavailable: {m}"),
            Error::Protocol(m) => write!(f, "protocol: {m}"),
            Error::EgressDenied(m) => write!(f, "egress denied: {m}"),
            Error::Unsupported(m) => write!(f, "unsupported: {m}"),
            Error::Other(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for Error {}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigType {
    Text,
    Url,
    Enum,
    Boolean,
    Integer,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigKey {
    pub name: String,
    pub description: String,
    pub key_type: ConfigType,
    pub required: bool,
    pub default_value: Option<String>,
    pub allowed_values: Vec<String>,
    pub secret: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PagingStyle {
    Cursor,
    Offset,
}

#[derive(Clone, Debug, PartialEq, Eq)]
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

/// Log levels of the `host` import.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogLevel {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}
