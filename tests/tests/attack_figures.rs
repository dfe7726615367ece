//! The attack run's figures, measured by the project's own tests: a hostile guest drives a
//! list of egress escapes at trap listeners (every connection to a trap counted), and a set of
//! abusive guests each must end with a typed error while the next call answers. Both print
//! their counts (`cargo test -p connector-tests --test attack_figures -- --nocapture`).

use std::time::Duration;

use connector_host::Connector;
use connector_host::engine::HostEngine;
use connector_host::error::HostError;
use connector_host::paging::{ListingGuard, Pages, PagingError};
use connector_host::runtime::{RuntimeOptions, WasmConnector};
use connector_host::sandbox::Limits;
use connector_tests::traps::Trap;
use connector_tests::{mock_component, runtime};

const PASSWORD: &str = "the-password";

/// The escapes, each `scheme|authority|path`; `T` is the trap's port, `A` the allowed
/// tenant's, `S` the IPv6 trap's.
const ESCAPES: &[&str] = &[
    "http|127.0.0.1:T|/another-port-of-the-allowed-host",
    "http|localhost:T|/a-name-for-it",
    "http|LOCALHOST:T|/upper-case",
    "http|LocalHost:T|/mixed-case",
    "http|localhost.:T|/trailing-dot",
    "http|127.0.0.1.:T|/trailing-dot-on-the-address",
    "http|x@127.0.0.1:T|/userinfo",
    "http|127.0.0.1:A@127.0.0.1:T|/the-allowed-host-as-userinfo",
    "http|user:pw@127.0.0.1:A|/userinfo-on-the-allowed-host",
    "http|x@127.0.0.1:A|/bare-userinfo-on-the-allowed-host",
    "http|[::1]:S|/ipv6-loopback",
    "http|[0:0:0:0:0:0:0:1]:S|/ipv6-long-form",
    "http|[::ffff:127.0.0.1]:T|/ipv4-mapped-ipv6",
    "http|2130706433:T|/decimal-address",
    "http|0x7f000001:T|/hex-address",
    "http|0177.0.0.1:T|/octal-address",
    "http|127.1:T|/short-address",
    "http|127.0.0.01:T|/padded-address",
    "http|0.0.0.0:T|/any-address",
    "http|127.0.0.2:T|/another-loopback-address",
    "https|127.0.0.1:T|/https-to-the-trap",
    "ftp|127.0.0.1:T|/another-scheme",
    "http|127.0.0.1|/the-default-port",
    "http|127.0.0.1:80|/port-80",
    "http|127.0.0.1:65536|/port-out-of-range",
    "http|127.0.0.1:A:T|/two-ports",
    "http|127.0.0.1:T#@127.0.0.1:A|/fragment-in-the-authority",
    "http|127.0.0.1:T/@127.0.0.1:A|/slash-in-the-authority",
    "http|127.0.0.1:T|//127.0.0.1:A/path-naming-the-allowed-host",
    "http|exfil.example:80|/undeclared-name",
    "http|exfil.example.127.0.0.1.nip.io:T|/rebinding-name",
    "http|127.0.0.1:A|/redirect?to=127.0.0.1:T",
    "http|127.0.0.1:A|/redirect?to=localhost:T",
    "http|127.0.0.1:A|/redirect?to=[::1]:S",
];

