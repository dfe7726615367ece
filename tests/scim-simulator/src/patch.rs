//! PATCH (RFC 7644 §3.5.2): a PatchOp body's `add` / `replace` / `remove` operations applied,
//! in order, to a User's attributes. Paths: `attr`, `attr.sub`, `attr[filter]`,
//! `attr[filter].sub`, each optionally prefixed with the core User URN or the Enterprise URN
//! (`urn:...:enterprise:2.0:User:department`). An operation without a path takes an object
//! and applies itself to each member as if that member's name were the path.

use serde_json::{Map, Value};

use crate::filter::{self, Filter, member, strip_urn};
use crate::wire::{ENTERPRISE_URN, ScimError, USER_URN};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Replace,
    Remove,
}

/// A parsed attribute path.
#[derive(Debug)]
struct Path {
    /// Inside the Enterprise extension rather than at the top level.
    ext: bool,
    attr: String,
    filter: Option<Filter>,
    sub: Option<String>,
}

fn invalid_path(path: &str) -> ScimError {
    ScimError::bad(
        "invalidPath",
        format!("{path:?} is not a supported attribute path"),
    )
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')
}

fn parse_path(text: &str) -> Result<Path, ScimError> {
    let text = text.trim();
    let (ext, rest) = match strip_urn(text, ENTERPRISE_URN) {
        Some(rest) => (true, rest),
        None => (false, strip_urn(text, USER_URN).unwrap_or(text)),
    };
    if !ext && rest.eq_ignore_ascii_case(ENTERPRISE_URN) {
        return Ok(Path {
            ext: false,
            attr: ENTERPRISE_URN.into(),
            filter: None,
            sub: None,
        });
    }
    let (attr, filter, after) = match rest.split_once('[') {
        Some((attr, tail)) => {
            let (inner, after) = tail.split_once(']').ok_or_else(|| invalid_path(text))?;
            let f = filter::parse(inner).map_err(|e| ScimError::bad("invalidPath", e.detail))?;
            (attr, Some(f), after)
        }
        None => match rest.split_once('.') {
            Some((attr, sub)) => (attr, None, sub),
            None => (rest, None, ""),
        },
    };
    let sub = match (filter.is_some(), after) {
        (_, "") => None,
        (true, s) => Some(s.strip_prefix('.').ok_or_else(|| invalid_path(text))?),
        (false, s) => Some(s),
    };
    if !is_name(attr) || sub.is_some_and(|s| !is_name(s)) {
        return Err(invalid_path(text));
    }
    Ok(Path {
        ext,
        attr: attr.into(),
        filter,
        sub: sub.map(str::to_string),
    })
}

/// Applies a PatchOp body to `resource` (a JSON object of attributes).
pub fn apply(mut resource: Value, body: &Value) -> Result<Value, ScimError> {
    let ops = member(body, "Operations")
        .and_then(Value::as_array)
        .ok_or_else(|| ScimError::bad("invalidSyntax", "a PatchOp needs an Operations array"))?;
    for operation in ops {
        let op = match member(operation, "op").and_then(Value::as_str) {
            Some(o) if o.eq_ignore_ascii_case("add") => Op::Add,
            Some(o) if o.eq_ignore_ascii_case("replace") => Op::Replace,
            Some(o) if o.eq_ignore_ascii_case("remove") => Op::Remove,
            other => {
                return Err(ScimError::bad(
                    "invalidSyntax",
                    format!("op {other:?} is not add, replace or remove"),
                ));
            }
        };
        let value = member(operation, "value").cloned();
        if op != Op::Remove && value.is_none() {
            return Err(ScimError::bad(
                "invalidValue",
                "add and replace need a value",
            ));
        }
        let root = resource
            .as_object_mut()
            .ok_or_else(|| ScimError::new(500, "stored resource is not an object"))?;
        match member(operation, "path").and_then(Value::as_str) {
            Some(path) => apply_one(root, op, &parse_path(path)?, value.unwrap_or(Value::Null))?,
            None if op == Op::Remove => {
                return Err(ScimError::bad("noTarget", "remove needs a path"));
            }
            None => {
                let Some(Value::Object(members)) = value else {
                    return Err(ScimError::bad(
                        "invalidValue",
                        "an operation without a path needs an object value",
                    ));
                };
                for (key, v) in members {
                    apply_one(root, op, &parse_path(&key)?, v)?;
                }
            }
        }
    }
    Ok(resource)
}

/// The existing key in `obj` spelled like `name` in any case, or `name` itself.
fn key_in(obj: &Map<String, Value>, name: &str) -> String {
    obj.keys()
        .find(|k| k.eq_ignore_ascii_case(name))
        .cloned()
        .unwrap_or_else(|| name.to_string())
}

fn object_at<'a>(
    obj: &'a mut Map<String, Value>,
    name: &str,
) -> Result<&'a mut Map<String, Value>, ScimError> {
    let key = key_in(obj, name);
    let slot = obj.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if slot.is_null() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut()
        .ok_or_else(|| ScimError::bad("invalidPath", format!("{name} is not a complex attribute")))
}

