//! Configuration: parsing and validation of the keys `describe` advertises, and the derivation
//! of the SSO, REST and GraphQL URLs (WIRE.md "Hosts"; the host names themselves live in `api`).

use std::fmt;

use crate::api;
use crate::base_url::BaseUrl;
use crate::model::Error;

pub const KEY_LOGIN: &str = "login";
pub const KEY_PASSWORD: &str = "password";
pub const KEY_ENVIRONMENT: &str = "environment";
pub const KEY_URL: &str = "url";
pub const KEY_SSO_URL: &str = "sso_url";
pub const KEY_GRAPHQL_URL: &str = "graphql_url";
pub const KEY_CLIENT_ID: &str = "client_id";
pub const KEY_CAREER_HISTORY: &str = "career_history";

pub const ALL_KEYS: [&str; 8] = [
    KEY_LOGIN,
    KEY_PASSWORD,
    KEY_ENVIRONMENT,
    KEY_URL,
    KEY_SSO_URL,
    KEY_GRAPHQL_URL,
    KEY_CLIENT_ID,
    KEY_CAREER_HISTORY,
];

/// Values of `career_history`.
pub const CAREER_RECORD: &str = "record";
pub const CAREER_HISTORY: &str = "history";

/// Where `career_history.*` comes from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CareerSource {
    /// The tenant's list composite `usr_career_history`, read with the record (no extra call).
    #[default]
    Record,
    /// The field history of the position and the department: 2 REST calls per user read
    /// (see the `history` module).
    History,
}

impl CareerSource {
    /// The `career_history` key's value (absent or blank: `record`).
    pub fn parse(value: Option<&str>) -> Result<Self, Error> {
        match value.map(str::trim) {
            None | Some(CAREER_RECORD) => Ok(CareerSource::Record),
            Some(CAREER_HISTORY) => Ok(CareerSource::History),
            Some(other) => Err(Error::invalid_config(
                KEY_CAREER_HISTORY,
                format!(
                    "`{}` is not a valid value: expected `{CAREER_RECORD}` or `{CAREER_HISTORY}`",
                    crate::http::short(other)
                ),
            )),
        }
    }
}

pub const ENV_PRODUCTION: &str = "production";
pub const ENV_PREPRODUCTION: &str = "preproduction";

/// The three URLs a configuration designates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    /// REST base.
    pub api: BaseUrl,
    /// SSO (Keycloak) base.
    pub sso: BaseUrl,
    /// The GraphQL endpoint itself (POST target).
    pub graphql: BaseUrl,
}

impl Endpoints {
    /// `host:port` of every endpoint, deduplicated, in SSO, REST, GraphQL order.
    pub fn outbound_hosts(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for u in [&self.sso, &self.api, &self.graphql] {
            let hp = u.host_port();
            if !out.contains(&hp) {
                out.push(hp);
            }
        }
        out
    }
}

/// A validated configuration. `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Config {
    pub login: String,
    pub password: String,
    /// The configured client id, used alone; `None`: [`api::DEFAULT_CLIENT_IDS`] in order.
    pub client_id: Option<String>,
    pub endpoints: Endpoints,
    pub career_history: CareerSource,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("login", &self.login)
            .field("password", &"<redacted>")
            .field("client_id", &self.client_id)
            .field("endpoints", &self.endpoints)
            .field("career_history", &self.career_history)
            .finish()
    }
}

/// Looks a key up; an empty (or blank) value counts as absent.
fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.trim().is_empty())
}

fn check_known_keys(pairs: &[(String, String)]) -> Result<(), Error> {
    match pairs.iter().find(|(k, _)| !ALL_KEYS.contains(&k.as_str())) {
        Some((k, _)) => Err(Error::invalid_config(
            k.clone(),
            "unknown configuration key",
        )),
        None => Ok(()),
    }
}

fn url_key(pairs: &[(String, String)], key: &str) -> Result<Option<BaseUrl>, Error> {
    get(pairs, key)
        .map(|v| BaseUrl::parse(v).map_err(|r| Error::invalid_config(key, r)))
        .transpose()
}