#[test]
fn egress_escapes_are_refused_before_any_connection() {
    let trap = Trap::new();
    let trap6 = Trap::on("[::1]:0", "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
    let six = trap6.as_ref().map_or(trap.port, |t| t.port);
    // The allowed tenant: checks the password, and redirects `/redirect?to=X` to `X`.
    let tenant = Trap::answering("127.0.0.1:0", |request| {
        let line = request.lines().next().unwrap_or_default();
        if let Some(to) = line
            .strip_prefix("GET /redirect?to=")
            .and_then(|r| r.split(' ').next())
        {
            return format!(
                "HTTP/1.1 302 Found\r\nlocation: http://{to}/redirected\r\ncontent-length: 0\r\n\r\n"
            );
        }
        if request.contains(PASSWORD) {
            "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok".into()
        } else {
            "HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n".into()
        }
    })
    .expect("bind");
    let targets: Vec<String> = ESCAPES
        .iter()
        .map(|e| {
            e.replace(":T", &format!(":{}", trap.port))
                .replace(":A", &format!(":{}", tenant.port))
                .replace(":S", &format!(":{six}"))
        })
        .collect();
    let config = vec![
        ("tenant".to_string(), tenant.authority()),
        ("secret".to_string(), "letmein".to_string()),
        ("password".to_string(), PASSWORD.to_string()),
        ("targets".to_string(), targets.join(" ")),
    ];
    let connector = runtime()
        .block_on(WasmConnector::load(
            connector_tests::engine(),
            &mock_component("courier"),
            RuntimeOptions::default(),
        ))
        .expect("loads");
    let outcomes = runtime()
        .block_on(async {
            let mut s = connector.open(config).await?;
            s.get_user("__escape").await
        })
        .expect("the escape call answers")
        .display_name;
    std::thread::sleep(Duration::from_millis(300));
    let outcomes: Vec<(String, String)> = outcomes
        .split(';')
        .filter_map(|o| o.rsplit_once('='))
        .map(|(t, o)| (t.to_string(), o.to_string()))
        .collect();
    for (target, outcome) in &outcomes {
        println!("  {target} -> {outcome}");
    }
    let attempts = outcomes.len();
    let refused = outcomes
        .iter()
        .filter(|(_, o)| o.starts_with("refused:"))
        .count();
    let reached = trap.hits() + trap6.as_ref().map_or(0, Trap::hits);
    println!(
        "egress: {attempts} attempts, {refused} refused before any connection, {reached} reached a listener"
    );
    assert_eq!(attempts, ESCAPES.len(), "{outcomes:?}");
    assert_eq!(refused, attempts, "{outcomes:?}");
    assert_eq!(
        reached,
        0,
        "reached: {} {:?}",
        trap.seen(),
        trap6.map(|t| t.seen())
    );
}

/// One abusive guest: what it does, and whether it ended typed with the next call answering.
fn survived(what: &str, outcome: Result<(), String>, next: impl FnOnce() -> bool) -> (bool, bool) {
    let typed = match &outcome {
        Ok(()) => false,
        Err(text) => !text.contains('\n') && !text.contains("backtrace"),
    };
    let answered = next();
    println!(
        "  {what}: {} ; next call {}",
        match &outcome {
            Ok(()) => "not stopped".to_string(),
            Err(e) => e.clone(),
        },
        if answered { "answered" } else { "failed" }
    );
    (typed, answered)
}

/// A host error as the test reports it: its text when it is one of the kinds a stopped guest
/// ends in (deadline, trap), an `untyped` marker otherwise.
fn typed(e: HostError) -> String {
    match e {
        HostError::Deadline { .. } | HostError::Trap { .. } => e.to_string(),
        other => format!("untyped\n{other}"),
    }
}

fn load(variant: &str, limits: Limits) -> WasmConnector {
    let engine = HostEngine::new(limits).expect("engine");
    runtime()
        .block_on(WasmConnector::load(
            engine,
            &mock_component(variant),
            RuntimeOptions::default(),
        ))
        .expect("loads")
}

#[test]
fn abusive_guests_end_with_a_typed_error_and_the_next_call_answers() {
    let tight = Limits {
        // Tight enough that a spinning guest is stopped soon, loose enough for a login on a
        // busy machine.
        call_timeout: Duration::from_secs(3),
        memory_bytes: 16 << 20,
        ..Limits::default()
    };
    let plain = vec![
        ("tenant".to_string(), "t".to_string()),
        ("secret".to_string(), "letmein".to_string()),
    ];
    let tenant = Trap::checking(PASSWORD);
    let courier = vec![
        ("tenant".to_string(), tenant.authority()),
        ("secret".to_string(), "letmein".to_string()),
        ("password".to_string(), PASSWORD.to_string()),
    ];
    let mut results: Vec<(bool, bool)> = Vec::new();
    let rt = runtime();
    // Each case: (what, variant, config, the abusive call).
    type Call = fn(
        &mut dyn connector_host::connector::Session,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<(), String>> + Send + '_>,
    >;
    type Case<'c> = (
        &'static str,
        &'static str,
        &'c connector_host::model::Config,
        Call,
    );
    let cases: Vec<Case<'_>> = vec![
        ("spins forever", "good", &plain, |s| {
            Box::pin(async move { s.get_user("__spin").await.map(|_| ()).map_err(typed) })
        }),
        ("grows memory without end", "good", &plain, |s| {
            Box::pin(async move { s.get_user("__hog").await.map(|_| ()).map_err(typed) })
        }),
        ("traps", "trap", &plain, |s| {
            Box::pin(async move { s.get_user("1").await.map(|_| ()).map_err(typed) })
        }),
        ("hoards header maps", "hoard-fields", &plain, |s| {
            Box::pin(async move { s.list_users(None, 5).await.map(|_| ()).map_err(typed) })
        }),
        (
            "streams an endless request body",
            "courier",
            &courier,
            |s| {
                Box::pin(async move {
                    let u = s.get_user("__stream").await.map_err(typed)?;
                    if u.display_name.contains("HttpRequestBodySize") {
                        Err(format!("the guest was told: {}", u.display_name))
                    } else {
                        Ok(())
                    }
                })
            },
        ),
        ("lists forever", "endless", &plain, |s| {
            Box::pin(async move {
                let guard = ListingGuard::new(500, "test");
                let mut pages = Pages::new(s, 10, guard);
                loop {
                    match pages.next().await {
                        Ok(Some(_)) => continue,
                        Ok(None) => return Ok(()),
                        Err(PagingError::Connector(e)) => return Err(typed(e)),
                        Err(PagingError::Listing(e)) => return Err(format!("listing: {e}")),
                    }
                }
            })
        }),
    ];
    for (what, variant, config, call) in cases {
        let connector = load(variant, tight.clone());
        let mut session = rt.block_on(connector.open(config.clone())).expect("opens");
        let outcome = rt.block_on(call(session.as_mut()));
        let next = || {
            rt.block_on(async {
                tokio::time::timeout(Duration::from_secs(5), session.test_connection()).await
            })
            .is_ok_and(|r| r.is_ok())
        };
        results.push(survived(what, outcome, next));
    }
    let n = results.len();
    let typed = results.iter().filter(|(t, _)| *t).count();
    let answered = results.iter().filter(|(_, a)| *a).count();
    println!(
        "abusive guests: {n} cases, {typed} stopped with a typed error, {answered} answered the next call"
    );
    assert_eq!(typed, n);
    assert_eq!(answered, n);
}
