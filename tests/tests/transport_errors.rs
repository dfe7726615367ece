//! Transport failures reach the user in words: the host and port, and the cause (connection
//! refused, no answer within N s, answer too large), never Rust debug text, in the runtime's
//! errors and in the CLI's one-line errors.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use connector_host::ComponentSource;
use connector_host::Connector;
use connector_host::engine::HostEngine;
use connector_host::runtime::{RuntimeOptions, WasmConnector};
use connector_host::sandbox::Limits;
use connector_tests::runtime;

/// No Rust debug text in a message a person reads.
fn assert_words(text: &str) {
    for debug in ["{", "::", "Payload", "Some(", "os error", "StreamError"] {
        assert!(!text.contains(debug), "debug text {debug:?} in {text:?}");
    }
}

/// A port on loopback that nothing listens on.
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    drop(l);
    port
}

/// Accepts connections and answers each with `answer` (or nothing, holding the connection).
fn listener(answer: Option<Vec<u8>>) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in l.incoming().take(8) {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
            let _ = s.read(&mut buf);
            match &answer {
                Some(bytes) => {
                    let _ = s.write_all(bytes);
                }
                None => held.push(s),
            }
        }
    });
    port
}

fn open_error(limits: Limits, port: u16) -> String {
    open_error_at(limits, &format!("http://127.0.0.1:{port}"))
}

fn open_error_at(limits: Limits, url: &str) -> String {
    let engine = HostEngine::new(limits).expect("engine");
    let rt = runtime();
    let connector = rt
        .block_on(WasmConnector::load(
            engine,
            ComponentSource::PEOPLESPHERES,
            RuntimeOptions::default(),
        ))
        .expect("describes");
    let config = vec![
        ("url".into(), url.to_string()),
        ("login".into(), "api@example.com".into()),
        ("password".into(), "not-a-real-password".into()),
    ];
    let err = match rt.block_on(async {
        let mut s = connector.open(config).await?;
        s.test_connection().await
    }) {
        Ok(()) => panic!("the connection test passed against {url}"),
        Err(e) => e.to_string(),
    };
    assert_words(&err);
    assert!(!err.contains("not-a-real-password"), "{err}");
    err
}

#[test]
fn a_refused_connection_names_the_host_and_port() {
    let port = closed_port();
    let err = open_error(Limits::default(), port);
    assert!(
        err.contains(&format!("127.0.0.1:{port}: connection refused")),
        "{err}"
    );
}

#[test]
fn a_server_that_never_answers_is_reported_with_the_timeout() {
    let port = listener(None);
    let limits = Limits {
        first_byte_timeout: Duration::from_secs(1),
        ..Limits::default()
    };
    let err = open_error(limits, port);
    assert!(
        err.contains(&format!("127.0.0.1:{port}: no answer within 1 s")),
        "{err}"
    );
}

#[test]
fn an_answer_over_the_cap_is_reported_as_too_large() {
    let body = vec![b'x'; 256 * 1024];
    let mut answer = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    answer.extend_from_slice(&body);
    let port = listener(Some(answer));
    let limits = Limits {
        max_response_bytes: 64 * 1024,
        ..Limits::default()
    };
    let err = open_error(limits, port);
    assert!(
        err.contains(&format!(
            "127.0.0.1:{port}: the answer was larger than 64 KiB"
        )),
        "{err}"
    );
}

#[test]
fn the_cli_error_for_an_unreachable_tenant_is_one_line_of_words() {
    let port = closed_port();
    let dir = std::env::temp_dir().join(format!("ch-transport-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let secret = dir.join("password");
    std::fs::write(&secret, "not-a-real-password").expect("write");
    let config = dir.join("tenant.toml");
    std::fs::write(
        &config,
        format!(
            "[connector.settings]\nurl = \"http://127.0.0.1:{port}\"\nlogin = \"api@example.com\"\npassword_file = \"{}\"\n",
            secret.display()
        ),
    )
    .expect("write");
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = connector_host::cli::run(
        [
            "connector-host",
            "test",
            "--config",
            config.to_str().unwrap_or_default(),
        ],
        &mut out,
        &mut err,
    );
    let err = String::from_utf8_lossy(&err);
    assert_eq!(code, 1, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(
        err.contains(&format!("127.0.0.1:{port}: connection refused")),
        "{err}"
    );
    assert_words(&err);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_stalled_tls_handshake_is_cut_at_its_own_timeout() {
    // Accepts the connection and never says a word: a TLS client waits for the server hello.
    let port = listener(None);
    let limits = Limits {
        connect_timeout: Duration::from_secs(1),
        first_byte_timeout: Duration::from_secs(1),
        ..Limits::default()
    };
    let started = std::time::Instant::now();
    let err = open_error_at(limits, &format!("https://127.0.0.1:{port}"));
    assert!(
        err.contains(&format!(
            "127.0.0.1:{port}: no connection and answer within 3 s"
        )),
        "{err}"
    );
    // Three attempts (the connector retries reads twice), each cut at 3 s, not at the 60 s
    // call deadline.
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
}