fn fixed(url: &str) -> Result<BaseUrl, Error> {
    BaseUrl::parse(url).map_err(|r| Error::Other(format!("built-in URL {url} is malformed: {r}")))
}

/// Derives the endpoints from the URL-related keys (and rejects unknown keys). Needs no
/// credentials, so `outbound-hosts` can be answered before the secrets are known.
pub fn endpoints(pairs: &[(String, String)]) -> Result<Endpoints, Error> {
    check_known_keys(pairs)?;
    let env = get(pairs, KEY_ENVIRONMENT)
        .map(str::trim)
        .unwrap_or(ENV_PRODUCTION);
    let (env_api, env_sso) = match env {
        ENV_PRODUCTION => (api::PRODUCTION_REST, api::PRODUCTION_SSO),
        ENV_PREPRODUCTION => (api::PREPRODUCTION_REST, api::PREPRODUCTION_SSO),
        _ => {
            return Err(Error::invalid_config(
                KEY_ENVIRONMENT,
                format!("must be `{ENV_PRODUCTION}` or `{ENV_PREPRODUCTION}`"),
            ));
        }
    };
    let custom = url_key(pairs, KEY_URL)?;
    let sso_override = url_key(pairs, KEY_SSO_URL)?;
    let graphql_override = url_key(pairs, KEY_GRAPHQL_URL)?;
    let (api_url, sso_default) = match custom {
        Some(u) => (u.clone(), u),
        None => (fixed(env_api)?, fixed(env_sso)?),
    };
    let sso = sso_override.unwrap_or(sso_default);
    let graphql = match graphql_override {
        Some(g) => g,
        None => {
            let mut g = api_url.clone();
            g.path.push_str(api::GRAPHQL_PATH);
            g
        }
    };
    Ok(Endpoints {
        api: api_url,
        sso,
        graphql,
    })
}

impl Config {
    /// The client ids to try, in order: the configured one alone, else the defaults.
    pub fn client_ids(&self) -> Vec<&str> {
        match &self.client_id {
            Some(c) => vec![c.as_str()],
            None => api::DEFAULT_CLIENT_IDS.to_vec(),
        }
    }

