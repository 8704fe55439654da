//! The reference renderer for tests and benchmarks: SVG → usvg/resvg with only the
//! embedded DejaVu fonts. The PNG and PDF writers draw from the scene directly; the
//! tests check they show what this rendering of the SVG shows. usvg and resvg are
//! dev-dependencies: the shipped binary does not build them.
#![allow(dead_code)]
use std::sync::{Arc, OnceLock};

use render::diagram::font::{BOLD, FAMILY, REGULAR};

/// Largest raster we produce; bigger pages are scaled down to fit.
const MAX_PIXELS: f64 = 60_000_000.0;
/// Preferred scale (2 = crisp when zoomed or printed).
const SCALE: f64 = 2.0;

fn fontdb() -> Arc<usvg::fontdb::Database> {
    static DB: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        db.load_font_data(REGULAR.to_vec());
        db.load_font_data(BOLD.to_vec());
        Arc::new(db)
    })
    .clone()
}

pub fn parse(svg: &str) -> Result<usvg::Tree, String> {
    let opt = usvg::Options { fontdb: fontdb(), font_family: FAMILY.to_string(), ..usvg::Options::default() };
    usvg::Tree::from_str(svg, &opt).map_err(|e| format!("invalid SVG: {e}"))
}

pub fn png(svg: &str) -> Result<Vec<u8>, String> {
    let tree = parse(svg)?;
    let size = tree.size();
    let (w, h) = (size.width() as f64, size.height() as f64);
    let scale = SCALE.min((MAX_PIXELS / (w * h).max(1.0)).sqrt());
    let pw = ((w * scale).ceil() as u32).max(1);
    let ph = ((h * scale).ceil() as u32).max(1);
    let mut pixmap =
        resvg::tiny_skia::Pixmap::new(pw, ph).ok_or_else(|| format!("cannot allocate a {pw}×{ph} image"))?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    let t = resvg::tiny_skia::Transform::from_scale(scale as f32, scale as f32);
    resvg::render(&tree, t, &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| format!("PNG encoding failed: {e}"))
}
