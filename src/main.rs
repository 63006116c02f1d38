//! The `retake` binary: parses the command line and reports errors; everything else is the library.

use std::process::ExitCode;

fn main() -> ExitCode {
    retake::cli::main()
}
