//! The only place wasmtime's generated bindings live. Everything generated from the WIT stays
//! in this module; the rest of the host sees [`crate::model`] types through the conversions
//! below.

use crate::error::ConnectorError;
use crate::model;
use crate::sandbox::{LogLevel, StoreState};

wasmtime::component::bindgen!({
    world: "connector-api",
    path: "../wit",
    imports: { default: trappable },
    exports: { default: async },
});

pub use exports::provisioning::connector::connector as api;
pub use provisioning::connector::types as wit;

impl provisioning::connector::host::Host for StoreState {
    fn log(
        &mut self,
        level: provisioning::connector::host::Level,
        message: String,
    ) -> wasmtime::Result<()> {
        use provisioning::connector::host::Level as L;
        let level = match level {
            L::Trace => LogLevel::Trace,
            L::Debug => LogLevel::Debug,
            L::Info => LogLevel::Info,
            L::Warn => LogLevel::Warn,
            L::Error => LogLevel::Error,
        };
        StoreState::log(self, level, &message);
        Ok(())
    }
}

impl provisioning::connector::types::Host for StoreState {}

/// Adds the `host` interface to a linker.
pub fn add_host_to_linker(
    linker: &mut wasmtime::component::Linker<StoreState>,
) -> wasmtime::Result<()> {
    provisioning::connector::host::add_to_linker::<
        StoreState,
        wasmtime::component::HasSelf<StoreState>,
    >(linker, |s| s)?;
    provisioning::connector::types::add_to_linker::<
        StoreState,
        wasmtime::component::HasSelf<StoreState>,
    >(linker, |s| s)
}

// ---- WIT → model ----

pub fn value_from(v: wit::Value) -> model::Value {
    match v {
        wit::Value::Text(s) => model::Value::Text(s),
        wit::Value::Boolean(b) => model::Value::Boolean(b),
        wit::Value::Integer(i) => model::Value::Integer(i),
        wit::Value::Decimal(d) => model::Value::Decimal(d),
        wit::Value::Date(s) => model::Value::Date(s),
        wit::Value::Datetime(s) => model::Value::Datetime(s),
        wit::Value::Reference(s) => model::Value::Reference(s),
        wit::Value::Choice(c) => model::Value::Choice(model::ChoiceValue {
            id: c.id,
            label: c.label,
        }),
    }
}

pub fn value_into(v: model::Value) -> wit::Value {
    match v {
        model::Value::Text(s) => wit::Value::Text(s),
        model::Value::Boolean(b) => wit::Value::Boolean(b),
        model::Value::Integer(i) => wit::Value::Integer(i),
        model::Value::Decimal(d) => wit::Value::Decimal(d),
        model::Value::Date(s) => wit::Value::Date(s),
        model::Value::Datetime(s) => wit::Value::Datetime(s),
        model::Value::Reference(s) => wit::Value::Reference(s),
        model::Value::Choice(c) => wit::Value::Choice(wit::ChoiceValue {
            id: c.id,
            label: c.label,
        }),
    }
}

pub fn attribute_into(a: model::Attribute) -> wit::Attribute {
    wit::Attribute {
        name: a.name,
        values: a.values.into_iter().map(value_into).collect(),
    }
}

pub fn change_into(c: model::AttributeChange) -> wit::AttributeChange {
    let op = match c.op {
        model::ChangeOp::Set(values) => {
            wit::ChangeOp::Set(values.into_iter().map(value_into).collect())
        }
        model::ChangeOp::Clear => wit::ChangeOp::Clear,
    };
    wit::AttributeChange { name: c.name, op }
}

pub fn user_from(u: wit::User) -> model::User {
    model::User {
        id: u.id,
        display_name: u.display_name,
        active: u.active,
        attributes: u
            .attributes
            .into_iter()
            .map(|a| model::Attribute {
                name: a.name,
                values: a.values.into_iter().map(value_from).collect(),
            })
            .collect(),
    }
}

pub fn page_from(p: wit::UserPage) -> model::UserPage {
    model::UserPage {
        users: p.users.into_iter().map(user_from).collect(),
        next_page_token: p.next_page_token,
        total: p.total,
    }
}

