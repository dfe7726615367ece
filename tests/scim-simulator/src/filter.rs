//! The filter subset (RFC 7644 §3.4.2.2): `attrPath eq value`, joined by `and`.
//! `GET /Users` accepts it on userName, externalId, id, emails.value and name.familyName;
//! a PATCH value filter (`emails[type eq "work"]`) accepts it on any sub-attribute.
//! Anything else (`or`, `not`, parentheses, other operators) is 400 invalidFilter.

use serde_json::Value;

use crate::wire::{ENTERPRISE_URN, ScimError, USER_URN};

/// The attributes `GET /Users?filter=` may name.
const LISTABLE: &[&str] = &[
    "userName",
    "externalId",
    "id",
    "emails.value",
    "name.familyName",
];

/// A parsed filter: every `(attribute path, value)` pair must match.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub terms: Vec<(String, Value)>,
}

fn invalid(detail: impl Into<String>) -> ScimError {
    ScimError::bad("invalidFilter", detail)
}

/// A filter on `GET /Users`.
pub fn parse_user_filter(text: &str) -> Result<Filter, ScimError> {
    let filter = parse(text)?;
    if filter.terms.len() > 2 {
        return Err(invalid(
            "at most two comparisons joined by `and` are supported",
        ));
    }
    for (path, _) in &filter.terms {
        let bare = path.strip_prefix(&format!("{USER_URN}:")).unwrap_or(path);
        if !LISTABLE.iter().any(|a| a.eq_ignore_ascii_case(bare)) {
            return Err(invalid(format!(
                "filtering on {path} is not supported (only {})",
                LISTABLE.join(", ")
            )));
        }
    }
    Ok(filter)
}

/// Parses `a eq v [and b eq w ...]`.
pub fn parse(text: &str) -> Result<Filter, ScimError> {
    let tokens = tokenize(text)?;
    let mut terms = Vec::new();
    let mut rest = tokens.as_slice();
    loop {
        let [Token::Word(path), Token::Word(op), value, tail @ ..] = rest else {
            return Err(invalid(format!(
                "expected `attribute eq value` in {text:?}"
            )));
        };
        if !op.eq_ignore_ascii_case("eq") {
            return Err(invalid(format!(
                "operator {op:?} is not supported (only eq)"
            )));
        }
        let value = match value {
            Token::Str(s) => Value::String(s.clone()),
            Token::Word(w) => serde_json::from_str(w)
                .map_err(|_| invalid(format!("{w:?} is not a filter value")))?,
        };
        terms.push((path.clone(), value));
        match tail {
            [] => return Ok(Filter { terms }),
            [Token::Word(and), more @ ..] if and.eq_ignore_ascii_case("and") => rest = more,
            [Token::Word(w), ..] => {
                return Err(invalid(format!("{w:?} is not supported (only and)")));
            }
            _ => return Err(invalid(format!("unexpected value in {text:?}"))),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Str(String),
}

fn tokenize(text: &str) -> Result<Vec<Token>, ScimError> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            let mut escaped = false;
            let mut end = None;
            for (i, c) in chars.by_ref() {
                match (escaped, c) {
                    (true, _) => escaped = false,
                    (false, '\\') => escaped = true,
                    (false, '"') => {
                        end = Some(i);
                        break;
                    }
                    _ => {}
                }
            }
            let end = end.ok_or_else(|| invalid("unterminated string"))?;
            let s: String = serde_json::from_str(&text[start..=end])
                .map_err(|_| invalid("bad escape in a string"))?;
            tokens.push(Token::Str(s));
        } else if "()[]".contains(c) {
            return Err(invalid(format!("{c:?}: grouping is not supported")));
        } else {
            let mut end = text.len();
            while let Some(&(i, c)) = chars.peek() {
                if c.is_whitespace() || c == '"' || "()[]".contains(c) {
                    end = i;
                    break;
                }
                chars.next();
            }
            tokens.push(Token::Word(text[start..end].to_string()));
        }
    }
    Ok(tokens)
}

