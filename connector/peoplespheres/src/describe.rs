//! `describe` and `outbound-hosts`. Pure.

use crate::config::{self, ENV_PREPRODUCTION, ENV_PRODUCTION};
use crate::model::{ConfigKey, ConfigType, Description, Error, Operation, PagingStyle};
use crate::paging::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};

pub const NAME: &str = "peoplespheres";
pub use connector_kit::CONTRACT_VERSION;

fn key(
    name: &str,
    description: &str,
    key_type: ConfigType,
    required: bool,
    default: Option<&str>,
) -> ConfigKey {
    ConfigKey {
        name: name.into(),
        description: description.into(),
        key_type,
        required,
        default_value: default.map(Into::into),
        allowed_values: Vec::new(),
        secret: false,
    }
}

/// The connector's description. Besides the read operations it supports every write:
/// `create-user` (creation form + `POST /psos`, after a lookup by the unique values so a
/// duplicate writes nothing), `update-user` (partial, through the profile form),
/// `suspend-user` / `resume-user` (`POST /psos/{id}/status`); each returns the user as stored.
///
/// Retries (see the `retry` module): idempotent reads (GET, GraphQL queries) are retried up to
/// 2 more times (after 200 ms, then 600 ms) on 5xx, transport failures and truncated bodies.
/// A 429 is never retried (`rate-limited` with `Retry-After`), nor is a write: a 5xx or
/// transport failure on a write is `unavailable` and the write may have been applied — callers
/// should re-read (or look the user up) before repeating it. `create-user` does that itself:
/// after a failed `POST /psos` it looks the user up by email/username and returns it if found.
pub fn describe() -> Description {
    let mut password = key(
        config::KEY_PASSWORD,
        "Password of the PeopleSpheres API account.",
        ConfigType::Text,
        true,
        None,
    );
    password.secret = true;
    let mut environment = key(
        config::KEY_ENVIRONMENT,
        "PeopleSpheres environment (ignored for the hosts when `url` is set).",
        ConfigType::Enum,
        false,
        Some(ENV_PRODUCTION),
    );
    environment.allowed_values = vec![ENV_PRODUCTION.into(), ENV_PREPRODUCTION.into()];
    let mut career = key(
        config::KEY_CAREER_HISTORY,
        "Source of `career_history.*`: `record` reads the tenant's `usr_career_history` list \
         composite with each page (no extra call); `history` builds read-only rows from the field \
         history of the position and the department, at a cost of 2 extra REST calls per user \
         listed or read.",
        ConfigType::Enum,
        false,
        Some(config::CAREER_RECORD),
    );
    career.allowed_values = vec![config::CAREER_RECORD.into(), config::CAREER_HISTORY.into()];
    Description {
        name: NAME.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        contract_version: CONTRACT_VERSION.into(),
        config: vec![
            key(
                config::KEY_LOGIN,
                "Login (email) of the PeopleSpheres API account.",
                ConfigType::Text,
                true,
                None,
            ),
            password,
            environment,
            key(
                config::KEY_URL,
                "Custom base URL serving the REST API, GraphQL at /graphql and the SSO (overrides `environment`).",
                ConfigType::Url,
                false,
                None,
            ),
            key(
                config::KEY_SSO_URL,
                "Override of the SSO (Keycloak) base URL.",
                ConfigType::Url,
                false,
                None,
            ),
            key(
                config::KEY_GRAPHQL_URL,
                "Override of the GraphQL endpoint URL.",
                ConfigType::Url,
                false,
                None,
            ),
            key(
                config::KEY_CLIENT_ID,
                "Keycloak client id, used alone when set; unset, `monportailrh-web-app` is tried, then `web-app` when refused.",
                ConfigType::Text,
                false,
                None,
            ),
            career,
        ],
        operations: vec![
            Operation::TestConnection,
            Operation::GetFields,
            Operation::ListChoices,
            Operation::ListUsers,
            Operation::GetUser,
            Operation::CreateUser,
            Operation::UpdateUser,
            Operation::SuspendUser,
            Operation::ResumeUser,
        ],
        paging: PagingStyle::Cursor,
        max_page_size: MAX_PAGE_SIZE,
        default_page_size: DEFAULT_PAGE_SIZE,
    }
}

/// `host:port` of the SSO, REST and GraphQL URLs of `pairs`, deduplicated.
pub fn outbound_hosts(pairs: &[(String, String)]) -> Result<Vec<String>, Error> {
    Ok(config::endpoints(pairs)?.outbound_hosts())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn description() {
        let d = describe();
        assert_eq!(d.name, "peoplespheres");
        // The version comes from the WIT package line (build.rs); tests/tests/contract_version.rs
        // checks the built component reports it.
        assert_eq!(d.contract_version, CONTRACT_VERSION);
        assert_eq!(d.contract_version.split('.').count(), 3);
        assert_eq!(d.version, env!("CARGO_PKG_VERSION"));
        let names: Vec<_> = d.config.iter().map(|k| k.name.as_str()).collect();
        assert_eq!(names, config::ALL_KEYS.to_vec());
        assert!(d.config.iter().all(|k| k.secret == (k.name == "password")));
        for op in [
            Operation::CreateUser,
            Operation::UpdateUser,
            Operation::SuspendUser,
            Operation::ResumeUser,
        ] {
            assert!(d.operations.contains(&op), "{op:?}");
        }
        assert_eq!((d.max_page_size, d.default_page_size), (1000, 100));
        let career = d
            .config
            .iter()
            .find(|k| k.name == "career_history")
            .unwrap();
        assert_eq!(career.key_type, ConfigType::Enum);
        assert_eq!(career.default_value.as_deref(), Some("record"));
        assert_eq!(career.allowed_values, vec!["record", "history"]);
        assert!(career.description.contains("2 extra REST calls per user"));
    }

    #[test]
    fn hosts() {
        let pairs = vec![("url".to_string(), "http://127.0.0.1:4000".to_string())];
        assert_eq!(outbound_hosts(&pairs).unwrap(), vec!["127.0.0.1:4000"]);
        let bad = vec![("url".to_string(), "nope".to_string())];
        assert!(matches!(outbound_hosts(&bad), Err(Error::InvalidConfig(a)) if a.name == "url"));
    }
}
