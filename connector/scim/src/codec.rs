//! SCIM User resources (JSON) ↔ the contract's `User` and attribute values.
//!
//! Reading: a typed entry (`emails.work`) is the first entry whose `type` matches (case
//! insensitively); an entry without a type is read as `work` when no entry says `work`.
//! Writing: [`apply`] sets or clears one field in a resource, creating or dropping the
//! containers (`name`, the extension object, the typed entry) as needed.

use serde_json::{Map, Value as Json, json};

use crate::dates;
use crate::model::{Attribute, Error, User, Value};
use crate::naming::{ScimType, Shape, Spec};

/// A member of an object, its name matched exactly, else case-insensitively (SCIM attribute
/// names are case-insensitive).
pub fn get<'a>(obj: &'a Json, key: &str) -> Option<&'a Json> {
    let m = obj.as_object()?;
    m.get(key).or_else(|| {
        m.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn key_of(m: &Map<String, Json>, key: &str) -> String {
    m.keys()
        .find(|k| k.eq_ignore_ascii_case(key))
        .cloned()
        .unwrap_or_else(|| key.to_string())
}

fn container<'a>(resource: &'a Json, spec: &Spec) -> Option<&'a Json> {
    match &spec.schema {
        Some(urn) => get(resource, urn),
        None => Some(resource),
    }
}

fn is_type(entry: &Json, ty: &str) -> bool {
    get(entry, "type")
        .and_then(Json::as_str)
        .is_some_and(|t| t.eq_ignore_ascii_case(ty))
}

fn untyped(entry: &Json) -> bool {
    get(entry, "type")
        .and_then(Json::as_str)
        .is_none_or(|t| t.trim().is_empty())
}

/// The index of the entry holding type `ty` in a multi-valued list.
fn typed_index(entries: &[Json], ty: &str) -> Option<usize> {
    entries.iter().position(|e| is_type(e, ty)).or_else(|| {
        ty.eq_ignore_ascii_case("work")
            .then(|| entries.iter().position(untyped))
            .flatten()
    })
}

/// One wire value as a contract value of `t`; none for null, empty text or a mismatch.
fn scalar(t: ScimType, v: &Json) -> Option<Value> {
    match (t, v) {
        (_, Json::Null) => None,
        (ScimType::Boolean, Json::Bool(b)) => Some(Value::Boolean(*b)),
        (ScimType::Boolean, Json::String(s)) => s.parse().ok().map(Value::Boolean),
        (ScimType::Integer, Json::Number(n)) => n.as_i64().map(Value::Integer),
        (ScimType::Integer, Json::String(s)) => s.trim().parse().ok().map(Value::Integer),
        (ScimType::Decimal, Json::Number(n)) => n.as_f64().map(Value::Decimal),
        (ScimType::Decimal, Json::String(s)) => s.trim().parse().ok().map(Value::Decimal),
        (ScimType::DateTime, Json::String(s)) => Some(Value::Datetime(
            dates::normalize(s).unwrap_or_else(|| s.clone()),
        )),
        (ScimType::String | ScimType::Binary | ScimType::Reference, _) => {
            connector_kit::http::scalar_text(v)
                .filter(|s| !s.is_empty())
                .map(Value::Text)
        }
        _ => None,
    }
}

