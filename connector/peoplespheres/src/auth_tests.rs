//! Authentication over the scripted transport: login, refresh before expiry, re-login, the
//! client-id fallback, one renewal after a 401 (or a GraphQL "Unauthenticated"), wrong
//! passwords and transport failures, never with the password in an error.

use crate::fields::tests::seeded_fields_json;
use crate::http::{Method, TransportError};
use crate::model::Error;
use crate::tests::{BASE, PASSWORD, assert_no_secret, search_ok, session, token, users_answer};

#[test]
fn token_then_probe() {
    let mut s = session();
    s.transport()
        .push_json(200, &token(1))
        .push_json(200, &search_ok());
    s.test_connection().unwrap();
    let f = s.transport();
    assert_eq!(f.count(), 2);
    let t = f.request(0);
    assert_eq!(t.method, Method::Post);
    assert_eq!(
        t.url,
        format!("{BASE}/auth/realms/Internal-idp/protocol/openid-connect/token")
    );
    assert_eq!(
        f.body(0),
        "grant_type=password&client_id=monportailrh-web-app&username=jane%40corp.fr&password=S3cret-pw%21"
    );
    assert_eq!(
        f.request(1).url,
        format!("{BASE}/search?pso-type=usr&per-page=1")
    );
    assert_eq!(f.auth_header(1).as_deref(), Some("Bearer AT1"));
    // cached token
    f.push_json(200, &search_ok());
    s.test_connection().unwrap();
    assert_eq!(s.transport().count(), 3);
}

#[test]
fn refresh_before_expiry_and_relogin_after_refresh_expiry() {
    let mut s = session();
    s.transport()
        .push_json(200, &token(1))
        .push_json(200, &search_ok());
    s.test_connection().unwrap();
    s.transport().advance(230); // 70 s left: still fine
    s.transport().push_json(200, &search_ok());
    s.test_connection().unwrap();
    assert_eq!(s.transport().count(), 3);
    s.transport().advance(20); // 50 s left: refresh first
    s.transport()
        .push_json(200, &token(2))
        .push_json(200, &search_ok());
    s.test_connection().unwrap();
    let f = s.transport();
    assert_eq!(
        f.body(3),
        "grant_type=refresh_token&client_id=monportailrh-web-app&refresh_token=RT1"
    );
    assert_eq!(f.auth_header(4).as_deref(), Some("Bearer AT2"));
    assert!(
        f.logs
            .borrow()
            .iter()
            .any(|l| l.contains("token refreshed"))
    );
    // Past the refresh token's lifetime: a password login.
    f.advance(40_000);
    f.push_json(200, &token(3)).push_json(200, &search_ok());
    s.test_connection().unwrap();
    assert!(s.transport().body(5).starts_with("grant_type=password"));
}

