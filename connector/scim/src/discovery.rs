//! What the server says about itself: `/ServiceProviderConfig` (capabilities), `/ResourceTypes`
//! (the User endpoint and its schemas) and `/Schemas` (the attributes, turned into fields).
//! Pure: the session fetches, this module reads.

use serde_json::Value as Json;

use crate::model::{Field, FieldType};
use crate::naming::{self, ScimType, Shape, Spec};

pub const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const ENTERPRISE_USER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// The capabilities the connector uses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Capabilities {
    pub patch: bool,
    pub etag: bool,
    /// `filter.maxResults`, when given.
    pub max_results: Option<u32>,
    /// RFC 9865 cursor pagination.
    pub cursor: bool,
}

/// The capabilities of a ServiceProviderConfig (absent members mean unsupported).
pub fn capabilities(spc: &Json) -> Capabilities {
    let flag =
        |k: &str, m: &str| spc.get(k).and_then(|x| x.get(m)).and_then(Json::as_bool) == Some(true);
    Capabilities {
        patch: flag("patch", "supported"),
        etag: flag("etag", "supported"),
        max_results: spc
            .get("filter")
            .and_then(|f| f.get("maxResults"))
            .and_then(Json::as_u64)
            .filter(|n| *n > 0)
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
        cursor: flag("pagination", "cursor"),
    }
}

/// The items of a list response (`{"Resources": [...]}`) or of a bare JSON array.
pub fn list_items(body: &Json) -> Vec<Json> {
    match body {
        Json::Array(items) => items.clone(),
        _ => body
            .get("Resources")
            .and_then(Json::as_array)
            .cloned()
            .unwrap_or_default(),
    }
}

/// The User resource type: its endpoint (`/Users`), schema and extension schemas.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserType {
    pub endpoint: String,
    pub schema: String,
    pub extensions: Vec<String>,
}

impl Default for UserType {
    fn default() -> Self {
        UserType {
            endpoint: "/Users".into(),
            schema: CORE_USER.into(),
            extensions: vec![ENTERPRISE_USER.into()],
        }
    }
}

