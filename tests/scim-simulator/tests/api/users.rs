use scim_simulator::{ENTERPRISE_URN, ScimConfig};
use serde_json::json;

use crate::common::{ada, call, call_with, create, server, start};

#[tokio::test]
async fn create_get_replace_delete() {
    let s = server().await;
    let mut body = ada();
    body["password"] = json!("s3cret");
    let a = call(&s, "POST", "/Users", Some(body)).await;
    assert_eq!(a.status, 201, "{}", a.text);
    let user = a.json.clone();
    let id = user["id"].as_str().expect("id").to_string();
    assert_eq!(user["active"], true);
    assert!(user.get("password").is_none(), "password is never returned");
    assert_eq!(
        user["schemas"],
        json!([scim_simulator::USER_URN, ENTERPRISE_URN])
    );
    assert_eq!(user[ENTERPRISE_URN]["department"], "Analytics");
    let meta = &user["meta"];
    assert_eq!(meta["resourceType"], "User");
    assert_eq!(meta["version"], "W/\"1\"");
    assert_eq!(meta["location"], format!("{}/Users/{id}", s.url()));
    assert_eq!(meta["created"], meta["lastModified"]);
    assert_eq!(a.header("etag"), Some("W/\"1\""));
    assert_eq!(a.header("location"), meta["location"].as_str());

    let got = call(&s, "GET", &format!("/Users/{id}"), None).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.json, user);
    assert_eq!(s.users(), vec![user.clone()]);
    assert_eq!(s.user_count(), 1);

    std::thread::sleep(std::time::Duration::from_millis(3));
    let put = call(
        &s,
        "PUT",
        &format!("/Users/{id}"),
        Some(json!({"userName": "ada@example.org", "displayName": "Countess", "id": "ignored", "active": false})),
    )
    .await;
    assert_eq!(put.status, 200, "{}", put.text);
    assert_eq!(put.json["id"], id.as_str());
    assert_eq!(put.json["displayName"], "Countess");
    assert_eq!(put.json["active"], false);
    assert!(put.json.get("emails").is_none(), "PUT replaces everything");
    assert!(put.json.get(ENTERPRISE_URN).is_none());
    assert_eq!(put.json["meta"]["version"], "W/\"2\"");
    assert_eq!(put.json["meta"]["created"], meta["created"]);
    assert_ne!(put.json["meta"]["lastModified"], meta["lastModified"]);

    let del = call(&s, "DELETE", &format!("/Users/{id}"), None).await;
    assert_eq!(del.status, 204);
    call(&s, "GET", &format!("/Users/{id}"), None)
        .await
        .scim_error(404);
    call(&s, "DELETE", &format!("/Users/{id}"), None)
        .await
        .scim_error(404);
    assert_eq!(s.user_count(), 0);
}

#[tokio::test]
async fn user_name_is_required_and_unique() {
    let s = server().await;
    let a = call(
        &s,
        "POST",
        "/Users",
        Some(json!({"displayName": "No name"})),
    )
    .await;
    assert_eq!(a.scim_error(400).as_deref(), Some("invalidValue"));
    let id = create(&s, ada()).await;
    let dup = call(
        &s,
        "POST",
        "/Users",
        Some(json!({"userName": "ADA@example.org"})),
    )
    .await;
    assert_eq!(dup.scim_error(409).as_deref(), Some("uniqueness"));
    let other = create(&s, json!({"userName": "grace@example.org"})).await;
    let put = call(
        &s,
        "PUT",
        &format!("/Users/{other}"),
        Some(json!({"userName": "Ada@Example.org"})),
    )
    .await;
    assert_eq!(put.scim_error(409).as_deref(), Some("uniqueness"));
    let put = call(
        &s,
        "PUT",
        &format!("/Users/{id}"),
        Some(json!({"displayName": "x"})),
    )
    .await;
    assert_eq!(put.scim_error(400).as_deref(), Some("invalidValue"));
    // A user keeps its own userName under a different case.
    let put = call(
        &s,
        "PUT",
        &format!("/Users/{id}"),
        Some(json!({"userName": "ADA@example.org"})),
    )
    .await;
    assert_eq!(put.status, 200);
}

