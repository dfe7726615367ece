//! Rate limits are waited out: a sync under a tight limit of the simulator completes with
//! every person exactly once, a write answered 429 is made again once and journaled once, a
//! run whose wait budget runs out ends `interrupted` and the next run carries on; and
//! conformance passes under the limit.

use connector_host::store::{EventKind, RunStatus};
use std::time::Duration;

use connector_host::Connector;
use connector_host::connector::Session;
use connector_host::rate_limit::{Patient, WaitBudget};
use connector_host::runtime::RuntimeOptions;
use connector_host::store::{Store, audit};
use connector_host::sync::{self, Mapping, Progress, SyncOptions};
use connector_tests::{config_for, connector, runtime};
use ps_simulator::{Fault, RateLimit, SimConfig, Simulator};

fn tenant(users: usize, limit: Option<RateLimit>) -> Simulator {
    let sim = runtime()
        .block_on(Simulator::start(SimConfig {
            users,
            ..SimConfig::default()
        }))
        .expect("simulator");
    sim.set_rate_limit(limit);
    sim
}

fn session(sim: &Simulator, budget: &WaitBudget) -> Box<dyn Session> {
    let inner = runtime()
        .block_on(connector(RuntimeOptions::default()).open(config_for(sim)))
        .expect("open");
    Patient::boxed(inner, budget.clone())
}

fn sync_once(
    session: &mut dyn Session,
    store: &mut Store,
    page_size: u32,
) -> Result<sync::SyncReport, sync::SyncError> {
    let options = SyncOptions {
        as_of: Some(sync::policy::parse_day("2026-11-25").expect("day")),
        page_size,
        ..SyncOptions::default()
    };
    let mapping = Mapping::default_peoplespheres().expect("mapping");
    runtime().block_on(sync::run(
        session,
        store,
        &mapping,
        &options,
        &Progress::hidden(),
    ))
}

fn statuses(sim: &Simulator) -> Vec<u16> {
    sim.journal().iter().map(|e| e.status).collect()
}

#[test]
fn a_sync_under_a_tight_rate_limit_completes_with_everyone_once() {
    let sim = tenant(300, None);
    let budget = WaitBudget::default();
    let mut s = session(&sim, &budget);
    // 2 API calls a second; pages of 25 make 12 listing calls, so the limit is hit on any
    // machine that makes a call in under half a second.
    sim.set_rate_limit(Some(RateLimit {
        requests: 2,
        window: Duration::from_secs(1),
    }));
    let mut store = Store::in_memory().expect("store");
    let started = std::time::Instant::now();
    let report = sync_once(s.as_mut(), &mut store, 25).expect("the sync completes");
    let elapsed = started.elapsed();
    assert_eq!(report.counts.users, 300);
    assert_eq!(report.counts.joiners, 300);
    assert_eq!(report.status, RunStatus::Completed);
    let refused = statuses(&sim).iter().filter(|s| **s == 429).count();
    assert!(refused >= 1, "the limit was hit");
    assert!(budget.waits() >= 1);
    println!(
        "300 people, pages of 25, 2 calls/s: {} rate-limited answers, {} waits, {:.1} s waited of {:.1} s",
        refused,
        budget.waits(),
        budget.waited().as_secs_f64(),
        elapsed.as_secs_f64()
    );
}

#[test]
fn a_write_answered_429_is_made_again_and_journaled_once() {
    let sim = tenant(40, None);
    let budget = WaitBudget::default();
    let mut s = session(&sim, &budget);
    let mut store = Store::in_memory().expect("store");
    sync_once(s.as_mut(), &mut store, 0).expect("first sync");
    let id = sim.open_ended_users("2026-11-25", 1)[0];
    assert!(sim.set_contract_end(id, "2026-11-01"));
    sim.clear_journal();
    // The first write of the next run (the suspension) is answered 429 once.
    sim.inject(Fault::rate_limited("/psos", 1));
    let report = sync_once(s.as_mut(), &mut store, 0).expect("second sync");
    assert_eq!((report.done, report.failed), (1, 0));
    let writes: Vec<(String, u16)> = sim
        .journal()
        .into_iter()
        .filter(|e| e.method == "POST" && e.path.ends_with("/status"))
        .map(|e| (e.path, e.status))
        .collect();
    assert_eq!(writes.len(), 2, "{writes:?}");
    assert_eq!(writes[0].1, 429);
    assert_eq!(writes[1].1, 202);
    let actions = audit::events(
        store.conn(),
        &connector_host::store::EventFilter {
            run_id: Some(report.run_id),
            kind: Some(EventKind::Suspended),
            ..Default::default()
        },
    )
    .expect("events");
    assert_eq!(actions.len(), 1);
}

