//! The connector's own retry policy. Pure decisions; the session runs the loop.
//!
//! - **Idempotent reads** — every `GET` and every GraphQL *query* (`POST /graphql`): on a 5xx
//!   answer, a transport failure (connection refused/reset, timeout) or a 2xx body that is not
//!   complete JSON (truncated), the call is retried up to [`MAX_RETRIES`] more times after
//!   [`BACKOFF_MS`] (200 ms, then 600 ms). If every attempt fails, the last error is returned
//!   (`unavailable`, or `protocol` for a body still unreadable).
//! - **Never retried**: a `429` (handed to the host as `rate-limited` with `Retry-After`), any
//!   other 4xx, and every non-idempotent write (`POST /psos`, `POST /psos/{id}/form-instances/2`,
//!   `POST /psos/{id}/status`): a 5xx or a transport failure on a write is `unavailable`, and
//!   the write **may have been applied** (a lost response).
//! - **Create after a lost response**: when `POST /psos` fails that way, the connector looks the
//!   user up by its unique values (email, username…) and, if it now exists, returns it as the
//!   created user; otherwise it returns `unavailable`. A caller retrying an `unavailable`
//!   update or suspend/resume simply re-applies the same state (they are convergent);
//!   a caller retrying `create-user` gets `already-exists` if the first attempt had landed.
//! - A `401` is handled by the token layer (`auth`): renew once, retry once, then `unauthorized`.
//!   Except on `POST /psos`: after renewing, the user is looked up again first, and the create
//!   is re-sent only if it is still absent (a gateway may answer 401 after forwarding).
//! - **Created but not readable**: if the re-read after a successful `POST /psos` fails, the
//!   create still succeeded: the answer is the user as given, with its new id.
//! - `Retry-After` is read as seconds or as an HTTP-date against the answer's `Date`, and
//!   capped to one hour; anything else is 60 s.

use crate::http::HttpResponse;
use crate::model::Error;

/// Extra attempts of an idempotent read.
pub const MAX_RETRIES: usize = 2;
/// Wait before each extra attempt, in milliseconds.
pub const BACKOFF_MS: [u64; MAX_RETRIES] = [200, 600];

/// The wait before retry number `attempt` (0-based), none when the budget is spent.
pub fn backoff(attempt: usize) -> Option<u64> {
    BACKOFF_MS.get(attempt).copied()
}

/// True when a failed read may succeed if sent again: 5xx and transport failures (both
/// `unavailable`), never `rate-limited` or another error.
pub fn is_transient(e: &Error) -> bool {
    matches!(e, Error::Unavailable(_))
}

/// A 2xx answer whose body is not complete JSON (cut in transit): retryable for reads.
pub fn is_truncated(resp: &HttpResponse) -> bool {
    resp.is_success() && serde_json::from_slice::<serde::de::IgnoredAny>(&resp.body).is_err()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: vec![],
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn policy() {
        assert_eq!(
            (backoff(0), backoff(1), backoff(2)),
            (Some(200), Some(600), None)
        );
        assert!(is_transient(&Error::Unavailable("503".into())));
        assert!(!is_transient(&Error::RateLimited(5)));
        assert!(!is_transient(&Error::Protocol("x".into())));
        assert!(!is_transient(&Error::NotFound("x".into())));
        assert!(is_truncated(&resp(200, r#"{"data":{"a"#)));
        assert!(is_truncated(&resp(200, "")));
        assert!(!is_truncated(&resp(200, r#"{"data":1}"#)));
        assert!(!is_truncated(&resp(404, "{")));
    }
}
