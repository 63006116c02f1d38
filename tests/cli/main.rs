//! Integration tests: they drive the real `retake` binary (one test binary, several modules).

mod bank;
mod harness;
