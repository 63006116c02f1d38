//! What the line-mode exam and drill read and show between answers: stdin lines on their own
//! thread (so a deadline can interrupt a wait) and the status line with the time left.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::engine::Clock;
use crate::report::clock_duration;

/// Lines from stdin, read on their own thread so a deadline can interrupt a wait.
pub fn spawn_reader() -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let stdin = io::stdin();
        let mut lock = stdin.lock();
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match crate::text::read_line_capped(&mut lock, &mut buf, crate::text::MAX_LINE_BYTES) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let line = String::from_utf8_lossy(&buf)
                        .trim_end_matches(['\n', '\r'])
                        .to_owned();
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            }
        }
    });
    rx
}

/// The status line shown above the prompt on a terminal, refreshed every second.
pub(super) struct Timer {
    stop: Arc<AtomicBool>,
    text: Arc<Mutex<String>>,
}

impl Timer {
    pub(super) fn start(deadline: DateTime<Utc>, paint: super::Paint) -> Timer {
        let clock = crate::engine::SystemClock;
        let stop = Arc::new(AtomicBool::new(false));
        let text = Arc::new(Mutex::new(String::new()));
        let (stop2, text2) = (stop.clone(), text.clone());
        std::thread::spawn(move || {
            let mut warned = (false, false);
            while !stop2.load(Ordering::Relaxed) {
                let left = (deadline - clock.now()).num_milliseconds() as f64 / 1000.0;
                let extra = text2.lock().map(|t| t.clone()).unwrap_or_default();
                let mut status = format!("⏱ {} left · {extra}", clock_duration(left));
                if left <= 300.0 {
                    status = paint.red(&format!("⚠ 5 minutes or less: {status}"));
                    if !warned.1 {
                        warned.1 = true;
                        eprint!("\x07");
                    }
                } else if left <= 900.0 {
                    status = paint.yellow(&format!("⚠ 15 minutes or less: {status}"));
                    if !warned.0 {
                        warned.0 = true;
                        eprint!("\x07");
                    }
                }
                // Save the cursor, rewrite the line above the prompt, restore the cursor: the
                // learner's half-typed answer is left alone.
                eprint!("\x1b7\x1b[1A\r\x1b[2K{status}\x1b8");
                let _ = io::stderr().flush();
                std::thread::sleep(Duration::from_millis(1000));
            }
        });
        Timer { stop, text }
    }

    pub(super) fn set(&self, s: String) {
        if let Ok(mut t) = self.text.lock() {
            *t = s;
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