/// The User resource type among `/ResourceTypes`' items, if any.
pub fn user_type(items: &[Json]) -> Option<UserType> {
    let is_user = |t: &&Json| {
        let s = |k| t.get(k).and_then(Json::as_str);
        s("name") == Some("User") || s("id") == Some("User") || s("schema") == Some(CORE_USER)
    };
    let t = items.iter().find(is_user)?;
    Some(UserType {
        endpoint: t
            .get("endpoint")
            .and_then(Json::as_str)
            .unwrap_or("/Users")
            .to_string(),
        schema: t
            .get("schema")
            .and_then(Json::as_str)
            .unwrap_or(CORE_USER)
            .to_string(),
        extensions: t
            .get("schemaExtensions")
            .and_then(Json::as_array)
            .map(|xs| {
                xs.iter()
                    .filter_map(|x| x.get("schema").and_then(Json::as_str))
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// The fields of the User resource type: `externalId`, the core schema's attributes, then each
/// extension's (extensions the server does not describe are left out).
pub fn fields(user: &UserType, schemas: &[Json]) -> Vec<Spec> {
    let schema = |urn: &str| {
        schemas
            .iter()
            .find(|s| s.get("id").and_then(Json::as_str) == Some(urn))
    };
    let mut out = vec![external_id()];
    if let Some(core) = schema(&user.schema) {
        for a in attributes(core) {
            attribute(&mut out, None, a);
        }
    }
    for urn in &user.extensions {
        if let Some(ext) = schema(urn) {
            for a in attributes(ext) {
                attribute(&mut out, Some(urn), a);
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|s| seen.insert(s.field.name.clone()));
    out
}

fn attributes(schema: &Json) -> &[Json] {
    schema
        .get("attributes")
        .and_then(Json::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn external_id() -> Spec {
    Spec {
        field: field(
            "externalId",
            "An identifier of the user in the provisioning client",
            FieldType::Text,
            "identity",
        ),
        schema: None,
        attr: "externalId".into(),
        shape: Shape::Simple,
        scim_type: ScimType::String,
    }
    .writable(true)
}

fn field(name: &str, label: &str, field_type: FieldType, category: &str) -> Field {
    Field {
        name: name.into(),
        label: label.into(),
        field_type,
        required: false,
        writable: false,
        multi_valued: false,
        unique: false,
        custom: false,
        hierarchical: false,
        category: category.into(),
        remote_name: String::new(),
    }
}

impl Spec {
    fn writable(mut self, w: bool) -> Self {
        self.field.writable = w;
        self
    }
}

fn s<'a>(a: &'a Json, k: &str) -> Option<&'a str> {
    a.get(k).and_then(Json::as_str)
}

fn b(a: &Json, k: &str) -> bool {
    a.get(k).and_then(Json::as_bool) == Some(true)
}

fn subs(a: &Json) -> &[Json] {
    a.get("subAttributes")
        .and_then(Json::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn sub<'a>(a: &'a Json, name: &str) -> Option<&'a Json> {
    subs(a).iter().find(|x| s(x, "name") == Some(name))
}

fn mutability(a: &Json) -> &str {
    s(a, "mutability").unwrap_or("readWrite")
}

/// Writable: read-write or immutable, and a type that reads back as written (a URI may be
/// refused or normalised, binary is re-encoded, so both are read-only).
fn can_write(a: &Json, t: ScimType) -> bool {
    matches!(mutability(a), "readWrite" | "immutable")
        && !matches!(t, ScimType::Reference | ScimType::Binary)
}

fn unique(a: &Json) -> bool {
    matches!(s(a, "uniqueness"), Some("server" | "global"))
}

fn contract_type(t: ScimType) -> FieldType {
    match t {
        ScimType::String | ScimType::Binary | ScimType::Reference => FieldType::Text,
        ScimType::Boolean => FieldType::Boolean,
        ScimType::Integer => FieldType::Integer,
        ScimType::Decimal => FieldType::Decimal,
        ScimType::DateTime => FieldType::Datetime,
    }
}

/// The fields of one top-level attribute, pushed onto `out`.
fn attribute(out: &mut Vec<Spec>, urn: Option<&String>, a: &Json) {
    let Some(name) = s(a, "name") else { return };
    if urn.is_none() && matches!(name, "id" | "meta" | "schemas" | "active" | "externalId") {
        return;
    }
    if mutability(a) == "writeOnly" {
        return;
    }
    let prefix = urn.map(|u| naming::short_name(u));
    let category = match (&prefix, name) {
        (Some(p), _) => p.clone(),
        (None, "emails" | "phoneNumbers" | "ims" | "addresses") => "contact".into(),
        (None, _) => "identity".into(),
    };
    let custom = urn.is_some_and(|u| !u.starts_with("urn:ietf:params:scim:"));
    let label = naming::label(s(a, "description"), name);
    let multi = b(a, "multiValued");
    let mut push = |shape: Shape,
                    t: ScimType,
                    ft: FieldType,
                    label: String,
                    required: bool,
                    writable: bool,
                    uniq: bool,
                    multi: bool| {
        let fname = naming::field_name(prefix.as_deref(), name, &shape);
        let mut f = field(&fname, &label, ft, &category);
        f.required = required;
        f.writable = writable;
        f.unique = uniq;
        f.multi_valued = multi;
        f.custom = custom;
        f.remote_name = naming::remote_name(urn.map(String::as_str), name, &shape);
        out.push(Spec {
            field: f,
            schema: urn.cloned(),
            attr: name.into(),
            shape,
            scim_type: t,
        });
    };
    if s(a, "type") != Some("complex") {
        let Some(t) = s(a, "type").and_then(ScimType::parse) else {
            return;
        };
        push(
            Shape::Simple,
            t,
            contract_type(t),
            label,
            b(a, "required"),
            can_write(a, t),
            unique(a),
            multi,
        );
        return;
    }
    let value = sub(a, "value");
    if !multi {
        let refers_to_user = sub(a, "$ref")
            .and_then(|r| r.get("referenceTypes"))
            .and_then(Json::as_array)
            .is_some_and(|ts| ts.iter().any(|t| t.as_str() == Some("User")));
        if value.is_some() && refers_to_user {
            let w = can_write(a, ScimType::String)
                && value.is_some_and(|v| can_write(v, ScimType::String));
            push(
                Shape::Ref,
                ScimType::String,
                FieldType::Reference,
                label,
                b(a, "required"),
                w,
                false,
                false,
            );
            return;
        }
        for x in subs(a) {
            let (Some(sn), Some(t)) = (s(x, "name"), s(x, "type").and_then(ScimType::parse)) else {
                continue;
            };
            if mutability(x) == "writeOnly" {
                continue;
            }
            let w = can_write(a, t) && can_write(x, t);
            let l = naming::label(s(x, "description"), sn);
            let req = b(a, "required") && b(x, "required");
            push(
                Shape::Sub(sn.into()),
                t,
                contract_type(t),
                l,
                req,
                w,
                unique(x),
                b(x, "multiValued"),
            );
        }
        return;
    }
    if name == "groups" && urn.is_none() {
        push(
            Shape::Groups,
            ScimType::String,
            FieldType::Text,
            label,
            false,
            false,
            false,
            true,
        );
        return;
    }
    let Some(type_sub) = sub(a, "type") else {
        return;
    };
    let canonical: Vec<String> = type_sub
        .get("canonicalValues")
        .and_then(Json::as_array)
        .map(|vs| {
            vs.iter()
                .filter_map(Json::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    let types: Vec<String> = if canonical.is_empty() {
        naming::default_types(name)
            .iter()
            .map(|t| t.to_string())
            .collect()
    } else {
        canonical
    };
    let parts: Vec<&Json> = match value {
        Some(v) => vec![v],
        None => subs(a)
            .iter()
            .filter(|x| !matches!(s(x, "name"), Some("type" | "primary" | "display")))
            .collect(),
    };
    for ty in &types {
        for x in &parts {
            let (Some(sn), Some(t)) = (s(x, "name"), s(x, "type").and_then(ScimType::parse)) else {
                continue;
            };
            if mutability(x) == "writeOnly" {
                continue;
            }
            let l = if sn == "value" {
                format!("{label} ({ty})")
            } else {
                format!("{} ({ty})", naming::label(s(x, "description"), sn))
            };
            let w = can_write(a, t) && can_write(x, t) && can_write(type_sub, ScimType::String);
            let shape = Shape::Typed {
                ty: ty.clone(),
                sub: sn.into(),
            };
            push(shape, t, contract_type(t), l, false, w, false, false);
        }
    }
}

#[cfg(test)]
#[path = "discovery_tests.rs"]
mod tests;
