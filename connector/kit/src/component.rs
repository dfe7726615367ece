//! The component boundary every connector shares: the session resource over the connector's
//! own domain session, and `export!`. The contract's types are the domain's own (`model`
//! re-exports the generated bindings), so nothing is converted.

/// Exports the calling crate as a connector component. The crate has `describe::describe()`,
/// `describe::outbound_hosts(&Config)` and a `session::Session<T: Transport>` with `open(T,
/// &Config)` and one method per operation of the contract (the PeopleSpheres and SCIM
/// connectors); the session resource wraps it in a `RefCell` (one caller at a time).
// `crate::` is the calling connector's crate on purpose: its session and description.
#[allow(clippy::crate_in_macro_def)]
#[macro_export]
macro_rules! component {
    () => {
        struct Component;

        /// The session resource: the domain session behind a `RefCell` (one caller at a time).
        struct Session(::std::cell::RefCell<crate::session::Session<$crate::waki_transport::WakiTransport>>);

        impl Session {
            fn with<R>(
                &self,
                f: impl FnOnce(&mut crate::session::Session<$crate::waki_transport::WakiTransport>) -> Result<R, $crate::model::Error>,
            ) -> Result<R, $crate::model::Error> {
                match self.0.try_borrow_mut() {
                    Ok(mut s) => f(&mut s),
                    Err(_) => Err($crate::model::Error::Other("session is busy".into())),
                }
            }
        }

        impl $crate::bindings::exports::provisioning::connector::connector::Guest for Component {
            type Session = Session;

            fn describe() -> $crate::model::Description {
                crate::describe::describe()
            }

            fn outbound_hosts(config: $crate::bindings::exports::provisioning::connector::connector::Config) -> Result<Vec<String>, $crate::model::Error> {
                crate::describe::outbound_hosts(&config)
            }
        }

        impl $crate::bindings::exports::provisioning::connector::connector::GuestSession for Session {
            fn open(config: $crate::bindings::exports::provisioning::connector::connector::Config) -> Result<$crate::bindings::exports::provisioning::connector::connector::Session, $crate::model::Error> {
                let s = crate::session::Session::open($crate::waki_transport::WakiTransport, &config)?;
                Ok($crate::bindings::exports::provisioning::connector::connector::Session::new(Session(::std::cell::RefCell::new(s))))
            }

            fn test_connection(&self) -> Result<(), $crate::model::Error> {
                self.with(|s| s.test_connection())
            }

            fn get_fields(&self) -> Result<Vec<$crate::model::Field>, $crate::model::Error> {
                self.with(|s| s.get_fields())
            }

            fn list_choices(
                &self,
                field: String,
                parent: Option<String>,
            ) -> Result<Vec<$crate::model::Choice>, $crate::model::Error> {
                self.with(|s| s.list_choices(&field, parent.as_deref()))
            }

            fn list_users(
                &self,
                page_token: Option<String>,
                page_size: u32,
            ) -> Result<$crate::model::UserPage, $crate::model::Error> {
                self.with(|s| s.list_users(page_token.as_deref(), page_size))
            }

            fn get_user(&self, id: String) -> Result<$crate::model::User, $crate::model::Error> {
                self.with(|s| s.get_user(&id))
            }

            fn create_user(&self, attributes: Vec<$crate::model::Attribute>) -> Result<$crate::model::User, $crate::model::Error> {
                self.with(|s| s.create_user(&attributes))
            }

            fn update_user(
                &self,
                id: String,
                changes: Vec<$crate::model::AttributeChange>,
            ) -> Result<$crate::model::User, $crate::model::Error> {
                self.with(|s| s.update_user(&id, &changes))
            }

            fn suspend_user(&self, id: String) -> Result<$crate::model::User, $crate::model::Error> {
                self.with(|s| s.suspend_user(&id))
            }

            fn resume_user(&self, id: String) -> Result<$crate::model::User, $crate::model::Error> {
                self.with(|s| s.resume_user(&id))
            }
        }

        $crate::bindings::export!(Component with_types_in $crate::bindings);
    };
}
