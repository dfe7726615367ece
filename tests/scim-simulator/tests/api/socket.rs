//! Over a real loopback socket, with a plain HTTP/1.1 exchange.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use scim_simulator::{ScimConfig, ScimServer};

fn exchange(addr: SocketAddr, request: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.write_all(request.as_bytes()).expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    answer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_over_loopback_until_shutdown() {
    let s = ScimServer::start(ScimConfig::default())
        .await
        .expect("start");
    let addr = s.addr();
    assert_eq!(s.url(), format!("http://127.0.0.1:{}/scim/v2", addr.port()));
    assert!(
        !format!("{s:?}").contains("demo-scim-token"),
        "Debug hides the token"
    );
    let token = s.token().to_string();
    let body = r#"{"userName":"ada"}"#;
    let created = tokio::task::spawn_blocking(move || {
        exchange(
            addr,
            &format!(
                "POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/scim+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            ),
        )
    })
    .await
    .expect("join");
    assert!(created.starts_with("HTTP/1.1 201"), "{created}");
    assert!(
        created
            .to_ascii_lowercase()
            .contains("content-type: application/scim+json")
    );
    assert_eq!(s.user_count(), 1);
    let denied = tokio::task::spawn_blocking(move || {
        exchange(
            addr,
            "GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
    })
    .await
    .expect("join");
    assert!(denied.starts_with("HTTP/1.1 401"), "{denied}");
    s.shutdown().await;
    assert!(TcpStream::connect(addr).is_err(), "closed after shutdown");
}
