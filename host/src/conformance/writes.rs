//! The cases that write: create (minimal and maximal), update of every writable field, clear,
//! references, suspend/resume, invalid input and duplicates. Values are synthesised from the
//! field catalogue; users the cases create are left suspended at the end (the contract has no
//! delete). A case whose operation the connector does not offer does not apply.

use super::context::Ctx;
use super::fixture::{Fixture, writable};
use super::report::Outcome;
use super::verdict::{fail, kind};
use crate::connector::Session;
use crate::error::{ConnectorError, ErrorKind, HostError};
use crate::model::{Attribute, AttributeChange, ChangeOp, FieldType, Operation, User, Value};

/// Whether a stored value is what was written (choices by id, numbers approximately).
fn same(written: &Value, stored: &Value) -> bool {
    match (written, stored) {
        (Value::Choice(a), Value::Choice(b)) => {
            a.id == b.id || (a.id.is_empty() && a.label == b.label)
        }
        (Value::Decimal(a), Value::Decimal(b)) => (a - b).abs() < 1e-9,
        (a, b) => a == b,
    }
}

fn mismatches(written: &[Attribute], user: &User) -> Vec<String> {
    written
        .iter()
        .filter(|a| {
            let stored = user.values(&a.name);
            stored.len() != a.values.len() || a.values.iter().zip(stored).any(|(w, s)| !same(w, s))
        })
        .map(|a| {
            format!(
                "{} (wrote {:?}, read {:?})",
                a.name,
                a.values.iter().map(Value::display).collect::<Vec<_>>(),
                user.values(&a.name)
                    .iter()
                    .map(Value::display)
                    .collect::<Vec<_>>()
            )
        })
        .take(5)
        .collect()
}

fn supports(ctx: &Ctx<'_>, op: Operation) -> bool {
    ctx.target.connector.description().operations.contains(&op)
}

async fn fixture<'c>(
    ctx: &'c mut Ctx<'_>,
) -> Result<(&'c mut Box<dyn Session>, &'c mut Fixture), Outcome> {
    if ctx.fixture.is_none() {
        let fields = ctx.fields().await?;
        let session = ctx
            .session()
            .await
            .map_err(|e| fail(format!("open failed: {e}")))?;
        let fixture = Fixture::new(session.as_mut(), fields)
            .await
            .map_err(|e| fail(format!("preparing values failed: {e}")))?;
        ctx.fixture = Some(fixture);
    }
    let session = ctx.session.as_mut().ok_or_else(|| fail("no session"))?;
    let fixture = ctx.fixture.as_mut().ok_or_else(|| fail("no fixture"))?;
    Ok((session, fixture))
}

/// Creates a user with these attributes and checks get-user reads them back.
async fn create_and_check(ctx: &mut Ctx<'_>, required_only: bool, serial: usize) -> Outcome {
    if !supports(ctx, Operation::CreateUser) {
        return Outcome::NotApplicable("create-user is not offered".into());
    }
    let (session, fixture) = match fixture(ctx).await {
        Ok(x) => x,
        Err(o) => return o,
    };
    let attributes = fixture.attributes(required_only, serial);
    let created = match session.create_user(attributes.clone()).await {
        Ok(u) => u,
        Err(e) => return fail(format!("create-user failed: {e}")),
    };
    fixture.created.push(created.id.clone());
    match session.get_user(&created.id).await {
        Ok(got) => match mismatches(&attributes, &got) {
            m if m.is_empty() => Outcome::Passed,
            m => fail(format!(
                "user {} does not read back as written: {}",
                created.id,
                m.join("; ")
            )),
        },
        Err(e) => fail(format!("get-user({}) after create failed: {e}", created.id)),
    }
}

pub(crate) async fn create_minimal(ctx: &mut Ctx<'_>) -> Outcome {
    create_and_check(ctx, true, 1).await
}

pub(crate) async fn create_maximal(ctx: &mut Ctx<'_>) -> Outcome {
    create_and_check(ctx, false, 2).await
}

/// The last user the cases created (the maximal one when it exists).
fn subject(fixture: &Fixture) -> Option<String> {
    fixture.created.last().cloned()
}

