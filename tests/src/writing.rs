//! Helpers for the tests that write through the PeopleSpheres component: opening a session,
//! building attribute values and changes, unwrapping typed errors, and reading the simulator's
//! journal of write requests.

use connector_host::connector::{Connector, Session};
use connector_host::error::{ConnectorError, HostError};
use connector_host::model::{Attribute, AttributeChange, ChangeOp, ChoiceValue, Config, Value};
use connector_host::runtime::RuntimeOptions;
use ps_simulator::Simulator;

use crate::{config_for, connector, runtime};

/// A session on the simulator with the default test configuration.
pub fn open(sim: &Simulator) -> Box<dyn Session> {
    open_with(config_for(sim))
}

/// A session with this configuration.
pub fn open_with(config: Config) -> Box<dyn Session> {
    runtime()
        .block_on(connector(RuntimeOptions::default()).open(config))
        .expect("open")
}

/// The typed connector error of a call that must fail.
pub fn typed<T: std::fmt::Debug>(r: Result<T, HostError>) -> ConnectorError {
    r.expect_err("an error")
        .as_connector()
        .cloned()
        .expect("a typed connector error")
}

/// The attribute an `invalid-input` error names (panics on any other error).
pub fn invalid_name(e: &ConnectorError) -> String {
    match e {
        ConnectorError::InvalidInput { name, .. } => name.clone(),
        other => panic!("expected invalid-input, got {other:?}"),
    }
}

/// An attribute with these values.
pub fn attr(name: &str, values: Vec<Value>) -> Attribute {
    Attribute {
        name: name.into(),
        values,
    }
}

/// A text value.
pub fn text(s: &str) -> Value {
    Value::Text(s.into())
}

/// A date value (`YYYY-MM-DD`).
pub fn date(s: &str) -> Value {
    Value::Date(s.into())
}

/// A list value given by its label path (`Ventes/France/Paris`).
pub fn by_path(path: &str) -> Value {
    Value::Choice(ChoiceValue {
        id: String::new(),
        label: path.into(),
    })
}

/// A list value given by its choice id.
pub fn by_id(id: &str) -> Value {
    Value::Choice(ChoiceValue {
        id: id.into(),
        label: String::new(),
    })
}

/// A change setting these values.
pub fn set(name: &str, values: Vec<Value>) -> AttributeChange {
    AttributeChange {
        name: name.into(),
        op: ChangeOp::Set(values),
    }
}

/// A change clearing the attribute.
pub fn clear(name: &str) -> AttributeChange {
    AttributeChange {
        name: name.into(),
        op: ChangeOp::Clear,
    }
}

/// Write requests in the journal (every POST but the token endpoint and GraphQL).
pub fn writes(sim: &Simulator) -> Vec<String> {
    sim.journal()
        .into_iter()
        .filter(|e| {
            e.method == "POST" && !e.path.ends_with("/openid-connect/token") && e.path != "/graphql"
        })
        .map(|e| e.path)
        .collect()
}

/// How many requests of this method and path the simulator received.
pub fn count(sim: &Simulator, method: &str, path: &str) -> usize {
    sim.journal()
        .iter()
        .filter(|e| e.method == method && e.path == path)
        .count()
}

/// The smallest valid creation, unique by `tag`.
pub fn minimal(tag: &str) -> Vec<Attribute> {
    vec![
        attr("username", vec![text(&format!("new.{tag}"))]),
        attr("first_name", vec![text("Nouvelle")]),
        attr("last_name", vec![text(&format!("Recrue{tag}"))]),
        attr("email", vec![text(&format!("new.{tag}@corp.example"))]),
    ]
}
