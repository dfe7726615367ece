//! Token endpoint: grants, refresh, Keycloak errors, expiry, the 401 body.

use crate::common::*;
use serde_json::json;

#[tokio::test]
async fn password_grant_shape() {
    let sim = sim().await;
    for client in ["web-app", "monportailrh-web-app"] {
        let v = token_form(&sim, &password_form(&sim, client)).await.json();
        assert_eq!(v["expires_in"], 300);
        assert_eq!(v["refresh_expires_in"], 36000);
        assert_eq!(v["not-before-policy"], 0);
        assert_eq!(v["token_type"], "Bearer");
        let access = v["access_token"].as_str().expect("access");
        assert_eq!(access.split('.').count(), 3);
        assert!(v["refresh_token"].as_str().is_some_and(|r| r != access));
        assert!(v["session_state"].is_string());
    }
    let (a, _) = login(&sim).await;
    let (b, _) = login(&sim).await;
    assert_ne!(a, b, "tokens are random per issue");
}

#[tokio::test]
async fn keycloak_errors() {
    let sim = sim().await;
    let cases = [
        (
            "grant_type=password&client_id=web-app&username=admin@demo.example&password=nope",
            401,
            "invalid_grant",
            "Invalid user credentials",
        ),
        (
            "grant_type=password&client_id=other&username=a&password=b",
            401,
            "invalid_client",
            "Invalid client credentials",
        ),
        (
            "grant_type=refresh_token&client_id=web-app&refresh_token=abc",
            400,
            "invalid_grant",
            "Invalid refresh token",
        ),
        (
            "client_id=web-app",
            400,
            "invalid_request",
            "Missing form parameter: grant_type",
        ),
        (
            "grant_type=client_credentials&client_id=web-app",
            400,
            "unsupported_grant_type",
            "Unsupported grant_type",
        ),
    ];
    for (form, status, error, desc) in cases {
        let r = token_form(&sim, form).await;
        assert_eq!(r.status, status, "{form}");
        assert_eq!(
            r.json(),
            json!({ "error": error, "error_description": desc }),
            "{form}"
        );
    }
}

#[tokio::test]
async fn refresh_gives_new_pair_and_checks_client() {
    let sim = sim().await;
    let (access, refresh) = login(&sim).await;
    let form = format!("grant_type=refresh_token&client_id=web-app&refresh_token={refresh}");
    let v = token_form(&sim, &form).await.json();
    let new_refresh = v["refresh_token"].as_str().expect("refresh");
    assert_ne!(new_refresh, refresh);
    assert_ne!(v["access_token"].as_str(), Some(access.as_str()));
    let other = format!(
        "grant_type=refresh_token&client_id=monportailrh-web-app&refresh_token={new_refresh}"
    );
    assert_eq!(token_form(&sim, &other).await.status, 400);
}

#[tokio::test]
async fn expired_token_is_401_then_refresh_works() {
    let sim = sim().await;
    let (access, refresh) = login(&sim).await;
    assert_eq!(
        get(&sim, "/search?pso-type=usr", Some(&access))
            .await
            .status,
        200
    );
    sim.expire_tokens();
    let r = get(&sim, "/search?pso-type=usr", Some(&access)).await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json(),
        json!({ "message": "Unauthenticated.", "status_code": 401 })
    );
    let g = gql(
        &sim,
        &access,
        "{ getPsoTypes(first: 1) { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(g.status, 401);
    let v = token_form(
        &sim,
        &format!("grant_type=refresh_token&client_id=web-app&refresh_token={refresh}"),
    )
    .await
    .json();
    let fresh = v["access_token"].as_str().expect("access");
    assert_eq!(
        get(&sim, "/search?pso-type=usr", Some(fresh)).await.status,
        200
    );

    sim.set_token_ttl(0);
    let v = token_form(&sim, &password_form(&sim, "web-app"))
        .await
        .json();
    assert_eq!(v["expires_in"], 0);
    let dead = v["access_token"].as_str().expect("access");
    assert_eq!(get(&sim, "/fields", Some(dead)).await.status, 401);
}

#[tokio::test]
async fn missing_or_garbage_token_and_unknown_route() {
    let sim = sim().await;
    assert_eq!(get(&sim, "/fields", None).await.status, 401);
    assert_eq!(get(&sim, "/fields", Some("a.b.c")).await.status, 401);
    let r = get(&sim, "/no/such/route", None).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["status_code"], 404);
}

#[tokio::test]
async fn journal_holds_no_secret() {
    let sim = sim().await;
    let (access, refresh) = login(&sim).await;
    token_form(
        &sim,
        &format!("grant_type=refresh_token&client_id=web-app&refresh_token={refresh}"),
    )
    .await;
    get(
        &sim,
        &format!("/search?pso-type=usr&access_token={access}&password=x"),
        Some(&access),
    )
    .await;
    gql(
        &sim,
        &access,
        "{ getPsoTypes(first: 1) { totalCount } }",
        json!({}),
    )
    .await;
    let journal = sim.journal();
    assert_eq!(journal.len(), 4);
    let text = format!("{journal:?}");
    for secret in [sim.password(), access.as_str(), refresh.as_str(), "Bearer"] {
        assert!(!text.contains(secret), "journal leaks a secret");
    }
    assert!(!journal[0].authorized);
    assert!(journal[2].authorized);
    assert_eq!(
        journal[2].query,
        "pso-type=usr&access_token=***&password=***"
    );
    assert_eq!(journal[3].graphql_roots, vec!["getPsoTypes".to_string()]);
    sim.clear_journal();
    assert!(sim.journal().is_empty());
}

#[tokio::test]
async fn real_loopback_server() {
    use std::io::{Read as _, Write as _};
    let sim = sim().await;
    let form = password_form(&sim, "web-app");
    let req = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
        ps_simulator::TOKEN_PATH,
        sim.addr(),
        form.len()
    );
    let addr = sim.addr();
    let out = tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(addr).expect("connect");
        s.write_all(req.as_bytes()).expect("write");
        let mut out = String::new();
        s.read_to_string(&mut out).expect("read");
        out
    })
    .await
    .expect("join");
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    assert!(out.contains("\"access_token\""));
    assert!(sim.url().starts_with("http://127.0.0.1:"));
    sim.shutdown().await;
}
