//! Progress reporting for long runs: an `indicatif` bar on stderr when it is a terminal,
//! nothing otherwise (tests, pipes, CI).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar, or nothing.
#[derive(Debug, Default)]
pub struct Progress {
    enabled: bool,
    bar: std::sync::Mutex<Option<ProgressBar>>,
}

impl Progress {
    /// Draws nothing.
    pub fn hidden() -> Progress {
        Progress::default()
    }

    /// Draws on stderr when it is a terminal.
    pub fn stderr() -> Progress {
        Progress {
            enabled: true,
            bar: std::sync::Mutex::new(None),
        }
    }

    /// Starts a phase of `total` items (unknown: a spinner).
    pub fn start(&self, phase: &str, total: Option<u64>) {
        if !self.enabled {
            return;
        }
        let bar = match total {
            Some(t) => ProgressBar::with_draw_target(Some(t), ProgressDrawTarget::stderr()),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
        };
        if let Ok(style) =
            ProgressStyle::with_template("{msg:>8} [{bar:40}] {pos}/{len} ({per_sec}, {eta})")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(phase.to_string());
        if let Ok(mut slot) = self.bar.lock() {
            *slot = Some(bar);
        }
    }

    /// A line above the bar ("rate limited: waiting 3 s"); nothing when hidden.
    pub fn note(&self, line: &str) {
        if let Ok(slot) = self.bar.lock()
            && let Some(bar) = slot.as_ref()
        {
            bar.println(line);
        }
    }

    /// Advances the current phase.
    pub fn advance(&self, n: u64) {
        if let Ok(slot) = self.bar.lock()
            && let Some(bar) = slot.as_ref()
        {
            bar.inc(n);
        }
    }

    /// Ends the current phase.
    pub fn finish(&self) {
        if let Ok(mut slot) = self.bar.lock()
            && let Some(bar) = slot.take()
        {
            bar.finish_and_clear();
        }
    }
}
