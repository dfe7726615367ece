//! End to end: every fault class (429 with Retry-After, 5xx, slow answers, truncated or
//! malformed bodies, expired tokens) is either retried transparently by the PeopleSpheres
//! component or reported as the documented error; writes are never retried and a create whose
//! answer was lost is found again, not repeated; listings neither lose nor duplicate users while
//! others are inserted or suspended.

use connector_host::error::ConnectorError;
use connector_host::error::ErrorKind;
use std::collections::{BTreeSet, HashMap};

use connector_host::model::User;
use connector_tests::writing::{
    clear, count, date, invalid_name, minimal, open, set, text, typed, writes,
};
use connector_tests::{list_all, runtime, simulator};
use ps_simulator::Fault;

#[test]
fn read_faults_are_retried_transparently_or_reported() {
    let sim = simulator(20);
    let mut s = open(&sim);
    runtime().block_on(s.get_user("3")).expect("warm up");
    // Two 5xx then success: transparent (3 GraphQL calls).
    sim.clear_journal();
    sim.inject(Fault::status("/graphql", 503, 2));
    runtime().block_on(s.get_user("3")).expect("retried");
    assert_eq!(count(&sim, "POST", "/graphql"), 3);
    // Three 5xx: unavailable.
    sim.inject(Fault::status("/graphql", 502, 3));
    assert_eq!(
        typed(runtime().block_on(s.get_user("3"))).kind(),
        ErrorKind::Unavailable
    );
    // A truncated body: retried.
    sim.inject(Fault::Malformed {
        path_prefix: "/graphql".into(),
        times: 1,
    });
    runtime()
        .block_on(s.get_user("3"))
        .expect("truncated body retried");
    // Truncated every time: protocol.
    sim.inject(Fault::Malformed {
        path_prefix: "/graphql".into(),
        times: 3,
    });
    assert_eq!(
        typed(runtime().block_on(s.get_user("3"))).kind(),
        ErrorKind::Protocol
    );
    // 429: handed over with its Retry-After, not retried.
    sim.clear_journal();
    sim.inject(Fault::rate_limited("/graphql", 17));
    assert_eq!(
        typed(runtime().block_on(s.get_user("3"))),
        ConnectorError::RateLimited {
            retry_after_secs: 17
        }
    );
    assert_eq!(count(&sim, "POST", "/graphql"), 1);
    // A slow answer: transparent.
    sim.inject(Fault::Delay {
        path_prefix: "/graphql".into(),
        millis: 300,
        times: 1,
    });
    runtime().block_on(s.get_user("3")).expect("slow but fine");
    // A 401: renewed and retried once; twice: unauthorized.
    sim.inject(Fault::status("/graphql", 401, 1));
    runtime().block_on(s.get_user("3")).expect("token renewed");
    sim.inject(Fault::status("/graphql", 401, 2));
    assert_eq!(
        typed(runtime().block_on(s.get_user("3"))).kind(),
        ErrorKind::Unauthorized
    );
    // 403 and 404 on the answers read of an update.
    sim.inject(Fault::status("/psos/3/form-instances", 403, 1));
    assert_eq!(
        typed(runtime().block_on(s.update_user("3", vec![clear("mentor")]))).kind(),
        ErrorKind::Forbidden
    );
    sim.inject(Fault::status("/psos/3/form-instances", 404, 1));
    assert_eq!(
        typed(runtime().block_on(s.update_user("3", vec![clear("mentor")]))).kind(),
        ErrorKind::NotFound
    );
    assert!(writes(&sim).is_empty());
    assert_eq!(sim.pending_faults(), 0);
}

