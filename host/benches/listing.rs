//! The component against native code: the same connector logic (`peoplespheres-connector`)
//! lists the same simulated tenant three ways, measured in turns in one process:
//!
//! - **component**: the built `wasm32-wasip2` component in this host (wasi:http);
//! - **native**: the connector's crate compiled for this machine over a blocking HTTP client
//!   (ureq), the logic identical;
//! - **no-op client**: the requests the native run sent, sent again with their answers read and
//!   dropped: what the transport and the simulator cost without any connector logic.
//!
//! The simulator runs in a child process, so "client CPU" is this process's CPU alone (for the
//! component: the guest, wasmtime and the host's HTTP stack) and the simulator's is reported
//! apart. Prints medians of `LISTING_BENCH_RUNS` runs (3) per mode and page size, and the
//! component's ratios to native.
//!
//! Run: `cargo bench -p connector-host --bench listing`
//! (`LISTING_BENCH_USERS`, default 10,000; `LISTING_BENCH_PAGE_SIZES`, default `100,1000`;
//! `LISTING_BENCH_COMPONENT`, a component file instead of the built-in one, e.g. a build with
//! its function names kept for a profiler).

mod support;

use std::cell::RefCell;
use std::time::{Duration, Instant};

use connector_host::Connector;
use connector_host::runtime::WasmConnector;
use peoplespheres_connector::http::{HttpRequest, HttpResponse, Method, Transport, TransportError};
use support::{SimProcess, median, own_cpu};

/// The native transport: ureq, blocking, keeping what it sent for the no-op replay.
struct Ureq {
    agent: ureq::Agent,
    sent: RefCell<Vec<HttpRequest>>,
}

impl Ureq {
    fn new() -> Ureq {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent();
        Ureq {
            agent,
            sent: RefCell::new(Vec::new()),
        }
    }

    fn exchange(&self, req: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let unavailable = |e: ureq::Error| TransportError::Unavailable(e.to_string());
        let mut builder = http::Request::builder()
            .method(match req.method {
                Method::Get => "GET",
                Method::Post => "POST",
                Method::Put => "PUT",
                Method::Patch => "PATCH",
                Method::Delete => "DELETE",
            })
            .uri(&req.url);
        for (k, v) in &req.headers {
            builder = builder.header(k, v);
        }
        let request = builder
            .body(req.body.clone().unwrap_or_default())
            .map_err(|e| TransportError::Unavailable(e.to_string()))?;
        let mut resp = self.agent.run(request).map_err(unavailable)?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect();
        let body = resp
            .body_mut()
            .with_config()
            .limit(u64::MAX)
            .read_to_vec()
            .map_err(unavailable)?;
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
}

impl Transport for Ureq {
    /// Blocking: a request sent ahead is sent when its answer is collected.
    type Ahead = HttpRequest;

    fn send_ahead(&self, req: HttpRequest) -> Result<HttpRequest, TransportError> {
        Ok(req)
    }

    fn collect(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.send(req)
    }

    fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        let resp = self.exchange(&req);
        self.sent.borrow_mut().push(req);
        resp
    }

    fn now_unix(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }
}

/// One measured listing.
#[derive(Clone, Copy)]
struct Sample {
    wall: Duration,
    client: Duration,
    simulator: Duration,
}

fn measure(
    sim: &SimProcess,
    f: impl FnOnce() -> anyhow::Result<usize>,
    users: usize,
) -> anyhow::Result<Sample> {
    let (cpu, sim_cpu, t) = (own_cpu(), sim.cpu(), Instant::now());
    let listed = f()?;
    let sample = Sample {
        wall: t.elapsed(),
        client: own_cpu().saturating_sub(cpu),
        simulator: sim.cpu().saturating_sub(sim_cpu),
    };
    anyhow::ensure!(listed == users, "listed {listed} users of {users}");
    Ok(sample)
}

