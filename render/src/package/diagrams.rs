//! diagrams/: every page laid out, drawn (`Format::PACKAGE`) and written by a
//! pool of workers, one page at a time each, so a 900-page estate never holds more
//! than a page per worker in memory and keeps every core busy.
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::diagram::{self, Format, PageScene, Plan};
use crate::package::controls::FileRole;
use crate::package::manifest::FileEntry;
use crate::package::{write_err, Out, PackageError};

/// Above this many pages, report.html shows the overview and exposure pages inline
/// and links the per-VPC pages (944 inline pages made a 34 MB report).
pub const INLINE_ALL_MAX_PAGES: usize = 100;

/// What the report and README need of a written page.
#[derive(Debug, Clone)]
pub struct PageSummary {
    /// Stem inside diagrams/ (file-name safe).
    pub stem: String,
    pub title: String,
    /// The SVG, when the report shows this page inline.
    pub inline_svg: Option<String>,
    pub svg_bytes: usize,
    pub has_drawio: bool,
}

pub struct Written {
    pub files: Vec<FileEntry>,
    pub pages: Vec<PageSummary>,
}

/// Lays out, draws and writes every page of `plan` into `dir/diagrams/`.
/// Files are listed in page order (svg, png, pdf, drawio), whatever order workers finish in.
/// `shown` is what errors call `dir` (the caller's `out`).
pub fn write_pages(plan: &Plan<'_>, dir: &Path, shown: &Path, workers: usize) -> Result<Written, PackageError> {
    // Already file-name safe and unique (`diagram::unique_stem`, the one sanitiser).
    let stems = plan.stems();
    let png_scale = diagram::png_scale(plan.len());
    let inline_all = plan.len() <= INLINE_ALL_MAX_PAGES;
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let parent = tracing::Span::current();
    type PageResult = (usize, Result<(Vec<FileEntry>, PageSummary), PackageError>);
    let work = || -> Vec<PageResult> {
        // Worker threads do not inherit the current span: enter it so `--timings`
        // shows their stages under the package (totals add up across threads).
        let _in = parent.enter();
        let mut mine = Vec::new();
        while !failed.load(Ordering::Relaxed) {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= plan.len() {
                break;
            }
            let page = plan.scene(i);
            let inline = inline_all || i == 0 || i + 1 == plan.len();
            let role = FileRole::of_diagram(&page.file_stem);
            let result = write_page(&page, &stems[i], Out::new(dir, shown), png_scale, inline, role);
            if result.is_err() {
                failed.store(true, Ordering::Relaxed);
            }
            mine.push((i, result));
        }
        mine
    };
    let workers = workers.clamp(1, plan.len().max(1));
    let mut done: Vec<PageResult> = std::thread::scope(|s| {
        let handles: Vec<_> = (1..workers).map(|_| s.spawn(work)).collect();
        let mut all = work();
        for h in handles {
            match h.join() {
                Ok(v) => all.extend(v),
                Err(_) => all.push((
                    usize::MAX,
                    Err(PackageError::Write {
                        file: shown.join("diagrams").display().to_string(),
                        message: "a diagram worker failed".into(),
                    }),
                )),
            }
        }
        all
    });
    done.sort_by_key(|(i, _)| *i);
    let mut written = Written { files: Vec::new(), pages: Vec::new() };
    for (_, r) in done {
        let (files, summary) = r?;
        written.files.extend(files);
        written.pages.push(summary);
    }
    if written.pages.len() != plan.len() {
        return Err(PackageError::Write {
            file: shown.join("diagrams").display().to_string(),
            message: "not every page was written".into(),
        });
    }
    Ok(written)
}

/// One page in every package format (`Format::PACKAGE`, in that order), written as
/// it is drawn so a worker holds one format of one page at a time besides the scene.
fn write_page(
    page: &PageScene,
    stem: &str,
    mut out: Out,
    png_scale: f64,
    inline: bool,
    role: FileRole,
) -> Result<(Vec<FileEntry>, PageSummary), PackageError> {
    let mut summary = PageSummary {
        stem: stem.to_string(),
        title: page.title.clone(),
        inline_svg: None,
        svg_bytes: 0,
        has_drawio: false,
    };
    for format in Format::PACKAGE {
        let Some(bytes) = format.write(page, png_scale)? else { continue };
        let path = format!("diagrams/{stem}.{}", format.extension());
        out.put(&path, &bytes, role)?;
        match format {
            Format::Svg => {
                summary.svg_bytes = bytes.len();
                if inline {
                    let svg = String::from_utf8(bytes).map_err(|e| write_err(&path)(e.to_string()))?;
                    summary.inline_svg = Some(svg);
                }
            }
            Format::Drawio => summary.has_drawio = true,
            _ => {}
        }
    }
    Ok((out.files, summary))
}

/// `--previous`: the change pages (VPC pages where something changed, marked) into
/// `dir/diagrams/changes/`, one after another: a diff changes few VPCs, and the main
/// pages have the workers. Stems are "changes/<vpc stem>".
pub fn write_change_pages(pages: &diagram::ChangePages<'_>, dir: &Path, shown: &Path) -> Result<Written, PackageError> {
    let png_scale = diagram::png_scale(pages.len());
    let inline = pages.len() <= INLINE_ALL_MAX_PAGES;
    let mut written = Written { files: Vec::new(), pages: Vec::new() };
    for page in pages.pages() {
        let stem = format!("changes/{}", page.file_stem);
        let (files, summary) =
            write_page(&page, &stem, Out::new(dir, shown), png_scale, inline, FileRole::DiagramChanges)?;
        written.files.extend(files);
        written.pages.push(summary);
    }
    Ok(written)
}
