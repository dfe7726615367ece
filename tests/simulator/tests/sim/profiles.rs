//! Wire profiles: the same tenant under every switch, only the encoding changes.

use std::time::Duration;

use ps_simulator::{
    ChoiceEncoding, FieldOptions, OptionsListing, OverFirst, RateLimit, SimConfig, Simulator,
    WireProfile,
};
use serde_json::{Value, json};

use crate::common::{get, gql, login};

async fn sim_with(profile: WireProfile, hierarchy_options: Option<usize>) -> Simulator {
    Simulator::start(SimConfig {
        users: 40,
        profile,
        hierarchy_options,
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts")
}

const RECORDS: &str = "query($f:[String!]!,$n:Int!){ getPsoRecords(alias:\"usr\", fields:$f, first:$n) \
    { totalCount edges { cursor node { fieldAliasAndValue } } } }";

async fn records(sim: &Simulator, fields: &[&str], first: i32) -> Value {
    let (tok, _) = login(sim).await;
    gql(sim, &tok, RECORDS, json!({ "f": fields, "n": first }))
        .await
        .json()
}

fn first_value(v: &Value, alias: &str) -> Value {
    v["data"]["getPsoRecords"]["edges"][0]["node"]["fieldAliasAndValue"][alias].clone()
}

#[tokio::test]
async fn choice_encodings_describe_the_same_stored_option() {
    let base = sim_with(WireProfile::default(), None).await;
    let stored = base.users()[0].values["usr_department"]
        .as_str()
        .expect("department")
        .to_string();
    let field = base
        .field_catalogue()
        .field("usr", "usr_department")
        .cloned()
        .expect("field");
    let opt = field.option_by_value(&stored).expect("option").clone();
    for (enc, want) in [
        (ChoiceEncoding::Value, json!(opt.value)),
        (ChoiceEncoding::Id, json!(opt.id.to_string())),
        (ChoiceEncoding::Number, json!(opt.id)),
        (ChoiceEncoding::Alias, json!(opt.alias)),
        (ChoiceEncoding::Label, json!(opt.name)),
        (
            ChoiceEncoding::Object,
            json!({ "id": opt.id, "name": opt.name }),
        ),
    ] {
        let sim = sim_with(
            WireProfile {
                choice_values: enc,
                ..WireProfile::default()
            },
            None,
        )
        .await;
        assert_eq!(sim.users(), base.users(), "same tenant under {enc:?}");
        let r = records(&sim, &["usr_department", "usr_skills"], 1).await;
        assert_eq!(first_value(&r, "usr_department"), want, "{enc:?}");
    }
    assert!(opt.alias.starts_with("usr_department_"), "{}", opt.alias);
}

#[tokio::test]
async fn numbers_and_rest_ids() {
    let sim = sim_with(WireProfile::named("numbers").expect("profile"), None).await;
    let r = records(&sim, &["hr", "usr_remote_days", "usr_seniority"], 1).await;
    assert!(first_value(&r, "hr").is_u64(), "{r}");
    let sim = sim_with(
        WireProfile::named("rest-string-ids").expect("profile"),
        None,
    )
    .await;
    let (tok, _) = login(&sim).await;
    let f = get(&sim, "/fields?pso-type=usr&no-pagination=1", Some(&tok))
        .await
        .json();
    assert!(f["data"][0]["id"].is_string());
    let bu = f["data"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["alias"] == "usr_business_unit"))
        .expect("bu");
    assert!(bu["options"][0]["id"].is_string());
}

#[tokio::test]
async fn options_in_fields_and_through_the_endpoint() {
    for (shape, listing) in [
        (FieldOptions::Whole, OptionsListing::Levels),
        (FieldOptions::RootsOnly, OptionsListing::Flat),
        (FieldOptions::Absent, OptionsListing::Flat),
    ] {
        let sim = sim_with(
            WireProfile {
                field_options: shape,
                options_listing: listing,
                ..WireProfile::default()
            },
            Some(200),
        )
        .await;
        let (tok, _) = login(&sim).await;
        let f = get(&sim, "/fields?pso-type=usr&no-pagination=1", Some(&tok))
            .await
            .json();
        let dep = f["data"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["alias"] == "usr_department"))
            .expect("department")
            .clone();
        let n = dep["options"].as_array().map_or(0, Vec::len);
        let all = sim
            .field_catalogue()
            .field("usr", "usr_department")
            .map_or(0, |f| f.options.len());
        assert!(all >= 200);
        match shape {
            FieldOptions::Whole => assert_eq!(n, all),
            FieldOptions::RootsOnly => {
                assert!(n > 0 && n < all);
                assert!(
                    dep["options"]
                        .as_array()
                        .is_some_and(|o| o.iter().all(|x| x["parent_id"].is_null()))
                );
            }
            FieldOptions::Absent => assert_eq!(n, 0),
        }
        let id = dep["id"].as_u64().expect("id");
        let listed = get(
            &sim,
            &format!("/fields/{id}/options?no-pagination=1"),
            Some(&tok),
        )
        .await
        .json();
        let listed = listed["data"].as_array().map_or(0, Vec::len);
        match listing {
            OptionsListing::Flat => assert_eq!(listed, all),
            OptionsListing::Levels => assert!(listed < all),
        }
    }
    let sim = sim_with(
        WireProfile::named("options-paged").expect("profile"),
        Some(200),
    )
    .await;
    let (tok, _) = login(&sim).await;
    let id = sim
        .field_catalogue()
        .field("usr", ps_simulator::COST_CENTER)
        .map(|f| f.id)
        .expect("cost center");
    let page = get(&sim, &format!("/fields/{id}/options"), Some(&tok))
        .await
        .json();
    assert_eq!(page["data"].as_array().map(Vec::len), Some(25));
    assert_eq!(page["meta"]["pagination"]["per_page"], 25);
    assert!(page["meta"]["pagination"]["total"].as_u64() >= Some(200));
    let all = get(
        &sim,
        &format!("/fields/{id}/options?no-pagination=1"),
        Some(&tok),
    )
    .await
    .json();
    assert!(all.get("meta").is_none());
    assert!(
        sim.users()
            .iter()
            .all(|u| u.values.contains_key(ps_simulator::COST_CENTER))
    );
}