fn native_listing(sim: &SimProcess, page_size: u32) -> anyhow::Result<(usize, Vec<HttpRequest>)> {
    let mut session = peoplespheres_connector::session::Session::open(Ureq::new(), &sim.config())
        .map_err(|e| anyhow::anyhow!("open: {e:?}"))?;
    let (mut token, mut listed) = (None::<String>, 0);
    loop {
        let page = session
            .list_users(token.as_deref(), page_size)
            .map_err(|e| anyhow::anyhow!("list-users: {e:?}"))?;
        listed += page.users.len();
        token = page.next_page_token;
        if token.is_none() {
            return Ok((listed, session.transport().sent.take()));
        }
    }
}

fn component_listing(
    rt: &tokio::runtime::Runtime,
    connector: &WasmConnector,
    sim: &SimProcess,
    page_size: u32,
) -> anyhow::Result<usize> {
    rt.block_on(async {
        let mut session = connector.open(sim.config()).await?;
        let (mut token, mut listed) = (None::<String>, 0);
        loop {
            let page = session.list_users(token.as_deref(), page_size).await?;
            listed += page.users.len();
            token = page.next_page_token;
            if token.is_none() {
                return Ok(listed);
            }
        }
    })
}

fn noop_listing(requests: &[HttpRequest]) -> anyhow::Result<usize> {
    let client = Ureq::new();
    for req in requests {
        let resp = client
            .exchange(req)
            .map_err(|e| anyhow::anyhow!("replay: {e:?}"))?;
        anyhow::ensure!(resp.is_success(), "replay answered {}", resp.status);
    }
    Ok(0)
}

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

fn main() -> anyhow::Result<()> {
    support::serve_if_child();
    let users: usize = support::env_number("LISTING_BENCH_USERS", 10_000);
    let runs: usize = support::env_number("LISTING_BENCH_RUNS", 3);
    let sizes: Vec<u32> = std::env::var("LISTING_BENCH_PAGE_SIZES")
        .unwrap_or_else(|_| "100,1000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let sim = SimProcess::spawn(users)?;
    let rt = support::runtime()?;
    let connector = support::load(
        &rt,
        std::env::var_os("LISTING_BENCH_COMPONENT").map(Into::into),
    )?;
    println!("listing {users} people from the simulator (a child process), medians of {runs} runs");
    for size in sizes {
        let (mut native, mut component, mut noop) = (Vec::new(), Vec::new(), Vec::new());
        // A warm-up of each mode: the simulator's caches, the component's first instance.
        let (_, mut requests) = native_listing(&sim, size)?;
        component_listing(&rt, &connector, &sim, size)?;
        for _ in 0..runs {
            native.push(measure(
                &sim,
                || {
                    let (n, sent) = native_listing(&sim, size)?;
                    requests = sent;
                    Ok(n)
                },
                users,
            )?);
            component.push(measure(
                &sim,
                || component_listing(&rt, &connector, &sim, size),
                users,
            )?);
            noop.push(measure(
                &sim,
                || noop_listing(&requests).map(|_| users),
                users,
            )?);
        }
        println!(
            "\npages of {size} ({} requests per listing):",
            requests.len()
        );
        println!(
            "  {:<14} {:>10} {:>12} {:>15}",
            "", "wall", "client CPU", "simulator CPU"
        );
        let mut medians = Vec::new();
        for (name, samples) in [
            ("component", &component),
            ("native", &native),
            ("no-op client", &noop),
        ] {
            let m = Sample {
                wall: median(samples.iter().map(|s| s.wall).collect()),
                client: median(samples.iter().map(|s| s.client).collect()),
                simulator: median(samples.iter().map(|s| s.simulator).collect()),
            };
            println!(
                "  {name:<14} {:>10} {:>12} {:>15}",
                secs(m.wall),
                secs(m.client),
                secs(m.simulator)
            );
            medians.push(m);
        }
        let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64().max(1e-9);
        let (c, n, o) = (medians[0], medians[1], medians[2]);
        println!(
            "  component / native: wall {:.2}x, client CPU {:.2}x; without the transport's own cost (no-op client): {:.2}x",
            ratio(c.wall, n.wall),
            ratio(c.client, n.client),
            ratio(
                c.client.saturating_sub(o.client),
                n.client.saturating_sub(o.client)
            ),
        );
    }
    Ok(())
}
