//! Diagrams: views (scenes) from the snapshot + analysis, and writers over scenes.
//! Interface used by the package writer; implementation is the diagrams work.
use inventory::analysis::Analysis;
use inventory::Snapshot;

/// One diagram page, ready to write.
#[derive(Debug, Clone)]
pub struct RenderedPage {
    /// File stem inside `diagrams/`: "overview", "exposure", or the VPC id.
    pub file_stem: String,
    pub title: String,
    pub svg: String,
    /// draw.io (mxGraph XML) version, for the per-VPC pages.
    pub drawio: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum DiagramError {
    #[error("rendering {page}: {message}")]
    Render { page: String, message: String },
}

/// Every page for a snapshot: overview, one per VPC, exposure.
pub fn render_pages(_snapshot: &Snapshot, _analysis: &Analysis) -> Result<Vec<RenderedPage>, DiagramError> {
    Ok(Vec::new())
}

/// Rasterises an SVG produced by `render_pages` (embedded font, deterministic).
pub fn svg_to_png(_svg: &str) -> Result<Vec<u8>, DiagramError> {
    Err(DiagramError::Render { page: "png".into(), message: "not implemented yet".into() })
}

/// Converts an SVG produced by `render_pages` to PDF.
pub fn svg_to_pdf(_svg: &str) -> Result<Vec<u8>, DiagramError> {
    Err(DiagramError::Render { page: "pdf".into(), message: "not implemented yet".into() })
}
