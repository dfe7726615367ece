//! The cases, as one table: each has a stable id (reports and CI history key on it), the
//! requirement it checks, whether it writes to the tenant, and the code that checks it. The run,
//! the report, `--json` and the README's case list all come from [`CASES`].

use std::collections::HashSet;

use std::future::Future;
use std::pin::Pin;

use super::context::Ctx;
use super::listing::{self, Fault};
use super::report::Outcome;
use super::verdict::{fail, host_err, kind};
use super::{choices, writes};
use crate::error::{ConnectorError, ErrorKind, HostError};
use crate::model::{Field, FieldType, Operation};

/// What running a case returns: its outcome, once the connector has answered.
pub(crate) type CaseFuture<'a> = Pin<Box<dyn Future<Output = Outcome> + Send + 'a>>;

/// A case's code.
pub(crate) type CaseFn = for<'a, 'c> fn(&'a mut Ctx<'c>) -> CaseFuture<'a>;

/// A case: its identity, its purpose, whether it writes to the tenant, and its code.
#[derive(Clone, Copy)]
pub struct CaseInfo {
    pub id: &'static str,
    pub requirement: &'static str,
    pub writes: bool,
    pub(crate) run: CaseFn,
}

impl std::fmt::Debug for CaseInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaseInfo")
            .field("id", &self.id)
            .field("writes", &self.writes)
            .finish_non_exhaustive()
    }
}

