//! Waiting out rate limits. A connector that answers `rate-limited(retry-after)` has not done
//! the call (a write answered 429 was not applied), so the same call is made again once the
//! wait is over. [`Patient`] wraps any [`Session`] so every caller (the CLI, the sync engine,
//! conformance, the serve API) gets this: each wait is the connector's `retry-after` (at least
//! one second) plus a little jitter, and all waits of a run draw on one [`WaitBudget`]
//! (default 15 minutes). A wait that would overrun the budget is not started: the call fails
//! with [`HostError::RateLimitBudget`], which the sync engine treats as an interrupted run.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;

use crate::connector::Session;
use crate::error::{ConnectorError, HostError};
use crate::model::{Attribute, AttributeChange, Choice, Field, User, UserPage};

/// The default wait budget of a run.
pub const DEFAULT_BUDGET: Duration = Duration::from_secs(15 * 60);

/// Told of each wait before it starts (to update a progress line).
pub type WaitObserver = Arc<dyn Fn(Duration) + Send + Sync>;

/// The time a run may spend waiting out rate limits, shared by every session of the run.
#[derive(Clone)]
pub struct WaitBudget {
    inner: Arc<Mutex<Spent>>,
    total: Duration,
    observer: Arc<Mutex<Option<WaitObserver>>>,
}

#[derive(Debug, Default)]
struct Spent {
    waited: Duration,
    waits: u32,
}

impl std::fmt::Debug for WaitBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaitBudget")
            .field("total", &self.total)
            .field("waited", &self.waited())
            .finish_non_exhaustive()
    }
}

impl Default for WaitBudget {
    fn default() -> Self {
        WaitBudget::new(DEFAULT_BUDGET)
    }
}

impl WaitBudget {
    /// A budget of `total` waiting.
    pub fn new(total: Duration) -> WaitBudget {
        WaitBudget {
            inner: Arc::default(),
            total,
            observer: Arc::default(),
        }
    }

    /// The same budget, telling `observer` of each wait.
    pub fn observed(self, observer: WaitObserver) -> WaitBudget {
        self.set_observer(observer);
        self
    }

    /// Tells `observer` of each wait from now on (every clone of this budget shares it).
    pub fn set_observer(&self, observer: WaitObserver) {
        if let Ok(mut slot) = self.observer.lock() {
            *slot = Some(observer);
        }
    }

    /// The whole budget.
    pub fn total(&self) -> Duration {
        self.total
    }

    /// Time spent waiting so far.
    pub fn waited(&self) -> Duration {
        self.inner.lock().map(|s| s.waited).unwrap_or_default()
    }

    /// Waits so far.
    pub fn waits(&self) -> u32 {
        self.inner.lock().map(|s| s.waits).unwrap_or_default()
    }

    /// Reserves a wait for `retry_after_secs`, or says the budget is spent.
    fn reserve(&self, retry_after_secs: u32) -> Result<Duration, HostError> {
        let wait = Duration::from_secs(u64::from(retry_after_secs.max(1))) + jitter();
        let mut spent = self
            .inner
            .lock()
            .map_err(|_| HostError::Instantiate("the wait budget's lock was poisoned".into()))?;
        if spent.waited + wait > self.total {
            return Err(HostError::RateLimitBudget {
                waited_secs: spent.waited.as_secs(),
                budget_secs: self.total.as_secs(),
                retry_after_secs,
            });
        }
        spent.waited += wait;
        spent.waits += 1;
        Ok(wait)
    }

    /// Waits out one `rate-limited(retry_after_secs)`, or fails if the budget cannot cover it.
    pub async fn wait(&self, retry_after_secs: u32) -> Result<(), HostError> {
        let wait = self.reserve(retry_after_secs)?;
        tracing::info!("rate limited: waiting {} s", wait.as_secs().max(1));
        let observer = self.observer.lock().ok().and_then(|o| o.clone());
        if let Some(observer) = observer {
            observer(wait);
        }
        tokio::time::sleep(wait).await;
        Ok(())
    }
}

/// Makes `attempt` again after each `rate-limited` answer, waiting on `budget`: for calls made
/// outside a [`Patient`] session, such as opening one (logging in can be rate-limited too).
pub async fn again_when_limited<T, Fut>(
    budget: &WaitBudget,
    mut attempt: impl FnMut() -> Fut,
) -> Result<T, HostError>
where
    Fut: std::future::Future<Output = Result<T, HostError>>,
{
    loop {
        match attempt().await {
            Err(HostError::Connector(ConnectorError::RateLimited { retry_after_secs })) => {
                budget.wait(retry_after_secs).await?;
            }
            other => return other,
        }
    }
}

/// Makes `$call` again after each `rate-limited` answer, waiting on `$budget`.
macro_rules! patiently {
    ($budget:expr, $call:expr) => {
        loop {
            match $call.await {
                Err(HostError::Connector(ConnectorError::RateLimited { retry_after_secs })) => {
                    $budget.wait(retry_after_secs).await?;
                }
                other => break other,
            }
        }
    };
}

/// Up to 250 ms, so many clients told the same `retry-after` do not come back at once.
fn jitter() -> Duration {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0);
    Duration::from_millis(h.finish() % 250)
}

/// A session whose calls wait out rate limits within a budget.
pub struct Patient {
    inner: Box<dyn Session>,
    budget: WaitBudget,
}

impl Patient {
    pub fn new(inner: Box<dyn Session>, budget: WaitBudget) -> Patient {
        Patient { inner, budget }
    }

    /// The wrapped session (to hand back to a pool).
    pub fn into_inner(self) -> Box<dyn Session> {
        self.inner
    }

    /// Boxed, for callers that hold a `Box<dyn Session>`.
    pub fn boxed(inner: Box<dyn Session>, budget: WaitBudget) -> Box<dyn Session> {
        Box::new(Patient::new(inner, budget))
    }
}

#[async_trait]
impl Session for Patient {
    async fn test_connection(&mut self) -> Result<(), HostError> {
        patiently!(self.budget, self.inner.test_connection())
    }

    async fn get_fields(&mut self) -> Result<Vec<Field>, HostError> {
        patiently!(self.budget, self.inner.get_fields())
    }

    async fn list_choices(
        &mut self,
        field: &str,
        parent: Option<&str>,
    ) -> Result<Vec<Choice>, HostError> {
        patiently!(self.budget, self.inner.list_choices(field, parent))
    }

    async fn list_users(
        &mut self,
        page_token: Option<&str>,
        page_size: u32,
    ) -> Result<UserPage, HostError> {
        patiently!(self.budget, self.inner.list_users(page_token, page_size))
    }

    async fn get_user(&mut self, id: &str) -> Result<User, HostError> {
        patiently!(self.budget, self.inner.get_user(id))
    }

    async fn create_user(&mut self, attributes: Vec<Attribute>) -> Result<User, HostError> {
        patiently!(self.budget, self.inner.create_user(attributes.clone()))
    }

    async fn update_user(
        &mut self,
        id: &str,
        changes: Vec<AttributeChange>,
    ) -> Result<User, HostError> {
        patiently!(self.budget, self.inner.update_user(id, changes.clone()))
    }

    async fn suspend_user(&mut self, id: &str) -> Result<User, HostError> {
        patiently!(self.budget, self.inner.suspend_user(id))
    }

    async fn resume_user(&mut self, id: &str) -> Result<User, HostError> {
        patiently!(self.budget, self.inner.resume_user(id))
    }
}

#[cfg(test)]
mod tests;
