use scim_simulator::{ScimConfig, ScimServer};
use serde_json::{Value, json};

use crate::common::{call, create, server, start};

async fn three(s: &ScimServer) -> Vec<String> {
    let mut ids = Vec::new();
    for (user, family, ext, email) in [
        ("ada", "Lovelace", "hr-1", "ada@example.org"),
        ("grace", "Hopper", "hr-2", "grace@example.org"),
        ("alan", "Turing", "HR-3", "alan@example.org"),
    ] {
        let body = json!({"userName": user, "externalId": ext, "name": {"familyName": family},
            "emails": [{"value": email, "type": "work"}]});
        ids.push(create(s, body).await);
    }
    ids
}

fn names(list: &Value) -> Vec<&str> {
    list["Resources"]
        .as_array()
        .map(|r| r.iter().filter_map(|u| u["userName"].as_str()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn pages_by_index() {
    let s = server().await;
    three(&s).await;
    let p1 = call(&s, "GET", "/Users?startIndex=1&count=2", None).await;
    assert_eq!(p1.status, 200);
    assert_eq!(p1.json["schemas"], json!([scim_simulator::LIST_URN]));
    assert_eq!(
        (
            p1.json["totalResults"].clone(),
            p1.json["startIndex"].clone(),
            p1.json["itemsPerPage"].clone()
        ),
        (json!(3), json!(1), json!(2))
    );
    assert_eq!(names(&p1.json), ["ada", "grace"]);
    let p2 = call(&s, "GET", "/Users?startIndex=3&count=2", None).await;
    assert_eq!(
        (
            p2.json["startIndex"].clone(),
            p2.json["itemsPerPage"].clone()
        ),
        (json!(3), json!(1))
    );
    assert_eq!(names(&p2.json), ["alan"]);
    let all = call(&s, "GET", "/Users", None).await;
    assert_eq!(names(&all.json), ["ada", "grace", "alan"]);
    assert_eq!(all.json["startIndex"], 1);
    let only_total = call(&s, "GET", "/Users?count=0", None).await;
    assert_eq!(only_total.json["totalResults"], 3);
    assert!(only_total.json.get("Resources").is_none());
    let past = call(&s, "GET", "/Users?startIndex=9", None).await;
    assert_eq!(
        (
            past.json["totalResults"].clone(),
            past.json["itemsPerPage"].clone()
        ),
        (json!(3), json!(0))
    );
    let bad = call(&s, "GET", "/Users?count=many", None).await;
    assert_eq!(bad.scim_error(400).as_deref(), Some("invalidValue"));
}

#[tokio::test]
async fn count_is_capped_by_max_results() {
    let s = start(ScimConfig {
        max_results: 2,
        ..ScimConfig::default()
    })
    .await;
    three(&s).await;
    let a = call(&s, "GET", "/Users?count=50", None).await;
    assert_eq!(a.json["itemsPerPage"], 2);
    assert_eq!(a.json["totalResults"], 3);
}

#[tokio::test]
async fn filters() {
    let s = server().await;
    let ids = three(&s).await;
    let cases = [
        (r#"userName eq "GRACE""#.to_string(), vec!["grace"]),
        (r#"externalId eq "HR-3""#.into(), vec!["alan"]),
        (r#"externalId eq "hr-3""#.into(), vec![]),
        (format!(r#"id eq "{}""#, ids[0]), vec!["ada"]),
        (r#"emails.value eq "Alan@Example.org""#.into(), vec!["alan"]),
        (r#"name.familyName eq "hopper""#.into(), vec!["grace"]),
        (
            r#"userName eq "ada" and externalId eq "hr-1""#.into(),
            vec!["ada"],
        ),
        (
            r#"userName eq "ada" AND externalId eq "hr-2""#.into(),
            vec![],
        ),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "alan""#.into(),
            vec!["alan"],
        ),
    ];
    for (filter, want) in cases {
        let q = url_encode(&filter);
        let a = call(&s, "GET", &format!("/Users?filter={q}"), None).await;
        assert_eq!(a.status, 200, "{filter}: {}", a.text);
        assert_eq!(names(&a.json), want, "{filter}");
        assert_eq!(a.json["totalResults"], want.len(), "{filter}");
    }
    for bad in [
        r#"title eq "x""#,
        r#"userName sw "a""#,
        r#"userName eq "a" or userName eq "b""#,
        "userName",
        r#"userName eq "a" and id eq "b" and externalId eq "c""#,
    ] {
        let a = call(
            &s,
            "GET",
            &format!("/Users?filter={}", url_encode(bad)),
            None,
        )
        .await;
        assert_eq!(a.scim_error(400).as_deref(), Some("invalidFilter"), "{bad}");
    }
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn pages_by_cursor() {
    let s = start(ScimConfig {
        cursor: true,
        ..ScimConfig::default()
    })
    .await;
    three(&s).await;
    let p1 = call(&s, "GET", "/Users?cursor&count=2", None).await;
    assert_eq!(p1.status, 200, "{}", p1.text);
    assert_eq!(names(&p1.json), ["ada", "grace"]);
    assert_eq!(p1.json["totalResults"], 3);
    let next = p1.json["nextCursor"]
        .as_str()
        .expect("nextCursor")
        .to_string();
    // A user created between pages shows up at the end; none is skipped.
    create(&s, json!({"userName": "barbara"})).await;
    let p2 = call(&s, "GET", &format!("/Users?cursor={next}&count=2"), None).await;
    assert_eq!(names(&p2.json), ["alan", "barbara"]);
    assert!(p2.json.get("nextCursor").is_none(), "{}", p2.text);
    let filtered = call(
        &s,
        "GET",
        &format!(
            "/Users?cursor=&count=1&filter={}",
            url_encode(r#"userName eq "alan""#)
        ),
        None,
    )
    .await;
    assert_eq!(names(&filtered.json), ["alan"]);
    assert!(filtered.json.get("nextCursor").is_none());
    for bad in ["nope", "after-zz", "after-ffff"] {
        let a = call(&s, "GET", &format!("/Users?cursor={bad}"), None).await;
        assert_eq!(a.scim_error(400).as_deref(), Some("invalidCursor"), "{bad}");
    }
    let both = call(&s, "GET", "/Users?cursor&startIndex=1", None).await;
    assert_eq!(both.scim_error(400).as_deref(), Some("invalidValue"));

    // Without cursor support the parameter is ignored: index paging.
    let s = server().await;
    three(&s).await;
    let a = call(&s, "GET", "/Users?cursor&count=2", None).await;
    assert_eq!(a.json["startIndex"], 1);
    assert!(a.json.get("nextCursor").is_none());
}
