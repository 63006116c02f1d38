//! Termination signals during a live exam or drill: SIGTERM (a `kill`, a shutdown), SIGHUP (the
//! terminal closed) and SIGINT (Ctrl-C where the terminal sends it as a signal) end the session
//! the way Ctrl-C does — everything is already committed, the loop stops at its next wait, says
//! how to continue, and the process exits with 128 + the signal's number.
//!
//! Why `signal-hook` and not `ctrlc`: `ctrlc` installs one process-wide handler, once, for SIGINT
//! (and SIGTERM/SIGHUP only with its `termination` feature) and cannot take it back, while the
//! exam must behave like any command again once the live loop is over (a report being printed
//! should die on SIGTERM as usual). `signal-hook` registers flags per signal, hands the signal
//! back to its default action when the loop ends (`register_conditional_default`), and lets a
//! second signal terminate at once (`register_conditional_shutdown`) should the loop be stuck. It
//! is also what crossterm, the full-screen UI's backend, builds on.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use signal_hook::SigId;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

/// How often a live loop waiting for input looks at the flag.
pub const POLL: std::time::Duration = std::time::Duration::from_millis(100);

/// Watches for termination signals while it lives.
pub struct Stop {
    caught: Arc<AtomicUsize>,
    ids: Vec<SigId>,
    done: Arc<AtomicBool>,
}

impl Stop {
    /// Starts watching SIGTERM, SIGHUP and SIGINT. A signal that cannot be watched (it never
    /// happens on Unix) keeps its default action.
    pub fn watch() -> Stop {
        let caught = Arc::new(AtomicUsize::new(0));
        let again = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicBool::new(false));
        let mut ids = Vec::new();
        for sig in [SIGTERM, SIGHUP, SIGINT] {
            // Once the loop is over (`done`), the signal does what it does to any command; it
            // stays registered because signal-hook cannot reinstate the default by itself.
            let _ = signal_hook::flag::register_conditional_default(sig, done.clone());
            // A second signal while the first is being handled ends the process at once.
            let registered = [
                signal_hook::flag::register_conditional_shutdown(sig, 128 + sig, again.clone()),
                signal_hook::flag::register(sig, again.clone()),
                signal_hook::flag::register_usize(sig, caught.clone(), sig as usize),
            ];
            ids.extend(registered.into_iter().flatten());
        }
        Stop { caught, ids, done }
    }

    /// The signal caught so far, if any.
    pub fn caught(&self) -> Option<i32> {
        match self.caught.load(Ordering::SeqCst) {
            0 => None,
            n => i32::try_from(n).ok(),
        }
    }
}

impl Drop for Stop {
    fn drop(&mut self) {
        self.done.store(true, Ordering::SeqCst);
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}

/// The signal's name, for the message that says why the session stopped.
pub fn name(sig: i32) -> &'static str {
    match sig {
        SIGTERM => "SIGTERM",
        SIGHUP => "SIGHUP",
        SIGINT => "SIGINT",
        _ => "a signal",
    }
}

/// The conventional exit code of a process ended by `sig`.
pub fn exit_code(sig: i32) -> std::process::ExitCode {
    std::process::ExitCode::from(u8::try_from(128 + sig).unwrap_or(1))
}

/// The next line of `lines`, waking every [`POLL`] to look for a signal, until `deadline` (when
/// given) passes. `Err(Some(sig))`: a signal came; `Err(None)`: the input ended.
pub fn recv_line(
    lines: &std::sync::mpsc::Receiver<String>,
    stop: &Stop,
    deadline: Option<std::time::Duration>,
) -> Result<Option<String>, Option<i32>> {
    use std::sync::mpsc::RecvTimeoutError;
    let mut left = deadline;
    loop {
        if let Some(sig) = stop.caught() {
            return Err(Some(sig));
        }
        let wait = left.map_or(POLL, |l| l.min(POLL));
        match lines.recv_timeout(wait) {
            Ok(line) => return Ok(Some(line)),
            Err(RecvTimeoutError::Disconnected) => return Err(None),
            Err(RecvTimeoutError::Timeout) => {
                if let Some(l) = left.as_mut() {
                    *l = l.saturating_sub(wait);
                    if l.is_zero() {
                        return Ok(None);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_raised_sigterm_is_caught_and_not_fatal() {
        let stop = Stop::watch();
        assert_eq!(stop.caught(), None);
        assert!(signal_hook::low_level::raise(SIGHUP).is_ok());
        assert_eq!(stop.caught(), Some(SIGHUP));
        assert_eq!(name(SIGHUP), "SIGHUP");
        let (_tx, rx) = std::sync::mpsc::channel::<String>();
        assert_eq!(recv_line(&rx, &stop, None), Err(Some(SIGHUP)));
    }

    #[test]
    fn a_wait_ends_at_its_deadline_or_with_the_input() {
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let stop = Stop {
            caught: Arc::new(AtomicUsize::new(0)),
            ids: Vec::new(),
            done: Arc::new(AtomicBool::new(false)),
        };
        let short = Some(std::time::Duration::from_millis(10));
        assert_eq!(recv_line(&rx, &stop, short), Ok(None));
        assert!(tx.send("B".into()).is_ok());
        assert_eq!(recv_line(&rx, &stop, None), Ok(Some("B".into())));
        drop(tx);
        assert_eq!(recv_line(&rx, &stop, None), Err(None));
    }
}
