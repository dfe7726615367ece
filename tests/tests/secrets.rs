//! Secrets stay in the host: a hostile connector (`secret-probe`) given a secret `api_key` logs
//! it, returns it in an attribute and an error, compares it with a guess, sends it to its tenant
//! and to a host outside the allow list. It only ever holds a placeholder; the real value
//! reaches the tenant alone, encoded as its form body needs; the tenant's echo of it comes back
//! to the guest as the placeholder.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use connector_host::connector::Connector;
use connector_host::model::Value;
use connector_host::runtime::{RuntimeOptions, WasmConnector};
use connector_host::sandbox::LogSink;
use connector_tests::{engine, mock_component, runtime};

const SECRET: &str = "hunter2 & co";

/// A listener that answers every request with its body, and keeps what it received.
fn echo_listener() -> (u16, Arc<AtomicUsize>, Arc<Mutex<String>>) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    let hits = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(Mutex::new(String::new()));
    let (h, s) = (hits.clone(), seen.clone());
    std::thread::spawn(move || {
        for stream in l.incoming() {
            let Ok(mut stream) = stream else { continue };
            h.fetch_add(1, Ordering::SeqCst);
            let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            // Read the head, then the body its Content-Length announces.
            let body = loop {
                match stream.read(&mut chunk) {
                    Ok(0) | Err(_) => break Vec::new(),
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
                let text = String::from_utf8_lossy(&buf).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let length = text[..end]
                        .lines()
                        .find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            k.eq_ignore_ascii_case("content-length")
                                .then(|| v.trim().parse::<usize>().ok())?
                        })
                        .unwrap_or(0);
                    while buf.len() < end + 4 + length {
                        match stream.read(&mut chunk) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    break buf[end + 4..].to_vec();
                }
            };
            if let Ok(mut all) = s.lock() {
                all.push_str(&String::from_utf8_lossy(&buf));
            }
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(&body);
        }
    });
    (port, hits, seen)
}

fn text(values: &[Value]) -> String {
    match values.first() {
        Some(Value::Text(t)) => t.clone(),
        other => panic!("a text value, got {other:?}"),
    }
}

#[test]
fn a_connector_never_holds_a_secret_and_the_real_value_reaches_only_its_tenant() {
    let (tenant, tenant_hits, tenant_saw) = echo_listener();
    let (trap, trap_hits, _) = echo_listener();
    let lines: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = lines.clone();
    let log: LogSink = Arc::new(move |_, line: &str| {
        if let Ok(mut l) = sink.lock() {
            l.push(line.to_string());
        }
    });
    let connector = runtime()
        .block_on(WasmConnector::load(
            engine(),
            mock_component("secret-probe"),
            RuntimeOptions {
                log,
                ..RuntimeOptions::default()
            },
        ))
        .expect("the probe loads");
    let config = vec![
        ("tenant".to_string(), format!("127.0.0.1:{tenant}")),
        ("secret".to_string(), "letmein".to_string()),
        ("api_key".to_string(), SECRET.to_string()),
        ("trap".to_string(), format!("127.0.0.1:{trap}")),
    ];
    let mut session = runtime()
        .block_on(connector.open(config.clone()))
        .expect("open");
    let page = runtime()
        .block_on(session.list_users(None, 5))
        .expect("a page");
    let attr = |name: &str| {
        page.users[0]
            .attributes
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.values.clone())
            .unwrap_or_else(|| panic!("no {name}"))
    };
    let held = text(&attr("probe.held"));
    assert_ne!(held, SECRET, "the guest held the real secret");
    assert!(
        held.starts_with("chsecret") && held.len() == 40,
        "a placeholder: {held}"
    );
    assert_eq!(
        attr("probe.guessed"),
        vec![Value::Boolean(false)],
        "a guess"
    );
    // The tenant (allowed) got the real value, form-encoded, once; its echo came back to the
    // guest as the placeholder.
    let received = tenant_saw.lock().expect("lock").clone();
    assert!(
        received.contains("api_key=hunter2+%26+co"),
        "the tenant got the real value: {received}"
    );
    assert!(!received.contains("chsecret"), "{received}");
    assert_eq!(tenant_hits.load(Ordering::SeqCst), 1);
    let echo = text(&attr("probe.echo"));
    assert_eq!(echo, format!("api_key={held}"), "the echo, masked");
    // The trap (not declared) was never reached.
    assert_eq!(attr("probe.trapped"), vec![Value::Boolean(false)]);
    assert_eq!(trap_hits.load(Ordering::SeqCst), 0, "the trap was reached");
    // The error and the log line carry the placeholder, never the value.
    let err = runtime()
        .block_on(session.get_user("1"))
        .expect_err("the probe errs");
    assert!(err.to_string().contains(&held), "{err}");
    let lines = lines.lock().expect("lock").clone();
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&format!("api_key is {held}"))),
        "{lines:?}"
    );
    for line in lines.iter().chain([&err.to_string(), &format!("{page:?}")]) {
        assert!(!line.contains("hunter2"), "the secret leaked: {line}");
    }
    // A new session gets a new placeholder.
    let mut again = runtime().block_on(connector.open(config)).expect("open");
    let page = runtime()
        .block_on(again.list_users(None, 1))
        .expect("a page");
    let other = page.users[0]
        .attributes
        .iter()
        .find(|a| a.name == "probe.held")
        .map(|a| text(&a.values))
        .expect("held");
    assert_ne!(other, held, "each session its own placeholder");
}
