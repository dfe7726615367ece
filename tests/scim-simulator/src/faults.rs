//! Misbehaviour on request: a rolling-window rate limit (429 + `Retry-After`), a number of
//! requests answered with an error status, and a number answered 200 with a body that is not
//! JSON. Faults are decided before authentication, as a proxy in front of the server would.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::wire::{SCIM_JSON, ScimError};

/// What [`Faults::check`] lets through: a body that looks like the start of a listing.
const NOT_JSON: &str =
    "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:ListResponse\"],\"Resources\":[{\"id\":";

#[derive(Debug, Default)]
pub struct Faults {
    rate: Option<(u32, Duration)>,
    /// When each request admitted under the rate limit arrived, oldest first.
    admitted: VecDeque<Instant>,
    fail: Option<(u16, u32)>,
    malformed: u32,
}

impl Faults {
    pub fn set_rate_limit(&mut self, limit: Option<(u32, Duration)>) {
        self.rate = limit;
        self.admitted.clear();
    }

    pub fn fail_with(&mut self, status: u16, times: u32) {
        self.fail = (times > 0).then_some((status, times));
    }

    pub fn malformed(&mut self, times: u32) {
        self.malformed = times;
    }

    pub fn clear(&mut self) {
        *self = Faults::default();
    }

    /// The answer a request at `now` gets instead of being served, if any; consumes one
    /// scripted fault.
    pub fn check(&mut self, now: Instant) -> Option<Response> {
        if let Some(retry) = self.over_rate(now) {
            let err = ScimError::new(429, "too many requests");
            return Some(with_retry_after(err.into_response(), retry));
        }
        if let Some((status, left)) = self.fail {
            self.fail = (left > 1).then_some((status, left - 1));
            let err = ScimError::new(status, format!("simulated fault: HTTP {status}"));
            let res = err.into_response();
            return Some(if status == 429 || status == 503 {
                with_retry_after(res, 1)
            } else {
                res
            });
        }
        if self.malformed > 0 {
            self.malformed -= 1;
            let mut res = (StatusCode::OK, NOT_JSON).into_response();
            res.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
            return Some(res);
        }
        None
    }

    /// `Some(seconds until a slot frees)` when `now` is past the limit; else counts it.
    fn over_rate(&mut self, now: Instant) -> Option<u64> {
        let (limit, window) = self.rate?;
        while self
            .admitted
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            self.admitted.pop_front();
        }
        if self.admitted.len() < limit as usize {
            self.admitted.push_back(now);
            return None;
        }
        let oldest = self.admitted.front().copied().unwrap_or(now);
        let left = window.saturating_sub(now.duration_since(oldest));
        Some(
            u64::try_from(left.as_millis().div_ceil(1000))
                .unwrap_or(u64::MAX)
                .max(1),
        )
    }
}

fn with_retry_after(mut res: Response, secs: u64) -> Response {
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_rolls() {
        let mut f = Faults::default();
        f.set_rate_limit(Some((2, Duration::from_secs(10))));
        let t0 = Instant::now();
        assert!(f.check(t0).is_none());
        assert!(f.check(t0 + Duration::from_secs(4)).is_none());
        let res = f.check(t0 + Duration::from_secs(5)).expect("limited");
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(res.headers()[header::RETRY_AFTER], "5");
        // The first request leaves the window at t0+10; the second stays until t0+14.
        assert!(f.check(t0 + Duration::from_secs(10)).is_none());
        assert!(f.check(t0 + Duration::from_secs(11)).is_some());
    }

    #[test]
    fn scripted_faults_are_consumed() {
        let mut f = Faults::default();
        f.fail_with(503, 2);
        f.malformed(1);
        let now = Instant::now();
        assert_eq!(f.check(now).map(|r| r.status().as_u16()), Some(503));
        assert_eq!(f.check(now).map(|r| r.status().as_u16()), Some(503));
        assert_eq!(f.check(now).map(|r| r.status().as_u16()), Some(200));
        assert!(f.check(now).is_none());
    }
}
