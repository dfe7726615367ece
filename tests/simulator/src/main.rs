//! `ps-simulator`: serve a sandbox PeopleSpheres tenant on loopback until Ctrl-C.

use std::net::SocketAddr;

use anyhow::Context as _;
use clap::Parser;
use ps_simulator::{SimConfig, Simulator};

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
    /// Login of the API account.
    #[arg(long, env = "PS_SIM_LOGIN", default_value = ps_simulator::DEFAULT_LOGIN)]
    login: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let password = std::env::var("PS_SIM_PASSWORD")
        .unwrap_or_else(|_| ps_simulator::DEFAULT_PASSWORD.to_string());
    let cfg = SimConfig {
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
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    sim.shutdown().await;
    Ok(())
}
