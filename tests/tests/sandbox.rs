//! The host's sandbox: a connector reaches only the hosts of its configuration (and of the
//! operator's list when one is set); a request elsewhere is a typed error, not a hang or a
//! trap; the instance survives it.

use connector_host::error::ErrorKind;
use std::time::{Duration, Instant};

use connector_host::connector::Connector;
use connector_host::runtime::RuntimeOptions;
use connector_host::sandbox::OutboundPolicy;
use connector_tests::{config_for, connector, runtime, simulator};

#[test]
fn a_host_outside_the_operator_allow_list_is_refused_with_a_typed_error() {
    let sim = simulator(10);
    // The operator allows only the simulator; the configuration sends SSO to 127.0.0.2.
    let operator = OutboundPolicy::allow([sim.url()]);
    let connector = connector(RuntimeOptions {
        operator_allow: Some(operator),
        ..RuntimeOptions::default()
    });
    let mut config = config_for(&sim);
    let port = sim.addr().port();
    config.push(("sso_url".into(), format!("http://127.0.0.2:{port}")));
    let started = Instant::now();
    let mut session = runtime()
        .block_on(connector.open(config))
        .expect("open makes no call");
    let err = runtime()
        .block_on(session.test_connection())
        .expect_err("refused");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "refusal is immediate"
    );
    assert_eq!(
        err.as_connector().map(|e| e.kind()),
        Some(ErrorKind::EgressDenied),
        "{err}"
    );
    assert!(err.to_string().contains("127.0.0.2"), "{err}");
    assert!(sim.journal().is_empty(), "nothing reached the tenant");
    // The session is still usable: the same refusal again, no trap.
    let again = runtime()
        .block_on(session.test_connection())
        .expect_err("refused again");
    assert_eq!(
        again.as_connector().map(|e| e.kind()),
        Some(ErrorKind::EgressDenied)
    );
}

#[test]
fn the_declared_hosts_are_those_of_the_configuration() {
    let sim = simulator(1);
    let connector = connector(RuntimeOptions::default());
    let hosts = runtime()
        .block_on(connector.outbound_hosts(&config_for(&sim)))
        .expect("hosts");
    assert_eq!(hosts, vec![format!("127.0.0.1:{}", sim.addr().port())]);
    let production = vec![
        ("login".to_string(), "a@b.c".to_string()),
        ("password".to_string(), "x".to_string()),
    ];
    let mut hosts = runtime()
        .block_on(connector.outbound_hosts(&production))
        .expect("hosts");
    hosts.sort();
    assert_eq!(
        hosts,
        vec![
            "rest.monportailrh.com:443".to_string(),
            "sso.monportailrh.com:443".to_string()
        ]
    );
}

#[test]
fn an_unreachable_tenant_is_unavailable() {
    let connector = connector(RuntimeOptions::default());
    let config = vec![
        ("url".to_string(), "http://127.0.0.1:9".to_string()),
        ("login".to_string(), "a@b.c".to_string()),
        ("password".to_string(), "pw-unreachable".to_string()),
    ];
    let mut session = runtime().block_on(connector.open(config)).expect("open");
    let err = runtime()
        .block_on(session.test_connection())
        .expect_err("unreachable");
    assert_eq!(
        err.as_connector().map(|e| e.kind()),
        Some(ErrorKind::Unavailable),
        "{err}"
    );
}
