//! `describe` and `outbound-hosts`. Pure.

use crate::config::{self, KEY_TOKEN, KEY_URL};
use crate::model::{ConfigKey, ConfigType, Description, Error, Operation, PagingStyle};
use crate::paging::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};

pub const NAME: &str = "scim";
pub use connector_kit::CONTRACT_VERSION;

fn key(name: &str, description: &str, key_type: ConfigType, secret: bool) -> ConfigKey {
    ConfigKey {
        name: name.into(),
        description: description.into(),
        key_type,
        required: true,
        default_value: None,
        allowed_values: Vec::new(),
        secret,
    }
}

/// Every operation but `list-choices` (SCIM has no choice lists here).
pub fn describe() -> Description {
    Description {
        name: NAME.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        contract_version: CONTRACT_VERSION.into(),
        config: vec![
            key(
                KEY_URL,
                "The SCIM 2.0 base URL (`https://app.example/scim/v2`); `/Users`, `/Schemas`… are \
                 relative to it.",
                ConfigType::Url,
                false,
            ),
            key(
                KEY_TOKEN,
                "The bearer token sent in `Authorization: Bearer …`.",
                ConfigType::Text,
                true,
            ),
        ],
        operations: vec![
            Operation::TestConnection,
            Operation::GetFields,
            Operation::ListUsers,
            Operation::GetUser,
            Operation::CreateUser,
            Operation::UpdateUser,
            Operation::SuspendUser,
            Operation::ResumeUser,
        ],
        paging: PagingStyle::Offset,
        max_page_size: MAX_PAGE_SIZE,
        default_page_size: DEFAULT_PAGE_SIZE,
    }
}

/// The one `host:port` of the base URL.
pub fn outbound_hosts(config: &[(String, String)]) -> Result<Vec<String>, Error> {
    config::parse_url(config).map(|(_, host_port)| vec![host_port])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn description() {
        let d = describe();
        assert_eq!((d.name.as_str(), d.version.as_str()), ("scim", "0.1.0"));
        assert_eq!(d.contract_version, CONTRACT_VERSION);
        assert!(!d.operations.contains(&Operation::ListChoices));
        assert_eq!(d.operations.len(), 8);
        assert_eq!((d.default_page_size, d.max_page_size), (100, 1000));
        let token = d.config.iter().find(|k| k.name == "token").unwrap();
        assert!(token.secret && token.required);
        let url = d.config.iter().find(|k| k.name == "url").unwrap();
        assert!(!url.secret && url.required && url.key_type == ConfigType::Url);
    }

    #[test]
    fn hosts() {
        let c = |u: &str| vec![("url".to_string(), u.to_string())];
        assert_eq!(
            outbound_hosts(&c("https://a.example/scim/v2")).unwrap(),
            ["a.example:443"]
        );
        assert_eq!(
            outbound_hosts(&c("http://a.example")).unwrap(),
            ["a.example:80"]
        );
        assert_eq!(
            outbound_hosts(&c("http://a.example:8080/")).unwrap(),
            ["a.example:8080"]
        );
        for bad in ["", "mailto:x", "ftp://a.example"] {
            let e = outbound_hosts(&c(bad)).unwrap_err();
            assert!(matches!(e, Error::InvalidConfig(ref a) if a.name == "url"));
        }
        assert!(outbound_hosts(&[]).is_err());
    }
}
