//! `ps-simulator`: serve a demo PeopleSpheres tenant on loopback until Ctrl-C.

use std::net::SocketAddr;

use anyhow::Context as _;
use clap::Parser;
use ps_simulator::{RateLimit, SimConfig, Simulator, WireProfile};

/// Local PeopleSpheres API simulator (Keycloak token, REST, GraphQL).
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Number of seeded users.
    #[arg(long, default_value_t = 250)]
    users: usize,
    /// Seed of the generated tenant.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Access-token lifetime in seconds.
    #[arg(long, default_value_t = 300)]
    token_ttl: u64,
    /// Wire profile (WIRE.md "Wire profiles"): one of ps_simulator::PROFILE_NAMES.
    #[arg(long, default_value = "default")]
    profile: String,
    /// Rate limit `N/SECONDS` (e.g. `60/60`): the N+1-th API request of a window gets 429.
    #[arg(long)]
    rate_limit: Option<String>,
    /// Grow three hierarchies (business units, departments, usr_cost_center) to this many options.
    #[arg(long)]
    hierarchy_options: Option<usize>,
    /// Login of the API account.
    #[arg(long, env = "PS_SIM_LOGIN", default_value = ps_simulator::DEFAULT_LOGIN)]
    login: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let password = std::env::var("PS_SIM_PASSWORD")
        .unwrap_or_else(|_| ps_simulator::DEFAULT_PASSWORD.to_string());
    let mut profile = WireProfile::named(&args.profile).with_context(|| {
        format!(
            "unknown profile `{}`; one of: {}",
            args.profile,
            ps_simulator::PROFILE_NAMES.join(", ")
        )
    })?;
    if let Some(spec) = &args.rate_limit {
        profile.rate_limit = Some(parse_rate_limit(spec)?);
    }
    let cfg = SimConfig {
        profile,
        hierarchy_options: args.hierarchy_options,
        users: args.users,
        seed: args.seed,
        token_ttl_secs: args.token_ttl,
        login: args.login,
        password,
        bind: SocketAddr::from(([127, 0, 0, 1], args.port)),
    };
    let sim = Simulator::start(cfg)
        .await
        .context("starting the simulator")?;
    println!("PeopleSpheres simulator listening on {}", sim.url());
    println!("  token:   POST {}{}", sim.url(), ps_simulator::TOKEN_PATH);
    println!("  graphql: POST {}/graphql", sim.url());
    println!("  login:   {}", sim.login());
    println!("  password: the library default, or $PS_SIM_PASSWORD if set");
    println!("  users:   {} (seed {})", args.users, args.seed);
    println!("  profile: {} {:?}", args.profile, sim.profile());
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    sim.shutdown().await;
    Ok(())
}

/// `N/SECONDS` → a rate limit of N requests per window of SECONDS.
fn parse_rate_limit(spec: &str) -> anyhow::Result<RateLimit> {
    let (n, secs) = spec
        .split_once('/')
        .context("--rate-limit takes N/SECONDS, e.g. 60/60")?;
    let requests: u32 = n
        .trim()
        .parse()
        .context("--rate-limit: N is not a number")?;
    let secs: u64 = secs
        .trim()
        .parse()
        .context("--rate-limit: SECONDS is not a number")?;
    anyhow::ensure!(secs > 0, "--rate-limit: SECONDS must be at least 1");
    Ok(RateLimit {
        requests,
        window: std::time::Duration::from_secs(secs),
    })
}
