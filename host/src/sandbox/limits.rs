//! The resource limits every connector instance and call runs under.

use std::time::Duration;

/// Resource limits applied to every connector instance and call.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Linear memory a connector instance may grow to.
    pub memory_bytes: usize,
    /// Wall-clock budget of one contract call (HTTP waits included).
    pub call_timeout: Duration,
    /// TCP/TLS connect timeout of an outbound request.
    pub connect_timeout: Duration,
    /// Time to the first response byte.
    pub first_byte_timeout: Duration,
    /// Time between two response chunks.
    pub between_bytes_timeout: Duration,
    /// Largest response body a connector may receive.
    pub max_response_bytes: u64,
    /// Largest request body the host holds whole: a body it must rewrite (the real secrets put
    /// in place of their placeholders) or record. A body past it fails the request with
    /// `HttpRequestBodySize`, so a guest streaming an endless body cannot grow host memory.
    pub max_request_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 64 << 20,
            call_timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            first_byte_timeout: Duration::from_secs(30),
            between_bytes_timeout: Duration::from_secs(30),
            max_response_bytes: 32 << 20,
            max_request_bytes: 8 << 20,
        }
    }
}