#[test]
fn unauthorized_api_refreshes_once_and_retries_once() {
    let mut s = session();
    let f = s.transport();
    f.push_json(200, &token(1))
        .push(401, r#"{"message":"Unauthenticated.","status_code":401}"#)
        .push_json(200, &token(2))
        .push_json(200, &search_ok());
    s.test_connection().unwrap();
    let f = s.transport();
    assert_eq!(f.count(), 4);
    assert!(f.body(2).starts_with("grant_type=refresh_token"));
    assert_eq!(f.auth_header(3).as_deref(), Some("Bearer AT2"));

    // Twice 401: unauthorized, no third attempt.
    let mut s = session();
    s.transport()
        .push_json(200, &token(1))
        .push(401, r#"{"message":"Unauthenticated.","status_code":401}"#)
        .push_json(200, &token(2))
        .push(401, r#"{"message":"Unauthenticated.","status_code":401}"#);
    assert!(matches!(s.test_connection(), Err(Error::Unauthorized(_))));
    assert_eq!(s.transport().count(), 4);
}

#[test]
fn refresh_failure_falls_back_to_login() {
    let mut s = session();
    s.transport()
        .push_json(200, &token(1))
        .push(401, r#"{"message":"Unauthenticated.","status_code":401}"#)
        .push(
            400,
            r#"{"error":"invalid_grant","error_description":"Token is not active"}"#,
        )
        .push_json(200, &token(2))
        .push_json(200, &search_ok());
    s.test_connection().unwrap();
    let f = s.transport();
    assert!(f.body(2).starts_with("grant_type=refresh_token"));
    assert!(f.body(3).starts_with("grant_type=password"));
    assert_eq!(f.auth_header(4).as_deref(), Some("Bearer AT2"));
}

#[test]
fn client_id_fallback() {
    let mut s = session();
    s.transport()
        .push(
            401,
            r#"{"error":"invalid_client","error_description":"Invalid client credentials"}"#,
        )
        .push_json(200, &token(1))
        .push_json(200, &search_ok());
    s.test_connection().unwrap();
    let f = s.transport();
    assert!(f.body(0).contains("client_id=monportailrh-web-app&"));
    assert!(f.body(1).contains("client_id=web-app&"));
    // Refreshes keep the client id that worked.
    f.advance(280);
    f.push_json(200, &token(2)).push_json(200, &search_ok());
    s.test_connection().unwrap();
    assert_eq!(
        s.transport().body(3),
        "grant_type=refresh_token&client_id=web-app&refresh_token=RT1"
    );
    // A later password login starts with the client id that worked.
    s.transport().advance(40_000);
    s.transport()
        .push_json(200, &token(3))
        .push_json(200, &search_ok());
    s.test_connection().unwrap();
    assert!(s.transport().body(5).contains("client_id=web-app&"));
}

#[test]
fn the_production_client_id_is_tried_first_and_costs_one_call() {
    let mut s = session();
    s.transport()
        .push_json(200, &token(1))
        .push_json(200, &search_ok());
    s.test_connection().unwrap();
    assert_eq!(s.transport().count(), 2);
    assert!(
        s.transport()
            .body(0)
            .contains("client_id=monportailrh-web-app&")
    );
}

#[test]
fn a_configured_client_id_is_used_alone() {
    let mut pairs = crate::tests::pairs();
    pairs.push(("client_id".into(), "my-client".into()));
    let mut s = crate::session::Session::open(crate::fake::Fake::new(), &pairs).unwrap();
    s.transport().push(
        401,
        r#"{"error":"invalid_client","error_description":"Invalid client credentials"}"#,
    );
    assert!(s.test_connection().is_err());
    let f = s.transport();
    assert_eq!(f.count(), 1);
    assert!(f.body(0).contains("client_id=my-client&"));
}

#[test]
fn both_default_client_ids_refused_is_an_error_after_two_calls() {
    let mut s = session();
    let refusal = r#"{"error":"unauthorized_client","error_description":"nope"}"#;
    s.transport().push(401, refusal).push(401, refusal);
    assert!(s.test_connection().is_err());
    assert_eq!(s.transport().count(), 2);
}

#[test]
fn wrong_password_is_unauthorized_without_the_password() {
    let mut s = session();
    s.transport().push(
        401,
        r#"{"error":"invalid_grant","error_description":"Invalid user credentials"}"#,
    );
    let err = s.test_connection().unwrap_err();
    assert_eq!(err, Error::Unauthorized("invalid credentials".into()));
    assert_no_secret(s.transport(), &err);
    assert!(!format!("{s:?}").contains(PASSWORD));
    // Both client ids refused: still no secret.
    let mut s = session();
    s.transport()
        .push(401, r#"{"error":"invalid_client"}"#)
        .push(401, r#"{"error":"invalid_client"}"#);
    let err = s.test_connection().unwrap_err();
    assert!(matches!(err, Error::Unauthorized(_)));
    assert_no_secret(s.transport(), &err);
}

#[test]
fn transport_failures() {
    let mut s = session();
    s.transport()
        .push_err(TransportError::Denied("HttpRequestDenied".into()));
    assert!(matches!(s.test_connection(), Err(Error::EgressDenied(_))));
    assert_eq!(s.transport().count(), 1, "egress-denied is not retried");
    // Transient failures of a read are retried twice (200 ms, 600 ms), then reported.
    for _ in 0..3 {
        s.transport()
            .push_err(TransportError::Unavailable("ConnectionRefused".into()));
    }
    assert!(matches!(s.test_connection(), Err(Error::Unavailable(_))));
    assert_eq!(*s.transport().sleeps.borrow(), vec![200, 600]);
    s.transport().push_json(200, &token(1));
    for _ in 0..3 {
        s.transport().push(503, "down");
    }
    assert!(matches!(s.test_connection(), Err(Error::Unavailable(_))));
    s.transport().push_with(
        429,
        r#"{"message":"Too Many Attempts.","status_code":429}"#,
        &[("Retry-After", "12")],
    );
    let before = s.transport().count();
    assert_eq!(s.test_connection(), Err(Error::RateLimited(12)));
    assert_eq!(s.transport().count(), before + 1, "429 is not retried");
    for _ in 0..3 {
        s.transport().push(200, "<html>");
    }
    assert!(matches!(s.test_connection(), Err(Error::Protocol(_))));
    // One failure then success: transparent.
    s.transport()
        .push(502, "")
        .push(200, r#"{"data":{"da"#)
        .push_json(200, &search_ok());
    s.test_connection().unwrap();
    assert_eq!(s.transport().remaining(), 0);
}

#[test]
fn graphql_unauthenticated_answered_200_renews_the_token_too() {
    let mut s = session();
    s.transport()
        .push_json(200, &token(1))
        .push_json(200, &seeded_fields_json())
        .push(
            200,
            r#"{"data":null,"errors":[{"message":"Unauthenticated.","extensions":{"category":"authentication"}}]}"#,
        )
        .push_json(200, &token(2))
        .push_json(200, &users_answer(&[1], false, 1, true));
    assert_eq!(s.list_users(None, 10).unwrap().users.len(), 1);
    assert_eq!(s.transport().remaining(), 0);
}

#[test]
fn graphql_unauthenticated_is_retried() {
    let mut s = session();
    s.transport()
        .push_json(200, &token(1))
        .push_json(200, &seeded_fields_json())
        .push(401, r#"{"message":"Unauthenticated.","status_code":401}"#)
        .push_json(200, &token(2))
        .push_json(200, &users_answer(&[1], false, 1, true));
    assert_eq!(s.list_users(None, 10).unwrap().users.len(), 1);
    assert_eq!(s.transport().remaining(), 0);
}
