//! Writes: create (POST /psos), validation errors, uniqueness (422), non-idempotent creation.

use crate::common::*;
use ps_simulator::Simulator;
use serde_json::{Value, json};

/// The option `value` of a `usr` field or sub-field by label.
pub fn opt(sim: &Simulator, alias: &str, label: &str) -> String {
    let cat = sim.field_catalogue();
    let (f, _) = cat.any_field("usr", alias).expect("field");
    f.options
        .iter()
        .find(|o| o.name == label)
        .map(|o| o.value.clone())
        .expect("option")
}

pub fn item(alias: &str, value: &str) -> Value {
    json!({ "field_alias": alias, "value": value, "action": "create" })
}

pub fn jane(login: &str) -> Vec<Value> {
    vec![
        item("username", login),
        item("usr_first_name", "Jane"),
        item("usr_last_name", "Doe"),
        item("professional_email", &format!("{login}@corp.example")),
    ]
}

pub fn create_body(data: Vec<Value>) -> Value {
    json!({ "pso_type": "usr", "form_instance": 1, "data": data })
}

/// The `values` of a top-level or sub-field alias in a form-instance read.
pub fn answers(form: &Value, alias: &str) -> Vec<Value> {
    for f in form["data"]["fields"].as_array().expect("fields") {
        if f["alias"] == alias {
            return f["values"].as_array().cloned().unwrap_or_default();
        }
        for i in f["items"].as_array().into_iter().flatten() {
            if i["alias"] == alias {
                return i["values"].as_array().cloned().unwrap_or_default();
            }
        }
    }
    panic!("no field {alias}");
}

