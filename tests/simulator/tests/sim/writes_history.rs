//! Field history: seeded career, entries after updates, creates and test helpers.

use crate::common::*;
use crate::writes::{answers, item};
use serde_json::{Value, json};

#[tokio::test]
async fn history_seeded_and_after_updates() {
    let sim = sim().await;
    let (t, _) = login(&sim).await;
    let u = sim
        .users()
        .into_iter()
        .find(|u| {
            u.id > 6
                && u.values["usr_career_history"]
                    .as_array()
                    .is_some_and(|r| r.len() == 3)
        })
        .expect("3 rows");
    let h = get(&sim, &format!("/history/psos/{}/usr_poste", u.id), Some(&t))
        .await
        .json();
    let entries = h["data"].as_array().expect("array");
    assert!(!entries.is_empty());
    assert_eq!(
        entries[0]["value"], u.values["usr_poste"],
        "newest first: the current position"
    );
    assert_eq!(
        entries.last().map(|e| e["action_type"].clone()),
        Some(json!("created"))
    );
    for e in entries {
        for k in [
            "name",
            "field",
            "data_type",
            "action_type",
            "user",
            "value",
            "old_value",
            "updated_at",
        ] {
            assert!(e.get(k).is_some(), "{k}");
        }
        assert_eq!(e["field"], "usr_poste");
        assert_eq!(e["user"]["id"], 2);
        assert!(e["updated_at"].as_str().is_some_and(|d| d.len() == 19));
    }
    let dep = get(
        &sim,
        &format!("/history/psos/{}/usr_department", u.id),
        Some(&t),
    )
    .await
    .json();
    assert_eq!(dep["data"][0]["value"], u.values["usr_department"]);

    let form = get(&sim, &format!("/psos/{}/form-instances/2", u.id), Some(&t))
        .await
        .json();
    let a = &answers(&form, "usr_poste")[0];
    let new_pos = sim.positions()[0].id.to_string();
    let r = post_json(&sim, &format!("/psos/{}/form-instances/2", u.id), &t, &json!({ "data": [
        { "field_alias": "usr_poste", "value": new_pos, "action": "update", "answer_id": a["answer_id"] } ] })).await;
    assert_eq!(r.status, 202);
    let field_id = sim
        .field_catalogue()
        .field("usr", "usr_poste")
        .map(|f| f.id)
        .expect("id");
    let h2 = get(
        &sim,
        &format!("/history/psos/{}/{field_id}", u.id),
        Some(&t),
    )
    .await
    .json();
    let top = &h2["data"][0];
    assert_eq!(h2["data"].as_array().map(Vec::len), Some(entries.len() + 1));
    assert_eq!(
        (
            top["action_type"].clone(),
            top["value"].clone(),
            top["old_value"].clone()
        ),
        (
            json!("updated"),
            json!(new_pos),
            u.values["usr_poste"].clone()
        )
    );
    assert_eq!(
        top["user"],
        json!({ "id": 0, "first_name": "API", "last_name": "Demo" })
    );
    assert_eq!(top["data_type"]["alias"], "pso_relation");
    // The test helper writes history too, and a sub-field alias answers its composite.
    assert!(sim.set_value(u.id, "usr_employment_contract", None));
    let c = get(
        &sim,
        &format!("/history/psos/{}/usr_employment_contract_end_date", u.id),
        Some(&t),
    )
    .await
    .json();
    assert_eq!(
        (
            c["data"][0]["action_type"].clone(),
            c["data"][0]["value"].clone()
        ),
        (json!("deleted"), Value::Null)
    );
    assert_eq!(
        get(&sim, &format!("/history/psos/{}/usr_nope", u.id), Some(&t))
            .await
            .status,
        404
    );
    assert_eq!(
        get(&sim, "/history/psos/99999/usr_poste", Some(&t))
            .await
            .status,
        404
    );
    assert_eq!(
        get(
            &sim,
            &format!("/history/psos/{}/usr_badge_number", u.id),
            Some(&t)
        )
        .await
        .json(),
        json!({ "data": [] })
    );
    let acts = get(&sim, "/resources/history-actions", Some(&t))
        .await
        .json();
    assert_eq!(acts["data"].as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn create_writes_created_history() {
    let sim = sim().await;
    let (t, _) = login(&sim).await;
    let body = json!({ "pso_type": "usr", "form_instance": 1, "data": [
        item("username", "h.u"), item("usr_first_name", "H"), item("usr_last_name", "U"), item("professional_email", "h.u@x.example") ] });
    let id = post_json(&sim, "/psos", &t, &body).await.json()["data"]["id"]
        .as_u64()
        .expect("id");
    let h = get(&sim, &format!("/history/psos/{id}/usr_last_name"), Some(&t))
        .await
        .json();
    assert_eq!(h["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        (
            h["data"][0]["action_type"].clone(),
            h["data"][0]["value"].clone(),
            h["data"][0]["old_value"].clone()
        ),
        (json!("created"), json!("U"), Value::Null)
    );
}
