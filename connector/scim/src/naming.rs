//! Field names ↔ SCIM paths: what one contract field is in a SCIM User resource.
//!
//! | SCIM attribute                                   | field name                 | remote name (SCIM path)                     |
//! |--------------------------------------------------|----------------------------|---------------------------------------------|
//! | simple `userName`                                | `userName`                 | `userName`                                  |
//! | sub-attribute of a single-valued complex         | `name.givenName`           | `name.givenName`                            |
//! | `value` of a typed multi-valued complex          | `emails.work`              | `emails[type eq "work"].value`              |
//! | other sub-attribute of one (no `value`)          | `addresses.work.locality`  | `addresses[type eq "work"].locality`        |
//! | extension attribute                              | `enterprise.department`    | `urn:…:enterprise:2.0:User:department`      |
//! | single-valued complex with a `value` (`manager`) | `enterprise.manager`       | `urn:…:enterprise:2.0:User:manager`         |
//! | `groups` (read-only)                             | `groups`                   | `groups`                                    |

use crate::model::{Field, FieldType};

/// A SCIM attribute type (RFC 7643 §2.3), `complex` aside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScimType {
    String,
    Boolean,
    Integer,
    Decimal,
    DateTime,
    Binary,
    Reference,
}

impl ScimType {
    pub fn parse(s: &str) -> Option<ScimType> {
        Some(match s {
            "string" => ScimType::String,
            "boolean" => ScimType::Boolean,
            "integer" => ScimType::Integer,
            "decimal" => ScimType::Decimal,
            "dateTime" => ScimType::DateTime,
            "binary" => ScimType::Binary,
            "reference" => ScimType::Reference,
            _ => return None,
        })
    }
}

/// Where a field's values live inside the attribute `attr`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    /// The attribute itself (single-valued, or a multi-valued list of simple values).
    Simple,
    /// A sub-attribute of a single-valued complex attribute.
    Sub(String),
    /// The sub-attribute `sub` of the entry of a multi-valued complex attribute whose `type` is
    /// `ty` (an entry without a type is read as `work`).
    Typed { ty: String, sub: String },
    /// A single-valued complex attribute `{"value": id}` pointing to another user (`manager`).
    Ref,
    /// The user's groups: each entry's `display`, else its `value`.
    Groups,
}

/// One declared field and where it lives.
#[derive(Clone, Debug, PartialEq)]
pub struct Spec {
    pub field: Field,
    /// The extension schema URN, none for the core schema (and `externalId`).
    pub schema: Option<String>,
    /// The top-level attribute's name.
    pub attr: String,
    pub shape: Shape,
    /// The type of the values on the wire.
    pub scim_type: ScimType,
}

impl Spec {
    /// The attribute's path in a PATCH operation (the whole attribute for typed entries, which
    /// are written as a merged list).
    pub fn attr_path(&self) -> String {
        match &self.schema {
            Some(urn) => format!("{urn}:{}", self.attr),
            None => self.attr.clone(),
        }
    }

    /// The PATCH path of this field's value (typed entries: the whole attribute).
    pub fn patch_path(&self) -> String {
        match &self.shape {
            Shape::Sub(sub) => format!("{}.{sub}", self.attr_path()),
            _ => self.attr_path(),
        }
    }
}

/// The SCIM path of a field (its `remote-name`).
pub fn remote_name(schema: Option<&str>, attr: &str, shape: &Shape) -> String {
    let base = match schema {
        Some(urn) => format!("{urn}:{attr}"),
        None => attr.to_string(),
    };
    match shape {
        Shape::Simple | Shape::Ref | Shape::Groups => base,
        Shape::Sub(sub) => format!("{base}.{sub}"),
        Shape::Typed { ty, sub } => format!("{base}[type eq \"{ty}\"].{sub}"),
    }
}

/// The field name: the extension's short name first, then the attribute, then the type and/or
/// sub-attribute. A typed entry's `value` is named by the type alone (`emails.work`).
pub fn field_name(prefix: Option<&str>, attr: &str, shape: &Shape) -> String {
    let base = match prefix {
        Some(p) => format!("{p}.{attr}"),
        None => attr.to_string(),
    };
    match shape {
        Shape::Simple | Shape::Ref | Shape::Groups => base,
        Shape::Sub(sub) => format!("{base}.{sub}"),
        Shape::Typed { ty, sub } if sub == "value" => format!("{base}.{ty}"),
        Shape::Typed { ty, sub } => format!("{base}.{ty}.{sub}"),
    }
}

