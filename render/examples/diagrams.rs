//! Renders every diagram page of a snapshot (or the demo estate, or a generated
//! estate) and prints timings: the benchmark quoted in docs.
//!
//!   cargo run --release -p auditmap-render --example diagrams -- demo OUT [svg,png]
//!   cargo run --release -p auditmap-render --example diagrams -- gen:100000:7 OUT svg
//!   cargo run --release -p auditmap-render --example diagrams -- path/to/snapshot.json OUT
use std::path::Path;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    // `png IN.svg OUT.png`: rasterise one SVG (e.g. a cropped one) with the embedded font.
    if args.get(1).map(String::as_str) == Some("png") {
        let svg = std::fs::read_to_string(&args[2])?;
        std::fs::write(&args[3], render::diagram::svg_to_png(&svg)?)?;
        return Ok(());
    }
    let src = args.get(1).map(String::as_str).unwrap_or("demo");
    let out = Path::new(args.get(2).map(String::as_str).unwrap_or("diagrams-out"));
    let formats = args.get(3).map(String::as_str).unwrap_or("svg,png");
    let t = Instant::now();
    let snap = if src == "demo" {
        inventory::demo::demo_snapshot()?
    } else if let Some(spec) = src.strip_prefix("gen:") {
        let mut it = spec.split(':');
        let n: usize = it.next().unwrap_or("1000").parse()?;
        let seed: u64 = it.next().unwrap_or("1").parse()?;
        inventory::generate::generate(n, seed)
    } else {
        inventory::snapshot::load_file(Path::new(src))?
    };
    eprintln!("snapshot: {} resources in {:.2}s", snap.resources.total(), t.elapsed().as_secs_f64());
    let t = Instant::now();
    let analysis = inventory::analysis::analyze(&snap);
    eprintln!("analysis: {} exposures in {:.2}s", analysis.exposures.len(), t.elapsed().as_secs_f64());
    let t = Instant::now();
    let pages = render::diagram::render_pages(&snap, &analysis)?;
    eprintln!("render_pages: {} pages in {:.2}s", pages.len(), t.elapsed().as_secs_f64());
    std::fs::create_dir_all(out)?;
    let t = Instant::now();
    for p in &pages {
        if formats.contains("svg") {
            std::fs::write(out.join(format!("{}.svg", p.file_stem)), &p.svg)?;
        }
        if formats.contains("png") {
            std::fs::write(out.join(format!("{}.png", p.file_stem)), render::diagram::svg_to_png(&p.svg)?)?;
        }
        if formats.contains("pdf") {
            std::fs::write(out.join(format!("{}.pdf", p.file_stem)), render::diagram::svg_to_pdf(&p.svg)?)?;
        }
        if formats.contains("drawio") {
            if let Some(d) = &p.drawio {
                std::fs::write(out.join(format!("{}.drawio", p.file_stem)), d)?;
            }
        }
        if formats.contains("dot") {
            if let Some(d) = &p.dot {
                std::fs::write(out.join(format!("{}.dot", p.file_stem)), d)?;
            }
        }
    }
    eprintln!("writers ({formats}): {:.2}s", t.elapsed().as_secs_f64());
    Ok(())
}
