//! GraphQL: paging with cursors, stability under inserts, aliases, variables, errors.

use std::collections::{BTreeMap, BTreeSet};

use crate::common::*;
use ps_simulator::{Fault, decode_cursor};
use serde_json::{Value, json};

const PAGE: &str = r#"query Page($first: Int!, $after: String, $fields: [String!]!) {
  getPsoRecords(alias: "usr", fields: $fields, first: $first, after: $after) {
    totalCount
    pageInfo { startCursor endCursor hasNextPage hasPreviousPage }
    edges { cursor node { externalId createdAt psoAlias fieldAliasAndValue } }
  }
}"#;

async fn page(
    sim: &ps_simulator::Simulator,
    t: &str,
    first: i64,
    after: Option<&str>,
    fields: &[&str],
) -> Value {
    let r = gql(
        sim,
        t,
        PAGE,
        json!({ "first": first, "after": after, "fields": fields }),
    )
    .await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["errors"], Value::Null, "{v}");
    v["data"]["getPsoRecords"].clone()
}

/// Page through every user; returns the ids in order.
async fn all_ids(
    sim: &ps_simulator::Simulator,
    t: &str,
    first: i64,
    between_pages: impl Fn(usize),
) -> Vec<u64> {
    let mut after: Option<String> = None;
    let mut ids = Vec::new();
    for n in 0.. {
        let p = page(sim, t, first, after.as_deref(), &["username"]).await;
        for e in p["edges"].as_array().expect("edges") {
            ids.push(decode_cursor(e["cursor"].as_str().expect("cursor")).expect("numeric cursor"));
        }
        between_pages(n);
        if p["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = p["pageInfo"]["endCursor"].as_str().map(String::from);
    }
    ids
}

#[tokio::test]
async fn pages_with_cursors() {
    let sim = sim().await;
    let (t, _) = login(&sim).await;
    let p = page(&sim, &t, 100, None, &["usr_first_name"]).await;
    assert_eq!(p["totalCount"], 250);
    assert_eq!(p["pageInfo"]["startCursor"], "MQ==");
    assert_eq!(p["pageInfo"]["hasPreviousPage"], false);
    assert_eq!(p["pageInfo"]["hasNextPage"], true);
    assert_eq!(p["edges"][5]["cursor"], "Ng==");
    let ids = all_ids(&sim, &t, 100, |_| {}).await;
    assert_eq!(ids, (1..=250).collect::<Vec<u64>>());
    let none = gql(
        &sim,
        &t,
        "{ getPsoTypes(first: 0) { totalCount pageInfo { startCursor } edges { cursor } } }",
        Value::Null,
    )
    .await
    .json();
    assert_eq!(
        none,
        json!({ "data": { "getPsoTypes": { "totalCount": 4, "pageInfo": { "startCursor": null }, "edges": [] } }, "errors": null })
    );
    let p2 = page(&sim, &t, 100, Some("MTAw"), &["usr_first_name"]).await;
    assert_eq!(p2["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(p2["edges"][0]["cursor"], "MTAx");
}

#[tokio::test]
async fn values_are_the_stored_encoding() {
    let sim = sim().await;
    let (t, _) = login(&sim).await;
    let fields = [
        "username",
        "usr_first_name",
        "professional_phone",
        "manager",
        "usr_poste",
        "usr_employment_contract",
        "usr_career_history",
        "usr_skills",
        "usr_active",
        "usr_seniority",
    ];
    let p = page(&sim, &t, 250, None, &fields).await;
    let users = sim.users();
    for (e, u) in p["edges"].as_array().expect("edges").iter().zip(&users) {
        let expected: BTreeMap<String, Value> = fields
            .iter()
            .filter_map(|f| u.values.get(*f).map(|v| (f.to_string(), v.clone())))
            .collect();
        assert_eq!(e["node"]["fieldAliasAndValue"], json!(expected));
        assert_eq!(e["node"]["externalId"], json!(u.external_id));
        assert_eq!(e["node"]["psoAlias"], "usr");
        assert!(
            e["node"]["createdAt"]
                .as_str()
                .is_some_and(|c| c.ends_with('Z'))
        );
    }
    assert!(
        p["edges"][0]["node"]["fieldAliasAndValue"]
            .get("manager")
            .is_none(),
        "the CEO has no manager"
    );
    // A sub-field alias reads through its composite.
    let p = page(&sim, &t, 1, None, &["usr_employment_contract_start_date"]).await;
    assert_eq!(
        p["edges"][0]["node"]["fieldAliasAndValue"]["usr_employment_contract_start_date"],
        users[0].values["usr_employment_contract"]["usr_employment_contract_start_date"]
    );
}

#[tokio::test]
async fn stable_under_inserts() {
    let sim = sim().await;
    let (t, _) = login(&sim).await;
    let s2 = sim.clone();
    let ids = all_ids(&sim, &t, 100, move |n| {
        if n == 0 {
            s2.insert_user(BTreeMap::from([(
                "usr_first_name".to_string(),
                json!("Nouvelle"),
            )]));
        }
    })
    .await;
    let set: BTreeSet<u64> = ids.iter().copied().collect();
    assert_eq!(set.len(), ids.len(), "no duplicates");
    assert_eq!(ids.len(), 251, "the inserted user is seen at the end");
    assert!(ids.windows(2).all(|w| w[0] < w[1]));

    sim.inject(Fault::InsertUsersAfter {
        path_prefix: "/graphql".into(),
        after_requests: 1,
        count: 3,
    });
    let ids = all_ids(&sim, &t, 100, |_| {}).await;
    assert_eq!(ids.len(), 254);
    assert_eq!(sim.user_count(), 254);
    let newest = sim.users().pop().expect("user");
    assert!(newest.values.contains_key("professional_email"));
}

#[tokio::test]
async fn aliased_roots_filters_and_meta_queries() {
    let sim = sim().await;
    let (t, _) = login(&sim).await;
    sim.clear_journal();
    let q = r#"query Two($n: Int!) {
      users: getPsoRecords(alias: "usr", fields: ["username", "usr_poste"], first: $n) { totalCount edges { cursor node { fieldAliasAndValue } } }
      positions: getPsoRecords(alias: "pos", fields: ["pos_name", "pos_parent"], first: 1000) { totalCount edges { cursor node { externalId fieldAliasAndValue } } }
    }"#;
    let v = gql(&sim, &t, q, json!({ "n": 5 })).await.json();
    assert_eq!(v["errors"], Value::Null);
    assert_eq!(
        v["data"]["users"]["edges"].as_array().map(Vec::len),
        Some(5)
    );
    let pos = sim.positions();
    assert_eq!(v["data"]["positions"]["totalCount"], json!(pos.len()));
    let root = &v["data"]["positions"]["edges"][0]["node"]["fieldAliasAndValue"];
    assert_eq!(root, &json!({ "pos_name": pos[0].name }));
    assert_eq!(
        v["data"]["positions"]["edges"][1]["node"]["fieldAliasAndValue"]["pos_parent"],
        json!(pos[0].id.to_string())
    );
    assert_eq!(
        sim.journal().last().map(|e| e.graphql_roots.clone()),
        Some(vec![
            "getPsoRecords".to_string(),
            "getPsoRecords".to_string()
        ])
    );

    let inactive = sim.users().iter().filter(|u| !u.active).count();
    let f = gql(&sim, &t, r#"{ getPsoRecords(alias: "usr", fields: ["usr_active"], first: 2, filter: {usr_active: "usr_active_no"}) { totalCount edges { node { fieldAliasAndValue } } } }"#, json!({})).await.json();
    assert_eq!(f["data"]["getPsoRecords"]["totalCount"], json!(inactive));
    assert_eq!(
        f["data"]["getPsoRecords"]["edges"][0]["node"]["fieldAliasAndValue"]["usr_active"],
        "usr_active_no"
    );
    let u = sim.user(77).expect("user");
    let e = gql(&sim, &t, r#"query($e: String) { getPsoRecords(alias: "usr", fields: ["username"], first: 1, externalId: $e) { totalCount edges { cursor } } }"#, json!({ "e": u.external_id })).await.json();
    assert_eq!(e["data"]["getPsoRecords"]["edges"][0]["cursor"], "Nzc=");

    let m = gql(&sim, &t, r#"{ getPsoFields(alias: "usr", first: 1000, isActive: true) { totalCount edges { cursor node { alias isActive createdAt } } }
                               getPsoTypes(first: 10) { totalCount edges { node { alias isActive systemRequired createdAt updatedAt } } } }"#, json!({})).await.json();
    assert_eq!(m["errors"], Value::Null);
    let aliases: Vec<&str> = m["data"]["getPsoFields"]["edges"]
        .as_array()
        .expect("e")
        .iter()
        .filter_map(|e| e["node"]["alias"].as_str())
        .collect();
    assert!(aliases.contains(&"usr_employment_contract") && !aliases.contains(&"usr_fax"));
    let types: Vec<&str> = m["data"]["getPsoTypes"]["edges"]
        .as_array()
        .expect("e")
        .iter()
        .filter_map(|e| e["node"]["alias"].as_str())
        .collect();
    assert_eq!(types, ["usr", "mdl", "pos", "div"]);
}

#[tokio::test]
async fn graphql_errors() {
    let sim = sim().await;
    let (t, _) = login(&sim).await;
    let cases = [
        r#"{ getPsoRecords(alias: "nope", fields: ["username"], first: 1) { totalCount } }"#,
        r#"{ getPsoRecords(alias: "usr", fields: ["nope"], first: 1) { totalCount } }"#,
        r#"{ getPsoRecords(alias: "usr", fields: ["username"], first: 1001) { totalCount } }"#,
        r#"{ getPsoRecords(alias: "usr", fields: ["username"], first: 1, after: "!!") { totalCount } }"#,
        r#"{ getPsoRecords(alias: "usr", fields: ["username"]) { totalCount } }"#,
        r#"{ getPsoRecords(alias: "usr", fields: ["username"], first: 1) { noSuchField } }"#,
        r#"{ getPsoRecords( "#,
    ];
    for q in cases {
        let r = gql(&sim, &t, q, json!({})).await;
        assert_eq!(r.status, 200, "{q}");
        let v = r.json();
        assert_eq!(v["data"], Value::Null, "{q}: {v}");
        assert!(
            v["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{q}"
        );
    }
    let bad = crate::common::send(
        &sim,
        axum::http::Request::post("/graphql")
            .header("authorization", format!("Bearer {t}"))
            .body(axum::body::Body::from("{not json"))
            .expect("req"),
    )
    .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["data"], Value::Null);
}
