//! The component boundary: generated bindings and thin adapters (WIT in → domain call → WIT out).

use std::cell::RefCell;

use crate::model;
use crate::session::Session as DomainSession;
use crate::waki_transport::WakiTransport;

wit_bindgen::generate!({
    world: "http-connector",
    path: "../wit",
    generate_all,
});

use exports::provisioning::connector::connector as wit;
use provisioning::connector::host;
use provisioning::connector::types as t;

/// Sends a line to the host's `log` import.
pub fn host_log(level: model::LogLevel, message: &str) {
    let level = match level {
        model::LogLevel::Trace => host::Level::Trace,
        model::LogLevel::Debug => host::Level::Debug,
        model::LogLevel::Info => host::Level::Info,
        model::LogLevel::Warn => host::Level::Warn,
        model::LogLevel::Error => host::Level::Error,
    };
    host::log(level, message);
}

struct Component;

/// The session resource: the domain session behind a `RefCell` (one caller at a time).
struct Session(RefCell<DomainSession<WakiTransport>>);

impl Session {
    fn with<R>(
        &self,
        f: impl FnOnce(&mut DomainSession<WakiTransport>) -> Result<R, model::Error>,
    ) -> Result<R, t::Error> {
        match self.0.try_borrow_mut() {
            Ok(mut s) => f(&mut s).map_err(error),
            Err(_) => Err(t::Error::Other("session is busy".into())),
        }
    }
}

fn invalid(a: model::InvalidAttribute) -> t::InvalidAttribute {
    t::InvalidAttribute {
        name: a.name,
        reason: a.reason,
    }
}

fn error(e: model::Error) -> t::Error {
    use model::Error as E;
    match e {
        E::InvalidConfig(a) => t::Error::InvalidConfig(invalid(a)),
        E::Unauthorized(m) => t::Error::Unauthorized(m),
        E::Forbidden(m) => t::Error::Forbidden(m),
        E::NotFound(m) => t::Error::NotFound(m),
        E::AlreadyExists(a) => t::Error::AlreadyExists(invalid(a)),
        E::InvalidInput(a) => t::Error::InvalidInput(invalid(a)),
        E::RateLimited(s) => t::Error::RateLimited(s),
        E::Unavailable(m) => t::Error::Unavailable(m),
        E::Protocol(m) => t::Error::Protocol(m),
        E::EgressDenied(m) => t::Error::EgressDenied(m),
        E::Unsupported(m) => t::Error::Unsupported(m),
        E::Other(m) => t::Error::Other(m),
    }
}

fn value_out(v: model::Value) -> t::Value {
    use model::Value as V;
    match v {
        V::Text(s) => t::Value::Text(s),
        V::Boolean(b) => t::Value::Boolean(b),
        V::Integer(i) => t::Value::Integer(i),
        V::Decimal(d) => t::Value::Decimal(d),
        V::Date(s) => t::Value::Date(s),
        V::Datetime(s) => t::Value::Datetime(s),
        V::Reference(s) => t::Value::Reference(s),
        V::Choice(c) => t::Value::Choice(t::ChoiceValue {
            id: c.id,
            label: c.label,
        }),
    }
}

fn value_in(v: t::Value) -> model::Value {
    use model::Value as V;
    match v {
        t::Value::Text(s) => V::Text(s),
        t::Value::Boolean(b) => V::Boolean(b),
        t::Value::Integer(i) => V::Integer(i),
        t::Value::Decimal(d) => V::Decimal(d),
        t::Value::Date(s) => V::Date(s),
        t::Value::Datetime(s) => V::Datetime(s),
        t::Value::Reference(s) => V::Reference(s),
        t::Value::Choice(c) => V::Choice(model::ChoiceValue {
            id: c.id,
            label: c.label,
        }),
    }
}

fn attribute_in(a: t::Attribute) -> model::Attribute {
    model::Attribute {
        name: a.name,
        values: a.values.into_iter().map(value_in).collect(),
    }
}

fn field_type(ft: model::FieldType) -> t::FieldType {
    use model::FieldType as F;
    match ft {
        F::Text => t::FieldType::Text,
        F::Boolean => t::FieldType::Boolean,
        F::Integer => t::FieldType::Integer,
        F::Decimal => t::FieldType::Decimal,
        F::Date => t::FieldType::Date,
        F::Datetime => t::FieldType::Datetime,
        F::Reference => t::FieldType::Reference,
        F::Choice => t::FieldType::Choice,
        F::Composite => t::FieldType::Composite,
    }
}

