//! Scripted faults: a queue of [`Fault`]s matched by path prefix and consumed by requests
//! (status answers with optional `Retry-After`, truncated JSON, delays, users inserted while
//! a client pages). The gate in `server.rs` applies the [`Decision`].

/// A scripted fault. `times` counts the requests it affects; `u32::MAX` means "forever".
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer `status` instead of the real response. `body` defaults to the REST error body
    /// `{"message": …, "status_code": status}`; `retry_after` sets the `Retry-After` header.
    Status {
        path_prefix: String,
        status: u16,
        body: Option<String>,
        retry_after: Option<u32>,
        times: u32,
    },
    /// Answer `200` with the real body cut in half (invalid JSON).
    Malformed { path_prefix: String, times: u32 },
    /// Wait `millis` before answering.
    Delay {
        path_prefix: String,
        millis: u64,
        times: u32,
    },
    /// Like `Status`, but only for requests with this `method` (e.g. `POST`: fail the writes,
    /// let the reads through). With `after_handling`, the request is **handled first** (a write
    /// is applied) and the client still gets `status`: a lost response.
    MethodStatus {
        method: String,
        path_prefix: String,
        status: u16,
        body: Option<String>,
        times: u32,
        after_handling: bool,
    },
    /// Let `after_requests` matching requests through, then insert `count` generated users just
    /// before the next matching request is handled (once).
    InsertUsersAfter {
        path_prefix: String,
        after_requests: u32,
        count: u32,
    },
}

impl Fault {
    /// A `429 Too Many Attempts.` with `Retry-After: secs`, once.
    pub fn rate_limited(path_prefix: &str, secs: u32) -> Fault {
        Fault::Status {
            path_prefix: path_prefix.into(),
            status: 429,
            body: None,
            retry_after: Some(secs),
            times: 1,
        }
    }
    /// A bare status with the default REST body, `times` times.
    pub fn status(path_prefix: &str, status: u16, times: u32) -> Fault {
        Fault::Status {
            path_prefix: path_prefix.into(),
            status,
            body: None,
            retry_after: None,
            times,
        }
    }
    /// `status` (default REST body) for `method` requests only, `times` times.
    pub fn method_status(method: &str, path_prefix: &str, status: u16, times: u32) -> Fault {
        Fault::MethodStatus {
            method: method.to_ascii_uppercase(),
            path_prefix: path_prefix.into(),
            status,
            body: None,
            times,
            after_handling: false,
        }
    }
    /// The next `method` request under `path_prefix` is applied, but answered `status`.
    pub fn lost_response(method: &str, path_prefix: &str, status: u16) -> Fault {
        Fault::MethodStatus {
            method: method.to_ascii_uppercase(),
            path_prefix: path_prefix.into(),
            status,
            body: None,
            times: 1,
            after_handling: true,
        }
    }
    fn matches(&self, method: &str, path: &str) -> bool {
        let method_ok = match self {
            Fault::MethodStatus { method: m, .. } => m.eq_ignore_ascii_case(method),
            _ => true,
        };
        method_ok && path.starts_with(self.prefix())
    }
    fn prefix(&self) -> &str {
        match self {
            Fault::MethodStatus { path_prefix, .. }
            | Fault::Status { path_prefix, .. }
            | Fault::Malformed { path_prefix, .. }
            | Fault::Delay { path_prefix, .. }
            | Fault::InsertUsersAfter { path_prefix, .. } => path_prefix,
        }
    }
}

/// What to do with one request.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Decision {
    pub delay_ms: u64,
    pub insert_users: u32,
    pub status: Option<(u16, Option<String>, Option<u32>)>,
    /// Handle the request, then answer this status instead.
    pub after: Option<(u16, Option<String>)>,
    pub malformed: bool,
}

/// Pending faults, in injection order.
#[derive(Debug, Default)]
pub struct FaultQueue {
    faults: Vec<Fault>,
}

