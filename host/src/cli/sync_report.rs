//! Parts of the sync report as a person reads them: who is gone from the source, and each
//! application target's part of the run.

use std::io::Write;

use super::failure::Failure;
use crate::sync::{self, ActionKind};

/// People missing from the listing: marked gone (and what `on_gone` did), or held.
pub(super) fn render_gone(out: &mut dyn Write, report: &sync::SyncReport) -> Result<(), Failure> {
    let (c, g) = (&report.counts, &report.gone);
    if c.gone + c.gone_held == 0 {
        return Ok(());
    }
    let policy = match g.on_gone {
        sync::mapping::OnGone::Deprovision => format!(
            "on_gone = deprovision: {} leaver(s), {} account(s) in other systems to deprovision",
            g.leavers, g.other_accounts
        ),
        sync::mapping::OnGone::Review => format!(
            "on_gone = review: {} leaver(s), {} to review",
            g.leavers, c.gone
        ),
        sync::mapping::OnGone::Ignore => {
            "on_gone = ignore: recorded only, nobody made a leaver".to_string()
        }
    };
    if g.held {
        writeln!(
            out,
            "gone from the source 0   held {} (the listing looks partial)",
            c.gone_held
        )?;
    } else {
        writeln!(out, "gone from the source {} ({policy})", c.gone)?;
    }
    Ok(())
}

/// Actions of a target listed before "… and N more" (all with -v).
const TARGET_ACTIONS_SHOWN: usize = 20;

/// One application target's part of the run.
pub(super) fn render_target(
    out: &mut dyn Write,
    t: &sync::targets::TargetReport,
    dry_run: bool,
    verbose: bool,
) -> Result<(), Failure> {
    if let Some(e) = &t.error {
        writeln!(out, "target {}: not provisioned this run: {e}", t.name)?;
        return Ok(());
    }
    writeln!(
        out,
        "target {}: {} accounts listed, {} linked by the match key",
        t.name, t.listed, t.linked
    )?;
    let held = t.held();
    writeln!(
        out,
        "  plan: {} create, {} update, {} suspend, {} resume{}",
        t.planned(ActionKind::Create),
        t.planned(ActionKind::Update),
        t.planned(ActionKind::Suspend),
        t.planned(ActionKind::Resume),
        if held > 0 {
            format!("   held {held} (not sent this run, why below)")
        } else {
            String::new()
        }
    )?;
    let shown = if verbose {
        t.plan.len()
    } else {
        TARGET_ACTIONS_SHOWN
    };
    for a in t.plan.iter().take(shown) {
        writeln!(out, "    {}", sync::plan::describe(a))?;
    }
    if t.plan.len() > shown {
        writeln!(
            out,
            "    … and {} more (every one: -v or --json)",
            t.plan.len() - shown
        )?;
    }
    if !dry_run {
        writeln!(out, "  actions: {} done, {} failed", t.done, t.failed)?;
    }
    Ok(())
}