fn field_out(f: model::Field) -> t::Field {
    t::Field {
        name: f.name,
        label: f.label,
        field_type: field_type(f.field_type),
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

fn choice_out(c: model::Choice) -> t::Choice {
    t::Choice {
        id: c.id,
        label: c.label,
        path: c.path,
        parent: c.parent,
        selectable: c.selectable,
        has_children: c.has_children,
    }
}

fn user_out(u: model::User) -> t::User {
    t::User {
        id: u.id,
        display_name: u.display_name,
        active: u.active,
        attributes: u
            .attributes
            .into_iter()
            .map(|a| t::Attribute {
                name: a.name,
                values: a.values.into_iter().map(value_out).collect(),
            })
            .collect(),
    }
}

fn config_type(k: model::ConfigType) -> wit::ConfigType {
    match k {
        model::ConfigType::Text => wit::ConfigType::Text,
        model::ConfigType::Url => wit::ConfigType::Url,
        model::ConfigType::Enum => wit::ConfigType::Enum,
        model::ConfigType::Boolean => wit::ConfigType::Boolean,
        model::ConfigType::Integer => wit::ConfigType::Integer,
    }
}

fn operation(o: model::Operation) -> wit::Operation {
    use model::Operation as O;
    match o {
        O::TestConnection => wit::Operation::TestConnection,
        O::GetFields => wit::Operation::GetFields,
        O::ListChoices => wit::Operation::ListChoices,
        O::ListUsers => wit::Operation::ListUsers,
        O::GetUser => wit::Operation::GetUser,
        O::CreateUser => wit::Operation::CreateUser,
        O::UpdateUser => wit::Operation::UpdateUser,
        O::SuspendUser => wit::Operation::SuspendUser,
        O::ResumeUser => wit::Operation::ResumeUser,
    }
}

impl wit::Guest for Component {
    type Session = Session;

    fn describe() -> wit::Description {
        let d = crate::describe::describe();
        wit::Description {
            name: d.name,
            version: d.version,
            contract_version: d.contract_version,
            config: d
                .config
                .into_iter()
                .map(|k| wit::ConfigKey {
                    name: k.name,
                    description: k.description,
                    key_type: config_type(k.key_type),
                    required: k.required,
                    default_value: k.default_value,
                    allowed_values: k.allowed_values,
                    secret: k.secret,
                })
                .collect(),
            operations: d.operations.into_iter().map(operation).collect(),
            paging: match d.paging {
                model::PagingStyle::Cursor => wit::PagingStyle::Cursor,
                model::PagingStyle::Offset => wit::PagingStyle::Offset,
            },
            max_page_size: d.max_page_size,
            default_page_size: d.default_page_size,
        }
    }

    fn outbound_hosts(config: wit::Config) -> Result<Vec<String>, t::Error> {
        crate::describe::outbound_hosts(&config).map_err(error)
    }
}

impl wit::GuestSession for Session {
    fn open(config: wit::Config) -> Result<wit::Session, t::Error> {
        let s = DomainSession::open(WakiTransport, &config).map_err(error)?;
        Ok(wit::Session::new(Session(RefCell::new(s))))
    }

    fn test_connection(&self) -> Result<(), t::Error> {
        self.with(|s| s.test_connection())
    }

    fn get_fields(&self) -> Result<Vec<t::Field>, t::Error> {
        self.with(|s| s.get_fields())
            .map(|v| v.into_iter().map(field_out).collect())
    }

    fn list_choices(
        &self,
        field: String,
        parent: Option<String>,
    ) -> Result<Vec<t::Choice>, t::Error> {
        self.with(|s| s.list_choices(&field, parent.as_deref()))
            .map(|v| v.into_iter().map(choice_out).collect())
    }

    fn list_users(
        &self,
        page_token: Option<String>,
        page_size: u32,
    ) -> Result<t::UserPage, t::Error> {
        self.with(|s| s.list_users(page_token.as_deref(), page_size))
            .map(|p| t::UserPage {
                users: p.users.into_iter().map(user_out).collect(),
                next_page_token: p.next_page_token,
                total: p.total,
            })
    }

    fn get_user(&self, id: String) -> Result<t::User, t::Error> {
        self.with(|s| s.get_user(&id)).map(user_out)
    }

    fn create_user(&self, attributes: Vec<t::Attribute>) -> Result<t::User, t::Error> {
        let attributes: Vec<model::Attribute> = attributes.into_iter().map(attribute_in).collect();
        self.with(|s| s.create_user(&attributes)).map(user_out)
    }

    fn update_user(
        &self,
        id: String,
        changes: Vec<t::AttributeChange>,
    ) -> Result<t::User, t::Error> {
        let changes: Vec<model::AttributeChange> = changes
            .into_iter()
            .map(|c| model::AttributeChange {
                name: c.name,
                op: match c.op {
                    t::ChangeOp::Set(v) => {
                        model::ChangeOp::Set(v.into_iter().map(value_in).collect())
                    }
                    t::ChangeOp::Clear => model::ChangeOp::Clear,
                },
            })
            .collect();
        self.with(|s| s.update_user(&id, &changes)).map(user_out)
    }

    fn suspend_user(&self, id: String) -> Result<t::User, t::Error> {
        self.with(|s| s.suspend_user(&id)).map(user_out)
    }

    fn resume_user(&self, id: String) -> Result<t::User, t::Error> {
        self.with(|s| s.resume_user(&id)).map(user_out)
    }
}

export!(Component);
