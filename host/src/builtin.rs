//! What the host uses when the user names nothing: the PeopleSpheres connector embedded in the
//! binary ([`ComponentSource::Builtin`]), and the built-in sandbox tenant (the PeopleSpheres
//! simulator on a loopback port).

use ps_simulator::{Fault, SimConfig, Simulator};

use crate::conformance::FaultInjector;

use crate::model::Config;

pub use crate::source::ComponentSource;

/// The PeopleSpheres connector this binary embeds.
pub fn connector_component() -> ComponentSource {
    ComponentSource::Builtin
}

/// A running built-in sandbox tenant and the connector configuration that reaches it.
pub struct Sandbox {
    pub simulator: Simulator,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("url", &self.simulator.url())
            .finish()
    }
}

impl Sandbox {
    /// Starts the sandbox tenant with `users` employees on `127.0.0.1:port` (0 = any port).
    pub async fn start(users: usize, port: u16) -> std::io::Result<Sandbox> {
        let config = SimConfig {
            users,
            bind: std::net::SocketAddr::from(([127, 0, 0, 1], port)),
            ..SimConfig::default()
        };
        Ok(Sandbox {
            simulator: Simulator::start(config).await?,
        })
    }

    /// The tenant's URL.
    pub fn url(&self) -> String {
        self.simulator.url()
    }

    /// The PeopleSpheres connector configuration for this tenant.
    pub fn connector_config(&self) -> Config {
        vec![
            ("url".into(), self.simulator.url()),
            ("login".into(), self.simulator.login().to_string()),
            ("password".into(), self.simulator.password().to_string()),
        ]
    }
}

/// The sandbox tenant can stage faults, so the conformance fault cases run against it.
impl FaultInjector for Sandbox {
    fn rate_limit(&self, requests: u32, window_secs: u32) {
        self.simulator.set_rate_limit(Some(ps_simulator::RateLimit {
            requests,
            window: std::time::Duration::from_secs(u64::from(window_secs)),
        }));
    }

    fn fail_with(&self, status: u16, times: u32) {
        self.simulator.inject(Fault::status("/", status, times));
    }

    fn malformed(&self, times: u32) {
        self.simulator.inject(Fault::Malformed {
            path_prefix: "/".into(),
            times,
        });
    }

    fn clear(&self) {
        self.simulator.clear_faults();
        self.simulator.set_rate_limit(None);
    }
}