pub(crate) async fn update_each_field(ctx: &mut Ctx<'_>) -> Outcome {
    if !supports(ctx, Operation::UpdateUser) {
        return Outcome::NotApplicable("update-user is not offered".into());
    }
    let (session, fixture) = match fixture(ctx).await {
        Ok(x) => x,
        Err(o) => return o,
    };
    let Some(id) = subject(fixture) else {
        return Outcome::NotApplicable("no user was created to update".into());
    };
    let changes: Vec<Attribute> = writable(&fixture.fields)
        .filter_map(|f| {
            Some(Attribute {
                name: f.name.clone(),
                values: vec![fixture.value(f, 1, 3)?],
            })
        })
        .collect();
    let ops = changes
        .iter()
        .map(|a| AttributeChange {
            name: a.name.clone(),
            op: ChangeOp::Set(a.values.clone()),
        })
        .collect();
    if let Err(e) = session.update_user(&id, ops).await {
        return fail(format!("update-user({id}) failed: {e}"));
    }
    match session.get_user(&id).await {
        Ok(got) => match mismatches(&changes, &got) {
            m if m.is_empty() => Outcome::Passed,
            m => fail(format!(
                "user {id} does not read back as updated: {}",
                m.join("; ")
            )),
        },
        Err(e) => fail(format!("get-user({id}) failed: {e}")),
    }
}

pub(crate) async fn clear_optional(ctx: &mut Ctx<'_>) -> Outcome {
    if !supports(ctx, Operation::UpdateUser) {
        return Outcome::NotApplicable("update-user is not offered".into());
    }
    let (session, fixture) = match fixture(ctx).await {
        Ok(x) => x,
        Err(o) => return o,
    };
    let Some(id) = subject(fixture) else {
        return Outcome::NotApplicable("no user was created".into());
    };
    let Ok(before) = session.get_user(&id).await else {
        return fail(format!("get-user({id}) failed"));
    };
    let Some(field) = writable(&fixture.fields)
        .find(|f| !f.required && !before.values(&f.name).is_empty())
        .map(|f| f.name.clone())
    else {
        return Outcome::NotApplicable("no optional field holds a value".into());
    };
    if let Err(e) = session
        .update_user(
            &id,
            vec![AttributeChange {
                name: field.clone(),
                op: ChangeOp::Clear,
            }],
        )
        .await
    {
        return fail(format!("clearing {field} failed: {e}"));
    }
    match session.get_user(&id).await {
        Ok(got) if got.values(&field).is_empty() => Outcome::Passed,
        Ok(got) => fail(format!(
            "{field} still holds {:?} after clear",
            got.values(&field)
                .iter()
                .map(Value::display)
                .collect::<Vec<_>>()
        )),
        Err(e) => fail(format!("get-user({id}) failed: {e}")),
    }
}

pub(crate) async fn reference_assign(ctx: &mut Ctx<'_>) -> Outcome {
    if !supports(ctx, Operation::UpdateUser) {
        return Outcome::NotApplicable("update-user is not offered".into());
    }
    let (session, fixture) = match fixture(ctx).await {
        Ok(x) => x,
        Err(o) => return o,
    };
    let Some(field) = writable(&fixture.fields)
        .find(|f| f.field_type == FieldType::Reference)
        .map(|f| f.name.clone())
    else {
        return Outcome::NotApplicable("no writable reference field".into());
    };
    let (Some(id), Some(other)) = (subject(fixture), fixture.someone.clone()) else {
        return Outcome::NotApplicable("no users to link".into());
    };
    let set = AttributeChange {
        name: field.clone(),
        op: ChangeOp::Set(vec![Value::Reference(other.clone())]),
    };
    if let Err(e) = session.update_user(&id, vec![set]).await {
        return fail(format!("assigning {field} failed: {e}"));
    }
    match session.get_user(&id).await {
        Ok(got) if got.values(&field) == [Value::Reference(other.clone())] => {}
        Ok(got) => {
            return fail(format!(
                "{field} reads {:?} after assigning {other}",
                got.values(&field)
                    .iter()
                    .map(Value::display)
                    .collect::<Vec<_>>()
            ));
        }
        Err(e) => return fail(format!("get-user({id}) failed: {e}")),
    }
    if let Err(e) = session
        .update_user(
            &id,
            vec![AttributeChange {
                name: field.clone(),
                op: ChangeOp::Clear,
            }],
        )
        .await
    {
        return fail(format!("removing {field} failed: {e}"));
    }
    match session.get_user(&id).await {
        Ok(got) if got.values(&field).is_empty() => Outcome::Passed,
        Ok(_) => fail(format!("{field} still set after removal")),
        Err(e) => fail(format!("get-user({id}) failed: {e}")),
    }
}