/// The values a resource holds for one field.
pub fn read(spec: &Spec, resource: &Json) -> Vec<Value> {
    let Some(attr) = container(resource, spec).and_then(|c| get(c, &spec.attr)) else {
        return Vec::new();
    };
    let t = spec.scim_type;
    match &spec.shape {
        Shape::Simple => match attr {
            Json::Array(xs) => xs.iter().filter_map(|x| scalar(t, x)).collect(),
            x => scalar(t, x).into_iter().collect(),
        },
        Shape::Sub(sub) => get(attr, sub)
            .and_then(|x| scalar(t, x))
            .into_iter()
            .collect(),
        Shape::Ref => get(attr, "value")
            .and_then(Json::as_str)
            .filter(|s| !s.is_empty())
            .map(|s| Value::Reference(s.into()))
            .into_iter()
            .collect(),
        Shape::Typed { ty, sub } => {
            let entries = attr.as_array().map(Vec::as_slice).unwrap_or(&[]);
            typed_index(entries, ty)
                .and_then(|i| get(&entries[i], sub))
                .and_then(|x| scalar(t, x))
                .into_iter()
                .collect()
        }
        Shape::Groups => attr
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .filter_map(|g| {
                [get(g, "display"), get(g, "value")]
                    .into_iter()
                    .flatten()
                    .find_map(|x| x.as_str().filter(|s| !s.is_empty()))
                    .map(|s| Value::Text(s.into()))
            })
            .collect(),
    }
}

/// A name fit for display: displayName, name.formatted, "givenName familyName", userName.
pub fn display_name(resource: &Json) -> String {
    let text = |v: Option<&Json>| {
        v.and_then(Json::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
    };
    let name = get(resource, "name");
    text(get(resource, "displayName"))
        .or_else(|| text(name.and_then(|n| get(n, "formatted"))))
        .or_else(|| {
            let parts: Vec<String> = ["givenName", "familyName"]
                .iter()
                .filter_map(|k| text(name.and_then(|n| get(n, k))))
                .collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        })
        .or_else(|| text(get(resource, "userName")))
        .unwrap_or_default()
}

/// A resource as a contract user: every declared field that has a value.
pub fn to_user(specs: &[Spec], resource: &Json) -> Result<User, Error> {
    let id = get(resource, "id")
        .and_then(connector_kit::http::scalar_text)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::Protocol("a User resource without an `id`".into()))?;
    let active = match get(resource, "active") {
        Some(Json::Bool(b)) => *b,
        Some(Json::String(s)) => !s.eq_ignore_ascii_case("false"),
        _ => true,
    };
    let attributes = specs
        .iter()
        .filter_map(|s| {
            let values = read(s, resource);
            (!values.is_empty()).then(|| Attribute {
                name: s.field.name.clone(),
                values,
            })
        })
        .collect();
    Ok(User {
        id,
        display_name: display_name(resource),
        active,
        attributes,
    })
}

/// The wire value of a write to `spec`: checked against the field (writable, type, one value
/// unless multi-valued, real dates); none when `values` is empty (a clear).
pub fn encode(spec: &Spec, values: &[Value]) -> Result<Option<Json>, Error> {
    let f = &spec.field;
    let bad = |why: String| Error::invalid_input(&f.name, why);
    if !f.writable {
        return Err(bad("the field is read-only".into()));
    }
    if values.len() > 1 && !f.multi_valued {
        return Err(bad(format!("one value expected, got {}", values.len())));
    }
    let mut out = Vec::with_capacity(values.len());
    for v in values {
        if v.field_type() != f.field_type {
            return Err(bad(format!(
                "expected a {} value, got a {}",
                f.field_type.wit_name(),
                v.field_type().wit_name()
            )));
        }
        out.push(match v {
            Value::Text(s) | Value::Reference(s) => json!(s),
            Value::Boolean(b) => json!(b),
            Value::Integer(i) => json!(i),
            Value::Decimal(d) if d.is_finite() => json!(d),
            Value::Decimal(_) => return Err(bad("not a finite number".into())),
            Value::Datetime(s) => json!(dates::normalize(s).ok_or_else(|| {
                bad(format!(
                    "`{}` is not a valid RFC 3339 date-time",
                    connector_kit::http::short(s)
                ))
            })?),
            Value::Date(_) | Value::Choice(_) => {
                return Err(bad(format!(
                    "{} values are not supported",
                    v.field_type().wit_name()
                )));
            }
        });
    }
    Ok(match (f.multi_valued, out.len()) {
        (_, 0) => None,
        (true, _) => Some(Json::Array(out)),
        (false, _) => out.pop(),
    })
}

