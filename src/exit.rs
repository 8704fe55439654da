//! Process exit codes, as documented in the README.
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success = 0,
    Failure = 1,
    BadInput = 2,
    /// Completed, but some API calls were denied or failed: resources may be missing.
    CoverageGaps = 3,
    /// `--fail-on-exposure` and internet exposure was found.
    ExposureFound = 4,
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e as u8)
    }
}

/// An error with the exit code it should produce.
pub struct CliError {
    pub code: Exit,
    pub error: anyhow::Error,
}

impl CliError {
    pub fn bad_input(error: impl Into<anyhow::Error>) -> CliError {
        CliError { code: Exit::BadInput, error: error.into() }
    }
    pub fn failure(error: impl Into<anyhow::Error>) -> CliError {
        CliError { code: Exit::Failure, error: error.into() }
    }
}

impl fmt::Debug for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} ({:#})", self.code, self.error)
    }
}

pub type CmdResult = Result<Exit, CliError>;