#[tokio::test]
async fn first_over_the_cap_is_an_error_or_clamped() {
    for (over, name) in [
        (OverFirst::Error, "first-100-error"),
        (OverFirst::Clamp, "first-100-clamp"),
    ] {
        let p = WireProfile::named(name).expect("profile");
        assert_eq!((p.max_first, p.over_first), (100, over));
        let sim = Simulator::start(SimConfig {
            users: 150,
            profile: p,
            ..SimConfig::default()
        })
        .await
        .expect("simulator starts");
        let r = records(&sim, &["username"], 150).await;
        match over {
            OverFirst::Error => {
                assert!(r["data"].is_null(), "{r}");
                assert!(
                    r["errors"][0]["message"]
                        .as_str()
                        .is_some_and(|m| m.contains("100"))
                );
            }
            OverFirst::Clamp => {
                assert_eq!(
                    r["data"]["getPsoRecords"]["edges"].as_array().map(Vec::len),
                    Some(100)
                );
                assert_eq!(r["data"]["getPsoRecords"]["totalCount"], 150);
            }
        }
    }
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after_then_lifts() {
    let sim = sim_with(WireProfile::default(), None).await;
    sim.set_rate_limit(Some(RateLimit {
        requests: 2,
        window: Duration::from_secs(30),
    }));
    let (tok, _) = login(&sim).await; // the token endpoint is not limited
    for _ in 0..2 {
        assert_eq!(
            get(&sim, "/search?pso-type=usr", Some(&tok)).await.status,
            200
        );
    }
    let r = get(&sim, "/search?pso-type=usr", Some(&tok)).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.json()["message"], "Too Many Attempts.");
    let secs: u64 = r.headers["retry-after"]
        .to_str()
        .ok()
        .and_then(|s| s.parse().ok())
        .expect("Retry-After");
    assert!((1..=30).contains(&secs));
    assert_eq!(sim.journal().last().map(|e| e.status), Some(429));
    sim.set_rate_limit(None);
    assert_eq!(
        get(&sim, "/search?pso-type=usr", Some(&tok)).await.status,
        200
    );
}
