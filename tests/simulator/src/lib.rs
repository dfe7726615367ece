//! A local simulator of the PeopleSpheres API (Keycloak token endpoint, REST reads and writes,
//! GraphQL reads) over a seeded, deterministic tenant, with scripted faults and a request journal.
//! No test ever needs the internet: start a [`Simulator`] on loopback and point the connector
//! at [`Simulator::url`]. This module owns the public handle; the wire format is in `wire.rs`.

mod answers;
mod apply;
mod auth;
mod catalogue;
mod faults;
mod forms;
mod graphql;
mod hierarchies;
mod history;
mod journal;
mod profile;
mod rest;
mod rng;
mod seed;
mod seed_data;
mod server;
mod tenant;
mod validate;
mod wire;
mod writes;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use auth::{CLIENT_IDS, REFRESH_TTL_SECS, TOKEN_PATH};
pub use catalogue::{FieldCatalogue, PSO_TYPES, SimField, SimOption, SimPsoType};
pub use faults::Fault;
pub use graphql::MAX_FIRST;
pub use hierarchies::COST_CENTER;
pub use history::HistoryEntry;
pub use journal::JournalEntry;
pub use profile::{
    ChoiceEncoding, FieldOptions, GraphqlAuth, OptionsListing, OverFirst, PROFILE_NAMES, RateLimit,
    WireProfile,
};
pub use rng::REFERENCE_DATE;
pub use seed::ascii_fold;
pub use tenant::{SimPosition, SimUser};
pub use wire::{
    FORM_INSTANCES, answer_id, decode_answer_id, decode_cursor, encode_cursor, row_batch,
};

use server::{Shared, lock};

/// Errors of the simulator library.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("cannot bind {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// How to seed and serve a simulated tenant.
#[derive(Clone)]
pub struct SimConfig {
    /// Number of seeded users (ids `1..=users`).
    pub users: usize,
    pub seed: u64,
    /// Access-token lifetime (`expires_in`).
    pub token_ttl_secs: u64,
    pub login: String,
    pub password: String,
    pub bind: SocketAddr,
    /// The wire encoding (WIRE.md "Wire profiles"); the default is the rest of WIRE.md.
    pub profile: WireProfile,
    /// With `Some(n)`: the business units and departments grow to at least `n` options, and a
    /// third hierarchy, `usr_cost_center` (custom), is added with as many, one leaf per user.
    pub hierarchy_options: Option<usize>,
}

impl std::fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimConfig")
            .field("users", &self.users)
            .field("seed", &self.seed)
            .field("token_ttl_secs", &self.token_ttl_secs)
            .field("login", &self.login)
            .field("password", &"<redacted>")
            .field("bind", &self.bind)
            .field("profile", &self.profile)
            .field("hierarchy_options", &self.hierarchy_options)
            .finish()
    }
}

/// Default login of the demo tenant.
pub const DEFAULT_LOGIN: &str = "admin@demo.example";
/// Default password of the demo tenant.
pub const DEFAULT_PASSWORD: &str = "demo-password";

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            users: 250,
            seed: 42,
            token_ttl_secs: 300,
            login: DEFAULT_LOGIN.into(),
            password: DEFAULT_PASSWORD.into(),
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            profile: WireProfile::default(),
            hierarchy_options: None,
        }
    }
}

/// The shutdown trigger and the task serving the router.
type ServerTask = (oneshot::Sender<()>, JoinHandle<()>);

