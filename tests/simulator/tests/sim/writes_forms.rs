//! Status toggle and onboarding / offboarding forms.

use crate::common::*;
use crate::writes::answers;
use serde_json::{Value, json};

#[tokio::test]
async fn status_toggle_everywhere() {
    let sim = sim().await;
    let (t, _) = login(&sim).await;
    let u = sim
        .users()
        .into_iter()
        .find(|u| u.active && u.id > 6)
        .expect("active user");
    let name = format!(
        "{} {}",
        u.text("usr_first_name").unwrap_or(""),
        u.text("usr_last_name").unwrap_or("")
    );
    let listed = |v: &Value| {
        v["data"]["data"]
            .as_array()
            .is_some_and(|d| d.iter().any(|x| x["id"] == u.id))
    };
    let q = |active: u8| {
        format!(
            "/search?pso-type=usr&active={active}&per-page=1000&name={}",
            name.replace(' ', "%20")
        )
    };
    assert!(!listed(&get(&sim, &q(0), Some(&t)).await.json()));

    let r = post_json(
        &sim,
        &format!("/psos/{}/status", u.id),
        &t,
        &json!({ "status": "default", "active": false }),
    )
    .await;
    assert_eq!((r.status, r.bytes.is_empty()), (202, true));
    assert!(listed(&get(&sim, &q(0), Some(&t)).await.json()));
    assert!(!listed(&get(&sim, &q(1), Some(&t)).await.json()));
    let p = get(&sim, &format!("/psos/{}", u.id), Some(&t)).await.json();
    assert_eq!(p["data"]["summary"]["is_active"]["value"], false);
    assert_eq!(p["data"]["pso"]["status"], "default");
    let g = gql(&sim, &t, r#"query($id: String) { getPsoRecords(alias: "usr", fields: ["usr_active"], first: 1, externalId: $id) { edges { node { fieldAliasAndValue } } } }"#,
        json!({ "id": u.external_id })).await.json();
    assert_eq!(
        g["data"]["getPsoRecords"]["edges"][0]["node"]["fieldAliasAndValue"]["usr_active"],
        "usr_active_no"
    );
    assert!(!sim.user(u.id).expect("user").active);
    let h = get(
        &sim,
        &format!("/history/psos/{}/usr_active", u.id),
        Some(&t),
    )
    .await
    .json();
    assert_eq!(h["data"][0]["action_type"], "updated");
    assert_eq!(
        (
            h["data"][0]["value"].clone(),
            h["data"][0]["old_value"].clone()
        ),
        (json!("usr_active_no"), json!("usr_active_yes"))
    );

    let r = post_json(
        &sim,
        &format!("/psos/{}/status", u.id),
        &t,
        &json!({ "active": true, "status": "on_leave" }),
    )
    .await;
    assert_eq!(r.status, 202);
    assert!(sim.user(u.id).expect("user").active);
    assert_eq!(sim.presence(u.id), "on_leave");
    assert!(listed(&get(&sim, &q(1), Some(&t)).await.json()));
    let p = get(&sim, &format!("/psos/{}", u.id), Some(&t)).await.json();
    assert_eq!(
        (
            p["data"]["summary"]["is_active"]["value"].clone(),
            p["data"]["pso"]["status"].clone()
        ),
        (json!(true), json!("on_leave"))
    );
    // Same state again: accepted, no new history.
    let n = sim.field_history(u.id, "usr_active").len();
    assert_eq!(
        post_json(
            &sim,
            &format!("/psos/{}/status", u.id),
            &t,
            &json!({ "active": true })
        )
        .await
        .status,
        202
    );
    assert_eq!(sim.field_history(u.id, "usr_active").len(), n);

    assert_eq!(
        post_json(&sim, "/psos/99999/status", &t, &json!({ "active": false }))
            .await
            .status,
        404
    );
    let r = post_json(
        &sim,
        &format!("/psos/{}/status", u.id),
        &t,
        &json!({ "active": "no", "status": "away" }),
    )
    .await;
    assert_eq!(r.status, 400);
    let e = r.json();
    assert!(
        e["errors"]["active"].is_array() && e["errors"]["status"].is_array(),
        "{e}"
    );
    assert!(sim.user(u.id).expect("user").active, "unchanged");
}

