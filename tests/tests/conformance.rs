//! The conformance harness: the PeopleSpheres connector passes every case against the
//! simulator (fault cases included); each deliberately broken mock component fails exactly the
//! cases for the rule it breaks, with a message saying why; JUnit output is valid XML.

use std::collections::BTreeSet;

use connector_host::builtin::DemoTenant;
use connector_host::conformance::{self, FaultInjector, Options, Outcome, Report, Target};
use connector_host::runtime::{RuntimeOptions, WasmConnector};
use connector_tests::{config_for, connector, engine, mock_component, runtime, simulator};

fn mock_report(variant: &str) -> Report {
    let connector = runtime()
        .block_on(WasmConnector::load(
            engine(),
            &mock_component(variant),
            RuntimeOptions::default(),
        ))
        .unwrap_or_else(|e| panic!("mock {variant} loads: {e}"));
    let config = vec![
        ("tenant".to_string(), "t1".to_string()),
        ("secret".to_string(), "letmein".to_string()),
    ];
    runtime().block_on(conformance::run(
        Target {
            connector: &connector,
            config,
            faults: None,
        },
        Options::default(),
    ))
}

fn failed(report: &Report) -> BTreeSet<String> {
    report.failed().map(|r| r.id.clone()).collect()
}

#[test]
fn the_peoplespheres_connector_passes_every_case_against_the_simulator() {
    let demo = DemoTenant {
        simulator: simulator(120),
    };
    let connector = connector(RuntimeOptions::default());
    let faults: &dyn FaultInjector = &demo;
    let target = Target {
        connector: &connector,
        config: config_for(&demo.simulator),
        faults: Some(faults),
    };
    let report = runtime().block_on(conformance::run(target, Options::default()));
    assert!(report.passed(), "{}", report.to_table());
    for id in [
        "faults.rate-limited",
        "faults.transient",
        "faults.malformed",
        "connection.bad-credentials",
        "list.token-resume",
        "choices.well-formed",
    ] {
        assert_eq!(
            report.outcome(id),
            Some(&Outcome::Passed),
            "{id} ran and passed:\n{}",
            report.to_table()
        );
    }
}

#[test]
fn the_good_mock_passes_and_each_broken_mock_fails_exactly_its_cases() {
    let good = mock_report("good");
    assert!(good.passed(), "{}", good.to_table());
    let expectations: &[(&str, &[&str], &str)] = &[
        (
            "repeat-user",
            &["list.terminates-unique"],
            "listed more than once",
        ),
        (
            "ignore-page-size",
            &["list.page-size"],
            "asked for 1 users per page",
        ),
        (
            "undeclared-attribute",
            &["list.attributes-declared"],
            "shoe_size, which get-fields does not declare",
        ),
        (
            "untyped-error",
            &["get.unknown-not-found"],
            "expected not-found, got other",
        ),
        (
            "trap",
            &["list.get-agree", "get.unknown-not-found"],
            "crashed",
        ),
        (
            "raw-choice",
            &["choices.held-values-listed"],
            "dept: 1 held value(s) are none of list-choices' ids (walking from the roots): dept_alias_b",
        ),
        (
            "hidden-level",
            &["choices.has-children-honest"],
            "choice b says it has no children, but list-choices under it returns 1",
        ),
        (
            "wrong-path",
            &["choices.held-values-listed"],
            "a1 is \"A/Elsewhere\", list-choices says",
        ),
        (
            "empty-branch",
            &["choices.has-children-honest"],
            "choice c says it has children",
        ),
    ];
    for (variant, cases, why) in expectations {
        let report = mock_report(variant);
        let want: BTreeSet<String> = cases.iter().map(|c| c.to_string()).collect();
        assert_eq!(
            failed(&report),
            want,
            "mock {variant}:\n{}",
            report.to_table()
        );
        let first = report
            .results
            .iter()
            .find(|r| r.id == cases[0])
            .map(|r| r.outcome.clone());
        match first {
            Some(Outcome::Failed(message)) => assert!(
                message.contains(why),
                "mock {variant}: {message:?} should say {why:?}"
            ),
            other => panic!("mock {variant}: {other:?}"),
        }
    }
}

#[test]
fn junit_output_is_valid_xml_listing_every_case() {
    let report = mock_report("untyped-error");
    let xml = report.to_junit();
    let doc = roxmltree::Document::parse(&xml).expect("valid XML");
    let cases: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .filter_map(|n| n.attribute("name"))
        .collect();
    assert_eq!(cases.len(), conformance::CASES.len());
    for case in conformance::CASES {
        assert!(cases.contains(&case.id), "{} listed", case.id);
    }
    let failures: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .collect();
    assert_eq!(failures.len(), 1);
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .expect("suite");
    assert_eq!(suite.attribute("failures"), Some("1"));
}

#[test]
fn read_only_mode_runs_no_writing_case() {
    let connector = runtime()
        .block_on(WasmConnector::load(
            engine(),
            &mock_component("good"),
            RuntimeOptions::default(),
        ))
        .expect("loads");
    let config = vec![
        ("tenant".to_string(), "t1".to_string()),
        ("secret".to_string(), "letmein".to_string()),
    ];
    let report = runtime().block_on(conformance::run(
        Target {
            connector: &connector,
            config,
            faults: None,
        },
        Options {
            read_only: true,
            ..Options::default()
        },
    ));
    assert!(report.read_only);
    assert!(report.results.iter().all(|r| !r.writes));
    assert!(report.passed(), "{}", report.to_table());
}
