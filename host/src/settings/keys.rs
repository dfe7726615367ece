//! Reading a settings table: every key one the connector knows (a mistyped one named with the
//! closest valid key), and secrets read from the environment or files, never inline.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::error::SettingsError;
use crate::model::Config;

/// The known key closest to a mistyped one, if any is close enough to be meant.
fn closest<'a>(key: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    known
        .map(|k| (strsim::damerau_levenshtein(key, k), k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Every key of `settings` (the `section` of the file at `path`) is one of `names` (or its
/// `_env` / `_file` source); a mistyped one is named with the closest valid key.
pub(super) fn check_keys_in(
    path: &Path,
    section: &str,
    settings: &BTreeMap<String, toml::Value>,
    names: &[&str],
) -> Result<(), SettingsError> {
    let known = |k: &str| names.contains(&k);
    for key in settings.keys() {
        let base = key
            .strip_suffix("_env")
            .or_else(|| key.strip_suffix("_file"))
            .filter(|b| known(b))
            .unwrap_or(key);
        if !known(base) {
            let names = || names.iter().copied();
            let (stem, suffix) = ["_env", "_file"]
                .iter()
                .find_map(|sfx| key.strip_suffix(sfx).map(|stem| (stem, *sfx)))
                .unwrap_or((key.as_str(), ""));
            let guess = closest(stem, names()).or_else(|| closest(key, names()));
            return Err(SettingsError::UnknownKey {
                path: path.to_path_buf(),
                section: section.to_string(),
                key: key.clone(),
                hint: guess
                    .map(|k| {
                        let suffix = if closest(stem, names()).is_some() {
                            suffix
                        } else {
                            ""
                        };
                        format!("; did you mean `{k}{suffix}`?")
                    })
                    .unwrap_or_default(),
                known: names().collect::<Vec<_>>().join(", "),
            });
        }
    }
    Ok(())
}

/// `settings` with their secrets read from the environment or files; a key `secret` names
/// must not be given inline.
pub(super) fn resolve_in(
    path: &Path,
    settings: &BTreeMap<String, toml::Value>,
    secret: impl Fn(&str) -> bool,
) -> Result<Config, SettingsError> {
    let mut out = Config::new();
    for (key, value) in settings {
        if let Some(base) = key.strip_suffix("_env") {
            let var = scalar(value).ok_or_else(|| SettingsError::BadValue {
                path: path.to_path_buf(),
                key: key.clone(),
            })?;
            let v = std::env::var(&var).map_err(|_| SettingsError::MissingEnv {
                path: path.to_path_buf(),
                key: base.into(),
                var: var.clone(),
            })?;
            out.push((base.into(), v));
        } else if let Some(base) = key.strip_suffix("_file") {
            let file = PathBuf::from(scalar(value).ok_or_else(|| SettingsError::BadValue {
                path: path.to_path_buf(),
                key: key.clone(),
            })?);
            let v = std::fs::read_to_string(&file).map_err(|e| SettingsError::SecretFile {
                path: path.to_path_buf(),
                key: base.into(),
                file: file.clone(),
                reason: e.to_string(),
            })?;
            out.push((base.into(), v.trim_end_matches(['\r', '\n']).to_string()));
        } else if secret(key) {
            return Err(SettingsError::InlineSecret {
                path: path.to_path_buf(),
                key: key.clone(),
            });
        } else {
            let v = scalar(value).ok_or_else(|| SettingsError::BadValue {
                path: path.to_path_buf(),
                key: key.clone(),
            })?;
            out.push((key.clone(), v));
        }
    }
    Ok(out)
}

pub(super) fn scalar(value: &toml::Value) -> Option<String> {
    match value {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Integer(i) => Some(i.to_string()),
        toml::Value::Boolean(b) => Some(b.to_string()),
        toml::Value::Float(f) => Some(f.to_string()),
        _ => None,
    }
}