fn apply_one(
    root: &mut Map<String, Value>,
    op: Op,
    path: &Path,
    value: Value,
) -> Result<(), ScimError> {
    let container = if path.ext {
        if op == Op::Remove && !root.keys().any(|k| k.eq_ignore_ascii_case(ENTERPRISE_URN)) {
            return Ok(());
        }
        object_at(root, ENTERPRISE_URN)?
    } else {
        root
    };
    let key = key_in(container, &path.attr);
    match (&path.filter, &path.sub) {
        (None, None) => {
            match op {
                Op::Remove => {
                    container.remove(&key);
                }
                _ => set(container, key, value, op),
            }
            Ok(())
        }
        (None, Some(sub)) => {
            if op == Op::Remove {
                if let Some(Value::Object(o)) = container.get_mut(&key) {
                    let sub_key = key_in(o, sub);
                    o.remove(&sub_key);
                }
                return Ok(());
            }
            let obj = object_at(container, &key)?;
            let sub_key = key_in(obj, sub);
            set(obj, sub_key, value, op);
            Ok(())
        }
        (Some(f), sub) => apply_filtered(container, &key, op, f, sub.as_deref(), value),
    }
}

/// Sets `key` to `value`: `add` appends to a multi-valued attribute, and both `add` and
/// `replace` merge an object into a complex attribute (sub-attributes not named are kept).
fn set(obj: &mut Map<String, Value>, key: String, value: Value, op: Op) {
    match (obj.get_mut(&key), value) {
        (Some(Value::Array(items)), Value::Array(more)) if op == Op::Add => items.extend(more),
        (Some(Value::Array(items)), one) if op == Op::Add => items.push(one),
        (Some(Value::Object(current)), Value::Object(more)) => merge(current, more),
        (_, value) => {
            obj.insert(key, value);
        }
    }
}

fn merge(current: &mut Map<String, Value>, more: Map<String, Value>) {
    for (k, v) in more {
        let key = key_in(current, &k);
        current.insert(key, v);
    }
}

/// `emails[type eq "work"]` and `emails[type eq "work"].value`.
fn apply_filtered(
    container: &mut Map<String, Value>,
    key: &str,
    op: Op,
    f: &Filter,
    sub: Option<&str>,
    value: Value,
) -> Result<(), ScimError> {
    let items = match container.get_mut(key) {
        Some(Value::Array(items)) => items,
        None | Some(Value::Null) if op != Op::Replace => {
            if op == Op::Remove {
                return Ok(());
            }
            container.insert(key.into(), Value::Array(Vec::new()));
            match container.get_mut(key) {
                Some(Value::Array(items)) => items,
                _ => return Err(ScimError::new(500, "cannot create the attribute")),
            }
        }
        None | Some(Value::Null) => return Err(no_target(key)),
        Some(_) => {
            return Err(ScimError::bad(
                "invalidPath",
                format!("{key} is not multi-valued"),
            ));
        }
    };
    if op == Op::Remove {
        match sub {
            None => items.retain(|i| !f.matches(i)),
            Some(sub) => items.iter_mut().filter(|i| f.matches(i)).for_each(|i| {
                if let Value::Object(o) = i {
                    let k = key_in(o, sub);
                    o.remove(&k);
                }
            }),
        }
        if items.is_empty() {
            container.remove(key);
        }
        return Ok(());
    }
    let mut matched = false;
    for item in items.iter_mut().filter(|i| f.matches(i)) {
        matched = true;
        if let Value::Object(o) = item {
            write_into(o, sub, value.clone());
        }
    }
    match (matched, op) {
        (true, _) => Ok(()),
        (false, Op::Replace) => Err(no_target(key)),
        (false, _) => {
            // add with nothing matching: a new entry carrying the filter's own values.
            let mut entry = Map::new();
            for (attr, v) in &f.terms {
                entry.insert(attr.clone(), v.clone());
            }
            write_into(&mut entry, sub, value);
            items.push(Value::Object(entry));
            Ok(())
        }
    }
}

fn write_into(item: &mut Map<String, Value>, sub: Option<&str>, value: Value) {
    match (sub, value) {
        (Some(sub), v) => {
            let k = key_in(item, sub);
            item.insert(k, v);
        }
        (None, Value::Object(more)) => merge(item, more),
        (None, _) => {}
    }
}

fn no_target(key: &str) -> ScimError {
    ScimError::bad("noTarget", format!("no value of {key} matches the filter"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_path_form() {
        let p = parse_path("name.givenName").expect("ok");
        assert_eq!(
            (p.ext, p.attr.as_str(), p.sub.as_deref()),
            (false, "name", Some("givenName"))
        );
        let p = parse_path(&format!("{ENTERPRISE_URN}:manager")).expect("ok");
        assert_eq!((p.ext, p.attr.as_str()), (true, "manager"));
        let p = parse_path("emails[type eq \"work\"].value").expect("ok");
        assert!(p.filter.is_some());
        assert_eq!(p.sub.as_deref(), Some("value"));
        let p = parse_path(&format!("{USER_URN}:displayName")).expect("ok");
        assert_eq!(p.attr, "displayName");
        for bad in [
            "",
            "emails[type eq \"work\"",
            "emails[type eq \"w\"]value",
            "a b",
        ] {
            assert!(parse_path(bad).is_err(), "{bad}");
        }
    }
}
