//! Seeded tenant: determinism, realism invariants, scale.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::common::*;
use ps_simulator::{SimConfig, Simulator};
use serde_json::json;

#[tokio::test]
async fn same_seed_same_data() {
    let a = Simulator::start(SimConfig::default()).await.expect("a");
    let b = Simulator::start(SimConfig::default()).await.expect("b");
    let c = Simulator::start(SimConfig {
        seed: 7,
        ..SimConfig::default()
    })
    .await
    .expect("c");
    assert_eq!(a.users(), b.users());
    assert_eq!(a.positions(), b.positions());
    assert_eq!(a.field_catalogue(), c.field_catalogue());
    assert_ne!(a.users(), c.users());
}

#[tokio::test]
async fn tenant_invariants() {
    let sim = sim().await;
    let users = sim.users();
    assert_eq!(users.len(), 250);
    assert!(users.windows(2).all(|w| w[0].id < w[1].id));
    assert!(!users[0].values.contains_key("manager"));
    let mut managers = BTreeSet::new();
    for u in &users[1..] {
        let m: u64 = u.values["manager"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("manager");
        assert!(m < u.id, "manager of {} has a lower id", u.id);
        managers.insert(m);
        let hr: u64 = u.values["hr"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("hr");
        assert!(hr != u.id && hr <= 6);
    }
    assert!(
        (10..=60).contains(&managers.len()),
        "~10% managers, got {}",
        managers.len()
    );
    let mentors = users
        .iter()
        .filter(|u| u.values.contains_key("mentor"))
        .count();
    assert!((40..=110).contains(&mentors), "~30% mentors, got {mentors}");
    let emails: BTreeSet<&str> = users
        .iter()
        .filter_map(|u| u.values["professional_email"].as_str())
        .collect();
    let logins: BTreeSet<&str> = users
        .iter()
        .filter_map(|u| u.values["username"].as_str())
        .collect();
    assert_eq!((emails.len(), logins.len()), (250, 250));
    assert!(
        emails
            .iter()
            .all(|e| e.is_ascii() && e.ends_with("@demo.example"))
    );
    let inactive = users.iter().filter(|u| !u.active).count();
    assert!(
        (3..=30).contains(&inactive),
        "~5% suspended, got {inactive}"
    );
    assert!(users.iter().all(|u| u.values["usr_active"]
        == json!(if u.active {
            "usr_active_yes"
        } else {
            "usr_active_no"
        })));
    assert!(
        users
            .iter()
            .any(|u| !u.values.contains_key("professional_phone"))
    );
    assert!(
        users
            .iter()
            .any(|u| u.values.get("professional_phone") == Some(&json!("null")))
    );
    let cat = sim.field_catalogue();
    let ctype = cat
        .any_field("usr", "usr_employment_contract_contract_type")
        .expect("ctype")
        .0
        .clone();
    let mut types = BTreeSet::new();
    let (mut past_end, mut future_end) = (0, 0);
    for u in &users {
        let c = &u.values["usr_employment_contract"];
        let label = ctype
            .option_by_value(
                c["usr_employment_contract_contract_type"]
                    .as_str()
                    .expect("type"),
            )
            .expect("option")
            .name
            .clone();
        if label != "CDI" {
            let end = c["usr_employment_contract_end_date"]
                .as_str()
                .expect("fixed-term has an end");
            if end < "2026-11-25" {
                past_end += 1
            } else {
                future_end += 1
            }
        }
        types.insert(label);
        let rows = u.values["usr_career_history"]
            .as_array()
            .expect("history")
            .len();
        assert!((1..=3).contains(&rows));
        let s: f64 = u.values["usr_seniority"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("seniority");
        assert!(s >= 0.0);
        assert!(
            sim.option_path(
                "usr_business_unit",
                u.values["usr_business_unit"].as_str().expect("bu")
            )
            .is_some_and(|p| p.len() >= 2)
        );
    }
    assert_eq!(types.len(), 4);
    assert!(past_end > 0 && future_end > 0);
    let pos = sim.positions();
    assert!(pos.len() >= 15);
    assert!(pos[0].parent.is_none() && pos[1..].iter().all(|p| p.parent.is_some_and(|x| x < p.id)));
    assert!(
        users
            .iter()
            .any(|u| u.values.contains_key("usr_badge_number"))
    );
    assert!(users.iter().any(|u| u.values.contains_key("usr_skills")));
}

#[tokio::test]
async fn hundred_thousand_users() {
    let start = Instant::now();
    let sim = Simulator::start(SimConfig {
        users: 100_000,
        ..SimConfig::default()
    })
    .await
    .expect("big");
    let seeded = start.elapsed();
    assert!(seeded < Duration::from_secs(30), "seeding took {seeded:?}");
    let (t, _) = login(&sim).await;
    let q = r#"{ getPsoRecords(alias: "usr", fields: ["username", "manager"], first: 1000, after: "OTk1MDA=") { totalCount pageInfo { hasNextPage } edges { cursor } } }"#;
    let t0 = Instant::now();
    let v = gql(&sim, &t, q, json!({})).await.json();
    assert!(t0.elapsed() < Duration::from_secs(2));
    assert_eq!(v["data"]["getPsoRecords"]["totalCount"], 100_000);
    assert_eq!(
        v["data"]["getPsoRecords"]["edges"].as_array().map(Vec::len),
        Some(500)
    );
    assert_eq!(v["data"]["getPsoRecords"]["pageInfo"]["hasNextPage"], false);
    let r = get(&sim, "/search?pso-type=usr&page=4000&per-page=25", Some(&t))
        .await
        .json();
    assert_eq!(r["data"]["data"][0]["id"], 99_976);
    eprintln!("100k users seeded in {seeded:?}");
}
