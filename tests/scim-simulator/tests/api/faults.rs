use std::time::Duration;

use serde_json::json;

use crate::common::{call, call_with, create, server};

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let s = server().await;
    s.set_rate_limit(Some((2, Duration::from_secs(30))));
    assert_eq!(call(&s, "GET", "/Users", None).await.status, 200);
    assert_eq!(call(&s, "GET", "/Users", None).await.status, 200);
    let a = call(&s, "GET", "/Users", None).await;
    a.scim_error(429);
    let retry: u64 = a
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=30).contains(&retry), "{retry}");
    s.set_rate_limit(None);
    assert_eq!(call(&s, "GET", "/Users", None).await.status, 200);
    s.set_rate_limit(Some((1, Duration::from_millis(200))));
    assert_eq!(call(&s, "GET", "/Users", None).await.status, 200);
    assert_eq!(call(&s, "GET", "/Users", None).await.status, 429);
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(
        call(&s, "GET", "/Users", None).await.status,
        200,
        "the window rolled on"
    );
    s.clear_faults();
    for _ in 0..3 {
        assert_eq!(call(&s, "GET", "/Users", None).await.status, 200);
    }
}

#[tokio::test]
async fn fail_with_answers_the_status_n_times() {
    let s = server().await;
    s.fail_with(503, 2);
    call(&s, "POST", "/Users", Some(json!({"userName": "a"})))
        .await
        .scim_error(503);
    let a = call(&s, "GET", "/Users", None).await;
    a.scim_error(503);
    assert_eq!(a.header("retry-after"), Some("1"));
    assert_eq!(call(&s, "GET", "/Users", None).await.status, 200);
    assert_eq!(s.user_count(), 0, "a failed request changes nothing");
    s.fail_with(500, 5);
    s.clear_faults();
    assert_eq!(call(&s, "GET", "/Users", None).await.status, 200);
}

#[tokio::test]
async fn malformed_answers_200_with_a_body_that_is_not_json() {
    let s = server().await;
    create(&s, json!({"userName": "a"})).await;
    s.malformed(1);
    let a = call(&s, "GET", "/Users", None).await;
    assert_eq!(a.status, 200);
    assert!(
        serde_json::from_str::<serde_json::Value>(&a.text).is_err(),
        "{}",
        a.text
    );
    let a = call(&s, "GET", "/Users", None).await;
    assert_eq!(a.json["totalResults"], 1);
}

#[tokio::test]
async fn the_journal_records_every_request_in_order() {
    let s = server().await;
    call(&s, "GET", "/Users?filter=userName%20eq%20%22a%22", None).await;
    call_with(
        &s,
        "GET",
        "/Schemas",
        None,
        &[("authorization", "Bearer nope")],
    )
    .await;
    call(&s, "POST", "/Users", Some(json!({"userName": "a"}))).await;
    assert_eq!(
        s.requests(),
        [
            (
                "GET".to_string(),
                "/scim/v2/Users?filter=userName%20eq%20%22a%22".to_string()
            ),
            ("GET".into(), "/scim/v2/Schemas".into()),
            ("POST".into(), "/scim/v2/Users".into()),
        ]
    );
}