#[test]
fn write_faults_are_never_retried_and_lost_creates_are_recovered() {
    let sim = simulator(20);
    let mut s = open(&sim);
    runtime().block_on(s.get_fields()).expect("warm up");
    // 503 before handling: unavailable, nothing created, one POST.
    sim.clear_journal();
    sim.inject(Fault::method_status("POST", "/psos", 503, 1));
    let e = typed(runtime().block_on(s.create_user(minimal("f1"))));
    assert_eq!(e.kind(), ErrorKind::Unavailable, "{e}");
    assert_eq!(count(&sim, "POST", "/psos"), 1);
    assert_eq!(sim.user_count(), 20);
    // Lost response: the create was applied; the connector finds and returns the user.
    sim.clear_journal();
    sim.inject(Fault::lost_response("POST", "/psos", 502));
    let u = runtime()
        .block_on(s.create_user(minimal("f2")))
        .expect("recovered");
    assert_eq!(u.values("email"), &[text("new.f2@corp.example")]);
    assert_eq!(count(&sim, "POST", "/psos"), 1, "not re-sent");
    assert_eq!(sim.user_count(), 21, "created exactly once");
    // Retrying the same create now is already-exists, not a second user.
    assert_eq!(
        typed(runtime().block_on(s.create_user(minimal("f2")))).kind(),
        ErrorKind::AlreadyExists
    );
    // Update answered 500 before handling: unavailable, one POST, nothing changed.
    sim.clear_journal();
    let before = sim.user(9).expect("9");
    sim.inject(Fault::method_status(
        "POST",
        "/psos/9/form-instances",
        500,
        1,
    ));
    assert_eq!(
        typed(runtime().block_on(s.update_user("9", vec![set("last_name", vec![text("Z")])])))
            .kind(),
        ErrorKind::Unavailable
    );
    assert_eq!(count(&sim, "POST", "/psos/9/form-instances/2"), 1);
    assert_eq!(sim.user(9).expect("9"), before);
    // A validation answer from upstream names the contract attribute (alias mapped back).
    sim.inject(Fault::MethodStatus {
        method: "POST".into(),
        path_prefix: "/psos/9/form-instances".into(),
        status: 400,
        body: Some(r#"{"message":"400 Bad Request","errors":{"usr_employment_contract_end_date":["The date is invalid."]},"status_code":400}"#.into()),
        times: 1,
        after_handling: false,
    });
    let e = typed(runtime().block_on(s.update_user(
        "9",
        vec![set("contract.end_date", vec![date("2030-01-01")])],
    )));
    assert_eq!(invalid_name(&e), "contract.end_date");
    // Suspend answered 429: rate-limited with Retry-After, one POST.
    sim.clear_journal();
    let target = sim
        .users()
        .into_iter()
        .find(|u| u.id > 6 && u.active)
        .expect("active")
        .id;
    sim.inject(Fault::Status {
        path_prefix: format!("/psos/{target}/status"),
        status: 429,
        body: None,
        retry_after: Some(9),
        times: 1,
    });
    assert_eq!(
        typed(runtime().block_on(s.suspend_user(&target.to_string()))),
        ConnectorError::RateLimited {
            retry_after_secs: 9
        }
    );
    assert_eq!(count(&sim, "POST", &format!("/psos/{target}/status")), 1);
    assert!(sim.user(target).expect("user").active);
    // Lost response on suspend: unavailable; a retry by the caller converges.
    sim.inject(Fault::lost_response(
        "POST",
        &format!("/psos/{target}/status"),
        502,
    ));
    assert_eq!(
        typed(runtime().block_on(s.suspend_user(&target.to_string()))).kind(),
        ErrorKind::Unavailable
    );
    assert!(
        !runtime()
            .block_on(s.suspend_user(&target.to_string()))
            .expect("retry converges")
            .active
    );
    assert_eq!(count(&sim, "POST", &format!("/psos/{target}/status")), 2);
}

#[test]
fn listings_neither_lose_nor_duplicate_users_under_inserts_and_suspensions() {
    let sim = simulator(200);
    let mut s = open(&sim);
    let original: Vec<u64> = sim.users().iter().map(|u| u.id).collect();
    sim.clear_journal();
    sim.inject(Fault::InsertUsersAfter {
        path_prefix: "/graphql".into(),
        after_requests: 2,
        count: 15,
    });
    let mut flips = Vec::new();
    let users = list_all(s.as_mut(), 30, |page| {
        if page == 3 {
            // Suspend one user already listed and one not yet listed.
            for id in [10u64, 150] {
                if sim.user(id).is_some_and(|u| u.active) {
                    sim.set_active(id, false);
                    flips.push(id);
                }
            }
        }
    });
    let pages = users.len().div_ceil(30);
    assert!(
        count(&sim, "POST", "/graphql") <= pages + 1,
        "one GraphQL call per page"
    );
    let ids: Vec<u64> = users
        .iter()
        .map(|u| u.id.parse().expect("numeric id"))
        .collect();
    let unique: BTreeSet<u64> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "no user listed twice");
    for id in &original {
        assert!(unique.contains(id), "user {id} lost");
    }
    assert_eq!(sim.user_count(), 215);
    assert_eq!(
        ids.len(),
        215,
        "inserted users (new ids, after the cursor) are listed too"
    );
    let by_id: HashMap<u64, &User> = ids.iter().copied().zip(users.iter()).collect();
    if flips.contains(&150) {
        assert!(
            !by_id[&150].active,
            "a user suspended before its page is listed suspended"
        );
    }
}
