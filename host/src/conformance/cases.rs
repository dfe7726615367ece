//! The cases. Each has a stable id (reports and CI history key on it), the requirement it
//! checks, and whether it writes to the tenant.

use std::collections::HashSet;

use super::{Ctx, Outcome};
use crate::error::{ConnectorError, ErrorKind, HostError};
use crate::model::{Field, FieldType, Operation};

/// A case's identity and purpose.
#[derive(Debug, Clone, Copy)]
pub struct CaseInfo {
    pub id: &'static str,
    pub requirement: &'static str,
    pub writes: bool,
}

const fn case(id: &'static str, requirement: &'static str, writes: bool) -> CaseInfo {
    CaseInfo {
        id,
        requirement,
        writes,
    }
}

/// Every case, in run order.
pub const CASES: &[CaseInfo] = &[
    case(
        "describe.valid",
        "describe() names the connector, a semver version, a contract version this host serves, unique configuration keys, operations, and a positive page size no larger than the maximum",
        false,
    ),
    case(
        "describe.honest-operations",
        "an operation describe() does not list answers `unsupported` (and writes nothing)",
        false,
    ),
    case(
        "config.invalid-rejected",
        "open() with an empty configuration fails with `invalid-config` naming a required key",
        false,
    ),
    case(
        "connection.ok",
        "test-connection() succeeds with the given configuration",
        false,
    ),
    case(
        "connection.bad-credentials",
        "test-connection() with wrong secrets fails with `unauthorized`",
        false,
    ),
    case(
        "fields.well-formed",
        "get-fields() returns unique names; every dotted sub-field sits under a declared composite; composites hold no values",
        false,
    ),
    case(
        "choices.well-formed",
        "list-choices() of choice fields returns choices whose parent is the one asked for, with unique ids",
        false,
    ),
    case(
        "choices.held-values-listed",
        "every choice value a listed user holds is one of list-choices' ids for its field (walking down from the roots), with the label path list-choices gives",
        false,
    ),
    case(
        "choices.has-children-honest",
        "has-children is true exactly when list-choices under that id returns something",
        false,
    ),
    case(
        "list.terminates-unique",
        "paging through list-users() ends, and returns every user exactly once",
        false,
    ),
    case(
        "list.page-size",
        "list-users() never returns more users than the page size asked, and clamps sizes above its maximum",
        false,
    ),
    case(
        "list.token-resume",
        "a page token returned by list-users() resumes the listing at the same page in a new session",
        false,
    ),
    case(
        "list.attributes-declared",
        "every attribute a listed user carries is declared by get-fields() with a matching type and multiplicity",
        false,
    ),
    case(
        "list.get-agree",
        "get-user() returns each listed user exactly as list-users() did",
        false,
    ),
    case(
        "get.unknown-not-found",
        "get-user() of an unknown id fails with `not-found`",
        false,
    ),
    case(
        "write.create-minimal",
        "create-user with only the required attributes creates a user that get-user reads back as written",
        true,
    ),
    case(
        "write.create-maximal",
        "create-user with every writable attribute creates a user that get-user reads back as written",
        true,
    ),
    case(
        "write.update-each-field",
        "update-user changes every writable field, and get-user reads the new values",
        true,
    ),
    case(
        "write.clear-optional",
        "update-user clears an optional field",
        true,
    ),
    case(
        "write.reference-assign",
        "a reference (manager…) can be assigned to another user and removed",
        true,
    ),
    case(
        "write.suspend-resume",
        "suspend-user makes a user inactive and resume-user active again",
        true,
    ),
    case(
        "write.invalid-input",
        "an unknown attribute and an impossible date are `invalid-input` naming the attribute",
        true,
    ),
    case(
        "write.duplicate",
        "creating a user with another user's unique values is `already-exists`",
        true,
    ),
    case(
        "faults.rate-limited",
        "under a tight rate limit (429 with Retry-After), a full listing completes with every user exactly once (the host waits out `rate-limited`)",
        false,
    ),
    case(
        "faults.transient",
        "a 5xx from the tenant ends in a transparent retry or `unavailable`",
        false,
    ),
    case(
        "faults.malformed",
        "an unparseable answer ends in a transparent retry or `protocol`",
        false,
    ),
];

