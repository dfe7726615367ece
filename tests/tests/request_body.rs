//! A guest that streams an endless request body to its tenant, in a request the host must
//! hold whole (to put the real secret in place of its placeholder): the host stops collecting
//! at `Limits::max_request_bytes`, the guest gets a typed `HttpRequestBodySize`, and the host's
//! peak memory stays far below the 128 MiB the guest tried to send. (Alone in its test binary:
//! the peak is the process's.)

use connector_host::Connector;
use connector_host::runtime::{RuntimeOptions, WasmConnector};
use connector_tests::traps::Trap;
use connector_tests::{engine, mock_component, runtime};

fn peak_rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse::<u64>().ok())
        })
        .unwrap_or(0)
        / 1024
}

#[test]
fn an_endless_request_body_is_cut_at_the_cap_with_a_typed_error() {
    let tenant = Trap::checking("the-password");
    let config = vec![
        ("tenant".to_string(), tenant.authority()),
        ("secret".to_string(), "letmein".to_string()),
        ("password".to_string(), "the-password".to_string()),
    ];
    let connector = runtime()
        .block_on(WasmConnector::load(
            engine(),
            &mock_component("courier"),
            RuntimeOptions::default(),
        ))
        .expect("loads");
    let mut session = runtime().block_on(connector.open(config)).expect("opens");
    let before = peak_rss_mib();
    let user = runtime()
        .block_on(session.get_user("__stream"))
        .expect("the call itself answers");
    let grew = peak_rss_mib().saturating_sub(before);
    let outcome = user.display_name;
    println!("endless request body: {outcome}; host peak RSS grew {grew} MiB");
    assert!(outcome.contains("HttpRequestBodySize"), "{outcome}");
    let sent: u64 = outcome
        .strip_prefix("sent ")
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(u64::MAX);
    assert!(
        sent < 64 << 20,
        "the guest wrote {sent} bytes before it was stopped"
    );
    assert!(grew < 48, "host peak memory grew {grew} MiB");
    // Nothing reached the tenant: the request failed before it was sent.
    assert_eq!(tenant.hits(), 1, "only open's request: {}", tenant.seen());
}
