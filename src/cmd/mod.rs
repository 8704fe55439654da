//! One module per subcommand: parse its flags, call the library, choose the exit code.
pub mod diagram;
pub mod diff;
pub mod discover;
pub mod example;
pub mod exposure;
pub mod history;
pub mod package;
pub mod paths;
pub mod validate;

use std::path::Path;

use crate::exit::CliError;

/// Loads a snapshot file; any problem with it is bad input (exit 2).
pub fn load_snapshot(path: &Path) -> Result<inventory::Snapshot, CliError> {
    inventory::snapshot::load_file(path).map_err(CliError::bad_input)
}

/// Writes command output to stdout. A closed pipe (`auditmap exposure … | head`) is
/// not an error: the reader has what it wanted, so stop quietly.
pub fn emit(text: &str) -> Result<(), CliError> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::failure(anyhow::Error::new(e).context("writing to stdout"))),
    }
}
