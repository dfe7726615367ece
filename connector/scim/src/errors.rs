//! HTTP answers → contract errors (RFC 7644 §3.12), and `Retry-After`.
//!
//! | answer                                   | error                                                   |
//! |------------------------------------------|---------------------------------------------------------|
//! | 400 (`invalidValue`, `noTarget`, …)      | `invalid-input`, naming the field the detail names, else the first changed field |
//! | 401                                      | `unauthorized`                                          |
//! | 403                                      | `forbidden`                                             |
//! | 404                                      | `not-found`                                             |
//! | 409                                      | `already-exists`, naming the unique field the detail names, else `userName` |
//! | 412                                      | `unavailable` (changed concurrently; the session re-reads and retries once first) |
//! | 429                                      | `rate-limited(Retry-After)`, seconds or HTTP date, default 1 |
//! | 5xx                                      | `unavailable`                                           |
//!
//! Server details are cut to 200 characters; the token never appears.

use serde_json::Value as Json;

use crate::http::{HttpResponse, short};
use crate::model::{Error, InvalidAttribute};
use crate::naming::{Shape, Spec};

/// The `scimType` and `detail` of a SCIM error body, when there is one.
pub fn scim_error(resp: &HttpResponse) -> (Option<String>, Option<String>) {
    let body: Option<Json> = serde_json::from_slice(&resp.body).ok();
    let field = |k: &str| {
        body.as_ref()
            .and_then(|b| b.get(k))
            .and_then(Json::as_str)
            .map(short)
    };
    (field("scimType"), field("detail"))
}

/// The strings that point at a field in a server's message, most specific first.
fn needles(s: &Spec) -> Vec<String> {
    let leaf = match &s.shape {
        Shape::Sub(sub) => sub.clone(),
        _ => s.attr.clone(),
    };
    vec![
        s.field.remote_name.clone(),
        s.patch_path(),
        s.field.name.clone(),
        leaf,
    ]
}

/// The field among `blame` that `detail` names, else the first.
fn blamed(detail: &str, blame: &[&Spec], only_unique: bool) -> Option<String> {
    let detail = detail.to_ascii_lowercase();
    let candidates: Vec<&&Spec> = blame
        .iter()
        .filter(|s| !only_unique || s.field.unique)
        .collect();
    for depth in 0..4 {
        for s in &candidates {
            if let Some(n) = needles(s).get(depth)
                && detail.contains(&n.to_ascii_lowercase())
            {
                return Some(s.field.name.clone());
            }
        }
    }
    if only_unique {
        None
    } else {
        blame.first().map(|s| s.field.name.clone())
    }
}

/// The error of a non-2xx answer to `what` (`GET /Users/42`). `blame` are the fields of the
/// write, for `invalid-input` and `already-exists`; `now` is the Unix time, for `Retry-After`.
pub fn from_response(resp: &HttpResponse, what: &str, blame: &[&Spec], now: u64) -> Error {
    let (scim_type, detail) = scim_error(resp);
    let detail_text = detail.clone().unwrap_or_default();
    let words = match (&scim_type, &detail) {
        (Some(t), Some(d)) => format!("{what}: {t}: {d}"),
        (None, Some(d)) => format!("{what}: {d}"),
        (Some(t), None) => format!("{what}: {t}"),
        (None, None) => format!("{what}: HTTP {}", resp.status),
    };
    match resp.status {
        400 => Error::InvalidInput(InvalidAttribute {
            name: blamed(&detail_text, blame, false).unwrap_or_else(|| "request".into()),
            reason: words,
        }),
        401 => Error::Unauthorized(format!(
            "{what}: the SCIM server refused the bearer token (401)"
        )),
        403 => Error::Forbidden(words),
        404 => Error::NotFound(words),
        409 => Error::AlreadyExists(InvalidAttribute {
            name: blamed(&detail_text, blame, true).unwrap_or_else(|| "userName".into()),
            reason: words,
        }),
        412 => Error::Unavailable(format!("{what}: the user changed concurrently (412)")),
        429 => Error::RateLimited(retry_after(resp, now)),
        500..=599 => Error::Unavailable(words),
        _ => Error::Other(format!("{words} (HTTP {})", resp.status)),
    }
}