/// Every case, in run order.
pub const CASES: &[CaseInfo] = &[
    CaseInfo {
        id: "describe.valid",
        requirement: "describe() names the connector, a semver version, a contract version this host serves, unique configuration keys, operations, and a positive page size no larger than the maximum",
        writes: false,
        run: |ctx| Box::pin(async move { describe_valid(ctx) }),
    },
    CaseInfo {
        id: "describe.honest-operations",
        requirement: "an operation describe() does not list answers `unsupported` (and writes nothing)",
        writes: false,
        run: |ctx| Box::pin(honest_operations(ctx)),
    },
    CaseInfo {
        id: "config.invalid-rejected",
        requirement: "open() with an empty configuration fails with `invalid-config` naming a required key",
        writes: false,
        run: |ctx| Box::pin(invalid_config(ctx)),
    },
    CaseInfo {
        id: "connection.ok",
        requirement: "test-connection() succeeds with the given configuration",
        writes: false,
        run: |ctx| Box::pin(connection_ok(ctx)),
    },
    CaseInfo {
        id: "connection.bad-credentials",
        requirement: "test-connection() with wrong secrets fails with `unauthorized`",
        writes: false,
        run: |ctx| Box::pin(bad_credentials(ctx)),
    },
    CaseInfo {
        id: "fields.well-formed",
        requirement: "get-fields() returns unique names; every dotted sub-field sits under a declared composite; composites hold no values",
        writes: false,
        run: |ctx| Box::pin(fields_well_formed(ctx)),
    },
    CaseInfo {
        id: "choices.well-formed",
        requirement: "list-choices() of choice fields returns choices whose parent is the one asked for, with unique ids",
        writes: false,
        run: |ctx| Box::pin(choices_well_formed(ctx)),
    },
    CaseInfo {
        id: "choices.held-values-listed",
        requirement: "every choice value a listed user holds is one of list-choices' ids for its field (walking down from the roots), with the label path list-choices gives",
        writes: false,
        run: |ctx| Box::pin(choices::held_values_listed(ctx)),
    },
    CaseInfo {
        id: "choices.has-children-honest",
        requirement: "has-children is true exactly when list-choices under that id returns something",
        writes: false,
        run: |ctx| Box::pin(choices::has_children_honest(ctx)),
    },
    CaseInfo {
        id: "list.terminates-unique",
        requirement: "paging through list-users() ends, and returns every user exactly once",
        writes: false,
        run: |ctx| Box::pin(listing::terminates_unique(ctx)),
    },
    CaseInfo {
        id: "list.page-size",
        requirement: "list-users() never returns more users than the page size asked, and clamps sizes above its maximum",
        writes: false,
        run: |ctx| Box::pin(listing::page_size(ctx)),
    },
    CaseInfo {
        id: "list.token-resume",
        requirement: "a page token returned by list-users() resumes the listing at the same page in a new session",
        writes: false,
        run: |ctx| Box::pin(listing::token_resume(ctx)),
    },
    CaseInfo {
        id: "list.attributes-declared",
        requirement: "every attribute a listed user carries is declared by get-fields() with a matching type and multiplicity",
        writes: false,
        run: |ctx| Box::pin(listing::attributes_declared(ctx)),
    },
    CaseInfo {
        id: "list.get-agree",
        requirement: "get-user() returns each listed user exactly as list-users() did",
        writes: false,
        run: |ctx| Box::pin(listing::get_agree(ctx)),
    },
    CaseInfo {
        id: "get.unknown-not-found",
        requirement: "get-user() of an unknown id fails with `not-found`",
        writes: false,
        run: |ctx| Box::pin(listing::unknown_not_found(ctx)),
    },
    CaseInfo {
        id: "write.create-minimal",
        requirement: "create-user with only the required attributes creates a user that get-user reads back as written",
        writes: true,
        run: |ctx| Box::pin(writes::create_minimal(ctx)),
    },
    CaseInfo {
        id: "write.create-maximal",
        requirement: "create-user with every writable attribute creates a user that get-user reads back as written",
        writes: true,
        run: |ctx| Box::pin(writes::create_maximal(ctx)),
    },
    CaseInfo {
        id: "write.update-each-field",
        requirement: "update-user changes every writable field, and get-user reads the new values",
        writes: true,
        run: |ctx| Box::pin(writes::update_each_field(ctx)),
    },
    CaseInfo {
        id: "write.clear-optional",
        requirement: "update-user clears an optional field",
        writes: true,
        run: |ctx| Box::pin(writes::clear_optional(ctx)),
    },
    CaseInfo {
        id: "write.reference-assign",
        requirement: "a reference (manager…) can be assigned to another user and removed",
        writes: true,
        run: |ctx| Box::pin(writes::reference_assign(ctx)),
    },
    CaseInfo {
        id: "write.suspend-resume",
        requirement: "suspend-user makes a user inactive and resume-user active again",
        writes: true,
        run: |ctx| Box::pin(writes::suspend_resume(ctx)),
    },
    CaseInfo {
        id: "write.invalid-input",
        requirement: "an unknown attribute and an impossible date are `invalid-input` naming the attribute",
        writes: true,
        run: |ctx| Box::pin(writes::invalid_input(ctx)),
    },
    CaseInfo {
        id: "write.duplicate",
        requirement: "creating a user with another user's unique values is `already-exists`",
        writes: true,
        run: |ctx| Box::pin(writes::duplicate(ctx)),
    },
    CaseInfo {
        id: "faults.rate-limited",
        requirement: "under a tight rate limit (429 with Retry-After), a full listing completes with every user exactly once (the host waits out `rate-limited`)",
        writes: false,
        run: |ctx| Box::pin(listing::fault_case(ctx, Fault::RateLimit)),
    },
    CaseInfo {
        id: "faults.transient",
        requirement: "a 5xx from the tenant ends in a transparent retry or `unavailable`",
        writes: false,
        run: |ctx| Box::pin(listing::fault_case(ctx, Fault::Transient)),
    },
    CaseInfo {
        id: "faults.malformed",
        requirement: "an unparseable answer ends in a transparent retry or `protocol`",
        writes: false,
        run: |ctx| Box::pin(listing::fault_case(ctx, Fault::Malformed)),
    },
];

async fn connection_ok(ctx: &mut Ctx<'_>) -> Outcome {
    match ctx.session().await {
        Ok(s) => match s.test_connection().await {
            Ok(()) => Outcome::Passed,
            Err(e) => host_err("test-connection", &e),
        },
        Err(e) => host_err("open", &e),
    }
}

