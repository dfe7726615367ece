//! The host's configuration file (TOML): which component, the connector's settings, and the
//! sandbox limits. Secrets are never written in the file: a secret key `k` is given as `k_env`
//! (an environment variable's name) or `k_file` (a file whose content is the value).
//!
//! ```toml
//! [connector]
//! component = "peoplespheres_connector.wasm"   # optional: the built-in connector otherwise
//!
//! [connector.settings]
//! login = "api@acme.example"
//! environment = "production"                   # or "preproduction", or set `url`
//! password_env = "PEOPLESPHERES_PASSWORD"       # or password_file = "/run/secrets/ps"
//!
//! [sandbox]
//! allowed_hosts = ["rest.monportailrh.com", "sso.monportailrh.com"]   # optional extra fence
//! memory_mib = 64
//! call_timeout_secs = 60
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::model::{Config, Description};
use crate::sandbox::{Limits, OutboundPolicy};

mod error;
mod keys;
mod targets;
pub use error::SettingsError;
use keys::{check_keys_in, resolve_in, scalar};
pub use targets::{TargetComponent, TargetSettings};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileModel {
    #[serde(default)]
    connector: ConnectorSection,
    #[serde(default)]
    sandbox: SandboxSection,
    /// Application targets the HR source provisions (`[[target]]`).
    #[serde(default)]
    target: Vec<targets::TargetSection>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConnectorSection {
    component: Option<PathBuf>,
    #[serde(default)]
    settings: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SandboxSection {
    allowed_hosts: Option<Vec<String>>,
    memory_mib: Option<u64>,
    call_timeout_secs: Option<u64>,
    /// Folders `serve` may swap components in from (relative to the file).
    component_dirs: Option<Vec<PathBuf>>,
    /// Growth of a new version's capabilities that swaps may bring (`host:…`, `import:…`,
    /// `secret:…`), as `serve --approve` gives it.
    approved_growth: Option<Vec<String>>,
}

/// A parsed configuration file; settings are resolved against a connector's description.
#[derive(Debug)]
pub struct Settings {
    path: PathBuf,
    component: Option<PathBuf>,
    settings: BTreeMap<String, toml::Value>,
    sandbox: SandboxSection,
    targets: Vec<TargetSettings>,
}

impl Settings {
    /// Reads and parses a configuration file.
    pub fn load(path: &Path) -> Result<Settings, SettingsError> {
        let text = std::fs::read_to_string(path).map_err(|e| SettingsError::Read {
            path: path.into(),
            reason: e.to_string(),
        })?;
        Self::parse(path, &text)
    }

    /// Parses configuration text; `path` names it in errors.
    pub fn parse(path: &Path, text: &str) -> Result<Settings, SettingsError> {
        let model: FileModel = toml::from_str(text).map_err(|e| SettingsError::Parse {
            path: path.into(),
            reason: parse_reason(text, &e),
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let component = model.connector.component.map(|c| {
            // A built-in connector's name is not a path.
            let builtin = c
                .to_str()
                .and_then(crate::source::BuiltinConnector::named)
                .is_some();
            if c.is_relative() && !builtin {
                base.join(c)
            } else {
                c
            }
        });
        Ok(Settings {
            path: path.into(),
            component,
            settings: model.connector.settings,
            sandbox: model.sandbox,
            targets: targets::resolve(path, base, model.target)?,
        })
    }

    /// The application targets the file names, in its order.
    pub fn targets(&self) -> &[TargetSettings] {
        &self.targets
    }

    /// The settings that say which tenant this is (every key but the secrets' `*_env` /
    /// `*_file` sources), sorted, for naming the tenant's store.
    pub fn tenant_identity(&self) -> Vec<(String, String)> {
        self.settings
            .iter()
            .filter(|(k, _)| !k.ends_with("_env") && !k.ends_with("_file"))
            .filter_map(|(k, v)| Some((k.clone(), scalar(v)?)))
            .collect()
    }

    /// The component the file names, if any (relative to the file).
    pub fn component(&self) -> Option<&Path> {
        self.component.as_deref()
    }

    /// The folders `serve` may swap components in from (none: any path).
    pub fn component_dirs(&self) -> Vec<PathBuf> {
        let base = self.path.parent().unwrap_or(Path::new("."));
        self.sandbox
            .component_dirs
            .iter()
            .flatten()
            .map(|d| {
                if d.is_relative() {
                    base.join(d)
                } else {
                    d.clone()
                }
            })
            .collect()
    }

    /// The operator's allow list, if the file sets one.
    /// Capability growth the operator approves for swaps.
    pub fn approved_growth(&self) -> Vec<String> {
        self.sandbox.approved_growth.clone().unwrap_or_default()
    }

    pub fn operator_allow(&self) -> Option<OutboundPolicy> {
        self.sandbox
            .allowed_hosts
            .as_ref()
            .map(OutboundPolicy::allow)
    }

    /// Sandbox limits, defaults where unset.
    pub fn limits(&self) -> Limits {
        let mut limits = Limits::default();
        if let Some(mib) = self.sandbox.memory_mib {
            limits.memory_bytes = (mib as usize).saturating_mul(1 << 20);
        }
        if let Some(secs) = self.sandbox.call_timeout_secs {
            limits.call_timeout = Duration::from_secs(secs.max(1));
        }
        limits
    }

    /// The connector configuration, with `*_env` / `*_file` secrets resolved. A key the
    /// description flags secret must not be given inline.
    pub fn connector_config(&self, description: &Description) -> Result<Config, SettingsError> {
        let secret = |k: &str| description.config.iter().any(|c| c.secret && c.name == k);
        let names: Vec<&str> = description.config.iter().map(|c| c.name.as_str()).collect();
        self.check_keys(&names)?;
        self.resolve(secret)
    }

    /// Every `[connector.settings]` key is one of `names` (or its `_env` / `_file` source); a
    /// mistyped one is named with the closest valid key.
    pub fn check_keys(&self, names: &[&str]) -> Result<(), SettingsError> {
        check_keys_in(&self.path, "[connector.settings]", &self.settings, names)
    }

    /// The settings with their secrets read from the environment or files.
    fn resolve(&self, secret: impl Fn(&str) -> bool) -> Result<Config, SettingsError> {
        resolve_in(&self.path, &self.settings, secret)
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A TOML error as "line L, column C: message", without the quoted source line (which may
/// hold a secret someone pasted in, say a password with a missing quote).
fn parse_reason(text: &str, e: &toml::de::Error) -> String {
    let message = one_line(e.message());
    match e.span() {
        Some(span) => {
            let before = text.get(..span.start).unwrap_or(text);
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ConfigKey, ConfigType, PagingStyle};

    fn description() -> Description {
        let key = |name: &str, secret| ConfigKey {
            name: name.into(),
            description: String::new(),
            key_type: ConfigType::Text,
            required: true,
            default_value: None,
            allowed_values: vec![],
            secret,
        };
        Description {
            name: "x".into(),
            version: "0".into(),
            contract_version: "0.1.0".into(),
            config: vec![key("login", false), key("password", true)],
            operations: vec![],
            paging: PagingStyle::Cursor,
            max_page_size: 10,
            default_page_size: 10,
        }
    }

    #[test]
    fn inline_secret_is_refused_and_not_echoed() {
        let s = Settings::parse(
            Path::new("c.toml"),
            "[connector.settings]\nlogin='a'\npassword='hunter2'\n",
        )
        .unwrap();
        let err = s.connector_config(&description()).unwrap_err().to_string();
        assert!(err.contains("`password` is a secret"), "{err}");
        assert!(!err.contains("hunter2"));
    }

    #[test]
    fn secret_from_file_and_env() {
        let dir = std::env::temp_dir().join(format!("settings-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("pw");
        std::fs::write(&f, "s3cret\n").unwrap();
        let text = format!(
            "[connector.settings]\nlogin='a'\npassword_file='{}'\n",
            f.display()
        );
        let s = Settings::parse(Path::new("c.toml"), &text).unwrap();
        let cfg = s.connector_config(&description()).unwrap();
        assert!(cfg.contains(&("password".into(), "s3cret".into())));
        let s = Settings::parse(
            Path::new("c.toml"),
            "[connector.settings]\npassword_env='SETTINGS_TEST_UNSET_VAR'\n",
        )
        .unwrap();
        let err = s.connector_config(&description()).unwrap_err().to_string();
        assert!(err.contains("SETTINGS_TEST_UNSET_VAR"), "{err}");
    }

    #[test]
    fn a_mistyped_key_is_named_with_the_closest_valid_one() {
        let s = Settings::parse(
            Path::new("tenant.toml"),
            "[connector.settings]\nlogin='a'\npasword_env='PW'\n",
        )
        .unwrap();
        let err = s.connector_config(&description()).unwrap_err().to_string();
        assert!(err.contains("tenant.toml"), "{err}");
        assert!(err.contains("no key `pasword_env`"), "{err}");
        assert!(err.contains("did you mean `password_env`?"), "{err}");
        let s = Settings::parse(
            Path::new("tenant.toml"),
            "[connector.settings]\nlogin='a'\nfrobnicate='x'\n",
        )
        .unwrap();
        let err = s.connector_config(&description()).unwrap_err().to_string();
        assert!(!err.contains("did you mean"), "{err}");
        assert!(err.contains("keys are login"), "{err}");
    }

    #[test]
    fn malformed_file_names_the_file() {
        let err = Settings::parse(Path::new("bad.toml"), "[connector\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("configuration file bad.toml is not valid"),
            "{err}"
        );
        let err = Settings::parse(Path::new("bad.toml"), "[conector]\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("conector"), "{err}");
        let err = Settings::parse(
            Path::new("bad.toml"),
            "[connector.settings]\npassword = \"hunter2\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("line 2") && !err.contains("hunter2"), "{err}");
    }

    #[test]
    fn approved_capability_growth_is_read_from_the_sandbox_section() {
        let s = Settings::parse(
            Path::new("t.toml"),
            "[sandbox]\napproved_growth = [\"host:api.example:443\", \"secret:api_key\"]\n",
        )
        .unwrap();
        assert_eq!(
            s.approved_growth(),
            [
                "host:api.example:443".to_string(),
                "secret:api_key".to_string()
            ]
        );
        let none = Settings::parse(Path::new("t.toml"), "").unwrap();
        assert!(none.approved_growth().is_empty());
    }
}