#[tokio::test]
async fn unknown_attributes_are_ignored_and_bodies_are_checked() {
    let s = server().await;
    let body = json!({
        "userName": "u", "shoeSize": 44, "groups": [{"value": "g"}],
        ENTERPRISE_URN: {"department": "D", "favouriteColour": "blue", "manager": "boss-id"},
        "urn:example:custom": {"x": 1},
    });
    let a = call(&s, "POST", "/Users", Some(body)).await;
    assert_eq!(a.status, 201);
    assert!(a.json.get("shoeSize").is_none());
    assert!(a.json.get("groups").is_none(), "groups are read-only");
    assert!(a.json.get("urn:example:custom").is_none());
    assert_eq!(
        a.json[ENTERPRISE_URN],
        json!({"department": "D", "manager": {"value": "boss-id"}})
    );

    let plain = call_with(
        &s,
        "POST",
        "/Users",
        Some(json!({"userName": "v"})),
        &[("content-type", "application/json")],
    )
    .await;
    assert_eq!(plain.status, 201);
    let text = call_with(
        &s,
        "POST",
        "/Users",
        Some(json!({"userName": "w"})),
        &[("content-type", "text/plain")],
    )
    .await;
    text.scim_error(415);
    let bad = call_with(
        &s,
        "POST",
        "/Users",
        None,
        &[("content-type", "application/scim+json")],
    )
    .await;
    assert_eq!(bad.scim_error(400).as_deref(), Some("invalidSyntax"));
    let arr = call(&s, "POST", "/Users", Some(json!([1]))).await;
    assert_eq!(arr.scim_error(400).as_deref(), Some("invalidSyntax"));
}

#[tokio::test]
async fn if_match_guards_writes() {
    let s = server().await;
    let id = create(&s, ada()).await;
    let path = format!("/Users/{id}");
    let body = json!({"userName": "ada@example.org", "title": "Countess"});
    let stale = call_with(
        &s,
        "PUT",
        &path,
        Some(body.clone()),
        &[("if-match", "W/\"7\"")],
    )
    .await;
    stale.scim_error(412);
    let ok = call_with(&s, "PUT", &path, Some(body), &[("if-match", "W/\"1\"")]).await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.header("etag"), Some("W/\"2\""));
    let ops = json!({"schemas": [scim_simulator::PATCH_URN], "Operations": [{"op": "replace", "path": "title", "value": "Dr"}]});
    call_with(
        &s,
        "PATCH",
        &path,
        Some(ops.clone()),
        &[("if-match", "W/\"1\"")],
    )
    .await
    .scim_error(412);
    let ok = call_with(&s, "PATCH", &path, Some(ops), &[("if-match", "*")]).await;
    assert_eq!(ok.status, 200);
    call_with(&s, "DELETE", &path, None, &[("if-match", "W/\"2\"")])
        .await
        .scim_error(412);
    let same = call_with(&s, "GET", &path, None, &[("if-none-match", "W/\"3\"")]).await;
    assert_eq!(same.status, 304);
    assert_eq!(
        call_with(&s, "DELETE", &path, None, &[("if-match", "W/\"3\"")])
            .await
            .status,
        204
    );
}

#[tokio::test]
async fn without_etags_there_is_no_header_and_no_precondition() {
    let s = start(ScimConfig {
        etag: false,
        ..ScimConfig::default()
    })
    .await;
    let a = call(&s, "POST", "/Users", Some(ada())).await;
    assert!(a.header("etag").is_none());
    assert_eq!(a.json["meta"]["version"], "W/\"1\"");
    let id = a.json["id"].as_str().expect("id");
    let put = call_with(
        &s,
        "PUT",
        &format!("/Users/{id}"),
        Some(ada()),
        &[("if-match", "W/\"9\"")],
    )
    .await;
    assert_eq!(put.status, 200);
}