/// The JSON of a single-valued field as a PATCH value (`{"value": id}` for a reference).
pub fn wire(spec: &Spec, v: Json) -> Json {
    match spec.shape {
        Shape::Ref => json!({ "value": v }),
        _ => v,
    }
}

fn object(v: &mut Json) -> &mut Map<String, Json> {
    if !v.is_object() {
        *v = Json::Object(Map::new());
    }
    match v {
        Json::Object(m) => m,
        _ => unreachable!("just made an object"),
    }
}

/// Sets (`Some`) or clears (`None`) one field in a resource.
pub fn apply(resource: &mut Json, spec: &Spec, v: Option<Json>) {
    let root = object(resource);
    let (holder, holder_key) = match &spec.schema {
        Some(urn) => {
            let k = key_of(root, urn);
            if v.is_none() && !root.contains_key(&k) {
                return;
            }
            (object(root.entry(k.clone()).or_insert(Json::Null)), Some(k))
        }
        None => (root, None),
    };
    let k = key_of(holder, &spec.attr);
    match (&spec.shape, v) {
        (Shape::Groups, _) => {}
        (Shape::Simple, Some(v)) => {
            holder.insert(k, v);
        }
        (Shape::Ref, Some(v)) => {
            holder.insert(k, wire(spec, v));
        }
        (Shape::Simple | Shape::Ref, None) => {
            holder.remove(&k);
        }
        (Shape::Sub(sub), v) => {
            let parent = object(holder.entry(k.clone()).or_insert(Json::Null));
            let sk = key_of(parent, sub);
            match v {
                Some(v) => {
                    parent.insert(sk, v);
                }
                None => {
                    parent.remove(&sk);
                }
            }
            if parent.is_empty() {
                holder.remove(&k);
            }
        }
        (Shape::Typed { ty, sub }, v) => {
            let list = holder.entry(k.clone()).or_insert(Json::Array(Vec::new()));
            if !list.is_array() {
                *list = Json::Array(Vec::new());
            }
            let Json::Array(entries) = list else { return };
            match (typed_index(entries, ty), v) {
                (Some(i), Some(v)) => {
                    let e = object(&mut entries[i]);
                    let sk = key_of(e, sub);
                    e.insert(sk, v);
                }
                (None, Some(v)) => {
                    let mut e = Map::new();
                    e.insert(sub.clone(), v);
                    e.insert("type".into(), json!(ty));
                    if entries.is_empty() {
                        e.insert("primary".into(), json!(true));
                    }
                    entries.push(Json::Object(e));
                }
                (Some(i), None) => {
                    let e = object(&mut entries[i]);
                    let sk = key_of(e, sub);
                    e.remove(&sk);
                    let meaningful = e.keys().any(|k| {
                        !["type", "primary", "display"]
                            .iter()
                            .any(|x| k.eq_ignore_ascii_case(x))
                    });
                    if !meaningful {
                        entries.remove(i);
                    }
                }
                (None, None) => {}
            }
            if entries.is_empty() {
                holder.remove(&k);
            }
        }
    }
    if let (Some(hk), Json::Object(root)) = (holder_key, resource)
        && root
            .get(&hk)
            .and_then(Json::as_object)
            .is_some_and(Map::is_empty)
    {
        root.remove(&hk);
    }
}

/// `schemas`: the core schema plus each extension the resource holds.
pub fn set_schemas(resource: &mut Json, core: &str, extensions: &[String]) {
    let mut schemas = vec![json!(core)];
    for urn in extensions {
        if get(resource, urn)
            .and_then(Json::as_object)
            .is_some_and(|m| !m.is_empty())
        {
            schemas.push(json!(urn));
        }
    }
    object(resource).insert("schemas".into(), Json::Array(schemas));
}

#[cfg(test)]
#[path = "codec_tests.rs"]
mod tests;