#[tokio::test]
async fn create_round_trip() {
    let sim = sim().await;
    let (t, _) = login(&sim).await;
    let fi = get(&sim, "/form-instances/1", Some(&t)).await.json();
    assert_eq!(fi["data"]["form_id"], 1);
    for k in [
        "id",
        "name",
        "description",
        "form_id",
        "is_active",
        "removable",
        "effective_date",
    ] {
        assert!(fi["data"].get(k).is_some(), "{k}");
    }
    let form = get(
        &sim,
        "/forms/1?include=fields,fields.type,fields.items,fields.options",
        Some(&t),
    )
    .await
    .json();
    let fields = form["data"]["fields"].as_array().expect("fields");
    let required: Vec<&str> = fields
        .iter()
        .filter(|f| f["required"] == true)
        .filter_map(|f| f["alias"].as_str())
        .collect();
    assert_eq!(
        required,
        [
            "username",
            "usr_first_name",
            "usr_last_name",
            "professional_email"
        ]
    );
    for ro in [
        "usr_seniority",
        "usr_active",
        "usr_fax",
        "usr_surprise_report",
    ] {
        assert!(
            fields.iter().all(|f| f["alias"] != ro),
            "{ro} not in the creation form"
        );
    }
    let before = sim.user_count();
    let mut data = jane("jane.doe");
    data.extend([
        item("usr_birth_date", "1990-02-28"),
        item("manager", "7"),
        item("usr_poste", &sim.positions()[3].id.to_string()),
        item("usr_department", &opt(&sim, "usr_department", "Backend")),
        item("usr_skills", &opt(&sim, "usr_skills", "Rust")),
        item("usr_skills", &opt(&sim, "usr_skills", "Excel")),
        item("usr_company_car", "1"),
        item("usr_remote_days", "2"),
        item("professional_phone", ""),
        item("usr_employment_contract_contract_type", &opt(&sim, "usr_employment_contract_contract_type", "CDI")),
        item("usr_employment_contract_start_date", "2024-11-25"),
        json!({ "field_alias": "usr_career_history_position", "value": "Comptable", "action": "create", "batch": "r1" }),
        json!({ "field_alias": "usr_career_history_start_date", "value": "2024-11-25", "action": "create", "batch": "r1" }),
        json!({ "field_alias": "usr_career_history_end_date", "value": "2025-06-30", "action": "create", "batch": "r1" }),
        json!({ "field_alias": "usr_career_history_position", "value": "Développeur", "action": "create", "batch": "r2" }),
        json!({ "field_alias": "usr_career_history_start_date", "value": "2025-07-01", "action": "create", "batch": "r2" }),
    ]);
    let r = post_json(&sim, "/psos", &t, &create_body(data.clone())).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.bytes));
    let v = r.json();
    let id = v["data"]["id"].as_u64().expect("id");
    let ext = v["data"]["external_id"]
        .as_str()
        .expect("external id")
        .to_string();
    assert_eq!(id, 270, "next free id after 250 users and 19 positions");
    assert_eq!(sim.user_count(), before + 1);
    let u = sim.user(id).expect("user");
    assert!(u.active);
    assert_eq!(u.values["usr_active"], "usr_active_yes");
    assert_eq!(u.values["usr_seniority"], "2.0");
    assert_eq!(
        u.values["usr_skills"],
        json!([
            opt(&sim, "usr_skills", "Rust"),
            opt(&sim, "usr_skills", "Excel")
        ])
    );
    assert_eq!(
        u.values["usr_career_history"].as_array().map(Vec::len),
        Some(2)
    );
    assert!(
        !u.values.contains_key("professional_phone"),
        "empty values are ignored"
    );

    let fields = get(&sim, &format!("/psos/{id}/fields"), Some(&t))
        .await
        .json();
    let by = |a: &str| {
        fields["data"]
            .as_array()
            .and_then(|d| d.iter().find(|f| f["alias"] == a).cloned())
            .expect("field")
    };
    assert_eq!(by("usr_last_name")["value_details"], "Doe");
    assert_eq!(by("manager")["value_details"]["id"], 7);
    assert_eq!(
        by("usr_employment_contract")["value_details"]["usr_employment_contract_start_date"],
        "2024-11-25"
    );

    let q = r#"query($f: JSON) { getPsoRecords(alias: "usr", fields: ["username","usr_company_car","usr_career_history"], first: 10, filter: $f) { totalCount edges { cursor node { externalId fieldAliasAndValue } } } }"#;
    let g = gql(&sim, &t, q, json!({ "f": { "username": "jane.doe" } }))
        .await
        .json();
    let conn = &g["data"]["getPsoRecords"];
    assert_eq!(conn["totalCount"], 1);
    assert_eq!(conn["edges"][0]["node"]["externalId"], ext.as_str());
    assert_eq!(conn["edges"][0]["cursor"], ps_simulator::encode_cursor(id));
    assert_eq!(
        conn["edges"][0]["node"]["fieldAliasAndValue"]["usr_company_car"],
        "1"
    );
    let s = get(&sim, "/search?pso-type=usr&name=jane%20doe", Some(&t))
        .await
        .json();
    assert_eq!(s["data"]["data"][0]["id"], id);

    // Not idempotent: the same body collides on the unique fields; other logins create again.
    let again = post_json(&sim, "/psos", &t, &create_body(data)).await;
    assert_eq!(again.status, 422);
    let other = post_json(&sim, "/psos", &t, &create_body(jane("jane.doe.2"))).await;
    assert_eq!(other.status, 201);
    assert_eq!(other.json()["data"]["id"], 271);
    assert_eq!(sim.user_count(), before + 2);
}

