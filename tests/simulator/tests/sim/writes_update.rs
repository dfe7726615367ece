//! Writes: update through the profile form with answer ids, read-only refusal,
//! all-or-nothing, faults on writes.

use crate::common::*;
use crate::writes::{answers, create_body, item, jane, opt};
use ps_simulator::Fault;
use serde_json::{Value, json};

#[tokio::test]
async fn update_with_answer_ids() {
    let sim = sim().await;
    let (t, _) = login(&sim).await;
    let id = sim
        .users()
        .into_iter()
        .find(|u| {
            u.id > 6
                && u.values.contains_key("professional_phone")
                && u.values.contains_key("mentor")
                && u.values["usr_career_history"]
                    .as_array()
                    .is_some_and(|r| r.len() >= 2)
        })
        .expect("a user")
        .id;
    let form = get(
        &sim,
        &format!(
            "/psos/{id}/form-instances/2?include=fields,fields.type,fields.items,fields.options"
        ),
        Some(&t),
    )
    .await
    .json();
    assert_eq!(form["data"]["id"], 2);
    let last = &answers(&form, "usr_last_name")[0];
    assert_eq!(last["batch"], Value::Null);
    let phone = &answers(&form, "professional_phone")[0];
    let mentor = &answers(&form, "mentor")[0];
    let rows = answers(&form, "usr_career_history_position");
    assert!(
        rows.len() >= 2 && rows[0]["batch"].is_string() && rows[0]["batch"] != rows[1]["batch"]
    );
    let start_of_row0 = answers(&form, "usr_career_history_start_date")
        .into_iter()
        .find(|a| a["batch"] == rows[0]["batch"])
        .expect("row 0 start");
    let ctype = &answers(&form, "usr_employment_contract_contract_type")[0];
    let field_id = |alias: &str| {
        sim.field_catalogue()
            .any_field("usr", alias)
            .map(|(f, _)| f.id)
            .expect("id")
    };
    let body = json!({ "temporary": false, "data": [
        { "field_alias": "usr_last_name", "value": "Durand", "action": "update", "answer_id": last["answer_id"] },
        { "field_id": field_id("professional_phone"), "value": "", "action": "update", "answer_id": phone["answer_id"] },
        { "field_alias": "mentor", "value": "", "action": "delete", "answer_id": mentor["answer_id"] },
        { "field_alias": "usr_employment_contract_contract_type", "value": opt(&sim, "usr_employment_contract_contract_type", "CDD"), "action": "update", "answer_id": ctype["answer_id"] },
        { "field_alias": "usr_career_history_position", "value": "", "action": "delete", "answer_id": rows[0]["answer_id"] },
        { "field_alias": "usr_career_history_start_date", "value": "", "action": "delete", "answer_id": start_of_row0["answer_id"] },
        { "field_alias": "usr_career_history_department", "action": "delete", "answer_id": answers(&form, "usr_career_history_department")[0]["answer_id"] },
        { "field_alias": "usr_career_history_end_date", "action": "delete", "answer_id": answers(&form, "usr_career_history_end_date")[0]["answer_id"] },
        { "field_alias": "usr_career_history_position", "value": "Chef de projet", "action": "create", "batch": "new-row" },
        { "field_alias": "usr_career_history_start_date", "value": "2026-12-01", "action": "create", "batch": "new-row" },
        { "field_alias": "usr_skills", "value": opt(&sim, "usr_skills", "Sécurité"), "action": "create" },
    ] });
    let before = sim.user(id).expect("user");
    let r = post_json(&sim, &format!("/psos/{id}/form-instances/2"), &t, &body).await;
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.bytes));
    assert!(r.bytes.is_empty(), "202 has an empty body");
    let after = sim.user(id).expect("user");
    assert_eq!(after.values["usr_last_name"], "Durand");
    assert!(!after.values.contains_key("professional_phone"), "cleared");
    assert!(!after.values.contains_key("mentor"), "deleted");
    let hist = after.values["usr_career_history"].as_array().expect("rows");
    let old = before.values["usr_career_history"]
        .as_array()
        .expect("rows");
    assert_eq!(hist.len(), old.len(), "row 0 removed, one row added");
    assert_eq!(hist[0], old[1]);
    assert_eq!(
        hist.last()
            .map(|r| r["usr_career_history_position"].clone()),
        Some(json!("Chef de projet"))
    );
    assert!(
        after.values["usr_skills"]
            .as_array()
            .is_some_and(|s| s.contains(&json!(opt(&sim, "usr_skills", "Sécurité"))))
    );
    // GraphQL shows the update.
    let g = gql(&sim, &t, r#"query($id: String) { getPsoRecords(alias: "usr", fields: ["usr_last_name","mentor"], first: 1, externalId: $id) { edges { node { fieldAliasAndValue } } } }"#,
        json!({ "id": after.external_id })).await.json();
    assert_eq!(
        g["data"]["getPsoRecords"]["edges"][0]["node"]["fieldAliasAndValue"],
        json!({ "usr_last_name": "Durand" })
    );

    // Stale / foreign / missing answer ids name the field.
    let other = get(&sim, "/psos/3/form-instances/2", Some(&t)).await.json();
    let foreign = &answers(&other, "usr_first_name")[0];
    let r = post_json(&sim, &format!("/psos/{id}/form-instances/2"), &t, &json!({ "data": [
        { "field_alias": "usr_first_name", "value": "Z", "action": "update", "answer_id": foreign["answer_id"] },
        { "field_alias": "usr_birth_date", "value": "2000-01-01", "action": "update" },
        { "field_alias": "usr_last_name", "value": "Y", "action": "update", "answer_id": last["answer_id"].as_u64().map(|a| a + 1) },
        { "field_alias": "usr_last_name", "value": "Again", "action": "create" },
    ] })).await;
    assert_eq!(r.status, 400);
    let e = r.json();
    assert_eq!(
        e["errors"]["usr_first_name"],
        json!(["The answer_id does not belong to this field."])
    );
    assert_eq!(
        e["errors"]["usr_birth_date"],
        json!(["The answer_id is required to update."])
    );
    assert_eq!(
        e["errors"]["usr_last_name"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(sim.user(id), Some(after));
    // Unknown user / form.
    assert_eq!(
        post_json(
            &sim,
            "/psos/99999/form-instances/2",
            &t,
            &json!({ "data": [] })
        )
        .await
        .status,
        404
    );
    assert_eq!(
        post_json(
            &sim,
            &format!("/psos/{id}/form-instances/3"),
            &t,
            &json!({ "data": [] })
        )
        .await
        .status,
        404
    );
    let r = post_json(
        &sim,
        &format!("/psos/{id}/form-instances/10"),
        &t,
        &json!({ "data": [] }),
    )
    .await;
    assert_eq!(
        (r.status, r.json()["errors"].get("form_instance").is_some()),
        (400, true)
    );
}

#[tokio::test]
async fn read_only_fields_are_refused() {
    let sim = sim().await;
    let (t, _) = login(&sim).await;
    let before = sim.user(9);
    let r = post_json(
        &sim,
        "/psos/9/form-instances/2",
        &t,
        &json!({ "temporary": false, "data": [
        item("usr_seniority", "3.0"),
        item("usr_active", "usr_active_no"),
        item("usr_fax", "+33 1 00 00 00 00"),
        item("usr_surprise_report_comment", "Super"),
        item("usr_employment_contract", "x"),
        item("usr_first_name", "Ok"),
        { "field_alias": "usr_birth_date", "value": "1990-01-01", "action": "replace" },
    ] }),
    )
    .await;
    assert_eq!(r.status, 400);
    let e = r.json();
    assert_eq!(
        e["errors"]["usr_seniority"],
        json!(["The field is read-only."])
    );
    assert_eq!(
        e["errors"]["usr_active"],
        json!(["The field is read-only; use POST /psos/{id}/status."])
    );
    assert_eq!(
        e["errors"]["usr_fax"],
        json!(["The field is not part of this form."])
    );
    assert_eq!(
        e["errors"]["usr_surprise_report_comment"],
        json!(["The field is read-only."])
    );
    assert_eq!(
        e["errors"]["usr_employment_contract"],
        json!(["Write the sub-fields of a composite field."])
    );
    assert_eq!(
        e["errors"]["usr_first_name"],
        json!(["The field already has a value; update it with its answer_id."])
    );
    assert!(
        e["errors"]["usr_birth_date"][0]
            .as_str()
            .is_some_and(|m| m.contains("action"))
    );
    assert_eq!(sim.user(9), before, "all or nothing");
    // The profile form marks them read-only.
    let form = get(&sim, "/psos/9/form-instances/2", Some(&t)).await.json();
    let ro = |a: &str| {
        form["data"]["fields"]
            .as_array()
            .and_then(|f| f.iter().find(|x| x["alias"] == a))
            .map(|f| f["read_only"].clone())
    };
    assert_eq!(
        (ro("usr_seniority"), ro("usr_active"), ro("usr_last_name")),
        (Some(json!(true)), Some(json!(true)), Some(json!(false)))
    );
}

#[tokio::test]
async fn all_or_nothing_and_journal() {
    let sim = sim().await;
    let (t, _) = login(&sim).await;
    let form = get(&sim, "/psos/12/form-instances/2", Some(&t))
        .await
        .json();
    let first = &answers(&form, "usr_first_name")[0];
    let before = sim.user(12);
    let hist = sim.field_history(12, "usr_first_name");
    sim.clear_journal();
    let r = post_json(&sim, "/psos/12/form-instances/2", &t, &json!({ "data": [
        { "field_alias": "usr_first_name", "value": "Secret-Name", "action": "update", "answer_id": first["answer_id"] },
        { "field_alias": "usr_birth_date", "value": "1990-13-01", "action": "create" },
    ] })).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["errors"]
            .as_object()
            .map(|o| o.keys().cloned().collect::<Vec<_>>()),
        Some(vec!["usr_birth_date".to_string()])
    );
    assert_eq!(sim.user(12), before);
    assert_eq!(sim.field_history(12, "usr_first_name"), hist);
    let j = sim.journal();
    assert_eq!(j.len(), 1);
    assert_eq!(
        (j[0].method.as_str(), j[0].path.as_str(), j[0].status),
        ("POST", "/psos/12/form-instances/2", 400)
    );
    assert_eq!(j[0].write_aliases, ["usr_first_name", "usr_birth_date"]);
    let dump = format!("{j:?}");
    assert!(!dump.contains("Secret-Name") && !dump.contains(&t) && !dump.contains(sim.password()));
}

#[tokio::test]
async fn faults_on_writes() {
    let sim = sim().await;
    let (t, _) = login(&sim).await;
    sim.inject(Fault::method_status("POST", "/psos", 503, 1));
    assert_eq!(
        get(&sim, "/psos/1", Some(&t)).await.status,
        200,
        "reads pass"
    );
    assert_eq!(
        post_json(&sim, "/psos", &t, &create_body(jane("a.b")))
            .await
            .status,
        503
    );
    assert_eq!(sim.user_count(), 250, "the failed POST wrote nothing");
    sim.inject(Fault::lost_response("POST", "/psos", 502));
    assert_eq!(
        post_json(&sim, "/psos", &t, &create_body(jane("a.b")))
            .await
            .status,
        502
    );
    assert_eq!(sim.user_count(), 251, "applied, but the answer was lost");
    let j = sim.journal();
    assert_eq!(
        j.last().map(|e| (e.status, e.write_aliases.len())),
        Some((502, 4))
    );
    assert_eq!(
        post_json(&sim, "/psos", &t, &create_body(jane("a.b")))
            .await
            .status,
        422,
        "retry collides"
    );
}
