//! What a component can do, as a set: the interfaces it imports, the outbound hosts it declares
//! for a configuration, its configuration keys and which of them are secret. `inspect` shows it
//! and the registry keeps it per version; a swap to a version whose set grows (a new host, a new
//! import, a new secret key) is refused until the operator approves that exact growth.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::connector::Connector;
use crate::error::HostError;
use crate::model::Config;
use crate::runtime::WasmConnector;

/// A component's capability set (for one configuration).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Capabilities {
    /// Imported interfaces, without their versions (a newer patch of one is no growth).
    pub imports: BTreeSet<String>,
    /// `host:port` the component declares it will call for the configuration.
    pub outbound_hosts: BTreeSet<String>,
    pub config_keys: BTreeSet<String>,
    pub secret_keys: BTreeSet<String>,
}

/// One way a newer set is larger. Its text (`host:exfil.example:443`, `import:wasi:…`,
/// `secret:api_key`) is what an operator approves.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Growth {
    Host(String),
    Import(String),
    SecretKey(String),
}

impl std::fmt::Display for Growth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Growth::Host(h) => write!(f, "host:{h}"),
            Growth::Import(i) => write!(f, "import:{i}"),
            Growth::SecretKey(k) => write!(f, "secret:{k}"),
        }
    }
}

impl Capabilities {
    /// The set of a loaded connector, with the hosts it declares for `config`.
    pub async fn of(connector: &WasmConnector, config: &Config) -> Result<Capabilities, HostError> {
        let mut set = Capabilities::without_hosts(connector);
        set.outbound_hosts = connector
            .outbound_hosts(config)
            .await?
            .into_iter()
            .collect();
        Ok(set)
    }

    /// The set without the hosts (they need a configuration).
    pub fn without_hosts(connector: &WasmConnector) -> Capabilities {
        let d = connector.description();
        Capabilities {
            imports: connector
                .component()
                .imports
                .iter()
                .map(|i| i.split('@').next().unwrap_or(i).to_string())
                .collect(),
            outbound_hosts: BTreeSet::new(),
            config_keys: d.config.iter().map(|k| k.name.clone()).collect(),
            secret_keys: d.secret_keys().map(str::to_string).collect(),
        }
    }

    /// What `newer` has that this set has not.
    pub fn growth(&self, newer: &Capabilities) -> Vec<Growth> {
        let mut out: Vec<Growth> = Vec::new();
        out.extend(
            newer
                .outbound_hosts
                .difference(&self.outbound_hosts)
                .map(|h| Growth::Host(h.clone())),
        );
        out.extend(
            newer
                .imports
                .difference(&self.imports)
                .map(|i| Growth::Import(i.clone())),
        );
        out.extend(
            newer
                .secret_keys
                .difference(&self.secret_keys)
                .map(|k| Growth::SecretKey(k.clone())),
        );
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(hosts: &[&str], imports: &[&str], secrets: &[&str]) -> Capabilities {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect();
        Capabilities {
            imports: s(imports),
            outbound_hosts: s(hosts),
            config_keys: s(secrets),
            secret_keys: s(secrets),
        }
    }

    #[test]
    fn only_what_is_new_counts_as_growth() {
        let old = set(&["a:443"], &["wasi:http/outgoing-handler"], &["password"]);
        assert!(old.growth(&old).is_empty());
        assert!(old.growth(&set(&[], &[], &[])).is_empty(), "a smaller set");
        let newer = set(
            &["a:443", "exfil.example:443"],
            &["wasi:http/outgoing-handler", "wasi:random/random"],
            &["password", "api_key"],
        );
        let growth: Vec<String> = old.growth(&newer).iter().map(Growth::to_string).collect();
        assert_eq!(
            growth,
            [
                "host:exfil.example:443",
                "import:wasi:random/random",
                "secret:api_key"
            ]
        );
    }
}
