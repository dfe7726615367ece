use std::sync::Arc;

use super::*;

#[test]
fn an_authority_with_userinfo_is_refused_even_for_an_allowed_host() {
    let p = OutboundPolicy::allow(["127.0.0.1:8080"]);
    assert!(
        p.check(&"http://127.0.0.1:8080/x".parse().expect("uri"))
            .is_ok()
    );
    for uri in [
        "http://x@127.0.0.1:8080/x",
        "http://user:secret@127.0.0.1:8080/",
    ] {
        let err = p.check(&uri.parse().expect("uri")).expect_err(uri);
        assert!(
            err.contains("127.0.0.1:8080 (an address with userinfo)"),
            "{err}"
        );
        assert!(!err.contains("secret"), "{err}");
    }
}

#[test]
fn secrets_are_masked_in_their_encoded_spellings_too() {
    let spellings = secret_spellings(&["p@ss w/rd\"quote".into()]);
    for s in [
        "p@ss w/rd\"quote",
        "p%40ss%20w%2Frd%22quote",
        "p%40ss+w%2Frd%22quote",
        "p%40ss%20w%2frd%22quote",
        "p@ss w/rd\\\"quote",
    ] {
        assert!(spellings.iter().any(|x| x == s), "{s} in {spellings:?}");
    }
    assert!(spellings.windows(2).all(|w| w[0].len() >= w[1].len()));
}

#[test]
fn a_log_line_carrying_the_secret_as_the_vault_sent_it_is_masked() {
    use super::vault::BodyKind;
    // `~` and `*` are where the URL and form encodings part; space, `&`, `"` and a non-ASCII
    // letter are encoded by all of them.
    let real = "a~b*c d&\"é";
    let config = vec![("password".to_string(), real.to_string())];
    let (sealed, vault) = super::Vault::seal(&config, ["password"]);
    let p = &sealed[0].1;
    let sent = [
        vault.unseal_body(format!("password={p}").as_bytes(), BodyKind::Form),
        vault.unseal_body(
            format!(r#"{{"password":"{p}"}}"#).as_bytes(),
            BodyKind::Json,
        ),
        vault.unseal_url(&format!("http://h/x?pw={p}")).into_bytes(),
        vault.unseal_body(p.as_bytes(), BodyKind::Other),
    ];
    let lines = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let kept = lines.clone();
    let sink: super::LogSink = Arc::new(move |_, line: &str| {
        if let Ok(mut v) = kept.lock() {
            v.push(line.to_string());
        }
    });
    let state = StoreState::new(
        OutboundPolicy::default(),
        &Limits::default(),
        sink,
        secret_spellings(&[real.to_string()]),
        super::Vault::default(),
        None,
    );
    for body in &sent {
        let text = String::from_utf8_lossy(body);
        assert!(!text.contains(p.as_str()), "{text}");
        state.log(LogLevel::Info, &format!("the tenant refused {text}"));
    }
    let logged = lines.lock().expect("lines").clone();
    assert_eq!(logged.len(), sent.len());
    for line in &logged {
        // Any spelling of the secret's start, `a~b` (as is, JSON), `a%7Eb` (form) or `a~b%2A`
        // (URL), would show.
        for piece in ["a~b", "a%7Eb", "a%7eb", "b*c", "b%2Ac"] {
            assert!(!line.contains(piece), "{line} holds {piece}");
        }
        assert!(line.contains("***"), "{line}");
    }
}

#[test]
fn host_resources_of_an_instance_are_bounded() {
    let mut state = StoreState::new(
        OutboundPolicy::default(),
        &Limits::default(),
        null_log_sink(),
        Vec::new(),
        super::Vault::default(),
        None,
    );
    assert_eq!(state.table.max_capacity(), MAX_RESOURCES);
    // Past the bound a guest's new resource is an error, not host memory.
    let mut pushed = 0;
    while state.table.push(0u8).is_ok() {
        pushed += 1;
        assert!(pushed <= MAX_RESOURCES, "the table grew past its bound");
    }
    assert_eq!(pushed, MAX_RESOURCES);
}

#[test]
fn the_allowed_authority_is_the_normalised_one_the_connection_uses() {
    let p = OutboundPolicy::allow(["rest.monportailrh.com:443", "[::1]:9000"]);
    // (as the guest spelt it, as the list checked it, as the connection is made)
    for (uri, checked, connected) in [
        (
            "https://REST.monportailrh.com./x",
            "rest.monportailrh.com:443",
            "rest.monportailrh.com",
        ),
        (
            "https://rest.monportailrh.com:443/x",
            "rest.monportailrh.com:443",
            "rest.monportailrh.com",
        ),
        ("http://[::1]:9000/x", "[::1]:9000", "[::1]:9000"),
    ] {
        assert_eq!(
            p.check(&uri.parse().expect("uri")).as_deref(),
            Ok(checked),
            "{uri}"
        );
        let request = http::Request::get(uri).body(()).expect("request");
        let pinned = super::hooks::pin(request, checked).expect("pinned");
        assert_eq!(
            pinned.uri().authority().map(|a| a.as_str()),
            Some(connected),
            "the connection goes where the check said: {uri}"
        );
        assert_eq!(pinned.uri().path(), "/x");
    }
}

#[test]
fn default_ports_are_normalised() {
    let p = OutboundPolicy::allow(["rest.monportailrh.com:443", "127.0.0.1:8080"]);
    assert!(
        p.check(&"https://rest.monportailrh.com/search".parse().unwrap())
            .is_ok()
    );
    assert!(
        p.check(&"https://REST.monportailrh.com:443/x".parse().unwrap())
            .is_ok()
    );
    assert!(
        p.check(&"http://rest.monportailrh.com/x".parse().unwrap())
            .is_err()
    );
    assert!(p.check(&"http://127.0.0.1:8080/x".parse().unwrap()).is_ok());
    assert_eq!(
        p.check(&"http://127.0.0.2:8080/x".parse().unwrap()),
        Err("127.0.0.2:8080".into())
    );
}

#[test]
fn urls_and_bare_hosts_are_accepted_entries() {
    let p = OutboundPolicy::allow(["https://sso.monportailrh.com", "example.org"]);
    assert!(
        p.check(&"https://sso.monportailrh.com/auth".parse().unwrap())
            .is_ok()
    );
    assert!(p.check(&"http://example.org/".parse().unwrap()).is_ok());
    assert!(p.check(&"https://example.org/".parse().unwrap()).is_ok());
    assert!(
        p.check(&"https://example.org:8443/".parse().unwrap())
            .is_err()
    );
}

#[test]
fn intersection_keeps_common_entries_only() {
    let connector = OutboundPolicy::allow(["a.example:443", "b.example:443"]);
    let operator = OutboundPolicy::allow(["b.example:443"]);
    let both = connector.intersect(&operator);
    assert_eq!(both.entries().collect::<Vec<_>>(), vec!["b.example:443"]);
}
