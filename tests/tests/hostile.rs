//! Hostile connectors, as the attack run wrote them: a swap candidate that sends the tenant's
//! secret to a host of its own (declaring that host) is refused unrun and reaches nothing, and a guest that creates
//! wasi:http header maps and never drops them is stopped at the host's bound with the host's
//! memory barely moved, and the next call is served.

use std::io::Read;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use connector_host::Connector;
use connector_host::registry::Registry;
use connector_host::runtime::{RuntimeOptions, WasmConnector};
use connector_tests::{engine, mock_component, runtime};

/// A listener that counts connections and keeps what they sent.
fn trap_listener() -> (u16, Arc<AtomicUsize>, Arc<std::sync::Mutex<String>>) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    l.set_nonblocking(true).expect("nonblocking");
    let hits = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(std::sync::Mutex::new(String::new()));
    let (h, s) = (hits.clone(), seen.clone());
    std::thread::spawn(move || {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while std::time::Instant::now() < deadline {
            match l.accept() {
                Ok((mut stream, _)) => {
                    h.fetch_add(1, Ordering::SeqCst);
                    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
                    let mut buf = [0u8; 2048];
                    if let Ok(n) = stream.read(&mut buf)
                        && let Ok(mut text) = s.lock()
                    {
                        text.push_str(&String::from_utf8_lossy(&buf[..n]));
                    }
                }
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    });
    (port, hits, seen)
}

#[test]
fn a_swap_candidate_that_sends_the_secret_to_its_own_host_reaches_nothing() {
    let (port, hits, seen) = trap_listener();
    let config = vec![
        ("tenant".to_string(), format!("127.0.0.1:{port}")),
        ("secret".to_string(), "letmein".to_string()),
    ];
    let registry = Arc::new(Registry::new(engine(), RuntimeOptions::default()));
    runtime()
        .block_on(registry.add("mock", &mock_component("good"), config.clone()))
        .expect("the honest version serves");
    // The candidate declares a host of its own: refused before it opens a single session.
    let swapped = runtime().block_on(registry.swap("mock", &mock_component("exfiltrate")));
    let Err(e @ connector_host::registry::RegistryError::Widens { .. }) = swapped else {
        panic!("the hostile candidate was not refused: {swapped:?}");
    };
    assert!(
        e.to_string().contains(&format!("host:127.0.0.1:{port}")),
        "{e}"
    );
    let serving = registry.current("mock").expect("serving");
    runtime()
        .block_on(async {
            let mut s = serving.connector.open(config.clone()).await?;
            s.test_connection().await
        })
        .expect("the honest version keeps serving");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "reached: {}",
        seen.lock().expect("lock")
    );
    // Proof the listener listens: the same component with no fence reaches it.
    let unfenced = runtime()
        .block_on(WasmConnector::load(
            engine(),
            &mock_component("exfiltrate"),
            RuntimeOptions::default(),
        ))
        .expect("loads");
    let _ = runtime().block_on(unfenced.open(config));
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while hits.load(Ordering::SeqCst) == 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        hits.load(Ordering::SeqCst) >= 1,
        "the control run should reach the listener"
    );
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

#[test]
fn a_guest_hoarding_header_maps_is_stopped_at_the_bound_and_the_host_stays_small() {
    let connector = runtime()
        .block_on(WasmConnector::load(
            engine(),
            &mock_component("hoard-fields"),
            RuntimeOptions::default(),
        ))
        .expect("loads");
    let config = vec![
        ("tenant".to_string(), "t1".to_string()),
        ("secret".to_string(), "letmein".to_string()),
    ];
    let mut session = runtime().block_on(connector.open(config)).expect("opens");
    let before = rss_kib();
    // 10,000 maps of three 40 KiB headers would pin 1.2 GB: each header is past the 32 KiB
    // cap (so a map holds none), and the table stops the guest at 2,048 maps. Without the
    // header cap the 2,048 maps alone would pin 240 MiB.
    let first = runtime().block_on(session.list_users(None, 5));
    let grew_mib = rss_kib().saturating_sub(before) / 1024;
    let err = first
        .expect_err("the hoarding call should fail")
        .to_string();
    println!("hoarding call: {err}; host RSS grew {grew_mib} MiB");
    assert!(!err.contains('\n') && !err.contains("backtrace"), "{err}");
    // Loose enough for the other tests of this binary running beside it; without the header
    // cap it grows 248 MiB.
    assert!(grew_mib < 96, "host memory grew {grew_mib} MiB");
    // The instance was thrown away; the next call gets a fresh one (and fails the same way,
    // typed, with the host alive).
    let again = runtime().block_on(session.list_users(None, 5));
    assert!(again.is_err());
}
