//! The seam between "a connector" and everything that uses one. The CLI, the conformance
//! harness and the sync engine talk to these traits, never to wasmtime, so an in-memory fake
//! can stand in for a component in their tests.

use async_trait::async_trait;

use crate::error::HostError;
use crate::model::{
    Attribute, AttributeChange, Choice, Config, Description, Field, User, UserPage,
};

/// A loaded connector: it describes itself and opens sessions.
#[async_trait]
pub trait Connector: Send + Sync {
    /// What the connector is and needs (read once at load).
    fn description(&self) -> &Description;

    /// The `host:port` entries this configuration makes the connector call.
    async fn outbound_hosts(&self, config: &Config) -> Result<Vec<String>, HostError>;

    /// Opens a session on one tenant.
    async fn open(&self, config: Config) -> Result<Box<dyn Session>, HostError>;
}

/// An open session. One caller at a time (`&mut self`).
#[async_trait]
pub trait Session: Send {
    async fn test_connection(&mut self) -> Result<(), HostError>;
    async fn get_fields(&mut self) -> Result<Vec<Field>, HostError>;
    async fn list_choices(
        &mut self,
        field: &str,
        parent: Option<&str>,
    ) -> Result<Vec<Choice>, HostError>;
    async fn list_users(
        &mut self,
        page_token: Option<&str>,
        page_size: u32,
    ) -> Result<UserPage, HostError>;
    async fn get_user(&mut self, id: &str) -> Result<User, HostError>;
    async fn create_user(&mut self, attributes: Vec<Attribute>) -> Result<User, HostError>;
    async fn update_user(
        &mut self,
        id: &str,
        changes: Vec<AttributeChange>,
    ) -> Result<User, HostError>;
    async fn suspend_user(&mut self, id: &str) -> Result<User, HostError>;
    async fn resume_user(&mut self, id: &str) -> Result<User, HostError>;
}
