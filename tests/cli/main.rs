//! Integration tests: they drive the real `retake` binary (one test binary, several modules).

// A failing unwrap is a failing test: the product code's ban on unwrap does not apply here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bank;
mod banks18;
mod browser;
mod content;
mod drill;
mod engine;
mod exam;
mod harness;
mod hostile;
mod interchange;
mod progress;
mod readme;
mod robustness;
mod tui;
mod variations;
mod web;
mod width;
