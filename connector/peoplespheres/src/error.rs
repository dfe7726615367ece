//! HTTP status + body → contract error. Pure.
//!
//! REST errors are Dingo-shaped `{message, errors?, status_code}`; Keycloak errors are
//! `{error, error_description}`. Server messages are shortened and never contain our secrets
//! (the request bodies carrying them are never echoed).

use crate::http::{HttpResponse, short, str_of};
use crate::model::Error;

/// Seconds to wait on a 429 without a usable `Retry-After`.
pub const DEFAULT_RETRY_AFTER: u32 = 60;

/// Maps a non-success REST/GraphQL answer to the contract error. `what` names the call.
pub fn from_response(what: &str, resp: &HttpResponse) -> Error {
    let body: Option<serde_json::Value> = serde_json::from_slice(&resp.body).ok();
    let message = body
        .as_ref()
        .and_then(|b| str_of(b, "message").or_else(|| str_of(b, "error_description")))
        .map(short)
        .unwrap_or_else(|| format!("HTTP {}", resp.status));
    match resp.status {
        400 | 422 => match &body {
            None => Error::Protocol(format!(
                "{what}: HTTP {} with an unreadable body",
                resp.status
            )),
            Some(b) => {
                let (name, reason) =
                    first_field_error(b).unwrap_or_else(|| (String::new(), message.clone()));
                Error::invalid_input(name, reason)
            }
        },
        401 => Error::Unauthorized(format!("{what}: {message}")),
        403 => Error::Forbidden(format!("{what}: {message}")),
        404 => Error::NotFound(format!("{what}: {message}")),
        429 => Error::RateLimited(retry_after(resp)),
        500..=599 => Error::Unavailable(format!("{what}: HTTP {}: {message}", resp.status)),
        300..=399 => Error::Protocol(format!(
            "{what}: unexpected redirect (HTTP {})",
            resp.status
        )),
        s => Error::Other(format!("{what}: HTTP {s}: {message}")),
    }
}

/// Maps a non-success answer of a write. Validation (400, or 422 without a uniqueness key) is
/// `invalid-input` and a taken unique value (422 on a unique field, a 409, or any "taken"
/// reason) `already-exists`, both naming the contract
/// attribute: `name_of` maps the remote key of `errors{}` (alias, sub-field alias or field id)
/// back to the contract name; unknown keys (`data`, `pso_type`…) are kept as is.
pub fn from_write_response(
    what: &str,
    resp: &HttpResponse,
    name_of: impl Fn(&str) -> Option<String>,
    is_unique: impl Fn(&str) -> bool,
) -> Error {
    let body: Option<serde_json::Value> = serde_json::from_slice(&resp.body).ok();
    let Some((key, reason)) = body.as_ref().and_then(field_error_preferring(&name_of)) else {
        return from_response(what, resp);
    };
    if !matches!(resp.status, 400 | 409 | 422) {
        return from_response(what, resp);
    }
    let name = name_of(&key).unwrap_or_else(|| key.clone());
    // The notes guess duplicates come back as 422 (or 400): a "taken" reason is a duplicate
    // whatever the status, and so is a 409 or a 422 on a unique field.
    let taken = reason.to_ascii_lowercase().contains("taken");
    if taken || resp.status == 409 || (resp.status == 422 && is_unique(&key)) {
        Error::AlreadyExists(crate::model::InvalidAttribute {
            name,
            reason: format!("already taken by another user ({reason})"),
        })
    } else {
        Error::invalid_input(name, reason)
    }
}

/// The first `errors{}` entry whose key is a known field, else the first entry.
fn field_error_preferring<'a>(
    name_of: &'a impl Fn(&str) -> Option<String>,
) -> impl Fn(&serde_json::Value) -> Option<(String, String)> + 'a {
    move |body| {
        let errors = body.get("errors")?.as_object()?;
        let pick = errors
            .keys()
            .find(|k| name_of(k).is_some())
            .or_else(|| errors.keys().next())?;
        let reason = match errors.get(pick)? {
            serde_json::Value::Array(a) => a.iter().find_map(|r| r.as_str()).unwrap_or("rejected"),
            serde_json::Value::String(s) => s,
            _ => "rejected",
        };
        Some((pick.clone(), short(reason)))
    }
}

pub use crate::http::MAX_RETRY_AFTER;

/// `Retry-After` in seconds, between 1 and [`MAX_RETRY_AFTER`]: delay-seconds, or an
/// HTTP-date measured against the answer's own `Date` header; anything else (missing,
/// negative, fractional, a date without `Date`) is [`DEFAULT_RETRY_AFTER`].
pub fn retry_after(resp: &HttpResponse) -> u32 {
    crate::http::retry_after_secs(resp, None).unwrap_or(DEFAULT_RETRY_AFTER)
}

