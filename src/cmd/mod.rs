//! One module per subcommand: parse its flags, call the library, choose the exit code.
pub mod diagram;
pub mod discover;
pub mod example;
pub mod exposure;
pub mod package;
pub mod validate;

use std::path::Path;

use crate::exit::CliError;

/// Loads a snapshot file; any problem with it is bad input (exit 2).
pub fn load_snapshot(path: &Path) -> Result<inventory::Snapshot, CliError> {
    inventory::snapshot::load_file(path).map_err(CliError::bad_input)
}