fn is_semver(v: &str) -> bool {
    semver::Version::parse(v).is_ok()
}

fn describe_valid(ctx: &Ctx<'_>) -> Outcome {
    let d = ctx.target.connector.description();
    let mut problems = Vec::new();
    if d.name.trim().is_empty() {
        problems.push("empty name".to_string());
    }
    if !is_semver(&d.version) {
        problems.push(format!("version {:?} is not semver", d.version));
    }
    if !crate::contract::compatible(crate::CONTRACT_VERSION, &d.contract_version) {
        problems.push(format!(
            "contract version {} is not served by this host ({})",
            d.contract_version,
            crate::CONTRACT_VERSION
        ));
    }
    let mut keys = HashSet::new();
    for k in &d.config {
        if !keys.insert(&k.name) {
            problems.push(format!("configuration key {} declared twice", k.name));
        }
        if k.key_type == crate::model::ConfigType::Enum && k.allowed_values.is_empty() {
            problems.push(format!("enum key {} lists no allowed values", k.name));
        }
        if let (Some(def), false) = (&k.default_value, k.allowed_values.is_empty())
            && !k.allowed_values.contains(def)
        {
            problems.push(format!("default of {} is not an allowed value", k.name));
        }
    }
    if d.operations.is_empty() {
        problems.push("no operations".into());
    }
    if d.default_page_size == 0 || d.default_page_size > d.max_page_size {
        problems.push(format!(
            "default page size {} not within 1..={}",
            d.default_page_size, d.max_page_size
        ));
    }
    if problems.is_empty() {
        Outcome::Passed
    } else {
        fail(problems.join("; "))
    }
}

async fn honest_operations(ctx: &mut Ctx<'_>) -> Outcome {
    let ops = ctx.target.connector.description().operations.clone();
    let missing: Vec<Operation> = [
        Operation::CreateUser,
        Operation::UpdateUser,
        Operation::SuspendUser,
        Operation::ResumeUser,
    ]
    .into_iter()
    .filter(|o| !ops.contains(o))
    .collect();
    if missing.is_empty() {
        return Outcome::NotApplicable("every write operation is advertised".into());
    }
    let session = match ctx.session().await {
        Ok(s) => s,
        Err(e) => return host_err("open", &e),
    };
    let ghost = "conformance-no-such-user";
    for op in missing {
        let result = match op {
            Operation::CreateUser => session.create_user(Vec::new()).await.map(|_| ()),
            Operation::UpdateUser => session.update_user(ghost, Vec::new()).await.map(|_| ()),
            Operation::SuspendUser => session.suspend_user(ghost).await.map(|_| ()),
            _ => session.resume_user(ghost).await.map(|_| ()),
        };
        match result {
            Err(e) if e.kind() == Some(ErrorKind::Unsupported) => {}
            Err(e) => {
                return fail(format!(
                    "{} is not advertised but answered {} instead of unsupported: {e}",
                    op.as_str(),
                    kind(&e)
                ));
            }
            Ok(()) => return fail(format!("{} is not advertised but succeeded", op.as_str())),
        }
    }
    Outcome::Passed
}

async fn invalid_config(ctx: &mut Ctx<'_>) -> Outcome {
    let required: Vec<String> = ctx
        .target
        .connector
        .description()
        .config
        .iter()
        .filter(|k| k.required)
        .map(|k| k.name.clone())
        .collect();
    if required.is_empty() {
        return Outcome::NotApplicable("the connector has no required configuration key".into());
    }
    match ctx.target.connector.open(Vec::new()).await {
        Ok(_) => fail("open() accepted an empty configuration"),
        Err(HostError::Connector(ConnectorError::InvalidConfig { name, .. }))
            if required.contains(&name) =>
        {
            Outcome::Passed
        }
        Err(HostError::Connector(ConnectorError::InvalidConfig { name, .. })) => fail(format!(
            "invalid-config names {name:?}, which is not a required key"
        )),
        Err(e) => fail(format!("expected invalid-config, got {}: {e}", kind(&e))),
    }
}