/// A running simulator. Cloning gives another handle to the same server.
#[derive(Clone)]
pub struct Simulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    task: Arc<Mutex<Option<ServerTask>>>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Simulator {
    /// Seed the tenant, bind `cfg.bind` and serve on a tokio task.
    pub async fn start(cfg: SimConfig) -> std::io::Result<Simulator> {
        let listener = tokio::net::TcpListener::bind(cfg.bind).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            tenant: Mutex::new(tenant::Tenant::seeded(
                cfg.users,
                cfg.seed,
                cfg.hierarchy_options,
                cfg.profile,
            )),
            rate: Mutex::new(server::RateWindow::default()),
            tokens: Mutex::new(auth::TokenStore::new(cfg.token_ttl_secs)),
            faults: Mutex::new(faults::FaultQueue::default()),
            journal: Mutex::new(Vec::new()),
            login: cfg.login,
            password: cfg.password,
            base_url: format!("http://{addr}"),
            schema: graphql::schema(),
        });
        let app = server::router(shared.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(Simulator {
            shared,
            addr,
            task: Arc::new(Mutex::new(Some((tx, task)))),
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    /// `http://127.0.0.1:PORT` — SSO, REST and GraphQL (`/graphql`) base.
    pub fn url(&self) -> String {
        self.shared.base_url.clone()
    }
    pub fn login(&self) -> &str {
        &self.shared.login
    }
    pub fn password(&self) -> &str {
        &self.shared.password
    }
    /// The same routes and state as an axum router, for `tower::ServiceExt::oneshot`.
    pub fn router(&self) -> axum::Router {
        server::router(self.shared.clone())
    }

    /// Requests served so far.
    pub fn journal(&self) -> Vec<JournalEntry> {
        lock(&self.shared.journal).clone()
    }
    pub fn clear_journal(&self) {
        lock(&self.shared.journal).clear();
    }

    /// The wire profile in force.
    pub fn profile(&self) -> WireProfile {
        lock(&self.shared.tenant).profile
    }
    /// Switches the wire profile from the next request on (the tenant is unchanged; the rate
    /// window starts again).
    pub fn set_profile(&self, profile: WireProfile) {
        lock(&self.shared.tenant).profile = profile;
        *lock(&self.shared.rate) = server::RateWindow::default();
    }
    /// Sets (or, with `None`, lifts) the rate limit of the profile in force.
    pub fn set_rate_limit(&self, limit: Option<RateLimit>) {
        let mut p = self.profile();
        p.rate_limit = limit;
        self.set_profile(p);
    }

    /// Every access token issued so far is expired from now on (refresh tokens stay valid).
    pub fn expire_tokens(&self) {
        lock(&self.shared.tokens).expire_all();
    }
    /// Lifetime of access tokens issued from now on.
    pub fn set_token_ttl(&self, secs: u64) {
        lock(&self.shared.tokens).set_ttl(secs);
    }

    /// Snapshot of every user, sorted by id.
    pub fn users(&self) -> Vec<SimUser> {
        lock(&self.shared.tenant).users.clone()
    }
    /// One user.
    pub fn user(&self, id: u64) -> Option<SimUser> {
        lock(&self.shared.tenant).user(id).cloned()
    }
    /// Number of users.
    pub fn user_count(&self) -> usize {
        lock(&self.shared.tenant).users.len()
    }
    /// The `pos` records, sorted by id.
    pub fn positions(&self) -> Vec<SimPosition> {
        lock(&self.shared.tenant).positions.clone()
    }
    /// The field catalogue (every PSO type).
    pub fn field_catalogue(&self) -> FieldCatalogue {
        lock(&self.shared.tenant).catalogue.clone()
    }
    /// Label path of an option value of a `usr` field or sub-field, e.g.
    /// `option_path("usr_business_unit", "504") == Some(["Ventes","France","Paris"])`.
    pub fn option_path(&self, alias: &str, value: &str) -> Option<Vec<String>> {
        lock(&self.shared.tenant)
            .catalogue
            .option_path(alias, value)
    }

    /// Insert a user with exactly these values (`usr_active` defaults to `usr_active_yes`); its id.
    pub fn insert_user(&self, values: BTreeMap<String, Value>) -> u64 {
        lock(&self.shared.tenant).insert_user(values)
    }
    /// Insert one realistic generated user; its id.
    pub fn insert_generated_user(&self) -> u64 {
        lock(&self.shared.tenant).insert_generated_user()
    }
    /// Suspend (`false`) or resume (`true`); false for an unknown id.
    pub fn set_active(&self, id: u64, active: bool) -> bool {
        lock(&self.shared.tenant).set_active(id, active)
    }
    /// Set or clear one value (the `fieldAliasAndValue` encoding); false for an unknown id.
    pub fn set_value(&self, id: u64, alias: &str, value: Option<Value>) -> bool {
        lock(&self.shared.tenant).set_value(id, alias, value)
    }

    /// The contract end date of a user (`usr_employment_contract_end_date`), if any.
    pub fn contract_end(&self, id: u64) -> Option<String> {
        self.user(id)?
            .values
            .get("usr_employment_contract")?
            .get("usr_employment_contract_end_date")?
            .as_str()
            .map(str::to_string)
    }
    /// Sets a user's contract end date (keeping the rest of the contract); false for an
    /// unknown id.
    pub fn set_contract_end(&self, id: u64, end: &str) -> bool {
        let mut contract = self
            .user(id)
            .and_then(|u| u.values.get("usr_employment_contract").cloned())
            .unwrap_or_else(|| serde_json::json!({}));
        if let Some(o) = contract.as_object_mut() {
            o.insert(
                "usr_employment_contract_end_date".into(),
                serde_json::json!(end),
            );
        }
        self.set_value(id, "usr_employment_contract", Some(contract))
    }
    /// Up to `n` active users below the top of the hierarchy (id > 10) whose contract has no
    /// end date or ends after `day` (`YYYY-MM-DD`): people a test can make leave.
    pub fn open_ended_users(&self, day: &str, n: usize) -> Vec<u64> {
        self.users()
            .into_iter()
            .filter(|u| u.active && u.id > 10)
            .map(|u| u.id)
            .filter(|id| self.contract_end(*id).is_none_or(|d| d.as_str() > day))
            .take(n)
            .collect()
    }

    /// History of one top-level field (alias) of a record, newest first (as the REST endpoint).
    pub fn field_history(&self, pso: u64, alias: &str) -> Vec<HistoryEntry> {
        let t = lock(&self.shared.tenant);
        let Some(id) = t
            .catalogue
            .any_field("usr", alias)
            .map(|(f, p)| p.unwrap_or(f).id)
        else {
            return Vec::new();
        };
        t.history.of(pso, id).into_iter().cloned().collect()
    }
    /// Presence status of a user (`default` unless set through `POST /psos/{id}/status`).
    pub fn presence(&self, id: u64) -> String {
        lock(&self.shared.tenant)
            .presence
            .get(&id)
            .cloned()
            .unwrap_or_else(|| "default".into())
    }

    /// Queue a scripted fault.
    pub fn inject(&self, fault: Fault) {
        lock(&self.shared.faults).push(fault);
    }
    /// Drop every pending fault.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }
    /// Number of pending faults.
    pub fn pending_faults(&self) -> usize {
        lock(&self.shared.faults).len()
    }

    /// Stop serving and wait for the server task.
    pub async fn shutdown(self) {
        let taken = lock(&self.task).take();
        if let Some((tx, task)) = taken {
            let _ = tx.send(());
            let _ = task.await;
        }
    }
}
