//! Conformance reports: a table for people, JSON for scripts, JUnit XML for CI systems.

use std::fmt::Write as _;

use serde::Serialize;

/// How a case ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", content = "message", rename_all = "kebab-case")]
pub enum Outcome {
    Passed,
    Failed(String),
    /// The case does not apply (an operation the connector does not offer, no fault injector).
    NotApplicable(String),
}

/// One case's result.
#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    pub id: String,
    pub requirement: String,
    pub writes: bool,
    pub outcome: Outcome,
    pub millis: u64,
}

/// A whole run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub connector: String,
    pub version: String,
    pub read_only: bool,
    pub results: Vec<CaseResult>,
}

impl Report {
    pub fn failed(&self) -> impl Iterator<Item = &CaseResult> {
        self.results
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Failed(_)))
    }

    /// True when no case failed.
    pub fn passed(&self) -> bool {
        self.failed().next().is_none()
    }

    /// The outcome of one case.
    pub fn outcome(&self, id: &str) -> Option<&Outcome> {
        self.results.iter().find(|r| r.id == id).map(|r| &r.outcome)
    }

    /// A table for the terminal.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        let width = self
            .results
            .iter()
            .map(|r| r.id.len())
            .max()
            .unwrap_or(4)
            .max(4);
        let _ = writeln!(
            out,
            "conformance of {} {}{}",
            self.connector,
            self.version,
            if self.read_only {
                " (read-only cases)"
            } else {
                ""
            }
        );
        let _ = writeln!(out, "{:<width$}  {:<6}  RESULT", "CASE", "WRITES");
        for r in &self.results {
            let (word, note) = match &r.outcome {
                Outcome::Passed => ("pass", String::new()),
                Outcome::Failed(m) => ("FAIL", format!(": {m}")),
                Outcome::NotApplicable(m) => ("n/a", format!(": {m}")),
            };
            let _ = writeln!(
                out,
                "{:<width$}  {:<6}  {word}{note}",
                r.id,
                if r.writes { "yes" } else { "no" }
            );
        }
        let count = |f: fn(&Outcome) -> bool| self.results.iter().filter(|r| f(&r.outcome)).count();
        let _ = writeln!(
            out,
            "{} passed, {} failed, {} not applicable",
            count(|o| matches!(o, Outcome::Passed)),
            count(|o| matches!(o, Outcome::Failed(_))),
            count(|o| matches!(o, Outcome::NotApplicable(_)))
        );
        out
    }

    /// JUnit XML: one testsuite, one testcase per case; failures carry the message, cases that
    /// do not apply are skipped.
    pub fn to_junit(&self) -> String {
        let failures = self.failed().count();
        let skipped = self
            .results
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::NotApplicable(_)))
            .count();
        let total_ms: u64 = self.results.iter().map(|r| r.millis).sum();
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            out,
            "<testsuites><testsuite name=\"conformance.{}\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\" time=\"{:.3}\">",
            xml(&self.connector),
            self.results.len(),
            total_ms as f64 / 1000.0
        );
        for r in &self.results {
            let _ = write!(
                out,
                "  <testcase classname=\"conformance\" name=\"{}\" time=\"{:.3}\">",
                xml(&r.id),
                r.millis as f64 / 1000.0
            );
            match &r.outcome {
                Outcome::Passed => {}
                Outcome::Failed(m) => {
                    let _ = write!(
                        out,
                        "<failure message=\"{}\">{}</failure>",
                        xml(m),
                        xml(&r.requirement)
                    );
                }
                Outcome::NotApplicable(m) => {
                    let _ = write!(out, "<skipped message=\"{}\"/>", xml(m));
                }
            }
            let _ = writeln!(out, "</testcase>");
        }
        out.push_str("</testsuite></testsuites>\n");
        out
    }
}

/// Escapes text for XML attributes and content.
fn xml(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .map(|c| match c {
            '&' => "&amp;".into(),
            '<' => "&lt;".into(),
            '>' => "&gt;".into(),
            '"' => "&quot;".into(),
            '\'' => "&apos;".into(),
            c => c.to_string(),
        })
        .collect()
}
