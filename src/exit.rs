//! The exit codes of docs/cli.md: how a run that ends early says why.

use std::io::Write;
use std::process::ExitCode;

/// One line on stderr, `tootwatch: ` first. A closed stderr (`2>&1 | head -1`) is not a
/// reason to stop: `eprintln!` would panic there, and exit 101.
pub(crate) fn notice(line: impl std::fmt::Display) {
    let _ = writeln!(std::io::stderr(), "tootwatch: {line}");
}

/// A run that ends early: the exit code of docs/cli.md and the one line that explains it.
#[derive(Debug, PartialEq, Eq)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Failure {
            code: 2,
            message: message.into(),
        }
    }
    pub(crate) fn refused(message: impl Into<String>) -> Self {
        Failure {
            code: 3,
            message: message.into(),
        }
    }
    pub(crate) fn other(message: impl Into<String>) -> Self {
        Failure {
            code: 1,
            message: message.into(),
        }
    }

    pub(crate) fn report(self) -> ExitCode {
        notice(&self.message);
        ExitCode::from(self.code)
    }
}