#[tokio::test]
async fn validation_errors_list_every_field() {
    let sim = sim().await;
    let (t, _) = login(&sim).await;
    let before = sim.users();
    let body = create_body(vec![
        item("username", "x.y"),
        item("usr_first_name", "X"),
        item("professional_email", "x.y@corp.example"),
        item("usr_nickname", "Xy"),
        item("usr_birth_date", "2023-02-29"),
        item("usr_position_start_date", "01/02/2024"),
        item("usr_tshirt_size", "XXL"),
        item(
            "usr_department",
            &opt(&sim, "usr_department", "Informatique"),
        ),
        item("manager", "9999"),
        item("mentor", "abc"),
        item("usr_poste", "1"),
        item("usr_company_car", "yes"),
        item("usr_remote_days", "two"),
        json!({ "field_alias": "professional_phone", "value": 123, "action": "create" }),
        json!({ "field_alias": "usr_badge_number", "value": "B1", "action": "update", "answer_id": 1 }),
        json!({ "field_id": 99999, "value": "x", "action": "create" }),
    ]);
    let r = post_json(&sim, "/psos", &t, &body).await;
    assert_eq!(r.status, 400);
    let v = r.json();
    assert_eq!(v["message"], "400 Bad Request");
    assert_eq!(v["status_code"], 400);
    let keys: Vec<&String> = v["errors"].as_object().expect("errors").keys().collect();
    for k in [
        "usr_last_name",
        "usr_nickname",
        "usr_birth_date",
        "usr_position_start_date",
        "usr_tshirt_size",
        "usr_department",
        "manager",
        "mentor",
        "usr_poste",
        "usr_company_car",
        "usr_remote_days",
        "professional_phone",
        "usr_badge_number",
        "99999",
    ] {
        assert!(keys.iter().any(|x| x.as_str() == k), "{k} in {keys:?}");
        assert!(v["errors"][k][0].is_string(), "{k} has a reason");
    }
    assert_eq!(keys.len(), 14, "{v}");
    assert_eq!(
        v["errors"]["usr_last_name"],
        json!(["The field is required."])
    );
    assert_eq!(sim.users(), before, "nothing written");

    // Body-level errors.
    let bad = post_json(
        &sim,
        "/psos",
        &t,
        &json!({ "pso_type": "pos", "form_instance": 2, "data": "x" }),
    )
    .await;
    assert_eq!(bad.status, 400);
    let e = bad.json();
    for k in ["pso_type", "form_instance", "data"] {
        assert!(e["errors"].get(k).is_some(), "{k}: {e}");
    }
    let not_json = send(
        &sim,
        axum::http::Request::post("/psos")
            .header("authorization", format!("Bearer {t}"))
            .body(axum::body::Body::from("nope"))
            .expect("req"),
    )
    .await;
    assert_eq!(not_json.status, 400);
    assert_eq!(
        not_json.json()["errors"]["body"][0],
        "The body must be a JSON object."
    );
    // The next successful create still gets the next id: nothing was reserved.
    let ok = post_json(&sim, "/psos", &t, &create_body(jane("x.y"))).await;
    assert_eq!(ok.json()["data"]["id"], 270);
}

#[tokio::test]
async fn unique_fields_answer_422() {
    let sim = sim().await;
    let (t, _) = login(&sim).await;
    let u7 = sim.user(7).expect("user 7");
    let taken = u7.text("username").expect("login").to_uppercase();
    let mut data = jane("fresh");
    data[0] = item("username", &taken);
    let r = post_json(&sim, "/psos", &t, &create_body(data)).await;
    assert_eq!(r.status, 422);
    assert_eq!(
        r.json(),
        json!({ "message": "The username has already been taken.", "errors": { "username": ["has already been taken"] }, "status_code": 422 })
    );
    assert_eq!(sim.user_count(), 250);

    // On update: a badge held by someone else.
    let holder = sim
        .users()
        .into_iter()
        .find(|u| u.id != 8 && u.values.contains_key("usr_badge_number"))
        .expect("a badge");
    let badge = holder.text("usr_badge_number").expect("badge").to_string();
    let form = get(&sim, "/psos/8/form-instances/2", Some(&t)).await.json();
    let cur = answers(&form, "usr_badge_number");
    let it = match cur.first() {
        Some(a) => {
            json!({ "field_alias": "usr_badge_number", "value": badge, "action": "update", "answer_id": a["answer_id"] })
        }
        None => item("usr_badge_number", &badge),
    };
    let before = sim.user(8);
    let r = post_json(
        &sim,
        "/psos/8/form-instances/2",
        &t,
        &json!({ "temporary": false, "data": [it] }),
    )
    .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        r.json()["errors"]["usr_badge_number"],
        json!(["has already been taken"])
    );
    assert_eq!(sim.user(8), before);
    // Its own value again is fine.
    let own = sim
        .user(8)
        .and_then(|u| u.text("username").map(str::to_string))
        .expect("login");
    let a = &answers(&form, "username")[0];
    let r = post_json(&sim, "/psos/8/form-instances/2", &t, &json!({ "data": [
        { "field_alias": "username", "value": own, "action": "update", "answer_id": a["answer_id"] } ] })).await;
    assert_eq!(r.status, 202);
}
