//! `scim-simulator [--port N] [--token T] [--no-patch] [--no-etag] [--cursor]`: serves an
//! empty in-memory SCIM 2.0 server on 127.0.0.1 until Ctrl-C.

use std::net::SocketAddr;

use scim_simulator::{ScimConfig, ScimServer};

const USAGE: &str =
    "usage: scim-simulator [--port N] [--token T] [--no-patch] [--no-etag] [--cursor]";

fn parse(args: impl IntoIterator<Item = String>) -> Result<ScimConfig, String> {
    let mut cfg = ScimConfig::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                let port = args.next().ok_or("--port needs a value")?;
                let port: u16 = port.parse().map_err(|_| format!("bad port {port:?}"))?;
                cfg.bind = SocketAddr::from(([127, 0, 0, 1], port));
            }
            "--token" => cfg.token = args.next().ok_or("--token needs a value")?,
            "--no-patch" => cfg.patch = false,
            "--no-etag" => cfg.etag = false,
            "--cursor" => cfg.cursor = true,
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok(cfg)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cfg = match parse(std::env::args().skip(1)) {
        Ok(cfg) => cfg,
        Err(msg) => {
            eprintln!("{msg}");
            return std::process::ExitCode::from(2);
        }
    };
    let server = match ScimServer::start(cfg).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("scim-simulator: cannot bind: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    println!(
        "SCIM 2.0 server at {} (Bearer token from --token)",
        server.url()
    );
    let _ = tokio::signal::ctrl_c().await;
    server.shutdown().await;
    std::process::ExitCode::SUCCESS
}
