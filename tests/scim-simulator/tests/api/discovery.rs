use scim_simulator::{ENTERPRISE_URN, ScimConfig, USER_URN};
use serde_json::{Value, json};

use crate::common::{call, call_with, server, start};

#[tokio::test]
async fn every_route_needs_the_bearer_token() {
    let s = server().await;
    for path in [
        "/ServiceProviderConfig",
        "/Schemas",
        "/ResourceTypes",
        "/Users",
        "/Users/x",
    ] {
        let a = call_with(&s, "GET", path, None, &[("authorization", "")]).await;
        a.scim_error(401);
        assert_eq!(a.header("content-type"), Some("application/scim+json"));
        let a = call_with(&s, "GET", path, None, &[("authorization", "Bearer wrong")]).await;
        a.scim_error(401);
    }
    let a = call_with(
        &s,
        "GET",
        "/Users",
        None,
        &[("authorization", "bearer demo-scim-token")],
    )
    .await;
    assert_eq!(a.status, 200);
}

#[tokio::test]
async fn service_provider_config_follows_the_configuration() {
    let s = server().await;
    let a = call(&s, "GET", "/ServiceProviderConfig", None).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.header("content-type"), Some("application/scim+json"));
    let d = &a.json;
    assert_eq!(d["patch"]["supported"], true);
    assert_eq!(d["bulk"]["supported"], false);
    assert_eq!(d["filter"], json!({"supported": true, "maxResults": 1000}));
    assert_eq!(d["changePassword"]["supported"], false);
    assert_eq!(d["sort"]["supported"], false);
    assert_eq!(d["etag"]["supported"], true);
    assert_eq!(d["authenticationSchemes"][0]["type"], "oauthbearertoken");
    assert!(d.get("pagination").is_none());

    let cfg = ScimConfig {
        patch: false,
        etag: false,
        cursor: true,
        max_results: 50,
        ..ScimConfig::default()
    };
    let s = start(cfg).await;
    let d = call(&s, "GET", "/ServiceProviderConfig", None).await.json;
    assert_eq!(d["patch"]["supported"], false);
    assert_eq!(d["etag"]["supported"], false);
    assert_eq!(d["filter"]["maxResults"], 50);
    assert_eq!(
        d["pagination"],
        json!({"cursor": true, "index": true, "defaultPaginationMethod": "index", "defaultPageSize": 100, "maxPageSize": 50})
    );
}

#[tokio::test]
async fn resource_types_list_the_user_with_its_extension() {
    let s = server().await;
    let a = call(&s, "GET", "/ResourceTypes", None).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json["schemas"], json!([scim_simulator::LIST_URN]));
    assert_eq!(a.json["totalResults"], 1);
    let user = &a.json["Resources"][0];
    assert_eq!(user["endpoint"], "/Users");
    assert_eq!(user["schema"], USER_URN);
    assert_eq!(
        user["schemaExtensions"],
        json!([{"schema": ENTERPRISE_URN, "required": false}])
    );
    assert_eq!(
        call(&s, "GET", "/ResourceTypes/User", None).await.json["id"],
        "User"
    );
}

fn attribute<'a>(schema: &'a Value, name: &str) -> &'a Value {
    schema["attributes"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["name"] == name))
        .unwrap_or_else(|| panic!("attribute {name}"))
}

fn sub<'a>(attr: &'a Value, name: &str) -> &'a Value {
    attr["subAttributes"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["name"] == name))
        .unwrap_or_else(|| panic!("sub-attribute {name}"))
}

#[tokio::test]
async fn schemas_describe_the_user_and_the_enterprise_extension() {
    let s = server().await;
    let a = call(&s, "GET", "/Schemas", None).await;
    assert_eq!(a.json["totalResults"], 2);
    let core = &a.json["Resources"][0];
    let ext = &a.json["Resources"][1];
    assert_eq!(core["id"], USER_URN);
    assert_eq!(ext["id"], ENTERPRISE_URN);
    for a in core["attributes"]
        .as_array()
        .expect("attributes")
        .iter()
        .chain(ext["attributes"].as_array().expect("ext"))
    {
        for key in [
            "name",
            "type",
            "multiValued",
            "description",
            "required",
            "caseExact",
            "mutability",
            "returned",
            "uniqueness",
        ] {
            assert!(a.get(key).is_some(), "{key} of {}", a["name"]);
        }
    }
    let user_name = attribute(core, "userName");
    assert_eq!(
        (
            user_name["required"].clone(),
            user_name["uniqueness"].clone()
        ),
        (json!(true), json!("server"))
    );
    let name = attribute(core, "name");
    for s in ["formatted", "familyName", "givenName", "middleName"] {
        sub(name, s);
    }
    for n in [
        "displayName",
        "nickName",
        "title",
        "userType",
        "preferredLanguage",
        "locale",
        "timezone",
        "active",
    ] {
        attribute(core, n);
    }
    let password = attribute(core, "password");
    assert_eq!(
        (password["mutability"].clone(), password["returned"].clone()),
        (json!("writeOnly"), json!("never"))
    );
    assert_eq!(
        sub(attribute(core, "emails"), "type")["canonicalValues"],
        json!(["work", "home", "other"])
    );
    assert_eq!(
        sub(attribute(core, "phoneNumbers"), "type")["canonicalValues"],
        json!(["work", "home", "mobile", "fax", "pager", "other"])
    );
    assert_eq!(attribute(core, "emails")["multiValued"], true);
    assert_eq!(attribute(core, "groups")["mutability"], "readOnly");
    for n in [
        "employeeNumber",
        "costCenter",
        "organization",
        "division",
        "department",
    ] {
        attribute(ext, n);
    }
    let manager = attribute(ext, "manager");
    for s in ["value", "$ref", "displayName"] {
        sub(manager, s);
    }
    let one = call(&s, "GET", &format!("/Schemas/{ENTERPRISE_URN}"), None).await;
    assert_eq!(one.json["id"], ENTERPRISE_URN);
    call(&s, "GET", "/Schemas/urn:nope", None)
        .await
        .scim_error(404);
}
