//! The contract's vocabulary as the domain uses it: the WIT-generated types (`bindings`),
//! re-exported under short names, and the few helpers the domain adds to them. There is no
//! hand-written mirror: a change to `wit/types.wit` or `wit/connector.wit` is a change here.

pub use crate::bindings::exports::provisioning::connector::connector::{
    ConfigKey, ConfigType, Description, Operation, PagingStyle,
};
pub use crate::bindings::provisioning::connector::host::Level as LogLevel;
pub use crate::bindings::provisioning::connector::types::{
    Attribute, AttributeChange, ChangeOp, Choice, ChoiceValue, Error, Field, FieldType,
    InvalidAttribute, User, UserPage, Value,
};

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

impl FieldType {
    /// The WIT name of the type (`text`, `date`, …), for messages.
    pub fn wit_name(self) -> &'static str {
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

impl Error {
    /// The error in words, for log lines (the generated `Display` is the debug form).
    pub fn message(&self) -> String {
        match self {
            Error::InvalidConfig(a) => format!("invalid config `{}`: {}", a.name, a.reason),
            Error::Unauthorized(m) => format!("unauthorized: {m}"),
            Error::Forbidden(m) => format!("forbidden: {m}"),
            Error::NotFound(m) => format!("not found: {m}"),
            Error::AlreadyExists(a) => format!("already exists `{}`: {}", a.name, a.reason),
            Error::InvalidInput(a) => format!("invalid input `{}`: {}", a.name, a.reason),
            Error::RateLimited(s) => format!("rate limited, retry after {s} s"),
            Error::Unavailable(m) => format!("unavailable: {m}"),
            Error::Protocol(m) => format!("protocol: {m}"),
            Error::EgressDenied(m) => format!("egress denied: {m}"),
            Error::Unsupported(m) => format!("unsupported: {m}"),
            Error::Other(m) => m.clone(),
        }
    }

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
