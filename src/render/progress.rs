//! Step progress on stderr, from the executor's events: on a terminal a spinner per step that
//! ends as `✓ [i/n] what (duration)`; without one, the same lines plainly (no spinner frames
//! in logs). `--quiet` shows only failures.

use crate::failover::execute::Event;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::time::Duration;

/// Turns events into stderr output.
#[derive(Debug)]
pub struct StepProgress {
    tty: bool,
    quiet: bool,
    bar: Option<ProgressBar>,
    total: usize,
}

/// A duration as operators read it: `850 µs`, `12 ms`, `1.4 s`.
pub fn human_duration(d: Duration) -> String {
    let us = d.as_micros();
    if us < 1_000 {
        format!("{us} µs")
    } else if us < 10_000_000 {
        format!("{} ms", us / 1_000)
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

impl StepProgress {
    /// `tty`: stderr is a terminal; `quiet`: only failures.
    pub fn new(tty: bool, quiet: bool) -> StepProgress {
        StepProgress {
            tty,
            quiet,
            bar: None,
            total: 0,
        }
    }

    fn line(&mut self, text: String) {
        match self.bar.take() {
            Some(b) => {
                b.finish_and_clear();
                eprintln!("{text}");
            }
            None => eprintln!("{text}"),
        }
    }

    /// Take the spinner off the screen (before the caller prints a step's output).
    pub fn clear(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }

    /// Show one event.
    pub fn event(&mut self, e: &Event) {
        match e {
            Event::Started { index, total, what } => {
                self.total = *total;
                if self.quiet {
                    return;
                }
                if self.tty {
                    let b = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
                    if let Ok(s) = ProgressStyle::with_template("{spinner} [{prefix}] {msg}") {
                        b.set_style(s);
                    }
                    b.set_prefix(format!("{index}/{total}"));
                    b.set_message(what.clone());
                    b.enable_steady_tick(Duration::from_millis(80));
                    self.bar = Some(b);
                } else {
                    eprintln!("… [{index}/{total}] {what}");
                }
            }
            Event::Progress { message, .. } => {
                if let Some(b) = &self.bar {
                    let base = b.message();
                    let base = base.split(" — ").next().unwrap_or_default().to_string();
                    b.set_message(format!("{base} — {message}"));
                }
            }
            Event::Done {
                index,
                what,
                duration,
                note,
            } => {
                if self.quiet {
                    return;
                }
                let note = note.as_ref().map(|n| format!(": {n}")).unwrap_or_default();
                let total = self.total;
                self.line(format!(
                    "✓ [{index}/{total}] {what} ({}){note}",
                    human_duration(*duration)
                ));
            }
            Event::Failed {
                index,
                what,
                duration,
                error,
            } => {
                let total = self.total;
                self.line(format!(
                    "✗ [{index}/{total}] {what} ({}): {error}",
                    human_duration(*duration)
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(Duration::from_micros(850)), "850 µs");
        assert_eq!(human_duration(Duration::from_millis(12)), "12 ms");
        assert_eq!(human_duration(Duration::from_millis(14_250)), "14.2 s");
    }
}
