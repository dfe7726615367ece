//! [`WasmSession`]: a session inside one live instance, reopened on a fresh instance after a
//! trap or a deadline.

use async_trait::async_trait;
use wasmtime::Store;
use wasmtime::component::ResourceAny;

use super::WasmConnector;
use super::instance::{Live, instantiate, mask, run};
use crate::bindings::{self, wit};
use crate::connector::Session;
use crate::error::HostError;
use crate::model::{Attribute, AttributeChange, Choice, Config, Field, User, UserPage};
use crate::sandbox::StoreState;

/// A session inside one live instance, reopened on a fresh instance after a trap or deadline.
pub struct WasmSession {
    pub(super) connector: WasmConnector,
    pub(super) config: Config,
    pub(super) live: Option<Live>,
}

impl std::fmt::Debug for WasmSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmSession")
            .field("live", &self.live.is_some())
            .finish_non_exhaustive()
    }
}

impl WasmSession {
    /// The live instance with an open session, creating both when needed.
    pub(super) async fn live(&mut self) -> Result<&mut Live, HostError> {
        if self.live.is_none() {
            let inner = &self.connector.inner;
            let secrets = self.connector.secrets_of(&self.config);
            let policy = self.connector.policy_for(&self.config).await?;
            let mut live = instantiate(
                &inner.engine,
                &inner.component,
                &inner.options,
                policy,
                secrets.clone(),
            )
            .await?;
            let api = live.api.clone();
            let config = &self.config;
            let session = run(&inner.engine, &mut live, "open", async |s| {
                api.provisioning_connector_connector()
                    .session()
                    .call_open(s, config)
                    .await
            })
            .await
            .map_err(|e| mask(e, &secrets))?;
            live.session = Some(session);
            self.live = Some(live);
        }
        self.live
            .as_mut()
            .ok_or_else(|| HostError::Instantiate("no live instance".into()))
    }

    /// Runs one session method; on a trap or deadline the instance is discarded.
    async fn call<T>(
        &mut self,
        operation: &str,
        f: impl AsyncFnOnce(
            &bindings::ConnectorApi,
            &mut Store<StoreState>,
            ResourceAny,
        ) -> wasmtime::Result<Result<T, wit::Error>>,
    ) -> Result<T, HostError> {
        let engine = self.connector.inner.engine.clone();
        let secrets = self.connector.secrets_of(&self.config);
        let live = self.live().await?;
        let session = live
            .session
            .ok_or_else(|| HostError::Instantiate("session not open".into()))?;
        let api = live.api.clone();
        let outcome = run(&engine, live, operation, async |s| {
            f(&api, s, session).await
        })
        .await;
        if matches!(
            outcome,
            Err(HostError::Deadline { .. } | HostError::Trap { .. })
        ) {
            self.live = None;
        }
        outcome.map_err(|e| mask(e, &secrets))
    }
}

#[async_trait]
impl Session for WasmSession {
    async fn test_connection(&mut self) -> Result<(), HostError> {
        self.call("test-connection", async |api, s, r| {
            api.provisioning_connector_connector()
                .session()
                .call_test_connection(s, r)
                .await
        })
        .await
    }

    async fn get_fields(&mut self) -> Result<Vec<Field>, HostError> {
        let fields = self
            .call("get-fields", async |api, s, r| {
                api.provisioning_connector_connector()
                    .session()
                    .call_get_fields(s, r)
                    .await
            })
            .await?;
        Ok(fields.into_iter().map(bindings::field_from).collect())
    }

    async fn list_choices(
        &mut self,
        field: &str,
        parent: Option<&str>,
    ) -> Result<Vec<Choice>, HostError> {
        let choices = self
            .call("list-choices", async |api, s, r| {
                api.provisioning_connector_connector()
                    .session()
                    .call_list_choices(s, r, field, parent)
                    .await
            })
            .await?;
        Ok(choices.into_iter().map(bindings::choice_from).collect())
    }

    async fn list_users(
        &mut self,
        page_token: Option<&str>,
        page_size: u32,
    ) -> Result<UserPage, HostError> {
        let page = self
            .call("list-users", async |api, s, r| {
                api.provisioning_connector_connector()
                    .session()
                    .call_list_users(s, r, page_token, page_size)
                    .await
            })
            .await?;
        Ok(bindings::page_from(page))
    }

    async fn get_user(&mut self, id: &str) -> Result<User, HostError> {
        let user = self
            .call("get-user", async |api, s, r| {
                api.provisioning_connector_connector()
                    .session()
                    .call_get_user(s, r, id)
                    .await
            })
            .await?;
        Ok(bindings::user_from(user))
    }

    async fn create_user(&mut self, attributes: Vec<Attribute>) -> Result<User, HostError> {
        let attributes: Vec<wit::Attribute> = attributes
            .into_iter()
            .map(bindings::attribute_into)
            .collect();
        let user = self
            .call("create-user", async |api, s, r| {
                api.provisioning_connector_connector()
                    .session()
                    .call_create_user(s, r, &attributes)
                    .await
            })
            .await?;
        Ok(bindings::user_from(user))
    }

    async fn update_user(
        &mut self,
        id: &str,
        changes: Vec<AttributeChange>,
    ) -> Result<User, HostError> {
        let changes: Vec<wit::AttributeChange> =
            changes.into_iter().map(bindings::change_into).collect();
        let user = self
            .call("update-user", async |api, s, r| {
                api.provisioning_connector_connector()
                    .session()
                    .call_update_user(s, r, id, &changes)
                    .await
            })
            .await?;
        Ok(bindings::user_from(user))
    }

    async fn suspend_user(&mut self, id: &str) -> Result<User, HostError> {
        let user = self
            .call("suspend-user", async |api, s, r| {
                api.provisioning_connector_connector()
                    .session()
                    .call_suspend_user(s, r, id)
                    .await
            })
            .await?;
        Ok(bindings::user_from(user))
    }

    async fn resume_user(&mut self, id: &str) -> Result<User, HostError> {
        let user = self
            .call("resume-user", async |api, s, r| {
                api.provisioning_connector_connector()
                    .session()
                    .call_resume_user(s, r, id)
                    .await
            })
            .await?;
        Ok(bindings::user_from(user))
    }
}