async fn bad_credentials(ctx: &mut Ctx<'_>) -> Outcome {
    let secrets: Vec<String> = ctx
        .target
        .connector
        .description()
        .secret_keys()
        .map(str::to_string)
        .collect();
    if secrets.is_empty() {
        return Outcome::NotApplicable("the connector declares no secret key".into());
    }
    let config = ctx
        .target
        .config
        .iter()
        .map(|(k, v)| {
            if secrets.contains(k) {
                (k.clone(), "conformance-wrong-secret".to_string())
            } else {
                (k.clone(), v.clone())
            }
        })
        .collect();
    let mut session = match ctx.open(config).await {
        Ok(s) => s,
        Err(e) if e.kind() == Some(ErrorKind::Unauthorized) => return Outcome::Passed,
        Err(e) => return host_err("open", &e),
    };
    match session.test_connection().await {
        Ok(()) => fail("test-connection succeeded with wrong secrets"),
        Err(e) if e.kind() == Some(ErrorKind::Unauthorized) => Outcome::Passed,
        Err(e) => fail(format!("expected unauthorized, got {}: {e}", kind(&e))),
    }
}

/// The catalogue, read once per run.
async fn fields_well_formed(ctx: &mut Ctx<'_>) -> Outcome {
    let fields = match ctx.fields().await {
        Ok(f) => f,
        Err(o) => return o,
    };
    let mut names = HashSet::new();
    let composites: HashSet<&str> = fields
        .iter()
        .filter(|f| f.field_type == FieldType::Composite)
        .map(|f| f.name.as_str())
        .collect();
    for f in &fields {
        if f.name.trim().is_empty() {
            return fail("a field has an empty name");
        }
        if !names.insert(f.name.as_str()) {
            return fail(format!("field {} is declared twice", f.name));
        }
        if let Some((parent, _)) = f.name.rsplit_once('.')
            && !composites.contains(parent)
        {
            return fail(format!("sub-field {} has no composite {parent}", f.name));
        }
    }
    if fields.is_empty() {
        fail("no fields")
    } else {
        Outcome::Passed
    }
}

async fn choices_well_formed(ctx: &mut Ctx<'_>) -> Outcome {
    let fields = match ctx.fields().await {
        Ok(f) => f,
        Err(o) => return o,
    };
    let choice_fields: Vec<Field> = fields
        .into_iter()
        .filter(|f| f.field_type == FieldType::Choice)
        .take(6)
        .collect();
    if choice_fields.is_empty() {
        return Outcome::NotApplicable("no choice field".into());
    }
    let session = match ctx.session().await {
        Ok(s) => s,
        Err(e) => return host_err("open", &e),
    };
    for field in choice_fields {
        let mut queue: Vec<Option<String>> = vec![None];
        let mut seen = HashSet::new();
        let mut visited = 0;
        while let Some(parent) = queue.pop() {
            visited += 1;
            if visited > 40 {
                break;
            }
            let choices = match session.list_choices(&field.name, parent.as_deref()).await {
                Ok(c) => c,
                Err(e) => return host_err(&format!("list-choices({})", field.name), &e),
            };
            for c in choices {
                if c.parent != parent {
                    let level = |p: &Option<String>| match p {
                        Some(id) => format!("parent {id}"),
                        None => "the roots".to_string(),
                    };
                    return fail(format!(
                        "{}: choice {} is under {}, asked for {}",
                        field.name,
                        c.id,
                        level(&c.parent),
                        level(&parent)
                    ));
                }
                if !seen.insert(c.id.clone()) {
                    return fail(format!("{}: choice {} listed twice", field.name, c.id));
                }
                if c.has_children && field.hierarchical {
                    queue.push(Some(c.id.clone()));
                }
            }
        }
    }
    Outcome::Passed
}