/// An extension's short name: the URN segment after `:extension:`
/// (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User` → `enterprise`), else the
/// last segment that is not a version or `User`.
pub fn short_name(urn: &str) -> String {
    if let Some((_, rest)) = urn.split_once(":extension:")
        && let Some(seg) = rest.split(':').next().filter(|s| !s.is_empty())
    {
        return seg.to_string();
    }
    urn.rsplit(':')
        .find(|s| !s.is_empty() && *s != "User" && !s.starts_with(|c: char| c.is_ascii_digit()))
        .unwrap_or(urn)
        .to_string()
}

/// The first sentence of a description, else the attribute's name.
pub fn label(description: Option<&str>, name: &str) -> String {
    let d = description.unwrap_or("").trim();
    let end = d.find(". ").or_else(|| d.find(".\n")).unwrap_or(d.len());
    let first = d[..end].trim().trim_end_matches('.').trim();
    if first.is_empty() {
        name.to_string()
    } else {
        first.to_string()
    }
}

/// The types of a multi-valued complex attribute with no `canonicalValues`: RFC 7643's for the
/// well-known attributes, else `work`, `home`, `other`.
pub fn default_types(attr: &str) -> &'static [&'static str] {
    match attr {
        "emails" | "addresses" => &["work", "home", "other"],
        "phoneNumbers" => &["work", "home", "mobile", "fax", "pager", "other"],
        "ims" => &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
        "photos" => &["photo", "thumbnail"],
        _ => &["work", "home", "other"],
    }
}

/// The field a write names: declared, else `invalid-input` naming it.
pub fn find<'a>(specs: &'a [Spec], name: &str) -> Option<&'a Spec> {
    specs.iter().find(|s| s.field.name == name)
}

/// The catalogue as the contract has it: each dotted name's groups (`name` for
/// `name.givenName`, `addresses` and `addresses.work` for `addresses.work.locality`) declared
/// as composite fields, each just before its first sub-field.
pub fn with_composites(fields: impl IntoIterator<Item = Field>) -> Vec<Field> {
    let mut out: Vec<Field> = Vec::new();
    let mut declared = std::collections::HashSet::new();
    for f in fields {
        let mut prefixes = Vec::new();
        let mut rest = f.name.as_str();
        while let Some((parent, _)) = rest.rsplit_once('.') {
            prefixes.push(parent.to_string());
            rest = parent;
        }
        for prefix in prefixes.into_iter().rev() {
            if declared.insert(prefix.clone()) {
                let group = Field {
                    name: prefix.clone(),
                    label: prefix.clone(),
                    field_type: FieldType::Composite,
                    required: false,
                    writable: false,
                    multi_valued: false,
                    unique: false,
                    custom: false,
                    hierarchical: false,
                    category: f.category.clone(),
                    remote_name: prefix.clone(),
                };
                out.push(group);
            }
        }
        declared.insert(f.name.clone());
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    #[test]
    fn names_and_paths() {
        let typed = Shape::Typed {
            ty: "work".into(),
            sub: "value".into(),
        };
        assert_eq!(field_name(None, "emails", &typed), "emails.work");
        assert_eq!(
            remote_name(None, "emails", &typed),
            "emails[type eq \"work\"].value"
        );
        let addr = Shape::Typed {
            ty: "home".into(),
            sub: "locality".into(),
        };
        assert_eq!(
            field_name(None, "addresses", &addr),
            "addresses.home.locality"
        );
        let sub = Shape::Sub("givenName".into());
        assert_eq!(field_name(None, "name", &sub), "name.givenName");
        assert_eq!(remote_name(None, "name", &sub), "name.givenName");
        assert_eq!(
            field_name(Some("enterprise"), "manager", &Shape::Ref),
            "enterprise.manager"
        );
        assert_eq!(
            remote_name(Some(ENT), "department", &Shape::Simple),
            format!("{ENT}:department")
        );
    }

    #[test]
    fn short_names() {
        assert_eq!(short_name(ENT), "enterprise");
        assert_eq!(
            short_name("urn:acme:params:scim:schemas:extension:acme_hr:1.0:User"),
            "acme_hr"
        );
        assert_eq!(short_name("urn:example:hr:1.0:User"), "hr");
    }

    #[test]
    fn labels() {
        assert_eq!(
            label(
                Some("The family name of the User, or last name. In most…"),
                "familyName"
            ),
            "The family name of the User, or last name"
        );
        assert_eq!(
            label(Some("Identifies the name of a cost center."), "x"),
            "Identifies the name of a cost center"
        );
        assert_eq!(label(None, "title"), "title");
        assert_eq!(label(Some("  "), "title"), "title");
    }
}
