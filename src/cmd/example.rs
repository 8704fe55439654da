//! `auditmap example` (being built: see its issue).
use crate::exit::{CliError, CmdResult};

#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> CmdResult {
    Err(CliError::failure(anyhow::anyhow!("`auditmap example` is not available in this build yet")))
}
