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

#[cfg(test)]
mod tests {
    use super::parse;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_the_flags() {
        let cfg = parse(args(&[
            "--port",
            "8099",
            "--token",
            "t",
            "--no-patch",
            "--cursor",
        ]))
        .expect("parses");
        assert_eq!(cfg.bind.port(), 8099);
        assert_eq!(cfg.token, "t");
        assert!(!cfg.patch && cfg.etag && cfg.cursor);
        assert!(parse(args(&["--port", "x"])).is_err());
        assert!(parse(args(&["--bogus"])).is_err());
        assert_eq!(parse(args(&[])).expect("defaults").token, "demo-scim-token");
    }
}