#[tokio::test]
async fn onboarding_offboarding_forms() {
    let sim = sim().await;
    let (t, _) = login(&sim).await;
    let all = get(
        &sim,
        "/form-instances?assignment-type=&pso-type=usr",
        Some(&t),
    )
    .await
    .json();
    let ids: Vec<u64> = all["data"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|f| f["id"].as_u64())
        .collect();
    assert_eq!(ids, [1, 2, 10, 11]);
    let unique = get(
        &sim,
        "/form-instances?assignment-type=unique&pso-type=usr",
        Some(&t),
    )
    .await
    .json();
    let names: Vec<&str> = unique["data"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    assert_eq!(names, ["Rapport d'étonnement", "Entretien de sortie"]);
    assert_eq!(
        get(&sim, "/form-instances?pso-type=pos", Some(&t))
            .await
            .json(),
        json!({ "data": [] })
    );
    assert_eq!(
        get(&sim, "/form-instances?pso-type=zzz", Some(&t))
            .await
            .status,
        400
    );
    assert_eq!(
        get(&sim, "/form-instances/10", Some(&t)).await.json()["data"]["form_id"],
        10
    );
    assert_eq!(get(&sim, "/form-instances/99", Some(&t)).await.status, 404);
    let f10 = get(&sim, "/forms/10", Some(&t)).await.json();
    assert_eq!(f10["data"]["fields"][0]["alias"], "usr_surprise_report");
    assert_eq!(f10["data"]["fields"][0]["read_only"], true);

    let users = sim.users();
    let with = users
        .iter()
        .filter(|u| u.values.contains_key("usr_surprise_report"))
        .count();
    let leavers = users
        .iter()
        .filter(|u| u.values.contains_key("usr_exit_interview"))
        .count();
    assert!(
        (5..125).contains(&with),
        "some users have a surprise report: {with}"
    );
    assert!(
        leavers >= 1
            && users
                .iter()
                .filter(|u| u.values.contains_key("usr_exit_interview"))
                .all(|u| !u.active)
    );
    let u = users
        .iter()
        .find(|u| u.values.contains_key("usr_surprise_report"))
        .expect("one");
    let r = get(
        &sim,
        &format!(
            "/psos/{}/form-instances/10?include=fields,fields.type",
            u.id
        ),
        Some(&t),
    )
    .await
    .json();
    assert_eq!(r["data"]["name"], "Rapport d'étonnement");
    let date = &answers(&r, "usr_surprise_report_date")[0];
    assert_eq!(
        date["value"],
        u.values["usr_surprise_report"]["usr_surprise_report_date"]
    );
    assert!(date["answer_id"].is_u64() && date["batch"].is_string());
    let none = users
        .iter()
        .find(|u| !u.values.contains_key("usr_surprise_report"))
        .expect("one");
    let r = get(
        &sim,
        &format!("/psos/{}/form-instances/10", none.id),
        Some(&t),
    )
    .await
    .json();
    assert_eq!(answers(&r, "usr_surprise_report_date"), Vec::<Value>::new());
    assert_eq!(r["data"]["fields"][0]["values_count"], 0);
    assert_eq!(
        get(&sim, &format!("/psos/{}/form-instances/1", u.id), Some(&t))
            .await
            .status,
        404
    );
    let leaver = users
        .iter()
        .find(|u| u.values.contains_key("usr_exit_interview"))
        .expect("one");
    let r = get(
        &sim,
        &format!("/psos/{}/form-instances/11", leaver.id),
        Some(&t),
    )
    .await
    .json();
    assert_eq!(answers(&r, "usr_exit_interview_reason").len(), 1);

    // One GraphQL call per page lists them with the other fields.
    let g = gql(&sim, &t, r#"{ getPsoRecords(alias: "usr", fields: ["username","usr_surprise_report","usr_exit_interview"], first: 1000) { totalCount edges { node { fieldAliasAndValue } } } }"#, json!({})).await.json();
    let edges = g["data"]["getPsoRecords"]["edges"]
        .as_array()
        .expect("edges");
    let seen = edges
        .iter()
        .filter(|e| {
            e["node"]["fieldAliasAndValue"]
                .get("usr_surprise_report")
                .is_some()
        })
        .count();
    assert_eq!(seen, with);
    let fields = get(
        &sim,
        "/fields?pso-type=usr&category=usr_offboarding&no-pagination=1",
        Some(&t),
    )
    .await
    .json();
    assert_eq!(fields["data"][0]["alias"], "usr_exit_interview");
    assert_eq!(fields["data"][0]["items"].as_array().map(Vec::len), Some(4));
}
