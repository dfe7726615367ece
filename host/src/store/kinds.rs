//! The kinds and states the store records, as types: audit event kinds, run statuses, the
//! journal's action kinds and states, account statuses and identity origins. Each is stored,
//! printed and parsed by one name (kebab-case), so a typo cannot compile, and `events --kind`
//! offers the valid names.

pub use crate::named_enum::UnknownName;
use crate::named_enum::named_enum;

named_enum! {
    /// What an audit event records.
    EventKind ("event kind") {
        /// A person new at the source.
        Joiner = "joiner",
        /// A mover attribute (position, manager, department…) changed at the source.
        Mover = "mover",
        /// Another attribute changed at the source.
        Change = "change",
        /// Suspended at the source, or the contract ended.
        Leaver = "leaver",
        /// Reactivated at the source.
        Returner = "returner",
        /// Needs a person's decision (a contract ended before first sight, a person gone).
        Review = "review",
        /// Changed on both sides.
        Conflict = "conflict",
        /// A platform-owned attribute changed at the source.
        Drift = "drift",
        /// Absent from a complete listing.
        Gone = "gone",
        /// A record the mapping could not map.
        Skipped = "skipped",
        /// An account was created upstream.
        Created = "created",
        /// An account was updated upstream.
        Updated = "updated",
        /// An account was suspended upstream.
        Suspended = "suspended",
        /// A suspended account was reactivated upstream (a returner, in an application target).
        Resumed = "resumed",
        /// An account already in an application target was found by the match key and linked
        /// to its identity instead of being created again.
        Linked = "linked",
        /// An upstream action failed.
        ActionFailed = "action-failed",
        /// An attribute was changed on the platform side (`identities set / import`).
        PlatformChange = "platform-change",
        /// An identity was created on the platform side (`identities create`).
        PlatformCreate = "platform-create",
    }
}

named_enum! {
    /// How a sync run stands.
    RunStatus ("run status") {
        Running = "running",
        Completed = "completed",
        /// A safety brake held the run's suspensions (mass suspension, mass disappearance, too
        /// many records skipped).
        Braked = "braked",
        Failed = "failed",
        /// The process stopped (killed, or the rate-limit budget ran out) before the end.
        Interrupted = "interrupted",
    }
}

named_enum! {
    /// What a journaled action does upstream.
    ActionKind ("action kind") {
        Create = "create",
        Update = "update",
        Suspend = "suspend",
        /// Reactivate a suspended account (application targets: a returner).
        Resume = "resume",
    }
}

named_enum! {
    /// Where a journaled action stands.
    ActionState ("action state") {
        /// Written before the remote call.
        Started = "started",
        /// Confirmed by the remote answer.
        Done = "done",
        /// The remote call failed.
        Failed = "failed",
        /// A killed run left it started; the next import reads its outcome.
        Unconfirmed = "unconfirmed",
        /// Its outcome was read back by an import.
        Settled = "settled",
        /// Another create of the same identity was confirmed.
        Superseded = "superseded",
    }
}

named_enum! {
    /// An account's status in a target system.
    AccountStatus ("account status") {
        Active = "active",
        Suspended = "suspended",
        /// The person is gone from the source.
        Gone = "gone",
        /// The person is gone from the source and `on_gone = "deprovision"`: the account is
        /// to be removed by its system's connector.
        Deprovision = "deprovision",
    }
}

impl AccountStatus {
    /// The status of an account that is `active` or not.
    pub fn from_active(active: bool) -> Self {
        if active {
            AccountStatus::Active
        } else {
            AccountStatus::Suspended
        }
    }
}

named_enum! {
    /// Who an identity came from.
    Origin ("identity origin") {
        /// Imported from the HR source.
        Hr = "hr",
        /// Created on the platform side.
        Platform = "platform",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_text_json_and_sql() {
        for kind in EventKind::ALL {
            assert_eq!(kind.as_str().parse::<EventKind>(), Ok(*kind));
            let json = serde_json::to_string(kind).unwrap();
            assert_eq!(json, format!("\"{kind}\""));
            assert_eq!(serde_json::from_str::<EventKind>(&json).unwrap(), *kind);
        }
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let back: ActionState = conn
            .query_row("SELECT ?1", [ActionState::Unconfirmed], |r| r.get(0))
            .unwrap();
        assert_eq!(back, ActionState::Unconfirmed);
        let bad = conn.query_row("SELECT 'nope'", [], |r| r.get::<_, RunStatus>(0));
        assert!(
            bad.unwrap_err()
                .to_string()
                .contains("unknown run status `nope`")
        );
    }

    #[test]
    fn a_typo_is_refused_with_the_valid_names() {
        let e = "joinr".parse::<EventKind>().unwrap_err();
        assert_eq!(e.what, "event kind");
        assert!(e.to_string().contains("joiner, mover, change"), "{e}");
    }
}
