//! Question banks: the exam blueprint and question/flashcard model, YAML loading (the only code that
//! reads bank files) and validation with positions.
//!
//! Knows nothing about learners. `parse` is pure (contents in, model or problems out); `load` finds
//! and reads files, from disk or from the banks embedded in the binary.

pub mod load;
pub mod model;
pub mod parse;
pub mod problem;
pub mod schema;
pub mod status;
pub mod write;
pub mod yaml;

pub use model::*;
pub use problem::{Problem, Severity};
pub use status::ExamStatus;
