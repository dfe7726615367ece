//! What one run of the suite shares: the target, the options, and the context the cases read
//! and fill (the session, the field catalogue, the listing, the write fixture).

use super::fixture::Fixture;
use super::report::Outcome;
use super::verdict::host_err;
use crate::connector::{Connector, Session};
use crate::error::HostError;
use crate::model::{Config, Field, User};

/// Faults a test tenant can stage for the next calls, so fault cases can run.
pub trait FaultInjector: Send + Sync {
    /// From now on at most `requests` API calls per `window_secs` are answered; the others
    /// get 429 with `Retry-After` (until [`FaultInjector::clear`]).
    fn rate_limit(&self, requests: u32, window_secs: u32);
    /// The next API call answers this 5xx status `times` times.
    fn fail_with(&self, status: u16, times: u32);
    /// The next API call answers 200 with a truncated JSON body, `times` times.
    fn malformed(&self, times: u32);
    /// Removes staged faults that were not consumed.
    fn clear(&self);
}

/// How to run the suite.
#[derive(Debug, Clone)]
pub struct Options {
    /// Run only cases that write nothing.
    pub read_only: bool,
    /// Page size for listing cases (0 = the connector's default).
    pub page_size: u32,
    /// How many users the per-user cases look at.
    pub sample: usize,
    /// Stop listing after this many pages (a guard against connectors that never end).
    pub max_pages: usize,
    /// Time the run may spend waiting out the tenant's rate limits (each call is made again
    /// after the tenant's `retry-after`).
    pub wait_budget: std::time::Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            read_only: false,
            page_size: 0,
            sample: 20,
            max_pages: 10_000,
            wait_budget: std::time::Duration::from_secs(300),
        }
    }
}

/// What the suite runs against.
pub struct Target<'a> {
    pub connector: &'a dyn Connector,
    pub config: Config,
    pub faults: Option<&'a dyn FaultInjector>,
}

/// State shared by the cases of one run.
pub(crate) struct Ctx<'a> {
    pub target: Target<'a>,
    pub options: Options,
    pub session: Option<Box<dyn Session>>,
    pub fields: Option<Vec<Field>>,
    pub listing: Option<Vec<User>>,
    pub fixture: Option<Fixture>,
    pub budget: crate::rate_limit::WaitBudget,
}

impl<'a> Ctx<'a> {
    /// A new session with this configuration, whose calls wait out rate limits. (The future
    /// holds no borrow of the context, which is not `Sync`.)
    pub fn open(
        &self,
        config: crate::model::Config,
    ) -> impl Future<Output = Result<Box<dyn Session>, HostError>> + Send + 'a {
        let connector = self.target.connector;
        let budget = self.budget.clone();
        async move {
            let session = connector.open(config).await?;
            Ok(crate::rate_limit::Patient::boxed(session, budget))
        }
    }

    /// The shared session, opened on first use.
    pub async fn session(&mut self) -> Result<&mut Box<dyn Session>, HostError> {
        if self.session.is_none() {
            self.session = Some(self.open(self.target.config.clone()).await?);
        }
        match self.session.as_mut() {
            Some(s) => Ok(s),
            None => Err(HostError::Instantiate("session not open".into())),
        }
    }
}

impl Ctx<'_> {
    /// The field catalogue, read once per run.
    pub async fn fields(&mut self) -> Result<Vec<Field>, Outcome> {
        if let Some(f) = &self.fields {
            return Ok(f.clone());
        }
        let session = self.session().await.map_err(|e| host_err("open", &e))?;
        let fields = session
            .get_fields()
            .await
            .map_err(|e| host_err("get-fields", &e))?;
        self.fields = Some(fields.clone());
        Ok(fields)
    }
}