    /// Validates a whole configuration; makes no outbound call.
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, Error> {
        let endpoints = endpoints(pairs)?;
        let login =
            get(pairs, KEY_LOGIN).ok_or_else(|| Error::invalid_config(KEY_LOGIN, "required"))?;
        // The password is taken verbatim (spaces may be part of it), but must not be empty.
        let password = pairs
            .iter()
            .rev()
            .find(|(k, _)| k == KEY_PASSWORD)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| Error::invalid_config(KEY_PASSWORD, "required"))?;
        let client_id = get(pairs, KEY_CLIENT_ID).map(str::trim);
        if client_id.is_some_and(|c| !c.chars().all(|c| c.is_ascii_graphic())) {
            return Err(Error::invalid_config(
                KEY_CLIENT_ID,
                "must be printable ASCII without spaces",
            ));
        }
        let career_history = CareerSource::parse(get(pairs, KEY_CAREER_HISTORY))?;
        Ok(Config {
            login: login.trim().to_string(),
            password: password.to_string(),
            client_id: client_id.map(str::to_string),
            endpoints,
            career_history,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn name_of(e: Error) -> String {
        match e {
            Error::InvalidConfig(a) => a.name,
            other => panic!("expected invalid-config, got {other:?}"),
        }
    }

    #[test]
    fn production_is_the_default() {
        let c = Config::parse(&cfg(&[("login", "a@b.c"), ("password", "pw")])).unwrap();
        assert_eq!(c.endpoints.api.to_string(), "https://rest.monportailrh.com");
        assert_eq!(c.endpoints.sso.to_string(), "https://sso.monportailrh.com");
        assert_eq!(
            c.endpoints.graphql.to_string(),
            "https://rest.monportailrh.com/graphql"
        );
        assert_eq!(c.client_id, None);
        assert_eq!(c.client_ids(), vec!["monportailrh-web-app", "web-app"]);
        let c = Config::parse(&cfg(&[
            ("login", "a@b.c"),
            ("password", "pw"),
            ("client_id", "x"),
        ]))
        .unwrap();
        assert_eq!(c.client_ids(), vec!["x"]);
        assert_eq!(
            c.endpoints.outbound_hosts(),
            vec!["sso.monportailrh.com:443", "rest.monportailrh.com:443"]
        );
    }

    #[test]
    fn preproduction_hosts() {
        let e = endpoints(&cfg(&[("environment", "preproduction")])).unwrap();
        assert_eq!(
            e.outbound_hosts(),
            vec![
                "sso-preproduction.monportailrh.com:443",
                "rest-preproduction.monportailrh.com:443"
            ]
        );
    }

    #[test]
    fn custom_url_serves_everything() {
        let e = endpoints(&cfg(&[("url", "http://127.0.0.1:8080/")])).unwrap();
        assert_eq!(e.api.to_string(), "http://127.0.0.1:8080");
        assert_eq!(e.sso.to_string(), "http://127.0.0.1:8080");
        assert_eq!(e.graphql.to_string(), "http://127.0.0.1:8080/graphql");
        assert_eq!(e.outbound_hosts(), vec!["127.0.0.1:8080"]);
        let e = endpoints(&cfg(&[("url", "http://localhost/base")])).unwrap();
        assert_eq!(e.graphql.to_string(), "http://localhost/base/graphql");
        assert_eq!(e.outbound_hosts(), vec!["localhost:80"]);
    }

    #[test]
    fn overrides() {
        let e = endpoints(&cfg(&[
            ("url", "https://api.example.com"),
            ("sso_url", "https://SSO.example.com:8443"),
            ("graphql_url", "http://[::1]:9000/gql"),
        ]))
        .unwrap();
        assert_eq!(e.sso.to_string(), "https://sso.example.com:8443");
        assert_eq!(e.graphql.to_string(), "http://[::1]:9000/gql");
        assert_eq!(
            e.outbound_hosts(),
            vec!["sso.example.com:8443", "api.example.com:443", "[::1]:9000"]
        );
        // Overrides also apply to the built-in environments.
        let e = endpoints(&cfg(&[("sso_url", "https://sso.monportailrh.com")])).unwrap();
        assert_eq!(
            e.outbound_hosts(),
            vec!["sso.monportailrh.com:443", "rest.monportailrh.com:443"]
        );
    }

    #[test]
    fn validation_names_the_key() {
        assert_eq!(
            name_of(Config::parse(&cfg(&[("password", "pw")])).unwrap_err()),
            "login"
        );
        assert_eq!(
            name_of(Config::parse(&cfg(&[("login", "x")])).unwrap_err()),
            "password"
        );
        assert_eq!(
            name_of(Config::parse(&cfg(&[("login", "x"), ("password", "")])).unwrap_err()),
            "password"
        );
        let base = [("login", "x"), ("password", "pw")];
        let with = |k: &'static str, v: &'static str| {
            let mut p = base.to_vec();
            p.push((k, v));
            name_of(Config::parse(&cfg(&p)).unwrap_err())
        };
        assert_eq!(with("environment", "staging"), "environment");
        assert_eq!(with("url", "ftp://x"), "url");
        assert_eq!(with("url", "not a url"), "url");
        assert_eq!(with("url", "https://"), "url");
        assert_eq!(with("url", "https://h:99999"), "url");
        assert_eq!(with("url", "https://u:p@h"), "url");
        assert_eq!(with("sso_url", "https://h?x=1"), "sso_url");
        assert_eq!(with("graphql_url", "h/graphql"), "graphql_url");
        assert_eq!(with("tenant", "acme"), "tenant");
        assert_eq!(with("client_id", "a b"), "client_id");
    }

    #[test]
    fn debug_hides_the_password() {
        let c = Config::parse(&cfg(&[("login", "a"), ("password", "hunter2-secret")])).unwrap();
        assert!(!format!("{c:?}").contains("hunter2-secret"));
    }
}
