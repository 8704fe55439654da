//! `auditmap diagram`: network diagrams (one file per page and format) for a snapshot.
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use render::diagram::Format;
use render::pipeline::Input;

use crate::exit::{CliError, CmdResult, Exit};

#[derive(clap::Args)]
pub struct Args {
    /// Snapshot file (JSON), as written by `auditmap discover`.
    #[arg(required_unless_present = "demo")]
    pub snapshot: Option<PathBuf>,
    /// Use the bundled demo estate instead of a snapshot file.
    #[arg(long, conflicts_with = "snapshot")]
    pub demo: bool,
    /// Directory to write into (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Output formats, comma-separated. `dot` covers the layered pages (overview, exposure).
    #[arg(long, value_delimiter = ',', default_value = "svg,png", value_parser = format_parser())]
    pub format: Vec<Format>,
}

/// The writer registry's names are the accepted values.
fn format_parser() -> impl TypedValueParser<Value = Format> {
    PossibleValuesParser::new(Format::ALL.map(Format::name))
        .try_map(|name| Format::from_name(&name).ok_or_else(|| format!("unknown format {name}")))
}

pub fn run(args: Args) -> CmdResult {
    let input = match (&args.snapshot, args.demo) {
        (_, true) => Input::demo().map_err(CliError::failure)?,
        (Some(p), false) => Input::file(p).map_err(CliError::bad_input)?,
        (None, false) => return Err(CliError::bad_input(anyhow::anyhow!("give a SNAPSHOT file or --demo"))),
    };
    let analysed = input.analyze();
    let plan = analysed.plan();
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("{}: cannot create directory", args.out.display()))
        .map_err(CliError::failure)?;
    let mut formats = args.format.clone();
    formats.sort();
    formats.dedup();
    let mut written = 0usize;
    let png_scale = render::diagram::png_scale(plan.len());
    for page in plan.pages() {
        for f in &formats {
            let Some(bytes) = f.write(&page, png_scale).map_err(CliError::failure)? else { continue };
            let path = args.out.join(format!("{}.{}", page.file_stem, f.extension()));
            write(&path, &bytes)?;
            println!("{}", path.display());
            written += 1;
        }
    }
    tracing::info!("{} page(s), {written} file(s) written to {}", plan.len(), args.out.display());
    if analysed.snapshot.has_gaps() {
        eprintln!("warning: the snapshot has coverage gaps; the diagrams say so, and resources may be missing");
        return Ok(Exit::CoverageGaps);
    }
    Ok(Exit::Success)
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    std::fs::write(path, bytes).with_context(|| format!("{}: cannot write", path.display())).map_err(CliError::failure)
}