/// The first `errors{field: [reason…]}` entry (keys sorted by serde_json's map, i.e. by name).
fn first_field_error(body: &serde_json::Value) -> Option<(String, String)> {
    let errors = body.get("errors")?.as_object()?;
    let (field, reasons) = errors.iter().next()?;
    let reason = match reasons {
        serde_json::Value::Array(a) => a
            .iter()
            .find_map(|r| r.as_str())
            .unwrap_or("rejected")
            .to_string(),
        serde_json::Value::String(s) => s.clone(),
        _ => "rejected".to_string(),
    };
    Some((field.clone(), short(&reason)))
}

/// The Keycloak `error` code of a token-endpoint answer, if any.
pub fn keycloak_error(resp: &HttpResponse) -> Option<String> {
    let body: serde_json::Value = serde_json::from_slice(&resp.body).ok()?;
    str_of(&body, "error").map(str::to_string)
}

/// Maps a failed token-endpoint answer. `invalid_grant` means the credentials (or the refresh
/// token) were refused; the message is fixed text, never the server's.
pub fn from_token_response(resp: &HttpResponse) -> Error {
    let body: Option<serde_json::Value> = serde_json::from_slice(&resp.body).ok();
    let code = body.as_ref().and_then(|b| str_of(b, "error")).unwrap_or("");
    let description = body
        .as_ref()
        .and_then(|b| str_of(b, "error_description"))
        .unwrap_or("");
    match code {
        "invalid_grant" if description.to_ascii_lowercase().contains("disabled") => {
            Error::Unauthorized("account disabled".into())
        }
        "invalid_grant" => Error::Unauthorized("invalid credentials".into()),
        "invalid_client" | "unauthorized_client" => {
            Error::Unauthorized("the SSO refused the client id".into())
        }
        _ if resp.status == 429 => Error::RateLimited(retry_after(resp)),
        _ if resp.status >= 500 => {
            Error::Unavailable(format!("token endpoint: HTTP {}", resp.status))
        }
        _ if body.is_none() => Error::Protocol(format!(
            "token endpoint: HTTP {} with an unreadable body",
            resp.status
        )),
        "" => Error::Other(format!("token endpoint: HTTP {}", resp.status)),
        other => Error::Other(format!(
            "token endpoint: HTTP {}: {}",
            resp.status,
            short(other)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn status_table() {
        let e = from_response(
            "x",
            &resp(
                400,
                r#"{"message":"400 Bad Request","errors":{"professional_email":["taken"]},"status_code":400}"#,
                &[],
            ),
        );
        assert_eq!(e, Error::invalid_input("professional_email", "taken"));
        let e = from_response(
            "x",
            &resp(
                422,
                r#"{"message":"rule broken","errors":[["nope"]],"status_code":422}"#,
                &[],
            ),
        );
        assert_eq!(e, Error::invalid_input("", "rule broken"));
        assert!(matches!(
            from_response("x", &resp(400, "<html>", &[])),
            Error::Protocol(_)
        ));
        assert!(
            matches!(from_response("x", &resp(401, r#"{"message":"Unauthenticated.","status_code":401}"#, &[])), Error::Unauthorized(m) if m.contains("Unauthenticated"))
        );
        assert!(matches!(
            from_response(
                "x",
                &resp(403, r#"{"message":"no","status_code":403}"#, &[])
            ),
            Error::Forbidden(_)
        ));
        assert!(matches!(
            from_response("x", &resp(404, "", &[])),
            Error::NotFound(_)
        ));
        assert_eq!(
            from_response("x", &resp(429, "", &[("Retry-After", "7")])),
            Error::RateLimited(7)
        );
        assert_eq!(
            from_response("x", &resp(429, "", &[])),
            Error::RateLimited(60)
        );
        assert_eq!(
            from_response(
                "x",
                &resp(429, "", &[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")])
            ),
            Error::RateLimited(60)
        );
        assert!(matches!(
            from_response("x", &resp(500, r#"{"message":"Internal Error"}"#, &[])),
            Error::Unavailable(_)
        ));
        assert!(matches!(
            from_response("x", &resp(503, "garbage", &[])),
            Error::Unavailable(_)
        ));
        assert!(matches!(
            from_response("x", &resp(302, "", &[])),
            Error::Protocol(_)
        ));
        assert!(matches!(
            from_response("x", &resp(406, "{}", &[])),
            Error::Other(_)
        ));
    }

    #[test]
    fn write_errors_name_the_contract_attribute() {
        let name_of = |k: &str| match k {
            "usr_employment_contract_end_date" => Some("contract.end_date".to_string()),
            "professional_email" => Some("email".to_string()),
            "131" => Some("usr_badge_number".to_string()),
            _ => None,
        };
        let unique = |k: &str| k == "professional_email";
        let e = from_write_response(
            "w",
            &resp(
                400,
                r#"{"message":"400 Bad Request","errors":{"data":["x"],"usr_employment_contract_end_date":["The date is invalid."]},"status_code":400}"#,
                &[],
            ),
            name_of,
            unique,
        );
        assert_eq!(
            e,
            Error::invalid_input("contract.end_date", "The date is invalid.")
        );
        let e = from_write_response(
            "w",
            &resp(400, r#"{"errors":{"131":["bad"]}}"#, &[]),
            name_of,
            unique,
        );
        assert_eq!(e, Error::invalid_input("usr_badge_number", "bad"));
        let e = from_write_response(
            "w",
            &resp(400, r#"{"errors":{"pso_type":["bad"]}}"#, &[]),
            name_of,
            unique,
        );
        assert_eq!(e, Error::invalid_input("pso_type", "bad"));
        let e = from_write_response(
            "w",
            &resp(
                422,
                r#"{"message":"The professional_email has already been taken.","errors":{"professional_email":["has already been taken"]},"status_code":422}"#,
                &[],
            ),
            name_of,
            unique,
        );
        assert!(matches!(e, Error::AlreadyExists(a) if a.name == "email"));
        for (status, body) in [
            (400, r#"{"errors":{"username":["has already been taken"]}}"#),
            (409, r#"{"errors":{"username":["conflict"]}}"#),
        ] {
            let e = from_write_response("w", &resp(status, body, &[]), name_of, unique);
            assert!(
                matches!(&e, Error::AlreadyExists(a) if a.name == "username"),
                "{status}: {e:?}"
            );
        }
        assert!(matches!(
            from_write_response(
                "w",
                &resp(404, r#"{"message":"Pso not found"}"#, &[]),
                name_of,
                unique
            ),
            Error::NotFound(_)
        ));
        assert!(matches!(
            from_write_response("w", &resp(503, "", &[]), name_of, unique),
            Error::Unavailable(_)
        ));
        assert_eq!(
            from_write_response(
                "w",
                &resp(429, "", &[("Retry-After", "3")]),
                name_of,
                unique
            ),
            Error::RateLimited(3)
        );
    }

    #[test]
    fn keycloak_table() {
        let e = from_token_response(&resp(
            401,
            r#"{"error":"invalid_grant","error_description":"Invalid user credentials"}"#,
            &[],
        ));
        assert_eq!(e, Error::Unauthorized("invalid credentials".into()));
        let e = from_token_response(&resp(
            400,
            r#"{"error":"invalid_grant","error_description":"Account disabled"}"#,
            &[],
        ));
        assert_eq!(e, Error::Unauthorized("account disabled".into()));
        assert!(matches!(
            from_token_response(&resp(401, r#"{"error":"invalid_client"}"#, &[])),
            Error::Unauthorized(_)
        ));
        assert!(matches!(
            from_token_response(&resp(502, "bad gateway", &[])),
            Error::Unavailable(_)
        ));
        assert!(matches!(
            from_token_response(&resp(400, "<html>", &[])),
            Error::Protocol(_)
        ));
    }
}

#[cfg(test)]
mod retry_after_tests {
    use super::*;

    fn answer(headers: &[(&str, &str)]) -> HttpResponse {
        HttpResponse {
            status: 429,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: Vec::new(),
        }
    }

    #[test]
    fn seconds_dates_and_nonsense() {
        let ra = |h: &[(&str, &str)]| retry_after(&answer(h));
        assert_eq!(ra(&[("Retry-After", "17")]), 17);
        assert_eq!(ra(&[("Retry-After", "0")]), 1);
        assert_eq!(ra(&[("Retry-After", "4000000000")]), MAX_RETRY_AFTER);
        assert_eq!(ra(&[("Retry-After", "99999999999")]), MAX_RETRY_AFTER);
        assert_eq!(
            ra(&[
                ("Retry-After", "Wed, 25 Nov 2026 10:02:00 GMT"),
                ("Date", "Wed, 25 Nov 2026 10:00:30 GMT"),
            ]),
            90
        );
        assert_eq!(
            ra(&[
                ("Retry-After", "Wed, 25 Nov 2026 09:00:00 GMT"),
                ("Date", "Wed, 25 Nov 2026 10:00:30 GMT"),
            ]),
            1,
            "a date in the past: retry at once"
        );
        for nonsense in ["-5", "1.5", "soon", "Wed, 25 Nov 2026 10:02:00 GMT"] {
            assert_eq!(
                ra(&[("Retry-After", nonsense)]),
                DEFAULT_RETRY_AFTER,
                "{nonsense}"
            );
        }
        assert_eq!(ra(&[]), DEFAULT_RETRY_AFTER);
        assert_eq!(
            crate::http::http_date("Thu, 01 Jan 1970 00:00:00 GMT"),
            Some(0)
        );
        assert_eq!(
            crate::http::http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(
            crate::http::http_date("Sun, 06 Nov 1994 08:49:37 UTC"),
            None
        );
    }
}
