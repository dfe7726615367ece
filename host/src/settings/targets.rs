//! `[[target]]`: the application targets the HR source provisions. Each names the system its
//! accounts are kept under, the connector (a built-in one by name, or a component file), the
//! target mapping (the built-in one for that connector when absent) and the connector's
//! settings, secrets given as `*_env` / `*_file` as in `[connector.settings]`.
//!
//! ```toml
//! [[target]]
//! name = "crm"                        # the system its accounts are kept under
//! component = "scim"                  # a built-in connector, or a path to a .wasm file
//! mapping = "crm-mapping.toml"        # optional: the connector's built-in target mapping
//! [target.settings]
//! url = "https://crm.example/scim/v2"
//! token_env = "CRM_SCIM_TOKEN"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::error::SettingsError;
use super::keys::{check_keys_in, resolve_in};
use crate::model::{Config, Description};
use crate::source::{BuiltinConnector, ComponentSource};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TargetSection {
    name: String,
    component: String,
    mapping: Option<PathBuf>,
    #[serde(default)]
    settings: BTreeMap<String, toml::Value>,
}

/// Where a target's connector comes from.
pub type TargetComponent = ComponentSource;

/// One application target, as the file gives it (secrets not read yet).
#[derive(Debug, Clone)]
pub struct TargetSettings {
    path: PathBuf,
    pub name: String,
    pub component: TargetComponent,
    /// The target mapping file (relative paths resolved against the configuration file).
    pub mapping: Option<PathBuf>,
    settings: BTreeMap<String, toml::Value>,
}

impl TargetSettings {
    /// A target of the built-in demo (no file): its settings are given whole.
    pub fn demo(name: &str, component: TargetComponent, config: &Config) -> TargetSettings {
        TargetSettings {
            path: PathBuf::from("(built-in demo)"),
            name: name.into(),
            component,
            mapping: None,
            settings: config
                .iter()
                .map(|(k, v)| (k.clone(), toml::Value::String(v.clone())))
                .collect(),
        }
    }

    /// The connector configuration, with `*_env` / `*_file` secrets resolved. A key the
    /// description flags secret must not be given inline (the demo's own settings excepted).
    pub fn connector_config(&self, description: &Description) -> Result<Config, SettingsError> {
        let names: Vec<&str> = description.config.iter().map(|c| c.name.as_str()).collect();
        let section = format!("[target.settings] of target `{}`", self.name);
        check_keys_in(&self.path, &section, &self.settings, &names)?;
        let demo = self.path == Path::new("(built-in demo)");
        let secret = |k: &str| !demo && description.config.iter().any(|c| c.secret && c.name == k);
        resolve_in(&self.path, &self.settings, secret)
    }
}

/// Checks the `[[target]]` sections of the file at `path` (in folder `base`): each has a
/// name of its own, fit for a system name, and a component that exists as a name or a path.
pub(super) fn resolve(
    path: &Path,
    base: &Path,
    sections: Vec<TargetSection>,
) -> Result<Vec<TargetSettings>, SettingsError> {
    let bad = |reason: String| SettingsError::Target {
        path: path.to_path_buf(),
        reason,
    };
    let mut out: Vec<TargetSettings> = Vec::new();
    for t in sections {
        let name = t.name.trim().to_string();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(bad(format!(
                "[[target]] name `{}` must be letters, digits, `-` or `_`",
                t.name
            )));
        }
        if out.iter().any(|o| o.name == name) {
            return Err(bad(format!("two [[target]] sections are named `{name}`")));
        }
        let component = match BuiltinConnector::named(&t.component) {
            Some(b) => ComponentSource::Builtin(b),
            None => {
                let p = PathBuf::from(&t.component);
                ComponentSource::File(if p.is_relative() { base.join(p) } else { p })
            }
        };
        let mapping = t
            .mapping
            .map(|m| if m.is_relative() { base.join(m) } else { m });
        out.push(TargetSettings {
            path: path.to_path_buf(),
            name,
            component,
            mapping,
            settings: t.settings,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::Settings;
    use super::*;
    use crate::model::{ConfigKey, ConfigType, PagingStyle};

    fn scim_like() -> Description {
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
            name: "scim".into(),
            version: "0".into(),
            contract_version: "0.1.0".into(),
            config: vec![key("url", false), key("token", true)],
            operations: vec![],
            paging: PagingStyle::Offset,
            max_page_size: 10,
            default_page_size: 10,
        }
    }

    fn parse(text: &str) -> Result<Settings, SettingsError> {
        Settings::parse(Path::new("/etc/ch/tenant.toml"), text)
    }

    #[test]
    fn targets_name_a_builtin_or_a_file_relative_to_the_configuration() {
        let s = parse(
            "[[target]]\nname = \"crm\"\ncomponent = \"scim\"\n[target.settings]\nurl = \"https://crm.example\"\n\n\
             [[target]]\nname = \"hr2\"\ncomponent = \"c/other.wasm\"\nmapping = \"m.toml\"\n",
        )
        .unwrap();
        let t = s.targets();
        assert_eq!(t.len(), 2);
        assert_eq!(
            t[0].component,
            ComponentSource::Builtin(BuiltinConnector::Scim)
        );
        assert_eq!(
            t[1].component,
            ComponentSource::file("/etc/ch/c/other.wasm")
        );
        assert_eq!(t[1].mapping.as_deref(), Some(Path::new("/etc/ch/m.toml")));
    }

    #[test]
    fn bad_targets_are_refused_naming_the_problem() {
        let twice = "[[target]]\nname = \"a\"\ncomponent = \"scim\"\n[[target]]\nname = \"a\"\ncomponent = \"scim\"\n";
        let e = parse(twice).unwrap_err().to_string();
        assert!(e.contains("two [[target]] sections are named `a`"), "{e}");
        let e = parse("[[target]]\nname = \"a b\"\ncomponent = \"scim\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("name `a b` must be letters"), "{e}");
        let e = parse("[[target]]\nname = \"a\"\n").unwrap_err().to_string();
        assert!(e.contains("component"), "{e}");
    }

    #[test]
    fn a_target_secret_must_come_from_the_environment_or_a_file() {
        let s = parse(
            "[[target]]\nname = \"crm\"\ncomponent = \"scim\"\n[target.settings]\nurl = \"https://crm.example\"\ntoken = \"s3cret\"\n",
        )
        .unwrap();
        let e = s.targets()[0]
            .connector_config(&scim_like())
            .unwrap_err()
            .to_string();
        assert!(e.contains("`token` is a secret"), "{e}");
        assert!(!e.contains("s3cret"), "{e}");
    }
}
