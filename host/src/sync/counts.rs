//! What a run counts: users and pages read, and each kind of event.

use serde::Serialize;

/// Event counts of a run.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub users: u64,
    pub pages: u64,
    pub joiners: u64,
    pub movers: u64,
    pub changes: u64,
    pub leavers: u64,
    pub returners: u64,
    pub reviews: u64,
    pub conflicts: u64,
    pub drifts: u64,
    pub skipped: u64,
    /// People absent from a complete listing, marked gone.
    pub gone: u64,
    /// People absent from a listing that looked partial: not marked.
    pub gone_held: u64,
}