#[test]
fn past_the_wait_budget_the_run_is_interrupted_and_the_next_carries_on() {
    let sim = tenant(200, None);
    let budget = WaitBudget::new(Duration::from_secs(2));
    let mut s = session(&sim, &budget);
    sim.set_rate_limit(Some(RateLimit {
        requests: 3,
        window: Duration::from_secs(30),
    }));
    let mut store = Store::in_memory().expect("store");
    let err = sync_once(s.as_mut(), &mut store, 50).expect_err("the budget runs out");
    assert!(err.is_interruption(), "{err}");
    assert!(err.to_string().contains("list-users"), "{err}");
    let runs = audit::runs(store.conn(), 1).expect("runs");
    assert_eq!(runs.first().map(|r| r.status.as_str()), Some("interrupted"));
    // The pages read before are stored; the next run (no limit) carries on and completes.
    sim.set_rate_limit(None);
    let budget = WaitBudget::default();
    let mut s = session(&sim, &budget);
    let next = sync_once(s.as_mut(), &mut store, 50).expect("next run");
    assert_eq!(next.counts.users, 200);
    assert!(next.counts.joiners < 200, "the first pages were kept");
    assert_eq!(next.status, RunStatus::Completed);
}

/// Sends one API request to the simulator, answered or not.
fn spend_one_request(sim: &Simulator) {
    use std::io::{Read, Write};
    let address = sim.url().trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&address).expect("connect");
    write!(
        stream,
        "GET /fields HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
}

/// The serve API under a tenant's rate limit: a read (logging in included) waits within the
/// serve's read budget and answers; with no budget it answers 429 at once.
#[test]
fn a_serve_read_waits_out_the_limit_within_its_budget() {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use connector_host::admin_guard::Guard;
    use connector_host::registry::Registry;
    use connector_host::source::ComponentSource;
    use tower::ServiceExt;

    const TOKEN: &str = "0123456789abcdef0123456789abcdef";
    let sim = tenant(5, None);
    let read = |budget: Duration| {
        let registry = std::sync::Arc::new(
            Registry::new(connector_tests::engine(), RuntimeOptions::default())
                .with_read_wait(budget),
        );
        runtime()
            .block_on(registry.add("ps", ComponentSource::PEOPLESPHERES, config_for(&sim)))
            .expect("added");
        let listen: std::net::SocketAddr = "127.0.0.1:7401".parse().expect("addr");
        let app =
            connector_host::serve::guarded(registry, Guard::new(listen, TOKEN).expect("guard"));
        // One request per 5 s window, spent here: the read's first call meets the limit.
        sim.set_rate_limit(Some(RateLimit {
            requests: 1,
            window: Duration::from_secs(5),
        }));
        spend_one_request(&sim);
        let request = Request::get("/connectors/ps/users?page_size=5")
            .header("host", "127.0.0.1:7401")
            .header("authorization", format!("Bearer {TOKEN}"))
            .body(Body::empty())
            .expect("request");
        let status = runtime()
            .block_on(app.oneshot(request))
            .expect("answer")
            .status();
        sim.set_rate_limit(None);
        status
    };
    assert_eq!(read(Duration::from_secs(30)), StatusCode::OK);
    assert!(statuses(&sim).contains(&429), "the limit was met");
    assert_eq!(
        read(Duration::ZERO),
        StatusCode::TOO_MANY_REQUESTS,
        "no budget: 429 at once"
    );
}
