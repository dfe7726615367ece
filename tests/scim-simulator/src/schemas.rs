//! The discovery documents: `/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas`
//! (RFC 7643 §5, §6, §7; the User schema of §4.1 and the Enterprise User extension of §4.3).

use serde_json::{Value, json};

use crate::ScimConfig;
use crate::wire::{ENTERPRISE_URN, LIST_URN, USER_URN};

const SPC_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
const RT_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
const SCHEMA_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

/// The page size a listing uses when the client names no `count`.
pub const DEFAULT_PAGE_SIZE: u32 = 100;

pub fn service_provider_config(cfg: &ScimConfig, base: &str) -> Value {
    let mut doc = json!({
        "schemas": [SPC_URN],
        "documentationUri": "https://www.rfc-editor.org/rfc/rfc7644",
        "patch": {"supported": cfg.patch},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": cfg.max_results},
        "changePassword": {"supported": false},
        "sort": {"supported": false},
        "etag": {"supported": cfg.etag},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "Authentication with a static bearer token",
            "primary": true,
        }],
        "meta": {"resourceType": "ServiceProviderConfig", "location": format!("{base}/ServiceProviderConfig")},
    });
    if cfg.cursor
        && let Some(obj) = doc.as_object_mut()
    {
        obj.insert(
            "pagination".into(),
            json!({
                "cursor": true,
                "index": true,
                "defaultPaginationMethod": "index",
                "defaultPageSize": DEFAULT_PAGE_SIZE,
                "maxPageSize": cfg.max_results,
            }),
        );
    }
    doc
}

pub fn user_resource_type(base: &str) -> Value {
    json!({
        "schemas": [RT_URN],
        "id": "User",
        "name": "User",
        "endpoint": "/Users",
        "description": "User Account",
        "schema": USER_URN,
        "schemaExtensions": [{"schema": ENTERPRISE_URN, "required": false}],
        "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/User")},
    })
}

pub fn list(resources: Vec<Value>) -> Value {
    let n = resources.len();
    json!({
        "schemas": [LIST_URN],
        "totalResults": n,
        "startIndex": 1,
        "itemsPerPage": n,
        "Resources": resources,
    })
}

/// An attribute definition with the RFC 7643 §7 defaults; `f` adjusts it.
fn attr(name: &str, ty: &str, description: &str, f: impl FnOnce(&mut Value)) -> Value {
    let mut a = json!({
        "name": name,
        "type": ty,
        "multiValued": false,
        "description": description,
        "required": false,
        "caseExact": false,
        "mutability": "readWrite",
        "returned": "default",
        "uniqueness": "none",
    });
    f(&mut a);
    a
}

fn string(name: &str, description: &str) -> Value {
    attr(name, "string", description, |_| {})
}

fn complex(name: &str, description: &str, subs: Vec<Value>) -> Value {
    attr(name, "complex", description, |a| {
        a["subAttributes"] = Value::Array(subs);
    })
}

/// A multi-valued complex attribute with `value`, `display`, `type` (canonical values) and `primary`.
fn multi(name: &str, description: &str, types: &[&str]) -> Value {
    let subs = vec![
        string("value", &format!("The value of the {name} entry")),
        string(
            "display",
            "A human-readable name, primarily used for display purposes",
        ),
        attr(
            "type",
            "string",
            "A label indicating the attribute's function",
            |a| {
                a["canonicalValues"] = json!(types);
            },
        ),
        attr(
            "primary",
            "boolean",
            "Whether this is the primary value",
            |_| {},
        ),
    ];
    let mut a = complex(name, description, subs);
    a["multiValued"] = Value::Bool(true);
    a
}

fn user_schema(base: &str) -> Value {
    let name = complex(
        "name",
        "The components of the user's real name",
        vec![
            string("formatted", "The full name, formatted for display"),
            string("familyName", "The family name (last name)"),
            string("givenName", "The given name (first name)"),
            string("middleName", "The middle name(s)"),
            string("honorificPrefix", "The honorific prefix(es)"),
            string("honorificSuffix", "The honorific suffix(es)"),
        ],
    );
    let groups_subs = vec![
        attr("value", "string", "The identifier of the group", |a| {
            a["mutability"] = json!("readOnly")
        }),
        attr("$ref", "reference", "The URI of the group", |a| {
            a["mutability"] = json!("readOnly");
            a["referenceTypes"] = json!(["Group"]);
        }),
        attr("display", "string", "The name of the group", |a| {
            a["mutability"] = json!("readOnly")
        }),
        attr("type", "string", "How the membership was derived", |a| {
            a["mutability"] = json!("readOnly");
            a["canonicalValues"] = json!(["direct", "indirect"]);
        }),
    ];
    let mut groups = complex("groups", "The groups the user belongs to", groups_subs);
    groups["multiValued"] = Value::Bool(true);
    groups["mutability"] = json!("readOnly");
    let attributes = vec![
        attr(
            "userName",
            "string",
            "Unique identifier for the user, used to sign in",
            |a| {
                a["required"] = Value::Bool(true);
                a["uniqueness"] = json!("server");
            },
        ),
        name,
        string("displayName", "The name of the user, suitable for display"),
        string("nickName", "The casual way to address the user"),
        attr(
            "profileUrl",
            "reference",
            "A URI of the user's online profile",
            |a| {
                a["referenceTypes"] = json!(["external"]);
            },
        ),
        string("title", "The user's title, such as \"Vice President\""),
        string(
            "userType",
            "The relationship between the organization and the user",
        ),
        string(
            "preferredLanguage",
            "The user's preferred written or spoken language",
        ),
        string("locale", "The user's default location for localization"),
        string("timezone", "The user's time zone in IANA format"),
        attr(
            "active",
            "boolean",
            "The user's administrative status",
            |_| {},
        ),
        attr(
            "password",
            "string",
            "The user's cleartext password, never returned",
            |a| {
                a["caseExact"] = Value::Bool(true);
                a["mutability"] = json!("writeOnly");
                a["returned"] = json!("never");
            },
        ),
        multi(
            "emails",
            "Email addresses for the user",
            &["work", "home", "other"],
        ),
        multi(
            "phoneNumbers",
            "Phone numbers for the user",
            &["work", "home", "mobile", "fax", "pager", "other"],
        ),
        groups,
    ];
    json!({
        "schemas": [SCHEMA_URN],
        "id": USER_URN,
        "name": "User",
        "description": "User Account",
        "attributes": attributes,
        "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{USER_URN}")},
    })
}

fn enterprise_schema(base: &str) -> Value {
    let manager = complex(
        "manager",
        "The user's manager",
        vec![
            attr(
                "value",
                "string",
                "The id of the manager's User resource",
                |_| {},
            ),
            attr(
                "$ref",
                "reference",
                "The URI of the manager's User resource",
                |a| {
                    a["referenceTypes"] = json!(["User"]);
                },
            ),
            attr("displayName", "string", "The manager's display name", |a| {
                a["mutability"] = json!("readOnly");
            }),
        ],
    );
    json!({
        "schemas": [SCHEMA_URN],
        "id": ENTERPRISE_URN,
        "name": "EnterpriseUser",
        "description": "Enterprise User",
        "attributes": [
            string("employeeNumber", "A string identifier, typically numeric or alphanumeric, assigned by the organization"),
            string("costCenter", "The name of a cost center"),
            string("organization", "The name of an organization"),
            string("division", "The name of a division"),
            string("department", "The name of a department"),
            manager,
        ],
        "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{ENTERPRISE_URN}")},
    })
}

pub fn schemas(base: &str) -> Vec<Value> {
    vec![user_schema(base), enterprise_schema(base)]
}