pub fn field_from(f: wit::Field) -> model::Field {
    use wit::FieldType as T;
    let field_type = match f.field_type {
        T::Text => model::FieldType::Text,
        T::Boolean => model::FieldType::Boolean,
        T::Integer => model::FieldType::Integer,
        T::Decimal => model::FieldType::Decimal,
        T::Date => model::FieldType::Date,
        T::Datetime => model::FieldType::Datetime,
        T::Reference => model::FieldType::Reference,
        T::Choice => model::FieldType::Choice,
        T::Composite => model::FieldType::Composite,
    };
    model::Field {
        name: f.name,
        label: f.label,
        field_type,
        required: f.required,
        writable: f.writable,
        multi_valued: f.multi_valued,
        unique: f.unique,
        custom: f.custom,
        hierarchical: f.hierarchical,
        category: f.category,
        remote_name: f.remote_name,
    }
}

pub fn choice_from(c: wit::Choice) -> model::Choice {
    model::Choice {
        id: c.id,
        label: c.label,
        path: c.path,
        parent: c.parent,
        selectable: c.selectable,
        has_children: c.has_children,
    }
}

pub fn error_from(e: wit::Error) -> ConnectorError {
    match e {
        wit::Error::InvalidConfig(a) => ConnectorError::InvalidConfig {
            name: a.name,
            reason: a.reason,
        },
        wit::Error::Unauthorized(s) => ConnectorError::Unauthorized(s),
        wit::Error::Forbidden(s) => ConnectorError::Forbidden(s),
        wit::Error::NotFound(s) => ConnectorError::NotFound(s),
        wit::Error::AlreadyExists(a) => ConnectorError::AlreadyExists {
            name: a.name,
            reason: a.reason,
        },
        wit::Error::InvalidInput(a) => ConnectorError::InvalidInput {
            name: a.name,
            reason: a.reason,
        },
        wit::Error::RateLimited(s) => ConnectorError::RateLimited {
            retry_after_secs: s,
        },
        wit::Error::Unavailable(s) => ConnectorError::Unavailable(s),
        wit::Error::Protocol(s) => ConnectorError::Protocol(s),
        wit::Error::EgressDenied(s) => ConnectorError::EgressDenied(s),
        wit::Error::Unsupported(s) => ConnectorError::Unsupported(s),
        wit::Error::Other(s) => ConnectorError::Other(s),
    }
}

pub fn description_from(d: api::Description) -> model::Description {
    use api::{ConfigType as C, Operation as O, PagingStyle as P};
    model::Description {
        name: d.name,
        version: d.version,
        contract_version: d.contract_version,
        config: d
            .config
            .into_iter()
            .map(|k| model::ConfigKey {
                name: k.name,
                description: k.description,
                key_type: match k.key_type {
                    C::Text => model::ConfigType::Text,
                    C::Url => model::ConfigType::Url,
                    C::Enum => model::ConfigType::Enum,
                    C::Boolean => model::ConfigType::Boolean,
                    C::Integer => model::ConfigType::Integer,
                },
                required: k.required,
                default_value: k.default_value,
                allowed_values: k.allowed_values,
                secret: k.secret,
            })
            .collect(),
        operations: d
            .operations
            .into_iter()
            .map(|o| match o {
                O::TestConnection => model::Operation::TestConnection,
                O::GetFields => model::Operation::GetFields,
                O::ListChoices => model::Operation::ListChoices,
                O::ListUsers => model::Operation::ListUsers,
                O::GetUser => model::Operation::GetUser,
                O::CreateUser => model::Operation::CreateUser,
                O::UpdateUser => model::Operation::UpdateUser,
                O::SuspendUser => model::Operation::SuspendUser,
                O::ResumeUser => model::Operation::ResumeUser,
            })
            .collect(),
        paging: match d.paging {
            P::Cursor => model::PagingStyle::Cursor,
            P::Offset => model::PagingStyle::Offset,
        },
        max_page_size: d.max_page_size,
        default_page_size: d.default_page_size,
    }
}
