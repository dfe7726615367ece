//! The component boundary: the session resource and `export!`. The contract's types are the
//! domain's own (`model` re-exports the generated bindings), so nothing is converted here.

use std::cell::RefCell;

use crate::model;
use crate::session::Session as DomainSession;
use connector_kit::bindings::exports::provisioning::connector::connector as wit;
use connector_kit::waki_transport::WakiTransport;

struct Component;

/// The session resource: the domain session behind a `RefCell` (one caller at a time).
struct Session(RefCell<DomainSession<WakiTransport>>);

impl Session {
    fn with<R>(
        &self,
        f: impl FnOnce(&mut DomainSession<WakiTransport>) -> Result<R, model::Error>,
    ) -> Result<R, model::Error> {
        match self.0.try_borrow_mut() {
            Ok(mut s) => f(&mut s),
            Err(_) => Err(model::Error::Other("session is busy".into())),
        }
    }
}

impl wit::Guest for Component {
    type Session = Session;

    fn describe() -> model::Description {
        crate::describe::describe()
    }

    fn outbound_hosts(config: wit::Config) -> Result<Vec<String>, model::Error> {
        crate::describe::outbound_hosts(&config)
    }
}

impl wit::GuestSession for Session {
    fn open(config: wit::Config) -> Result<wit::Session, model::Error> {
        let s = DomainSession::open(WakiTransport, &config)?;
        Ok(wit::Session::new(Session(RefCell::new(s))))
    }

    fn test_connection(&self) -> Result<(), model::Error> {
        self.with(|s| s.test_connection())
    }

    fn get_fields(&self) -> Result<Vec<model::Field>, model::Error> {
        self.with(|s| s.get_fields())
    }

    fn list_choices(
        &self,
        field: String,
        parent: Option<String>,
    ) -> Result<Vec<model::Choice>, model::Error> {
        self.with(|s| s.list_choices(&field, parent.as_deref()))
    }

    fn list_users(
        &self,
        page_token: Option<String>,
        page_size: u32,
    ) -> Result<model::UserPage, model::Error> {
        self.with(|s| s.list_users(page_token.as_deref(), page_size))
    }

    fn get_user(&self, id: String) -> Result<model::User, model::Error> {
        self.with(|s| s.get_user(&id))
    }

    fn create_user(&self, attributes: Vec<model::Attribute>) -> Result<model::User, model::Error> {
        self.with(|s| s.create_user(&attributes))
    }

    fn update_user(
        &self,
        id: String,
        changes: Vec<model::AttributeChange>,
    ) -> Result<model::User, model::Error> {
        self.with(|s| s.update_user(&id, &changes))
    }

    fn suspend_user(&self, id: String) -> Result<model::User, model::Error> {
        self.with(|s| s.suspend_user(&id))
    }

    fn resume_user(&self, id: String) -> Result<model::User, model::Error> {
        self.with(|s| s.resume_user(&id))
    }
}

connector_kit::bindings::export!(Component with_types_in connector_kit::bindings);
