//! Per-page cost of PNG output: the scene writer vs the SVG → usvg → resvg path.
//! `cargo bench -p auditmap-render --bench raster -- SNAPSHOT [PAGES] [OUTDIR]`
#[path = "../render/tests/support/svg_reference.rs"]
mod svg_reference;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // cargo bench appends --bench; it is not a positional argument.
    let args: Vec<String> = std::env::args().filter(|a| a != "--bench").collect();
    let path =
        args.get(1).ok_or("usage: cargo bench -p auditmap-render --bench raster -- SNAPSHOT [PAGES] [OUTDIR]")?;
    let n: usize = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(50);
    let snap = inventory::snapshot::load_file(std::path::Path::new(path))?;
    let analysis = inventory::analysis::analyze(&snap);
    let scenes = render::diagram::render_scenes(&snap, &analysis)?;
    let pages: Vec<_> = scenes.iter().skip(1).take(n).collect();
    let time = |f: &dyn Fn(&render::diagram::scene::Scene) -> usize| {
        let c = Instant::now();
        let bytes: usize = pages.iter().map(|p| f(&p.scene)).sum();
        (c.elapsed().as_secs_f64() * 1e3 / pages.len() as f64, bytes / pages.len())
    };
    let direct1 = time(&|s| render::diagram::scene_to_png(s, 1.0).map(|b| b.len()).unwrap_or(0));
    let direct2 = time(&|s| render::diagram::scene_to_png(s, 2.0).map(|b| b.len()).unwrap_or(0));
    let r2 = time(&|s| render::diagram::write::png::rasterise(s, 2.0).map(|p| p.width() as usize).unwrap_or(0));
    let r1 = time(&|s| render::diagram::write::png::rasterise(s, 1.0).map(|p| p.width() as usize).unwrap_or(0));
    println!("rasterise only: 1x {:.2} ms, 2x {:.2} ms", r1.0, r2.0);
    let no_text = time(&|s| {
        let mut s = s.clone();
        s.texts.clear();
        render::diagram::write::png::rasterise(&s, 1.0).map(|p| p.width() as usize).unwrap_or(0)
    });
    let c = Instant::now();
    let ov = render::diagram::scene_to_png(&scenes[0].scene, 1.0)?;
    println!("overview png 1x: {:.0} ms, {} B", c.elapsed().as_secs_f64() * 1e3, ov.len());
    let c = Instant::now();
    let ov = render::diagram::scene_to_pdf(&scenes[0].scene)?;
    println!("overview pdf: {:.0} ms, {} B", c.elapsed().as_secs_f64() * 1e3, ov.len());
    let clone_only = time(&|s| s.clone().texts.len());
    println!("rasterise 1x without text {:.2} ms (clone {:.2} ms)", no_text.0, clone_only.0);
    let via_svg = time(&|s| svg_reference::png(&render::diagram::write::svg::write(s)).map(|b| b.len()).unwrap_or(0));
    println!(
        "pages {}: direct 1x {:.2} ms {} B; direct 2x {:.2} ms {} B; via SVG (2x) {:.2} ms {} B",
        pages.len(),
        direct1.0,
        direct1.1,
        direct2.0,
        direct2.1,
        via_svg.0,
        via_svg.1
    );
    if let Some(out) = args.get(3) {
        std::fs::create_dir_all(out)?;
        for p in pages.iter().take(3).chain(scenes.first().iter()).chain(scenes.last().iter()) {
            std::fs::write(format!("{out}/{}.direct.png", p.file_stem), render::diagram::scene_to_png(&p.scene, 2.0)?)?;
            std::fs::write(
                format!("{out}/{}.direct1x.png", p.file_stem),
                render::diagram::scene_to_png(&p.scene, 1.0)?,
            )?;
            std::fs::write(
                format!("{out}/{}.svg.png", p.file_stem),
                svg_reference::png(&render::diagram::write::svg::write(&p.scene))?,
            )?;
        }
    }
    Ok(())
}
