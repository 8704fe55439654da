//! Diagrams: views (scenes) from the snapshot + analysis, and writers over scenes.
//!
//! Stages: `facts` indexes the estate once; `plan` orders the pages and builds each
//! on demand; `views` build one `Scene` per page (our containment layout for nested
//! pages, layout-rs for the layered views, an orthogonal router for lines) and, for
//! the layered ones, the `LayeredGraph` they drew; `write::Format` turns a page into
//! SVG, PNG, PDF, draw.io or DOT. Views never import writers.
pub mod change_pages;
pub mod facts;
pub mod font;
pub mod layout;
pub mod plan;
pub mod readability;
pub mod scene;
pub mod style;
pub mod views;
pub mod write;

use std::collections::BTreeSet;

use inventory::analysis::Analysis;
use inventory::Snapshot;

pub use change_pages::ChangePages;
use layout::layered::LayeredGraph;
pub use plan::Plan;
use scene::Scene;
pub use write::Format;

/// One diagram page with its text formats written (tests and examples compare them).
#[derive(Debug, Clone)]
pub struct RenderedPage {
    /// File stem inside `diagrams/`: "overview", "exposure", or the VPC id.
    pub file_stem: String,
    pub title: String,
    pub svg: String,
    /// draw.io (mxGraph XML) version (every page; the per-VPC pages are the ones meant for editing).
    pub drawio: Option<String>,
    /// Graphviz DOT of the layered views (overview, exposure), for comparison with `dot`.
    pub dot: Option<String>,
    /// The page itself: PNG and PDF are drawn from it directly.
    pub scene: Scene,
}

/// PNG pixels per diagram unit at or below `HIGH_RES_MAX_PAGES` pages: crisp when
/// zoomed or printed.
pub const HIGH_RES_PNG_SCALE: f64 = 2.0;
/// Above this many pages the PNGs are drawn at 1 pixel per unit (legible at 100 %;
/// the SVG and PDF of every page stay vector). At 2× a 900-page estate's PNGs alone
/// took 25 CPU-seconds; at 1× they take a third of that.
pub const HIGH_RES_MAX_PAGES: usize = 100;

/// The PNG scale for a set of `pages` pages (one rule for `diagram` and `package`).
pub fn png_scale(pages: usize) -> f64 {
    if pages <= HIGH_RES_MAX_PAGES {
        HIGH_RES_PNG_SCALE
    } else {
        1.0
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DiagramError {
    #[error("rendering {page}: {message}")]
    Render { page: String, message: String },
}

/// A page as a scene, before writing (tests check its geometry).
#[derive(Debug, Clone)]
pub struct PageScene {
    pub file_stem: String,
    pub title: String,
    pub scene: Scene,
    /// The layered views' graph (overview, exposure): `Format::Dot` writes it.
    pub graph: Option<LayeredGraph>,
}

/// Every page for a snapshot: overview, one per VPC, exposure, with SVG, draw.io and DOT.
pub fn render_pages(snapshot: &Snapshot, analysis: &Analysis) -> Result<Vec<RenderedPage>, DiagramError> {
    let _span = tracing::info_span!("layout").entered();
    let plan = Plan::new(snapshot, analysis);
    plan.pages().map(RenderedPage::of).collect()
}

impl RenderedPage {
    fn of(page: PageScene) -> Result<RenderedPage, DiagramError> {
        // PNG scale is unused by the text formats.
        let text = |f: Format| -> Result<Option<String>, DiagramError> {
            let bytes = f.write(&page, HIGH_RES_PNG_SCALE)?;
            bytes
                .map(String::from_utf8)
                .transpose()
                .map_err(|e| DiagramError::Render { page: page.title.clone(), message: e.to_string() })
        };
        let (svg, drawio, dot) = (text(Format::Svg)?.unwrap_or_default(), text(Format::Drawio)?, text(Format::Dot)?);
        Ok(RenderedPage { file_stem: page.file_stem, title: page.title, svg, drawio, dot, scene: page.scene })
    }
}

/// Every page as a framed scene.
pub fn render_scenes(snapshot: &Snapshot, analysis: &Analysis) -> Result<Vec<PageScene>, DiagramError> {
    let _span = tracing::info_span!("layout").entered();
    let plan = Plan::new(snapshot, analysis);
    Ok(plan.pages().collect())
}

/// A safe, unique file stem from an AWS id (which is hostile input like any string).
fn unique_stem(used: &mut BTreeSet<String>, id: &str) -> String {
    let mut s: String =
        id.chars().take(100).map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    if s.is_empty() {
        s = "vpc".into();
    }
    let mut cand = s.clone();
    let mut n = 2;
    while used.contains(&cand) {
        cand = format!("{s}-{n}");
        n += 1;
    }
    used.insert(cand.clone());
    cand
}

/// Draws a page's scene as PNG at `scale` pixels per unit (deterministic).
pub fn scene_to_png(scene: &Scene, scale: f64) -> Result<Vec<u8>, DiagramError> {
    write::png::png(scene, scale).map_err(|message| DiagramError::Render { page: scene.title.clone(), message })
}

/// Draws a page scene straight into a one-page PDF (searchable text, deterministic).
pub fn scene_to_pdf(scene: &Scene) -> Result<Vec<u8>, DiagramError> {
    Ok(write::pdf::scene_pdf(scene))
}
