//! Test data in the shapes real servers send (RFC 7643 §8.7.1's schema representation, trimmed).

use serde_json::{Value as Json, json};

use crate::discovery::{self, ENTERPRISE_USER};
use crate::naming::Spec;

fn attr(name: &str, t: &str, extra: Json) -> Json {
    let mut a = json!({"name": name, "type": t, "multiValued": false, "required": false,
        "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none",
        "description": format!("The {name} of the User. More words.")});
    if let (Json::Object(m), Json::Object(x)) = (&mut a, extra) {
        m.extend(x);
    }
    a
}

fn typed(name: &str, canonical: Option<&[&str]>, value_type: &str) -> Json {
    let mut ty = attr("type", "string", json!({}));
    if let Some(c) = canonical {
        ty["canonicalValues"] = json!(c);
    }
    attr(
        name,
        "complex",
        json!({"multiValued": true, "subAttributes": [
            attr("value", value_type, json!({})), attr("display", "string", json!({})), ty,
            attr("primary", "boolean", json!({})),
        ]}),
    )
}

pub fn core_schema() -> Json {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": "urn:ietf:params:scim:schemas:core:2.0:User",
        "name": "User",
        "attributes": [
            attr("userName", "string", json!({"required": true, "uniqueness": "server",
                "description": "Unique identifier for the User, typically used by the user. REQUIRED."})),
            attr("name", "complex", json!({"subAttributes": [
                attr("formatted", "string", json!({})),
                attr("familyName", "string", json!({})),
                attr("givenName", "string", json!({})),
            ]})),
            attr("displayName", "string", json!({})),
            attr("profileUrl", "reference", json!({"referenceTypes": ["external"]})),
            attr("title", "string", json!({})),
            attr("active", "boolean", json!({})),
            attr("password", "string", json!({"mutability": "writeOnly", "returned": "never"})),
            attr("employeeCount", "integer", json!({})),
            attr("score", "decimal", json!({})),
            attr("hired", "dateTime", json!({})),
            attr("vip", "boolean", json!({})),
            attr("nicknames", "string", json!({"multiValued": true})),
            typed("emails", Some(&["work", "home", "other"]), "string"),
            typed("phoneNumbers", None, "string"),
            typed("photos", Some(&["photo", "thumbnail"]), "reference"),
            typed("entitlements", None, "string"),
            typed("x509Certificates", None, "binary"),
            attr("addresses", "complex", json!({"multiValued": true, "subAttributes": [
                attr("locality", "string", json!({})),
                attr("country", "string", json!({})),
                attr("type", "string", json!({"canonicalValues": ["work", "home"]})),
                attr("primary", "boolean", json!({})),
            ]})),
            attr("groups", "complex", json!({"multiValued": true, "mutability": "readOnly",
                "subAttributes": [
                    attr("value", "string", json!({"mutability": "readOnly"})),
                    attr("$ref", "reference", json!({"mutability": "readOnly", "referenceTypes": ["Group"]})),
                    attr("display", "string", json!({"mutability": "readOnly"})),
                ]})),
            attr("meta", "complex", json!({"mutability": "readOnly", "subAttributes": []})),
        ],
    })
}

pub fn enterprise_schema() -> Json {
    json!({
        "id": ENTERPRISE_USER,
        "name": "EnterpriseUser",
        "attributes": [
            attr("employeeNumber", "string", json!({})),
            attr("department", "string", json!({})),
            attr("manager", "complex", json!({"subAttributes": [
                attr("value", "string", json!({})),
                attr("$ref", "reference", json!({"referenceTypes": ["User"]})),
                attr("displayName", "string", json!({"mutability": "readOnly"})),
            ]})),
        ],
    })
}

pub fn schemas() -> Json {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": 2,
        "Resources": [core_schema(), enterprise_schema()]})
}

pub fn resource_types() -> Json {
    json!({"Resources": [
        {"id": "Group", "name": "Group", "endpoint": "/Groups", "schema": "urn:ietf:params:scim:schemas:core:2.0:Group"},
        {"id": "User", "name": "User", "endpoint": "/Users", "schema": "urn:ietf:params:scim:schemas:core:2.0:User",
         "schemaExtensions": [{"schema": ENTERPRISE_USER, "required": false}]},
    ]})
}

pub fn spc(patch: bool, cursor: bool) -> Json {
    json!({"patch": {"supported": patch}, "etag": {"supported": true},
        "filter": {"supported": true, "maxResults": 200},
        "pagination": {"cursor": cursor, "index": true}})
}

pub fn specs() -> Vec<Spec> {
    let ut = discovery::user_type(&discovery::list_items(&resource_types())).unwrap();
    discovery::fields(&ut, &discovery::list_items(&schemas()))
}

/// A User resource as a server returns it.
pub fn alice() -> Json {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE_USER],
        "id": "2819c223",
        "externalId": "ext-1",
        "meta": {"resourceType": "User", "version": "W/\"3\""},
        "userName": "alice",
        "name": {"givenName": "Alice", "familyName": "Martin"},
        "title": "Engineer",
        "active": false,
        "hired": "2031-03-10T10:00:00.123+01:00",
        "employeeCount": 3,
        "emails": [{"value": "alice@work.example", "type": "work", "primary": true},
                   {"value": "alice@home.example", "type": "Home"}],
        "phoneNumbers": [{"value": "+33 1 00 00 00 01"}],
        "addresses": [{"locality": "Paris", "type": "work"}],
        "groups": [{"value": "g1", "display": "Admins"}, {"value": "g2"}],
        ENTERPRISE_USER: {"department": "R&D", "manager": {"value": "boss-1", "displayName": "Bob"}},
    })
}