impl Filter {
    /// Whether `resource` (a rendered User, or one element of a multi-valued attribute)
    /// satisfies every term.
    pub fn matches(&self, resource: &Value) -> bool {
        self.terms.iter().all(|(path, want)| {
            let exact = is_case_exact(path);
            values_at(resource, path)
                .into_iter()
                .any(|have| equal(have, want, exact))
        })
    }
}

/// id and externalId are caseExact (RFC 7643 §3.1); the filterable User strings are not.
fn is_case_exact(path: &str) -> bool {
    path.eq_ignore_ascii_case("id") || path.eq_ignore_ascii_case("externalId")
}

fn equal(have: &Value, want: &Value, case_exact: bool) -> bool {
    match (have, want) {
        (Value::String(a), Value::String(b)) if !case_exact => a.to_lowercase() == b.to_lowercase(),
        (a, b) => a == b,
    }
}

/// The object member named `key`, case-insensitively.
pub fn member<'a>(obj: &'a Value, key: &str) -> Option<&'a Value> {
    obj.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

/// Every value at a dotted path, looking through arrays (`emails.value` of each email).
fn values_at<'a>(root: &'a Value, path: &str) -> Vec<&'a Value> {
    let (mut current, rest) = if let Some(rest) = strip_urn(path, ENTERPRISE_URN) {
        (member(root, ENTERPRISE_URN).into_iter().collect(), rest)
    } else {
        (vec![root], strip_urn(path, USER_URN).unwrap_or(path))
    };
    for seg in rest.split('.') {
        current = current
            .into_iter()
            .flat_map(|v| match v {
                Value::Array(items) => items.iter().filter_map(|i| member(i, seg)).collect(),
                v => member(v, seg).into_iter().collect::<Vec<_>>(),
            })
            .collect();
    }
    current
        .into_iter()
        .flat_map(|v| match v {
            Value::Array(items) => items.iter().collect(),
            v => vec![v],
        })
        .collect()
}

/// `path` without a leading `urn:...:` schema prefix, when it has that prefix.
pub fn strip_urn<'a>(path: &'a str, urn: &str) -> Option<&'a str> {
    let head = path.get(..urn.len())?;
    if head.eq_ignore_ascii_case(urn) {
        path[urn.len()..].strip_prefix(':')
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_eq_and_and() {
        let f = parse(r#"userName eq "a\"b" and active eq true"#).expect("parses");
        assert_eq!(
            f.terms,
            vec![
                ("userName".into(), json!("a\"b")),
                ("active".into(), json!(true))
            ]
        );
    }

    #[test]
    fn rejects_the_rest() {
        for bad in [
            r#"userName sw "a""#,
            r#"userName eq "a" or id eq "b""#,
            r#"(userName eq "a")"#,
            r#"userName eq"#,
            r#"title eq "x""#,
        ] {
            let err = parse_user_filter(bad).expect_err(bad);
            assert_eq!(err.scim_type, Some("invalidFilter"), "{bad}");
        }
    }

    #[test]
    fn matches_through_arrays_and_case() {
        let user =
            json!({"userName": "Ada", "emails": [{"value": "a@x.org"}, {"value": "B@x.org"}]});
        assert!(parse("username eq \"ADA\"").expect("ok").matches(&user));
        assert!(
            parse("emails.value eq \"b@X.org\"")
                .expect("ok")
                .matches(&user)
        );
        assert!(
            !parse("emails.value eq \"c@x.org\"")
                .expect("ok")
                .matches(&user)
        );
        let ext = json!({ENTERPRISE_URN: {"department": "R&D"}});
        let path = format!("{ENTERPRISE_URN}:department eq \"r&d\"");
        assert!(parse(&path).expect("ok").matches(&ext));
    }
}
