//! `auditmap diagram`: network diagrams (one file per page and format) for a snapshot.
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::exit::{CliError, CmdResult, Exit};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Format {
    Svg,
    Png,
    Pdf,
    Drawio,
    Dot,
}

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
    #[arg(long, value_enum, value_delimiter = ',', default_value = "svg,png")]
    pub format: Vec<Format>,
}

pub fn run(args: Args) -> CmdResult {
    let snapshot = match (&args.snapshot, args.demo) {
        (_, true) => inventory::demo::demo_snapshot().map_err(CliError::failure)?,
        (Some(p), false) => super::load_snapshot(p)?,
        (None, false) => return Err(CliError::bad_input(anyhow::anyhow!("give a SNAPSHOT file or --demo"))),
    };
    let analysis = inventory::analysis::analyze(&snapshot);
    let pages = render::diagram::render_pages(&snapshot, &analysis).map_err(CliError::failure)?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("{}: cannot create directory", args.out.display()))
        .map_err(CliError::failure)?;
    let mut formats = args.format.clone();
    formats.sort();
    formats.dedup();
    let mut written = 0usize;
    let png_scale = render::diagram::png_scale(pages.len());
    for page in &pages {
        for f in &formats {
            let (ext, bytes): (&str, Option<Vec<u8>>) = match f {
                Format::Svg => ("svg", Some(page.svg.clone().into_bytes())),
                Format::Png => {
                    ("png", Some(render::diagram::scene_to_png(&page.scene, png_scale).map_err(CliError::failure)?))
                }
                Format::Pdf => ("pdf", Some(render::diagram::scene_to_pdf(&page.scene).map_err(CliError::failure)?)),
                Format::Drawio => ("drawio", page.drawio.clone().map(String::into_bytes)),
                Format::Dot => ("dot", page.dot.clone().map(String::into_bytes)),
            };
            let Some(bytes) = bytes else { continue };
            let path = args.out.join(format!("{}.{ext}", page.file_stem));
            write(&path, &bytes)?;
            println!("{}", path.display());
            written += 1;
        }
    }
    tracing::info!("{} page(s), {written} file(s) written to {}", pages.len(), args.out.display());
    if snapshot.has_gaps() {
        eprintln!("warning: the snapshot has coverage gaps; the diagrams say so, and resources may be missing");
        return Ok(Exit::CoverageGaps);
    }
    Ok(Exit::Success)
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    std::fs::write(path, bytes).with_context(|| format!("{}: cannot write", path.display())).map_err(CliError::failure)
}
