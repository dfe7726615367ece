//! REST reads: /search envelope and paging, /psos, /fields and options.

use crate::common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn search_paging_envelope() {
    let sim = sim().await;
    let (t, _) = login(&sim).await;
    let v = get(
        &sim,
        "/search?pso-type=usr&name=&page=2&per-page=10",
        Some(&t),
    )
    .await
    .json();
    let d = &v["data"];
    assert_eq!(d["pso_type"]["alias"], "usr");
    assert_eq!(d["pso_type"]["id"], 1);
    assert_eq!(d["pso_type"]["creation_form_instance_id"], 1);
    assert_eq!(d["pso_type"]["profile_form_instance_id"], 2);
    let p = &d["meta"]["pagination"];
    assert_eq!(
        (
            p["total"].as_u64(),
            p["count"].as_u64(),
            p["per_page"].as_u64()
        ),
        (Some(250), Some(10), Some(10))
    );
    assert_eq!(
        (p["current_page"].as_u64(), p["total_pages"].as_u64()),
        (Some(2), Some(25))
    );
    let base = sim.url();
    assert!(
        p["links"]["previous"]
            .as_str()
            .is_some_and(|l| l.starts_with(&format!("{base}/search?")) && l.ends_with("page=1"))
    );
    assert!(
        p["links"]["next"]
            .as_str()
            .is_some_and(|l| l.contains("per-page=10") && l.ends_with("page=3"))
    );
    let items = d["data"].as_array().expect("items");
    assert_eq!(items.len(), 10);
    assert_eq!(items[0]["id"], 11);
    let user = sim.user(11).expect("user 11");
    let name = format!(
        "{} {}",
        user.values["usr_first_name"].as_str().unwrap_or(""),
        user.values["usr_last_name"]
            .as_str()
            .unwrap_or("")
            .to_uppercase()
    );
    assert_eq!(items[0]["display_value"], json!([name]));
    assert_eq!(items[0]["display_name"], json!(name));
    assert_eq!(
        items[0]["profile_form"]["active_field"]["alias"],
        "usr_active"
    );
    let fields: Vec<&str> = items[0]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["alias"].as_str())
        .collect();
    for a in [
        "usr_first_name",
        "usr_last_name",
        "professional_email",
        "usr_active",
    ] {
        assert!(fields.contains(&a));
    }

    let last = get(&sim, "/search?pso-type=usr&page=25&per-page=10", Some(&t))
        .await
        .json();
    assert!(
        last["data"]["meta"]["pagination"]["links"]
            .get("next")
            .is_none()
    );
    let single = get(&sim, "/search?pso-type=pos&per-page=100", Some(&t))
        .await
        .json();
    assert_eq!(single["data"]["meta"]["pagination"]["links"], json!({}));
    let all = get(&sim, "/search?pso-type=usr&no-pagination=1", Some(&t))
        .await
        .json();
    assert!(all["data"].get("meta").is_none());
    assert_eq!(all["data"]["data"].as_array().map(Vec::len), Some(250));
}

#[tokio::test]
async fn search_filters_and_errors() {
    let sim = sim().await;
    let (t, _) = login(&sim).await;
    let inactive = sim.users().iter().filter(|u| !u.active).count();
    assert!(inactive > 0);
    let v = get(&sim, "/search?pso-type=usr&active=0&per-page=500", Some(&t))
        .await
        .json();
    assert_eq!(
        v["data"]["meta"]["pagination"]["total"].as_u64(),
        Some(inactive as u64)
    );
    let v = get(&sim, "/search?pso-type=usr&active=1&per-page=1", Some(&t))
        .await
        .json();
    assert_eq!(
        v["data"]["meta"]["pagination"]["total"].as_u64(),
        Some(250 - inactive as u64)
    );
    let u = sim.user(42).expect("user");
    let last = u.values["usr_last_name"].as_str().expect("last name");
    let v = get(
        &sim,
        &format!("/search?pso-type=usr&name={}&no-pagination=1", urlenc(last)),
        Some(&t),
    )
    .await
    .json();
    assert!(
        v["data"]["data"]
            .as_array()
            .expect("items")
            .iter()
            .any(|i| i["id"] == 42)
    );
    let r = get(&sim, "/search?pso-type=usr&per-page=abc", Some(&t)).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["errors"]["per-page"].as_array().map(Vec::len),
        Some(1)
    );
    let r = get(&sim, "/search?pso-type=zzz", Some(&t)).await;
    assert_eq!(r.status, 400);
}

