use scim_simulator::{ENTERPRISE_URN, PATCH_URN, ScimConfig};
use serde_json::{Value, json};

use crate::common::{Answer, ada, call, create, server, start};

async fn patch(s: &scim_simulator::ScimServer, id: &str, ops: Value) -> Answer {
    let body = json!({"schemas": [PATCH_URN], "Operations": ops});
    call(s, "PATCH", &format!("/Users/{id}"), Some(body)).await
}

#[tokio::test]
async fn top_level_and_sub_attributes() {
    let s = server().await;
    let id = create(&s, ada()).await;
    let a = patch(
        &s,
        &id,
        json!([
            {"op": "replace", "path": "displayName", "value": "Countess Lovelace"},
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "add", "path": "emails", "value": [{"type": "home", "value": "ada@home.org"}]},
            {"op": "replace", "path": "name.givenName", "value": "Augusta"},
            {"op": "add", "path": "nickName", "value": "Ada"},
        ]),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let u = &a.json;
    assert_eq!(u["displayName"], "Countess Lovelace");
    assert_eq!(u["active"], false);
    assert_eq!(u["emails"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        u["name"],
        json!({"givenName": "Augusta", "familyName": "Lovelace"})
    );
    assert_eq!(u["nickName"], "Ada");
    assert_eq!(u["meta"]["version"], "W/\"2\"");
    assert_eq!(a.header("etag"), Some("W/\"2\""));
    let a = patch(
        &s,
        &id,
        json!([{"op": "remove", "path": "nickName"}, {"op": "remove", "path": "name.givenName"}]),
    )
    .await;
    assert!(a.json.get("nickName").is_none());
    assert_eq!(a.json["name"], json!({"familyName": "Lovelace"}));
    assert_eq!(s.users()[0], a.json);
}

#[tokio::test]
async fn enterprise_attributes_by_urn_path() {
    let s = server().await;
    let id = create(&s, json!({"userName": "grace"})).await;
    let a = patch(
        &s,
        &id,
        json!([
            {"op": "add", "path": format!("{ENTERPRISE_URN}:department"), "value": "Navy"},
            {"op": "replace", "path": format!("{ENTERPRISE_URN}:manager"), "value": "boss-1"},
        ]),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(
        a.json[ENTERPRISE_URN],
        json!({"department": "Navy", "manager": {"value": "boss-1"}})
    );
    assert_eq!(a.json["schemas"][1], ENTERPRISE_URN);
    let a = patch(
        &s,
        &id,
        json!([{"op": "replace", "path": format!("{ENTERPRISE_URN}:manager"), "value": {"value": "boss-2", "displayName": "Boss"}}]),
    )
    .await;
    assert_eq!(
        a.json[ENTERPRISE_URN]["manager"],
        json!({"value": "boss-2", "displayName": "Boss"})
    );
    let a = patch(
        &s,
        &id,
        json!([{"op": "remove", "path": format!("{ENTERPRISE_URN}:manager")}]),
    )
    .await;
    assert_eq!(a.json[ENTERPRISE_URN], json!({"department": "Navy"}));
}

#[tokio::test]
async fn value_filters_on_emails() {
    let s = server().await;
    let id = create(&s, ada()).await;
    let work = r#"emails[type eq "work"].value"#;
    let a = patch(
        &s,
        &id,
        json!([{"op": "replace", "path": work, "value": "countess@example.org"}]),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(
        a.json["emails"],
        json!([{"type": "work", "value": "countess@example.org", "primary": true}])
    );

    let home = r#"emails[type eq "home"].value"#;
    let a = patch(
        &s,
        &id,
        json!([{"op": "replace", "path": home, "value": "x@home.org"}]),
    )
    .await;
    assert_eq!(a.scim_error(400).as_deref(), Some("noTarget"));
    let a = patch(
        &s,
        &id,
        json!([{"op": "add", "path": home, "value": "x@home.org"}]),
    )
    .await;
    assert_eq!(a.status, 200);
    assert_eq!(
        a.json["emails"][1],
        json!({"type": "home", "value": "x@home.org"})
    );

    let a = patch(
        &s,
        &id,
        json!([{"op": "remove", "path": r#"emails[type eq "work"]"#}]),
    )
    .await;
    assert_eq!(
        a.json["emails"],
        json!([{"type": "home", "value": "x@home.org"}])
    );
    let a = patch(
        &s,
        &id,
        json!([{"op": "remove", "path": r#"emails[value eq "X@HOME.org"]"#}]),
    )
    .await;
    assert!(a.json.get("emails").is_none());
    let a = patch(&s, &id, json!([{"op": "add", "path": r#"emails[type eq "work"].value"#, "value": "new@example.org"}])).await;
    assert_eq!(
        a.json["emails"],
        json!([{"type": "work", "value": "new@example.org"}])
    );
}

#[tokio::test]
async fn an_operation_without_a_path_merges_an_object() {
    let s = server().await;
    let id = create(&s, ada()).await;
    let a = patch(
        &s,
        &id,
        json!([{"op": "replace", "value": {
            "displayName": "A. L.",
            "name": {"givenName": "Augusta"},
            format!("{ENTERPRISE_URN}:costCenter"): "CC-1",
            ENTERPRISE_URN: {"division": "Math"},
        }}]),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.json["displayName"], "A. L.");
    assert_eq!(
        a.json["name"],
        json!({"givenName": "Augusta", "familyName": "Lovelace"})
    );
    assert_eq!(
        a.json[ENTERPRISE_URN],
        json!({"department": "Analytics", "employeeNumber": "1", "costCenter": "CC-1", "division": "Math"})
    );
}

#[tokio::test]
async fn bad_patches_and_unchanged_versions() {
    let s = server().await;
    let id = create(&s, ada()).await;
    let same = patch(
        &s,
        &id,
        json!([{"op": "replace", "path": "displayName", "value": "Ada Lovelace"}]),
    )
    .await;
    assert_eq!(same.json["meta"]["version"], "W/\"1\"", "nothing changed");
    let cases = [
        (
            json!([{"op": "move", "path": "title", "value": "x"}]),
            "invalidSyntax",
        ),
        (json!([{"op": "remove"}]), "noTarget"),
        (json!([{"op": "add", "path": "title"}]), "invalidValue"),
        (
            json!([{"op": "add", "path": "emails[type sw \"w\"].value", "value": "x"}]),
            "invalidPath",
        ),
        (
            json!([{"op": "remove", "path": "userName"}]),
            "invalidValue",
        ),
    ];
    for (ops, scim_type) in cases {
        let a = patch(&s, &id, ops.clone()).await;
        assert_eq!(a.scim_error(400).as_deref(), Some(scim_type), "{ops}");
    }
    let a = call(
        &s,
        "PATCH",
        &format!("/Users/{id}"),
        Some(json!({"schemas": [PATCH_URN]})),
    )
    .await;
    assert_eq!(a.scim_error(400).as_deref(), Some("invalidSyntax"));
    patch(&s, "nobody", json!([])).await.scim_error(404);
    let other = create(&s, json!({"userName": "grace"})).await;
    let a = patch(
        &s,
        &other,
        json!([{"op": "replace", "path": "userName", "value": "ADA@example.org"}]),
    )
    .await;
    assert_eq!(a.scim_error(409).as_deref(), Some("uniqueness"));
}

#[tokio::test]
async fn patch_can_be_turned_off() {
    let s = start(ScimConfig {
        patch: false,
        ..ScimConfig::default()
    })
    .await;
    let id = create(&s, ada()).await;
    patch(
        &s,
        &id,
        json!([{"op": "replace", "path": "title", "value": "x"}]),
    )
    .await
    .scim_error(501);
}