fn consume(times: &mut u32) -> bool {
    if *times == 0 {
        return false;
    }
    if *times != u32::MAX {
        *times -= 1;
    }
    true
}

impl FaultQueue {
    pub fn push(&mut self, f: Fault) {
        self.faults.push(f);
    }
    pub fn clear(&mut self) {
        self.faults.clear();
    }
    pub fn len(&self) -> usize {
        self.faults.len()
    }

    /// Match the request path against the queue and consume what fires.
    pub fn decide(&mut self, method: &str, path: &str) -> Decision {
        let mut d = Decision::default();
        for f in self.faults.iter_mut().filter(|f| f.matches(method, path)) {
            match f {
                Fault::InsertUsersAfter {
                    after_requests,
                    count,
                    ..
                } => {
                    if *after_requests == 0 {
                        d.insert_users += *count;
                        *count = 0;
                    } else {
                        *after_requests -= 1;
                    }
                }
                Fault::Delay { millis, times, .. } => {
                    if consume(times) {
                        d.delay_ms += *millis;
                    }
                }
                Fault::Status {
                    status,
                    body,
                    retry_after,
                    times,
                    ..
                } => {
                    if d.status.is_none() && !d.malformed && consume(times) {
                        d.status = Some((*status, body.clone(), *retry_after));
                    }
                }
                Fault::Malformed { times, .. } => {
                    if d.status.is_none() && !d.malformed && consume(times) {
                        d.malformed = true;
                    }
                }
                Fault::MethodStatus {
                    status,
                    body,
                    times,
                    after_handling,
                    ..
                } => {
                    let free = d.status.is_none() && d.after.is_none() && !d.malformed;
                    if free && consume(times) {
                        if *after_handling {
                            d.after = Some((*status, body.clone()));
                        } else {
                            d.status = Some((*status, body.clone(), None));
                        }
                    }
                }
            }
        }
        self.faults.retain(|f| match f {
            Fault::InsertUsersAfter { count, .. } => *count > 0,
            Fault::Delay { times, .. }
            | Fault::MethodStatus { times, .. }
            | Fault::Status { times, .. }
            | Fault::Malformed { times, .. } => *times > 0,
        });
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consumed_in_order() {
        let mut q = FaultQueue::default();
        q.push(Fault::status("/search", 503, 2));
        q.push(Fault::Malformed {
            path_prefix: "/".into(),
            times: 1,
        });
        assert_eq!(
            q.decide("GET", "/fields"),
            Decision {
                malformed: true,
                ..Decision::default()
            }
        );
        assert_eq!(q.decide("GET", "/search").status, Some((503, None, None)));
        assert_eq!(q.decide("GET", "/search").status, Some((503, None, None)));
        assert_eq!(q.decide("GET", "/search"), Decision::default());
        assert_eq!(q.len(), 0);
    }

    #[test]
    fn insert_after() {
        let mut q = FaultQueue::default();
        q.push(Fault::InsertUsersAfter {
            path_prefix: "/graphql".into(),
            after_requests: 1,
            count: 3,
        });
        assert_eq!(q.decide("GET", "/graphql").insert_users, 0);
        assert_eq!(q.decide("GET", "/search").insert_users, 0);
        assert_eq!(q.decide("GET", "/graphql").insert_users, 3);
        assert_eq!(q.len(), 0);
    }
}

#[cfg(test)]
mod method_tests {
    use super::*;

    #[test]
    fn method_only() {
        let mut q = FaultQueue::default();
        q.push(Fault::method_status("post", "/psos", 503, 1));
        q.push(Fault::lost_response("POST", "/psos", 502));
        assert_eq!(q.decide("GET", "/psos/1"), Decision::default());
        assert_eq!(q.decide("POST", "/psos").status, Some((503, None, None)));
        assert_eq!(q.decide("POST", "/psos").after, Some((502, None)));
        assert_eq!(q.len(), 0);
    }
}
