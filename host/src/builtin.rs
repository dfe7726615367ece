//! What the host uses when the user names nothing: the PeopleSpheres connector embedded in the
//! binary ([`ComponentSource::Builtin`]), and the built-in demo tenant (the PeopleSpheres
//! simulator on a loopback port).

use ps_simulator::{Fault, SimConfig, Simulator};

use crate::conformance::FaultInjector;

use crate::model::Config;

pub use crate::source::ComponentSource;

/// The PeopleSpheres connector this binary embeds.
pub fn connector_component() -> ComponentSource {
    ComponentSource::PEOPLESPHERES
}

/// A running built-in demo tenant and the connector configuration that reaches it.
pub struct DemoTenant {
    pub simulator: Simulator,
}

impl std::fmt::Debug for DemoTenant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoTenant")
            .field("url", &self.simulator.url())
            .finish()
    }
}

impl DemoTenant {
    /// Starts the demo tenant with `users` employees on `127.0.0.1:port` (0 = any port).
    pub async fn start(users: usize, port: u16) -> std::io::Result<DemoTenant> {
        let config = SimConfig {
            users,
            bind: std::net::SocketAddr::from(([127, 0, 0, 1], port)),
            ..SimConfig::default()
        };
        Ok(DemoTenant {
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

/// The demo tenant can stage faults, so the conformance fault cases run against it.
impl FaultInjector for DemoTenant {
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

/// The demo SCIM application can stage faults too, so the conformance fault cases run against
/// the SCIM connector.
impl FaultInjector for scim_simulator::ScimServer {
    fn rate_limit(&self, requests: u32, window_secs: u32) {
        self.set_rate_limit(Some((
            requests,
            std::time::Duration::from_secs(u64::from(window_secs)),
        )));
    }

    fn fail_with(&self, status: u16, times: u32) {
        scim_simulator::ScimServer::fail_with(self, status, times);
    }

    fn malformed(&self, times: u32) {
        scim_simulator::ScimServer::malformed(self, times);
    }

    fn clear(&self) {
        self.clear_faults();
        self.set_rate_limit(None);
    }
}
