//! Writes: checking attributes and changes against the declared fields, and building the SCIM
//! bodies: the resource of a `POST`, the operations of a `PATCH` (RFC 7644 §3.5.2) and the
//! merged resource of a `PUT`.
//!
//! A typed entry (`emails.work`) is written by replacing the whole multi-valued attribute with
//! the merged list (`replace` path `emails`): a `replace` of `emails[type eq "work"].value`
//! is refused with `noTarget` when there is no work email yet, and an `add` would append a
//! second work entry when there is one.

use serde_json::{Value as Json, json};

use crate::codec;
use crate::model::{Attribute, AttributeChange, ChangeOp, Error};
use crate::naming::{self, Shape, Spec};

pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// One checked edit of a user.
#[derive(Clone, Debug, PartialEq)]
pub enum Edit<'a> {
    /// Set (`Some`, the wire value) or clear (`None`) a field.
    Field(&'a Spec, Option<Json>),
    /// The `active` flag (suspend / resume).
    Active(bool),
}

impl Edit<'_> {
    pub fn spec(&self) -> Option<&Spec> {
        match self {
            Edit::Field(s, _) => Some(s),
            Edit::Active(_) => None,
        }
    }
}

fn declared<'a>(specs: &'a [Spec], name: &str) -> Result<&'a Spec, Error> {
    naming::find(specs, name)
        .ok_or_else(|| Error::invalid_input(name, "no such field (see get-fields)"))
}

/// The attributes of a create, checked; `invalid-input` naming a required field left empty.
pub fn checked_attributes<'a>(
    specs: &'a [Spec],
    attrs: &[Attribute],
) -> Result<Vec<Edit<'a>>, Error> {
    let mut edits = Vec::new();
    for a in attrs {
        let spec = declared(specs, &a.name)?;
        if let Some(v) = codec::encode(spec, &a.values)? {
            edits.push(Edit::Field(spec, Some(v)));
        }
    }
    for s in specs
        .iter()
        .filter(|s| s.field.required && s.field.writable)
    {
        if !edits
            .iter()
            .any(|e| e.spec().is_some_and(|x| x.field.name == s.field.name))
        {
            return Err(Error::invalid_input(
                &s.field.name,
                "a required field is missing",
            ));
        }
    }
    Ok(edits)
}

/// The changes of an update, checked; clearing a required field is refused.
pub fn checked_changes<'a>(
    specs: &'a [Spec],
    changes: &[AttributeChange],
) -> Result<Vec<Edit<'a>>, Error> {
    changes
        .iter()
        .map(|c| {
            let spec = declared(specs, &c.name)?;
            let values: &[_] = match &c.op {
                ChangeOp::Set(v) => v,
                ChangeOp::Clear => &[],
            };
            if !spec.field.writable {
                return Err(Error::invalid_input(&c.name, "the field is read-only"));
            }
            let v = codec::encode(spec, values)?;
            if v.is_none() && spec.field.required {
                return Err(Error::invalid_input(
                    &c.name,
                    "a required field cannot be cleared",
                ));
            }
            Ok(Edit::Field(spec, v))
        })
        .collect()
}

/// Applies edits to a resource (a copy of the current one, or `{}` for a create).
pub fn merge(resource: &mut Json, edits: &[Edit]) {
    for e in edits {
        match e {
            Edit::Field(spec, v) => codec::apply(resource, spec, v.clone()),
            Edit::Active(b) => {
                if let Json::Object(m) = resource {
                    m.insert("active".into(), json!(b));
                }
            }
        }
    }
}

/// The body of `POST /Users`: the edits nested into SCIM shape, active.
pub fn create_body(core: &str, extensions: &[String], edits: &[Edit]) -> Json {
    let mut r = json!({});
    merge(&mut r, edits);
    r["active"] = json!(true);
    codec::set_schemas(&mut r, core, extensions);
    r
}

/// The body of a `PUT`: the current resource with the edits, `meta` dropped.
pub fn put_body(current: &Json, core: &str, extensions: &[String], edits: &[Edit]) -> Json {
    let mut r = current.clone();
    merge(&mut r, edits);
    if let Json::Object(m) = &mut r {
        m.remove("meta");
    }
    codec::set_schemas(&mut r, core, extensions);
    r
}

/// True when the PATCH needs the current resource (typed entries are merged into it).
pub fn needs_current(edits: &[Edit]) -> bool {
    edits
        .iter()
        .any(|e| matches!(e.spec().map(|s| &s.shape), Some(Shape::Typed { .. })))
}

/// The PATCH operations of `edits`; `current` is the resource as last read (for typed entries).
pub fn patch_ops(edits: &[Edit], current: &Json) -> Vec<Json> {
    let mut ops = Vec::new();
    let mut merged_attrs: Vec<String> = Vec::new();
    for e in edits {
        match e {
            Edit::Active(b) => ops.push(json!({"op": "replace", "path": "active", "value": b})),
            Edit::Field(spec, v) => match &spec.shape {
                Shape::Typed { .. } => {
                    let path = spec.attr_path();
                    if merged_attrs.contains(&path) {
                        continue;
                    }
                    merged_attrs.push(path.clone());
                    let same: Vec<Edit> = edits
                        .iter()
                        .filter(|x| x.spec().is_some_and(|s| s.attr_path() == path))
                        .cloned()
                        .collect();
                    let mut scratch = current.clone();
                    merge(&mut scratch, &same);
                    let (before, after) = (attr_of(current, spec), attr_of(&scratch, spec));
                    if before == after {
                        continue;
                    }
                    match after {
                        Some(list) => {
                            ops.push(json!({"op": "replace", "path": path, "value": list}))
                        }
                        None => ops.push(json!({"op": "remove", "path": path})),
                    }
                }
                _ => match v {
                    Some(v) => ops.push(json!({
                        "op": "replace",
                        "path": spec.patch_path(),
                        "value": codec::wire(spec, v.clone()),
                    })),
                    None => ops.push(json!({"op": "remove", "path": spec.patch_path()})),
                },
            },
        }
    }
    ops
}

fn attr_of(resource: &Json, spec: &Spec) -> Option<Json> {
    let holder = match &spec.schema {
        Some(urn) => codec::get(resource, urn)?,
        None => resource,
    };
    codec::get(holder, &spec.attr).cloned()
}

/// A PATCH request body.
pub fn patch_body(ops: Vec<Json>) -> Json {
    json!({"schemas": [PATCH_OP], "Operations": ops})
}

/// `attr eq "value"` with the value's quotes and backslashes escaped (RFC 7644 §3.4.2.2).
pub fn filter_eq(attr: &str, value: &str) -> String {
    let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
    format!("{attr} eq \"{escaped}\"")
}

#[cfg(test)]
#[path = "writes_tests.rs"]
mod tests;