pub(super) fn fail(msg: impl Into<String>) -> Outcome {
    Outcome::Failed(msg.into())
}

pub(super) fn host_err(op: &str, e: &HostError) -> Outcome {
    fail(format!("{op} failed: {e}"))
}

pub(super) fn kind(e: &HostError) -> &'static str {
    e.kind().map_or("host-error", ErrorKind::as_str)
}

/// Runs one case by id.
pub(crate) async fn run_case(id: &str, ctx: &mut Ctx<'_>) -> Outcome {
    match id {
        "describe.valid" => describe_valid(ctx),
        "describe.honest-operations" => honest_operations(ctx).await,
        "config.invalid-rejected" => invalid_config(ctx).await,
        "connection.ok" => match ctx.session().await {
            Ok(s) => match s.test_connection().await {
                Ok(()) => Outcome::Passed,
                Err(e) => host_err("test-connection", &e),
            },
            Err(e) => host_err("open", &e),
        },
        "connection.bad-credentials" => bad_credentials(ctx).await,
        "fields.well-formed" => fields_well_formed(ctx).await,
        "choices.well-formed" => choices_well_formed(ctx).await,
        "choices.held-values-listed" => super::choices::held_values_listed(ctx).await,
        "choices.has-children-honest" => super::choices::has_children_honest(ctx).await,
        "list.terminates-unique" => super::listing::terminates_unique(ctx).await,
        "list.page-size" => super::listing::page_size(ctx).await,
        "list.token-resume" => super::listing::token_resume(ctx).await,
        "list.attributes-declared" => super::listing::attributes_declared(ctx).await,
        "list.get-agree" => super::listing::get_agree(ctx).await,
        "get.unknown-not-found" => super::listing::unknown_not_found(ctx).await,
        "write.create-minimal" => super::writes::create_minimal(ctx).await,
        "write.create-maximal" => super::writes::create_maximal(ctx).await,
        "write.update-each-field" => super::writes::update_each_field(ctx).await,
        "write.clear-optional" => super::writes::clear_optional(ctx).await,
        "write.reference-assign" => super::writes::reference_assign(ctx).await,
        "write.suspend-resume" => super::writes::suspend_resume(ctx).await,
        "write.invalid-input" => super::writes::invalid_input(ctx).await,
        "write.duplicate" => super::writes::duplicate(ctx).await,
        "faults.rate-limited" => {
            super::listing::fault_case(ctx, super::listing::Fault::RateLimit).await
        }
        "faults.transient" => {
            super::listing::fault_case(ctx, super::listing::Fault::Transient).await
        }
        "faults.malformed" => {
            super::listing::fault_case(ctx, super::listing::Fault::Malformed).await
        }
        other => fail(format!("unknown case {other}")),
    }
}

fn is_semver(v: &str) -> bool {
    let core = v.split(['-', '+']).next().unwrap_or_default();
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
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
    if !crate::loader::compatible(crate::CONTRACT_VERSION, &d.contract_version) {
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
pub(crate) async fn fields(ctx: &mut Ctx<'_>) -> Result<Vec<Field>, Outcome> {
    if let Some(f) = &ctx.fields {
        return Ok(f.clone());
    }
    let session = ctx.session().await.map_err(|e| host_err("open", &e))?;
    let fields = session
        .get_fields()
        .await
        .map_err(|e| host_err("get-fields", &e))?;
    ctx.fields = Some(fields.clone());
    Ok(fields)
}

async fn fields_well_formed(ctx: &mut Ctx<'_>) -> Outcome {
    let fields = match fields(ctx).await {
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
    let fields = match fields(ctx).await {
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
                    return fail(format!(
                        "{}: choice {} has parent {:?}, asked for {:?}",
                        field.name, c.id, c.parent, parent
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