pub(crate) async fn suspend_resume(ctx: &mut Ctx<'_>) -> Outcome {
    if !supports(ctx, Operation::SuspendUser) || !supports(ctx, Operation::ResumeUser) {
        return Outcome::NotApplicable("suspend-user / resume-user are not offered".into());
    }
    let (session, fixture) = match fixture(ctx).await {
        Ok(x) => x,
        Err(o) => return o,
    };
    let Some(id) = subject(fixture) else {
        return Outcome::NotApplicable("no user was created".into());
    };
    match session.suspend_user(&id).await {
        Ok(u) if !u.active => {}
        Ok(_) => return fail("suspend-user returned an active user"),
        Err(e) => return fail(format!("suspend-user failed: {e}")),
    }
    match session.get_user(&id).await {
        Ok(u) if !u.active => {}
        Ok(_) => return fail("get-user shows the suspended user active"),
        Err(e) => return fail(format!("get-user failed: {e}")),
    }
    match session.resume_user(&id).await {
        Ok(u) if u.active => Outcome::Passed,
        Ok(_) => fail("resume-user returned a suspended user"),
        Err(e) => fail(format!("resume-user failed: {e}")),
    }
}

pub(crate) async fn invalid_input(ctx: &mut Ctx<'_>) -> Outcome {
    if !supports(ctx, Operation::UpdateUser) {
        return Outcome::NotApplicable("update-user is not offered".into());
    }
    let (session, fixture) = match fixture(ctx).await {
        Ok(x) => x,
        Err(o) => return o,
    };
    let Some(id) = subject(fixture).or_else(|| fixture.someone.clone()) else {
        return Outcome::NotApplicable("no user".into());
    };
    let mut attempts = vec![(
        "conformance_no_such_field".to_string(),
        Value::Text("x".into()),
    )];
    if let Some(date) = writable(&fixture.fields).find(|f| f.field_type == FieldType::Date) {
        attempts.push((date.name.clone(), Value::Date("2031-02-30".into())));
    }
    for (name, value) in attempts {
        let change = AttributeChange {
            name: name.clone(),
            op: ChangeOp::Set(vec![value]),
        };
        match session.update_user(&id, vec![change]).await {
            Err(HostError::Connector(ConnectorError::InvalidInput { name: named, .. }))
                if named == name => {}
            Err(e) => {
                return fail(format!(
                    "setting {name} to an invalid value gave {}: {e} (expected invalid-input naming {name})",
                    kind(&e)
                ));
            }
            Ok(_) => return fail(format!("setting {name} to an invalid value succeeded")),
        }
    }
    Outcome::Passed
}

pub(crate) async fn duplicate(ctx: &mut Ctx<'_>) -> Outcome {
    if !supports(ctx, Operation::CreateUser) {
        return Outcome::NotApplicable("create-user is not offered".into());
    }
    let (session, fixture) = match fixture(ctx).await {
        Ok(x) => x,
        Err(o) => return o,
    };
    if !fixture.fields.iter().any(|f| f.unique && f.writable) {
        return Outcome::NotApplicable("no writable unique field".into());
    }
    let Some(id) = subject(fixture) else {
        return Outcome::NotApplicable("no user was created".into());
    };
    let Ok(existing) = session.get_user(&id).await else {
        return fail(format!("get-user({id}) failed"));
    };
    // The same unique values, fresh values elsewhere.
    let mut attributes = fixture.attributes(false, 4);
    for a in &mut attributes {
        if fixture.fields.iter().any(|f| f.name == a.name && f.unique)
            && !existing.values(&a.name).is_empty()
        {
            a.values = existing.values(&a.name).to_vec();
        }
    }
    match session.create_user(attributes).await {
        Err(e) if e.kind() == Some(ErrorKind::AlreadyExists) => Outcome::Passed,
        Err(e) => fail(format!("a duplicate create gave {}: {e}", kind(&e))),
        Ok(u) => {
            fixture.created.push(u.id.clone());
            fail(format!(
                "a user with the same unique values was created ({})",
                u.id
            ))
        }
    }
}

/// Suspends what the cases created (there is no delete in the contract).
pub(crate) async fn clean_up(ctx: &mut Ctx<'_>) {
    let (Some(session), Some(fixture)) = (ctx.session.as_mut(), ctx.fixture.as_mut()) else {
        return;
    };
    if ctx
        .target
        .connector
        .description()
        .operations
        .contains(&Operation::SuspendUser)
    {
        for id in fixture.created.drain(..) {
            let _ = session.suspend_user(&id).await;
        }
    }
}