fn urlenc(s: &str) -> String {
    serde_urlencoded::to_string([("x", s)])
        .expect("enc")
        .trim_start_matches("x=")
        .to_string()
}

fn by_alias<'a>(items: &'a Value, alias: &str) -> &'a Value {
    items
        .as_array()
        .and_then(|a| a.iter().find(|f| f["alias"] == alias))
        .unwrap_or_else(|| panic!("no field {alias}"))
}

#[tokio::test]
async fn pso_and_pso_fields() {
    let sim = sim().await;
    let (t, _) = login(&sim).await;
    let u = sim
        .users()
        .into_iter()
        .find(|u| {
            u.id > 1 && u.values.contains_key("usr_skills") && u.values.contains_key("mentor")
        })
        .expect("user");
    let v = get(&sim, &format!("/psos/{}", u.id), Some(&t)).await.json();
    assert_eq!(
        v["data"]["summary"]["first_name"]["value"],
        u.values["usr_first_name"]
    );
    assert_eq!(v["data"]["summary"]["is_active"]["value"], json!(u.active));
    assert_eq!(v["data"]["pso"]["pso_type"]["alias"], "usr");
    assert_eq!(v["data"]["pso"]["profile_form"]["id"], 2);
    assert_eq!(v["data"]["pso"]["external_id"], json!(u.external_id));

    let f = get(
        &sim,
        &format!(
            "/psos/{}/fields?active=true&include=type,items,options,settings",
            u.id
        ),
        Some(&t),
    )
    .await
    .json();
    let items = &f["data"];
    let manager_id: u64 = u.values["manager"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("manager");
    let manager = sim.user(manager_id).expect("manager");
    let m = &by_alias(items, "manager")["value_details"];
    assert_eq!(m["id"], manager_id);
    assert_eq!(
        m["professional_email"],
        manager.values["professional_email"]
    );
    assert!(m.get("user_photo").is_some());
    assert_eq!(
        by_alias(items, "usr_first_name")["value_details"],
        u.values["usr_first_name"]
    );
    let skills = &by_alias(items, "usr_skills")["value_details"];
    assert_eq!(
        skills.as_array().map(Vec::len),
        u.values["usr_skills"].as_array().map(Vec::len)
    );
    let dep = by_alias(items, "usr_department")["value_details"]
        .as_str()
        .expect("label")
        .to_string();
    let path = sim
        .option_path(
            "usr_department",
            u.values["usr_department"].as_str().expect("dep"),
        )
        .expect("path");
    assert_eq!(path.last(), Some(&dep));
    assert!(by_alias(items, "usr_poste")["value_details"].is_string());
    let contract = &by_alias(items, "usr_employment_contract")["value_details"];
    assert!(
        contract["usr_employment_contract_contract_type"]
            .as_str()
            .is_some_and(|l| ["CDI", "CDD", "Stage", "Alternance"].contains(&l))
    );
    assert!(by_alias(items, "usr_career_history")["value_details"].is_array());

    let r = get(&sim, "/psos/999999", Some(&t)).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["status_code"], 404);
    assert_eq!(get(&sim, "/psos/abc/fields", Some(&t)).await.status, 404);
    let pos = sim.positions();
    let p = get(&sim, &format!("/psos/{}/fields", pos[1].id), Some(&t))
        .await
        .json();
    assert_eq!(
        by_alias(&p["data"], "pos_name")["value_details"],
        json!(pos[1].name)
    );
}

