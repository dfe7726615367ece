//! The admin API's gate, attacked as the attack run did: no token, a rebinding `Host`
//! (`attacker.example`), and a cross-site `POST /rollback` from a browser page are refused
//! and change nothing; the right token, `Host` and no foreign origin pass. `serve` refuses a
//! non-loopback `--listen` without the operator's token and `--allow-remote`, and writes the
//! token it makes owner-only.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use connector_host::admin_guard::Guard;
use connector_host::registry::Registry;
use connector_host::runtime::RuntimeOptions;
use connector_tests::{engine, mock_component, runtime};
use tower::ServiceExt;

const TOKEN: &str = "0123456789abcdef0123456789abcdef";

fn app() -> (axum::Router, Arc<Registry>) {
    let registry = Arc::new(Registry::new(engine(), RuntimeOptions::default()));
    let config = vec![
        ("tenant".to_string(), "t1".to_string()),
        ("secret".to_string(), "letmein".to_string()),
    ];
    runtime()
        .block_on(registry.add("mock", &mock_component("good"), config))
        .expect("added");
    runtime()
        .block_on(registry.swap("mock", &mock_component("v2")))
        .expect("v2 serves, good kept for rollback");
    let listen: std::net::SocketAddr = "127.0.0.1:7400".parse().expect("addr");
    let guard = Guard::new(listen, TOKEN).expect("guard");
    (
        connector_host::serve::guarded(registry.clone(), guard),
        registry,
    )
}

async fn send(
    app: &axum::Router,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> StatusCode {
    let mut request = Request::builder().method(method).uri(path);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let request = request.body(Body::empty()).expect("request");
    app.clone().oneshot(request).await.expect("answer").status()
}

#[test]
fn the_gate_refuses_what_the_attack_run_did_and_lets_the_operator_through() {
    let (app, registry) = app();
    let bearer = format!("Bearer {TOKEN}");
    runtime().block_on(async {
        // No token: employee records are not served.
        let s = send(
            &app,
            "GET",
            "/connectors/mock/users",
            &[("host", "127.0.0.1:7400")],
        )
        .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let s = send(
            &app,
            "GET",
            "/connectors/mock/users",
            &[
                ("host", "127.0.0.1:7400"),
                ("authorization", "Bearer wrong-token-000000"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        // DNS rebinding: the right token cannot be had by a page, and a foreign Host is refused
        // even with it.
        let s = send(
            &app,
            "GET",
            "/connectors/mock/users",
            &[("host", "attacker.example"), ("authorization", &bearer)],
        )
        .await;
        assert_eq!(s, StatusCode::MISDIRECTED_REQUEST);
        // A cross-site POST with no body (a form or fetch from a browser page).
        for headers in [
            vec![
                ("host", "127.0.0.1:7400"),
                ("origin", "https://attacker.example"),
                ("authorization", bearer.as_str()),
            ],
            vec![
                ("host", "127.0.0.1:7400"),
                ("sec-fetch-site", "cross-site"),
                ("authorization", bearer.as_str()),
            ],
        ] {
            let s = send(&app, "POST", "/connectors/mock/rollback", &headers).await;
            assert_eq!(s, StatusCode::FORBIDDEN);
        }
        assert_eq!(
            registry.current("mock").expect("serving").version(),
            "0.2.0",
            "the refused rollback changed nothing"
        );
        // The operator: token, this server's Host (any loopback spelling of it).
        for host in ["127.0.0.1:7400", "localhost:7400"] {
            let s = send(
                &app,
                "GET",
                "/connectors/mock/users?page_size=2",
                &[("host", host), ("authorization", &bearer)],
            )
            .await;
            assert_eq!(s, StatusCode::OK, "{host}");
        }
        let s = send(
            &app,
            "POST",
            "/connectors/mock/rollback",
            &[
                ("host", "127.0.0.1:7400"),
                ("authorization", &bearer),
                ("origin", "http://127.0.0.1:7400"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            registry.current("mock").expect("serving").version(),
            "0.1.0"
        );
    });
}

#[test]
fn a_weak_operator_token_and_a_remote_listen_without_it_are_refused() {
    let listen: std::net::SocketAddr = "127.0.0.1:7400".parse().expect("addr");
    assert!(Guard::new(listen, "short").is_err());
    assert_remote_listen_refused(&[]);
}

#[test]
fn a_remote_listen_needs_both_the_flag_and_the_operators_token() {
    use connector_host::admin_guard::check_listen;
    let remote: std::net::SocketAddr = "0.0.0.0:7400".parse().expect("addr");
    let loopback: std::net::SocketAddr = "127.0.0.1:7400".parse().expect("addr");
    let token = Some("an-operator-token-of-32-chars-xx");
    assert!(check_listen(remote, false, None).is_err(), "neither");
    assert!(check_listen(remote, true, None).is_err(), "flag, no token");
    assert!(
        check_listen(remote, false, token).is_err(),
        "token, no flag"
    );
    assert!(check_listen(remote, true, Some("")).is_err(), "empty token");
    assert!(check_listen(remote, true, token).is_ok(), "both");
    assert!(check_listen(loopback, false, None).is_ok(), "loopback");
    // Through the command: the flag alone is refused before anything is served.
    assert_remote_listen_refused(&["--allow-remote"]);
}

/// `serve --listen 0.0.0.0:0 <extra>` is refused as bad usage, before anything is served.
fn assert_remote_listen_refused(extra: &[&str]) {
    let mut argv = vec!["connector-host", "serve", "--listen", "0.0.0.0:0"];
    argv.extend_from_slice(extra);
    argv.extend(["--demo-users", "3"]);
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = connector_host::cli::run(argv, &mut out, &mut err);
    let err = String::from_utf8_lossy(&err);
    assert_eq!(code, 2, "{extra:?}: {err}");
    assert!(
        err.contains("needs --allow-remote and CONNECTOR_HOST_ADMIN_TOKEN"),
        "{err}"
    );
}

#[test]
fn the_token_file_is_owner_only() {
    let dir = std::env::temp_dir().join(format!("ch-token-{}", std::process::id()));
    let file = dir.join("nested").join("admin.token");
    let token = Guard::random_token().expect("random");
    assert_eq!(token.len(), 64);
    assert_ne!(token, Guard::random_token().expect("random"));
    Guard::write_token(&file, &token).expect("written");
    assert_eq!(std::fs::read_to_string(&file).expect("read"), token);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    std::fs::remove_dir_all(&dir).ok();
}
