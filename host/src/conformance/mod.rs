//! The conformance harness: connector-agnostic cases with stable ids, each documenting the
//! requirement it checks, run against anything behind the [`Connector`] seam. Cases that write
//! are marked; `read_only` runs only the safe ones (fit for a production tenant). Fault cases
//! need a tenant that can misbehave on request ([`FaultInjector`], e.g. the simulator).

mod cases;
mod choices;
mod context;
mod fixture;
mod listing;
mod report;
mod verdict;
mod writes;

use std::time::Instant;

use context::Ctx;

pub use cases::{CASES, CaseInfo};
pub use context::{FaultInjector, Options, Target};
pub use report::{CaseResult, Outcome, Report};

/// Runs every case (or the read-only ones) and reports each outcome.
pub async fn run(target: Target<'_>, options: Options) -> Report {
    let description = target.connector.description().clone();
    let read_only = options.read_only;
    let budget = crate::rate_limit::WaitBudget::new(options.wait_budget);
    let mut ctx = Ctx {
        budget,
        target,
        options,
        session: None,
        fields: None,
        listing: None,
        fixture: None,
    };
    let mut results = Vec::new();
    for case in CASES {
        if read_only && case.writes {
            continue;
        }
        let started = Instant::now();
        let outcome = (case.run)(&mut ctx).await;
        if let Some(f) = ctx.target.faults {
            f.clear();
        }
        results.push(CaseResult {
            id: case.id.into(),
            requirement: case.requirement.into(),
            writes: case.writes,
            outcome,
            millis: started.elapsed().as_millis() as u64,
        });
    }
    writes::clean_up(&mut ctx).await;
    Report {
        connector: description.name,
        version: description.version,
        read_only,
        results,
    }
}