#[tokio::test]
async fn fields_shape() {
    let sim = sim().await;
    let (t, _) = login(&sim).await;
    let v = get(
        &sim,
        "/fields?pso-type=usr&include=type,category,items,options,settings&no-pagination=1",
        Some(&t),
    )
    .await
    .json();
    assert!(v.get("meta").is_none());
    let d = &v["data"];
    let first = by_alias(d, "usr_first_name");
    for k in [
        "id",
        "alias",
        "name",
        "position",
        "is_active",
        "list",
        "read_only",
        "required",
        "system_required",
        "has_unique_data",
        "has_value",
        "removable",
        "type",
        "category",
        "items",
        "options",
        "settings",
    ] {
        assert!(first.get(k).is_some(), "missing {k}");
    }
    assert_eq!(first["type"]["alias"], "text");
    assert_eq!(
        first["category"],
        json!({ "id": 1, "alias": "usr_identity", "name": "Identité" })
    );
    let contract = by_alias(d, "usr_employment_contract");
    assert_eq!(contract["type"]["alias"], "composite");
    let subs: Vec<&str> = contract["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["alias"].as_str())
        .collect();
    assert_eq!(
        subs,
        [
            "usr_employment_contract_contract_type",
            "usr_employment_contract_start_date",
            "usr_employment_contract_end_date"
        ]
    );
    assert_eq!(
        contract["items"][0]["options"].as_array().map(Vec::len),
        Some(4)
    );
    assert_eq!(by_alias(d, "usr_career_history")["list"], true);
    let bu = by_alias(d, "usr_business_unit");
    let opts = bu["options"].as_array().expect("options");
    let paris = opts
        .iter()
        .find(|o| o["name"] == "Paris" && !o["parent_id"].is_null() && o["is_selectable"] == true)
        .expect("paris");
    let parent = opts
        .iter()
        .find(|o| o["id"] == paris["parent_id"])
        .expect("parent");
    assert_eq!(parent["has_children"], true);
    assert_eq!(paris["value"], json!(paris["id"].to_string()));
    assert_eq!(
        by_alias(d, "usr_poste")["settings"],
        json!([{ "alias": "target_pso_type", "value": "pos" }])
    );
    assert_eq!(
        by_alias(d, "usr_seniority")["settings"],
        json!([{ "alias": "result_type", "value": "number" }])
    );
    assert_eq!(by_alias(d, "usr_badge_number")["removable"], true);
    assert_eq!(by_alias(d, "username")["removable"], false);
    let active_values: Vec<&str> = by_alias(d, "usr_active")["options"]
        .as_array()
        .expect("opts")
        .iter()
        .filter_map(|o| o["value"].as_str())
        .collect();
    assert_eq!(active_values, ["usr_active_yes", "usr_active_no"]);
    assert!(
        d.as_array()
            .expect("fields")
            .iter()
            .any(|f| f["alias"] == "usr_fax")
    );
    let active = get(
        &sim,
        "/fields?pso-type=usr&active=1&no-pagination=1",
        Some(&t),
    )
    .await
    .json();
    assert!(
        !active["data"]
            .as_array()
            .expect("fields")
            .iter()
            .any(|f| f["alias"] == "usr_fax")
    );

    let paged = get(&sim, "/fields?pso-type=usr&per-page=5", Some(&t))
        .await
        .json();
    assert_eq!(paged["data"].as_array().map(Vec::len), Some(5));
    assert_eq!(paged["meta"]["pagination"]["per_page"], 5);

    let id = bu["id"].as_u64().expect("id");
    assert_eq!(
        get(&sim, &format!("/fields/{id}"), Some(&t)).await.json()["data"]["alias"],
        "usr_business_unit"
    );
    let roots = get(&sim, &format!("/fields/{id}/options"), Some(&t))
        .await
        .json();
    let ventes = roots["data"]
        .as_array()
        .expect("roots")
        .iter()
        .find(|o| o["name"] == "Ventes")
        .expect("Ventes")
        .clone();
    assert_eq!(ventes["has_children"], true);
    assert_eq!(ventes["is_selectable"], false);
    let lvl2 = get(
        &sim,
        &format!("/fields/{id}/options?parent={}", ventes["id"]),
        Some(&t),
    )
    .await
    .json();
    let names: Vec<&str> = lvl2["data"]
        .as_array()
        .expect("lvl2")
        .iter()
        .filter_map(|o| o["name"].as_str())
        .collect();
    assert_eq!(names, ["France", "International"]);
    let poste = by_alias(d, "usr_poste")["id"].as_u64().expect("id");
    let pos_roots = get(&sim, &format!("/fields/{poste}/options"), Some(&t))
        .await
        .json();
    assert_eq!(pos_roots["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(get(&sim, "/fields/99999", Some(&t)).await.status, 404);
    assert_eq!(
        get(&sim, "/fields/99999/options", Some(&t)).await.status,
        404
    );
}