/// `Retry-After` in seconds (a number or an HTTP date, measured against the answer's `Date`
/// or `now`), at least 1 and at most an hour; 1 when absent or unreadable.
pub fn retry_after(resp: &HttpResponse, now: u64) -> u32 {
    crate::http::retry_after_secs(resp, Some(now)).unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    fn resp(status: u16, body: &str, headers: &[(&str, &str)]) -> HttpResponse {
        HttpResponse {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    fn err(status: u16, scim_type: &str, detail: &str) -> HttpResponse {
        let body = serde_json::json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": status.to_string(), "scimType": scim_type, "detail": detail});
        resp(status, &body.to_string(), &[])
    }

    #[test]
    fn every_status() {
        let specs = fixtures::specs();
        let f = |n: &str| specs.iter().find(|s| s.field.name == n).unwrap();
        let blame = [f("title"), f("profileUrl"), f("emails.work"), f("userName")];
        let name = |e: Error| match e {
            Error::InvalidInput(a) | Error::AlreadyExists(a) => a.name,
            other => panic!("{other:?}"),
        };
        for t in [
            "invalidValue",
            "invalidSyntax",
            "invalidFilter",
            "invalidPath",
            "noTarget",
            "mutability",
            "tooMany",
        ] {
            let e = from_response(&err(400, t, "something is wrong"), "PATCH", &blame, 0);
            assert_eq!(name(e), "title", "{t}");
        }
        let e = from_response(
            &err(
                400,
                "invalidValue",
                "Value error, Invalid URI: x: profileUrl",
            ),
            "POST",
            &blame,
            0,
        );
        assert_eq!(name(e), "profileUrl");
        let e = from_response(
            &err(400, "noTarget", "no value of 'emails' matches"),
            "PATCH",
            &blame,
            0,
        );
        assert_eq!(name(e), "emails.work");
        let e = from_response(&err(409, "uniqueness", "taken"), "POST", &blame, 0);
        assert_eq!(name(e), "userName");
        assert!(matches!(
            from_response(&resp(401, "", &[]), "GET", &[], 0),
            Error::Unauthorized(_)
        ));
        assert!(matches!(
            from_response(&resp(403, "", &[]), "GET", &[], 0),
            Error::Forbidden(_)
        ));
        assert!(matches!(
            from_response(&err(404, "", "User 'x' not found"), "GET", &[], 0),
            Error::NotFound(_)
        ));
        assert!(matches!(
            from_response(&resp(412, "", &[]), "PATCH", &[], 0),
            Error::Unavailable(_)
        ));
        assert!(matches!(
            from_response(&resp(503, "<html>", &[]), "GET", &[], 0),
            Error::Unavailable(_)
        ));
        assert!(matches!(
            from_response(&resp(500, "", &[]), "GET", &[], 0),
            Error::Unavailable(_)
        ));
        assert_eq!(
            from_response(&resp(429, "", &[("Retry-After", "7")]), "GET", &[], 0),
            Error::RateLimited(7)
        );
        assert!(matches!(
            from_response(&resp(418, "", &[]), "GET", &[], 0),
            Error::Other(_)
        ));
    }

    #[test]
    fn long_details_are_cut() {
        let e = from_response(&err(500, "", &"x".repeat(5000)), "GET", &[], 0);
        assert!(e.message().len() < 300);
    }

    #[test]
    fn retry_after_forms() {
        let now = 1_700_000_000;
        let at = httpdate::fmt_http_date(
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(now + 30),
        );
        assert_eq!(
            retry_after(&resp(429, "", &[("Retry-After", &at)]), now),
            30
        );
        assert_eq!(retry_after(&resp(429, "", &[]), now), 1);
        assert_eq!(
            retry_after(&resp(429, "", &[("Retry-After", "soon")]), now),
            1
        );
        assert_eq!(retry_after(&resp(429, "", &[("Retry-After", "0")]), now), 1);
        assert_eq!(
            retry_after(&resp(429, "", &[("Retry-After", "99999")]), now),
            3600
        );
    }
}
