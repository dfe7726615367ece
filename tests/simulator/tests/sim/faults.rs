//! Scripted faults: status with Retry-After, malformed JSON, delays; consumed by requests.

use std::time::{Duration, Instant};

use crate::common::*;
use ps_simulator::Fault;

#[tokio::test]
async fn status_fault_with_retry_after_is_consumed() {
    let sim = sim().await;
    let (t, _) = login(&sim).await;
    sim.inject(Fault::rate_limited("/search", 7));
    let r = get(&sim, "/search?pso-type=usr", Some(&t)).await;
    assert_eq!(r.status, 429);
    assert_eq!(
        r.headers.get("retry-after").and_then(|v| v.to_str().ok()),
        Some("7")
    );
    assert_eq!(
        r.json(),
        serde_json::json!({ "message": "Too Many Attempts.", "status_code": 429 })
    );
    assert_eq!(
        get(&sim, "/search?pso-type=usr", Some(&t)).await.status,
        200
    );
    assert_eq!(
        sim.journal().iter().map(|e| e.status).collect::<Vec<_>>(),
        [200, 429, 200]
    );

    sim.inject(Fault::Status {
        path_prefix: "/graphql".into(),
        status: 502,
        body: Some("<html>bad gateway</html>".into()),
        retry_after: None,
        times: 2,
    });
    for _ in 0..2 {
        let r = gql(
            &sim,
            &t,
            "{ getPsoTypes(first: 1) { totalCount } }",
            serde_json::json!({}),
        )
        .await;
        assert_eq!(
            (r.status, r.bytes.as_slice()),
            (502, b"<html>bad gateway</html>".as_slice())
        );
    }
    assert_eq!(
        gql(
            &sim,
            &t,
            "{ getPsoTypes(first: 1) { totalCount } }",
            serde_json::json!({})
        )
        .await
        .status,
        200
    );

    sim.inject(Fault::status(ps_simulator::TOKEN_PATH, 503, u32::MAX));
    assert_eq!(
        token_form(&sim, &password_form(&sim, "web-app"))
            .await
            .status,
        503
    );
    assert_eq!(
        token_form(&sim, &password_form(&sim, "web-app"))
            .await
            .status,
        503
    );
    assert_eq!(sim.pending_faults(), 1);
    sim.clear_faults();
    assert_eq!(
        token_form(&sim, &password_form(&sim, "web-app"))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn malformed_and_delay() {
    let sim = sim().await;
    let (t, _) = login(&sim).await;
    sim.inject(Fault::Malformed {
        path_prefix: "/fields".into(),
        times: 1,
    });
    let r = get(&sim, "/fields?pso-type=usr&no-pagination=1", Some(&t)).await;
    assert_eq!(r.status, 200);
    assert!(!r.bytes.is_empty());
    assert!(serde_json::from_slice::<serde_json::Value>(&r.bytes).is_err());
    assert_eq!(
        get(&sim, "/fields?pso-type=usr", Some(&t)).await.status,
        200
    );

    sim.inject(Fault::Delay {
        path_prefix: "/search".into(),
        millis: 300,
        times: 1,
    });
    let start = Instant::now();
    assert_eq!(
        get(&sim, "/search?pso-type=usr", Some(&t)).await.status,
        200
    );
    assert!(start.elapsed() >= Duration::from_millis(300));
}
