//! The deprovisioning policy: what "today" is (in the tenant's time zone, or `--as-of`), when a
//! contract end has passed (after the grace period, never early: the end date is the last day
//! worked, so the account is suspended from the day after end + grace), and the safety brake
//! that refuses a run suspending more than a set share of the accounts.

use jiff::civil::Date;
use serde::Serialize;

use super::error::SyncError;
use super::mapping::Policy;

/// Today in the policy's time zone, or the `as_of` day.
pub fn today(policy: &Policy, as_of: Option<Date>) -> Result<Date, SyncError> {
    if let Some(d) = as_of {
        return Ok(d);
    }
    let tz = jiff::tz::TimeZone::get(&policy.time_zone).map_err(|e| {
        SyncError::Policy(format!("policy.time_zone = {:?}: {e}", policy.time_zone))
    })?;
    Ok(jiff::Timestamp::now().to_zoned(tz).date())
}

/// Contract ends strictly before the returned day have passed, grace included.
pub fn cutoff(policy: &Policy, today: Date) -> Result<Date, SyncError> {
    today
        .checked_sub(jiff::Span::new().days(i64::from(policy.grace_days)))
        .map_err(|e| SyncError::Policy(format!("policy.grace_days = {}: {e}", policy.grace_days)))
}

/// Parses a `--as-of` day.
pub fn parse_day(text: &str) -> Result<Date, SyncError> {
    text.trim()
        .parse::<Date>()
        .map_err(|_| SyncError::Policy(format!("--as-of {text:?} is not a date (YYYY-MM-DD)")))
}

/// The safety brake's verdict on a plan.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Brake {
    pub suspensions: u64,
    pub active_accounts: u64,
    pub share: f64,
    pub max_share: f64,
    /// The suspensions were refused (not forced).
    pub engaged: bool,
}

impl Brake {
    /// Judges `suspensions` out of `active_accounts`.
    pub fn judge(suspensions: u64, active_accounts: u64, max_share: f64, force: bool) -> Brake {
        let share = if active_accounts == 0 {
            if suspensions == 0 { 0.0 } else { 1.0 }
        } else {
            suspensions as f64 / active_accounts as f64
        };
        Brake {
            suspensions,
            active_accounts,
            share,
            max_share,
            engaged: share > max_share && !force,
        }
    }

    /// A one-line explanation.
    pub fn message(&self) -> String {
        format!(
            "safety brake: this run would suspend {} of {} active accounts ({:.1}%), above the {:.1}% limit (policy.max_suspend_share); no account was suspended. Check the HR data, then rerun with --force to let it through",
            self.suspensions,
            self.active_accounts,
            self.share * 100.0,
            self.max_share * 100.0
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grace_moves_the_cutoff_back_and_the_brake_trips_above_the_share() {
        let p = Policy {
            grace_days: 3,
            ..Policy::default()
        };
        let today = parse_day("2026-11-25").expect("date");
        assert_eq!(cutoff(&p, today).expect("cutoff").to_string(), "2026-11-22");
        assert!(parse_day("25/11/2026").is_err());
        assert!(Brake::judge(30, 100, 0.1, false).engaged);
        assert!(!Brake::judge(30, 100, 0.1, true).engaged);
        assert!(!Brake::judge(10, 100, 0.1, false).engaged);
        assert!(Brake::judge(1, 0, 0.1, false).engaged);
    }
}
